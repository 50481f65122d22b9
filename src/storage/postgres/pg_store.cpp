// The ports on PostgreSQL, statement by statement the SQLite store's (sqlite_store.cpp): the same
// results in the same order. Where PostgreSQL needs it said otherwise:
// - Write transactions take one advisory lock, so they run one at a time across every server, as
//   SQLite's BEGIN IMMEDIATE makes them; the core's check-then-write sequences rely on that. They run
//   in READ COMMITTED, so each statement sees what the previous holder of the lock committed.
// - Read transactions are REPEATABLE READ READ ONLY: one snapshot, as a SQLite read transaction has.
//   Unlike SQLite's, they refuse to write.
// - Parameters whose type PostgreSQL cannot infer carry a cast; inserted ids come from RETURNING.
// - An error aborts the whole transaction (SQLite undoes only the statement); COMMIT then throws.
// - Round trips are what a page costs here (SQLite has none): a Unit begins with its first statement
//   (BEGIN, and a writer's lock, travel with it in one exchange), a statement's first preparation
//   travels with its first run, and a read Unit's end is not waited for (see Transaction).
#include "storage/postgres/pg_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <limits>
#include <span>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "embedded/postgres_migrations.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/pg_dump.hpp"
#include "storage/postgres/pg_view_cache.hpp"

