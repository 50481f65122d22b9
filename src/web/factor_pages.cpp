#include "web/factor_pages.hpp"

#include <boost/json.hpp>

#include "web/oidc_pages.hpp"
#include "web/qr.hpp"

namespace mina::web {

namespace json = boost::json;

namespace {

constexpr std::string_view kStepPath = "/logga-in/andra-steget";

Response json_answer(const json::object& o) {
    Response res;
    res.content_type = "application/json";
    res.header("Cache-Control", "no-store");
    res.body = json::serialize(o);
    return res;
}

/// A WebAuthn user handle: opaque, stable, and not the username (WebAuthn §14.6.1).
std::string user_handle(ports::Tokens& tokens, PersonId id) {
    return tokens.digest("mina-webauthn-user:" + std::to_string(id.value())).substr(0, 32);
}

}  // namespace

std::string FactorPages::after_login(const Request& req, const std::string& next, oidc::Provider* oidc) {
    if (!next.empty()) return next;
    // A service's authorization request waited for this login: it goes on.
    if (oidc != nullptr && oidc->pending(req.cookie(kOidcCookie))) return "/oidc/authorize?fortsatt=1";
    return "/start";
}

login::SecondFactor::Party FactorPages::party(const Request& req) const {
    login::SecondFactor::Party p;
    // The portal's public address when it has one; else where this request came, which only a
    // server on a loopback address answers without one (SPEC §5).
    p.origin = ctx_.site.public_url.empty()
                   ? std::string(req.secure ? "https://" : "http://") + std::string(req.header("host"))
                   : ctx_.site.public_url;
    while (!p.origin.empty() && p.origin.back() == '/') p.origin.pop_back();
    std::string_view host = p.origin;
    if (const auto scheme = host.find("://"); scheme != std::string_view::npos) host.remove_prefix(scheme + 3);
    if (const auto slash = host.find('/'); slash != std::string_view::npos) host = host.substr(0, slash);
    if (!host.empty() && host.front() == '[') {
        host = host.substr(0, host.find(']') + 1);
    } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
        host = host.substr(0, colon);
    }
    p.rp_id = std::string(host);
    return p;
}

std::optional<Form> FactorPages::pre_form(Request& req) {
    auto form = Form::parse(req.body);
    if (!form) return std::nullopt;
    const std::string pre = req.cookie(kPreCookie);
    if (pre.empty() || !ctx_.tokens.equal(form->get("csrf"), pre)) return std::nullopt;
    return form;
}

Response FactorPages::step_gone(Request& req, const std::string& lang) {
    Response res = Response::redirect("/logga-in?steg=slut");
    res.header("Set-Cookie", cookie_header(kStepCookie, "", req.secure, 0));
    (void)lang;
    return res;
}

Response FactorPages::logged_in(Request& req, const login::LoggedIn& in, const std::string& next) {
    Response res = Response::redirect(after_login(req, next, s_.oidc));
    res.header("Set-Cookie", cookie_header(kSessionCookie, in.session_token, req.secure));
    res.header("Set-Cookie", cookie_header(kStepCookie, "", req.secure, 0));
    return res;
}

template <class Outcome>
Response FactorPages::step_answer(Request& req, const std::string& lang, const std::string& token,
                                  const std::string& next, const Outcome& out, std::string_view wrong_key) {
    const auto again = [&](const std::string& error, int status) {
        const auto step = s_.factors.step(token, now());
        return step ? render_step(req, lang, *step, next, error, status) : step_gone(req, lang);
    };
    return std::visit(
        Overloaded{
            [&](const login::LoggedIn& in) { return logged_in(req, in, next); },
            [&](const login::SecondFactor::Enrolled& e) {
                // The recovery codes, shown once, with the session begun.
                Response res = render_codes(req, lang, e.recovery_codes, after_login(req, next, s_.oidc));
                res.header("Set-Cookie", cookie_header(kSessionCookie, e.in.session_token, req.secure));
                res.header("Set-Cookie", cookie_header(kStepCookie, "", req.secure, 0));
                return res;
            },
            [&](const login::WrongCode&) { return again(views_.t(lang, wrong_key), 422); },
            [&](const login::Denied&) {
                // The failure that locked the account ended the step too.
                Response res = Response::redirect("/logga-in?steg=last");
                res.header("Set-Cookie", cookie_header(kStepCookie, "", req.secure, 0));
                return res;
            },
            [&](const login::Throttled& t) {
                Response res = again(views_.t(lang, "login_throttled", {{"wait", human_duration(lang, t.wait)}}), 429);
                res.header("Retry-After", std::to_string(t.wait.count()));
                return res;
            },
            [&](const login::StepGone&) { return step_gone(req, lang); }},
        out);
}

