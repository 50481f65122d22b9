// Studietider och utbildningar (issue [5]): the chosen school's educations and their study periods
// for the people granted `studietider` there. Every handler asks studietider::Service, which checks
// the grant again: a URL or a form for another school changes nothing.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <functional>
#include <map>

#include "core/common/csv.hpp"

#include "core/studietider/service.hpp"
#include "web/studietider_pages.hpp"
#include "web/wording.hpp"

namespace mina::web {

namespace st = studietider;

namespace {

constexpr std::string_view kBase = "/tjanster/studietider";

std::string_view education_problem_key(st::EducationProblem p) {
    switch (p) {
        case st::EducationProblem::bad_code: return "st_bad_code";
        case st::EducationProblem::bad_name: return "st_bad_name";
        case st::EducationProblem::credits_missing: return "st_credits_missing";
        case st::EducationProblem::credits_negative: return "st_credits_negative";
        case st::EducationProblem::credits_too_large: return "st_credits_too_large";
    }
    return "st_bad_name";
}

std::string_view period_problem_key(st::PeriodProblem p) {
    switch (p) {
        case st::PeriodProblem::bad_label: return "st_bad_label";
        case st::PeriodProblem::last_before_first: return "st_last_before_first";
        case st::PeriodProblem::break_last_before_first: return "st_break_last_before_first";
        case st::PeriodProblem::break_outside_period: return "st_break_outside_period";
        case st::PeriodProblem::breaks_overlap: return "st_breaks_overlap";
        case st::PeriodProblem::only_breaks: return "st_only_breaks";
        case st::PeriodProblem::credits_missing: return "st_period_credits_missing";
        case st::PeriodProblem::credits_negative: return "st_credits_negative";
        case st::PeriodProblem::credits_too_large: return "st_credits_too_large";
        case st::PeriodProblem::pace_not_allowed: return "st_pace_not_allowed";
        case st::PeriodProblem::pace_missing: return "st_pace_missing";
        case st::PeriodProblem::overlaps_other_period: return "st_overlaps";
        case st::PeriodProblem::credits_exceed_total: return "st_credits_exceed_total";
    }
    return "st_bad_label";
}

/// Credits as the language writes them: "22,5" in Swedish, "22.5" in English.
std::string credits_for(const std::string& lang, st::Credits c) {
    std::string out = st::to_string(c);
    if (lang == "sv") std::replace(out.begin(), out.end(), '.', ',');
    return out;
}

/// A period's error in the user's language; credits_exceed_total with its two numbers.
std::string period_error_text(const Views& views, const std::string& lang, const st::PeriodError& e) {
    if (e.problem == st::PeriodProblem::credits_exceed_total && e.credits && e.total)
        return views.t(lang, "st_credits_exceed_total",
                       {{"credits", credits_for(lang, *e.credits)}, {"total", credits_for(lang, *e.total)}});
    return views.t(lang, period_problem_key(e.problem));
}

std::string_view mark_key(st::PeriodMark m) {
    switch (m) {
        case st::PeriodMark::no_student_aid_pace: return "st_mark_pace";
        case st::PeriodMark::shorter_than_three_weeks: return "st_mark_short";
        case st::PeriodMark::contract_education: return "st_mark_contract";
    }
    return "st_mark_short";
}

/// The public view's and the JSON's name of why a period gives no studiemedel.
std::string_view mark_code(st::PeriodMark m) {
    switch (m) {
        case st::PeriodMark::no_student_aid_pace: return "pace_below_half";
        case st::PeriodMark::shorter_than_three_weeks: return "shorter_than_three_weeks";
        case st::PeriodMark::contract_education: return "contract_education";
    }
    return "shorter_than_three_weeks";
}

std::string_view question_key(st::PeriodQuestion q) {
    return q == st::PeriodQuestion::far_in_the_past ? "st_question_past" : "st_question_future";
}

std::string education_path(const std::string& code, std::string_view message = {}) {
    std::string out = std::string(kBase) + "/utbildning?kod=" + code;
    if (!message.empty()) out += "&m=" + std::string(message);
    return out;
}

/// The education form's fields; what cannot be read stays empty and the rules say why.
st::EducationInput education_from(const Form& f, bool& unreadable_credits) {
    st::EducationInput in;
    in.code = f.get("kod");
    in.name = f.get("namn");
    in.level = st::parse_level(f.get("niva")).value_or(st::Level::eftergymnasial);
    in.unit = st::parse_credit_unit(f.get("enhet")).value_or(st::CreditUnit::hp);
    const std::string credits = f.get("poang");
    unreadable_credits = false;
    if (!credits.empty()) {
        in.total_credits = st::parse_credits(credits);
        unreadable_credits = !in.total_credits;
    }
    in.distance = f.get("distans") == "ja";
    in.contract = f.get("uppdrag") == "ja";
    return in;
}

/// Holiday breaks typed one per line as "2026-12-21 – 2027-01-06" (any dash or "till" between).
std::optional<std::vector<DateRange>> breaks_from(const std::string& text) {
    std::vector<DateRange> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        std::string dates;
        for (char c : line)
            if ((c >= '0' && c <= '9') || c == '-' || c == ' ') dates += c;
        // The two dates are the two runs of 10 characters that parse.
        std::vector<Date> found;
        for (std::size_t i = 0; i + 10 <= dates.size(); ++i)
            if (auto d = parse_date(std::string_view(dates).substr(i, 10))) {
                found.push_back(*d);
                i += 9;
            }
        if (found.empty() && line.find_first_not_of(" \r\t") == std::string::npos) continue;
        if (found.size() != 2) return std::nullopt;
        out.push_back({found[0], found[1]});
    }
    return out;
}

}  // namespace

