// The viewers a server on SQLite keeps between requests: a page after login needs the session, its
// person and their grants, and reading them costs a read transaction and two statements on every
// page.
//
// They are kept only while the database has not changed, and SQLite itself says when it has: this
// class owns one connection of its own (the watch) that never writes and runs nothing but
// `PRAGMA data_version`, in autocommit mode, before each use. Each run is a read transaction of its
// own, so the value is that of the database at that moment, and it differs from the one before if
// any other connection committed in between (pragma.html#pragma_data_version). Every connection is
// "other" to the watch: this server's writer and readers, `mina admin`, `mina backup`, an operator's
// sqlite3. Any change anywhere forgets them all. So a page never shows less than a read of the
// database at the moment the request arrived would have.
//
// Nothing here touches SQLite's files (`<db>-wal`, `<db>-shm`) itself: closing a descriptor of a file
// drops all of the process's POSIX locks on it, SQLite's included, and the next process to open the
// database would then believe it is alone and rebuild the WAL-index under this server's feet.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/common/model.hpp"
#include "storage/view_cache.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace mina::storage {

/// A ViewCache (storage/view_cache.hpp) that forgets everything whenever anything is committed.
class SqliteViewers {
   public:
    /// Opens the watch connection on the database file at `path` (in WAL mode). Null if it cannot be
    /// opened (then nothing is kept).
    static std::unique_ptr<SqliteViewers> open(const std::string& path, int busy_timeout_ms);
    ~SqliteViewers();
    SqliteViewers(const SqliteViewers&) = delete;
    SqliteViewers& operator=(const SqliteViewers&) = delete;
    SqliteViewers(SqliteViewers&&) = delete;
    SqliteViewers& operator=(SqliteViewers&&) = delete;

    struct Lookup {
        std::optional<Viewing> viewer;  // kept, and nothing committed since it was read
        std::uint64_t epoch = 0;        // for keep(), if the caller reads it instead
    };
    /// The viewer kept for this session, if the database has not changed since it was read. Call it
    /// before the read transaction that would read it has taken its snapshot.
    [[nodiscard]] Lookup find(const std::string& id_hash);
    /// Keeps a viewer read in a snapshot taken after find() returned `at_find`, if nothing has been
    /// committed since that find() (so the read saw the database as it is now).
    void keep(const std::string& id_hash, const Viewing& v, std::uint64_t at_find);

    [[nodiscard]] const ViewCache& cache() const { return cache_; }

   private:
    SqliteViewers(sqlite3* db, sqlite3_stmt* version);
    /// Asks the database; if anything was committed since the last look, the cache forgets
    /// everything. Returns the cache's epoch after: it holds nothing older than this moment.
    std::uint64_t settle();

    std::mutex mu_;                     // the watch connection is used by one thread at a time
    sqlite3* db_;                       // the watch: never writes, so every commit is another's
    sqlite3_stmt* version_;             // PRAGMA data_version
    std::optional<std::int64_t> seen_;  // at the last look; none after a failed one
    ViewCache cache_;
};

}  // namespace mina::storage
