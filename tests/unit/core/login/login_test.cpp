// The login rules at their boundaries (R6, R7, SPEC §4), on a real SQLite store with a fake clock.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include "core/idm/admin.hpp"
#include "core/login/login.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

class LoginTest : public ::testing::Test {
   protected:
    void SetUp() override {
        admin::Service a(*store_, hasher_, tokens_, policy_);
        const admin::Actor who{"test", "local"};
        ASSERT_TRUE(std::holds_alternative<admin::Done>(
            a.add_school({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, who, clock_.now())));
        auto u = a.add_person("Karin", "Lindh", "karin.lindh@example.se", who, clock_.now());
        ASSERT_TRUE(std::holds_alternative<Username>(u));
        user_ = std::get<Username>(u).value();
        ASSERT_TRUE(std::holds_alternative<admin::Done>(a.set_password(Username{user_}, kRight, who, clock_.now())));
        ASSERT_TRUE(
            std::holds_alternative<admin::Done>(a.grant(Username{user_}, "S1", Role::studietider, who, clock_.now())));
        hasher_.verifies = 0;
    }

    login::Outcome attempt(const std::string& password, const std::string& address = "10.0.0.1") {
        return svc_.submit({user_, password, {address, "test"}, {}}, clock_.now());
    }
    static constexpr const char* kRight = "rätt-lösenord-123";
    PolicyConfig policy_;
    test::FakeClock clock_;
    test::CountingHasher hasher_;
    crypto::SodiumTokens tokens_;
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    login::Service svc_{*store_, hasher_, tokens_, policy_};
    std::string user_;
};

TEST_F(LoginTest, RightPasswordLogsIn) {
    auto out = attempt(kRight);
    ASSERT_TRUE(std::holds_alternative<login::LoggedIn>(out));
    const auto& in = std::get<login::LoggedIn>(out);
    EXPECT_EQ(in.session_token.size(), 43u);          // 256 bits, base64url
    EXPECT_NE(in.session.id_hash, in.session_token);  // only the digest is stored
    EXPECT_EQ(in.session.school, "S1");               // the only school is preselected
}

TEST_F(LoginTest, UsernameIsCaseInsensitiveAndTrimmed) {
    std::string upper = user_;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(
        std::holds_alternative<login::LoggedIn>(svc_.submit({" " + upper + " ", kRight, {"a", ""}, {}}, clock_.now())));
}

TEST_F(LoginTest, ThreeFailuresThenSuccess) {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::holds_alternative<login::Denied>(attempt("fel")));
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(attempt(kRight)));
}

TEST_F(LoginTest, FourthFailureLocksAndEvenTheRightPasswordIsRefusedUnchecked) {
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(std::holds_alternative<login::Denied>(attempt("fel")));
    EXPECT_EQ(hasher_.verifies.load(), 4);
    EXPECT_TRUE(std::holds_alternative<login::Denied>(attempt(kRight)));
    EXPECT_EQ(hasher_.verifies.load(), 4) << "a locked account must not compare the password";
}

TEST_F(LoginTest, LockEndsToTheSecond) {
    for (int i = 0; i < 4; ++i) (void)attempt("fel");
    clock_.advance(policy_.lockout - Seconds{1});
    EXPECT_TRUE(std::holds_alternative<login::Denied>(attempt(kRight)));
    clock_.advance(Seconds{1});
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(attempt(kRight)));
}

TEST_F(LoginTest, AfterTheLockTheCountStartsAgain) {
    for (int i = 0; i < 4; ++i) (void)attempt("fel");
    clock_.advance(policy_.lockout);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::holds_alternative<login::Denied>(attempt("fel")));
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(attempt(kRight)));
}

TEST_F(LoginTest, SuccessResetsTheCount) {
    for (int i = 0; i < 3; ++i) (void)attempt("fel");
    ASSERT_TRUE(std::holds_alternative<login::LoggedIn>(attempt(kRight)));
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::holds_alternative<login::Denied>(attempt("fel")));
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(attempt(kRight)));
}

TEST_F(LoginTest, UnknownUsernameCostsADummyHash) {
    auto out = svc_.submit({"nobody1", kRight, {"10.0.0.9", ""}, {}}, clock_.now());
    EXPECT_TRUE(std::holds_alternative<login::Denied>(out));
    EXPECT_EQ(hasher_.dummies.load(), 1);
}

TEST_F(LoginTest, PasswordExpiresAfterTwelveMonthsToTheSecond) {
    clock_.advance(policy_.password_max_age - Seconds{1});
    auto nudged = attempt(kRight);
    ASSERT_TRUE(std::holds_alternative<login::LoggedIn>(nudged));
    EXPECT_EQ(std::get<login::LoggedIn>(nudged).password_age, PasswordAge::nudge);
    EXPECT_TRUE(std::get<login::LoggedIn>(nudged).session.nudge_password);
    clock_.advance(Seconds{1});
    EXPECT_TRUE(std::holds_alternative<login::Expired>(attempt(kRight)));
}

