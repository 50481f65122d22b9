// Studeranderapportering (issue [6], manual §1.1): a school reports facts about each student, for
// the people granted `studeranderapportering` at that school; the agency reads across schools.
// Every call checks the viewer's grant at the school itself, every read of a student's page and
// every search or export by personal number is in the audit log (GDPR), and the number is shown in
// full only on the student's page (and in an export that asks for it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/common/csv.hpp"
#include "core/common/group_commit.hpp"
#include "core/common/ports.hpp"
#include "core/login/portal.hpp"
#include "core/reports/plan.hpp"

namespace mina::reports {

enum class Refusal {
    not_allowed,         // no grant at the school (or not the agency)
    no_such_student,     // none at this school
    protection_kept,     // a school may set a protected identity, never lift it: only the agency
    no_such_submission,  // none at this school, or already saved, or another file
    no_such_key,
    key_refused,    // an API key that is unknown or revoked
    unreadable,     // a file with an unterminated quote (detail: its line)
    no_columns,     // a file without the columns it needs (detail: the missing ones)
    too_many_rows,  // more than kMaxUploadRows
};
struct Denied {
    Refusal why;
    std::string detail{};
};

inline constexpr int kListPageSize = 50;
inline constexpr int kMaxUploadRows = 200'000;
inline constexpr int kMaxExportRows = 100'000;

/// The lists' search (empty fields match everything).
struct ListQuery {
    std::string school;  // the agency's view only: one school, or every school when empty
    std::string number;
    std::string name;
    std::string education;
    std::string period;
    std::string kind;
    std::string month;
    int page = 1;
};

struct ListRowView {
    ReportListRow row;
    std::string number;  // masked (YYMMDD-****); empty for a protected identity
};
struct ListView {
    std::vector<ListRowView> rows;
    std::int64_t total = 0;
    int page = 1;
    bool more = false;
    std::optional<pnr::Problem> number_problem;  // the number searched for cannot be a number
};

struct EnrollmentView {
    StudentEnrollment enrollment;
    Standing standing;
    std::vector<ReportEvent> history;   // newest first
    std::set<std::int64_t> superseded;  // events a correction replaced
};
struct StudentView {
    Student student;                          // the school's own name; no name while the identity is protected
    std::string number;                       // in full, YYMMDD-NNNC; empty while the identity is protected
    std::vector<EnrollmentView> enrollments;  // the school's own, with their history
};

struct Reported {
    std::int64_t student = 0;
    std::int64_t event = 0;  // 0: a duplicate, nothing saved
};
using ReportOutcome = std::variant<Reported, RowPlan, Denied>;

enum class SaveMode { all_or_nothing, good_rows };

/// A file or an API call, judged and recorded as a submission.
struct Upload {
    std::int64_t submission = 0;
    Plan plan;
    std::string sha256;
    std::string fingerprint;  // of the plan: a save is refused when the plan it would do has changed
};
struct UploadSaved {
    std::int64_t submission = 0;
    int saved = 0;
    SubmissionState state{SubmissionState::saved};
    Plan plan;
};
/// Nothing saved: the plan is not what the preview showed (the data changed since), or the whole
/// file was asked for and some rows are refused.
struct UploadChanged {
    Upload upload;
};
struct UploadNotSaved {
    Upload upload;
};
using SaveOutcome = std::variant<UploadSaved, UploadChanged, UploadNotSaved, Denied>;

/// A key as created: the secret is shown once and never stored.
struct NewKey {
    ApiKey key;
    std::string secret;
};

/// What a row's problems are, as stable codes ("pnr.check_digit", "problem.day_bad",
/// "conflict.after_end|2026-06-30"): stored with a submission and worded in the reader's language.
[[nodiscard]] std::vector<SubmissionError> error_codes(const RowPlan& row);

class Service final {
   public:
    /// `days`: where "today" is (the service's time zone): no event after it, months by it.
    /// `reads`: where the audit rows of student pages read go to share a transaction with other
    /// requests' (nothing: each committed alone).
    Service(Store store, const ports::Identities& identities, ports::Tokens& tokens, const LocalDays& days,
            GroupCommit<Unit>* reads = nullptr)
        : store_(store), identities_(identities), tokens_(tokens), days_(days), reads_(reads) {}

