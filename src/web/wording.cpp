#include "web/wording.hpp"

namespace mina::web {

std::string duration_words(std::string_view lang, Seconds d, DayWord days) {
    const auto s = d.count();
    const bool en = lang == "en";
    const auto word = [&](std::int64_t n, const char* sv1, const char* svn, const char* en1, const char* enn) {
        return std::to_string(n) + " " + (en ? (n == 1 ? en1 : enn) : (n == 1 ? sv1 : svn));
    };
    if (s >= 86400 && s % 86400 == 0)
        return days == DayWord::dygn ? word(s / 86400, "dygn", "dygn", "day", "days")
                                     : word(s / 86400, "dag", "dagar", "day", "days");
    if (s >= 3600 && s % 3600 == 0) return word(s / 3600, "timme", "timmar", "hour", "hours");
    if (s >= 60 && s % 60 == 0) return word(s / 60, "minut", "minuter", "minute", "minutes");
    return word(s, "sekund", "sekunder", "second", "seconds");
}

std::string shown_time(std::string_view /*lang*/, Timestamp t) { return format_iso(t); }

}  // namespace mina::web
