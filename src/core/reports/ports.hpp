// What Studeranderapportering (issue [6]) needs from storage: students (their numbers sealed, found
// by a keyed hash), their enrollments at a school, the append-only report events, the uploads
// (submissions) with their errors, and the schools' API keys. Implemented by each store beside the
// other ports (ports::Unit::reports()). Nothing here holds a personal number in clear.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/model.hpp"
#include "core/common/repositories.hpp"
#include "core/reports/rules.hpp"
#include "core/studietider/ports.hpp"

namespace mina {

/// A student as a school sees them: the person (one for every school: the number only sealed
/// (crypto::IdentityVault) and as its lookup hash, and whether the identity is protected) with the
/// name that school recorded. A school never reads another school's name (SPEC §4).
struct Student {
    std::int64_t id = 0;
    std::string lookup_hash;          // IdentityVault::lookup_hash of the canonical number: unique
    std::string sealed;               // IdentityVault::seal of it
    std::string name;                 // the reading school's own record, optional (empty: it has none)
    bool protected_identity = false;  // skyddade personuppgifter, of the person: masked in every school's views
    Timestamp created_at;
};

/// One student on one study period of one of the school's educations.
struct StudentEnrollment {
    std::int64_t id = 0;
    SchoolCode school;
    std::int64_t student = 0;
    std::int64_t education = 0;
    std::int64_t period = 0;
    reports::Enrollment plan;                       // support, and the period's days and pace when it was enrolled
    reports::State state{reports::State::planned};  // after its events (kept for the lists)
    // Read with it, never written through it:
    std::string education_code;
    std::string education_name;
    std::string period_label;
    Timestamp created_at;
    std::string created_by;
};

enum class Channel { web, file, api };
[[nodiscard]] std::string_view to_string(Channel c);
[[nodiscard]] std::optional<Channel> parse_channel(std::string_view text);

/// A report as sent: never changed afterwards (the table refuses UPDATE and DELETE).
struct ReportEvent {
    reports::Event event;  // its id, kind, days, payload and what it supersedes
    std::int64_t enrollment = 0;
    SchoolCode school;
    std::string reason;  // why a correction was made
    Channel channel{Channel::web};
    std::int64_t submission = 0;  // the upload it came in (0: a form)
    Timestamp reported_at;
    std::string reported_month;    // "YYYY-MM" of reported_at (UTC), for the agency's counts
    std::string reported_by;       // a username, or "api:<key name>"
    std::string reported_by_name;  // read by events() only: that person's name now (empty: none known)
};

/// A row of the lists: the report with its student and where it belongs.
struct ReportListRow {
    ReportEvent report;
    Student student;  // with the name the report's school recorded
    std::string education_code;
    std::string education_name;
    std::string period_label;
    std::string school_name;
};

struct ReportFilter {
    std::optional<SchoolCode> school;  // none: every school (the agency's view)
    std::string lookup_hash;           // one student's number, exactly
    std::string name;                  // part of a student's name as the report's school recorded it (any case)
    std::string education;             // an education's code
    std::string period;                // a study period's label
    std::optional<reports::Kind> kind;
    std::string month;  // "YYYY-MM" reported
    int offset = 0;
    int limit = 50;
};

struct ReportCount {
    SchoolCode school;
    std::string school_name;
    reports::Kind kind{reports::Kind::study_start};
    std::string month;  // "YYYY-MM"
    std::int64_t count = 0;
};

enum class SubmissionState { validated, saved, partly_saved, nothing_saved };
[[nodiscard]] std::string_view to_string(SubmissionState s);
[[nodiscard]] std::optional<SubmissionState> parse_submission_state(std::string_view text);

struct SubmissionError {
    int line = 0;         // the file's line (the header is line 1), or the API's row (from 1)
    std::string field;    // the column, or empty for the row as a whole
    std::string message;  // in the uploader's language
};

/// An upload (a file or an API call) and what became of it.
struct Submission {
    std::int64_t id = 0;
    SchoolCode school;
    Channel channel{Channel::file};
    std::string file_name;
    std::string sha256;  // of the bytes received
    int rows = 0;
    int accepted = 0;
    int refused = 0;
    int duplicates = 0;
    int saved = 0;
    SubmissionState state{SubmissionState::validated};
    std::string uploaded_by;
    Timestamp uploaded_at;
    std::vector<SubmissionError> errors;  // read by submission(), not by submissions()
};

/// A school's key for the reporting API. Only its digest is kept; the key is shown once.
struct ApiKey {
    std::int64_t id = 0;
    SchoolCode school;
    std::string name;
    std::string digest;  // ports::Tokens::digest of the key
    std::string prefix;  // the key's first characters, to tell keys apart
    Timestamp created_at;
    std::string created_by;
    std::optional<Timestamp> revoked_at;
    std::optional<Timestamp> last_used_at;
};

namespace ports {

/// Personal numbers at rest (crypto::IdentityVault): sealed, and found by a keyed hash.
class Identities {
   public:
    virtual ~Identities() = default;
    [[nodiscard]] virtual std::string lookup_hash(std::string_view canonical) const = 0;
    [[nodiscard]] virtual std::string seal(std::string_view canonical) const = 0;
    /// The number, or nothing when it was not sealed with this key.
    [[nodiscard]] virtual std::optional<std::string> open(std::string_view sealed) const = 0;
};

class Reports {
   public:
    virtual ~Reports() = default;

