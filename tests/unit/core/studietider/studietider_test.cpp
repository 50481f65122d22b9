// The rules of Studietider och utbildningar (issue [5]), with the worked examples of
// domain-csn.md §1.3 and §2.4 and the sources cited there.
#include "core/studietider/rules.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace mina {

void PrintTo(const Date& d, std::ostream* os) { *os << to_string(d); }

namespace {

Date day(std::string_view text) {
    const auto d = parse_date(text);
    EXPECT_TRUE(d.has_value()) << text;
    return d.value_or(Date{});
}

DateRange range(std::string_view first, std::string_view last) { return {day(first), day(last)}; }

}  // namespace

// ---- Date ---------------------------------------------------------------------------------------

TEST(Date, ParsesAndWritesIsoDays) {
    const Date d = day("2026-08-31");
    EXPECT_EQ(d.year(), 2026);
    EXPECT_EQ(d.month(), 8);
    EXPECT_EQ(d.day(), 31);
    EXPECT_EQ(to_string(d), "2026-08-31");
    EXPECT_EQ(to_string(day("0001-01-01")), "0001-01-01");
    EXPECT_EQ(to_string(day("9999-12-31")), "9999-12-31");
    EXPECT_EQ(day("1970-01-01"), Date{});
    EXPECT_EQ(Date::from_ymd(2027, 1, 17), day("2027-01-17"));
}

TEST(Date, RefusesDaysThatDoNotExistAndSloppyText) {
    for (const char* bad :
         {"2026-02-30",       "2026-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-10",  "2026-01-00",
          "0000-01-01",       "2026-2-03",  "2026-02-3",  "26-02-03",   "2026/02/03", "2026-02-03 ", " 2026-02-03",
          "2026-02-03T00:00", "+026-02-03", "2026-0a-03", "",           "20260203",   "2026--2-03"})
        EXPECT_FALSE(parse_date(bad).has_value()) << bad;
    EXPECT_FALSE(Date::from_ymd(2026, 2, 30).has_value());
    EXPECT_FALSE(Date::from_ymd(10000, 1, 1).has_value());
    EXPECT_FALSE(Date::from_ymd(2026, 1, 32).has_value());
}

TEST(Date, KnowsLeapYears) {
    EXPECT_TRUE(parse_date("2028-02-29").has_value());
    EXPECT_TRUE(parse_date("2024-02-29").has_value());
    EXPECT_TRUE(parse_date("2000-02-29").has_value());   // divisible by 400
    EXPECT_FALSE(parse_date("1900-02-29").has_value());  // by 100, not 400
    EXPECT_FALSE(parse_date("2027-02-29").has_value());
    EXPECT_EQ(days_between(day("2028-02-28"), day("2028-03-01")), 2);
    EXPECT_EQ(days_between(day("2027-02-28"), day("2027-03-01")), 1);
    EXPECT_EQ(days_between(day("2028-01-01"), day("2029-01-01")), 366);
    EXPECT_EQ(days_between(day("2027-01-01"), day("2028-01-01")), 365);
    EXPECT_EQ(day("2028-02-28").add_days(1), day("2028-02-29"));
    EXPECT_EQ(day("2028-02-29").add_days(1), day("2028-03-01"));
}

TEST(Date, CountsDaysAndWeekdays) {
    EXPECT_EQ(days_between(day("2026-08-31"), day("2026-08-31")), 0);
    EXPECT_EQ(days_between(day("2026-08-31"), day("2027-01-17")), 139);
    EXPECT_EQ(days_between(day("2027-01-17"), day("2026-08-31")), -139);
    EXPECT_EQ(day("2026-12-31").add_days(1), day("2027-01-01"));
    EXPECT_EQ(day("2027-01-01").add_days(-1), day("2026-12-31"));
    EXPECT_EQ(day("1970-01-01").iso_weekday(), 4);  // Thursday
    EXPECT_EQ(day("2026-08-31").iso_weekday(), 1);  // Monday
    EXPECT_EQ(day("2027-01-17").iso_weekday(), 7);  // Sunday
    EXPECT_EQ(day("2028-02-29").iso_weekday(), 2);  // Tuesday
    EXPECT_EQ(day("1969-12-31").iso_weekday(), 3);  // before the epoch too
    EXPECT_LT(day("2026-08-31"), day("2026-09-01"));
}

TEST(Date, AddsYearsAndMovesTheLeapDayToTheMonthsEnd) {
    EXPECT_EQ(day("2026-08-31").add_years(2), day("2028-08-31"));
    EXPECT_EQ(day("2026-08-31").add_years(-2), day("2024-08-31"));
    EXPECT_EQ(day("2028-02-29").add_years(-2), day("2026-02-28"));
    EXPECT_EQ(day("2028-02-29").add_years(4), day("2032-02-29"));
}

