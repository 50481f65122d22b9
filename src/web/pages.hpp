// What every area's pages share: the views, the site's and the policy's settings, the clock, the
// session behind a request and its CSRF token (PageContext, the router's Gatekeeper), and the
// page frames (the layout after login, a message, an error). Each area (PortalPages, KioskPages,
// IdmPages, StudietiderPages, ReportsPages) derives from Pages and holds only its own services.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/ports.hpp"
#include "core/common/text.hpp"
#include "core/login/policy.hpp"
#include "core/login/portal.hpp"
#include "time/local_time.hpp"
#include "web/background.hpp"
#include "web/http.hpp"
#include "web/router.hpp"
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

inline constexpr std::string_view kSessionCookie = "mina_session";
inline constexpr std::string_view kPreCookie = "mina_pre";  // the CSRF token of forms shown before login

/// Headers every response gets (SPEC §4): CSP without inline script, no framing, no referrer.
void add_security_headers(Response& res, bool secure);

/// A local path to return to after login; anything else (another host, a scheme) is dropped.
[[nodiscard]] std::string safe_next(std::string_view next);

/// The settings and services every area uses.
struct PageSettings {
    const Views& views;
    const SiteConfig& site;
    const time::Zone& zone;
    const PolicyConfig& policy;
    const Clock& clock;
    portal::Service& portal;
    ports::Tokens& tokens;
    /// Where a page answered on an I/O thread leaves its session's writes.
    Background& later;
};

class PageContext final : public Gatekeeper {
   public:
    explicit PageContext(PageSettings s);

    // The router's Gatekeeper
    std::variant<Authed, Response> login(Request& req, PoolKind where) override;
    /// The live portal session behind the request's cookie, if any; on an I/O thread its touch is
    /// queued, not committed (nothing there waits for a disk).
    [[nodiscard]] std::optional<portal::Viewer> viewer(const Request& req, PoolKind where);
    [[nodiscard]] bool csrf_ok(const Authed& a, std::string_view token) const override;
    Response error_page(const Request& req, int status, std::string_view message_key) override;

    /// Where a request without a live session is sent (`had_token`: it carried one).
    [[nodiscard]] Response login_redirect(const Request& req, bool had_token) const;
    Response message_page(const Request& req, const std::string& lang, int status, const std::string& heading,
                          const std::vector<std::string>& paragraphs, const std::string& link_href = {},
                          const std::string& link_text = {});
    /// A page after login: the layout's menu, schools and timeout words around `page`.
    Response authed_page(const Authed& a, std::string_view page, const std::string& title, Data data,
                         std::string_view current_menu = {});
    [[nodiscard]] std::string human_duration(const std::string& lang, Seconds d) const;
    [[nodiscard]] std::string count_word(const std::string& lang, int n) const;
    [[nodiscard]] Timestamp now() const { return s_.clock.now(); }
    [[nodiscard]] static ClientInfo client(const Request& req);

    struct StaticFile {
        std::string body;
        std::string content_type;
        std::string etag;
    };
    /// An embedded file of static/, by name.
    [[nodiscard]] const StaticFile* static_file(std::string_view name) const;
    /// Names every version of the static files (in their addresses, so that browsers keep them).
    [[nodiscard]] const std::string& asset_version() const { return asset_version_; }

    const Views& views;
    const SiteConfig& site;
    const time::Zone& zone;
    const PolicyConfig& policy;
    portal::Service& portal;
    ports::Tokens& tokens;

   private:
    /// What every page after login says alike, made once per language rather than per request.
    struct LayoutWords {
        std::string idle_seconds;
        std::string timeout_note;
        std::string agency_lower;
    };
    [[nodiscard]] const LayoutWords& layout_words(const std::string& lang) const;

    PageSettings s_;
    std::map<std::string, StaticFile, std::less<>> static_files_;
    std::string asset_version_;
    std::map<std::string, LayoutWords, std::less<>> layout_words_;
};

/// The base of an area's pages: the shared frames, by the names the handlers use.
class Pages {
   protected:
    explicit Pages(PageContext& ctx) : ctx_(ctx), views_(ctx.views) {}

    Response error_page(const Request& req, int status, std::string_view key) {
        return ctx_.error_page(req, status, key);
    }
    Response message_page(const Request& req, const std::string& lang, int status, const std::string& heading,
                          const std::vector<std::string>& paragraphs, const std::string& link_href = {},
                          const std::string& link_text = {}) {
        return ctx_.message_page(req, lang, status, heading, paragraphs, link_href, link_text);
    }
    Response authed_page(const Authed& a, std::string_view page, const std::string& title, Data data,
                         std::string_view current_menu = {}) {
        return ctx_.authed_page(a, page, title, std::move(data), current_menu);
    }
    /// 403 for a service the viewer holds no grant for at the chosen school (the refusal is audited).
    Response service_forbidden(const Authed& a, Request& req, std::string_view service_key);
    /// 403 under the heading `heading_key`, saying `why` (the refusal is audited).
    Response forbidden_page(const Authed& a, Request& req, std::string_view heading_key, const std::string& why);
    [[nodiscard]] std::string human_duration(const std::string& lang, Seconds d) const {
        return ctx_.human_duration(lang, d);
    }
    [[nodiscard]] std::string count_word(const std::string& lang, int n) const { return ctx_.count_word(lang, n); }
    [[nodiscard]] Timestamp now() const { return ctx_.now(); }
    /// The day it is where the service's people are (portal.time_zone).
    [[nodiscard]] Date today() const { return ctx_.zone.day_of(now()); }
    /// `t` as the reader reads it: local time, in the reader's language ("2026-12-07 02:47" in a table).
    [[nodiscard]] std::string when(const std::string& lang, Timestamp t, time::Form form = time::Form::table) const {
        return time::show(t, ctx_.zone, lang, form);
    }
    [[nodiscard]] static ClientInfo client(const Request& req) { return PageContext::client(req); }

    /// What a person is asked before something that cannot be undone ([10] item 2).
    struct Confirmation {
        std::string heading;      // the question, with the object's name: "Ta bort Britt Andersson från skolan?"
        std::string what;         // what will happen, in a sentence or two
        std::string button;       // the verb that does it: "Ta bort"
        std::string cancel_href;  // where "Avbryt" leads: the page the form was on
        std::string_view menu;    // the menu item to mark, as on that page
    };
    /// Was the form sent from a confirmation (the page below, or the dialog static/session.js shows
    /// for a form with data-confirm)? A destructive handler acts only then.
    [[nodiscard]] static bool confirmed(const Form& form) { return form.get("bekrafta") == "ja"; }
    /// The confirmation page: the same form once more, every field kept, with bekrafta=ja and a way back.
    Response confirm_page(const Authed& a, const Request& req, const Form& form, const Confirmation& c);

    PageContext& ctx_;
    const Views& views_;
};

}  // namespace mina::web
