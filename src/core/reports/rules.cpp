#include "core/reports/rules.hpp"

#include <algorithm>
#include <map>

#include "core/common/names.hpp"

namespace mina::reports {

namespace {

constexpr names::Table<Support, 5> kSupports{{{Support::studiehjalp, "studiehjalp"},
                                              {Support::studiemedel, "studiemedel"},
                                              {Support::studiestartsstod, "studiestartsstod"},
                                              {Support::omstallningsstudiestod, "omstallningsstudiestod"},
                                              {Support::unknown, "okand"}}};

constexpr names::Table<Kind, 13> kKinds{{{Kind::study_start, "studiestart"},
                                         {Kind::term_study_time, "studietid"},
                                         {Kind::holiday, "lov"},
                                         {Kind::absence_start, "franvaro-start"},
                                         {Kind::absence_end, "franvaro-slut"},
                                         {Kind::planned_break, "studieuppehall"},
                                         {Kind::changed_extent, "andrad-omfattning"},
                                         {Kind::changed_study_time, "andrad-studietid"},
                                         {Kind::discontinued, "avbrott"},
                                         {Kind::changed_school, "byte-av-skola"},
                                         {Kind::not_started, "ej-paborjat"},
                                         {Kind::unauthorised_absence, "skolk"},
                                         {Kind::study_result, "studieresultat"}}};

constexpr names::Table<State, 6> kStates{{{State::planned, "planerad"},
                                          {State::active, "pagaende"},
                                          {State::paused, "uppehall"},
                                          {State::not_started, "ej-paborjad"},
                                          {State::discontinued, "avbruten"},
                                          {State::transferred, "bytt-skola"}}};

/// Kinds that describe what lies ahead (planned), so their day may be after today.
bool may_be_planned(Kind k) {
    return k == Kind::term_study_time || k == Kind::holiday || k == Kind::planned_break || k == Kind::changed_extent ||
           k == Kind::changed_study_time || k == Kind::absence_start;
}

/// A range: both days asked for, from the table the forms read.
bool has_range(Kind k) { return k != Kind::changed_study_time && fields_of(k).last == Need::required; }

/// One event on the standing; the conflict if it cannot be.
std::optional<Refused> apply(Standing& s, const Enrollment& e, const Event& ev, Date today) {
    if (ev.last && *ev.last < ev.day) return Refused{Conflict::last_before_first};
    if (has_range(ev.kind) && !ev.last) return Refused{Conflict::range_needed};
    if (today < ev.day && !may_be_planned(ev.kind)) return Refused{Conflict::in_the_future};
    if (terminal(s.state) && ev.kind != Kind::study_result) return Refused{Conflict::ended, {}, s.state};

    if (ev.kind == Kind::study_start || ev.kind == Kind::not_started) {
        if (s.state != State::planned) return Refused{Conflict::already_started, s.started};
        if (ev.day < e.first) return Refused{Conflict::before_start, e.first};
        if (s.last < ev.day) return Refused{Conflict::after_end, s.last};
        if (ev.kind == Kind::study_start) {
            s.state = State::active;
            s.started = ev.day;
        } else {
            s.state = State::not_started;
            s.stopped = ev.day;
        }
        return std::nullopt;
    }
    // Everything else comes after the study start, and before the last study day.
    if (!s.started) return Refused{Conflict::not_started_yet};
    if (ev.day < *s.started) return Refused{Conflict::before_start, s.started};
    const Date end_of_range = ev.last.value_or(ev.day);
    if (ev.kind != Kind::study_result && ev.kind != Kind::changed_study_time && s.last < end_of_range)
        return Refused{Conflict::after_end, s.last};

    switch (ev.kind) {
        case Kind::term_study_time:
        case Kind::holiday: return std::nullopt;
        case Kind::planned_break: {
            const int minimum =
                e.support == Support::studiehjalp ? kBreakMinimumDaysStudiehjalp : kBreakMinimumDaysStudiemedel;
            if (days_between(ev.day, *ev.last) + 1 < minimum) return Refused{Conflict::too_short, {}, {}, minimum};
            return std::nullopt;
        }
        case Kind::absence_start:
            if (s.state == State::paused) return Refused{Conflict::already_absent, s.absent_since};
            if (ev.last) {  // a planned absence with both days: reported whole, no change of state
                if (days_between(ev.day, *ev.last) + 1 < kBreakMinimumDaysStudiemedel)
                    return Refused{Conflict::too_short, {}, {}, kBreakMinimumDaysStudiemedel};
                return std::nullopt;
            }
            s.state = State::paused;
            s.absent_since = ev.day;
            return std::nullopt;
        case Kind::absence_end:
            if (s.state != State::paused) return Refused{Conflict::not_absent};
            if (ev.day < *s.absent_since) return Refused{Conflict::before_start, s.absent_since};
            s.state = State::active;
            s.absent_since.reset();
            return std::nullopt;
        case Kind::changed_extent:
            if (fields_of(ev.kind).pace == Need::required && !ev.pace) return Refused{Conflict::pace_missing};
            if (e.support == Support::studiehjalp && *ev.pace != studietider::Pace::full)
                return Refused{Conflict::pace_not_allowed};
            s.pace = *ev.pace;
            return std::nullopt;
        case Kind::changed_study_time:
            if (!ev.last) return Refused{Conflict::range_needed};
            if (*ev.last < *s.started) return Refused{Conflict::before_start, s.started};
            s.last = *ev.last;
            return std::nullopt;
        case Kind::discontinued:
        case Kind::changed_school:
            s.state = ev.kind == Kind::discontinued ? State::discontinued : State::transferred;
            s.stopped = ev.day;
            s.absent_since.reset();
            return std::nullopt;
        case Kind::unauthorised_absence:
            if (e.support != Support::studiehjalp) return Refused{Conflict::skolk_not_studiehjalp};
            if (ev.hours < kSkolkMinimumHours) return Refused{Conflict::skolk_too_few_hours};
            if (days_between(ev.day, today) < kSkolkEarliestDays) return Refused{Conflict::skolk_too_early};
            return std::nullopt;
        case Kind::study_result:
            if (!ev.passed && !ev.credits) return Refused{Conflict::result_needed};  // fields_of: one_of
            return std::nullopt;
        case Kind::study_start:
        case Kind::not_started: break;  // handled above
    }
    return std::nullopt;
}

Standing fresh(const Enrollment& e) {
    Standing s;
    s.last = e.last;
    s.pace = e.pace;
    return s;
}

}  // namespace

KindFields fields_of(Kind k) {
    switch (k) {
        case Kind::term_study_time:
        case Kind::holiday:
        case Kind::planned_break:
        case Kind::changed_study_time: return {.last = Need::required};
        case Kind::absence_start: return {.last = Need::optional};  // a planned absence has both days
        case Kind::changed_extent: return {.pace = Need::required, .credits = Need::optional};
        case Kind::unauthorised_absence: return {.hours = Need::required};
        case Kind::study_result: return {.credits = Need::one_of, .passed = Need::one_of};
        case Kind::study_start:
        case Kind::absence_end:
        case Kind::discontinued:
        case Kind::changed_school:
        case Kind::not_started: break;
    }
    return {};
}

std::optional<Support> parse_support(std::string_view text) { return names::lookup(kSupports, text); }
std::string_view to_string(Support s) { return names::name_of(kSupports, s); }
std::optional<Kind> parse_kind(std::string_view text) { return names::lookup(kKinds, text); }
std::string_view to_string(Kind k) { return names::name_of(kKinds, k); }
std::string_view to_string(State s) { return names::name_of(kStates, s); }
std::optional<State> parse_state(std::string_view text) { return names::lookup(kStates, text); }

std::vector<Event> in_force(const std::vector<Event>& history) {
    std::map<std::int64_t, const Event*> correction_of;  // superseded id -> its correction
    for (const auto& ev : history)
        if (ev.supersedes != 0) correction_of[ev.supersedes] = &ev;
    std::vector<Event> out;
    for (const auto& ev : history) {
        if (ev.supersedes != 0) continue;  // stands where the event it corrects stood
        const Event* latest = &ev;
        for (auto it = correction_of.find(latest->id); it != correction_of.end() && latest->id != 0;
             it = correction_of.find(latest->id))
            latest = it->second;
        out.push_back(*latest);
    }
    return out;
}

std::variant<Standing, Refused> check(const Enrollment& e, const std::vector<Event>& history, const Event& next,
                                      Date today) {
    if (next.supersedes != 0) {
        bool found = false;
        for (const auto& ev : history) {
            if (ev.id == next.supersedes) found = true;
            if (ev.supersedes == next.supersedes) return Refused{Conflict::already_superseded};
        }
        if (!found) return Refused{Conflict::no_such_event};
    }
    Standing s = fresh(e);
    if (next.supersedes == 0) {
        // A new event comes after everything in force: the history replayed as it stands (without
        // a copy when nothing in it was corrected), then the event.
        const bool corrected =
            std::any_of(history.begin(), history.end(), [](const Event& ev) { return ev.supersedes != 0; });
        if (corrected) {
            for (const auto& ev : in_force(history))
                if (auto refused = apply(s, e, ev, today)) return *refused;
        } else {
            for (const auto& ev : history)
                if (auto refused = apply(s, e, ev, today)) return *refused;
        }
        if (auto refused = apply(s, e, next, today)) return *refused;
        return s;
    }
    std::vector<Event> all = history;
    all.push_back(next);
    for (const auto& ev : in_force(all))
        if (auto refused = apply(s, e, ev, today)) return *refused;
    return s;
}

Standing standing(const Enrollment& e, const std::vector<Event>& history, Date today) {
    Standing s = fresh(e);
    for (const auto& ev : in_force(history)) (void)apply(s, e, ev, today);
    return s;
}

}  // namespace mina::reports