TEST_F(LoginTest, NudgeStartsAtSixMonthsToTheSecond) {
    clock_.advance(policy_.password_nudge_age - Seconds{1});
    EXPECT_EQ(std::get<login::LoggedIn>(attempt(kRight)).password_age, PasswordAge::fresh);
    clock_.advance(Seconds{1});
    EXPECT_EQ(std::get<login::LoggedIn>(attempt(kRight)).password_age, PasswordAge::nudge);
}

TEST_F(LoginTest, OneClientIsSlowedDownButOtherClientsAreNot) {
    policy_.client_max_failures = 5;
    for (int i = 0; i < 5; ++i)
        (void)svc_.submit({"nobody" + std::to_string(i), "x", {"10.6.6.6", ""}, {}}, clock_.now());
    auto out = attempt(kRight, "10.6.6.6");
    ASSERT_TRUE(std::holds_alternative<login::Throttled>(out));
    EXPECT_EQ(std::get<login::Throttled>(out).wait, Seconds{2});
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(attempt(kRight, "10.0.0.2")));
    clock_.advance(Seconds{1});
    EXPECT_TRUE(std::holds_alternative<login::Throttled>(attempt(kRight, "10.6.6.6")));
    clock_.advance(Seconds{1});
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(attempt(kRight, "10.6.6.6")));
}

TEST_F(LoginTest, AnIpv6ClientIsItsSlash64AndAMappedIpv4ClientItsIpv4Address) {
    policy_.client_max_failures = 3;
    // Three addresses of one /64 fail; a fourth of the same /64 is slowed down, another /64 is not.
    for (int i = 1; i <= 3; ++i)
        (void)svc_.submit({"nobody" + std::to_string(i), "x", {"2001:db8:5:6::" + std::to_string(i), ""}, {}},
                          clock_.now());
    EXPECT_TRUE(std::holds_alternative<login::Throttled>(attempt(kRight, "2001:db8:5:6:ffff::99")));
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(attempt(kRight, "2001:db8:5:7::1")));
    // A /128 prefix keeps each address alone.
    policy_.client_ipv6_prefix = 128;
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(attempt(kRight, "2001:db8:5:6::4")));
    policy_.client_ipv6_prefix = 64;
    // ::ffff:10.9.9.9 is 10.9.9.9.
    for (int i = 0; i < 3; ++i) (void)svc_.submit({"nobody", "x", {"::ffff:10.9.9.9", ""}, {}}, clock_.now());
    EXPECT_TRUE(std::holds_alternative<login::Throttled>(attempt(kRight, "10.9.9.9")));
}

TEST_F(LoginTest, ThrottledAttemptsDoNotCountAgainstTheAccount) {
    policy_.client_max_failures = 2;
    policy_.client_max_delay = Seconds{3600};
    for (int i = 0; i < 2; ++i) (void)attempt("fel", "10.6.6.7");
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(std::holds_alternative<login::Throttled>(attempt("fel", "10.6.6.7")));
    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(attempt(kRight, "10.0.0.3")))
        << "one client must not be able to lock the account";
}

// Issue [7] §15: a password typed into the username field never reaches the audit log.
class FixedPseudonyms final : public ports::Pseudonyms {
   public:
    std::string pseudonym(std::string_view text) const override {
        char out[17];
        std::snprintf(out, sizeof out, "%016zx", std::hash<std::string_view>{}(text));
        return out;
    }
};

TEST_F(LoginTest, AnUnknownUsernameIsKeptInTheAuditLogOnlyAsAKeyedDigest) {
    const FixedPseudonyms names;
    login::Service svc(*store_, hasher_, tokens_, policy_, nullptr, &names);
    const std::string typed = " Hemligt-Lösen-2026! ";  // a password in the wrong field
    for (int i = 0; i < 2; ++i)
        EXPECT_TRUE(
            std::holds_alternative<login::Denied>(svc.submit({typed, "x", {"10.0.0.8", ""}, {}}, clock_.now())));
    EXPECT_TRUE(std::holds_alternative<login::Denied>(svc.submit({user_, "fel", {"10.0.0.8", ""}, {}}, clock_.now())));
    policy_.client_max_failures = 3;
    EXPECT_TRUE(std::holds_alternative<login::Throttled>(svc.submit({typed, "x", {"10.0.0.8", ""}, {}}, clock_.now())));
    AuditFilter all;
    all.limit = 500;
    auto tx = store_->begin(ports::TxMode::read);
    const auto entries = tx->audit().query(all);
    const std::string expected = "unknown:" + names.pseudonym("hemligt-lösen-2026!");
    int failed = 0;
    int throttled = 0;
    for (const auto& e : entries) {
        for (const std::string* field : {&e.event.actor, &e.event.subject, &e.event.detail, &e.event.school})
            EXPECT_EQ(field->find("emligt"), std::string::npos) << e.event.kind << ": " << *field;
        if (e.event.kind == "login.failed" && e.event.subject == expected) ++failed;
        if (e.event.kind == "login.throttled" && e.event.subject == expected) ++throttled;
        if (e.event.kind == "login.failed" && e.event.detail.starts_with("attempt")) {
            EXPECT_EQ(e.event.subject, user_) << "a known username stays as it is";
        }
    }
    EXPECT_EQ(failed, 2) << "the same text, the same name: repeated tries are seen together";
    EXPECT_EQ(throttled, 1);
    EXPECT_EQ(login::audit_name(std::nullopt, "zz9999", nullptr), "unknown") << "without a key: no name at all";
}

