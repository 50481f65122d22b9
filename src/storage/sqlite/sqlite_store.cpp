#include "storage/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <filesystem>
#include <limits>
#include <chrono>
#include <mutex>
#include <span>
#include <stdexcept>
#include <tuple>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/sqlite/sqlite_viewers.hpp"
#include "storage/sqlite/wal_sync.hpp"

namespace mina::storage::sqlite_migrations {
struct EmbeddedFile {
    std::string_view name;
    std::string_view text;
};
std::span<const EmbeddedFile> files();
}  // namespace mina::storage::sqlite_migrations

namespace mina::storage {
namespace {

// ---- SQL, in named constants: never assembled from input -----------------------------------

constexpr const char* kFindPersonByUsername =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons WHERE username = ?1";
constexpr const char* kFindPersonById =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons WHERE id = ?1";
constexpr const char* kFindPersonByEmail =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons "
    "WHERE lower(email) = lower(?1)";
constexpr const char* kCredential = "SELECT password_hash, password_set_at FROM persons WHERE id = ?1";
constexpr const char* kUsernameTaken = "SELECT 1 FROM persons WHERE username = ?1";
constexpr const char* kAddPerson =
    "INSERT INTO persons (username, first_name, last_name, email, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
// Both CASEs read the row's old values: after an expired lock the count starts again at 1.
constexpr const char* kReserveAttempt =
    "UPDATE persons SET "
    "  failed_count = CASE WHEN locked_until IS NOT NULL AND locked_until <= ?2 THEN 1 ELSE failed_count + 1 END, "
    "  locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= ?2 THEN 1 "
    "                                 ELSE failed_count + 1 END) >= ?3 THEN ?4 ELSE NULL END "
    "WHERE id = ?1 AND (locked_until IS NULL OR locked_until <= ?2) RETURNING failed_count";
constexpr const char* kRecordSuccess =
    "UPDATE persons SET failed_count = 0, locked_until = NULL, last_login_at = ?2 WHERE id = ?1";
constexpr const char* kLock = "UPDATE persons SET locked_until = ?2 WHERE id = ?1";
constexpr const char* kUnlock =
    "UPDATE persons SET failed_count = 0, locked_until = NULL WHERE id = ?1 "
    "AND (failed_count > 0 OR locked_until IS NOT NULL)";
constexpr const char* kLockedUntil = "SELECT locked_until, failed_count FROM persons WHERE id = ?1";
constexpr const char* kSetPassword =
    "UPDATE persons SET password_hash = ?2, password_set_at = ?3, failed_count = 0, locked_until = NULL, "
    "reminded_days = 0 WHERE id = ?1";
constexpr const char* kReminderCandidates =
    "SELECT id, username, first_name, last_name, email, lang, default_school, password_set_at, reminded_days "
    "FROM persons WHERE password_hash <> '' AND password_set_at <= ?1 AND password_set_at > ?2 "
    "ORDER BY password_set_at LIMIT ?3";
constexpr const char* kSetReminded = "UPDATE persons SET reminded_days = ?2 WHERE id = ?1";
constexpr const char* kSetPreferences = "UPDATE persons SET lang = ?2, default_school = ?3 WHERE id = ?1";

constexpr const char* kFindSchool =
    "SELECT code, name, form, postal_address, contact_name, contact_phone FROM schools WHERE code = ?1";
constexpr const char* kAllSchools =
    "SELECT code, name, form, postal_address, contact_name, contact_phone FROM schools ORDER BY name, code";
constexpr const char* kAddSchool =
    "INSERT INTO schools (code, name, form, created_at, postal_address, contact_name, contact_phone) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING";
constexpr const char* kUpdateSchool =
    "UPDATE schools SET name = ?2, form = ?3, postal_address = ?4, contact_name = ?5, contact_phone = ?6 "
    "WHERE code = ?1";
constexpr const char* kSetPostalAddress = "UPDATE schools SET postal_address = ?2 WHERE code = ?1";
constexpr const char* kRemoveGrant =
    "DELETE FROM grants WHERE person_id = ?1 AND school_code = ?2 AND role = ?3";
constexpr const char* kAtSchool =
    "SELECT p.id, p.username, p.first_name, p.last_name, p.email, p.lang, p.default_school, "
    "  p.password_hash <> '', p.password_set_at, p.last_login_at, p.locked_until, group_concat(g.role, ','), "
    "  (SELECT CASE WHEN l.status = 'queued' AND NOT EXISTS (SELECT 1 FROM schools s "
    "     WHERE s.code = l.school_code AND s.postal_address <> '') THEN 'waiting' ELSE l.status END "
    "   FROM letters l WHERE l.person_id = p.id ORDER BY l.id DESC LIMIT 1), "
    "  (SELECT status FROM outbox o WHERE o.person_id = p.id AND o.kind IN ('otp-first', 'otp-reset') "
    "   ORDER BY o.id DESC LIMIT 1) "
    "FROM persons p JOIN grants g ON g.person_id = p.id AND g.school_code = ?1 "
    "GROUP BY p.id ORDER BY p.last_name, p.first_name, p.username";
// The typed text is bound, never spliced; LIKE's own wildcards in it are escaped with '\'.
constexpr const char* kSearchPersons =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons "
    "WHERE username = lower(?1) OR lower(email) LIKE '%' || lower(?2) || '%' ESCAPE '\\' "
    "OR lower(first_name || ' ' || last_name) LIKE '%' || lower(?2) || '%' ESCAPE '\\' "
    "ORDER BY last_name, first_name, username LIMIT ?3";
constexpr const char* kQueueLetter = "INSERT INTO letters (person_id, school_code, created_at) VALUES (?1, ?2, ?3)";
// The last column: queued, and the school has no postal address to put in the window ("Adress saknas").
#define MINA_LETTER_ROW "id, person_id, school_code, status, path, last_error, created_at, rendered_at, posted_at"
constexpr const char* kLetterColumns =
    MINA_LETTER_ROW ", status = 'queued' AND NOT EXISTS "
    "(SELECT 1 FROM schools s WHERE s.code = letters.school_code AND s.postal_address <> '')";
// One statement: whoever runs it first holds the letter until the lease ends (as the outbox's kClaim).
constexpr const char* kClaimLetter =
    "UPDATE letters SET claimed_until = ?2 WHERE id = ("
    "  SELECT l.id FROM letters l JOIN schools s ON s.code = l.school_code "
    "  WHERE l.status = 'queued' AND l.claimed_until <= ?1 AND s.postal_address <> '' ORDER BY l.id LIMIT 1) "
    "RETURNING " MINA_LETTER_ROW ", 0";
constexpr const char* kNewlyWaiting =
    "UPDATE letters SET waiting_since = ?1 WHERE status = 'queued' AND waiting_since IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = letters.school_code AND s.postal_address <> '') "
    "RETURNING " MINA_LETTER_ROW ", 1";
constexpr const char* kLetterRendered =
    "UPDATE letters SET status = 'rendered', path = ?2, rendered_at = ?3, last_error = '', claimed_until = 0 "
    "WHERE id = ?1 AND status = 'queued'";
constexpr const char* kLetterFailed =
    "UPDATE letters SET last_error = ?2, claimed_until = ?3 WHERE id = ?1 AND status = 'queued'";
#undef MINA_LETTER_ROW
constexpr const char* kLetterPosted =
    "UPDATE letters SET status = 'posted', posted_at = ?2 WHERE id = ?1 AND status = 'rendered'";

constexpr const char* kAddGrant =
    "INSERT INTO grants (person_id, school_code, role, granted_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT DO NOTHING";
constexpr const char* kGrantsOf = "SELECT school_code, role FROM grants WHERE person_id = ?1";
// Agency-wide grants have no school (NULL code). A person has a handful of grants: they are
// ordered in C++, which spares SQLite a sorter on every page.
constexpr const char* kAccessOf =
    "SELECT s.code, s.name, s.form, g.role FROM grants g LEFT JOIN schools s ON s.code = g.school_code "
    "WHERE g.person_id = ?1";

constexpr const char* kCreateSession =
    "INSERT INTO sessions (id_hash, person_id, csrf_token, school_code, nudge, created_at, last_seen_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kFindSession =
    "SELECT id_hash, person_id, csrf_token, school_code, nudge, created_at, last_seen_at FROM sessions "
    "WHERE id_hash = ?1";
constexpr const char* kFindSessionWithPerson =
    "SELECT s.id_hash, s.person_id, s.csrf_token, s.school_code, s.nudge, s.created_at, s.last_seen_at, "
    "p.id, p.username, p.first_name, p.last_name, p.email, p.lang, p.default_school "
    "FROM sessions s JOIN persons p ON p.id = s.person_id WHERE s.id_hash = ?1";
constexpr const char* kTouchSession = "UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1";
constexpr const char* kSetSessionSchool = "UPDATE sessions SET school_code = ?2 WHERE id_hash = ?1";
constexpr const char* kRemoveSession = "DELETE FROM sessions WHERE id_hash = ?1";
constexpr const char* kRemoveSessionsOf = "DELETE FROM sessions WHERE person_id = ?1 AND id_hash <> ?2";
constexpr const char* kRemoveExpiredSessions = "DELETE FROM sessions WHERE last_seen_at < ?1 OR created_at < ?2";

constexpr const char* kThrottleGet =
    "SELECT failures, last_failure FROM client_failures WHERE address = ?1 AND last_failure >= ?2";
constexpr const char* kThrottleFail =
    "INSERT INTO client_failures (address, failures, last_failure) VALUES (?1, 1, ?2) "
    "ON CONFLICT (address) DO UPDATE SET "
    "  failures = CASE WHEN last_failure < ?3 THEN 1 ELSE failures + 1 END, last_failure = ?2";

// One statement for every filter: an empty parameter matches everything. Newest first, by id.
constexpr const char* kQueryAudit =
    "SELECT id, at, actor, address, kind, subject, school_code, detail FROM audit_log "
    "WHERE (?1 = '' OR subject = ?1 OR actor = ?1) AND (?2 = '' OR school_code = ?2) "
    "AND (?3 = '' OR kind = ?3 OR substr(kind, 1, length(?3) + 1) = ?3 || '.') "
    "AND at >= ?4 AND at < ?5 AND id < ?6 ORDER BY id DESC LIMIT ?7";
constexpr const char* kAuditKinds = "SELECT DISTINCT kind FROM audit_log ORDER BY kind";
constexpr const char* kAppendAudit =
    "INSERT INTO audit_log (at, actor, address, kind, subject, school_code, detail) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

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

constexpr const char* kPutOtp =
    "INSERT INTO otps (person_id, hash, kind, created_at, expires_at, wrong_count) VALUES (?1, ?2, ?3, ?4, ?5, 0) "
    "ON CONFLICT (person_id) DO UPDATE SET hash = excluded.hash, kind = excluded.kind, "
    "created_at = excluded.created_at, expires_at = excluded.expires_at, wrong_count = 0";
constexpr const char* kFindOtp =
    "SELECT person_id, hash, kind, created_at, expires_at, wrong_count FROM otps WHERE person_id = ?1";
constexpr const char* kOtpWrong =
    "UPDATE otps SET wrong_count = wrong_count + 1 WHERE person_id = ?1 RETURNING wrong_count";
// Single use (SPEC §4): the row is the password's "not used yet"; deleting the one that was compared,
// with the row count checked, lets exactly one of several concurrent flows have it.
constexpr const char* kConsumeOtp = "DELETE FROM otps WHERE person_id = ?1 AND hash = ?2 AND expires_at > ?3";
constexpr const char* kRemoveOtp = "DELETE FROM otps WHERE person_id = ?1";

constexpr const char* kCreateFlow =
    "INSERT INTO kiosk_flows (id_hash, kind, stage, person_id, csrf_token, captcha_answer, captcha_expires_at, "
    "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kFindFlow =
    "SELECT id_hash, kind, stage, person_id, csrf_token, captcha_answer, captcha_expires_at, created_at, expires_at "
    "FROM kiosk_flows WHERE id_hash = ?1";
constexpr const char* kUpdateFlow =
    "UPDATE kiosk_flows SET kind = ?2, stage = ?3, person_id = ?4, captcha_answer = ?5, captcha_expires_at = ?6, "
    "expires_at = ?7 WHERE id_hash = ?1";
constexpr const char* kRemoveFlow = "DELETE FROM kiosk_flows WHERE id_hash = ?1";
constexpr const char* kRemoveExpiredFlows = "DELETE FROM kiosk_flows WHERE expires_at <= ?1";

constexpr const char* kAddHistory = "INSERT INTO password_history (person_id, hash, set_at) VALUES (?1, ?2, ?3)";
constexpr const char* kLastHistory =
    "SELECT hash FROM password_history WHERE person_id = ?1 ORDER BY id DESC LIMIT ?2";

constexpr const char* kEnqueue =
    "INSERT INTO outbox (kind, person_id, recipient, lang, params, not_before, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kOutboxColumns =
    "id, kind, person_id, recipient, lang, params, status, not_before, attempts, last_error, created_at, sent_at";
// One statement: whoever runs it first holds the mail until the lease ends. Kiosk mail first: a
// person waits at the kiosk for its one-time password, which is valid for minutes.
// A person's mails with one-time passwords go one at a time (none is taken while another is held):
// each makes a new password that replaces the last, so the one that arrives last is the one that works.
constexpr const char* kClaim =
    "UPDATE outbox SET claimed_until = ?2, attempts = attempts + 1 WHERE id = ("
    "  SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.not_before <= ?1 AND o.claimed_until <= ?1 "
    "  AND NOT (o.kind IN ('otp-first', 'otp-reset') AND EXISTS (SELECT 1 FROM outbox b WHERE b.person_id = o.person_id "
    "    AND b.kind IN ('otp-first', 'otp-reset') AND b.status = 'pending' AND b.claimed_until > ?1)) "
    "  ORDER BY o.kind <> 'otp-reset', o.not_before, o.id LIMIT 1) "
    "RETURNING id, kind, person_id, recipient, lang, params, status, not_before, attempts, last_error, created_at, "
    "sent_at";
constexpr const char* kMarkSent =
    "UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = ?3, claimed_until = 0 WHERE id = ?1";
constexpr const char* kRetryAt =
    "UPDATE outbox SET not_before = ?2, last_error = ?3, claimed_until = 0 WHERE id = ?1";
constexpr const char* kMarkFailed =
    "UPDATE outbox SET status = 'failed', last_error = ?2, claimed_until = 0 WHERE id = ?1";
constexpr const char* kRetryFailedOne =
    "UPDATE outbox SET status = 'pending', not_before = ?2, attempts = 0, claimed_until = 0 "
    "WHERE status = 'failed' AND id = ?1";
constexpr const char* kRetryFailedAll =
    "UPDATE outbox SET status = 'pending', not_before = ?1, attempts = 0, claimed_until = 0 WHERE status = 'failed'";
constexpr const char* kCountSince =
    "SELECT count(*) FROM outbox WHERE person_id = ?1 AND kind = ?2 AND created_at >= ?3";
constexpr const char* kCountPending =
    "SELECT count(*) FROM outbox WHERE person_id = ?1 AND kind = ?2 AND status = 'pending'";

// ---- A connection with its prepared statements -----------------------------------------------

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
    throw std::runtime_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

class Connection {
   public:
    /// `sync_in_commit`: SQLite fsyncs inside COMMIT (synchronous = FULL, when the options ask for
    /// durable commits); false when the pool's WalSync makes commits durable after COMMIT instead.
    Connection(const SqliteOptions& o, bool sync_in_commit) {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
        if (sqlite3_open_v2(o.path.c_str(), &db_, flags, nullptr) != SQLITE_OK) fail(db_, "open " + o.path);
        sqlite3_busy_timeout(db_, o.busy_timeout_ms);
        exec("PRAGMA journal_mode = WAL");
        exec(o.synchronous_full && sync_in_commit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
        exec("PRAGMA foreign_keys = ON");
        // 32 MiB of pages per connection (SQLite's default is 2 MiB): an upload's lookups and
        // inserts into the students' hash index stay in memory instead of reading the file.
        exec("PRAGMA cache_size = -32768");
    }
    ~Connection() {
        for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
        sqlite3_close_v2(db_);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void exec(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "unknown error";
            sqlite3_free(err);
            throw std::runtime_error(std::string("sqlite: ") + msg);
        }
    }
    sqlite3_stmt* prepare(const char* sql) {
        auto it = cache_.find(sql);
        if (it != cache_.end()) return it->second;
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
            failed_ = true;
            fail(db_, "prepare");
        }
        cache_.emplace(sql, stmt);
        return stmt;
    }
    [[nodiscard]] sqlite3* raw() const { return db_; }
    /// A statement failed since the last forget_failure(): its transaction must not commit (as on
    /// PostgreSQL, where a failed statement aborts the transaction).
    [[nodiscard]] bool failed() const { return failed_; }
    void statement_failed() { failed_ = true; }
    void forget_failure() { failed_ = false; }
    [[nodiscard]] std::string journal_mode() {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, "PRAGMA journal_mode", -1, &stmt, nullptr) != SQLITE_OK) fail(db_, "prepare");
        std::string mode;
        if (sqlite3_step(stmt) == SQLITE_ROW) mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
        return mode;
    }

