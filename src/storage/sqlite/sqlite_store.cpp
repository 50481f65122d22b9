// The ports on SQLite: this file holds the pool, the Unit and the Store; the repositories live in one
// file per area (identity, sessions, kiosk, audit, studietider, reports), as in src/storage/postgres/.
#include "storage/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <limits>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "embedded/sqlite_migrations.hpp"
#include "storage/sqlite/repositories.hpp"
#include "storage/sqlite/sqlite_viewers.hpp"
#include "storage/sqlite/wal_sync.hpp"

namespace mina::storage::sqlite {
namespace {

// Prepared once per connection like every other statement: no parse per transaction.
constexpr const char* kBeginWrite = "BEGIN IMMEDIATE";
constexpr const char* kBeginRead = "BEGIN";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at INTEGER NOT NULL)";
constexpr const char* kSchemaVersion = "SELECT coalesce(max(version), 0) FROM schema_migrations";
constexpr const char* kRecordMigration =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, strftime('%s', 'now'))";

// ---- The pool ----------------------------------------------------------------------------------

class Pool {
   public:
    explicit Pool(SqliteOptions o) : opts_(std::move(o)) {
        if (opts_.path == ":memory:") {
            opts_.path = "file:mina-memory-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) +
                         "?mode=memory&cache=shared";
            opts_.pool_size = 1;  // one connection: transactions serialise on the pool
        }
        keep_ = std::make_unique<Connection>(opts_, true);
        // Durable commits on a file in WAL mode: group commit (wal_sync.hpp) instead of an fsync
        // inside each COMMIT. It syncs through a connection of its own, which lives as long as it.
        const bool wal = keep_->journal_mode() == "wal";
        const std::string file = sqlite3_db_filename(keep_->raw(), "main");
        if (opts_.synchronous_full && wal) {
            wal_sync_ = std::make_unique<WalSync>(file, opts_.busy_timeout_ms);
            keep_->exec("PRAGMA synchronous = NORMAL");
        }
        if (opts_.view_cache && wal) viewers_ = SqliteViewers::open(file, opts_.busy_timeout_ms);
    }
    std::unique_ptr<Connection> acquire() {
        std::unique_lock lock(mu_);
        if (opts_.pool_size == 1) {
            cv_.wait(lock, [&] { return keep_ != nullptr; });
            return std::move(keep_);
        }
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
        lock.unlock();
        return std::make_unique<Connection>(opts_, wal_sync_ == nullptr);
    }
    void release(std::unique_ptr<Connection> c) {
        std::lock_guard lock(mu_);
        if (opts_.pool_size == 1) {
            keep_ = std::move(c);
            cv_.notify_one();
        } else if (static_cast<int>(idle_.size()) < opts_.pool_size) {
            idle_.push_back(std::move(c));
        }
    }
    [[nodiscard]] const SqliteOptions& options() const { return opts_; }
    /// Held by this process's write transaction: writers queue here and are woken at once, instead
    /// of polling in SQLite's busy handler (which sleeps up to 100 ms between tries).
    [[nodiscard]] std::timed_mutex& writer() { return writer_; }
    /// Waits until what this thread just committed is on disk (nothing to wait for when SQLite syncs
    /// inside COMMIT itself, or when commits need not be durable).
    void after_commit() {
        if (wal_sync_) wal_sync_->after_commit();
    }
    [[nodiscard]] WalSync::Counts commit_syncs() const { return wal_sync_ ? wal_sync_->counts() : WalSync::Counts{}; }
    /// Null unless SqliteOptions::view_cache and the database is a file in WAL mode.
    [[nodiscard]] SqliteViewers* viewers() const { return viewers_.get(); }

