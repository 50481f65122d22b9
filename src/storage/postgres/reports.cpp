// The PostgreSQL store: Studeranderapportering (issue [6]). The same ports,
// statement for statement, as src/storage/sqlite/reports.cpp.
#include "storage/sql/reports.hpp"
#include "storage/postgres/repositories.hpp"
#include "storage/sql/dollars.hpp"

namespace mina::storage::postgres {
namespace {

using sql::Dollars;

// ---- Studeranderapportering (issue [6]) ----------------------------------------------------------

// As src/storage/sqlite/reports.cpp maps them: days 'YYYY-MM-DD', credits in hundredths, pace as its
// percent, flags 0/1, enums by their to_string names; an empty optional (and an id of 0) is NULL.
// A student is the person (students) with the reading school's own name for them (school_students):
// no statement reads a name of another school's. $1 is the school ('' for none: no name).
constexpr Dollars kStudentByHash{sql::kStudentByHash};
constexpr const char* kStudent =
    "SELECT s.id, s.lookup_hash, s.sealed, coalesce(w.name, ''), s.protected_identity, s.created_at FROM students s "
    "LEFT JOIN school_students w ON w.school_code = $1 AND w.student_id = s.id WHERE s.id = $2";
constexpr const char* kAddStudent =
    "INSERT INTO students (lookup_hash, sealed, protected_identity, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
constexpr Dollars kSetStudentName{sql::kSetStudentName};
constexpr Dollars kSetProtected{sql::kSetProtected};

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
constexpr Dollars kSetEnrollmentState{sql::kSetEnrollmentState};

// With the reporter's name as the persons table has it (empty for an API key or a name not known).
constexpr const char* kEvents =
    "SELECT r.id, r.kind, r.day, r.last_day, r.pace, r.credits, r.hours, r.passed, r.supersedes, r.enrollment_id, "
    "r.school_code, r.reason, r.channel, r.submission_id, r.reported_at, r.reported_month, r.reported_by, "
    "coalesce(trim(w.first_name || ' ' || w.last_name), '') FROM report_events r "
    "LEFT JOIN persons w ON w.username = r.reported_by WHERE r.enrollment_id = $1 ORDER BY r.id";
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
constexpr Dollars kAddSubmissionError{sql::kAddSubmissionError};
constexpr Dollars kFinishSubmission{sql::kFinishSubmission};
constexpr const char* kSubmissions =
    "SELECT id, school_code, channel, file_name, sha256, row_count, accepted, refused, duplicates, saved, state, "
    "uploaded_by, uploaded_at FROM report_submissions WHERE school_code = $1 ORDER BY id DESC LIMIT $2";
constexpr const char* kSubmission =
    "SELECT id, school_code, channel, file_name, sha256, row_count, accepted, refused, duplicates, saved, state, "
    "uploaded_by, uploaded_at FROM report_submissions WHERE school_code = $1 AND id = $2";
constexpr Dollars kSubmissionErrors{sql::kSubmissionErrors};

constexpr const char* kAddKey =
    "INSERT INTO api_keys (school_code, name, digest, prefix, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) "
    "RETURNING id";
constexpr const char* kKeys =
    "SELECT id, school_code, name, digest, prefix, created_at, created_by, revoked_at, last_used_at FROM api_keys "
    "WHERE school_code = $1 ORDER BY id DESC";
constexpr Dollars kRevokeKey{sql::kRevokeKey};
constexpr const char* kKeyByDigest =
    "SELECT id, school_code, name, digest, prefix, created_at, created_by, revoked_at, last_used_at FROM api_keys "
    "WHERE digest = $1";
constexpr Dollars kKeyUsed{sql::kKeyUsed};

constexpr Dollars kVaultCheck{sql::kVaultCheck};
constexpr Dollars kSetVaultCheck{sql::kSetVaultCheck};

std::optional<std::int64_t> id_param(std::int64_t id) { return id != 0 ? std::optional(id) : std::nullopt; }
std::optional<std::int64_t> flag_param(const std::optional<bool>& b) {
    return b ? std::optional<std::int64_t>(*b ? 1 : 0) : std::nullopt;
}
std::optional<std::string> day_param(const std::optional<Date>& d) {
    return d ? std::optional(to_string(*d)) : std::nullopt;
}
/// An empty filter field: NULL, which matches everything.
std::optional<std::string> text_or_null(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }

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
        return read_all<ReportEvent>(exec(c_, kEvents, enrollment), [](const Row& r) {
            auto e = read_report_event(r);
            e.reported_by_name = r.text(17);
            return e;
        });
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
        const std::optional<std::string_view> kind = f.kind ? std::optional(reports::to_string(*f.kind)) : std::nullopt;
        const std::int64_t limit = std::max(f.limit, 0);
        const int offset = std::max(f.offset, 0);
        Page page;
        page.rows = read_all<ReportListRow>(
            exec(c_, kListReports, f.school, text_or_null(f.lookup_hash), text_or_null(f.name),
                 text_or_null(f.education), text_or_null(f.period), kind, text_or_null(f.month), limit, offset),
            [](const Row& r) {
                return ReportListRow{read_report_event(r), read_student(r, 17), r.text(23),
                                     r.text(24),           r.text(25),          r.text(26)};
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
        const auto id =
            exec(c_, kAddSubmission, s.school, to_string(s.channel), s.file_name, s.sha256, s.rows, s.accepted,
                 s.refused, s.duplicates, s.saved, to_string(s.state), s.uploaded_by, s.uploaded_at)
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

}  // namespace

std::unique_ptr<ports::Reports> make_reports(Transaction& tx) { return std::make_unique<PgReports>(tx); }

}  // namespace mina::storage::postgres
