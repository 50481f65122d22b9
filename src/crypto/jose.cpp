#include "crypto/jose.hpp"

#include <cjose/cjose.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "crypto/base64url.hpp"
#include "crypto/identity_vault.hpp"

namespace mina::crypto {

namespace {

namespace json = boost::json;

/// A compact JWS longer than this is refused unread (an ID token is about 1 KiB).
constexpr std::size_t kMaxCompact = 64 * 1024;
/// RSA keys shorter than this verify nothing.
constexpr std::size_t kMinRsaBits = 2048;
/// An ES256 signature: r and s, 32 bytes each (RFC 7518 §3.4), never DER.
constexpr std::size_t kEs256SignatureBytes = 64;

struct JwkFree {
    void operator()(cjose_jwk_t* k) const { cjose_jwk_release(k); }
};
using JwkPtr = std::unique_ptr<cjose_jwk_t, JwkFree>;

struct JwsFree {
    void operator()(cjose_jws_t* j) const { cjose_jws_release(j); }
};
using JwsPtr = std::unique_ptr<cjose_jws_t, JwsFree>;

struct HeaderFree {
    void operator()(cjose_header_t* h) const { cjose_header_release(h); }
};
using HeaderPtr = std::unique_ptr<cjose_header_t, HeaderFree>;

/// A string cjose allocated, wiped before it is freed (it may hold a private key).
struct CjoseStringFree {
    void operator()(char* s) const {
        sodium_memzero(s, std::strlen(s));
        cjose_get_dealloc()(s);
    }
};
using CjoseString = std::unique_ptr<char, CjoseStringFree>;

[[noreturn]] void fail(const std::string& what, const cjose_err& err) {
    throw std::runtime_error("jose: " + what + (err.message ? std::string(": ") + err.message : std::string()));
}

std::string base64url(const unsigned char* bytes, std::size_t n) {
    return b64url::encode(std::string_view(reinterpret_cast<const char*>(bytes), n));
}

/// Strict base64url without padding (RFC 7515 §2): nothing for any other character or stray bits.
std::optional<std::string> from_base64url(std::string_view text) { return b64url::decode(text); }

std::optional<json::object> object_of(std::string_view text) {
    json::error_code ec;
    auto value = json::parse(text, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

/// The member `name` when it is a string; nothing when it is absent; `bad` when it is something else.
struct Member {
    std::optional<std::string_view> text;
    bool bad = false;
};
Member string_member(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    if (!v) return {};
    if (!v->is_string()) return {std::nullopt, true};
    return {std::string_view(v->as_string()), false};
}

/// What is sealed with a key also names it: a sealed key moved to another row opens to nothing.
std::string associated_data(oidc::Alg alg, std::string_view kid) {
    return std::string(oidc::alg_name(alg)) + '\n' + std::string(kid);
}

/// Whether `jwk` is the kind of key `alg` signs with: RSA (of at least 2048 bits) or EC on P-256.
bool fits(const cjose_jwk_t* jwk, oidc::Alg alg) {
    cjose_err err{};
    const auto kty = cjose_jwk_get_kty(jwk, &err);
    if (alg == oidc::Alg::rs256) return kty == CJOSE_JWK_KTY_RSA && cjose_jwk_get_keysize(jwk, &err) >= kMinRsaBits;
    return kty == CJOSE_JWK_KTY_EC && cjose_jwk_EC_get_curve(jwk, &err) == CJOSE_JWK_EC_P_256;
}

JwkPtr import_jwk(std::string_view text) {
    cjose_err err{};
    return JwkPtr(cjose_jwk_import(text.data(), text.size(), &err));
}

/// The header of a compact JWS that may be verified: RS256 or ES256, a string kid if any, nothing
/// critical (RFC 7515 §4.1.11: we understand no extension).
struct Header {
    oidc::Alg alg;
    std::optional<std::string> kid;
};
std::optional<Header> header_of(std::string_view b64) {
    const auto text = from_base64url(b64);
    if (!text) return std::nullopt;
    const auto o = object_of(*text);
    if (!o || o->contains("crit")) return std::nullopt;
    const auto alg_member = string_member(*o, "alg");
    const auto kid_member = string_member(*o, "kid");
    if (!alg_member.text || kid_member.bad) return std::nullopt;
    const auto alg = oidc::alg_from(*alg_member.text);
    if (!alg) return std::nullopt;
    Header h{*alg, std::nullopt};
    if (kid_member.text) h.kid = std::string(*kid_member.text);
    return h;
}

/// Whether a key of a JWKS may check a token with `header`: its kind fits the algorithm, its kid is
/// the header's (when the header names one), its own alg and use, if stated, agree.
bool candidate(const json::object& key, const Header& header) {
    const auto kty = string_member(key, "kty");
    const auto kid = string_member(key, "kid");
    const auto alg = string_member(key, "alg");
    const auto use = string_member(key, "use");
    if (!kty.text || kid.bad || alg.bad || use.bad) return false;
    if (*kty.text != (header.alg == oidc::Alg::rs256 ? "RSA" : "EC")) return false;
    if (header.alg == oidc::Alg::es256) {
        const auto crv = string_member(key, "crv");
        if (!crv.text || *crv.text != "P-256") return false;
    }
    if (header.kid && (!kid.text || *kid.text != *header.kid)) return false;
    if (alg.text && *alg.text != oidc::alg_name(header.alg)) return false;
    if (use.text && *use.text != "sig") return false;
    return true;
}

/// The public members of a JWKS's key that verifying needs, and no other, each checked to be strict
/// base64url first: Debian's cjose 0.6.2.1 aborts the process (an assert in its base64 decoder) on a
/// value with '=' inside (fuzz/jose_verify found it), and need not see a client's private members.
std::optional<std::string> public_part(const json::object& key, oidc::Alg alg) {
    json::object out;
    out["kty"] = alg == oidc::Alg::rs256 ? "RSA" : "EC";
    if (alg == oidc::Alg::es256) out["crv"] = "P-256";
    static constexpr std::array<const char*, 2> kRsa{"n", "e"};
    static constexpr std::array<const char*, 2> kEc{"x", "y"};
    for (const char* name : alg == oidc::Alg::rs256 ? kRsa : kEc) {
        const auto member = string_member(key, name);
        if (!member.text) return std::nullopt;
        const auto bytes = from_base64url(*member.text);
        if (!bytes || bytes->empty()) return std::nullopt;
        out[name] = *member.text;
    }
    return json::serialize(out);
}

bool only_base64url(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

std::optional<std::string> verified(std::string_view compact, std::string_view jwks_json) {
    if (compact.empty() || compact.size() > kMaxCompact) return std::nullopt;
    // Exactly three parts, each of base64url's characters, none empty.
    const auto first = compact.find('.');
    if (first == std::string_view::npos) return std::nullopt;
    const auto second = compact.find('.', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    const auto head = compact.substr(0, first);
    const auto body = compact.substr(first + 1, second - first - 1);
    const auto signature = compact.substr(second + 1);
    if (head.empty() || body.empty() || signature.empty() || !only_base64url(head) || !only_base64url(body) ||
        !only_base64url(signature))
        return std::nullopt;

    const auto header = header_of(head);
    if (!header) return std::nullopt;
    const auto sig = from_base64url(signature);
    if (!sig || (header->alg == oidc::Alg::es256 && sig->size() != kEs256SignatureBytes)) return std::nullopt;
    auto payload = from_base64url(body);
    if (!payload || !object_of(*payload)) return std::nullopt;  // a JWT's claims are a JSON object

    const auto jwks = object_of(jwks_json);
    if (!jwks) return std::nullopt;
    const auto* keys = jwks->if_contains("keys");
    if (!keys || !keys->is_array()) return std::nullopt;

    cjose_err err{};
    const JwsPtr jws(cjose_jws_import(compact.data(), compact.size(), &err));
    if (!jws) return std::nullopt;
    // cjose read the header too: it must have read the same algorithm and kid (no second opinion
    // on duplicate members).
    auto* protected_header = cjose_jws_get_protected(jws.get());
    const char* cjose_alg = cjose_header_get(protected_header, CJOSE_HDR_ALG, &err);
    const char* cjose_kid = cjose_header_get(protected_header, CJOSE_HDR_KID, &err);
    if (!cjose_alg || cjose_alg != oidc::alg_name(header->alg)) return std::nullopt;
    if (header->kid.has_value() != (cjose_kid != nullptr) || (cjose_kid && *header->kid != cjose_kid))
        return std::nullopt;

    for (const auto& k : keys->as_array()) {
        if (!k.is_object() || !candidate(k.as_object(), *header)) continue;
        const auto part = public_part(k.as_object(), header->alg);
        if (!part) continue;
        const auto jwk = import_jwk(*part);
        if (!jwk || !fits(jwk.get(), header->alg)) continue;
        if (cjose_jws_verify(jws.get(), jwk.get(), &err)) return payload;
    }
    return std::nullopt;
}

}  // namespace

struct Jose::Opened {
    JwkPtr jwk;
    std::string sealed;  // what it was opened from: a kid made again with another key opens again
};

Jose::Jose(const IdentityVault& vault) : seal_key_(vault.jose_key_) {
    // The key of sealed codes and access tokens: keyed BLAKE2b of a fixed label, so that it is
    // neither the signing keys' sealing key nor anything else the vault derives.
    static constexpr std::string_view kLabel = "mina oidc sealed tokens";
    crypto_generichash(token_key_.data(), token_key_.size(), reinterpret_cast<const unsigned char*>(kLabel.data()),
                       kLabel.size(), seal_key_.data(), seal_key_.size());
}

Jose::~Jose() {
    sodium_memzero(seal_key_.data(), seal_key_.size());
    sodium_memzero(token_key_.data(), token_key_.size());
}

std::string Jose::seal_token(std::string_view purpose, std::string_view plain) const {
    return seal(plain, purpose, token_key_);
}

std::optional<std::string> Jose::open_token(std::string_view purpose, std::string_view sealed) const {
    return open(sealed, purpose, token_key_);
}

std::string Jose::seal(std::string_view private_jwk, std::string_view associated,
                       const std::array<unsigned char, kKeyBytes>& key) const {
    constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    std::vector<unsigned char> out(kNonce + private_jwk.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    randombytes_buf(out.data(), kNonce);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out.data() + kNonce, &written, reinterpret_cast<const unsigned char*>(private_jwk.data()), private_jwk.size(),
        reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), nullptr, out.data(), key.data());
    return base64url(out.data(), kNonce + written);
}

std::optional<std::string> Jose::open(std::string_view sealed, std::string_view associated,
                                      const std::array<unsigned char, kKeyBytes>& key) const {
    constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    const auto bytes = from_base64url(sealed);
    if (!bytes || bytes->size() < kNonce + crypto_aead_xchacha20poly1305_ietf_ABYTES) return std::nullopt;
    const auto* data = reinterpret_cast<const unsigned char*>(bytes->data());
    std::string out(bytes->size() - kNonce - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long read = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(out.data()), &read, nullptr, data + kNonce, bytes->size() - kNonce,
            reinterpret_cast<const unsigned char*>(associated.data()), associated.size(), data, key.data()) != 0)
        return std::nullopt;
    out.resize(read);
    return out;
}

oidc::SigningKey Jose::generate(oidc::Alg alg, const std::string& kid, Timestamp now) const {
    cjose_err err{};
    JwkPtr jwk;
    if (alg == oidc::Alg::rs256) {
        static constexpr std::uint8_t kExponent[] = {0x01, 0x00, 0x01};  // 65537
        jwk.reset(cjose_jwk_create_RSA_random(2048, kExponent, sizeof kExponent, &err));
    } else {
        jwk.reset(cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err));
    }
    if (!jwk) fail("cannot make a key pair", err);
    if (!cjose_jwk_set_kid(jwk.get(), kid.c_str(), kid.size(), &err)) fail("cannot name the key", err);

    const CjoseString public_text(cjose_jwk_to_json(jwk.get(), false, &err));
    if (!public_text) fail("cannot write the public key", err);
    auto public_jwk = object_of(public_text.get());
    if (!public_jwk) throw std::runtime_error("jose: cjose wrote a public key that is not a JSON object");
    public_jwk->insert_or_assign("alg", oidc::alg_name(alg));
    public_jwk->insert_or_assign("use", "sig");

    const CjoseString private_text(cjose_jwk_to_json(jwk.get(), true, &err));
    if (!private_text) fail("cannot write the private key", err);

    oidc::SigningKey key;
    key.kid = kid;
    key.alg = alg;
    key.public_jwk = json::serialize(*public_jwk);
    key.sealed_private = seal(private_text.get(), associated_data(alg, kid), seal_key_);
    key.created_at = now;
    return key;
}

std::shared_ptr<const Jose::Opened> Jose::opened(const oidc::SigningKey& key) const {
    {
        const std::lock_guard lock(mutex_);
        if (auto it = cache_.find(key.kid); it != cache_.end() && it->second->sealed == key.sealed_private)
            return it->second;
    }
    auto text = open(key.sealed_private, associated_data(key.alg, key.kid), seal_key_);
    if (!text)
        throw std::runtime_error("jose: the signing key " + key.kid +
                                 " cannot be opened (sealed with another installation's key?)");
    auto jwk = import_jwk(*text);
    sodium_memzero(text->data(), text->size());
    if (!jwk || !fits(jwk.get(), key.alg))
        throw std::runtime_error("jose: the signing key " + key.kid + " is not an " +
                                 std::string(oidc::alg_name(key.alg)) + " private key");
    auto entry = std::make_shared<Opened>(Opened{std::move(jwk), key.sealed_private});
    const std::lock_guard lock(mutex_);
    if (cache_.size() >= kCachedKeys && !cache_.contains(key.kid)) cache_.erase(cache_.begin());
    cache_.insert_or_assign(key.kid, entry);
    return entry;
}

std::string Jose::sign(const oidc::SigningKey& key, std::string_view payload_json) const {
    const auto entry = opened(key);
    cjose_err err{};
    const HeaderPtr header(cjose_header_new(&err));
    if (!header || !cjose_header_set(header.get(), CJOSE_HDR_ALG, std::string(oidc::alg_name(key.alg)).c_str(), &err) ||
        !cjose_header_set(header.get(), CJOSE_HDR_KID, key.kid.c_str(), &err) ||
        !cjose_header_set(header.get(), "typ", "JWT", &err))
        fail("cannot write the header", err);
    const JwsPtr jws(cjose_jws_sign(entry->jwk.get(), header.get(),
                                    reinterpret_cast<const std::uint8_t*>(payload_json.data()), payload_json.size(),
                                    &err));
    if (!jws) fail("cannot sign", err);
    const char* compact = nullptr;
    if (!cjose_jws_export(jws.get(), &compact, &err) || !compact) fail("cannot write the token", err);
    return compact;
}

std::optional<std::string> Jose::verify(std::string_view compact, std::string_view jwks_json) const {
    try {
        return verified(compact, jwks_json);
    } catch (...) {  // out of memory, at worst: no token is worth a crash
        return std::nullopt;
    }
}

std::string Jose::jwks(const std::vector<oidc::SigningKey>& keys) {
    json::array out;
    for (const auto& k : keys)
        if (auto jwk = object_of(k.public_jwk)) out.emplace_back(std::move(*jwk));
    return json::serialize(json::object{{"keys", std::move(out)}});
}

}  // namespace mina::crypto
