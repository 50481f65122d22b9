#include "core/common/text.hpp"

#include <algorithm>

namespace mina::text {

bool is_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        char32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;  // a continuation byte first, or 0xF8–0xFF
        }
        if (i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

bool has_control_chars(std::string_view s, std::string_view allowed) {
    return std::any_of(s.begin(), s.end(), [allowed](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 || u == 0x7F) && allowed.find(c) == std::string_view::npos;
    });
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string lower_first(std::string_view s) {
    std::string out(s);
    if (out.empty()) return out;
    if (out[0] >= 'A' && out[0] <= 'Z') {
        out[0] = static_cast<char>(out[0] - 'A' + 'a');
    } else if (out.size() >= 2 && static_cast<unsigned char>(out[0]) == 0xC3) {
        // Å Ä Ö É (U+00C5 U+00C4 U+00D6 U+00C9) are C3 85, C3 84, C3 96, C3 89; their small letters are 0x20 on.
        const auto second = static_cast<unsigned char>(out[1]);
        if (second == 0x85 || second == 0x84 || second == 0x96 || second == 0x89)
            out[1] = static_cast<char>(second + 0x20);
    }
    return out;
}

std::string genitive_sv(std::string_view name) {
    std::string out(name);
    if (out.empty()) return out;
    const char last = out.back();
    if ((last >= 'A' && last <= 'Z') || (last >= '0' && last <= '9')) return out + ":s";
    if (last == 's' || last == 'x' || last == 'z') return out;
    return out + "s";
}

std::string_view trim_view(std::string_view s, std::string_view blanks) {
    const auto b = s.find_first_not_of(blanks);
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(blanks);
    return s.substr(b, e - b + 1);
}

std::string trim(std::string_view s, std::string_view blanks) { return std::string(trim_view(s, blanks)); }

}  // namespace mina::text
