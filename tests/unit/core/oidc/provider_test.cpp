#include "core/oidc/provider.hpp"

#include <gtest/gtest.h>

#include <tuple>

#include "core/idm/admin.hpp"
#include "core/oidc/admin.hpp"
#include "crypto/sodium.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

/// Makes keys that sign nothing: the provider's decisions are under test here, the JOSE in crypto/jose_test.
class NoSigner final : public oidc::Signer {
   public:
    [[nodiscard]] oidc::SigningKey generate(oidc::Alg alg, const std::string& kid, Timestamp now) const override {
        return {kid, alg, R"({"kty":"EC"})", "sealed", now, std::nullopt};
    }
    [[nodiscard]] std::string sign(const oidc::SigningKey&, std::string_view payload) const override {
        return std::string(payload);
    }
    [[nodiscard]] std::optional<std::string> verify(std::string_view, std::string_view) const override {
        return std::nullopt;
    }
    /// Seals nothing (the sealing is crypto/jose_test's), but opens only for the same purpose.
    [[nodiscard]] std::string seal_token(std::string_view purpose, std::string_view plain) const override {
        return std::string(purpose) + "|" + std::string(plain);
    }
    [[nodiscard]] std::optional<std::string> open_token(std::string_view purpose,
                                                        std::string_view sealed) const override {
        const std::string prefix = std::string(purpose) + "|";
        if (!sealed.starts_with(prefix)) return std::nullopt;
        return std::string(sealed.substr(prefix.size()));
    }
};

constexpr std::string_view kRedirect = "https://service.example/callback";
// A verifier and its S256 challenge, as `openssl dgst -sha256 -binary | base64url` makes it.
constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mJ0kZJgXrwOYwKKwmxZlVTTSNUcStg";
constexpr std::string_view kChallenge = "BywPl2yevAgjBWC8-rr0nRt-B8t7BXc8A8jAR8TibzY";

