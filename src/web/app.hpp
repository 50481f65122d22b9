// The web application: routes each request to one handler per screen. A handler parses the
// request, calls one core service and maps its outcome to a page; it holds no policy and no SQL.
#pragma once

#include <functional>
#include <map>
#include <variant>
#include <optional>
#include <string>
#include <vector>

#include "core/common/text.hpp"
#include "core/idm/idm.hpp"
#include "core/reports/service.hpp"
#include "core/studietider/service.hpp"
#include "core/kiosk/kiosk.hpp"
#include "core/login/login.hpp"
#include "core/login/portal.hpp"
#include "web/http.hpp"
#include "web/page_cache.hpp"
#include "web/server.hpp"
#include "web/site.hpp"
#include "web/views.hpp"

namespace mina::web {

/// std::visit with one lambda per alternative.
template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

class Metrics;

struct Services {
    login::Service& login;
    portal::Service& portal;
    ports::Store& store;
    ports::Tokens& tokens;
    const PolicyConfig& policy;
    const SiteConfig& site;
    const Clock& clock;
    Metrics& metrics;
    kiosk::Service& kiosk;
    idm::Service& idm;
    studietider::Service& studietider;
    reports::Service& reports;
    /// The CAPTCHA as a PNG and as spoken WAV (the captcha module; wired in by main).
    std::function<std::string(std::string_view answer)> draw_captcha;
    std::function<std::string(std::string_view answer, std::string_view lang)> speak_captcha;
    /// Tells the outbox worker that mail is waiting (a one-time password ordered in the kiosk).
    std::function<void()> wake_mail;
    /// Ansök om studiemedel's pages kept rendered (server.search_cache_pages).
    std::size_t search_cache_pages = 1000;
    /// Startsida kept rendered per session while nothing it shows has changed (server.session_cache_pages).
    std::size_t session_cache_pages = 2000;
};

class App final {
   public:
    App(Services s, const Views& views);

    /// Answers one request; runs on a pool thread.
    Response handle(Request& req);
    /// Logins go to the hash pool, other POSTs (they write) to the work pool, and reads stay on the
    /// I/O thread.
    [[nodiscard]] PoolKind pool_for(const Request& req) const;
    /// The POST targets that carry a file (a CSV upload and its preview's save): they may be larger
    /// than other requests (server.max_upload_bytes).
    [[nodiscard]] static bool is_upload(std::string_view target);
    /// Whether the request carries a session cookie (it will read its viewer: ServerHooks::needs_fence).
    [[nodiscard]] static bool has_session(const Request& req);
    /// Before a body is read (ServerHooks::admit): the answer to a request whose route needs a
    /// session or an API key that its header does not carry (`verify`: a live one), or nothing.
    [[nodiscard]] std::optional<Response> admit(Request& head, bool verify);

   private:
    using Handler = Response (App::*)(Request&);
    struct Route {
        std::string_view method;
        std::string_view path;
        Handler handler;
        PoolKind pool = PoolKind::io;  // the constructor moves every non-GET route to `work`
    };