    /// Every write unit of this process runs on one connection, taken by whoever holds writer().
    /// No other connection of the process writes, so its page cache stays valid from one write
    /// to the next and a write does not read again the pages the last one left in memory (a
    /// connection's cache is dropped whenever another one has changed the database).
    [[nodiscard]] bool has_writer_connection() const { return opts_.pool_size > 1; }
    std::unique_ptr<Connection> acquire_writer() {
        std::lock_guard lock(mu_);
        if (writer_conn_) return std::move(writer_conn_);
        return std::make_unique<Connection>(opts_, wal_sync_ == nullptr);
    }
    void release_writer(std::unique_ptr<Connection> c) {
        std::lock_guard lock(mu_);
        writer_conn_ = std::move(c);
    }

   private:
    SqliteOptions opts_;
    std::unique_ptr<WalSync> wal_sync_;
    std::unique_ptr<SqliteViewers> viewers_;
    std::timed_mutex writer_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::unique_ptr<Connection> keep_;         // keeps an in-memory database alive; the only one if pool_size == 1
    std::unique_ptr<Connection> writer_conn_;  // while no write unit has it
    std::vector<std::unique_ptr<Connection>> idle_;
};

class SqliteUnit final : public ports::Unit {
   public:
    SqliteUnit(Pool& pool, ports::TxMode mode)
        : pool_(pool),
          mode_(mode),
          writer_(lock_writer(pool, mode)),
          conn_(take_connection()),
          c_(*conn_),
          viewers_(mode == ports::TxMode::read ? pool.viewers() : nullptr) {
        try {
            // A write transaction takes the write lock at once, so it never fails half-way on a
            // lock upgrade; busy_timeout makes concurrent writers wait their turn.
            conn_->forget_failure();
            Query(*conn_, mode == ports::TxMode::write ? kBeginWrite : kBeginRead).run();
            changes_at_begin_ = sqlite3_total_changes64(conn_->raw());
        } catch (...) {
            give_back_connection();
            throw;
        }
    }
    ~SqliteUnit() override {
        if (!done_) {
            try {
                Query(*conn_, kRollback).run();
            } catch (...) {  // NOLINT(bugprone-empty-catch): the connection is dropped below
                conn_.reset();
            }
        }
        give_back_connection();  // before writer_ lets the next write unit in
    }
    void commit() override {
        refuse_after_failure();
        Query(*conn_, kCommit).run();
        done_ = true;
        const bool wrote = mode_ == ports::TxMode::write || sqlite3_total_changes64(conn_->raw()) != changes_at_begin_;
        give_back_connection();
        if (writer_.owns_lock()) writer_.unlock();
        // After the write lock is free: the next writer commits while this one's sync runs.
        if (wrote) pool_.after_commit();
    }
    /// In the WAL, so the next commit()'s sync takes it along. (Without group commit, SQLite syncs
    /// inside COMMIT as configured.)
    void commit_unsynced() override {
        refuse_after_failure();
        Query(*conn_, kCommit).run();
        done_ = true;
        give_back_connection();
        if (writer_.owns_lock()) writer_.unlock();
    }
    ports::Accounts& accounts() override {
        return accounts_.get([&] { return make_accounts(c_); });
    }
    ports::Schools& schools() override {
        return schools_.get([&] { return make_schools(c_); });
    }
    ports::Grants& grants() override {
        return grants_.get([&] { return make_grants(c_); });
    }
    ports::Sessions& sessions() override {
        return sessions_.get([&] { return make_sessions(c_, viewers_); });
    }
    ports::Factors& factors() override {
        return factors_.get([&] { return make_factors(c_); });
    }
    ports::Throttle& throttle() override {
        return throttle_.get([&] { return make_throttle(c_); });
    }
    ports::Audit& audit() override {
        return audit_.get([&] { return make_audit(c_); });
    }
    ports::Otps& otps() override {
        return otps_.get([&] { return make_otps(c_); });
    }
    ports::KioskFlows& kiosk_flows() override {
        return flows_.get([&] { return make_kiosk_flows(c_); });
    }
    ports::PasswordHistory& password_history() override {
        return history_.get([&] { return make_password_history(c_); });
    }
    ports::Outbox& outbox() override {
        return outbox_.get([&] { return make_outbox(c_); });
    }
    ports::Letters& letters() override {
        return letters_.get([&] { return make_letters(c_); });
    }
    ports::Studietider& studietider() override {
        return studietider_.get([&] { return make_studietider(c_); });
    }
    ports::Reports& reports() override {
        return reports_.get([&] { return make_reports(c_); });
    }
    ports::Statistics& statistics() override {
        return statistics_.get([&] { return make_statistics(c_); });
    }
    oidc::Clients& oidc_clients() override {
        return oidc_clients_.get([&] { return make_oidc_clients(c_); });
    }
    oidc::SigningKeys& oidc_keys() override {
        return oidc_keys_.get([&] { return make_oidc_keys(c_); });
    }
    oidc::PendingRequests& oidc_pending() override {
        return oidc_pending_.get([&] { return make_oidc_pending(c_); });
    }
    oidc::Codes& oidc_codes() override {
        return oidc_codes_.get([&] { return make_oidc_codes(c_); });
    }
    oidc::Subjects& oidc_subjects() override {
        return oidc_subjects_.get([&] { return make_oidc_subjects(c_); });
    }
    oidc::Sweep& oidc_sweep() override {
        return oidc_sweep_.get([&] { return make_oidc_sweep(c_); });
    }

