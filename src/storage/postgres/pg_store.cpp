// The ports on PostgreSQL, statement by statement the SQLite store's (sqlite_store.cpp): the same
// results in the same order. Where PostgreSQL needs it said otherwise:
// - Write transactions take one advisory lock, so they run one at a time across every server, as
//   SQLite's BEGIN IMMEDIATE makes them; the core's check-then-write sequences rely on that. They run
//   in READ COMMITTED, so each statement sees what the previous holder of the lock committed.
// - Read transactions are REPEATABLE READ READ ONLY: one snapshot, as a SQLite read transaction has.
//   Unlike SQLite's, they refuse to write.
// - Parameters whose type PostgreSQL cannot infer carry a cast; inserted ids come from RETURNING.
// - An error aborts the whole transaction (SQLite undoes only the statement); COMMIT then throws.
#include "storage/postgres/pg_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <limits>
#include <span>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <vector>

#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/pg_dump.hpp"

namespace mina::storage::postgres_migrations {
struct EmbeddedFile {
    std::string_view name;
    std::string_view text;
};
std::span<const EmbeddedFile> files();
}  // namespace mina::storage::postgres_migrations

namespace mina::storage {
namespace {

using pg::exec;
using pg::Row;

// ---- SQL, in named constants: never assembled from input -----------------------------------

constexpr const char* kFindPersonByUsername =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons WHERE username = $1";
constexpr const char* kFindPersonById =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons WHERE id = $1";
// A parameter takes the database's collation, whose lower() may fold more than ASCII; the columns'
// "C" folds ASCII only, as SQLite's lower() does. So parameters that are lower()ed say "C" too.
constexpr const char* kFindPersonByEmail =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons "
    "WHERE lower(email) = lower($1 COLLATE \"C\")";
constexpr const char* kCredential = "SELECT password_hash, password_set_at FROM persons WHERE id = $1";
constexpr const char* kUsernameTaken = "SELECT 1 FROM persons WHERE username = $1";
constexpr const char* kAddPerson =
    "INSERT INTO persons (username, first_name, last_name, email, created_at) VALUES ($1, $2, $3, $4, $5) "
    "RETURNING id";
// Both CASEs read the row's old values: after an expired lock the count starts again at 1.
constexpr const char* kReserveAttempt =
    "UPDATE persons SET "
    "  failed_count = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_count + 1 END, "
    "  locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 "
    "                                 ELSE failed_count + 1 END) >= $3 THEN $4::bigint ELSE NULL END "
    "WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) RETURNING failed_count";
constexpr const char* kRecordSuccess =
    "UPDATE persons SET failed_count = 0, locked_until = NULL, last_login_at = $2 WHERE id = $1";
constexpr const char* kLock = "UPDATE persons SET locked_until = $2 WHERE id = $1";
constexpr const char* kUnlock =
    "UPDATE persons SET failed_count = 0, locked_until = NULL WHERE id = $1 "
    "AND (failed_count > 0 OR locked_until IS NOT NULL)";
constexpr const char* kLockedUntil = "SELECT locked_until, failed_count FROM persons WHERE id = $1";
constexpr const char* kSetPassword =
    "UPDATE persons SET password_hash = $2, password_set_at = $3, failed_count = 0, locked_until = NULL, "
    "reminded_days = 0 WHERE id = $1";
// SQLite reads these through the index on password_set_at, so ties come in id order: said here.
constexpr const char* kReminderCandidates =
    "SELECT id, username, first_name, last_name, email, lang, default_school, password_set_at, reminded_days "
    "FROM persons WHERE password_hash <> '' AND password_set_at <= $1 AND password_set_at > $2 "
    "ORDER BY password_set_at, id LIMIT $3";
constexpr const char* kSetReminded = "UPDATE persons SET reminded_days = $2 WHERE id = $1";
constexpr const char* kSetPreferences = "UPDATE persons SET lang = $2, default_school = $3 WHERE id = $1";

constexpr const char* kFindSchool =
    "SELECT code, name, form, postal_address, contact_name, contact_phone FROM schools WHERE code = $1";
constexpr const char* kAllSchools =
    "SELECT code, name, form, postal_address, contact_name, contact_phone FROM schools ORDER BY name, code";
constexpr const char* kAddSchool =
    "INSERT INTO schools (code, name, form, created_at, postal_address, contact_name, contact_phone) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";
constexpr const char* kUpdateSchool =
    "UPDATE schools SET name = $2, form = $3, postal_address = $4, contact_name = $5, contact_phone = $6 "
    "WHERE code = $1";
constexpr const char* kSetPostalAddress = "UPDATE schools SET postal_address = $2 WHERE code = $1";
constexpr const char* kRemoveGrant = "DELETE FROM grants WHERE person_id = $1 AND school_code = $2 AND role = $3";
constexpr const char* kAtSchool =
    "SELECT p.id, p.username, p.first_name, p.last_name, p.email, p.lang, p.default_school, "
    "  p.password_hash <> '', p.password_set_at, p.last_login_at, p.locked_until, string_agg(g.role, ','), "
    "  (SELECT status FROM letters l WHERE l.person_id = p.id ORDER BY l.id DESC LIMIT 1), "
    "  (SELECT status FROM outbox o WHERE o.person_id = p.id AND o.kind IN ('otp-first', 'otp-reset') "
    "   ORDER BY o.id DESC LIMIT 1) "
    "FROM persons p JOIN grants g ON g.person_id = p.id AND g.school_code = $1 "
    "GROUP BY p.id ORDER BY p.last_name, p.first_name, p.username";
// The typed text is bound, never spliced; LIKE's own wildcards in it are escaped with '\'. Its
// lower() folds ASCII only, as for kFindPersonByEmail.
constexpr const char* kSearchPersons =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons "
    "WHERE username = lower($1 COLLATE \"C\") "
    "OR lower(email) LIKE '%' || lower($2 COLLATE \"C\") || '%' ESCAPE '\\' "
    "OR lower(first_name || ' ' || last_name) LIKE '%' || lower($2 COLLATE \"C\") || '%' ESCAPE '\\' "
    "ORDER BY last_name, first_name, username LIMIT $3";
constexpr const char* kQueueLetter =
    "INSERT INTO letters (person_id, school_code, created_at) VALUES ($1, $2, $3) RETURNING id";
constexpr const char* kLettersToRender =
    "SELECT id, person_id, school_code, status, path, last_error, created_at, rendered_at, posted_at "
    "FROM letters WHERE status = 'queued' ORDER BY id LIMIT $1";
constexpr const char* kLetterRendered =
    "UPDATE letters SET status = 'rendered', path = $2, rendered_at = $3, last_error = '' WHERE id = $1";
constexpr const char* kLetterFailed = "UPDATE letters SET last_error = $2 WHERE id = $1";
constexpr const char* kFindLetter =
    "SELECT id, person_id, school_code, status, path, last_error, created_at, rendered_at, posted_at "
    "FROM letters WHERE id = $1";
constexpr const char* kLetterPosted =
    "UPDATE letters SET status = 'posted', posted_at = $2 WHERE id = $1 AND status = 'rendered'";
// Two fixed statements rather than SQL assembled at run time.
constexpr const char* kAllLetters =
    "SELECT id, person_id, school_code, status, path, last_error, created_at, rendered_at, posted_at "
    "FROM letters ORDER BY id DESC LIMIT $1";
constexpr const char* kLettersWithStatus =
    "SELECT id, person_id, school_code, status, path, last_error, created_at, rendered_at, posted_at "
    "FROM letters WHERE status = $2 ORDER BY id DESC LIMIT $1";

constexpr const char* kAddGrant =
    "INSERT INTO grants (person_id, school_code, role, granted_by, created_at) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT DO NOTHING";
// SQLite reads a person's grants through the unique index: that order, said here.
constexpr const char* kGrantsOf =
    "SELECT school_code, role FROM grants WHERE person_id = $1 ORDER BY coalesce(school_code, ''), role";
// Agency-wide grants have no school (NULL code). A person has a handful of grants: they are
// ordered in C++, as the SQLite store does.
constexpr const char* kAccessOf =
    "SELECT s.code, s.name, s.form, g.role FROM grants g LEFT JOIN schools s ON s.code = g.school_code "
    "WHERE g.person_id = $1";

constexpr const char* kCreateSession =
    "INSERT INTO sessions (id_hash, person_id, csrf_token, school_code, nudge, created_at, last_seen_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";
constexpr const char* kFindSession =
    "SELECT id_hash, person_id, csrf_token, school_code, nudge, created_at, last_seen_at FROM sessions "
    "WHERE id_hash = $1";
constexpr const char* kFindSessionWithPerson =
    "SELECT s.id_hash, s.person_id, s.csrf_token, s.school_code, s.nudge, s.created_at, s.last_seen_at, "
    "p.id, p.username, p.first_name, p.last_name, p.email, p.lang, p.default_school "
    "FROM sessions s JOIN persons p ON p.id = s.person_id WHERE s.id_hash = $1";
constexpr const char* kTouchSession = "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1";
constexpr const char* kSetSessionSchool = "UPDATE sessions SET school_code = $2 WHERE id_hash = $1";
constexpr const char* kRemoveSession = "DELETE FROM sessions WHERE id_hash = $1";
constexpr const char* kRemoveSessionsOf = "DELETE FROM sessions WHERE person_id = $1 AND id_hash <> $2";
constexpr const char* kRemoveExpiredSessions = "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2";

constexpr const char* kThrottleGet =
    "SELECT failures, last_failure FROM client_failures WHERE address = $1 AND last_failure >= $2";
// In DO UPDATE a bare column name is ambiguous (the row or EXCLUDED): the old row is named.
constexpr const char* kThrottleFail =
    "INSERT INTO client_failures (address, failures, last_failure) VALUES ($1, 1, $2) "
    "ON CONFLICT (address) DO UPDATE SET "
    "  failures = CASE WHEN client_failures.last_failure < $3 THEN 1 ELSE client_failures.failures + 1 END, "
    "  last_failure = $2";

// One statement for every filter: an empty parameter matches everything. Newest first, by id.
constexpr const char* kQueryAudit =
    "SELECT id, at, actor, address, kind, subject, school_code, detail FROM audit_log "
    "WHERE ($1 = '' OR subject = $1 OR actor = $1) AND ($2 = '' OR school_code = $2) "
    "AND ($3 = '' OR kind = $3 OR substr(kind, 1, length($3) + 1) = $3 || '.') "
    "AND at >= $4 AND at < $5 AND id < $6 ORDER BY id DESC LIMIT $7";
constexpr const char* kAuditKinds = "SELECT DISTINCT kind FROM audit_log ORDER BY kind";
constexpr const char* kAppendAudit =
    "INSERT INTO audit_log (at, actor, address, kind, subject, school_code, detail) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";

// Prepared once per connection like every other statement: no parse per transaction. Writers take
// one advisory lock (the key is "mina" in ASCII), released by COMMIT or ROLLBACK.
constexpr const char* kBeginWrite = "BEGIN ISOLATION LEVEL READ COMMITTED";
constexpr const char* kTakeWriteLock = "SELECT pg_advisory_xact_lock(1835626081)";
constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kPing = "SELECT 1";

constexpr const char* kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at BIGINT NOT NULL)";
// A migration may build an index over a long table: the session's statement timeout is not for it.
constexpr const char* kNoStatementTimeout = "SET LOCAL statement_timeout = 0";
constexpr const char* kHasMigrations = "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr const char* kSchemaVersion = "SELECT coalesce(max(version), 0) FROM schema_migrations";
constexpr const char* kRecordMigration =
    "INSERT INTO schema_migrations (version, name, applied_at) "
    "VALUES ($1, $2, floor(extract(epoch FROM now()))::bigint)";

constexpr const char* kPutOtp =
    "INSERT INTO otps (person_id, hash, kind, created_at, expires_at, wrong_count) VALUES ($1, $2, $3, $4, $5, 0) "
    "ON CONFLICT (person_id) DO UPDATE SET hash = excluded.hash, kind = excluded.kind, "
    "created_at = excluded.created_at, expires_at = excluded.expires_at, wrong_count = 0";
constexpr const char* kFindOtp =
    "SELECT person_id, hash, kind, created_at, expires_at, wrong_count FROM otps WHERE person_id = $1";
constexpr const char* kOtpWrong =
    "UPDATE otps SET wrong_count = wrong_count + 1 WHERE person_id = $1 RETURNING wrong_count";
constexpr const char* kRemoveOtp = "DELETE FROM otps WHERE person_id = $1";

constexpr const char* kCreateFlow =
    "INSERT INTO kiosk_flows (id_hash, kind, stage, person_id, csrf_token, captcha_answer, captcha_expires_at, "
    "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr const char* kFindFlow =
    "SELECT id_hash, kind, stage, person_id, csrf_token, captcha_answer, captcha_expires_at, created_at, expires_at "
    "FROM kiosk_flows WHERE id_hash = $1";
constexpr const char* kUpdateFlow =
    "UPDATE kiosk_flows SET kind = $2, stage = $3, person_id = $4, captcha_answer = $5, captcha_expires_at = $6, "
    "expires_at = $7 WHERE id_hash = $1";
constexpr const char* kRemoveFlow = "DELETE FROM kiosk_flows WHERE id_hash = $1";
constexpr const char* kRemoveExpiredFlows = "DELETE FROM kiosk_flows WHERE expires_at <= $1";

constexpr const char* kAddHistory = "INSERT INTO password_history (person_id, hash, set_at) VALUES ($1, $2, $3)";
constexpr const char* kLastHistory = "SELECT hash FROM password_history WHERE person_id = $1 ORDER BY id DESC LIMIT $2";

constexpr const char* kEnqueue =
    "INSERT INTO outbox (kind, person_id, recipient, lang, params, not_before, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
// One statement: whoever runs it first holds the mail until the lease ends; a row another
// transaction is claiming is skipped rather than waited for.
constexpr const char* kClaim =
    "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1 WHERE id = ("
    "  SELECT id FROM outbox WHERE status = 'pending' AND not_before <= $1 AND claimed_until <= $1 "
    "  ORDER BY not_before, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
    "RETURNING id, kind, person_id, recipient, lang, params, status, not_before, attempts, last_error, created_at, "
    "sent_at";
constexpr const char* kMarkSent =
    "UPDATE outbox SET status = 'sent', sent_at = $2, last_error = $3, claimed_until = 0 WHERE id = $1";
constexpr const char* kRetryAt = "UPDATE outbox SET not_before = $2, last_error = $3, claimed_until = 0 WHERE id = $1";
constexpr const char* kMarkFailed =
    "UPDATE outbox SET status = 'failed', last_error = $2, claimed_until = 0 WHERE id = $1";
constexpr const char* kRetryFailedOne =
    "UPDATE outbox SET status = 'pending', not_before = $2, attempts = 0, claimed_until = 0 "
    "WHERE status = 'failed' AND id = $1";
constexpr const char* kRetryFailedAll =
    "UPDATE outbox SET status = 'pending', not_before = $1, attempts = 0, claimed_until = 0 WHERE status = 'failed'";
constexpr const char* kCountSince =
    "SELECT count(*) FROM outbox WHERE person_id = $1 AND kind = $2 AND created_at >= $3";
constexpr const char* kCountPending =
    "SELECT count(*) FROM outbox WHERE person_id = $1 AND kind = $2 AND status = 'pending'";
constexpr const char* kAllMail =
    "SELECT id, kind, person_id, recipient, lang, params, status, not_before, attempts, last_error, created_at, "
    "sent_at FROM outbox ORDER BY id DESC LIMIT $1";
constexpr const char* kMailWithStatus =
    "SELECT id, kind, person_id, recipient, lang, params, status, not_before, attempts, last_error, created_at, "
    "sent_at FROM outbox WHERE status = $2 ORDER BY id DESC LIMIT $1";

// ---- Reading rows ----------------------------------------------------------------------------------

/// A person from 7 columns starting at `col`: id, username, first_name, last_name, email, lang,
/// default_school.
Person read_person(const Row& r, int col = 0) {
    Person p;
    p.id = PersonId{r.integer(col)};
    p.username = Username{r.text(col + 1)};
    p.first_name = r.text(col + 2);
    p.last_name = r.text(col + 3);
    p.email = r.text(col + 4);
    p.lang = r.text(col + 5);
    p.default_school = r.text(col + 6);
    return p;
}

/// A session from 7 columns starting at 0: id_hash, person_id, csrf_token, school_code, nudge,
/// created_at, last_seen_at.
Session read_session(const Row& r) {
    Session s;
    s.id_hash = r.text(0);
    s.person = PersonId{r.integer(1)};
    s.csrf_token = r.text(2);
    s.school = r.text(3);
    s.nudge_password = r.integer(4) != 0;
    s.created_at = r.time(5);
    s.last_seen_at = r.time(6);
    return s;
}

School read_school(const Row& r, int col) {
    return School{SchoolCode{r.text(col)}, r.text(col + 1),
                  parse_school_form(r.text(col + 2)).value_or(SchoolForm::annan_eftergymnasial)};
}

/// A school with its letter address and contact, from the 6 columns of kFindSchool.
School read_full_school(const Row& r) {
    auto school = read_school(r, 0);
    school.postal_address = r.text(3);
    school.contact_name = r.text(4);
    school.contact_phone = r.text(5);
    return school;
}

template <typename T, typename Read>
std::vector<T> read_all(const pg::Result& result, Read read) {
    std::vector<T> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (const Row row : result) out.push_back(read(row));
    return out;
}

template <typename T, typename Read>
std::optional<T> read_first(const pg::Result& result, Read read) {
    if (result.empty()) return std::nullopt;
    return read(result.row(0));
}

/// The first column of the first row as a count (count(*), RETURNING), or 0 without a row.
int first_int(const pg::Result& result) { return result.empty() ? 0 : static_cast<int>(result.row(0).integer(0)); }

std::string_view otp_kind_name(OtpKind k) { return k == OtpKind::first ? "first" : "reset"; }

std::string_view flow_kind_name(FlowKind k) { return k == FlowKind::sign_in ? "sign-in" : "forgot"; }

std::string_view flow_stage_name(FlowStage s) {
    switch (s) {
        case FlowStage::start:
            return "start";
        case FlowStage::otp:
            return "otp";
        case FlowStage::password:
            return "password";
        case FlowStage::done:
            return "done";
    }
    return "start";
}

FlowStage parse_flow_stage(std::string_view s) {
    if (s == "otp") return FlowStage::otp;
    if (s == "password") return FlowStage::password;
    if (s == "done") return FlowStage::done;
    return FlowStage::start;
}

// ---- A transaction on a leased connection --------------------------------------------------------

/// Ends an open transaction. A connection whose rollback failed is in an unknown state: not reused.
void roll_back(pg::Connection& c) noexcept {
    if (c.broken()) return;
    try {
        (void)c.run(kRollback, {});
    } catch (...) {
        c.abandon();
    }
}

/// BEGIN on a pooled connection; the destructor rolls back unless commit() ran.
class Transaction {
   public:
    Transaction(pg::Pool& pool, ports::TxMode mode)
        : lease_(pool.acquire_running(mode == ports::TxMode::write ? kBeginWrite : kBeginRead)) {
        if (mode != ports::TxMode::write) return;
        try {
            (void)lease_->run(kTakeWriteLock, {});
        } catch (...) {
            roll_back(*lease_);
            throw;
        }
    }
    ~Transaction() {
        if (!done_) roll_back(*lease_);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    /// PostgreSQL answers COMMIT with ROLLBACK when an earlier statement failed: that is no success.
    void commit() {
        const auto result = lease_->run(kCommit, {});
        done_ = true;
        if (result.tag() != "COMMIT")
            throw std::runtime_error("postgresql: the transaction was rolled back after an earlier error");
    }
    pg::Connection& conn() { return *lease_; }

   private:
    pg::Lease lease_;
    bool done_ = false;
};

// ---- The repositories, over the unit's connection ------------------------------------------------

class PgOtps final : public ports::Otps {
   public:
    explicit PgOtps(pg::Connection& c) : c_(c) {}
    void put(const Otp& o) override {
        exec(c_, kPutOtp, o.person, o.hash, otp_kind_name(o.kind), o.created_at, o.expires_at);
    }
    std::optional<Otp> find(PersonId id) override {
        return read_first<Otp>(exec(c_, kFindOtp, id), [](const Row& r) {
            return Otp{PersonId{r.integer(0)},
                       r.text(1),
                       r.text(2) == "first" ? OtpKind::first : OtpKind::reset,
                       r.time(3),
                       r.time(4),
                       static_cast<int>(r.integer(5))};
        });
    }
    int count_wrong(PersonId id) override { return first_int(exec(c_, kOtpWrong, id)); }
    void remove(PersonId id) override { exec(c_, kRemoveOtp, id); }