void FactorPages::set_offer(Data& d, const std::string& lang, const Person& p) {
    const auto offer = s_.factors.offer(p, views_.t(lang, "app_name"), now());
    d.set("qr", qr_svg(offer.uri, views_.t(lang, "factor_qr_label")));
    // The secret in groups of four, as apps show it and people type it.
    std::string grouped;
    for (std::size_t i = 0; i < offer.base32.size(); i += 4) {
        if (i > 0) grouped += ' ';
        grouped += offer.base32.substr(i, 4);
    }
    d.set("secret", grouped);
    d.set("offer", offer.sealed);
}

// ---- The step after the password ---------------------------------------------------------------

Response FactorPages::render_step(Request& req, const std::string& lang, const login::SecondFactor::StepView& step,
                                  const std::string& next, const std::string& error, int status) {
    Response res;
    std::string csrf = req.cookie(kPreCookie);
    if (csrf.size() < 32 || csrf.size() > 64) {
        csrf = ctx_.tokens.token();
        res.header("Set-Cookie", cookie_header(kPreCookie, csrf, req.secure));
    }
    Data d{Data::type::object};
    const bool enrol = step.step.stage == StepStage::enrol;
    d.set("title", views_.t(lang, enrol ? "factor_enrol_heading" : "factor_step_heading"));
    d.set("csrf", csrf);
    d.set("asset_version", ctx_.asset_version());
    d.set("agency_lower", text::lower_ascii(ctx_.site.agency_name));
    d.set("path", std::string(kStepPath));
    d.set("passkey_script", true);
    if (!next.empty()) d.set("next", next);
    if (!error.empty()) d.set("error", error);
    d.set("enrol", enrol);
    d.set("has_totp", step.has_totp);
    d.set("has_passkeys", step.has_passkeys);
    d.set("username", step.person.username.value());
    d.set("lost_text", views_.t(lang, "factor_lost_text", {{"agency", ctx_.site.agency_name}}));
    if (enrol) {
        set_offer(d, lang, step.person);
        d.set("enrol_intro", views_.t(lang, "factor_enrol_intro"));
    }
    res.status = status;
    res.body = views_.page("factor_step", lang, std::move(d));
    res.header("Cache-Control", "no-store");
    return res;
}

Response FactorPages::step_page(Request& req) {
    const std::string lang = pick_language(req, {});
    const auto step = s_.factors.step(req.cookie(kStepCookie), now());
    if (!step) return step_gone(req, lang);
    const auto q = Form::parse(req.query).value_or(Form{});
    return render_step(req, lang, *step, safe_next(q.get("next")), {});
}

Response FactorPages::step_code(Request& req) {
    const std::string lang = pick_language(req, {});
    auto form = pre_form(req);
    if (!form) return error_page(req, 403, "error_403_csrf");
    const std::string token = req.cookie(kStepCookie);
    const std::string next = safe_next(form->get("next"));
    const auto out = s_.factors.verify_code(token, form->get("kod"), client(req), now());
    return step_answer(req, lang, token, next, out, "factor_code_wrong");
}

Response FactorPages::render_codes(const Request& req, const std::string& lang, const std::vector<std::string>& codes,
                                   const std::string& next_href) {
    (void)req;
    Data d{Data::type::object};
    d.set("title", views_.t(lang, "factor_codes_heading"));
    d.set("asset_version", ctx_.asset_version());
    d.set("agency_lower", text::lower_ascii(ctx_.site.agency_name));
    d.set("path", "/anpassa/inloggning");
    Data list{Data::type::list};
    for (const auto& c : codes) list.push_back(Data{c});
    d.set("codes", list);
    d.set("next_href", next_href);
    Response res;
    res.body = views_.page("factor_codes", lang, std::move(d));
    res.header("Cache-Control", "no-store");
    return res;
}

