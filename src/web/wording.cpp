#include "web/wording.hpp"

#include "time/local_time.hpp"

namespace mina::web {

std::string duration_words(std::string_view lang, Seconds d, DayWord days) {
    const auto s = d.count();
    const bool en = lang == "en";
    const auto word = [&](std::int64_t n, const char* sv1, const char* svn, const char* en1, const char* enn) {
        const bool one = time::plural_category(lang, n) == "one";
        return std::to_string(n) + " " + (en ? (one ? en1 : enn) : (one ? sv1 : svn));
    };
    if (s >= 86400 && s % 86400 == 0)
        return days == DayWord::dygn ? word(s / 86400, "dygn", "dygn", "day", "days")
                                     : word(s / 86400, "dag", "dagar", "day", "days");
    if (s >= 3600 && s % 3600 == 0) return word(s / 3600, "timme", "timmar", "hour", "hours");
    if (s >= 60 && s % 60 == 0) return word(s / 60, "minut", "minuter", "minute", "minutes");
    return word(s, "sekund", "sekunder", "second", "seconds");
}

std::string count_words(std::string_view lang, int n) {
    static const char* kSv[] = {"noll", "en",   "två", "tre", "fyra", "fem", "sex",
                                "sju",  "åtta", "nio", "tio", "elva", "tolv"};
    static const char* kEn[] = {"zero",  "one",   "two",  "three", "four",   "five",  "six",
                                "seven", "eight", "nine", "ten",   "eleven", "twelve"};
    if (n < 0 || n > 12) return std::to_string(n);
    return lang == "en" ? kEn[n] : kSv[n];
}

std::string shown_time(std::string_view lang, Timestamp t, const time::Zone& zone) {
    return time::show(t, zone, lang, time::Form::table);
}

}  // namespace mina::web
