// The kiosk's rules at their boundaries (R4, R5, R8–R10, SPEC §4): the password rules, one-time
// passwords, the CAPTCHA's single use, and the outbox's retries and reminders — on a real SQLite
// store with a fake clock and a counting hasher.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/idm/admin.hpp"
#include "core/kiosk/kiosk.hpp"
#include "core/kiosk/mailer.hpp"
#include "core/kiosk/outbox.hpp"
#include "core/login/passwords.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

/// Text rules without libraries: every input is already NFC, and one word is "weak".
class FakeQuality final : public ports::PasswordQuality {
   public:
    std::optional<std::string> normalize(std::string_view text) override {
        if (text.find('\xff') != std::string_view::npos) return std::nullopt;
        return std::string(text);
    }
    bool is_weak(std::string_view pw, std::string_view) override {
        return pw.find("password") != std::string_view::npos;
    }
};

class FixedCaptchas final : public ports::CaptchaAnswers {
   public:
    std::string fresh() override { return "ab" + std::to_string(100 + n_++); }

   private:
    int n_ = 0;
};

Person karin() {
    Person p;
    p.id = PersonId{1};
    p.username = Username{"kl1021"};
    p.email = "karin.lindh@example.se";
    return p;
}

std::optional<passwords::Problem> check(const std::string& pw, const std::string& confirm = "") {
    FakeQuality q;
    std::string normalized;
    return passwords::check(pw, confirm.empty() ? pw : confirm, karin(), q, normalized);
}

TEST(Passwords, LengthCountsCharactersNotBytes) {
    EXPECT_EQ(check("åäöåäöåäöåä"), passwords::Problem::too_short);  // 11 characters, 22 bytes
    EXPECT_EQ(check("åäöåäöåäöåäö"), std::nullopt);                  // 12
    EXPECT_EQ(check(std::string(128, 'x') + ""), std::nullopt);
    EXPECT_EQ(check(std::string(129, 'x')), passwords::Problem::too_long);
    EXPECT_EQ(passwords::count_chars("blå"), 3);
}

TEST(Passwords, EachRuleHasItsProblem) {
    EXPECT_EQ(check("mitt-KL1021-lösen"), passwords::Problem::has_username);
    EXPECT_EQ(check("hej karin.lindh då"), passwords::Problem::has_email);
    EXPECT_EQ(check("my password is long"), passwords::Problem::weak);
    EXPECT_EQ(check("Blå hästar dansar", "Blå hästar dansar!"), passwords::Problem::mismatch);
    EXPECT_EQ(check("rad\nbrytning-här"), passwords::Problem::not_text);
    EXPECT_EQ(check("ogiltig-\xff-utf8-text"), passwords::Problem::not_text);
}

TEST(Otp, FormatAndCanonicalForm) {
    crypto::SodiumTokens tokens;
    const std::string otp = outbox::new_otp(tokens);
    ASSERT_EQ(otp.size(), 14u);
    EXPECT_EQ(otp[4], '-');
    EXPECT_EQ(otp[9], '-');
    for (char c : outbox::canonical_otp(otp))
        EXPECT_EQ(std::string_view("abcdefghjkmnpqrstuvwxyz23456789").find(c) != std::string_view::npos, true) << c;
    EXPECT_EQ(outbox::canonical_otp(" AB2C-d3EF ghjk\n"), "ab2cd3efghjk");
    EXPECT_NE(outbox::new_otp(tokens), otp);
}

class KioskTest : public ::testing::Test {
   protected:
    void SetUp() override {
        admin::Service a(*store_, hasher_, tokens_, policy_);
        const admin::Actor who{"test", "local"};
        ASSERT_TRUE(std::holds_alternative<admin::Done>(
            a.add_school({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, who, clock_.now())));
        user_ = std::get<Username>(a.add_person("Karin", "Lindh", "karin.lindh@example.se", who, clock_.now())).value();
        ASSERT_TRUE(
            std::holds_alternative<admin::Done>(a.grant(Username{user_}, "S1", Role::studietider, who, clock_.now())));
    }
    KioskFlow flow_at(FlowKind kind) {
        auto v = kiosk_.begin({}, kind, clock_.now());
        token_ = v.token;
        return v.flow;
    }
    /// The first one-time password, as the outbox worker makes it when the mail is due.
    std::string first_otp() {
        clock_.advance(policy_.otp_email_delay);
        auto claimed = mailer_.next(clock_.now());
        EXPECT_TRUE(claimed.has_value());
        if (!claimed) return {};
        EXPECT_EQ(claimed->mail.kind, MailKind::otp_first);
        mailer_.sent(claimed->mail, clock_.now(), "250 ok");
        return claimed->otp;
    }
    PolicyConfig policy_;
    test::FakeClock clock_;
    test::CountingHasher hasher_;
    crypto::SodiumTokens tokens_;
    FakeQuality quality_;
    FixedCaptchas captchas_;
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    kiosk::Service kiosk_{*store_, hasher_, tokens_, quality_, captchas_, policy_, {}};
    mailer::Service mailer_{*store_, hasher_, tokens_, policy_};
    std::string user_;
    std::string token_;
    const ClientInfo client_{"10.0.0.9", "test"};
};

TEST_F(KioskTest, TheFirstGrantQueuesTheOneTimePasswordForLaterAndTheDatabaseNeverHoldsItInClear) {
    EXPECT_FALSE(mailer_.next(clock_.now()).has_value()) << "not before otp_email_delay";
    const std::string otp = first_otp();
    ASSERT_FALSE(otp.empty());
    auto tx = store_->begin(ports::TxMode::read);
    const auto person = tx->accounts().find(Username{user_});
    const auto stored = tx->otps().find(person->id);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->hash, "plain$" + outbox::canonical_otp(otp));  // the counting hasher's "hash"
    EXPECT_EQ(stored->expires_at, clock_.now() + policy_.otp_ttl_first);
}