    /// The identity key against the database: the check value is written by the first server, and a
    /// server with another key is told so (false) before it seals a number no other can read.
    [[nodiscard]] bool check_identity_key();

    [[nodiscard]] std::variant<ListView, Denied> list(const portal::Viewer& v, const std::string& school,
                                                      const ListQuery& q, const ClientInfo& client, Timestamp now);
    /// The list as CSV (every page); numbers masked unless `full_numbers`, protected identities always.
    [[nodiscard]] std::variant<std::string, Denied> export_csv(const portal::Viewer& v, const std::string& school,
                                                               const ListQuery& q, bool full_numbers,
                                                               const ClientInfo& client, Timestamp now);
    /// The student's page at the school: read in the audit log.
    [[nodiscard]] std::variant<StudentView, Denied> student(const portal::Viewer& v, const std::string& school,
                                                            std::int64_t id, const ClientInfo& client, Timestamp now);
    /// The school's educations with their published periods (the report form's choices).
    [[nodiscard]] std::variant<std::vector<EducationInfo>, Denied> educations(const portal::Viewer& v,
                                                                              const std::string& school);
    /// One report from a form: saved, or why not (nothing saved).
    [[nodiscard]] ReportOutcome report(const portal::Viewer& v, const std::string& school, const Fields& f,
                                       const ClientInfo& client, Timestamp now);
    /// The school's own name for its student, and the person's protection set (never lifted: a
    /// school that asks to lift it is refused, `protection_kept`, and nothing is changed).
    [[nodiscard]] std::variant<std::monostate, Denied> set_student(const portal::Viewer& v, const std::string& school,
                                                                   std::int64_t id, const std::string& name,
                                                                   bool protected_identity, const ClientInfo& client,
                                                                   Timestamp now);
    /// The agency sets or lifts a person's protected identity (for every school).
    [[nodiscard]] std::variant<std::monostate, Denied> set_protection(const portal::Viewer& v, std::int64_t id,
                                                                      bool protected_identity, const ClientInfo& client,
                                                                      Timestamp now);

    /// A school's file judged and recorded as a submission (nothing else saved).
    [[nodiscard]] std::variant<Upload, Denied> preview(const portal::Viewer& v, const std::string& school,
                                                       std::string_view bytes, const std::string& file_name,
                                                       const ClientInfo& client, Timestamp now);
    /// The previewed file saved: again judged, under the write lock, in one transaction.
    [[nodiscard]] SaveOutcome save(const portal::Viewer& v, const std::string& school, std::int64_t submission,
                                   std::string_view bytes, SaveMode mode, const std::string& fingerprint,
                                   const ClientInfo& client, Timestamp now);
    [[nodiscard]] std::variant<std::vector<Submission>, Denied> submissions(const portal::Viewer& v,
                                                                            const std::string& school);
    [[nodiscard]] std::variant<Submission, Denied> submission(const portal::Viewer& v, const std::string& school,
                                                              std::int64_t id);
    /// The file format's example (example_file()), for those who may send the school's files.
    [[nodiscard]] std::variant<std::string, Denied> example(const portal::Viewer& v, const std::string& school) const;

