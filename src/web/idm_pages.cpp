// The Identity Manager's screens (issue [3]): the schools an administrator may administer, and a
// school's people with their services and state. Every handler asks idm::Service, which checks the
// scope again: a URL or a form for another school changes nothing.
#include <array>
#include <charconv>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>

#include "core/common/csv.hpp"
#include "core/idm/idm.hpp"
#include "core/login/login.hpp"
#include "core/reports/service.hpp"
#include "web/audit_words.hpp"
#include "web/idm_pages.hpp"
#include "web/wording.hpp"

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
        case idm::Problem::bad_school_code: return "idm_bad_school_code";
        case idm::Problem::school_code_taken: return "idm_school_code_taken";
        case idm::Problem::bad_school_name: return "idm_bad_school_name";
        case idm::Problem::bad_school_form: return "idm_bad_school_form";
        case idm::Problem::bad_address: return "idm_bad_address";
        case idm::Problem::bad_contact: return "idm_bad_contact";
        case idm::Problem::no_such_mail: return "idm_no_such_mail";
        case idm::Problem::empty_file: return "idm_import_empty";
        case idm::Problem::too_many_rows: return "idm_import_too_many";
        case idm::Problem::unreadable_file: return "idm_import_unreadable";
        case idm::Problem::missing_columns: return "idm_import_columns";
        case idm::Problem::beyond_school: return "idm_beyond_school";
        case idm::Problem::too_many_mails: return "idm_too_many_mails";
    }
    return "idm_not_allowed";
}

constexpr std::array<SchoolForm, 6> kSchoolForms{SchoolForm::hogskola,      SchoolForm::folkhogskola,
                                                 SchoolForm::komvux,        SchoolForm::gymnasieskola,
                                                 SchoolForm::yrkeshogskola, SchoolForm::annan_eftergymnasial};

/// The school's fields as the form sent them (the form's own code field `kod`).
School school_from(const Form& form) {
    School s;
    s.code = SchoolCode{form.get("kod")};
    s.name = form.get("namn");
    s.form = parse_school_form(form.get("skolform")).value_or(SchoolForm::gymnasieskola);
    s.postal_address = form.get("adress");
    s.contact_name = form.get("kontaktperson");
    s.contact_phone = form.get("kontakttelefon");
    return s;
}

/// A date typed as YYYY-MM-DD (years 1970–3000).
std::optional<Date> parse_day(const std::string& text) {
    const auto day = parse_date(text);
    if (!day || day->year() < 1970 || day->year() > 3000) return std::nullopt;
    return day;
}

/// A count from the address, or "?" for anything else (the page only shows it).
std::string digits(const std::string& s) {
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return "?";
    return s;
}

/// The school's page in the Identity Manager. The code and the username may come from a form as
/// typed: percent-encoded, so that no character of theirs reaches the Location header as it is.
std::string school_path(const std::string& code, std::string_view message = {}, const std::string& user = {}) {
    std::string out = "/identity-manager/skola?kod=" + url_encode(code);
    if (!message.empty()) out += "&m=" + std::string(message);
    if (!user.empty()) out += "&u=" + url_encode(user);
    return out;
}

}  // namespace

Response IdmPages::idm_forbidden(const Authed& a, Request& req) {
    ctx_.portal.record_refusal(a.viewer, std::string(req.path), client(req), now());
    Data d{Data::type::object};
    d.set("heading", views_.t(a.lang, "menu_idm"));
    Data list{Data::type::list};
    list.push_back(Data{views_.t(a.lang, "idm_forbidden", {{"agency", ctx_.site.agency_name}})});
    d.set("paragraphs", list);
    Response res = authed_page(a, "message", views_.t(a.lang, "menu_idm"), std::move(d));
    res.status = 403;
    return res;
}

Response IdmPages::identity_manager(Request& req, Authed& a) {
    if (!authz::may_somewhere(a.viewer.access, a.viewer.agency_admin, authz::Action::administer_people))
        return idm_forbidden(a, req);
    const auto schools = s_.idm.schools_of(a.viewer);
    if (schools.size() == 1 && !a.viewer.agency_admin)
        return Response::redirect(school_path(schools.front().code.value()), 302);
    auto q = Form::parse(req.query).value_or(Form{});
    Data d{Data::type::object};
    if (q.get("m") == "skola") d.set("flash", views_.t(a.lang, "idm_school_added", {{"code", q.get("kod")}}));
    if (q.get("m") == "skola-bda" || q.get("m") == "skola-bda-fanns")
        d.set("flash",
              views_.t(a.lang, q.get("m") == "skola-bda" ? "desk_new_school_added" : "desk_new_school_existing",
                       {{"code", q.get("kod")}, {"username", q.get("u")}}));
    return idm_schools_page(a, 200, std::move(d));
}

