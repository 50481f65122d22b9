// The statistics page ([10] item 6): reports per week, logins and locks per day, and the outbox's
// mail by state, for every school together (the agency) or one school (the agency, or that school's
// authorization administrator). Every call checks the viewer here, whatever the page offered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/common/date.hpp"
#include "core/common/model.hpp"
#include "core/login/portal.hpp"
#include "core/stats/ports.hpp"

namespace mina::stats {

inline constexpr int kWeeks = 12;  // reports: the current ISO week and the 11 before it
inline constexpr int kDays = 30;   // logins, locks and mail: today and the 29 days before it
/// The grain the database counts in (seconds): every zone's offset is a multiple of it, so a bucket
/// never spans two local days.
inline constexpr std::int64_t kBucket = 900;

/// The ISO 8601 week number of a day (1–53): the week of its Thursday.
[[nodiscard]] int iso_week(Date d);

enum class Problem {
    not_allowed,  // not the agency, and not an authorization administrator of the school
    no_such_school,
};
struct Refused {
    Problem problem;
};

/// One ISO week (Monday–Sunday, local time) and the report events received in it.
struct WeekCount {
    Date monday;
    int week = 0;
    std::int64_t count = 0;
};
/// One local day and what happened on it.
struct DayCount {
    Date day;
    std::int64_t count = 0;
};
struct MailCounts {
    std::int64_t sent = 0;
    std::int64_t waiting = 0;  // pending: due later, or being tried again
    std::int64_t failed = 0;   // given up: refused by the server or a wrong address
};

struct Figures {
    /// The school shown; none: every school together.
    std::optional<School> school;
    /// The schools the viewer may choose between (every school for the agency).
    std::vector<School> schools;
    bool all_allowed = false;        // the agency: "every school" is a choice
    std::vector<WeekCount> reports;  // kWeeks, oldest first
    std::vector<DayCount> logins;    // kDays, oldest first
    std::vector<DayCount> locks;     // kDays, oldest first
    MailCounts mail;                 // mail queued in the kDays days
};

class Service final {
   public:
    Service(Store store, const LocalDays& days) : store_(store), days_(days) {}

    /// The figures for `school` (empty: every school for the agency, the chosen school, or the
    /// first the viewer administers, for a school's administrator) at `now`.
    [[nodiscard]] std::variant<Figures, Refused> figures(const portal::Viewer& v, const std::string& school,
                                                         Timestamp now);

   private:
    Store store_;
    const LocalDays& days_;
};

}  // namespace mina::stats
