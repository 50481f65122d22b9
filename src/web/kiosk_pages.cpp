// Lösenordskiosken's screens (manual §2.1 steps 2–4, §3; SPEC §3 for the words). Each handler
// parses, calls one kiosk::Service operation and maps its outcome to a page or a redirect.
#include <map>

#include "core/kiosk/kiosk.hpp"
#include "web/kiosk_pages.hpp"

#include "web/factor_pages.hpp"
#include "web/metrics.hpp"

namespace mina::web {

namespace {
constexpr std::string_view kKioskCookie = "mina_kiosk";

/// The first forms: which page, its address and whether the middle field asks for the one-time
/// password (the mail's link) or the password.
struct FirstForm {
    std::string_view page;
    std::string_view path;
    FlowKind kind;
    bool first;
};
constexpr FirstForm kFirstForms[] = {
    {"signin", "/kiosk", FlowKind::sign_in, false},
    {"forsta", "/kiosk/forsta-gangen", FlowKind::sign_in, true},
    {"glomt", "/kiosk/glomt", FlowKind::forgot, false},
};
const FirstForm& first_form(std::string_view page) {
    for (const auto& f : kFirstForms)
        if (f.page == page) return f;
    return kFirstForms[0];
}

std::string_view problem_key(passwords::Problem p) {
    switch (p) {
        case passwords::Problem::not_text: return "pw_not_text";
        case passwords::Problem::too_short: return "pw_too_short";
        case passwords::Problem::too_long: return "pw_too_long";
        case passwords::Problem::has_username: return "pw_has_username";
        case passwords::Problem::has_email: return "pw_has_email";
        case passwords::Problem::weak: return "pw_weak";
        case passwords::Problem::mismatch: return "pw_mismatch";
        case passwords::Problem::reused: return "pw_reused";
    }
    return "pw_not_text";
}

Response no_store(Response r) {
    r.header("Cache-Control", "no-store");
    return r;
}
}  // namespace

Response KioskPages::kiosk_page(Request& req, const std::string& lang, int status, std::string_view page,
                                const KioskFlow& flow, Data d, const std::string& token_to_set) {
    d.set("kiosk_csrf", flow.csrf_token);
    d.set("csrf", flow.csrf_token);
    // A new address for every page, so that no cache can show an old image (the image itself is
    // no-store); random, because anything derived from the answer could be searched offline.
    d.set("captcha_version", ctx_.tokens.token().substr(0, 16));
    d.set("agency_lower", text::lower_ascii(ctx_.site.agency_name));
    d.set("asset_version", ctx_.asset_version());
    d.set("path", req.path);
    if (!d.get("title")) d.set("title", views_.t(lang, "kiosk_title"));
    d.set("kiosk_brand", true);  // the manual's kiosk screens are headed "Lösenordskiosk"
    Response res;
    res.status = status;
    res.body = views_.page(page, lang, std::move(d));
    if (!token_to_set.empty()) res.header("Set-Cookie", cookie_header(kKioskCookie, token_to_set, req.secure));
    return res;
}

Response KioskPages::kiosk_first_form(Request& req, const std::string& page, const KioskFlow& flow,
                                      const std::string& token, int status, const std::string& username,
                                      const std::string& error, bool forgot_hint, const std::string& notice) {
    const std::string lang = pick_language(req, {});
    const auto& form = first_form(page);
    Data d{Data::type::object};
    d.set("page", std::string(form.page));
    d.set("action", std::string(form.path));
    d.set("first", form.first);
    d.set("username", username);
    if (!error.empty()) d.set("error", error);
    // After a wrong CAPTCHA the cursor waits in the CAPTCHA field of the new image.
    d.set("captcha_error", !error.empty() && error == views_.t(lang, "kiosk_error_captcha"));
    if (!notice.empty()) d.set("notice", notice);
    d.set("forgot_hint", forgot_hint);
    d.set("title", views_.t(lang, form.kind == FlowKind::forgot ? "kiosk_forgot_heading" : "kiosk_signin_heading"));
    return kiosk_page(req, lang, status, form.kind == FlowKind::forgot ? "kiosk_forgot" : "kiosk_signin", flow,
                      std::move(d), token);
}

Response KioskPages::kiosk_signin_page(Request& req) {
    const auto& form = req.path == "/kiosk/forsta-gangen" ? first_form("forsta") : first_form("signin");
    auto visit = s_.kiosk.begin(req.cookie(kKioskCookie), form.kind, now());
    const std::string lang = pick_language(req, {});
    auto q = Form::parse(req.query).value_or(Form{});
    std::string notice;
    if (q.has("slut")) notice = views_.t(lang, "kiosk_error_flow");
    return kiosk_first_form(req, std::string(form.page), visit.flow, visit.token, 200, {}, {}, false, notice);
}

Response KioskPages::kiosk_forgot_page(Request& req) {
    auto visit = s_.kiosk.begin(req.cookie(kKioskCookie), FlowKind::forgot, now());
    return kiosk_first_form(req, "glomt", visit.flow, visit.token, 200, {}, {}, false);
}

std::variant<KioskPages::KioskForm, Response> KioskPages::kiosk_post(Request& req) {
    const std::string lang = pick_language(req, {});
    auto form = Form::parse(req.body);
    if (!form) return error_page(req, 400, "error_400");
    auto flow = s_.kiosk.find(req.cookie(kKioskCookie), now());
    if (!flow) return Response::redirect("/kiosk?slut=1");
    if (!ctx_.tokens.equal(form->get("csrf"), flow->csrf_token)) return error_page(req, 403, "error_403_csrf");
    return KioskForm{std::move(*flow), std::move(*form), lang};
}

Response KioskPages::kiosk_signin_submit(Request& req, KioskForm& in) {
    auto& [flow, form, lang] = in;
    const std::string page = req.path == "/kiosk/forsta-gangen" ? "forsta" : "signin";
    const std::string username = form.get("username");
    const std::string secret = form.get("password");
    const std::string captcha = form.get("captcha");
    if (login::normalize_username(username).empty() || secret.empty() || secret.size() > 1024 || captcha.empty())
        return kiosk_first_form(req, page, flow, {}, 422, username, views_.t(lang, "kiosk_error_missing"), false);
    const auto outcome = s_.kiosk.sign_in(flow, username, secret, captcha, client(req), now());
    if (std::holds_alternative<kiosk::Proceed>(outcome)) return Response::redirect("/kiosk/nytt-losenord");
    if (std::holds_alternative<kiosk::CaptchaWrong>(outcome))
        return kiosk_first_form(req, page, flow, {}, 422, username, views_.t(lang, "kiosk_error_captcha"), false);
    if (std::holds_alternative<kiosk::Expired>(outcome))
        return kiosk_first_form(req, page, flow, {}, 422, username, views_.t(lang, "kiosk_error_expired"), true);
    if (const auto* th = std::get_if<kiosk::Throttled>(&outcome)) {
        Response res = kiosk_first_form(
            req, page, flow, {}, 429, username,
            views_.t(lang, "kiosk_error_throttled", {{"wait", human_duration(lang, th->wait)}}), false);
        res.header("Retry-After", std::to_string(th->wait.count()));
        return res;
    }
    const std::map<std::string, std::string> rule{
        {"times", views_.t_count(lang, "times", ctx_.policy.max_failed_logins,
                                 {{"word", count_word(lang, ctx_.policy.max_failed_logins)}})},
        {"lockout", human_duration(lang, ctx_.policy.lockout)}};
    return kiosk_first_form(req, page, flow, {}, 422, username, views_.t(lang, "kiosk_error_denied", rule), true);
}

Response KioskPages::kiosk_forgot_submit(Request& req, KioskForm& in) {
    auto& [flow, form, lang] = in;
    const std::string username = form.get("username");
    const std::string captcha = form.get("captcha");
    if (login::normalize_username(username).empty() || captcha.empty())
        return kiosk_first_form(req, "glomt", flow, {}, 422, username, views_.t(lang, "kiosk_error_missing"), false);
    const auto outcome = s_.kiosk.order_otp(flow, username, captcha, client(req), now());
    if (std::holds_alternative<kiosk::CaptchaWrong>(outcome))
        return kiosk_first_form(req, "glomt", flow, {}, 422, username, views_.t(lang, "kiosk_error_captcha"), false);
    if (s_.wake_mail) s_.wake_mail();
    return Response::redirect("/kiosk/glomt/engangslosenord");
}

Response KioskPages::kiosk_otp_page(Request& req) {
    const std::string lang = pick_language(req, {});
    auto flow = s_.kiosk.find(req.cookie(kKioskCookie), now());
    if (!flow || flow->stage != FlowStage::otp) return Response::redirect("/kiosk/glomt");
    Data d{Data::type::object};
    d.set("title", views_.t(lang, "kiosk_otp_heading"));
    d.set("keep_open",
          views_.t(lang, "kiosk_otp_keep_open", {{"ttl", human_duration(lang, ctx_.policy.otp_ttl_reset)}}));
    return kiosk_page(req, lang, 200, "kiosk_otp", *flow, std::move(d));
}

Response KioskPages::kiosk_otp_submit(Request& req, KioskForm& in) {
    auto& [flow, form, lang] = in;
    if (flow.stage != FlowStage::otp) return Response::redirect("/kiosk/glomt");
    const std::string otp = form.get("otp");
    kiosk::Outcome outcome = kiosk::Denied{};
    if (!otp.empty() && otp.size() <= 64) outcome = s_.kiosk.enter_otp(flow, otp, client(req), now());
    if (std::holds_alternative<kiosk::Proceed>(outcome)) return Response::redirect("/kiosk/nytt-losenord");
    Data d{Data::type::object};
    d.set("title", views_.t(lang, "kiosk_otp_heading"));
    d.set("keep_open",
          views_.t(lang, "kiosk_otp_keep_open", {{"ttl", human_duration(lang, ctx_.policy.otp_ttl_reset)}}));
    d.set("error", views_.t(lang, otp.empty() ? "kiosk_error_missing" : "kiosk_error_otp"));
    return kiosk_page(req, lang, 422, "kiosk_otp", flow, std::move(d));
}

Response KioskPages::kiosk_password_page(Request& req) {
    const std::string lang = pick_language(req, {});
    auto flow = s_.kiosk.find(req.cookie(kKioskCookie), now());
    if (!flow || flow->stage != FlowStage::password) return Response::redirect("/kiosk");
    const auto person = s_.kiosk.person_of(*flow);
    if (!person) return Response::redirect("/kiosk");
    Data d{Data::type::object};
    d.set("title", views_.t(lang, "kiosk_password_heading"));
    d.set("username", person->username.value());
    d.set("email", person->email);
    return kiosk_page(req, lang, 200, "kiosk_password", *flow, std::move(d));
}

Response KioskPages::kiosk_password_submit(Request& req, KioskForm& in) {
    auto& [flow, form, lang] = in;
    const auto person = s_.kiosk.person_of(flow);
    if (flow.stage != FlowStage::password || !person) return Response::redirect("/kiosk");
    const std::string password = form.get("password");
    const std::string confirm = form.get("confirm");
    std::string error;
    if (password.size() > 4096 || confirm.size() > 4096) {
        error = views_.t(lang, "pw_too_long");
    } else {
        const auto outcome = s_.kiosk.save_password(flow, password, confirm, client(req), now());
        if (std::holds_alternative<kiosk::Saved>(outcome)) {
            // Signed in with the password or the first one-time password, and a role that needs a
            // second factor without one: it is enrolled now, and the login goes on from there ([12]
            // item 4). A forgotten password resets the password only.
            if (flow.kind == FlowKind::sign_in && s_.factors != nullptr) {
                if (auto token = s_.factors->after_new_password(person->id, now())) {
                    Response res = Response::redirect("/logga-in/andra-steget");
                    res.header("Set-Cookie", cookie_header(kStepCookie, *token, req.secure));
                    return res;
                }
            }
            return Response::redirect("/kiosk/klart");
        }
        error = views_.t(lang, problem_key(std::get<kiosk::Refused>(outcome).problem));
    }
    Data d{Data::type::object};
    d.set("title", views_.t(lang, "kiosk_password_heading"));
    d.set("username", person->username.value());
    d.set("email", person->email);
    d.set("error", error);
    return kiosk_page(req, lang, 422, "kiosk_password", flow, std::move(d));
}

Response KioskPages::kiosk_done_page(Request& req) {
    const std::string lang = pick_language(req, {});
    auto flow = s_.kiosk.find(req.cookie(kKioskCookie), now());
    if (!flow || flow->stage != FlowStage::done) return Response::redirect("/kiosk");
    Data d{Data::type::object};
    d.set("title", views_.t(lang, "kiosk_done_heading"));
    return kiosk_page(req, lang, 200, "kiosk_done", *flow, std::move(d));
}

Response KioskPages::kiosk_new_captcha(Request& req, KioskForm& in) {
    auto& [flow, form, lang] = in;
    s_.kiosk.new_captcha(flow, now());
    const auto& page = first_form(form.get("sida"));
    // What the person typed stays (but never a password), as the same page with a new image.
    return kiosk_first_form(req, std::string(page.page), flow, {}, 200, form.get("username"), {}, false);
}

Response KioskPages::kiosk_cancel(Request& req, KioskForm&) {
    s_.kiosk.end(req.cookie(kKioskCookie), client(req), now());
    Response res = Response::redirect("/kiosk");
    res.header("Set-Cookie", cookie_header(kKioskCookie, "", req.secure, 0));
    return res;
}

Response KioskPages::kiosk_end(Request& req) {
    auto in = kiosk_post(req);
    if (auto* r = std::get_if<Response>(&in)) {
        // AVSLUTA on a flow that has already ended still leaves the kiosk.
        if (r->status == 303) return Response::redirect("/logga-in?kiosk=slut");
        return std::move(*r);
    }
    s_.kiosk.end(req.cookie(kKioskCookie), client(req), now());
    Response res = Response::redirect("/logga-in?kiosk=slut");
    res.header("Set-Cookie", cookie_header(kKioskCookie, "", req.secure, 0));
    return res;
}

Response KioskPages::kiosk_captcha_png(Request& req) {
    auto flow = s_.kiosk.find(req.cookie(kKioskCookie), now());
    if (!flow || flow->captcha_answer.empty() || !s_.draw_captcha) return no_store(Response::text(404, "no CAPTCHA\n"));
    Response res;
    res.content_type = "image/png";
    res.body = s_.draw_captcha(flow->captcha_answer);
    return no_store(std::move(res));
}

Response KioskPages::kiosk_captcha_wav(Request& req) {
    const std::string lang = pick_language(req, {});
    auto flow = s_.kiosk.find(req.cookie(kKioskCookie), now());
    if (!flow || flow->captcha_answer.empty() || !s_.speak_captcha)
        return no_store(Response::text(404, "no CAPTCHA\n"));
    Response res;
    res.content_type = "audio/wav";
    res.body = s_.speak_captcha(flow->captcha_answer, lang);
    res.header("Content-Disposition", "inline; filename=\"tecken.wav\"");
    return no_store(std::move(res));
}

void KioskPages::add_post(Router& router, std::string_view path, Response (KioskPages::*h)(Request&, KioskForm&),
                          PoolKind pool) {
    Route route{"POST", path, Gate::none, [this, h](Call& c) {
                    auto in = kiosk_post(c.req);
                    if (auto* refused = std::get_if<Response>(&in)) return std::move(*refused);
                    return (this->*h)(c.req, std::get<KioskForm>(in));
                }};
    route.pool = pool;
    router.add(std::move(route)).anonymous_body();
}

void KioskPages::add_routes(Router& r) {
    // The kiosk's first pages start (or restart) a flow: they write. Its forms are posted without a session.
    r.add("GET", "/kiosk", this, &KioskPages::kiosk_signin_page).anonymous_body();
    r.add("GET", "/kiosk/forsta-gangen", this, &KioskPages::kiosk_signin_page).anonymous_body();
    add_post(r, "/kiosk", &KioskPages::kiosk_signin_submit, PoolKind::hash);
    add_post(r, "/kiosk/forsta-gangen", &KioskPages::kiosk_signin_submit, PoolKind::hash);
    r.add("GET", "/kiosk/glomt", this, &KioskPages::kiosk_forgot_page).anonymous_body();
    add_post(r, "/kiosk/glomt", &KioskPages::kiosk_forgot_submit);
    r.add("GET", "/kiosk/glomt/engangslosenord", this, &KioskPages::kiosk_otp_page).anonymous_body();
    add_post(r, "/kiosk/glomt/engangslosenord", &KioskPages::kiosk_otp_submit, PoolKind::hash);
    r.add("GET", "/kiosk/nytt-losenord", this, &KioskPages::kiosk_password_page).anonymous_body();
    add_post(r, "/kiosk/nytt-losenord", &KioskPages::kiosk_password_submit, PoolKind::hash);
    r.add("GET", "/kiosk/klart", this, &KioskPages::kiosk_done_page).anonymous_body();
    add_post(r, "/kiosk/byt-tecken", &KioskPages::kiosk_new_captcha);
    add_post(r, "/kiosk/avbryt", &KioskPages::kiosk_cancel);
    r.add("POST", "/kiosk/avsluta", this, &KioskPages::kiosk_end).anonymous_body();  // an ended flow still leaves
    r.add("GET", "/kiosk/tecken.png", this, &KioskPages::kiosk_captcha_png).anonymous_body();
    r.add("GET", "/kiosk/tecken.wav", this, &KioskPages::kiosk_captcha_wav).anonymous_body();
}

}  // namespace mina::web