TEST(Date, TakesTheUtcDayOfATimestamp) {
    EXPECT_EQ(Date::utc_day_of(from_unix(0)), day("1970-01-01"));
    EXPECT_EQ(Date::utc_day_of(from_unix(86'399)), day("1970-01-01"));
    EXPECT_EQ(Date::utc_day_of(from_unix(-1)), day("1969-12-31"));
    EXPECT_EQ(Date::utc_day_of(from_unix(1'798'675'200)), day("2026-12-31"));
}

TEST(DateRange, OverlapIsInclusiveAndTouchingIsNot) {
    EXPECT_TRUE(overlaps(range("2026-08-31", "2027-01-17"), range("2027-01-17", "2027-06-06")));   // share a day
    EXPECT_FALSE(overlaps(range("2026-08-31", "2027-01-17"), range("2027-01-18", "2027-06-06")));  // touching
    EXPECT_TRUE(overlaps(range("2026-08-31", "2027-01-17"), range("2026-10-01", "2026-10-02")));   // inside
    EXPECT_TRUE(overlaps(range("2026-10-01", "2026-10-02"), range("2026-08-31", "2027-01-17")));
    EXPECT_FALSE(overlaps(range("2027-01-18", "2027-06-06"), range("2026-08-31", "2027-01-17")));
    EXPECT_EQ(range("2026-08-31", "2026-08-31").days(), 1);
    EXPECT_EQ(range("2026-09-01", "2026-08-31").days(), 0);
    EXPECT_TRUE(range("2026-08-31", "2026-09-06").contains(day("2026-09-06")));
    EXPECT_FALSE(range("2026-08-31", "2026-09-06").contains(day("2026-09-07")));
}

namespace studietider {

namespace {

Credits cr(std::string_view text) {
    const auto c = parse_credits(text);
    EXPECT_TRUE(c.has_value()) << text;
    return c.value_or(Credits{});
}

const Date kToday = day("2026-06-15");

PeriodInput period(std::string label, std::string_view first, std::string_view last,
                   std::optional<Credits> credits = std::nullopt) {
    PeriodInput p;
    p.label = std::move(label);
    p.first = day(first);
    p.last = day(last);
    p.credits = credits;
    return p;
}

/// A period of `weeks` whole calendar weeks from Monday 2026-08-31 (HT2026 is 20 of them).
PeriodInput weeks_from_aug31(int weeks, std::string_view credits) {
    return period("HT2026", "2026-08-31", to_string(day("2026-08-31").add_days(7 * weeks - 1)), cr(credits));
}

bool has_problem(const PeriodAssessment& a, PeriodProblem p) {
    for (const PeriodError& e : a.errors)
        if (e.problem == p) return true;
    return false;
}

}  // namespace

// ---- Vocabulary ---------------------------------------------------------------------------------

TEST(CreditUnit, HasStableNamesBothWays) {
    for (CreditUnit u :
         {CreditUnit::hp, CreditUnit::yh, CreditUnit::komvux, CreditUnit::folkhogskola_hours, CreditUnit::none})
        EXPECT_EQ(parse_credit_unit(to_string(u)), u);
    EXPECT_EQ(to_string(CreditUnit::hp), "hp");
    EXPECT_EQ(to_string(CreditUnit::yh), "yh-poang");
    EXPECT_EQ(to_string(CreditUnit::komvux), "komvux-poang");
    EXPECT_EQ(to_string(CreditUnit::folkhogskola_hours), "timmar-per-vecka");
    EXPECT_EQ(to_string(CreditUnit::none), "ingen");
    EXPECT_FALSE(parse_credit_unit("HP").has_value());
    EXPECT_FALSE(parse_credit_unit("").has_value());
    EXPECT_FALSE(parse_credit_unit("högskolepoäng").has_value());
}

TEST(CreditUnit, FullTimePerWeekIsCsns) {  // CSN-TAKT
    EXPECT_EQ(full_time_per_week(CreditUnit::hp), cr("1,5"));
    EXPECT_EQ(full_time_per_week(CreditUnit::yh), cr("5"));
    EXPECT_EQ(full_time_per_week(CreditUnit::komvux), cr("20"));
    EXPECT_EQ(full_time_per_week(CreditUnit::folkhogskola_hours), cr("20"));
    EXPECT_FALSE(full_time_per_week(CreditUnit::none).has_value());
    EXPECT_TRUE(is_weekly_rate(CreditUnit::folkhogskola_hours));
    EXPECT_FALSE(is_weekly_rate(CreditUnit::hp));
}

TEST(Level, HasStableNamesBothWays) {
    for (Level l : {Level::grundskoleniva, Level::gymnasieniva, Level::eftergymnasial})
        EXPECT_EQ(parse_level(to_string(l)), l);
    EXPECT_EQ(to_string(Level::grundskoleniva), "grundskoleniva");
    EXPECT_EQ(to_string(Level::gymnasieniva), "gymnasieniva");
    EXPECT_EQ(to_string(Level::eftergymnasial), "eftergymnasial");
    EXPECT_FALSE(parse_level("gymnasienivå").has_value());
}

TEST(Pace, HasStableNamesAndPercentages) {
    for (Pace p : {Pace::full, Pace::three_quarters, Pace::half, Pace::none}) EXPECT_EQ(parse_pace(to_string(p)), p);
    EXPECT_EQ(to_string(Pace::full), "100");
    EXPECT_EQ(to_string(Pace::none), "ingen");
    EXPECT_EQ(percent(Pace::full), 100);
    EXPECT_EQ(percent(Pace::three_quarters), 75);
    EXPECT_EQ(percent(Pace::half), 50);
    EXPECT_EQ(percent(Pace::none), 0);
    for (const char* bad : {"25", "100%", "", "0", "heltid"}) EXPECT_FALSE(parse_pace(bad).has_value()) << bad;
}

TEST(Credits, ParsesDecimalCommaAndPointExactly) {
    EXPECT_EQ(parse_credits("30"), Credits{3000});
    EXPECT_EQ(parse_credits("22,5"), Credits{2250});
    EXPECT_EQ(parse_credits("22.5"), Credits{2250});
    EXPECT_EQ(parse_credits("22,50"), Credits{2250});
    EXPECT_EQ(parse_credits("7.25"), Credits{725});
    EXPECT_EQ(parse_credits("0"), Credits{0});
    EXPECT_EQ(parse_credits("0,05"), Credits{5});
    EXPECT_EQ(parse_credits("9999,99"), kMaxCredits);
    EXPECT_EQ(parse_credits("-5"), Credits{-500});  // read, so that validation can say "negative"
    EXPECT_EQ(parse_credits("999999999"), Credits{99'999'999'900});
    for (const char* bad : {"", "-", ",5", ".5", "5,", "5.", "1,234", "1 000", "1e3", "+5", "5,5,5", "abc", "5 ",
                            "1000000000", "--5", "5-"})
        EXPECT_FALSE(parse_credits(bad).has_value()) << bad;
}

TEST(Credits, WritesWithAPointAndNoTrailingZeros) {
    EXPECT_EQ(to_string(Credits{3000}), "30");
    EXPECT_EQ(to_string(Credits{2250}), "22.5");
    EXPECT_EQ(to_string(Credits{725}), "7.25");
    EXPECT_EQ(to_string(Credits{5}), "0.05");
    EXPECT_EQ(to_string(Credits{0}), "0");
    EXPECT_EQ(to_string(Credits{-150}), "-1.5");
    EXPECT_EQ(to_string(kMaxCredits), "9999.99");
}

// ---- Educations ---------------------------------------------------------------------------------

namespace {
EducationInput good_education() {
    EducationInput e;
    e.code = "SVA-GRU_01";
    e.name = "Svenska som andraspråk, grundläggande";
    e.level = Level::grundskoleniva;
    e.unit = CreditUnit::komvux;
    e.total_credits = cr("400");
    return e;
}
}  // namespace

TEST(Education, AGoodOneHasNoProblems) {
    const EducationCheck c = validate_education(good_education());
    EXPECT_TRUE(c.accepted());
    EXPECT_TRUE(c.errors.empty());
    EXPECT_TRUE(c.warnings.empty());
}

TEST(Education, CodeIsOneToTwentyLettersDigitsDashOrUnderscore) {
    for (const char* ok : {"A", "abc-DEF_123", "12345678901234567890"}) {
        EducationInput e = good_education();
        e.code = ok;
        EXPECT_TRUE(validate_education(e).accepted()) << ok;
    }
    for (const char* bad : {"", "123456789012345678901", "SVA GRU", "SVA/1", "ÅÄÖ", "a.b", "kod\n"}) {
        EducationInput e = good_education();
        e.code = bad;
        EXPECT_EQ(validate_education(e).errors, std::vector{EducationProblem::bad_code}) << bad;
    }
}

TEST(Education, NameIsOneToTwoHundredCharactersOnOneLine) {
    EducationInput e = good_education();
    e.name = std::string(200, 'a');
    EXPECT_TRUE(validate_education(e).accepted());
    e.name.clear();
    for (int i = 0; i < 200; ++i) e.name += "ö";  // 200 characters, 400 bytes
    EXPECT_TRUE(validate_education(e).accepted());
    for (const std::string& bad :
         {std::string{}, std::string(201, 'a'), std::string("   "), std::string("Rad 1\nRad 2"),
          std::string("Tab\there"), std::string("\xC3\x28"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
          std::string("\xF4\x90\x80\x80"), std::string("\xE2\x82"), std::string("\xC2\x85"), std::string("Ctrl\x7F")}) {
        e.name = bad;
        EXPECT_EQ(validate_education(e).errors, std::vector{EducationProblem::bad_name}) << bad;
    }
}

TEST(Education, TotalCreditsAreRequiredUnlessTheUnitIsNone) {
    EducationInput e = good_education();
    e.total_credits.reset();
    EXPECT_EQ(validate_education(e).errors, std::vector{EducationProblem::credits_missing});
    e.unit = CreditUnit::none;
    EXPECT_TRUE(validate_education(e).accepted());
    e.total_credits = cr("2500");  // gymnasiepoäng, shown only
    EXPECT_TRUE(validate_education(e).accepted());
}

TEST(Education, TotalCreditsAreZeroToTheMaximum) {
    EducationInput e = good_education();
    e.total_credits = cr("0");
    EXPECT_TRUE(validate_education(e).accepted());
    e.total_credits = kMaxCredits;
    EXPECT_TRUE(validate_education(e).accepted());
    e.total_credits = Credits{kMaxCredits.hundredths + 1};
    EXPECT_EQ(validate_education(e).errors, std::vector{EducationProblem::credits_too_large});
    e.total_credits = cr("-0,01");
    EXPECT_EQ(validate_education(e).errors, std::vector{EducationProblem::credits_negative});
}

TEST(Education, ReportsEveryProblemAtOnceInFieldOrder) {
    EducationInput e = good_education();
    e.code = "";
    e.name = "";
    e.total_credits.reset();
    EXPECT_EQ(validate_education(e).errors,
              (std::vector{EducationProblem::bad_code, EducationProblem::bad_name, EducationProblem::credits_missing}));
}

TEST(Education, ContractEducationIsSavedWithAWarning) {  // CSN-KFG-TYP, CSN-YH
    EducationInput e = good_education();
    e.contract = true;
    e.distance = true;
    const EducationCheck c = validate_education(e);
    EXPECT_TRUE(c.accepted());
    EXPECT_EQ(c.warnings, std::vector{EducationWarning::contract_education});
}

// ---- Study weeks --------------------------------------------------------------------------------

TEST(StudyWeeks, Ht2026IsTwentyCalendarWeeks) {
    const StudyWeeks w = count_study_weeks(range("2026-08-31", "2027-01-17"), {});  // Monday .. Sunday
    EXPECT_EQ(w, (StudyWeeks{20, 0}));
    EXPECT_EQ(w.total(), 20);
}

TEST(StudyWeeks, MondayOfWeek26ToFridayOfWeek28IsThreeWeeks) {  // issue [9] item 1
    // Monday 2027-06-28 (week 26) .. Friday 2027-07-16 (week 28): "vecka 26–28", three study weeks.
    EXPECT_EQ(count_study_weeks(range("2027-06-28", "2027-07-16"), {}), (StudyWeeks{3, 0}));
    // A Monday-to-Friday term, 2026-08-17 (week 34) .. 2027-01-15 (week 2): 22 weeks.
    EXPECT_EQ(count_study_weeks(range("2026-08-17", "2027-01-15"), {}).total(), 22);
    // Monday .. Friday of one week is that week.
    EXPECT_EQ(count_study_weeks(range("2026-08-31", "2026-09-04"), {}).total(), 1);
}

TEST(StudyWeeks, EveryCalendarWeekTheDaysTouchCounts) {
    // Wednesday 2026-09-02 (week 36) .. Tuesday 2026-09-22 (week 39): weeks 36, 37, 38, 39.
    EXPECT_EQ(count_study_weeks(range("2026-09-02", "2026-09-22"), {}), (StudyWeeks{4, 0}));
    // Wednesday .. Tuesday of the next week: two calendar weeks.
    EXPECT_EQ(count_study_weeks(range("2026-09-02", "2026-09-08"), {}).total(), 2);
    // Ending on a Sunday: Wednesday 2026-09-02 .. Sunday 2026-09-20 is weeks 36–38.
    EXPECT_EQ(count_study_weeks(range("2026-09-02", "2026-09-20"), {}).total(), 3);
    // One day is its week; Sunday .. Monday are two weeks.
    EXPECT_EQ(count_study_weeks(range("2026-09-02", "2026-09-02"), {}), (StudyWeeks{1, 0}));
    EXPECT_EQ(count_study_weeks(range("2026-09-06", "2026-09-07"), {}).total(), 2);
}

TEST(StudyWeeks, FromAnyWeekdayToTheSundayTwoWeeksOnIsThreeWeeks) {
    const Date sunday = day("2026-09-20");
    for (int start = 0; start < 7; ++start) {
        const Date first = day("2026-08-31").add_days(start);
        EXPECT_EQ(count_study_weeks({first, sunday}, {}).total(), 3) << to_string(first);
        EXPECT_EQ(count_study_weeks({first, sunday.add_days(-7)}, {}).total(), 2) << to_string(first);
    }
}

TEST(StudyWeeks, AcrossTheYearBoundary) {
    // 2026 has an ISO week 53: Monday 2026-12-14 (week 51) .. Friday 2027-01-15 (week 2) is weeks
    // 51, 52, 53, 1 and 2.
    EXPECT_EQ(count_study_weeks(range("2026-12-14", "2027-01-15"), {}).total(), 5);
    // 2027 has 52: Monday 2027-12-20 (week 51) .. Friday 2028-01-07 (week 1) is weeks 51, 52, 1.
    EXPECT_EQ(count_study_weeks(range("2027-12-20", "2028-01-07"), {}).total(), 3);
}

TEST(StudyWeeks, CountsAcrossTheLeapDay) {
    // Monday 2028-02-07 .. Sunday 2028-03-05 holds 29 February: exactly four calendar weeks.
    EXPECT_EQ(count_study_weeks(range("2028-02-07", "2028-03-05"), {}), (StudyWeeks{4, 0}));
    // Tuesday 2028-02-01 (week 5) .. Tuesday 2028-02-29 (week 9): five weeks.
    EXPECT_EQ(count_study_weeks(range("2028-02-01", "2028-02-29"), {}).total(), 5);
    // Monday 2027-02-01 .. Sunday 2027-02-28: four.
    EXPECT_EQ(count_study_weeks(range("2027-02-01", "2027-02-28"), {}), (StudyWeeks{4, 0}));
}

TEST(StudyWeeks, ABreakOfWholeCalendarWeeksLeavesThemOut) {
    // Komvux 2026-08-17 (Monday) .. 2027-01-17 (Sunday) is 22 weeks; jullov Monday 2026-12-21 ..
    // Sunday 2027-01-03 covers calendar weeks 52 and 53, which are not study weeks.
    const std::vector<DateRange> jullov{range("2026-12-21", "2027-01-03")};
    EXPECT_EQ(count_study_weeks(range("2026-08-17", "2027-01-17"), {}).total(), 22);
    EXPECT_EQ(count_study_weeks(range("2026-08-17", "2027-01-17"), jullov), (StudyWeeks{22, 2}));
}

TEST(StudyWeeks, AWeekABreakOnlyCutsIntoStillCounts) {
    // Jullov Saturday 2026-12-19 .. Wednesday 2027-01-06: week 51 keeps Monday–Friday and week 1
    // Thursday–Sunday, so they count; weeks 52 and 53 lie wholly inside the break: 22 - 2 = 20.
    const std::vector<DateRange> jullov{range("2026-12-19", "2027-01-06")};
    EXPECT_EQ(count_study_weeks(range("2026-08-17", "2027-01-17"), jullov), (StudyWeeks{22, 2}));
    // A lovdag, or a break Tuesday .. Sunday, leaves its week a study week.
    const std::vector<DateRange> lovdag{range("2026-09-09", "2026-09-09")};
    EXPECT_EQ(count_study_weeks(range("2026-08-31", "2026-09-27"), lovdag), (StudyWeeks{4, 0}));
    const std::vector<DateRange> six_days{range("2026-09-08", "2026-09-13")};
    EXPECT_EQ(count_study_weeks(range("2026-08-31", "2026-09-27"), six_days), (StudyWeeks{4, 0}));
    // Monday .. Sunday of that week is left out.
    const std::vector<DateRange> week{range("2026-09-07", "2026-09-13")};
    EXPECT_EQ(count_study_weeks(range("2026-08-31", "2026-09-27"), week), (StudyWeeks{4, 1}));
}

TEST(StudyWeeks, BreaksThatTouchMakeOneBreak) {
    // Monday .. Thursday and Friday .. Sunday of week 37, entered as two breaks: the week is out.
    const std::vector<DateRange> two{range("2026-09-07", "2026-09-10"), range("2026-09-11", "2026-09-13")};
    EXPECT_EQ(count_study_weeks(range("2026-08-31", "2026-09-27"), two), (StudyWeeks{4, 1}));
}

TEST(StudyWeeks, SeveralBreaksAndBreaksAtTheEnds) {
    // HT2026 (20 weeks) with höstlov week 44 (2026-10-26 .. 11-01) and jullov 2026-12-21 .. 2027-01-03.
    const std::vector<DateRange> breaks{range("2026-12-21", "2027-01-03"), range("2026-10-26", "2026-11-01")};
    EXPECT_EQ(count_study_weeks(range("2026-08-31", "2027-01-17"), breaks), (StudyWeeks{20, 3}));
    // A break on the first week and one on the last.
    const std::vector<DateRange> ends{range("2026-08-31", "2026-09-06"), range("2027-01-11", "2027-01-17")};
    EXPECT_EQ(count_study_weeks(range("2026-08-31", "2027-01-17"), ends), (StudyWeeks{20, 2}));
    // A period from Wednesday whose first week's days are all break (Wednesday .. Sunday): that
    // week has no study day and is left out; a break Wednesday .. Saturday leaves it in.
    const std::vector<DateRange> first_days{range("2026-09-02", "2026-09-06")};
    EXPECT_EQ(count_study_weeks(range("2026-09-02", "2026-09-27"), first_days), (StudyWeeks{4, 1}));
    const std::vector<DateRange> not_sunday{range("2026-09-02", "2026-09-05")};
    EXPECT_EQ(count_study_weeks(range("2026-09-02", "2026-09-27"), not_sunday), (StudyWeeks{4, 0}));
    // The same at the end: a period to Tuesday 2026-09-29 whose Monday and Tuesday are break.
    const std::vector<DateRange> last_days{range("2026-09-28", "2026-09-29")};
    EXPECT_EQ(count_study_weeks(range("2026-08-31", "2026-09-29"), last_days), (StudyWeeks{5, 1}));
}

TEST(StudyWeeks, IsRobustToBreaksValidationWouldRefuse) {
    const DateRange ht = range("2026-08-31", "2027-01-17");
    // Overlapping breaks are merged; breaks sticking out are clipped; backwards breaks are ignored.
    const std::vector<DateRange> messy{range("2026-12-21", "2026-12-31"), range("2026-12-28", "2027-01-03"),
                                       range("2026-08-01", "2026-09-06"), range("2026-10-10", "2026-10-01")};
    EXPECT_EQ(count_study_weeks(ht, messy), (StudyWeeks{20, 3}));
    EXPECT_EQ(count_study_weeks(range("2026-09-01", "2026-08-31"), {}), (StudyWeeks{}));
    const std::vector<DateRange> all{ht};
    EXPECT_EQ(count_study_weeks(ht, all).total(), 0);
}

// ---- Pace ---------------------------------------------------------------------------------------

TEST(Pace, HpThirtyOverTwentyWeeksIsFullTime) {  // domain-csn.md §1.3: 30 hp = 20 full-time weeks
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("30"), 20), (DerivedPace{Pace::full, 20}));
}

TEST(Pace, HpFourteenPercentAllowance) {              // CSN-HS-BER: 30 hp -> at most 23 weeks, paid 20
    EXPECT_EQ(hp_full_time_weeks_max(cr("30")), 23);  // ceil(20 × 1.14) = ceil(22.8)
    for (int weeks : {21, 22, 23})
        EXPECT_EQ(derive_pace(CreditUnit::hp, cr("30"), weeks), (DerivedPace{Pace::full, 20})) << weeks;
    // 30 hp over 24 weeks: 1.25 hp/week ≥ 1.125 -> 75 % for all 24 weeks (CSN-HS-EX).
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("30"), 24), (DerivedPace{Pace::three_quarters, 24}));
    // Faster than full time: 100 %, paid only the weeks studied.
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("30"), 15), (DerivedPace{Pace::full, 15}));
    // Paid weeks round up: 10 hp = 6.67 weeks -> 7; allowance ceil(7.6) = 8.
    EXPECT_EQ(hp_full_time_weeks_max(cr("10")), 8);
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("10"), 8), (DerivedPace{Pace::full, 7}));
    // Beyond it the band on all weeks: 10 hp / 9 weeks = 1.11 hp a week, under 1.125 -> 50 %.
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("10"), 9), (DerivedPace{Pace::half, 9}));
}

