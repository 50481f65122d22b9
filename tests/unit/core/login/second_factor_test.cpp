// The second factor's rules (issue [12]) on a real SQLite store with a fake clock, real RFC 6238
// codes (crypto::OathTotp, checked against RFC 6238's own test vectors) and a WebAuthn double whose
// answers the tests choose: a role that needs a factor enrols before any session; a code is accepted
// once and never an older one; wrong codes count toward the lockout with wrong passwords; an offer
// opens for its person only while it lives; a passkey's counter must move forward and its challenge
// is used once, for what it was made.
#include <gtest/gtest.h>

#include <liboath/oath.h>

#include <map>

#include "core/idm/admin.hpp"
#include "core/login/second_factor.hpp"
#include "crypto/identity_vault.hpp"
#include "crypto/totp.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

/// WebAuthn's answers as the test sets them: a registration or assertion per challenge it names.
class FakeWebAuthn final : public ports::WebAuthn {
   public:
    std::optional<std::string> challenge_of(std::string_view client_data) const override {
        return std::string(client_data);  // the tests send the challenge itself as the client data
    }
    std::optional<Registered> registration(std::string_view, std::string_view, std::string_view, const Party&,
                                           std::string& why) const override {
        if (!next_registration) why = "bad_attestation";
        return next_registration;
    }
    std::optional<Asserted> assertion(const Passkey&, std::string_view, std::string_view, std::string_view,
                                      std::string_view, const Party&, bool verified, std::string& why) const override {
        if (!next_assertion || (verified && !next_assertion->user_verified)) {
            why = "bad_signature";
            return std::nullopt;
        }
        return next_assertion;
    }
    std::optional<Registered> next_registration;
    std::optional<Asserted> next_assertion;
};

/// The RFC 6238 code of `secret` at `t`, by liboath's generator (the service uses its validator).
std::string code_at(const std::string& secret, Timestamp t) {
    char out[7] = {};
    EXPECT_EQ(oath_totp_generate(secret.data(), secret.size(), static_cast<time_t>(to_unix(t)), 30, 0, 6, out),
              OATH_OK);
    return out;
}

