// Vocabulary types of the domain: time, durations and strong ids. No I/O here.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mina {

using Seconds = std::chrono::seconds;
/// A point in time at one-second resolution: lockouts and password ages are stated to the second.
using Timestamp = std::chrono::sys_seconds;

[[nodiscard]] inline std::int64_t to_unix(Timestamp t) { return t.time_since_epoch().count(); }
[[nodiscard]] inline Timestamp from_unix(std::int64_t s) { return Timestamp{Seconds{s}}; }

/// Parses durations as operators write them: "30m", "365d", "2s", "12h", "1w", or a sum "1h30m".
[[nodiscard]] std::optional<Seconds> parse_duration(std::string_view text);
/// The inverse of parse_duration, using the largest units that divide exactly ("30m", "365d").
[[nodiscard]] std::string format_duration(Seconds d);
/// ISO 8601 in UTC, for logs and the audit trail ("2026-11-29T02:24:10Z").
[[nodiscard]] std::string format_iso(Timestamp t);
/// The inverse of format_iso: exactly "YYYY-MM-DDTHH:MM:SSZ", or nothing.
[[nodiscard]] std::optional<Timestamp> parse_iso(std::string_view text);

/// A time source. The core never reads the system clock itself; the edge passes `now` in.
class Clock {
   public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
   public:
    [[nodiscard]] Timestamp now() const override {
        return std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
    }
};

/// A strong typedef: a Username cannot be passed where a SchoolCode is expected.
template <typename Tag, typename T = std::string>
class Strong {
   public:
    Strong() = default;
    explicit Strong(T v) : value_(std::move(v)) {}
    [[nodiscard]] const T& value() const noexcept { return value_; }
    friend bool operator==(const Strong&, const Strong&) = default;
    friend auto operator<=>(const Strong&, const Strong&) =
        default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>

   private:
    T value_{};
};

using PersonId = Strong<struct PersonIdTag, std::int64_t>;
using Username = Strong<struct UsernameTag>;
using SchoolCode = Strong<struct SchoolCodeTag>;

/// The client address as the edge determined it (after trusted-proxy handling).
struct ClientInfo {
    std::string address;
    std::string user_agent;
};

}  // namespace mina