namespace mina::storage {
namespace {

using pg::exec;
using pg::Param;
using pg::Result;
using pg::Row;
using pg::param;

// ---- SQL, in named constants: never assembled from input (the search statements are assembled
// from numbered parameters only) ----

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
    "  (SELECT CASE WHEN l.status = 'queued' AND NOT EXISTS (SELECT 1 FROM schools s "
    "     WHERE s.code = l.school_code AND s.postal_address <> '') THEN 'waiting' ELSE l.status END "
    "   FROM letters l WHERE l.person_id = p.id ORDER BY l.id DESC LIMIT 1), "
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
// The last column: queued, and the school has no postal address to put in the window ("Adress saknas").
#define MINA_LETTER_ROW "id, person_id, school_code, status, path, last_error, created_at, rendered_at, posted_at"
#define MINA_LETTER_COLUMNS                                                                          \
    MINA_LETTER_ROW ", status = 'queued' AND NOT EXISTS "                                            \
                    "(SELECT 1 FROM schools s WHERE s.code = letters.school_code AND s.postal_address <> '')"
// One statement: whoever runs it first holds the letter until the lease ends; a row another
// transaction is claiming is skipped rather than waited for (as the outbox's kClaim).
constexpr const char* kClaimLetter =
    "UPDATE letters SET claimed_until = $2 WHERE id = ("
    "  SELECT l.id FROM letters l JOIN schools s ON s.code = l.school_code "
    "  WHERE l.status = 'queued' AND l.claimed_until <= $1 AND s.postal_address <> '' "
    "  ORDER BY l.id LIMIT 1 FOR UPDATE OF l SKIP LOCKED) "
    "RETURNING " MINA_LETTER_ROW ", false";
// A second server running it at once waits for the first's row locks, then finds waiting_since set.
constexpr const char* kNewlyWaiting =
    "UPDATE letters SET waiting_since = $1 WHERE status = 'queued' AND waiting_since IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = letters.school_code AND s.postal_address <> '') "
    "RETURNING " MINA_LETTER_ROW ", true";
constexpr const char* kLetterRendered =
    "UPDATE letters SET status = 'rendered', path = $2, rendered_at = $3, last_error = '', claimed_until = 0 "
    "WHERE id = $1 AND status = 'queued'";
constexpr const char* kLetterFailed =
    "UPDATE letters SET last_error = $2, claimed_until = $3 WHERE id = $1 AND status = 'queued'";
constexpr const char* kFindLetter = "SELECT " MINA_LETTER_COLUMNS " FROM letters WHERE id = $1";
constexpr const char* kLetterPosted =
    "UPDATE letters SET status = 'posted', posted_at = $2 WHERE id = $1 AND status = 'rendered'";
// Two fixed statements rather than SQL assembled at run time.
constexpr const char* kAllLetters = "SELECT " MINA_LETTER_COLUMNS " FROM letters ORDER BY id DESC LIMIT $1";
constexpr const char* kLettersWithStatus =
    "SELECT " MINA_LETTER_COLUMNS " FROM letters WHERE status = $2 ORDER BY id DESC LIMIT $1";
#undef MINA_LETTER_COLUMNS
#undef MINA_LETTER_ROW

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
// The session, its person and the person's grants with their schools: one row per grant (one with a
// NULL role when there is none), read into an Access as kAccessOf's rows are.
constexpr const char* kViewSession =
    "SELECT s.id_hash, s.person_id, s.csrf_token, s.school_code, s.nudge, s.created_at, s.last_seen_at, "
    "p.id, p.username, p.first_name, p.last_name, p.email, p.lang, p.default_school, "
    "c.code, c.name, c.form, g.role "
    "FROM sessions s JOIN persons p ON p.id = s.person_id "
    "LEFT JOIN grants g ON g.person_id = p.id LEFT JOIN schools c ON c.code = g.school_code "
    "WHERE s.id_hash = $1";
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
// Single use (SPEC §4): the row is the password's "not used yet"; of several flows deleting the one
// they compared, exactly one affects a row (writers take turns, and even without the turn a second
// DELETE waits for the first's row lock and, in READ COMMITTED, then finds the row gone).
constexpr const char* kConsumeOtp = "DELETE FROM otps WHERE person_id = $1 AND hash = $2 AND expires_at > $3";
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
// transaction is claiming is skipped rather than waited for. Kiosk mail first: a person waits at
// the kiosk for its one-time password, which is valid for minutes.
// A person's mails with one-time passwords go one at a time (none is taken while another is held):
// each makes a new password that replaces the last, so the one that arrives last is the one that works.
constexpr const char* kClaim =
    "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1 WHERE id = ("
    "  SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.not_before <= $1 AND o.claimed_until <= $1 "
    "  AND NOT (o.kind IN ('otp-first', 'otp-reset') AND EXISTS (SELECT 1 FROM outbox b WHERE b.person_id = o.person_id "
    "    AND b.kind IN ('otp-first', 'otp-reset') AND b.status = 'pending' AND b.claimed_until > $1)) "
    "  ORDER BY o.kind <> 'otp-reset', o.not_before, o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED) "
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

/// One grant into `out`, from 4 columns starting at `col`: school code, name and form (NULL for an
/// agency-wide grant), role. Unknown roles are left out.
void add_grant(Access& out, const Row& r, int col) {
    auto role = parse_role(r.text(col + 3));
    if (!role) return;
    if (r.is_null(col)) {
        if (*role == Role::agency_admin) out.agency_admin = true;
        return;
    }
    auto& schools = out.schools;
    const auto code = r.text(col);
    auto it = std::find_if(schools.begin(), schools.end(),
                           [&](const SchoolAccess& a) { return a.school.code.value() == code; });
    if (it == schools.end()) it = schools.insert(schools.end(), {read_school(r, col), {}});
    it->roles.push_back(*role);
}

/// As the SQLite store orders an Access (in C++, whatever the database's collation): schools by name,
/// then code, byte by byte; each school's roles in Role's order.
void order(Access& out) {
    std::sort(out.schools.begin(), out.schools.end(), [](const SchoolAccess& a, const SchoolAccess& b) {
        return std::tie(a.school.name, a.school.code.value()) < std::tie(b.school.name, b.school.code.value());
    });
    for (auto& a : out.schools) std::sort(a.roles.begin(), a.roles.end());
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

// A transaction begins with its first statement, in the same exchange: BEGIN, a writer's lock and the
// statement cost one round trip together. A transaction that ran no statement sends nothing.
constexpr std::array<const char*, 1> kBeginReading{kBeginRead};
constexpr std::array<const char*, 2> kBeginWriting{kBeginWrite, kTakeWriteLock};
constexpr std::array<const char*, 1> kUnsyncedCommit{"SET LOCAL synchronous_commit = off"};

/// One Unit's transaction on a pooled connection; the destructor rolls back unless commit() ran.
/// - A read transaction's end is not waited for: a read-only snapshot has nothing to make durable. It
///   travels ahead of the connection's next exchange (or alone after Pool::kKeepEndAtMost), and its
///   answer is read before anything else there.
/// - A write transaction's COMMIT is awaited: nothing is "saved" before the server said so. Its
///   rollback is sent at once, since it releases the writers' lock, and not waited for.
class Transaction {
   public:
    Transaction(pg::Pool& pool, ports::TxMode mode) : pool_(pool), mode_(mode) { lease_.emplace(pool.acquire()); }
    ~Transaction() {
        if (lease_ && begun_ && !done_) (*lease_)->end_unawaited(kRollback, unawaited_end());
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    /// Runs a statement of the transaction (see pg::Connection::run).
    pg::Result run(const char* sql, std::span<const pg::Param> params) {
        if (!lease_) throw ports::Unavailable("postgresql: no connection for this transaction");
        pg::refuse_nul_bytes(params);  // refused before anything is sent: the transaction goes on
        if (begun_) return noting_failure([&] { return (*lease_)->run(sql, params); });
        const std::span<const char* const> begin =
            mode_ == ports::TxMode::write ? std::span<const char* const>(kBeginWriting) : kBeginReading;
        for (;;) {
            try {
                auto result = (*lease_)->run(sql, params, begin);
                begun_ = true;
                return result;
            } catch (const ports::Unavailable&) {
                // An idle connection may have died since its last use (a server restart). Nothing of this
                // transaction took effect there, so the next idle one is tried, and last a new one: the
                // first request after a restart does not fail for it. A new one that fails: the server
                // itself is away.
                if (lease_->fresh()) throw;
                lease_.reset();
                lease_.emplace(pool_.acquire());
            } catch (const std::runtime_error&) {
                begun_ = true;  // BEGIN ran; the statement failed and aborted the transaction
                failed_ = true;
                throw;
            }
        }
    }

    /// Statements without parameters, after the transaction began (a migration).
    void run_script(const std::string& sql) {
        if (!begun_) throw std::logic_error("postgresql: a script runs inside a begun transaction");
        noting_failure([&] { (*lease_)->run_script(sql); });
    }

    /// PostgreSQL refuses to commit after a failed statement (COMMIT answers ROLLBACK): no success.
    /// `synced` false: synchronous_commit off for this one, so COMMIT does not wait for its WAL to
    /// reach the disk; the WAL flush of any later synchronous commit takes it along.
    void commit(bool synced = true) {
        if (!lease_ || (*lease_)->broken())
            throw ports::Unavailable("postgresql: the connection was lost earlier in this transaction");
        if (!begun_) {
            done_ = true;  // nothing ran, nothing to commit
            return;
        }
        if (failed_) {
            done_ = true;
            (*lease_)->end_unawaited(kRollback, unawaited_end());
            throw std::runtime_error("postgresql: the transaction was rolled back after an earlier error");
        }
        if (mode_ == ports::TxMode::read) {
            done_ = true;
            (*lease_)->end_unawaited(kCommit, unawaited_end());
            return;
        }
        const auto result =
            synced ? (*lease_)->run(kCommit, {}) : (*lease_)->run(kCommit, {}, kUnsyncedCommit);
        done_ = true;
        if (result.tag() != "COMMIT")
            throw std::runtime_error("postgresql: the transaction was rolled back after an earlier error");
    }

   private:
    [[nodiscard]] pg::Connection::Send unawaited_end() const {
        return mode_ == ports::TxMode::read ? pg::Connection::Send::with_next : pg::Connection::Send::now;
    }
    /// Any error of the server aborts the transaction: remembered, so that commit() can say so.
    template <typename F>
    auto noting_failure(F f) -> decltype(f()) {
        try {
            return f();
        } catch (const ports::Unavailable&) {
            throw;
        } catch (const std::runtime_error&) {
            failed_ = true;
            throw;
        }
    }

    pg::Pool& pool_;
    const ports::TxMode mode_;
    std::optional<pg::Lease> lease_;
    bool begun_ = false;
    bool failed_ = false;
    bool done_ = false;
};

// ---- The repositories, over the unit's connection ------------------------------------------------

class PgOtps final : public ports::Otps {
   public:
    explicit PgOtps(Transaction& c) : c_(c) {}
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
    bool consume(PersonId id, const std::string& hash, Timestamp now) override {
        return exec(c_, kConsumeOtp, id, hash, now).affected() == 1;
    }
    void remove(PersonId id) override { exec(c_, kRemoveOtp, id); }

   private:
    Transaction& c_;
};

class PgKioskFlows final : public ports::KioskFlows {
   public:
    explicit PgKioskFlows(Transaction& c) : c_(c) {}
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
    Transaction& c_;
};

class PgPasswordHistory final : public ports::PasswordHistory {
   public:
    explicit PgPasswordHistory(Transaction& c) : c_(c) {}
    void add(PersonId id, const std::string& hash, Timestamp at) override { exec(c_, kAddHistory, id, hash, at); }
    std::vector<std::string> last(PersonId id, int n) override {
        return read_all<std::string>(exec(c_, kLastHistory, id, n), [](const Row& r) { return r.text(0); });
    }

   private:
    Transaction& c_;
};

class PgLetters final : public ports::Letters {
   public:
    explicit PgLetters(Transaction& c) : c_(c) {}
    std::int64_t queue(PersonId id, const SchoolCode& school, Timestamp now) override {
        return exec(c_, kQueueLetter, id, school, now).row(0).integer(0);
    }
    std::optional<LetterRow> claim(Timestamp now, Timestamp lease_until) override {
        return read_first<LetterRow>(exec(c_, kClaimLetter, now, lease_until), read);
    }
    std::vector<LetterRow> newly_waiting(Timestamp now) override {
        return read_all<LetterRow>(exec(c_, kNewlyWaiting, now), read);
    }
    void rendered(std::int64_t id, const std::string& path, Timestamp now) override {
        exec(c_, kLetterRendered, id, path, now);
    }
    void render_failed(std::int64_t id, const std::string& error, Timestamp retry_at) override {
        exec(c_, kLetterFailed, id, error, retry_at);
    }
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
        l.address_missing = r.boolean(9);
        return l;
    }
    Transaction& c_;
};

class PgOutbox final : public ports::Outbox {
   public:
    explicit PgOutbox(Transaction& c) : c_(c) {}
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
    Transaction& c_;
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
    explicit PgAccounts(Transaction& c) : c_(c) {}
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
    Transaction& c_;
};

class PgSchools final : public ports::Schools {
   public:
    explicit PgSchools(Transaction& c) : c_(c) {}
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
    Transaction& c_;
};

class PgGrants final : public ports::Grants {
   public:
    explicit PgGrants(Transaction& c) : c_(c) {}
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
        for (const Row r : exec(c_, kAccessOf, id)) add_grant(out, r, 0);
        order(out);
        return out;
    }

   private:
    Transaction& c_;
};

class PgSessions final : public ports::Sessions {
   public:
    /// `kept`: the server's viewers, or null when it keeps none (database.view_cache = false).
    PgSessions(Transaction& c, pg::ViewCache* kept) : c_(c), kept_(kept) {}
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
    /// From the viewers kept, if there: the request waited for a fence (Store::fence) before it came here.
    std::optional<Viewing> view(const std::string& id_hash) override {
        if (kept_) {
            if (auto v = kept_->find(id_hash)) return v;
        }
        const std::uint64_t epoch = kept_ ? kept_->epoch() : 0;
        const auto result = exec(c_, kViewSession, id_hash);
        if (result.empty()) {
            if (kept_) kept_->drop(id_hash);
            return std::nullopt;
        }
        Viewing v{read_session(result.row(0)), read_person(result.row(0), 7), {}};
        for (const Row r : result) {
            if (!r.is_null(17)) add_grant(v.access, r, 14);  // a NULL role: the person holds no grant
        }
        order(v.access);
        if (kept_) kept_->keep(id_hash, v, epoch);
        return v;
    }
    void touch(const std::string& id_hash, Timestamp now) override {
        exec(c_, kTouchSession, id_hash, now);
        if (kept_) kept_->touched(id_hash, now);
    }
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
    Transaction& c_;
    pg::ViewCache* kept_;
};

class PgThrottle final : public ports::Throttle {
   public:
    explicit PgThrottle(Transaction& c) : c_(c) {}
    State get(const std::string& address, Timestamp window_start) override {
        auto result = exec(c_, kThrottleGet, address, window_start);
        if (result.empty()) return {};
        return State{static_cast<int>(result.row(0).integer(0)), result.row(0).time(1)};
    }
    void record_failure(const std::string& address, Timestamp now, Timestamp window_start) override {
        exec(c_, kThrottleFail, address, now, window_start);
    }

