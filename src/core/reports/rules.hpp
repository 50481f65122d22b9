// Studeranderapportering (issue [6] §2; domain-csn.md §2.6–§2.8): what a school reports about one
// student on one education, as events, and the state the enrollment is in after them. Pure: the
// whole history is replayed to check a new event or a correction, so one set of rules decides
// both, and an event that contradicts the history is refused with the conflict named. No storage,
// no clock (`today` is passed in).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "core/studietider/rules.hpp"

namespace mina::reports {

/// The kind of support the student has (CSN-FHSK-MT): decides the pace allowed and whether
/// unauthorised absence (skolk) is reported.
enum class Support { studiehjalp, studiemedel, studiestartsstod, omstallningsstudiestod, unknown };
[[nodiscard]] std::optional<Support> parse_support(std::string_view text);
[[nodiscard]] std::string_view to_string(Support s);

/// Every event of domain-csn.md §2.7. The names of to_string are stable for forms, files and JSON.
enum class Kind {
    study_start,           // "studiestart": the first study day; PLANNED → ACTIVE
    term_study_time,       // "studietid": the student's first and last day of a term
    holiday,               // "lov": a holiday break (jullov)
    absence_start,         // "franvaro-start": absence from the first day absent; ACTIVE → PAUSED
    absence_end,           // "franvaro-slut": back from an absence; PAUSED → ACTIVE
    planned_break,         // "studieuppehall": a planned break, first and last day
    changed_extent,        // "andrad-omfattning": new pace (and credits) from a day
    changed_study_time,    // "andrad-studietid": a new last day
    discontinued,          // "avbrott": the day the student stopped; terminal
    changed_school,        // "byte-av-skola": the student moved to another school; terminal here
    not_started,           // "ej-paborjat": never started; PLANNED → NOT_STARTED, terminal
    unauthorised_absence,  // "skolk": studiehjälp only, hours in a month; no change of state
    study_result,          // "studieresultat": passed or not, credits passed; also after the end
};
[[nodiscard]] std::optional<Kind> parse_kind(std::string_view text);
[[nodiscard]] std::string_view to_string(Kind k);

/// Whether a kind of event asks for a field beyond its day: the one table the checks (apply) and
/// the report forms read, so that a form shows the fields its event needs and only those.
enum class Need {
    no,        // not asked for (a form does not show it)
    optional,  // may be given
    required,  // must be given
    one_of,    // at least one of the fields marked one_of must be given (a study result)
};
struct KindFields {
    Need last = Need::no;     // sista_dag
    Need pace = Need::no;     // studietakt
    Need credits = Need::no;  // poang
    Need hours = Need::no;    // timmar
    Need passed = Need::no;   // godkand
};
[[nodiscard]] KindFields fields_of(Kind k);

enum class State { planned, active, paused, not_started, discontinued, transferred };
[[nodiscard]] std::string_view to_string(State s);
[[nodiscard]] std::optional<State> parse_state(std::string_view text);
[[nodiscard]] constexpr bool terminal(State s) {
    return s == State::not_started || s == State::discontinued || s == State::transferred;
}

/// What the school says about the student's place when it is created.
struct Enrollment {
    Support support{Support::studiemedel};
    Date first;  // the first planned study day
    Date last;   // the last planned study day
    studietider::Pace pace{studietider::Pace::full};
};

struct Event {
    std::int64_t id = 0;  // 0: not saved yet
    Kind kind{Kind::study_start};
    Date day;                                     // when it takes effect (first day of a range)
    std::optional<Date> last;                     // the last day of a range (holiday, break, term, planned absence)
    std::optional<studietider::Pace> pace;        // changed_extent
    std::optional<studietider::Credits> credits;  // changed_extent, study_result (credits passed)
    int hours = 0;                                // unauthorised_absence: hours in the month
    std::optional<bool> passed;                   // study_result
    std::int64_t supersedes = 0;                  // a correction: the event it replaces
};

/// Why an event cannot be saved: each names its conflict for the page.
enum class Conflict {
    before_start,           // "Händelsen ligger före studiestarten ({date})"
    after_end,              // "Händelsen ligger efter sista studiedagen ({date})"
    in_the_future,          // "Datumet har inte varit än"
    not_started_yet,        // "Studiestarten är inte rapporterad"
    already_started,        // "Studiestarten är redan rapporterad ({date})"
    ended,                  // "Studierna är avslutade ({state}): bara studieresultat och rättelser tas emot"
    last_before_first,      // "Sista dagen kan inte vara före första dagen"
    range_needed,           // "Ange första och sista dag"
    not_absent,             // "Studenten är inte frånvarande"
    already_absent,         // "Frånvaron är redan rapporterad ({date})"
    too_short,              // "Uppehållet är kortare än {days} dagar och rapporteras inte"
    pace_not_allowed,       // "Studiehjälp ges bara för heltidsstudier (100 %)"
    pace_missing,           // "Ange den nya studietakten"
    skolk_not_studiehjalp,  // "Skolk rapporteras bara för studenter med studiehjälp"
    skolk_too_few_hours,    // "Skolk rapporteras från 4 timmar i en månad"
    skolk_too_early,        // "Skolk rapporteras tidigast 15 dagar efter första skolkdagen"
    result_needed,          // "Ange om kursen är godkänd eller hur många poäng som är godkända"
    no_such_event,          // "Händelsen som ska rättas finns inte"
    already_superseded,     // "Händelsen är redan rättad: rätta den senaste"
};

struct Refused {
    Conflict conflict;
    std::optional<Date> date{};    // the date the conflict names
    std::optional<State> state{};  // for ended
    int days = 0;                  // for too_short
};

/// The enrollment after its events.
struct Standing {
    State state{State::planned};
    std::optional<Date> started;  // the day of the study start
    std::optional<Date> stopped;  // avbrott, byte av skola
    Date last;                    // the last study day, as changed
    studietider::Pace pace{studietider::Pace::full};
    std::optional<Date> absent_since;  // while paused
};

/// The events in force: each superseded event replaced by its correction, in the order saved.
[[nodiscard]] std::vector<Event> in_force(const std::vector<Event>& history);

/// Replays `history` (in the order saved, corrections included) and then `next`, checking every
/// rule; the standing after it, or why `next` is refused. `history` itself is taken as valid.
[[nodiscard]] std::variant<Standing, Refused> check(const Enrollment& e, const std::vector<Event>& history,
                                                    const Event& next, Date today);

/// The standing after the history alone (a history that once passed check()).
[[nodiscard]] Standing standing(const Enrollment& e, const std::vector<Event>& history, Date today);

inline constexpr int kSkolkMinimumHours = 4;
inline constexpr int kSkolkEarliestDays = 15;  // exceptionally; 30 is the rule (CSN-SKOLK-FAQ)
inline constexpr int kBreakMinimumDaysStudiemedel = 7;
inline constexpr int kBreakMinimumDaysStudiehjalp = 14;

}  // namespace mina::reports
