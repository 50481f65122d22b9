// The lockout step the portal's login and the kiosk's sign-in share (login/lockout.hpp), on its own:
// the client's slowdown, the account's counter reserved before any hash, the lock at the (max+1)th
// attempt with its audit and mail, and how each step ends its unit.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "core/idm/admin.hpp"
#include "core/login/lockout.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

using namespace login::lockout;

constexpr Kinds kKinds{"login.throttled", "login.refused_locked", "login.failed"};  // as the portal names them

class LockoutTest : public ::testing::Test {
   protected:
    void SetUp() override {
        admin::Service a(*store_, hasher_, tokens_, policy_);
        user_ =
            std::get<Username>(a.add_person("Per", "Son", "per@example.se", {"test", "local"}, clock_.now())).value();
    }
    /// One attempt that fails: reserved, then settled as a failure (when it was reserved).
    Reservation fail_once(const std::string& username, std::vector<std::string>* log = nullptr) {
        Attempt attempt(policy_, client_, kKinds, nullptr, clock_.now());
        test::RecordingStore store(*store_, log ? *log : scratch_);
        auto r = attempt.reserve(*store.begin(ports::TxMode::write), username);
        if (auto* reserved = std::get_if<Reserved>(&r)) {
            attempt.fail(*store.begin(ports::TxMode::write), *reserved, reserved->detail(), [&] {
                if (log) log->emplace_back("also");
            });
        }
        return r;
    }
    std::vector<std::string> kinds() {
        auto tx = store_->begin(ports::TxMode::read);
        AuditFilter f;
        f.kind = "";
        std::vector<std::string> out;
        for (const auto& e : tx->audit().query(f))
            if (e.event.kind.rfind("login.", 0) == 0 || e.event.kind == "account.locked")
                out.insert(out.begin(), e.event.kind);
        return out;
    }
    /// Per's id. A memory store has one connection: ask before opening another unit.
    PersonId person() { return store_->begin(ports::TxMode::read)->accounts().find(Username{user_})->id; }

    PolicyConfig policy_;
    test::FakeClock clock_;
    test::CountingHasher hasher_;
    crypto::SodiumTokens tokens_;
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    std::string user_;
    const ClientInfo client_{"10.0.0.9", "test"};
    std::vector<std::string> scratch_;
};

TEST_F(LockoutTest, EachAttemptIsCountedAndTheOneAfterTheLastAllowedLocksAuditsAndMails) {
    for (int i = 1; i <= policy_.max_failed_logins; ++i) {
        auto r = fail_once(user_);
        ASSERT_TRUE(std::holds_alternative<Reserved>(r));
        EXPECT_EQ(std::get<Reserved>(r).attempt, i);
        EXPECT_EQ(std::get<Reserved>(r).detail(), "attempt " + std::to_string(i));
    }
    const PersonId id = person();
    EXPECT_FALSE(store_->begin(ports::TxMode::read)->accounts().locked_until(id).has_value());

    std::vector<std::string> log;
    auto last = fail_once(user_, &log);
    ASSERT_TRUE(std::holds_alternative<Reserved>(last));
    EXPECT_EQ(std::get<Reserved>(last).attempt, policy_.max_failed_logins + 1);
    EXPECT_EQ(log, (std::vector<std::string>{"commit_unsynced", "also", "commit"}));
    {
        auto tx = store_->begin(ports::TxMode::read);
        EXPECT_EQ(tx->accounts().locked_until(id), clock_.now() + policy_.lockout);
        EXPECT_EQ(tx->outbox().count_pending(id, MailKind::account_locked), 1);
    }

    log.clear();
    EXPECT_TRUE(std::holds_alternative<Locked>(fail_once(user_, &log)));
    EXPECT_EQ(log, (std::vector<std::string>{"commit"})) << "a refusal is an answer: on disk before it is given";
    EXPECT_EQ(kinds(), (std::vector<std::string>{"login.failed", "login.failed", "login.failed", "login.failed",
                                                 "account.locked", "login.refused_locked"}));
}

TEST_F(LockoutTest, AnUnknownUsernameCountsForTheClientOnly) {
    auto r = fail_once("ingen-sadan");
    ASSERT_TRUE(std::holds_alternative<Reserved>(r));
    EXPECT_FALSE(std::get<Reserved>(r).person.has_value());
    EXPECT_EQ(std::get<Reserved>(r).who, "unknown");
    EXPECT_EQ(std::get<Reserved>(r).detail(), "unknown username");
    auto tx = store_->begin(ports::TxMode::read);
    EXPECT_EQ(tx->throttle().get("10.0.0.9", clock_.now() - policy_.client_window).failures, 1);
}

TEST_F(LockoutTest, AThrottledClientCountsNothingOnTheAccount) {
    policy_.client_max_failures = 2;
    (void)fail_once("ingen-sadan");
    (void)fail_once("ingen-sadan");
    std::vector<std::string> log;
    auto r = fail_once(user_, &log);
    ASSERT_TRUE(std::holds_alternative<Wait>(r));
    EXPECT_GT(std::get<Wait>(r).wait.count(), 0);
    EXPECT_EQ(log, (std::vector<std::string>{"commit"}));
    const PersonId id = person();
    EXPECT_EQ(store_->begin(ports::TxMode::read)->accounts().failed_count(id), 0);
    EXPECT_EQ(kinds().back(), "login.throttled");
}

}  // namespace
}  // namespace mina