Response IdmPages::idm_schools_page(const Authed& a, int status, Data d) {
    auto schools = s_.idm.schools_of(a.viewer);
    time::sort_swedish(schools, [](const School& s) { return s.name; });
    Data list{Data::type::list};
    for (const auto& s : schools) {
        Data item{Data::type::object};
        item.set("code", s.code.value());
        item.set("name", s.name);
        list.push_back(item);
    }
    d.set("idm_schools", list);  // "schools" is the layout's school selector
    d.set("agency", a.viewer.agency_admin);
    if (a.viewer.agency_admin) {
        d.set("school_forms",
              school_form_options(a.lang, d.get("edit_form") ? d.get("edit_form")->string_value() : ""));
        d.set("nsa_forms", school_form_options(a.lang, d.get("nsa_form") ? d.get("nsa_form")->string_value() : ""));
    }
    Response res = authed_page(a, "idm_schools", views_.t(a.lang, "menu_idm"), std::move(d), "/identity-manager");
    res.status = status;
    return res;
}

Response IdmPages::idm_people_page(const Authed& a, Request& req, const std::string& school, int status, Data d) {
    auto result = s_.idm.people(a.viewer, school);
    if (auto* no = std::get_if<idm::Refused>(&result)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    auto& [s, people] = std::get<std::pair<School, std::vector<PersonAtSchool>>>(result);
    const std::string& lang = a.lang;
    d.set("school_code", s.code.value());
    d.set("may_manage_keys", a.viewer.may(authz::Action::manage_api_keys, s.code.value()));
    d.set("school_name", s.name);
    d.set("heading", views_.t(lang, "idm_people_heading", {{"school", s.name}}));
    d.set("agency_view", a.viewer.agency_admin);
    Data admins{Data::type::list};
    if (a.viewer.agency_admin) {
        time::sort_swedish(people,
                           [](const PersonAtSchool& p) { return p.person.last_name + " " + p.person.first_name; });
        for (const auto& p : people) {
            if (std::find(p.roles.begin(), p.roles.end(), Role::school_admin) == p.roles.end()) continue;
            Data item{Data::type::object};
            item.set("username", p.person.username.value());
            item.set("name", p.person.display_name());
            item.set("href", idm_person_path(s.code.value(), p.person.username.value()));
            const std::map<std::string, std::string> who{
                {"name", p.person.display_name()}, {"username", p.person.username.value()}, {"school", s.name}};
            item.set("confirm", views_.t(lang, "idm_admin_remove_question", who) + " " +
                                    views_.t(lang, "idm_admin_remove_what", who));
            admins.push_back(item);
        }
    }
    d.set("admins", admins);
    people_list(a, req, s, std::move(people), d);
    if (a.viewer.agency_admin) {
        // The school's own fields, to change (as typed, when the change was refused).
        if (!d.get("edit_name")) {
            d.set("edit_name", s.name);
            d.set("edit_address", s.postal_address);
            d.set("edit_contact_name", s.contact_name);
            d.set("edit_contact_phone", s.contact_phone);
            d.set("edit_form", std::string(to_string(s.form)));
        }
        d.set("school_forms", school_form_options(lang, d.get("edit_form")->string_value()));
    }
    Response res = authed_page(a, "idm_people", views_.t(lang, "menu_idm"), std::move(d), "/identity-manager");
    res.status = status;
    return res;
}

Response IdmPages::idm_school(Request& req, Authed& a) {
    auto q = Form::parse(req.query).value_or(Form{});
    Data d{Data::type::object};
    const std::string m = q.get("m");
    // The message after an action names its person by the username in the address: only a
    // username's letters are shown, so that a crafted link cannot put words in the page's mouth.
    std::string user = q.get("u");
    if (user.size() > 64 || !std::all_of(user.begin(), user.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        }))
        user.clear();
    static const std::map<std::string, std::string> kFlash{{"ny", "idm_added"},
                                                           {"ny-utan", "idm_added_no_services"},
                                                           {"finns", "idm_existing"},
                                                           {"sparat", "idm_saved"},
                                                           {"borttagen", "idm_removed"},
                                                           {"upplast", "idm_unlocked"},
                                                           {"skickat", "idm_otp_queued"},
                                                           {"utsedd", "idm_admin_appointed"},
                                                           {"avsatt", "idm_admin_removed"},
                                                           {"uppgifter", "idm_school_saved"},
                                                           {"importerat", "idm_import_done"}};
    if (auto it = kFlash.find(m); it != kFlash.end() && (!user.empty() || q.get("u").empty()))
        d.set("flash", views_.t(a.lang, it->second,
                                {{"username", user},
                                 {"delay", duration_words(a.lang, ctx_.policy.otp_email_delay)},
                                 {"new", digits(q.get("ny"))},
                                 {"granted", digits(q.get("fick"))}}));
    return idm_people_page(a, req, q.get("kod"), 200, std::move(d));
}