   private:
    pg::Connection& c_;
};

class PgKioskFlows final : public ports::KioskFlows {
   public:
    explicit PgKioskFlows(pg::Connection& c) : c_(c) {}
    void create(const KioskFlow& f) override {
        exec(c_, kCreateFlow, f.id_hash, flow_kind_name(f.kind), flow_stage_name(f.stage), f.person, f.csrf_token,
             f.captcha_answer, f.captcha_expires_at, f.created_at, f.expires_at);
    }
    std::optional<KioskFlow> find(const std::string& id_hash) override {
        return read_first<KioskFlow>(exec(c_, kFindFlow, id_hash), [](const Row& r) {
            KioskFlow f;
            f.id_hash = r.text(0);
            f.kind = r.text(1) == "forgot" ? FlowKind::forgot : FlowKind::sign_in;
            f.stage = parse_flow_stage(r.text(2));
            if (!r.is_null(3)) f.person = PersonId{r.integer(3)};
            f.csrf_token = r.text(4);
            f.captcha_answer = r.text(5);
            f.captcha_expires_at = r.time(6);
            f.created_at = r.time(7);
            f.expires_at = r.time(8);
            return f;
        });
    }
    void update(const KioskFlow& f) override {
        exec(c_, kUpdateFlow, f.id_hash, flow_kind_name(f.kind), flow_stage_name(f.stage), f.person, f.captcha_answer,
             f.captcha_expires_at, f.expires_at);
    }
    void remove(const std::string& id_hash) override { exec(c_, kRemoveFlow, id_hash); }
    int remove_expired(Timestamp now) override { return exec(c_, kRemoveExpiredFlows, now).affected(); }