    // Anonymous screens
    Response root(Request& req);
    Response login_page(Request& req);
    Response login_submit(Request& req);
    Response identity_manager(Request& req);
    Response accessibility(Request& req);
    Response language(Request& req);
    Response healthz(Request& req);
    Response metrics(Request& req);
    Response static_file(Request& req);
    // The Identity Manager (idm_pages.cpp)
    Response idm_school(Request& req);
    Response idm_add_person(Request& req);
    Response idm_set_services(Request& req);
    Response idm_remove(Request& req);
    Response idm_unlock(Request& req);
    Response idm_send_otp(Request& req);
    Response idm_appoint_admin(Request& req);
    Response idm_search(Request& req);
    Response idm_letters(Request& req);
    Response idm_letter_pdf(Request& req);
    Response idm_letter_posted(Request& req);
    Response idm_remove_admin(Request& req);
    // Studietider och utbildningar (studietider_pages.cpp)
    Response st_education(Request& req);
    Response st_save_education(Request& req);
    Response st_withdraw_education(Request& req);
    Response st_save_period(Request& req);
    Response st_period_action(Request& req);
    Response st_contact(Request& req);
    Response st_file_download(Request& req);
    Response st_file_upload(Request& req);
    Response st_file_save(Request& req);
    Response st_public(Request& req);
    /// A page of Ansök om studiemedel from public_pages_ while the data has not changed, else
    /// `render`ed (it sets the generation it rendered) and kept; ETag and 304 for browsers.
    Response st_public_cached(Request& req, const std::string& key, std::string_view content_type,
                              const std::function<std::string(std::int64_t&)>& render);
    std::string st_public_page(Request& req, const std::string& lang, const Form& q, std::int64_t& generation);
    std::string st_public_json(const Form& q, std::int64_t& generation);
    Response st_public_api(Request& req);
    Response idm_add_school(Request& req);
    Response idm_update_school(Request& req);
    Response idm_mail(Request& req);
    Response idm_mail_retry(Request& req);
    Response idm_audit(Request& req);
    Response idm_import(Request& req);
    Response idm_import_save(Request& req);
    // The password kiosk (kiosk_pages.cpp)
    Response kiosk_signin_page(Request& req);
    Response kiosk_signin_submit(Request& req);
    Response kiosk_forgot_page(Request& req);
    Response kiosk_forgot_submit(Request& req);
    Response kiosk_otp_page(Request& req);
    Response kiosk_otp_submit(Request& req);
    Response kiosk_password_page(Request& req);
    Response kiosk_password_submit(Request& req);
    Response kiosk_done_page(Request& req);
    Response kiosk_new_captcha(Request& req);
    Response kiosk_cancel(Request& req);
    Response kiosk_end(Request& req);
    Response kiosk_captcha_png(Request& req);
    Response kiosk_captcha_wav(Request& req);
    struct KioskForm {
        KioskFlow flow;
        Form form;
        std::string lang;
    };
    /// For kiosk POSTs: the browser's live flow with a checked CSRF token and the parsed form, or a
    /// page that says why not (an expired flow starts over).
    std::variant<KioskForm, Response> kiosk_post(Request& req);
    Response kiosk_page(Request& req, const std::string& lang, int status, std::string_view page, const KioskFlow& flow,
                        Data d, const std::string& token_to_set = {});
    Response kiosk_first_form(Request& req, const std::string& page, const KioskFlow& flow, const std::string& token,
                              int status, const std::string& username, const std::string& error, bool forgot_hint,
                              const std::string& notice = {});
    // Screens after login
    Response start(Request& req);
    Response choose_school(Request& req);
    Response contact(Request& req);
    Response customize_page(Request& req);
    Response customize_submit(Request& req);
    Response logout(Request& req);
    Response extend_session(Request& req);
    Response service_studietider(Request& req);
    // Studeranderapportering (reports_pages.cpp)
    Response sr_list(Request& req);
    Response sr_new(Request& req);
    Response sr_report(Request& req);
    Response sr_student(Request& req);
    Response sr_student_save(Request& req);
    Response sr_export(Request& req);
    Response sr_file(Request& req);
    Response sr_file_upload(Request& req);
    Response sr_file_save(Request& req);
    Response sr_submission(Request& req);
    Response sr_keys(Request& req);
    Response sr_key_create(Request& req);
    Response sr_key_revoke(Request& req);
    Response sr_agency(Request& req);
    Response sr_agency_protection(Request& req);
    /// POST /api/v1/schools/{code}/reports, with the school's API key.
    Response sr_api(Request& req);
    [[nodiscard]] static bool is_reports_api(std::string_view path);