TEST(Pace, HpBandsOutsideTheAllowance) {  // CSN-TAKT: 1.5 / 1.125 / 0.75 hp per week
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("22,5"), 20), (DerivedPace{Pace::three_quarters, 20}));  // 1.125
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("15"), 20), (DerivedPace{Pace::half, 20}));              // 0.75
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("14,99"), 20), (DerivedPace{Pace::none, 0}));
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("22,49"), 20), (DerivedPace{Pace::half, 20}));
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("0"), 20), (DerivedPace{Pace::none, 0}));
}

TEST(Pace, YhFivePointsAWeek) {  // CSN-YH: 100 points = 20 weeks
    EXPECT_EQ(derive_pace(CreditUnit::yh, cr("100"), 20), (DerivedPace{Pace::full, 20}));
    EXPECT_EQ(derive_pace(CreditUnit::yh, cr("75"), 20), (DerivedPace{Pace::three_quarters, 20}));
    EXPECT_EQ(derive_pace(CreditUnit::yh, cr("50"), 20), (DerivedPace{Pace::half, 20}));
    EXPECT_EQ(derive_pace(CreditUnit::yh, cr("49,5"), 20), (DerivedPace{Pace::none, 0}));
    EXPECT_EQ(derive_pace(CreditUnit::yh, cr("100"), 21), (DerivedPace{Pace::three_quarters, 21}));  // no allowance
}

