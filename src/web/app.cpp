#include "web/app.hpp"

#include <spdlog/spdlog.h>

namespace mina::web {

App::App(const Services& s, const Views& views)
    : portal_(s.portal),
      ctx_({views, s.site, s.zone, s.policy, s.clock, s.portal, s.tokens, later_}),
      router_(ctx_),
      desk_pages_(ctx_, {s.idm}),
      portal_pages_(ctx_, {s.login, s.store, s.metrics, s.session_cache_pages,
                           [this](const Authed& a, Data& d) { return desk_pages_.add_desk(a, d); }, &s.oidc}),
      kiosk_pages_(ctx_, {s.kiosk, s.draw_captcha, s.speak_captcha, s.wake_mail, &s.factors}),
      idm_pages_(ctx_, {s.idm, s.wake_mail}),
      studietider_pages_(ctx_, {s.studietider, s.search_cache_pages}),
      reports_pages_(ctx_, {s.reports}),
      stats_pages_(ctx_, {s.stats}),
      help_pages_(ctx_),
      oidc_pages_(ctx_, s.oidc, s.signer),
      factor_pages_(ctx_, {s.factors, &s.oidc}) {
    portal_pages_.add_routes(router_);
    kiosk_pages_.add_routes(router_);
    idm_pages_.add_routes(router_);
    studietider_pages_.add_routes(router_);
    reports_pages_.add_routes(router_);
    stats_pages_.add_routes(router_);
    help_pages_.add_routes(router_);
    oidc_pages_.add_routes(router_);
    factor_pages_.add_routes(router_);
}

Response App::handle(Request& req) {
    Response res = router_.handle(req);
    add_security_headers(res, req.secure);
    if (req.method == "HEAD") res.body.clear();
    return res;
}

bool App::has_session(const Request& req) { return !req.cookie(kSessionCookie).empty(); }

bool App::reads_sessions(const Request& req) {
    return has_session(req) || req.path == "/oidc/token" || req.path == "/oidc/userinfo";
}

std::optional<Response> App::admit(Request& head, bool verify) {
    std::optional<Response> out;
    try {
        Segments segments;
        if (const Route* route = router_.find(head.method, head.path, &segments)) {
            if (route->admit) {
                out = route->admit(head, segments, verify);
            } else if (route->needs_session) {
                // Every other route's form is posted after login (the login's and the kiosk's have no
                // session); a request to no route is answered 404 or 405 by handle().
                const std::string token = head.cookie(kSessionCookie);
                if (token.empty() || (verify && !portal_.resume(token, ctx_.now())))
                    out = ctx_.login_redirect(head, !token.empty());
            }
        }
    } catch (const ports::Unavailable& e) {
        spdlog::warn("request {} {} {}: database unavailable: {}", head.request_id, head.method, head.path, e.what());
        out = Response::text(503, "database unavailable\n");
        out->header("Retry-After", "5");
    }
    if (out) add_security_headers(*out, head.secure);
    return out;
}

}  // namespace mina::web
