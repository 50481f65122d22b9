// The Identity Manager's screens (issue [3]): the schools an administrator may administer, and a
// school's people with their services and state. Every handler asks idm::Service, which checks the
// scope again: a URL or a form for another school changes nothing.
#include <fstream>
#include <iterator>
#include <map>

#include "core/idm.hpp"
#include "core/login.hpp"
#include "web/app.hpp"

namespace mina::web {

namespace {

std::vector<Role> services_from(const Form& form) {
    std::vector<Role> out;
    for (const auto& v : form.all("tjanst")) {
        if (auto r = parse_role(v); r && idm::is_grantable_service(*r)) out.push_back(*r);
    }
    return out;
}

std::string_view problem_key(idm::Problem p) {
    switch (p) {
        case idm::Problem::not_allowed: return "idm_not_allowed";
        case idm::Problem::no_such_school: return "idm_no_school";
        case idm::Problem::no_such_person: return "idm_no_person";
        case idm::Problem::bad_name: return "idm_bad_name";
        case idm::Problem::bad_email: return "idm_bad_email";
        case idm::Problem::email_taken: return "idm_bad_email";
        case idm::Problem::no_username: return "idm_no_username";
    }
    return "idm_not_allowed";
}

std::string school_path(const std::string& code, std::string_view message = {}, const std::string& user = {}) {
    std::string out = "/identity-manager/skola?kod=" + code;
    if (!message.empty()) out += "&m=" + std::string(message);
    if (!user.empty()) out += "&u=" + user;
    return out;
}

}  // namespace

Response App::idm_forbidden(const Authed& a, Request& req) {
    s_.portal.record_refusal(a.viewer, std::string(req.path), client(req), now());
    Data d{Data::type::object};
    d.set("heading", views_.t(a.lang, "menu_idm"));
    Data list{Data::type::list};
    list.push_back(Data{views_.t(a.lang, "idm_forbidden", {{"agency", s_.site.agency_name}})});
    d.set("paragraphs", list);
    Response res = authed_page(a, "message", views_.t(a.lang, "menu_idm"), std::move(d));
    res.status = 403;
    return res;
}

Response App::identity_manager(Request& req) {
    auto who = require_login(req);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto& a = std::get<Authed>(who);
    if (!idm::Service::is_admin(a.viewer)) return idm_forbidden(a, req);
    const auto schools = s_.idm.schools_of(a.viewer);
    if (schools.size() == 1 && !a.viewer.agency_admin)
        return Response::redirect(school_path(schools.front().code.value()), 302);
    Data d{Data::type::object};
    Data list{Data::type::list};
    for (const auto& s : schools) {
        Data item{Data::type::object};
        item.set("code", s.code.value());
        item.set("name", s.name);
        list.push_back(item);
    }
    d.set("idm_schools", list);  // "schools" is the layout's school selector
    d.set("agency", a.viewer.agency_admin);
    return authed_page(a, "idm_schools", views_.t(a.lang, "menu_idm"), std::move(d), "/identity-manager");
}

Response App::idm_people_page(const Authed& a, Request& req, const std::string& school, int status, Data d) {
    auto result = s_.idm.people(a.viewer, school);
    if (auto* no = std::get_if<idm::Refused>(&result)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    auto& [s, people] = std::get<std::pair<School, std::vector<PersonAtSchool>>>(result);
    const std::string& lang = a.lang;
    d.set("school_code", s.code.value());
    d.set("school_name", s.name);
    d.set("heading", views_.t(lang, "idm_people_heading", {{"school", s.name}}));
    Data rows{Data::type::list};
    for (const auto& p : people) {
        Data row{Data::type::object};
        row.set("username", p.person.username.value());
        row.set("name", p.person.display_name());
        row.set("email", p.person.email);
        std::string services;
        for (Role r : p.roles) {
            if (!services.empty()) services += ", ";
            services += views_.t(lang, r == Role::studietider              ? "service_studietider"
                                       : r == Role::studeranderapportering ? "service_studeranderapportering"
                                                                           : "idm_role_school_admin");
        }
        row.set("services", services);
        row.set("has_studietider", std::find(p.roles.begin(), p.roles.end(), Role::studietider) != p.roles.end());
        row.set("has_studeranderapportering",
                std::find(p.roles.begin(), p.roles.end(), Role::studeranderapportering) != p.roles.end());
        std::string state;
        if (p.has_password) {
            state = views_.t(lang, "idm_state_active");
            if (p.last_login_at) state += " " + views_.t(lang, "idm_state_last_login", {{"at", format_iso(*p.last_login_at).substr(0, 10)}});
            if (p.password_set_at) {
                const auto days = (now() - *p.password_set_at).count() / 86400;
                state += " " + views_.t(lang, "idm_state_password_age", {{"days", std::to_string(days)}});
            }
        } else {
            state = views_.t(lang, "idm_state_not_active");
            if (!p.letter_status.empty()) state += " " + views_.t(lang, "idm_letter_" + p.letter_status);
            if (!p.otp_mail.empty()) state += " " + views_.t(lang, "idm_otp_" + p.otp_mail);
        }
        if (p.locked_until && *p.locked_until > now()) {
            state += " " + views_.t(lang, "idm_state_locked", {{"until", format_iso(*p.locked_until)}});
            row.set("locked", true);
        }
        row.set("state", state);
        rows.push_back(row);
    }
    d.set("people", rows);
    d.set("agency_view", a.viewer.agency_admin);
    Data admins{Data::type::list};
    for (const auto& p : people) {
        if (std::find(p.roles.begin(), p.roles.end(), Role::school_admin) == p.roles.end()) continue;
        Data item{Data::type::object};
        item.set("username", p.person.username.value());
        item.set("name", p.person.display_name());
        admins.push_back(item);
    }
    d.set("admins", admins);
    d.set("no_people", people.empty());
    Response res = authed_page(a, "idm_people", views_.t(lang, "menu_idm"), std::move(d), "/identity-manager");
    res.status = status;
    return res;
}

Response App::idm_school(Request& req) {
    auto who = require_login(req);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto& a = std::get<Authed>(who);
    auto q = Form::parse(req.query).value_or(Form{});
    Data d{Data::type::object};
    const std::string m = q.get("m");
    const std::string user = q.get("u");
    static const std::map<std::string, std::string> kFlash{
        {"ny", "idm_added"},          {"ny-utan", "idm_added_no_services"}, {"finns", "idm_existing"},
        {"sparat", "idm_saved"},      {"borttagen", "idm_removed"},         {"upplast", "idm_unlocked"},
        {"skickat", "idm_otp_queued"}, {"utsedd", "idm_admin_appointed"},   {"avsatt", "idm_admin_removed"}};
    if (auto it = kFlash.find(m); it != kFlash.end())
        d.set("flash", views_.t(a.lang, it->second, {{"username", user}, {"delay", human_duration(a.lang, s_.policy.otp_email_delay)}}));
    return idm_people_page(a, req, q.get("kod"), 200, std::move(d));
}

Response App::idm_add_person(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    auto& [a, form] = std::get<std::pair<Authed, Form>>(in);
    const std::string school = form.get("kod");
    const std::string first = form.get("fornamn");
    const std::string last = form.get("efternamn");
    const std::string email = form.get("epost");
    const auto services = services_from(form);
    const auto outcome = s_.idm.add_person(a.viewer, school, first, last, email, services, form.get("bekrafta") == "ja",
                                           client(req), now());
    if (const auto* added = std::get_if<idm::Added>(&outcome))
        return Response::redirect(school_path(school, added->credentials ? "ny" : "ny-utan", added->username.value()));
    if (const auto* known = std::get_if<idm::Existing>(&outcome))
        return Response::redirect(school_path(school, "finns", known->username.value()));
    if (const auto* no = std::get_if<idm::Refused>(&outcome); no && no->problem == idm::Problem::not_allowed)
        return idm_forbidden(a, req);
    // Shown again with what was typed: a question (FAQ 4) or a refusal (a malformed email).
    Data d{Data::type::object};
    d.set("first", first);
    d.set("last", last);
    d.set("email", email);
    for (Role r : services) d.set(std::string("checked_") + std::string(to_string(r)), true);
    if (std::holds_alternative<idm::ConfirmNoServices>(outcome)) {
        d.set("confirm_no_services", true);
        d.set("form_error", views_.t(a.lang, "idm_confirm_no_services"));
    } else {
        d.set("form_error", views_.t(a.lang, problem_key(std::get<idm::Refused>(outcome).problem)));
        d.set("email_error", std::get<idm::Refused>(outcome).problem == idm::Problem::bad_email);
    }
    return idm_people_page(a, req, school, 422, std::move(d));
}

Response App::idm_set_services(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    auto& [a, form] = std::get<std::pair<Authed, Form>>(in);
    const std::string school = form.get("kod");
    const auto outcome = s_.idm.set_services(a.viewer, school, form.get("anvandarnamn"), services_from(form), client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    return Response::redirect(school_path(school, "sparat", form.get("anvandarnamn")));
}

Response App::idm_remove(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    auto& [a, form] = std::get<std::pair<Authed, Form>>(in);
    const std::string school = form.get("kod");
    const auto outcome = s_.idm.remove_from_school(a.viewer, school, form.get("anvandarnamn"), client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    return Response::redirect(school_path(school, "borttagen", form.get("anvandarnamn")));
}

Response App::idm_unlock(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    auto& [a, form] = std::get<std::pair<Authed, Form>>(in);
    const std::string school = form.get("kod");
    const auto outcome = s_.idm.unlock(a.viewer, school, form.get("anvandarnamn"), client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    return Response::redirect(school_path(school, "upplast", form.get("anvandarnamn")));
}

Response App::idm_search(Request& req) {
    auto who = require_login(req);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto& a = std::get<Authed>(who);
    auto q = Form::parse(req.query).value_or(Form{});
    const std::string text = q.get("q");
    auto result = s_.idm.search(a.viewer, text);
    if (std::holds_alternative<idm::Refused>(result)) return idm_forbidden(a, req);
    Data d{Data::type::object};
    d.set("q", text);
    d.set("searched", !text.empty());
    Data rows{Data::type::list};
    for (const auto& f : std::get<std::vector<idm::Service::Found>>(result)) {
        Data row{Data::type::object};
        row.set("username", f.person.username.value());
        row.set("name", f.person.display_name());
        row.set("email", f.person.email);
        std::string grants;
        for (const auto& g : f.grants) {
            if (!grants.empty()) grants += ", ";
            grants += std::string(to_string(g.role)) + (g.school ? " (" + g.school->value() + ")" : "");
        }
        row.set("grants", grants);
        rows.push_back(row);
    }
    d.set("found", rows);
    const bool any = !rows.is_empty_list();
    d.set("any_found", any);
    d.set("none_found", !text.empty() && !any);
    return authed_page(a, "idm_search", views_.t(a.lang, "idm_search_heading"), std::move(d), "/identity-manager");
}

Response App::idm_letters(Request& req) {
    auto who = require_login(req);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto& a = std::get<Authed>(who);
    auto result = s_.idm.letters(a.viewer);
    if (std::holds_alternative<idm::Refused>(result)) return idm_forbidden(a, req);
    auto q = Form::parse(req.query).value_or(Form{});
    Data d{Data::type::object};
    if (q.get("m") == "postat") d.set("flash", views_.t(a.lang, "idm_letter_marked"));
    Data rows{Data::type::list};
    for (const auto& ql : std::get<std::vector<idm::Service::QueuedLetter>>(result)) {
        Data row{Data::type::object};
        row.set("id", std::to_string(ql.letter.id));
        row.set("username", ql.person.username.value());
        row.set("name", ql.person.display_name());
        row.set("school", ql.letter.school);
        row.set("created", format_iso(ql.letter.created_at).substr(0, 10));
        const bool rendered = ql.letter.status == LetterStatus::rendered;
        row.set("rendered", rendered);
        row.set("has_file", !ql.letter.path.empty());
        row.set("status", views_.t(a.lang, ql.letter.status == LetterStatus::queued ? "idm_letter_queued"
                                           : rendered ? "idm_letter_rendered" : "idm_letter_posted"));
        row.set("error", ql.letter.last_error);
        rows.push_back(row);
    }
    d.set("letters", rows);
    d.set("no_letters", rows.is_empty_list());
    return authed_page(a, "idm_letters", views_.t(a.lang, "idm_letters_heading"), std::move(d), "/identity-manager");
}

Response App::idm_letter_pdf(Request& req) {
    auto who = require_login(req);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto& a = std::get<Authed>(who);
    auto q = Form::parse(req.query).value_or(Form{});
    std::int64_t id = 0;
    try {
        id = std::stoll(q.get("id"));
    } catch (const std::exception&) {
        return error_page(req, 404, "error_404");
    }
    auto result = s_.idm.letter_file(a.viewer, id);
    if (const auto* no = std::get_if<idm::Refused>(&result)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    std::ifstream in(std::get<std::string>(result), std::ios::binary);
    if (!in) return error_page(req, 404, "error_404");
    Response res;
    res.content_type = "application/pdf";
    res.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    res.header("Content-Disposition", "attachment; filename=\"brev-" + std::to_string(id) + ".pdf\"");
    return res;
}

Response App::idm_letter_posted(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    auto& [a, form] = std::get<std::pair<Authed, Form>>(in);
    std::int64_t id = 0;
    try {
        id = std::stoll(form.get("id"));
    } catch (const std::exception&) {
        return error_page(req, 400, "error_400");
    }
    const auto outcome = s_.idm.mark_posted(a.viewer, id, client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    return Response::redirect("/identity-manager/brev?m=postat");
}

Response App::idm_appoint_admin(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    auto& [a, form] = std::get<std::pair<Authed, Form>>(in);
    const std::string school = form.get("kod");
    const auto outcome = s_.idm.appoint_admin(a.viewer, school, form.get("anvandarnamn"), client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        Data d{Data::type::object};
        d.set("admin_error", views_.t(a.lang, problem_key(no->problem)));
        d.set("admin_username", form.get("anvandarnamn"));
        return idm_people_page(a, req, school, 422, std::move(d));
    }
    return Response::redirect(school_path(school, "utsedd", login::normalize_username(form.get("anvandarnamn"))));
}

Response App::idm_remove_admin(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    auto& [a, form] = std::get<std::pair<Authed, Form>>(in);
    const std::string school = form.get("kod");
    const auto outcome = s_.idm.remove_admin(a.viewer, school, form.get("anvandarnamn"), client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    return Response::redirect(school_path(school, "avsatt", form.get("anvandarnamn")));
}

Response App::idm_send_otp(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    auto& [a, form] = std::get<std::pair<Authed, Form>>(in);
    const std::string school = form.get("kod");
    const auto outcome = s_.idm.send_otp(a.viewer, school, form.get("anvandarnamn"), client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    if (s_.wake_mail) s_.wake_mail();
    return Response::redirect(school_path(school, "skickat", form.get("anvandarnamn")));
}

}  // namespace mina::web