   private:
    Transaction& c_;
};

class PgAudit final : public ports::Audit {
   public:
    explicit PgAudit(Transaction& c) : c_(c) {}
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
    Transaction& c_;
};

// ---- Studietider och utbildningar (issue [5]) --------------------------------------------------

constexpr const char* kEducations =
    "SELECT id, school_code, code, name, level, unit, total_credits, distance, contract, withdrawn_at, created_at, "
    "updated_at FROM educations WHERE school_code = $1 ORDER BY code";
constexpr const char* kEducation =
    "SELECT id, school_code, code, name, level, unit, total_credits, distance, contract, withdrawn_at, created_at, "
    "updated_at FROM educations WHERE school_code = $1 AND code = $2";
constexpr const char* kAddEducation =
    "INSERT INTO educations (school_code, code, name, level, unit, total_credits, distance, contract, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT DO NOTHING RETURNING id";
constexpr const char* kUpdateEducation =
    "UPDATE educations SET name = $2, level = $3, unit = $4, total_credits = $5, distance = $6, contract = $7, "
    "updated_at = $8 WHERE id = $1";
constexpr const char* kWithdrawEducation =
    "UPDATE educations SET withdrawn_at = $2 WHERE id = $1 AND withdrawn_at IS NULL";
constexpr const char* kPeriods =
    "SELECT id, education_id, label, first_day, last_day, credits, pace, breaks, published_version, changed, "
    "withdrawn_at, updated_at, updated_by FROM study_periods WHERE education_id = $1 ORDER BY first_day, id";
constexpr const char* kPeriod =
    "SELECT id, education_id, label, first_day, last_day, credits, pace, breaks, published_version, changed, "
    "withdrawn_at, updated_at, updated_by FROM study_periods WHERE id = $1";
constexpr const char* kAddPeriod =
    "INSERT INTO study_periods (education_id, label, first_day, last_day, credits, pace, breaks, updated_at, "
    "updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
constexpr const char* kUpdatePeriod =
    "UPDATE study_periods SET label = $2, first_day = $3, last_day = $4, credits = $5, pace = $6, breaks = $7, "
    "changed = 1, updated_at = $8, updated_by = $9 WHERE id = $1";
constexpr const char* kAddVersion =
    "INSERT INTO study_period_versions (period_id, version, label, first_day, last_day, credits, pace, breaks, weeks, "
    "derived_pace, paid_weeks, published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
constexpr const char* kMarkPublished =
    "UPDATE study_periods SET published_version = $2, changed = 0 WHERE id = $1";
constexpr const char* kWithdrawPeriod =
    "UPDATE study_periods SET withdrawn_at = $2 WHERE id = $1 AND withdrawn_at IS NULL";
constexpr const char* kVersions =
    "SELECT period_id, version, label, first_day, last_day, credits, pace, breaks, weeks, derived_pace, paid_weeks, "
    "published_at, published_by FROM study_period_versions WHERE period_id = $1 ORDER BY version DESC";
constexpr const char* kContacts =
    "SELECT id, school_code, name, role, email, phone FROM school_contacts WHERE school_code = $1 ORDER BY name, id";
constexpr const char* kAddContact =
    "INSERT INTO school_contacts (school_code, name, role, email, phone) VALUES ($1, $2, $3, $4, $5) RETURNING id";
constexpr const char* kRemoveContact = "DELETE FROM school_contacts WHERE school_code = $1 AND id = $2";
constexpr const char* kSchoolPeriods =
    "SELECT p.id, p.education_id, p.label, p.first_day, p.last_day, p.credits, p.pace, p.breaks, p.published_version, "
    "p.changed, p.withdrawn_at, p.updated_at, p.updated_by FROM study_periods p JOIN educations e ON e.id = p.education_id "
    "WHERE e.school_code = $1 ORDER BY p.education_id, p.first_day, p.id";

// Ansök om studiemedel (migration 0006), as sqlite_store.cpp reads it; ids travel joined by ','.
constexpr const char* kSearchChangeBounds =
    "SELECT coalesce((SELECT max(seq) FROM search_changes), 0), coalesce((SELECT min(seq) FROM search_changes), 0)";
constexpr const char* kSearchChanged =
    "SELECT DISTINCT education_id FROM search_changes WHERE seq > $1 LIMIT $2";
// An education's name and school, and the labels of its published periods not withdrawn joined by
// U+001F: of every education not withdrawn, or of those in $1.
constexpr const char* kSearchEntriesAll =
    "SELECT e.id, s.code, s.name, e.code, e.name, e.withdrawn_at IS NOT NULL, "
    "(SELECT string_agg(v.label, chr(31)) FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id "
    "AND v.version = p.published_version WHERE p.education_id = e.id AND p.withdrawn_at IS NULL "
    "AND p.published_version > 0) FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.withdrawn_at IS NULL";
constexpr const char* kSearchEntriesOf =
    "SELECT e.id, s.code, s.name, e.code, e.name, e.withdrawn_at IS NOT NULL, "
    "(SELECT string_agg(v.label, chr(31)) FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id "
    "AND v.version = p.published_version WHERE p.education_id = e.id AND p.withdrawn_at IS NULL "
    "AND p.published_version > 0) FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.id = ANY (string_to_array($1, ',')::bigint[])";
constexpr const char* kPublicEducations =
    "SELECT e.id, e.school_code, e.code, e.name, e.level, e.unit, e.total_credits, e.distance, e.contract, "
    "e.withdrawn_at, e.created_at, e.updated_at, s.name FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.id = ANY (string_to_array($1, ',')::bigint[])";
/// The newest published version of every period not withdrawn of the educations in $1 (ids joined
/// by ','), by education and first day; the education's id last.
constexpr const char* kPublicPeriods =
    "SELECT v.period_id, v.version, v.label, v.first_day, v.last_day, v.credits, v.pace, v.breaks, v.weeks, "
    "v.derived_pace, v.paid_weeks, v.published_at, v.published_by, p.education_id "
    "FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id AND v.version = p.published_version "
    "WHERE p.education_id = ANY (string_to_array($1, ',')::bigint[]) AND p.withdrawn_at IS NULL "
    "AND p.published_version > 0 ORDER BY p.education_id, v.first_day, v.period_id";

Education read_education(const Row& r, int col = 0) {
    Education e;
    e.id = r.integer(col);
    e.school = SchoolCode{r.text(col + 1)};
    e.code = r.text(col + 2);
    e.name = r.text(col + 3);
    e.level = studietider::parse_level(r.text(col + 4)).value_or(studietider::Level::eftergymnasial);
    e.unit = studietider::parse_credit_unit(r.text(col + 5)).value_or(studietider::CreditUnit::none);
    if (!r.is_null(col + 6)) e.total_credits = studietider::Credits{r.integer(col + 6)};
    e.distance = r.integer(col + 7) != 0;
    e.contract = r.integer(col + 8) != 0;
    e.withdrawn_at = r.maybe_time(col + 9);
    e.created_at = r.time(col + 10);
    e.updated_at = r.time(col + 11);
    return e;
}

/// label, first_day, last_day, credits, pace, breaks from `col` on.
studietider::PeriodInput read_period_input(const Row& r, int col) {
    studietider::PeriodInput in;
    in.label = r.text(col);
    in.first = parse_date(r.text(col + 1)).value_or(Date{});
    in.last = parse_date(r.text(col + 2)).value_or(Date{});
    if (!r.is_null(col + 3)) in.credits = studietider::Credits{r.integer(col + 3)};
    if (!r.is_null(col + 4)) in.pace = static_cast<studietider::Pace>(r.integer(col + 4));  // stored as its percent
    in.breaks = studietider::parse_breaks(r.text(col + 5)).value_or(std::vector<DateRange>{});
    return in;
}

PublishedPeriod read_version(const Row& r, int col = 0) {
    PublishedPeriod v;
    v.period = r.integer(col);
    v.version = static_cast<int>(r.integer(col + 1));
    v.input = read_period_input(r, col + 2);
    v.weeks = static_cast<int>(r.integer(col + 8));
    v.pace = static_cast<studietider::Pace>(r.integer(col + 9));
    v.paid_weeks = static_cast<int>(r.integer(col + 10));
    v.published_at = r.time(col + 11);
    v.published_by = r.text(col + 12);
    return v;
}

StudyPeriod read_study_period(const Row& r) {
    StudyPeriod p;
    p.id = r.integer(0);
    p.education = r.integer(1);
    p.input = read_period_input(r, 2);
    p.published_version = static_cast<int>(r.integer(8));
    p.changed = r.integer(9) != 0;
    p.withdrawn_at = r.maybe_time(10);
    p.updated_at = r.time(11);
    p.updated_by = r.text(12);
    return p;
}

std::optional<std::int64_t> credits_param(const std::optional<studietider::Credits>& c) {
    return c ? std::optional<std::int64_t>(c->hundredths) : std::nullopt;
}
std::optional<std::int64_t> pace_param(const std::optional<studietider::Pace>& p) {
    return p ? std::optional<std::int64_t>(studietider::percent(*p)) : std::nullopt;
}

std::string joined_ids(const std::vector<std::int64_t>& ids) {
    std::string out;
    for (const auto id : ids) {
        if (!out.empty()) out += ',';
        out += std::to_string(id);
    }
    return out;
}

class PgStudietider final : public ports::Studietider {
   public:
    explicit PgStudietider(Transaction& c) : c_(c) {}

