// Local time for people: the service's time zone (`portal.time_zone`), dates and times in the forms
// the reader's language uses, plural forms and Swedish order. All of it from ICU, none hand-written.
// Machines (the API, CSV for systems, logs, the audit store) keep UTC: see format_iso.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/date.hpp"
#include "core/common/types.hpp"

namespace mina::time {

enum class Form {
    text,      // in running text: "7 december 2026 kl. 02.47", "7 December 2026 at 02:47"
    table,     // in a table's cell: "2026-12-07 02:47" (both languages)
    day,       // the date alone: "2026-12-07"
    text_day,  // the date alone in running text: "7 december 2026"
};

/// A named time zone of the IANA database ("Europe/Stockholm"). Immutable; shared between threads.
class Zone final : public LocalDays {
   public:
    /// The zone, or nothing when ICU does not know the name.
    [[nodiscard]] static std::optional<Zone> named(std::string_view iana);
    [[nodiscard]] static const Zone& stockholm();

    [[nodiscard]] Date day_of(Timestamp t) const override;
    [[nodiscard]] Timestamp start_of(Date d) const override;
    /// Local time minus UTC at `t`: +01:00 in a Swedish winter, +02:00 in summer.
    [[nodiscard]] Seconds offset_at(Timestamp t) const;
    [[nodiscard]] const std::string& name() const { return name_; }

   private:
    struct Rules;  // ICU's zone, kept out of this header
    Zone(std::string name, std::shared_ptr<const Rules> rules) : name_(std::move(name)), rules_(std::move(rules)) {}
    std::string name_;
    std::shared_ptr<const Rules> rules_;
    friend std::string show(Timestamp, const Zone&, std::string_view, Form);
};

/// `t` as a person in `zone` reads it, in `lang` ("sv" or "en"; anything else reads as Swedish).
[[nodiscard]] std::string show(Timestamp t, const Zone& zone, std::string_view lang, Form form);
/// A day in running text: "7 december 2026", "7 December 2026".
[[nodiscard]] std::string show(Date d, std::string_view lang);
/// ISO 8601 with the zone's offset, for machines that want local time: "2026-12-07T02:47:46+01:00".
[[nodiscard]] std::string iso_local(Timestamp t, const Zone& zone);

/// The plural category of `n` in `lang` by the CLDR's rules: "one" or "other" in Swedish and English.
[[nodiscard]] std::string_view plural_category(std::string_view lang, long long n);

/// Swedish order for names and words: case and accents second, "å", "ä", "ö" after "z". Returns
/// <0, 0 or >0 like strcmp; safe to call from any thread.
[[nodiscard]] int compare_swedish(std::string_view a, std::string_view b);

/// Sorts `items` in Swedish order of `key(item)`; equal keys keep their order.
template <typename T, typename Key>
void sort_swedish(std::vector<T>& items, Key key) {
    if (items.size() < 2) return;
    std::stable_sort(items.begin(), items.end(),
                     [&key](const T& a, const T& b) { return compare_swedish(key(a), key(b)) < 0; });
}

}  // namespace mina::time