   private:
    sqlite3* db_ = nullptr;
    std::unordered_map<const char*, sqlite3_stmt*> cache_;
    bool failed_ = false;
};

/// One execution of a cached statement: binds, steps and resets itself when it goes out of scope.
class Query {
   public:
    Query(Connection& c, const char* sql) : conn_(c), stmt_(c.prepare(sql)) {}
    ~Query() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;

    Query& bind(int i, std::string_view v) {
        check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Query& bind(int i, std::int64_t v) {
        check(sqlite3_bind_int64(stmt_, i, v));
        return *this;
    }
    Query& bind(int i, Timestamp t) { return bind(i, to_unix(t)); }
    Query& bind_null(int i) {
        check(sqlite3_bind_null(stmt_, i));
        return *this;
    }
    /// Returns true while there is a row.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        conn_.statement_failed();
        fail(conn_.raw(), "step");
    }
    void run() {
        while (step()) {
        }
    }
    [[nodiscard]] int changes() const { return sqlite3_changes(conn_.raw()); }
    [[nodiscard]] std::string text(int col) const {
        const auto* p = sqlite3_column_text(stmt_, col);
        return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                 : std::string();
    }
    [[nodiscard]] std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    [[nodiscard]] bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

   private:
    void check(int rc) {
        if (rc != SQLITE_OK) {
            conn_.statement_failed();
            fail(conn_.raw(), "bind");
        }
    }
    Connection& conn_;
    sqlite3_stmt* stmt_;
};

/// A person from 7 columns starting at `col`: id, username, first_name, last_name, email, lang,
/// default_school.
Person read_person(const Query& q, int col = 0) {
    Person p;
    p.id = PersonId{q.integer(col)};
    p.username = Username{q.text(col + 1)};
    p.first_name = q.text(col + 2);
    p.last_name = q.text(col + 3);
    p.email = q.text(col + 4);
    p.lang = q.text(col + 5);
    p.default_school = q.text(col + 6);
    return p;
}

/// A session from 7 columns starting at 0: id_hash, person_id, csrf_token, school_code, nudge,
/// created_at, last_seen_at.
Session read_session(const Query& q) {
    Session s;
    s.id_hash = q.text(0);
    s.person = PersonId{q.integer(1)};
    s.csrf_token = q.text(2);
    s.school = q.text(3);
    s.nudge_password = q.integer(4) != 0;
    s.created_at = from_unix(q.integer(5));
    s.last_seen_at = from_unix(q.integer(6));
    return s;
}

School read_school(const Query& q, int col) {
    return School{SchoolCode{q.text(col)}, q.text(col + 1),
                  parse_school_form(q.text(col + 2)).value_or(SchoolForm::annan_eftergymnasial)};
}

/// A school with its letter address and contact, from the 6 columns of kFindSchool.
School read_full_school(const Query& q) {
    auto school = read_school(q, 0);
    school.postal_address = q.text(3);
    school.contact_name = q.text(4);
    school.contact_phone = q.text(5);
    return school;
}

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
    std::unique_ptr<Connection> keep_;  // keeps an in-memory database alive; the only one if pool_size == 1
    std::unique_ptr<Connection> writer_conn_;  // while no write unit has it
    std::vector<std::unique_ptr<Connection>> idle_;
};

// ---- The repositories, over the unit's connection ------------------------------------------------

std::string_view otp_kind_name(OtpKind k) { return k == OtpKind::first ? "first" : "reset"; }

std::string_view flow_kind_name(FlowKind k) { return k == FlowKind::sign_in ? "sign-in" : "forgot"; }

std::string_view flow_stage_name(FlowStage s) {
    switch (s) {
        case FlowStage::start: return "start";
        case FlowStage::otp: return "otp";
        case FlowStage::password: return "password";
        case FlowStage::done: return "done";
    }
    return "start";
}

FlowStage parse_flow_stage(std::string_view s) {
    if (s == "otp") return FlowStage::otp;
    if (s == "password") return FlowStage::password;
    if (s == "done") return FlowStage::done;
    return FlowStage::start;
}