TEST(Pace, KomvuxBandsTwentyFifteenTen) {  // ALVIS, KUNGSANG: 20 / 15–19 / 10–14 points per week
    EXPECT_EQ(derive_pace(CreditUnit::komvux, cr("400"), 20).pace, Pace::full);            // 20 a week
    EXPECT_EQ(derive_pace(CreditUnit::komvux, cr("380"), 20).pace, Pace::three_quarters);  // 19
    EXPECT_EQ(derive_pace(CreditUnit::komvux, cr("300"), 20).pace, Pace::three_quarters);  // 15
    EXPECT_EQ(derive_pace(CreditUnit::komvux, cr("280"), 20).pace, Pace::half);            // 14
    EXPECT_EQ(derive_pace(CreditUnit::komvux, cr("200"), 20).pace, Pace::half);            // 10
    EXPECT_EQ(derive_pace(CreditUnit::komvux, cr("180"), 20).pace, Pace::none);            // 9
    EXPECT_EQ(derive_pace(CreditUnit::komvux, cr("290"), 20).pace, Pace::half);            // 14.5
}

TEST(Pace, FolkhogskolaHoursAreAWeeklyRate) {  // CSN-TAKT: 20 clock hours a week is full time
    EXPECT_EQ(derive_pace(CreditUnit::folkhogskola_hours, cr("20"), 20), (DerivedPace{Pace::full, 20}));
    EXPECT_EQ(derive_pace(CreditUnit::folkhogskola_hours, cr("15"), 34), (DerivedPace{Pace::three_quarters, 34}));
    EXPECT_EQ(derive_pace(CreditUnit::folkhogskola_hours, cr("10"), 5), (DerivedPace{Pace::half, 5}));
    EXPECT_EQ(derive_pace(CreditUnit::folkhogskola_hours, cr("9,5"), 5), (DerivedPace{Pace::none, 0}));
}