Response StudietiderPages::st_forbidden(const Authed& a, Request& req) {
    return service_forbidden(a, req, "service_studietider");
}

Data StudietiderPages::st_education_options(const std::string& lang, const std::string& level,
                                            const std::string& unit) const {
    Data d{Data::type::object};
    Data levels{Data::type::list};
    for (auto l : {st::Level::grundskoleniva, st::Level::gymnasieniva, st::Level::eftergymnasial}) {
        const std::string v(st::to_string(l));
        Data item{Data::type::object};
        item.set("value", v);
        item.set("label", views_.t(lang, "st_level_" + v));
        item.set("selected", v == (level.empty() ? "eftergymnasial" : level));
        levels.push_back(item);
    }
    d.set("levels", levels);
    Data units{Data::type::list};
    for (auto u : {st::CreditUnit::hp, st::CreditUnit::yh, st::CreditUnit::komvux, st::CreditUnit::folkhogskola_hours,
                   st::CreditUnit::none}) {
        const std::string v(st::to_string(u));
        Data item{Data::type::object};
        item.set("value", v);
        item.set("label", views_.t(lang, "st_unit_" + v));
        item.set("selected", v == (unit.empty() ? "hp" : unit));
        units.push_back(item);
    }
    d.set("units", units);
    return d;
}

Response StudietiderPages::st_list_page(const Authed& a, Request& req, int status, Data d) {
    const std::string school = a.viewer.session.school;
    auto result = s_.studietider.educations(a.viewer, school);
    if (std::holds_alternative<st::Refused>(result)) return st_forbidden(a, req);
    const std::string& lang = a.lang;
    d.set("school_name", a.viewer.chosen()->school.name);
    Data rows{Data::type::list};
    for (const auto& e : std::get<std::vector<Education>>(result)) {
        Data row{Data::type::object};
        row.set("code", e.code);
        row.set("name", e.name);
        row.set("level", views_.t(lang, "st_level_" + std::string(st::to_string(e.level))));
        row.set("unit", views_.t(lang, "st_unit_" + std::string(st::to_string(e.unit))));
        row.set("credits", e.total_credits ? st::to_string(*e.total_credits) : std::string());
        row.set("withdrawn", e.withdrawn_at.has_value());
        rows.push_back(row);
    }
    d.set("educations", rows);
    d.set("no_educations", rows.is_empty_list());
    auto contacts = s_.studietider.contacts(a.viewer, school);
    Data people{Data::type::list};
    if (auto* list = std::get_if<std::vector<SchoolContact>>(&contacts)) {
        for (const auto& c : *list) {
            Data item{Data::type::object};
            item.set("id", std::to_string(c.id));
            item.set("name", c.name);
            item.set("role", c.role);
            item.set("email", c.email);
            item.set("phone", c.phone);
            people.push_back(item);
        }
    }
    d.set("contacts", people);
    d.set("no_contacts", people.is_empty_list());
    const std::string level = d.get("in_level") ? d.get("in_level")->string_value() : "";
    const std::string unit = d.get("in_unit") ? d.get("in_unit")->string_value() : "";
    auto options = st_education_options(lang, level, unit);
    d.set("levels", *options.get("levels"));
    d.set("units", *options.get("units"));
    Response res = authed_page(a, "st_list", views_.t(lang, "service_studietider"), std::move(d), kBase);
    res.status = status;
    return res;
}

Response StudietiderPages::service_studietider(Request& req, Authed& a) {
    if (!a.viewer.may(authz::Action::studietider, a.viewer.session.school)) return st_forbidden(a, req);
    auto q = Form::parse(req.query).value_or(Form{});
    Data d{Data::type::object};
    if (q.get("m") == "aterkallad") d.set("flash", views_.t(a.lang, "st_education_withdrawn"));
    if (q.get("m") == "kontakt") d.set("flash", views_.t(a.lang, "st_contact_saved"));
    if (q.get("m") == "kontakt-bort") d.set("flash", views_.t(a.lang, "st_contact_removed"));
    if (q.get("m") == "fil") {
        const auto number = [&](const char* key) {
            const std::string v = q.get(key);
            return !v.empty() && v.size() < 7 &&
                           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })
                       ? v
                       : std::string("0");
        };
        d.set("flash",
              views_.t(a.lang, "st_file_saved",
                       {{"new", number("nya")}, {"changed", number("andrade")}, {"published", number("publicerade")}}));
    }
    return st_list_page(a, req, 200, std::move(d));
}

Response StudietiderPages::st_refused(const Authed& a, Request& req, const st::Refused& no) {
    return no.why == st::Refusal::not_allowed ? st_forbidden(a, req) : error_page(req, 404, "error_404");
}