class SqliteOtps final : public ports::Otps {
   public:
    explicit SqliteOtps(Connection& c) : c_(c) {}
    void put(const Otp& o) override {
        Query q(c_, kPutOtp);
        q.bind(1, o.person.value()).bind(2, o.hash).bind(3, otp_kind_name(o.kind)).bind(4, o.created_at);
        q.bind(5, o.expires_at);
        q.run();
    }
    std::optional<Otp> find(PersonId id) override {
        Query q(c_, kFindOtp);
        q.bind(1, id.value());
        if (!q.step()) return std::nullopt;
        return Otp{PersonId{q.integer(0)}, q.text(1), q.text(2) == "first" ? OtpKind::first : OtpKind::reset,
                   from_unix(q.integer(3)), from_unix(q.integer(4)), static_cast<int>(q.integer(5))};
    }
    int count_wrong(PersonId id) override {
        Query q(c_, kOtpWrong);
        q.bind(1, id.value());
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }
    bool consume(PersonId id, const std::string& hash, Timestamp now) override {
        Query q(c_, kConsumeOtp);
        q.bind(1, id.value()).bind(2, hash).bind(3, now);
        q.run();
        return q.changes() == 1;
    }
    void remove(PersonId id) override {
        Query q(c_, kRemoveOtp);
        q.bind(1, id.value());
        q.run();
    }

   private:
    Connection& c_;
};

class SqliteKioskFlows final : public ports::KioskFlows {
   public:
    explicit SqliteKioskFlows(Connection& c) : c_(c) {}
    void create(const KioskFlow& f) override {
        Query q(c_, kCreateFlow);
        q.bind(1, f.id_hash).bind(2, flow_kind_name(f.kind)).bind(3, flow_stage_name(f.stage));
        bind_person(q, 4, f.person);
        q.bind(5, f.csrf_token).bind(6, f.captcha_answer).bind(7, f.captcha_expires_at).bind(8, f.created_at);
        q.bind(9, f.expires_at);
        q.run();
    }
    std::optional<KioskFlow> find(const std::string& id_hash) override {
        Query q(c_, kFindFlow);
        q.bind(1, id_hash);
        if (!q.step()) return std::nullopt;
        KioskFlow f;
        f.id_hash = q.text(0);
        f.kind = q.text(1) == "forgot" ? FlowKind::forgot : FlowKind::sign_in;
        f.stage = parse_flow_stage(q.text(2));
        if (!q.is_null(3)) f.person = PersonId{q.integer(3)};
        f.csrf_token = q.text(4);
        f.captcha_answer = q.text(5);
        f.captcha_expires_at = from_unix(q.integer(6));
        f.created_at = from_unix(q.integer(7));
        f.expires_at = from_unix(q.integer(8));
        return f;
    }
    void update(const KioskFlow& f) override {
        Query q(c_, kUpdateFlow);
        q.bind(1, f.id_hash).bind(2, flow_kind_name(f.kind)).bind(3, flow_stage_name(f.stage));
        bind_person(q, 4, f.person);
        q.bind(5, f.captcha_answer).bind(6, f.captcha_expires_at).bind(7, f.expires_at);
        q.run();
    }
    void remove(const std::string& id_hash) override {
        Query q(c_, kRemoveFlow);
        q.bind(1, id_hash);
        q.run();
    }
    int remove_expired(Timestamp now) override {
        Query q(c_, kRemoveExpiredFlows);
        q.bind(1, now);
        q.run();
        return q.changes();
    }

   private:
    static void bind_person(Query& q, int i, const std::optional<PersonId>& p) {
        if (p)
            q.bind(i, p->value());
        else
            q.bind_null(i);
    }
    Connection& c_;
};

class SqlitePasswordHistory final : public ports::PasswordHistory {
   public:
    explicit SqlitePasswordHistory(Connection& c) : c_(c) {}
    void add(PersonId id, const std::string& hash, Timestamp at) override {
        Query q(c_, kAddHistory);
        q.bind(1, id.value()).bind(2, hash).bind(3, at);
        q.run();
    }
    std::vector<std::string> last(PersonId id, int n) override {
        Query q(c_, kLastHistory);
        q.bind(1, id.value()).bind(2, std::int64_t{n});
        std::vector<std::string> out;
        while (q.step()) out.push_back(q.text(0));
        return out;
    }

   private:
    Connection& c_;
};

