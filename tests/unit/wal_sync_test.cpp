// Group commit for SQLite: a commit is confirmed only by a sync that began after it, commits that
// wait during a sync share the next one, and a failed sync fails every commit from then on.
#include "storage/sqlite/wal_sync.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <unistd.h>

#include "core/ports.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace mina {
namespace {

using storage::WalSync;

/// A sync that holds its first call until release(): the test decides what happens meanwhile.
class HeldSync {
   public:
    WalSync::SyncFile fn() {
        return [this](const std::string&) {
            std::unique_lock lock(mu_);
            ++calls_;
            cv_.notify_all();
            if (calls_ == 1) cv_.wait(lock, [&] { return released_; });
            return 0;
        };
    }
    void wait_for_first() {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return calls_ >= 1; });
    }
    void release() {
        std::lock_guard lock(mu_);
        released_ = true;
        cv_.notify_all();
    }
    int calls() {
        std::lock_guard lock(mu_);
        return calls_;
    }

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    int calls_ = 0;
    bool released_ = false;
};

/// A directory of its own under /tmp, removed with everything in it.
struct TempDir {
    explicit TempDir(const std::string& name)
        : path(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] std::string file(const std::string& name) const { return (path / name).string(); }
    std::filesystem::path path;
};

std::unique_ptr<ports::Store> file_store(const TempDir& dir) {
    storage::SqliteOptions o;
    o.path = dir.file("mina.db");
    auto store = storage::open_sqlite(o);
    store->migrate();
    return store;
}

void wait_until(const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
        ASSERT_LT(std::chrono::steady_clock::now(), until) << "timed out";
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

TEST(WalSync, CommitsThatWaitDuringASyncShareTheNextOne) {
    HeldSync held;
    WalSync sync("unused", held.fn());

    std::thread first([&] { sync.after_commit(); });
    held.wait_for_first();  // the first commit's sync is under way

    std::atomic<int> confirmed{0};
    std::vector<std::thread> later;
    for (int i = 0; i < 3; ++i) later.emplace_back([&] {
        sync.after_commit();
        ++confirmed;
    });
    wait_until([&] { return sync.counts().commits == 4; });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(confirmed.load(), 0);  // the sync under way began before them: it confirms none of them

    held.release();
    first.join();
    for (auto& t : later) t.join();
    EXPECT_EQ(confirmed.load(), 3);
    EXPECT_EQ(held.calls(), 2);  // one for the first commit, one for the three that waited
    EXPECT_EQ(sync.counts().syncs, 2u);

    sync.after_commit();  // alone: a sync of its own
    EXPECT_EQ(held.calls(), 3);
}

TEST(WalSync, AFailedSyncFailsItsCommitsAndEveryOneAfter) {
    int calls = 0;
    WalSync sync("unused", [&](const std::string&) { return ++calls == 2 ? EIO : 0; });
    EXPECT_NO_THROW(sync.after_commit());
    EXPECT_THROW(sync.after_commit(), std::runtime_error);
    EXPECT_THROW(sync.after_commit(), std::runtime_error);  // no sync tried: the pages may be gone
    EXPECT_EQ(calls, 2);
}

TEST(WalSync, TheRealSyncSyncsTheFileAndPassesAMissingOne) {
    const TempDir dir("mina-wal");
    std::ofstream(dir.file("x-wal")) << "frames";
    WalSync present(dir.file("x-wal"));
    EXPECT_NO_THROW(present.after_commit());
    WalSync absent(dir.file("none-wal"));
    EXPECT_NO_THROW(absent.after_commit());
    WalSync not_a_file(dir.file("x-wal/below"));  // ENOTDIR: a real failure
    EXPECT_THROW(not_a_file.after_commit(), std::runtime_error);
}

// On a file, every write unit's commit() waits for the WAL's sync; commit_unsynced() is visible to
// the next unit at once all the same.
TEST(SqliteGroupCommit, AnUnsyncedCommitIsVisibleAtOnce) {
    const TempDir dir("mina-gc");
    auto store = file_store(dir);
    {
        auto tx = store->begin(ports::TxMode::write);
        School school;
        school.code = SchoolCode{"S1"};
        school.name = "Skolan";
        ASSERT_TRUE(tx->schools().add(school, Timestamp{}));
        tx->commit_unsynced();
    }
    {
        auto tx = store->begin(ports::TxMode::read);
        EXPECT_TRUE(tx->schools().find(SchoolCode{"S1"}).has_value());
        tx->commit();
    }
}

// Every write of a server runs on one connection whose pages stay in memory between writes; what
// another process (the CLI) writes in between must still be what that connection reads next.
TEST(SqliteGroupCommit, TheWriterConnectionSeesWhatAnotherProcessWrote) {
    const TempDir dir("mina-wc");
    auto server = file_store(dir);
    auto cli = file_store(dir);  // finds nothing left to migrate
    School school;
    school.code = SchoolCode{"S1"};
    school.name = "Första namnet";
    {
        auto tx = server->begin(ports::TxMode::write);
        ASSERT_TRUE(tx->schools().add(school, Timestamp{}));
        tx->commit();
    }
    {
        auto tx = server->begin(ports::TxMode::write);  // the same connection, its pages now in memory
        EXPECT_EQ(tx->schools().find(SchoolCode{"S1"})->name, "Första namnet");
        tx->commit();
    }
    school.name = "Andra namnet";
    {
        auto tx = cli->begin(ports::TxMode::write);
        ASSERT_TRUE(tx->schools().update(school));
        tx->commit();
    }
    {
        auto tx = server->begin(ports::TxMode::write);
        EXPECT_EQ(tx->schools().find(SchoolCode{"S1"})->name, "Andra namnet");
        tx->commit();
    }
}

}  // namespace
}  // namespace mina
