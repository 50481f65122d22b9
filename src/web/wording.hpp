// Words for numbers that pages, mails and letters share, in Swedish or English.
#pragma once

#include <string>
#include <string_view>

#include "core/common/types.hpp"
#include "time/local_time.hpp"

namespace mina::web {

/// How whole days are named in Swedish: "dagar" (calendar days: a password is valid for 30 dagar) or
/// "dygn" (spans of 24 hours: an account is locked for 1 dygn). English says "days" for both.
enum class DayWord { dagar, dygn };

/// `d` in its largest whole unit: "30 minuter", "1 timme", "2 dagar"; "2 days", "1 hour" when `lang`
/// is "en". Seconds when nothing larger divides it.
[[nodiscard]] std::string duration_words(std::string_view lang, Seconds d, DayWord days = DayWord::dagar);

/// A count in words up to twelve ("tre", "three" when `lang` is "en"), in figures above.
[[nodiscard]] std::string count_words(std::string_view lang, int n);
/// A point in time as a page shows it to a person in `lang`: local to `zone`, in a table's form
/// ("2026-12-07 02:47"). Used by the audit log and its details.
[[nodiscard]] std::string shown_time(std::string_view lang, Timestamp t, const time::Zone& zone);

/// `text` escaped for HTML text and attribute values: & < > " ' (an SVG's text, a {{{…}}} field).
[[nodiscard]] std::string escape(std::string_view text);

/// `text` escaped for HTML, with each day in it ("2026-10-08", "2026-12-07 02:47") kept on one line
/// (<span class="nowrap">): for a sentence with dates in a narrow column, shown with {{{…}}}.
[[nodiscard]] std::string html_keeping_dates(std::string_view text);

}  // namespace mina::web
