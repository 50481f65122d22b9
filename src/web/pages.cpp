#include "web/pages.hpp"

#include <functional>
#include <span>

#include "embedded/static.hpp"
#include "web/wording.hpp"

namespace mina::web {

namespace {
std::string content_type_for(std::string_view name) {
    if (name.ends_with(".css")) return "text/css; charset=utf-8";
    if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
    return "application/octet-stream";
}
}  // namespace

std::string safe_next(std::string_view next) {
    if (next.size() < 2 || next.size() > 200 || next.front() != '/' || next[1] == '/' || next[1] == '\\') return {};
    for (char c : next)
        if (static_cast<unsigned char>(c) < 0x21 || c == '\\') return {};
    return std::string(next);
}

void add_security_headers(Response& res, bool secure) {
    std::string form_action = "'self'";
    for (const auto& origin : res.form_targets) form_action += " " + origin;
    res.header("Content-Security-Policy",
               "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
               "form-action " +
                   form_action + "; frame-ancestors 'none'; base-uri 'none'");
    res.header("X-Content-Type-Options", "nosniff");
    res.header("X-Frame-Options", "DENY");
    res.header("Referrer-Policy", "no-referrer");
    res.header("Cross-Origin-Opener-Policy", "same-origin");
    if (secure) res.header("Strict-Transport-Security", "max-age=31536000");
    bool has_cache = false;
    for (const auto& [k, v] : res.headers)
        if (k == "Cache-Control") has_cache = true;
    if (!has_cache) res.header("Cache-Control", "no-store");
}

PageContext::PageContext(PageSettings s)
    : views(s.views), site(s.site), zone(s.zone), policy(s.policy), portal(s.portal), tokens(s.tokens), s_(s) {
    std::string all;
    for (const auto& f : embedded_static::files()) {
        std::string body(f.text);
        const auto h = std::hash<std::string>{}(body);
        char buf[20];
        std::snprintf(buf, sizeof buf, "%016zx", h);
        static_files_.emplace(std::string(f.name),
                              StaticFile{body, content_type_for(f.name), std::string("\"") + buf + "\""});
        all += buf;
    }
    char v[20];
    std::snprintf(v, sizeof v, "%08zx", std::hash<std::string>{}(all)&0xffffffffu);
    asset_version_ = v;
    for (const char* lang : {"sv", "en"})
        layout_words_.emplace(
            lang, LayoutWords{std::to_string(s_.policy.session_idle.count()),
                              views.t(lang, "timeout_note", {{"idle", human_duration(lang, s_.policy.session_idle)}}),
                              text::lower_ascii(s_.site.agency_name)});
}

const PageContext::LayoutWords& PageContext::layout_words(const std::string& lang) const {
    const auto it = layout_words_.find(lang);
    return it != layout_words_.end() ? it->second : layout_words_.at("sv");
}

ClientInfo PageContext::client(const Request& req) {
    return ClientInfo{req.client_address, std::string(req.header("user-agent").substr(0, 200))};
}

std::string PageContext::count_word(const std::string& lang, int n) const { return count_words(lang, n); }

std::string PageContext::human_duration(const std::string& lang, Seconds d) const {
    return duration_words(lang, d, DayWord::dygn);
}

Response PageContext::message_page(const Request& req, const std::string& lang, int status, const std::string& heading,
                                   const std::vector<std::string>& paragraphs, const std::string& link_href,
                                   const std::string& link_text) {
    Data d{Data::type::object};
    d.set("title", heading);
    d.set("heading", heading);
    Data list{Data::type::list};
    for (const auto& p : paragraphs) list.push_back(Data{p});
    d.set("paragraphs", list);
    if (!link_href.empty()) {
        d.set("link_href", link_href);
        d.set("link_text", link_text);
    }
    d.set("agency_lower", text::lower_ascii(s_.site.agency_name));
    d.set("asset_version", asset_version_);
    d.set("path", req.path);
    Response res;
    res.status = status;
    res.body = views.page("message", lang, std::move(d));
    return res;
}

Response PageContext::error_page(const Request& req, int status, std::string_view key) {
    const std::string lang = pick_language(req, {});
    return message_page(req, lang, status, views.t(lang, "error_title"), {views.t(lang, key)}, "/",
                        views.t(lang, "back_to_start"));
}

Response PageContext::login_redirect(const Request& req, bool had_token) const {
    if (had_token) {
        Response r = Response::redirect("/logga-in?slut=1");
        r.header("Set-Cookie", cookie_header(kSessionCookie, "", req.secure, 0));
        return r;
    }
    const std::string next = safe_next(req.path);
    return Response::redirect(next.empty() || next == "/start" ? "/logga-in" : "/logga-in?next=" + next);
}

std::optional<portal::Viewer> PageContext::viewer(const Request& req, PoolKind where) {
    const std::string token = req.cookie(kSessionCookie);
    if (token.empty()) return std::nullopt;
    return where == PoolKind::io
               ? s_.portal.resume(token, now(), [this](std::function<void()> job) { s_.later.post(std::move(job)); })
               : s_.portal.resume(token, now());
}

std::variant<Authed, Response> PageContext::login(Request& req, PoolKind where) {
    auto viewer = this->viewer(req, where);
    if (!viewer) return login_redirect(req, !req.cookie(kSessionCookie).empty());
    std::string lang = pick_language(req, viewer->person.lang);
    return Authed{std::move(*viewer), std::move(lang)};
}

bool PageContext::csrf_ok(const Authed& a, std::string_view token) const {
    return s_.tokens.equal(token, a.viewer.session.csrf_token);
}

const PageContext::StaticFile* PageContext::static_file(std::string_view name) const {
    const auto it = static_files_.find(name);
    return it == static_files_.end() ? nullptr : &it->second;
}

Response PageContext::authed_page(const Authed& a, std::string_view page, const std::string& title, Data d,
                                  std::string_view current_menu) {
    const auto& v = a.viewer;
    const std::string& lang = a.lang;
    d.set("authenticated", true);
    d.set("title", title);
    d.set("csrf", v.session.csrf_token);
    d.set("display_name", v.person.display_name());
    const LayoutWords& words = layout_words(lang);
    d.set("idle_seconds", words.idle_seconds);
    d.set("timeout_note", words.timeout_note);
    d.set("agency_lower", words.agency_lower);
    d.set("asset_version", asset_version_);
    d.set("page_" + std::string(page), true);
    Data schools{Data::type::list};
    std::vector<const SchoolAccess*> access;
    access.reserve(v.access.size());
    for (const auto& acc : v.access) access.push_back(&acc);
    time::sort_swedish(access, [](const SchoolAccess* acc) { return acc->school.name; });
    for (const SchoolAccess* at : access) {
        const SchoolAccess& acc = *at;
        Data item{Data::type::object};
        item.set("code", acc.school.code.value());
        item.set("name", acc.school.name);
        item.set("selected", acc.school.code.value() == v.session.school);
        schools.push_back(item);
    }
    d.set("schools", schools);
    Data menu{Data::type::list};
    if (const SchoolAccess* chosen = v.chosen()) {
        auto add = [&](const std::string& href, std::string_view key) {
            Data item{Data::type::object};
            item.set("current", href == current_menu);
            item.set("href", href);
            item.set("label", views.t(lang, key));
            menu.push_back(item);
        };
        const std::string& c = chosen->school.code.value();
        if (v.may(authz::Action::studietider, c)) add("/tjanster/studietider", "service_studietider");
        if (v.may(authz::Action::report_students, c))
            add("/tjanster/studeranderapportering", "service_studeranderapportering");
        if (v.may(authz::Action::administer_people, c)) add("/identity-manager", "menu_idm");
        if (v.may(authz::Action::administer_agency, {}))
            add("/tjanster/studeranderapportering/myndighet", "menu_reports_agency");
    } else if (v.may(authz::Action::administer_agency, {})) {
        for (const auto& [href, key] :
             {std::pair{"/identity-manager", "menu_idm"},
              std::pair{"/tjanster/studeranderapportering/myndighet", "menu_reports_agency"}}) {
            Data item{Data::type::object};
            item.set("href", std::string(href));
            item.set("label", views.t(lang, key));
            item.set("current", href == current_menu);
            menu.push_back(item);
        }
    }
    d.set("menu", menu);
    Response res;
    res.body = views.page(page, lang, std::move(d));
    return res;
}

Response Pages::service_forbidden(const Authed& a, Request& req, std::string_view service_key) {
    return forbidden_page(a, req, service_key, views_.t(a.lang, "forbidden_service"));
}

Response Pages::forbidden_page(const Authed& a, Request& req, std::string_view heading_key, const std::string& why) {
    ctx_.portal.record_refusal(a.viewer, std::string(req.path), client(req), now());
    Data d{Data::type::object};
    d.set("heading", views_.t(a.lang, heading_key));
    Data list{Data::type::list};
    list.push_back(Data{why});
    d.set("paragraphs", list);
    Response res = authed_page(a, "message", views_.t(a.lang, heading_key), std::move(d));
    res.status = 403;
    return res;
}

Response Pages::confirm_page(const Authed& a, const Request& req, const Form& form, const Confirmation& c) {
    Data d{Data::type::object};
    d.set("heading", c.heading);
    d.set("what", c.what);
    d.set("button", c.button);
    d.set("action", req.path);
    const std::string back = safe_next(c.cancel_href);
    d.set("cancel", back.empty() ? std::string("/start") : back);
    Data fields{Data::type::list};
    for (const auto& [name, value] : form.fields()) {
        if (name == "csrf" || name == "bekrafta") continue;
        Data f{Data::type::object};
        f.set("name", name);
        f.set("value", value);
        fields.push_back(f);
    }
    d.set("fields", fields);
    return authed_page(a, "confirm", c.heading, std::move(d), c.menu);
}

}  // namespace mina::web