    // Helpers shared by the handlers
    struct Authed {
        portal::Viewer viewer;
        std::string lang;
    };
    Response idm_forbidden(const Authed& a, Request& req);
    Response idm_people_page(const Authed& a, Request& req, const std::string& school, int status, Data extra);
    Response idm_schools_page(const Authed& a, int status, Data extra);
    Response idm_import_page(const Authed& a, const std::string& school, const std::string& file,
                             const std::string& filename, const idm::ImportPlan& plan, bool changed);
    Response idm_refused(const Authed& a, Request& req, idm::Problem p);
    /// 403 for a service the viewer holds no grant for at the chosen school (the refusal is audited).
    Response service_forbidden(const Authed& a, Request& req, std::string_view service_key);
    Response st_forbidden(const Authed& a, Request& req);
    Response sr_forbidden(const Authed& a, Request& req);
    /// A list's or an export's search: a POST's form (CSRF checked), or a GET's query string.
    std::variant<std::pair<Authed, Form>, Response> sr_search_input(Request& req);
    Response sr_denied(const Authed& a, Request& req, const reports::Denied& no);
    /// A stored problem code (reports::error_codes) in the reader's language.
    [[nodiscard]] std::string sr_message(const std::string& lang, const std::string& code) const;
    [[nodiscard]] Data sr_kind_options(const std::string& lang, const std::string& chosen, bool any) const;
    void sr_form_data(const Authed& a, Data& d, const reports::Fields& f, const std::vector<std::string>& errors,
                      const std::map<std::string, std::string>& field_errors);
    Response sr_new_page(const Authed& a, Request& req, int status, const reports::Fields& f,
                         const std::vector<std::string>& errors, const std::map<std::string, std::string>& field_errors);
    Response sr_student_page(const Authed& a, Request& req, std::int64_t id, int status, const reports::Fields& f,
                             const std::vector<std::string>& errors,
                             const std::map<std::string, std::string>& field_errors);
    Response sr_file_page(const Authed& a, Request& req, int status, const std::string& error);
    /// The preview of an upload; its plan is let go once the rows shown are taken from it (a file of
    /// 100,000 rows: the page is not rendered beside the whole plan).
    Response sr_preview_page(const Authed& a, reports::Upload& up, const std::string& file,
                             const std::string& filename, int status, bool changed);
    [[nodiscard]] std::string sr_file_refusal(const std::string& lang, const reports::Denied& no) const;
    Response sr_keys_page(const Authed& a, Request& req, int status, Data d, const std::string& school);
    Response st_list_page(const Authed& a, Request& req, int status, Data extra);
    Response st_file_page(const Authed& a, const std::string& file, const std::string& filename,
                          const studietider::file::Plan& plan, bool changed);
    [[nodiscard]] std::string st_file_refusal(const std::string& lang, const studietider::file::FileRefused& no) const;
    Response st_education_page(const Authed& a, Request& req, const std::string& code, int status, Data extra);
    /// The levels and credit units for the education form's <select>s.
    [[nodiscard]] Data st_education_options(const std::string& lang, const std::string& level,
                                            const std::string& unit) const;
    /// Adds a school, or changes one (the agency).
    Response idm_save_school(Request& req, bool adding);
    /// The manual's school forms for a <select>, with `chosen` selected.
    [[nodiscard]] Data school_form_options(const std::string& lang, const std::string& chosen) const;
    /// The viewer, or a redirect to the login page.
    std::variant<Authed, Response> require_login(Request& req);
    /// Where require_login sends a request without a live session (`had_token`: it carried one).
    [[nodiscard]] Response login_redirect(const Request& req, bool had_token) const;
    /// The API's answer to a request whose key is missing (or, `verify`, not a live key of the school).
    [[nodiscard]] std::optional<Response> sr_api_admit(const Request& head, bool verify);
    /// For POST after login: the viewer with a checked CSRF token and the parsed form, or an error page.
    std::variant<std::pair<Authed, Form>, Response> require_post(Request& req);
    /// The same for a form with a file (multipart/form-data).
    std::variant<std::pair<Authed, Multipart>, Response> require_upload(Request& req);
    Response render_login(Request& req, const std::string& lang, int status, const std::string& username,
                          const std::string& error, bool kiosk_hint, const std::string& notice, const std::string& next);
    Response authed_page(const Authed& a, std::string_view page, const std::string& title, Data data,
                         std::string_view current_menu = {});
    Response message_page(const Request& req, const std::string& lang, int status, const std::string& heading,
                          std::vector<std::string> paragraphs, std::string link_href = {}, std::string link_text = {});
    Response error_page(const Request& req, int status, std::string_view message_key);
    [[nodiscard]] std::string human_duration(const std::string& lang, Seconds d) const;
    [[nodiscard]] std::string count_word(const std::string& lang, int n) const;
    [[nodiscard]] Timestamp now() const { return s_.clock.now(); }
    static ClientInfo client(const Request& req);

    Services s_;
    const Views& views_;
    PageCache public_pages_;  // Ansök om studiemedel, as page and as JSON
    ViewerPages session_pages_;  // Startsida, by session, language and notice
    std::vector<Route> routes_;
    struct StaticFile {
        std::string body;
        std::string content_type;
        std::string etag;
    };
    std::map<std::string, StaticFile, std::less<>> static_files_;
    std::string asset_version_;
    /// What every page after login says alike, made once per language rather than per request.
    struct LayoutWords {
        std::string idle_seconds;
        std::string timeout_note;
        std::string agency_lower;
    };
    std::map<std::string, LayoutWords, std::less<>> layout_words_;
    [[nodiscard]] const LayoutWords& layout_words(const std::string& lang) const;
};

/// Headers every response gets (SPEC §4): CSP without inline script, no framing, no referrer.
void add_security_headers(Response& res, bool secure);

}  // namespace mina::web