Response StudietiderPages::st_education_page(const Authed& a, Request& req, const std::string& code, int status,
                                             Data d) {
    const std::string school = a.viewer.session.school;
    auto result = s_.studietider.education(a.viewer, school, code, today());
    if (auto* no = std::get_if<st::Refused>(&result)) return st_refused(a, req, *no);
    const auto& view = std::get<st::EducationView>(result);
    const auto& e = view.education;
    const std::string& lang = a.lang;
    d.set("code", e.code);
    d.set("name", e.name);
    d.set("heading", e.name + " (" + e.code + ")");
    d.set("confirm_education", views_.t(lang, "st_confirm_education_heading", {{"name", e.name}}) + " " +
                                   views_.t(lang, "st_confirm_education_what", {{"name", e.name}, {"code", e.code}}));
    d.set("withdrawn", e.withdrawn_at.has_value());
    if (e.withdrawn_at) d.set("withdrawn_at", when(lang, *e.withdrawn_at, time::Form::day));
    d.set("contract_warning", e.contract);
    const bool none = e.unit == st::CreditUnit::none;
    d.set("unit_none", none);
    d.set("unit_label", views_.t(lang, "st_unit_" + std::string(st::to_string(e.unit))));
    if (!d.get("in_name")) {
        d.set("in_name", e.name);
        d.set("in_credits", e.total_credits ? st::to_string(*e.total_credits) : std::string());
        d.set("in_distance", e.distance);
        d.set("in_contract", e.contract);
        d.set("in_level", std::string(st::to_string(e.level)));
        d.set("in_unit", std::string(st::to_string(e.unit)));
    }
    auto options = st_education_options(lang, d.get("in_level")->string_value(), d.get("in_unit")->string_value());
    d.set("levels", *options.get("levels"));
    d.set("units", *options.get("units"));
    Data periods{Data::type::list};
    bool any_marks = false;  // then the page says what "Ger inte rätt till studiemedel" means
    for (const auto& pv : view.periods) {
        const auto& p = pv.period;
        Data row{Data::type::object};
        row.set("id", std::to_string(p.id));
        row.set("label", p.input.label);
        row.set("first", to_string(p.input.first));
        row.set("last", to_string(p.input.last));
        row.set("credits", p.input.credits ? st::to_string(*p.input.credits) : std::string());
        row.set("weeks", std::to_string(pv.assessment.weeks.total()));
        row.set("pace", views_.t(lang, "st_pace_" + std::string(st::to_string(pv.assessment.pace))));
        std::string marks;
        for (auto m : pv.assessment.marks) marks += (marks.empty() ? "" : " ") + views_.t(lang, mark_key(m));
        row.set("marks", marks);
        any_marks = any_marks || !marks.empty();
        std::string state;
        if (p.withdrawn_at) state = views_.t(lang, "st_state_withdrawn");
        else if (p.published_version == 0) state = views_.t(lang, "st_state_draft");
        else if (p.changed)
            state = views_.t(lang, "st_state_changed", {{"version", std::to_string(p.published_version)}});
        else state = views_.t(lang, "st_state_published", {{"version", std::to_string(p.published_version)}});
        row.set("state", state);
        row.set("can_publish", !p.withdrawn_at && p.changed && !e.withdrawn_at);
        row.set("can_change", !p.withdrawn_at && !e.withdrawn_at);
        row.set("confirm",
                views_.t(lang, "st_confirm_period_heading", {{"label", p.input.label}}) + " " +
                    views_.t(lang, "st_confirm_period_what", {{"label", p.input.label}, {"education", e.name}}));
        Data versions{Data::type::list};
        for (const auto& ver : pv.versions) {
            Data item{Data::type::object};
            item.set("text_html",  // escaped, its days kept on one line
                     html_keeping_dates(
                         views_.t(lang, "st_version",
                                  {{"version", std::to_string(ver.version)},
                                   {"at", when(lang, ver.published_at, time::Form::text)},
                                   {"who", ver.published_by_name.empty() ? ver.published_by : ver.published_by_name},
                                   {"first", to_string(ver.input.first)},
                                   {"last", to_string(ver.input.last)},
                                   {"weeks", views_.t_count(lang, "study_weeks", ver.weeks)},
                                   {"pace", views_.t(lang, "st_pace_" + std::string(st::to_string(ver.pace)))}})));
            versions.push_back(item);
        }
        row.set("versions", versions);
        row.set("has_versions", !versions.is_empty_list());
        periods.push_back(row);
    }
    d.set("periods", periods);
    d.set("no_periods", periods.is_empty_list());
    d.set("any_marks", any_marks);
    Data paces{Data::type::list};
    const std::string chosen_pace = d.get("p_pace") ? d.get("p_pace")->string_value() : "100";
    for (auto p : {st::Pace::full, st::Pace::three_quarters, st::Pace::half, st::Pace::none}) {
        const std::string v(st::to_string(p));
        Data item{Data::type::object};
        item.set("value", v);
        item.set("label", views_.t(lang, "st_pace_" + v));
        item.set("selected", v == chosen_pace);
        paces.push_back(item);
    }
    d.set("paces", paces);
    Response res = authed_page(a, "st_education", e.name, std::move(d), kBase);
    res.status = status;
    return res;
}

Response StudietiderPages::st_education(Request& req, Authed& a) {
    if (!a.viewer.may(authz::Action::studietider, a.viewer.session.school)) return st_forbidden(a, req);
    auto q = Form::parse(req.query).value_or(Form{});
    Data d{Data::type::object};
    static const std::map<std::string, std::string> kFlash{{"ny", "st_education_added"},
                                                           {"sparad", "st_education_saved"},
                                                           {"studietid", "st_period_saved"},
                                                           {"publicerad", "st_period_published"},
                                                           {"aterkallad", "st_period_withdrawn"}};
    if (auto it = kFlash.find(q.get("m")); it != kFlash.end()) d.set("flash", views_.t(a.lang, it->second));
    // "Ändra": the period's working copy in the form.
    if (const std::string id = q.get("studietid"); !id.empty()) {
        auto result = s_.studietider.education(a.viewer, a.viewer.session.school, q.get("kod"), today());
        if (auto* view = std::get_if<st::EducationView>(&result)) {
            for (const auto& pv : view->periods) {
                if (std::to_string(pv.period.id) != id) continue;
                const auto& in = pv.period.input;
                d.set("p_id", id);
                d.set("p_label", in.label);
                d.set("p_first", to_string(in.first));
                d.set("p_last", to_string(in.last));
                d.set("p_credits", in.credits ? st::to_string(*in.credits) : std::string());
                d.set("p_pace", in.pace ? std::string(st::to_string(*in.pace)) : std::string("100"));
                std::string breaks;
                for (const auto& b : in.breaks) breaks += to_string(b.first) + " – " + to_string(b.last) + "\n";
                d.set("p_breaks", breaks);
            }
        }
    }
    return st_education_page(a, req, q.get("kod"), 200, std::move(d));
}

