// Studeranderapportering's rules (issue [6] §2; domain-csn.md §2.7–§2.8): every event kind with its
// rules, the enrollment's states, and corrections replayed through the same rules.
#include "core/reports/rules.hpp"

#include <gtest/gtest.h>

namespace mina::reports {
namespace {

using studietider::Pace;

Date day(std::string_view text) { return parse_date(text).value(); }
const Date kToday = day("2026-11-29");

Enrollment autumn(Support support = Support::studiemedel) {
    return {support, day("2026-08-31"), day("2027-01-17"), Pace::full};
}
Event ev(Kind kind, std::string_view d, std::int64_t id = 0) {
    Event e;
    e.id = id;
    e.kind = kind;
    e.day = day(d);
    return e;
}
Event range(Kind kind, std::string_view first, std::string_view last, std::int64_t id = 0) {
    Event e = ev(kind, first, id);
    e.last = day(last);
    return e;
}

Standing ok(const Enrollment& en, const std::vector<Event>& history, const Event& next) {
    auto r = check(en, history, next, kToday);
    EXPECT_TRUE(std::holds_alternative<Standing>(r))
        << to_string(next.kind) << " refused: " << static_cast<int>(std::get<Refused>(r).conflict);
    return std::holds_alternative<Standing>(r) ? std::get<Standing>(r) : Standing{};
}
Refused no(const Enrollment& en, const std::vector<Event>& history, const Event& next) {
    auto r = check(en, history, next, kToday);
    EXPECT_TRUE(std::holds_alternative<Refused>(r)) << to_string(next.kind) << " accepted";
    return std::holds_alternative<Refused>(r) ? std::get<Refused>(r) : Refused{Conflict::no_such_event};
}

TEST(Reports, NamesAreStable) {
    for (auto k : {Kind::study_start, Kind::term_study_time, Kind::holiday, Kind::absence_start, Kind::absence_end,
                   Kind::planned_break, Kind::changed_extent, Kind::changed_study_time, Kind::discontinued,
                   Kind::changed_school, Kind::not_started, Kind::unauthorised_absence, Kind::study_result})
        EXPECT_EQ(parse_kind(to_string(k)), k);
    EXPECT_EQ(parse_support("studiehjalp"), Support::studiehjalp);
    EXPECT_FALSE(parse_kind("AVBROTT").has_value());
}

TEST(Reports, TheStudyStartMakesTheEnrollmentActiveOnceAndOnlyWithinThePlannedDays) {
    const auto en = autumn();
    EXPECT_EQ(ok(en, {}, ev(Kind::study_start, "2026-08-31")).state, State::active);
    const auto early = no(en, {}, ev(Kind::study_start, "2026-08-30"));
    EXPECT_EQ(early.conflict, Conflict::before_start);
    EXPECT_EQ(early.date, day("2026-08-31"));
    EXPECT_EQ(no(en, {}, ev(Kind::study_start, "2026-12-01")).conflict, Conflict::in_the_future)
        << "not reported before the day";
    const std::vector<Event> started{ev(Kind::study_start, "2026-09-01", 1)};
    const auto again = no(en, started, ev(Kind::study_start, "2026-09-02"));
    EXPECT_EQ(again.conflict, Conflict::already_started);
    EXPECT_EQ(again.date, day("2026-09-01"));
    EXPECT_EQ(no(en, {}, ev(Kind::holiday, "2026-12-21")).conflict, Conflict::range_needed);
    EXPECT_EQ(no(en, {}, range(Kind::holiday, "2026-12-21", "2027-01-06")).conflict, Conflict::not_started_yet);
}

TEST(Reports, ChangesBeforeTheStartOrAfterTheLastDayAreRefused) {
    const auto en = autumn();
    const std::vector<Event> started{ev(Kind::study_start, "2026-09-07", 1)};
    const auto before = no(en, started, range(Kind::holiday, "2026-09-01", "2026-09-03"));
    EXPECT_EQ(before.conflict, Conflict::before_start);
    EXPECT_EQ(before.date, day("2026-09-07"));
    EXPECT_EQ(no(en, started, range(Kind::holiday, "2027-01-10", "2027-01-20")).conflict, Conflict::after_end);
    EXPECT_EQ(no(en, started, range(Kind::holiday, "2026-12-21", "2026-12-20")).conflict, Conflict::last_before_first);
    ok(en, started, range(Kind::holiday, "2026-12-21", "2027-01-06"));
    ok(en, started, range(Kind::term_study_time, "2026-09-07", "2027-01-17"));
}

TEST(Reports, AvbrottEndsTheStudiesOnceAndThenOnlyResultsAreTaken) {
    const auto en = autumn();
    const std::vector<Event> started{ev(Kind::study_start, "2026-08-31", 1)};
    const auto stopped = ok(en, started, ev(Kind::discontinued, "2026-10-15"));
    EXPECT_EQ(stopped.state, State::discontinued);
    EXPECT_EQ(stopped.stopped, day("2026-10-15"));
    EXPECT_EQ(no(en, {}, ev(Kind::discontinued, "2026-10-15")).conflict, Conflict::not_started_yet);
    EXPECT_EQ(no(en, started, ev(Kind::discontinued, "2026-12-15")).conflict, Conflict::in_the_future);
    const std::vector<Event> ended{ev(Kind::study_start, "2026-08-31", 1), ev(Kind::discontinued, "2026-10-15", 2)};
    const auto second = no(en, ended, ev(Kind::discontinued, "2026-10-20"));
    EXPECT_EQ(second.conflict, Conflict::ended);
    EXPECT_EQ(second.state, State::discontinued);
    EXPECT_EQ(no(en, ended, range(Kind::holiday, "2026-10-20", "2026-10-25")).conflict, Conflict::ended);
    Event result = ev(Kind::study_result, "2026-11-01");
    EXPECT_EQ(no(en, ended, result).conflict, Conflict::result_needed);
    result.credits = studietider::Credits{750};
    EXPECT_EQ(ok(en, ended, result).state, State::discontinued) << "results come after the end too";
    const auto gone = ok(en, started, ev(Kind::changed_school, "2026-11-01"));
    EXPECT_EQ(gone.state, State::transferred);
    EXPECT_EQ(ok(autumn(), {}, ev(Kind::not_started, "2026-08-31")).state, State::not_started);
    EXPECT_EQ(no(en, started, ev(Kind::not_started, "2026-08-31")).conflict, Conflict::already_started);
}

TEST(Reports, AbsencePausesAndTheReturnResumes) {
    const auto en = autumn();
    std::vector<Event> h{ev(Kind::study_start, "2026-08-31", 1)};
    EXPECT_EQ(no(en, h, ev(Kind::absence_end, "2026-10-01")).conflict, Conflict::not_absent);
    EXPECT_EQ(ok(en, h, ev(Kind::absence_start, "2026-10-01")).state, State::paused);
    h.push_back(ev(Kind::absence_start, "2026-10-01", 2));
    const auto twice = no(en, h, ev(Kind::absence_start, "2026-10-05"));
    EXPECT_EQ(twice.conflict, Conflict::already_absent);
    EXPECT_EQ(twice.date, day("2026-10-01"));
    EXPECT_EQ(no(en, h, ev(Kind::absence_end, "2026-09-30")).conflict, Conflict::before_start);
    EXPECT_EQ(ok(en, h, ev(Kind::absence_end, "2026-10-20")).state, State::active);
    EXPECT_EQ(ok(en, h, ev(Kind::discontinued, "2026-10-20")).state, State::discontinued) << "an avbrott while absent";
    // A planned absence with both days is reported whole: at least 7 days.
    EXPECT_EQ(ok(en, {h[0]}, range(Kind::absence_start, "2026-12-01", "2026-12-07")).state, State::active);
    EXPECT_EQ(no(en, {h[0]}, range(Kind::absence_start, "2026-12-01", "2026-12-06")).conflict, Conflict::too_short);
}

TEST(Reports, PlannedBreaksHaveAMinimumBySupport) {
    const std::vector<Event> h{ev(Kind::study_start, "2026-08-31", 1)};
    const auto shortBreak = no(autumn(), h, range(Kind::planned_break, "2026-11-02", "2026-11-07"));
    EXPECT_EQ(shortBreak.conflict, Conflict::too_short);
    EXPECT_EQ(shortBreak.days, 7);
    ok(autumn(), h, range(Kind::planned_break, "2026-11-02", "2026-11-08"));
    EXPECT_EQ(no(autumn(Support::studiehjalp), h, range(Kind::planned_break, "2026-11-02", "2026-11-14")).days, 14);
    ok(autumn(Support::studiehjalp), h, range(Kind::planned_break, "2026-11-02", "2026-11-15"));
}

TEST(Reports, ChangedExtentAndStudyTime) {
    const std::vector<Event> h{ev(Kind::study_start, "2026-08-31", 1)};
    Event extent = ev(Kind::changed_extent, "2026-11-01");
    EXPECT_EQ(no(autumn(), h, extent).conflict, Conflict::pace_missing);
    extent.pace = Pace::half;
    EXPECT_EQ(ok(autumn(), h, extent).pace, Pace::half);
    EXPECT_EQ(no(autumn(Support::studiehjalp), h, extent).conflict, Conflict::pace_not_allowed);
    Event longer = range(Kind::changed_study_time, "2026-11-01", "2027-03-31");
    const auto s = ok(autumn(), h, longer);
    EXPECT_EQ(s.last, day("2027-03-31"));
    // After the longer study time, an event in February is within it.
    ok(autumn(), {h[0], range(Kind::changed_study_time, "2026-11-01", "2027-03-31", 2)},
       range(Kind::holiday, "2027-02-16", "2027-02-20"));
    EXPECT_EQ(no(autumn(), h, range(Kind::changed_study_time, "2026-11-01", "2026-08-01")).conflict,
              Conflict::last_before_first);
}

TEST(Reports, SkolkOnlyForStudiehjalpWithItsHoursAndWaitingTime) {
    const std::vector<Event> h{ev(Kind::study_start, "2026-08-31", 1)};
    Event skolk = ev(Kind::unauthorised_absence, "2026-10-05");
    skolk.hours = 6;
    EXPECT_EQ(no(autumn(), h, skolk).conflict, Conflict::skolk_not_studiehjalp);
    EXPECT_EQ(ok(autumn(Support::studiehjalp), h, skolk).state, State::active) << "no change of state";
    skolk.hours = 3;
    EXPECT_EQ(no(autumn(Support::studiehjalp), h, skolk).conflict, Conflict::skolk_too_few_hours);
    skolk.hours = 4;
    skolk.day = day("2026-11-20");  // 9 days ago
    EXPECT_EQ(no(autumn(Support::studiehjalp), h, skolk).conflict, Conflict::skolk_too_early);
    skolk.day = day("2026-11-14");  // 15 days ago
    ok(autumn(Support::studiehjalp), h, skolk);
}

TEST(Reports, ACorrectionReplacesItsEventAndEverythingAfterIsCheckedAgain) {
    const auto en = autumn();
    const std::vector<Event> h{ev(Kind::study_start, "2026-08-31", 1),
                               range(Kind::holiday, "2026-09-10", "2026-09-12", 2),
                               ev(Kind::discontinued, "2026-10-15", 3)};
    // The avbrott was on another day: corrected.
    Event fix = ev(Kind::discontinued, "2026-10-20");
    fix.supersedes = 3;
    EXPECT_EQ(ok(en, h, fix).stopped, day("2026-10-20"));
    // A correction of the study start to after the holiday contradicts the holiday.
    Event later = ev(Kind::study_start, "2026-09-14");
    later.supersedes = 1;
    const auto conflict = no(en, h, later);
    EXPECT_EQ(conflict.conflict, Conflict::before_start);
    EXPECT_EQ(conflict.date, day("2026-09-14"));
    // Only the latest of a chain is corrected; an unknown event cannot be.
    std::vector<Event> chain = h;
    fix.id = 4;
    chain.push_back(fix);
    Event again = ev(Kind::discontinued, "2026-10-25");
    again.supersedes = 3;
    EXPECT_EQ(no(en, chain, again).conflict, Conflict::already_superseded);
    again.supersedes = 4;
    EXPECT_EQ(ok(en, chain, again).stopped, day("2026-10-25"));
    again.supersedes = 99;
    EXPECT_EQ(no(en, chain, again).conflict, Conflict::no_such_event);
    // A terminal state is reached by a correction too, and the history shows what is in force.
    const auto forced = in_force(chain);
    ASSERT_EQ(forced.size(), 3u);
    EXPECT_EQ(forced[2].id, 4);
    EXPECT_EQ(standing(en, chain, kToday).stopped, day("2026-10-20"));
    // An avbrott corrected into a study result ends nothing any more.
    Event undo = ev(Kind::study_result, "2026-10-20");
    undo.passed = true;
    undo.supersedes = 4;
    EXPECT_EQ(ok(en, chain, undo).state, State::active);
}

}  // namespace
}  // namespace mina::reports

