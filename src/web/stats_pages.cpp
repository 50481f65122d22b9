// The statistics page ([10] item 6). Each picture is drawn here as SVG from the core's counts, with
// its accessible name saying in words what it shows, and a table of the same figures below it.
#include "web/stats_pages.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "core/common/text.hpp"
#include "web/charts.hpp"

namespace mina::web {

namespace {

/// "7/12": a day on a crowded axis.
std::string short_day(Date d) { return std::to_string(d.day()) + "/" + std::to_string(d.month()); }

template <class T>
const T* highest(const std::vector<T>& items) {
    const auto it =
        std::max_element(items.begin(), items.end(), [](const T& a, const T& b) { return a.count < b.count; });
    return it == items.end() || it->count == 0 ? nullptr : &*it;
}

}  // namespace

Response StatsPages::forbidden(const Authed& a, Request& req) {
    return forbidden_page(a, req, "stats_heading",
                          views_.t(a.lang, "stats_forbidden", {{"agency", ctx_.site.agency_name}}));
}

Response StatsPages::statistics(Request& req, Authed& a) {
    const auto q = Form::parse(req.query).value_or(Form{});
    const auto outcome = s_.stats.figures(a.viewer, q.get("kod"), now());
    if (const auto* no = std::get_if<stats::Refused>(&outcome)) {
        if (no->problem == stats::Problem::not_allowed) return forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    const auto& f = std::get<stats::Figures>(outcome);
    const std::string& lang = a.lang;
    Data d{Data::type::object};
    const std::string where = f.school ? f.school->name : views_.t(lang, "stats_all_schools");
    d.set("where", where);
    if (f.school) d.set("school_code", f.school->code.value());  // all schools: no link to one
    // Inside a sentence "alla skolor" is written small; a school's name as it is.
    d.set("intro", views_.t(lang, "stats_intro", {{"where", f.school ? where : text::lower_first(where)}}));
    d.set("help_time", views_.t(lang, "stats_help_time", {{"zone", ctx_.zone.name()}}));

    // The choice of school: the agency may also choose every school; one school needs no choice.
    std::vector<School> schools = f.schools;
    time::sort_swedish(schools, [](const School& s) { return s.name; });
    if (f.all_allowed || schools.size() > 1) {
        Data options{Data::type::list};
        if (f.all_allowed) {
            Data o{Data::type::object};
            o.set("value", std::string{});
            o.set("label", views_.t(lang, "stats_all_schools"));
            o.set("selected", !f.school);
            options.push_back(o);
        }
        for (const auto& s : schools) {
            Data o{Data::type::object};
            o.set("value", s.code.value());
            o.set("label", s.name + " (" + s.code.value() + ")");
            o.set("selected", f.school && f.school->code == s.code);
            options.push_back(o);
        }
        d.set("choose", true);
        d.set("school_options", options);
    }

    // Reports per week.
    {
        const auto& w = f.reports;
        const std::map<std::string, std::string> range{{"first", std::to_string(w.front().week)},
                                                       {"last", std::to_string(w.back().week)}};
        charts::BarChart c;
        c.id = "chart-reports";
        std::int64_t total = 0;
        Data rows{Data::type::list};
        for (const auto& x : w) {
            total += x.count;
            c.bars.push_back({std::to_string(x.week), x.count});
            Data r{Data::type::object};
            r.set("label", views_.t(lang, "stats_week",
                                    {{"week", std::to_string(x.week)},
                                     {"first", time::show(x.monday, lang)},
                                     {"last", time::show(x.monday.add_days(6), lang)}}));
            r.set("count", std::to_string(x.count));
            rows.push_back(r);
        }
        auto params = range;
        if (const auto* top = highest(w)) {
            params["max"] = std::to_string(top->count);
            params["at"] = std::to_string(top->week);
            c.title = views_.t(lang, "stats_reports_title", params);
        } else {
            c.title = views_.t(lang, "stats_reports_title_none", params);
        }
        c.description = views_.t_count(lang, "stats_reports_desc", total, range);
        c.empty = views_.t(lang, "stats_reports_empty");
        d.set("reports_svg", charts::svg(c));
        d.set("reports_rows", rows);
        d.set("reports_caption", c.title);
        d.set("reports_total", std::to_string(total));
    }

    // Logins and locked accounts per day.
    const std::map<std::string, std::string> days{{"first", time::show(f.logins.front().day, lang)},
                                                  {"last", time::show(f.logins.back().day, lang)}};
    const auto day_chart = [&](const std::vector<stats::DayCount>& series, std::string_view name,
                               const std::string& key) {
        charts::BarChart c;
        c.id = "chart-" + std::string(name);
        std::int64_t total = 0;
        for (std::size_t i = 0; i < series.size(); ++i) {
            total += series[i].count;
            // A label every seventh day, counted back from today, so that today has one.
            const bool labelled = (series.size() - 1 - i) % 7 == 0;
            c.bars.push_back({labelled ? short_day(series[i].day) : std::string{}, series[i].count});
        }
        auto params = days;
        if (const auto* top = highest(series)) {
            params["max"] = std::to_string(top->count);
            params["at"] = time::show(top->day, lang);
            c.title = views_.t(lang, key + "_title", params);
        } else {
            c.title = views_.t(lang, key + "_title_none", params);
        }
        c.description = views_.t_count(lang, key + "_desc", total, days);
        c.empty = views_.t(lang, key + "_empty");
        d.set(std::string(name) + "_svg", charts::svg(c));
        d.set(std::string(name) + "_caption", c.title);
        d.set(std::string(name) + "_total", std::to_string(total));
    };
    day_chart(f.logins, "logins", "stats_logins");
    day_chart(f.locks, "locks", "stats_locks");
    Data day_rows{Data::type::list};
    for (std::size_t i = 0; i < f.logins.size(); ++i) {
        Data r{Data::type::object};
        r.set("day", time::show(f.logins[i].day, lang));
        r.set("logins", std::to_string(f.logins[i].count));
        r.set("locks", std::to_string(f.locks[i].count));
        day_rows.push_back(r);
    }
    d.set("day_rows", day_rows);
    d.set("days_caption", views_.t(lang, "stats_days_caption", days));

    // Mail by state.
    {
        charts::BarChart c;
        c.id = "chart-mail";
        const std::array<std::pair<std::string, std::int64_t>, 3> states{
            {{views_.t(lang, "stats_mail_sent"), f.mail.sent},
             {views_.t(lang, "stats_mail_waiting"), f.mail.waiting},
             {views_.t(lang, "stats_mail_failed"), f.mail.failed}}};
        Data rows{Data::type::list};
        for (const auto& [label, n] : states) {
            c.bars.push_back({label, n});
            Data r{Data::type::object};
            r.set("label", label);
            r.set("count", std::to_string(n));
            rows.push_back(r);
        }
        c.title = views_.t(lang, "stats_mail_title",
                           {{"sent", std::to_string(f.mail.sent)},
                            {"waiting", std::to_string(f.mail.waiting)},
                            {"failed", std::to_string(f.mail.failed)}});
        c.description = views_.t(lang, "stats_mail_desc", days);
        c.empty = views_.t(lang, "stats_mail_empty");
        d.set("mail_svg", charts::svg(c));
        d.set("mail_rows", rows);
        d.set("mail_caption", c.title);
    }
    return authed_page(a, "idm_statistics", views_.t(lang, "stats_heading"), std::move(d), "/identity-manager");
}

void StatsPages::add_routes(Router& r) { r.add("GET", "/identity-manager/statistik", this, &StatsPages::statistics); }

}  // namespace mina::web