Response StudietiderPages::st_save_education(Request& req, Authed& a, Form& form) {
    const std::string school = a.viewer.session.school;
    const bool adding = req.path.ends_with("/ny");
    bool unreadable = false;
    const auto input = education_from(form, unreadable);
    st::EducationOutcome outcome = st::Refused{st::Refusal::not_allowed};
    if (unreadable) {
        outcome = st::EducationInvalid{{{st::EducationProblem::credits_missing}, {}}};
    } else {
        outcome = adding
                      ? s_.studietider.create_education(a.viewer, school, input, client(req), now())
                      : s_.studietider.change_education(a.viewer, school, form.get("kod"), input, client(req), now());
    }
    if (std::holds_alternative<st::Saved>(outcome))
        return Response::redirect(education_path(input.code, adding ? "ny" : "sparad"));
    if (const auto* no = std::get_if<st::Refused>(&outcome)) {
        if (no->why == st::Refusal::not_allowed) return st_forbidden(a, req);
        if (no->why != st::Refusal::code_taken) return error_page(req, 404, "error_404");
    }
    // Shown again as typed, with every reason.
    Data d{Data::type::object};
    Data errors{Data::type::list};
    if (const auto* bad = std::get_if<st::EducationInvalid>(&outcome)) {
        for (auto p : bad->check.errors)
            errors.push_back(Data{views_.t(a.lang, unreadable && p == st::EducationProblem::credits_missing
                                                       ? "st_credits_unreadable"
                                                       : education_problem_key(p))});
    } else {
        errors.push_back(Data{views_.t(a.lang, "st_code_taken")});
    }
    d.set("errors", errors);
    d.set("in_code", form.get("kod"));
    d.set("in_name", form.get("namn"));
    d.set("in_level", form.get("niva"));
    d.set("in_unit", form.get("enhet"));
    d.set("in_credits", form.get("poang"));
    d.set("in_distance", form.get("distans") == "ja");
    d.set("in_contract", form.get("uppdrag") == "ja");
    return adding ? st_list_page(a, req, 422, std::move(d))
                  : st_education_page(a, req, form.get("kod"), 422, std::move(d));
}

/// "Återkalla" asks first ([10] item 2), naming the education or its period (`period`, 0: the
/// education itself); the read checks the grant as every call does. Nothing is withdrawn here.
Response StudietiderPages::st_confirm_withdraw(Request& req, Authed& a, Form& form, std::int64_t period) {
    const std::string code = form.get("kod");
    auto result = s_.studietider.education(a.viewer, a.viewer.session.school, code, today());
    if (auto* no = std::get_if<st::Refused>(&result)) return st_refused(a, req, *no);
    const auto& view = std::get<st::EducationView>(result);
    const auto& e = view.education;
    const std::string& lang = a.lang;
    const std::string back = std::string(kBase) + "/utbildning?kod=" + url_encode(code);
    if (period == 0)
        return confirm_page(
            a, req, form,
            Confirmation{views_.t(lang, "st_confirm_education_heading", {{"name", e.name}}),
                         views_.t(lang, "st_confirm_education_what", {{"name", e.name}, {"code", e.code}}),
                         views_.t(lang, "st_withdraw"), back, kBase});
    for (const auto& pv : view.periods)
        if (pv.period.id == period && !pv.period.withdrawn_at)
            return confirm_page(
                a, req, form,
                Confirmation{
                    views_.t(lang, "st_confirm_period_heading", {{"label", pv.period.input.label}}),
                    views_.t(lang, "st_confirm_period_what", {{"label", pv.period.input.label}, {"education", e.name}}),
                    views_.t(lang, "st_withdraw"), back, kBase});
    return error_page(req, 404, "error_404");
}

Response StudietiderPages::st_withdraw_education(Request& req, Authed& a, Form& form) {
    if (!confirmed(form)) return st_confirm_withdraw(req, a, form, 0);
    const auto outcome =
        s_.studietider.withdraw_education(a.viewer, a.viewer.session.school, form.get("kod"), client(req), now());
    if (const auto* no = std::get_if<st::Refused>(&outcome)) return st_refused(a, req, *no);
    return Response::redirect(std::string(kBase) + "?m=aterkallad");
}