class ProviderTest : public ::testing::Test {
   protected:
    void SetUp() override {
        ASSERT_TRUE(std::holds_alternative<admin::Done>(
            admin_.add_school({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, who_, clock_.now())));
        anna_ = std::get<Username>(admin_.add_person("Anna", "Andersson", "anna@example.se", who_, clock_.now()));
        ASSERT_TRUE(std::holds_alternative<admin::Done>(
            admin_.grant(anna_, "S1", Role::studeranderapportering, who_, clock_.now())));
        add_client("svc", "Tjänsten", false);
        add_client("other", "Annan", false);
        add_client("app", "Appen", true);
        ASSERT_EQ(oidc::Admin(*store_, tokens_).ensure_keys(signer_, clock_.now()), 2);
    }
    void add_client(const std::string& id, const std::string& name, bool is_public) {
        oidc::Client c;
        c.id = id;
        c.name = name;
        c.is_public = is_public;
        if (!is_public) c.secret_digest = tokens_.digest("secret-" + id);
        c.redirect_uris = {std::string(kRedirect)};
        c.post_logout_redirect_uris = {"https://service.example/bye"};
        c.created_at = clock_.now();
        auto tx = store_->begin(ports::TxMode::write);
        ASSERT_TRUE(tx->oidc_clients().add(c));
        tx->commit();
    }
    /// A portal session for Anna, made now, with S1 chosen, and `amr` the way she logged in.
    portal::Viewer login(const std::string& amr = "pwd") {
        session_token_ = tokens_.token();
        auto tx = store_->begin(ports::TxMode::write);
        portal::Viewer v;
        v.person = *tx->accounts().find(anna_);
        v.access = tx->grants().access(v.person.id).schools;
        v.session = {tokens_.digest(session_token_), v.person.id, "csrf", clock_.now(), clock_.now(), "S1", false, amr};
        tx->sessions().create(v.session);
        tx->commit();
        return v;
    }
    static oidc::AuthorizeRequest request(std::string client = "svc") {
        oidc::AuthorizeRequest r;
        r.response_type = "code";
        r.client_id = std::move(client);
        r.redirect_uri = std::string(kRedirect);
        r.scope = "openid profile email schools";
        r.state = "st";
        r.nonce = "n-0S6";
        r.code_challenge = std::string(kChallenge);
        r.code_challenge_method = "S256";
        return r;
    }
    static std::string param(const oidc::AuthorizeOutcome& o, std::string_view name) {
        const auto* r = std::get_if<oidc::Redirect>(&o);
        if (r == nullptr) return "<no redirect>";
        for (const auto& [k, v] : r->params)
            if (k == name) return v;
        return {};
    }
    oidc::TokenRequest exchange(const std::string& code, std::string client = "svc") {
        oidc::TokenRequest t;
        t.grant_type = "authorization_code";
        t.code = code;
        t.redirect_uri = std::string(kRedirect);
        t.code_verifier = std::string(kVerifier);
        t.auth.method = oidc::ClientAuth::Method::secret_basic;
        t.auth.client_id = client;
        t.auth.secret = "secret-" + client;
        return t;
    }
    /// A code exchanged twice: the second is refused, and the first's access token stops working.
    void second_use_revokes(oidc::Provider& p) {
        const auto v = login();
        const std::string code = param(p.authorize(request(), "", &v, from_), "code");
        const auto first = p.token(exchange(code), from_);
        ASSERT_TRUE(std::holds_alternative<oidc::Issued>(first));
        const auto access = std::get<oidc::Issued>(first).access_token;
        EXPECT_TRUE(std::holds_alternative<oidc::Claims>(p.userinfo(access, from_)));
        const auto second = p.token(exchange(code), from_);
        ASSERT_TRUE(std::holds_alternative<oidc::TokenError>(second));
        EXPECT_EQ(std::get<oidc::TokenError>(second).error, "invalid_grant");
        EXPECT_TRUE(std::holds_alternative<oidc::UserinfoError>(p.userinfo(access, from_)));
        EXPECT_EQ(audited("oidc.authorized"), 1);
        EXPECT_EQ(audited("oidc.token_issued"), 1);
        EXPECT_EQ(audited("oidc.code_replayed"), 1);
    }
    int audited(std::string_view kind) {
        auto tx = store_->begin(ports::TxMode::read);
        AuditFilter f;
        f.kind = std::string(kind);
        return static_cast<int>(tx->audit().query(f).size());
    }

    PolicyConfig policy_;
    test::FakeClock clock_{from_unix(1'800'000'000)};
    test::CountingHasher hasher_;
    crypto::SodiumTokens tokens_;
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    admin::Service admin_{*store_, hasher_, tokens_, policy_};
    admin::Actor who_{"cli:test", "local"};
    NoSigner signer_;
    oidc::Provider provider_{*store_, tokens_, signer_, clock_, {"https://mina.example"}};
    ClientInfo from_{"10.0.0.1", "test"};
    Username anna_{""};
    std::string session_token_;
};

TEST_F(ProviderTest, NoClientOrAnUnregisteredRedirectIsAPageNeverARedirect) {
    auto r = request("nobody");
    EXPECT_TRUE(std::holds_alternative<oidc::NoRedirect>(provider_.authorize(r, "", nullptr, from_)));
    r = request();
    r.redirect_uri = "https://service.example/callback/";  // one character more: not registered
    EXPECT_TRUE(std::holds_alternative<oidc::NoRedirect>(provider_.authorize(r, "", nullptr, from_)));
    EXPECT_EQ(audited("oidc.refused"), 2);
}

TEST_F(ProviderTest, ARequestTheStandardRefusesGoesBackToTheClientWithItsState) {
    const auto v = login();
    auto r = request();
    r.response_type = "token";
    EXPECT_EQ(param(provider_.authorize(r, "", &v, from_), "error"), "unsupported_response_type");
    r = request();
    r.code_challenge.clear();
    EXPECT_EQ(param(provider_.authorize(r, "", &v, from_), "error"), "invalid_request");
    r = request();
    r.code_challenge_method = "plain";
    EXPECT_EQ(param(provider_.authorize(r, "", &v, from_), "error"), "invalid_request");
    r = request();
    r.scope = "profile";
    const auto o = provider_.authorize(r, "", &v, from_);
    EXPECT_EQ(param(o, "error"), "invalid_scope");
    EXPECT_EQ(param(o, "state"), "st");
    EXPECT_EQ(param(o, "iss"), "https://mina.example");
}

TEST_F(ProviderTest, TheIdTokenSaysHowThePersonLoggedIn) {
    // [12]: the session's methods are the token's amr; two factors are acr urn:mina:mfa.
    for (const auto& [amr, acr, words] : std::vector<std::tuple<std::string, std::string, std::vector<std::string>>>{
             {"pwd", "urn:mina:password", {"pwd"}},
             {"pwd otp mfa", "urn:mina:mfa", {"pwd", "otp", "mfa"}},
             {"hwk user mfa", "urn:mina:mfa", {"hwk", "user", "mfa"}}}) {
        const auto v = login(amr);
        const auto t = provider_.token(exchange(param(provider_.authorize(request(), "", &v, from_), "code")), from_);
        const auto* issued = std::get_if<oidc::Issued>(&t);
        ASSERT_NE(issued, nullptr) << amr;
        EXPECT_EQ(issued->id_token.amr, words) << amr;
        EXPECT_EQ(issued->id_token.acr, acr) << amr;
    }
}

TEST_F(ProviderTest, WithoutASessionThePersonLogsInFirstUnlessPromptIsNone) {
    const auto o = provider_.authorize(request(), "q=1", nullptr, from_);
    const auto* need = std::get_if<oidc::NeedLogin>(&o);
    ASSERT_NE(need, nullptr);
    EXPECT_EQ(need->client_name, "Tjänsten");
    const auto waiting = provider_.waiting(need->token);
    ASSERT_TRUE(waiting);
    EXPECT_EQ(waiting->client_name, "Tjänsten");
    EXPECT_EQ(waiting->redirect_uris, std::vector<std::string>{std::string(kRedirect)});
    EXPECT_EQ(provider_.pending(need->token)->query, "q=1");

    auto r = request();
    r.prompt = "none";
    EXPECT_EQ(param(provider_.authorize(r, "", nullptr, from_), "error"), "login_required");
}

TEST_F(ProviderTest, ALiveSessionGetsACodeAndTheCodeTokensWithTheSchool) {
    const auto v = login();
    const auto o = provider_.authorize(request(), "", &v, from_);
    const std::string code = param(o, "code");
    ASSERT_FALSE(code.empty());
    EXPECT_EQ(param(o, "state"), "st");

    const auto t = provider_.token(exchange(code), from_);
    const auto* issued = std::get_if<oidc::Issued>(&t);
    ASSERT_NE(issued, nullptr) << std::get<oidc::TokenError>(t).description;
    const auto& id = issued->id_token;
    EXPECT_EQ(id.aud, "svc");
    EXPECT_EQ(id.nonce, "n-0S6");
    EXPECT_EQ(id.auth_time, clock_.now());
    EXPECT_EQ(id.amr, std::vector<std::string>{"pwd"});
    EXPECT_FALSE(id.sid.empty());
    EXPECT_NE(id.claims.sub, anna_.value());
    EXPECT_EQ(id.claims.preferred_username, anna_.value());
    EXPECT_EQ(id.claims.email_address, "anna@example.se");
    ASSERT_EQ(id.claims.school_list.size(), 1U);
    EXPECT_EQ(id.claims.school_list[0].code, "S1");
    EXPECT_EQ(id.claims.school_list[0].roles, std::vector<std::string>{"studeranderapportering"});
    EXPECT_EQ(id.claims.school, "S1");

    const auto info = provider_.userinfo(issued->access_token, from_);
    ASSERT_TRUE(std::holds_alternative<oidc::Claims>(info));
    EXPECT_EQ(std::get<oidc::Claims>(info).sub, id.claims.sub);
    EXPECT_EQ(audited("oidc.authorized"), 1);
    EXPECT_EQ(audited("oidc.token_issued"), 1);
}

TEST_F(ProviderTest, ASecondUseOfACodeRevokesWhatTheFirstProduced) { second_use_revokes(provider_); }

TEST_F(ProviderTest, ACodeIsBoundToItsClientVerifierRedirectAndMinute) {
    const auto v = login();
    auto error = [&](oidc::TokenRequest t) {
        const auto o = provider_.token(t, from_);
        return std::holds_alternative<oidc::TokenError>(o) ? std::get<oidc::TokenError>(o).error : "issued";
    };
    std::string code = param(provider_.authorize(request(), "", &v, from_), "code");
    EXPECT_EQ(error(exchange(code, "other")), "invalid_grant");  // another client's code
    code = param(provider_.authorize(request(), "", &v, from_), "code");
    auto t = exchange(code);
    t.code_verifier = std::string(kVerifier.substr(1)) + "x";
    EXPECT_EQ(error(t), "invalid_grant");
    code = param(provider_.authorize(request(), "", &v, from_), "code");
    t = exchange(code);
    t.redirect_uri = "https://service.example/other";
    EXPECT_EQ(error(t), "invalid_grant");
    code = param(provider_.authorize(request(), "", &v, from_), "code");
    clock_.advance(Seconds{61});
    EXPECT_EQ(error(exchange(code)), "invalid_grant");
    code = param(provider_.authorize(request(), "", &v, from_), "code");
    t = exchange(code);
    t.auth.secret = "wrong";
    EXPECT_EQ(error(t), "invalid_client");
}

TEST_F(ProviderTest, APublicClientProvesNothingButTheVerifierAConfidentialOneMust) {
    const auto v = login();
    std::string code = param(provider_.authorize(request("app"), "", &v, from_), "code");
    auto t = exchange(code, "app");
    t.auth.method = oidc::ClientAuth::Method::none;
    t.auth.secret.clear();
    EXPECT_TRUE(std::holds_alternative<oidc::Issued>(provider_.token(t, from_)));
    code = param(provider_.authorize(request(), "", &v, from_), "code");
    t = exchange(code);
    t.auth.method = oidc::ClientAuth::Method::none;
    const auto o = provider_.token(t, from_);
    ASSERT_TRUE(std::holds_alternative<oidc::TokenError>(o));
    EXPECT_EQ(std::get<oidc::TokenError>(o).status, 401);
}

TEST_F(ProviderTest, PromptLoginAndMaxAgeAskForALoginNewerThanTheSession) {
    const auto old = login();
    clock_.advance(Seconds{100});
    auto r = request();
    r.prompt = "login";
    const auto o = provider_.authorize(r, "q", &old, from_);
    const auto* need = std::get_if<oidc::NeedLogin>(&o);
    ASSERT_NE(need, nullptr);
    // The same old session does not answer the waiting request; a new login does.
    EXPECT_TRUE(std::holds_alternative<oidc::NeedLogin>(provider_.authorize(r, "q", &old, from_, need->token)));
    const auto o2 = provider_.authorize(r, "q", &old, from_);
    const std::string token = std::get<oidc::NeedLogin>(o2).token;
    clock_.advance(Seconds{5});
    const auto fresh = login();
    EXPECT_FALSE(param(provider_.authorize(r, "q", &fresh, from_, token), "code").empty());
    EXPECT_FALSE(provider_.pending(token));  // answered: gone

    r = request();
    r.max_age = "60";
    clock_.advance(Seconds{61});
    EXPECT_TRUE(std::holds_alternative<oidc::NeedLogin>(provider_.authorize(r, "", &fresh, from_)));
    r.max_age = "3600";
    EXPECT_FALSE(param(provider_.authorize(r, "", &fresh, from_), "code").empty());
    r.max_age = "soon";
    EXPECT_EQ(param(provider_.authorize(r, "", &fresh, from_), "error"), "invalid_request");
}

TEST_F(ProviderTest, LogoutWithTheServicesHintEndsThePortalSessionAndItsTokens) {
    const auto v = login();
    const std::string code = param(provider_.authorize(request(), "", &v, from_), "code");
    const auto issued = std::get<oidc::Issued>(provider_.token(exchange(code), from_));

    oidc::EndSession e;
    e.post_logout_redirect_uri = "https://service.example/bye";
    e.state = "s";
    // No hint that verified: the person is asked, nothing ends.
    EXPECT_EQ(provider_.end_session(e, session_token_, from_).kind, oidc::EndSessionOutcome::Kind::ask);
    EXPECT_TRUE(std::holds_alternative<oidc::Claims>(provider_.userinfo(issued.access_token, from_)));

    e.hint = oidc::EndSession::Hint{"https://mina.example", {"svc"}, issued.id_token.sid};
    const auto out = provider_.end_session(e, session_token_, from_);
    EXPECT_EQ(out.kind, oidc::EndSessionOutcome::Kind::redirect);
    EXPECT_EQ(out.uri, "https://service.example/bye");
    EXPECT_TRUE(std::holds_alternative<oidc::UserinfoError>(provider_.userinfo(issued.access_token, from_)));
    {
        auto tx = store_->begin(ports::TxMode::read);
        EXPECT_FALSE(tx->sessions().find(tokens_.digest(session_token_)));
    }

    // A post-logout URI that is not registered is not followed.
    e.post_logout_redirect_uri = "https://evil.example/";
    EXPECT_EQ(provider_.end_session(e, {}, from_).kind, oidc::EndSessionOutcome::Kind::logged_out);
}

TEST_F(ProviderTest, AClientAssertionMustBeForUsFreshAndUsedOnce) {
    {
        auto tx = store_->begin(ports::TxMode::write);
        oidc::Client c;
        c.id = "jwt";
        c.name = "Nycklar";
        c.jwks = R"({"keys":[]})";
        c.redirect_uris = {std::string(kRedirect)};
        ASSERT_TRUE(tx->oidc_clients().add(c));
        tx->commit();
    }
    const auto v = login();
    auto attempt = [&](oidc::ClientAuth::Assertion a) {
        const std::string code = param(provider_.authorize(request("jwt"), "", &v, from_), "code");
        auto t = exchange(code, "jwt");
        t.auth.method = oidc::ClientAuth::Method::private_key_jwt;
        t.auth.assertion = std::move(a);
        const auto o = provider_.token(t, from_);
        return std::holds_alternative<oidc::TokenError>(o) ? std::get<oidc::TokenError>(o).error : "issued";
    };
    const auto exp = clock_.now() + Seconds{60};
    EXPECT_EQ(attempt({"jwt", "jwt", {"https://mina.example/oidc/token"}, exp, "j1"}), "issued");
    EXPECT_EQ(attempt({"jwt", "jwt", {"https://mina.example/oidc/token"}, exp, "j1"}), "invalid_client");  // jti again
    EXPECT_EQ(attempt({"jwt", "jwt", {"https://elsewhere.example"}, exp, "j2"}), "invalid_client");
    EXPECT_EQ(attempt({"svc", "jwt", {"https://mina.example"}, exp, "j3"}), "invalid_client");
    EXPECT_EQ(attempt({"jwt", "jwt", {"https://mina.example"}, clock_.now() - Seconds{1}, "j4"}), "invalid_client");
    EXPECT_EQ(attempt({"jwt", "jwt", {"https://mina.example"}, exp, "j5"}), "issued");
}

TEST(OidcText, Base64urlAndWords) {
    EXPECT_EQ(oidc::base64url(""), "");
    EXPECT_EQ(oidc::base64url("f"), "Zg");
    EXPECT_EQ(oidc::base64url("fo"), "Zm8");
    EXPECT_EQ(oidc::base64url("foo"), "Zm9v");
    EXPECT_EQ(oidc::base64url("\xfb\xff"), "-_8");
    EXPECT_EQ(oidc::words("  openid  profile "), (std::vector<std::string>{"openid", "profile"}));
}

TEST_F(ProviderTest, ACodeIsItsContentsSealedOnlyItsUseIsStored) {
    const auto v = login();
    const std::string code = param(provider_.authorize(request(), "", &v, from_), "code");
    const auto opened = oidc::open_code(signer_, code);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->client_id, "svc");
    EXPECT_EQ(opened->session_digest, v.session.id_hash);
    EXPECT_EQ(opened->expires_at, clock_.now() + Seconds{60});
    EXPECT_EQ(oidc::open_access(signer_, code), std::nullopt) << "a code is no access token";
    {
        auto tx = store_->begin(ports::TxMode::read);
        EXPECT_FALSE(tx->oidc_codes().live(opened->id)) << "nothing stored at the authorization";
    }
    const auto issued = std::get<oidc::Issued>(provider_.token(exchange(code), from_));
    {
        auto tx = store_->begin(ports::TxMode::read);
        EXPECT_TRUE(tx->oidc_codes().live(opened->id)) << "its use is";
    }
    EXPECT_EQ(oidc::open_code(signer_, issued.access_token), std::nullopt) << "an access token is no code";
    EXPECT_TRUE(std::holds_alternative<oidc::UserinfoError>(provider_.userinfo(code, from_)));
    // A token whose contents were changed (here: another person) is refused.
    auto t = oidc::open_access(signer_, issued.access_token);
    ASSERT_TRUE(t);
    t->person = PersonId{t->person.value() + 1};
    EXPECT_TRUE(std::holds_alternative<oidc::UserinfoError>(provider_.userinfo(oidc::seal_access(signer_, *t), from_)));
    EXPECT_EQ(oidc::open_code(signer_, "mina-oidc-code-1|3:abc"), std::nullopt) << "too few fields";
}

TEST_F(ProviderTest, AnAccessTokenLivesNoLongerThanItsSession) {
    const auto v = login();
    std::string code = param(provider_.authorize(request(), "", &v, from_), "code");
    const auto issued = std::get<oidc::Issued>(provider_.token(exchange(code), from_));
    EXPECT_TRUE(std::holds_alternative<oidc::Claims>(provider_.userinfo(issued.access_token, from_)));
    clock_.advance(Seconds{299});
    EXPECT_TRUE(std::holds_alternative<oidc::Claims>(provider_.userinfo(issued.access_token, from_)));
    clock_.advance(Seconds{1});
    EXPECT_TRUE(std::holds_alternative<oidc::UserinfoError>(provider_.userinfo(issued.access_token, from_)))
        << "five minutes";

    // The session ends (the portal's Logga ut): a code issued in it exchanges to nothing.
    const auto v2 = login();
    code = param(provider_.authorize(request(), "", &v2, from_), "code");
    {
        auto tx = store_->begin(ports::TxMode::write);
        tx->sessions().remove(v2.session.id_hash);
        tx->commit();
    }
    const auto o = provider_.token(exchange(code), from_);
    ASSERT_TRUE(std::holds_alternative<oidc::TokenError>(o));
    EXPECT_EQ(std::get<oidc::TokenError>(o).error, "invalid_grant");
}

TEST_F(ProviderTest, AnIdleSessionTakesItsTokensAlong) {
    oidc::Settings s{"https://mina.example"};
    s.session_idle = Seconds{120};
    oidc::Provider p{*store_, tokens_, signer_, clock_, s};
    const auto v = login();
    const std::string code = param(p.authorize(request(), "", &v, from_), "code");
    const auto issued = std::get<oidc::Issued>(p.token(exchange(code), from_));
    clock_.advance(Seconds{119});
    EXPECT_TRUE(std::holds_alternative<oidc::Claims>(p.userinfo(issued.access_token, from_)));
    clock_.advance(Seconds{1});
    EXPECT_TRUE(std::holds_alternative<oidc::UserinfoError>(p.userinfo(issued.access_token, from_)))
        << "the portal would not resume the session now";
}

TEST_F(ProviderTest, DeferredWritesAreTheCallersToCommitACodesRowUnsynced) {
    const auto v = login();
    oidc::Provider::Deferred d;
    const std::string code = param(provider_.authorize(request(), "", &v, from_, {}, &d), "code");
    ASSERT_FALSE(code.empty());
    ASSERT_TRUE(d.write);
    EXPECT_FALSE(d.sync) << "a code's row reaches the disk with its exchange";
    EXPECT_EQ(audited("oidc.authorized"), 0) << "nothing written yet";
    std::exception_ptr failed = std::make_exception_ptr(std::runtime_error("not called"));
    provider_.commit_later(std::move(d), [&](std::exception_ptr e) { failed = std::move(e); });
    EXPECT_EQ(failed, nullptr);
    EXPECT_EQ(audited("oidc.authorized"), 1);

    // A refusal's row asks for the disk.
    oidc::Provider::Deferred r;
    EXPECT_TRUE(std::holds_alternative<oidc::UserinfoError>(provider_.userinfo("nonsense", from_, &r)));
    EXPECT_TRUE(r.sync);
    EXPECT_EQ(audited("oidc.refused"), 0);
    provider_.commit_later(std::move(r), [](const std::exception_ptr&) {});
    EXPECT_EQ(audited("oidc.refused"), 1);
}

TEST_F(ProviderTest, WithAGroupCommitTheWritesGoThroughIt) {
    GroupCommit<oidc::Unit> group(*store_);
    oidc::Provider p{*store_, tokens_, signer_, clock_, {"https://mina.example"}, &group};
    second_use_revokes(p);
    EXPECT_EQ(group.counts().writes, 4U) << "authorize, two exchanges, the refused userinfo";
    EXPECT_EQ(p.group_counts()->writes, 4U);
    EXPECT_EQ(provider_.group_counts(), std::nullopt) << "none without a group commit";
}

}  // namespace
}  // namespace mina
