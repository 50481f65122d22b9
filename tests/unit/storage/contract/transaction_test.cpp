// A Unit on every store: nothing is saved without commit, a failed statement fails the whole unit,
// and writers that race count exactly.
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

TEST_P(TransactionContract, NothingIsSavedWithoutCommit) {
    auto* store = store_.get();
    {
        auto tx = store->begin(TxMode::write);
        EXPECT_TRUE(tx->schools().add({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, from_unix(1)));
        // no commit: rolled back here
    }
    auto tx = store->begin(TxMode::read);
    EXPECT_FALSE(tx->schools().find(SchoolCode{"S1"}).has_value());
}

// commit_unsynced leaves reaching the disk to a later commit (PostgreSQL: synchronous_commit off for
// that transaction; SQLite: no fsync of the WAL): the commit is visible at once all the same.
TEST_P(TransactionContract, AnUnsyncedCommitIsVisibleAtOnce) {
    auto* store = store_.get();
    {
        auto tx = store->begin(TxMode::write);
        EXPECT_TRUE(tx->schools().add({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, from_unix(1)));
        tx->commit_unsynced();
    }
    {
        auto tx = store->begin(TxMode::read);
        EXPECT_TRUE(tx->schools().find(SchoolCode{"S1"}).has_value());
        tx->commit();
    }
}

TEST_P(TransactionContract, ARolledBackUnitLeavesNothingInAnyPort) {
    {
        auto tx = write();
        tx->schools().add({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, kT);
        const auto id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
        tx->grants().add({id, SchoolCode{"S1"}, Role::studietider}, kT, "t");
        tx->sessions().create({"h1", id, "csrf", kT, kT, "", false});
        tx->throttle().record_failure("10.0.0.1", kT, kT - 60s);
        tx->audit().append({kT, "cli:test", "local", "school.added", "", "S1", ""});
        tx->otps().put({id, "otp", OtpKind::first, kT, kT + 60s, 0});
        tx->kiosk_flows().create({"f1", FlowKind::forgot, FlowStage::start, id, "c", "", kT, kT, kT + 60s});
        tx->password_history().add(id, "h", kT);
        tx->outbox().enqueue(mail_to(id, MailKind::otp_first, kT));
        tx->letters().queue(id, SchoolCode{"S1"}, GrantedBy::school_admin, kT);
        Education e;
        e.school = SchoolCode{"S1"};
        e.code = "E1";
        e.name = "Svenska";
        ASSERT_TRUE(tx->studietider().add_education(e).has_value());
        Student s;
        s.lookup_hash = "h";
        s.sealed = "x";
        tx->reports().add_student(s);
        // no commit: rolled back here
    }
    auto tx = read();
    EXPECT_TRUE(tx->schools().all().empty());
    EXPECT_FALSE(tx->accounts().find(Username{"ab1001"}).has_value());
    EXPECT_FALSE(tx->sessions().find("h1").has_value());
    EXPECT_EQ(tx->throttle().get("10.0.0.1", kT - 60s).failures, 0);
    EXPECT_TRUE(tx->audit().query({}).empty());
    EXPECT_FALSE(tx->kiosk_flows().find("f1").has_value());
    EXPECT_TRUE(tx->outbox().list(std::nullopt, 10).empty());
    EXPECT_TRUE(tx->letters().list(std::nullopt, 10).empty());
    EXPECT_TRUE(tx->studietider().educations(SchoolCode{"S1"}).empty());
    EXPECT_FALSE(tx->reports().student_by_hash(SchoolCode{"S1"}, "h").has_value());
}

TEST_P(TransactionContract, CommitAfterAFailedStatementThrowsAndSavesNothing) {
    auto* store = store_.get();
    auto tx = store->begin(TxMode::write);
    const auto id = tx->accounts().add(person("ab1001", "A", "B", "a@b.se"), kT);
    EXPECT_THROW((void)tx->grants().add({id, SchoolCode{"NOPE"}, Role::studietider}, kT, "t"), std::runtime_error)
        << "no such school";
    EXPECT_THROW(tx->commit(), std::runtime_error);
    tx.reset();
    EXPECT_FALSE(store->begin(TxMode::read)->accounts().find(id).has_value());
}

TEST_P(TransactionContract, FiftyConcurrentAttemptsLockAtExactlyTheCount) {
    auto* store = store_.get();
    PersonId id;
    {
        auto tx = store->begin(TxMode::write);
        id = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
        tx->commit();
    }
    constexpr int kThreads = 50;
    constexpr int kLockAt = 5;
    std::vector<std::optional<int>> results(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            auto tx = store->begin(TxMode::write);
            results[static_cast<std::size_t>(i)] = tx->accounts().reserve_attempt(id, kT, kLockAt, kT + 30min);
            tx->commit();
        });
    }
    for (auto& t : threads) t.join();
    std::multiset<int> numbers;
    int refused = 0;
    for (const auto& r : results) {
        if (r) numbers.insert(*r);
        else ++refused;
    }
    EXPECT_EQ(numbers, (std::multiset<int>{1, 2, 3, 4, 5})) << "each number once";
    EXPECT_EQ(refused, kThreads - kLockAt);
    auto tx = store->begin(TxMode::read);
    EXPECT_EQ(tx->accounts().failed_count(id), kLockAt);
    EXPECT_EQ(tx->accounts().locked_until(id), kT + 30min);
}

}  // namespace
}  // namespace mina::contract
