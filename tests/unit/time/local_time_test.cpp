#include "time/local_time.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace mina::time {
namespace {

Timestamp at(const char* iso) {  // "2026-12-07T01:47:46Z"
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    EXPECT_EQ(std::sscanf(iso, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s), 6);
    return from_unix(std::int64_t{Date::from_ymd(y, mo, d)->serial()} * 86400 + h * 3600 + mi * 60 + s);
}

Date day(int y, int m, int d) { return *Date::from_ymd(y, m, d); }

const Zone& sweden() { return Zone::stockholm(); }

TEST(LocalTime, TheLockMailsMomentInWinterIsOneHourAhead) {
    // The example: "låst till 2026-12-07T01:47:46Z" is 02.47 in Stockholm.
    EXPECT_EQ(show(at("2026-12-07T01:47:46Z"), sweden(), "sv", Form::text), "7 december 2026 kl. 02.47");
    EXPECT_EQ(show(at("2026-12-07T01:47:46Z"), sweden(), "en", Form::text), "7 December 2026 at 02:47");
    EXPECT_EQ(show(at("2026-12-07T01:47:46Z"), sweden(), "sv", Form::table), "2026-12-07 02:47");
    EXPECT_EQ(show(at("2026-12-07T01:47:46Z"), sweden(), "en", Form::table), "2026-12-07 02:47");
}

TEST(LocalTime, SummerIsTwoHoursAhead) {
    EXPECT_EQ(show(at("2027-06-28T22:30:00Z"), sweden(), "sv", Form::table), "2027-06-29 00:30");
    EXPECT_EQ(show(at("2027-06-28T22:30:00Z"), sweden(), "sv", Form::day), "2027-06-29");
    EXPECT_EQ(sweden().offset_at(at("2027-06-28T22:30:00Z")), Seconds{7200});
    EXPECT_EQ(sweden().offset_at(at("2027-01-28T22:30:00Z")), Seconds{3600});
}

TEST(LocalTime, TodayTurnsAtLocalMidnightNotAtUtcMidnight) {
    // 00.30 in Stockholm on 8 December is still 7 December in UTC.
    EXPECT_EQ(sweden().day_of(at("2026-12-07T23:30:00Z")), day(2026, 12, 8));
    EXPECT_EQ(Date::utc_day_of(at("2026-12-07T23:30:00Z")), day(2026, 12, 7));
    EXPECT_EQ(sweden().day_of(at("2026-12-07T22:59:59Z")), day(2026, 12, 7));
    EXPECT_EQ(sweden().day_of(at("2026-12-07T23:00:00Z")), day(2026, 12, 8));
    // In summer the day turns at 22.00 UTC.
    EXPECT_EQ(sweden().day_of(at("2027-07-15T21:59:59Z")), day(2027, 7, 15));
    EXPECT_EQ(sweden().day_of(at("2027-07-15T22:00:00Z")), day(2027, 7, 16));
}

TEST(LocalTime, AcrossTheSpringChange) {
    // 28 March 2027: 02.00 becomes 03.00 (01:00 UTC).
    EXPECT_EQ(show(at("2027-03-28T00:59:59Z"), sweden(), "sv", Form::table), "2027-03-28 01:59");
    EXPECT_EQ(show(at("2027-03-28T01:00:00Z"), sweden(), "sv", Form::table), "2027-03-28 03:00");
    EXPECT_EQ(sweden().start_of(day(2027, 3, 28)), at("2027-03-27T23:00:00Z"));
    EXPECT_EQ(sweden().start_of(day(2027, 3, 29)), at("2027-03-28T22:00:00Z"));
}

TEST(LocalTime, AcrossTheAutumnChange) {
    // 31 October 2027: 03.00 becomes 02.00 again (01:00 UTC); 02.30 happens twice.
    EXPECT_EQ(show(at("2027-10-31T00:30:00Z"), sweden(), "sv", Form::table), "2027-10-31 02:30");
    EXPECT_EQ(show(at("2027-10-31T01:30:00Z"), sweden(), "sv", Form::table), "2027-10-31 02:30");
    EXPECT_EQ(sweden().start_of(day(2027, 10, 31)), at("2027-10-30T22:00:00Z"));
    EXPECT_EQ(sweden().start_of(day(2027, 11, 1)), at("2027-10-31T23:00:00Z"));
    EXPECT_EQ(iso_local(at("2027-10-31T00:30:00Z"), sweden()), "2027-10-31T02:30:00+02:00");
    EXPECT_EQ(iso_local(at("2027-10-31T01:30:00Z"), sweden()), "2027-10-31T02:30:00+01:00");
}

TEST(LocalTime, EveryDayOfTheYearStartsAtItsOwnMidnight) {
    for (Date d = day(2026, 1, 1); d <= day(2028, 12, 31); d = d.add_days(1)) {
        const auto start = sweden().start_of(d);
        ASSERT_EQ(sweden().day_of(start), d) << to_string(d);
        ASSERT_EQ(sweden().day_of(start - Seconds{1}), d.add_days(-1)) << to_string(d);
    }
}

TEST(LocalTime, OtherZonesAndUnknownNames) {
    const auto helsinki = Zone::named("Europe/Helsinki");
    ASSERT_TRUE(helsinki);
    EXPECT_EQ(show(at("2026-12-07T01:47:46Z"), *helsinki, "sv", Form::table), "2026-12-07 03:47");
    EXPECT_FALSE(Zone::named("Europe/Stokholm"));
    EXPECT_FALSE(Zone::named(""));
}

TEST(LocalTime, DaysInRunningText) {
    EXPECT_EQ(show(day(2027, 7, 16), "sv"), "16 juli 2027");
    EXPECT_EQ(show(day(2027, 7, 16), "en"), "16 July 2027");
    EXPECT_EQ(show(at("2027-07-16T22:30:00Z"), sweden(), "sv", Form::text_day), "17 juli 2027");
}

TEST(LocalTime, PluralFormsFollowTheLanguage) {
    EXPECT_EQ(plural_category("sv", 1), "one");
    EXPECT_EQ(plural_category("sv", 0), "other");
    EXPECT_EQ(plural_category("sv", 2), "other");
    EXPECT_EQ(plural_category("sv", 21), "other");
    EXPECT_EQ(plural_category("en", 1), "one");
    EXPECT_EQ(plural_category("en", 11), "other");
}

TEST(LocalTime, SwedishOrderPutsÅÄÖAfterZ) {
    std::vector<std::string> names{"Örjan", "Åsa", "anna", "Ärla", "Zeke", "Bo", "Émile"};
    std::sort(names.begin(), names.end(), [](const auto& a, const auto& b) { return compare_swedish(a, b) < 0; });
    EXPECT_EQ(names, (std::vector<std::string>{"anna", "Bo", "Émile", "Zeke", "Åsa", "Ärla", "Örjan"}));
}

}  // namespace
}  // namespace mina::time