Response IdmPages::idm_add_person(Request& req, Authed& a, Form& form) {
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
        d.set("form_error", views_.t(a.lang, problem_key(std::get<idm::Refused>(outcome).problem),
                                     {{"agency", ctx_.site.agency_name}}));
        d.set("email_error", std::get<idm::Refused>(outcome).problem == idm::Problem::bad_email);
    }
    return idm_people_page(a, req, school, 422, std::move(d));
}

Response IdmPages::idm_set_services(Request& req, Authed& a, Form& form) {
    const std::string school = form.get("kod");
    const auto outcome =
        s_.idm.set_services(a.viewer, school, form.get("anvandarnamn"), services_from(form), client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    return Response::redirect(idm_person_path(school, login::normalize_username(form.get("anvandarnamn")), "sparat"));
}

Response IdmPages::idm_remove(Request& req, Authed& a, Form& form) {
    const std::string school = form.get("kod");
    // Who and where, for the question and the message after; the scope is checked before either.
    auto found = s_.idm.person(a.viewer, school, form.get("anvandarnamn"));
    if (const auto* no = std::get_if<idm::Refused>(&found)) return idm_refused(a, req, no->problem);
    const auto& view = std::get<idm::PersonView>(found);
    const std::string username = view.person.person.username.value();
    const std::string name = view.person.person.display_name();
    if (!confirmed(form)) {
        const std::map<std::string, std::string> who{
            {"name", name}, {"username", username}, {"school", view.school.name}};
        return confirm_page(
            a, req, form,
            Confirmation{views_.t(a.lang, "idm_remove_question", who), views_.t(a.lang, "idm_remove_what", who),
                         views_.t(a.lang, "idm_remove"), idm_person_path(school, username), "/identity-manager"});
    }
    const auto outcome = s_.idm.remove_from_school(a.viewer, school, username, client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) return idm_refused(a, req, no->problem);
    return Response::redirect(school_path(school, "borttagen", username));
}

Response IdmPages::idm_unlock(Request& req, Authed& a, Form& form) {
    const std::string school = form.get("kod");
    const auto outcome = s_.idm.unlock(a.viewer, school, form.get("anvandarnamn"), client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        if (no->problem == idm::Problem::beyond_school) {
            Data d{Data::type::object};
            d.set("person_error", views_.t(a.lang, problem_key(no->problem), {{"agency", ctx_.site.agency_name}}));
            return idm_person_page(a, req, school, form.get("anvandarnamn"), 403, std::move(d));
        }
        return error_page(req, 404, "error_404");
    }
    return Response::redirect(idm_person_path(school, login::normalize_username(form.get("anvandarnamn")), "upplast"));
}

Response IdmPages::idm_reset_factor(Request& req, Authed& a, Form& form) {
    const std::string school = form.get("kod");
    const std::string username = login::normalize_username(form.get("anvandarnamn"));
    if (!confirmed(form))
        return confirm_page(a, req, form,
                            {views_.t(a.lang, "idm_factor_reset_question", {{"username", username}}),
                             views_.t(a.lang, "idm_factor_reset_what"), views_.t(a.lang, "idm_factor_reset"),
                             idm_person_path(school, username), "/identity-manager"});
    const auto outcome = s_.idm.reset_second_factor(a.viewer, school, username, client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        if (no->problem == idm::Problem::beyond_school) {
            Data d{Data::type::object};
            d.set("person_error", views_.t(a.lang, "idm_factor_reset_beyond", {{"agency", ctx_.site.agency_name}}));
            return idm_person_page(a, req, school, username, 403, std::move(d));
        }
        return error_page(req, 404, "error_404");
    }
    if (s_.wake_mail) s_.wake_mail();
    return Response::redirect(idm_person_path(school, username, "andra-steget"));
}

Response IdmPages::idm_search(Request& req, Authed& a) {
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

Response IdmPages::idm_letters(Request& req, Authed& a) {
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
        row.set("created", when(a.lang, ql.letter.created_at, time::Form::day));
        const bool rendered = ql.letter.status == LetterStatus::rendered;
        row.set("rendered", rendered);
        row.set("has_file", !ql.letter.path.empty());
        row.set("status", views_.t(a.lang, ql.letter.address_missing                  ? "idm_letter_waiting"
                                           : ql.letter.status == LetterStatus::queued ? "idm_letter_queued"
                                           : rendered                                 ? "idm_letter_rendered"
                                                                                      : "idm_letter_posted"));
        row.set("error", ql.letter.last_error);
        rows.push_back(row);
    }
    d.set("letters", rows);
    d.set("no_letters", rows.is_empty_list());
    return authed_page(a, "idm_letters", views_.t(a.lang, "idm_letters_heading"), std::move(d), "/identity-manager");
}

Response IdmPages::idm_letter_pdf(Request& req, Authed& a) {
    auto q = Form::parse(req.query).value_or(Form{});
    const auto id = integer(q, "id");
    if (!id) return error_page(req, 404, "error_404");
    auto result = s_.idm.letter_file(a.viewer, *id);
    if (const auto* no = std::get_if<idm::Refused>(&result)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    std::ifstream in(std::get<std::string>(result), std::ios::binary);
    if (!in) return error_page(req, 404, "error_404");
    Response res;
    res.content_type = "application/pdf";
    res.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    res.header("Content-Disposition", "attachment; filename=\"brev-" + std::to_string(*id) + ".pdf\"");
    return res;
}

Response IdmPages::idm_letter_posted(Request& req, Authed& a, Form& form) {
    const auto id = integer(form, "id");
    if (!id) return error_page(req, 400, "error_400");
    const auto outcome = s_.idm.mark_posted(a.viewer, *id, client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        return error_page(req, 404, "error_404");
    }
    return Response::redirect("/identity-manager/brev?m=postat");
}

Response IdmPages::idm_appoint_admin(Request& req, Authed& a, Form& form) {
    const std::string school = form.get("kod");
    const auto outcome = s_.idm.appoint_admin(a.viewer, school, form.get("anvandarnamn"), client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        Data d{Data::type::object};
        d.set("admin_error", views_.t(a.lang, problem_key(no->problem)));
        d.set("admin_username", form.get("anvandarnamn"));
        return idm_people_page(a, req, school, 422, std::move(d));
    }
    const std::string username = login::normalize_username(form.get("anvandarnamn"));
    if (form.get("fran") == "person") return Response::redirect(idm_person_path(school, username, "utsedd"));
    return Response::redirect(school_path(school, "utsedd", username));
}

Response IdmPages::idm_remove_admin(Request& req, Authed& a, Form& form) {
    const std::string school = form.get("kod");
    if (!a.viewer.may(authz::Action::administer_agency, {})) return idm_forbidden(a, req);
    auto found = s_.idm.person(a.viewer, school, form.get("anvandarnamn"));
    if (const auto* no = std::get_if<idm::Refused>(&found)) return idm_refused(a, req, no->problem);
    const auto& view = std::get<idm::PersonView>(found);
    const std::string username = view.person.person.username.value();
    const bool from_person = form.get("fran") == "person";
    if (!confirmed(form)) {
        const std::map<std::string, std::string> who{
            {"name", view.person.person.display_name()}, {"username", username}, {"school", view.school.name}};
        return confirm_page(
            a, req, form,
            Confirmation{views_.t(a.lang, "idm_admin_remove_question", who),
                         views_.t(a.lang, "idm_admin_remove_what", who), views_.t(a.lang, "idm_admin_remove"),
                         from_person ? idm_person_path(school, username) : school_path(school), "/identity-manager"});
    }
    const auto outcome = s_.idm.remove_admin(a.viewer, school, username, client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) return idm_refused(a, req, no->problem);
    // Back to the person's page, when they are still among the school's people.
    if (from_person && std::holds_alternative<idm::PersonView>(s_.idm.person(a.viewer, school, username)))
        return Response::redirect(idm_person_path(school, username, "avsatt"));
    return Response::redirect(school_path(school, "avsatt", username));
}

Response IdmPages::idm_send_otp(Request& req, Authed& a, Form& form) {
    const std::string school = form.get("kod");
    const auto outcome = s_.idm.send_otp(a.viewer, school, form.get("anvandarnamn"), client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed) return idm_forbidden(a, req);
        if (no->problem == idm::Problem::beyond_school || no->problem == idm::Problem::too_many_mails) {
            Data d{Data::type::object};
            d.set("person_error", views_.t(a.lang, problem_key(no->problem), {{"agency", ctx_.site.agency_name}}));
            return idm_person_page(a, req, school, form.get("anvandarnamn"),
                                   no->problem == idm::Problem::beyond_school ? 403 : 429, std::move(d));
        }
        return error_page(req, 404, "error_404");
    }
    if (s_.wake_mail) s_.wake_mail();
    return Response::redirect(idm_person_path(school, login::normalize_username(form.get("anvandarnamn")), "skickat"));
}

Data IdmPages::school_form_options(const std::string& lang, const std::string& chosen) const {
    Data forms{Data::type::list};
    for (SchoolForm f : kSchoolForms) {
        const std::string value(to_string(f));
        Data item{Data::type::object};
        item.set("value", value);
        item.set("label", views_.t(lang, "school_form_" + value));
        item.set("selected", value == (chosen.empty() ? "gymnasieskola" : chosen));
        forms.push_back(item);
    }
    return forms;
}

Response IdmPages::idm_refused(const Authed& a, Request& req, idm::Problem p) {
    if (p == idm::Problem::not_allowed) return idm_forbidden(a, req);
    return error_page(req, 404, "error_404");
}

// ---- Schools (the agency) ------------------------------------------------------------------------------

Response IdmPages::idm_add_school(Request& req, Authed& a, Form& form) { return idm_save_school(req, a, form, true); }
Response IdmPages::idm_update_school(Request& req, Authed& a, Form& form) {
    return idm_save_school(req, a, form, false);
}

Response IdmPages::idm_save_school(Request& req, const Authed& a, const Form& form, bool adding) {
    if (!a.viewer.may(authz::Action::administer_agency, {})) return idm_forbidden(a, req);
    const School s = school_from(form);
    std::optional<idm::Problem> problem;
    if (!parse_school_form(form.get("skolform"))) problem = idm::Problem::bad_school_form;
    if (!problem) {
        const auto outcome = adding ? s_.idm.add_school(a.viewer, s, client(req), now())
                                    : s_.idm.update_school(a.viewer, s, client(req), now());
        if (const auto* no = std::get_if<idm::Refused>(&outcome)) problem = no->problem;
    }
    if (!problem) {
        if (s_.wake_mail) s_.wake_mail();  // letters waiting for this school's address are made now
        return Response::redirect(adding ? "/identity-manager?m=skola&kod=" + url_encode(s.code.value())
                                         : school_path(s.code.value(), "uppgifter"));
    }
    if (*problem == idm::Problem::not_allowed || (!adding && *problem == idm::Problem::no_such_school))
        return idm_refused(a, req, *problem);
    // Shown again as typed, with the reason.
    Data d{Data::type::object};
    d.set("school_error", views_.t(a.lang, problem_key(*problem)));
    d.set("edit_code", form.get("kod"));
    d.set("edit_name", form.get("namn"));
    d.set("edit_form", form.get("skolform"));
    d.set("edit_address", form.get("adress"));
    d.set("edit_contact_name", form.get("kontaktperson"));
    d.set("edit_contact_phone", form.get("kontakttelefon"));
    return adding ? idm_schools_page(a, 422, std::move(d)) : idm_people_page(a, req, s.code.value(), 422, std::move(d));
}

Response IdmPages::idm_add_school_with_admin(Request& req, Authed& a, Form& form) {
    if (!a.viewer.may(authz::Action::administer_agency, {})) return idm_forbidden(a, req);
    idm::NewSchoolWithAdmin n;
    n.school.code = SchoolCode{form.get("kod")};
    n.school.name = form.get("namn");
    const auto school_form = parse_school_form(form.get("skolform"));
    n.school.form = school_form.value_or(SchoolForm::gymnasieskola);
    n.form_known = school_form.has_value();
    n.school.postal_address = form.get("adress");
    n.first = form.get("fornamn");
    n.last = form.get("efternamn");
    n.email = form.get("epost");
    const auto outcome = s_.idm.add_school_with_admin(a.viewer, n, client(req), now());
    if (const auto* done = std::get_if<idm::SchoolWithAdmin>(&outcome)) {
        if (s_.wake_mail) s_.wake_mail();  // the letter is made now (the school has its address)
        return Response::redirect(
            "/identity-manager?m=" + std::string(done->existing ? "skola-bda-fanns" : "skola-bda") +
            "&kod=" + url_encode(n.school.code.value()) + "&u=" + url_encode(done->username.value()));
    }
    const auto& problems = std::get<idm::RefusedFields>(outcome).problems;
    if (problems.size() == 1 && problems.front() == idm::Problem::not_allowed) return idm_forbidden(a, req);
    // Shown again as typed, each reason at its field (and all of them above the form, linked).
    Data d{Data::type::object};
    d.set("nsa_code", form.get("kod"));
    d.set("nsa_name", form.get("namn"));
    d.set("nsa_form", form.get("skolform"));
    d.set("nsa_address", form.get("adress"));
    d.set("nsa_first", n.first);
    d.set("nsa_last", n.last);
    d.set("nsa_email", n.email);
    Data summary{Data::type::list};
    auto at = [&](const std::string& field, const std::string& message) {
        if (d.get("nsa_error_" + field)) return;  // one reason a field
        d.set("nsa_error_" + field, message);
        Data item{Data::type::object};
        item.set("field", "nsa-" + field);
        item.set("message", message);
        summary.push_back(item);
    };
    for (idm::Problem p : problems) {
        const std::string message = views_.t(a.lang, problem_key(p), {{"agency", ctx_.site.agency_name}});
        switch (p) {
            case idm::Problem::bad_school_code:
            case idm::Problem::school_code_taken: at("kod", message); break;
            case idm::Problem::bad_school_name: at("namn", message); break;
            case idm::Problem::bad_school_form: at("skolform", message); break;
            case idm::Problem::bad_address: at("adress", message); break;
            case idm::Problem::bad_email: at("epost", message); break;
            case idm::Problem::bad_name:
                if (text::trim(n.last).empty() && !text::trim(n.first).empty()) at("efternamn", message);
                else at("fornamn", message);
                break;
            default: at("fornamn", message); break;
        }
    }
    d.set("nsa_has_errors", !summary.is_empty_list());
    d.set("nsa_errors", summary);
    return idm_schools_page(a, 422, std::move(d));
}

// ---- Failed mail (the agency) --------------------------------------------------------------------------

Response IdmPages::idm_mail(Request& req, Authed& a) {
    auto result = s_.idm.failed_mail(a.viewer);
    if (std::holds_alternative<idm::Refused>(result)) return idm_forbidden(a, req);
    auto q = Form::parse(req.query).value_or(Form{});
    Data d{Data::type::object};
    if (q.get("m") == "igen") {
        long long n = 0;  // a count from the address; anything else reads as none
        const std::string count = q.get("n");
        std::from_chars(count.data(), count.data() + count.size(), n);
        d.set("flash", views_.t_count(a.lang, "idm_mail_retried", n));
    }
    Data rows{Data::type::list};
    for (const auto& m : std::get<std::vector<OutboxMail>>(result)) {
        Data row{Data::type::object};
        row.set("id", std::to_string(m.id));
        row.set("created", when(a.lang, m.created_at));
        row.set("recipient", m.recipient);
        row.set("kind", views_.t(a.lang, "mail_kind_" + std::string(to_string(m.kind))));
        row.set("attempts", std::to_string(m.attempts));
        row.set("error", m.last_error);
        rows.push_back(row);
    }
    d.set("mails", rows);
    d.set("no_mails", rows.is_empty_list());
    return authed_page(a, "idm_mail", views_.t(a.lang, "idm_mail_heading"), std::move(d), "/identity-manager");
}

Response IdmPages::idm_mail_retry(Request& req, Authed& a, Form& form) {
    std::optional<std::int64_t> id;
    if (form.get("id") != "alla") {
        id = integer(form, "id");
        if (!id) return error_page(req, 400, "error_400");
    }
    const auto outcome = s_.idm.retry_mail(a.viewer, id, client(req), now());
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) return idm_refused(a, req, no->problem);
    if (s_.wake_mail) s_.wake_mail();
    return Response::redirect("/identity-manager/post?m=igen&n=" + std::to_string(std::get<int>(outcome)));
}

