#include "core/common/date.hpp"

#include <array>
#include <chrono>

namespace mina {

namespace {

namespace chr = std::chrono;

chr::year_month_day civil(int serial) { return chr::year_month_day{chr::sys_days{chr::days{serial}}}; }

int serial_of(chr::year_month_day ymd) { return static_cast<int>(chr::sys_days{ymd}.time_since_epoch().count()); }

/// The value of a run of ASCII digits (0 for none), or -1 if any character is not a digit.
int digits(std::string_view s) {
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

}  // namespace

std::optional<Date> Date::from_ymd(int year, int month, int day) {
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
    const chr::year_month_day ymd{chr::year{year}, chr::month{static_cast<unsigned>(month)},
                                  chr::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) return std::nullopt;
    return Date{serial_of(ymd)};
}

Date Date::utc_day_of(Timestamp t) {
    return Date{static_cast<int>(chr::floor<chr::days>(t).time_since_epoch().count())};
}

namespace {

class UtcDays final : public LocalDays {
   public:
    [[nodiscard]] Date day_of(Timestamp t) const override { return Date::utc_day_of(t); }
    [[nodiscard]] Timestamp start_of(Date d) const override { return from_unix(std::int64_t{d.serial()} * 86400); }
};

}  // namespace

const LocalDays& utc_days() {
    static const UtcDays days;
    return days;
}

int Date::year() const { return static_cast<int>(civil(days_).year()); }
int Date::month() const { return static_cast<int>(static_cast<unsigned>(civil(days_).month())); }
int Date::day() const { return static_cast<int>(static_cast<unsigned>(civil(days_).day())); }

int Date::iso_weekday() const { return static_cast<int>(chr::weekday{chr::sys_days{chr::days{days_}}}.iso_encoding()); }

Date Date::add_years(int n) const {
    const chr::year_month_day ymd = civil(days_);
    const chr::year_month_day moved = ymd + chr::years{n};
    if (moved.ok()) return Date{serial_of(moved)};
    // Only 29 February in a common year gets here: the month's last day.
    return Date{
        serial_of(chr::year_month_day{chr::year_month_day_last{moved.year(), chr::month_day_last{moved.month()}}})};
}

std::optional<Date> parse_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    const int y = digits(text.substr(0, 4));
    const int m = digits(text.substr(5, 2));
    const int d = digits(text.substr(8, 2));
    if (y < 0 || m < 0 || d < 0) return std::nullopt;
    return Date::from_ymd(y, m, d);
}

std::string to_string(Date d) {
    std::array<char, 11> buf{};
    const auto put = [&buf](std::size_t at, int value, int width) {
        for (int i = width - 1; i >= 0; --i) {
            buf[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
    };
    put(0, d.year(), 4);
    buf[4] = '-';
    put(5, d.month(), 2);
    buf[7] = '-';
    put(8, d.day(), 2);
    return {buf.data(), 10};
}

}  // namespace mina