TEST(Pace, NothingWithoutWeeksOrANorm) {
    EXPECT_EQ(derive_pace(CreditUnit::hp, cr("7,5"), 0), (DerivedPace{}));
    EXPECT_EQ(derive_pace(CreditUnit::none, cr("30"), 20), (DerivedPace{}));
    EXPECT_EQ(derive_pace(CreditUnit::hp, Credits{-100}, 20), (DerivedPace{}));
}

// ---- Periods ------------------------------------------------------------------------------------

TEST(Period, Ht2026ThirtyHpIsFullTimeForTwentyWeeks) {
    const PeriodAssessment a =
        assess_period(CreditUnit::hp, period("HT2026", "2026-08-31", "2027-01-17", cr("30")), kToday);
    EXPECT_TRUE(a.accepted());
    EXPECT_TRUE(a.gives_student_aid());
    EXPECT_TRUE(a.marks.empty());
    EXPECT_TRUE(a.questions.empty());
    EXPECT_EQ(a.weeks.total(), 20);
    EXPECT_EQ(a.pace, Pace::full);
    EXPECT_EQ(a.paid_weeks, 20);
}

TEST(Period, TheWorkedExamplesOfTheNote) {
    struct Case {
        CreditUnit unit;
        const char* credits;
        int weeks;
        Pace pace;
        int paid;
    };
    for (const Case& c :
         {Case{CreditUnit::hp, "30", 20, Pace::full, 20},            // §1.3
          Case{CreditUnit::hp, "30", 22, Pace::full, 20},            // within 14 %
          Case{CreditUnit::hp, "30", 24, Pace::three_quarters, 24},  // CSN-HS-EX
          Case{CreditUnit::hp, "22,5", 20, Pace::three_quarters, 20}, Case{CreditUnit::hp, "15", 20, Pace::half, 20},
          Case{CreditUnit::yh, "100", 20, Pace::full, 20}, Case{CreditUnit::komvux, "400", 20, Pace::full, 20},
          Case{CreditUnit::komvux, "300", 20, Pace::three_quarters, 20},
          Case{CreditUnit::komvux, "200", 20, Pace::half, 20}}) {
        const PeriodAssessment a = assess_period(c.unit, weeks_from_aug31(c.weeks, c.credits), kToday);
        EXPECT_TRUE(a.accepted()) << c.credits << " over " << c.weeks;
        EXPECT_EQ(a.weeks.total(), c.weeks) << c.credits << " over " << c.weeks;
        EXPECT_EQ(a.pace, c.pace) << c.credits << " over " << c.weeks;
        EXPECT_EQ(a.paid_weeks, c.paid) << c.credits << " over " << c.weeks;
        EXPECT_TRUE(a.marks.empty()) << c.credits << " over " << c.weeks;
    }
}