Response FactorPages::step_enrol_app(Request& req) {
    const std::string lang = pick_language(req, {});
    auto form = pre_form(req);
    if (!form) return error_page(req, 403, "error_403_csrf");
    const std::string token = req.cookie(kStepCookie);
    const std::string next = safe_next(form->get("next"));
    const auto out = s_.factors.enrol_totp(token, form->get("erbjudande"), form->get("kod"), client(req), now());
    return step_answer(req, lang, token, next, out, "factor_enrol_code_wrong");
}

Response FactorPages::step_challenge(Request& req) {
    auto form = pre_form(req);
    if (!form) return Response::json_error(403, "csrf");
    const auto step = s_.factors.step(req.cookie(kStepCookie), now());
    if (!step) return Response::json_error(404, "no login step");
    const auto rp = party(req);
    json::object o;
    o["challenge"] = s_.factors.challenge("step", step->step.id_hash, now());
    o["rpId"] = rp.rp_id;
    json::array ids;
    for (const auto& id : s_.factors.passkey_ids(step->person.id)) ids.emplace_back(id);
    if (step->step.stage == StepStage::enrol) {
        o["rp"] = json::object{{"id", rp.rp_id}, {"name", views_.t(pick_language(req, {}), "app_name")}};
        o["user"] = json::object{{"id", user_handle(ctx_.tokens, step->person.id)},
                                 {"name", step->person.username.value()},
                                 {"displayName", step->person.display_name()}};
        o["exclude"] = std::move(ids);
    } else {
        o["allow"] = std::move(ids);
        o["userVerification"] = "preferred";
    }
    return json_answer(o);
}

Response FactorPages::step_passkey(Request& req) {
    const std::string lang = pick_language(req, {});
    auto form = pre_form(req);
    if (!form) return error_page(req, 403, "error_403_csrf");
    const std::string token = req.cookie(kStepCookie);
    const std::string next = safe_next(form->get("next"));
    const login::SecondFactor::Assertion a{form->get("credential_id"), form->get("client_data"),
                                           form->get("authenticator_data"), form->get("signature")};
    const auto out = s_.factors.passkey_step(token, a, party(req), client(req), now());
    return step_answer(req, lang, token, next, out, "factor_passkey_wrong");
}

Response FactorPages::step_enrol_passkey(Request& req) {
    const std::string lang = pick_language(req, {});
    auto form = pre_form(req);
    if (!form) return error_page(req, 403, "error_403_csrf");
    const std::string token = req.cookie(kStepCookie);
    const std::string next = safe_next(form->get("next"));
    const login::SecondFactor::Attestation a{form->get("name"), form->get("client_data"), form->get("attestation")};
    const auto out = s_.factors.enrol_passkey(token, a, party(req), client(req), now());
    return step_answer(req, lang, token, next, out, "factor_passkey_refused");
}

// ---- A passkey alone ------------------------------------------------------------------------------

Response FactorPages::login_challenge(Request& req) {
    if (!pre_form(req)) return Response::json_error(403, "csrf");
    json::object o;
    o["challenge"] = s_.factors.challenge("login", {}, now());
    o["rpId"] = party(req).rp_id;
    o["allow"] = json::array{};
    o["userVerification"] = "required";
    return json_answer(o);
}

Response FactorPages::login_passkey(Request& req) {
    auto form = pre_form(req);
    if (!form) return error_page(req, 403, "error_403_csrf");
    const std::string next = safe_next(form->get("next"));
    const login::SecondFactor::Assertion a{form->get("credential_id"), form->get("client_data"),
                                           form->get("authenticator_data"), form->get("signature")};
    const auto out = s_.factors.passkey_login(a, party(req), client(req), now());
    if (const auto* in = std::get_if<login::LoggedIn>(&out)) return logged_in(req, *in, next);
    if (const auto* t = std::get_if<login::Throttled>(&out)) {
        Response res = Response::redirect("/logga-in?passkey=vanta");
        res.header("Retry-After", std::to_string(t->wait.count()));
        return res;
    }
    return Response::redirect("/logga-in?passkey=fel");
}

// ---- After login: Anpassa → Inloggning -------------------------------------------------------------