class SqliteLetters final : public ports::Letters {
   public:
    explicit SqliteLetters(Connection& c) : c_(c) {}
    std::int64_t queue(PersonId id, const SchoolCode& school, Timestamp now) override {
        Query q(c_, kQueueLetter);
        q.bind(1, id.value()).bind(2, school.value()).bind(3, now);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    std::optional<LetterRow> claim(Timestamp now, Timestamp lease_until) override {
        Query q(c_, kClaimLetter);
        q.bind(1, now).bind(2, lease_until);
        if (!q.step()) return std::nullopt;
        auto l = read(q);
        q.run();  // finish the statement
        return l;
    }
    std::vector<LetterRow> newly_waiting(Timestamp now) override {
        Query q(c_, kNewlyWaiting);
        q.bind(1, now);
        std::vector<LetterRow> out;
        while (q.step()) out.push_back(read(q));
        return out;
    }
    void rendered(std::int64_t id, const std::string& path, Timestamp now) override {
        Query q(c_, kLetterRendered);
        q.bind(1, id).bind(2, path).bind(3, now);
        q.run();
    }
    void render_failed(std::int64_t id, const std::string& error, Timestamp retry_at) override {
        Query q(c_, kLetterFailed);
        q.bind(1, id).bind(2, error).bind(3, retry_at);
        q.run();
    }
    std::vector<LetterRow> list(std::optional<LetterStatus> status, int limit) override {
        static const std::string all = std::string("SELECT ") + kLetterColumns + " FROM letters ORDER BY id DESC LIMIT ?1";
        static const std::string some =
            std::string("SELECT ") + kLetterColumns + " FROM letters WHERE status = ?2 ORDER BY id DESC LIMIT ?1";
        Query q(c_, status ? some.c_str() : all.c_str());
        q.bind(1, std::int64_t{limit});
        if (status) q.bind(2, status_name(*status));
        std::vector<LetterRow> out;
        while (q.step()) out.push_back(read(q));
        return out;
    }
    std::optional<LetterRow> find(std::int64_t id) override {
        static const std::string one = std::string("SELECT ") + kLetterColumns + " FROM letters WHERE id = ?1";
        Query q(c_, one.c_str());
        q.bind(1, id);
        if (!q.step()) return std::nullopt;
        return read(q);
    }
    bool mark_posted(std::int64_t id, Timestamp now) override {
        Query q(c_, kLetterPosted);
        q.bind(1, id).bind(2, now);
        q.run();
        return q.changes() > 0;
    }

   private:
    static std::string_view status_name(LetterStatus s) {
        return s == LetterStatus::queued ? "queued" : s == LetterStatus::rendered ? "rendered" : "posted";
    }
    static LetterRow read(const Query& q) {
        LetterRow r;
        r.id = q.integer(0);
        r.person = PersonId{q.integer(1)};
        r.school = q.text(2);
        const auto st = q.text(3);
        r.status = st == "posted" ? LetterStatus::posted : st == "rendered" ? LetterStatus::rendered : LetterStatus::queued;
        r.path = q.text(4);
        r.last_error = q.text(5);
        r.created_at = from_unix(q.integer(6));
        if (!q.is_null(7)) r.rendered_at = from_unix(q.integer(7));
        if (!q.is_null(8)) r.posted_at = from_unix(q.integer(8));
        r.address_missing = q.integer(9) != 0;
        return r;
    }
    Connection& c_;
};

class SqliteOutbox final : public ports::Outbox {
   public:
    explicit SqliteOutbox(Connection& c) : c_(c) {}
    std::int64_t enqueue(const OutboxMail& m) override {
        Query q(c_, kEnqueue);
        q.bind(1, to_string(m.kind));
        if (m.person)
            q.bind(2, m.person->value());
        else
            q.bind_null(2);
        q.bind(3, m.recipient).bind(4, m.lang).bind(5, m.params).bind(6, m.not_before).bind(7, m.created_at);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    std::optional<OutboxMail> claim(Timestamp now, Timestamp lease_until) override {
        Query q(c_, kClaim);
        q.bind(1, now).bind(2, lease_until);
        if (!q.step()) return std::nullopt;
        auto m = read(q);
        q.run();  // finish the statement
        return m;
    }
    void mark_sent(std::int64_t id, Timestamp now, const std::string& detail) override {
        Query q(c_, kMarkSent);
        q.bind(1, id).bind(2, now).bind(3, detail);
        q.run();
    }
    void retry_at(std::int64_t id, Timestamp when, const std::string& detail) override {
        Query q(c_, kRetryAt);
        q.bind(1, id).bind(2, when).bind(3, detail);
        q.run();
    }
    void mark_failed(std::int64_t id, const std::string& detail) override {
        Query q(c_, kMarkFailed);
        q.bind(1, id).bind(2, detail);
        q.run();
    }
    std::vector<OutboxMail> list(std::optional<MailStatus> status, int limit) override {
        // Two fixed statements rather than SQL assembled at run time.
        static const std::string all = std::string("SELECT ") + kOutboxColumns + " FROM outbox ORDER BY id DESC LIMIT ?1";
        static const std::string some =
            std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE status = ?2 ORDER BY id DESC LIMIT ?1";
        Query q(c_, status ? some.c_str() : all.c_str());
        q.bind(1, std::int64_t{limit});
        if (status) q.bind(2, to_string(*status));
        std::vector<OutboxMail> out;
        while (q.step()) out.push_back(read(q));
        return out;
    }
    int retry_failed(std::optional<std::int64_t> id, Timestamp now) override {
        Query q(c_, id ? kRetryFailedOne : kRetryFailedAll);
        if (id)
            q.bind(1, *id).bind(2, now);
        else
            q.bind(1, now);
        q.run();
        return q.changes();
    }
    int count_since(PersonId id, MailKind kind, Timestamp since) override {
        Query q(c_, kCountSince);
        q.bind(1, id.value()).bind(2, to_string(kind)).bind(3, since);
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }
    int count_pending(PersonId id, MailKind kind) override {
        Query q(c_, kCountPending);
        q.bind(1, id.value()).bind(2, to_string(kind));
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }

   private:
    static OutboxMail read(const Query& q) {
        OutboxMail m;
        m.id = q.integer(0);
        m.kind = parse_mail_kind(q.text(1)).value_or(MailKind::password_changed);
        if (!q.is_null(2)) m.person = PersonId{q.integer(2)};
        m.recipient = q.text(3);
        m.lang = q.text(4);
        m.params = q.text(5);
        const auto st = q.text(6);
        m.status = st == "sent" ? MailStatus::sent : st == "failed" ? MailStatus::failed : MailStatus::pending;
        m.not_before = from_unix(q.integer(7));
        m.attempts = static_cast<int>(q.integer(8));
        m.last_error = q.text(9);
        m.created_at = from_unix(q.integer(10));
        if (!q.is_null(11)) m.sent_at = from_unix(q.integer(11));
        return m;
    }
    Connection& c_;
};

// ---- Studietider och utbildningar (issue [5]) --------------------------------------------------

constexpr const char* kEducations =
    "SELECT id, school_code, code, name, level, unit, total_credits, distance, contract, withdrawn_at, created_at, "
    "updated_at FROM educations WHERE school_code = ?1 ORDER BY code";
constexpr const char* kEducation =
    "SELECT id, school_code, code, name, level, unit, total_credits, distance, contract, withdrawn_at, created_at, "
    "updated_at FROM educations WHERE school_code = ?1 AND code = ?2";
constexpr const char* kAddEducation =
    "INSERT INTO educations (school_code, code, name, level, unit, total_credits, distance, contract, created_at, "
    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) ON CONFLICT DO NOTHING";
constexpr const char* kUpdateEducation =
    "UPDATE educations SET name = ?2, level = ?3, unit = ?4, total_credits = ?5, distance = ?6, contract = ?7, "
    "updated_at = ?8 WHERE id = ?1";
constexpr const char* kWithdrawEducation =
    "UPDATE educations SET withdrawn_at = ?2 WHERE id = ?1 AND withdrawn_at IS NULL";
constexpr const char* kPeriods =
    "SELECT id, education_id, label, first_day, last_day, credits, pace, breaks, published_version, changed, "
    "withdrawn_at, updated_at, updated_by FROM study_periods WHERE education_id = ?1 ORDER BY first_day, id";
constexpr const char* kPeriod =
    "SELECT id, education_id, label, first_day, last_day, credits, pace, breaks, published_version, changed, "
    "withdrawn_at, updated_at, updated_by FROM study_periods WHERE id = ?1";
constexpr const char* kAddPeriod =
    "INSERT INTO study_periods (education_id, label, first_day, last_day, credits, pace, breaks, updated_at, "
    "updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kUpdatePeriod =
    "UPDATE study_periods SET label = ?2, first_day = ?3, last_day = ?4, credits = ?5, pace = ?6, breaks = ?7, "
    "changed = 1, updated_at = ?8, updated_by = ?9 WHERE id = ?1";
constexpr const char* kAddVersion =
    "INSERT INTO study_period_versions (period_id, version, label, first_day, last_day, credits, pace, breaks, weeks, "
    "derived_pace, paid_weeks, published_at, published_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr const char* kMarkPublished =
    "UPDATE study_periods SET published_version = ?2, changed = 0 WHERE id = ?1";
constexpr const char* kWithdrawPeriod =
    "UPDATE study_periods SET withdrawn_at = ?2 WHERE id = ?1 AND withdrawn_at IS NULL";
constexpr const char* kVersions =
    "SELECT period_id, version, label, first_day, last_day, credits, pace, breaks, weeks, derived_pace, paid_weeks, "
    "published_at, published_by FROM study_period_versions WHERE period_id = ?1 ORDER BY version DESC";
constexpr const char* kContacts =
    "SELECT id, school_code, name, role, email, phone FROM school_contacts WHERE school_code = ?1 ORDER BY name, id";
constexpr const char* kAddContact =
    "INSERT INTO school_contacts (school_code, name, role, email, phone) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kRemoveContact = "DELETE FROM school_contacts WHERE school_code = ?1 AND id = ?2";
constexpr const char* kSchoolPeriods =
    "SELECT p.id, p.education_id, p.label, p.first_day, p.last_day, p.credits, p.pace, p.breaks, p.published_version, "
    "p.changed, p.withdrawn_at, p.updated_at, p.updated_by FROM study_periods p JOIN educations e ON e.id = p.education_id "
    "WHERE e.school_code = ?1 ORDER BY p.education_id, p.first_day, p.id";

// Ansök om studiemedel (migration 0006): the change log the triggers write, and what the index in
// memory and the result pages read.
constexpr const char* kSearchChangeBounds =
    "SELECT coalesce((SELECT max(seq) FROM search_changes), 0), coalesce((SELECT min(seq) FROM search_changes), 0)";
constexpr const char* kSearchChanged =
    "SELECT DISTINCT education_id FROM search_changes WHERE seq > ?1 LIMIT ?2";
// An education's name and school, and the labels of its published periods not withdrawn joined by
// U+001F (a label is one line of text): of every education not withdrawn, or of those in ?1.
constexpr const char* kSearchEntriesAll =
    "SELECT e.id, s.code, s.name, e.code, e.name, e.withdrawn_at IS NOT NULL, "
    "(SELECT group_concat(v.label, char(31)) FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id "
    "AND v.version = p.published_version WHERE p.education_id = e.id AND p.withdrawn_at IS NULL "
    "AND p.published_version > 0) FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.withdrawn_at IS NULL";
constexpr const char* kSearchEntriesOf =
    "SELECT e.id, s.code, s.name, e.code, e.name, e.withdrawn_at IS NOT NULL, "
    "(SELECT group_concat(v.label, char(31)) FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id "
    "AND v.version = p.published_version WHERE p.education_id = e.id AND p.withdrawn_at IS NULL "
    "AND p.published_version > 0) FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.id IN (SELECT value FROM json_each(?1))";
constexpr const char* kPublicEducations =
    "SELECT e.id, e.school_code, e.code, e.name, e.level, e.unit, e.total_credits, e.distance, e.contract, "
    "e.withdrawn_at, e.created_at, e.updated_at, s.name FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.id IN (SELECT value FROM json_each(?1))";
/// The newest published version of every period not withdrawn of the educations in ?1 (a JSON array
/// of ids), by education and first day; the education's id last.
constexpr const char* kPublicPeriods =
    "SELECT v.period_id, v.version, v.label, v.first_day, v.last_day, v.credits, v.pace, v.breaks, v.weeks, "
    "v.derived_pace, v.paid_weeks, v.published_at, v.published_by, p.education_id "
    "FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id AND v.version = p.published_version "
    "WHERE p.education_id IN (SELECT value FROM json_each(?1)) AND p.withdrawn_at IS NULL AND p.published_version > 0 "
    "ORDER BY p.education_id, v.first_day, v.period_id";

/// An education from the 12 columns of kEducation, starting at `col`.
Education read_education(const Query& q, int col = 0) {
    Education e;
    e.id = q.integer(col);
    e.school = SchoolCode{q.text(col + 1)};
    e.code = q.text(col + 2);
    e.name = q.text(col + 3);
    e.level = studietider::parse_level(q.text(col + 4)).value_or(studietider::Level::eftergymnasial);
    e.unit = studietider::parse_credit_unit(q.text(col + 5)).value_or(studietider::CreditUnit::none);
    if (!q.is_null(col + 6)) e.total_credits = studietider::Credits{q.integer(col + 6)};
    e.distance = q.integer(col + 7) != 0;
    e.contract = q.integer(col + 8) != 0;
    if (!q.is_null(col + 9)) e.withdrawn_at = from_unix(q.integer(col + 9));
    e.created_at = from_unix(q.integer(col + 10));
    e.updated_at = from_unix(q.integer(col + 11));
    return e;
}

/// label, first_day, last_day, credits, pace, breaks from `col` on.
studietider::PeriodInput read_period_input(const Query& q, int col) {
    studietider::PeriodInput in;
    in.label = q.text(col);
    in.first = parse_date(q.text(col + 1)).value_or(Date{});
    in.last = parse_date(q.text(col + 2)).value_or(Date{});
    if (!q.is_null(col + 3)) in.credits = studietider::Credits{q.integer(col + 3)};
    if (!q.is_null(col + 4)) in.pace = static_cast<studietider::Pace>(q.integer(col + 4));  // stored as its percent
    in.breaks = studietider::parse_breaks(q.text(col + 5)).value_or(std::vector<DateRange>{});
    return in;
}

PublishedPeriod read_version(const Query& q, int col = 0) {
    PublishedPeriod v;
    v.period = q.integer(col);
    v.version = static_cast<int>(q.integer(col + 1));
    v.input = read_period_input(q, col + 2);
    v.weeks = static_cast<int>(q.integer(col + 8));
    v.pace = static_cast<studietider::Pace>(q.integer(col + 9));
    v.paid_weeks = static_cast<int>(q.integer(col + 10));
    v.published_at = from_unix(q.integer(col + 11));
    v.published_by = q.text(col + 12);
    return v;
}

/// Binds label, first_day, last_day, credits, pace, breaks at `first`…`first + 5`.
void bind_period_input(Query& q, int first, const studietider::PeriodInput& in) {
    q.bind(first, in.label).bind(first + 1, to_string(in.first)).bind(first + 2, to_string(in.last));
    if (in.credits) q.bind(first + 3, in.credits->hundredths);
    else q.bind_null(first + 3);
    if (in.pace) q.bind(first + 4, std::int64_t{studietider::percent(*in.pace)});
    else q.bind_null(first + 4);
    q.bind(first + 5, studietider::format_breaks(in.breaks));
}

/// Ids as a JSON array for json_each: "[1,2,3]".
std::string json_ids(const std::vector<std::int64_t>& ids) {
    std::string out = "[";
    for (const auto id : ids) {
        if (out.size() > 1) out += ',';
        out += std::to_string(id);
    }
    return out + "]";
}

class SqliteStudietider final : public ports::Studietider {
   public:
    explicit SqliteStudietider(Connection& c) : c_(c) {}

