// Studietider och utbildningar (issue [5]; domain-csn.md §1.3, §2.3, §2.4): what a school reports
// about its educations and their study periods, and the rules CSN applies to them — study weeks,
// the pace band and the weeks paid. Pure functions over values: no storage, no HTTP, and no clock
// (`today` is passed in). Every message is an enum value; the web layer words it from the sv/en
// catalogs (the comments give the Swedish wording proposed for sv.toml).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/date.hpp"
#include "core/common/types.hpp"

namespace mina::studietider {

// ---- Vocabulary ------------------------------------------------------------------------------

/// How the school form measures study (CSN-TAKT; domain-csn.md §1.3). The names of to_string are
/// stable lower-case ASCII for forms, CSV and JSON.
enum class CreditUnit {
    hp,                  // "hp": högskolepoäng, full time 1,5 per week
    yh,                  // "yh-poang": yrkeshögskolepoäng, full time 5 per week
    komvux,              // "komvux-poang": komvuxpoäng, full time 20 per week
    folkhogskola_hours,  // "timmar-per-vecka": clock hours per week at a folkhögskola, full time 20
    none,                // "ingen": no full-time norm (gymnasium, konst och kultur); the school judges the pace
};
[[nodiscard]] std::optional<CreditUnit> parse_credit_unit(std::string_view text);
[[nodiscard]] std::string_view to_string(CreditUnit u);

/// The education's level, which decides the longest time with studiemedel (CSN-LANGST).
enum class Level {
    grundskoleniva,  // "grundskoleniva": "grundskolenivå"
    gymnasieniva,    // "gymnasieniva": "gymnasienivå"
    eftergymnasial,  // "eftergymnasial": "eftergymnasial nivå"
};
[[nodiscard]] std::optional<Level> parse_level(std::string_view text);
[[nodiscard]] std::string_view to_string(Level l);

/// The only paces studiemedel is paid for (CSN-TAKT); `none` is below 50 % and gives none.
/// The enumerators' values are the percentages.
enum class Pace {
    none = 0,             // "ingen": "under 50 % – ger inte rätt till studiemedel"
    half = 50,            // "50": "halvtid (50 %)"
    three_quarters = 75,  // "75": "deltid 75 %"
    full = 100,           // "100": "heltid (100 %)"
};
/// "100", "75", "50" or "ingen", exactly as to_string writes them.
[[nodiscard]] std::optional<Pace> parse_pace(std::string_view text);
[[nodiscard]] std::string_view to_string(Pace p);
[[nodiscard]] constexpr int percent(Pace p) { return static_cast<int>(p); }

/// Credits as an exact count of hundredths: 22,5 hp is Credits{2250}. Integers keep the bands exact
/// (no 0.1 + 0.2 at a threshold) and match DECIMAL(7,2) in the stores (domain-csn.md §2.3).
struct Credits {
    std::int64_t hundredths = 0;
    friend auto operator<=>(const Credits&, const Credits&) =
        default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
};
/// 9 999,99, the largest total or period value accepted.
inline constexpr Credits kMaxCredits{999'999};

/// "30", "22,5", "22.50", "-5": digits, then a decimal comma or point with one or two digits; a
/// leading '-' is read so that validation can say "negative" rather than "not a number". No spaces,
/// no '+', no thousands separators, at most 9 digits before the decimal sign.
[[nodiscard]] std::optional<Credits> parse_credits(std::string_view text);
/// With a decimal point and no trailing zeros, for CSV and JSON: "30", "22.5", "7.25". The sv page
/// shows a decimal comma.
[[nodiscard]] std::string to_string(Credits c);

/// Full time per week for the unit (CSN-TAKT): hp 1,5; yh 5; komvux 20; folkhögskola 20 hours;
/// nothing for `none`.
[[nodiscard]] std::optional<Credits> full_time_per_week(CreditUnit u);
/// True for folkhogskola_hours: the value entered for a period (and an education) is the scheduled
/// clock hours per week, compared with 20 directly, not a total divided by the weeks.
[[nodiscard]] constexpr bool is_weekly_rate(CreditUnit u) { return u == CreditUnit::folkhogskola_hours; }

/// Changes whenever a rule changes what a published period shows (its weeks, pace, paid weeks or
/// marks): published versions are shown by the rules of today, so a page or JSON kept by a browser
/// under an older rules version is not current. 1: issue [5]; 2: issue [9] (study weeks are calendar
/// weeks, an uppdragsutbildning is paid no weeks).
inline constexpr int kRulesVersion = 2;

// ---- Educations (domain-csn.md §2.3) ---------------------------------------------------------

inline constexpr std::size_t kMaxCodeChars = 20;
inline constexpr std::size_t kMaxNameChars = 200;

struct EducationInput {
    std::string code;  // the school's own code, unique per school (the store checks that)
    std::string name;  // what students see in "Ansök om studiemedel"
    Level level{Level::eftergymnasial};
    CreditUnit unit{CreditUnit::hp};
    /// In `unit` (for folkhogskola_hours: scheduled hours per week). Required unless unit is none;
    /// with unit none it may be given (e.g. 2 500 gymnasiepoäng) and is only shown.
    std::optional<Credits> total_credits;
    bool distance = false;  // distansutbildning: the same rules (CSN-HS-TYP)
    bool contract = false;  // uppdragsutbildning: gives no studiemedel (CSN-KFG-TYP, CSN-YH)
};

/// Why an education cannot be saved, in the order of the form's fields.
enum class EducationProblem {
    bad_code,           // "Utbildningskoden ska vara 1–20 tecken: bokstäver a–z, siffror, - eller _"
    bad_name,           // "Namnet ska vara 1–200 tecken på en rad"
    credits_missing,    // "Ange utbildningens omfattning i poäng"
    credits_negative,   // "Poängen kan inte vara negativa"
    credits_too_large,  // "Poängen får vara högst 9 999,99"
};
/// Saved, but shown next to the education.
enum class EducationWarning {
    contract_education,  // "Uppdragsutbildning ger inte rätt till studiemedel"
};

struct EducationCheck {
    std::vector<EducationProblem> errors;  // every problem found; any one refuses the education
    std::vector<EducationWarning> warnings;
    [[nodiscard]] bool accepted() const { return errors.empty(); }
};

[[nodiscard]] EducationCheck validate_education(const EducationInput& in);

// ---- Study periods (domain-csn.md §2.4) ------------------------------------------------------

inline constexpr std::size_t kMaxLabelChars = 20;
inline constexpr int kMinStudyWeeks = 3;        // CSN-HS-TYP, SWEJA: at least three weeks
inline constexpr int kPastQuestionYears = 2;    // a last day longer ago than this is questioned
inline constexpr int kFutureQuestionYears = 3;  // a first day further ahead than this is questioned

struct PeriodInput {
    std::string label;  // "HT2026", "VT2027", "2026/27"
    Date first;
    Date last;
    /// Credits in this period, in the education's unit (for folkhogskola_hours: hours per week).
    /// Required unless the unit is none.
    std::optional<Credits> credits;
    /// The pace the school judged: only, and always, when the unit is none.
    std::optional<Pace> pace;
    /// Holiday breaks (jullov, sportlov): inside the period, not overlapping each other.
    std::vector<DateRange> breaks;

    [[nodiscard]] DateRange days() const { return {first, last}; }
};

/// Why a period cannot be saved.
enum class PeriodProblem {
    bad_label,                // "Benämningen ska vara 1–20 tecken på en rad, t.ex. HT2026"
    last_before_first,        // "Sista dagen kan inte vara före första dagen"
    break_last_before_first,  // "Lovets sista dag kan inte vara före dess första dag"
    break_outside_period,     // "Lovet måste ligga inom studietiden"
    breaks_overlap,           // "Loven får inte överlappa varandra"
    only_breaks,              // "Hela studietiden är lov"
    credits_missing,          // "Ange poäng för studietiden"
    credits_negative,         // "Poängen kan inte vara negativa"
    credits_too_large,        // "Poängen får vara högst 9 999,99"
    pace_not_allowed,         // "Studietakten räknas fram ur poängen och ska inte anges"
    pace_missing,             // "Ange studietakt: 100 %, 75 %, 50 % eller under 50 %"
    /// More credits in the period than the education has in all (issue [9] item 3); not for
    /// folkhogskola_hours, where both are hours per week. The page words it with both numbers:
    /// "Studietiden har 400 poäng men utbildningen har bara 100 poäng totalt."
    credits_exceed_total,
    /// Not returned by assess_period: the wording for find_overlap's finding, with the label.
    overlaps_other_period,  // "Studietiden överlappar {label}"
};

struct PeriodError {
    PeriodProblem problem;
    /// Which holiday break (0-based, in input order) for the break_* problems and breaks_overlap
    /// (there: the later of the two).
    std::optional<std::size_t> holiday_break{};
    /// For credits_exceed_total: the period's credits and the education's total, for the message.
    std::optional<Credits> credits{};
    std::optional<Credits> total{};
    friend bool operator==(const PeriodError&, const PeriodError&) = default;
};

/// The period is accepted and the mark is shown with it: no studiemedel for it.
enum class PeriodMark {
    no_student_aid_pace,       // "Ger inte rätt till studiemedel: studietakten är under 50 %"
    shorter_than_three_weeks,  // "Ger inte rätt till studiemedel: kortare än 3 veckor"
    contract_education,        // "Ger inte rätt till studiemedel: uppdragsutbildning" (CSN-KFG-TYP, CSN-YH)
};

/// The page asks before saving; the period is accepted once confirmed.
enum class PeriodQuestion {
    far_in_the_past,    // "Sista dagen är mer än 2 år sedan. Stämmer datumet?"
    far_in_the_future,  // "Första dagen är mer än 3 år fram i tiden. Stämmer datumet?"
};

/// Study weeks as schools and CSN count them in Sweden (domain-csn.md §1.3, corrected; issue [9]
/// item 1): every calendar week (Monday–Sunday) from the week of the first day to the week of the
/// last day, both included — Monday of week 26 to Friday of week 28 is three weeks — less the weeks
/// that lie wholly inside the holiday breaks. A week is left out when every day of it that lies in
/// the period is a holiday (the days of the first and last week outside the period are no study
/// days either), so a week with one study day counts in full and a break of a few days counts
/// nothing. (CSN's rule for studies abroad, partial first and last weeks pooled, is not this one.)
struct StudyWeeks {
    int calendar = 0;  // calendar weeks from the week of the first day to the week of the last
    int holiday = 0;   // of them, the weeks without a study day (wholly inside the breaks)
    [[nodiscard]] int total() const { return calendar - holiday; }
    friend bool operator==(const StudyWeeks&, const StudyWeeks&) = default;
};

/// Counts as StudyWeeks describes. Robust to any input: breaks are clipped to the period, merged
/// where they overlap or touch, and ignored when not valid; an invalid period counts nothing.
[[nodiscard]] StudyWeeks count_study_weeks(DateRange period, std::span<const DateRange> breaks);

/// The most weeks `credits` hp may take and still count as full time: ceil(credits / 1,5 × 1,14)
/// (CSN-HS-BER: the study time may be at most 14 % longer; 30 hp → 23 weeks).
[[nodiscard]] int hp_full_time_weeks_max(Credits credits);

struct DerivedPace {
    Pace pace{Pace::none};
    int paid_weeks = 0;  // weeks of studiemedel at `pace`
    friend bool operator==(const DerivedPace&, const DerivedPace&) = default;
};

/// The pace band for a unit with a full-time norm (not `none`), over `study_weeks` (CSN-TAKT):
/// ratio = credits / study_weeks / full_time_per_week (for folkhogskola_hours: hours / 20);
/// ratio ≥ 1 → 100 %, ≥ 0,75 → 75 %, ≥ 0,5 → 50 %, else none. Exact, in integers.
/// hp (CSN-HS-BER): when study_weeks ≤ hp_full_time_weeks_max(credits) the pace is 100 % and the
/// paid weeks are ceil(credits / 1,5), at most study_weeks; beyond it the band applies to all weeks.
/// Otherwise paid weeks are all study weeks at a pace, 0 at none. No study weeks: none, 0.
[[nodiscard]] DerivedPace derive_pace(CreditUnit unit, Credits credits, int study_weeks);

struct PeriodAssessment {
    std::vector<PeriodError> errors;        // any: refused; then weeks, pace and marks are left empty
    std::vector<PeriodMark> marks;          // accepted, with "ger inte rätt till studiemedel"
    std::vector<PeriodQuestion> questions;  // asked before saving (also when there are errors)
    StudyWeeks weeks;
    Pace pace{Pace::none};  // derived, or the school's for unit none
    int paid_weeks = 0;     // 0 whenever there is a mark
    [[nodiscard]] bool accepted() const { return errors.empty(); }
    [[nodiscard]] bool gives_student_aid() const { return accepted() && marks.empty(); }
};

/// What a period's rules need of its education.
struct EducationTerms {
    CreditUnit unit{CreditUnit::hp};
    std::optional<Credits> total_credits;  // a period may not have more (but see credits_exceed_total)
    bool contract = false;                 // uppdragsutbildning: no studiemedel, paid weeks 0
};
[[nodiscard]] inline EducationTerms terms_of(const EducationInput& e) { return {e.unit, e.total_credits, e.contract}; }

/// Every rule of issues [5] and [9] for one period of an education. Marks: no_student_aid_pace
/// when the pace is none (derived, or entered by the school) over at least one study week;
/// shorter_than_three_weeks when there are fewer than kMinStudyWeeks study weeks;
/// contract_education for an uppdragsutbildning. Questions: far_in_the_past when the last day is
/// before today minus 2 years, far_in_the_future when the first day is after today plus 3 years
/// (Date::add_years).
[[nodiscard]] PeriodAssessment assess_period(const EducationTerms& education, const PeriodInput& in, Date today);
/// For the unit alone: no total to keep under, not a contract education.
[[nodiscard]] inline PeriodAssessment assess_period(CreditUnit unit, const PeriodInput& in, Date today) {
    return assess_period(EducationTerms{unit, std::nullopt, false}, in, today);
}

/// The weeks, pace, paid weeks and marks of a period already saved (a published version), by the
/// rules of today and the education as it is now, without checking the period again (no errors,
/// no questions): what students are shown, whatever rules were in force when it was published.
[[nodiscard]] PeriodAssessment derive_period(const EducationTerms& education, const PeriodInput& in);

/// Do two periods of one education share a day (inclusive ranges; touching is fine)?
[[nodiscard]] inline bool overlaps(const PeriodInput& a, const PeriodInput& b) {
    return mina::overlaps(a.days(), b.days());
}
/// The label of the first of `others` (the education's other periods, without the one being
/// changed) that `candidate` overlaps; the page says PeriodProblem::overlaps_other_period.
[[nodiscard]] std::optional<std::string> find_overlap(const PeriodInput& candidate,
                                                      std::span<const PeriodInput> others);

/// Reads and writes a period's holiday breaks as stored: "YYYY-MM-DD/YYYY-MM-DD" joined by ','.
[[nodiscard]] std::string format_breaks(const std::vector<DateRange>& breaks);
[[nodiscard]] std::optional<std::vector<DateRange>> parse_breaks(std::string_view text);

// ---- Ansök om studiemedel: the words a search finds ------------------------------------------

inline constexpr std::size_t kMaxSearchWords = 6;
inline constexpr std::size_t kMaxSearchWordBytes = 40;

/// The words of `text` as the search index keeps them: split at everything that is not a letter or
/// a digit, lower-case, and folded to plain letters (å ä á → a, ö ø → o, é → e, ü → u, æ → ae,
/// ß → ss …), so that "malmo" finds "Malmö" and "MALMÖ" alike. Letters outside Latin-1 are kept as
/// they are. Each word is cut to kMaxSearchWordBytes; repeated words are kept once, in order.
[[nodiscard]] std::vector<std::string> search_words(std::string_view text);

/// The words an education is found by: those of the school's code and name and of the education's
/// code and name, sorted and unique.
[[nodiscard]] std::vector<std::string> index_words(std::string_view school_code, std::string_view school_name,
                                                   std::string_view code, std::string_view name);

/// Every word `prefix` is the beginning of lies in [prefix, prefix_end(prefix)) in byte order
/// (U+10FFFF appended: valid UTF-8, above every character a word holds).
[[nodiscard]] std::string prefix_end(std::string_view prefix);

}  // namespace mina::studietider
