// WebAuthn for the relying party (issue [12] item 2): registrations and authentications verified,
// every check refusing what it names. The browser's and the authenticator's side is built here from
// nothing: keys and signatures with OpenSSL's EVP, authenticator data by hand, CBOR with libcbor,
// clientDataJSON with Boost.JSON.
#include "crypto/webauthn.hpp"

#include <cbor.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

namespace mina::crypto::webauthn {
namespace {

namespace json = boost::json;

const std::string kRpId = "mina.example.se";
const std::string kOrigin = "https://mina.example.se";
const std::string kChallenge = "0123456789abcdef0123456789ABCDEF";  // 32 bytes

Expected expected(bool require_uv = false) { return {kChallenge, kOrigin, kRpId, require_uv}; }

constexpr unsigned char kUp = 0x01;
constexpr unsigned char kUv = 0x04;
constexpr unsigned char kBe = 0x08;
constexpr unsigned char kBs = 0x10;
constexpr unsigned char kAt = 0x40;
constexpr unsigned char kEd = 0x80;

// ---- OpenSSL.

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string digest(const EVP_MD* md, std::string_view bytes) {
    std::string out(static_cast<std::size_t>(EVP_MD_get_size(md)), '\0');
    EXPECT_EQ(
        EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(out.data()), nullptr, md, nullptr), 1);
    return out;
}
std::string sha256(std::string_view bytes) { return digest(EVP_sha256(), bytes); }

std::string bn_bytes(const EVP_PKEY* key, const char* param, int pad_to = 0) {
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key, param, &bn), 1);
    const int n = pad_to ? pad_to : BN_num_bytes(bn);
    std::string out(static_cast<std::size_t>(n), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), n);
    BN_free(bn);
    return out;
}

Pkey new_key(int alg) {
    switch (alg) {
        case kEs256: return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        case kEs384: return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
        case kEdDsa: return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        default: return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
    }
}

/// What each algorithm signs with: ECDSA (DER) over SHA-256 or SHA-384, PKCS #1 v1.5 over SHA-256,
/// Ed25519 over the message itself.
std::string evp_sign(EVP_PKEY* key, int alg, std::string_view message) {
    const EVP_MD* md = alg == kEdDsa ? nullptr : alg == kEs384 ? EVP_sha384() : EVP_sha256();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, md, nullptr, key), 1);
    std::size_t n = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(message.data());
    EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &n, in, message.size()), 1);
    std::string sig(n, '\0');
    EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &n, in, message.size()), 1);
    sig.resize(n);
    EVP_MD_CTX_free(ctx);
    return sig;
}

/// A self-signed certificate (DER) for `key`: an attestation certificate no CA vouches for.
std::string certificate(EVP_PKEY* key) {
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Test authenticator"),
                               -1, -1, 0);
    X509_set_issuer_name(x, name);
    EXPECT_GT(X509_sign(x, key, EVP_sha256()), 0);
    std::string der(static_cast<std::size_t>(i2d_X509(x, nullptr)), '\0');
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_X509(x, &p);
    X509_free(x);
    return der;
}

// ---- libcbor.