Response StudietiderPages::st_save_period(Request& req, Authed& a, Form& form) {
    const std::string code = form.get("kod");
    std::int64_t id = 0;
    if (!form.get("id").empty()) {
        const auto given = integer(form, "id");
        if (!given) return error_page(req, 400, "error_400");
        id = *given;
    }
    Data d{Data::type::object};
    Data errors{Data::type::list};
    st::PeriodInput p;
    p.label = form.get("etikett");
    const auto first = parse_date(form.get("forsta"));
    const auto last = parse_date(form.get("sista"));
    if (!first || !last) errors.push_back(Data{views_.t(a.lang, "st_bad_date")});
    p.first = first.value_or(Date{});
    p.last = last.value_or(Date{});
    if (const std::string c = form.get("poang"); !c.empty()) {
        p.credits = st::parse_credits(c);
        if (!p.credits) errors.push_back(Data{views_.t(a.lang, "st_credits_unreadable")});
    }
    if (form.has("takt")) p.pace = st::parse_pace(form.get("takt"));
    auto breaks = breaks_from(form.get("lov"));
    if (!breaks) errors.push_back(Data{views_.t(a.lang, "st_breaks_unreadable")});
    p.breaks = breaks.value_or(std::vector<DateRange>{});
    if (errors.is_empty_list()) {
        const auto outcome = s_.studietider.save_period(a.viewer, a.viewer.session.school, code, id, p,
                                                        form.get("bekrafta") == "ja", client(req), now());
        if (std::holds_alternative<st::Saved>(outcome)) return Response::redirect(education_path(code, "studietid"));
        if (const auto* no = std::get_if<st::Refused>(&outcome)) return st_refused(a, req, *no);
        if (const auto* bad = std::get_if<st::PeriodInvalid>(&outcome)) {
            for (const auto& e : bad->assessment.errors) errors.push_back(Data{period_error_text(views_, a.lang, e)});
            if (bad->overlaps) errors.push_back(Data{views_.t(a.lang, "st_overlaps", {{"label", *bad->overlaps}})});
        }
        if (const auto* ask = std::get_if<st::PeriodQuestions>(&outcome)) {
            Data questions{Data::type::list};
            for (auto qn : ask->assessment.questions) questions.push_back(Data{views_.t(a.lang, question_key(qn))});
            d.set("questions", questions);
            d.set("confirm", true);
        }
    }
    d.set("period_errors", errors);
    d.set("has_period_errors", !errors.is_empty_list());
    d.set("p_id", form.get("id"));
    d.set("p_label", form.get("etikett"));
    d.set("p_first", form.get("forsta"));
    d.set("p_last", form.get("sista"));
    d.set("p_credits", form.get("poang"));
    d.set("p_pace", form.get("takt"));
    d.set("p_breaks", form.get("lov"));
    return st_education_page(a, req, code, 422, std::move(d));
}

Response StudietiderPages::st_period_action(Request& req, Authed& a, Form& form) {
    const std::string code = form.get("kod");
    const auto given = integer(form, "id");
    if (!given) return error_page(req, 400, "error_400");
    const std::int64_t id = *given;
    const bool publish = req.path.ends_with("/publicera");
    if (!publish && !confirmed(form)) return st_confirm_withdraw(req, a, form, id);
    const auto outcome =
        publish ? s_.studietider.publish_period(a.viewer, a.viewer.session.school, code, id, client(req), now())
                : s_.studietider.withdraw_period(a.viewer, a.viewer.session.school, code, id, client(req), now());
    if (const auto* no = std::get_if<st::Refused>(&outcome)) return st_refused(a, req, *no);
    return Response::redirect(education_path(code, publish ? "publicerad" : "aterkallad"));
}

Response StudietiderPages::st_contact(Request& req, Authed& a, Form& form) {
    const std::string school = a.viewer.session.school;
    if (req.path.ends_with("/ta-bort")) {
        const auto id = integer(form, "id");
        if (!id) return error_page(req, 400, "error_400");
        const auto outcome = s_.studietider.remove_contact(a.viewer, school, *id, client(req), now());
        if (const auto* no = std::get_if<st::Refused>(&outcome)) return st_refused(a, req, *no);
        return Response::redirect(std::string(kBase) + "?m=kontakt-bort");
    }
    SchoolContact c{0, SchoolCode{school}, form.get("namn"), form.get("roll"), form.get("epost"), form.get("telefon")};
    const auto outcome = s_.studietider.add_contact(a.viewer, school, c, client(req), now());
    if (std::holds_alternative<st::Saved>(outcome)) return Response::redirect(std::string(kBase) + "?m=kontakt");
    if (std::holds_alternative<st::Refused>(outcome)) return st_forbidden(a, req);
    Data d{Data::type::object};
    d.set("contact_error", views_.t(a.lang, "st_contact_invalid"));
    d.set("c_name", c.name);
    d.set("c_role", c.role);
    d.set("c_email", c.email);
    d.set("c_phone", c.phone);
    return st_list_page(a, req, 422, std::move(d));
}

// ---- The school's file: download, preview, save ------------------------------------------------------

namespace {

std::string_view file_problem_key(st::file::FileProblem p) {
    switch (p) {
        case st::file::FileProblem::unreadable: return "st_file_unreadable";
        case st::file::FileProblem::empty: return "st_file_empty";
        case st::file::FileProblem::too_many_rows: return "st_file_too_many";
        case st::file::FileProblem::missing_columns: return "st_file_columns";
    }
    return "st_file_unreadable";
}

}  // namespace

std::string StudietiderPages::st_file_refusal(const std::string& lang, const st::file::FileRefused& no) const {
    std::string columns;
    for (auto c : no.missing) columns += (columns.empty() ? "" : ", ") + std::string(st::file::header_of(c));
    return views_.t(lang, file_problem_key(no.problem),
                    {{"max", std::to_string(st::file::kMaxRows)}, {"columns", columns}});
}

Response StudietiderPages::st_file_download(Request& req, Authed& a) {
    const std::string school = a.viewer.session.school;
    auto text = s_.studietider.file(a.viewer, school);
    if (std::holds_alternative<st::Refused>(text)) return st_forbidden(a, req);
    Response res;
    res.content_type = "text/csv; charset=utf-8";
    res.body = std::move(std::get<std::string>(text));
    // The school code is letters, digits, - and _ (validated when the school was added).
    res.header("Content-Disposition",
               "attachment; filename=\"studietider-" + school + "-" + to_string(today()) + ".csv\"");
    res.header("Cache-Control", "no-store");
    return res;
}