class SecondFactorTest : public ::testing::Test {
   protected:
    void SetUp() override {
        admin::Service a(*store_, hasher_, tokens_, policy_);
        const admin::Actor who{"test", "local"};
        ASSERT_TRUE(std::holds_alternative<admin::Done>(
            a.add_school({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, who, clock_.now())));
        admin_ = add(a, "Anna", "Admin", Role::school_admin);
        reporter_ = add(a, "Pelle", "Rapport", Role::studeranderapportering);
    }
    std::string add(admin::Service& a, const char* first, const char* last, Role role) {
        const admin::Actor who{"test", "local"};
        auto u = a.add_person(first, last, std::string(first) + "@example.se", who, clock_.now());
        const std::string user = std::get<Username>(u).value();
        EXPECT_TRUE(std::holds_alternative<admin::Done>(a.set_password(Username{user}, kRight, who, clock_.now())));
        EXPECT_TRUE(std::holds_alternative<admin::Done>(a.grant(Username{user}, "S1", role, who, clock_.now())));
        return user;
    }
    login::Outcome password(const std::string& user, const std::string& pw = kRight) {
        return login_.submit({user, pw, {"10.0.0.1", "test"}, {}}, clock_.now());
    }
    Person person(const std::string& user) {
        return *store_->begin(ports::TxMode::read)->accounts().find(Username{user});
    }
    int audited(std::string_view kind) {
        AuditFilter f;
        f.kind = std::string(kind);
        f.limit = 1000;
        return static_cast<int>(store_->begin(ports::TxMode::read)->audit().query(f).size());
    }
    /// The secret an offer carries (sealed as "person until secret").
    std::string secret_of(const login::SecondFactor::Offer& offer) {
        const auto plain = vault_->open("mina-totp-offer-1", offer.sealed);
        EXPECT_TRUE(plain);
        return plain ? plain->substr(plain->find(' ', plain->find(' ') + 1) + 1) : std::string();
    }
    /// The admin logged in and enrolled with an app; returns the secret.
    std::string enrolled() {
        const auto step = std::get<login::SecondStep>(password(admin_));
        EXPECT_EQ(step.stage, StepStage::enrol);
        const auto offer = factors_.offer(person(admin_), "Mina tjänster", clock_.now());
        const std::string secret = secret_of(offer);
        const auto out =
            factors_.enrol_totp(step.token, offer.sealed, code_at(secret, clock_.now()), from_, clock_.now());
        EXPECT_TRUE(std::holds_alternative<login::SecondFactor::Enrolled>(out));
        return secret;
    }

    static constexpr const char* kRight = "rätt-lösenord-123";
    PolicyConfig policy_;
    test::FakeClock clock_;
    test::CountingHasher hasher_;
    crypto::SodiumTokens tokens_;
    crypto::OathTotp totp_;
    std::optional<crypto::IdentityVault> vault_ = crypto::IdentityVault::from_hex(std::string(64, '7'));
    FakeWebAuthn webauthn_;
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    login::Service login_{*store_, hasher_, tokens_, policy_};
    login::SecondFactor factors_{*store_, tokens_, totp_, *vault_, policy_, &webauthn_};
    const ClientInfo from_{"10.0.0.1", "test"};
    std::string admin_;
    std::string reporter_;
};

TEST(OathTotp, MatchesRfc6238sTestVectorsWithinOneStep) {
    crypto::OathTotp totp;
    const std::string secret = "12345678901234567890";  // RFC 6238 appendix B, HMAC-SHA-1
    // 94287082 at T=59 and 07081804 at T=1111111109 (eight digits; six are their last six).
    EXPECT_EQ(totp.match(secret, "287082", from_unix(59)), 1);
    EXPECT_EQ(totp.match(secret, "081804", from_unix(1111111109)), 1111111109 / 30);
    EXPECT_EQ(totp.match(secret, "081804", from_unix(1111111109 + 30)), 1111111109 / 30) << "one step late";
    EXPECT_EQ(totp.match(secret, "081804", from_unix(1111111109 - 30)), 1111111109 / 30) << "one step early";
    EXPECT_FALSE(totp.match(secret, "081804", from_unix(1111111109 + 90))) << "not two steps away";
    EXPECT_FALSE(totp.match(secret, "081805", from_unix(1111111109)));
    EXPECT_FALSE(totp.match(secret, "08180", from_unix(1111111109)));
    EXPECT_EQ(totp.base32("12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST_F(SecondFactorTest, ARoleThatNeedsAFactorEnrolsBeforeAnySessionAndAReporterDoesNot) {
    const auto out = password(admin_);
    const auto* step = std::get_if<login::SecondStep>(&out);
    ASSERT_NE(step, nullptr);
    EXPECT_EQ(step->stage, StepStage::enrol);
    EXPECT_EQ(audited("login.success"), 0);
    EXPECT_EQ(audited("login.second_step"), 1);
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(password(reporter_)));
    policy_.second_factor_roles = {};
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(password(admin_))) << "the policy decides";
}

TEST_F(SecondFactorTest, AnAppsCodeIsAcceptedOnceAndNeverAnOlderOne) {
    const std::string secret = enrolled();
    clock_.advance(Seconds{30});
    auto step = std::get<login::SecondStep>(password(admin_));
    EXPECT_EQ(step.stage, StepStage::verify);
    const std::string older = code_at(secret, clock_.now() - Seconds{30});
    EXPECT_TRUE(std::holds_alternative<login::WrongCode>(factors_.verify_code(step.token, older, from_, clock_.now())))
        << "the enrolment's code is spent";
    const std::string code = code_at(secret, clock_.now());
    const auto in = factors_.verify_code(step.token, code, from_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<login::LoggedIn>(in));
    EXPECT_EQ(std::get<login::LoggedIn>(in).session.amr, "pwd otp mfa");
    EXPECT_TRUE(std::holds_alternative<login::StepGone>(factors_.verify_code(step.token, code, from_, clock_.now())))
        << "a step ends with its login";
    step = std::get<login::SecondStep>(password(admin_));
    EXPECT_TRUE(std::holds_alternative<login::WrongCode>(factors_.verify_code(step.token, code, from_, clock_.now())))
        << "the same code at the next login";
}

TEST_F(SecondFactorTest, WrongCodesAndWrongPasswordsLockTogetherAtTheFourthFailure) {
    (void)enrolled();
    EXPECT_TRUE(std::holds_alternative<login::Denied>(password(admin_, "fel-1")));
    EXPECT_TRUE(std::holds_alternative<login::Denied>(password(admin_, "fel-2")));
    const auto step = std::get<login::SecondStep>(password(admin_));
    EXPECT_TRUE(
        std::holds_alternative<login::WrongCode>(factors_.verify_code(step.token, "000000", from_, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<login::Denied>(factors_.verify_code(step.token, "000001", from_, clock_.now())))
        << "the fourth failure locks and ends the step";
    EXPECT_EQ(audited("account.locked"), 1);
    EXPECT_TRUE(
        std::holds_alternative<login::StepGone>(factors_.verify_code(step.token, "000002", from_, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<login::Denied>(password(admin_)));
}

TEST_F(SecondFactorTest, AnOfferOpensForItsPersonOnlyWhileItLives) {
    const auto step = std::get<login::SecondStep>(password(admin_));
    const auto offer = factors_.offer(person(reporter_), "Mina tjänster", clock_.now());
    EXPECT_TRUE(std::holds_alternative<login::StepGone>(
        factors_.enrol_totp(step.token, offer.sealed, "123456", from_, clock_.now())))
        << "another person's offer";
    const auto mine = factors_.offer(person(admin_), "Mina tjänster", clock_.now());
    clock_.advance(login::kStepLife);
    EXPECT_TRUE(std::holds_alternative<login::StepGone>(
        factors_.enrol_totp(step.token, mine.sealed, "123456", from_, clock_.now())));
    EXPECT_EQ(mine.uri.rfind("otpauth://totp/Mina%20tj%C3%A4nster:" + admin_ + "?secret=" + mine.base32 +
                                 "&issuer=Mina%20tj%C3%A4nster",
                             0),
              0U)
        << mine.uri;
}

TEST_F(SecondFactorTest, RecoveryCodesWorkOnceEachAndAreStoredAsKeyedDigests) {
    const auto step = std::get<login::SecondStep>(password(admin_));
    const auto offer = factors_.offer(person(admin_), "Mina tjänster", clock_.now());
    const std::string secret = secret_of(offer);
    const auto e = std::get<login::SecondFactor::Enrolled>(
        factors_.enrol_totp(step.token, offer.sealed, code_at(secret, clock_.now()), from_, clock_.now()));
    ASSERT_EQ(e.recovery_codes.size(), 10U);
    const auto s2 = std::get<login::SecondStep>(password(admin_));
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(
        factors_.verify_code(s2.token, e.recovery_codes[0], from_, clock_.now())));
    const auto s3 = std::get<login::SecondStep>(password(admin_));
    EXPECT_TRUE(std::holds_alternative<login::WrongCode>(
        factors_.verify_code(s3.token, e.recovery_codes[0], from_, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(
        factors_.verify_code(s3.token, e.recovery_codes[1], from_, clock_.now())));
}

TEST_F(SecondFactorTest, APasskeysCounterMustMoveForwardAndItsChallengeIsUsedOnceForItsPurpose) {
    // Enrol a passkey at the step.
    auto step = std::get<login::SecondStep>(password(admin_));
    const login::SecondFactor::Party party{"https://mina.example.se", "mina.example.se"};
    const auto view = factors_.step(step.token, clock_.now());
    ASSERT_TRUE(view);
    webauthn_.next_registration = ports::WebAuthn::Registered{"cred-1", -7, "pk", 5, true, false};
    const std::string c1 = factors_.challenge("step", view->step.id_hash, clock_.now());
    const auto enrolled = factors_.enrol_passkey(step.token, {"Nyckeln", c1, "att"}, party, from_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<login::SecondFactor::Enrolled>(enrolled));
    EXPECT_EQ(std::get<login::SecondFactor::Enrolled>(enrolled).in.session.amr, "pwd hwk mfa");

    // Alone: a challenge made for a login, a verified person, a counter ahead.
    webauthn_.next_assertion = ports::WebAuthn::Asserted{6, true};
    const std::string c2 = factors_.challenge("login", {}, clock_.now());
    const auto in = factors_.passkey_login({"cred-1", c2, "ad", "sig"}, party, from_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<login::LoggedIn>(in));
    EXPECT_EQ(std::get<login::LoggedIn>(in).session.amr, "hwk user mfa");
    EXPECT_TRUE(std::holds_alternative<login::Denied>(
        factors_.passkey_login({"cred-1", c2, "ad", "sig"}, party, from_, clock_.now())))
        << "a challenge is used once";
    webauthn_.next_assertion = ports::WebAuthn::Asserted{7, true};
    const std::string c3 = factors_.challenge("add", "someone's session", clock_.now());
    EXPECT_TRUE(std::holds_alternative<login::Denied>(
        factors_.passkey_login({"cred-1", c3, "ad", "sig"}, party, from_, clock_.now())))
        << "a challenge made for another purpose";
    webauthn_.next_assertion = ports::WebAuthn::Asserted{6, true};
    EXPECT_TRUE(std::holds_alternative<login::Denied>(factors_.passkey_login(
        {"cred-1", factors_.challenge("login", {}, clock_.now()), "ad", "sig"}, party, from_, clock_.now())))
        << "a counter that did not move forward: a clone";
    EXPECT_EQ(audited("passkey.refused"), 3);
    webauthn_.next_assertion = ports::WebAuthn::Asserted{8, false};
    EXPECT_TRUE(std::holds_alternative<login::Denied>(factors_.passkey_login(
        {"cred-1", factors_.challenge("login", {}, clock_.now()), "ad", "sig"}, party, from_, clock_.now())))
        << "alone, the authenticator must have verified its person";
    // As the second step, presence is enough.
    step = std::get<login::SecondStep>(password(admin_));
    const auto v2 = factors_.step(step.token, clock_.now());
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(factors_.passkey_step(
        step.token, {"cred-1", factors_.challenge("step", v2->step.id_hash, clock_.now()), "ad", "sig"}, party, from_,
        clock_.now())));
}

}  // namespace
}  // namespace mina
