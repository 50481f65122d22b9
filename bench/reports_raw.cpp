// The raw rate of inserting report rows into the server's SQLite database: the reference for the
// upload benchmark of studeranderapportering (bench/reports.sh, issue [6]).
//
// On a copy of the database as it was just before the upload, inserts what the server writes for
// ROWS study starts of new students, with the server's own INSERT statements (SqliteReports in
// src/storage/sqlite/sqlite_store.cpp) prepared once, in ONE transaction, under the server's
// PRAGMAs (journal_mode WAL, synchronous FULL, foreign_keys ON, cache_size 32 MiB): one report_submissions row, then
// per row a students row (lookup_hash: 64 hex digits, sealed: 104 hex digits, the lengths
// IdentityVault makes for a 12-digit number; random, made before the clock starts), the school's
// own record of the name (school_students), an enrollments row on the study period (already in its final state,
// 'pagaende') and a report_events row (studiestart). No validation, no hashing, no sealing: only the inserts and the
// commit.
//
// Usage: mina_bench_reports_raw DB ROWS SCHOOL EDUCATION PERIOD DAY BY FIRST
//   DB         the database file (a copy: it is written to)
//   ROWS       how many rows (students, enrollments and events each)
//   SCHOOL     the school's code (DEMO1)
//   EDUCATION  the education's code at the school; PERIOD its published study period's label
//   DAY        the study start's day, YYYY-MM-DD
//   BY         reported_by and created_by ("api:Bench")
//   FIRST      the number of the first student: names are "Elev FIRST", "Elev FIRST+1", ...
// The last line of output is machine-readable:
//   result rows=<n> seconds=<insert + commit> cpu_seconds=<user+sys> rows_per_second=<rate>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

namespace {

double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

[[noreturn]] void fail(sqlite3* db, const char* what) {
    std::fprintf(stderr, "reports_raw: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    std::exit(1);  // NOLINT(concurrency-mt-unsafe): the benchmark has one thread
}

void exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::fprintf(stderr, "reports_raw: %s: %s\n", sql, err ? err : "?");
        std::exit(1);  // NOLINT(concurrency-mt-unsafe): the benchmark has one thread
    }
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) fail(db, sql);
    return s;
}

void done(sqlite3* db, sqlite3_stmt* s, const char* what) {
    if (sqlite3_step(s) != SQLITE_DONE) fail(db, what);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

void text(sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> b(bytes);
    randombytes_buf(b.data(), b.size());
    std::string out(bytes * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), b.data(), b.size());
    out.pop_back();
    return out;
}

// The server's statements (sqlite_store.cpp: kAddSubmission, kAddStudent, kSetStudentName, kAddEnrollment,
// kAddEvent).
constexpr const char* kAddSubmission =
    "INSERT INTO report_submissions (school_code, channel, file_name, sha256, row_count, accepted, refused, "
    "duplicates, "
    "saved, state, uploaded_by, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
constexpr const char* kAddStudent =
    "INSERT INTO students (lookup_hash, sealed, protected_identity, created_at) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kSetStudentName =
    "INSERT INTO school_students (school_code, student_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) "
    "ON CONFLICT (school_code, student_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at";
constexpr const char* kAddEnrollment =
    "INSERT INTO enrollments (school_code, student_id, education_id, period_id, support, first_day, last_day, pace, "
    "state, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr const char* kAddEvent =
    "INSERT INTO report_events (enrollment_id, school_code, kind, day, last_day, pace, credits, hours, passed, "
    "supersedes, reason, channel, submission_id, reported_at, reported_month, reported_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