TEST_F(KioskTest, SignInWithTheOneTimePasswordThenSaveAPassword) {
    const std::string otp = first_otp();
    auto f = flow_at(FlowKind::sign_in);
    hasher_.verifies = 0;
    auto out = kiosk_.sign_in(f, user_, otp, f.captcha_answer, client_, clock_.now());
    ASSERT_TRUE(std::holds_alternative<kiosk::Proceed>(out));
    EXPECT_EQ(hasher_.verifies.load() + hasher_.dummies.load(), 2) << "two comparisons, whoever asks";
    EXPECT_EQ(f.stage, FlowStage::password);
    EXPECT_TRUE(std::holds_alternative<kiosk::Saved>(
        kiosk_.save_password(f, "Blå hästar dansar", "Blå hästar dansar", client_, clock_.now())));
    // Single use: the same one-time password does not sign in again.
    auto g = flow_at(FlowKind::sign_in);
    EXPECT_TRUE(
        std::holds_alternative<kiosk::Denied>(kiosk_.sign_in(g, user_, otp, g.captcha_answer, client_, clock_.now())));
}

// The kiosk's sign-in counts its attempt with the portal login's lockout step (login/lockout.hpp):
// visible to every attempt before the hashes, and on disk with the commit that settles the sign-in,
// before any answer is given: one fsync per sign-in. Its own copy of the step once committed the
// reservation synced (two fsyncs), where the login left it to the settling commit.
TEST_F(KioskTest, TheReservedAttemptReachesTheDiskWithTheSettlingCommit) {
    std::vector<std::string> log;
    test::RecordingStore store(*store_, log);
    test::LoggingHasher hasher(log);
    kiosk::Service kiosk(store, hasher, tokens_, quality_, captchas_, policy_, {});
    const auto sign_in = [&](const std::string& username, const std::string& secret) {
        auto f = kiosk.begin({}, FlowKind::sign_in, clock_.now()).flow;
        log.clear();
        return kiosk.sign_in(f, username, secret, f.captcha_answer, client_, clock_.now());
    };
    using Log = std::vector<std::string>;

    // The CAPTCHA's unit, the reservation, the two comparisons (no one-time password or password
    // yet: dummies), the settling commit.
    EXPECT_TRUE(std::holds_alternative<kiosk::Denied>(sign_in(user_, "fel")));
    EXPECT_EQ(log, (Log{"commit", "commit_unsynced", "verify_dummy", "verify_dummy", "commit"}));
    EXPECT_TRUE(std::holds_alternative<kiosk::Denied>(sign_in("ingen-sadan", "fel")));
    EXPECT_EQ(log, (Log{"commit", "commit_unsynced", "verify_dummy", "verify_dummy", "commit"}));
    const std::string otp = first_otp();
    EXPECT_TRUE(std::holds_alternative<kiosk::Proceed>(sign_in(user_, otp)));
    EXPECT_EQ(log, (Log{"commit", "commit_unsynced", "verify", "verify_dummy", "commit"}));

    // A locked account is answered at once: that answer's commit is on disk before it is given.
    for (int i = 0; i <= policy_.max_failed_logins; ++i) (void)sign_in(user_, "fel");
    EXPECT_TRUE(std::holds_alternative<kiosk::Denied>(sign_in(user_, "fel")));
    EXPECT_EQ(log, (Log{"commit", "commit", "verify_dummy", "verify_dummy"}));
}