    /// An upload's rows, read one at a time (a large one is not copied into Fields all at once).
    struct Rows {
        std::size_t count = 0;
        std::function<Fields(std::size_t)> at;   // the row `i` (from 0), asked for once, in order
        std::function<int(std::size_t)> line{};  // the row's line in its file; unset: i + 1
    };
    /// The API: `rows` for the school, with a key of that school. `mode` empty: validate only.
    /// `body_sha256`: of the call's body (kept with the submission).
    [[nodiscard]] std::variant<UploadSaved, UploadNotSaved, Denied> api(const std::string& secret,
                                                                        const std::string& school, const Rows& rows,
                                                                        std::optional<SaveMode> mode,
                                                                        const std::string& body_sha256,
                                                                        const ClientInfo& client, Timestamp now);
    /// The API's check before a call's body is read: nothing when `secret` is a live key of `school`,
    /// else key_refused or not_allowed (as api() would answer).
    [[nodiscard]] std::optional<Denied> check_key(const std::string& secret, const std::string& school);
    [[nodiscard]] std::variant<std::vector<ApiKey>, Denied> keys(const portal::Viewer& v, const std::string& school);
    [[nodiscard]] std::variant<NewKey, Denied> create_key(const portal::Viewer& v, const std::string& school,
                                                          const std::string& name, const ClientInfo& client,
                                                          Timestamp now);
    [[nodiscard]] std::variant<std::monostate, Denied> revoke_key(const portal::Viewer& v, const std::string& school,
                                                                  std::int64_t id, const ClientInfo& client,
                                                                  Timestamp now);

    /// The agency: reports per school, kind and month from `from_month` on.
    [[nodiscard]] std::variant<std::vector<ReportCount>, Denied> counts(const portal::Viewer& v,
                                                                        const std::string& from_month);
    /// The agency's read-only list across schools (q.school: one of them).
    [[nodiscard]] std::variant<ListView, Denied> agency_list(const portal::Viewer& v, const ListQuery& q,
                                                             const ClientInfo& client, Timestamp now);

   private:
    std::variant<ListView, Denied> list_in(Unit& tx, std::optional<SchoolCode> school, const ListQuery& q, int limit,
                                           const portal::Viewer& v, const ClientInfo& client, Timestamp now);
    /// Judges `rows` for the school inside `tx`.
    Plan plan(Unit& tx, const std::string& school, const std::vector<std::pair<int, Fields>>& rows, Date today);
    /// The same for the API's rows, numbered from 1.
    Plan plan(Unit& tx, const std::string& school, const Rows& rows, Date today);
    /// Writes the accepted rows of `plan`; returns how many events were saved. The plan's new students
    /// and enrollments are let go as they are written, and `states` keeps only the saved enrollments' (a
    /// new one is written with its state); its rows and counts stay.
    int write(Unit& tx, const std::string& school, Plan& plan, Channel channel, std::int64_t submission,
              const std::string& by, Timestamp now);

    Store store_;
    const ports::Identities& identities_;
    ports::Tokens& tokens_;
    const LocalDays& days_;
    GroupCommit<Unit>* reads_;
};

/// A school's file as read: its cells, made into each row's Fields only when the row is judged (a
/// file of 100,000 rows is never held as Fields all at once: each row's cells go as it is taken).
struct FileRows {
    csv::Table table;            // the heading first
    std::vector<int> column_of;  // field_names()[i] is in column column_of[i] (-1: none)
    [[nodiscard]] std::size_t size() const { return table.rows.size() - 1; }
    [[nodiscard]] int line(std::size_t i) const { return table.rows[i + 1].line; }
    /// The row `i` (from 0, after the heading) as Fields; its cells are let go.
    [[nodiscard]] Fields take(std::size_t i);
};

/// The rows of a school's file, or why the file cannot be read.
[[nodiscard]] std::variant<FileRows, Denied> read_file(std::string_view bytes);

/// An example of a school's file, as the format page offers it: every column of field_names() in
/// its order, two students' reports (a study start, the term, a holiday, a changed pace, a result;
/// a study start and an avbrott), å ä ö in a name; UTF-8 with a byte-order mark and CRLF, as a
/// spreadsheet on Windows opens and saves it. Every row is accepted at a school that has EKO1 with
/// the published period HT26 (2026-08-31 – 2027-01-17) and neither student yet.
[[nodiscard]] const std::string& example_file();

/// "YYYY-MM" of a day.
[[nodiscard]] std::string month_of(Date d);

}  // namespace mina::reports
