#include "core/studietider/rules.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <utility>

#include "core/common/names.hpp"

namespace mina {

namespace {

using names::lookup;
using names::name_of;

int digit(char c) { return c >= '0' && c <= '9' ? c - '0' : -1; }

/// The value of a run of ASCII digits (0 for none), or -1 if any character is not a digit.
int digits(std::string_view s) {
    int v = 0;
    for (char c : s) {
        const int d = digit(c);
        if (d < 0) return -1;
        v = v * 10 + d;
    }
    return v;
}

}  // namespace

}  // namespace mina

namespace mina::studietider {

namespace {

constexpr std::array<std::pair<CreditUnit, std::string_view>, 5> kUnits{{
    {CreditUnit::hp, "hp"},
    {CreditUnit::yh, "yh-poang"},
    {CreditUnit::komvux, "komvux-poang"},
    {CreditUnit::folkhogskola_hours, "timmar-per-vecka"},
    {CreditUnit::none, "ingen"},
}};
constexpr std::array<std::pair<Level, std::string_view>, 3> kLevels{{
    {Level::grundskoleniva, "grundskoleniva"},
    {Level::gymnasieniva, "gymnasieniva"},
    {Level::eftergymnasial, "eftergymnasial"},
}};
constexpr std::array<std::pair<Pace, std::string_view>, 4> kPaces{{
    {Pace::full, "100"},
    {Pace::three_quarters, "75"},
    {Pace::half, "50"},
    {Pace::none, "ingen"},
}};

/// The code point that starts at `s[i]`, advancing `i` past it; nothing for invalid UTF-8
/// (a stray continuation byte, a truncated sequence, an overlong form, a surrogate, beyond U+10FFFF).
std::optional<std::uint32_t> next_code_point(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0;
    std::size_t len = 0;
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        cp = b0 & 0x1FU;
        len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        cp = b0 & 0x0FU;
        len = 3;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        cp = b0 & 0x07U;
        len = 4;
    } else {
        return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (b & 0x3FU);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    i += len;
    return cp;
}

/// Text a person typed on one line: valid UTF-8, no control characters (C0, DEL, C1), not only
/// spaces, and 1..max code points.
bool one_line_text(std::string_view s, std::size_t max_chars) {
    std::size_t chars = 0;
    bool visible = false;
    std::size_t i = 0;
    while (i < s.size()) {
        const std::optional<std::uint32_t> cp = next_code_point(s, i);
        if (!cp || *cp < 0x20 || (*cp >= 0x7F && *cp <= 0x9F)) return false;
        if (*cp != ' ' && *cp != 0xA0) visible = true;
        ++chars;
    }
    return visible && chars <= max_chars;
}

bool valid_code(std::string_view code) {
    return !code.empty() && code.size() <= kMaxCodeChars && std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

std::int64_t ceil_div(std::int64_t n, std::int64_t d) { return (n + d - 1) / d; }  // n >= 0, d > 0

/// Calendar weeks Monday–Sunday lying entirely within [a, b].
int whole_weeks_within(Date a, Date b) {
    const Date monday = a.add_days((8 - a.iso_weekday()) % 7);  // the first Monday on or after a
    const Date sunday = b.add_days(-(b.iso_weekday() % 7));     // the last Sunday on or before b
    if (sunday < monday) return 0;
    return (days_between(monday, sunday) + 1) / 7;
}

}  // namespace

std::optional<CreditUnit> parse_credit_unit(std::string_view text) { return lookup(kUnits, text); }
std::string_view to_string(CreditUnit u) { return name_of(kUnits, u); }
std::optional<Level> parse_level(std::string_view text) { return lookup(kLevels, text); }
std::string_view to_string(Level l) { return name_of(kLevels, l); }
std::optional<Pace> parse_pace(std::string_view text) { return lookup(kPaces, text); }
std::string_view to_string(Pace p) { return name_of(kPaces, p); }

std::optional<Credits> parse_credits(std::string_view text) {
    bool negative = false;
    if (!text.empty() && text.front() == '-') {
        negative = true;
        text.remove_prefix(1);
    }
    const std::size_t sep = text.find_first_of(".,");
    const std::string_view whole = text.substr(0, sep);
    const std::string_view fraction = sep == std::string_view::npos ? std::string_view{} : text.substr(sep + 1);
    if (whole.empty() || whole.size() > 9) return std::nullopt;
    if (sep != std::string_view::npos && (fraction.empty() || fraction.size() > 2)) return std::nullopt;
    const int w = digits(whole);
    const int f = digits(fraction);
    if (w < 0 || f < 0) return std::nullopt;
    const std::int64_t hundredths = static_cast<std::int64_t>(w) * 100 + (fraction.size() == 1 ? f * 10 : f);
    return Credits{negative ? -hundredths : hundredths};
}

std::string to_string(Credits c) {
    std::string out;
    std::int64_t v = c.hundredths;
    if (v < 0) {
        out += '-';
        v = -v;
    }
    out += std::to_string(v / 100);
    const std::int64_t frac = v % 100;
    if (frac != 0) {
        out += '.';
        out += static_cast<char>('0' + frac / 10);
        if (frac % 10 != 0) out += static_cast<char>('0' + frac % 10);
    }
    return out;
}

std::optional<Credits> full_time_per_week(CreditUnit u) {
    switch (u) {
        case CreditUnit::hp: return Credits{150};
        case CreditUnit::yh: return Credits{500};
        case CreditUnit::komvux:
        case CreditUnit::folkhogskola_hours: return Credits{2000};
        case CreditUnit::none: return std::nullopt;
    }
    return std::nullopt;
}

// ---- Educations --------------------------------------------------------------------------------

EducationCheck validate_education(const EducationInput& in) {
    EducationCheck out;
    if (!valid_code(in.code)) out.errors.push_back(EducationProblem::bad_code);
    if (!one_line_text(in.name, kMaxNameChars)) out.errors.push_back(EducationProblem::bad_name);
    if (!in.total_credits) {
        if (in.unit != CreditUnit::none) out.errors.push_back(EducationProblem::credits_missing);
    } else if (*in.total_credits < Credits{0}) {
        out.errors.push_back(EducationProblem::credits_negative);
    } else if (*in.total_credits > kMaxCredits) {
        out.errors.push_back(EducationProblem::credits_too_large);
    }
    if (in.contract) out.warnings.push_back(EducationWarning::contract_education);
    return out;
}

// ---- Study periods ------------------------------------------------------------------------------

StudyWeeks count_study_weeks(DateRange period, std::span<const DateRange> breaks) {
    StudyWeeks out;
    if (!period.valid()) return out;
    const auto monday_of = [](Date d) { return d.add_days(1 - d.iso_weekday()); };
    out.calendar = days_between(monday_of(period.first), monday_of(period.last)) / 7 + 1;
    std::vector<DateRange> cut;
    for (DateRange b : breaks) {
        if (!b.valid()) continue;
        b.first = std::max(b.first, period.first);
        b.last = std::min(b.last, period.last);
        if (b.valid()) cut.push_back(b);
    }
    std::sort(cut.begin(), cut.end(), [](const DateRange& x, const DateRange& y) { return x.first < y.first; });
    std::vector<DateRange> merged;  // overlapping or touching breaks as one
    for (const DateRange& b : cut) {
        if (!merged.empty() && b.first <= merged.back().last.add_days(1))
            merged.back().last = std::max(merged.back().last, b.last);
        else merged.push_back(b);
    }
    // A week without a study day lies inside one merged break (study days separate them), with
    // the days of the period's first and last weeks outside the period counted as no study days.
    for (const DateRange& b : merged) {
        const Date from = b.first == period.first ? monday_of(b.first) : b.first;
        const Date to = b.last == period.last ? monday_of(b.last).add_days(6) : b.last;
        out.holiday += whole_weeks_within(from, to);
    }
    return out;
}

int hp_full_time_weeks_max(Credits credits) {
    if (credits.hundredths <= 0) return 0;
    // credits / 1.5 × 1.14 = hundredths / 150 × 114 / 100 = hundredths × 114 / 15000
    return static_cast<int>(ceil_div(credits.hundredths * 114, 15'000));
}

DerivedPace derive_pace(CreditUnit unit, Credits credits, int study_weeks) {
    const std::optional<Credits> full_time = full_time_per_week(unit);
    if (!full_time || study_weeks <= 0 || credits.hundredths < 0) return {};
    if (unit == CreditUnit::hp && study_weeks <= hp_full_time_weeks_max(credits)) {
        const auto norm_weeks = static_cast<int>(ceil_div(credits.hundredths, full_time->hundredths));
        return {Pace::full, std::min(study_weeks, norm_weeks)};
    }
    // ratio = numerator / denominator, compared with 1, 3/4 and 1/2 without dividing.
    const std::int64_t numerator = credits.hundredths;
    const std::int64_t denominator =
        is_weekly_rate(unit) ? full_time->hundredths : full_time->hundredths * static_cast<std::int64_t>(study_weeks);
    Pace pace = Pace::none;
    if (numerator >= denominator) pace = Pace::full;
    else if (4 * numerator >= 3 * denominator) pace = Pace::three_quarters;
    else if (2 * numerator >= denominator) pace = Pace::half;
    return {pace, pace == Pace::none ? 0 : study_weeks};
}

namespace {

/// Each break forwards, inside the period and apart from the breaks before it; and not all break.
void check_breaks(const PeriodInput& in, std::vector<PeriodError>& errors) {
    const DateRange period = in.days();
    bool breaks_ok = true;
    int break_days = 0;
    for (std::size_t i = 0; i < in.breaks.size(); ++i) {
        const DateRange& b = in.breaks[i];
        if (!b.valid()) {
            errors.push_back({PeriodProblem::break_last_before_first, i});
            breaks_ok = false;
            continue;
        }
        if (period.valid() && (b.first < period.first || b.last > period.last)) {
            errors.push_back({PeriodProblem::break_outside_period, i});
            breaks_ok = false;
        }
        const auto earlier = std::span(in.breaks).first(i);
        if (std::any_of(earlier.begin(), earlier.end(),
                        [&b](const DateRange& e) { return e.valid() && overlaps(e, b); })) {
            errors.push_back({PeriodProblem::breaks_overlap, i});
            breaks_ok = false;
        }
        break_days += b.days();
    }
    if (period.valid() && breaks_ok && !in.breaks.empty() && break_days >= period.days())
        errors.push_back({PeriodProblem::only_breaks});
}

void check_credits_and_pace(CreditUnit unit, std::optional<Credits> total, const PeriodInput& in,
                            std::vector<PeriodError>& errors) {
    if (!in.credits) {
        if (unit != CreditUnit::none) errors.push_back({PeriodProblem::credits_missing});
    } else if (*in.credits < Credits{0}) {
        errors.push_back({PeriodProblem::credits_negative});
    } else if (*in.credits > kMaxCredits) {
        errors.push_back({PeriodProblem::credits_too_large});
    } else if (!is_weekly_rate(unit) && total && *total >= Credits{0} && *in.credits > *total) {
        errors.push_back({PeriodProblem::credits_exceed_total, std::nullopt, in.credits, total});
    }
    if (unit != CreditUnit::none && in.pace) errors.push_back({PeriodProblem::pace_not_allowed});
    if (unit == CreditUnit::none && !in.pace) errors.push_back({PeriodProblem::pace_missing});
}

}  // namespace

PeriodAssessment derive_period(const EducationTerms& education, const PeriodInput& in) {
    PeriodAssessment out;
    out.weeks = count_study_weeks(in.days(), in.breaks);
    const int weeks = out.weeks.total();
    if (education.unit == CreditUnit::none) {
        out.pace = in.pace.value_or(Pace::none);
        out.paid_weeks = out.pace == Pace::none ? 0 : weeks;
    } else {
        const DerivedPace d = derive_pace(education.unit, in.credits.value_or(Credits{0}), weeks);
        out.pace = d.pace;
        out.paid_weeks = d.paid_weeks;
    }
    if (out.pace == Pace::none && weeks > 0) out.marks.push_back(PeriodMark::no_student_aid_pace);
    if (weeks < kMinStudyWeeks) out.marks.push_back(PeriodMark::shorter_than_three_weeks);
    if (education.contract) out.marks.push_back(PeriodMark::contract_education);
    if (!out.marks.empty()) out.paid_weeks = 0;
    return out;
}

PeriodAssessment assess_period(const EducationTerms& education, const PeriodInput& in, Date today) {
    std::vector<PeriodError> errors;
    std::vector<PeriodQuestion> questions;
    if (!one_line_text(in.label, kMaxLabelChars)) errors.push_back({PeriodProblem::bad_label});
    if (!in.days().valid()) errors.push_back({PeriodProblem::last_before_first});
    check_breaks(in, errors);
    check_credits_and_pace(education.unit, education.total_credits, in, errors);

    if (in.last < today.add_years(-kPastQuestionYears)) questions.push_back(PeriodQuestion::far_in_the_past);
    if (in.first > today.add_years(kFutureQuestionYears)) questions.push_back(PeriodQuestion::far_in_the_future);

    PeriodAssessment out;
    if (errors.empty()) out = derive_period(education, in);
    out.errors = std::move(errors);
    out.questions = std::move(questions);
    return out;
}

std::optional<std::string> find_overlap(const PeriodInput& candidate, std::span<const PeriodInput> others) {
    for (const PeriodInput& other : others)
        if (overlaps(candidate, other)) return other.label;
    return std::nullopt;
}

std::string format_breaks(const std::vector<DateRange>& breaks) {
    std::string out;
    for (const auto& b : breaks) {
        if (!out.empty()) out += ',';
        out += to_string(b.first) + "/" + to_string(b.last);
    }
    return out;
}

std::optional<std::vector<DateRange>> parse_breaks(std::string_view text) {
    std::vector<DateRange> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto item = text.substr(0, comma);
        const auto slash = item.find('/');
        if (slash == std::string_view::npos) return std::nullopt;
        auto first = parse_date(item.substr(0, slash));
        auto last = parse_date(item.substr(slash + 1));
        if (!first || !last) return std::nullopt;
        out.push_back({*first, *last});
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

// ---- Search words ---------------------------------------------------------------------------------

namespace {

/// The plain letters for the Latin-1 letter U+00C0 + i (À … ÿ), or "" for × and ÷ (separators).
constexpr std::array<std::string_view, 64> kLatin1Fold{
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // À–Ï
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",  // Ð–ß
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // à–ï
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};  // ð–ÿ

}  // namespace

std::vector<std::string> search_words(std::string_view text) {
    std::vector<std::string> out;
    std::string word;
    const auto flush = [&] {
        if (word.size() > kMaxSearchWordBytes) {
            // Cut at a character boundary.
            std::size_t cut = kMaxSearchWordBytes;
            while (cut > 0 && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) --cut;
            word.resize(cut);
        }
        if (!word.empty() && std::find(out.begin(), out.end(), word) == out.end()) out.push_back(word);
        word.clear();
    };
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if (std::isalnum(c) != 0) {
                word += static_cast<char>(std::tolower(c));
            } else {
                flush();
            }
            ++i;
            continue;
        }
        std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (i + len > text.size()) len = 1;
        for (std::size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) len = 1;  // not UTF-8: a stray byte
        const auto next = len > 1 ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (c == 0xC3 && len == 2 && next >= 0x80 && next <= 0xBF) {
            const auto folded = kLatin1Fold[next - 0x80];
            if (folded.empty()) {
                flush();
            } else {
                word += folded;
            }
        } else if (c == 0xC2 || ((c == 0xE2 || c == 0xE3) && next == 0x80) || len == 1) {
            flush();  // Latin-1 punctuation and signs, general punctuation (– ’ …), CJK signs, stray bytes
        } else {
            word.append(text.substr(i, len));
        }
        i += len;
    }
    flush();
    return out;
}

std::vector<std::string> index_words(std::string_view school_code, std::string_view school_name, std::string_view code,
                                     std::string_view name) {
    std::vector<std::string> out;
    for (auto part : {school_code, school_name, code, name})
        for (auto& w : search_words(part)) out.push_back(std::move(w));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string prefix_end(std::string_view prefix) { return std::string(prefix) + "\xF4\x8F\xBF\xBF"; }

}  // namespace mina::studietider