    std::vector<Education> educations(const SchoolCode& school) override {
        return read_all<Education>(exec(c_, kEducations, school), [](const Row& r) { return read_education(r); });
    }
    std::optional<Education> education(const SchoolCode& school, const std::string& code) override {
        return read_first<Education>(exec(c_, kEducation, school, code), [](const Row& r) { return read_education(r); });
    }
    std::optional<std::int64_t> add_education(const Education& e) override {
        auto r = exec(c_, kAddEducation, e.school, e.code, e.name, studietider::to_string(e.level),
                      studietider::to_string(e.unit), credits_param(e.total_credits), std::int64_t{e.distance},
                      std::int64_t{e.contract}, e.created_at);
        if (r.empty()) return std::nullopt;
        return r.row(0).integer(0);
    }
    bool update_education(const Education& e) override {
        return exec(c_, kUpdateEducation, e.id, e.name, studietider::to_string(e.level), studietider::to_string(e.unit),
                    credits_param(e.total_credits), std::int64_t{e.distance}, std::int64_t{e.contract}, e.updated_at)
                   .affected() > 0;
    }
    bool withdraw_education(std::int64_t id, Timestamp at) override {
        return exec(c_, kWithdrawEducation, id, at).affected() > 0;
    }
    std::vector<StudyPeriod> periods(std::int64_t education) override {
        return read_all<StudyPeriod>(exec(c_, kPeriods, education), read_study_period);
    }
    std::optional<StudyPeriod> period(std::int64_t id) override {
        return read_first<StudyPeriod>(exec(c_, kPeriod, id), read_study_period);
    }
    std::int64_t add_period(const StudyPeriod& p) override {
        const auto& in = p.input;
        return exec(c_, kAddPeriod, p.education, in.label, to_string(in.first), to_string(in.last),
                    credits_param(in.credits), pace_param(in.pace), studietider::format_breaks(in.breaks), p.updated_at,
                    p.updated_by)
            .row(0)
            .integer(0);
    }
    bool update_period(const StudyPeriod& p) override {
        const auto& in = p.input;
        return exec(c_, kUpdatePeriod, p.id, in.label, to_string(in.first), to_string(in.last), credits_param(in.credits),
                    pace_param(in.pace), studietider::format_breaks(in.breaks), p.updated_at, p.updated_by)
                   .affected() > 0;
    }
    void publish_period(const PublishedPeriod& v) override {
        const auto& in = v.input;
        exec(c_, kAddVersion, v.period, std::int64_t{v.version}, in.label, to_string(in.first), to_string(in.last),
             credits_param(in.credits), pace_param(in.pace), studietider::format_breaks(in.breaks), std::int64_t{v.weeks},
             std::int64_t{studietider::percent(v.pace)}, std::int64_t{v.paid_weeks}, v.published_at, v.published_by);
        exec(c_, kMarkPublished, v.period, std::int64_t{v.version});
    }
    bool withdraw_period(std::int64_t id, Timestamp at) override {
        return exec(c_, kWithdrawPeriod, id, at).affected() > 0;
    }
    std::vector<PublishedPeriod> versions(std::int64_t period) override {
        return read_all<PublishedPeriod>(exec(c_, kVersions, period), [](const Row& r) { return read_version(r); });
    }
    std::vector<SchoolContact> contacts(const SchoolCode& school) override {
        return read_all<SchoolContact>(exec(c_, kContacts, school), [](const Row& r) {
            return SchoolContact{r.integer(0), SchoolCode{r.text(1)}, r.text(2), r.text(3), r.text(4), r.text(5)};
        });
    }
    std::int64_t add_contact(const SchoolContact& c) override {
        return exec(c_, kAddContact, c.school, c.name, c.role, c.email, c.phone).row(0).integer(0);
    }
    bool remove_contact(const SchoolCode& school, std::int64_t id) override {
        return exec(c_, kRemoveContact, school, id).affected() > 0;
    }
    std::vector<StudyPeriod> school_periods(const SchoolCode& school) override {
        return read_all<StudyPeriod>(exec(c_, kSchoolPeriods, school), read_study_period);
    }
    SearchChanges search_changes(std::int64_t after, int limit) override {
        SearchChanges out;
        const auto bounds = exec(c_, kSearchChangeBounds);
        out.latest = bounds.row(0).integer(0);
        out.oldest = bounds.row(0).integer(1);
        if (out.latest <= after) return out;
        for (const Row& r : exec(c_, kSearchChanged, after, limit)) out.educations.push_back(r.integer(0));
        return out;
    }
    std::vector<studietider::SearchEntry> search_entries(const std::vector<std::int64_t>& ids) override {
        std::vector<studietider::SearchEntry> out;
        const auto rows = ids.empty() ? exec(c_, kSearchEntriesAll) : exec(c_, kSearchEntriesOf, joined_ids(ids));
        for (const Row& r : rows) {
            studietider::SearchEntry e{r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4), r.boolean(5), {}};
            if (!r.is_null(6)) e.terms = studietider::split_labels(r.text(6));
            out.push_back(std::move(e));
        }
        return out;
    }
    std::vector<PublicEducation> public_educations(const std::vector<std::int64_t>& ids) override {
        if (ids.empty()) return {};
        const std::string list = joined_ids(ids);
        std::unordered_map<std::int64_t, PublicEducation> found;
        for (const Row& r : exec(c_, kPublicEducations, list)) {
            auto e = read_education(r);
            const auto id = e.id;
            found.emplace(id, PublicEducation{std::move(e), r.text(12), {}});
        }
        for (const Row& r : exec(c_, kPublicPeriods, list))
            if (auto it = found.find(r.integer(13)); it != found.end()) it->second.periods.push_back(read_version(r));
        std::vector<PublicEducation> out;
        for (const auto id : ids)
            if (auto it = found.find(id); it != found.end()) out.push_back(std::move(it->second));
        return out;
    }

