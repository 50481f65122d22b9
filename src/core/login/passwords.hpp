// The rules a new password must meet (manual R10; SPEC §4), in the order a person is told them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/common/model.hpp"
#include "core/common/ports.hpp"

namespace mina::passwords {

inline constexpr int kMinChars = 12;
inline constexpr int kMaxChars = 128;
inline constexpr int kHistory = 5;  // not one of the person's last five passwords

enum class Problem {
    not_text,      // not valid UTF-8 or holds control characters
    too_short,     // fewer than kMinChars characters
    too_long,      // more than kMaxChars characters
    has_username,  // contains the username
    has_email,     // contains the email address's local part
    weak,          // a dictionary word or a common password
    mismatch,      // Bekräfta differs
    reused,        // one of the last kHistory passwords (checked by the kiosk, which hashes)
};

/// Characters as a person counts them: Unicode code points of valid UTF-8.
[[nodiscard]] int count_chars(std::string_view utf8);

/// Checks every rule that needs no hash. `password` and `confirm` are as typed; on success returns
/// nothing and sets `normalized` to the NFC form that is hashed and stored.
[[nodiscard]] std::optional<Problem> check(std::string_view password, std::string_view confirm, const Person& person,
                                           ports::PasswordQuality& quality, std::string& normalized);

}  // namespace mina::passwords
