#include "web/router.hpp"

#include <malloc.h>

#include <charconv>

#include <spdlog/spdlog.h>

#include "core/common/ports.hpp"

namespace mina::web {

namespace {

/// A body this large is let go (and its memory given back) as soon as it is parsed.
constexpr std::size_t kLargeBody = 1024 * 1024;

/// The next segment of `path` (after its '/'), taken off it.
std::string_view next_segment(std::string_view& path) {
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    const auto slash = path.find('/');
    const std::string_view out = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    return out;
}

/// Whether `path` has the pattern's segments: each literal alike, each `{name}` any non-empty one
/// (captured into `segments`).
bool matches(std::string_view pattern, std::string_view path, Segments* segments) {
    if (pattern.empty() || path.empty() || path.front() != '/') return false;
    while (!pattern.empty() || !path.empty()) {
        if (pattern.empty() || path.empty()) return false;
        const std::string_view want = next_segment(pattern);
        const std::string_view got = next_segment(path);
        if (want.size() >= 2 && want.front() == '{' && want.back() == '}') {
            if (got.empty()) return false;
            if (segments) segments->add(want.substr(1, want.size() - 2), got);
        } else if (want != got) {
            return false;
        }
    }
    return true;
}

bool method_fits(std::string_view route, std::string_view asked) {
    return route == "*" || route == asked || (asked == "HEAD" && route == "GET");
}

/// The body is let go once its form holds what is needed (a save may carry a whole file): it was
/// read on an I/O thread, whose malloc arena would keep it.
void let_go_of_large_body(Request& req) {
    if (req.body.size() < kLargeBody) return;
    std::string().swap(req.body);
    (void)malloc_trim(0);
}

}  // namespace

std::string_view Segments::get(std::string_view name) const {
    for (const auto& [k, v] : captured_)
        if (k == name) return v;
    return {};
}

std::optional<std::int64_t> integer(const Form& form, std::string_view name) { return integer(form.value(name)); }

std::optional<std::int64_t> integer(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;
    std::int64_t out = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return out;
}

Route& Router::add(Route r) {
    routes_.push_back(std::move(r));
    return routes_.back();
}

const Route* Router::find(std::string_view method, std::string_view path, Segments* segments) const {
    for (const auto& r : routes_) {
        if (r.method != method && r.method != "*") continue;
        Segments captured;
        if (!matches(r.pattern, path, &captured)) continue;
        if (segments) *segments = std::move(captured);
        return &r;
    }
    return nullptr;
}

PoolKind Router::pool_for(const Request& req) const {
    for (const auto& r : routes_)
        if (method_fits(r.method, req.method) && matches(r.pattern, req.path, nullptr)) return r.pool;
    return PoolKind::io;  // 404 and 405 are quick
}

bool Router::is_upload(std::string_view target) const {
    const auto path = target.substr(0, target.find('?'));
    for (const auto& r : routes_)
        if (r.upload && method_fits(r.method, "POST") && matches(r.pattern, path, nullptr)) return true;
    return false;
}

Response Router::handle(Request& req) {
    const Route* match = nullptr;
    bool path_known = false;
    Segments segments;
    for (const auto& r : routes_) {
        Segments captured;
        if (!matches(r.pattern, req.path, &captured)) continue;
        path_known = true;
        if (method_fits(r.method, req.method)) {
            match = &r;
            segments = std::move(captured);
            break;
        }
    }
    if (match) {
        Call call{req, segments};
        try {
            return run(*match, call);
        } catch (const ports::Unavailable& e) {
            // The database is away (a restart, a failover): say so at once, and change nothing.
            spdlog::warn("request {} {} {}: database unavailable: {}", req.request_id, req.method, req.path, e.what());
            return unavailable(req, *match);
        }
    }
    if (!path_known) return gate_.error_page(req, 404, "error_404");
    Response res = gate_.error_page(req, 405, "error_405");
    std::string allow;
    for (const auto& r : routes_)
        if (matches(r.pattern, req.path, nullptr)) allow += (allow.empty() ? "" : ", ") + std::string(r.method);
    res.header("Allow", allow);
    return res;
}

Response Router::unavailable(const Request& req, const Route& route) {
    Response res;
    if (route.json) {
        res = Response::json_error(503, "database unavailable");
    } else {
        res = gate_.error_page(req, 503, "error_503_database");
    }
    res.header("Retry-After", "5");
    return res;
}

Response Router::run(const Route& route, Call& call) {
    if (route.gate == Gate::none) return route.handler(call);
    Request& req = call.req;
    // A refused gate: a page for a browser, a bare status for a script (no session: 401).
    const auto refused = [&route](Response r) {
        return route.script ? Response::text(r.status == 303 ? 401 : r.status, "") : std::move(r);
    };
    auto who = gate_.login(req, route.pool);
    if (auto* r = std::get_if<Response>(&who)) return refused(std::move(*r));
    Authed& a = std::get<Authed>(who);
    call.who = &a;
    if (route.gate == Gate::login) return route.handler(call);
    if (route.gate == Gate::login_query) {
        Form query = Form::parse(req.query).value_or(Form{});
        call.form = &query;
        return route.handler(call);
    }
    const bool multipart = route.gate == Gate::upload ||
                           (route.gate == Gate::post_or_upload && req.header("content-type").starts_with("multipart/"));
    if (multipart) {
        auto parts = parse_multipart(req.header("content-type"), req.body);
        if (!parts) return refused(gate_.error_page(req, 400, "error_400"));
        let_go_of_large_body(req);  // the parts hold what is needed: a large body is not kept twice
        if (!gate_.csrf_ok(a, parts->fields.get("csrf"))) return refused(gate_.error_page(req, 403, "error_403_csrf"));
        call.parts = &*parts;
        call.form = &parts->fields;
        return route.handler(call);
    }
    auto form = Form::parse(req.body);
    if (!form) return refused(gate_.error_page(req, 400, "error_400"));
    let_go_of_large_body(req);
    if (!gate_.csrf_ok(a, form->get("csrf"))) return refused(gate_.error_page(req, 403, "error_403_csrf"));
    call.form = &*form;
    return route.handler(call);
}

}  // namespace mina::web
