// The route table: a request's method and path segments pick one handler; what the route asks of
// the request (a live session, a CSRF-checked form, a file) is checked here before the handler is
// called, so that a handler receives what it needs or is never called. Routes run on the work pool
// unless they opt in to the I/O thread (only pages that neither write nor block may).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/login/portal.hpp"
#include "web/http.hpp"
#include "web/server.hpp"

namespace mina::web {

/// The viewer of a request after login, and the language it reads.
struct Authed {
    portal::Viewer viewer;
    std::string lang;
};

/// A route's captured path segments: `{code}` in "/api/v1/schools/{code}/reports".
class Segments {
   public:
    /// The segment captured as `name`; empty when the pattern has none.
    [[nodiscard]] std::string_view get(std::string_view name) const;
    void add(std::string_view name, std::string_view value) { captured_.emplace_back(name, value); }

   private:
    std::vector<std::pair<std::string_view, std::string>> captured_;
};

/// A form's field read as a whole number (std::from_chars: digits, a leading '-'); nothing for
/// anything else (empty, a space, a letter, beyond 64 bits).
[[nodiscard]] std::optional<std::int64_t> integer(const Form& form, std::string_view name);
/// The same for a text.
[[nodiscard]] std::optional<std::int64_t> integer(std::string_view text);

/// What the router asks of the application before a gated handler runs: the session, the CSRF
/// token and the words of a refusal.
class Gatekeeper {
   public:
    virtual ~Gatekeeper() = default;
    /// The viewer, or the answer to a request without a live session (a redirect to the login).
    /// `where`: the thread the route runs on; on the I/O thread nothing may wait for the store's writes.
    virtual std::variant<Authed, Response> login(Request& req, PoolKind where) = 0;
    /// Whether `token` is the viewer's CSRF token.
    [[nodiscard]] virtual bool csrf_ok(const Authed& a, std::string_view token) const = 0;
    /// An error page (400, 403, 404, 405, 503) in the request's language.
    virtual Response error_page(const Request& req, int status, std::string_view message_key) = 0;
};

/// What a route asks of a request before its handler is called.
enum class Gate {
    none,            // anyone: the handler gets the request
    login,           // a live session: the handler gets the viewer
    login_query,     // a live session: the viewer and the query string as a form
    post,            // a live session and a form whose CSRF token is the session's
    upload,          // the same for multipart/form-data (a file)
    post_or_upload,  // either, by the Content-Type: the handler gets the form's text fields
};

/// What a handler receives: the request, the captured segments and what its gate checked.
struct Call {
    Request& req;
    const Segments& segments;
    Authed* who = nullptr;
    Form* form = nullptr;
    Multipart* parts = nullptr;
};

struct Route {
    Route(std::string_view m, std::string_view p, Gate g, std::function<Response(Call&)> h)
        : method(m), pattern(p), gate(g), handler(std::move(h)) {}

    std::string_view method;  // "*": any (the handler answers the methods it refuses)
    std::string_view pattern;
    Gate gate = Gate::none;
    std::function<Response(Call&)> handler;
    PoolKind pool = PoolKind::work;
    bool upload = false;        // its body may be as large as server.max_upload_bytes
    bool json = false;          // its refusals (503) are JSON, for a program
    bool script = false;        // a script's call: a refused gate answers a bare status (401 for no session)
    bool needs_session = true;  // a body is read only with a session cookie (ServerHooks::admit)

    /// Before the body is read (ServerHooks::admit): the route's own check of the header (an API
    /// key), instead of a session's.
    std::function<std::optional<Response>(const Request& head, const Segments& segments, bool verify)> admit;

    Route& on_io() {
        pool = PoolKind::io;
        return *this;
    }
    Route& on_hash() {
        pool = PoolKind::hash;
        return *this;
    }
    Route& large() {
        upload = true;
        return *this;
    }
    Route& for_program() {
        json = true;
        return *this;
    }
    Route& for_script() {
        script = true;
        return *this;
    }
    Route& anonymous_body() {
        needs_session = false;
        return *this;
    }
};

class Router final {
   public:
    explicit Router(Gatekeeper& gate) : gate_(gate) {}

    Route& add(Route r);
    template <class T>
    Route& add(std::string_view method, std::string_view pattern, std::type_identity_t<T>* self,
               Response (T::*h)(Request&)) {
        return add({method, pattern, Gate::none, [self, h](Call& c) { return (self->*h)(c.req); }});
    }
    template <class T>
    Route& add(std::string_view method, std::string_view pattern, std::type_identity_t<T>* self,
               Response (T::*h)(Request&, const Segments&)) {
        return add({method, pattern, Gate::none, [self, h](Call& c) { return (self->*h)(c.req, c.segments); }});
    }
    template <class T>
    Route& add(std::string_view method, std::string_view pattern, std::type_identity_t<T>* self,
               Response (T::*h)(Request&, Authed&)) {
        return add({method, pattern, Gate::login, [self, h](Call& c) { return (self->*h)(c.req, *c.who); }});
    }
    /// A POST: the form is the body, its CSRF token checked; a GET: the form is the query string.
    template <class T>
    Route& add(std::string_view method, std::string_view pattern, std::type_identity_t<T>* self,
               Response (T::*h)(Request&, Authed&, Form&)) {
        return add({method, pattern, method == "POST" ? Gate::post : Gate::login_query,
                    [self, h](Call& c) { return (self->*h)(c.req, *c.who, *c.form); }});
    }
    template <class T>
    Route& add(std::string_view method, std::string_view pattern, std::type_identity_t<T>* self,
               Response (T::*h)(Request&, Authed&, Multipart&)) {
        return add({method, pattern, Gate::upload, [self, h](Call& c) { return (self->*h)(c.req, *c.who, *c.parts); }})
            .large();
    }

    /// Answers one request: its route's gate, then its handler; 404 and 405 for no route. The store
    /// being away (ports::Unavailable) is answered 503 here, for every route alike.
    Response handle(Request& req);
    /// The pool a request's route runs on (HEAD: its GET's); the I/O thread for no route (404, 405).
    [[nodiscard]] PoolKind pool_for(const Request& req) const;
    /// Whether a POST to `target` (as sent: with its query) may carry a body up to max_upload_bytes.
    [[nodiscard]] bool is_upload(std::string_view target) const;
    /// The route of exactly this method and path (no HEAD for GET), or nothing.
    [[nodiscard]] const Route* find(std::string_view method, std::string_view path, Segments* segments = nullptr) const;

   private:
    Response run(const Route& route, Call& call);
    Response unavailable(const Request& req, const Route& route);

    Gatekeeper& gate_;
    std::vector<Route> routes_;
};

}  // namespace mina::web