Response StudietiderPages::st_file_page(const Authed& a, const std::string& file, const std::string& filename,
                                        const st::file::Plan& plan, bool changed) {
    const std::string& lang = a.lang;
    Data d{Data::type::object};
    d.set("school_name", a.viewer.chosen()->school.name);
    d.set("filename", filename);
    d.set("file", file);
    d.set("plan", plan.fingerprint);
    if (changed) d.set("changed", views_.t(lang, "st_file_changed"));
    const int added = plan.count(st::file::RowFate::added);
    const int altered = plan.count(st::file::RowFate::changed);
    const int unchanged = plan.count(st::file::RowFate::unchanged);
    const int refused = plan.count(st::file::RowFate::refused);
    d.set("summary", views_.t(lang, "st_file_summary",
                              {{"rows", std::to_string(plan.rows.size())},
                               {"new", std::to_string(added)},
                               {"changed", std::to_string(altered)},
                               {"unchanged", std::to_string(unchanged)},
                               {"refused", std::to_string(refused)}}));
    d.set("can_save", plan.savable());
    d.set("any_refused", refused > 0);
    d.set("nothing_to_do", refused == 0 && added + altered == 0);
    d.set("save_label", views_.t_count(lang, "st_file_save", added + altered));
    const auto column_name = [](st::file::Column c) { return std::string(st::file::header_of(c)); };
    Data rows{Data::type::list};
    for (const auto& r : plan.rows) {
        Data row{Data::type::object};
        row.set("line", std::to_string(r.line));
        row.set("code", r.code);
        row.set("name", r.name);
        row.set("label", r.label);
        std::string fate;
        switch (r.fate) {
            case st::file::RowFate::added: fate = views_.t(lang, "st_file_fate_new"); break;
            case st::file::RowFate::changed: fate = views_.t(lang, "st_file_fate_changed"); break;
            case st::file::RowFate::unchanged: fate = views_.t(lang, "st_file_fate_unchanged"); break;
            case st::file::RowFate::refused: fate = views_.t(lang, "st_file_fate_refused"); break;
        }
        row.set("fate", fate);
        row.set("refused", r.fate == st::file::RowFate::refused);
        std::vector<std::string> notes;
        if (r.education_added) notes.push_back(views_.t(lang, "st_file_does_education_new"));
        if (r.education_changed) notes.push_back(views_.t(lang, "st_file_does_education_changed"));
        if (r.period_added) notes.push_back(views_.t(lang, "st_file_does_period_new", {{"label", r.label}}));
        if (r.period_changed) notes.push_back(views_.t(lang, "st_file_does_period_changed", {{"label", r.label}}));
        if (r.period_published) notes.push_back(views_.t(lang, "st_file_does_published"));
        for (const auto& issue : r.issues) {
            notes.push_back(std::visit(
                Overloaded{[&](const st::file::BadValue& b) {
                               return views_.t(lang, "st_file_bad_value", {{"column", column_name(b.column)}});
                           },
                           [&](const st::EducationProblem& p) { return views_.t(lang, education_problem_key(p)); },
                           [&](const st::PeriodError& e) { return period_error_text(views_, lang, e); },
                           [&](const st::file::DiffersFrom& f) {
                               return views_.t(lang, "st_file_differs", {{"line", std::to_string(f.line)}});
                           },
                           [&](const st::file::EducationWithdrawn&) { return views_.t(lang, "st_file_withdrawn"); },
                           [&](const st::file::DuplicatePeriod& f) {
                               return views_.t(lang, "st_file_duplicate", {{"line", std::to_string(f.line)}});
                           },
                           [&](const st::file::AmbiguousLabel&) { return views_.t(lang, "st_file_ambiguous"); },
                           [&](const st::file::OverlapsPeriod& o) {
                               return views_.t(lang, "st_overlaps", {{"label", o.label}});
                           }},
                issue));
        }
        for (auto w : r.education_warnings)
            if (w == st::EducationWarning::contract_education) notes.push_back(views_.t(lang, "st_contract_hint"));
        for (auto m : r.marks) notes.push_back(views_.t(lang, mark_key(m)));
        for (auto q : r.questions) notes.push_back(views_.t(lang, question_key(q)));
        Data list{Data::type::list};
        for (auto& n : notes) list.push_back(Data{n});
        row.set("notes", list);
        rows.push_back(row);
    }
    d.set("rows", rows);
    d.set("any_questions", std::any_of(plan.rows.begin(), plan.rows.end(),
                                       [](const auto& r) { return !r.questions.empty() && r.issues.empty(); }));
    return authed_page(a, "st_file", views_.t(lang, "st_file_heading"), std::move(d), kBase);
}

Response StudietiderPages::st_file_upload(Request& req, Authed& a, Multipart& parts) {
    const std::string school = a.viewer.session.school;
    const auto file = parts.files.find("fil");
    const std::string text = file == parts.files.end() ? std::string() : csv::to_utf8(file->second.data);
    auto planned = s_.studietider.plan_file(a.viewer, school, text, today());
    if (std::holds_alternative<st::Refused>(planned)) return st_forbidden(a, req);
    if (const auto* no = std::get_if<st::file::FileRefused>(&planned)) {
        Data d{Data::type::object};
        d.set("file_error", st_file_refusal(a.lang, *no));
        return st_list_page(a, req, 422, std::move(d));
    }
    const auto& plan = std::get<st::file::Plan>(planned);
    Response res =
        st_file_page(a, text, file == parts.files.end() ? std::string() : file->second.filename, plan, false);
    if (!plan.savable() && plan.count(st::file::RowFate::refused) > 0) res.status = 422;
    return res;
}