TEST_F(KioskTest, ACaptchaIsUsedOnceAndExpiresAfterTenMinutes) {
    auto f = flow_at(FlowKind::forgot);
    const std::string first = f.captcha_answer;
    EXPECT_TRUE(
        std::holds_alternative<kiosk::CaptchaWrong>(kiosk_.order_otp(f, user_, "wrong", client_, clock_.now())));
    EXPECT_NE(f.captcha_answer, first);
    EXPECT_TRUE(std::holds_alternative<kiosk::CaptchaWrong>(kiosk_.order_otp(f, user_, first, client_, clock_.now())));
    const std::string live = f.captcha_answer;
    clock_.advance(kiosk::kCaptchaLife);
    EXPECT_TRUE(std::holds_alternative<kiosk::CaptchaWrong>(kiosk_.order_otp(f, user_, live, client_, clock_.now())));
    EXPECT_TRUE(
        std::holds_alternative<kiosk::Proceed>(kiosk_.order_otp(f, user_, f.captcha_answer, client_, clock_.now())));
}

TEST_F(KioskTest, FiveWrongEntriesKillTheOneTimePasswordEvenWhenTheyArriveTogether) {
    auto f = flow_at(FlowKind::forgot);
    ASSERT_TRUE(
        std::holds_alternative<kiosk::Proceed>(kiosk_.order_otp(f, user_, f.captcha_answer, client_, clock_.now())));
    auto claimed = mailer_.next(clock_.now());
    ASSERT_TRUE(claimed.has_value());
    ASSERT_EQ(claimed->mail.kind, MailKind::otp_reset);
    hasher_.verifies = 0;
    hasher_.delay = std::chrono::milliseconds(20);
    std::vector<std::thread> guesses;
    for (int i = 0; i < 20; ++i)
        guesses.emplace_back([&, i] {
            auto mine = f;
            (void)kiosk_.enter_otp(mine, "wrong-guess-" + std::to_string(i), client_, clock_.now());
        });
    for (auto& t : guesses) t.join();
    EXPECT_EQ(hasher_.verifies.load(), kiosk::kOtpMaxWrong) << "at most five comparisons";
    hasher_.delay = std::chrono::milliseconds(0);
    EXPECT_TRUE(std::holds_alternative<kiosk::Denied>(kiosk_.enter_otp(f, claimed->otp, client_, clock_.now())));
}

TEST_F(KioskTest, SignInIsSlowedDownForAWholeIpv6Slash64) {
    policy_.client_max_failures = 3;
    for (int i = 1; i <= 3; ++i) {
        auto f = flow_at(FlowKind::sign_in);
        const ClientInfo from{"2001:db8:9:9::" + std::to_string(i), "test"};
        EXPECT_TRUE(std::holds_alternative<kiosk::Denied>(
            kiosk_.sign_in(f, user_, "fel", f.captcha_answer, from, clock_.now())));
    }
    auto f = flow_at(FlowKind::sign_in);
    EXPECT_TRUE(std::holds_alternative<kiosk::Throttled>(
        kiosk_.sign_in(f, user_, "fel", f.captcha_answer, {"2001:db8:9:9:a:b:c:d", "test"}, clock_.now())));
    auto g = flow_at(FlowKind::sign_in);
    EXPECT_TRUE(std::holds_alternative<kiosk::Denied>(
        kiosk_.sign_in(g, user_, "fel", g.captcha_answer, {"2001:db8:9:a::1", "test"}, clock_.now())));
}

// Issue [7] §9: single use under concurrency. Every flow below has compared the one-time password and
// found it right before any of them settles (the hasher waits); exactly one may have it.
TEST_F(KioskTest, AOneTimePasswordSignsInOnceWhenSeveralFlowsPostItAtTheSameMoment) {
    const std::string otp = first_otp();
    constexpr int kFlows = 4;  // fewer than the five entries that kill it: every flow compares
    std::vector<KioskFlow> flows;
    for (int i = 0; i < kFlows; ++i) flows.push_back(flow_at(FlowKind::sign_in));
    hasher_.verifies = 0;
    hasher_.delay = std::chrono::milliseconds(50);
    std::atomic<int> signed_in{0};
    std::vector<std::thread> threads;
    for (auto& f : flows)
        threads.emplace_back([&, flow = &f] {
            if (std::holds_alternative<kiosk::Proceed>(
                    kiosk_.sign_in(*flow, user_, otp, flow->captcha_answer, client_, clock_.now())))
                ++signed_in;
        });
    for (auto& t : threads) t.join();
    hasher_.delay = std::chrono::milliseconds(0);
    EXPECT_EQ(hasher_.verifies.load(), kFlows) << "every flow compared it (and found it right)";
    EXPECT_EQ(signed_in.load(), 1) << "single use";
    AuditFilter refused;
    refused.kind = "otp.refused_used";
    auto tx = store_->begin(ports::TxMode::read);
    EXPECT_EQ(tx->audit().query(refused).size(), static_cast<std::size_t>(kFlows - 1));
}