   private:
    static std::unique_lock<std::timed_mutex> lock_writer(Pool& pool, ports::TxMode mode) {
        std::unique_lock<std::timed_mutex> lock(pool.writer(), std::defer_lock);
        // Another process (the CLI) still meets busy_timeout; a write unit opened inside another on
        // one thread falls back to it after the timeout instead of waiting forever.
        if (mode == ports::TxMode::write)
            (void)lock.try_lock_for(std::chrono::milliseconds(pool.options().busy_timeout_ms));
        return lock;
    }
    std::unique_ptr<Connection> take_connection() {
        on_writer_ = writer_.owns_lock() && pool_.has_writer_connection();
        return on_writer_ ? pool_.acquire_writer() : pool_.acquire();
    }
    /// As on PostgreSQL: a unit in which a statement failed is never committed; the destructor rolls
    /// it back.
    void refuse_after_failure() const {
        if (conn_ && conn_->failed())
            throw std::runtime_error("sqlite: the transaction was rolled back after an earlier error");
    }
    void give_back_connection() {
        if (!conn_) return;
        if (on_writer_) pool_.release_writer(std::move(conn_));
        else pool_.release(std::move(conn_));
    }

    Pool& pool_;
    ports::TxMode mode_;
    std::unique_lock<std::timed_mutex> writer_;  // this process's write lock, while a write unit is open
    bool on_writer_ = false;                     // conn_ is the pool's writer connection
    std::unique_ptr<Connection> conn_;
    bool done_ = false;
    sqlite3_int64 changes_at_begin_ = 0;
    Connection& c_;           // the unit's connection, for its repositories (conn_ goes back at the end)
    SqliteViewers* viewers_;  // a read unit's kept viewers, if the server keeps them
    OnFirstUse<ports::Accounts> accounts_;
    OnFirstUse<ports::Schools> schools_;
    OnFirstUse<ports::Grants> grants_;
    OnFirstUse<ports::Sessions> sessions_;
    OnFirstUse<ports::Factors> factors_;
    OnFirstUse<ports::Throttle> throttle_;
    OnFirstUse<ports::Audit> audit_;
    OnFirstUse<ports::Otps> otps_;
    OnFirstUse<ports::KioskFlows> flows_;
    OnFirstUse<ports::PasswordHistory> history_;
    OnFirstUse<ports::Outbox> outbox_;
    OnFirstUse<ports::Letters> letters_;
    OnFirstUse<ports::Studietider> studietider_;
    OnFirstUse<ports::Reports> reports_;
    OnFirstUse<ports::Statistics> statistics_;
    OnFirstUse<oidc::Clients> oidc_clients_;
    OnFirstUse<oidc::SigningKeys> oidc_keys_;
    OnFirstUse<oidc::PendingRequests> oidc_pending_;
    OnFirstUse<oidc::Codes> oidc_codes_;
    OnFirstUse<oidc::Subjects> oidc_subjects_;
    OnFirstUse<oidc::Sweep> oidc_sweep_;
};