    Transaction& c_;
};

// ---- Studeranderapportering (issue [6]) ----------------------------------------------------------

// As sqlite_store.cpp maps them: days 'YYYY-MM-DD', credits in hundredths, pace as its percent,
// flags 0/1, enums by their to_string names; an empty optional (and an id of 0) is NULL.
// A student is the person (students) with the reading school's own name for them (school_students):
// no statement reads a name of another school's. $1 is the school ('' for none: no name).
constexpr const char* kStudentByHash =
    "SELECT s.id, s.lookup_hash, s.sealed, coalesce(w.name, ''), s.protected_identity, s.created_at FROM students s "
    "LEFT JOIN school_students w ON w.school_code = $1 AND w.student_id = s.id WHERE s.lookup_hash = $2";
constexpr const char* kStudent =
    "SELECT s.id, s.lookup_hash, s.sealed, coalesce(w.name, ''), s.protected_identity, s.created_at FROM students s "
    "LEFT JOIN school_students w ON w.school_code = $1 AND w.student_id = s.id WHERE s.id = $2";
constexpr const char* kAddStudent =
    "INSERT INTO students (lookup_hash, sealed, protected_identity, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
constexpr const char* kSetStudentName =
    "INSERT INTO school_students (school_code, student_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) "
    "ON CONFLICT (school_code, student_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at";
constexpr const char* kSetProtected = "UPDATE students SET protected_identity = $2 WHERE id = $1";

// An enrollment with its education's code and name and its period's label.
constexpr const char* kEnrollments =
    "SELECT e.id, e.school_code, e.student_id, e.education_id, e.period_id, e.support, e.first_day, e.last_day, "
    "e.pace, e.state, e.created_at, e.created_by, d.code, d.name, p.label FROM enrollments e "
    "JOIN educations d ON d.id = e.education_id JOIN study_periods p ON p.id = e.period_id "
    "WHERE e.school_code = $1 AND e.student_id = $2 ORDER BY e.id";
// Every enrollment of the school: a statement of its own, so that one student's uses the index.
constexpr const char* kSchoolEnrollments =
    "SELECT e.id, e.school_code, e.student_id, e.education_id, e.period_id, e.support, e.first_day, e.last_day, "
    "e.pace, e.state, e.created_at, e.created_by, d.code, d.name, p.label FROM enrollments e "
    "JOIN educations d ON d.id = e.education_id JOIN study_periods p ON p.id = e.period_id "
    "WHERE e.school_code = $1 ORDER BY e.id";
constexpr const char* kEnrollment =
    "SELECT e.id, e.school_code, e.student_id, e.education_id, e.period_id, e.support, e.first_day, e.last_day, "
    "e.pace, e.state, e.created_at, e.created_by, d.code, d.name, p.label FROM enrollments e "
    "JOIN educations d ON d.id = e.education_id JOIN study_periods p ON p.id = e.period_id WHERE e.id = $1";
constexpr const char* kAddEnrollment =
    "INSERT INTO enrollments (school_code, student_id, education_id, period_id, support, first_day, last_day, pace, "
    "state, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
constexpr const char* kSetEnrollmentState = "UPDATE enrollments SET state = $2 WHERE id = $1";

constexpr const char* kEvents =
    "SELECT id, kind, day, last_day, pace, credits, hours, passed, supersedes, enrollment_id, school_code, reason, "
    "channel, submission_id, reported_at, reported_month, reported_by FROM report_events WHERE enrollment_id = $1 "
    "ORDER BY id";
constexpr const char* kSchoolEvents =
    "SELECT id, kind, day, last_day, pace, credits, hours, passed, supersedes, enrollment_id, school_code, reason, "
    "channel, submission_id, reported_at, reported_month, reported_by FROM report_events WHERE school_code = $1 "
    "ORDER BY enrollment_id, id";
constexpr const char* kAddEvent =
    "INSERT INTO report_events (enrollment_id, school_code, kind, day, last_day, pace, credits, hours, passed, "
    "supersedes, reason, channel, submission_id, reported_at, reported_month, reported_by) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id";

// One statement for every filter: a NULL parameter matches everything. The name is the one the
// report's school recorded (w), and so is the name searched for. The name is found as a
// substring, bound and never spliced (no LIKE wildcards in it); lower() folds ASCII only, as
// SQLite's does (see kFindPersonByEmail). kCountReports has the same FROM and WHERE.
constexpr const char* kListReports =
    "SELECT r.id, r.kind, r.day, r.last_day, r.pace, r.credits, r.hours, r.passed, r.supersedes, r.enrollment_id, "
    "r.school_code, r.reason, r.channel, r.submission_id, r.reported_at, r.reported_month, r.reported_by, "
    "s.id, s.lookup_hash, s.sealed, coalesce(w.name, ''), s.protected_identity, s.created_at, d.code, d.name, "
    "p.label, c.name "
    "FROM report_events r JOIN enrollments e ON e.id = r.enrollment_id JOIN students s ON s.id = e.student_id "
    "LEFT JOIN school_students w ON w.school_code = e.school_code AND w.student_id = e.student_id "
    "JOIN educations d ON d.id = e.education_id JOIN study_periods p ON p.id = e.period_id "
    "JOIN schools c ON c.code = r.school_code "
    "WHERE ($1::text IS NULL OR r.school_code = $1) AND ($2::text IS NULL OR s.lookup_hash = $2) "
    "AND ($3::text IS NULL OR strpos(lower(w.name COLLATE \"C\"), lower($3 COLLATE \"C\")) > 0) "
    "AND ($4::text IS NULL OR d.code = $4) AND ($5::text IS NULL OR p.label = $5) "
    "AND ($6::text IS NULL OR r.kind = $6) AND ($7::text IS NULL OR r.reported_month = $7) "
    "ORDER BY r.id DESC LIMIT $8 OFFSET $9";
constexpr const char* kCountReports =
    "SELECT count(*) "
    "FROM report_events r JOIN enrollments e ON e.id = r.enrollment_id JOIN students s ON s.id = e.student_id "
    "LEFT JOIN school_students w ON w.school_code = e.school_code AND w.student_id = e.student_id "
    "JOIN educations d ON d.id = e.education_id JOIN study_periods p ON p.id = e.period_id "
    "JOIN schools c ON c.code = r.school_code "
    "WHERE ($1::text IS NULL OR r.school_code = $1) AND ($2::text IS NULL OR s.lookup_hash = $2) "
    "AND ($3::text IS NULL OR strpos(lower(w.name COLLATE \"C\"), lower($3 COLLATE \"C\")) > 0) "
    "AND ($4::text IS NULL OR d.code = $4) AND ($5::text IS NULL OR p.label = $5) "
    "AND ($6::text IS NULL OR r.kind = $6) AND ($7::text IS NULL OR r.reported_month = $7)";
// Months and kinds sort byte by byte, as in SQLite, whatever the database's locale.
constexpr const char* kReportCounts =
    "SELECT r.school_code, c.name, r.kind, r.reported_month, count(*) FROM report_events r "
    "JOIN schools c ON c.code = r.school_code WHERE r.reported_month >= $1 "
    "GROUP BY r.school_code, c.name, r.kind, r.reported_month "
    "ORDER BY r.reported_month COLLATE \"C\" DESC, c.name, r.kind COLLATE \"C\", r.school_code";

constexpr const char* kAddSubmission =
    "INSERT INTO report_submissions (school_code, channel, file_name, sha256, row_count, accepted, refused, "
    "duplicates, saved, state, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
    "RETURNING id";
constexpr const char* kAddSubmissionError =
    "INSERT INTO report_submission_errors (submission_id, line, field, message) VALUES ($1, $2, $3, $4)";
constexpr const char* kFinishSubmission = "UPDATE report_submissions SET state = $2, saved = $3 WHERE id = $1";
constexpr const char* kSubmissions =
    "SELECT id, school_code, channel, file_name, sha256, row_count, accepted, refused, duplicates, saved, state, "
    "uploaded_by, uploaded_at FROM report_submissions WHERE school_code = $1 ORDER BY id DESC LIMIT $2";
constexpr const char* kSubmission =
    "SELECT id, school_code, channel, file_name, sha256, row_count, accepted, refused, duplicates, saved, state, "
    "uploaded_by, uploaded_at FROM report_submissions WHERE school_code = $1 AND id = $2";
constexpr const char* kSubmissionErrors =
    "SELECT line, field, message FROM report_submission_errors WHERE submission_id = $1 ORDER BY line, id";

constexpr const char* kAddKey =
    "INSERT INTO api_keys (school_code, name, digest, prefix, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) "
    "RETURNING id";
constexpr const char* kKeys =
    "SELECT id, school_code, name, digest, prefix, created_at, created_by, revoked_at, last_used_at FROM api_keys "
    "WHERE school_code = $1 ORDER BY id DESC";
constexpr const char* kRevokeKey =
    "UPDATE api_keys SET revoked_at = $3 WHERE school_code = $1 AND id = $2 AND revoked_at IS NULL";
constexpr const char* kKeyByDigest =
    "SELECT id, school_code, name, digest, prefix, created_at, created_by, revoked_at, last_used_at FROM api_keys "
    "WHERE digest = $1";
constexpr const char* kKeyUsed = "UPDATE api_keys SET last_used_at = $2 WHERE id = $1";

constexpr const char* kVaultCheck = "SELECT value FROM identity_key_check WHERE id = 1";
constexpr const char* kSetVaultCheck =
    "INSERT INTO identity_key_check (id, value) VALUES (1, $1) ON CONFLICT (id) DO NOTHING";

std::optional<std::int64_t> id_param(std::int64_t id) { return id != 0 ? std::optional(id) : std::nullopt; }
std::optional<std::int64_t> flag_param(const std::optional<bool>& b) {
    return b ? std::optional<std::int64_t>(*b ? 1 : 0) : std::nullopt;
}
std::optional<std::string> day_param(const std::optional<Date>& d) {
    return d ? std::optional(to_string(*d)) : std::nullopt;
}
/// An empty filter field: NULL, which matches everything.
std::optional<std::string> text_or_null(const std::string& s) {
    return s.empty() ? std::nullopt : std::optional(s);
}

/// id, lookup_hash, sealed, name, protected_identity, created_at from `col` on.
Student read_student(const Row& r, int col = 0) {
    Student s;
    s.id = r.integer(col);
    s.lookup_hash = r.text(col + 1);
    s.sealed = r.text(col + 2);
    s.name = r.text(col + 3);
    s.protected_identity = r.integer(col + 4) != 0;
    s.created_at = r.time(col + 5);
    return s;
}

/// The 15 columns of kEnrollment.
StudentEnrollment read_enrollment(const Row& r) {
    StudentEnrollment e;
    e.id = r.integer(0);
    e.school = SchoolCode{r.text(1)};
    e.student = r.integer(2);
    e.education = r.integer(3);
    e.period = r.integer(4);
    e.plan.support = reports::parse_support(r.text(5)).value_or(reports::Support::unknown);
    e.plan.first = parse_date(r.text(6)).value_or(Date{});
    e.plan.last = parse_date(r.text(7)).value_or(Date{});
    e.plan.pace = static_cast<studietider::Pace>(r.integer(8));  // stored as its percent
    e.state = reports::parse_state(r.text(9)).value_or(reports::State::planned);
    e.created_at = r.time(10);
    e.created_by = r.text(11);
    e.education_code = r.text(12);
    e.education_name = r.text(13);
    e.period_label = r.text(14);
    return e;
}

/// The 17 columns of kEvents from `col` on.
ReportEvent read_report_event(const Row& r, int col = 0) {
    ReportEvent e;
    auto& ev = e.event;
    ev.id = r.integer(col);
    ev.kind = reports::parse_kind(r.text(col + 1)).value_or(reports::Kind::study_start);
    ev.day = parse_date(r.text(col + 2)).value_or(Date{});
    if (!r.is_null(col + 3)) ev.last = parse_date(r.text(col + 3));
    if (!r.is_null(col + 4)) ev.pace = static_cast<studietider::Pace>(r.integer(col + 4));  // stored as its percent
    if (!r.is_null(col + 5)) ev.credits = studietider::Credits{r.integer(col + 5)};
    ev.hours = static_cast<int>(r.integer(col + 6));
    if (!r.is_null(col + 7)) ev.passed = r.integer(col + 7) != 0;
    ev.supersedes = r.integer(col + 8);  // 0 for NULL
    e.enrollment = r.integer(col + 9);
    e.school = SchoolCode{r.text(col + 10)};
    e.reason = r.text(col + 11);
    e.channel = parse_channel(r.text(col + 12)).value_or(Channel::web);
    e.submission = r.integer(col + 13);  // 0 for NULL
    e.reported_at = r.time(col + 14);
    e.reported_month = r.text(col + 15);
    e.reported_by = r.text(col + 16);
    return e;
}

/// The 13 columns of kSubmission, without errors.
Submission read_submission(const Row& r) {
    Submission s;
    s.id = r.integer(0);
    s.school = SchoolCode{r.text(1)};
    s.channel = parse_channel(r.text(2)).value_or(Channel::file);
    s.file_name = r.text(3);
    s.sha256 = r.text(4);
    s.rows = static_cast<int>(r.integer(5));
    s.accepted = static_cast<int>(r.integer(6));
    s.refused = static_cast<int>(r.integer(7));
    s.duplicates = static_cast<int>(r.integer(8));
    s.saved = static_cast<int>(r.integer(9));
    s.state = parse_submission_state(r.text(10)).value_or(SubmissionState::validated);
    s.uploaded_by = r.text(11);
    s.uploaded_at = r.time(12);
    return s;
}

/// The 9 columns of kKeys.
ApiKey read_key(const Row& r) {
    ApiKey k;
    k.id = r.integer(0);
    k.school = SchoolCode{r.text(1)};
    k.name = r.text(2);
    k.digest = r.text(3);
    k.prefix = r.text(4);
    k.created_at = r.time(5);
    k.created_by = r.text(6);
    k.revoked_at = r.maybe_time(7);
    k.last_used_at = r.maybe_time(8);
    return k;
}

class PgReports final : public ports::Reports {
   public:
    explicit PgReports(Transaction& c) : c_(c) {}