    // Students: the person is one row; the name is each school's own (school_students)
    /// The person with `school`'s name for them (a school that has none, or no school: empty).
    [[nodiscard]] virtual std::optional<Student> student_by_hash(const SchoolCode& school,
                                                                 const std::string& lookup_hash) = 0;
    [[nodiscard]] virtual std::optional<Student> student(const SchoolCode& school, std::int64_t id) = 0;
    /// The person (not the name: set_name); returns the new id. A student with the same lookup hash
    /// must not exist (UNIQUE).
    virtual std::int64_t add_student(const Student& s) = 0;
    /// The school's own record of the student's name, made or replaced.
    virtual void set_name(const SchoolCode& school, std::int64_t student, const std::string& name, Timestamp at) = 0;
    /// The person's protected identity, for every school.
    virtual void set_protected(std::int64_t student, bool protected_identity) = 0;

    // Enrollments
    /// The student's enrollments at the school (every one of the school's when `student` is 0), by id.
    [[nodiscard]] virtual std::vector<StudentEnrollment> enrollments(const SchoolCode& school,
                                                                     std::int64_t student) = 0;
    [[nodiscard]] virtual std::optional<StudentEnrollment> enrollment(std::int64_t id) = 0;
    virtual std::int64_t add_enrollment(const StudentEnrollment& e) = 0;
    virtual void set_state(std::int64_t enrollment, reports::State state) = 0;

    // Report events: appended, never changed
    /// The enrollment's events in the order saved (by id).
    [[nodiscard]] virtual std::vector<ReportEvent> events(std::int64_t enrollment) = 0;
    /// Every event of the school's enrollments, by enrollment and id (for an upload's plan).
    [[nodiscard]] virtual std::vector<ReportEvent> school_events(const SchoolCode& school) = 0;
    virtual std::int64_t add_event(const ReportEvent& e) = 0;

    struct Page {
        std::vector<ReportListRow> rows;  // newest first
        std::int64_t total = 0;           // rows matching in all
    };
    [[nodiscard]] virtual Page list(const ReportFilter& f) = 0;
    /// Reports per school, kind and month reported, from `from_month` ("YYYY-MM") on; by month
    /// (newest first), school name and kind.
    [[nodiscard]] virtual std::vector<ReportCount> counts(const std::string& from_month) = 0;

    // Submissions
    virtual std::int64_t add_submission(const Submission& s) = 0;  // with its errors
    /// A previewed upload saved (or not): its state and counts.
    virtual void finish_submission(std::int64_t id, SubmissionState state, int saved) = 0;
    /// The school's newest first, without their errors.
    [[nodiscard]] virtual std::vector<Submission> submissions(const SchoolCode& school, int limit) = 0;
    /// With its errors; nothing when it is not the school's.
    [[nodiscard]] virtual std::optional<Submission> submission(const SchoolCode& school, std::int64_t id) = 0;

    // API keys
    virtual std::int64_t add_key(const ApiKey& k) = 0;
    [[nodiscard]] virtual std::vector<ApiKey> keys(const SchoolCode& school) = 0;  // newest first
    /// False when the school has no such key, or it was revoked already.
    virtual bool revoke_key(const SchoolCode& school, std::int64_t id, Timestamp at) = 0;
    [[nodiscard]] virtual std::optional<ApiKey> key_by_digest(const std::string& digest) = 0;
    virtual void key_used(std::int64_t id, Timestamp at) = 0;

    /// The identity key's check value (a lookup hash of a fixed text), written once: a server with
    /// another key refuses to start instead of sealing numbers no other server can read.
    [[nodiscard]] virtual std::optional<std::string> vault_check() = 0;
    virtual void set_vault_check(const std::string& check) = 0;
};

}  // namespace ports

namespace reports {

/// Studeranderapportering (reports::Service): its reports, and the school's educations and periods
/// that reports are made against.
class Unit : public virtual ports::UnitOfWork {
   public:
    virtual ports::Reports& reports() = 0;
    virtual ports::Studietider& studietider() = 0;
    virtual ports::Audit& audit() = 0;
};

using Store = ports::StoreOf<Unit>;

}  // namespace reports
}  // namespace mina
