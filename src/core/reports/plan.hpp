// Studeranderapportering (issue [6] §2, §4): what a report would do, judged before anything is
// saved. A report arrives as text (a form, a row of a school's file, an object of the API); the
// planner reads its fields, finds or plans its student and enrollment, and checks its event
// against the enrollment's history (reports::check) and the education's published study period.
// Rows are judged in order, each in the light of the accepted rows before it, so that a file may
// report a study start and then an avbrott for the same student. Pure: storage is read through
// Source, personal numbers are sealed through ports::Identities, and nothing is written.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/personnummer.hpp"
#include "core/reports/ports.hpp"
#include "core/reports/rules.hpp"

namespace mina::reports {

/// A report as text: the same fields in a form, a file's columns and the API's objects.
struct Fields {
    std::string number;     // personnummer or samordningsnummer, as typed
    std::string name;       // the student's name (optional)
    std::string education;  // the education's code
    std::string period;     // the study period's label (empty: the one the day falls in)
    std::string support;    // stödform, for a student's first report on the period
    std::string kind;       // händelse
    std::string day;
    std::string last;
    std::string pace;
    std::string credits;
    std::string hours;
    std::string passed;
    std::string corrects;         // the number of the report this corrects
    std::string reason;           // why (a correction)
    std::int64_t enrollment = 0;  // the student page's form: instead of number, education and period
};

/// The names of the fields in files, forms and JSON, in the order a file has them.
struct FieldName {
    std::string_view name;     // "personnummer"
    std::string_view english;  // "personal_number"
    std::string Fields::*member;
};
[[nodiscard]] const std::vector<FieldName>& field_names();

/// A field that cannot be read, is missing or does not fit.
enum class Problem {
    kind_missing,  // "Ange vilken händelse som rapporteras"
    kind_unknown,  // "Händelsen {detail} finns inte"
    day_missing,   // "Ange datum"
    day_bad,       // "Skriv datumet som ÅÅÅÅ-MM-DD"
    last_bad,
    pace_bad,         // "Studietakten är 100, 75 eller 50"
    credits_bad,      // "Skriv poängen som ett tal, t.ex. 22,5"
    hours_bad,        // "Skriv antalet timmar som ett heltal"
    passed_bad,       // "Skriv ja eller nej"
    support_missing,  // "Ange stödform för studentens första rapport på perioden"
    support_unknown,
    support_differs,  // "Stödformen är {detail} i tidigare rapporter"
    education_missing,
    education_unknown,  // "Skolan har ingen utbildning med koden {detail}"
    education_withdrawn,
    period_unknown,      // "Utbildningen har ingen rapporterad studieperiod {detail}"
    period_missing,      // "Ange studieperioden: datumet ligger inte i en rapporterad studieperiod"
    enrollment_unknown,  // "Studenten finns inte på den utbildningen"
    corrects_bad,        // "Ange numret på rapporten som rättas"
    reason_missing,      // "Ange varför rapporten rättas"
    too_long,            // "Texten är för lång"
};

struct FieldProblem {
    std::string field;  // a field's name (field_names), as the page and the file call it
    Problem problem;
    std::string detail;  // what the message names: a code, a label, a support
};

/// A published study period as a report is checked against it.
struct PeriodInfo {
    std::int64_t id = 0;
    std::string label;
    Date first;
    Date last;
    studietider::Pace pace{studietider::Pace::full};
};
struct EducationInfo {
    std::int64_t id = 0;
    std::string code;
    std::string name;
    bool withdrawn = false;
    std::vector<PeriodInfo> periods;  // published and not withdrawn, by first day
};

/// What the planner reads, for one school.
class Source {
   public:
    virtual ~Source() = default;
    /// The person by the number's hash, with this school's own name for them (never another's).
    [[nodiscard]] virtual std::optional<Student> student(const std::string& lookup_hash) = 0;
    [[nodiscard]] virtual std::optional<EducationInfo> education(const std::string& code) = 0;
    /// The student's enrollment on the period, at this school.
    [[nodiscard]] virtual std::optional<StudentEnrollment> enrollment(std::int64_t student, std::int64_t period) = 0;
    /// An enrollment of this school (nothing when it is another school's).
    [[nodiscard]] virtual std::optional<StudentEnrollment> enrollment(std::int64_t id) = 0;
    /// The enrollment's events in the order saved.
    [[nodiscard]] virtual std::vector<Event> history(std::int64_t enrollment) = 0;
};

/// One report's fate. Ids below 0 are the plan's own new students and enrollments (-1 the first).
struct RowPlan {
    int line = 0;
    std::vector<FieldProblem> problems;
    std::optional<pnr::Problem> number;
    std::optional<Refused> conflict;
    bool duplicate = false;  // the same report is already in force: not saved again

