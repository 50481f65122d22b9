// The Identity Manager's list of a school's people and a person's page ([10] items 1 and 2): the
// list sorted, filtered and one page at a time, with no form per row; everything done to one person
// is done on their page, and what cannot be undone is asked first (Pages::confirm_page).
#include <algorithm>
#include <map>

#include "core/idm/idm.hpp"
#include "web/audit_words.hpp"
#include "web/idm_pages.hpp"
#include "web/wording.hpp"

namespace mina::web {

namespace {

constexpr int kPerPage = 50;

/// The list's choices as the address writes them.
struct ListQuery {
    std::string text;         // q
    std::string service;      // tjanst: a role's name
    std::string state;        // status: aktiv, vantar, last
    std::string sort;         // sortera: namn (default), anvandarnamn, status
    bool descending = false;  // ordning=fallande
    long long page = 1;       // sida
};

std::optional<idm::PersonState> parse_state(std::string_view s) {
    if (s == "aktiv") return idm::PersonState::active;
    if (s == "vantar") return idm::PersonState::pending;
    if (s == "last") return idm::PersonState::locked;
    return std::nullopt;
}

ListQuery list_query(const Form& q) {
    ListQuery out;
    out.text = q.get("q");
    if (out.text.size() > 100) out.text.resize(100);
    out.service = parse_role(q.get("tjanst")) ? q.get("tjanst") : std::string();
    out.state = parse_state(q.get("status")) ? q.get("status") : std::string();
    const std::string sort = q.get("sortera");
    out.sort = (sort == "anvandarnamn" || sort == "status") ? sort : "namn";
    out.descending = q.get("ordning") == "fallande";
    if (auto n = integer(q, "sida"); n && *n >= 1 && *n <= 1'000'000) out.page = *n;
    return out;
}

/// The list's address with these choices (the defaults left out).
std::string list_href(const std::string& code, const ListQuery& l) {
    std::string out = "/identity-manager/skola?kod=" + url_encode(code);
    if (!l.text.empty()) out += "&q=" + url_encode(l.text);
    if (!l.service.empty()) out += "&tjanst=" + url_encode(l.service);
    if (!l.state.empty()) out += "&status=" + l.state;
    if (l.sort != "namn") out += "&sortera=" + l.sort;
    if (l.descending) out += "&ordning=fallande";
    if (l.page > 1) out += "&sida=" + std::to_string(l.page);
    return out;
}

std::string sort_key_name(const PersonAtSchool& p) { return p.person.last_name + " " + p.person.first_name; }

}  // namespace

std::string idm_person_path(const std::string& code, const std::string& username, std::string_view message) {
    std::string out = "/identity-manager/person?kod=" + url_encode(code) + "&anvandarnamn=" + url_encode(username);
    if (!message.empty()) out += "&m=" + std::string(message);
    return out;
}

std::string IdmPages::services_words(const std::string& lang, const std::vector<Role>& roles) const {
    std::string out;
    for (Role r : {Role::studietider, Role::studeranderapportering, Role::school_admin}) {
        if (std::find(roles.begin(), roles.end(), r) == roles.end()) continue;
        if (!out.empty()) out += ", ";
        out += views_.t(lang, r == Role::studietider              ? "service_studietider"
                              : r == Role::studeranderapportering ? "service_studeranderapportering"
                                                                  : "idm_role_school_admin");
    }
    return out;
}

std::string IdmPages::state_short(const std::string& lang, const PersonAtSchool& p) const {
    switch (idm::state_of(p, now())) {
        case idm::PersonState::locked:
            return views_.t(lang, "idm_state_short_locked", {{"until", when(lang, *p.locked_until)}});
        case idm::PersonState::active: return views_.t(lang, "idm_state_short_active");
        case idm::PersonState::pending: return views_.t(lang, "idm_state_short_pending");
    }
    return {};
}

std::string IdmPages::state_sentences(const std::string& lang, const PersonAtSchool& p) const {
    std::string state;
    if (p.has_password) {
        state = views_.t(lang, "idm_state_active");
        if (p.last_login_at)
            state +=
                " " + views_.t(lang, "idm_state_last_login", {{"at", when(lang, *p.last_login_at, time::Form::day)}});
        if (p.password_set_at) {
            const auto days = (now() - *p.password_set_at).count() / 86400;
            state += " " + (days == 0 ? views_.t(lang, "idm_state_password_today")  // not "0 dagar gammalt"
                                      : views_.t_count(lang, "idm_state_password_age", days));
        }
    } else {
        state = views_.t(lang, "idm_state_not_active");
        if (!p.letter_status.empty()) state += " " + views_.t(lang, "idm_letter_" + p.letter_status);
        if (!p.otp_mail.empty()) state += " " + views_.t(lang, "idm_otp_" + p.otp_mail);
    }
    if (p.locked_until && *p.locked_until > now())
        state += " " + views_.t(lang, "idm_state_locked", {{"until", when(lang, *p.locked_until)}});
    return state;
}

void IdmPages::people_list(const Authed& a, const Request& req, const School& s, std::vector<PersonAtSchool> people,
                           Data& d) {
    const std::string& lang = a.lang;
    const std::string code = s.code.value();
    const auto q = Form::parse(req.method == "GET" ? std::string_view(req.query) : std::string_view{}).value_or(Form{});
    ListQuery l = list_query(q);
    const bool nobody = people.empty();
    d.set("no_people", nobody);

    // The filter: free text, a service, a state.
    idm::PeopleFilter f;
    f.text = l.text;
    if (!l.service.empty()) f.role = parse_role(l.service);
    f.state = parse_state(l.state);
    const Timestamp at = now();
    std::erase_if(people, [&](const PersonAtSchool& p) { return !idm::matches(p, f, at); });

    // Swedish order (Å, Ä, Ö after Z; case and accents second), which no database collation promises;
    // ties by name.
    time::sort_swedish(people, sort_key_name);
    if (l.sort == "anvandarnamn")
        time::sort_swedish(people, [](const PersonAtSchool& p) { return p.person.username.value(); });
    else if (l.sort == "status")
        std::stable_sort(people.begin(), people.end(), [at](const PersonAtSchool& x, const PersonAtSchool& y) {
            return static_cast<int>(idm::state_of(x, at)) < static_cast<int>(idm::state_of(y, at));
        });
    if (l.descending) std::reverse(people.begin(), people.end());

    const long long total = static_cast<long long>(people.size());
    const long long pages = std::max<long long>(1, (total + kPerPage - 1) / kPerPage);
    l.page = std::min(l.page, pages);
    d.set("count", views_.t_count(lang, "idm_list_count", total));
    d.set("none_matched", total == 0 && !nobody);

    Data rows{Data::type::list};
    const auto first = static_cast<std::size_t>((l.page - 1) * kPerPage);
    for (std::size_t i = first; i < people.size() && i < first + kPerPage; ++i) {
        const auto& p = people[i];
        Data row{Data::type::object};
        row.set("username", p.person.username.value());
        row.set("name", p.person.display_name());
        row.set("href", idm_person_path(code, p.person.username.value()));
        row.set("services", services_words(lang, p.roles));
        row.set("state", state_short(lang, p));
        row.set("locked", idm::state_of(p, at) == idm::PersonState::locked);
        rows.push_back(row);
    }
    d.set("people", rows);

    // The column headers sort: the sorted one says so (aria-sort), and a second click turns the order.
    for (const auto& [column, key] : {std::pair{"namn", "sort_name"}, std::pair{"anvandarnamn", "sort_username"},
                                      std::pair{"status", "sort_state"}}) {
        ListQuery by = l;
        by.page = 1;
        by.sort = column;
        by.descending = l.sort == column && !l.descending;
        Data col{Data::type::object};
        col.set("href", list_href(code, by));
        if (l.sort == column) col.set("aria", std::string(l.descending ? "descending" : "ascending"));
        d.set(key, col);
    }

    // The filter form as chosen.
    d.set("filter_text", l.text);
    d.set("filtered", !l.text.empty() || !l.service.empty() || !l.state.empty());
    d.set("sort", l.sort);
    d.set("descending", l.descending);
    // A filter's choices: each value with its words, the chosen one selected.
    const auto options = [&](std::initializer_list<std::pair<const char*, const char*>> choices,
                             const std::string& chosen) {
        Data list{Data::type::list};
        for (const auto& [value, label] : choices) {
            Data o{Data::type::object};
            o.set("value", std::string(value));
            o.set("label", views_.t(lang, label));
            o.set("selected", chosen == value);
            list.push_back(o);
        }
        return list;
    };
    d.set("service_options", options({{"", "idm_list_service_all"},
                                      {"studietider", "service_studietider"},
                                      {"studeranderapportering", "service_studeranderapportering"},
                                      {"school-admin", "idm_role_school_admin"}},
                                     l.service));
    d.set("state_options", options({{"", "idm_list_state_all"},
                                    {"aktiv", "idm_state_short_active"},
                                    {"vantar", "idm_state_short_pending"},
                                    {"last", "idm_list_state_locked"}},
                                   l.state));

    // Pages, as the agency's search pages have them.
    if (pages > 1) {
        d.set("page_label",
              views_.t(lang, "idm_list_page", {{"page", std::to_string(l.page)}, {"pages", std::to_string(pages)}}));
        if (l.page > 1) {
            ListQuery prev = l;
            --prev.page;
            d.set("previous_href", list_href(code, prev));
        }
        if (l.page < pages) {
            ListQuery next = l;
            ++next.page;
            d.set("next_href", list_href(code, next));
        }
    }
}

// ---- A person's page ---------------------------------------------------------------------------------

Response IdmPages::idm_person(Request& req, Authed& a) {
    auto q = Form::parse(req.query).value_or(Form{});
    Data d{Data::type::object};
    static const std::map<std::string, std::string> kFlash{
        {"sparat", "idm_saved"},           {"upplast", "idm_unlocked"},     {"skickat", "idm_otp_queued"},
        {"utsedd", "idm_admin_appointed"}, {"avsatt", "idm_admin_removed"}, {"andra-steget", "idm_factor_reset_done"}};
    if (auto it = kFlash.find(q.get("m")); it != kFlash.end()) d.set("flash_key", it->second);
    return idm_person_page(a, req, q.get("kod"), q.get("anvandarnamn"), 200, std::move(d));
}

Response IdmPages::idm_person_page(const Authed& a, Request& req, const std::string& school,
                                   const std::string& username, int status, Data d) {
    auto result = s_.idm.person(a.viewer, school, username);
    if (auto* no = std::get_if<idm::Refused>(&result)) return idm_refused(a, req, no->problem);
    const auto& view = std::get<idm::PersonView>(result);
    const std::string& lang = a.lang;
    const auto& p = view.person;
    const std::string code = view.school.code.value();
    const std::string user = p.person.username.value();
    const std::string name = p.person.display_name();
    if (const auto* key = d.get("flash_key"))
        d.set("flash", views_.t(lang, key->string_value(),
                                {{"username", user}, {"delay", duration_words(lang, ctx_.policy.otp_email_delay)}}));
    d.set("school_code", code);
    d.set("school_name", view.school.name);
    d.set("back", views_.t(lang, "idm_person_back", {{"school", view.school.name}}));
    d.set("back_href", "/identity-manager/skola?kod=" + url_encode(code));
    d.set("heading", name);
    d.set("name", name);
    d.set("username", user);
    d.set("email", p.person.email);
    d.set("state_html", html_keeping_dates(state_sentences(lang, p)));  // escaped; its days on one line
    d.set("services", services_words(lang, p.roles));
    const auto has = [&](Role r) { return std::find(p.roles.begin(), p.roles.end(), r) != p.roles.end(); };
    d.set("has_studietider", has(Role::studietider));
    d.set("has_studeranderapportering", has(Role::studeranderapportering));
    d.set("services_heading", views_.t(lang, "idm_person_services", {{"school", view.school.name}}));
    d.set("locked", idm::state_of(p, now()) == idm::PersonState::locked);
    d.set("beyond", view.beyond_school);
    d.set("may_reset_factor", view.has_second_factor && !view.factor_beyond);
    if (view.has_second_factor && view.factor_beyond)
        d.set("factor_note", views_.t(lang, "idm_factor_reset_beyond", {{"agency", ctx_.site.agency_name}}));
    if (view.beyond_school)
        d.set("beyond_note", views_.t(lang, "idm_person_beyond", {{"agency", ctx_.site.agency_name}}));
    const std::map<std::string, std::string> who{{"name", name}, {"username", user}, {"school", view.school.name}};
    d.set("remove_confirm", views_.t(lang, "idm_remove_question", who) + " " + views_.t(lang, "idm_remove_what", who));
    d.set("factor_reset_confirm",
          views_.t(lang, "idm_factor_reset_question", who) + " " + views_.t(lang, "idm_factor_reset_what", who));
    d.set("agency_view", a.viewer.agency_admin);
    d.set("is_school_admin", has(Role::school_admin));
    d.set("admin_remove_confirm",
          views_.t(lang, "idm_admin_remove_question", who) + " " + views_.t(lang, "idm_admin_remove_what", who));
    d.set("history_heading", views_.t(lang, "idm_person_history", {{"school", view.school.name}}));
    Data rows{Data::type::list};
    for (const auto& e : view.history) {
        Data row{Data::type::object};
        row.set("at", when(lang, e.event.at));
        row.set("kind", audit_kind_words(views_, lang, e.event.kind));
        row.set("actor", audit_who(views_, lang, e.event.actor, view.names));
        row.set("detail_html",  // escaped, its days on one line
                html_keeping_dates(audit_detail_words(views_, lang, e.event.kind, e.event.detail, ctx_.zone)));
        rows.push_back(row);
    }
    d.set("history", rows);
    d.set("no_history", view.history.empty());
    Response res = authed_page(a, "idm_person", name, std::move(d), "/identity-manager");
    res.status = status;
    return res;
}

}  // namespace mina::web