   private:
    pg::Connection& c_;
};

class PgPasswordHistory final : public ports::PasswordHistory {
   public:
    explicit PgPasswordHistory(pg::Connection& c) : c_(c) {}
    void add(PersonId id, const std::string& hash, Timestamp at) override { exec(c_, kAddHistory, id, hash, at); }
    std::vector<std::string> last(PersonId id, int n) override {
        return read_all<std::string>(exec(c_, kLastHistory, id, n), [](const Row& r) { return r.text(0); });
    }

   private:
    pg::Connection& c_;
};

class PgLetters final : public ports::Letters {
   public:
    explicit PgLetters(pg::Connection& c) : c_(c) {}
    std::int64_t queue(PersonId id, const SchoolCode& school, Timestamp now) override {
        return exec(c_, kQueueLetter, id, school, now).row(0).integer(0);
    }
    std::vector<LetterRow> to_render(int limit) override {
        return read_all<LetterRow>(exec(c_, kLettersToRender, limit), read);
    }
    void rendered(std::int64_t id, const std::string& path, Timestamp now) override {
        exec(c_, kLetterRendered, id, path, now);
    }
    void render_failed(std::int64_t id, const std::string& error) override { exec(c_, kLetterFailed, id, error); }
    std::vector<LetterRow> list(std::optional<LetterStatus> status, int limit) override {
        auto result = status ? exec(c_, kLettersWithStatus, limit, status_name(*status)) : exec(c_, kAllLetters, limit);
        return read_all<LetterRow>(result, read);
    }
    std::optional<LetterRow> find(std::int64_t id) override {
        return read_first<LetterRow>(exec(c_, kFindLetter, id), read);
    }
    bool mark_posted(std::int64_t id, Timestamp now) override {
        return exec(c_, kLetterPosted, id, now).affected() > 0;
    }