    std::string masked;               // the student as a list shows it (YYMMDD-****), when the number was read
    bool protected_identity = false;  // a known person whose identity is protected: shown masked, `masked` empty
    std::string education;
    std::string period;
    std::int64_t student = 0;
    std::int64_t enrollment = 0;
    Event event;
    std::string reason;
    State state{State::planned};  // the enrollment's state after this report

    [[nodiscard]] bool accepted() const { return problems.empty() && !number && !conflict && !duplicate; }
    [[nodiscard]] bool refused() const { return !problems.empty() || number || conflict; }
};

struct Plan {
    std::vector<RowPlan> rows;
    std::vector<Student> new_students;               // id -(i + 1)
    std::vector<StudentEnrollment> new_enrollments;  // id -(i + 1); `student` may be a new one
    std::unordered_map<std::int64_t, State> states;  // every enrollment an accepted row changes
    std::map<std::int64_t, std::string> names;       // existing students whose name (this school's) a row changes
    int accepted = 0;
    int refused = 0;
    int duplicates = 0;
};

class Planner final {
   public:
    Planner(Source& source, const ports::Identities& identities, Date today)
        : source_(source), identities_(identities), today_(today) {}

    /// Room for `n` rows (an upload knows how many it has).
    void reserve(std::size_t n) {
        plan_.rows.reserve(n);
        plan_.new_students.reserve(n);
        plan_.new_enrollments.reserve(n);
        new_slots_.assign(std::bit_ceil(std::max<std::size_t>(16, 2 * n)), 0);
        new_enrollment_of_.reserve(n);
        next_new_enrollment_.reserve(n);
        new_history_.reserve(n);
        new_events_.reserve(n);
    }
    /// Judges one report after the rows added before it; returns its fate.
    const RowPlan& add(int line, const Fields& f);
    [[nodiscard]] Plan take() { return std::move(plan_); }
    [[nodiscard]] const Plan& plan() const { return plan_; }

   private:
    /// The enrollment's history so far (the plan's own new one -n: a copy made of its rows' events).
    std::vector<Event>& history_of(std::int64_t enrollment);
    void remember(std::int64_t enrollment, const Event& saved);
    /// The enrollment of the student on the period, among those met so far (0: none).
    [[nodiscard]] std::int64_t enrollment_of(std::int64_t student, std::int64_t period) const;
    /// The student by lookup hash among those met so far (known or new), or 0.
    [[nodiscard]] std::int64_t student_of(const std::string& hash) const;
    void add_new_student(Student s);
    void add_new_enrollment(StudentEnrollment e);
    std::optional<EducationInfo>& education(const std::string& code);

