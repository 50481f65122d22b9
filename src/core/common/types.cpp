#include "core/common/types.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace mina {

namespace {
struct Unit {
    char suffix;
    std::int64_t seconds;
};
constexpr std::array<Unit, 5> kUnits{{{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};
}  // namespace

std::optional<Seconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::int64_t number = 0;
        std::size_t digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (number > 1'000'000'000) return std::nullopt;
            number = number * 10 + (text[i] - '0');
            ++i;
            ++digits;
        }
        if (digits == 0 || i == text.size()) return std::nullopt;  // a number needs its unit
        const char suffix = text[i++];
        bool known = false;
        for (const Unit& u : kUnits) {
            if (u.suffix == suffix) {
                total += number * u.seconds;
                known = true;
            }
        }
        if (!known) return std::nullopt;
    }
    return Seconds{total};
}

std::string format_duration(Seconds d) {
    const std::int64_t s = d.count();
    if (s == 0) return "0s";
    for (const Unit& u : kUnits) {
        if (u.suffix != 'w' && s % u.seconds == 0) return std::to_string(s / u.seconds) + u.suffix;
    }
    return std::to_string(s) + "s";
}

std::optional<Timestamp> parse_iso(std::string_view text) {
    if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':' || text[19] != 'Z')
        return std::nullopt;
    const auto number = [&](std::size_t at, std::size_t len) {
        int v = 0;
        for (std::size_t i = at; i < at + len; ++i) {
            if (text[i] < '0' || text[i] > '9') return -1;
            v = v * 10 + (text[i] - '0');
        }
        return v;
    };
    const int y = number(0, 4), mo = number(5, 2), d = number(8, 2), h = number(11, 2), mi = number(14, 2),
              s = number(17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0)
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                          std::chrono::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return Timestamp{std::chrono::sys_days{ymd}} + Seconds{h * 3600 + mi * 60 + s};
}

std::string format_iso(Timestamp t) {
    const std::time_t tt = to_unix(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::array<char, 32> buf{};
    std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf.data();
}

}  // namespace mina