   private:
    static std::string_view status_name(LetterStatus s) {
        return s == LetterStatus::queued ? "queued" : s == LetterStatus::rendered ? "rendered" : "posted";
    }
    static LetterRow read(const Row& r) {
        LetterRow l;
        l.id = r.integer(0);
        l.person = PersonId{r.integer(1)};
        l.school = r.text(2);
        const auto st = r.text(3);
        l.status = st == "posted"     ? LetterStatus::posted
                   : st == "rendered" ? LetterStatus::rendered
                                      : LetterStatus::queued;
        l.path = r.text(4);
        l.last_error = r.text(5);
        l.created_at = r.time(6);
        l.rendered_at = r.maybe_time(7);
        l.posted_at = r.maybe_time(8);
        return l;
    }
    pg::Connection& c_;
};

class PgOutbox final : public ports::Outbox {
   public:
    explicit PgOutbox(pg::Connection& c) : c_(c) {}
    std::int64_t enqueue(const OutboxMail& m) override {
        return exec(c_, kEnqueue, to_string(m.kind), m.person, m.recipient, m.lang, m.params, m.not_before,
                    m.created_at)
            .row(0)
            .integer(0);
    }
    std::optional<OutboxMail> claim(Timestamp now, Timestamp lease_until) override {
        return read_first<OutboxMail>(exec(c_, kClaim, now, lease_until), read);
    }
    void mark_sent(std::int64_t id, Timestamp now, const std::string& detail) override {
        exec(c_, kMarkSent, id, now, detail);
    }
    void retry_at(std::int64_t id, Timestamp when, const std::string& detail) override {
        exec(c_, kRetryAt, id, when, detail);
    }
    void mark_failed(std::int64_t id, const std::string& detail) override { exec(c_, kMarkFailed, id, detail); }
    std::vector<OutboxMail> list(std::optional<MailStatus> status, int limit) override {
        auto result = status ? exec(c_, kMailWithStatus, limit, to_string(*status)) : exec(c_, kAllMail, limit);
        return read_all<OutboxMail>(result, read);
    }
    int retry_failed(std::optional<std::int64_t> id, Timestamp now) override {
        return (id ? exec(c_, kRetryFailedOne, *id, now) : exec(c_, kRetryFailedAll, now)).affected();
    }
    int count_since(PersonId id, MailKind kind, Timestamp since) override {
        return first_int(exec(c_, kCountSince, id, to_string(kind), since));
    }
    int count_pending(PersonId id, MailKind kind) override {
        return first_int(exec(c_, kCountPending, id, to_string(kind)));
    }

