// Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer),
// as Studeranderapportering (issue [6]) identifies students: exactly the rules and test vectors of
// domain-csn.md §3. Pure functions: no clock (`today` is passed in), no storage. A number is kept
// in one canonical form, CCYYMMDDNNNC, and shown as YYMMDD-NNNC (with + from the year the person
// turns 100). Nothing is derived from it beyond what the rules need: never a gender, and the date
// is not taken to be the true birth date (Skatteverket may use a nearby day).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "core/common/date.hpp"

namespace mina::pnr {

enum class Kind {
    personnummer,
    samordningsnummer,  // the day is the birth day + 60
};

/// Why a typed number is not a number; each is worded for the person who typed it (sv.toml).
enum class Problem {
    empty,             // "Skriv personnumret eller samordningsnumret"
    bad_shape,         // "Skriv numret med 10 eller 12 siffror, t.ex. 19821105-9954 eller 821105-9954"
    bad_century,       // "Ett 12-siffrigt nummer börjar med 18, 19 eller 20"
    bad_month,         // "Månaden finns inte (01–12)"
    bad_day,           // "Dagen finns inte i den månaden"
    birth_number_000,  // "Födelsenumret 000 används inte"
    check_digit,       // "Kontrollsiffran stämmer inte: kontrollera att numret är rätt inskrivet"
    in_the_future,     // "Datumet i numret har inte varit än"
};

struct Number {
    std::string canonical;  // CCYYMMDDNNNC: 12 digits
    Kind kind{Kind::personnummer};
    Date date;  // the date part (for a samordningsnummer: the day − 60)

    friend bool operator==(const Number&, const Number&) = default;
};

/// Reads what a person or a file typed: 10 or 12 digits, with or without '-' (or '+' for people of
/// 100 or more) before the last four, surrounding spaces ignored. The century of a 10-digit number
/// comes from `today` and the separator.
[[nodiscard]] std::variant<Number, Problem> parse(std::string_view text, Date today);

/// The Luhn check digit of the nine digits YYMMDDNNN.
[[nodiscard]] int check_digit(std::string_view nine_digits);

/// YYMMDD-NNNC, or YYMMDD+NNNC from the calendar year the person turns 100 (as of `today`).
[[nodiscard]] std::string display(const Number& n, Date today);

/// For lists where the whole number is not needed: YYMMDD-****.
[[nodiscard]] std::string masked(const Number& n, Date today);

}  // namespace mina::pnr