// ---- The audit log (the agency) ------------------------------------------------------------------------

Response IdmPages::idm_audit(Request& req, Authed& a) {
    auto kinds = s_.idm.audit_kinds(a.viewer);
    if (std::holds_alternative<idm::Refused>(kinds)) return idm_forbidden(a, req);
    auto q = Form::parse(req.query).value_or(Form{});
    Data d{Data::type::object};
    AuditFilter f;
    f.person = q.get("person");
    f.school = q.get("skola");
    f.kind = q.get("typ");
    f.limit = 100;
    std::string date_error;
    if (const auto from = q.get("fran"); !from.empty()) {
        // From the first second of the day where the reader is to the last (local midnights).
        if (auto day = parse_day(from)) f.from = ctx_.zone.start_of(*day);
        else date_error = "fran";
    }
    if (const auto to = q.get("till"); !to.empty()) {
        if (auto day = parse_day(to)) f.to = ctx_.zone.start_of(day->add_days(1));  // the whole last day
        else date_error = "till";
    }
    if (!q.get("fore").empty()) {
        const auto before = integer(q, "fore");
        if (!before) return error_page(req, 400, "error_400");
        f.before_id = *before;
    }
    d.set("person", f.person);
    d.set("school", f.school);
    d.set("from", q.get("fran"));
    d.set("to", q.get("till"));
    Data kind_list{Data::type::list};
    {
        Data all{Data::type::object};
        all.set("value", std::string());
        all.set("label", views_.t(a.lang, "idm_audit_all_kinds"));
        all.set("selected", f.kind.empty());
        kind_list.push_back(all);
    }
    for (const auto& k : std::get<std::vector<std::string>>(kinds)) {
        Data item{Data::type::object};
        item.set("value", k);
        item.set("label", audit_kind_words(views_, a.lang, k));
        item.set("selected", k == f.kind);
        kind_list.push_back(item);
    }
    d.set("kinds", kind_list);
    if (!date_error.empty()) {
        d.set("form_error", views_.t(a.lang, "idm_audit_bad_date"));
        d.set(date_error == "fran" ? "from_error" : "to_error", true);
        Response res =
            authed_page(a, "idm_audit", views_.t(a.lang, "idm_audit_heading"), std::move(d), "/identity-manager");
        res.status = 422;
        return res;
    }
    auto result = s_.idm.audit(a.viewer, f);
    if (std::holds_alternative<idm::Refused>(result)) return idm_forbidden(a, req);
    const auto& entries = std::get<std::vector<AuditEntry>>(result);
    Data rows{Data::type::list};
    for (const auto& e : entries) {
        Data row{Data::type::object};
        row.set("at", when(a.lang, e.event.at));
        row.set("actor", e.event.actor);
        row.set("address", e.event.address);
        // In words, with the stored code beside it (what the filter and the logs say).
        row.set("kind", audit_kind_words(views_, a.lang, e.event.kind));
        row.set("kind_code", e.event.kind);
        row.set("subject", e.event.subject);
        row.set("event_school", e.event.school);
        row.set("detail_html",
                html_keeping_dates(audit_detail_words(views_, a.lang, e.event.kind, e.event.detail, ctx_.zone)));
        rows.push_back(row);
    }
    d.set("entries", rows);
    d.set("no_entries", entries.empty());
    if (entries.size() == static_cast<std::size_t>(f.limit)) {
        // The next page: the same filters, older than the last shown.
        std::string next = "/identity-manager/logg?fore=" + std::to_string(entries.back().id);
        for (const char* key : {"person", "skola", "typ", "fran", "till"}) {
            const std::string v = q.get(key);
            if (v.empty()) continue;
            next += std::string("&") + key + "=" + url_encode(v);
        }
        d.set("older", next);
    }
    return authed_page(a, "idm_audit", views_.t(a.lang, "idm_audit_heading"), std::move(d), "/identity-manager");
}

