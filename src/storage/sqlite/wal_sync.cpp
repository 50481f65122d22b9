#include "storage/sqlite/wal_sync.hpp"

#include <sqlite3.h>

#include <stdexcept>
#include <utility>

namespace mina::storage {

WalSync::WalSync(const std::string& db_path, int busy_timeout_ms, SyncFile sync)
    : sync_(sync ? std::move(sync) : SyncFile(sync_wal)) {
    // NOMUTEX: only the thread that runs a sync uses it (syncing_, under mu_).
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(db_path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close_v2(db_);
        throw std::runtime_error("sqlite: open " + db_path + " for the WAL's sync: " + why);
    }
    sqlite3_busy_timeout(db_, busy_timeout_ms);  // the read below may meet another connection's recovery
    // A connection opens the WAL at its first read transaction and keeps it open until it closes;
    // this one runs no other statement.
    char* err = nullptr;
    if (sqlite3_exec(db_, "PRAGMA data_version", nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string why = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        sqlite3_close_v2(db_);
        throw std::runtime_error("sqlite: open the WAL of " + db_path + " for its sync: " + why);
    }
}

WalSync::~WalSync() { sqlite3_close_v2(db_); }

int WalSync::sync_wal(sqlite3_file* wal) {
    if (wal == nullptr) return SQLITE_OK;  // no WAL: nothing was written to one
    return wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
}

int WalSync::sync_once() {
    sqlite3_file* wal = nullptr;
    if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK) return SQLITE_IOERR;
    // The journal's object is there even when no journal is open; then it has no methods.
    if (wal != nullptr && wal->pMethods == nullptr) wal = nullptr;
    try {
        return sync_(wal);
    } catch (...) {
        return SQLITE_IOERR;
    }
}

void WalSync::after_commit() {
    std::unique_lock lock(mu_);
    const std::uint64_t mine = ++requested_;
    for (;;) {
        if (synced_ >= mine) return;
        // A failed fsync may have dropped the written pages (Linux marks them clean), so a later
        // success proves nothing about them: from the first failure on, no commit is confirmed.
        if (error_ != SQLITE_OK)
            throw std::runtime_error(std::string("sqlite: the commit could not be written to disk: ") +
                                     sqlite3_errstr(error_));
        if (syncing_) {
            cv_.wait(lock);
            continue;
        }
        syncing_ = true;
        const std::uint64_t upto = requested_;  // every one of these has finished its COMMIT
        lock.unlock();
        const int rc = sync_once();
        lock.lock();
        syncing_ = false;
        ++syncs_;
        if (rc == SQLITE_OK) synced_ = upto;
        else error_ = rc;
        cv_.notify_all();
    }
}

WalSync::Counts WalSync::counts() const {
    std::lock_guard lock(mu_);
    return {requested_, syncs_};
}

}  // namespace mina::storage
