// The SQLite store: Studeranderapportering (issue [6]). The same ports,
// statement for statement, as src/storage/postgres/reports.cpp.
#include "storage/sql/reports.hpp"
#include "storage/sqlite/repositories.hpp"

namespace mina::storage::sqlite {
namespace {

using namespace sql;  // the statements both stores share (storage/sql/reports.hpp)

constexpr const char* kStudentById =
    "SELECT s.id, s.lookup_hash, s.sealed, coalesce(w.name, ''), s.protected_identity, s.created_at FROM students s "
    "LEFT JOIN school_students w ON w.school_code = ?1 AND w.student_id = s.id WHERE s.id = ?2";
constexpr const char* kAddStudent =
    "INSERT INTO students (lookup_hash, sealed, protected_identity, created_at) VALUES (?1, ?2, ?3, ?4)";
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
#define MINA_EVENT_COLUMNS                                                                                    \
    "r.id, r.enrollment_id, r.school_code, r.kind, r.day, r.last_day, r.pace, r.credits, r.hours, r.passed, " \
    "r.supersedes, r.reason, r.channel, r.submission_id, r.reported_at, r.reported_month, r.reported_by"
// With the reporter's name as the persons table has it (empty for an API key or a name not known).
constexpr const char* kEventsOf =
    "SELECT " MINA_EVENT_COLUMNS
    ", coalesce(trim(w.first_name || ' ' || w.last_name), '') FROM report_events r "
    "LEFT JOIN persons w ON w.username = r.reported_by WHERE r.enrollment_id = ?1 ORDER BY r.id";
constexpr const char* kSchoolEvents =
    "SELECT " MINA_EVENT_COLUMNS " FROM report_events r WHERE r.school_code = ?1 ORDER BY r.enrollment_id, r.id";
constexpr const char* kAddEvent =
    "INSERT INTO report_events (enrollment_id, school_code, kind, day, last_day, pace, credits, hours, passed, "
    "supersedes, reason, channel, submission_id, reported_at, reported_month, reported_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
// One statement for every filter: an unused one is bound NULL. The name is the one the report's
// school recorded (w), and so is the name searched for.
#define MINA_LIST_WHERE                                                                                         \
    "FROM report_events r JOIN enrollments n ON n.id = r.enrollment_id JOIN students s ON s.id = n.student_id " \
    "LEFT JOIN school_students w ON w.school_code = n.school_code AND w.student_id = n.student_id "             \
    "JOIN educations e ON e.id = n.education_id JOIN study_periods p ON p.id = n.period_id "                    \
    "JOIN schools c ON c.code = r.school_code "                                                                 \
    "WHERE (?1 IS NULL OR r.school_code = ?1) AND (?2 IS NULL OR s.lookup_hash = ?2) "                          \
    "AND (?3 IS NULL OR instr(lower(w.name), lower(?3)) > 0) AND (?4 IS NULL OR e.code = ?4) "                  \
    "AND (?5 IS NULL OR p.label = ?5) AND (?6 IS NULL OR r.kind = ?6) AND (?7 IS NULL OR r.reported_month = ?7) "
constexpr const char* kList = "SELECT " MINA_EVENT_COLUMNS
                              ", s.id, s.lookup_hash, s.sealed, coalesce(w.name, ''), "
                              "s.protected_identity, s.created_at, e.code, e.name, p.label, c.name " MINA_LIST_WHERE
                              "ORDER BY r.id DESC LIMIT ?8 OFFSET ?9";
constexpr const char* kListCount = "SELECT count(*) " MINA_LIST_WHERE;
#undef MINA_LIST_WHERE
constexpr const char* kCounts =
    "SELECT r.school_code, c.name, r.kind, r.reported_month, count(*) FROM report_events r "
    "JOIN schools c ON c.code = r.school_code WHERE r.reported_month >= ?1 "
    "GROUP BY r.school_code, c.name, r.kind, r.reported_month "
    "ORDER BY r.reported_month DESC, c.name, r.kind, r.school_code";
constexpr const char* kAddSubmission =
    "INSERT INTO report_submissions (school_code, channel, file_name, sha256, row_count, accepted, refused, "
    "duplicates, "
    "saved, state, uploaded_by, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
#define MINA_SUBMISSION_COLUMNS                                                                             \
    "id, school_code, channel, file_name, sha256, row_count, accepted, refused, duplicates, saved, state, " \
    "uploaded_by, uploaded_at"
constexpr const char* kSubmissions =
    "SELECT " MINA_SUBMISSION_COLUMNS " FROM report_submissions WHERE school_code = ?1 ORDER BY id DESC LIMIT ?2";
constexpr const char* kSubmission =
    "SELECT " MINA_SUBMISSION_COLUMNS " FROM report_submissions WHERE school_code = ?1 AND id = ?2";
#undef MINA_SUBMISSION_COLUMNS
#define MINA_KEY_COLUMNS "id, school_code, name, digest, prefix, created_at, created_by, revoked_at, last_used_at"
constexpr const char* kAddKey =
    "INSERT INTO api_keys (school_code, name, digest, prefix, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kKeys = "SELECT " MINA_KEY_COLUMNS " FROM api_keys WHERE school_code = ?1 ORDER BY id DESC";
constexpr const char* kKeyByDigest = "SELECT " MINA_KEY_COLUMNS " FROM api_keys WHERE digest = ?1";
#undef MINA_KEY_COLUMNS

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
        while (q.step()) {
            out.push_back(read_event(q));
            out.back().reported_by_name = q.text(17);
        }
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
        q.bind(1, r.enrollment)
            .bind(2, r.school.value())
            .bind(3, reports::to_string(ev.kind))
            .bind(4, to_string(ev.day));
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
                           reports::parse_kind(q.text(2)).value_or(reports::Kind::study_start), q.text(3),
                           q.integer(4)});
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

}  // namespace

std::unique_ptr<ports::Reports> make_reports(Connection& c) { return std::make_unique<SqliteReports>(c); }

}  // namespace mina::storage::sqlite
