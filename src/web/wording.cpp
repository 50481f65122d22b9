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

namespace {

bool digits_at(std::string_view s, std::size_t at, std::size_t n) {
    if (at + n > s.size()) return false;
    for (std::size_t i = at; i < at + n; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/// The length of the day (and time) at `at`: "2026-10-08" (10), "2026-12-07 02:47" (16); 0 if none.
std::size_t day_length(std::string_view s, std::size_t at) {
    if (at > 0 && s[at - 1] >= '0' && s[at - 1] <= '9') return 0;
    if (!digits_at(s, at, 4) || at + 10 > s.size() || s[at + 4] != '-' || !digits_at(s, at + 5, 2) ||
        s[at + 7] != '-' || !digits_at(s, at + 8, 2))
        return 0;
    if (at + 16 <= s.size() && s[at + 10] == ' ' && digits_at(s, at + 11, 2) &&
        (s[at + 13] == ':' || s[at + 13] == '.') && digits_at(s, at + 14, 2))
        return 16;
    return 10;
}

}  // namespace

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string html_keeping_dates(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 32);
    for (std::size_t i = 0; i < text.size();) {
        if (const std::size_t n = day_length(text, i); n > 0) {
            out += "<span class=\"nowrap\">";
            out.append(text.substr(i, n));  // digits, '-', ' ', ':' and '.': nothing to escape
            out += "</span>";
            i += n;
            continue;
        }
        out += escape(text.substr(i, 1));
        ++i;
    }
    return out;
}

}  // namespace mina::web