    std::optional<Student> student_by_hash(const SchoolCode& school, const std::string& lookup_hash) override {
        return read_first<Student>(exec(c_, kStudentByHash, school, lookup_hash),
                                   [](const Row& r) { return read_student(r); });
    }
    std::optional<Student> student(const SchoolCode& school, std::int64_t id) override {
        return read_first<Student>(exec(c_, kStudent, school, id), [](const Row& r) { return read_student(r); });
    }
    std::int64_t add_student(const Student& s) override {
        return exec(c_, kAddStudent, s.lookup_hash, s.sealed, std::int64_t{s.protected_identity}, s.created_at)
            .row(0)
            .integer(0);
    }
    void set_name(const SchoolCode& school, std::int64_t student, const std::string& name, Timestamp at) override {
        exec(c_, kSetStudentName, school, student, name, at);
    }
    void set_protected(std::int64_t student, bool protected_identity) override {
        exec(c_, kSetProtected, student, std::int64_t{protected_identity});
    }

    std::vector<StudentEnrollment> enrollments(const SchoolCode& school, std::int64_t student) override {
        if (student == 0) return read_all<StudentEnrollment>(exec(c_, kSchoolEnrollments, school), read_enrollment);
        return read_all<StudentEnrollment>(exec(c_, kEnrollments, school, student), read_enrollment);
    }
    std::optional<StudentEnrollment> enrollment(std::int64_t id) override {
        return read_first<StudentEnrollment>(exec(c_, kEnrollment, id), read_enrollment);
    }
    std::int64_t add_enrollment(const StudentEnrollment& e) override {
        const auto& plan = e.plan;
        return exec(c_, kAddEnrollment, e.school, e.student, e.education, e.period, reports::to_string(plan.support),
                    to_string(plan.first), to_string(plan.last), std::int64_t{studietider::percent(plan.pace)},
                    reports::to_string(e.state), e.created_at, e.created_by)
            .row(0)
            .integer(0);
    }
    void set_state(std::int64_t enrollment, reports::State state) override {
        exec(c_, kSetEnrollmentState, enrollment, reports::to_string(state));
    }