namespace mina::reports {
namespace {

// The report forms show the fields fields_of names for the event, and only those ([10] item 5):
// what the table calls required is what the checks refuse without, and an event given only the
// fields the table asks for (nothing optional) passes where its history allows it.
TEST(Reports, EachKindAsksForTheFieldsItsChecksNeedAndNoOthers) {
    const std::vector<Event> started{ev(Kind::study_start, "2026-08-31", 1)};
    const Enrollment hjalp = autumn(Support::studiehjalp);
    int asked = 0;
    for (int i = 0; i <= static_cast<int>(Kind::study_result); ++i) {
        const auto kind = static_cast<Kind>(i);
        const KindFields need = fields_of(kind);
        std::vector<Event> history =
            kind == Kind::study_start || kind == Kind::not_started ? std::vector<Event>{} : started;
        if (kind == Kind::absence_end) history.push_back(ev(Kind::absence_start, "2026-10-01", 2));
        Event bare = ev(kind, kind == Kind::unauthorised_absence ? "2026-10-05" : "2026-11-02");
        if (need.last == Need::required) {
            EXPECT_EQ(no(hjalp, history, bare).conflict, Conflict::range_needed) << to_string(kind);
            bare.last = day("2026-11-20");
            ++asked;
        }
        if (need.pace == Need::required) {
            EXPECT_EQ(no(hjalp, history, bare).conflict, Conflict::pace_missing) << to_string(kind);
            bare.pace = Pace::full;
            ++asked;
        }
        if (need.hours == Need::required) {
            EXPECT_EQ(no(hjalp, history, bare).conflict, Conflict::skolk_too_few_hours) << to_string(kind);
            bare.hours = 6;
            ++asked;
        }
        if (need.passed == Need::one_of) {
            EXPECT_EQ(need.credits, Need::one_of);
            EXPECT_EQ(no(hjalp, history, bare).conflict, Conflict::result_needed) << to_string(kind);
            bare.passed = true;
            ++asked;
        }
        ok(hjalp, history, bare);
    }
    EXPECT_EQ(asked, 7) << "four kinds with a last day, the new pace, skolk's hours, the result";
    EXPECT_EQ(fields_of(Kind::absence_start).last, Need::optional) << "a planned absence has both days";
    EXPECT_EQ(fields_of(Kind::changed_extent).credits, Need::optional);
    for (auto k : {Kind::study_start, Kind::absence_end, Kind::discontinued, Kind::changed_school, Kind::not_started}) {
        const KindFields n = fields_of(k);
        EXPECT_TRUE(n.last == Need::no && n.pace == Need::no && n.credits == Need::no && n.hours == Need::no &&
                    n.passed == Need::no)
            << to_string(k) << " asks for its day only";
    }
}

}  // namespace
}  // namespace mina::reports
