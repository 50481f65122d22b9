// Studeranderapportering (issue [6]): the chosen school's reports about its students, for the
// people granted `studeranderapportering` there; the school admin's API keys; the agency's view;
// and the reporting API. Every handler asks reports::Service, which checks the grant again.
#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "core/reports/service.hpp"
#include "web/reports_api.hpp"
#include "web/reports_pages.hpp"

#include <malloc.h>

namespace mina::web {

namespace {

constexpr std::string_view kBase = "/tjanster/studeranderapportering";

constexpr std::array<reports::Kind, 13> kKinds{
    reports::Kind::study_start,    reports::Kind::term_study_time,    reports::Kind::holiday,
    reports::Kind::absence_start,  reports::Kind::absence_end,        reports::Kind::planned_break,
    reports::Kind::changed_extent, reports::Kind::changed_study_time, reports::Kind::discontinued,
    reports::Kind::changed_school, reports::Kind::not_started,        reports::Kind::unauthorised_absence,
    reports::Kind::study_result};

/// Mustache takes an empty string for true: a value a section tests is set only when it is there.
void set_if(Data& d, const std::string& key, const std::string& value) {
    if (!value.empty()) d.set(key, value);
}

std::string underscored(std::string_view name) {
    std::string out(name);
    std::replace(out.begin(), out.end(), '-', '_');
    return out;
}

/// A count as a reader of `lang` writes it: "200 000" (a no-break space) in Swedish, "200,000" in English.
std::string grouped(std::int64_t n, const std::string& lang) {
    const std::string digits = std::to_string(n);
    const std::string mark = lang == "sv" ? "\u00A0" : ",";
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += mark;
        out += digits[i];
    }
    return out;
}

std::int64_t number_from(const std::string& text) {
    if (text.empty() || text.size() > 18 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return 0;
    return integer(text).value_or(0);
}

int page_from(const std::string& text) {
    const auto n = number_from(text);
    return n < 1 || n > 100000 ? 1 : static_cast<int>(n);
}

/// A search's filters. The personal ones (a personal number, a name) only from a form's body, never
/// from a query string: they must not travel in a URL (SPEC §4), so one put there is ignored.
reports::ListQuery list_query(const Form& q, bool from_body) {
    reports::ListQuery out;
    if (from_body) {
        out.number = q.get("personnummer");
        out.name = q.get("namn");
    }
    out.education = q.get("utbildning");
    out.period = q.get("studieperiod");
    out.kind = q.get("handelse");
    out.month = q.get("manad");
    out.school = q.get("skola");
    out.page = page_from(q.get("sida"));
    return out;
}

/// The school list's search, field by field, as its forms send it on (paging, the export).
std::vector<std::pair<std::string, std::string>> search_fields(const reports::ListQuery& query) {
    return {{"personnummer", query.number},
            {"namn", query.name},
            {"utbildning", query.education},
            {"studieperiod", query.period},
            {"handelse", query.kind}};
}

/// Which of an event's fields a form shows: show_<field> when the kind asks for it, and
/// <field>_optional when it may be left empty (reports::fields_of, the table the checks read).
void set_need(Data& d, const std::string& prefix, const reports::KindFields& need) {
    const auto one = [&](const char* field, reports::Need n) {
        d.set(prefix + "show_" + field, n != reports::Need::no);
        d.set(prefix + field + "_optional", n == reports::Need::optional);
    };
    one("last", need.last);
    one("pace", need.pace);
    one("credits", need.credits);
    one("hours", need.hours);
    one("passed", need.passed);
    d.set(prefix + "result_one_of", need.passed == reports::Need::one_of);
}

reports::Fields fields_from(const Form& f) {
    reports::Fields out;
    for (const auto& n : reports::field_names()) out.*(n.member) = f.get(n.name);
    out.enrollment = number_from(f.get("inskrivning"));
    return out;
}

}  // namespace

std::string ReportsPages::sr_message(const std::string& lang, const std::string& code) const {
    const auto bar = code.find('|');
    const std::string head = code.substr(0, bar);
    std::string detail = bar == std::string::npos ? std::string() : code.substr(bar + 1);
    if (head == "conflict.ended") detail = views_.t(lang, "sr_state_" + underscored(detail));
    if (head == "problem.support_differs") detail = views_.t(lang, "sr_support_" + detail);
    std::string key = "sr_" + head;
    std::replace(key.begin(), key.end(), '.', '_');
    return views_.t(lang, key, {{"detail", detail}});
}

Response ReportsPages::sr_forbidden(const Authed& a, Request& req) {
    return service_forbidden(a, req, "service_studeranderapportering");
}

Response ReportsPages::sr_denied(const Authed& a, Request& req, const reports::Denied& no) {
    if (no.why == reports::Refusal::not_allowed) return sr_forbidden(a, req);
    return error_page(req, 404, "error_404");
}

Data ReportsPages::sr_kind_options(const std::string& lang, const std::string& chosen, bool any) const {
    Data list{Data::type::list};
    if (any) {
        Data item{Data::type::object};
        item.set("value", "");
        item.set("label", views_.t(lang, "sr_any_kind"));
        item.set("selected", chosen.empty());
        list.push_back(item);
    }
    for (auto k : kKinds) {
        const std::string v(reports::to_string(k));
        Data item{Data::type::object};
        item.set("value", v);
        item.set("label", views_.t(lang, "sr_kind_" + underscored(v)));
        item.set("selected", v == chosen);
        list.push_back(item);
    }
    return list;
}

/// Step 1 of a report: every event as a radio button, with what it asks for.
Data ReportsPages::sr_kind_choices(const std::string& lang, const std::string& chosen) const {
    Data list{Data::type::list};
    for (auto k : kKinds) {
        const std::string v(reports::to_string(k));
        Data item{Data::type::object};
        item.set("value", v);
        item.set("label", views_.t(lang, "sr_kind_" + underscored(v)));
        item.set("about", views_.t(lang, "sr_format_rules_" + underscored(v)));
        item.set("selected", v == chosen);
        list.push_back(item);
    }
    return list;
}

/// The report form's choices and what was typed (`f`), with its errors.
void ReportsPages::sr_form_data(const Authed& a, Data& d, const reports::Fields& f,
                                const std::vector<std::string>& errors,
                                const std::map<std::string, std::string>& field_errors) {
    const std::string& lang = a.lang;
    for (const auto& n : reports::field_names()) d.set("f_" + std::string(n.name), f.*(n.member));
    d.set("kinds", sr_kind_options(lang, f.kind, false));
    // The event chosen (step 1) and the fields it asks for (step 2), from the core's one table.
    if (const auto kind = reports::read_kind(f.kind)) {
        const std::string v(reports::to_string(*kind));
        d.set("kind_chosen", true);
        d.set("kind_value", v);
        d.set("kind_label", views_.t(lang, "sr_kind_" + underscored(v)));
        d.set("kind_about", views_.t(lang, "sr_format_rules_" + underscored(v)));
        set_need(d, "", reports::fields_of(*kind));
    }
    Data supports{Data::type::list};
    for (auto s : {reports::Support::studiemedel, reports::Support::studiehjalp, reports::Support::studiestartsstod,
                   reports::Support::omstallningsstudiestod}) {
        const std::string v(reports::to_string(s));
        Data item{Data::type::object};
        item.set("value", v);
        item.set("label", views_.t(lang, "sr_support_" + v));
        item.set("selected", v == f.support);
        supports.push_back(item);
    }
    d.set("supports", supports);
    Data paces{Data::type::list};
    for (const char* p : {"", "100", "75", "50"}) {
        Data item{Data::type::object};
        item.set("value", std::string(p));
        item.set("label", *p ? views_.t(lang, "st_pace_" + std::string(p)) : views_.t(lang, "sr_unchanged"));
        item.set("selected", f.pace == p);
        paces.push_back(item);
    }
    d.set("paces", paces);
    Data passed{Data::type::list};
    for (const char* p : {"", "ja", "nej"}) {
        Data item{Data::type::object};
        item.set("value", std::string(p));
        item.set("label", views_.t(lang, *p ? "sr_passed_" + std::string(p) : std::string("sr_not_given")));
        item.set("selected", f.passed == p);
        passed.push_back(item);
    }
    d.set("passed_options", passed);
    Data errs{Data::type::list};
    for (const auto& e : errors) errs.push_back(Data{e});
    d.set("errors", errs);
    d.set("has_errors", !errors.empty());
    for (const auto& [field, message] : field_errors) {
        d.set("err_" + field, message);
        d.set("invalid_" + field, true);
    }
}

/// The school's reports and their search. The search is a form sent by POST (with the CSRF token),
/// and so are its pages and its export: a personal number or a name never travels in a URL, a log
/// line or a Referer (SPEC §4). A GET lists by the other filters only.
Response ReportsPages::sr_list(Request& req, Authed& a, Form& q) {
    const bool posted = req.method == "POST";
    const std::string school = a.viewer.session.school;
    const auto query = list_query(q, posted);
    auto listed = s_.reports.list(a.viewer, school, query, client(req), now());
    if (auto* no = std::get_if<reports::Denied>(&listed)) return sr_denied(a, req, *no);
    const auto& view = std::get<reports::ListView>(listed);
    const std::string& lang = a.lang;
    Data d{Data::type::object};
    d.set("school_name", a.viewer.chosen() ? a.viewer.chosen()->school.name : school);
    // The search as typed, in its form, and carried along (hidden) by the pages' and export's forms.
    Data carried{Data::type::list};
    for (const auto& [name, value] : search_fields(query)) {
        d.set("q_" + name, value);
        if (value.empty()) continue;
        Data field{Data::type::object};
        field.set("name", name);
        field.set("value", value);
        carried.push_back(field);
    }
    d.set("search_fields", carried);
    d.set("kinds", sr_kind_options(lang, query.kind, true));
    if (view.number_problem) {
        reports::RowPlan asked;
        asked.number = view.number_problem;
        d.set("number_error", sr_message(lang, reports::error_codes(asked).front().message));
    }
    Data rows{Data::type::list};
    for (const auto& r : view.rows) {
        const auto& ev = r.row.report.event;
        Data row{Data::type::object};
        row.set("id", std::to_string(ev.id));
        row.set("student", std::to_string(r.row.student.id));
        row.set("number", r.row.student.protected_identity ? views_.t(lang, "sr_protected") : r.number);
        row.set("name", r.row.student.name);
        row.set("education", r.row.education_code);
        row.set("period", r.row.period_label);
        row.set("kind", views_.t(lang, "sr_kind_" + underscored(reports::to_string(ev.kind))));
        row.set("day", to_string(ev.day));
        set_if(row, "last", ev.last ? to_string(*ev.last) : std::string());
        row.set("correction", ev.supersedes != 0);
        row.set("reported", when(a.lang, r.row.report.reported_at));
        rows.push_back(row);
    }
    d.set("rows", rows);
    d.set("no_rows", rows.is_empty_list());
    d.set("total", std::to_string(view.total));
    d.set("page", std::to_string(view.page));
    if (view.more) d.set("next", std::to_string(view.page + 1));
    if (view.page > 1) d.set("prev", std::to_string(view.page - 1));
    d.set("may_manage_keys", a.viewer.may(authz::Action::manage_api_keys, school));
    if (!posted && q.get("m") == "nyckel") d.set("flash", views_.t(lang, "sr_key_revoked"));
    return authed_page(a, "sr_list", views_.t(lang, "service_studeranderapportering"), std::move(d), kBase);
}

/// Step 1 (no event chosen, or ?byt=<event> to choose again): the events as a choice. Step 2
/// (?handelse=<event>): the form with that event's fields only.
Response ReportsPages::sr_new(Request& req, Authed& a) {
    const auto q = Form::parse(req.query).value_or(Form{});
    reports::Fields f;
    if (reports::read_kind(q.get("handelse"))) f.kind = q.get("handelse");
    Response res = sr_new_page(a, req, 200, f, {}, {}, q.get("byt"));
    return res;
}

Response ReportsPages::sr_new_page(const Authed& a, Request& req, int status, const reports::Fields& f,
                                   const std::vector<std::string>& errors,
                                   const std::map<std::string, std::string>& field_errors, const std::string& again) {
    const std::string school = a.viewer.session.school;
    auto educations = s_.reports.educations(a.viewer, school);
    if (auto* no = std::get_if<reports::Denied>(&educations)) return sr_denied(a, req, *no);
    Data d{Data::type::object};
    d.set("school_name", a.viewer.chosen() ? a.viewer.chosen()->school.name : school);
    const std::string& lang = a.lang;
    Data list{Data::type::list};
    // The study period chosen from the school's published periods, by education (the core takes a
    // published period's label, or none: the one the day falls in).
    Data groups{Data::type::list};
    bool period_listed = f.period.empty();
    std::string example;
    for (const auto& e : std::get<std::vector<reports::EducationInfo>>(educations)) {
        Data item{Data::type::object};
        item.set("value", e.code);
        item.set("label", e.code + " – " + e.name);
        item.set("selected", e.code == f.education);
        list.push_back(item);
        if (e.periods.empty()) continue;
        Data group{Data::type::object};
        group.set("label", e.code + " – " + e.name);
        group.set("code", e.code);
        Data options{Data::type::list};
        for (const auto& p : e.periods) {
            if (example.empty()) example = p.label;
            Data o{Data::type::object};
            o.set("value", p.label);
            o.set("label", p.label + " – " + e.name + " (" + to_string(p.first) + "–" + to_string(p.last) + ")");
            const bool chosen = !period_listed && p.label == f.period && (f.education.empty() || e.code == f.education);
            o.set("selected", chosen);
            period_listed = period_listed || chosen;
            options.push_back(o);
        }
        group.set("options", options);
        groups.push_back(group);
    }
    d.set("period_groups", groups);
    // A period typed elsewhere (an earlier form, a bookmark) that is not published: kept, and its error shown.
    if (!period_listed) d.set("period_other", f.period);
    d.set("period_hint", views_.t(lang, "sr_period_hint", {{"example", example.empty() ? "HT2026" : example}}));
    d.set("educations", list);
    d.set("no_educations", list.is_empty_list());
    sr_form_data(a, d, f, errors, field_errors);
    // Step 1 until an event is chosen; "Byt händelse" comes back here with it marked.
    if (!d.get("kind_chosen") || !again.empty()) {
        d.set("choose_kind", true);
        d.set("kinds", sr_kind_choices(lang, again.empty() ? f.kind : again));
    } else {
        d.set("change_kind_href", std::string(kBase) + "/ny?byt=" + d.get("kind_value")->string_value());
    }
    Response res = authed_page(a, "sr_new", views_.t(lang, "sr_new_heading"), std::move(d), kBase);
    res.status = status;
    return res;
}

Response ReportsPages::sr_report(Request& req, Authed& a, Form& form) {
    const std::string school = a.viewer.session.school;
    const auto f = fields_from(form);
    auto outcome = s_.reports.report(a.viewer, school, f, client(req), now());
    if (auto* no = std::get_if<reports::Denied>(&outcome)) return sr_denied(a, req, *no);
    if (auto* done = std::get_if<reports::Reported>(&outcome))
        return Response::redirect(std::string(kBase) + "/student?id=" + std::to_string(done->student) +
                                  (done->event ? "&m=sparad" : "&m=dubblett"));
    const auto& row = std::get<reports::RowPlan>(outcome);
    std::vector<std::string> errors;
    std::map<std::string, std::string> field_errors;
    for (const auto& e : reports::error_codes(row)) {
        std::string message = sr_message(a.lang, e.message);
        if (!e.field.empty() && !field_errors.contains(e.field)) field_errors[e.field] = message;
        errors.push_back(std::move(message));
    }
    if (f.enrollment != 0) {
        // From the student page: the page again, with the errors at its form.
        const auto given = number_from(form.get("student"));
        const auto student = given != 0 ? given : row.student;
        return sr_student_page(a, req, student, 422, f, errors, field_errors);
    }
    return sr_new_page(a, req, 422, f, errors, field_errors);
}

/// The student page; ?inskrivning=<id>&handelse=<event> opens that enrollment's form with the
/// event's fields (step 2 of "Rapportera en händelse" without script).
Response ReportsPages::sr_student(Request& req, Authed& a) {
    const auto q = Form::parse(req.query).value_or(Form{});
    reports::Fields f;
    if (reports::read_kind(q.get("handelse"))) {
        f.kind = q.get("handelse");
        f.enrollment = number_from(q.get("inskrivning"));
    }
    return sr_student_page(a, req, number_from(q.get("id")), 200, f, {}, {});
}

Response ReportsPages::sr_student_page(const Authed& a, Request& req, std::int64_t id, int status,
                                       const reports::Fields& f, const std::vector<std::string>& errors,
                                       const std::map<std::string, std::string>& field_errors) {
    const std::string school = a.viewer.session.school;
    auto result = s_.reports.student(a.viewer, school, id, client(req), now());
    if (auto* no = std::get_if<reports::Denied>(&result)) return sr_denied(a, req, *no);
    const auto& view = std::get<reports::StudentView>(result);
    const std::string& lang = a.lang;
    Data d{Data::type::object};
    d.set("id", std::to_string(view.student.id));
    d.set("student_id", std::to_string(view.student.id));
    // A protected identity is masked here too: neither number nor name (the service gives neither).
    d.set("number", view.student.protected_identity ? views_.t(lang, "sr_protected") : view.number);
    set_if(d, "name", view.student.name);
    d.set("protected", view.student.protected_identity);
    const auto q = Form::parse(req.query).value_or(Form{});
    if (q.get("m") == "sparad") d.set("flash", views_.t(lang, "sr_saved"));
    if (q.get("m") == "dubblett") d.set("flash", views_.t(lang, "sr_duplicate"));
    if (q.get("m") == "uppgifter") d.set("flash", views_.t(lang, "sr_student_saved"));
    Data enrollments{Data::type::list};
    for (const auto& ev : view.enrollments) {
        const auto& e = ev.enrollment;
        Data item{Data::type::object};
        item.set("id", std::to_string(e.id));
        item.set("enrollment_id", std::to_string(e.id));
        item.set("form_suffix", "-" + std::to_string(e.id));
        item.set("education", e.education_code + " – " + e.education_name);
        item.set("period", e.period_label + " (" + to_string(e.plan.first) + " – " + to_string(ev.standing.last) + ")");
        item.set("support", views_.t(lang, "sr_support_" + std::string(reports::to_string(e.plan.support))));
        item.set("state", views_.t(lang, "sr_state_" + underscored(reports::to_string(ev.standing.state))));
        item.set("pace", views_.t(lang, "st_pace_" + std::string(studietider::to_string(ev.standing.pace))));
        const bool here = f.enrollment == e.id && f.corrects.empty();
        item.set("form_here", here && reports::read_kind(f.kind).has_value());
        item.set("kinds_here", sr_kind_options(lang, here ? f.kind : std::string(), false));
        if (here)
            d.set("change_kind_href", std::string(kBase) + "/student?id=" + std::to_string(view.student.id) +
                                          "#enrollment-" + std::to_string(e.id));
        Data history{Data::type::list};
        for (const auto& r : ev.history) {
            const auto& x = r.event;
            Data h{Data::type::object};
            h.set("id", std::to_string(x.id));
            h.set("kind", views_.t(lang, "sr_kind_" + underscored(reports::to_string(x.kind))));
            h.set("kind_value", std::string(reports::to_string(x.kind)));
            set_need(h, "c_", reports::fields_of(x.kind));  // a correction asks for what its event does
            h.set("day", to_string(x.day));
            set_if(h, "last", x.last ? to_string(*x.last) : std::string());
            std::string what;
            if (x.pace) what += views_.t(lang, "st_pace_" + std::string(studietider::to_string(*x.pace))) + " ";
            if (x.credits) what += studietider::to_string(*x.credits) + " " + views_.t(lang, "sr_credits_short") + " ";
            if (x.hours) what += std::to_string(x.hours) + " " + views_.t(lang, "sr_hours_short") + " ";
            if (x.passed) what += views_.t(lang, *x.passed ? "sr_passed_ja" : "sr_passed_nej");
            h.set("what", what);
            h.set("pace_value", x.pace ? std::to_string(studietider::percent(*x.pace)) : std::string());
            h.set("credits_value", x.credits ? studietider::to_string(*x.credits) : std::string());
            h.set("hours_value", x.hours ? std::to_string(x.hours) : std::string());
            h.set("passed_value", x.passed ? std::string(*x.passed ? "ja" : "nej") : std::string());
            set_if(h, "supersedes", x.supersedes ? std::to_string(x.supersedes) : std::string());
            set_if(h, "reason", r.reason);
            h.set("superseded", ev.superseded.contains(x.id));
            if (f.enrollment == e.id && f.corrects == std::to_string(x.id)) {
                // A refused correction: its form open again, as it was typed, with the errors.
                h.set("correct_here", true);
                h.set("day", f.day);
                set_if(h, "last", f.last);
                h.set("pace_value", f.pace);
                h.set("credits_value", f.credits);
                h.set("hours_value", f.hours);
                h.set("passed_value", f.passed);
                h.set("correct_reason", f.reason);
            }
            h.set("who", r.reported_by_name.empty() ? r.reported_by : r.reported_by_name);  // a name, not a username
            h.set("when", when(a.lang, r.reported_at));
            h.set("channel", views_.t(lang, "sr_channel_" + std::string(to_string(r.channel))));
            history.push_back(h);
        }
        item.set("history", history);
        enrollments.push_back(item);
    }
    d.set("enrollments", enrollments);
    sr_form_data(a, d, f, errors, field_errors);
    const std::string title = !view.student.name.empty()        ? view.student.name
                              : view.student.protected_identity ? views_.t(lang, "sr_protected")
                                                                : view.number;
    Response res = authed_page(a, "sr_student", title, std::move(d), kBase);
    res.status = status;
    return res;
}

Response ReportsPages::sr_student_save(Request& req, Authed& a, Form& form) {
    const auto id = number_from(form.get("id"));
    auto done = s_.reports.set_student(a.viewer, a.viewer.session.school, id, form.get("namn"),
                                       form.get("skyddad") == "ja", client(req), now());
    if (auto* no = std::get_if<reports::Denied>(&done)) {
        if (no->why == reports::Refusal::protection_kept)
            return sr_student_page(a, req, id, 403, reports::Fields{}, {views_.t(a.lang, "sr_protection_agency_only")},
                                   {});
        return sr_denied(a, req, *no);
    }
    return Response::redirect(std::string(kBase) + "/student?id=" + std::to_string(id) + "&m=uppgifter");
}

/// The list's search as a CSV file: its form is sent by POST, as the search is (SPEC §4); a GET
/// exports by the filters that are not personal.
Response ReportsPages::sr_export(Request& req, Authed& a, Form& q) {
    const std::string school = a.viewer.session.school;
    auto text = s_.reports.export_csv(a.viewer, school, list_query(q, req.method == "POST"),
                                      q.get("fullstandiga") == "ja", client(req), now());
    if (auto* no = std::get_if<reports::Denied>(&text)) return sr_denied(a, req, *no);
    Response res;
    res.content_type = "text/csv; charset=utf-8";
    res.body = std::move(std::get<std::string>(text));
    res.header("Content-Disposition",
               "attachment; filename=\"rapporter-" + school + "-" + to_string(today()) + ".csv\"");
    res.header("Cache-Control", "no-store");
    return res;
}

// ---- Bulk reporting: the school's file --------------------------------------------------------------

Response ReportsPages::sr_file(Request& req, Authed& a) { return sr_file_page(a, req, 200, {}); }

/// The file's format in the reader's language: its columns (field_names(), as the reader finds
/// them), events and supports from the same tables the planner reads, and the example file.
Response ReportsPages::sr_format(Request& req, Authed& a) {
    auto example = s_.reports.example(a.viewer, a.viewer.session.school);
    if (auto* no = std::get_if<reports::Denied>(&example)) return sr_denied(a, req, *no);
    const std::string& lang = a.lang;
    Data d{Data::type::object};
    d.set("max_rows", views_.t(lang, "sr_format_max_rows", {{"n", grouped(reports::kMaxUploadRows, lang)}}));
    Data columns{Data::type::list};
    for (const auto& n : reports::field_names()) {
        Data column{Data::type::object};
        column.set("name", std::string(n.name));
        column.set("english", std::string(n.english));
        column.set("needed", views_.t(lang, "sr_format_needed_" + std::string(n.name)));
        column.set("about", views_.t(lang, "sr_format_about_" + std::string(n.name)));
        columns.push_back(column);
    }
    d.set("columns", columns);
    Data kinds{Data::type::list};
    for (auto k : kKinds) {
        const std::string key = underscored(reports::to_string(k));
        Data kind{Data::type::object};
        kind.set("value", std::string(reports::to_string(k)));
        kind.set("label", views_.t(lang, "sr_kind_" + key));
        kind.set("rules", views_.t(lang, "sr_format_rules_" + key));
        kinds.push_back(kind);
    }
    d.set("kinds", kinds);
    Data supports{Data::type::list};
    for (auto s : {reports::Support::studiemedel, reports::Support::studiehjalp, reports::Support::studiestartsstod,
                   reports::Support::omstallningsstudiestod}) {
        Data support{Data::type::object};
        support.set("value", std::string(reports::to_string(s)));
        support.set("label", views_.t(lang, "sr_support_" + std::string(reports::to_string(s))));
        supports.push_back(support);
    }
    d.set("supports", supports);
    // As a spreadsheet shows it: without the byte-order mark, lines ending in LF.
    std::string shown = std::get<std::string>(example);
    if (shown.starts_with("\xEF\xBB\xBF")) shown.erase(0, 3);
    std::erase(shown, '\r');
    d.set("example", shown);
    return authed_page(a, "sr_format", views_.t(lang, "sr_format_heading"), std::move(d), kBase);
}

/// The example file to download: what the format page shows, as a file the upload takes.
Response ReportsPages::sr_example(Request& req, Authed& a) {
    auto example = s_.reports.example(a.viewer, a.viewer.session.school);
    if (auto* no = std::get_if<reports::Denied>(&example)) return sr_denied(a, req, *no);
    Response res;
    res.content_type = "text/csv; charset=utf-8";
    res.body = std::move(std::get<std::string>(example));
    res.header("Content-Disposition", "attachment; filename=\"exempel-rapporter.csv\"");
    return res;
}

Response ReportsPages::sr_file_page(const Authed& a, Request& req, int status, const std::string& error) {
    const std::string school = a.viewer.session.school;
    auto listed = s_.reports.submissions(a.viewer, school);
    if (auto* no = std::get_if<reports::Denied>(&listed)) return sr_denied(a, req, *no);
    const std::string& lang = a.lang;
    Data d{Data::type::object};
    d.set("school_name", a.viewer.chosen() ? a.viewer.chosen()->school.name : school);
    if (!error.empty()) d.set("file_error", error);
    Data rows{Data::type::list};
    for (const auto& s : std::get<std::vector<Submission>>(listed)) {
        Data row{Data::type::object};
        row.set("id", std::to_string(s.id));
        row.set("when", when(a.lang, s.uploaded_at));
        row.set("who", s.uploaded_by);
        row.set("channel", views_.t(lang, "sr_channel_" + std::string(to_string(s.channel))));
        row.set("file", s.file_name);
        row.set("rows", std::to_string(s.rows));
        row.set("refused", std::to_string(s.refused));
        row.set("saved", std::to_string(s.saved));
        row.set("state", views_.t(lang, "sr_submission_" + underscored(to_string(s.state))));
        rows.push_back(row);
    }
    d.set("submissions", rows);
    d.set("no_submissions", rows.is_empty_list());
    Response res = authed_page(a, "sr_file", views_.t(lang, "sr_file_heading"), std::move(d), kBase);
    res.status = status;
    return res;
}

Response ReportsPages::sr_preview_page(const Authed& a, reports::Upload& up, const std::string& file,
                                       const std::string& filename, int status, bool changed) {
    const std::string& lang = a.lang;
    Data d{Data::type::object};
    set_if(d, "filename", filename);
    // The file as it came, in base64: what the save gets back is byte for byte what was checked,
    // whatever its encoding and line breaks (a browser would send raw bytes back changed).
    d.set("file", base64_encode(file));
    d.set("submission", std::to_string(up.submission));
    d.set("fingerprint", up.fingerprint);
    d.set("sha256", up.sha256);
    d.set("changed", changed);
    const auto& plan = up.plan;
    // In rows and people ("412 rader, 398 studerande, 3 rader med fel"); the checksum only on request.
    std::unordered_set<std::int64_t> students;
    for (const auto& r : plan.rows)
        if (r.student != 0) students.insert(r.student);
    const auto n_rows = static_cast<long long>(plan.rows.size());
    d.set(
        "summary",
        views_.t_count(lang, "sr_file_summary", n_rows,
                       {{"rows", views_.t_count(lang, "sr_file_rows", n_rows)},
                        {"students", views_.t_count(lang, "sr_file_students", static_cast<long long>(students.size()))},
                        {"errors", views_.t_count(lang, "sr_file_error_rows", plan.refused)},
                        {"accepted", std::to_string(plan.accepted)},
                        {"refused", std::to_string(plan.refused)},
                        {"duplicates", std::to_string(plan.duplicates)}}));
    d.set("any_accepted", plan.accepted > 0);
    d.set("any_refused", plan.refused > 0);
    d.set("all_good", plan.refused == 0 && plan.accepted > 0);
    // Every refused row and duplicate, and the first accepted ones (a file may have 100 000).
    constexpr int kAcceptedShown = 200;
    int accepted_shown = 0;
    Data rows{Data::type::list};
    for (const auto& r : plan.rows) {
        if (r.accepted() && accepted_shown++ >= kAcceptedShown) continue;
        Data row{Data::type::object};
        row.set("line", std::to_string(r.line));
        row.set("number", r.protected_identity ? views_.t(lang, "sr_protected") : r.masked);
        row.set("education", r.education);
        row.set("period", r.period);
        row.set("kind", r.problems.empty() || r.accepted()
                            ? views_.t(lang, "sr_kind_" + underscored(reports::to_string(r.event.kind)))
                            : std::string());
        row.set("day", r.event.day == Date{} ? std::string() : to_string(r.event.day));
        row.set("fate", views_.t(lang, r.accepted()  ? "sr_fate_accepted"
                                       : r.duplicate ? "sr_fate_duplicate"
                                                     : "sr_fate_refused"));
        row.set("refused", r.refused());
        Data notes{Data::type::list};
        for (const auto& e : reports::error_codes(r))
            if (e.message != "duplicate") notes.push_back(Data{sr_message(lang, e.message)});
        row.set("notes", notes);
        rows.push_back(row);
    }
    d.set("rows", rows);
    if (accepted_shown > kAcceptedShown)
        d.set("more_accepted", views_.t_count(lang, "sr_file_more", accepted_shown - kAcceptedShown));
    up.plan = reports::Plan{};  // all the page needs is in `d` now
    Response res = authed_page(a, "sr_preview", views_.t(lang, "sr_file_heading"), std::move(d), kBase);
    res.status = status;
    return res;
}

Response ReportsPages::sr_file_upload(Request& req, Authed& a, Multipart& parts) {
    const std::string school = a.viewer.session.school;
    const auto file = parts.files.find("fil");
    static const std::string kNone;
    const std::string& bytes = file == parts.files.end() ? kNone : file->second.data;
    const std::string filename = file == parts.files.end() ? std::string() : file->second.filename;
    auto up = s_.reports.preview(a.viewer, school, bytes, filename, client(req), now());
    if (auto* no = std::get_if<reports::Denied>(&up)) {
        if (no->why == reports::Refusal::not_allowed) return sr_forbidden(a, req);
        return sr_file_page(a, req, 422, sr_file_refusal(a.lang, *no));
    }
    return sr_preview_page(a, std::get<reports::Upload>(up), bytes, filename, 200, false);
}

std::string ReportsPages::sr_file_refusal(const std::string& lang, const reports::Denied& no) const {
    switch (no.why) {
        case reports::Refusal::unreadable: return views_.t(lang, "sr_file_unreadable", {{"line", no.detail}});
        case reports::Refusal::no_columns: return views_.t(lang, "sr_file_no_columns", {{"columns", no.detail}});
        case reports::Refusal::too_many_rows: return views_.t(lang, "sr_file_too_many_rows", {{"n", no.detail}});
        default: return views_.t(lang, "sr_file_gone");
    }
}

/// The preview's form is multipart (the file rides along as a field, in base64); a plain form is
/// read too. A field that is not base64 is no file that was checked: the service answers it as one
/// that was not (no_such_submission), after the grant.
Response ReportsPages::sr_file_save(Request& req, Authed& a, Form& form) {
    const std::string school = a.viewer.session.school;
    const std::string file = base64_decode(form.value("fil")).value_or(std::string());
    const auto mode = form.get("satt") == "godkanda" ? reports::SaveMode::good_rows : reports::SaveMode::all_or_nothing;
    auto outcome = s_.reports.save(a.viewer, school, number_from(form.get("inlamning")), file, mode, form.get("plan"),
                                   client(req), now());
    return std::visit(Overloaded{[&](const reports::UploadSaved& done) {
                                     return Response::redirect(std::string(kBase) + "/inlamning?id=" +
                                                               std::to_string(done.submission) + "&m=sparad");
                                 },
                                 [&](reports::UploadChanged& changed) {
                                     return sr_preview_page(a, changed.upload, file, form.get("filnamn"), 409, true);
                                 },
                                 [&](reports::UploadNotSaved& not_saved) {
                                     return sr_preview_page(a, not_saved.upload, file, form.get("filnamn"), 422, false);
                                 },
                                 [&](const reports::Denied& no) {
                                     if (no.why == reports::Refusal::not_allowed) return sr_forbidden(a, req);
                                     return sr_file_page(a, req, 409, sr_file_refusal(a.lang, no));
                                 }},
                      outcome);
}

Response ReportsPages::sr_submission(Request& req, Authed& a) {
    const auto q = Form::parse(req.query).value_or(Form{});
    auto found = s_.reports.submission(a.viewer, a.viewer.session.school, number_from(q.get("id")));
    if (auto* no = std::get_if<reports::Denied>(&found)) return sr_denied(a, req, *no);
    const auto& s = std::get<Submission>(found);
    const std::string& lang = a.lang;
    Data d{Data::type::object};
    d.set("id", std::to_string(s.id));
    d.set("when", when(a.lang, s.uploaded_at));
    d.set("who", s.uploaded_by);
    d.set("channel", views_.t(lang, "sr_channel_" + std::string(to_string(s.channel))));
    d.set("file", s.file_name);
    d.set("sha256", s.sha256);
    d.set("rows", std::to_string(s.rows));
    d.set("accepted", std::to_string(s.accepted));
    d.set("refused", std::to_string(s.refused));
    d.set("duplicates", std::to_string(s.duplicates));
    d.set("saved", std::to_string(s.saved));
    d.set("state", views_.t(lang, "sr_submission_" + underscored(to_string(s.state))));
    if (q.get("m") == "sparad") d.set("flash", views_.t_count(lang, "sr_file_saved", s.saved));
    Data errors{Data::type::list};
    for (const auto& e : s.errors) {
        if (e.message == "duplicate") continue;
        Data item{Data::type::object};
        item.set("line", std::to_string(e.line));
        item.set("field", e.field);
        item.set("message", sr_message(lang, e.message));
        errors.push_back(item);
    }
    d.set("errors", errors);
    d.set("no_errors", errors.is_empty_list());
    return authed_page(a, "sr_submission", views_.t(lang, "sr_submission_heading", {{"id", std::to_string(s.id)}}),
                       std::move(d), kBase);
}

// ---- API keys (the school admin) ------------------------------------------------------------------

namespace {
/// The school whose keys: the Identity Manager's `kod`, or the chosen school.
std::string keys_school(const std::string& given, const portal::Viewer& v) {
    return given.empty() ? v.session.school : given;
}
}  // namespace

/// The question before a key is revoked, and what happens: its name and the day it was made.
std::pair<std::string, std::string> ReportsPages::sr_key_confirmation(const std::string& lang, const ApiKey& k) const {
    return {views_.t(lang, "sr_confirm_key_heading", {{"name", k.name}}),
            views_.t(lang, "sr_confirm_key_what",
                     {{"name", k.name}, {"created", when(lang, k.created_at, time::Form::day)}})};
}

Response ReportsPages::sr_keys_page(const Authed& a, Request& req, int status, Data d, const std::string& school) {
    auto listed = s_.reports.keys(a.viewer, school);
    if (std::holds_alternative<reports::Denied>(listed)) return sr_forbidden(a, req);
    Data rows{Data::type::list};
    for (const auto& k : std::get<std::vector<ApiKey>>(listed)) {
        Data row{Data::type::object};
        row.set("id", std::to_string(k.id));
        row.set("name", k.name);
        row.set("prefix", k.prefix);
        row.set("created", when(a.lang, k.created_at));
        row.set("created_by", k.created_by);
        row.set("used", k.last_used_at ? when(a.lang, *k.last_used_at) : std::string("–"));
        set_if(row, "revoked", k.revoked_at ? when(a.lang, *k.revoked_at) : std::string());
        const auto words = sr_key_confirmation(a.lang, k);
        row.set("confirm", words.first + " " + words.second);
        rows.push_back(row);
    }
    d.set("keys", rows);
    d.set("no_keys", rows.is_empty_list());
    d.set("school_code", school);
    std::string school_name = school;
    for (const auto& acc : a.viewer.access)
        if (acc.school.code.value() == school) school_name = acc.school.name;
    d.set("school_name", school_name);
    Response res = authed_page(a, "sr_keys", views_.t(a.lang, "sr_keys_heading"), std::move(d), kBase);
    res.status = status;
    return res;
}

Response ReportsPages::sr_keys(Request& req, Authed& a) {
    const auto q = Form::parse(req.query).value_or(Form{});
    Data d{Data::type::object};
    if (q.get("m") == "aterkallad") d.set("flash", views_.t(a.lang, "sr_key_revoked"));
    return sr_keys_page(a, req, 200, std::move(d), keys_school(q.get("kod"), a.viewer));
}

Response ReportsPages::sr_key_create(Request& req, Authed& a, Form& form) {
    const std::string school = keys_school(form.get("kod"), a.viewer);
    auto made = s_.reports.create_key(a.viewer, school, form.get("namn"), client(req), now());
    if (std::holds_alternative<reports::Denied>(made)) return sr_forbidden(a, req);
    Data d{Data::type::object};
    d.set("new_key", std::get<reports::NewKey>(made).secret);
    d.set("new_key_name", std::get<reports::NewKey>(made).key.name);
    return sr_keys_page(a, req, 200, std::move(d), school);
}

Response ReportsPages::sr_key_revoke(Request& req, Authed& a, Form& form) {
    const std::string school = keys_school(form.get("kod"), a.viewer);
    const auto id = number_from(form.get("id"));
    if (!confirmed(form)) {
        // Asked first, with the key's name and day ([10] item 2); nothing is revoked without bekrafta=ja.
        auto listed = s_.reports.keys(a.viewer, school);
        if (std::holds_alternative<reports::Denied>(listed)) return sr_forbidden(a, req);
        for (const auto& k : std::get<std::vector<ApiKey>>(listed))
            if (k.id == id && !k.revoked_at) {
                const auto words = sr_key_confirmation(a.lang, k);
                return confirm_page(a, req, form,
                                    Confirmation{words.first, words.second, views_.t(a.lang, "sr_key_revoke"),
                                                 std::string(kBase) + "/api-nycklar?kod=" + url_encode(school), kBase});
            }
        return error_page(req, 404, "error_404");
    }
    auto done = s_.reports.revoke_key(a.viewer, school, id, client(req), now());
    if (auto* no = std::get_if<reports::Denied>(&done)) {
        if (no->why == reports::Refusal::not_allowed) return sr_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    return Response::redirect(std::string(kBase) + "/api-nycklar?m=aterkallad&kod=" + url_encode(school));
}

// ---- The agency ----------------------------------------------------------------------------------

Response ReportsPages::sr_agency(Request& req, Authed& a) {
    const auto q = Form::parse(req.query).value_or(Form{});
    const std::string& lang = a.lang;
    std::string from = q.get("fran");
    if (from.size() != 7 || !parse_date(from + "-01")) {
        from = reports::month_of(today().add_days(-365));
    }
    auto counts = s_.reports.counts(a.viewer, from);
    if (std::holds_alternative<reports::Denied>(counts)) {
        ctx_.portal.record_refusal(a.viewer, std::string(req.path), client(req), now());
        return error_page(req, 403, "forbidden_service");
    }
    Data d{Data::type::object};
    d.set("from", from);
    Data rows{Data::type::list};
    for (const auto& c : std::get<std::vector<ReportCount>>(counts)) {
        Data row{Data::type::object};
        row.set("month", c.month);
        row.set("school", c.school_name + " (" + c.school.value() + ")");
        row.set("kind", views_.t(lang, "sr_kind_" + underscored(reports::to_string(c.kind))));
        row.set("count", std::to_string(c.count));
        rows.push_back(row);
    }
    d.set("counts", rows);
    d.set("no_counts", rows.is_empty_list());
    auto query = list_query(q, false);
    auto listed = s_.reports.agency_list(a.viewer, query, client(req), now());
    const auto& view = std::get<reports::ListView>(listed);
    Data list{Data::type::list};
    for (const auto& r : view.rows) {
        const auto& ev = r.row.report.event;
        Data row{Data::type::object};
        row.set("id", std::to_string(ev.id));
        row.set("school", r.row.school_name);
        row.set("number", r.row.student.protected_identity ? views_.t(lang, "sr_protected") : r.number);
        row.set("student", std::to_string(r.row.student.id));
        row.set("protected", r.row.student.protected_identity);
        row.set("education", r.row.education_code);
        row.set("period", r.row.period_label);
        row.set("kind", views_.t(lang, "sr_kind_" + underscored(reports::to_string(ev.kind))));
        row.set("day", to_string(ev.day));
        row.set("reported", when(a.lang, r.row.report.reported_at));
        list.push_back(row);
    }
    d.set("rows", list);
    d.set("no_rows", list.is_empty_list());
    d.set("total", std::to_string(view.total));
    d.set("q_skola", query.school);
    d.set("kinds", sr_kind_options(lang, query.kind, true));
    std::string search;
    for (const char* k : {"skola", "handelse", "fran"})
        if (!q.get(k).empty()) search += std::string("&") + k + "=" + url_encode(q.get(k));
    if (view.more) d.set("next", std::string(kBase) + "/myndighet?sida=" + std::to_string(view.page + 1) + search);
    if (view.page > 1) d.set("prev", std::string(kBase) + "/myndighet?sida=" + std::to_string(view.page - 1) + search);
    if (q.get("m") == "skyddad") d.set("flash", views_.t(lang, "sr_protection_set"));
    if (q.get("m") == "havd") d.set("flash", views_.t(lang, "sr_protection_lifted"));
    return authed_page(a, "sr_agency", views_.t(lang, "sr_agency_heading"), std::move(d),
                       std::string(kBase) + "/myndighet");
}

/// The agency sets or lifts a person's protected identity (a school can only set it).
Response ReportsPages::sr_agency_protection(Request& req, Authed& a, Form& form) {
    const bool protect = form.get("skyddad") == "ja";
    auto done = s_.reports.set_protection(a.viewer, number_from(form.get("student")), protect, client(req), now());
    if (auto* no = std::get_if<reports::Denied>(&done)) {
        if (no->why == reports::Refusal::not_allowed) {
            ctx_.portal.record_refusal(a.viewer, std::string(req.path), client(req), now());
            return error_page(req, 403, "forbidden_service");
        }
        return error_page(req, 404, "error_404");
    }
    return Response::redirect(std::string(kBase) + "/myndighet?m=" + (protect ? "skyddad" : "havd"));
}

// ---- The API --------------------------------------------------------------------------------------

namespace {

Response api_answer(int status, const boost::json::object& body) {
    Response res;
    res.status = status;
    res.content_type = "application/json; charset=utf-8";
    res.body = boost::json::serialize(body);
    res.header("Cache-Control", "no-store");
    return res;
}

std::string api_lang(const Request& req) { return req.header("accept-language").starts_with("en") ? "en" : "sv"; }

std::string api_secret(const Request& req) {
    if (const auto auth = req.header("authorization"); auth.starts_with("Bearer ")) return std::string(auth.substr(7));
    return {};
}

}  // namespace

std::optional<Response> ReportsPages::sr_api_admit(const Request& head, std::string_view school, bool verify) {
    const std::string lang = api_lang(head);
    const std::string secret = api_secret(head);
    std::optional<reports::Denied> no;
    if (secret.empty()) no = reports::Denied{reports::Refusal::key_refused};
    else if (verify) no = s_.reports.check_key(secret, std::string(school));
    if (!no) return std::nullopt;
    if (no->why == reports::Refusal::key_refused) {
        Response res = api_answer(401, {{"error", views_.t(lang, "sr_api_key_refused")}});
        res.header("WWW-Authenticate", "Bearer");
        return res;
    }
    return api_answer(403, {{"error", views_.t(lang, "sr_api_other_school")}});
}

Response ReportsPages::sr_api(Request& req, const Segments& segments) {
    namespace json = boost::json;
    const std::string lang = api_lang(req);
    const auto answer = [](int status, const json::object& body) { return api_answer(status, body); };
    if (req.method != "POST") {
        Response res = answer(405, {{"error", views_.t(lang, "sr_api_post_only")}});
        res.header("Allow", "POST");
        return res;
    }
    const std::string school(segments.get("code"));
    const std::string secret = api_secret(req);
    // The whole body is parsed into one arena (a 100 000-row call is a million small values) and
    // let go at once. Its first block is as large as the values of such a body need (about four
    // times its size): one mapping, given back whole, instead of blocks doubling in the heap whose
    // freed pages the plan would find scattered.
    json::monotonic_resource arena(4 * req.body.size() + 1024);
    const std::string sha256 = ctx_.tokens.sha256(req.body);
    auto read = read_api_body(req.body, &arena);
    std::string().swap(req.body);  // the packed rows are what is read from here on
    arena.release();
    (void)malloc_trim(0);  // it was read on an I/O thread, whose malloc arena would keep it
    if (const auto* problem = std::get_if<ApiBodyProblem>(&read))
        return answer(
            400,
            {{"error", views_.t(lang, *problem == ApiBodyProblem::bad_json ? "sr_api_bad_json" : "sr_api_bad_mode")}});
    ApiBody& body = std::get<ApiBody>(read);
    const auto row_at = [&body](std::size_t i) { return body.take(i); };
    auto outcome = s_.reports.api(secret, school, {body.size(), row_at}, body.mode, sha256, client(req), now());
    if (auto* no = std::get_if<reports::Denied>(&outcome)) {
        if (no->why == reports::Refusal::key_refused) {
            Response res = answer(401, {{"error", views_.t(lang, "sr_api_key_refused")}});
            res.header("WWW-Authenticate", "Bearer");
            return res;
        }
        if (no->why == reports::Refusal::too_many_rows)
            return answer(413, {{"error", views_.t(lang, "sr_file_too_many_rows", {{"n", no->detail}})}});
        return answer(403, {{"error", views_.t(lang, "sr_api_other_school")}});
    }
    const auto render = [&](int status, const reports::Plan& plan, std::int64_t submission, SubmissionState state,
                            int saved) {
        Response res;
        res.status = status;
        res.content_type = "application/json; charset=utf-8";
        res.body = api_answer_json(plan, submission, state, saved,
                                   [&](const std::string& code) { return sr_message(lang, code); });
        res.header("Cache-Control", "no-store");
        return res;
    };
    if (auto* not_saved = std::get_if<reports::UploadNotSaved>(&outcome))
        return render(422, not_saved->upload.plan, not_saved->upload.submission, SubmissionState::nothing_saved, 0);
    const auto& done = std::get<reports::UploadSaved>(outcome);
    return render(200, done.plan, done.submission, done.state, done.saved);
}

void ReportsPages::add_routes(Router& r) {
    r.add("GET", kBase, this, &ReportsPages::sr_list);
    r.add("POST", kBase, this, &ReportsPages::sr_list);
    r.add("GET", "/tjanster/studeranderapportering/ny", this, &ReportsPages::sr_new);
    r.add("POST", "/tjanster/studeranderapportering/rapport", this, &ReportsPages::sr_report);
    r.add("GET", "/tjanster/studeranderapportering/student", this, &ReportsPages::sr_student);
    r.add("POST", "/tjanster/studeranderapportering/student", this, &ReportsPages::sr_student_save);
    r.add("GET", "/tjanster/studeranderapportering/export", this, &ReportsPages::sr_export);
    r.add("POST", "/tjanster/studeranderapportering/export", this, &ReportsPages::sr_export);
    r.add("GET", "/tjanster/studeranderapportering/fil", this, &ReportsPages::sr_file);
    r.add("POST", "/tjanster/studeranderapportering/fil", this, &ReportsPages::sr_file_upload);
    r.add("GET", "/tjanster/studeranderapportering/fil/format", this, &ReportsPages::sr_format);
    r.add("GET", "/tjanster/studeranderapportering/fil/exempel", this, &ReportsPages::sr_example);
    r.add({"POST", "/tjanster/studeranderapportering/fil/spara", Gate::post_or_upload,
           [this](Call& c) { return sr_file_save(c.req, *c.who, *c.form); }})
        .large();
    r.add("GET", "/tjanster/studeranderapportering/inlamning", this, &ReportsPages::sr_submission);
    r.add("GET", "/tjanster/studeranderapportering/api-nycklar", this, &ReportsPages::sr_keys);
    r.add("POST", "/tjanster/studeranderapportering/api-nycklar", this, &ReportsPages::sr_key_create);
    r.add("POST", "/tjanster/studeranderapportering/api-nycklar/aterkalla", this, &ReportsPages::sr_key_revoke);
    r.add("GET", "/tjanster/studeranderapportering/myndighet", this, &ReportsPages::sr_agency);
    r.add("POST", "/tjanster/studeranderapportering/myndighet/skydd", this, &ReportsPages::sr_agency_protection);
    // The API answers every method (405 in JSON but for POST) and reads its key before the body.
    auto& api = r.add("*", "/api/v1/schools/{code}/reports", this, &ReportsPages::sr_api).large().for_program();
    api.admit = [this](const Request& head, const Segments& segments, bool verify) -> std::optional<Response> {
        if (head.method != "POST") return std::nullopt;
        return sr_api_admit(head, segments.get("code"), verify);
    };
}

}  // namespace mina::web