Response StudietiderPages::st_file_save(Request& req, Authed& a, Form& form) {
    const std::string school = a.viewer.session.school;
    const std::string file = form.get("fil");
    const auto outcome = s_.studietider.save_file(a.viewer, school, file, form.get("plan"), client(req), now());
    return std::visit(Overloaded{[&](const st::FileSaved& done) {
                                     return Response::redirect(
                                         std::string(kBase) +
                                         "?m=fil&nya=" + std::to_string(done.educations_added + done.periods_added) +
                                         "&andrade=" + std::to_string(done.educations_changed + done.periods_changed) +
                                         "&publicerade=" + std::to_string(done.periods_published));
                                 },
                                 [&](const st::FilePlanChanged& changed) {
                                     Response res = st_file_page(a, file, form.get("filnamn"), changed.plan, true);
                                     res.status = 409;
                                     return res;
                                 },
                                 [&](const st::FileNotSavable& not_savable) {
                                     Response res = st_file_page(a, file, form.get("filnamn"), not_savable.plan, false);
                                     res.status = 422;
                                     return res;
                                 },
                                 [&](const st::file::FileRefused& no) {
                                     Data d{Data::type::object};
                                     d.set("file_error", st_file_refusal(a.lang, no));
                                     return st_list_page(a, req, 422, std::move(d));
                                 },
                                 [&](const st::Refused&) { return st_forbidden(a, req); }},
                      outcome);
}

// ---- Ansök om studiemedel: the published study times, for anyone ------------------------------------

namespace {

/// "sida" as a page from 1: anything else is the first page.
int page_number(const std::string& text) {
    if (text.size() > 4 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return 1;
    return std::max<int>(1, static_cast<int>(integer(text).value_or(1)));
}

}  // namespace

Response StudietiderPages::st_public_cached(Request& req, const std::string& key, std::string_view content_type,
                                            const std::function<std::string(std::int64_t&)>& render) {
    // The data's generation: a page made at it is still right, and so is a browser's copy tagged
    // with it (no-cache: the browser asks each time, and gets a 304 while nothing changed). The tag
    // names the rules too (studietider::kRulesVersion): the same data counted by corrected rules
    // after an upgrade is a new page, not a 304 for the copy a browser kept.
    const std::int64_t generation = s_.studietider.search_generation();
    const auto tag = [&key](std::int64_t g) {
        char hash[17];
        std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(key));
        return "\"r" + std::to_string(st::kRulesVersion) + "-" + std::to_string(g) + "-" + hash + "\"";
    };
    Response res;
    res.content_type = std::string(content_type);
    res.header("Cache-Control", "public, no-cache");
    if (req.header("if-none-match") == tag(generation)) {
        res.status = 304;
        res.header("ETag", tag(generation));
        return res;
    }
    if (auto page = public_pages_.get(key, generation)) {
        res.body = std::move(*page);
        res.header("ETag", tag(generation));
        return res;
    }
    std::int64_t made_at = generation;
    res.body = render(made_at);
    public_pages_.put(key, made_at, res.body);
    res.header("ETag", tag(made_at));
    return res;
}

Response StudietiderPages::st_public(Request& req) {
    const std::string lang = pick_language(req, {});
    auto q = Form::parse(req.query).value_or(Form{});
    const std::string key = "page\x1f" + lang + "\x1f" + q.get("q") + "\x1f" + q.get("termin") + "\x1f" +
                            std::to_string(page_number(q.get("sida")));
    return st_public_cached(req, key, "text/html; charset=utf-8",
                            [&](std::int64_t& generation) { return st_public_page(req, lang, q, generation); });
}

std::string StudietiderPages::st_public_page(Request& req, const std::string& lang, const Form& q,
                                             std::int64_t& generation) {
    const std::string text = q.get("q");
    const std::string term = q.get("termin");
    Data d{Data::type::object};
    d.set("title", views_.t(lang, "st_public_heading"));
    d.set("q", text);
    d.set("term", term);
    d.set("agency_lower", mina::text::lower_ascii(ctx_.site.agency_name));
    d.set("asset_version", ctx_.asset_version());
    d.set("path", req.path);
    const bool asked = !text.empty() || !term.empty();
    const auto results =
        asked ? s_.studietider.search_caught_up(text, term, page_number(q.get("sida"))) : st::PublicResults{};
    Data hits{Data::type::list};
    bool any_no_aid = false;  // then the page says what "ger inte rätt till studiemedel" means
    {
        for (const auto& hit : results.hits) {
            const auto& e = hit.education;
            Data item{Data::type::object};
            item.set("school", hit.school_name);
            item.set("school_code", e.school.value());
            item.set("code", e.code);
            item.set("name", e.name);
            item.set("unit", views_.t(lang, "st_unit_" + std::string(st::to_string(e.unit))));
            item.set("distance", e.distance);
            Data periods{Data::type::list};
            for (const auto& p : hit.periods) {
                Data row{Data::type::object};
                row.set("label", p.input.label);
                row.set("first", to_string(p.input.first));
                row.set("last", to_string(p.input.last));
                row.set("weeks", std::to_string(p.weeks));
                row.set("pace", views_.t(lang, "st_pace_" + std::string(st::to_string(p.pace))));
                row.set("no_aid", p.pace == st::Pace::none || p.paid_weeks == 0);
                any_no_aid = any_no_aid || p.pace == st::Pace::none || p.paid_weeks == 0;
                std::string why;
                for (auto m : p.marks) why += (why.empty() ? "" : " ") + views_.t(lang, mark_key(m));
                row.set("no_aid_why", why.empty() ? views_.t(lang, "st_public_no_aid") : why);
                periods.push_back(row);
            }
            item.set("periods", periods);
            hits.push_back(item);
        }
    }
    const std::string query = "q=" + url_encode(text) + "&termin=" + url_encode(term);
    d.set("json_href",
          "/api/v1/utbildningar?" + query + (results.page > 1 ? "&sida=" + std::to_string(results.page) : ""));
    d.set("searched", results.searched);
    d.set("no_words", asked && !results.searched);
    d.set("none_found", results.searched && hits.is_empty_list());
    if (results.total > 0) d.set("found", views_.t_count(lang, "st_public_found", results.total));
    d.set("hits", hits);
    d.set("any_no_aid", any_no_aid);
    if (results.page > 1) {
        d.set("previous_href",
              "/studiemedel?" + query + (results.page > 2 ? "&sida=" + std::to_string(results.page - 1) : ""));
    }
    if (results.more) d.set("next_href", "/studiemedel?" + query + "&sida=" + std::to_string(results.page + 1));
    if (results.page > 1 || results.more)
        d.set("page_label", views_.t(lang, "st_public_page", {{"page", std::to_string(results.page)}}));
    if (results.searched) generation = results.generation;
    return views_.page("st_public", lang, std::move(d));
}

