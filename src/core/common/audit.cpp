#include "core/common/audit.hpp"

#include <cctype>

namespace mina::audit {

namespace {

/// A text in kDetails' notation as literal pieces and {field}s: pieces[0] field[0] pieces[1] … .
struct Parts {
    std::vector<std::string_view> literals;  // one more than fields
    std::vector<std::string_view> fields;
};

Parts split(std::string_view text) {
    Parts p;
    std::size_t from = 0;
    for (;;) {
        const auto open = text.find('{', from);
        const auto close = open == std::string_view::npos ? open : text.find('}', open);
        if (close == std::string_view::npos) {
            p.literals.push_back(text.substr(from));
            return p;
        }
        p.literals.push_back(text.substr(from, open - from));
        p.fields.push_back(text.substr(open + 1, close - open - 1));
        from = close + 1;
    }
}

bool is_text_field(std::string_view name) {
    return std::find(kTextFields.begin(), kTextFields.end(), name) != kTextFields.end();
}

bool all_digits(std::string_view v) {
    return !v.empty() && v.size() <= 18 &&
           std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

/// YYYY-MM-DD, in shape.
bool looks_like_day(std::string_view v) {
    if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
    for (std::size_t i : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U})
        if (std::isdigit(static_cast<unsigned char>(v[i])) == 0) return false;
    return true;
}

bool fits(std::string_view field, std::string_view value) {
    if (field == "day") return looks_like_day(value);
    if (field == "lang") return value.size() <= 8;  // empty: as the browser asks
    if (is_text_field(field)) return !value.empty();
    return all_digits(value);
}

/// Whether `s` from `at` on reads as fields[i…] with literals[i+1…] between them; each value found
/// goes into `values`. Tries every place the next literal occurs (a name may hold it).
bool match_from(const Parts& p, std::size_t i, std::string_view s, std::vector<std::string_view>& values) {
    if (i == p.fields.size()) return s.empty();
    const std::string_view next = p.literals[i + 1];
    const bool last = i + 1 == p.fields.size();
    if (last) {
        // The last field runs to where the closing literal begins, which ends the text.
        if (s.size() < next.size() || s.substr(s.size() - next.size()) != next) return false;
        const auto value = s.substr(0, s.size() - next.size());
        if (!fits(p.fields[i], value)) return false;
        values.push_back(value);
        return true;
    }
    if (next.empty()) return false;  // two fields side by side cannot be told apart
    for (auto at = s.find(next, 1); at != std::string_view::npos; at = s.find(next, at + 1)) {
        const auto value = s.substr(0, at);
        if (!fits(p.fields[i], value)) continue;
        values.push_back(value);
        if (match_from(p, i + 1, s.substr(at + next.size()), values)) return true;
        values.pop_back();
    }
    return false;
}

bool written_with(const DetailForm& f, std::string_view kind) {
    std::string_view kinds = f.kinds;
    while (!kinds.empty()) {
        const auto space = kinds.find(' ');
        if (kinds.substr(0, space) == kind) return true;
        if (space == std::string_view::npos) break;
        kinds.remove_prefix(space + 1);
    }
    return false;
}

}  // namespace

std::string say(Form form, std::initializer_list<std::string_view> values) {
    const Parts p = split(form.form().text);
    std::string out(p.literals.front());
    auto value = values.begin();
    for (std::size_t i = 0; i < p.fields.size(); ++i) {
        if (value != values.end()) out += *value++;
        out += p.literals[i + 1];
    }
    return out;
}

std::optional<ReadDetail> read_detail(std::string_view kind, std::string_view detail) {
    if (detail.empty()) return std::nullopt;
    for (const auto& f : kDetails) {
        if (!written_with(f, kind)) continue;
        const Parts p = split(f.text);
        const std::string_view head = p.literals.front();
        if (detail.substr(0, head.size()) != head) continue;
        std::vector<std::string_view> values;
        if (!match_from(p, 0, detail.substr(head.size()), values)) continue;
        ReadDetail out;
        out.form = &f;
        for (std::size_t i = 0; i < values.size(); ++i) out.fields.emplace_back(p.fields[i], values[i]);
        return out;
    }
    return std::nullopt;
}

std::vector<std::string> fields_of(std::string_view text) {
    std::vector<std::string> out;
    for (const auto f : split(text).fields) out.emplace_back(f);
    return out;
}

}  // namespace mina::audit
