// JOSE for the OpenID Provider (issue [11]): keys made and sealed, ID tokens signed, and compact JWS
// verified against a JWKS, refusing every algorithm but RS256 and ES256 and every token not signed
// by a key of the set. The independent implementation below is OpenSSL's EVP, used directly.
#include "crypto/jose.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <atomic>
#include <boost/json.hpp>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "crypto/identity_vault.hpp"
#include "crypto/sodium.hpp"

namespace mina::crypto {
namespace {

namespace json = boost::json;
using oidc::Alg;

IdentityVault vault() {
    init();
    return *IdentityVault::from_hex(IdentityVault::new_key_hex());
}

const Timestamp kNow = from_unix(1'800'000'000);
const std::string kClaims =
    R"({"iss":"https://mina.example","sub":"abc","aud":"semafor","exp":1800000300,"iat":1800000000})";

std::string b64url(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

std::string b64url_decode(std::string text) {
    for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (text.size() % 4 != 0) text += '=';
    std::string out(text.size(), '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    out.resize(static_cast<std::size_t>(n) - std::count(text.begin(), text.end(), '='));
    return out;
}

std::vector<std::string> parts_of(const std::string& compact) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (auto dot = compact.find('.'); dot != std::string::npos; dot = compact.find('.', start)) {
        parts.push_back(compact.substr(start, dot - start));
        start = dot + 1;
    }
    parts.push_back(compact.substr(start));
    return parts;
}

std::string jwks_of(std::initializer_list<std::string> jwks) {
    json::array keys;
    for (const auto& k : jwks) keys.push_back(json::parse(k));
    return json::serialize(json::object{{"keys", keys}});
}

// ---- An independent signer: OpenSSL's EVP, nothing of cjose.

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string bn_bytes(const EVP_PKEY* key, const char* param, int pad_to = 0) {
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key, param, &bn), 1);
    const int n = pad_to ? pad_to : BN_num_bytes(bn);
    std::string out(static_cast<std::size_t>(n), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), n);
    BN_free(bn);
    return out;
}

struct OpenSslKey {
    Pkey key;
    std::string jwk;  // public, with kid
    bool ec = false;
};

OpenSslKey openssl_key(bool ec, const std::string& kid) {
    OpenSslKey k;
    k.ec = ec;
    k.key.reset(ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                   : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
    json::object jwk;
    if (ec) {
        jwk = {{"kty", "EC"},
               {"crv", "P-256"},
               {"x", b64url(bn_bytes(k.key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32))},
               {"y", b64url(bn_bytes(k.key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
    } else {
        jwk = {{"kty", "RSA"},
               {"n", b64url(bn_bytes(k.key.get(), OSSL_PKEY_PARAM_RSA_N))},
               {"e", b64url(bn_bytes(k.key.get(), OSSL_PKEY_PARAM_RSA_E))}};
    }
    if (!kid.empty()) jwk["kid"] = kid;
    k.jwk = json::serialize(jwk);
    return k;
}

/// The signature EVP makes: PKCS #1 v1.5 for RSA, DER for ECDSA.
std::string evp_sign(EVP_PKEY* key, std::string_view input) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
    std::size_t n = 0;
    EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(input.data()), input.size()), 1);
    std::string sig(n, '\0');
    EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &n,
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
              1);
    sig.resize(n);
    EVP_MD_CTX_free(ctx);
    return sig;
}

/// DER's ECDSA-Sig-Value as JOSE writes it: r and s, 32 bytes each (RFC 7518 §3.4).
std::string raw_of_der(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    EXPECT_NE(sig, nullptr);
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
}

/// A compact JWS signed by OpenSSL with `header` (JSON) over `claims`; `der` keeps ECDSA's DER form.
std::string openssl_jwt(const OpenSslKey& k, const std::string& header, const std::string& claims = kClaims,
                        bool der = false) {
    const std::string input = b64url(header) + "." + b64url(claims);
    auto sig = evp_sign(k.key.get(), input);
    if (k.ec && !der) sig = raw_of_der(sig);
    return input + "." + b64url(sig);
}

/// An HS256 token whose HMAC key is `secret`.
std::string hs256(const std::string& secret, const std::string& header, const std::string& claims = kClaims) {
    const std::string input = b64url(header) + "." + b64url(claims);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &n);
    return input + "." + b64url(std::string(reinterpret_cast<const char*>(mac), n));
}

std::string pem_of_public(const OpenSslKey& k) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, k.key.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return pem;
}

