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
        if (r)
            numbers.insert(*r);
        else
            ++refused;
    }
    EXPECT_EQ(numbers, (std::multiset<int>{1, 2, 3, 4, 5})) << "each number once";
    EXPECT_EQ(refused, kThreads - kLockAt);
    auto tx = store->begin(TxMode::read);
    EXPECT_EQ(tx->accounts().failed_count(id), kLockAt);
    EXPECT_EQ(tx->accounts().locked_until(id), kT + 30min);
}

}  // namespace
}  // namespace mina::contract
