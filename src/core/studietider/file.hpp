// The school's file of Studietider och utbildningar (issue [5] §5): every education and its study
// periods as CSV, one row a period, to download, change in a spreadsheet and upload again. An upload
// is first a plan that says what becomes of every row (new, changed, unchanged, refused and why);
// nothing is saved while any row is refused, and saving is one transaction that checks the plan is
// still what the preview showed. Pure over values: the Service reads and writes the store.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/studietider/ports.hpp"
#include "core/studietider/rules.hpp"

namespace mina::studietider::file {

/// The columns, in the order the download writes them. The header names each by its Swedish words;
/// an upload may order them freely and spell them without å ä ö or in English (kColumnNames).
enum class Column {
    code,      // Utbildningskod
    name,      // Utbildningens namn
    level,     // Nivå: grundskoleniva, gymnasieniva, eftergymnasial
    unit,      // Poängtyp: hp, yh-poang, komvux-poang, timmar-per-vecka, ingen
    total,     // Omfattning: the education's credits, e.g. 180 or 22,5
    distance,  // Distans: ja/nej
    contract,  // Uppdragsutbildning: ja/nej
    label,     // Studietid: HT2026 (empty: a row for an education without periods)
    first,     // Första dag: YYYY-MM-DD
    last,      // Sista dag
    credits,   // Poäng: in the period
    pace,      // Studietakt: 100, 75, 50 or ingen, only when Poängtyp is ingen
    breaks,    // Lov: YYYY-MM-DD/YYYY-MM-DD, several joined by ','
    status,    // Status: publicerad (students see it) or utkast
};
inline constexpr std::size_t kColumns = 14;
/// The header the download writes, by Column.
[[nodiscard]] std::string_view header_of(Column c);

inline constexpr int kMaxRows = 20'000;

/// Why a file cannot be planned at all.
enum class FileProblem {
    unreadable,       // an unterminated quote
    empty,            // no rows under the header
    too_many_rows,    // more than kMaxRows
    missing_columns,  // the header lacks a column every file needs (named in `missing`)
};
struct FileRefused {
    FileProblem problem;
    std::vector<Column> missing;
};

// ---- What becomes of a row ----------------------------------------------------------------------

/// A value that cannot be read in its column ("nästa vecka" as a day, "kanske" as Distans).
struct BadValue {
    Column column;
};
/// The education's columns differ from an earlier row of the same code (that line).
struct DiffersFrom {
    int line = 0;
};
struct EducationWithdrawn {};
/// The same study period (label) of the education twice in the file (the earlier line).
struct DuplicatePeriod {
    int line = 0;
};
/// The education has two periods with this label that are not withdrawn: the row cannot tell which.
struct AmbiguousLabel {};
/// The period overlaps another of the education's periods (its label), in the file or saved.
struct OverlapsPeriod {
    std::string label;
};
using RowIssue = std::variant<BadValue, EducationProblem, PeriodError, DiffersFrom, EducationWithdrawn, DuplicatePeriod,
                              AmbiguousLabel, OverlapsPeriod>;

enum class RowFate { added, changed, unchanged, refused };

struct RowPlan {
    int line = 0;
    std::string code;
    std::string name;
    std::string label;  // empty: the row has no period
    RowFate fate{RowFate::unchanged};
    // What saving does (when not refused):
    bool education_added = false;    // the first row of a new code
    bool education_changed = false;  // the first row of a code whose columns differ from what is saved
    bool period_added = false;
    bool period_changed = false;
    bool period_published = false;  // a new version students see
    std::vector<RowIssue> issues;   // why refused: every problem found in the row
    // Shown, not refusing:
    std::vector<EducationWarning> education_warnings;
    std::vector<PeriodMark> marks;
    std::vector<PeriodQuestion> questions;  // saving the plan answers them yes
    // For saving:
    EducationInput education;
    std::optional<PeriodInput> period;
    bool publish = false;
    std::int64_t education_id = 0;  // 0: new
    std::int64_t period_id = 0;     // 0: new
};

struct Plan {
    std::vector<RowPlan> rows;
    [[nodiscard]] int count(RowFate f) const;
    [[nodiscard]] bool savable() const {
        return count(RowFate::refused) == 0 && count(RowFate::unchanged) < static_cast<int>(rows.size());
    }
    /// What the plan does and to what state: saving checks it is still the same.
    std::string fingerprint;
};

/// What the school has now: its educations and all their periods (store order).
struct Current {
    std::vector<Education> educations;
    std::vector<StudyPeriod> periods;
};

/// Reads `text` (UTF-8; see csv::to_utf8) and says what saving it over `now_state` would do.
[[nodiscard]] std::variant<Plan, FileRefused> plan(std::string_view text, const Current& now_state, Date today);

/// The school's file: its educations not withdrawn, each with its periods not withdrawn (the
/// working copies) by first day, or one row without a period. UTF-8 with a byte-order mark (so
/// that Excel reads å ä ö), ';' between fields, CRLF, decimal commas.
[[nodiscard]] std::string write(const Current& now_state);

}  // namespace mina::studietider::file