// ---- The tests.

class JoseTest : public ::testing::Test {
   protected:
    static void SetUpTestSuite() {
        vault_ = std::make_unique<IdentityVault>(vault());
        jose_ = std::make_unique<Jose>(*vault_);
        rsa_ = jose_->generate(Alg::rs256, "rsa-1", kNow);
        ec_ = jose_->generate(Alg::es256, "ec-1", kNow);
    }
    static void TearDownTestSuite() {
        jose_.reset();
        vault_.reset();
    }
    static std::unique_ptr<IdentityVault> vault_;
    static std::unique_ptr<Jose> jose_;
    static oidc::SigningKey rsa_;
    static oidc::SigningKey ec_;
};
std::unique_ptr<IdentityVault> JoseTest::vault_;
std::unique_ptr<Jose> JoseTest::jose_;
oidc::SigningKey JoseTest::rsa_;
oidc::SigningKey JoseTest::ec_;

TEST(OidcAlg, NamesReadBackAndNothingElse) {
    EXPECT_EQ(oidc::alg_name(Alg::rs256), "RS256");
    EXPECT_EQ(oidc::alg_name(Alg::es256), "ES256");
    EXPECT_EQ(oidc::alg_from("RS256"), Alg::rs256);
    EXPECT_EQ(oidc::alg_from("ES256"), Alg::es256);
    EXPECT_FALSE(oidc::alg_from("rs256").has_value());
    EXPECT_FALSE(oidc::alg_from("none").has_value());
    EXPECT_FALSE(oidc::alg_from("HS256").has_value());
}

TEST_F(JoseTest, GeneratesKeysWhosePublicJwkHoldsNothingPrivate) {
    for (const auto* key : {&rsa_, &ec_}) {
        EXPECT_EQ(key->created_at, kNow);
        EXPECT_FALSE(key->retired_at.has_value());
        const auto jwk = json::parse(key->public_jwk).as_object();
        EXPECT_EQ(jwk.at("kid").as_string(), key->kid);
        EXPECT_EQ(jwk.at("alg").as_string(), oidc::alg_name(key->alg));
        EXPECT_EQ(jwk.at("use").as_string(), "sig");
        for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
            EXPECT_FALSE(jwk.contains(member)) << key->kid << " publishes " << member;
        EXPECT_EQ(key->public_jwk.find(key->sealed_private), std::string::npos);
        EXPECT_EQ(key->sealed_private.find("\"d\""), std::string::npos) << "sealed, not written out";
    }
    const auto rsa = json::parse(rsa_.public_jwk).as_object();
    EXPECT_EQ(rsa.at("kty").as_string(), "RSA");
    EXPECT_EQ(rsa.at("e").as_string(), "AQAB") << "65537";
    EXPECT_EQ(b64url_decode(std::string(rsa.at("n").as_string())).size(), 256u) << "2048 bits";
    const auto ec = json::parse(ec_.public_jwk).as_object();
    EXPECT_EQ(ec.at("kty").as_string(), "EC");
    EXPECT_EQ(ec.at("crv").as_string(), "P-256");
}

TEST_F(JoseTest, SignsAndVerifiesBothAlgorithms) {
    const auto jwks = Jose::jwks({rsa_, ec_});
    for (const auto* key : {&rsa_, &ec_}) {
        const auto token = jose_->sign(*key, kClaims);
        const auto parts = parts_of(token);
        ASSERT_EQ(parts.size(), 3u);
        const auto header = json::parse(b64url_decode(parts[0])).as_object();
        EXPECT_EQ(header.at("alg").as_string(), oidc::alg_name(key->alg));
        EXPECT_EQ(header.at("kid").as_string(), key->kid);
        EXPECT_EQ(header.at("typ").as_string(), "JWT");
        EXPECT_EQ(header.size(), 3u);
        EXPECT_EQ(b64url_decode(parts[1]), kClaims);
        EXPECT_EQ(jose_->verify(token, jwks), kClaims) << key->kid;
    }
    EXPECT_EQ(b64url_decode(parts_of(jose_->sign(ec_, kClaims))[2]).size(), 64u) << "ES256 is r || s, not DER";
}

