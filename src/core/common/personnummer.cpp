#include "core/common/personnummer.hpp"

#include <cctype>

namespace mina::pnr {

namespace {

bool digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

int number(std::string_view two_or_four) {
    int n = 0;
    for (char c : two_or_four) n = n * 10 + (c - '0');
    return n;
}

}  // namespace

int check_digit(std::string_view nine_digits) {
    int sum = 0;
    for (std::size_t i = 0; i < nine_digits.size(); ++i) {
        int d = (nine_digits[i] - '0') * (i % 2 == 0 ? 2 : 1);
        sum += d / 10 + d % 10;
    }
    return (10 - sum % 10) % 10;
}

std::variant<Number, Problem> parse(std::string_view text, Date today) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
    if (text.empty()) return Problem::empty;

    // Shape: (CC)? YY MM DD [-+]? NNN C, 10 to 13 characters.
    if (text.size() < 10 || text.size() > 13) return Problem::bad_shape;
    char separator = 0;
    std::string_view head = text.substr(0, text.size() - 4);
    const std::string_view tail = text.substr(text.size() - 4);  // NNNC
    if (!head.empty() && (head.back() == '-' || head.back() == '+')) {
        separator = head.back();
        head.remove_suffix(1);
    }
    if ((head.size() != 6 && head.size() != 8) || !digits(head) || !digits(tail)) return Problem::bad_shape;

    const std::string_view yymmdd = head.substr(head.size() - 6);
    const int yy = number(yymmdd.substr(0, 2));
    const int mm = number(yymmdd.substr(2, 2));
    int dd = number(yymmdd.substr(4, 2));
    const std::string_view nnn = tail.substr(0, 3);

    int year = 0;
    if (head.size() == 8) {
        const int cc = number(head.substr(0, 2));
        if (cc < 18 || cc > 20) return Problem::bad_century;
        year = cc * 100 + yy;  // a given separator does not change a 12-digit number
    } else {
        const int base = separator == '+' ? today.year() - 100 : today.year();
        year = base - ((base - yy) % 100 + 100) % 100;
    }

    if (mm < 1 || mm > 12) return Problem::bad_month;
    Kind kind = Kind::personnummer;
    if (dd >= 61 && dd <= 91) {
        kind = Kind::samordningsnummer;
        dd -= 60;
    }
    const auto date = Date::from_ymd(year, mm, dd);
    if (!date || dd < 1) return Problem::bad_day;
    if (nnn == "000") return Problem::birth_number_000;
    std::string nine(yymmdd);
    nine += nnn;
    if (check_digit(nine) != tail[3] - '0') return Problem::check_digit;
    if (today < *date) return Problem::in_the_future;

    Number out;
    out.canonical = std::to_string(year / 100) + std::string(yymmdd) + std::string(tail);  // year ≥ 1800
    out.kind = kind;
    out.date = *date;
    return out;
}

std::string display(const Number& n, Date today) {
    const std::string_view c = n.canonical;
    const bool hundred = today.year() - n.date.year() >= 100;
    return std::string(c.substr(2, 6)) + (hundred ? '+' : '-') + std::string(c.substr(8, 4));
}

std::string masked(const Number& n, Date today) {
    std::string shown = display(n, today);
    for (std::size_t i = 7; i < shown.size(); ++i) shown[i] = '*';
    return shown;
}

}  // namespace mina::pnr
