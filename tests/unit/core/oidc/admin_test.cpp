// The administration of single sign-on (issue [11]): clients checked, added with a secret shown
// once and kept as its digest, listed, removed, given a new secret; signing keys made and replaced.
// On a real (in-memory SQLite) store; the signer is a fake (the real one is crypto/jose).
#include "core/oidc/admin.hpp"

#include <gtest/gtest.h>

#include "crypto/sodium.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

using namespace std::chrono_literals;

/// Makes keys whose halves name their algorithm and kid; counts what it made.
class FakeSigner final : public oidc::Signer {
   public:
    oidc::SigningKey generate(oidc::Alg alg, const std::string& kid, Timestamp now) const override {
        ++made;
        const std::string name = alg == oidc::Alg::es256 ? "ES256" : "RS256";
        return {kid, alg, R"({"kid":")" + kid + R"(","alg":")" + name + "\"}", "sealed:" + kid, now, std::nullopt};
    }
    std::string sign(const oidc::SigningKey& /*key*/, std::string_view /*payload*/) const override { return {}; }
    std::optional<std::string> verify(std::string_view /*compact*/, std::string_view /*jwks*/) const override {
        return std::nullopt;
    }
    std::string seal_token(std::string_view /*purpose*/, std::string_view plain) const override {
        return std::string(plain);
    }
    std::optional<std::string> open_token(std::string_view /*purpose*/, std::string_view sealed) const override {
        return std::string(sealed);
    }
    mutable int made = 0;
};

class OidcAdmin : public ::testing::Test {
   protected:
    oidc::ClientInput semafor() const {
        oidc::ClientInput in;
        in.id = "semafor";
        in.name = "Semafor";
        in.redirect_uris = {"https://semafor.example.se/cb", "http://127.0.0.1:8080/cb"};
        in.post_logout_redirect_uris = {"https://semafor.example.se/ut"};
        in.initiate_login_uri = "https://semafor.example.se/login";
        return in;
    }
    std::vector<AuditEntry> events(const std::string& kind) {
        AuditFilter f;
        f.kind = kind;
        return store_->begin(ports::TxMode::read)->audit().query(f);
    }

