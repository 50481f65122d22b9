#include "web/desk_pages.hpp"

#include "web/audit_words.hpp"
#include "web/wording.hpp"

namespace mina::web {

bool DeskPages::add_desk(const Authed& a, Data& d) {
    if (!a.viewer.agency_admin) return false;
    auto result = s_.idm.desk(a.viewer, now());
    if (!std::holds_alternative<idm::Desk>(result)) return false;
    const auto& desk = std::get<idm::Desk>(result);
    const std::string& lang = a.lang;
    Data out{Data::type::object};
    // Each count a link to the list it counts (t_count: "3 skolor", "1 brev att skriva ut").
    Data counts{Data::type::list};
    auto count = [&](const char* key, int n, const char* href, bool attention) {
        Data item{Data::type::object};
        item.set("text", views_.t_count(lang, key, n));
        item.set("href", std::string(href));
        item.set("attention", attention && n > 0);
        counts.push_back(item);
    };
    count("desk_schools", desk.schools, "/identity-manager", false);
    count("desk_letters", desk.letters_unposted, "/identity-manager/brev", true);
    count("desk_mail_failed", desk.mail_failed, "/identity-manager/post", true);
    count("desk_locked", desk.locked, "#desk-locked", true);
    out.set("counts", counts);
    Data locked{Data::type::list};
    for (const auto& l : desk.locked_now) {
        Data item{Data::type::object};
        item.set("row", views_.t(lang, l.schools.empty() ? "desk_locked_row_no_school" : "desk_locked_row",
                                 {{"name", l.person.display_name()},
                                  {"username", l.person.username.value()},
                                  {"until", when(lang, l.until)}}));
        Data schools{Data::type::list};
        for (const auto& s : l.schools) {
            Data school{Data::type::object};
            school.set("code", s.code.value());
            school.set("name", s.name);
            school.set("comma", !schools.is_empty_list());
            schools.push_back(school);
        }
        item.set("locked_schools", schools);
        locked.push_back(item);
    }
    out.set("locked", locked);
    out.set("no_locked", desk.locked_now.empty());
    if (desk.locked > static_cast<int>(desk.locked_now.size()))
        out.set("locked_more",
                views_.t(lang, "desk_locked_more",
                         {{"shown", std::to_string(desk.locked_now.size())}, {"n", std::to_string(desk.locked)}}));
    const auto who = [&](const std::string& id) { return audit_who(views_, lang, id, desk.names); };
    Data events{Data::type::list};
    for (const auto& e : desk.recent) {
        Data item{Data::type::object};
        item.set("at", when(lang, e.event.at));
        // "Behörighet gavs: ba1021 vid DEMO1 (Behörighetsadministratör). Av cli:root."
        std::string text = audit_kind_words(views_, lang, e.event.kind);
        std::string about = e.event.subject.empty() ? std::string{} : who(e.event.subject);
        if (!e.event.school.empty())
            about += (about.empty() ? "" : " ") + views_.t(lang, "desk_event_at", {{"school", e.event.school}});
        if (!about.empty()) text += ": " + about;
        const std::string detail = audit_detail_words(views_, lang, e.event.kind, e.event.detail, ctx_.zone);
        if (!detail.empty()) text += " (" + detail + ")";
        text += ". " + views_.t(lang, "desk_event_by", {{"actor", who(e.event.actor)}});
        item.set("text_html", html_keeping_dates(text));  // escaped, its days on one line
        events.push_back(item);
    }
    out.set("events", events);
    out.set("no_events", desk.recent.empty());
    d.set("agency_desk", out);
    return true;
}

}  // namespace mina::web