/// A whole decimal number, or -1 when `text` is not one (std::atol read "12x" as 12 and "x" as 0).
long whole_number(const char* text) {
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(text, &end, 10);
    return end == text || *end != '\0' || errno != 0 ? -1 : v;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 9) {
        std::fprintf(stderr, "usage: %s DB ROWS SCHOOL EDUCATION PERIOD DAY BY FIRST\n", argv[0]);
        return 2;
    }
    const std::string path = argv[1];
    const long rows = whole_number(argv[2]);
    const std::string school = argv[3], education = argv[4], period = argv[5], day = argv[6], by = argv[7];
    const long first = whole_number(argv[8]);
    if (rows <= 0 || first < 0 || sodium_init() < 0) {
        std::fprintf(stderr, "reports_raw: ROWS must be > 0 and FIRST >= 0 (and libsodium must start)\n");
        return 2;
    }

    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        fail(db, "open");
    sqlite3_busy_timeout(db, 5000);
    // The server's connection (sqlite_store.cpp, Connection).
    exec(db, "PRAGMA journal_mode = WAL");
    exec(db, "PRAGMA synchronous = FULL");
    exec(db, "PRAGMA foreign_keys = ON");
    exec(db, "PRAGMA cache_size = -32768");

    // The education and its published period, as the planner reads them (the published version).
    std::int64_t education_id = 0, period_id = 0, pace = 100;
    std::string first_day, last_day;
    {
        sqlite3_stmt* q =
            prepare(db,
                    "SELECT e.id, p.id, v.first_day, v.last_day, coalesce(v.pace, v.derived_pace) FROM educations e "
                    "JOIN study_periods p ON p.education_id = e.id "
                    "JOIN study_period_versions v ON v.period_id = p.id AND v.version = p.published_version "
                    "WHERE e.school_code = ?1 AND e.code = ?2 AND v.label = ?3");
        text(q, 1, school);
        text(q, 2, education);
        text(q, 3, period);
        if (sqlite3_step(q) != SQLITE_ROW) {
            std::fprintf(stderr, "reports_raw: no published period %s of %s at %s\n", period.c_str(), education.c_str(),
                         school.c_str());
            return 1;
        }
        education_id = sqlite3_column_int64(q, 0);
        period_id = sqlite3_column_int64(q, 1);
        first_day = reinterpret_cast<const char*>(sqlite3_column_text(q, 2));
        last_day = reinterpret_cast<const char*>(sqlite3_column_text(q, 3));
        pace = sqlite3_column_int64(q, 4);
        sqlite3_finalize(q);
    }

    // The rows' own values, made before the clock starts.
    struct Row {
        std::string hash, sealed, name;
    };
    std::vector<Row> data(static_cast<std::size_t>(rows));
    for (long i = 0; i < rows; ++i)
        data[static_cast<std::size_t>(i)] = {random_hex(32), random_hex(24 + 12 + 16),
                                             "Elev " + std::to_string(first + i)};
    const std::int64_t now = std::time(nullptr);
    char month[16];
    {
        const std::time_t t = now;
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::snprintf(month, sizeof month, "%04d-%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100);
    }
    sqlite3_stmt* add_submission = prepare(db, kAddSubmission);
    sqlite3_stmt* add_student = prepare(db, kAddStudent);
    sqlite3_stmt* set_name = prepare(db, kSetStudentName);
    sqlite3_stmt* add_enrollment = prepare(db, kAddEnrollment);
    sqlite3_stmt* add_event = prepare(db, kAddEvent);

    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    exec(db, "BEGIN IMMEDIATE");
    text(add_submission, 1, school);
    text(add_submission, 2, "api");
    text(add_submission, 3, "");
    text(add_submission, 4, random_hex(32));
    sqlite3_bind_int64(add_submission, 5, rows);  // row_count
    sqlite3_bind_int64(add_submission, 6, rows);  // accepted
    sqlite3_bind_int64(add_submission, 7, 0);     // refused
    sqlite3_bind_int64(add_submission, 8, 0);     // duplicates
    sqlite3_bind_int64(add_submission, 9, rows);
    text(add_submission, 10, "sparad");
    text(add_submission, 11, by);
    sqlite3_bind_int64(add_submission, 12, now);
    done(db, add_submission, "insert report_submissions");
    const std::int64_t submission = sqlite3_last_insert_rowid(db);

    for (const auto& r : data) {
        text(add_student, 1, r.hash);
        text(add_student, 2, r.sealed);
        sqlite3_bind_int64(add_student, 3, 0);
        sqlite3_bind_int64(add_student, 4, now);
        done(db, add_student, "insert students");
        const std::int64_t student = sqlite3_last_insert_rowid(db);

        text(set_name, 1, school);
        sqlite3_bind_int64(set_name, 2, student);
        text(set_name, 3, r.name);
        sqlite3_bind_int64(set_name, 4, now);
        done(db, set_name, "insert school_students");

        text(add_enrollment, 1, school);
        sqlite3_bind_int64(add_enrollment, 2, student);
        sqlite3_bind_int64(add_enrollment, 3, education_id);
        sqlite3_bind_int64(add_enrollment, 4, period_id);
        text(add_enrollment, 5, "studiemedel");
        text(add_enrollment, 6, first_day);
        text(add_enrollment, 7, last_day);
        sqlite3_bind_int64(add_enrollment, 8, pace);
        text(add_enrollment, 9, "pagaende");
        sqlite3_bind_int64(add_enrollment, 10, now);
        text(add_enrollment, 11, by);
        done(db, add_enrollment, "insert enrollments");
        const std::int64_t enrollment = sqlite3_last_insert_rowid(db);

        sqlite3_bind_int64(add_event, 1, enrollment);
        text(add_event, 2, school);
        text(add_event, 3, "studiestart");
        text(add_event, 4, day);
        // 5 last_day, 6 pace, 7 credits: NULL; 9 passed, 10 supersedes: NULL
        sqlite3_bind_int64(add_event, 8, 0);
        text(add_event, 11, "");
        text(add_event, 12, "api");
        sqlite3_bind_int64(add_event, 13, submission);
        sqlite3_bind_int64(add_event, 14, now);
        text(add_event, 15, month);
        text(add_event, 16, by);
        done(db, add_event, "insert report_events");
    }
    exec(db, "COMMIT");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;

    sqlite3_finalize(add_submission);
    sqlite3_finalize(add_student);
    sqlite3_finalize(set_name);
    sqlite3_finalize(add_enrollment);
    sqlite3_finalize(add_event);
    sqlite3_close_v2(db);
    std::printf("result rows=%ld seconds=%.3f cpu_seconds=%.3f rows_per_second=%.0f\n", rows, seconds, cpu,
                static_cast<double>(rows) / seconds);
    return 0;
}
