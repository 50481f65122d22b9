#include "web/help_pages.hpp"

#include <array>
#include <map>
#include <string_view>

namespace mina::web {

namespace {

/// A question of Vanliga frågor: its anchor, and its catalog keys (faq_<key>_q, then the answer's
/// paragraphs faq_<key>_a1 ... a<paragraphs>), with a link where the answer leads somewhere.
struct Question {
    std::string_view id;
    std::string_view key;
    int paragraphs;
    std::string_view link_href = {};
    std::string_view link_key = {};
};

// The manual's chapter 4 in its order, then what people of this product ask besides.
constexpr std::array kQuestions{
    Question{"hur-ofta", "often", 2},
    Question{"glomt-anvandarnamn", "username", 2},
    Question{"glomt-losenord", "password", 2, "/kiosk", "login_forgot_link"},
    Question{"inga-anvandaruppgifter", "no_mail", 4},
    Question{"flera-skolor", "schools", 1},
    Question{"samma-losenord", "same_password", 1},
    Question{"vem-kontaktar-jag", "contact", 3},
    Question{"kontot-ar-last", "locked", 2},
    Question{"engangslosenordet-fungerar-inte", "new_otp", 3, "/kiosk/glomt", "kiosk_forgot_link"},
    Question{"ger-inte-ratt-till-studiemedel", "no_aid", 3},
    Question{"utloggad", "logged_out", 1},
};

/// How long a password lasts, as the manual says it: a whole year in months ("12 månader"),
/// whole months of 30 days likewise, anything else in days.
std::string months_or(const Views& views, const std::string& lang, long long days, const std::string& otherwise) {
    if (days > 0 && days % 365 == 0) return views.t_count(lang, "months", days / 365 * 12);
    if (days > 0 && days % 30 == 0) return views.t_count(lang, "months", days / 30);
    return otherwise;
}

}  // namespace

Response HelpPages::faq(Request& req) {
    // A person logged in reads it inside the pages after login, in their own language.
    std::optional<Authed> who;
    if (!req.cookie(kSessionCookie).empty())
        if (auto r = ctx_.login(req, PoolKind::work); std::holds_alternative<Authed>(r))
            who = std::move(std::get<Authed>(r));
    const std::string lang = who ? who->lang : pick_language(req, {});

    const auto& p = ctx_.policy;
    const auto& site = ctx_.site;
    const std::string hours = lang == "en" ? site.school_phone_hours_en : site.school_phone_hours_sv;
    // The school list's label as the reader sees it, without its colon ("Vald skola:") inside quotes.
    std::string chosen_school = views_.t(lang, "chosen_school");
    while (!chosen_school.empty() && (chosen_school.back() == ':' || chosen_school.back() == ' '))
        chosen_school.pop_back();
    const std::map<std::string, std::string> words{
        {"times",
         views_.t_count(lang, "times", p.max_failed_logins, {{"word", count_word(lang, p.max_failed_logins)}})},
        {"lockout", human_duration(lang, p.lockout)},
        {"agency", site.agency_name},
        {"phone", site.school_phone},
        // Inside a sentence, where Swedish writes the day in lower case (as Startsida does).
        {"hours", lang == "en" ? hours : text::lower_first(hours)},
        {"otp_reset", human_duration(lang, p.otp_ttl_reset)},
        {"otp_first", human_duration(lang, p.otp_ttl_first)},
        {"otp_delay", human_duration(lang, p.otp_email_delay)},
        {"password_age",
         months_or(views_, lang, p.password_max_age.count() / 86400, human_duration(lang, p.password_max_age))},
        {"idle", human_duration(lang, p.session_idle)},
        {"absolute", human_duration(lang, p.session_absolute)},
        {"applications", views_.t(lang, "idm_applications")},
        {"send_otp", views_.t(lang, "idm_send_otp")},
        {"chosen_school", chosen_school},
        {"forgot", views_.t(lang, "login_forgot_link")},
    };

    Data d{Data::type::object};
    d.set("intro", views_.t(lang, "faq_intro", words));
    Data list{Data::type::list};
    for (const Question& q : kQuestions) {
        const std::string base = "faq_" + std::string(q.key);
        Data item{Data::type::object};
        item.set("id", std::string(q.id));
        item.set("question", views_.t(lang, base + "_q", words));
        Data answer{Data::type::list};
        for (int i = 1; i <= q.paragraphs; ++i)
            answer.push_back(Data{views_.t(lang, base + "_a" + std::to_string(i), words)});
        item.set("answer", answer);
        if (!q.link_href.empty()) {
            item.set("link_href", std::string(q.link_href));
            item.set("link_text", views_.t(lang, q.link_key));
        }
        list.push_back(item);
    }
    d.set("questions", list);
    const std::string title = views_.t(lang, "faq_heading");
    if (who) return authed_page(*who, "faq", title, std::move(d));
    d.set("title", title);
    d.set("agency_lower", text::lower_ascii(site.agency_name));
    d.set("asset_version", ctx_.asset_version());
    d.set("path", req.path);
    Response res;
    res.body = views_.page("faq", lang, std::move(d));
    return res;
}

// The columns of Studietider's file in the order the school's file is written (docs/OPERATIONS.md,
// "The school's file"): its name as the header writes it, then the catalog's words for its values.
constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kStColumns{{
    {"Utbildningskod", "code"},
    {"Utbildningens namn", "name"},
    {"Nivå", "level"},
    {"Poängtyp", "unit"},
    {"Omfattning", "total"},
    {"Distans", "distance"},
    {"Uppdragsutbildning", "contract"},
    {"Studietid", "label"},
    {"Första dag", "first"},
    {"Sista dag", "last"},
    {"Poäng", "credits"},
    {"Studietakt", "pace"},
    {"Lov", "breaks"},
    {"Status", "status"},
}};

// Three rows a school could upload as they are: a programme with a published and a draft term, and
// a course without credits whose pace the school states, with an autumn break.
constexpr std::string_view kStExample =
    "Utbildningskod;Utbildningens namn;Nivå;Poängtyp;Omfattning;Distans;Uppdragsutbildning;Studietid;Första "
    "dag;Sista dag;Poäng;Studietakt;Lov;Status\n"
    "SSK-1;Sjuksköterskeprogrammet;eftergymnasial;hp;180;nej;nej;HT2026;2026-08-31;2027-01-17;30;;;publicerad\n"
    "SSK-1;Sjuksköterskeprogrammet;eftergymnasial;hp;180;nej;nej;VT2027;2027-01-18;2027-06-06;30;;;utkast\n"
    "SVA-1;Svenska som andraspråk;gymnasieniva;ingen;;ja;nej;HT2026;2026-08-24;2026-12-18;;75;2026-10-26/"
    "2026-11-01;utkast\n";

Response HelpPages::st_format(Request& req, Authed& a) {
    const SchoolAccess* chosen = a.viewer.chosen();
    if (!chosen || !a.viewer.may(authz::Action::studietider, chosen->school.code.value()))
        return service_forbidden(a, req, "service_studietider");
    Data d{Data::type::object};
    Data columns{Data::type::list};
    for (const auto& [name, key] : kStColumns) {
        Data c{Data::type::object};
        c.set("name", std::string(name));
        c.set("about", views_.t(a.lang, "st_format_col_" + std::string(key)));
        columns.push_back(c);
    }
    d.set("columns", columns);
    d.set("example", std::string(kStExample));
    return authed_page(a, "st_format", views_.t(a.lang, "st_format_heading"), std::move(d), "/tjanster/studietider");
}

void HelpPages::add_routes(Router& r) {
    r.add("GET", "/vanliga-fragor", this, &HelpPages::faq);
    r.add("GET", "/tjanster/studietider/fil/format", this, &HelpPages::st_format);
}

}  // namespace mina::web