// ---- Many people from a CSV file ---------------------------------------------------------------------

Response IdmPages::idm_import_page(const Authed& a, const std::string& school, const std::string& file,
                                   const std::string& filename, const idm::ImportPlan& plan, bool changed) {
    const std::string& lang = a.lang;
    Data d{Data::type::object};
    auto s = s_.idm.school(a.viewer, school);
    d.set("school_code", school);
    d.set("school_name", std::holds_alternative<School>(s) ? std::get<School>(s).name : school);
    d.set("filename", filename);
    d.set("file", file);
    d.set("plan", plan.fingerprint());
    if (changed) d.set("changed", views_.t(lang, "idm_import_changed"));
    const int fresh = plan.count(idm::RowFate::new_person);
    const int granted = plan.count(idm::RowFate::gets_services);
    const int unchanged = plan.count(idm::RowFate::unchanged);
    const int refused = plan.count(idm::RowFate::refused);
    d.set("summary", views_.t(lang, "idm_import_summary",
                              {{"new", std::to_string(fresh)},
                               {"granted", std::to_string(granted)},
                               {"unchanged", std::to_string(unchanged)},
                               {"refused", std::to_string(refused)}}));
    d.set("can_save", fresh + granted > 0);
    d.set("save_label", views_.t_count(lang, "idm_import_save", fresh + granted));
    d.set("any_refused", refused > 0);
    Data rows{Data::type::list};
    for (const auto& r : plan.rows) {
        Data row{Data::type::object};
        row.set("line", std::to_string(r.line));
        row.set("name", r.first + " " + r.last);
        row.set("email", r.email);
        std::string services;
        for (Role role : r.services) {
            if (!services.empty()) services += ", ";
            services +=
                views_.t(lang, role == Role::studietider ? "service_studietider" : "service_studeranderapportering");
        }
        row.set("services", services);
        std::string fate;
        switch (r.fate) {
            case idm::RowFate::new_person: fate = views_.t(lang, "idm_import_fate_new"); break;
            case idm::RowFate::gets_services:
                fate = views_.t(lang, "idm_import_fate_granted", {{"username", r.username}});
                break;
            case idm::RowFate::unchanged:
                fate = views_.t(lang, "idm_import_fate_unchanged", {{"username", r.username}});
                break;
            case idm::RowFate::refused: {
                static const std::map<idm::RowProblem, std::string> kWhy{
                    {idm::RowProblem::bad_name, "idm_import_why_name"},
                    {idm::RowProblem::bad_email, "idm_import_why_email"},
                    {idm::RowProblem::no_services, "idm_import_why_no_services"},
                    {idm::RowProblem::unknown_service, "idm_import_why_service"},
                    {idm::RowProblem::duplicate, "idm_import_why_duplicate"},
                    {idm::RowProblem::beyond_school, "idm_import_why_beyond"}};
                fate = views_.t(lang, kWhy.at(r.problem), {{"detail", r.detail}, {"agency", ctx_.site.agency_name}});
                row.set("refused", true);
                break;
            }
        }
        row.set("fate", fate);
        rows.push_back(row);
    }
    d.set("rows", rows);
    return authed_page(a, "idm_import", views_.t(lang, "idm_import_heading"), std::move(d), "/identity-manager");
}

