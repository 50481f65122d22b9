// Group commit for SQLite in WAL mode.
//
// With synchronous = FULL, SQLite fsyncs the WAL inside every COMMIT, while this process's write lock
// is held: every writer waits for the one before it to reach the disk, one fsync per transaction.
// Instead the connections commit with synchronous = NORMAL (the commit is written to the WAL and
// visible, but not yet synced) and each committer then waits here, after letting go of the write
// lock, until one fdatasync of the WAL has begun after its commit and ended. Commits that arrive
// while a sync is under way share the next one. commit() still returns only once the transaction
// is on disk, so an acknowledged commit survives a power cut exactly as with FULL.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace mina::storage {

class WalSync {
   public:
    /// Makes a file's written data durable; returns 0 or an errno value. The default opens the file,
    /// fdatasyncs it and closes it (a missing file has nothing to sync).
    using SyncFile = std::function<int(const std::string& path)>;

    explicit WalSync(std::string wal_path, SyncFile sync = {});

    /// Returns once everything this thread committed before calling is on disk. Throws
    /// std::runtime_error if the sync fails (the commit is then visible but may not survive a crash),
    /// and for every commit after that until the process restarts, as PostgreSQL does.
    void after_commit();

    struct Counts {
        std::uint64_t commits = 0;
        std::uint64_t syncs = 0;
    };
    [[nodiscard]] Counts counts() const;

   private:
    const std::string path_;
    const SyncFile sync_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::uint64_t requested_ = 0;  // commits that have asked, numbered in the order they asked
    std::uint64_t synced_ = 0;     // every commit numbered up to here is on disk
    std::uint64_t syncs_ = 0;
    int error_ = 0;                // the errno of the first failed sync: from then on, every commit fails
    bool syncing_ = false;
};

}  // namespace mina::storage