TEST(Period, BelowHalfTimeIsAcceptedAndMarked) {
    const PeriodAssessment a = assess_period(CreditUnit::hp, weeks_from_aug31(20, "7,5"), kToday);
    EXPECT_TRUE(a.accepted());
    EXPECT_FALSE(a.gives_student_aid());
    EXPECT_EQ(a.pace, Pace::none);
    EXPECT_EQ(a.paid_weeks, 0);
    EXPECT_EQ(a.marks, std::vector{PeriodMark::no_student_aid_pace});
}

TEST(Period, ShorterThanThreeWeeksIsAcceptedAndMarked) {  // CSN-HS-TYP, SWEJA
    // Two whole weeks of 3 hp: full pace, but too short for studiemedel.
    const PeriodAssessment two = assess_period(CreditUnit::hp, weeks_from_aug31(2, "3"), kToday);
    EXPECT_TRUE(two.accepted());
    EXPECT_EQ(two.weeks.total(), 2);
    EXPECT_EQ(two.pace, Pace::full);
    EXPECT_EQ(two.paid_weeks, 0);
    EXPECT_EQ(two.marks, std::vector{PeriodMark::shorter_than_three_weeks});
    EXPECT_FALSE(two.gives_student_aid());
    // Wednesday .. the Sunday a week on is weeks 36 and 37: marked; to the Monday after, three
    // weeks and not marked.
    EXPECT_EQ(assess_period(CreditUnit::hp, period("K", "2026-09-02", "2026-09-13", cr("4,5")), kToday).marks,
              std::vector{PeriodMark::shorter_than_three_weeks});
    EXPECT_TRUE(
        assess_period(CreditUnit::hp, period("K", "2026-09-02", "2026-09-14", cr("4,5")), kToday).marks.empty());
    // A single day is one study week: 1,5 hp is full pace, but only the short mark and no pay.
    const PeriodAssessment one =
        assess_period(CreditUnit::hp, period("K", "2026-09-02", "2026-09-02", cr("1,5")), kToday);
    EXPECT_TRUE(one.accepted());
    EXPECT_EQ(one.weeks.total(), 1);
    EXPECT_EQ(one.pace, Pace::full);
    EXPECT_EQ(one.paid_weeks, 0);
    EXPECT_EQ(one.marks, std::vector{PeriodMark::shorter_than_three_weeks});
    // Both marks when short and slow.
    EXPECT_EQ(assess_period(CreditUnit::hp, weeks_from_aug31(2, "1"), kToday).marks,
              (std::vector{PeriodMark::no_student_aid_pace, PeriodMark::shorter_than_three_weeks}));
}

TEST(Period, ThreeSchoolWeeksEndingOnAFridayGiveStudentAid) {  // issue [9] item 1
    // Komvux, Monday 2027-06-28 .. Friday 2027-07-16 ("vecka 26–28"), 60 points: 20 a week.
    const PeriodAssessment a =
        assess_period(CreditUnit::komvux, period("Sommar27", "2027-06-28", "2027-07-16", cr("60")), kToday);
    EXPECT_TRUE(a.accepted());
    EXPECT_EQ(a.weeks.total(), 3);
    EXPECT_TRUE(a.marks.empty());
    EXPECT_TRUE(a.gives_student_aid());
    EXPECT_EQ(a.pace, Pace::full);
    EXPECT_EQ(a.paid_weeks, 3);
    // Folkhögskola, 20 hours a week over the same days.
    const PeriodAssessment f =
        assess_period(CreditUnit::folkhogskola_hours, period("Sommar27", "2027-06-28", "2027-07-16", cr("20")), kToday);
    EXPECT_TRUE(f.gives_student_aid());
    EXPECT_EQ(f.paid_weeks, 3);
}

TEST(Period, AContractEducationIsPaidNoWeeks) {  // issue [9] item 2; CSN-KFG-TYP, CSN-YH
    EducationTerms terms{CreditUnit::hp, cr("30"), true};
    const PeriodAssessment a = assess_period(terms, period("HT2026", "2026-08-31", "2027-01-17", cr("30")), kToday);
    EXPECT_TRUE(a.accepted());
    EXPECT_EQ(a.weeks.total(), 20);
    EXPECT_EQ(a.pace, Pace::full);
    EXPECT_EQ(a.paid_weeks, 0);
    EXPECT_EQ(a.marks, std::vector{PeriodMark::contract_education});
    EXPECT_FALSE(a.gives_student_aid());
    // With the school's pace (unit none) too, and next to the other marks.
    EducationTerms none{CreditUnit::none, std::nullopt, true};
    PeriodInput p = period("K", "2026-08-31", "2026-09-06");
    p.pace = Pace::full;
    EXPECT_EQ(assess_period(none, p, kToday).marks,
              (std::vector{PeriodMark::shorter_than_three_weeks, PeriodMark::contract_education}));
    EXPECT_EQ(assess_period(none, p, kToday).paid_weeks, 0);
    // derive_period, as for a published version: the same figures.
    EXPECT_EQ(derive_period(terms, period("HT2026", "2026-08-31", "2027-01-17", cr("30"))).paid_weeks, 0);
    terms.contract = false;
    EXPECT_EQ(derive_period(terms, period("HT2026", "2026-08-31", "2027-01-17", cr("30"))).paid_weeks, 20);
}

