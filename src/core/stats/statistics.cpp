#include "core/stats/statistics.hpp"

#include <algorithm>

#include "core/common/authz.hpp"

namespace mina::stats {

int iso_week(Date d) {
    const Date thursday = d.add_days(4 - d.iso_weekday());
    const Date jan1 = *Date::from_ymd(thursday.year(), 1, 1);
    return days_between(jan1, thursday) / 7 + 1;
}

namespace {

/// Adds the database's buckets up into the periods that begin at `starts` (local midnights, in
/// order; the last is the end of the range). A bucket outside the range is not counted.
std::vector<std::int64_t> add_up(const std::vector<ports::BucketCount>& buckets, const std::vector<Timestamp>& starts) {
    std::vector<std::int64_t> out(starts.size() - 1, 0);
    for (const auto& b : buckets) {
        const Timestamp t = from_unix(b.bucket * kBucket);
        const auto after = std::upper_bound(starts.begin(), starts.end(), t);
        if (after == starts.begin() || after == starts.end()) continue;
        out[static_cast<std::size_t>(after - starts.begin() - 1)] += b.count;
    }
    return out;
}

}  // namespace

std::variant<Figures, Refused> Service::figures(const portal::Viewer& v, const std::string& school, Timestamp now) {
    const bool agency = v.may(authz::Action::administer_agency, {});
    Figures f;
    f.all_allowed = agency;
    auto tx = store_.begin(ports::TxMode::read);
    if (agency) {
        f.schools = tx->schools().all();
    } else {
        for (const auto& a : v.access)
            if (v.may(authz::Action::administer_people, a.school.code.value())) f.schools.push_back(a.school);
        if (f.schools.empty()) return Refused{Problem::not_allowed};
    }
    std::string code = school;
    if (code.empty() && !agency) {
        // The school chosen in the session, if the viewer administers it; otherwise the first.
        const auto chosen = std::find_if(f.schools.begin(), f.schools.end(),
                                         [&](const School& s) { return s.code.value() == v.session.school; });
        code = (chosen != f.schools.end() ? *chosen : f.schools.front()).code.value();
    }
    if (!code.empty()) {
        if (!v.may(authz::Action::administer_people, code)) return Refused{Problem::not_allowed};
        f.school = tx->schools().find(SchoolCode{code});
        if (!f.school) return Refused{Problem::no_such_school};
    }

    const Date today = days_.day_of(now);
    // Reports: the ISO weeks Monday to Sunday, local time.
    const Date monday = today.add_days(1 - today.iso_weekday()).add_days(-7 * (kWeeks - 1));
    std::vector<Timestamp> week_starts;
    for (int i = 0; i <= kWeeks; ++i) week_starts.push_back(days_.start_of(monday.add_days(7 * i)));
    const auto weeks =
        add_up(tx->statistics().reports_received(code, week_starts.front(), week_starts.back(), kBucket), week_starts);
    for (int i = 0; i < kWeeks; ++i) {
        const Date m = monday.add_days(7 * i);
        f.reports.push_back({m, iso_week(m), weeks[static_cast<std::size_t>(i)]});
    }

    const Date first = today.add_days(1 - kDays);
    std::vector<Timestamp> day_starts;
    day_starts.reserve(kDays + 1);
    for (int i = 0; i <= kDays; ++i) day_starts.push_back(days_.start_of(first.add_days(i)));
    const auto per_day = [&](std::string_view kind) {
        const auto counts = add_up(
            tx->statistics().audit_events(kind, code, day_starts.front(), day_starts.back(), kBucket), day_starts);
        std::vector<DayCount> out;
        out.reserve(kDays);
        for (int i = 0; i < kDays; ++i) out.push_back({first.add_days(i), counts[static_cast<std::size_t>(i)]});
        return out;
    };
    f.logins = per_day("login.success");
    f.locks = per_day("account.locked");

    for (const auto& s : tx->statistics().mail_states(code, day_starts.front(), day_starts.back())) {
        switch (s.status) {
            case MailStatus::sent: f.mail.sent += s.count; break;
            case MailStatus::pending: f.mail.waiting += s.count; break;
            case MailStatus::failed: f.mail.failed += s.count; break;
        }
    }
    return f;
}

}  // namespace mina::stats