Response StudietiderPages::st_public_api(Request& req) {
    auto q = Form::parse(req.query);
    if (!q) return Response::json_error(400, "the query string cannot be read");
    const std::string key =
        "api\x1f" + q->get("q") + "\x1f" + q->get("termin") + "\x1f" + std::to_string(page_number(q->get("sida")));
    return st_public_cached(req, key, "application/json; charset=utf-8",
                            [&](std::int64_t& generation) { return st_public_json(*q, generation); });
}

std::string StudietiderPages::st_public_json(const Form& q, std::int64_t& generation) {
    namespace json = boost::json;
    json::array educations;
    const auto results = s_.studietider.search_caught_up(q.get("q"), q.get("termin"), page_number(q.get("sida")));
    if (results.searched) generation = results.generation;
    for (const auto& hit : results.hits) {
        const auto& e = hit.education;
        json::array periods;
        for (const auto& p : hit.periods) {
            json::array why;
            for (auto m : p.marks) why.push_back(json::value(std::string(mark_code(m))));
            periods.push_back(json::object{
                {"label", p.input.label},
                {"first_day", to_string(p.input.first)},
                {"last_day", to_string(p.input.last)},
                {"credits", p.input.credits ? json::value(st::to_string(*p.input.credits)) : json::value(nullptr)},
                {"study_weeks", p.weeks},
                {"pace_percent", st::percent(p.pace)},
                {"paid_weeks", p.paid_weeks},
                {"no_student_aid", std::move(why)},
                {"version", p.version},
                {"published_at", format_iso(p.published_at)}});
        }
        educations.push_back(json::object{
            {"school", json::object{{"code", e.school.value()}, {"name", hit.school_name}}},
            {"code", e.code},
            {"name", e.name},
            {"level", std::string(st::to_string(e.level))},
            {"credit_unit", std::string(st::to_string(e.unit))},
            {"total_credits", e.total_credits ? json::value(st::to_string(*e.total_credits)) : json::value(nullptr)},
            {"distance", e.distance},
            {"contract_education", e.contract},
            {"study_periods", std::move(periods)}});
    }
    return json::serialize(
        json::object{{"educations", std::move(educations)},
                     {"total", results.total},
                     {"page", results.page},
                     {"next_page", results.more ? json::value(results.page + 1) : json::value(nullptr)}});
}

StudietiderPages::StudietiderPages(PageContext& ctx, Services s)
    : Pages(ctx), s_(s), public_pages_(s.search_cache_pages) {}

void StudietiderPages::add_routes(Router& r) {
    r.add("GET", "/tjanster/studietider", this, &StudietiderPages::service_studietider);
    r.add("GET", "/tjanster/studietider/utbildning", this, &StudietiderPages::st_education);
    r.add("POST", "/tjanster/studietider/utbildning/ny", this, &StudietiderPages::st_save_education);
    r.add("POST", "/tjanster/studietider/utbildning/andra", this, &StudietiderPages::st_save_education);
    r.add("POST", "/tjanster/studietider/utbildning/aterkalla", this, &StudietiderPages::st_withdraw_education);
    r.add("POST", "/tjanster/studietider/studietid", this, &StudietiderPages::st_save_period);
    r.add("POST", "/tjanster/studietider/studietid/publicera", this, &StudietiderPages::st_period_action);
    r.add("POST", "/tjanster/studietider/studietid/aterkalla", this, &StudietiderPages::st_period_action);
    r.add("POST", "/tjanster/studietider/kontakt", this, &StudietiderPages::st_contact);
    r.add("GET", "/tjanster/studietider/fil", this, &StudietiderPages::st_file_download);
    r.add("POST", "/tjanster/studietider/fil", this, &StudietiderPages::st_file_upload);
    r.add("POST", "/tjanster/studietider/fil/spara", this, &StudietiderPages::st_file_save)
        .large();  // the file rides along
    // Ansök om studiemedel reads an index in memory and pages kept rendered: on the I/O thread.
    r.add("GET", "/studiemedel", this, &StudietiderPages::st_public).on_io();
    r.add("GET", "/api/v1/utbildningar", this, &StudietiderPages::st_public_api).on_io();
    r.add("POST", "/tjanster/studietider/kontakt/ta-bort", this, &StudietiderPages::st_contact);
}

}  // namespace mina::web
