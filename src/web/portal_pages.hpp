// The portal (manual §2): the login, Startsida, Välj skola, Anpassa, Kontakta oss, Logga ut and
// the extension of a session, with the public pages around them (accessibility, language) and the
// operator's (healthz, metrics, static files).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/login/login.hpp"
#include "core/oidc/provider.hpp"
#include "web/page_cache.hpp"
#include "web/pages.hpp"

namespace mina::web {

class Metrics;

class PortalPages final : Pages {
   public:
    struct Services {
        login::Service& login;
        ports::Store& store;
        Metrics& metrics;
        /// Startsida kept rendered per session while nothing it shows has changed (server.session_cache_pages).
        std::size_t session_cache_pages = 2000;
        /// Puts the agency's desk into Startsida's data (DeskPages::add_desk); the page is then not kept.
        std::function<bool(const Authed&, Data&)> agency_desk;
        /// The OpenID Provider: the login page names the service a person logs in to, and a login
        /// continues to it (issue [11]).
        oidc::Provider* oidc = nullptr;
    };
    PortalPages(PageContext& ctx, Services s);
    void add_routes(Router& router);

   private:
    Response root(Request& req);
    Response render_login(Request& req, const std::string& lang, int status, const std::string& username,
                          const std::string& error, bool kiosk_hint, const std::string& notice,
                          const std::string& next);
    Response login_page(Request& req);
    Response login_submit(Request& req);
    Response accessibility(Request& req);
    Response language(Request& req);
    Response healthz(Request&);
    Response metrics(Request&);
    Response static_file(Request& req, const Segments& segments);
    Response start(Request& req, Authed& a);
    Response choose_school(Request& req, Authed& a, Form& form);
    Response contact(Request& req, Authed& a);
    Response customize_page(Request& req, Authed& a);
    Response customize_submit(Request& req, Authed& a, Form& form);
    Response logout(Request& req, Authed& a, Form& form);
    Response extend_session(Request& req, Authed& a, Form& form);

    Services s_;
    ViewerPages session_pages_;  // Startsida, by session, language and notice
};

}  // namespace mina::web