class SqliteStore final : public ports::Store {
   public:
    explicit SqliteStore(const SqliteOptions& o) : pool_(o) {}

    [[nodiscard]] std::optional<ports::KeptViewers> kept_viewers() const override {
        const SqliteViewers* v = pool_.viewers();
        if (v == nullptr) return std::nullopt;
        const ViewCache& c = v->cache();
        return ports::KeptViewers{c.hits(), c.misses(), c.size(), c.listening()};
    }

    std::unique_ptr<ports::Unit> begin(ports::TxMode mode) override {
        return std::make_unique<SqliteUnit>(pool_, mode);
    }

    int migrate() override {
        auto conn = pool_.acquire();
        int ran = 0;
        try {
            conn->exec("BEGIN IMMEDIATE");
            conn->exec(kCreateMigrations);
            std::int64_t current = 0;
            {
                Query q(*conn, kSchemaVersion);
                if (q.step()) current = q.integer(0);
            }
            for (const auto& f : sqlite_migrations::files()) {
                const int version = std::stoi(std::string(f.name.substr(0, 4)));
                if (version <= current) continue;
                const std::string sql(f.text);
                conn->exec(sql.c_str());
                Query q(*conn, kRecordMigration);
                q.bind(1, std::int64_t{version}).bind(2, f.name);
                q.run();
                ++ran;
            }
            conn->exec("COMMIT");
            pool_.after_commit();
        } catch (...) {
            try {
                conn->exec("ROLLBACK");
            } catch (...) {  // NOLINT(bugprone-empty-catch): the first error is the one to report
            }
            pool_.release(std::move(conn));
            throw;
        }
        pool_.release(std::move(conn));
        return ran;
    }

    int schema_version() override {
        auto conn = pool_.acquire();
        int v = 0;
        try {
            conn->exec(kCreateMigrations);
            Query q(*conn, kSchemaVersion);
            if (q.step()) v = static_cast<int>(q.integer(0));
        } catch (...) {
            pool_.release(std::move(conn));
            throw;
        }
        pool_.release(std::move(conn));
        return v;
    }

    bool ping() override {
        try {
            auto conn = pool_.acquire();
            bool ok = false;
            {
                Query q(*conn, "SELECT 1");
                ok = q.step();
            }
            pool_.release(std::move(conn));
            return ok;
        } catch (const std::exception&) {
            return false;
        }
    }

    void backup(const std::string& path) override {
        if (std::filesystem::exists(path)) throw std::runtime_error("backup target exists: " + path);
        auto conn = pool_.acquire();
        try {
            Query q(*conn, "VACUUM INTO ?1");
            q.bind(1, path);
            q.run();
        } catch (...) {
            pool_.release(std::move(conn));
            throw;
        }
        pool_.release(std::move(conn));
    }

   private:
    Pool pool_;
};

}  // namespace
}  // namespace mina::storage::sqlite

namespace mina::storage {

std::unique_ptr<ports::Store> open_sqlite(const SqliteOptions& opts) {
    // No global memory statistics: they take a process-wide lock on every allocation.
    static const int kConfigured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)kConfigured;
    if (opts.path != ":memory:") {
        const auto dir = std::filesystem::path(opts.path).parent_path();
        if (!dir.empty()) std::filesystem::create_directories(dir);
    }
    return std::make_unique<sqlite::SqliteStore>(opts);
}

}  // namespace mina::storage