TEST(Period, CreditsAboveTheEducationsTotalAreRefused) {  // issue [9] item 3
    const EducationTerms course{CreditUnit::komvux, cr("100"), false};
    const PeriodAssessment a = assess_period(course, period("HT2026", "2026-08-31", "2027-01-17", cr("400")), kToday);
    EXPECT_FALSE(a.accepted());
    const PeriodError exceeds{PeriodProblem::credits_exceed_total, std::nullopt, cr("400"), cr("100")};
    EXPECT_EQ(a.errors, std::vector{exceeds});
    // The whole total is fine, and so is a part of it.
    EXPECT_TRUE(assess_period(course, period("HT2026", "2026-08-31", "2027-01-17", cr("100")), kToday).accepted());
    EXPECT_TRUE(assess_period(course, period("HT2026", "2026-08-31", "2026-11-08", cr("50")), kToday).accepted());
    // Hundredths count: 30,01 hp of a 30 hp course is too many.
    const EducationTerms hp{CreditUnit::hp, cr("30"), false};
    EXPECT_TRUE(
        has_problem(assess_period(hp, weeks_from_aug31(20, "30,01"), kToday), PeriodProblem::credits_exceed_total));
    // Unit none with a total given: the same; without a total nothing to compare.
    PeriodInput g = period("HT2026", "2026-08-31", "2027-01-17", cr("3000"));
    g.pace = Pace::full;
    EXPECT_TRUE(has_problem(assess_period(EducationTerms{CreditUnit::none, cr("2500"), false}, g, kToday),
                            PeriodProblem::credits_exceed_total));
    EXPECT_TRUE(assess_period(EducationTerms{CreditUnit::none, std::nullopt, false}, g, kToday).accepted());
    // Folkhögskola hours are a weekly rate, not a part of a total.
    EXPECT_TRUE(assess_period(EducationTerms{CreditUnit::folkhogskola_hours, cr("20"), false},
                              weeks_from_aug31(20, "25"), kToday)
                    .accepted());
}

TEST(Period, AChristmasBreakIsLeftOutOfTheWeeks) {
    // Komvux 2026-08-17 .. 2027-01-17 with jullov 2026-12-21 .. 2027-01-03: 20 study weeks, so
    // 400 points is 20 a week (100 %), where all 22 calendar weeks would have given 18.2 (75 %).
    PeriodInput p = period("HT2026", "2026-08-17", "2027-01-17", cr("400"));
    p.breaks = {range("2026-12-21", "2027-01-03")};
    const PeriodAssessment a = assess_period(CreditUnit::komvux, p, kToday);
    EXPECT_TRUE(a.accepted());
    EXPECT_EQ(a.weeks, (StudyWeeks{22, 2}));
    EXPECT_EQ(a.pace, Pace::full);
    EXPECT_EQ(a.paid_weeks, 20);
    p.breaks.clear();
    EXPECT_EQ(assess_period(CreditUnit::komvux, p, kToday).pace, Pace::three_quarters);
}

TEST(Period, UnitNoneTakesTheSchoolsPace) {
    PeriodInput p = period("HT2026", "2026-08-31", "2027-01-17");
    p.pace = Pace::three_quarters;
    PeriodAssessment a = assess_period(CreditUnit::none, p, kToday);
    EXPECT_TRUE(a.accepted());
    EXPECT_EQ(a.pace, Pace::three_quarters);
    EXPECT_EQ(a.paid_weeks, 20);
    p.pace = Pace::none;
    a = assess_period(CreditUnit::none, p, kToday);
    EXPECT_TRUE(a.accepted());
    EXPECT_EQ(a.marks, std::vector{PeriodMark::no_student_aid_pace});
    EXPECT_EQ(a.paid_weeks, 0);
    p.pace.reset();
    EXPECT_EQ(assess_period(CreditUnit::none, p, kToday).errors, std::vector{PeriodError{PeriodProblem::pace_missing}});
}

TEST(Period, PaceIsNotEnteredWhereTheUnitDerivesIt) {
    PeriodInput p = weeks_from_aug31(20, "30");
    p.pace = Pace::full;
    EXPECT_EQ(assess_period(CreditUnit::hp, p, kToday).errors,
              std::vector{PeriodError{PeriodProblem::pace_not_allowed}});
}

TEST(Period, CreditsAreRequiredAndInRange) {
    PeriodInput p = period("HT2026", "2026-08-31", "2027-01-17");
    EXPECT_EQ(assess_period(CreditUnit::yh, p, kToday).errors,
              std::vector{PeriodError{PeriodProblem::credits_missing}});
    p.credits = cr("-1");
    EXPECT_EQ(assess_period(CreditUnit::yh, p, kToday).errors,
              std::vector{PeriodError{PeriodProblem::credits_negative}});
    p.credits = Credits{kMaxCredits.hundredths + 1};
    EXPECT_EQ(assess_period(CreditUnit::yh, p, kToday).errors,
              std::vector{PeriodError{PeriodProblem::credits_too_large}});
    p.credits = kMaxCredits;
    EXPECT_TRUE(assess_period(CreditUnit::yh, p, kToday).accepted());
    // With unit none, credits may be left out.
    p.credits.reset();
    p.pace = Pace::full;
    EXPECT_TRUE(assess_period(CreditUnit::none, p, kToday).accepted());
}

TEST(Period, LabelIsOneToTwentyCharactersOnOneLine) {
    for (const char* ok : {"HT2026", "VT2027", "2026/27", "Läsår 2026/27", "12345678901234567890"})
        EXPECT_TRUE(assess_period(CreditUnit::hp, period(ok, "2026-08-31", "2027-01-17", cr("30")), kToday).accepted())
            << ok;
    for (const char* bad : {"", " ", "123456789012345678901", "HT\n2026"})
        EXPECT_EQ(assess_period(CreditUnit::hp, period(bad, "2026-08-31", "2027-01-17", cr("30")), kToday).errors,
                  std::vector{PeriodError{PeriodProblem::bad_label}})
            << bad;
}

TEST(Period, LastDayBeforeFirstIsRefusedAndTheSameDayIsNot) {
    const PeriodAssessment a =
        assess_period(CreditUnit::hp, period("HT2026", "2027-01-17", "2026-08-31", cr("30")), kToday);
    EXPECT_FALSE(a.accepted());
    EXPECT_EQ(a.errors, std::vector{PeriodError{PeriodProblem::last_before_first}});
    EXPECT_EQ(a.weeks, (StudyWeeks{}));
    EXPECT_TRUE(a.marks.empty());
    EXPECT_TRUE(assess_period(CreditUnit::hp, period("Dag", "2026-09-02", "2026-09-02", cr("1")), kToday).accepted());
}