Response IdmPages::idm_import(Request& req, Authed& a, Multipart& parts) {
    const std::string school = parts.fields.get("kod");
    if (!a.viewer.may(authz::Action::administer_people, school)) return idm_forbidden(a, req);
    const auto file = parts.files.find("fil");
    const std::string text = file == parts.files.end() ? std::string() : csv::to_utf8(file->second.data);
    auto planned = s_.idm.plan_import(a.viewer, school, text);
    if (const auto* no = std::get_if<idm::Refused>(&planned)) {
        if (no->problem == idm::Problem::not_allowed || no->problem == idm::Problem::no_such_school)
            return idm_refused(a, req, no->problem);
        Data d{Data::type::object};
        d.set("import_error",
              views_.t(a.lang, problem_key(no->problem), {{"max", std::to_string(idm::kMaxImportRows)}}));
        return idm_people_page(a, req, school, 422, std::move(d));
    }
    return idm_import_page(a, school, text, file == parts.files.end() ? std::string() : file->second.filename,
                           std::get<idm::ImportPlan>(planned), false);
}

Response IdmPages::idm_import_save(Request& req, Authed& a, Form& form) {
    const std::string school = form.get("kod");
    const std::string file = form.get("fil");
    const auto outcome = s_.idm.save_import(a.viewer, school, file, form.get("plan"), client(req), now());
    if (const auto* changed = std::get_if<idm::PlanChanged>(&outcome)) {
        Response res = idm_import_page(a, school, file, form.get("filnamn"), changed->plan, true);
        res.status = 409;
        return res;
    }
    if (const auto* no = std::get_if<idm::Refused>(&outcome)) {
        if (no->problem == idm::Problem::not_allowed || no->problem == idm::Problem::no_such_school)
            return idm_refused(a, req, no->problem);
        Data d{Data::type::object};
        d.set("import_error",
              views_.t(a.lang, problem_key(no->problem), {{"max", std::to_string(idm::kMaxImportRows)}}));
        return idm_people_page(a, req, school, 422, std::move(d));
    }
    const auto& done = std::get<idm::Imported>(outcome);
    if (s_.wake_mail) s_.wake_mail();
    return Response::redirect(school_path(school, "importerat") + "&ny=" + std::to_string(done.added) +
                              "&fick=" + std::to_string(done.granted));
}