TEST_F(KioskTest, AMailedOneTimePasswordIsTakenOnceWhenSeveralFlowsEnterItAtTheSameMoment) {
    std::vector<KioskFlow> flows;
    for (int i = 0; i < kiosk::kResetMailsPerQuarter; ++i) {
        auto f = flow_at(FlowKind::forgot);
        ASSERT_TRUE(std::holds_alternative<kiosk::Proceed>(
            kiosk_.order_otp(f, user_, f.captcha_answer, client_, clock_.now())));
        flows.push_back(f);
    }
    std::string otp;  // each mail's password replaces the one before: the last is the live one
    while (auto claimed = mailer_.next(clock_.now())) {
        otp = claimed->otp;
        mailer_.sent(claimed->mail, clock_.now(), "250 ok");
    }
    ASSERT_FALSE(otp.empty());
    hasher_.verifies = 0;
    hasher_.delay = std::chrono::milliseconds(50);
    std::atomic<int> taken{0};
    std::vector<std::thread> threads;
    for (auto& f : flows)
        threads.emplace_back([&, flow = &f] {
            if (std::holds_alternative<kiosk::Proceed>(kiosk_.enter_otp(*flow, otp, client_, clock_.now()))) ++taken;
        });
    for (auto& t : threads) t.join();
    hasher_.delay = std::chrono::milliseconds(0);
    EXPECT_EQ(hasher_.verifies.load(), static_cast<int>(flows.size())) << "every flow compared it";
    EXPECT_EQ(taken.load(), 1) << "single use";
}

TEST_F(KioskTest, OrderingIsBrakedAfterThreeMailsInAQuarterHour) {
    for (int i = 0; i < 5; ++i) {
        auto f = flow_at(FlowKind::forgot);
        EXPECT_TRUE(std::holds_alternative<kiosk::Proceed>(
            kiosk_.order_otp(f, user_, f.captcha_answer, client_, clock_.now())));
    }
    auto tx = store_->begin(ports::TxMode::read);
    EXPECT_EQ(tx->outbox().list(MailStatus::pending, 100).size(), 1u + kiosk::kResetMailsPerQuarter);  // + otp-first
}

TEST_F(KioskTest, RetriesBackOffAndAPermanentRefusalFailsAfterThreeTries) {
    clock_.advance(policy_.otp_email_delay);
    auto m = mailer_.next(clock_.now());
    ASSERT_TRUE(m.has_value());
    EXPECT_FALSE(mailer_.next(clock_.now()).has_value()) << "claimed: no other worker takes it";
    mailer_.not_sent(m->mail, clock_.now(), "cannot connect", false);
    clock_.advance(Seconds{29});
    EXPECT_FALSE(mailer_.next(clock_.now()).has_value()) << "30 s after the first failure";
    clock_.advance(Seconds{1});
    m = mailer_.next(clock_.now());
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->mail.attempts, 2);
    mailer_.not_sent(m->mail, clock_.now(), "SMTP 550", true);
    clock_.advance(Seconds{60});
    m = mailer_.next(clock_.now());
    ASSERT_TRUE(m.has_value());
    mailer_.not_sent(m->mail, clock_.now(), "SMTP 550", true);
    auto tx = store_->begin(ports::TxMode::read);
    const auto failed = tx->outbox().list(MailStatus::failed, 10);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].last_error, "SMTP 550");
}

TEST_F(KioskTest, ExpiryRemindersGoOutOnceAtThirtySevenAndOneDays) {
    {
        auto tx = store_->begin(ports::TxMode::write);
        tx->accounts().set_password(tx->accounts().find(Username{user_})->id, "plain$x", clock_.now());
        tx->commit();
    }
    const Seconds day{86400};
    clock_.advance(policy_.password_max_age - day * 31);
    EXPECT_EQ(mailer_.queue_reminders(clock_.now()), 0);
    clock_.advance(day);  // 30 days left
    EXPECT_EQ(mailer_.queue_reminders(clock_.now()), 1);
    EXPECT_EQ(mailer_.queue_reminders(clock_.now()), 0) << "once";
    clock_.advance(day * 23);  // 7 days left
    EXPECT_EQ(mailer_.queue_reminders(clock_.now()), 1);
    clock_.advance(day * 6 + Seconds{1});  // less than a day left
    EXPECT_EQ(mailer_.queue_reminders(clock_.now()), 1);
    EXPECT_EQ(mailer_.queue_reminders(clock_.now()), 0);
    clock_.advance(day);  // expired: no more reminders
    EXPECT_EQ(mailer_.queue_reminders(clock_.now()), 0);
}

}  // namespace
}  // namespace mina