    const Timestamp now_ = from_unix(1'800'000'000);
    crypto::SodiumTokens tokens_;
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    oidc::Admin admin_{*store_, tokens_};
    admin::Actor who_{"cli:test", "local", true};
};

TEST(OidcUris, HttpsOrLoopbackHttpWithoutFragment) {
    for (const char* good : {"https://semafor.example.se/cb", "https://semafor.example.se:8443/a/b?x=1",
                             "http://127.0.0.1/cb", "http://127.0.0.1:5000/cb", "http://[::1]:5000/cb",
                             "http://localhost:3000", "http://LOCALHOST/cb", "https://[2001:db8::1]/cb"})
        EXPECT_EQ(oidc::uri_problem(good), std::nullopt) << good;
    for (const char* bad :
         {"", "/cb", "semafor.example.se/cb", "ftp://semafor.example.se/", "http://semafor.example.se/cb",
          "http://127.0.0.2/cb", "http://localhost.example.se/cb", "https://semafor.example.se/cb#x", "https:///cb",
          "https://user@semafor.example.se/cb", "https://semafor.example.se/c b", "https://semafor.example.se/cb\n",
          "https://semafor.example.se:80x/", "HTTPS://semafor.example.se/", "http://127.0.0.1@evil.example.se/",
          "javascript://127.0.0.1/%0aalert(1)"})
        EXPECT_TRUE(oidc::uri_problem(bad)) << bad;
}

TEST(OidcJwks, AnObjectWithAKeysArray) {
    EXPECT_EQ(oidc::jwks_problem(R"({"keys":[]})"), std::nullopt);
    EXPECT_EQ(oidc::jwks_problem(" {\n \"keys\" : [ {\"kty\":\"EC\"} ] }\n"), std::nullopt);
    for (const char* bad : {"", "[]", R"({"keys":{}})", R"({"key":[]})", R"({"keys":[])", "keys"})
        EXPECT_TRUE(oidc::jwks_problem(bad)) << bad;
}

TEST_F(OidcAdmin, AddedClientGetsASecretShownOnceAndKeptAsItsDigest) {
    auto r = admin_.add_client(semafor(), who_, now_);
    ASSERT_TRUE(std::holds_alternative<std::optional<std::string>>(r));
    const auto secret = std::get<std::optional<std::string>>(r);
    ASSERT_TRUE(secret);
    EXPECT_EQ(secret->size(), 43U) << "256 bits, base64url";
    const auto all = admin_.list_clients();
    ASSERT_EQ(all.size(), 1U);
    const auto& c = all[0];
    EXPECT_EQ(c.id, "semafor");
    EXPECT_EQ(c.name, "Semafor");
    EXPECT_FALSE(c.is_public);
    EXPECT_EQ(c.secret_digest, tokens_.digest(*secret));
    EXPECT_NE(c.secret_digest, *secret);
    EXPECT_EQ(c.redirect_uris, semafor().redirect_uris);
    EXPECT_EQ(c.post_logout_redirect_uris, semafor().post_logout_redirect_uris);
    EXPECT_EQ(c.initiate_login_uri, "https://semafor.example.se/login");
    EXPECT_EQ(c.id_token_alg, oidc::Alg::rs256) << "the default";
    EXPECT_EQ(c.created_at, now_);
    const auto added = events("oidc.client_added");
    ASSERT_EQ(added.size(), 1U);
    EXPECT_EQ(added[0].event.actor, "cli:test");
    EXPECT_EQ(added[0].event.subject, "semafor");
    EXPECT_EQ(added[0].event.detail.find(*secret), std::string::npos) << "never the secret";
}

TEST_F(OidcAdmin, PublicClientHasNoSecretAndEs256IsChosen) {
    auto in = semafor();
    in.id = "app.mobil-1";
    in.is_public = true;
    in.id_token_alg = "ES256";
    auto r = admin_.add_client(in, who_, now_);
    ASSERT_TRUE(std::holds_alternative<std::optional<std::string>>(r));
    EXPECT_EQ(std::get<std::optional<std::string>>(r), std::nullopt);
    const auto c = admin_.list_clients().at(0);
    EXPECT_TRUE(c.is_public);
    EXPECT_EQ(c.secret_digest, "");
    EXPECT_EQ(c.id_token_alg, oidc::Alg::es256);
    const auto rotated = admin_.rotate_secret("app.mobil-1", who_, now_);
    ASSERT_TRUE(std::holds_alternative<admin::Refusal>(rotated));
    EXPECT_EQ(std::get<admin::Refusal>(rotated).reason, "client app.mobil-1 is public: it has no secret");
}

TEST_F(OidcAdmin, RefusalsSayWhyAndChangeNothing) {
    ASSERT_TRUE(std::holds_alternative<std::optional<std::string>>(admin_.add_client(semafor(), who_, now_)));
    const auto before = admin_.list_clients();
    auto refused = [&](const oidc::ClientInput& in) {
        auto r = admin_.add_client(in, who_, now_);
        return std::holds_alternative<admin::Refusal>(r) ? std::get<admin::Refusal>(r).reason : std::string("added");
    };
    EXPECT_EQ(refused(semafor()), "a client with id semafor already exists");
    auto in = semafor();
    in.id = "Semafor";
    EXPECT_EQ(refused(in), "client id must be 1-64 characters of a-z, 0-9, '.', '_' and '-': 'Semafor'");
    in.id = std::string(65, 'a');
    EXPECT_NE(refused(in), "added");
    in = semafor();
    in.id = "ny";
    in.name = "";
    EXPECT_EQ(refused(in), "client name must be 1-200 characters on one line");
    in = semafor();
    in.id = "ny";
    in.redirect_uris.clear();
    EXPECT_EQ(refused(in), "a client needs at least one redirect URI");
    in.redirect_uris = {"http://semafor.example.se/cb"};
    EXPECT_EQ(refused(in),
              "redirect URI 'http://semafor.example.se/cb': http:// only for the loopback hosts 127.0.0.1, [::1] "
              "and localhost; use https://");
    in.redirect_uris = {"https://semafor.example.se/cb#top"};
    EXPECT_EQ(refused(in), "redirect URI 'https://semafor.example.se/cb#top': a fragment (#) is not allowed");
    in.redirect_uris = {"/cb"};
    EXPECT_EQ(refused(in), "redirect URI '/cb': not an absolute https:// (or loopback http://) URI");
    in = semafor();
    in.id = "ny";
    in.post_logout_redirect_uris = {"ut"};
    EXPECT_EQ(refused(in), "post-logout URI 'ut': not an absolute https:// (or loopback http://) URI");
    in = semafor();
    in.id = "ny";
    in.initiate_login_uri = "http://semafor.example.se/login";
    EXPECT_NE(refused(in), "added");
    in = semafor();
    in.id = "ny";
    in.jwks = "[]";
    EXPECT_EQ(refused(in), "jwks: not a JSON object");
    in.jwks = R"({"keys":[]})";
    in.is_public = true;
    EXPECT_EQ(refused(in), "a public client has no keys: leave out --jwks or --public");
    in = semafor();
    in.id = "ny";
    in.id_token_alg = "HS256";
    EXPECT_EQ(refused(in), "id-token-alg must be RS256 or ES256: 'HS256'");
    EXPECT_EQ(admin_.list_clients(), before);
    EXPECT_EQ(events("oidc.client_added").size(), 1U);
}

TEST_F(OidcAdmin, RotatedSecretReplacesTheOld) {
    const auto first = *std::get<std::optional<std::string>>(admin_.add_client(semafor(), who_, now_));
    auto r = admin_.rotate_secret("semafor", who_, now_ + 1s);
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    const auto second = std::get<std::string>(r);
    EXPECT_NE(second, first);
    const auto digest = admin_.list_clients().at(0).secret_digest;
    EXPECT_EQ(digest, tokens_.digest(second));
    EXPECT_NE(digest, tokens_.digest(first)) << "the old secret no longer matches";
    EXPECT_EQ(events("oidc.secret_rotated").size(), 1U);
    auto unknown = admin_.rotate_secret("okand", who_, now_);
    ASSERT_TRUE(std::holds_alternative<admin::Refusal>(unknown));
    EXPECT_EQ(std::get<admin::Refusal>(unknown).reason, "no such client: okand");
}

TEST_F(OidcAdmin, RemovedClientIsGoneAndAudited) {
    (void)admin_.add_client(semafor(), who_, now_);
    EXPECT_TRUE(std::holds_alternative<admin::Done>(admin_.remove_client("semafor", who_, now_)));
    EXPECT_TRUE(admin_.list_clients().empty());
    const auto again = admin_.remove_client("semafor", who_, now_);
    ASSERT_TRUE(std::holds_alternative<admin::Refusal>(again));
    EXPECT_EQ(std::get<admin::Refusal>(again).reason, "no such client: semafor");
    const auto removed = events("oidc.client_removed");
    ASSERT_EQ(removed.size(), 1U);
    EXPECT_EQ(removed[0].event.subject, "semafor");
}

TEST_F(OidcAdmin, EnsureKeysAddsOneKeyPerAlgorithmOnlyWhenNoneIsInUse) {
    FakeSigner signer;
    EXPECT_EQ(admin_.ensure_keys(signer, now_), 2);
    EXPECT_EQ(admin_.ensure_keys(signer, now_ + 1s), 0) << "both algorithms have a key";
    EXPECT_EQ(signer.made, 2);
    auto keys = store_->begin(ports::TxMode::read)->oidc_keys().list();
    ASSERT_EQ(keys.size(), 2U);
    EXPECT_NE(keys[0].alg, keys[1].alg);
    for (const auto& k : keys) EXPECT_EQ(k.kid.size(), 16U);
    {
        auto tx = store_->begin(ports::TxMode::write);
        tx->oidc_keys().retire(oidc::Alg::es256, now_ + 2s);
        tx->commit();
    }
    EXPECT_EQ(admin_.ensure_keys(signer, now_ + 3s), 1) << "ES256 had only a retired key";
    keys = store_->begin(ports::TxMode::read)->oidc_keys().list();
    ASSERT_EQ(keys.size(), 3U);
    EXPECT_EQ(keys[0].alg, oidc::Alg::es256);
    EXPECT_EQ(keys[0].retired_at, std::nullopt);
}

TEST_F(OidcAdmin, RotateKeysRetiresEveryKeyAndAddsOneOfEach) {
    FakeSigner signer;
    (void)admin_.ensure_keys(signer, now_);
    const auto kids = admin_.rotate_keys(signer, who_, now_ + 10s);
    ASSERT_EQ(kids.size(), 2U);
    const auto keys = store_->begin(ports::TxMode::read)->oidc_keys().list();
    ASSERT_EQ(keys.size(), 4U);
    int active = 0;
    for (const auto& k : keys) {
        const bool is_new = k.kid == kids[0] || k.kid == kids[1];
        EXPECT_EQ(k.retired_at.has_value(), !is_new) << k.kid;
        if (!k.retired_at) ++active;
    }
    EXPECT_EQ(active, 2);
    EXPECT_EQ(keys[0].created_at, now_ + 10s);
    const auto rotated = events("oidc.keys_rotated");
    ASSERT_EQ(rotated.size(), 1U);
    EXPECT_NE(rotated[0].event.detail.find(kids[0]), std::string::npos);
    EXPECT_EQ(rotated[0].event.detail.find("sealed"), std::string::npos) << "never a private key";
}

}  // namespace
}  // namespace mina
