// Calendar days and ranges of them: vocabulary of Studietider, Studeranderapportering and the
// personnummer. No clock and no time zone: `today` is passed in by whoever knows it.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/types.hpp"

namespace mina {

/// A day of the proleptic Gregorian calendar, years 0001–9999, without time or zone.
class Date final {
   public:
    constexpr Date() = default;  // 1970-01-01

    /// The day, or nothing when it does not exist (2026-02-30) or the year is outside 1–9999.
    [[nodiscard]] static std::optional<Date> from_ymd(int year, int month, int day);
    /// The calendar day of `t` in UTC: for machines (file names of exports, the audit store). A
    /// person's "today" is LocalDays::day_of.
    [[nodiscard]] static Date utc_day_of(Timestamp t);

    [[nodiscard]] int year() const;
    [[nodiscard]] int month() const;  // 1–12
    [[nodiscard]] int day() const;    // 1–31
    /// ISO 8601: 1 Monday … 7 Sunday.
    [[nodiscard]] int iso_weekday() const;

    [[nodiscard]] Date add_days(int n) const { return Date{days_ + n}; }
    /// The same month and day `n` years later (or earlier); 29 February becomes 28 February in a
    /// common year.
    [[nodiscard]] Date add_years(int n) const;

    /// Days since 1970-01-01, for arithmetic and sorting.
    [[nodiscard]] int serial() const { return days_; }

    friend auto operator<=>(const Date&, const Date&) =
        default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>

   private:
    explicit constexpr Date(int days) : days_(days) {}
    int days_ = 0;
};

/// Which calendar day a moment falls on where the service's people live (`portal.time_zone`): every
/// rule about "today" asks this, never UTC. The ICU-backed zone is in src/time; the core only needs
/// this question answered.
class LocalDays {
   public:
    virtual ~LocalDays() = default;
    [[nodiscard]] virtual Date day_of(Timestamp t) const = 0;
    /// The first second of `d` there (local midnight).
    [[nodiscard]] virtual Timestamp start_of(Date d) const = 0;
};

/// Days in UTC: for tools and tests that state no zone.
[[nodiscard]] const LocalDays& utc_days();

/// Strictly "YYYY-MM-DD" (the HTML date input's value, ISO 8601): ten characters, an existing day.
[[nodiscard]] std::optional<Date> parse_date(std::string_view text);
[[nodiscard]] std::string to_string(Date d);
/// `to - from` in days: days_between(d, d) == 0, days_between(d, d.add_days(1)) == 1.
[[nodiscard]] inline int days_between(Date from, Date to) { return to.serial() - from.serial(); }

/// Days from `first` to `last`, both included.
struct DateRange {
    Date first;
    Date last;

    [[nodiscard]] bool valid() const { return first <= last; }
    /// The number of days, both ends included; 0 when not valid.
    [[nodiscard]] int days() const { return valid() ? days_between(first, last) + 1 : 0; }
    [[nodiscard]] bool contains(Date d) const { return first <= d && d <= last; }
    friend bool operator==(const DateRange&, const DateRange&) = default;
};

/// Do the two (valid) ranges share at least one day? Touching ranges (one ends the day before the
/// other starts) do not overlap; ranges sharing only their end/start day do.
[[nodiscard]] inline bool overlaps(DateRange a, DateRange b) { return a.first <= b.last && b.first <= a.last; }

}  // namespace mina
