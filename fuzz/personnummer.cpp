// Personal numbers as a person or a file types them (core/personnummer). The first two bytes pick
// `today` (a day from 1990 to 2079); the rest is the text. Invariants: a number read is 12 digits; its
// canonical form and what display() shows read back to the same number (display for the living:
// under 200 years old).
#include <cstdint>
#include <string>
#include <variant>

#include "core/common/personnummer.hpp"

using namespace mina;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const int offset = (data[0] << 8 | data[1]) % (90 * 365);
    const Date today = Date::from_ymd(1990, 1, 1).value().add_days(offset);
    const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
    auto parsed = pnr::parse(text, today);
    const auto* n = std::get_if<pnr::Number>(&parsed);
    if (!n) return 0;
    if (n->canonical.size() != 12 || n->canonical.find_first_not_of("0123456789") != std::string::npos)
        __builtin_trap();
    if (today < n->date) __builtin_trap();
    const auto again = pnr::parse(n->canonical, today);
    if (!std::holds_alternative<pnr::Number>(again) || std::get<pnr::Number>(again) != *n) __builtin_trap();
    const std::string shown = pnr::display(*n, today);
    if (shown.size() != 11) __builtin_trap();
    if (today.year() - n->date.year() < 200) {
        const auto back = pnr::parse(shown, today);
        if (!std::holds_alternative<pnr::Number>(back) || std::get<pnr::Number>(back) != *n) __builtin_trap();
    }
    const std::string masked = pnr::masked(*n, today);
    if (masked.substr(0, 7) != shown.substr(0, 7) || masked.substr(7) != "****") __builtin_trap();
    return 0;
}
