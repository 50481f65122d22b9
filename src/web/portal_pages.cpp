// The portal's screens (manual §2): the login, Startsida, Välj skola, Anpassa, Kontakta oss and
// Logga ut, with the public pages around them (tillgänglighet, language, health, metrics, static
// files). Each handler parses, calls login::Service or portal::Service and maps the outcome.
#include "web/portal_pages.hpp"

#include <utility>

#include "core/common/text.hpp"
#include "web/factor_pages.hpp"
#include "web/metrics.hpp"
#include "web/oidc_pages.hpp"

namespace mina::web {

namespace {
constexpr std::string_view kLangCookie = "mina_lang";
}  // namespace

PortalPages::PortalPages(PageContext& ctx, Services s)
    : Pages(ctx), s_(std::move(s)), session_pages_(s_.session_cache_pages) {}

// ---- Anonymous screens --------------------------------------------------------------------------

Response PortalPages::root(Request& req) {
    if (!req.cookie(kSessionCookie).empty() && ctx_.portal.resume(req.cookie(kSessionCookie), now()))
        return Response::redirect("/start", 302);
    return Response::redirect("/logga-in", 302);
}

Response PortalPages::render_login(Request& req, const std::string& lang, int status, const std::string& username,
                                   const std::string& error, bool kiosk_hint, const std::string& notice,
                                   const std::string& next) {
    Response res;
    std::string csrf = req.cookie(kPreCookie);
    if (csrf.size() < 32 || csrf.size() > 64) {
        csrf = ctx_.tokens.token();
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
    const std::map<std::string, std::string> rule{
        {"times", views_.t_count(lang, "times", ctx_.policy.max_failed_logins,
                                 {{"word", count_word(lang, ctx_.policy.max_failed_logins)}})},
        {"lockout", human_duration(lang, ctx_.policy.lockout)},
        {"agency", ctx_.site.agency_name}};
    d.set("obs", views_.t(lang, "login_obs", rule));
    std::string semafor_url = ctx_.site.semafor_url;
    std::string order_url = ctx_.site.order_url;
    if (s_.oidc != nullptr) {
        // A service that waits for this login is named; Semafor and CSN Order, when they log in
        // through Mina tjänster, are reached through their own login's start.
        if (auto w = s_.oidc->waiting(req.cookie(kOidcCookie))) {
            d.set("service", views_.t(lang, "login_service", {{"name", w->client_name}}));
            // The login's answer leads on to the service: the browser must let the form end there.
            for (const auto& uri : w->redirect_uris)
                if (auto origin = origin_of(uri)) res.form_targets.push_back(*origin);
        }
        for (const auto& c : s_.oidc->clients()) {
            if (c.initiate_login_uri.empty()) continue;
            const std::string name = text::lower_ascii(c.name);
            if (name == "semafor") semafor_url = c.initiate_login_uri;
            if (name == "csn order") order_url = c.initiate_login_uri;
        }
    }
    d.set("semafor_url", semafor_url);
    d.set("order_url", order_url);
    d.set("school_phone", ctx_.site.school_phone);
    d.set("school_phone_hours", lang == "en" ? ctx_.site.school_phone_hours_en : ctx_.site.school_phone_hours_sv);
    d.set("agency_lower", text::lower_ascii(ctx_.site.agency_name));
    d.set("asset_version", ctx_.asset_version());
    d.set("path", "/logga-in");
    d.set("passkey_script", true);  // "Logga in med passkey" where the browser has WebAuthn
    res.status = status;
    res.body = views_.page("login", lang, std::move(d));
    return res;
}

Response PortalPages::login_page(Request& req) {
    const std::string lang = pick_language(req, {});
    auto q = Form::parse(req.query).value_or(Form{});
    std::string notice;
    if (q.has("slut")) notice = views_.t(lang, "login_session_ended");
    if (q.has("ut")) notice = views_.t(lang, "login_logged_out");
    if (q.get("kiosk") == "slut") notice = views_.t(lang, "kiosk_ended");
    if (q.get("steg") == "slut") notice = views_.t(lang, "factor_step_ended");
    // The second step's answers that end the login ([12]): said as the password's are.
    std::string error;
    bool kiosk_hint = false;
    if (q.get("steg") == "last") {
        error = views_.t(lang, "factor_locked",
                         {{"lockout", human_duration(lang, ctx_.policy.lockout)}, {"agency", ctx_.site.agency_name}});
        kiosk_hint = true;
    }
    if (q.get("passkey") == "fel") error = views_.t(lang, "factor_passkey_login_failed");
    if (q.get("passkey") == "vanta") error = views_.t(lang, "factor_passkey_wait");
    return render_login(req, lang, error.empty() ? 200 : 422, {}, error, kiosk_hint, notice, safe_next(q.get("next")));
}

Response PortalPages::login_submit(Request& req) {
    const std::string lang = pick_language(req, {});
    auto form = Form::parse(req.body);
    if (!form) return error_page(req, 400, "error_400");
    const std::string pre = req.cookie(kPreCookie);
    if (pre.empty() || !ctx_.tokens.equal(form->get("csrf"), pre)) return error_page(req, 403, "error_403_csrf");
    const std::string username = form->get("username");
    const std::string password = form->get("password");
    const std::string next = safe_next(form->get("next"));
    if (login::normalize_username(username).empty() || password.empty() || password.size() > 1024)
        return render_login(req, lang, 422, username, views_.t(lang, "login_missing"), false, {}, next);

    const auto outcome = s_.login.submit({username, password, client(req), req.cookie(kSessionCookie)}, now());
    if (const auto* ok = std::get_if<login::LoggedIn>(&outcome)) {
        s_.metrics.login("success");
        Response res = Response::redirect(FactorPages::after_login(req, next, s_.oidc));
        res.header("Set-Cookie", cookie_header(kSessionCookie, ok->session_token, req.secure));
        return res;
    }
    if (const auto* step = std::get_if<login::SecondStep>(&outcome)) {
        // The password was right; the second factor follows, or its enrolment ([12]). No session yet.
        s_.metrics.login("second_step");
        std::string to = "/logga-in/andra-steget";
        if (!next.empty()) to += "?next=" + url_encode(next);
        Response res = Response::redirect(to);
        res.header("Set-Cookie", cookie_header(kStepCookie, step->token, req.secure));
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
    const std::map<std::string, std::string> rule{
        {"times", views_.t_count(lang, "times", ctx_.policy.max_failed_logins,
                                 {{"word", count_word(lang, ctx_.policy.max_failed_logins)}})},
        {"lockout", human_duration(lang, ctx_.policy.lockout)},
        {"agency", ctx_.site.agency_name}};
    return render_login(req, lang, 422, username, views_.t(lang, "login_failed", rule), true, {}, next);
}

Response PortalPages::accessibility(Request& req) {
    const std::string lang = pick_language(req, {});
    const std::map<std::string, std::string> p{{"agency", ctx_.site.agency_name}, {"phone", ctx_.site.school_phone}};
    return message_page(
        req, lang, 200, views_.t(lang, "a11y_heading"),
        {views_.t(lang, "a11y_intro", p), views_.t(lang, "a11y_status", p), views_.t(lang, "a11y_known", p),
         views_.t(lang, "a11y_feedback", p), views_.t(lang, "a11y_dos", p)},
        "/", views_.t(lang, "back_to_start"));
}

Response PortalPages::language(Request& req) {
    auto q = Form::parse(req.query).value_or(Form{});
    const std::string l = q.get("l");
    std::string next = safe_next(q.get("next"));
    Response res = Response::redirect(next.empty() ? "/logga-in" : next);
    if (l == "sv" || l == "en") res.header("Set-Cookie", cookie_header(kLangCookie, l, req.secure, 365L * 86400));
    return res;
}

Response PortalPages::healthz(Request&) {
    Response res = s_.store.ping() ? Response::text(200, "ok\n") : Response::text(503, "database unavailable\n");
    return res;
}

Response PortalPages::metrics(Request&) {
    std::string text = s_.metrics.text();
    if (const auto kept = s_.store.kept_viewers()) {
        text +=
            "# HELP mina_view_cache_lookups_total Pages after login whose viewer came from memory (hit) or "
            "the database (miss).\n# TYPE mina_view_cache_lookups_total counter\n";
        text += "mina_view_cache_lookups_total{result=\"hit\"} " + std::to_string(kept->hits) + "\n";
        text += "mina_view_cache_lookups_total{result=\"miss\"} " + std::to_string(kept->misses) + "\n";
        text += "# HELP mina_view_cache_viewers Viewers kept in memory.\n# TYPE mina_view_cache_viewers gauge\n";
        text += "mina_view_cache_viewers " + std::to_string(kept->kept) + "\n";
        text +=
            "# HELP mina_view_cache_listening 1 while the server learns of every change to the database (else "
            "nothing is kept).\n"
            "# TYPE mina_view_cache_listening gauge\n";
        text += std::string("mina_view_cache_listening ") + (kept->listening ? "1" : "0") + "\n";
    }
    if (s_.oidc != nullptr) {
        if (const auto g = s_.oidc->group_counts()) {
            text +=
                "# HELP mina_group_commit_transactions_total Transactions the single sign-on's writes were "
                "committed in (several requests' writes share one).\n"
                "# TYPE mina_group_commit_transactions_total counter\n";
            text += "mina_group_commit_transactions_total " + std::to_string(g->transactions) + "\n";
            text +=
                "# HELP mina_group_commit_writes_total Writes of single sign-on requests committed (audit rows, "
                "codes' first uses).\n# TYPE mina_group_commit_writes_total counter\n";
            text += "mina_group_commit_writes_total " + std::to_string(g->writes) + "\n";
        }
    }
    text +=
        "# HELP mina_session_pages_total Startsida answered as kept for the session (hit) or rendered (miss).\n"
        "# TYPE mina_session_pages_total counter\n";
    text += "mina_session_pages_total{result=\"hit\"} " + std::to_string(session_pages_.hits()) + "\n";
    text += "mina_session_pages_total{result=\"miss\"} " + std::to_string(session_pages_.misses()) + "\n";
    Response res = Response::text(200, std::move(text));
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return res;
}

Response PortalPages::static_file(Request& req, const Segments& segments) {
    if (req.method != "GET" && req.method != "HEAD") return error_page(req, 405, "error_405");
    const auto* file = ctx_.static_file(segments.get("file"));
    if (!file) return error_page(req, 404, "error_404");
    Response res;
    res.header("ETag", file->etag);
    res.header("Cache-Control", "public, max-age=31536000, immutable");
    if (req.header("if-none-match") == file->etag) {
        res.status = 304;
        return res;
    }
    res.content_type = file->content_type;
    res.body = file->body;
    return res;
}

// ---- Screens after login -------------------------------------------------------------------------

Response PortalPages::start(Request& req, Authed& a) {
    const auto& v = a.viewer;
    const SchoolAccess* chosen = v.chosen();
    // The page is made from the viewer, the language and this notice alone (and the site's settings,
    // which do not change while the server runs): the one rendered for an equal viewer is answered.
    const std::string m = Form::parse(req.query).value_or(Form{}).get("m");
    const std::string_view notice = m == "skola" && chosen ? "skola" : m == "ej-skola" ? "ej-skola" : "";
    std::string key = v.session.id_hash;
    key.append(1, ' ').append(a.lang).append(1, ' ').append(notice);
    // The agency's desk ([10] item 3) counts what changes without its viewer changing: never kept.
    const bool desk = v.agency_admin && s_.agency_desk;
    if (auto kept = desk ? std::optional<std::string>{} : session_pages_.get(key, v)) {
        Response res;
        res.body = std::move(*kept);
        return res;
    }
    Data d{Data::type::object};
    if (notice == "skola") d.set("flash", views_.t(a.lang, "school_changed", {{"school", chosen->school.name}}));
    if (notice == "ej-skola") d.set("flash_error", views_.t(a.lang, "school_refused"));
    d.set("nudge", v.session.nudge_password);
    d.set("no_schools", v.access.empty() && !v.agency_admin);  // the agency's desk says what there is instead
    d.set("must_choose", !v.access.empty() && chosen == nullptr);
    if (chosen) {
        d.set("services_at", views_.t(a.lang, "start_services_at", {{"school", chosen->school.name}}));
        const std::string& c = chosen->school.code.value();
        d.set("no_services", !v.may(authz::Action::studietider, c) && !v.may(authz::Action::report_students, c) &&
                                 !v.may(authz::Action::administer_people, c));
    }
    const std::string hours = a.lang == "en" ? ctx_.site.school_phone_hours_en : ctx_.site.school_phone_hours_sv;
    // The hours stand alone on the login page ("Måndag–fredag …", as the manual prints them) and
    // inside a sentence here, where Swedish writes the day in lower case.
    // The agency has no school's administrator to ask ([10] item 3): only the phone.
    d.set("contact_text",
          views_.t(a.lang, v.agency_admin && v.access.empty() ? "desk_contact" : "start_contact",
                   {{"phone", ctx_.site.school_phone}, {"hours", a.lang == "en" ? hours : text::lower_first(hours)}}));
    if (desk) s_.agency_desk(a, d);
    Response res = authed_page(a, "start", views_.t(a.lang, "nav_start"), std::move(d));
    if (!desk) session_pages_.put(key, v, res.body);
    return res;
}

Response PortalPages::choose_school(Request& req, Authed& a, Form& form) {
    const auto result = ctx_.portal.choose_school(a.viewer, form.get("skola"), client(req), now());
    return Response::redirect(result == portal::Choice::chosen ? "/start?m=skola" : "/start?m=ej-skola");
}

Response PortalPages::contact(Request&, Authed& a) {
    Data d{Data::type::object};
    d.set("contact_studietider", views_.t(a.lang, "contact_studietider", {{"agency", ctx_.site.agency_name}}));
    // The chosen school's contact person at the agency, where the agency has named one (R15).
    std::string name = ctx_.site.contact_name;
    std::string phone = ctx_.site.contact_phone;
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
    // The chosen school's authorization administrators, by name and e-mail ([10] item 4): the core
    // answers only for a school where the viewer holds a grant, which the chosen school is.
    if (const SchoolAccess* chosen = a.viewer.chosen()) {
        const std::string& school = chosen->school.name;
        d.set("admins_heading", views_.t(a.lang, "contact_admins_heading", {{"school", school}}));
        const auto found = ctx_.portal.school_admins(a.viewer, chosen->school.code.value());
        Data admins{Data::type::list};
        for (const auto& p : found) {
            Data item{Data::type::object};
            item.set("name", p.display_name());
            item.set("email", p.email);
            admins.push_back(item);
        }
        if (found.empty())
            d.set("no_admins",
                  views_.t(a.lang, "contact_no_admins", {{"school", school}, {"phone", ctx_.site.school_phone}}));
        d.set("any_admins", !found.empty());
        d.set("admins", admins);
    } else {
        d.set("choose_school", views_.t(a.lang, "contact_choose_school"));
    }
    d.set("school_phone", ctx_.site.school_phone);
    d.set("school_phone_hours", a.lang == "en" ? ctx_.site.school_phone_hours_en : ctx_.site.school_phone_hours_sv);
    return authed_page(a, "contact", views_.t(a.lang, "contact_page_heading"), std::move(d));
}

Response PortalPages::customize_page(Request& req, Authed& a) {
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

Response PortalPages::customize_submit(Request& req, Authed& a, Form& form) {
    const auto result =
        ctx_.portal.save_preferences(a.viewer, form.get("lang"), form.get("default_school"), client(req), now());
    return Response::redirect(result == portal::Choice::chosen ? "/anpassa?m=sparat" : "/anpassa?m=fel");
}

Response PortalPages::logout(Request& req, Authed&, Form&) {
    ctx_.portal.logout(req.cookie(kSessionCookie), client(req), now());
    // The access tokens issued in this session stop working with it (oidc::Provider::userinfo).
    Response res = Response::redirect("/logga-in?ut=1");
    res.header("Set-Cookie", cookie_header(kSessionCookie, "", req.secure, 0));
    return res;
}

/// A script asks (its route answers a refusal with a bare status, not a page).
Response PortalPages::extend_session(Request&, Authed& a, Form&) {
    ctx_.portal.extend(a.viewer, now());
    Response res;
    res.status = 204;
    return res;
}

void PortalPages::add_routes(Router& r) {
    r.add("GET", "/", this, &PortalPages::root);
    r.add("GET", "/logga-in", this, &PortalPages::login_page).anonymous_body();
    r.add("POST", "/logga-in", this, &PortalPages::login_submit).on_hash().anonymous_body();
    r.add("GET", "/tillganglighet", this, &PortalPages::accessibility);
    r.add("GET", "/sprak", this, &PortalPages::language);
    // Quick, and reads nothing that waits: on the I/O thread.
    r.add("GET", "/healthz", this, &PortalPages::healthz).on_io();
    r.add("GET", "/metrics", this, &PortalPages::metrics).on_io();
    r.add("*", "/static/{file}", this, &PortalPages::static_file).on_io().anonymous_body();
    // Startsida is kept rendered: on the I/O thread, its session's touch queued (PageContext::login).
    r.add("GET", "/start", this, &PortalPages::start).on_io();
    r.add("POST", "/skola", this, &PortalPages::choose_school);
    r.add("GET", "/kontakta-oss", this, &PortalPages::contact);
    r.add("GET", "/anpassa", this, &PortalPages::customize_page);
    r.add("POST", "/anpassa", this, &PortalPages::customize_submit);
    r.add("POST", "/logga-ut", this, &PortalPages::logout);
    r.add("POST", "/session/forlang", this, &PortalPages::extend_session).for_script();
}

}  // namespace mina::web