TEST(Period, BreaksMustBeForwardsInsideAndApart) {
    PeriodInput p = period("HT2026", "2026-08-31", "2027-01-17", cr("30"));
    p.breaks = {range("2026-12-21", "2027-01-03"),   // 0: fine
                range("2026-11-01", "2026-10-26"),   // 1: backwards
                range("2027-01-11", "2027-01-24"),   // 2: sticks out of the period
                range("2026-12-28", "2027-01-06"),   // 3: overlaps 0
                range("2026-10-26", "2026-11-01")};  // 4: fine
    const PeriodAssessment a = assess_period(CreditUnit::hp, p, kToday);
    EXPECT_EQ(a.errors, (std::vector{PeriodError{PeriodProblem::break_last_before_first, 1},
                                     PeriodError{PeriodProblem::break_outside_period, 2},
                                     PeriodError{PeriodProblem::breaks_overlap, 3}}));
    // Touching breaks are apart.
    p.breaks = {range("2026-12-21", "2026-12-27"), range("2026-12-28", "2027-01-03")};
    EXPECT_TRUE(assess_period(CreditUnit::hp, p, kToday).accepted());
    // A break that starts before the period.
    p.breaks = {range("2026-08-24", "2026-09-06")};
    EXPECT_EQ(assess_period(CreditUnit::hp, p, kToday).errors,
              std::vector{(PeriodError{PeriodProblem::break_outside_period, 0})});
}

TEST(Period, APeriodThatIsAllBreakIsRefused) {
    PeriodInput p = period("Lov", "2026-12-21", "2027-01-03", cr("3"));
    p.breaks = {range("2026-12-21", "2026-12-27"), range("2026-12-28", "2027-01-03")};
    EXPECT_EQ(assess_period(CreditUnit::hp, p, kToday).errors, std::vector{PeriodError{PeriodProblem::only_breaks}});
}

TEST(Period, ReportsEveryProblemAtOnce) {
    PeriodInput p = period("", "2027-01-17", "2026-08-31");
    p.breaks = {range("2026-12-31", "2026-12-21")};
    p.pace = Pace::full;
    const PeriodAssessment a = assess_period(CreditUnit::hp, p, kToday);
    EXPECT_TRUE(has_problem(a, PeriodProblem::bad_label));
    EXPECT_TRUE(has_problem(a, PeriodProblem::last_before_first));
    EXPECT_TRUE(has_problem(a, PeriodProblem::break_last_before_first));
    EXPECT_TRUE(has_problem(a, PeriodProblem::credits_missing));
    EXPECT_TRUE(has_problem(a, PeriodProblem::pace_not_allowed));
    EXPECT_EQ(a.errors.size(), 5u);
}

TEST(Period, FarPastAndFarFutureAreQuestioned) {
    const Date today = day("2026-06-15");
    // The last day more than two years ago.
    EXPECT_EQ(assess_period(CreditUnit::hp, period("VT2024", "2024-01-15", "2024-06-14", cr("30")), today).questions,
              std::vector{PeriodQuestion::far_in_the_past});
    EXPECT_TRUE(
        assess_period(CreditUnit::hp, period("VT2024", "2024-01-15", "2024-06-15", cr("30")), today).questions.empty());
    // The first day more than three years ahead.
    EXPECT_EQ(assess_period(CreditUnit::hp, period("HT2029", "2029-06-16", "2029-12-31", cr("30")), today).questions,
              std::vector{PeriodQuestion::far_in_the_future});
    EXPECT_TRUE(
        assess_period(CreditUnit::hp, period("HT2029", "2029-06-15", "2029-12-31", cr("30")), today).questions.empty());
    // A questioned period is still accepted, and the question is asked even when there are errors.
    const PeriodAssessment a =
        assess_period(CreditUnit::hp, period("HT1926", "1926-08-30", "1927-01-16", cr("30")), today);
    EXPECT_TRUE(a.accepted());
    EXPECT_EQ(a.pace, Pace::full);
    EXPECT_EQ(assess_period(CreditUnit::hp, period("", "1926-08-30", "1927-01-16", cr("30")), today).questions,
              std::vector{PeriodQuestion::far_in_the_past});
}

TEST(Period, QuestionsOnALeapDay) {
    // Today 2028-02-29: two years back is 2026-02-28, three ahead 2031-02-28.
    const Date today = day("2028-02-29");
    EXPECT_TRUE(
        assess_period(CreditUnit::hp, period("K", "2026-01-01", "2026-02-28", cr("10")), today).questions.empty());
    EXPECT_EQ(assess_period(CreditUnit::hp, period("K", "2026-01-01", "2026-02-27", cr("10")), today).questions,
              std::vector{PeriodQuestion::far_in_the_past});
    EXPECT_TRUE(
        assess_period(CreditUnit::hp, period("K", "2031-02-28", "2031-04-30", cr("10")), today).questions.empty());
    EXPECT_EQ(assess_period(CreditUnit::hp, period("K", "2031-03-01", "2031-04-30", cr("10")), today).questions,
              std::vector{PeriodQuestion::far_in_the_future});
}

// ---- Overlapping periods of one education --------------------------------------------------------

TEST(Overlap, SharedDaysOverlapAndTouchingPeriodsDoNot) {
    const PeriodInput ht = period("HT2026", "2026-08-31", "2027-01-17", cr("30"));
    EXPECT_TRUE(overlaps(ht, period("VT2027", "2027-01-17", "2027-06-06", cr("30"))));
    EXPECT_FALSE(overlaps(ht, period("VT2027", "2027-01-18", "2027-06-06", cr("30"))));
    EXPECT_TRUE(overlaps(ht, period("Kurs", "2026-10-01", "2026-10-31", cr("7,5"))));
    EXPECT_FALSE(overlaps(ht, period("VT2026", "2026-01-19", "2026-06-07", cr("30"))));
}

TEST(Overlap, FindsWhichOtherPeriodByLabel) {
    const std::vector<PeriodInput> others{period("VT2026", "2026-01-19", "2026-06-07", cr("30")),
                                          period("VT2027", "2027-01-18", "2027-06-06", cr("30")),
                                          period("HT2027", "2027-08-30", "2028-01-16", cr("30"))};
    EXPECT_EQ(find_overlap(period("HT2026", "2026-08-31", "2027-01-17", cr("30")), others), std::nullopt);
    EXPECT_EQ(find_overlap(period("HT2026", "2026-08-31", "2027-01-24", cr("30")), others), "VT2027");
    EXPECT_EQ(find_overlap(period("Sommar", "2026-06-07", "2026-08-09", cr("15")), others), "VT2026");
    EXPECT_EQ(find_overlap(period("Allt", "2026-01-01", "2028-12-31", cr("90")), others), "VT2026");  // the first
    EXPECT_EQ(find_overlap(period("HT2026", "2026-08-31", "2027-01-17", cr("30")), {}), std::nullopt);
}

}  // namespace studietider
}  // namespace mina
