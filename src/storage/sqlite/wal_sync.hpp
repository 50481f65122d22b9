// Group commit for SQLite in WAL mode.
//
// With synchronous = FULL, SQLite fsyncs the WAL inside every COMMIT, while this process's write lock
// is held: every writer waits for the one before it to reach the disk, one fsync per transaction.
// Instead the connections commit with synchronous = NORMAL (the commit is written to the WAL and
// visible, but not yet synced) and each committer then waits here, after letting go of the write
// lock, until one sync of the WAL has begun after its commit and ended. Commits that arrive while a
// sync is under way share the next one. commit() still returns only once the transaction is on
// disk, so an acknowledged commit survives a power cut exactly as with FULL.
//
// The sync goes through SQLite's public interface, never through a descriptor of our own: the
// program opens none of SQLite's files (`<db>-wal`, `<db>-shm`) itself (closing a descriptor of a
// file drops all of the process's POSIX locks on it, SQLite's included). WalSync holds a connection
// of its own on the database, used by nothing else and only by the thread that runs a sync, asks it
// for its WAL's file object (sqlite3_file_control, SQLITE_FCNTL_JOURNAL_POINTER) and calls that
// object's xSync: in the unix VFS an fdatasync of SQLite's own descriptor of `<db>-wal`.
//
// Why that connection and not the writer's. The writer connection's file object belongs to whoever
// holds the writer connection, and SQLite does not promise that its methods may run on one thread
// while another thread uses the connection. Syncing through it would mean taking the write lock (or
// the writer connection) for the sync, so no transaction could run during an fdatasync, a write
// unit nested in another on the same thread would wait for itself, and a commit made on another
// connection (pool_size = 1, or a write unit that fell back after busy_timeout) would still have to
// be synced through a file object that is not its own. A sync of any descriptor of a file makes
// everything written to that file durable, whichever descriptor wrote it (fdatasync works on the
// file, not on the descriptor): SQLite relies on the same when a checkpoint syncs the WAL through the
// checkpointing connection before copying frames that other connections and processes wrote. The
// WAL is the same file for every connection while any of them has it open (SQLite deletes it only
// when the last connection closes, and this one stays open), so a sync through this connection
// covers every commit of the process. A VFS shim wrapping "unix" would reach the writer's object but
// meet the same threading question inside SQLite's own calls, for more code.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

struct sqlite3;
struct sqlite3_file;

namespace mina::storage {

class WalSync {
   public:
    /// Makes the WAL's written frames durable through SQLite's file object for it; returns
    /// SQLITE_OK or SQLite's error code. `wal` is null when no WAL is open (the database is not in
    /// WAL mode): nothing was written to one. The default is sync_wal().
    using SyncFile = std::function<int(sqlite3_file* wal)>;

    /// Opens a connection of its own on the database file at `db_path` (in WAL mode) and opens its
    /// WAL with one small read. Throws std::runtime_error if it cannot.
    explicit WalSync(const std::string& db_path, int busy_timeout_ms = 5000, SyncFile sync = {});
    ~WalSync();
    WalSync(const WalSync&) = delete;
    WalSync& operator=(const WalSync&) = delete;
    WalSync(WalSync&&) = delete;
    WalSync& operator=(WalSync&&) = delete;

    /// Returns once everything this thread committed before calling is on disk. Throws
    /// std::runtime_error if the sync fails (the commit is then visible but may not survive a crash),
    /// and for every commit after that until the process restarts, as PostgreSQL does.
    void after_commit();

    struct Counts {
        std::uint64_t commits = 0;
        std::uint64_t syncs = 0;
    };
    [[nodiscard]] Counts counts() const;

    /// The real sync: `wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL)`, what SQLite itself passes
    /// for the WAL under synchronous = FULL (the unix VFS makes it an fdatasync on Linux). Null: 0.
    static int sync_wal(sqlite3_file* wal);

   private:
    /// Syncs through the own connection's WAL file object (null if it has none open).
    int sync_once();

    sqlite3* db_ = nullptr;  // the own connection: used by the thread that runs the sync only
    const SyncFile sync_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::uint64_t requested_ = 0;  // commits that have asked, numbered in the order they asked
    std::uint64_t synced_ = 0;     // every commit numbered up to here is on disk
    std::uint64_t syncs_ = 0;
    int error_ = 0;         // SQLite's code for the first failed sync: from then on, every commit fails
    bool syncing_ = false;  // a thread is running a sync (and alone uses db_)
};

}  // namespace mina::storage