struct CborFree {
    void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Cbor = std::unique_ptr<cbor_item_t, CborFree>;

Cbor integer(int v) {
    if (v >= 0)
        return Cbor(v < 256 ? cbor_build_uint8(static_cast<std::uint8_t>(v))
                            : cbor_build_uint16(static_cast<std::uint16_t>(v)));
    const int n = -1 - v;
    return Cbor(n < 256 ? cbor_build_negint8(static_cast<std::uint8_t>(n))
                        : cbor_build_negint16(static_cast<std::uint16_t>(n)));
}
Cbor text(std::string_view s) { return Cbor(cbor_build_stringn(s.data(), s.size())); }
Cbor bytes(std::string_view s) {
    return Cbor(cbor_build_bytestring(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
}
Cbor boolean(bool b) { return Cbor(cbor_build_bool(b)); }

/// A definite map of the entries, in their order.
Cbor map(std::vector<std::pair<Cbor, Cbor>> entries) {
    Cbor m(cbor_new_definite_map(entries.size()));
    for (auto& [k, v] : entries) EXPECT_TRUE(cbor_map_add(m.get(), cbor_pair{k.get(), v.get()}));
    return m;
}
template <typename... Entries>
Cbor map_of(Entries&&... entries) {
    std::vector<std::pair<Cbor, Cbor>> v;
    (v.push_back(std::forward<Entries>(entries)), ...);
    return map(std::move(v));
}

std::string encoded(const cbor_item_t* item) {
    unsigned char* buffer = nullptr;
    std::size_t allocated = 0;
    const std::size_t n = cbor_serialize_alloc(item, &buffer, &allocated);
    std::string out(reinterpret_cast<const char*>(buffer), n);
    std::free(buffer);
    return out;
}

// ---- The authenticator.

/// A software authenticator holding one credential.
struct Authenticator {
    int alg = kEs256;
    Pkey key;
    std::string id;
    std::uint32_t counter = 0;

    explicit Authenticator(int a = kEs256, std::string credential_id = "credential-1")
        : alg(a), key(new_key(a)), id(std::move(credential_id)) {}

    /// The credential public key as COSE_Key (RFC 9053).
    [[nodiscard]] std::string cose(int stated_alg = 0) const {
        const int a = stated_alg ? stated_alg : alg;
        if (alg == kEdDsa) {
            std::string x(32, '\0');
            std::size_t n = x.size();
            EXPECT_EQ(EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(x.data()), &n), 1);
            return encoded(map_of(std::pair{integer(1), integer(1)}, std::pair{integer(3), integer(a)},
                                  std::pair{integer(-1), integer(6)}, std::pair{integer(-2), bytes(x)})
                               .get());
        }
        if (alg == kRs256)
            return encoded(map_of(std::pair{integer(1), integer(3)}, std::pair{integer(3), integer(a)},
                                  std::pair{integer(-1), bytes(bn_bytes(key.get(), OSSL_PKEY_PARAM_RSA_N))},
                                  std::pair{integer(-2), bytes(bn_bytes(key.get(), OSSL_PKEY_PARAM_RSA_E))})
                               .get());
        const int size = alg == kEs384 ? 48 : 32;
        return encoded(map_of(std::pair{integer(1), integer(2)}, std::pair{integer(3), integer(a)},
                              std::pair{integer(-1), integer(alg == kEs384 ? 2 : 1)},
                              std::pair{integer(-2), bytes(bn_bytes(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, size))},
                              std::pair{integer(-3), bytes(bn_bytes(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, size))})
                           .get());
    }

    [[nodiscard]] std::string sign(std::string_view message) const { return evp_sign(key.get(), alg, message); }
};

/// authenticatorData (WebAuthn §6.1): with the attested credential data of `attested` when given.
std::string auth_data(unsigned char flags, std::uint32_t counter, const Authenticator* attested = nullptr,
                      const std::string& rp_id = kRpId, const std::string& extensions = {}) {
    std::string out = sha256(rp_id);
    out += static_cast<char>(flags);
    for (int shift = 24; shift >= 0; shift -= 8)
        out += static_cast<char>((counter >> static_cast<unsigned>(shift)) & 0xFFU);
    if (attested) {
        out += std::string(16, '\0');  // AAGUID
        out += static_cast<char>(attested->id.size() >> 8U);
        out += static_cast<char>(attested->id.size() & 0xFFU);
        out += attested->id;
        out += attested->cose();
    }
    return out + extensions;
}

std::string client_data(const std::string& type, const std::string& challenge = kChallenge,
                        const std::string& origin = kOrigin, std::optional<bool> cross_origin = false) {
    json::object o{{"type", type}, {"challenge", base64url(challenge)}, {"origin", origin}};
    if (cross_origin) o["crossOrigin"] = *cross_origin;
    return json::serialize(o);
}

std::string attestation_object(std::string_view fmt, Cbor statement, const std::string& auth) {
    return encoded(map_of(std::pair{text("fmt"), text(fmt)}, std::pair{text("attStmt"), std::move(statement)},
                          std::pair{text("authData"), bytes(auth)})
                       .get());
}

/// A registration as a browser hands it over.
struct Registration {
    std::string client_data;
    std::string attestation_object;
};

Registration none_registration(const Authenticator& a, unsigned char flags = kUp | kAt,
                               const std::string& type = "webauthn.create") {
    return {client_data(type), attestation_object("none", map_of(), auth_data(flags, a.counter, &a))};
}

/// Packed self attestation (WebAuthn §8.2): the credential's own key signs authData || SHA-256(clientDataJSON).
Registration packed_self(const Authenticator& a, unsigned char flags = kUp | kAt, const std::string& extensions = {},
                         int stated_alg = 0) {
    const auto cd = client_data("webauthn.create");
    const auto auth = auth_data(flags, a.counter, &a, kRpId, extensions);
    const auto sig = a.sign(auth + sha256(cd));
    return {cd, attestation_object("packed",
                                   map_of(std::pair{text("alg"), integer(stated_alg ? stated_alg : a.alg)},
                                          std::pair{text("sig"), bytes(sig)}),
                                   auth)};
}

/// An authentication as a browser hands it over.
struct Assertion {
    std::string client_data;
    std::string auth_data;
    std::string signature;
};

Assertion assertion(const Authenticator& a, unsigned char flags = kUp, std::uint32_t counter = 1,
                    const std::string& extensions = {}) {
    Assertion out{client_data("webauthn.get"), auth_data(flags, counter, nullptr, kRpId, extensions), {}};
    out.signature = a.sign(out.auth_data + sha256(out.client_data));
    return out;
}

Credential registered(const Registration& r, const Expected& e = expected()) {
    const auto result = verify_registration(r.client_data, r.attestation_object, e);
    if (const auto* p = std::get_if<Problem>(&result)) ADD_FAILURE() << "refused: " << name(*p);
    return std::holds_alternative<Credential>(result) ? std::get<Credential>(result) : Credential{};
}

std::variant<Asserted, Problem> verify(const Credential& c, const Assertion& a, const Expected& e = expected()) {
    return verify_assertion(c, a.client_data, a.auth_data, a.signature, e);
}

/// The problem of a refused ceremony, or "accepted".
template <typename T>
std::string outcome(const std::variant<T, Problem>& v) {
    return std::holds_alternative<Problem>(v) ? std::string(name(std::get<Problem>(v))) : "accepted";
}

// ---- The tests.

TEST(WebAuthn, RegistersANoneAttestationAndItsCredentialVerifiesAnAssertion) {
    Authenticator a;
    const auto c = registered(none_registration(a));
    EXPECT_EQ(c.id, "credential-1");
    EXPECT_EQ(c.algorithm, kEs256);
    EXPECT_EQ(c.attestation_format, "none");
    EXPECT_EQ(c.sign_count, 0u);
    EXPECT_EQ(c.aaguid, std::string(16, '\0'));
    EXPECT_FALSE(c.user_verified);
    EXPECT_FALSE(c.backup_eligible);
    EXPECT_EQ(c.public_key.size(), 64u) << "libfido2's x || y";

    const auto result = verify(c, assertion(a, kUp, 1));
    ASSERT_EQ(outcome(result), "accepted");
    const auto& asserted = std::get<Asserted>(result);
    EXPECT_EQ(asserted.sign_count, 1u);
    EXPECT_FALSE(asserted.user_verified);
    EXPECT_FALSE(asserted.cloned);
}

TEST(WebAuthn, StoresWhatTheFlagsAndCounterSay) {
    Authenticator a;
    a.counter = 41;
    const auto c = registered(none_registration(a, kUp | kUv | kBe | kBs | kAt));
    EXPECT_TRUE(c.user_verified);
    EXPECT_TRUE(c.backup_eligible);
    EXPECT_EQ(c.sign_count, 41u);
    const auto result = verify(c, assertion(a, kUp | kUv | kBe | kBs, 42));
    ASSERT_EQ(outcome(result), "accepted");
    EXPECT_TRUE(std::get<Asserted>(result).user_verified);
    EXPECT_EQ(std::get<Asserted>(result).sign_count, 42u);
}

TEST(WebAuthn, VerifiesPackedSelfAttestationAndRefusesAChangedSignature) {
    Authenticator a;
    const auto c = registered(packed_self(a));
    EXPECT_EQ(c.attestation_format, "packed");
    EXPECT_EQ(outcome(verify(c, assertion(a))), "accepted");

    const auto cd = client_data("webauthn.create");
    const auto auth = auth_data(kUp | kAt, 0, &a);
    const auto packed = [&](const std::string& sig) {
        return attestation_object(
            "packed", map_of(std::pair{text("alg"), integer(kEs256)}, std::pair{text("sig"), bytes(sig)}), auth);
    };
    const auto sig = a.sign(auth + sha256(cd));
    ASSERT_EQ(outcome(verify_registration(cd, packed(sig), expected())), "accepted");
    // The statement's signature with a byte changed, made by another key, or missing.
    for (const std::size_t at : {std::size_t{8}, sig.size() / 2, sig.size() - 1}) {
        auto changed = sig;
        changed[at] ^= 0x01;
        EXPECT_EQ(outcome(verify_registration(cd, packed(changed), expected())), "bad_attestation") << at;
    }
    EXPECT_EQ(outcome(verify_registration(cd, packed(Authenticator().sign(auth + sha256(cd))), expected())),
              "bad_attestation");
    const auto unsigned_ = attestation_object("packed", map_of(std::pair{text("alg"), integer(kEs256)}), auth);
    EXPECT_EQ(outcome(verify_registration(cd, unsigned_, expected())), "bad_attestation");
}

TEST(WebAuthn, RefusesPackedSelfAttestationWhoseAlgIsNotTheKeys) {
    // libfido2 verifies self attestation with the credential's algorithm whatever "alg" says.
    Authenticator a;
    EXPECT_EQ(outcome(verify_registration(packed_self(a, kUp | kAt, {}, kRs256).client_data,
                                          packed_self(a, kUp | kAt, {}, kRs256).attestation_object, expected())),
              "bad_attestation");
}

TEST(WebAuthn, VerifiesPackedAndFidoU2fAttestationWithACertificate) {
    Authenticator a;
    const Authenticator attestation_key(kEs256);
    const auto x5c = certificate(attestation_key.key.get());
    const auto cd = client_data("webauthn.create");
    const auto auth = auth_data(kUp | kAt, 0, &a);
    const auto packed = [&](const std::string& sig) {
        Cbor chain(cbor_new_definite_array(1));
        Cbor cert = bytes(x5c);
        EXPECT_TRUE(cbor_array_push(chain.get(), cert.get()));
        return attestation_object("packed",
                                  map_of(std::pair{text("alg"), integer(kEs256)}, std::pair{text("sig"), bytes(sig)},
                                         std::pair{text("x5c"), std::move(chain)}),
                                  auth);
    };
    const auto sig = attestation_key.sign(auth + sha256(cd));
    const auto result = verify_registration(cd, packed(sig), expected());
    ASSERT_EQ(outcome(result), "accepted");
    EXPECT_EQ(std::get<Credential>(result).attestation_format, "packed");
    EXPECT_EQ(outcome(verify(std::get<Credential>(result), assertion(a))), "accepted");
    // Signed by the credential's key instead of the certificate's.
    EXPECT_EQ(outcome(verify_registration(cd, packed(a.sign(auth + sha256(cd))), expected())), "bad_attestation");
    auto changed = sig;
    changed[changed.size() - 1] ^= 0x01;
    EXPECT_EQ(outcome(verify_registration(cd, packed(changed), expected())), "bad_attestation");

    // FIDO U2F (WebAuthn §8.6): 0x00 || rpIdHash || SHA-256(clientDataJSON) || credentialId || 0x04 || x || y.
    const auto u2f = [&](const std::string& signed_by_cert) {
        Cbor chain(cbor_new_definite_array(1));
        Cbor cert = bytes(x5c);
        EXPECT_TRUE(cbor_array_push(chain.get(), cert.get()));
        return attestation_object(
            "fido-u2f", map_of(std::pair{text("sig"), bytes(signed_by_cert)}, std::pair{text("x5c"), std::move(chain)}),
            auth);
    };
    const std::string point = std::string(1, '\x04') + bn_bytes(a.key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32) +
                              bn_bytes(a.key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    const std::string u2f_message = std::string(1, '\0') + sha256(kRpId) + sha256(cd) + a.id + point;
    const auto u2f_result = verify_registration(cd, u2f(attestation_key.sign(u2f_message)), expected());
    ASSERT_EQ(outcome(u2f_result), "accepted");
    EXPECT_EQ(std::get<Credential>(u2f_result).attestation_format, "fido-u2f");
    EXPECT_EQ(outcome(verify_registration(cd, u2f(attestation_key.sign(u2f_message + "x")), expected())),
              "bad_attestation");
}

TEST(WebAuthn, RefusesANoneStatementThatIsNotEmptyAndFormatsItDoesNotVerify) {
    Authenticator a;
    const auto cd = client_data("webauthn.create");
    const auto auth = auth_data(kUp | kAt, 0, &a);
    EXPECT_EQ(outcome(verify_registration(
                  cd, attestation_object("none", map_of(std::pair{text("alg"), integer(-7)}), auth), expected())),
              "bad_attestation");
    for (const char* fmt : {"android-key", "apple", "android-safetynet", "tpm", "fido-u2f", "", "NONE"})
        EXPECT_EQ(outcome(verify_registration(cd, attestation_object(fmt, map_of(), auth), expected())),
                  "bad_attestation")
            << fmt;
}

TEST(WebAuthn, RefusesAWrongChallenge) {
    Authenticator a;
    const auto good = none_registration(a);
    const auto c = registered(good);
    auto other = expected();
    other.challenge[0] = 'X';
    EXPECT_EQ(outcome(verify_registration(good.client_data, good.attestation_object, other)), "wrong_challenge");
    EXPECT_EQ(outcome(verify(c, assertion(a), other)), "wrong_challenge");
    // The same bytes and one more, or one fewer.
    other.challenge = kChallenge + "!";
    EXPECT_EQ(outcome(verify(c, assertion(a), other)), "wrong_challenge");
    other.challenge = kChallenge.substr(1);
    EXPECT_EQ(outcome(verify(c, assertion(a), other)), "wrong_challenge");
    // A challenge too short to be one, even when the browser echoes it.
    other.challenge = "short";
    Assertion short_one = assertion(a);
    short_one.client_data = client_data("webauthn.get", "short");
    short_one.signature = a.sign(short_one.auth_data + sha256(short_one.client_data));
    EXPECT_EQ(outcome(verify(c, short_one, other)), "wrong_challenge");
    // Not base64url.
    auto padded = json::parse(good.client_data).as_object();
    padded["challenge"] = base64url(kChallenge) + "=";
    EXPECT_EQ(outcome(verify_registration(json::serialize(padded), good.attestation_object, expected())), "malformed");
}

TEST(WebAuthn, RefusesAWrongOriginAndACrossOriginCeremony) {
    Authenticator a;
    const auto good = none_registration(a);
    const auto c = registered(good);
    for (const char* origin : {"https://mina.example.se:443", "http://mina.example.se", "https://evil.example.se",
                               "https://mina.example.se/", "HTTPS://MINA.EXAMPLE.SE"}) {
        auto e = expected();
        EXPECT_EQ(outcome(verify_registration(client_data("webauthn.create", kChallenge, origin),
                                              good.attestation_object, e)),
                  "wrong_origin")
            << origin;
        Assertion x = assertion(a);
        x.client_data = client_data("webauthn.get", kChallenge, origin);
        x.signature = a.sign(x.auth_data + sha256(x.client_data));
        EXPECT_EQ(outcome(verify(c, x, e)), "wrong_origin") << origin;
    }
    // crossOrigin true: in a frame of another site.
    EXPECT_EQ(outcome(verify_registration(client_data("webauthn.create", kChallenge, kOrigin, true),
                                          good.attestation_object, expected())),
              "wrong_origin");
    Assertion framed = assertion(a);
    framed.client_data = client_data("webauthn.get", kChallenge, kOrigin, true);
    framed.signature = a.sign(framed.auth_data + sha256(framed.client_data));
    EXPECT_EQ(outcome(verify(c, framed, expected())), "wrong_origin");
    // crossOrigin absent is same-origin (Level 1 browsers); of another type, malformed.
    EXPECT_EQ(outcome(verify_registration(client_data("webauthn.create", kChallenge, kOrigin, std::nullopt),
                                          good.attestation_object, expected())),
              "accepted");
    auto odd = json::parse(good.client_data).as_object();
    odd["crossOrigin"] = "false";
    EXPECT_EQ(outcome(verify_registration(json::serialize(odd), good.attestation_object, expected())), "malformed");
}

TEST(WebAuthn, RefusesTheOtherCeremonysType) {
    Authenticator a;
    const auto get = none_registration(a, kUp | kAt, "webauthn.get");
    EXPECT_EQ(outcome(verify_registration(get.client_data, get.attestation_object, expected())), "wrong_type");
    const auto c = registered(none_registration(a));
    Assertion create = assertion(a);
    create.client_data = client_data("webauthn.create");
    create.signature = a.sign(create.auth_data + sha256(create.client_data));
    EXPECT_EQ(outcome(verify(c, create)), "wrong_type");
    // The packed statement signed over it too: the type is checked, not just the signature.
    const auto r = packed_self(a);
    Assertion from_registration{r.client_data, auth_data(kUp, 1), {}};
    from_registration.signature = a.sign(from_registration.auth_data + sha256(r.client_data));
    EXPECT_EQ(outcome(verify(c, from_registration)), "wrong_type");
}

TEST(WebAuthn, RefusesAnotherRelyingPartysIdHash) {
    Authenticator a;
    const auto cd = client_data("webauthn.create");
    const auto foreign = attestation_object("none", map_of(), auth_data(kUp | kAt, 0, &a, "evil.example.se"));
    EXPECT_EQ(outcome(verify_registration(cd, foreign, expected())), "wrong_rp");
    // Packed: signed, and still for another relying party.
    const auto auth = auth_data(kUp | kAt, 0, &a, "example.se");
    const auto packed = attestation_object(
        "packed",
        map_of(std::pair{text("alg"), integer(kEs256)}, std::pair{text("sig"), bytes(a.sign(auth + sha256(cd)))}),
        auth);
    EXPECT_EQ(outcome(verify_registration(cd, packed, expected())), "wrong_rp");

    const auto c = registered(none_registration(a));
    Assertion x = assertion(a);
    x.auth_data = auth_data(kUp, 1, nullptr, "evil.example.se");
    x.signature = a.sign(x.auth_data + sha256(x.client_data));
    EXPECT_EQ(outcome(verify(c, x)), "wrong_rp");
    auto e = expected();
    e.rp_id = "example.se";
    EXPECT_EQ(outcome(verify(c, assertion(a), e)), "wrong_rp");
    e.rp_id = "";
    EXPECT_EQ(outcome(verify(c, assertion(a), e)), "wrong_rp");
    e.rp_id = kRpId + std::string(1, '\0') + "x";
    EXPECT_EQ(outcome(verify(c, assertion(a), e)), "wrong_rp");
}

TEST(WebAuthn, RefusesWithoutUserPresence) {
    Authenticator a;
    const auto none = none_registration(a, kAt | kUv);
    EXPECT_EQ(outcome(verify_registration(none.client_data, none.attestation_object, expected())), "no_user_presence");
    const auto packed = packed_self(a, kAt);
    EXPECT_EQ(outcome(verify_registration(packed.client_data, packed.attestation_object, expected())),
              "no_user_presence");
    const auto c = registered(none_registration(a));
    EXPECT_EQ(outcome(verify(c, assertion(a, kUv, 1))), "no_user_presence");
    EXPECT_EQ(outcome(verify(c, assertion(a, 0, 1))), "no_user_presence");
}

TEST(WebAuthn, RefusesWithoutUserVerificationWhenItIsRequired) {
    Authenticator a;
    const auto none = none_registration(a);
    EXPECT_EQ(outcome(verify_registration(none.client_data, none.attestation_object, expected(true))),
              "no_user_verification");
    const auto packed = packed_self(a);
    EXPECT_EQ(outcome(verify_registration(packed.client_data, packed.attestation_object, expected(true))),
              "no_user_verification");
    const auto verified = registered(packed_self(a, kUp | kUv | kAt), expected(true));
    EXPECT_TRUE(verified.user_verified);
    EXPECT_EQ(outcome(verify(verified, assertion(a, kUp, 1), expected(true))), "no_user_verification");
    EXPECT_EQ(outcome(verify(verified, assertion(a, kUp | kUv, 1), expected(true))), "accepted");
    EXPECT_EQ(outcome(verify(verified, assertion(a, kUp, 1), expected(false))), "accepted");
}

TEST(WebAuthn, RefusesAChangedSignatureAuthenticatorDataOrClientData) {
    Authenticator a;
    const auto c = registered(none_registration(a));
    const auto good = assertion(a, kUp, 7);
    ASSERT_EQ(outcome(verify(c, good)), "accepted");
    for (std::size_t i = 0; i < good.signature.size(); ++i) {
        auto x = good;
        x.signature[i] ^= 0x01;
        EXPECT_EQ(outcome(verify(c, x)), "bad_signature") << "byte " << i;
    }
    auto x = good;
    x.signature.pop_back();
    EXPECT_EQ(outcome(verify(c, x)), "bad_signature");
    x.signature.clear();
    EXPECT_EQ(outcome(verify(c, x)), "bad_signature");
    // A higher counter, or the UV flag, set after signing.
    x = good;
    x.auth_data[36] = 8;
    EXPECT_EQ(outcome(verify(c, x)), "bad_signature");
    x = good;
    x.auth_data[32] = static_cast<char>(kUp | kUv);
    EXPECT_EQ(outcome(verify(c, x)), "bad_signature");
    // The client data of another ceremony (another challenge) that was signed for.
    x = good;
    auto e = expected();
    e.challenge = "fedcba9876543210fedcba9876543210";
    x.client_data = client_data("webauthn.get", e.challenge);
    EXPECT_EQ(outcome(verify(c, x, e)), "bad_signature");
}

TEST(WebAuthn, RefusesAnAssertionSignedByAnotherKey) {
    Authenticator a;
    Authenticator other;
    const auto c = registered(none_registration(a));
    EXPECT_EQ(outcome(verify(c, assertion(other))), "bad_signature");
    // Another algorithm's key under the same credential id.
    Authenticator ed(kEdDsa);
    EXPECT_EQ(outcome(verify(c, assertion(ed))), "bad_signature");
    // A stored key libfido2 cannot take back, or of an algorithm it does not know.
    auto broken = c;
    broken.public_key = std::string(64, '\x01');
    EXPECT_EQ(outcome(verify(broken, assertion(a))), "bad_signature");
    broken.public_key.clear();
    EXPECT_EQ(outcome(verify(broken, assertion(a))), "bad_signature");
    broken = c;
    broken.algorithm = -36;
    EXPECT_EQ(outcome(verify(broken, assertion(a))), "unsupported_algorithm");
    broken.algorithm = kEdDsa;
    EXPECT_EQ(outcome(verify(broken, assertion(a))), "bad_signature");
}

TEST(WebAuthn, RegistersAndVerifiesEveryAlgorithm) {
    for (const int alg : {kEs256, kEdDsa, kEs384, kRs256}) {
        Authenticator a(alg);
        const auto none = registered(none_registration(a));
        EXPECT_EQ(none.algorithm, alg);
        EXPECT_EQ(outcome(verify(none, assertion(a, kUp, 3))), "accepted") << alg;
        const auto packed = registered(packed_self(a));
        EXPECT_EQ(packed.public_key, none.public_key) << alg;
        EXPECT_EQ(outcome(verify(packed, assertion(a, kUp, 3))), "accepted") << alg;
        auto x = assertion(a, kUp, 3);
        x.signature[x.signature.size() / 2] ^= 0x20;
        EXPECT_EQ(outcome(verify(packed, x)), "bad_signature") << alg;
        EXPECT_EQ(outcome(verify(packed, assertion(Authenticator(alg)))), "bad_signature") << alg;
    }
}

TEST(WebAuthn, RefusesAnUnsupportedAlgorithmOrAKeyNotOfItsStatedAlgorithm) {
    Authenticator a;
    const auto cd = client_data("webauthn.create");
    for (const int alg : {-36, -47, -37, -65535, 1}) {
        std::string auth = auth_data(kUp | kAt, 0, nullptr);
        auth[32] = static_cast<char>(kUp | kAt);
        auth += std::string(16, '\0') + std::string(1, '\0') + static_cast<char>(a.id.size()) + a.id + a.cose(alg);
        EXPECT_EQ(outcome(verify_registration(cd, attestation_object("none", map_of(), auth), expected())),
                  "unsupported_algorithm")
            << alg;
    }
    // A P-256 key that says it is of another algorithm: libfido2 checks the key type and curve.
    for (const int alg : {kEdDsa, kRs256, kEs384}) {
        std::string auth = auth_data(kUp | kAt, 0, nullptr);
        auth[32] = static_cast<char>(kUp | kAt);
        auth += std::string(16, '\0') + std::string(1, '\0') + static_cast<char>(a.id.size()) + a.id + a.cose(alg);
        EXPECT_EQ(outcome(verify_registration(cd, attestation_object("none", map_of(), auth), expected())), "malformed")
            << alg;
    }
}

TEST(WebAuthn, AcceptsExtensionsTheAuthenticatorReports) {
    // credProtect on a discoverable credential, unasked: libfido2 must be told, or it refuses.
    Authenticator a;
    const auto extensions = encoded(map_of(std::pair{text("credProtect"), integer(2)}).get());
    const auto c = registered(packed_self(a, kUp | kAt | kEd, extensions));
    EXPECT_EQ(c.attestation_format, "packed");
    // In CTAP2's canonical order, which libfido2 insists on: the shorter key first, then bytewise.
    const auto two = encoded(
        map_of(std::pair{text("credProtect"), integer(3)}, std::pair{text("hmac-secret"), boolean(true)}).get());
    registered(packed_self(a, kUp | kAt | kEd, two));
    const auto unordered = packed_self(
        a, kUp | kAt | kEd,
        encoded(
            map_of(std::pair{text("hmac-secret"), boolean(true)}, std::pair{text("credProtect"), integer(3)}).get()));
    EXPECT_EQ(outcome(verify_registration(unordered.client_data, unordered.attestation_object, expected())),
              "malformed");
    // An assertion with the hmac-secret's output (encrypted bytes).
    const auto output = encoded(map_of(std::pair{text("hmac-secret"), bytes(std::string(32, '\x5a'))}).get());
    EXPECT_EQ(outcome(verify(c, assertion(a, kUp | kEd, 1, output))), "accepted");
    // The ED flag without extensions, or extensions without the flag.
    EXPECT_EQ(outcome(verify(c, assertion(a, kUp | kEd, 1))), "malformed");
    EXPECT_EQ(outcome(verify(c, assertion(a, kUp, 1, output))), "malformed");
    const auto flagless = packed_self(a, kUp | kAt, extensions);
    EXPECT_EQ(outcome(verify_registration(flagless.client_data, flagless.attestation_object, expected())), "malformed");
}

TEST(WebAuthn, RefusesMalformedInput) {
    Authenticator a;
    const auto good = none_registration(a);
    const auto& cd = good.client_data;
    const auto check = [&](const std::string& attestation, const char* what) {
        EXPECT_EQ(outcome(verify_registration(cd, attestation, expected())), "malformed") << what;
    };
    check("", "empty");
    check("\xa0", "an empty map");
    check("not cbor at all", "text");
    check(good.attestation_object.substr(0, good.attestation_object.size() - 1), "truncated");
    check(good.attestation_object + '\0', "trailing byte");
    check(std::string("\x9b\x00\x00\x01\x00\x00\x00\x00\x00", 9), "an array declaring 2^40 members");
    check(std::string("\xbb\x00\x00\x00\x10\x00\x00\x00\x00", 9), "a map declaring 2^36 pairs");
    check(std::string("\xbf\x63"
                      "fmt\x64none\xff",
                      11),
          "an indefinite map");
    check(std::string(200, '\x81') + '\x00', "arrays two hundred deep");
    const auto auth = auth_data(kUp | kAt, 0, &a);
    check(attestation_object("none", map_of(), auth.substr(0, 36)), "authData shorter than 37 bytes");
    check(attestation_object("none", map_of(), auth.substr(0, 60)), "authData cut in the credential id");
    check(attestation_object("none", map_of(), auth.substr(0, auth.size() - 1)), "authData cut in the key");
    check(attestation_object("none", map_of(), auth + "x"), "authData with a byte left over");
    check(attestation_object("none", map_of(), auth_data(kUp, 0)), "no attested credential data");
    check(attestation_object("none", map_of(), auth_data(kUp | kBs | kAt, 0, &a)), "backed up, not eligible");
    check(encoded(map_of(std::pair{text("fmt"), text("none")}, std::pair{text("attStmt"), map_of()}).get()),
          "no authData");
    check(encoded(map_of(std::pair{text("fmt"), text("none")}, std::pair{text("attStmt"), map_of()},
                         std::pair{text("authData"), text(auth)})
                      .get()),
          "authData as text");
    check(encoded(map_of(std::pair{text("fmt"), text("none")}, std::pair{text("fmt"), text("none")},
                         std::pair{text("attStmt"), map_of()}, std::pair{text("authData"), bytes(auth)})
                      .get()),
          "fmt twice");
    Authenticator long_id(kEs256, std::string(1024, 'i'));
    check(attestation_object("none", map_of(), auth_data(kUp | kAt, 0, &long_id)), "a credential id of 1024 bytes");

    for (const char* json :
         {"", "{", "[]", "null", R"({"type":"webauthn.create"})",
          R"({"type":1,"challenge":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUY","origin":"https://mina.example.se"})"})
        EXPECT_EQ(outcome(verify_registration(json, good.attestation_object, expected())), "malformed") << json;

    const auto c = registered(good);
    auto x = assertion(a);
    x.auth_data = auth_data(kUp | kAt, 1, &a);  // attested credential data in an assertion
    x.signature = a.sign(x.auth_data + sha256(x.client_data));
    EXPECT_EQ(outcome(verify(c, x)), "malformed");
    x = assertion(a);
    x.auth_data.pop_back();
    EXPECT_EQ(outcome(verify(c, x)), "malformed");
    x = assertion(a);
    x.auth_data += '\0';
    EXPECT_EQ(outcome(verify(c, x)), "malformed");
}

TEST(WebAuthn, EveryTruncationAndChangedByteIsAProblem) {
    // Everything of a packed registration and of an assertion is signed or structure: no change passes.
    Authenticator a;
    const auto r = packed_self(a);
    const auto c = registered(r);
    for (std::size_t i = 0; i < r.attestation_object.size(); ++i) {
        EXPECT_NE(outcome(verify_registration(r.client_data, r.attestation_object.substr(0, i), expected())),
                  "accepted");
        for (const unsigned char bit : {0x01, 0x80}) {
            auto changed = r.attestation_object;
            changed[i] = static_cast<char>(static_cast<unsigned char>(changed[i]) ^ bit);
            EXPECT_NE(outcome(verify_registration(r.client_data, changed, expected())), "accepted") << i;
        }
    }
    for (std::size_t i = 0; i < r.client_data.size(); ++i) {
        auto changed = r.client_data;
        changed[i] ^= 0x01;
        EXPECT_NE(outcome(verify_registration(changed, r.attestation_object, expected())), "accepted") << i;
    }
    const auto good = assertion(a, kUp, 2);
    for (std::size_t i = 0; i < good.auth_data.size(); ++i) {
        auto x = good;
        x.auth_data[i] ^= 0x01;
        EXPECT_NE(outcome(verify(c, x)), "accepted") << i;
        x = good;
        x.auth_data.resize(i);
        EXPECT_NE(outcome(verify(c, x)), "accepted") << i;
    }
}

TEST(WebAuthn, CounterRule) {
    EXPECT_TRUE(counter_ok(0, 0)) << "an authenticator without a counter";
    EXPECT_TRUE(counter_ok(5, 6));
    EXPECT_FALSE(counter_ok(5, 5));
    EXPECT_FALSE(counter_ok(5, 3));
    EXPECT_TRUE(counter_ok(0, 7));
    EXPECT_FALSE(counter_ok(7, 0));
    EXPECT_TRUE(counter_ok(0xFFFFFFFEU, 0xFFFFFFFFU));
    EXPECT_FALSE(counter_ok(0xFFFFFFFFU, 0));
}

TEST(WebAuthn, AnAssertionSaysWhenTheCounterDidNotGrow) {
    Authenticator a;
    a.counter = 5;
    const auto c = registered(none_registration(a));
    ASSERT_EQ(c.sign_count, 5u);
    for (const auto& [received, cloned] :
         std::vector<std::pair<std::uint32_t, bool>>{{6, false}, {5, true}, {3, true}, {0, true}}) {
        const auto result = verify(c, assertion(a, kUp, received));
        ASSERT_EQ(outcome(result), "accepted");
        EXPECT_EQ(std::get<Asserted>(result).cloned, cloned) << received;
        EXPECT_EQ(std::get<Asserted>(result).sign_count, received);
    }
    Authenticator zero;
    const auto z = registered(none_registration(zero));
    EXPECT_FALSE(std::get<Asserted>(verify(z, assertion(zero, kUp, 0))).cloned) << "no counter at all";
}

TEST(WebAuthn, Base64urlBothWays) {
    EXPECT_EQ(base64url(""), "");
    EXPECT_EQ(base64url("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url("any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw");
    EXPECT_EQ(from_base64url("-_8"), std::string("\xfb\xff"));
    EXPECT_EQ(from_base64url(""), std::string());
    for (const std::string& raw :
         {std::string("a"), std::string("ab"), std::string("abc"), std::string(1, '\0') + "\xff"})
        EXPECT_EQ(from_base64url(base64url(raw)), raw);
    for (const char* bad : {"-_8=", "+/8", "YW55 IGNhcm5hbA", "A", "-_9", "YQ==", "Y\nQ"})
        EXPECT_FALSE(from_base64url(bad).has_value()) << bad;
}

}  // namespace
}  // namespace mina::crypto::webauthn