    std::vector<Education> educations(const SchoolCode& school) override {
        Query q(c_, kEducations);
        q.bind(1, school.value());
        std::vector<Education> out;
        while (q.step()) out.push_back(read_education(q));
        return out;
    }
    std::optional<Education> education(const SchoolCode& school, const std::string& code) override {
        Query q(c_, kEducation);
        q.bind(1, school.value()).bind(2, code);
        if (!q.step()) return std::nullopt;
        return read_education(q);
    }
    std::optional<std::int64_t> add_education(const Education& e) override {
        Query q(c_, kAddEducation);
        q.bind(1, e.school.value()).bind(2, e.code).bind(3, e.name).bind(4, studietider::to_string(e.level));
        q.bind(5, studietider::to_string(e.unit));
        if (e.total_credits) q.bind(6, e.total_credits->hundredths);
        else q.bind_null(6);
        q.bind(7, std::int64_t{e.distance}).bind(8, std::int64_t{e.contract}).bind(9, e.created_at);
        q.run();
        if (q.changes() == 0) return std::nullopt;
        return sqlite3_last_insert_rowid(c_.raw());
    }
    bool update_education(const Education& e) override {
        Query q(c_, kUpdateEducation);
        q.bind(1, e.id).bind(2, e.name).bind(3, studietider::to_string(e.level)).bind(4, studietider::to_string(e.unit));
        if (e.total_credits) q.bind(5, e.total_credits->hundredths);
        else q.bind_null(5);
        q.bind(6, std::int64_t{e.distance}).bind(7, std::int64_t{e.contract}).bind(8, e.updated_at);
        q.run();
        return q.changes() > 0;
    }
    bool withdraw_education(std::int64_t id, Timestamp at) override {
        Query q(c_, kWithdrawEducation);
        q.bind(1, id).bind(2, at);
        q.run();
        return q.changes() > 0;
    }
    std::vector<StudyPeriod> periods(std::int64_t education) override {
        Query q(c_, kPeriods);
        q.bind(1, education);
        std::vector<StudyPeriod> out;
        while (q.step()) out.push_back(read_study_period(q));
        return out;
    }
    std::optional<StudyPeriod> period(std::int64_t id) override {
        Query q(c_, kPeriod);
        q.bind(1, id);
        if (!q.step()) return std::nullopt;
        return read_study_period(q);
    }
    std::int64_t add_period(const StudyPeriod& p) override {
        Query q(c_, kAddPeriod);
        q.bind(1, p.education);
        bind_period_input(q, 2, p.input);
        q.bind(8, p.updated_at).bind(9, p.updated_by);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    bool update_period(const StudyPeriod& p) override {
        Query q(c_, kUpdatePeriod);
        q.bind(1, p.id);
        bind_period_input(q, 2, p.input);
        q.bind(8, p.updated_at).bind(9, p.updated_by);
        q.run();
        return q.changes() > 0;
    }
    void publish_period(const PublishedPeriod& v) override {
        {
            Query q(c_, kAddVersion);
            q.bind(1, v.period).bind(2, std::int64_t{v.version});
            bind_period_input(q, 3, v.input);
            q.bind(9, std::int64_t{v.weeks}).bind(10, std::int64_t{studietider::percent(v.pace)});
            q.bind(11, std::int64_t{v.paid_weeks}).bind(12, v.published_at).bind(13, v.published_by);
            q.run();
        }
        Query q(c_, kMarkPublished);
        q.bind(1, v.period).bind(2, std::int64_t{v.version});
        q.run();
    }
    bool withdraw_period(std::int64_t id, Timestamp at) override {
        Query q(c_, kWithdrawPeriod);
        q.bind(1, id).bind(2, at);
        q.run();
        return q.changes() > 0;
    }
    std::vector<PublishedPeriod> versions(std::int64_t period) override {
        Query q(c_, kVersions);
        q.bind(1, period);
        std::vector<PublishedPeriod> out;
        while (q.step()) out.push_back(read_version(q));
        return out;
    }
    std::vector<SchoolContact> contacts(const SchoolCode& school) override {
        Query q(c_, kContacts);
        q.bind(1, school.value());
        std::vector<SchoolContact> out;
        while (q.step())
            out.push_back({q.integer(0), SchoolCode{q.text(1)}, q.text(2), q.text(3), q.text(4), q.text(5)});
        return out;
    }
    std::int64_t add_contact(const SchoolContact& c) override {
        Query q(c_, kAddContact);
        q.bind(1, c.school.value()).bind(2, c.name).bind(3, c.role).bind(4, c.email).bind(5, c.phone);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    bool remove_contact(const SchoolCode& school, std::int64_t id) override {
        Query q(c_, kRemoveContact);
        q.bind(1, school.value()).bind(2, id);
        q.run();
        return q.changes() > 0;
    }
    std::vector<StudyPeriod> school_periods(const SchoolCode& school) override {
        Query q(c_, kSchoolPeriods);
        q.bind(1, school.value());
        std::vector<StudyPeriod> out;
        while (q.step()) out.push_back(read_study_period(q));
        return out;
    }
    SearchChanges search_changes(std::int64_t after, int limit) override {
        SearchChanges out;
        {
            Query q(c_, kSearchChangeBounds);
            if (q.step()) {
                out.latest = q.integer(0);
                out.oldest = q.integer(1);
            }
        }
        if (out.latest <= after) return out;
        Query q(c_, kSearchChanged);
        q.bind(1, after).bind(2, std::int64_t{limit});
        while (q.step()) out.educations.push_back(q.integer(0));
        return out;
    }
    std::vector<studietider::SearchEntry> search_entries(const std::vector<std::int64_t>& ids) override {
        std::vector<studietider::SearchEntry> out;
        Query q(c_, ids.empty() ? kSearchEntriesAll : kSearchEntriesOf);
        if (!ids.empty()) q.bind(1, json_ids(ids));
        while (q.step()) {
            studietider::SearchEntry e{q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.integer(5) != 0, {}};
            if (!q.is_null(6)) e.terms = studietider::split_labels(q.text(6));
            out.push_back(std::move(e));
        }
        return out;
    }
    std::vector<PublicEducation> public_educations(const std::vector<std::int64_t>& ids) override {
        if (ids.empty()) return {};
        const std::string list = json_ids(ids);
        std::unordered_map<std::int64_t, PublicEducation> found;
        {
            Query q(c_, kPublicEducations);
            q.bind(1, list);
            while (q.step()) {
                auto e = read_education(q);
                const auto id = e.id;
                found.emplace(id, PublicEducation{std::move(e), q.text(12), {}});
            }
        }
        Query q(c_, kPublicPeriods);
        q.bind(1, list);
        while (q.step())
            if (auto it = found.find(q.integer(13)); it != found.end()) it->second.periods.push_back(read_version(q));
        std::vector<PublicEducation> out;
        for (const auto id : ids)
            if (auto it = found.find(id); it != found.end()) out.push_back(std::move(it->second));
        return out;
    }

   private:
    static StudyPeriod read_study_period(const Query& q) {
        StudyPeriod p;
        p.id = q.integer(0);
        p.education = q.integer(1);
        p.input = read_period_input(q, 2);
        p.published_version = static_cast<int>(q.integer(8));
        p.changed = q.integer(9) != 0;
        if (!q.is_null(10)) p.withdrawn_at = from_unix(q.integer(10));
        p.updated_at = from_unix(q.integer(11));
        p.updated_by = q.text(12);
        return p;
    }
    Connection& c_;
};

// Studeranderapportering (issue [6]): students, enrollments, report events, submissions, API keys.
// A student is the person (students) with the reading school's own name for them (school_students):
// no statement reads a name of another school's. ?1 is the school ('' for none: no name).
constexpr const char* kStudentByHash =
    "SELECT s.id, s.lookup_hash, s.sealed, coalesce(w.name, ''), s.protected_identity, s.created_at FROM students s "
    "LEFT JOIN school_students w ON w.school_code = ?1 AND w.student_id = s.id WHERE s.lookup_hash = ?2";
constexpr const char* kStudentById =
    "SELECT s.id, s.lookup_hash, s.sealed, coalesce(w.name, ''), s.protected_identity, s.created_at FROM students s "
    "LEFT JOIN school_students w ON w.school_code = ?1 AND w.student_id = s.id WHERE s.id = ?2";
constexpr const char* kAddStudent =
    "INSERT INTO students (lookup_hash, sealed, protected_identity, created_at) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kSetStudentName =
    "INSERT INTO school_students (school_code, student_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) "
    "ON CONFLICT (school_code, student_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at";
constexpr const char* kSetProtected = "UPDATE students SET protected_identity = ?2 WHERE id = ?1";
constexpr const char* kEnrollmentsOf =
    "SELECT n.id, n.school_code, n.student_id, n.education_id, n.period_id, n.support, n.first_day, n.last_day, "
    "n.pace, n.state, e.code, e.name, p.label, n.created_at, n.created_by "
    "FROM enrollments n JOIN educations e ON e.id = n.education_id JOIN study_periods p ON p.id = n.period_id "
    "WHERE n.school_code = ?1 AND n.student_id = ?2 ORDER BY n.id";
// Every enrollment of the school: a statement of its own, so that one student's uses the index.
constexpr const char* kSchoolEnrollments =
    "SELECT n.id, n.school_code, n.student_id, n.education_id, n.period_id, n.support, n.first_day, n.last_day, "
    "n.pace, n.state, e.code, e.name, p.label, n.created_at, n.created_by "
    "FROM enrollments n JOIN educations e ON e.id = n.education_id JOIN study_periods p ON p.id = n.period_id "
    "WHERE n.school_code = ?1 ORDER BY n.id";
constexpr const char* kEnrollmentById =
    "SELECT n.id, n.school_code, n.student_id, n.education_id, n.period_id, n.support, n.first_day, n.last_day, "
    "n.pace, n.state, e.code, e.name, p.label, n.created_at, n.created_by "
    "FROM enrollments n JOIN educations e ON e.id = n.education_id JOIN study_periods p ON p.id = n.period_id "
    "WHERE n.id = ?1";
constexpr const char* kAddEnrollment =
    "INSERT INTO enrollments (school_code, student_id, education_id, period_id, support, first_day, last_day, pace, "
    "state, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr const char* kSetEnrollmentState = "UPDATE enrollments SET state = ?2 WHERE id = ?1";
#define MINA_EVENT_COLUMNS                                                                                      \
    "r.id, r.enrollment_id, r.school_code, r.kind, r.day, r.last_day, r.pace, r.credits, r.hours, r.passed, "  \
    "r.supersedes, r.reason, r.channel, r.submission_id, r.reported_at, r.reported_month, r.reported_by"
constexpr const char* kEventsOf = "SELECT " MINA_EVENT_COLUMNS " FROM report_events r WHERE r.enrollment_id = ?1 ORDER BY r.id";
constexpr const char* kSchoolEvents =
    "SELECT " MINA_EVENT_COLUMNS " FROM report_events r WHERE r.school_code = ?1 ORDER BY r.enrollment_id, r.id";
constexpr const char* kAddEvent =
    "INSERT INTO report_events (enrollment_id, school_code, kind, day, last_day, pace, credits, hours, passed, "
    "supersedes, reason, channel, submission_id, reported_at, reported_month, reported_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
// One statement for every filter: an unused one is bound NULL. The name is the one the report's
// school recorded (w), and so is the name searched for.
#define MINA_LIST_WHERE                                                                                   \
    "FROM report_events r JOIN enrollments n ON n.id = r.enrollment_id JOIN students s ON s.id = n.student_id " \
    "LEFT JOIN school_students w ON w.school_code = n.school_code AND w.student_id = n.student_id "         \
    "JOIN educations e ON e.id = n.education_id JOIN study_periods p ON p.id = n.period_id "               \
    "JOIN schools c ON c.code = r.school_code "                                                            \
    "WHERE (?1 IS NULL OR r.school_code = ?1) AND (?2 IS NULL OR s.lookup_hash = ?2) "                      \
    "AND (?3 IS NULL OR instr(lower(w.name), lower(?3)) > 0) AND (?4 IS NULL OR e.code = ?4) "              \
    "AND (?5 IS NULL OR p.label = ?5) AND (?6 IS NULL OR r.kind = ?6) AND (?7 IS NULL OR r.reported_month = ?7) "
constexpr const char* kList = "SELECT " MINA_EVENT_COLUMNS ", s.id, s.lookup_hash, s.sealed, coalesce(w.name, ''), "
                              "s.protected_identity, s.created_at, e.code, e.name, p.label, c.name " MINA_LIST_WHERE
                              "ORDER BY r.id DESC LIMIT ?8 OFFSET ?9";
constexpr const char* kListCount = "SELECT count(*) " MINA_LIST_WHERE;
#undef MINA_LIST_WHERE
constexpr const char* kCounts =
    "SELECT r.school_code, c.name, r.kind, r.reported_month, count(*) FROM report_events r "
    "JOIN schools c ON c.code = r.school_code WHERE r.reported_month >= ?1 "
    "GROUP BY r.school_code, c.name, r.kind, r.reported_month ORDER BY r.reported_month DESC, c.name, r.kind";
constexpr const char* kAddSubmission =
    "INSERT INTO report_submissions (school_code, channel, file_name, sha256, row_count, accepted, refused, duplicates, "
    "saved, state, uploaded_by, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
constexpr const char* kAddSubmissionError =
    "INSERT INTO report_submission_errors (submission_id, line, field, message) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kFinishSubmission = "UPDATE report_submissions SET state = ?2, saved = ?3 WHERE id = ?1";
#define MINA_SUBMISSION_COLUMNS                                                                                 \
    "id, school_code, channel, file_name, sha256, row_count, accepted, refused, duplicates, saved, state, "      \
    "uploaded_by, uploaded_at"
constexpr const char* kSubmissions =
    "SELECT " MINA_SUBMISSION_COLUMNS " FROM report_submissions WHERE school_code = ?1 ORDER BY id DESC LIMIT ?2";
constexpr const char* kSubmission =
    "SELECT " MINA_SUBMISSION_COLUMNS " FROM report_submissions WHERE school_code = ?1 AND id = ?2";
#undef MINA_SUBMISSION_COLUMNS
constexpr const char* kSubmissionErrors =
    "SELECT line, field, message FROM report_submission_errors WHERE submission_id = ?1 ORDER BY line, id";
#define MINA_KEY_COLUMNS "id, school_code, name, digest, prefix, created_at, created_by, revoked_at, last_used_at"
constexpr const char* kAddKey =
    "INSERT INTO api_keys (school_code, name, digest, prefix, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kKeys = "SELECT " MINA_KEY_COLUMNS " FROM api_keys WHERE school_code = ?1 ORDER BY id DESC";
constexpr const char* kKeyByDigest = "SELECT " MINA_KEY_COLUMNS " FROM api_keys WHERE digest = ?1";
#undef MINA_KEY_COLUMNS
constexpr const char* kRevokeKey =
    "UPDATE api_keys SET revoked_at = ?3 WHERE school_code = ?1 AND id = ?2 AND revoked_at IS NULL";
constexpr const char* kKeyUsed = "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1";
constexpr const char* kVaultCheck = "SELECT value FROM identity_key_check WHERE id = 1";
constexpr const char* kSetVaultCheck = "INSERT INTO identity_key_check (id, value) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING";

Student read_student(const Query& q, int col = 0) {
    Student s;
    s.id = q.integer(col);
    s.lookup_hash = q.text(col + 1);
    s.sealed = q.text(col + 2);
    s.name = q.text(col + 3);
    s.protected_identity = q.integer(col + 4) != 0;
    s.created_at = from_unix(q.integer(col + 5));
    return s;
}

StudentEnrollment read_enrollment(const Query& q) {
    StudentEnrollment n;
    n.id = q.integer(0);
    n.school = SchoolCode{q.text(1)};
    n.student = q.integer(2);
    n.education = q.integer(3);
    n.period = q.integer(4);
    n.plan.support = reports::parse_support(q.text(5)).value_or(reports::Support::unknown);
    n.plan.first = parse_date(q.text(6)).value_or(Date{});
    n.plan.last = parse_date(q.text(7)).value_or(Date{});
    n.plan.pace = static_cast<studietider::Pace>(q.integer(8));  // stored as its percent
    n.state = reports::parse_state(q.text(9)).value_or(reports::State::planned);
    n.education_code = q.text(10);
    n.education_name = q.text(11);
    n.period_label = q.text(12);
    n.created_at = from_unix(q.integer(13));
    n.created_by = q.text(14);
    return n;
}

/// An event from the 17 columns of MINA_EVENT_COLUMNS, starting at `col`.
ReportEvent read_event(const Query& q, int col = 0) {
    ReportEvent r;
    r.event.id = q.integer(col);
    r.enrollment = q.integer(col + 1);
    r.school = SchoolCode{q.text(col + 2)};
    r.event.kind = reports::parse_kind(q.text(col + 3)).value_or(reports::Kind::study_start);
    r.event.day = parse_date(q.text(col + 4)).value_or(Date{});
    if (!q.is_null(col + 5)) r.event.last = parse_date(q.text(col + 5));
    if (!q.is_null(col + 6)) r.event.pace = static_cast<studietider::Pace>(q.integer(col + 6));
    if (!q.is_null(col + 7)) r.event.credits = studietider::Credits{q.integer(col + 7)};
    r.event.hours = static_cast<int>(q.integer(col + 8));
    if (!q.is_null(col + 9)) r.event.passed = q.integer(col + 9) != 0;
    if (!q.is_null(col + 10)) r.event.supersedes = q.integer(col + 10);
    r.reason = q.text(col + 11);
    r.channel = parse_channel(q.text(col + 12)).value_or(Channel::web);
    if (!q.is_null(col + 13)) r.submission = q.integer(col + 13);
    r.reported_at = from_unix(q.integer(col + 14));
    r.reported_month = q.text(col + 15);
    r.reported_by = q.text(col + 16);
    return r;
}

Submission read_submission(const Query& q) {
    Submission s;
    s.id = q.integer(0);
    s.school = SchoolCode{q.text(1)};
    s.channel = parse_channel(q.text(2)).value_or(Channel::file);
    s.file_name = q.text(3);
    s.sha256 = q.text(4);
    s.rows = static_cast<int>(q.integer(5));
    s.accepted = static_cast<int>(q.integer(6));
    s.refused = static_cast<int>(q.integer(7));
    s.duplicates = static_cast<int>(q.integer(8));
    s.saved = static_cast<int>(q.integer(9));
    s.state = parse_submission_state(q.text(10)).value_or(SubmissionState::validated);
    s.uploaded_by = q.text(11);
    s.uploaded_at = from_unix(q.integer(12));
    return s;
}

ApiKey read_key(const Query& q) {
    ApiKey k;
    k.id = q.integer(0);
    k.school = SchoolCode{q.text(1)};
    k.name = q.text(2);
    k.digest = q.text(3);
    k.prefix = q.text(4);
    k.created_at = from_unix(q.integer(5));
    k.created_by = q.text(6);
    if (!q.is_null(7)) k.revoked_at = from_unix(q.integer(7));
    if (!q.is_null(8)) k.last_used_at = from_unix(q.integer(8));
    return k;
}

/// Binds `v` at `i`, or NULL when it is empty.
void bind_or_null(Query& q, int i, std::string_view v) {
    if (v.empty()) q.bind_null(i);
    else q.bind(i, v);
}

class SqliteReports final : public ports::Reports {
   public:
    explicit SqliteReports(Connection& c) : c_(c) {}

    std::optional<Student> student_by_hash(const SchoolCode& school, const std::string& lookup_hash) override {
        Query q(c_, kStudentByHash);
        q.bind(1, school.value()).bind(2, lookup_hash);
        if (!q.step()) return std::nullopt;
        return read_student(q);
    }
    std::optional<Student> student(const SchoolCode& school, std::int64_t id) override {
        Query q(c_, kStudentById);
        q.bind(1, school.value()).bind(2, id);
        if (!q.step()) return std::nullopt;
        return read_student(q);
    }
    std::int64_t add_student(const Student& s) override {
        Query q(c_, kAddStudent);
        q.bind(1, s.lookup_hash).bind(2, s.sealed).bind(3, std::int64_t{s.protected_identity}).bind(4, s.created_at);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    void set_name(const SchoolCode& school, std::int64_t student, const std::string& name, Timestamp at) override {
        Query q(c_, kSetStudentName);
        q.bind(1, school.value()).bind(2, student).bind(3, name).bind(4, at);
        q.run();
    }
    void set_protected(std::int64_t student, bool protected_identity) override {
        Query q(c_, kSetProtected);
        q.bind(1, student).bind(2, std::int64_t{protected_identity});
        q.run();
    }

    std::vector<StudentEnrollment> enrollments(const SchoolCode& school, std::int64_t student) override {
        Query q(c_, student != 0 ? kEnrollmentsOf : kSchoolEnrollments);
        q.bind(1, school.value());
        if (student != 0) q.bind(2, student);
        std::vector<StudentEnrollment> out;
        while (q.step()) out.push_back(read_enrollment(q));
        return out;
    }
    std::optional<StudentEnrollment> enrollment(std::int64_t id) override {
        Query q(c_, kEnrollmentById);
        q.bind(1, id);
        if (!q.step()) return std::nullopt;
        return read_enrollment(q);
    }
    std::int64_t add_enrollment(const StudentEnrollment& n) override {
        Query q(c_, kAddEnrollment);
        q.bind(1, n.school.value()).bind(2, n.student).bind(3, n.education).bind(4, n.period);
        q.bind(5, reports::to_string(n.plan.support)).bind(6, to_string(n.plan.first)).bind(7, to_string(n.plan.last));
        q.bind(8, std::int64_t{studietider::percent(n.plan.pace)}).bind(9, reports::to_string(n.state));
        q.bind(10, n.created_at).bind(11, n.created_by);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    void set_state(std::int64_t enrollment, reports::State state) override {
        Query q(c_, kSetEnrollmentState);
        q.bind(1, enrollment).bind(2, reports::to_string(state));
        q.run();
    }

    std::vector<ReportEvent> events(std::int64_t enrollment) override {
        Query q(c_, kEventsOf);
        q.bind(1, enrollment);
        std::vector<ReportEvent> out;
        while (q.step()) out.push_back(read_event(q));
        return out;
    }
    std::vector<ReportEvent> school_events(const SchoolCode& school) override {
        Query q(c_, kSchoolEvents);
        q.bind(1, school.value());
        std::vector<ReportEvent> out;
        while (q.step()) out.push_back(read_event(q));
        return out;
    }
    std::int64_t add_event(const ReportEvent& r) override {
        const auto& ev = r.event;
        Query q(c_, kAddEvent);
        q.bind(1, r.enrollment).bind(2, r.school.value()).bind(3, reports::to_string(ev.kind)).bind(4, to_string(ev.day));
        if (ev.last) q.bind(5, to_string(*ev.last));
        else q.bind_null(5);
        if (ev.pace) q.bind(6, std::int64_t{studietider::percent(*ev.pace)});
        else q.bind_null(6);
        if (ev.credits) q.bind(7, ev.credits->hundredths);
        else q.bind_null(7);
        q.bind(8, std::int64_t{ev.hours});
        if (ev.passed) q.bind(9, std::int64_t{*ev.passed});
        else q.bind_null(9);
        if (ev.supersedes != 0) q.bind(10, ev.supersedes);
        else q.bind_null(10);
        q.bind(11, r.reason).bind(12, to_string(r.channel));
        if (r.submission != 0) q.bind(13, r.submission);
        else q.bind_null(13);
        q.bind(14, r.reported_at).bind(15, r.reported_month).bind(16, r.reported_by);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }

    Page list(const ReportFilter& f) override {
        const auto bind_filter = [&](Query& q) {
            if (f.school) q.bind(1, f.school->value());
            else q.bind_null(1);
            bind_or_null(q, 2, f.lookup_hash);
            bind_or_null(q, 3, f.name);
            bind_or_null(q, 4, f.education);
            bind_or_null(q, 5, f.period);
            bind_or_null(q, 6, f.kind ? reports::to_string(*f.kind) : std::string_view{});
            bind_or_null(q, 7, f.month);
        };
        Page page;
        {
            Query q(c_, kList);
            bind_filter(q);
            q.bind(8, std::int64_t{f.limit}).bind(9, std::int64_t{f.offset});
            while (q.step()) {
                ReportListRow row;
                row.report = read_event(q);
                row.student = read_student(q, 17);
                row.education_code = q.text(23);
                row.education_name = q.text(24);
                row.period_label = q.text(25);
                row.school_name = q.text(26);
                page.rows.push_back(std::move(row));
            }
        }
        Query q(c_, kListCount);
        bind_filter(q);
        if (q.step()) page.total = q.integer(0);
        return page;
    }
    std::vector<ReportCount> counts(const std::string& from_month) override {
        Query q(c_, kCounts);
        q.bind(1, from_month);
        std::vector<ReportCount> out;
        while (q.step())
            out.push_back({SchoolCode{q.text(0)}, q.text(1),
                           reports::parse_kind(q.text(2)).value_or(reports::Kind::study_start), q.text(3), q.integer(4)});
        return out;
    }

    std::int64_t add_submission(const Submission& s) override {
        Query q(c_, kAddSubmission);
        q.bind(1, s.school.value()).bind(2, to_string(s.channel)).bind(3, s.file_name).bind(4, s.sha256);
        q.bind(5, std::int64_t{s.rows}).bind(6, std::int64_t{s.accepted}).bind(7, std::int64_t{s.refused});
        q.bind(8, std::int64_t{s.duplicates}).bind(9, std::int64_t{s.saved}).bind(10, to_string(s.state));
        q.bind(11, s.uploaded_by).bind(12, s.uploaded_at);
        q.run();
        const std::int64_t id = sqlite3_last_insert_rowid(c_.raw());
        for (const auto& e : s.errors) {
            Query eq(c_, kAddSubmissionError);
            eq.bind(1, id).bind(2, std::int64_t{e.line}).bind(3, e.field).bind(4, e.message);
            eq.run();
        }
        return id;
    }
    void finish_submission(std::int64_t id, SubmissionState state, int saved) override {
        Query q(c_, kFinishSubmission);
        q.bind(1, id).bind(2, to_string(state)).bind(3, std::int64_t{saved});
        q.run();
    }
    std::vector<Submission> submissions(const SchoolCode& school, int limit) override {
        Query q(c_, kSubmissions);
        q.bind(1, school.value()).bind(2, std::int64_t{limit});
        std::vector<Submission> out;
        while (q.step()) out.push_back(read_submission(q));
        return out;
    }
    std::optional<Submission> submission(const SchoolCode& school, std::int64_t id) override {
        std::optional<Submission> out;
        {
            Query q(c_, kSubmission);
            q.bind(1, school.value()).bind(2, id);
            if (!q.step()) return std::nullopt;
            out = read_submission(q);
        }
        Query q(c_, kSubmissionErrors);
        q.bind(1, id);
        while (q.step()) out->errors.push_back({static_cast<int>(q.integer(0)), q.text(1), q.text(2)});
        return out;
    }

    std::int64_t add_key(const ApiKey& k) override {
        Query q(c_, kAddKey);
        q.bind(1, k.school.value()).bind(2, k.name).bind(3, k.digest).bind(4, k.prefix).bind(5, k.created_at);
        q.bind(6, k.created_by);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    std::vector<ApiKey> keys(const SchoolCode& school) override {
        Query q(c_, kKeys);
        q.bind(1, school.value());
        std::vector<ApiKey> out;
        while (q.step()) out.push_back(read_key(q));
        return out;
    }
    bool revoke_key(const SchoolCode& school, std::int64_t id, Timestamp at) override {
        Query q(c_, kRevokeKey);
        q.bind(1, school.value()).bind(2, id).bind(3, at);
        q.run();
        return q.changes() > 0;
    }
    std::optional<ApiKey> key_by_digest(const std::string& digest) override {
        Query q(c_, kKeyByDigest);
        q.bind(1, digest);
        if (!q.step()) return std::nullopt;
        return read_key(q);
    }
    void key_used(std::int64_t id, Timestamp at) override {
        Query q(c_, kKeyUsed);
        q.bind(1, id).bind(2, at);
        q.run();
    }

    std::optional<std::string> vault_check() override {
        Query q(c_, kVaultCheck);
        if (!q.step()) return std::nullopt;
        return q.text(0);
    }
    void set_vault_check(const std::string& check) override {
        Query q(c_, kSetVaultCheck);
        q.bind(1, check);
        q.run();
    }

   private:
    Connection& c_;
};
#undef MINA_EVENT_COLUMNS

class SqliteUnit final : public ports::Unit,
                         ports::Accounts,
                         ports::Schools,
                         ports::Grants,
                         ports::Sessions,
                         ports::Throttle,
                         ports::Audit {
   public:
    SqliteUnit(Pool& pool, ports::TxMode mode)
        : pool_(pool), mode_(mode), writer_(lock_writer(pool, mode)), conn_(take_connection()) {
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
        const bool wrote =
            mode_ == ports::TxMode::write || sqlite3_total_changes64(conn_->raw()) != changes_at_begin_;
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
    ports::Accounts& accounts() override { return *this; }
    ports::Schools& schools() override { return *this; }
    ports::Grants& grants() override { return *this; }
    ports::Sessions& sessions() override { return *this; }
    ports::Throttle& throttle() override { return *this; }
    ports::Audit& audit() override { return *this; }
    ports::Otps& otps() override { return otps_; }
    ports::KioskFlows& kiosk_flows() override { return flows_; }
    ports::PasswordHistory& password_history() override { return history_; }
    ports::Outbox& outbox() override { return outbox_; }
    ports::Letters& letters() override { return letters_; }
    ports::Studietider& studietider() override { return studietider_; }
    ports::Reports& reports() override { return reports_; }

    // Accounts
    std::optional<Person> find(const Username& u) override {
        Query q(*conn_, kFindPersonByUsername);
        q.bind(1, u.value());
        if (!q.step()) return std::nullopt;
        return read_person(q);
    }
    std::optional<Person> find(PersonId id) override {
        Query q(*conn_, kFindPersonById);
        q.bind(1, id.value());
        if (!q.step()) return std::nullopt;
        return read_person(q);
    }
    std::optional<Person> find_by_email(std::string_view email) override {
        Query q(*conn_, kFindPersonByEmail);
        q.bind(1, email);
        if (!q.step()) return std::nullopt;
        return read_person(q);
    }
    std::optional<Credential> credential(PersonId id) override {
        Query q(*conn_, kCredential);
        q.bind(1, id.value());
        if (!q.step()) return std::nullopt;
        Credential c{id, q.text(0), std::nullopt};
        if (!q.is_null(1)) c.password_set_at = from_unix(q.integer(1));
        return c;
    }
    bool username_taken(const Username& u) override {
        Query q(*conn_, kUsernameTaken);
        q.bind(1, u.value());
        return q.step();
    }
    PersonId add(const Person& p, Timestamp now) override {
        Query q(*conn_, kAddPerson);
        q.bind(1, p.username.value()).bind(2, p.first_name).bind(3, p.last_name).bind(4, p.email).bind(5, now);
        q.run();
        return PersonId{sqlite3_last_insert_rowid(conn_->raw())};
    }
    std::optional<int> reserve_attempt(PersonId id, Timestamp now, int lock_at, Timestamp lock_until) override {
        Query q(*conn_, kReserveAttempt);
        q.bind(1, id.value()).bind(2, now).bind(3, std::int64_t{lock_at}).bind(4, lock_until);
        if (!q.step()) return std::nullopt;
        return static_cast<int>(q.integer(0));
    }
    void record_success(PersonId id, Timestamp now) override {
        Query q(*conn_, kRecordSuccess);
        q.bind(1, id.value()).bind(2, now);
        q.run();
    }
    void lock(PersonId id, Timestamp until) override {
        Query q(*conn_, kLock);
        q.bind(1, id.value()).bind(2, until);
        q.run();
    }
    bool unlock(PersonId id) override {
        Query q(*conn_, kUnlock);
        q.bind(1, id.value());
        q.run();
        return q.changes() > 0;
    }
    std::optional<Timestamp> locked_until(PersonId id) override {
        Query q(*conn_, kLockedUntil);
        q.bind(1, id.value());
        if (!q.step() || q.is_null(0)) return std::nullopt;
        return from_unix(q.integer(0));
    }
    int failed_count(PersonId id) override {
        Query q(*conn_, kLockedUntil);
        q.bind(1, id.value());
        return q.step() ? static_cast<int>(q.integer(1)) : 0;
    }
    void set_password(PersonId id, const std::string& hash, Timestamp now) override {
        Query q(*conn_, kSetPassword);
        q.bind(1, id.value()).bind(2, hash).bind(3, now);
        q.run();
    }
    void set_preferences(PersonId id, const std::string& lang, const std::string& default_school) override {
        Query q(*conn_, kSetPreferences);
        q.bind(1, id.value()).bind(2, lang).bind(3, default_school);
        q.run();
    }

    // Schools
    std::optional<School> find(const SchoolCode& code) override {
        Query q(*conn_, kFindSchool);
        q.bind(1, code.value());
        if (!q.step()) return std::nullopt;
        return read_full_school(q);
    }
    bool add(const School& s, Timestamp now) override {
        Query q(*conn_, kAddSchool);
        q.bind(1, s.code.value()).bind(2, s.name).bind(3, to_string(s.form)).bind(4, now).bind(5, s.postal_address);
        q.bind(6, s.contact_name).bind(7, s.contact_phone);
        q.run();
        return q.changes() > 0;
    }
    bool update(const School& s) override {
        Query q(*conn_, kUpdateSchool);
        q.bind(1, s.code.value()).bind(2, s.name).bind(3, to_string(s.form)).bind(4, s.postal_address);
        q.bind(5, s.contact_name).bind(6, s.contact_phone);
        q.run();
        return q.changes() > 0;
    }
    std::vector<School> all() override {
        Query q(*conn_, kAllSchools);
        std::vector<School> out;
        while (q.step()) out.push_back(read_full_school(q));
        return out;
    }
    void set_postal_address(const SchoolCode& code, const std::string& address) override {
        Query q(*conn_, kSetPostalAddress);
        q.bind(1, code.value()).bind(2, address);
        q.run();
    }

    // Grants
    bool add(const Grant& g, Timestamp now, const std::string& granted_by) override {
        Query q(*conn_, kAddGrant);
        q.bind(1, g.person.value());
        if (g.school)
            q.bind(2, g.school->value());
        else
            q.bind_null(2);
        q.bind(3, to_string(g.role)).bind(4, granted_by).bind(5, now);
        q.run();
        return q.changes() > 0;
    }
    bool remove(PersonId id, const SchoolCode& school, Role role) override {
        Query q(*conn_, kRemoveGrant);
        q.bind(1, id.value()).bind(2, school.value()).bind(3, to_string(role));
        q.run();
        return q.changes() > 0;
    }
    std::vector<Grant> of(PersonId id) override {
        Query q(*conn_, kGrantsOf);
        q.bind(1, id.value());
        std::vector<Grant> out;
        while (q.step()) {
            auto role = parse_role(q.text(1));
            if (!role) continue;
            Grant g{id, std::nullopt, *role};
            if (!q.is_null(0)) g.school = SchoolCode{q.text(0)};
            out.push_back(std::move(g));
        }
        return out;
    }
    Access access(PersonId id) override {
        Query q(*conn_, kAccessOf);
        q.bind(1, id.value());
        Access out;
        while (q.step()) {
            auto role = parse_role(q.text(3));
            if (!role) continue;
            if (q.is_null(0)) {
                if (*role == Role::agency_admin) out.agency_admin = true;
                continue;
            }
            auto& schools = out.schools;
            auto it = std::find_if(schools.begin(), schools.end(),
                                   [&](const SchoolAccess& a) { return a.school.code.value() == q.text(0); });
            if (it == schools.end()) it = schools.insert(schools.end(), {read_school(q, 0), {}});
            it->roles.push_back(*role);
        }
        std::sort(out.schools.begin(), out.schools.end(), [](const SchoolAccess& a, const SchoolAccess& b) {
            return std::tie(a.school.name, a.school.code.value()) < std::tie(b.school.name, b.school.code.value());
        });
        for (auto& a : out.schools) std::sort(a.roles.begin(), a.roles.end());
        return out;
    }

    // Sessions
    void create(const Session& s) override {
        Query q(*conn_, kCreateSession);
        q.bind(1, s.id_hash).bind(2, s.person.value()).bind(3, s.csrf_token).bind(4, s.school);
        q.bind(5, std::int64_t{s.nudge_password ? 1 : 0}).bind(6, s.created_at).bind(7, s.last_seen_at);
        q.run();
    }
    std::optional<Session> find(const std::string& id_hash) override {
        Query q(*conn_, kFindSession);
        q.bind(1, id_hash);
        if (!q.step()) return std::nullopt;
        return read_session(q);
    }
    std::optional<std::pair<Session, Person>> find_with_person(const std::string& id_hash) override {
        Query q(*conn_, kFindSessionWithPerson);
        q.bind(1, id_hash);
        if (!q.step()) return std::nullopt;
        return std::make_pair(read_session(q), read_person(q, 7));
    }
    /// Two statements in the unit's one snapshot: in-process SQLite has no round trips to save.
    /// In a read unit that has read nothing yet, from the viewers kept while the database has not
    /// changed (sqlite_viewers.hpp); what is read is kept if nothing was committed between the look
    /// before the read and the one after (then the read's snapshot, taken in between, is the database
    /// as it is now). A unit that has read already has an older snapshot, and a write unit may see
    /// its own writes: they always read, and keep nothing.
    std::optional<Viewing> view(const std::string& id_hash) override {
        SqliteViewers* kept = mode_ == ports::TxMode::read && sqlite3_txn_state(conn_->raw(), "main") == SQLITE_TXN_NONE
                                  ? pool_.viewers()
                                  : nullptr;
        std::uint64_t at_find = 0;
        if (kept != nullptr) {
            auto found = kept->find(id_hash);
            if (found.viewer) return std::move(found.viewer);
            at_find = found.epoch;
        }
        auto found = find_with_person(id_hash);
        if (!found) return std::nullopt;
        auto granted = access(found->first.person);
        Viewing v{std::move(found->first), std::move(found->second), std::move(granted)};
        if (kept != nullptr) kept->keep(id_hash, v, at_find);
        return v;
    }
    void touch(const std::string& id_hash, Timestamp now) override {
        Query q(*conn_, kTouchSession);
        q.bind(1, id_hash).bind(2, now);
        q.run();
    }
    void set_school(const std::string& id_hash, const std::string& school) override {
        Query q(*conn_, kSetSessionSchool);
        q.bind(1, id_hash).bind(2, school);
        q.run();
    }
    void remove(const std::string& id_hash) override {
        Query q(*conn_, kRemoveSession);
        q.bind(1, id_hash);
        q.run();
    }
    int remove_all_of(PersonId id, const std::string& keep) override {
        Query q(*conn_, kRemoveSessionsOf);
        q.bind(1, id.value()).bind(2, keep);
        q.run();
        return q.changes();
    }
    int remove_expired(Timestamp idle_before, Timestamp created_before) override {
        Query q(*conn_, kRemoveExpiredSessions);
        q.bind(1, idle_before).bind(2, created_before);
        q.run();
        return q.changes();
    }

    // Throttle
    State get(const std::string& address, Timestamp window_start) override {
        Query q(*conn_, kThrottleGet);
        q.bind(1, address).bind(2, window_start);
        if (!q.step()) return {};
        return State{static_cast<int>(q.integer(0)), from_unix(q.integer(1))};
    }
    void record_failure(const std::string& address, Timestamp now, Timestamp window_start) override {
        Query q(*conn_, kThrottleFail);
        q.bind(1, address).bind(2, now).bind(3, window_start);
        q.run();
    }

    // Audit
    void append(const AuditEvent& e) override {
        Query q(*conn_, kAppendAudit);
        q.bind(1, e.at).bind(2, e.actor).bind(3, e.address).bind(4, e.kind).bind(5, e.subject);
        q.bind(6, e.school).bind(7, e.detail);
        q.run();
    }
    std::vector<AuditEntry> query(const AuditFilter& f) override {
        Query q(*conn_, kQueryAudit);
        q.bind(1, f.person).bind(2, f.school).bind(3, f.kind);
        q.bind(4, f.from ? to_unix(*f.from) : std::numeric_limits<std::int64_t>::min());
        q.bind(5, f.to ? to_unix(*f.to) : std::numeric_limits<std::int64_t>::max());
        q.bind(6, f.before_id > 0 ? f.before_id : std::numeric_limits<std::int64_t>::max());
        q.bind(7, std::int64_t{f.limit});
        std::vector<AuditEntry> out;
        while (q.step())
            out.push_back({q.integer(0), AuditEvent{from_unix(q.integer(1)), q.text(2), q.text(3), q.text(4), q.text(5),
                                                    q.text(6), q.text(7)}});
        return out;
    }
    std::vector<std::string> kinds() override {
        Query q(*conn_, kAuditKinds);
        std::vector<std::string> out;
        while (q.step()) out.push_back(q.text(0));
        return out;
    }

    std::vector<ReminderCandidate> reminder_candidates(Timestamp set_before, Timestamp expired_before,
                                                       int limit) override {
        Query q(*conn_, kReminderCandidates);
        q.bind(1, set_before).bind(2, expired_before).bind(3, std::int64_t{limit});
        std::vector<ReminderCandidate> out;
        while (q.step()) out.push_back({read_person(q), from_unix(q.integer(7)), static_cast<int>(q.integer(8))});
        return out;
    }
    std::vector<Person> search(std::string_view text, int limit) override {
        std::string pattern;
        for (char c : text) {
            if (c == '%' || c == '_' || c == '\\') pattern += '\\';
            pattern += c;
        }
        Query q(*conn_, kSearchPersons);
        q.bind(1, text).bind(2, pattern).bind(3, std::int64_t{limit});
        std::vector<Person> out;
        while (q.step()) out.push_back(read_person(q));
        return out;
    }
    std::vector<PersonAtSchool> at_school(const SchoolCode& school) override {
        Query q(*conn_, kAtSchool);
        q.bind(1, school.value());
        std::vector<PersonAtSchool> out;
        auto maybe_time = [&](int col) -> std::optional<Timestamp> {
            if (q.is_null(col)) return std::nullopt;
            return from_unix(q.integer(col));
        };
        while (q.step()) {
            PersonAtSchool r;
            r.person = read_person(q);
            r.has_password = q.integer(7) != 0;
            r.password_set_at = maybe_time(8);
            r.last_login_at = maybe_time(9);
            r.locked_until = maybe_time(10);
            const std::string roles = q.text(11);
            for (std::size_t from = 0; from <= roles.size();) {
                const auto comma = roles.find(',', from);
                const auto name = roles.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
                if (auto role = parse_role(name)) r.roles.push_back(*role);
                if (comma == std::string::npos) break;
                from = comma + 1;
            }
            std::sort(r.roles.begin(), r.roles.end());
            r.letter_status = q.text(12);
            r.otp_mail = q.text(13);
            out.push_back(std::move(r));
        }
        return out;
    }
    void set_reminded(PersonId id, int days) override {
        Query q(*conn_, kSetReminded);
        q.bind(1, id.value()).bind(2, std::int64_t{days});
        q.run();
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
        if (on_writer_)
            pool_.release_writer(std::move(conn_));
        else
            pool_.release(std::move(conn_));
    }

    Pool& pool_;
    ports::TxMode mode_;
    std::unique_lock<std::timed_mutex> writer_;  // this process's write lock, while a write unit is open
    bool on_writer_ = false;                     // conn_ is the pool's writer connection
    std::unique_ptr<Connection> conn_;
    bool done_ = false;
    sqlite3_int64 changes_at_begin_ = 0;
    SqliteOtps otps_{*conn_};
    SqliteKioskFlows flows_{*conn_};
    SqlitePasswordHistory history_{*conn_};
    SqliteOutbox outbox_{*conn_};
    SqliteLetters letters_{*conn_};
    SqliteStudietider studietider_{*conn_};
    SqliteReports reports_{*conn_};
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

std::unique_ptr<ports::Store> open_sqlite(const SqliteOptions& opts) {
    // No global memory statistics: they take a process-wide lock on every allocation.
    static const int kConfigured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)kConfigured;
    if (opts.path != ":memory:") {
        const auto dir = std::filesystem::path(opts.path).parent_path();
        if (!dir.empty()) std::filesystem::create_directories(dir);
    }
    return std::make_unique<SqliteStore>(opts);
}

}  // namespace mina::storage
