// The web application: the pages of each area (portal, kiosk, Identity Manager, Studietider,
// Studeranderapportering) behind one router. A handler parses the request, calls one core service
// and maps its outcome to a page; it holds no policy and no SQL. main builds the App from Services
// and hands its four entry points to the server (ServerHooks).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/text.hpp"
#include "core/idm/idm.hpp"
#include "core/kiosk/kiosk.hpp"
#include "core/login/login.hpp"
#include "core/login/portal.hpp"
#include "core/reports/service.hpp"
#include "core/studietider/service.hpp"
#include "web/background.hpp"
#include "web/desk_pages.hpp"
#include "web/factor_pages.hpp"
#include "web/help_pages.hpp"
#include "web/http.hpp"
#include "web/idm_pages.hpp"
#include "web/kiosk_pages.hpp"
#include "web/oidc_pages.hpp"
#include "web/pages.hpp"
#include "web/portal_pages.hpp"
#include "web/reports_pages.hpp"
#include "web/router.hpp"
#include "web/server.hpp"
#include "web/site.hpp"
#include "web/stats_pages.hpp"
#include "web/studietider_pages.hpp"
#include "web/views.hpp"

namespace mina::web {

class Metrics;

/// Everything the pages use, as main has built it; each area is given its own part.
struct Services {
    login::Service& login;
    portal::Service& portal;
    ports::Store& store;
    ports::Tokens& tokens;
    const PolicyConfig& policy;
    const SiteConfig& site;
    const time::Zone& zone;  // portal.time_zone: times shown to people and every page's "today"
    const Clock& clock;
    Metrics& metrics;
    kiosk::Service& kiosk;
    idm::Service& idm;
    studietider::Service& studietider;
    reports::Service& reports;
    stats::Service& stats;
    /// The second factor and passkeys (issue [12]).
    login::SecondFactor& factors;
    /// Single sign-on (issue [11]): the OpenID Provider and what signs its ID tokens.
    oidc::Provider& oidc;
    const oidc::Signer& signer;
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
    App(const Services& s, const Views& views);

    /// Answers one request, on the thread its route runs on (pool_for).
    Response handle(Request& req);
    /// Logins to the hash pool; the routes that opted in (pages that neither write nor block) on the
    /// I/O thread; every other route on the work pool.
    [[nodiscard]] PoolKind pool_for(const Request& req) const { return router_.pool_for(req); }
    /// The POST targets that carry a file (a CSV upload and its preview's save, the reporting API):
    /// they may be larger than other requests (server.max_upload_bytes).
    [[nodiscard]] bool is_upload(std::string_view target) const { return router_.is_upload(target); }
    /// Whether the request carries a session cookie (it will read its viewer: ServerHooks::needs_fence).
    [[nodiscard]] static bool has_session(const Request& req);
    /// Whether the request reads portal sessions (Sessions::view), and so must see every change
    /// committed before it (ServerHooks::needs_fence): one with a session cookie, and the single
    /// sign-on's token and userinfo endpoints, whose codes and tokens work only while their
    /// session lives.
    [[nodiscard]] static bool reads_sessions(const Request& req);
    /// Before a body is read (ServerHooks::admit): the answer to a request whose route needs a
    /// session or an API key that its header does not carry (`verify`: a live one), or nothing.
    [[nodiscard]] std::optional<Response> admit(Request& head, bool verify);

   private:
    portal::Service& portal_;
    Background later_;  // the session touches of pages answered on an I/O thread
    PageContext ctx_;
    Router router_;
    DeskPages desk_pages_;  // before portal_pages_, which shows it on Startsida
    PortalPages portal_pages_;
    KioskPages kiosk_pages_;
    IdmPages idm_pages_;
    StudietiderPages studietider_pages_;
    ReportsPages reports_pages_;
    StatsPages stats_pages_;
    HelpPages help_pages_;
    OidcPages oidc_pages_;
    FactorPages factor_pages_;
};

}  // namespace mina::web