    std::vector<ReportEvent> events(std::int64_t enrollment) override {
        return read_all<ReportEvent>(exec(c_, kEvents, enrollment), [](const Row& r) { return read_report_event(r); });
    }
    std::vector<ReportEvent> school_events(const SchoolCode& school) override {
        return read_all<ReportEvent>(exec(c_, kSchoolEvents, school),
                                     [](const Row& r) { return read_report_event(r); });
    }
    std::int64_t add_event(const ReportEvent& e) override {
        const auto& ev = e.event;
        return exec(c_, kAddEvent, e.enrollment, e.school, reports::to_string(ev.kind), to_string(ev.day),
                    day_param(ev.last), pace_param(ev.pace), credits_param(ev.credits), ev.hours, flag_param(ev.passed),
                    id_param(ev.supersedes), e.reason, to_string(e.channel), id_param(e.submission), e.reported_at,
                    e.reported_month, e.reported_by)
            .row(0)
            .integer(0);
    }

    Page list(const ReportFilter& f) override {
        const std::optional<std::string_view> kind =
            f.kind ? std::optional(reports::to_string(*f.kind)) : std::nullopt;
        const std::int64_t limit = std::max(f.limit, 0);
        const int offset = std::max(f.offset, 0);
        Page page;
        page.rows = read_all<ReportListRow>(
            exec(c_, kListReports, f.school, text_or_null(f.lookup_hash), text_or_null(f.name),
                 text_or_null(f.education), text_or_null(f.period), kind, text_or_null(f.month), limit, offset),
            [](const Row& r) {
                return ReportListRow{read_report_event(r), read_student(r, 17), r.text(23), r.text(24), r.text(25),
                                     r.text(26)};
            });
        // A page that ends before its limit and is not past the end tells the total: no second trip.
        const auto n = static_cast<std::int64_t>(page.rows.size());
        if (n < limit && (n > 0 || offset == 0)) {
            page.total = offset + n;
            return page;
        }
        page.total = exec(c_, kCountReports, f.school, text_or_null(f.lookup_hash), text_or_null(f.name),
                          text_or_null(f.education), text_or_null(f.period), kind, text_or_null(f.month))
                         .row(0)
                         .integer(0);
        return page;
    }
    std::vector<ReportCount> counts(const std::string& from_month) override {
        return read_all<ReportCount>(exec(c_, kReportCounts, from_month), [](const Row& r) {
            return ReportCount{SchoolCode{r.text(0)}, r.text(1),
                               reports::parse_kind(r.text(2)).value_or(reports::Kind::study_start), r.text(3),
                               r.integer(4)};
        });
    }

