// The second factor's screens (issue [12]): the step after the password (a code from the app, a
// recovery code, or a passkey), the enrolment a role requires (a QR code and the secret in text, or a
// passkey), the recovery codes shown once, "Logga in med passkey", and in Anpassa the page where a
// person adds and removes their factors. Everything works without script but WebAuthn itself
// (static/passkey.js), whose buttons appear only where the browser has it.
#pragma once

#include <string>
#include <vector>

#include "core/login/second_factor.hpp"
#include "core/oidc/provider.hpp"
#include "web/pages.hpp"

namespace mina::web {

/// The login step's cookie: HttpOnly, the step's token (only its digest is stored).
inline constexpr std::string_view kStepCookie = "mina_steg";

class FactorPages final : Pages {
   public:
    struct Services {
        login::SecondFactor& factors;
        /// A login that a service waits for continues to it (issue [11]).
        oidc::Provider* oidc = nullptr;
    };
    FactorPages(PageContext& ctx, Services s) : Pages(ctx), s_(s) {}

    void add_routes(Router& router);

    /// Where a login that has just ended in a session goes: `next`, the waiting service, or Startsida.
    [[nodiscard]] static std::string after_login(const Request& req, const std::string& next, oidc::Provider* oidc);

   private:
    // At login (no session yet): the pre-login CSRF cookie guards the forms.
    Response step_page(Request& req);
    Response step_code(Request& req);
    Response step_enrol_app(Request& req);
    Response step_challenge(Request& req);
    Response step_passkey(Request& req);
    Response step_enrol_passkey(Request& req);
    Response login_challenge(Request& req);
    Response login_passkey(Request& req);
    // After login (Anpassa → Inloggning)
    Response settings_page(Request& req, Authed& a);
    Response settings_add_app(Request& req, Authed& a, Form& form);
    Response settings_remove_app(Request& req, Authed& a, Form& form);
    Response settings_challenge(Request& req, Authed& a, Form& form);
    Response settings_add_passkey(Request& req, Authed& a, Form& form);
    Response settings_remove_passkey(Request& req, Authed& a, Form& form);
    Response settings_recovery_codes(Request& req, Authed& a, Form& form);

    /// The step page for the browser's step, `error` above the form (status 422 when there is one).
    Response render_step(Request& req, const std::string& lang, const login::SecondFactor::StepView& step,
                         const std::string& next, const std::string& error, int status = 200);
    /// An app's secret offered to `p` (part_factor_app.html): the QR code, the key in groups of four
    /// and the sealed offer the form sends back.
    void set_offer(Data& d, const std::string& lang, const Person& p);
    /// The recovery codes, shown once, with the way on.
    Response render_codes(const Request& req, const std::string& lang, const std::vector<std::string>& codes,
                          const std::string& next_href);
    /// The answer to a step's form: on in, the step again with `wrong_key`'s words, the login page
    /// (locked, or the step gone), or a wait.
    template <class Outcome>
    Response step_answer(Request& req, const std::string& lang, const std::string& token, const std::string& next,
                         const Outcome& out, std::string_view wrong_key);
    /// Back to Anpassa's page saying how a change went (`done_word` when it was made); new recovery
    /// codes are shown first, once.
    Response changed(const Request& req, const Authed& a, login::SecondFactor::Change c, std::string_view done_word,
                     const std::vector<std::string>& codes);
    /// A login ended in a session: the cookie set, the step's cleared, on to where it goes.
    Response logged_in(Request& req, const login::LoggedIn& in, const std::string& next);
    /// The form of a page before login, its CSRF token checked against the pre-login cookie.
    std::optional<Form> pre_form(Request& req);
    /// The relying party of WebAuthn's ceremonies for this request.
    [[nodiscard]] login::SecondFactor::Party party(const Request& req) const;
    /// A step's way back to the login when it has gone: the login page, saying so.
    Response step_gone(Request& req, const std::string& lang);

    Services s_;
};

}  // namespace mina::web