   private:
    static OutboxMail read(const Row& r) {
        OutboxMail m;
        m.id = r.integer(0);
        m.kind = parse_mail_kind(r.text(1)).value_or(MailKind::password_changed);
        if (!r.is_null(2)) m.person = PersonId{r.integer(2)};
        m.recipient = r.text(3);
        m.lang = r.text(4);
        m.params = r.text(5);
        const auto st = r.text(6);
        m.status = st == "sent" ? MailStatus::sent : st == "failed" ? MailStatus::failed : MailStatus::pending;
        m.not_before = r.time(7);
        m.attempts = static_cast<int>(r.integer(8));
        m.last_error = r.text(9);
        m.created_at = r.time(10);
        m.sent_at = r.maybe_time(11);
        return m;
    }
    pg::Connection& c_;
};

/// The roles of a comma-separated list, sorted; unknown names are left out.
std::vector<Role> parse_roles(const std::string& roles) {
    std::vector<Role> out;
    for (std::size_t from = 0; from <= roles.size();) {
        const auto comma = roles.find(',', from);
        const auto name = roles.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
        if (auto role = parse_role(name)) out.push_back(*role);
        if (comma == std::string::npos) break;
        from = comma + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
}

class PgAccounts final : public ports::Accounts {
   public:
    explicit PgAccounts(pg::Connection& c) : c_(c) {}
    std::optional<Person> find(const Username& u) override {
        return read_first<Person>(exec(c_, kFindPersonByUsername, u), person);
    }
    std::optional<Person> find(PersonId id) override {
        return read_first<Person>(exec(c_, kFindPersonById, id), person);
    }
    std::optional<Person> find_by_email(std::string_view email) override {
        return read_first<Person>(exec(c_, kFindPersonByEmail, email), person);
    }
    std::optional<Credential> credential(PersonId id) override {
        return read_first<Credential>(exec(c_, kCredential, id), [&](const Row& r) {
            return Credential{id, r.text(0), r.maybe_time(1)};
        });
    }
    bool username_taken(const Username& u) override { return !exec(c_, kUsernameTaken, u).empty(); }
    PersonId add(const Person& p, Timestamp now) override {
        return PersonId{exec(c_, kAddPerson, p.username, p.first_name, p.last_name, p.email, now).row(0).integer(0)};
    }
    std::optional<int> reserve_attempt(PersonId id, Timestamp now, int lock_at, Timestamp lock_until) override {
        return read_first<int>(exec(c_, kReserveAttempt, id, now, lock_at, lock_until),
                               [](const Row& r) { return static_cast<int>(r.integer(0)); });
    }
    void record_success(PersonId id, Timestamp now) override { exec(c_, kRecordSuccess, id, now); }
    void lock(PersonId id, Timestamp until) override { exec(c_, kLock, id, until); }
    bool unlock(PersonId id) override { return exec(c_, kUnlock, id).affected() > 0; }
    std::optional<Timestamp> locked_until(PersonId id) override {
        auto result = exec(c_, kLockedUntil, id);
        if (result.empty()) return std::nullopt;
        return result.row(0).maybe_time(0);
    }
    int failed_count(PersonId id) override {
        auto result = exec(c_, kLockedUntil, id);
        return result.empty() ? 0 : static_cast<int>(result.row(0).integer(1));
    }
    void set_password(PersonId id, const std::string& hash, Timestamp now) override {
        exec(c_, kSetPassword, id, hash, now);
    }
    std::vector<ReminderCandidate> reminder_candidates(Timestamp set_before, Timestamp expired_before,
                                                       int limit) override {
        return read_all<ReminderCandidate>(
            exec(c_, kReminderCandidates, set_before, expired_before, limit), [](const Row& r) {
                return ReminderCandidate{read_person(r), r.time(7), static_cast<int>(r.integer(8))};
            });
    }
    void set_reminded(PersonId id, int days) override { exec(c_, kSetReminded, id, days); }
    std::vector<Person> search(std::string_view text, int limit) override {
        std::string pattern;
        for (char c : text) {
            if (c == '%' || c == '_' || c == '\\') pattern += '\\';
            pattern += c;
        }
        return read_all<Person>(exec(c_, kSearchPersons, text, pattern, limit), person);
    }
    std::vector<PersonAtSchool> at_school(const SchoolCode& school) override {
        return read_all<PersonAtSchool>(exec(c_, kAtSchool, school), [](const Row& r) {
            PersonAtSchool p;
            p.person = read_person(r);
            p.has_password = r.boolean(7);
            p.password_set_at = r.maybe_time(8);
            p.last_login_at = r.maybe_time(9);
            p.locked_until = r.maybe_time(10);
            p.roles = parse_roles(r.text(11));
            p.letter_status = r.text(12);
            p.otp_mail = r.text(13);
            return p;
        });
    }
    void set_preferences(PersonId id, const std::string& lang, const std::string& default_school) override {
        exec(c_, kSetPreferences, id, lang, default_school);
    }

   private:
    static Person person(const Row& r) { return read_person(r); }
    pg::Connection& c_;
};

class PgSchools final : public ports::Schools {
   public:
    explicit PgSchools(pg::Connection& c) : c_(c) {}
    std::optional<School> find(const SchoolCode& code) override {
        return read_first<School>(exec(c_, kFindSchool, code), read_full_school);
    }
    bool add(const School& s, Timestamp now) override {
        return exec(c_, kAddSchool, s.code, s.name, to_string(s.form), now, s.postal_address, s.contact_name,
                    s.contact_phone)
                   .affected() > 0;
    }
    std::vector<School> all() override { return read_all<School>(exec(c_, kAllSchools), read_full_school); }
    void set_postal_address(const SchoolCode& code, const std::string& address) override {
        exec(c_, kSetPostalAddress, code, address);
    }
    bool update(const School& s) override {
        return exec(c_, kUpdateSchool, s.code, s.name, to_string(s.form), s.postal_address, s.contact_name,
                    s.contact_phone)
                   .affected() > 0;
    }

   private:
    pg::Connection& c_;
};

class PgGrants final : public ports::Grants {
   public:
    explicit PgGrants(pg::Connection& c) : c_(c) {}
    bool add(const Grant& g, Timestamp now, const std::string& granted_by) override {
        return exec(c_, kAddGrant, g.person, g.school, to_string(g.role), granted_by, now).affected() > 0;
    }
    std::vector<Grant> of(PersonId id) override {
        std::vector<Grant> out;
        for (const Row r : exec(c_, kGrantsOf, id)) {
            auto role = parse_role(r.text(1));
            if (!role) continue;
            Grant g{id, std::nullopt, *role};
            if (!r.is_null(0)) g.school = SchoolCode{r.text(0)};
            out.push_back(std::move(g));
        }
        return out;
    }
    bool remove(PersonId id, const SchoolCode& school, Role role) override {
        return exec(c_, kRemoveGrant, id, school, to_string(role)).affected() > 0;
    }
    Access access(PersonId id) override {
        Access out;
        for (const Row r : exec(c_, kAccessOf, id)) {
            auto role = parse_role(r.text(3));
            if (!role) continue;
            if (r.is_null(0)) {
                if (*role == Role::agency_admin) out.agency_admin = true;
                continue;
            }
            auto& schools = out.schools;
            const auto code = r.text(0);
            auto it = std::find_if(schools.begin(), schools.end(),
                                   [&](const SchoolAccess& a) { return a.school.code.value() == code; });
            if (it == schools.end()) it = schools.insert(schools.end(), {read_school(r, 0), {}});
            it->roles.push_back(*role);
        }
        std::sort(out.schools.begin(), out.schools.end(), [](const SchoolAccess& a, const SchoolAccess& b) {
            return std::tie(a.school.name, a.school.code.value()) < std::tie(b.school.name, b.school.code.value());
        });
        for (auto& a : out.schools) std::sort(a.roles.begin(), a.roles.end());
        return out;
    }

   private:
    pg::Connection& c_;
};

class PgSessions final : public ports::Sessions {
   public:
    explicit PgSessions(pg::Connection& c) : c_(c) {}
    void create(const Session& s) override {
        exec(c_, kCreateSession, s.id_hash, s.person, s.csrf_token, s.school, s.nudge_password ? 1 : 0, s.created_at,
             s.last_seen_at);
    }
    std::optional<Session> find(const std::string& id_hash) override {
        return read_first<Session>(exec(c_, kFindSession, id_hash), read_session);
    }
    std::optional<std::pair<Session, Person>> find_with_person(const std::string& id_hash) override {
        return read_first<std::pair<Session, Person>>(exec(c_, kFindSessionWithPerson, id_hash), [](const Row& r) {
            return std::make_pair(read_session(r), read_person(r, 7));
        });
    }
    void touch(const std::string& id_hash, Timestamp now) override { exec(c_, kTouchSession, id_hash, now); }
    void set_school(const std::string& id_hash, const std::string& school) override {
        exec(c_, kSetSessionSchool, id_hash, school);
    }
    void remove(const std::string& id_hash) override { exec(c_, kRemoveSession, id_hash); }
    int remove_all_of(PersonId id, const std::string& keep) override {
        return exec(c_, kRemoveSessionsOf, id, keep).affected();
    }
    int remove_expired(Timestamp idle_before, Timestamp created_before) override {
        return exec(c_, kRemoveExpiredSessions, idle_before, created_before).affected();
    }

   private:
    pg::Connection& c_;
};

class PgThrottle final : public ports::Throttle {
   public:
    explicit PgThrottle(pg::Connection& c) : c_(c) {}
    State get(const std::string& address, Timestamp window_start) override {
        auto result = exec(c_, kThrottleGet, address, window_start);
        if (result.empty()) return {};
        return State{static_cast<int>(result.row(0).integer(0)), result.row(0).time(1)};
    }
    void record_failure(const std::string& address, Timestamp now, Timestamp window_start) override {
        exec(c_, kThrottleFail, address, now, window_start);
    }

   private:
    pg::Connection& c_;
};

class PgAudit final : public ports::Audit {
   public:
    explicit PgAudit(pg::Connection& c) : c_(c) {}
    void append(const AuditEvent& e) override {
        exec(c_, kAppendAudit, e.at, e.actor, e.address, e.kind, e.subject, e.school, e.detail);
    }
    std::vector<AuditEntry> query(const AuditFilter& f) override {
        constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
        constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
        auto result = exec(c_, kQueryAudit, f.person, f.school, f.kind, f.from ? to_unix(*f.from) : kMin,
                           f.to ? to_unix(*f.to) : kMax, f.before_id > 0 ? f.before_id : kMax, f.limit);
        return read_all<AuditEntry>(result, [](const Row& r) {
            return AuditEntry{r.integer(0),
                              AuditEvent{r.time(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7)}};
        });
    }
    std::vector<std::string> kinds() override {
        return read_all<std::string>(exec(c_, kAuditKinds), [](const Row& r) { return r.text(0); });
    }

   private:
    pg::Connection& c_;
};

class PgUnit final : public ports::Unit {
   public:
    PgUnit(pg::Pool& pool, ports::TxMode mode) : tx_(pool, mode) {}
    void commit() override { tx_.commit(); }
    ports::Accounts& accounts() override { return accounts_; }
    ports::Schools& schools() override { return schools_; }
    ports::Grants& grants() override { return grants_; }
    ports::Sessions& sessions() override { return sessions_; }
    ports::Throttle& throttle() override { return throttle_; }
    ports::Audit& audit() override { return audit_; }
    ports::Otps& otps() override { return otps_; }
    ports::KioskFlows& kiosk_flows() override { return flows_; }
    ports::PasswordHistory& password_history() override { return history_; }
    ports::Outbox& outbox() override { return outbox_; }
    ports::Letters& letters() override { return letters_; }

   private:
    Transaction tx_;
    PgAccounts accounts_{tx_.conn()};
    PgSchools schools_{tx_.conn()};
    PgGrants grants_{tx_.conn()};
    PgSessions sessions_{tx_.conn()};
    PgThrottle throttle_{tx_.conn()};
    PgAudit audit_{tx_.conn()};
    PgOtps otps_{tx_.conn()};
    PgKioskFlows flows_{tx_.conn()};
    PgPasswordHistory history_{tx_.conn()};
    PgOutbox outbox_{tx_.conn()};
    PgLetters letters_{tx_.conn()};
};

int version_of(std::string_view file_name) { return std::stoi(std::string(file_name.substr(0, 4))); }

class PgStore final : public ports::Store {
   public:
    explicit PgStore(const PostgresOptions& o)
        : url_(o.url), pool_(pg::ConnectOptions{o.url, o.connect_timeout_s}, o.pool_size) {
        (void)pool_.acquire();  // fails here, with the reason, when the server cannot be reached
    }

    std::unique_ptr<ports::Unit> begin(ports::TxMode mode) override { return std::make_unique<PgUnit>(pool_, mode); }

    /// Under the writers' lock, so that servers starting together migrate one after the other and the
    /// later ones find nothing left to do. All files in one transaction, as the SQLite store does.
    int migrate() override {
        Transaction tx(pool_, ports::TxMode::write);
        auto& c = tx.conn();
        (void)c.run(kNoStatementTimeout, {});
        (void)c.run(kCreateMigrations, {});
        const std::int64_t current = exec(c, kSchemaVersion).row(0).integer(0);
        int ran = 0;
        for (const auto& f : postgres_migrations::files()) {
            const int version = version_of(f.name);
            if (version <= current) continue;
            c.run_script(std::string(f.text));
            exec(c, kRecordMigration, version, f.name);
            ++ran;
        }
        tx.commit();
        return ran;
    }

    int schema_version() override {
        Transaction tx(pool_, ports::TxMode::read);
        if (!exec(tx.conn(), kHasMigrations).row(0).boolean(0)) return 0;
        return static_cast<int>(exec(tx.conn(), kSchemaVersion).row(0).integer(0));
    }

    bool ping() override {
        try {
            (void)pool_.acquire_running(kPing);
            return true;
        } catch (const std::exception&) {
            return false;
        }
    }

    void backup(const std::string& path) override { pg::dump(url_, path); }

   private:
    const std::string url_;
    pg::Pool pool_;
};

}  // namespace

std::unique_ptr<ports::Store> open_postgres(const PostgresOptions& opts) {
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(opts.url.c_str(), &error);
    if (parsed == nullptr) {
        const std::string reason = error ? error : "out of memory";
        PQfreemem(error);
        throw std::runtime_error("postgresql: invalid database url: " + reason);
    }
    PQconninfoFree(parsed);
    return std::make_unique<PgStore>(opts);
}

}  // namespace mina::storage
