#include "web/app.hpp"

#include <malloc.h>

#include <functional>
#include <span>

#include <spdlog/spdlog.h>

#include "embedded/static.hpp"
#include "web/metrics.hpp"
#include "web/wording.hpp"

namespace mina::web {

namespace {
constexpr std::string_view kSessionCookie = "mina_session";
constexpr std::string_view kPreCookie = "mina_pre";  // the CSRF token of forms shown before login
constexpr std::string_view kLangCookie = "mina_lang";
/// A body this large is let go (and its memory given back) as soon as it is parsed.
constexpr std::size_t kLargeBody = 1024 * 1024;

std::string content_type_for(std::string_view name) {
    if (name.ends_with(".css")) return "text/css; charset=utf-8";
    if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
    return "application/octet-stream";
}

/// A local path to return to after login; anything else (another host, a scheme) is dropped.
std::string safe_next(std::string_view next) {
    if (next.size() < 2 || next.size() > 200 || next.front() != '/' || next[1] == '/' || next[1] == '\\') return {};
    for (char c : next)
        if (static_cast<unsigned char>(c) < 0x21 || c == '\\') return {};
    return std::string(next);
}

}  // namespace

void add_security_headers(Response& res, bool secure) {
    res.header("Content-Security-Policy",
               "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
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

App::App(Services s, const Views& views)
    : s_(s), views_(views), public_pages_(s.search_cache_pages), session_pages_(s.session_cache_pages) {
    routes_ = {
        {"GET", "/", &App::root},
        {"GET", "/logga-in", &App::login_page},
        {"POST", "/logga-in", &App::login_submit, PoolKind::hash},
        // The kiosk's first pages start (or restart) a flow: they write, so they leave the I/O thread.
        {"GET", "/kiosk", &App::kiosk_signin_page, PoolKind::work},
        {"GET", "/kiosk/forsta-gangen", &App::kiosk_signin_page, PoolKind::work},
        {"POST", "/kiosk", &App::kiosk_signin_submit, PoolKind::hash},
        {"POST", "/kiosk/forsta-gangen", &App::kiosk_signin_submit, PoolKind::hash},
        {"GET", "/kiosk/glomt", &App::kiosk_forgot_page, PoolKind::work},
        {"POST", "/kiosk/glomt", &App::kiosk_forgot_submit},
        {"GET", "/kiosk/glomt/engangslosenord", &App::kiosk_otp_page},
        {"POST", "/kiosk/glomt/engangslosenord", &App::kiosk_otp_submit, PoolKind::hash},
        {"GET", "/kiosk/nytt-losenord", &App::kiosk_password_page},
        {"POST", "/kiosk/nytt-losenord", &App::kiosk_password_submit, PoolKind::hash},
        {"GET", "/kiosk/klart", &App::kiosk_done_page},
        {"POST", "/kiosk/byt-tecken", &App::kiosk_new_captcha},
        {"POST", "/kiosk/avbryt", &App::kiosk_cancel},
        {"POST", "/kiosk/avsluta", &App::kiosk_end},
        {"GET", "/kiosk/tecken.png", &App::kiosk_captcha_png, PoolKind::work},
        {"GET", "/kiosk/tecken.wav", &App::kiosk_captcha_wav, PoolKind::work},
        {"GET", "/identity-manager", &App::identity_manager},
        {"GET", "/identity-manager/skola", &App::idm_school},
        {"GET", "/identity-manager/sok", &App::idm_search},
        {"GET", "/identity-manager/brev", &App::idm_letters},
        {"GET", "/identity-manager/brev/pdf", &App::idm_letter_pdf, PoolKind::work},
        {"POST", "/identity-manager/brev/postat", &App::idm_letter_posted},
        {"POST", "/identity-manager/person", &App::idm_add_person},
        {"POST", "/identity-manager/tjanster", &App::idm_set_services},
        {"POST", "/identity-manager/ta-bort", &App::idm_remove},
        {"POST", "/identity-manager/las-upp", &App::idm_unlock},
        {"POST", "/identity-manager/engangslosenord", &App::idm_send_otp},
        {"POST", "/identity-manager/utse", &App::idm_appoint_admin},
        {"POST", "/identity-manager/avsatt", &App::idm_remove_admin},
        {"POST", "/identity-manager/skolor", &App::idm_add_school},
        {"POST", "/identity-manager/skoluppgifter", &App::idm_update_school},
        {"GET", "/identity-manager/post", &App::idm_mail},
        {"POST", "/identity-manager/post/igen", &App::idm_mail_retry},
        {"GET", "/identity-manager/logg", &App::idm_audit},
        {"POST", "/identity-manager/import", &App::idm_import},
        {"POST", "/identity-manager/import/spara", &App::idm_import_save},
        {"GET", "/tillganglighet", &App::accessibility},
        {"GET", "/sprak", &App::language},
        {"GET", "/healthz", &App::healthz},
        {"GET", "/metrics", &App::metrics},
        {"GET", "/start", &App::start},
        {"POST", "/skola", &App::choose_school},
        {"GET", "/kontakta-oss", &App::contact},
        {"GET", "/anpassa", &App::customize_page},
        {"POST", "/anpassa", &App::customize_submit},
        {"POST", "/logga-ut", &App::logout},
        {"POST", "/session/forlang", &App::extend_session},
        {"GET", "/tjanster/studietider", &App::service_studietider},
        {"GET", "/tjanster/studietider/utbildning", &App::st_education},
        {"POST", "/tjanster/studietider/utbildning/ny", &App::st_save_education},
        {"POST", "/tjanster/studietider/utbildning/andra", &App::st_save_education},
        {"POST", "/tjanster/studietider/utbildning/aterkalla", &App::st_withdraw_education},
        {"POST", "/tjanster/studietider/studietid", &App::st_save_period},
        {"POST", "/tjanster/studietider/studietid/publicera", &App::st_period_action},
        {"POST", "/tjanster/studietider/studietid/aterkalla", &App::st_period_action},
        {"POST", "/tjanster/studietider/kontakt", &App::st_contact},
        {"GET", "/tjanster/studietider/fil", &App::st_file_download},
        {"POST", "/tjanster/studietider/fil", &App::st_file_upload},
        {"POST", "/tjanster/studietider/fil/spara", &App::st_file_save},
        {"GET", "/studiemedel", &App::st_public},
        {"GET", "/api/v1/utbildningar", &App::st_public_api},
        {"POST", "/tjanster/studietider/kontakt/ta-bort", &App::st_contact},
        {"GET", "/tjanster/studeranderapportering", &App::sr_list},
        {"POST", "/tjanster/studeranderapportering", &App::sr_list},
        {"GET", "/tjanster/studeranderapportering/ny", &App::sr_new},
        {"POST", "/tjanster/studeranderapportering/rapport", &App::sr_report},
        {"GET", "/tjanster/studeranderapportering/student", &App::sr_student},
        {"POST", "/tjanster/studeranderapportering/student", &App::sr_student_save},
        {"GET", "/tjanster/studeranderapportering/export", &App::sr_export},
        {"POST", "/tjanster/studeranderapportering/export", &App::sr_export},
        {"GET", "/tjanster/studeranderapportering/fil", &App::sr_file},
        {"POST", "/tjanster/studeranderapportering/fil", &App::sr_file_upload},
        {"POST", "/tjanster/studeranderapportering/fil/spara", &App::sr_file_save},
        {"GET", "/tjanster/studeranderapportering/inlamning", &App::sr_submission},
        {"GET", "/tjanster/studeranderapportering/api-nycklar", &App::sr_keys},
        {"POST", "/tjanster/studeranderapportering/api-nycklar", &App::sr_key_create},
        {"POST", "/tjanster/studeranderapportering/api-nycklar/aterkalla", &App::sr_key_revoke},
        {"GET", "/tjanster/studeranderapportering/myndighet", &App::sr_agency},
        {"POST", "/tjanster/studeranderapportering/myndighet/skydd", &App::sr_agency_protection},
    };
    for (auto& r : routes_)
        if (r.method != "GET" && r.pool == PoolKind::io) r.pool = PoolKind::work;
    std::string all;
    for (const auto& f : embedded_static::files()) {
        std::string body(f.text);
        const auto h = std::hash<std::string>{}(body);
        char buf[20];
        std::snprintf(buf, sizeof buf, "%016zx", h);
        static_files_.emplace(std::string(f.name), StaticFile{body, content_type_for(f.name), std::string("\"") + buf + "\""});
        all += buf;
    }
    char v[20];
    std::snprintf(v, sizeof v, "%08zx", std::hash<std::string>{}(all) & 0xffffffffu);
    asset_version_ = v;
    for (const char* lang : {"sv", "en"})
        layout_words_.emplace(lang, LayoutWords{std::to_string(s_.policy.session_idle.count()),
                                                views_.t(lang, "timeout_note",
                                                         {{"idle", human_duration(lang, s_.policy.session_idle)}}),
                                                text::lower_ascii(s_.site.agency_name)});
}

const App::LayoutWords& App::layout_words(const std::string& lang) const {
    const auto it = layout_words_.find(lang);
    return it != layout_words_.end() ? it->second : layout_words_.at("sv");
}

PoolKind App::pool_for(const Request& req) const {
    for (const auto& r : routes_)
        if (r.path == req.path && r.method == req.method) return r.pool;
    // The reporting API writes (its path holds the school's code).
    if (is_reports_api(req.path)) return PoolKind::work;
    // Reads (pages, static files, 404s and 405s) are quick: they stay on the I/O thread.
    return PoolKind::io;
}

Response App::handle(Request& req) {
    Response res;
    if (req.path.starts_with("/static/")) {
        res = static_file(req);
    } else if (is_reports_api(req.path)) {
        try {
            res = sr_api(req);
        } catch (const ports::Unavailable& e) {
            spdlog::warn("request {} {} {}: database unavailable: {}", req.request_id, req.method, req.path, e.what());
            res = Response::text(503, "{\"error\":\"database unavailable\"}");
            res.content_type = "application/json; charset=utf-8";
            res.header("Retry-After", "5");
        }
    } else {
        const Route* match = nullptr;
        bool path_known = false;
        for (const auto& r : routes_) {
            if (r.path != req.path) continue;
            path_known = true;
            if (r.method == req.method || (req.method == "HEAD" && r.method == "GET")) match = &r;
        }
        if (match) {
            try {
                res = (this->*(match->handler))(req);
            } catch (const ports::Unavailable& e) {
                // The database is away (a restart, a failover): say so at once, and change nothing.
                spdlog::warn("request {} {} {}: database unavailable: {}", req.request_id, req.method, req.path, e.what());
                res = error_page(req, 503, "error_503_database");
                res.header("Retry-After", "5");
            }
        } else if (path_known) {
            res = error_page(req, 405, "error_405");
            std::string allow;
            for (const auto& r : routes_)
                if (r.path == req.path) allow += (allow.empty() ? "" : ", ") + std::string(r.method);
            res.header("Allow", allow);
        } else {
            res = error_page(req, 404, "error_404");
        }
    }
    add_security_headers(res, req.secure);
    if (req.method == "HEAD") res.body.clear();
    return res;
}

ClientInfo App::client(const Request& req) {
    return ClientInfo{req.client_address, std::string(req.header("user-agent").substr(0, 200))};
}

std::string App::count_word(const std::string& lang, int n) const {
    static const char* kSv[] = {"noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv"};
    static const char* kEn[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"};
    if (n < 0 || n > 12) return std::to_string(n);
    return lang == "en" ? kEn[n] : kSv[n];
}

std::string App::human_duration(const std::string& lang, Seconds d) const {
    return duration_words(lang, d, DayWord::dygn);
}

Response App::message_page(const Request& req, const std::string& lang, int status, const std::string& heading,
                           std::vector<std::string> paragraphs, std::string link_href, std::string link_text) {
    Data d{Data::type::object};
    d.set("title", heading);
    d.set("heading", heading);
    Data list{Data::type::list};
    for (auto& p : paragraphs) list.push_back(Data{p});
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
    res.body = views_.page("message", lang, std::move(d));
    return res;
}

Response App::error_page(const Request& req, int status, std::string_view key) {
    const std::string lang = pick_language(req, {});
    return message_page(req, lang, status, views_.t(lang, "error_title"), {views_.t(lang, key)}, "/",
                        views_.t(lang, "back_to_start"));
}

bool App::has_session(const Request& req) { return !req.cookie(kSessionCookie).empty(); }

Response App::login_redirect(const Request& req, bool had_token) const {
    if (had_token) {
        Response r = Response::redirect("/logga-in?slut=1");
        r.header("Set-Cookie", cookie_header(kSessionCookie, "", req.secure, 0));
        return r;
    }
    const std::string next = safe_next(req.path);
    return Response::redirect(next.empty() || next == "/start" ? "/logga-in" : "/logga-in?next=" + next);
}

std::optional<Response> App::admit(Request& head, bool verify) {
    std::optional<Response> out;
    try {
        if (is_reports_api(head.path)) {
            if (head.method == "POST") out = sr_api_admit(head, verify);
        } else if (head.path != "/logga-in" && !head.path.starts_with("/kiosk") &&
                   std::any_of(routes_.begin(), routes_.end(),
                               [&](const Route& r) { return r.path == head.path && r.method == head.method; })) {
            // Every other route's form is posted after login (the login's and the kiosk's have no
            // session); a request to no route is answered 404 or 405 by handle().
            const std::string token = head.cookie(kSessionCookie);
            if (token.empty() || (verify && !s_.portal.resume(token, now()))) out = login_redirect(head, !token.empty());
        }
    } catch (const ports::Unavailable& e) {
        spdlog::warn("request {} {} {}: database unavailable: {}", head.request_id, head.method, head.path, e.what());
        out = Response::text(503, "database unavailable\n");
        out->header("Retry-After", "5");
    }
    if (out) add_security_headers(*out, head.secure);
    return out;
}

std::variant<App::Authed, Response> App::require_login(Request& req) {
    const std::string token = req.cookie(kSessionCookie);
    auto viewer = s_.portal.resume(token, now());
    if (!viewer) return login_redirect(req, !token.empty());
    std::string lang = pick_language(req, viewer->person.lang);
    return Authed{std::move(*viewer), std::move(lang)};
}

std::variant<std::pair<App::Authed, Multipart>, Response> App::require_upload(Request& req) {
    auto who = require_login(req);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto parts = parse_multipart(req.header("content-type"), req.body);
    if (!parts) return error_page(req, 400, "error_400");
    if (req.body.size() >= kLargeBody) {
        std::string().swap(req.body);  // the parts hold what is needed: a large body is not kept twice
        (void)malloc_trim(0);  // it was read on an I/O thread, whose malloc arena would keep it
    }
    auto& a = std::get<Authed>(who);
    if (!s_.tokens.equal(parts->fields.get("csrf"), a.viewer.session.csrf_token))
        return error_page(req, 403, "error_403_csrf");
    return std::make_pair(std::move(a), std::move(*parts));
}

std::variant<std::pair<App::Authed, Form>, Response> App::require_post(Request& req) {
    auto who = require_login(req);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto form = Form::parse(req.body);
    if (!form) return error_page(req, 400, "error_400");
    if (req.body.size() >= kLargeBody) {
        std::string().swap(req.body);  // the form holds what is needed (a save may carry a whole file)
        (void)malloc_trim(0);  // it was read on an I/O thread, whose malloc arena would keep it
    }
    auto& a = std::get<Authed>(who);
    if (!s_.tokens.equal(form->get("csrf"), a.viewer.session.csrf_token)) return error_page(req, 403, "error_403_csrf");
    return std::make_pair(std::move(a), std::move(*form));
}

Response App::authed_page(const Authed& a, std::string_view page, const std::string& title, Data d,
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
    for (const auto& acc : v.access) {
        Data item{Data::type::object};
        item.set("code", acc.school.code.value());
        item.set("name", acc.school.name);
        item.set("selected", acc.school.code.value() == v.session.school);
        schools.push_back(item);
    }
    d.set("schools", schools);
    Data menu{Data::type::list};
    if (const SchoolAccess* chosen = v.chosen()) {
        auto add = [&](std::string href, std::string_view key) {
            Data item{Data::type::object};
            item.set("current", href == current_menu);
            item.set("href", std::move(href));
            item.set("label", views_.t(lang, key));
            menu.push_back(item);
        };
        if (chosen->has(Role::studietider)) add("/tjanster/studietider", "service_studietider");
        if (chosen->has(Role::studeranderapportering)) add("/tjanster/studeranderapportering", "service_studeranderapportering");
        if (chosen->has(Role::school_admin) || v.agency_admin) add("/identity-manager", "menu_idm");
        if (v.agency_admin) add("/tjanster/studeranderapportering/myndighet", "menu_reports_agency");
    } else if (v.agency_admin) {
        for (const auto& [href, key] : {std::pair{"/identity-manager", "menu_idm"},
                                        std::pair{"/tjanster/studeranderapportering/myndighet", "menu_reports_agency"}}) {
            Data item{Data::type::object};
            item.set("href", std::string(href));
            item.set("label", views_.t(lang, key));
            item.set("current", href == current_menu);
            menu.push_back(item);
        }
    }
    d.set("menu", menu);
    Response res;
    res.body = views_.page(page, lang, std::move(d));
    return res;
}

// ---- Anonymous screens --------------------------------------------------------------------------

Response App::root(Request& req) {
    if (!req.cookie(kSessionCookie).empty() && s_.portal.resume(req.cookie(kSessionCookie), now()))
        return Response::redirect("/start", 302);
    return Response::redirect("/logga-in", 302);
}

Response App::render_login(Request& req, const std::string& lang, int status, const std::string& username,
                           const std::string& error, bool kiosk_hint, const std::string& notice, const std::string& next) {
    Response res;
    std::string csrf = req.cookie(kPreCookie);
    if (csrf.size() < 32 || csrf.size() > 64) {
        csrf = s_.tokens.token();
        res.header("Set-Cookie", cookie_header(kPreCookie, csrf, req.secure));
    }
    Data d{Data::type::object};
    d.set("title", views_.t(lang, "login_heading"));
    d.set("csrf", csrf);
    d.set("username", username);
    if (!error.empty()) d.set("error", error);
    d.set("kiosk_hint", kiosk_hint);
    if (!notice.empty()) d.set("notice", notice);
    if (!next.empty()) d.set("next", next);
    const std::map<std::string, std::string> rule{{"count", count_word(lang, s_.policy.max_failed_logins)},
                                                  {"lockout", human_duration(lang, s_.policy.lockout)},
                                                  {"agency", s_.site.agency_name}};
    d.set("obs", views_.t(lang, "login_obs", rule));
    d.set("semafor_url", s_.site.semafor_url);
    d.set("order_url", s_.site.order_url);
    d.set("school_phone", s_.site.school_phone);
    d.set("school_phone_hours", lang == "en" ? s_.site.school_phone_hours_en : s_.site.school_phone_hours_sv);
    d.set("agency_lower", text::lower_ascii(s_.site.agency_name));
    d.set("asset_version", asset_version_);
    d.set("path", "/logga-in");
    res.status = status;
    res.body = views_.page("login", lang, std::move(d));
    return res;
}

Response App::login_page(Request& req) {
    const std::string lang = pick_language(req, {});
    auto q = Form::parse(req.query).value_or(Form{});
    std::string notice;
    if (q.has("slut")) notice = views_.t(lang, "login_session_ended");
    if (q.has("ut")) notice = views_.t(lang, "login_logged_out");
    if (q.get("kiosk") == "slut") notice = views_.t(lang, "kiosk_ended");
    return render_login(req, lang, 200, {}, {}, false, notice, safe_next(q.get("next")));
}

Response App::login_submit(Request& req) {
    const std::string lang = pick_language(req, {});
    auto form = Form::parse(req.body);
    if (!form) return error_page(req, 400, "error_400");
    const std::string pre = req.cookie(kPreCookie);
    if (pre.empty() || !s_.tokens.equal(form->get("csrf"), pre)) return error_page(req, 403, "error_403_csrf");
    const std::string username = form->get("username");
    const std::string password = form->get("password");
    const std::string next = safe_next(form->get("next"));
    if (login::normalize_username(username).empty() || password.empty() || password.size() > 1024)
        return render_login(req, lang, 422, username, views_.t(lang, "login_missing"), false, {}, next);

    const auto outcome = s_.login.submit({username, password, client(req), req.cookie(kSessionCookie)}, now());
    if (const auto* ok = std::get_if<login::LoggedIn>(&outcome)) {
        s_.metrics.login("success");
        Response res = Response::redirect(next.empty() ? "/start" : next);
        res.header("Set-Cookie", cookie_header(kSessionCookie, ok->session_token, req.secure));
        return res;
    }
    if (std::holds_alternative<login::Expired>(outcome)) {
        s_.metrics.login("expired");
        return render_login(req, lang, 422, username, views_.t(lang, "login_expired"), true, {}, next);
    }
    if (const auto* th = std::get_if<login::Throttled>(&outcome)) {
        s_.metrics.login("throttled");
        Response res = render_login(req, lang, 429, username,
                                    views_.t(lang, "login_throttled", {{"wait", human_duration(lang, th->wait)}}),
                                    false, {}, next);
        res.header("Retry-After", std::to_string(th->wait.count()));
        return res;
    }
    s_.metrics.login("denied");
    const std::map<std::string, std::string> rule{{"count", count_word(lang, s_.policy.max_failed_logins)},
                                                  {"lockout", human_duration(lang, s_.policy.lockout)},
                                                  {"agency", s_.site.agency_name}};
    return render_login(req, lang, 422, username, views_.t(lang, "login_failed", rule), true, {}, next);
}

Response App::accessibility(Request& req) {
    const std::string lang = pick_language(req, {});
    const std::map<std::string, std::string> p{{"agency", s_.site.agency_name}, {"phone", s_.site.school_phone}};
    return message_page(req, lang, 200, views_.t(lang, "a11y_heading"),
                        {views_.t(lang, "a11y_intro", p), views_.t(lang, "a11y_status", p), views_.t(lang, "a11y_known", p),
                         views_.t(lang, "a11y_feedback", p), views_.t(lang, "a11y_dos", p)},
                        "/", views_.t(lang, "back_to_start"));
}

Response App::language(Request& req) {
    auto q = Form::parse(req.query).value_or(Form{});
    const std::string l = q.get("l");
    std::string next = safe_next(q.get("next"));
    Response res = Response::redirect(next.empty() ? "/logga-in" : next);
    if (l == "sv" || l == "en") res.header("Set-Cookie", cookie_header(kLangCookie, l, req.secure, 365L * 86400));
    return res;
}

Response App::healthz(Request&) {
    Response res = s_.store.ping() ? Response::text(200, "ok\n") : Response::text(503, "database unavailable\n");
    return res;
}

Response App::metrics(Request&) {
    std::string text = s_.metrics.text();
    if (const auto kept = s_.store.kept_viewers()) {
        text += "# HELP mina_view_cache_lookups_total Pages after login whose viewer came from memory (hit) or "
                "the database (miss).\n# TYPE mina_view_cache_lookups_total counter\n";
        text += "mina_view_cache_lookups_total{result=\"hit\"} " + std::to_string(kept->hits) + "\n";
        text += "mina_view_cache_lookups_total{result=\"miss\"} " + std::to_string(kept->misses) + "\n";
        text += "# HELP mina_view_cache_viewers Viewers kept in memory.\n# TYPE mina_view_cache_viewers gauge\n";
        text += "mina_view_cache_viewers " + std::to_string(kept->kept) + "\n";
        text += "# HELP mina_view_cache_listening 1 while the server learns of every change to the database (else "
                "nothing is kept).\n"
                "# TYPE mina_view_cache_listening gauge\n";
        text += std::string("mina_view_cache_listening ") + (kept->listening ? "1" : "0") + "\n";
    }
    text += "# HELP mina_session_pages_total Startsida answered as kept for the session (hit) or rendered (miss).\n"
            "# TYPE mina_session_pages_total counter\n";
    text += "mina_session_pages_total{result=\"hit\"} " + std::to_string(session_pages_.hits()) + "\n";
    text += "mina_session_pages_total{result=\"miss\"} " + std::to_string(session_pages_.misses()) + "\n";
    Response res = Response::text(200, std::move(text));
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return res;
}

Response App::static_file(Request& req) {
    if (req.method != "GET" && req.method != "HEAD") return error_page(req, 405, "error_405");
    const auto it = static_files_.find(std::string_view(req.path).substr(8));
    if (it == static_files_.end()) return error_page(req, 404, "error_404");
    Response res;
    res.header("ETag", it->second.etag);
    res.header("Cache-Control", "public, max-age=31536000, immutable");
    if (req.header("if-none-match") == it->second.etag) {
        res.status = 304;
        return res;
    }
    res.content_type = it->second.content_type;
    res.body = it->second.body;
    return res;
}

// ---- Screens after login -------------------------------------------------------------------------

Response App::start(Request& req) {
    auto who = require_login(req);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto& a = std::get<Authed>(who);
    const auto& v = a.viewer;
    const SchoolAccess* chosen = v.chosen();
    // The page is made from the viewer, the language and this notice alone (and the site's settings,
    // which do not change while the server runs): the one rendered for an equal viewer is answered.
    const std::string m = Form::parse(req.query).value_or(Form{}).get("m");
    const std::string_view notice = m == "skola" && chosen ? "skola" : m == "ej-skola" ? "ej-skola" : "";
    std::string key = v.session.id_hash;
    key.append(1, ' ').append(a.lang).append(1, ' ').append(notice);
    if (auto kept = session_pages_.get(key, v)) {
        Response res;
        res.body = std::move(*kept);
        return res;
    }
    Data d{Data::type::object};
    if (notice == "skola") d.set("flash", views_.t(a.lang, "school_changed", {{"school", chosen->school.name}}));
    if (notice == "ej-skola") d.set("flash_error", views_.t(a.lang, "school_refused"));
    d.set("nudge", v.session.nudge_password);
    d.set("no_schools", v.access.empty());
    d.set("must_choose", !v.access.empty() && chosen == nullptr);
    if (chosen) {
        d.set("services_at", views_.t(a.lang, "start_services_at", {{"school", chosen->school.name}}));
        d.set("no_services", !chosen->has(Role::studietider) && !chosen->has(Role::studeranderapportering) &&
                                 !chosen->has(Role::school_admin));
    }
    const std::string hours = a.lang == "en" ? s_.site.school_phone_hours_en : s_.site.school_phone_hours_sv;
    d.set("contact_text", views_.t(a.lang, "start_contact", {{"phone", s_.site.school_phone}, {"hours", hours}}));
    Response res = authed_page(a, "start", views_.t(a.lang, "nav_start"), std::move(d));
    session_pages_.put(key, v, res.body);
    return res;
}

Response App::choose_school(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    auto& [a, form] = std::get<std::pair<Authed, Form>>(in);
    const auto result = s_.portal.choose_school(a.viewer, form.get("skola"), client(req), now());
    return Response::redirect(result == portal::Choice::chosen ? "/start?m=skola" : "/start?m=ej-skola");
}

Response App::contact(Request& req) {
    auto who = require_login(req);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto& a = std::get<Authed>(who);
    Data d{Data::type::object};
    d.set("contact_studietider", views_.t(a.lang, "contact_studietider", {{"agency", s_.site.agency_name}}));
    // The chosen school's contact person at the agency, where the agency has named one (R15).
    std::string name = s_.site.contact_name;
    std::string phone = s_.site.contact_phone;
    for (const auto& acc : a.viewer.access) {
        if (acc.school.code.value() != a.viewer.session.school) continue;
        auto tx = s_.store.begin(ports::TxMode::read);
        if (auto school = tx->schools().find(acc.school.code); school && !school->contact_name.empty()) {
            name = school->contact_name;
            phone = school->contact_phone;
        }
    }
    d.set("contact_name", name);
    d.set("contact_phone", phone);
    d.set("school_phone", s_.site.school_phone);
    d.set("school_phone_hours", a.lang == "en" ? s_.site.school_phone_hours_en : s_.site.school_phone_hours_sv);
    return authed_page(a, "contact", views_.t(a.lang, "contact_page_heading"), std::move(d));
}

Response App::customize_page(Request& req) {
    auto who = require_login(req);
    if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
    auto& a = std::get<Authed>(who);
    Data d{Data::type::object};
    auto q = Form::parse(req.query).value_or(Form{});
    if (q.get("m") == "sparat") d.set("flash", views_.t(a.lang, "customize_saved"));
    if (q.get("m") == "fel") d.set("flash_error", views_.t(a.lang, "customize_refused"));
    const std::string& pl = a.viewer.person.lang;
    d.set("lang_auto", pl.empty());
    d.set("lang_sv", pl == "sv");
    d.set("lang_en", pl == "en");
    Data schools{Data::type::list};
    for (const auto& acc : a.viewer.access) {
        Data item{Data::type::object};
        item.set("code", acc.school.code.value());
        item.set("name", acc.school.name);
        item.set("selected", acc.school.code.value() == a.viewer.person.default_school);
        schools.push_back(item);
    }
    d.set("default_schools", schools);
    return authed_page(a, "customize", views_.t(a.lang, "customize_heading"), std::move(d));
}

Response App::customize_submit(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    auto& [a, form] = std::get<std::pair<Authed, Form>>(in);
    const auto result =
        s_.portal.save_preferences(a.viewer, form.get("lang"), form.get("default_school"), client(req), now());
    return Response::redirect(result == portal::Choice::chosen ? "/anpassa?m=sparat" : "/anpassa?m=fel");
}

Response App::logout(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) return std::move(*r);
    s_.portal.logout(req.cookie(kSessionCookie), client(req), now());
    Response res = Response::redirect("/logga-in?ut=1");
    res.header("Set-Cookie", cookie_header(kSessionCookie, "", req.secure, 0));
    return res;
}

Response App::extend_session(Request& req) {
    auto in = require_post(req);
    if (auto* r = std::get_if<Response>(&in)) {
        // A script asks: answer with a status, not a page.
        return Response::text(r->status == 303 ? 401 : r->status, "");
    }
    s_.portal.extend(std::get<std::pair<Authed, Form>>(in).first.viewer, now());
    Response res;
    res.status = 204;
    return res;
}



}  // namespace mina::web
