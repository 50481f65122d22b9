#include "core/common/csv.hpp"

#include <array>

namespace mina::csv {

namespace {

// Windows-1252's 0x80–0x9F as Unicode code points (0: undefined there, read as U+FFFD).
constexpr std::array<char32_t, 32> kCp1252High{0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                               0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                               0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                               0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

char guess_delimiter(std::string_view text) {
    const auto end = text.find('\n');
    const std::string_view first = text.substr(0, end);
    std::size_t best_count = 0;
    char best = ';';
    for (char d : {';', ',', '\t'}) {
        std::size_t n = 0;
        bool quoted = false;
        for (char c : first) {
            if (c == '"') quoted = !quoted;
            else if (c == d && !quoted) ++n;
        }
        if (n > best_count) {
            best_count = n;
            best = d;
        }
    }
    return best;
}

}  // namespace

std::string to_utf8(std::string_view bytes) {
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
    if (is_utf8(bytes)) return std::string(bytes);
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 8);
    for (char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) out += ch;
        else if (c < 0xA0) append_utf8(out, kCp1252High[c - 0x80] ? kCp1252High[c - 0x80] : 0xFFFD);
        else append_utf8(out, c);
    }
    return out;
}

std::variant<Table, Unreadable> parse(std::string_view text) {
    Table table;
    table.delimiter = guess_delimiter(text);
    const char d = table.delimiter;
    int line = 1;
    std::size_t i = 0;
    while (i < text.size()) {
        Row row;
        row.line = line;
        std::string cell;
        bool any = false;  // anything but an empty line
        for (;;) {
            if (i < text.size() && text[i] == '"' && cell.empty()) {
                const int started = line;
                ++i;
                for (;;) {
                    if (i >= text.size()) return Unreadable{started};
                    if (text[i] == '"') {
                        if (i + 1 < text.size() && text[i + 1] == '"') {
                            cell += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    if (text[i] == '\n') ++line;
                    cell += text[i++];
                }
                any = true;
                // Text after the closing quote belongs to the field (lenient, as spreadsheets are).
                while (i < text.size() && text[i] != d && text[i] != '\n' && text[i] != '\r') cell += text[i++];
            } else {
                while (i < text.size() && text[i] != d && text[i] != '\n' && text[i] != '\r') cell += text[i++];
            }
            if (!cell.empty()) any = true;
            row.fields.push_back(std::move(cell));
            cell.clear();
            if (i < text.size() && text[i] == d) {
                any = true;
                ++i;
                continue;
            }
            break;
        }
        if (i < text.size() && text[i] == '\r') ++i;
        if (i < text.size() && text[i] == '\n') ++i;
        ++line;
        if (any) table.rows.push_back(std::move(row));
    }
    return table;
}

bool formula_start(std::string_view value) {
    if (value.empty()) return false;
    if (std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos) return true;
    // The fullwidth forms, which a spreadsheet may take for the ASCII ones: U+FF1D = U+FF0B +
    // U+FF0D - U+FF20 @ (EF BC 9D, EF BC 8B, EF BC 8D, EF BC A0).
    if (value.size() >= 3 && value.starts_with("\xEF\xBC")) {
        const auto c = static_cast<unsigned char>(value[2]);
        return c == 0x9D || c == 0x8B || c == 0x8D || c == 0xA0;
    }
    return false;
}

std::string without_formula_guard(std::string value) {
    if (value.size() >= 2 && value.front() == '\'' && formula_start(std::string_view(value).substr(1)))
        value.erase(0, 1);
    return value;
}

std::string field(std::string_view value, char delimiter) {
    const bool quote = value.find_first_of(std::string{delimiter, '"', '\n', '\r'}) != std::string_view::npos ||
                       (!value.empty() && (value.front() == ' ' || value.back() == ' '));
    // A cell a spreadsheet would take for a formula (OWASP, CSV injection): a quote mark keeps it text.
    const bool formula = formula_start(value);
    std::string out;
    if (quote || formula) out += '"';
    if (formula) out += '\'';
    for (char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    if (quote || formula) out += '"';
    return out;
}

}  // namespace mina::csv