Response FactorPages::settings_page(Request& req, Authed& a) {
    const auto st = s_.factors.status(a.viewer, now());
    Data d{Data::type::object};
    const auto q = Form::parse(req.query).value_or(Form{});
    const std::string m = q.get("m");
    static const std::map<std::string, std::string, std::less<>> kNotices{{"app", "factor_saved_app"},
                                                                          {"app-bort", "factor_removed_app"},
                                                                          {"passkey", "factor_saved_passkey"},
                                                                          {"passkey-bort", "factor_removed_passkey"},
                                                                          {"koder", "factor_saved_codes"}};
    static const std::map<std::string, std::string, std::less<>> kErrors{{"gammal", "factor_stale_login"},
                                                                         {"fel-kod", "factor_enrol_code_wrong"},
                                                                         {"slut", "factor_offer_gone"},
                                                                         {"passkey-fel", "factor_passkey_refused"},
                                                                         {"finns-inte", "factor_gone"}};
    if (auto it = kNotices.find(m); it != kNotices.end()) d.set("flash", views_.t(a.lang, it->second));
    if (auto it = kErrors.find(m); it != kErrors.end()) d.set("flash_error", views_.t(a.lang, it->second));
    d.set("has_totp", st.has_totp);
    if (st.totp_since) d.set("totp_since", when(a.lang, *st.totp_since, time::Form::text));
    Data keys{Data::type::list};
    for (const auto& k : st.passkeys) {
        Data item{Data::type::object};
        item.set("id", k.id);
        item.set("name", k.name);
        item.set("added", when(a.lang, k.created_at));
        item.set("used", k.last_used_at ? when(a.lang, *k.last_used_at) : views_.t(a.lang, "factor_never_used"));
        item.set("synced", k.backup_eligible);
        keys.push_back(item);
    }
    d.set("passkeys", keys);
    d.set("any_passkeys", !st.passkeys.empty());
    d.set("any_factor", st.has_totp || !st.passkeys.empty());
    d.set("recovery_left",
          views_.t_count(a.lang, "factor_recovery_left", st.recovery_left, {{"n", std::to_string(st.recovery_left)}}));
    d.set("required", st.required);
    d.set("fresh", st.fresh);
    d.set("passkey_script", true);
    d.set("page_customize", true);  // Anpassa in the header: this page is part of it
    d.set("fresh_minutes", human_duration(a.lang, login::kFreshLogin));
    if (st.fresh) {
        set_offer(d, a.lang, a.viewer.person);
    }
    Response res = authed_page(a, "factor_settings", views_.t(a.lang, "factor_settings_heading"), std::move(d));
    return res;
}

namespace {
std::string_view change_word(login::SecondFactor::Change c) {
    switch (c) {
        case login::SecondFactor::Change::stale_login: return "gammal";
        case login::SecondFactor::Change::wrong_code: return "fel-kod";
        case login::SecondFactor::Change::gone: return "finns-inte";
        case login::SecondFactor::Change::refused: return "passkey-fel";
        case login::SecondFactor::Change::done: break;
    }
    return "";
}
}  // namespace

/// Back to the page saying how a change went; new recovery codes are shown first, once.
Response FactorPages::changed(const Request& req, const Authed& a, login::SecondFactor::Change c,
                              std::string_view done_word, const std::vector<std::string>& codes) {
    const std::string back = "/anpassa/inloggning?m=";
    if (c != login::SecondFactor::Change::done) return Response::redirect(back + std::string(change_word(c)));
    if (!codes.empty()) return render_codes(req, a.lang, codes, back + std::string(done_word));
    return Response::redirect(back + std::string(done_word));
}

Response FactorPages::settings_add_app(Request& req, Authed& a, Form& form) {
    std::vector<std::string> codes;
    const auto c = s_.factors.add_totp(a.viewer, form.get("erbjudande"), form.get("kod"), client(req), now(), codes);
    if (c == login::SecondFactor::Change::gone) return Response::redirect("/anpassa/inloggning?m=slut");
    return changed(req, a, c, "app", codes);
}

Response FactorPages::settings_remove_app(Request& req, Authed& a, Form& form) {
    if (!confirmed(form))
        return confirm_page(a, req, form,
                            {views_.t(a.lang, "factor_remove_app_question"), views_.t(a.lang, "factor_remove_app_what"),
                             views_.t(a.lang, "factor_remove"), "/anpassa/inloggning", "customize"});
    return changed(req, a, s_.factors.remove_totp(a.viewer, client(req), now()), "app-bort", {});
}

