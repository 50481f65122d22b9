// CSV as every bulk upload reads it (core/csv): to_utf8 then parse. Invariants: to_utf8 gives UTF-8;
// a table written back with csv::field reads back the same.
#include <cstdint>
#include <string>
#include <variant>

#include "core/common/csv.hpp"

using namespace mina;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const std::string text = csv::to_utf8(bytes);
    if (!csv::is_utf8(text)) __builtin_trap();
    if (csv::is_utf8(bytes) && !bytes.starts_with("\xEF\xBB\xBF") && text != bytes) __builtin_trap();
    auto parsed = csv::parse(text);
    const auto* table = std::get_if<csv::Table>(&parsed);
    if (!table) return 0;
    // Written back: a first line of two fields keeps the delimiter; a formula_start() cell gets its quote mark.
    const char d = table->delimiter;
    std::string out = std::string("a") + d + "b\r\n";
    for (const auto& row : table->rows) {
        for (std::size_t i = 0; i < row.fields.size(); ++i) {
            if (i) out += d;
            out += csv::field(row.fields[i], d);
        }
        if (row.fields.size() == 1 && row.fields[0].empty()) out += "\"\"";  // read from "": not a blank line
        out += "\r\n";
    }
    auto again = csv::parse(out);
    const auto* back = std::get_if<csv::Table>(&again);
    if (!back || back->delimiter != d || back->rows.size() != table->rows.size() + 1) __builtin_trap();
    for (std::size_t r = 0; r < table->rows.size(); ++r) {
        const auto& want = table->rows[r].fields;
        const auto& got = back->rows[r + 1].fields;
        if (got.size() != want.size()) __builtin_trap();
        for (std::size_t i = 0; i < want.size(); ++i) {
            const std::string& w = want[i];
            if (got[i] != (csv::formula_start(w) ? "'" + w : w)) __builtin_trap();
        }
    }
    (void)csv::trim(text);
    return 0;
}
