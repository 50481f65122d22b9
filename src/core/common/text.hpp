// Small text helpers every area needs, once: UTF-8 validity, ASCII lower case, trimming. Bytes in,
// bytes out; no locale (std::tolower would follow the process's locale), standard library only.
#pragma once

#include <string>
#include <string_view>

namespace mina::text {

/// Well-formed UTF-8 (RFC 3629): no overlong form, no surrogate, nothing above U+10FFFF, no
/// sequence cut short. Control characters are UTF-8 too (see has_control_chars).
[[nodiscard]] bool is_utf8(std::string_view s);

/// Whether `s` holds a C0 control character (U+0000–U+001F) or DEL, other than the ones in `allowed`.
[[nodiscard]] bool has_control_chars(std::string_view s, std::string_view allowed = {});

/// A–Z as a–z; every other byte (UTF-8 letters among them) as it is.
[[nodiscard]] std::string lower_ascii(std::string_view s);
/// The first letter in lower case (ASCII and Å, Ä, Ö, É), the rest as it is: "Måndag–fredag" inside a sentence.
[[nodiscard]] std::string lower_first(std::string_view s);
/// A Swedish genitive: "CSN:s" after an abbreviation or a digit, nothing added after s, x or z ("Komvux"),
/// "s" otherwise ("Skolverkets" is written by whoever names it so).
[[nodiscard]] std::string genitive_sv(std::string_view name);

/// `s` without the characters of `blanks` at either end (by default spaces and tabs, as a cell or a
/// header field has them).
[[nodiscard]] std::string trim(std::string_view s, std::string_view blanks = " \t");

/// The same as a view into `s`.
[[nodiscard]] std::string_view trim_view(std::string_view s, std::string_view blanks = " \t");

}  // namespace mina::text
