// Mail that the core asks for, and the one-time passwords some of it carries (SPEC §4, §5).
#pragma once

#include <string>
#include <string_view>

#include "core/common/model.hpp"
#include "core/common/ports.hpp"

namespace mina::outbox {

/// A mail of `kind` to the person, in their language, due at `not_before`.
[[nodiscard]] OutboxMail to(const Person& p, MailKind kind, Timestamp not_before, Timestamp now,
                            std::string params = {});

/// One-time passwords: 12 characters from an alphabet without look-alikes (about 59 bits; with
/// five tries at most that is plenty), shown in groups of four: "k7mq-x3bz-tr9c".
inline constexpr int kOtpChars = 12;
[[nodiscard]] std::string new_otp(ports::Tokens& tokens);
/// What is hashed and compared: lower case, without the spaces and hyphens people type or paste.
[[nodiscard]] std::string canonical_otp(std::string_view typed);

}  // namespace mina::outbox
