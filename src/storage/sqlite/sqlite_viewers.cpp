#include "storage/sqlite/sqlite_viewers.hpp"

#include <sqlite3.h>

namespace mina::storage {

std::unique_ptr<SqliteViewers> SqliteViewers::open(const std::string& path, int busy_timeout_ms) {
    sqlite3* db = nullptr;
    // Opened as the store's own connections are, though it never writes; NOMUTEX: used under mu_ only.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    sqlite3_stmt* version = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v3(db, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT, &version, nullptr) != SQLITE_OK) {
        sqlite3_close_v2(db);
        return nullptr;
    }
    // A read transaction may meet SQLITE_BUSY for a moment (another connection recovering the WAL).
    sqlite3_busy_timeout(db, busy_timeout_ms);
    return std::unique_ptr<SqliteViewers>(new SqliteViewers(db, version));
}

SqliteViewers::SqliteViewers(sqlite3* db, sqlite3_stmt* version) : db_(db), version_(version) {
    cache_.set_listening(true);  // every change is seen: the database is asked before each use
    (void)settle();
}

SqliteViewers::~SqliteViewers() {
    sqlite3_finalize(version_);
    sqlite3_close_v2(db_);
}

std::uint64_t SqliteViewers::settle() {
    std::lock_guard lock(mu_);
    // Autocommit: the statement begins a read transaction of its own, which is where SQLite notices
    // the commits of other connections, and ends it at the reset.
    std::optional<std::int64_t> now;
    if (sqlite3_step(version_) == SQLITE_ROW) now = sqlite3_column_int64(version_, 0);
    sqlite3_reset(version_);
    // A failed look forgets too: it may have missed a commit (and the next one compares with none).
    if (!now || now != seen_) cache_.forget("*");
    seen_ = now;
    return cache_.epoch();
}

SqliteViewers::Lookup SqliteViewers::find(const std::string& id_hash) {
    const std::uint64_t epoch = settle();
    return {cache_.find(id_hash), epoch};
}

void SqliteViewers::keep(const std::string& id_hash, const Viewing& v, std::uint64_t at_find) {
    // If anything was committed since find(), this look (or another thread's in between) forgets,
    // the epoch moves, and the cache refuses the read: its snapshot may be older than the database.
    (void)settle();
    cache_.keep(id_hash, v, at_find);
}

}  // namespace mina::storage