TEST_F(JoseTest, TheJwksListsEveryPublicKeyAndNothingElse) {
    const auto jwks = json::parse(Jose::jwks({rsa_, ec_})).as_object();
    ASSERT_EQ(jwks.size(), 1u);
    const auto& keys = jwks.at("keys").as_array();
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0], json::parse(rsa_.public_jwk));
    EXPECT_EQ(keys[1], json::parse(ec_.public_jwk));
    EXPECT_EQ(Jose::jwks({}), R"({"keys":[]})");
}

TEST_F(JoseTest, VerifiesTokensSignedByAnIndependentImplementation) {
    const auto ec = openssl_key(true, "client-ec");
    const auto rsa = openssl_key(false, "client-rsa");
    const auto jwks = jwks_of({ec.jwk, rsa.jwk});
    EXPECT_EQ(jose_->verify(openssl_jwt(ec, R"({"alg":"ES256","kid":"client-ec"})"), jwks), kClaims);
    EXPECT_EQ(jose_->verify(openssl_jwt(rsa, R"({"alg":"RS256","kid":"client-rsa","typ":"JWT"})"), jwks), kClaims);
    // No kid: each key of the algorithm's kind is tried.
    EXPECT_EQ(jose_->verify(openssl_jwt(ec, R"({"alg":"ES256"})"), jwks), kClaims);
    EXPECT_EQ(jose_->verify(openssl_jwt(rsa, R"({"alg":"RS256"})"), jwks), kClaims);
    // A JWKS whose keys have no kid, for a token without one.
    EXPECT_EQ(jose_->verify(openssl_jwt(ec, R"({"alg":"ES256"})"), jwks_of({openssl_key(true, "").jwk, ec.jwk})),
              kClaims);
    // ECDSA's DER form is not JOSE's.
    EXPECT_FALSE(jose_->verify(openssl_jwt(ec, R"({"alg":"ES256","kid":"client-ec"})", kClaims, true), jwks));
}

