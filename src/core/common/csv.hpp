// CSV as schools' spreadsheets write it (RFC 4180 with the variations met in practice): the
// delimiter is found from the first line (';' as Swedish Excel writes, ',' or tab), fields may be
// quoted with "" for a quote, lines end in CRLF or LF, and a file that is not UTF-8 is read as
// Windows-1252 (what Excel on Windows saves). Used by every bulk upload and download.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/common/text.hpp"

namespace mina::csv {

struct Row {
    int line = 0;  // where the row starts in the file, from 1
    std::vector<std::string> fields;
};

struct Table {
    char delimiter = ';';
    std::vector<Row> rows;  // blank lines left out
};

/// Why a file could not be read at all (a row-level problem is the caller's business).
struct Unreadable {
    int line = 0;  // the line where an unterminated quoted field starts
};

/// UTF-8 text without a byte-order mark: as it is when valid UTF-8, else read as Windows-1252.
[[nodiscard]] std::string to_utf8(std::string_view bytes);

// Where a CSV reader looks for them (core/common/text.hpp has the one copy of each).
using text::is_utf8;
/// A cell as its writer meant it: without the spaces and tabs around it.
using text::trim;

/// Reads the table; nothing but Unreadable for an unterminated quote.
[[nodiscard]] std::variant<Table, Unreadable> parse(std::string_view text);

/// Whether a spreadsheet would take a cell so written for a formula: it starts with = + - @, a
/// TAB or a CR, or the fullwidth ＝ ＋ － ＠ (OWASP's CSV injection advice).
[[nodiscard]] bool formula_start(std::string_view value);

/// One field, quoted when it needs to be, for writing; a formula_start() cell begins with a quote
/// mark (') that keeps it text.
[[nodiscard]] std::string field(std::string_view value, char delimiter = ';');

/// A cell read back as it was before field() guarded it: without the leading quote mark.
[[nodiscard]] std::string without_formula_guard(std::string value);

}  // namespace mina::csv