Response FactorPages::settings_challenge(Request& req, Authed& a, Form&) {
    const auto rp = party(req);
    json::object o;
    o["challenge"] = s_.factors.challenge("add", a.viewer.session.id_hash, now());
    o["rp"] = json::object{{"id", rp.rp_id}, {"name", views_.t(a.lang, "app_name")}};
    o["user"] = json::object{{"id", user_handle(ctx_.tokens, a.viewer.person.id)},
                             {"name", a.viewer.person.username.value()},
                             {"displayName", a.viewer.person.display_name()}};
    json::array ids;
    for (const auto& id : s_.factors.passkey_ids(a.viewer.person.id)) ids.emplace_back(id);
    o["exclude"] = std::move(ids);
    return json_answer(o);
}

Response FactorPages::settings_add_passkey(Request& req, Authed& a, Form& form) {
    std::vector<std::string> codes;
    const login::SecondFactor::Attestation att{form.get("name"), form.get("client_data"), form.get("attestation")};
    return changed(req, a, s_.factors.add_passkey(a.viewer, att, party(req), client(req), now(), codes), "passkey",
                   codes);
}

Response FactorPages::settings_remove_passkey(Request& req, Authed& a, Form& form) {
    if (!confirmed(form))
        return confirm_page(a, req, form,
                            {views_.t(a.lang, "factor_remove_passkey_question", {{"name", form.get("namn")}}),
                             views_.t(a.lang, "factor_remove_passkey_what"), views_.t(a.lang, "factor_remove"),
                             "/anpassa/inloggning", "customize"});
    return changed(req, a, s_.factors.remove_passkey(a.viewer, form.get("id"), client(req), now()), "passkey-bort", {});
}

Response FactorPages::settings_recovery_codes(Request& req, Authed& a, Form& form) {
    if (!confirmed(form))
        return confirm_page(a, req, form,
                            {views_.t(a.lang, "factor_new_codes_question"), views_.t(a.lang, "factor_new_codes_what"),
                             views_.t(a.lang, "factor_new_codes_button"), "/anpassa/inloggning", "customize"});
    std::vector<std::string> codes;
    const auto c = s_.factors.new_recovery_codes(a.viewer, client(req), now(), codes);
    if (c != login::SecondFactor::Change::done)
        return Response::redirect("/anpassa/inloggning?m=" + std::string(change_word(c)));
    return render_codes(req, a.lang, codes, "/anpassa/inloggning?m=koder");
}

void FactorPages::add_routes(Router& r) {
    r.add("GET", kStepPath, this, &FactorPages::step_page).anonymous_body();
    r.add("POST", kStepPath, this, &FactorPages::step_code).anonymous_body();
    r.add("POST", "/logga-in/andra-steget/app", this, &FactorPages::step_enrol_app).anonymous_body();
    r.add("POST", "/logga-in/andra-steget/utmaning", this, &FactorPages::step_challenge).anonymous_body().for_script();
    r.add("POST", "/logga-in/andra-steget/passkey", this, &FactorPages::step_passkey).anonymous_body();
    r.add("POST", "/logga-in/andra-steget/ny-passkey", this, &FactorPages::step_enrol_passkey).anonymous_body();
    r.add("POST", "/logga-in/passkey/utmaning", this, &FactorPages::login_challenge).anonymous_body().for_script();
    r.add("POST", "/logga-in/passkey", this, &FactorPages::login_passkey).anonymous_body();
    r.add("GET", "/anpassa/inloggning", this, &FactorPages::settings_page);
    r.add("POST", "/anpassa/inloggning/app", this, &FactorPages::settings_add_app);
    r.add("POST", "/anpassa/inloggning/app/ta-bort", this, &FactorPages::settings_remove_app);
    r.add("POST", "/anpassa/inloggning/utmaning", this, &FactorPages::settings_challenge).for_script();
    r.add("POST", "/anpassa/inloggning/passkey", this, &FactorPages::settings_add_passkey);
    r.add("POST", "/anpassa/inloggning/passkey/ta-bort", this, &FactorPages::settings_remove_passkey);
    r.add("POST", "/anpassa/inloggning/reservkoder", this, &FactorPages::settings_recovery_codes);
}

}  // namespace mina::web
