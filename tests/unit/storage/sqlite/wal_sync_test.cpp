// Group commit for SQLite: a commit is confirmed only by a sync that began after it, commits that
// wait during a sync share the next one, and a failed sync fails every commit from then on.
#include "storage/sqlite/wal_sync.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/common/ports.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace mina {
namespace {

using storage::WalSync;

/// A sync that holds its first call until release(): the test decides what happens meanwhile.
class HeldSync {
   public:
    WalSync::SyncFile fn() {
        return [this](sqlite3_file*) {
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

/// A database file with one table (`mode`: its journal mode), no connection left open on it.
std::string database(const TempDir& dir, const std::string& mode = "WAL") {
    const std::string path = dir.file("x.db");
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(
        sqlite3_exec(db, ("PRAGMA journal_mode = " + mode + "; CREATE TABLE t (x)").c_str(), nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(db);
    return path;
}

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
    const TempDir dir("mina-wal-held");
    HeldSync held;
    WalSync sync(database(dir), 5000, held.fn());

    std::thread first([&] { sync.after_commit(); });
    held.wait_for_first();  // the first commit's sync is under way

    std::atomic<int> confirmed{0};
    std::vector<std::thread> later;
    for (int i = 0; i < 3; ++i)
        later.emplace_back([&] {
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
    const TempDir dir("mina-wal-fail");
    int calls = 0;
    WalSync sync(database(dir), 5000, [&](sqlite3_file*) { return ++calls == 2 ? SQLITE_IOERR_FSYNC : SQLITE_OK; });
    EXPECT_NO_THROW(sync.after_commit());
    try {
        sync.after_commit();
        ADD_FAILURE() << "the failed sync confirmed its commit";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("disk I/O error"), std::string::npos) << e.what();
    }
    EXPECT_THROW(sync.after_commit(), std::runtime_error);  // no sync tried: the pages may be gone
    EXPECT_EQ(calls, 2);
}

// The sync goes through SQLite's own file object of the WAL that a writer (another connection,
// synchronous = NORMAL) has just written its commit to, and succeeds.
TEST(WalSync, TheRealSyncSyncsSqlitesOwnObjectOfTheWal) {
    const TempDir dir("mina-wal-real");
    const std::string path = database(dir);
    sqlite3* writer = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &writer), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(writer, "PRAGMA synchronous = NORMAL; INSERT INTO t VALUES ('frames')", nullptr, nullptr, nullptr),
        SQLITE_OK);

    int calls = 0;
    int rc = -1;
    sqlite3_int64 size = -1;
    WalSync sync(path, 5000, [&](sqlite3_file* wal) {
        ++calls;
        if (wal == nullptr) return SQLITE_ERROR;
        EXPECT_EQ(wal->pMethods->xFileSize(wal, &size), SQLITE_OK);
        rc = WalSync::sync_wal(wal);
        return rc;
    });
    EXPECT_NO_THROW(sync.after_commit());
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(rc, SQLITE_OK);
    EXPECT_GT(size, 0);  // the writer's frames: the same file
    EXPECT_EQ(static_cast<std::uintmax_t>(size), std::filesystem::file_size(path + "-wal"));
    EXPECT_NO_THROW(sync.after_commit());  // with the WalSync that syncs by default, too
    WalSync real(path, 5000);
    EXPECT_NO_THROW(real.after_commit());
    sqlite3_close(writer);
}

TEST(WalSync, WithoutAWalThereIsNothingToSync) {
    const TempDir dir("mina-wal-none");
    sqlite3_file sentinel{};
    sqlite3_file* seen = &sentinel;
    WalSync sync(database(dir, "DELETE"), 5000, [&](sqlite3_file* wal) {
        seen = wal;
        return WalSync::sync_wal(wal);
    });
    EXPECT_NO_THROW(sync.after_commit());
    EXPECT_EQ(seen, nullptr);
}

namespace fake {
int sync_flags = -1;
int failing_sync(sqlite3_file*, int flags) {
    sync_flags = flags;
    return SQLITE_IOERR_FSYNC;
}
}  // namespace fake

// What fdatasync did: SQLITE_SYNC_NORMAL, as SQLite syncs the WAL itself under synchronous = FULL;
// the file object's failure is the sync's.
TEST(WalSync, TheRealSyncAsksForANormalSyncAndPassesOnItsFailure) {
    sqlite3_io_methods methods{};
    methods.iVersion = 1;
    methods.xSync = fake::failing_sync;
    sqlite3_file file{&methods};
    EXPECT_EQ(WalSync::sync_wal(&file), SQLITE_IOERR_FSYNC);
    EXPECT_EQ(fake::sync_flags, SQLITE_SYNC_NORMAL);
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

/// The descriptors of this process open on `path`, by number (from /proc/self/fd).
std::set<int> descriptors_on(const std::string& path) {
    std::set<int> out;
    const auto target = std::filesystem::canonical(path);
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        const auto link = std::filesystem::read_symlink(entry.path(), ec);
        if (!ec && link == target) out.insert(std::stoi(entry.path().filename().string()));
    }
    return out;
}

/// While it lives, the process can open no file: the limit on descriptors is the lowest free one.
class NoNewDescriptors {
   public:
    NoNewDescriptors() {
        ::getrlimit(RLIMIT_NOFILE, &saved_);
        int lowest_free = 0;
        while (::fcntl(lowest_free, F_GETFD) != -1) ++lowest_free;
        rlimit lowered = saved_;
        lowered.rlim_cur = static_cast<rlim_t>(lowest_free);
        ::setrlimit(RLIMIT_NOFILE, &lowered);
    }
    ~NoNewDescriptors() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
    NoNewDescriptors(const NoNewDescriptors&) = delete;
    NoNewDescriptors& operator=(const NoNewDescriptors&) = delete;

   private:
    rlimit saved_{};
};

// A durable commit is synced through SQLite's own descriptor of <db>-wal: the program opens none
// itself (closing one would drop SQLite's POSIX locks on the file). So a commit succeeds when no
// file can be opened at all, and leaves the same descriptors on <db>-wal as before.
TEST(SqliteGroupCommit, ADurableCommitOpensNoDescriptorOfItsOwn) {
    const TempDir dir("mina-gc-fd");
    auto store = file_store(dir);
    const auto add = [&](const char* code) {
        auto tx = store->begin(ports::TxMode::write);
        School school;
        school.code = SchoolCode{code};
        school.name = "Skolan";
        ASSERT_TRUE(tx->schools().add(school, Timestamp{}));
        tx->commit();  // waits for the WAL's sync
    };
    add("S1");  // the writer connection is open now
    const auto before = descriptors_on(dir.file("mina.db-wal"));
    EXPECT_FALSE(before.empty());  // SQLite's own
    {
        const NoNewDescriptors none;
        ASSERT_EQ(::open("/dev/null", O_RDONLY | O_CLOEXEC), -1);  // the limit holds
        EXPECT_NO_THROW(add("S2"));
    }
    EXPECT_EQ(descriptors_on(dir.file("mina.db-wal")), before);
    auto tx = store->begin(ports::TxMode::read);
    EXPECT_TRUE(tx->schools().find(SchoolCode{"S2"}).has_value());
    tx->commit();
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