void IdmPages::add_routes(Router& r) {
    r.add("GET", "/identity-manager", this, &IdmPages::identity_manager);
    r.add("GET", "/identity-manager/skola", this, &IdmPages::idm_school);
    r.add("GET", "/identity-manager/person", this, &IdmPages::idm_person);
    r.add("GET", "/identity-manager/sok", this, &IdmPages::idm_search);
    r.add("GET", "/identity-manager/brev", this, &IdmPages::idm_letters);
    r.add("GET", "/identity-manager/brev/pdf", this, &IdmPages::idm_letter_pdf);
    r.add("POST", "/identity-manager/brev/postat", this, &IdmPages::idm_letter_posted);
    r.add("POST", "/identity-manager/person", this, &IdmPages::idm_add_person);
    r.add("POST", "/identity-manager/tjanster", this, &IdmPages::idm_set_services);
    r.add("POST", "/identity-manager/ta-bort", this, &IdmPages::idm_remove);
    r.add("POST", "/identity-manager/las-upp", this, &IdmPages::idm_unlock);
    r.add("POST", "/identity-manager/andra-steget", this, &IdmPages::idm_reset_factor);
    r.add("POST", "/identity-manager/engangslosenord", this, &IdmPages::idm_send_otp);
    r.add("POST", "/identity-manager/utse", this, &IdmPages::idm_appoint_admin);
    r.add("POST", "/identity-manager/avsatt", this, &IdmPages::idm_remove_admin);
    r.add("POST", "/identity-manager/skolor", this, &IdmPages::idm_add_school);
    r.add("POST", "/identity-manager/ny-skola", this, &IdmPages::idm_add_school_with_admin);
    r.add("POST", "/identity-manager/skoluppgifter", this, &IdmPages::idm_update_school);
    r.add("GET", "/identity-manager/post", this, &IdmPages::idm_mail);
    r.add("POST", "/identity-manager/post/igen", this, &IdmPages::idm_mail_retry);
    r.add("GET", "/identity-manager/logg", this, &IdmPages::idm_audit);
    r.add("POST", "/identity-manager/import", this, &IdmPages::idm_import);
    r.add("POST", "/identity-manager/import/spara", this, &IdmPages::idm_import_save).large();  // the file rides along
}

}  // namespace mina::web