    /// Where a row lands: its student and enrollment (below 0: the plan's own new ones) and the
    /// support it names.
    struct Placement {
        std::int64_t student = 0;
        std::int64_t enrollment = 0;
        std::optional<Student> new_student;
        std::optional<StudentEnrollment> new_enrollment;
        std::optional<Support> support;
    };
    // The steps of add, in order.
    void place_by_enrollment(std::int64_t id, RowPlan& row, Placement& at);
    void place_by_number(const Fields& f, RowPlan& row, Placement& at);
    /// The student with this number among those met so far or saved (0: none); masks the number.
    std::int64_t find_student(const pnr::Number& number, const std::string& hash, RowPlan& row);
    /// The row's education (into `edu`) and period, each with its problem when it cannot be found.
    const PeriodInfo* find_period(const Fields& f, RowPlan& row, const EducationInfo*& edu);
    /// The student (new if unknown) and the enrollment (found, or new with the row's support).
    void enroll(const Fields& f, const pnr::Number& number, std::string hash, const EducationInfo& edu,
                const PeriodInfo& period, RowPlan& row, Placement& at);
    /// The event against the enrollment's history: a duplicate, a conflict, or the state it leads to.
    void judge(RowPlan& row, const Placement& at);
    /// Counts the row and, if accepted, keeps what it adds for the rows after it.
    void keep(const Fields& f, RowPlan& row, Placement& at);

    Source& source_;
    const ports::Identities& identities_;
    Date today_;
    Plan plan_;
    std::unordered_map<std::string, std::int64_t> students_;  // lookup hash -> id of a known student
    // The plan's new students by lookup hash, without a second copy of it: an open-addressing table
    // of their index in plan_.new_students plus 1 (0: empty), found by the hash's hash and checked
    // against the student's own lookup_hash (4 bytes a slot instead of a node and a string each).
    std::vector<std::uint32_t> new_slots_;
    struct PairHash {
        std::size_t operator()(const std::pair<std::int64_t, std::int64_t>& p) const {
            return std::hash<std::int64_t>{}(p.first * 1000003 + p.second);
        }
    };
    std::unordered_map<std::int64_t, Student> known_students_;
    std::map<std::string, std::optional<EducationInfo>> educations_;
    // (student, period) -> enrollment, for saved students; a new student -n's new enrollments are a
    // chain: new_enrollment_of_[n - 1] is its first one's index + 1, next_new_enrollment_ the next.
    std::unordered_map<std::pair<std::int64_t, std::int64_t>, std::int64_t, PairHash> enrollment_ids_;
    std::vector<std::uint32_t> new_enrollment_of_;
    std::vector<std::uint32_t> next_new_enrollment_;
    std::unordered_map<std::int64_t, StudentEnrollment> enrollments_;  // saved ones (new: in plan_)
    std::unordered_map<std::int64_t, std::vector<Event>> histories_;   // saved enrollments
    // The plan's new enrollments' events, without a vector each: a new enrollment -n's events are a
    // chain over new_events_ (the row in plan_.rows, the id it was given, the next one's index + 1)
    // from new_history_[n - 1] (first and last index + 1); history_of copies them into scratch_.
    struct NewEvent {
        std::uint32_t row = 0;
        std::uint32_t next = 0;
        std::int64_t id = 0;
    };
    std::vector<NewEvent> new_events_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> new_history_;
    std::vector<Event> scratch_;
    std::int64_t next_event_ = -1;  // the plan's own events get ids below 0 (a row may correct one)
};

/// "ja"/"nej"/"yes"/"no"/"1"/"0"/"godkänd"/"ej godkänd".
[[nodiscard]] std::optional<bool> parse_yes_no(std::string_view text);
/// A kind as people write it: the stable name, any case, with å ä ö, spaces for '-'.
[[nodiscard]] std::optional<Kind> read_kind(std::string_view text);
[[nodiscard]] std::optional<Support> read_support(std::string_view text);
/// "100", "75", "50", with or without " %".
[[nodiscard]] std::optional<studietider::Pace> read_pace(std::string_view text);

/// Two reports say the same (what a duplicate is): kind, days and payload.
[[nodiscard]] bool same_report(const Event& a, const Event& b);

}  // namespace mina::reports