TEST_F(JoseTest, RefusesAlgNoneAndEveryOtherAlgorithm) {
    const auto jwks = Jose::jwks({rsa_, ec_});
    const auto claims = b64url(kClaims);
    EXPECT_FALSE(jose_->verify(b64url(R"({"alg":"none"})") + "." + claims + ".", jwks));
    EXPECT_FALSE(jose_->verify(b64url(R"({"alg":"none","kid":"rsa-1"})") + "." + claims + ".", jwks));
    EXPECT_FALSE(jose_->verify(b64url(R"({"alg":"none"})") + "." + claims + ".c2ln", jwks));
    EXPECT_FALSE(jose_->verify(b64url(R"({"kid":"rsa-1"})") + "." + claims + ".c2ln", jwks));
    // Our own token with its header's alg changed to another the key could mean.
    const auto parts = parts_of(jose_->sign(rsa_, kClaims));
    for (const char* alg : {"PS256", "RS384", "RS512", "rs256", "ES256", "HS256", "none", ""}) {
        const auto header = b64url(std::string(R"({"alg":")") + alg + R"(","kid":"rsa-1","typ":"JWT"})");
        EXPECT_FALSE(jose_->verify(header + "." + parts[1] + "." + parts[2], jwks)) << alg;
    }
    // Other algorithms from an independent signer, with the matching key in the set.
    const auto rsa = openssl_key(false, "k");
    EXPECT_FALSE(jose_->verify(openssl_jwt(rsa, R"({"alg":"RS384","kid":"k"})"), jwks_of({rsa.jwk})));
}

TEST_F(JoseTest, RefusesHs256SignedWithThePublicKey) {
    // The classic confusion: a verifier that takes the public key as an HMAC secret.
    const auto jwks = Jose::jwks({rsa_, ec_});
    for (const auto* key : {&rsa_, &ec_}) {
        const std::string header = R"({"alg":"HS256","kid":")" + key->kid + R"(","typ":"JWT"})";
        EXPECT_FALSE(jose_->verify(hs256(key->public_jwk, header), jwks));
        EXPECT_FALSE(jose_->verify(hs256(jwks, header), jwks));
        const auto jwk = json::parse(key->public_jwk).as_object();
        for (const char* member : {"n", "x"})
            if (jwk.contains(member)) {
                const std::string text(jwk.at(member).as_string());
                EXPECT_FALSE(jose_->verify(hs256(text, header), jwks));
                EXPECT_FALSE(jose_->verify(hs256(b64url_decode(text), header), jwks));
            }
    }
    const auto client = openssl_key(false, "client");
    const auto pem = pem_of_public(client);
    EXPECT_FALSE(jose_->verify(hs256(pem, R"({"alg":"HS256","kid":"client"})"), jwks_of({client.jwk})));
    EXPECT_FALSE(jose_->verify(hs256(pem, R"({"alg":"HS256"})"), jwks_of({client.jwk})));
    // An "oct" key in the set is no key for us either.
    const std::string oct = R"({"kty":"oct","kid":"s","k":")" + b64url("secret") + R"("})";
    EXPECT_FALSE(jose_->verify(hs256("secret", R"({"alg":"HS256","kid":"s"})"), jwks_of({oct})));
}

TEST_F(JoseTest, RefusesAChangedPayloadOrSignature) {
    const auto jwks = Jose::jwks({rsa_, ec_});
    for (const auto* key : {&rsa_, &ec_}) {
        const auto parts = parts_of(jose_->sign(*key, kClaims));
        const auto other = b64url(R"({"iss":"https://mina.example","sub":"someone-else"})");
        EXPECT_FALSE(jose_->verify(parts[0] + "." + other + "." + parts[2], jwks));
        auto sig = b64url_decode(parts[2]);
        sig[sig.size() / 2] = static_cast<char>(sig[sig.size() / 2] ^ 1);
        EXPECT_FALSE(jose_->verify(parts[0] + "." + parts[1] + "." + b64url(sig), jwks));
        auto last = parts[2];
        last.back() = last.back() == 'A' ? 'B' : 'A';
        EXPECT_FALSE(jose_->verify(parts[0] + "." + parts[1] + "." + last, jwks));
        EXPECT_FALSE(jose_->verify(parts[0] + "." + parts[1] + "." + parts[2].substr(1), jwks));
        EXPECT_FALSE(jose_->verify(parts[0] + "." + parts[1] + "." + parts[2] + "AA", jwks));
    }
}

TEST_F(JoseTest, RefusesAKeyNotInTheSet) {
    const auto other_rsa = jose_->generate(Alg::rs256, "rsa-2", kNow);
    const auto other_ec = jose_->generate(Alg::es256, "ec-2", kNow);
    // Not in the set at all.
    EXPECT_FALSE(jose_->verify(jose_->sign(rsa_, kClaims), Jose::jwks({other_rsa, ec_})));
    EXPECT_FALSE(jose_->verify(jose_->sign(ec_, kClaims), Jose::jwks({rsa_, other_ec})));
    // The kid is in the set but names another key.
    auto impostor = other_ec;
    impostor.public_jwk = json::serialize(json::object{{"kty", "EC"},
                                                       {"crv", "P-256"},
                                                       {"kid", "ec-1"},
                                                       {"x", json::parse(other_ec.public_jwk).at("x")},
                                                       {"y", json::parse(other_ec.public_jwk).at("y")}});
    EXPECT_FALSE(jose_->verify(jose_->sign(ec_, kClaims), Jose::jwks({impostor})));
    // Empty and malformed sets.
    const auto token = jose_->sign(rsa_, kClaims);
    for (const char* jwks : {"", "{}", R"({"keys":[]})", R"({"keys":{}})", "[]", "null", R"({"keys":[1,"a",null]})",
                             R"({"keys":[{"kty":"RSA","kid":"rsa-1"}]})", "{\"keys\":[", R"({"keys":[{}]})"})
        EXPECT_FALSE(jose_->verify(token, jwks)) << jwks;
}

TEST_F(JoseTest, RefusesAKidOfTheOtherAlgorithmsKey) {
    const auto ec = openssl_key(true, "client-ec");
    const auto rsa = openssl_key(false, "client-rsa");
    const auto jwks = jwks_of({ec.jwk, rsa.jwk});
    // Signed with the EC key, but the header names the RSA key (and the other way around).
    EXPECT_FALSE(jose_->verify(openssl_jwt(ec, R"({"alg":"ES256","kid":"client-rsa"})"), jwks));
    EXPECT_FALSE(jose_->verify(openssl_jwt(rsa, R"({"alg":"RS256","kid":"client-ec"})"), jwks));
    // Our own keys: the RSA key's kid on an ES256 token, and the alg the key itself states.
    const auto parts = parts_of(jose_->sign(ec_, kClaims));
    const auto swapped = b64url(R"({"alg":"ES256","kid":"rsa-1","typ":"JWT"})");
    EXPECT_FALSE(jose_->verify(swapped + "." + parts[1] + "." + parts[2], Jose::jwks({rsa_, ec_})));
    auto ec_as_es384 = json::parse(ec.jwk).as_object();
    ec_as_es384["alg"] = "ES384";
    EXPECT_FALSE(jose_->verify(openssl_jwt(ec, R"({"alg":"ES256","kid":"client-ec"})"),
                               jwks_of({json::serialize(ec_as_es384)})));
    auto ec_for_encryption = json::parse(ec.jwk).as_object();
    ec_for_encryption["use"] = "enc";
    EXPECT_FALSE(jose_->verify(openssl_jwt(ec, R"({"alg":"ES256","kid":"client-ec"})"),
                               jwks_of({json::serialize(ec_for_encryption)})));
    auto ec_stated = json::parse(ec.jwk).as_object();
    ec_stated["alg"] = "ES256";
    ec_stated["use"] = "sig";
    EXPECT_EQ(
        jose_->verify(openssl_jwt(ec, R"({"alg":"ES256","kid":"client-ec"})"), jwks_of({json::serialize(ec_stated)})),
        kClaims);
}

TEST_F(JoseTest, SkipsAKeyWhoseMembersAreNotStrictBase64url) {
    // Debian's cjose aborted the process on "=" inside a key's member (fuzz/jose_verify found it).
    const auto ec = openssl_key(true, "c");
    const auto token = openssl_jwt(ec, R"({"alg":"ES256","kid":"c"})");
    ASSERT_EQ(jose_->verify(token, jwks_of({ec.jwk})), kClaims);
    const auto rsa = openssl_key(false, "r");
    const auto rsa_token = openssl_jwt(rsa, R"({"alg":"RS256","kid":"r"})");
    ASSERT_EQ(jose_->verify(rsa_token, jwks_of({rsa.jwk})), kClaims);
    for (const char* member : {"x", "y"})
        for (const char* change : {"=", "==", "A", "+", "/", " "}) {
            auto key = json::parse(ec.jwk).as_object();
            std::string text(key.at(member).as_string());
            text.insert(text.size() / 2, change);
            key[member] = text;
            EXPECT_FALSE(jose_->verify(token, jwks_of({json::serialize(key)}))) << member << " " << text;
        }
    for (const char* member : {"n", "e"})
        for (const char* change : {"=", "A", "+"}) {
            auto key = json::parse(rsa.jwk).as_object();
            std::string text(key.at(member).as_string());
            text.insert(text.size() / 2, change);
            key[member] = text;
            EXPECT_FALSE(jose_->verify(rsa_token, jwks_of({json::serialize(key)}))) << member << " " << text;
        }
    // A client's private member, however written, is not read.
    auto with_d = json::parse(ec.jwk).as_object();
    with_d["d"] = "A=B";
    EXPECT_EQ(jose_->verify(token, jwks_of({json::serialize(with_d)})), kClaims);
    auto no_y = json::parse(ec.jwk).as_object();
    no_y.erase("y");
    EXPECT_FALSE(jose_->verify(token, jwks_of({json::serialize(no_y)})));
}

TEST_F(JoseTest, RefusesRsaKeysShorterThan2048Bits) {
    OpenSslKey small;
    small.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
    small.jwk = json::serialize(json::object{{"kty", "RSA"},
                                             {"kid", "small"},
                                             {"n", b64url(bn_bytes(small.key.get(), OSSL_PKEY_PARAM_RSA_N))},
                                             {"e", b64url(bn_bytes(small.key.get(), OSSL_PKEY_PARAM_RSA_E))}});
    EXPECT_FALSE(jose_->verify(openssl_jwt(small, R"({"alg":"RS256","kid":"small"})"), jwks_of({small.jwk})));
}

TEST_F(JoseTest, RefusesMalformedTokens) {
    const auto jwks = Jose::jwks({rsa_, ec_});
    const auto token = jose_->sign(rsa_, kClaims);
    const auto p = parts_of(token);
    const std::vector<std::string> bad = {
        "",
        ".",
        "..",
        "...",
        "garbage",
        std::string{'\xff', '\xfe', '\0'},
        std::string(1, '\0'),
        p[0],
        p[0] + "." + p[1],                                   // two parts
        p[0] + "." + p[1] + "." + p[2] + "." + p[2],         // four parts
        p[0] + "." + p[1] + "." + p[2] + ".",                // a fourth, empty
        p[0] + "." + p[1] + ".",                             // no signature
        p[0] + ".." + p[2],                                  // no payload
        "." + p[1] + "." + p[2],                             // no header
        p[0] + "=." + p[1] + "." + p[2],                     // padding
        p[0] + "." + p[1] + "." + p[2] + "=",                //
        p[0] + " ." + p[1] + "." + p[2],                     // a space
        p[0] + "." + p[1] + "." + p[2] + "\n",               //
        b64url("not json") + "." + p[1] + "." + p[2],        // a header that is not JSON
        b64url("[]") + "." + p[1] + "." + p[2],              //
        b64url(R"({"alg":256})") + "." + p[1] + "." + p[2],  //
        b64url(R"({"alg":"RS256","kid":1})") + "." + p[1] + "." + p[2],
        token + std::string(70000, 'A'),  // too long
    };
    for (const auto& t : bad) EXPECT_FALSE(jose_->verify(t, jwks)) << t;
    EXPECT_FALSE(jose_->verify(token, ""));
    EXPECT_FALSE(jose_->verify("", ""));
}

TEST_F(JoseTest, RefusesACriticalHeaderAndAPayloadThatIsNoObject) {
    const auto client = openssl_key(true, "c");
    const auto jwks = jwks_of({client.jwk});
    EXPECT_FALSE(jose_->verify(openssl_jwt(client, R"({"alg":"ES256","kid":"c","crit":["b64"],"b64":false})"), jwks));
    EXPECT_FALSE(jose_->verify(openssl_jwt(client, R"({"alg":"ES256","kid":"c"})", "not json"), jwks));
    EXPECT_FALSE(jose_->verify(openssl_jwt(client, R"({"alg":"ES256","kid":"c"})", "[1]"), jwks));
    // Duplicate members: the lexically last is the one (RFC 7515 §5.2), for us as for cjose.
    EXPECT_FALSE(jose_->verify(openssl_jwt(client, R"({"alg":"ES256","kid":"c","alg":"none"})"), jwks));
    EXPECT_FALSE(jose_->verify(openssl_jwt(client, R"({"alg":"ES256","kid":"c","kid":"d"})"), jwks));
    EXPECT_EQ(jose_->verify(openssl_jwt(client, R"({"alg":"none","alg":"ES256","kid":"c"})"), jwks), kClaims);
}

TEST_F(JoseTest, AKeySealedUnderAnotherSecretDoesNotSign) {
    const auto other_vault = vault();
    const Jose other(other_vault);
    EXPECT_THROW((void)other.sign(rsa_, kClaims), std::runtime_error);
    EXPECT_THROW((void)other.sign(ec_, kClaims), std::runtime_error);
    // Nor a sealed key moved to another kid or algorithm, nor a damaged one.
    auto moved = rsa_;
    moved.kid = "rsa-moved";
    EXPECT_THROW((void)jose_->sign(moved, kClaims), std::runtime_error);
    auto renamed = ec_;
    renamed.alg = Alg::rs256;
    EXPECT_THROW((void)jose_->sign(renamed, kClaims), std::runtime_error);
    auto damaged = ec_;
    damaged.kid = "ec-damaged";
    damaged.sealed_private[damaged.sealed_private.size() / 2] ^= 1;
    EXPECT_THROW((void)jose_->sign(damaged, kClaims), std::runtime_error);
    damaged.sealed_private = "";
    EXPECT_THROW((void)jose_->sign(damaged, kClaims), std::runtime_error);
    // The same secret opens it in another instance (another server of the installation).
    const Jose same(*vault_);
    EXPECT_EQ(same.verify(same.sign(rsa_, kClaims), Jose::jwks({rsa_})), kClaims);
}

TEST_F(JoseTest, TheSealingKeyIsNotTheVaultsOwn) {
    // What the vault seals its numbers with opens no signing key, and the other way around.
    EXPECT_FALSE(vault_->open(ec_.sealed_private).has_value());
    std::string hex;
    for (const unsigned char c : b64url_decode(ec_.sealed_private)) {
        constexpr const char* kDigits = "0123456789abcdef";
        hex += kDigits[c >> 4];
        hex += kDigits[c & 15];
    }
    EXPECT_FALSE(vault_->open(hex).has_value());
}

TEST_F(JoseTest, ASealedTokenOpensOnlyForItsPurposeUnchangedAndInThisInstallation) {
    const std::string plain = "4:abcd0:6:\n\0x\xffyz";
    const std::string sealed = jose_->seal_token("code", plain);
    EXPECT_EQ(sealed.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << "base64url: fits a URL's query and a header unescaped";
    EXPECT_EQ(sealed.find("abcd"), std::string::npos);
    EXPECT_EQ(jose_->open_token("code", sealed), plain);
    EXPECT_NE(jose_->seal_token("code", plain), sealed) << "a random nonce each time";
    EXPECT_EQ(jose_->open_token("access", sealed), std::nullopt) << "another purpose";
    for (std::size_t i = 0; i < sealed.size(); i += 7) {
        std::string changed = sealed;
        changed[i] = changed[i] == 'A' ? 'B' : 'A';
        EXPECT_EQ(jose_->open_token("code", changed), std::nullopt) << "changed at " << i;
    }
    EXPECT_EQ(jose_->open_token("code", sealed.substr(0, sealed.size() - 1)), std::nullopt);
    EXPECT_EQ(jose_->open_token("code", ""), std::nullopt);
    EXPECT_EQ(jose_->open_token("code", "not base64url!"), std::nullopt);
    const auto other_vault = vault();
    EXPECT_EQ(Jose(other_vault).open_token("code", sealed), std::nullopt) << "another installation's secret";
    EXPECT_EQ(Jose(*vault_).open_token("code", sealed), plain) << "another server of this installation";
}

TEST_F(JoseTest, AKidMadeAgainWithAnotherKeySignsWithTheNewKey) {
    const Jose jose(*vault_);
    const auto first = jose.generate(Alg::es256, "again", kNow);
    EXPECT_TRUE(jose.verify(jose.sign(first, kClaims), Jose::jwks({first})));
    const auto second = jose.generate(Alg::es256, "again", kNow);
    EXPECT_EQ(jose.verify(jose.sign(second, kClaims), Jose::jwks({second})), kClaims);
    EXPECT_FALSE(jose.verify(jose.sign(second, kClaims), Jose::jwks({first})));
}

TEST_F(JoseTest, KeepsAtMostSixteenKeysOpenAndStillSignsWithEach) {
    const Jose jose(*vault_);
    std::vector<oidc::SigningKey> keys;
    keys.reserve(20);
    for (int i = 0; i < 20; ++i) keys.push_back(jose.generate(Alg::es256, "k" + std::to_string(i), kNow));
    const auto jwks = Jose::jwks(keys);
    for (int round = 0; round < 2; ++round)
        for (const auto& k : keys) EXPECT_EQ(jose.verify(jose.sign(k, kClaims), jwks), kClaims) << k.kid;
}

TEST_F(JoseTest, SignsFromSeveralThreadsAtOnce) {
    const Jose jose(*vault_);
    const auto jwks = Jose::jwks({rsa_, ec_});
    std::atomic<int> good{0};
    constexpr int kThreads = 6;
    constexpr int kEach = 10;
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                const auto& key = (t + i) % 2 == 0 ? rsa_ : ec_;
                const std::string claims = R"({"n":)" + std::to_string(t * 100 + i) + "}";
                if (jose.verify(jose.sign(key, claims), jwks) == claims) ++good;
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(good.load(), kThreads * kEach);
}

}  // namespace
}  // namespace mina::crypto
