// Lösenordskiosken (manual §2.1 steps 2–4, §3): the flows without a session, each page behind the
// browser's kiosk flow and its own CSRF token, and the CAPTCHA as an image and as speech.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/kiosk/kiosk.hpp"
#include "core/login/login.hpp"
#include "core/login/second_factor.hpp"
#include "web/pages.hpp"

namespace mina::web {

class KioskPages final : Pages {
   public:
    struct Services {
        kiosk::Service& kiosk;
        /// The CAPTCHA as a PNG and as spoken WAV (the captcha module; wired in by main).
        std::function<std::string(std::string_view answer)> draw_captcha;
        std::function<std::string(std::string_view answer, std::string_view lang)> speak_captcha;
        /// Tells the outbox worker that mail is waiting (a one-time password ordered in the kiosk).
        std::function<void()> wake_mail;
        /// A first login whose role needs a second factor enrols it right after the new password ([12]).
        login::SecondFactor* factors = nullptr;
    };
    KioskPages(PageContext& ctx, Services s) : Pages(ctx), s_(std::move(s)) {}
    void add_routes(Router& router);

   private:
    struct KioskForm {
        KioskFlow flow;
        Form form;
        std::string lang;
    };
    /// A kiosk POST's route: the handler gets the browser's live flow and its form, CSRF-checked.
    void add_post(Router& router, std::string_view path, Response (KioskPages::*h)(Request&, KioskForm&),
                  PoolKind pool = PoolKind::work);
    Response kiosk_page(Request& req, const std::string& lang, int status, std::string_view page, const KioskFlow& flow,
                        Data d, const std::string& token_to_set = {});
    Response kiosk_first_form(Request& req, const std::string& page, const KioskFlow& flow, const std::string& token,
                              int status, const std::string& username, const std::string& error, bool forgot_hint,
                              const std::string& notice = {});
    Response kiosk_signin_page(Request& req);
    Response kiosk_forgot_page(Request& req);
    /// For kiosk POSTs: the browser's live flow with a checked CSRF token and the parsed form, or a
    /// page that says why not (an expired flow starts over).
    std::variant<KioskForm, Response> kiosk_post(Request& req);
    Response kiosk_signin_submit(Request& req, KioskForm& in);
    Response kiosk_forgot_submit(Request& req, KioskForm& in);
    Response kiosk_otp_page(Request& req);
    Response kiosk_otp_submit(Request& req, KioskForm& in);
    Response kiosk_password_page(Request& req);
    Response kiosk_password_submit(Request& req, KioskForm& in);
    Response kiosk_done_page(Request& req);
    Response kiosk_new_captcha(Request& req, KioskForm& in);
    Response kiosk_cancel(Request& req, KioskForm& in);
    Response kiosk_end(Request& req);
    Response kiosk_captcha_png(Request& req);
    Response kiosk_captcha_wav(Request& req);

    Services s_;
};

}  // namespace mina::web