TEST_F(LoginTest, LoginEndsThePreviousSessionOfThisBrowser) {
    auto first = std::get<login::LoggedIn>(attempt(kRight));
    auto second =
        std::get<login::LoggedIn>(svc_.submit({user_, kRight, {"10.0.0.1", ""}, first.session_token}, clock_.now()));
    EXPECT_NE(first.session_token, second.session_token);
    auto tx = store_->begin(ports::TxMode::read);
    EXPECT_FALSE(tx->sessions().find(first.session.id_hash).has_value());
    EXPECT_TRUE(tx->sessions().find(second.session.id_hash).has_value());
}

// The attempt is counted for everyone before the hash, but reaches the disk with the commit that
// settles the login: one fsync per login, and nobody hears an outcome before it is on disk.
TEST_F(LoginTest, TheReservedAttemptReachesTheDiskWithTheSettlingCommit) {
    std::vector<std::string> log;
    test::RecordingStore store(*store_, log);
    test::LoggingHasher hasher(log);
    login::Service svc(store, hasher, tokens_, policy_);
    const auto submit = [&](const std::string& username, const std::string& password) {
        log.clear();
        return svc.submit({username, password, {"10.0.0.9", "test"}, {}}, clock_.now());
    };

    EXPECT_TRUE(std::holds_alternative<login::LoggedIn>(submit(user_, kRight)));
    EXPECT_EQ(log, (std::vector<std::string>{"commit_unsynced", "verify", "commit"}));
    EXPECT_TRUE(std::holds_alternative<login::Denied>(submit(user_, "fel")));
    EXPECT_EQ(log, (std::vector<std::string>{"commit_unsynced", "verify", "commit"}));
    EXPECT_TRUE(std::holds_alternative<login::Denied>(submit("ingen-sadan", "fel")));
    EXPECT_EQ(log, (std::vector<std::string>{"commit_unsynced", "verify_dummy", "commit"}));

    // A locked account is answered at once: that answer's commit is on disk before it is given.
    for (int i = 0; i < 3; ++i) (void)submit(user_, "fel");
    EXPECT_TRUE(std::holds_alternative<login::Denied>(submit(user_, kRight)));
    EXPECT_EQ(log, (std::vector<std::string>{"commit", "verify_dummy"}));
}

// R6 under concurrency: the failure is counted before the hash is compared, so however many
// attempts arrive at once, at most max_failed_logins + 1 passwords are compared.
TEST(LoginConcurrency, HundredSimultaneousWrongPasswordsCompareAtMostFourHashes) {
    const auto dir = std::filesystem::temp_directory_path() / ("mina-login-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    storage::SqliteOptions o;
    o.path = (dir / "mina.db").string();
    o.synchronous_full = false;
    o.pool_size = 16;
    auto store = storage::open_sqlite(o);
    store->migrate();
    PolicyConfig policy;
    policy.client_max_failures = 1000;
    test::CountingHasher hasher;
    crypto::SodiumTokens tokens;
    test::FakeClock clock;
    admin::Service a(*store, hasher, tokens, policy);
    const auto u = std::get<Username>(a.add_person("Per", "Son", "per@example.se", {"t", "l"}, clock.now()));
    (void)a.set_password(u, "rätt-lösenord-123", {"t", "l"}, clock.now());
    login::Service svc(*store, hasher, tokens, policy);
    hasher.verifies = 0;
    hasher.delay = std::chrono::milliseconds(30);

    std::vector<std::thread> threads;
    std::atomic<int> denied{0};
    for (int i = 0; i < 100; ++i) {
        threads.emplace_back([&] {
            auto out = svc.submit({u.value(), "fel", {"10.1.1.1", ""}, {}}, clock.now());
            if (std::holds_alternative<login::Denied>(out)) ++denied;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(denied.load(), 100);
    EXPECT_LE(hasher.verifies.load(), policy.max_failed_logins + 1);
    EXPECT_TRUE(std::holds_alternative<login::Denied>(
        svc.submit({u.value(), "rätt-lösenord-123", {"10.1.1.2", ""}, {}}, clock.now())))
        << "the account must be locked";
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mina