    std::int64_t add_submission(const Submission& s) override {
        const auto id = exec(c_, kAddSubmission, s.school, to_string(s.channel), s.file_name, s.sha256, s.rows,
                             s.accepted, s.refused, s.duplicates, s.saved, to_string(s.state), s.uploaded_by,
                             s.uploaded_at)
                            .row(0)
                            .integer(0);
        for (const auto& e : s.errors) exec(c_, kAddSubmissionError, id, e.line, e.field, e.message);
        return id;
    }
    void finish_submission(std::int64_t id, SubmissionState state, int saved) override {
        exec(c_, kFinishSubmission, id, to_string(state), saved);
    }
    std::vector<Submission> submissions(const SchoolCode& school, int limit) override {
        return read_all<Submission>(exec(c_, kSubmissions, school, limit), read_submission);
    }
    std::optional<Submission> submission(const SchoolCode& school, std::int64_t id) override {
        auto s = read_first<Submission>(exec(c_, kSubmission, school, id), read_submission);
        if (!s) return s;
        s->errors = read_all<SubmissionError>(exec(c_, kSubmissionErrors, id), [](const Row& r) {
            return SubmissionError{static_cast<int>(r.integer(0)), r.text(1), r.text(2)};
        });
        return s;
    }

    std::int64_t add_key(const ApiKey& k) override {
        return exec(c_, kAddKey, k.school, k.name, k.digest, k.prefix, k.created_at, k.created_by).row(0).integer(0);
    }
    std::vector<ApiKey> keys(const SchoolCode& school) override {
        return read_all<ApiKey>(exec(c_, kKeys, school), read_key);
    }
    bool revoke_key(const SchoolCode& school, std::int64_t id, Timestamp at) override {
        return exec(c_, kRevokeKey, school, id, at).affected() > 0;
    }
    std::optional<ApiKey> key_by_digest(const std::string& digest) override {
        return read_first<ApiKey>(exec(c_, kKeyByDigest, digest), read_key);
    }
    void key_used(std::int64_t id, Timestamp at) override { exec(c_, kKeyUsed, id, at); }

    std::optional<std::string> vault_check() override {
        return read_first<std::string>(exec(c_, kVaultCheck), [](const Row& r) { return r.text(0); });
    }
    void set_vault_check(const std::string& check) override { exec(c_, kSetVaultCheck, check); }

   private:
    Transaction& c_;
};

class PgUnit final : public ports::Unit {
   public:
    PgUnit(pg::Pool& pool, ports::TxMode mode, pg::ViewCache* kept) : tx_(pool, mode), sessions_(tx_, kept) {}
    void commit() override { tx_.commit(); }
    void commit_unsynced() override { tx_.commit(false); }
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
    ports::Studietider& studietider() override { return studietider_; }
    ports::Reports& reports() override { return reports_; }

   private:
    Transaction tx_;
    PgAccounts accounts_{tx_};
    PgSchools schools_{tx_};
    PgGrants grants_{tx_};
    PgSessions sessions_;
    PgThrottle throttle_{tx_};
    PgAudit audit_{tx_};
    PgOtps otps_{tx_};
    PgKioskFlows flows_{tx_};
    PgPasswordHistory history_{tx_};
    PgOutbox outbox_{tx_};
    PgLetters letters_{tx_};
    PgStudietider studietider_{tx_};
    PgReports reports_{tx_};
};

int version_of(std::string_view file_name) { return std::stoi(std::string(file_name.substr(0, 4))); }

class PgStore final : public ports::Store {
   public:
    explicit PgStore(const PostgresOptions& o)
        : url_(o.url), pool_(pg::ConnectOptions{o.url, o.connect_timeout_s}, o.pool_size) {
        (void)pool_.acquire();  // fails here, with the reason, when the server cannot be reached
        if (o.view_cache) {
            kept_.emplace();
            listener_.emplace(o.url, o.connect_timeout_s, *kept_);
        }
    }

    std::unique_ptr<ports::Unit> begin(ports::TxMode mode) override {
        return std::make_unique<PgUnit>(pool_, mode, kept_ ? &*kept_ : nullptr);
    }

    void fence(std::function<void()> done) override {
        if (listener_)
            listener_->fence(std::move(done));
        else
            done();
    }
    bool fences() const override { return listener_.has_value(); }
    std::optional<ports::KeptViewers> kept_viewers() const override {
        if (!kept_) return std::nullopt;
        return ports::KeptViewers{kept_->hits(), kept_->misses(), kept_->size(), kept_->listening()};
    }

    /// Under the writers' lock, so that servers starting together migrate one after the other and the
    /// later ones find nothing left to do. All files in one transaction, as the SQLite store does.
    int migrate() override {
        Transaction tx(pool_, ports::TxMode::write);
        (void)tx.run(kNoStatementTimeout, {});
        (void)tx.run(kCreateMigrations, {});
        const std::int64_t current = exec(tx, kSchemaVersion).row(0).integer(0);
        int ran = 0;
        for (const auto& f : postgres_migrations::files()) {
            const int version = version_of(f.name);
            if (version <= current) continue;
            tx.run_script(std::string(f.text));
            exec(tx, kRecordMigration, version, f.name);
            ++ran;
        }
        tx.commit();
        return ran;
    }

    int schema_version() override {
        Transaction tx(pool_, ports::TxMode::read);
        if (!exec(tx, kHasMigrations).row(0).boolean(0)) return 0;
        return static_cast<int>(exec(tx, kSchemaVersion).row(0).integer(0));
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
    std::optional<pg::ViewCache> kept_;
    std::optional<pg::Listener> listener_;  // after kept_, which it feeds: it stops first
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
