// Words for numbers that pages, mails and letters share, in Swedish or English.
#pragma once

#include <string>
#include <string_view>

#include "core/common/types.hpp"

namespace mina::web {

/// How whole days are named in Swedish: "dagar" (calendar days: a password is valid for 30 dagar) or
/// "dygn" (spans of 24 hours: an account is locked for 1 dygn). English says "days" for both.
enum class DayWord { dagar, dygn };

/// `d` in its largest whole unit: "30 minuter", "1 timme", "2 dagar"; "2 days", "1 hour" when `lang`
/// is "en". Seconds when nothing larger divides it.
[[nodiscard]] std::string duration_words(std::string_view lang, Seconds d, DayWord days = DayWord::dagar);

/// A point in time as a page shows it to a person in `lang`. For now the stored form, ISO 8601 in UTC
/// ("2026-12-07T01:47:46Z"): the one place to switch to local time in the reader's forms (issue [9]
/// §6). Used by the audit log and its details.
[[nodiscard]] std::string shown_time(std::string_view lang, Timestamp t);

}  // namespace mina::web
