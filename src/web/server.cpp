#include "web/server.hpp"

#include <malloc.h>
#include <sys/resource.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <mutex>
#include <optional>
#include <spdlog/spdlog.h>
#include <thread>
#include <tuple>
#include <utility>

#include "core/common/text.hpp"
#include "web/metrics.hpp"

namespace mina::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

/// A pool with an admission limit: beyond `limit` requests waiting or running, callers get 503.
struct BoundedPool {
    asio::thread_pool pool;
    std::atomic<std::size_t> depth{0};
    std::size_t limit;
    BoundedPool(int threads, std::size_t max_queued) : pool(static_cast<std::size_t>(threads)), limit(max_queued) {}
};

/// The bytes of request bodies held at once (ServerOptions::max_body_bytes_in_flight): a request
/// takes its share before its body is read and gives it back once it is answered.
class BodyBudget {
   public:
    explicit BodyBudget(std::size_t limit) : limit_(limit) {}
    [[nodiscard]] bool take(std::size_t n) {
        std::size_t used = used_.load();
        do {
            if (n > limit_ || used > limit_ - n) return false;
        } while (!used_.compare_exchange_weak(used, used + n));
        return true;
    }
    void give(std::size_t n) { used_.fetch_sub(n); }

   private:
    std::atomic<std::size_t> used_{0};
    std::size_t limit_;
};

/// A request's share of the BodyBudget, given back when it goes.
class BodyShare {
   public:
    BodyShare() = default;
    BodyShare(BodyBudget& budget, std::size_t n) : budget_(&budget), n_(n) {}
    BodyShare(const BodyShare&) = delete;
    BodyShare& operator=(const BodyShare&) = delete;
    ~BodyShare() {
        if (budget_) budget_->give(n_);
    }

   private:
    BodyBudget* budget_ = nullptr;
    std::size_t n_ = 0;
};

/// A warning at most once a second, with the number of those left out in between: a flood of one
/// error (an accept loop out of file descriptors) must not become a flood of log lines.
class RateLimitedLog {
   public:
    template <class... Args>
    void warn(fmt::format_string<Args...> format, Args&&... args) {
        const auto now = std::chrono::steady_clock::now();
        std::lock_guard lock(mutex_);
        if (now - last_ < std::chrono::seconds(1)) {
            ++left_out_;
            return;
        }
        std::string line = fmt::format(format, std::forward<Args>(args)...);
        if (left_out_ > 0) line += fmt::format(" ({} more like it in the last second, not logged)", left_out_);
        spdlog::warn("{}", line);
        last_ = now;
        left_out_ = 0;
    }

   private:
    std::mutex mutex_;
    std::chrono::steady_clock::time_point last_{};
    std::uint64_t left_out_ = 0;
};

struct Shared {
    const ServerOptions& opts;
    const ServerHooks& hooks;
    Metrics& metrics;
    BoundedPool work;
    BoundedPool hash;
    BodyBudget bodies;
    std::size_t max_connections;
    std::atomic<bool> stopping{false};
    std::atomic<int> in_flight{0};
    std::atomic<std::size_t> connections{0};
    std::atomic<bool> trim_pending{false};
    std::atomic<std::uint64_t> next_id{1};
    RateLimitedLog accept_log{};
    RateLimitedLog busy_log{};
};

/// One open connection, counted against ServerOptions::max_connections while it lives.
class ConnectionSlot {
   public:
    explicit ConnectionSlot(Shared& s) : s_(&s) { s.connections.fetch_add(1); }
    ConnectionSlot(ConnectionSlot&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ~ConnectionSlot() {
        if (s_) s_->connections.fetch_sub(1);
    }

   private:
    Shared* s_;
};

/// After a request with a large body (or answer): memory goes back to the system rather than stay
/// with the process (glibc keeps freed memory up to M_TRIM_THRESHOLD, set high in main for reuse).
constexpr std::size_t kTrimAfterBytes = 1024 * 1024;

void give_memory_back(Shared& s) {
    if (s.trim_pending.exchange(true)) return;  // one is already on its way
    asio::post(s.work.pool, [&s] {
        s.trim_pending.store(false);
        (void)malloc_trim(0);
    });
}

/// RFC 9112's framing rules that Beast leaves to us (it refuses Content-Length with chunked, and a
/// chunked that is not the last coding, itself): one Host, required in HTTP/1.1 (§3.2), and no
/// Transfer-Encoding but exactly `chunked` (§6.1: any other would be read as a body of length 0,
/// and its bytes as the next request). Returns why not, or nothing.
std::optional<std::string_view> framing_error(const http::request_header<>& h) {
    const auto hosts = h.count(http::field::host);
    if (hosts > 1 || (hosts == 0 && h.version() >= 11)) return "Host";
    const auto codings = h.count(http::field::transfer_encoding);
    if (codings > 1) return "Transfer-Encoding";
    if (codings == 1) {
        std::string_view v = h[http::field::transfer_encoding];
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        if (!beast::iequals(v, "chunked")) return "Transfer-Encoding";
        if (h.count(http::field::content_length) > 0) return "Content-Length";
    }
    return std::nullopt;
}

std::string forwarded_client(const http::request<http::string_body>& r) {
    // The right-most X-Forwarded-For entry is the one our own proxy added.
    const auto it = r.find("x-forwarded-for");
    if (it == r.end()) return {};
    std::string_view v = it->value();
    const auto comma = v.rfind(',');
    if (comma != std::string_view::npos) v = v.substr(comma + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return std::string(v);
}

Response plain_error(int status, std::string_view text) {
    Response r = Response::text(status, std::string(text));
    r.header("Connection", "close");
    return r;
}

http::response<http::string_body> to_beast(Response& res, unsigned version, bool keep_alive) {
    http::response<http::string_body> out{static_cast<http::status>(res.status), version};
    out.set(http::field::server, "mina");
    out.set(http::field::content_type, res.content_type);
    for (auto& [k, v] : res.headers) out.insert(k, v);
    out.body() = std::move(res.body);
    out.keep_alive(keep_alive);
    out.prepare_payload();
    return out;
}

/// The handler, on whichever thread calls it; an exception is logged and answered 500.
Response run_handler(Shared& s, Request& req) {
    try {
        return s.hooks.handle(req);
    } catch (const std::exception& e) {
        spdlog::error("request {} {} {}: {}", req.request_id, req.method, loggable_target(req.path), e.what());
        return plain_error(500,
                           "Ett fel uppstod hos oss. Försök igen senare. / "
                           "Something went wrong on our side. Please try again later.");
    }
}

/// Waits, without holding the I/O thread, until the store's fence has passed (ServerHooks::fence),
/// and goes on on this coroutine's own executor.
asio::awaitable<void> fenced(Shared& s) {
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [&s](auto handler) {
            auto waiting = std::make_shared<decltype(handler)>(std::move(handler));
            s.hooks.fence([waiting] {
                auto ex = asio::get_associated_executor(*waiting);
                asio::post(ex, std::move(*waiting));
            });
        },
        asio::use_awaitable);
}

/// Runs `f` on the pool of `kind` (inline for `io`), counted as in flight; nothing when that pool
/// already has its fill of waiting requests (ServerOptions::max_queued_work, max_queued_hash).
template <class F>
asio::awaitable<std::optional<std::invoke_result_t<F>>> on_pool(Shared& s, PoolKind kind, F f) {
    using T = std::invoke_result_t<F>;
    if (kind == PoolKind::io) {
        s.in_flight.fetch_add(1);
        std::optional<T> out(f());
        s.in_flight.fetch_sub(1);
        co_return out;
    }
    BoundedPool& pool = kind == PoolKind::hash ? s.hash : s.work;
    if (pool.depth.fetch_add(1) >= pool.limit) {
        pool.depth.fetch_sub(1);
        co_return std::nullopt;
    }
    s.in_flight.fetch_add(1);
    std::optional<T> out(co_await asio::co_spawn(
        pool.pool.get_executor(), [&]() -> asio::awaitable<T> { co_return f(); }, asio::use_awaitable));
    pool.depth.fetch_sub(1);
    s.in_flight.fetch_sub(1);
    co_return out;
}

Response busy() {
    Response res = plain_error(503,
                               "Tjänsten är hårt belastad just nu. Försök igen om en liten stund. / "
                               "The service is busy. Please try again in a moment.");
    res.header("Retry-After", "5");
    return res;
}

/// Whether a read ended because the peer went away or was too slow: nothing to answer then.
bool gone(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
           ec == asio::error::connection_reset || ec == asio::error::eof;
}

/// A malformed or too large request: a clear answer, then the connection closes.
Response refused_request(const boost::system::error_code& ec) {
    if (ec == http::error::body_limit) return plain_error(413, "Förfrågan är för stor. / The request is too large.");
    if (ec == http::error::header_limit)
        return plain_error(431, "Förfrågans huvuden är för stora. / The request headers are too large.");
    return plain_error(400, "Felaktig förfrågan. / Malformed request.");
}

/// The request's line and header as a Request, without its body.
Request head_of(Shared& s, const http::request<http::string_body>& breq, const boost::urls::url_view& url,
                const std::string& peer, bool trusted) {
    Request req;
    req.method = std::string(breq.method_string());
    req.path = url.path();
    req.query = url.encoded_query();
    req.headers.reserve(16);
    for (const auto& f : breq) {
        req.headers.emplace_back(text::lower_ascii(f.name_string()), std::string(f.value()));
    }
    req.client_address = peer;
    if (trusted) {
        if (auto fwd = forwarded_client(breq); !fwd.empty()) req.client_address = fwd;
        req.secure = breq["x-forwarded-proto"] == "https";
    }
    req.request_id = std::to_string(s.next_id.fetch_add(1));
    return req;
}

/// The peer of a connection, and whether its X-Forwarded-* headers are believed.
struct Peer {
    std::string address;
    bool trusted = false;
};

/// One request on a connection, from its header to its answer's last byte.
struct Exchange {
    explicit Exchange(const ServerOptions& opts) {
        parser.header_limit(static_cast<std::uint32_t>(opts.max_header_bytes));
        // Beast checks Content-Length against the limit while it reads the header, before we know
        // the target: the larger limit then, and the target's own limit once the header is in.
        parser.body_limit(std::max(opts.max_body_bytes, opts.max_upload_bytes));
    }

    http::request_parser<http::string_body> parser;
    std::chrono::steady_clock::time_point started;
    std::optional<Response> answer;  // set once the request is answered without its handler
    bool keep_alive = false;
    unsigned version = 11;
    std::string method = "-";
    std::string target = "-";
    Request req;
    std::optional<BodyShare> share;  // of max_body_bytes_in_flight, while the body is held
    std::size_t body_bytes = 0;
};

/// Reads the request's line and header into `ex` (a malformed one: its answer). False when the peer
/// has gone (or was too slow): nothing to answer then.
asio::awaitable<bool> read_head(beast::tcp_stream& stream, beast::flat_buffer& buffer, Shared& s, Exchange& ex,
                                const Peer& peer) {
    stream.expires_after(s.opts.read_timeout);  // headers and body, all of it, within this
    auto [ec, n] = co_await http::async_read_header(stream, buffer, ex.parser, kUseTuple);
    if (gone(ec)) co_return false;
    ex.started = std::chrono::steady_clock::now();
    if (ec) {
        ex.answer = refused_request(ec);
        co_return true;
    }
    auto& breq = ex.parser.get();
    ex.version = breq.version();
    ex.keep_alive = breq.keep_alive() && !s.stopping.load();
    ex.method = std::string(breq.method_string());
    ex.target = loggable_target(breq.target());
    auto url = boost::urls::parse_origin_form(breq.target());
    if (const auto bad = framing_error(breq)) {
        ex.answer = plain_error(400, "Felaktig förfrågan. / Malformed request.");
    } else if (!url) {
        ex.answer = plain_error(400, "Felaktig adress. / Malformed address.");
    } else {
        ex.req = head_of(s, breq, *url, peer.address, peer.trusted);
    }
    co_return true;
}

/// Whether the body that follows may be read: its size within the target's limit, the credentials
/// in the header accepted (for a body above max_body_bytes, looked up on the request's pool), and
/// its share of max_body_bytes_in_flight taken. Only the routes that ServerHooks::is_upload names
/// take more than max_body_bytes: nothing else may make the server hold a large body (SPEC §4).
/// The answer instead, or nothing.
asio::awaitable<std::optional<Response>> admit_body(Shared& s, Exchange& ex, std::size_t& limit) {
    Request& req = ex.req;
    const bool upload = s.hooks.is_upload && req.method == "POST" && s.hooks.is_upload(ex.target);
    limit = upload ? s.opts.max_upload_bytes : s.opts.max_body_bytes;
    const auto length = ex.parser.content_length();  // none: chunked
    const std::size_t claimed = length ? static_cast<std::size_t>(*length) : limit;
    if (length && *length > limit) co_return refused_request(http::error::body_limit);
    if (s.hooks.admit) {
        if (auto refused = s.hooks.admit(req, false)) co_return refused;  // from the header alone: no database
        if (claimed > s.opts.max_body_bytes) {
            if (s.hooks.needs_fence && s.hooks.needs_fence(req)) co_await fenced(s);
            auto checked = co_await on_pool(s, s.hooks.pool_for(req), [&]() -> std::optional<Response> {
                try {
                    return s.hooks.admit(req, true);
                } catch (const std::exception& e) {
                    spdlog::error("request {} {} {}: {}", req.request_id, req.method, req.path, e.what());
                    return plain_error(500, "Ett fel uppstod hos oss. / Something went wrong on our side.");
                }
            });
            if (!checked) co_return busy();
            if (*checked) co_return std::move(*checked);
        }
    }
    if (!s.bodies.take(claimed)) {
        s.busy_log.warn("server.max_body_bytes_in_flight ({} bytes) reached: a body of {} bytes refused (503)",
                        s.opts.max_body_bytes_in_flight, claimed);
        co_return busy();
    }
    ex.share.emplace(s.bodies, claimed);
    co_return std::nullopt;
}

/// Reads the body (after a 100 Continue where the client waits for one), once admit_body has
/// accepted it; a body it cannot read is answered. False when the peer has gone.
asio::awaitable<bool> read_body(beast::tcp_stream& stream, beast::flat_buffer& buffer, Shared& s, Exchange& ex) {
    std::size_t limit = 0;
    auto refused = co_await admit_body(s, ex, limit);
    ex.answer = std::move(refused);
    if (ex.answer) {
        ex.keep_alive = false;  // the body is not read: the connection cannot go on
        co_return true;
    }
    ex.parser.body_limit(limit);
    boost::system::error_code ec;
    std::size_t n = 0;
    if (beast::iequals(ex.parser.get()[http::field::expect], "100-continue")) {
        // The client waits for a go-ahead before it sends a large body (curl does, for a file
        // upload): given here, once the size and the credentials are accepted.
        http::response<http::empty_body> go_on{http::status::continue_, ex.parser.get().version()};
        std::tie(ec, n) = co_await http::async_write(stream, go_on, kUseTuple);
    }
    if (!ec) std::tie(ec, n) = co_await http::async_read(stream, buffer, ex.parser, kUseTuple);
    if (gone(ec)) co_return false;
    if (ec) ex.answer = refused_request(ec);
    co_return true;
}

/// The handler's answer, run after the store's fence on the pool its route names (busy: 503).
asio::awaitable<Response> run_request(Shared& s, Exchange& ex) {
    Request& req = ex.req;
    req.body = std::move(ex.parser.get().body());
    ex.body_bytes = req.body.size();
    if (s.hooks.needs_fence && s.hooks.needs_fence(req)) co_await fenced(s);
    const std::size_t body_bytes = ex.body_bytes;
    auto handled = co_await on_pool(s, s.hooks.pool_for(req), [&] {
        Response r = run_handler(s, req);
        if (body_bytes >= kTrimAfterBytes) {
            // What the large request took goes back before the next one (which may run on
            // another thread, with another malloc arena) adds its own.
            std::string().swap(req.body);
            (void)malloc_trim(0);
        }
        return r;
    });
    if (!handled) co_return busy();
    Response res = std::move(*handled);
    if (res.after_writes) {
        auto start = std::move(res.after_writes);
        res.after_writes = nullptr;
        std::exception_ptr failed;
        try {
            // The awaitable throws what the callback was given.
            co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
                [&start](auto handler) {
                    auto waiting = std::make_shared<decltype(handler)>(std::move(handler));
                    start([waiting](std::exception_ptr e) {
                        auto executor = asio::get_associated_executor(*waiting);
                        asio::post(executor, [waiting, e]() mutable { (*waiting)(e); });
                    });
                },
                asio::use_awaitable);
        } catch (...) {
            failed = std::current_exception();
        }
        if (failed) {
            try {
                std::rethrow_exception(failed);
            } catch (const std::exception& e) {
                spdlog::error("request {} {} {}: its writes failed: {}", req.request_id, req.method,
                              loggable_target(req.path), e.what());
            } catch (...) {
                spdlog::error("request {} {} {}: its writes failed", req.request_id, req.method,
                              loggable_target(req.path));
            }
            co_return busy();
        }
    }
    co_return res;
}

/// A response that may be written as it is: a handler's header that would split the response
/// (CR/LF from input, say) is never written, whatever the handler passed (500 instead).
void make_safe(Response& res, Exchange& ex) {
    api_errors_as_json(ex.target, res);
    for (const auto& [k, v] : res.headers)
        if (k == "Connection" && v == "close") ex.keep_alive = false;
    if (const auto bad = unsafe_header(res)) {
        spdlog::error("request {} {} {}: the response's header {} holds a control character; answered 500 instead",
                      ex.req.request_id, ex.method, ex.req.path, *bad);
        res = plain_error(500,
                          "Ett fel uppstod hos oss. Försök igen senare. / "
                          "Something went wrong on our side. Please try again later.");
        ex.keep_alive = false;
    }
}

/// Writes the answer, counts and logs it, and gives a large request's memory back. False when the
/// connection ends here (a write failed, or no keep-alive).
asio::awaitable<bool> write_response(beast::tcp_stream& stream, Shared& s, Exchange& ex, Response res,
                                     const Peer& peer) {
    make_safe(res, ex);
    const int status = res.status;
    auto out = to_beast(res, ex.version, ex.keep_alive);
    const auto bytes = out.body().size();
    stream.expires_after(s.opts.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, out, kUseTuple);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.started).count();
    s.metrics.request(status, secs);
    if (s.opts.access_log)
        spdlog::info("access {} {} {} {} {} {:.1f}ms id={}",
                     ex.req.client_address.empty() ? peer.address : ex.req.client_address, ex.method, ex.target, status,
                     bytes, secs * 1000.0, ex.req.request_id);
    if (ex.body_bytes >= kTrimAfterBytes || bytes >= kTrimAfterBytes) {
        ex.req = Request{};
        out.body().clear();
        out.body().shrink_to_fit();
        (void)ex.parser.release();
        give_memory_back(s);
    }
    co_return !wec && ex.keep_alive;
}

/// A connection: requests read, answered and written one after another until the peer goes, a
/// request cannot go on (no keep-alive, a body not read) or the server stops.
asio::awaitable<void> session(beast::tcp_stream stream, Shared& s, ConnectionSlot) {
    beast::flat_buffer buffer;
    boost::system::error_code ignored;
    const auto peer_ep = stream.socket().remote_endpoint(ignored);
    Peer peer{peer_ep.address().to_string()};
    peer.trusted = std::find(s.opts.trusted_proxies.begin(), s.opts.trusted_proxies.end(), peer.address) !=
                   s.opts.trusted_proxies.end();
    for (;;) {
        Exchange ex(s.opts);
        // One co_await a statement: with co_await inside ?: and && the server built by g++ 12 crashed.
        const bool read = co_await read_head(stream, buffer, s, ex, peer);
        if (!read) break;
        if (!ex.answer && !ex.parser.is_done()) {
            const bool body_read = co_await read_body(stream, buffer, s, ex);
            if (!body_read) break;
        }
        Response res;
        if (ex.answer) res = std::move(*ex.answer);
        else res = co_await run_request(s, ex);
        const bool go_on = co_await write_response(stream, s, ex, std::move(res), peer);
        if (!go_on) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

/// Beyond ServerOptions::max_connections: a 503 written at once (the request is not read), then
/// the connection closes.
asio::awaitable<void> refuse_connection(tcp::socket socket) {
    static constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nServer: mina\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Retry-After: 5\r\nConnection: close\r\nContent-Length: 52\r\n\r\n"
        "The service is busy. Please try again in a moment.\r\n";
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(2));
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(kBusy.data(), kBusy.size()), kUseTuple);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (ec) co_return;
    // What the client sent is read (and dropped) until it closes, so that the close does not reset
    // the connection before the client has read the answer.
    std::array<char, 4096> sink{};
    for (;;) {
        auto [rec, rn] = co_await stream.async_read_some(asio::buffer(sink), kUseTuple);
        if (rec) break;
    }
}

/// One event loop per I/O thread, as nginx has one per worker: a connection lives on one loop from
/// accept to close, so the threads neither share a queue nor wake each other.
using Loops = std::vector<std::unique_ptr<asio::io_context>>;

asio::awaitable<void> listen(tcp::acceptor& acceptor, Loops& loops, Shared& s) {
    std::size_t next = 0;
    // When accept fails (no file descriptor left: EMFILE, ENFILE, ENOBUFS) it fails again at once:
    // the loop pauses, 50 ms growing to 1 s, and logs at most once a second.
    constexpr std::chrono::milliseconds kFirstPause{50};
    constexpr std::chrono::milliseconds kLongestPause{1000};
    std::chrono::milliseconds pause{0};
    asio::steady_timer timer(acceptor.get_executor());
    for (;;) {
        asio::io_context& loop = *loops[next++ % loops.size()];
        auto [ec, socket] = co_await acceptor.async_accept(loop, kUseTuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || s.stopping.load() || !acceptor.is_open()) co_return;
            pause = pause.count() == 0 ? kFirstPause : std::min(2 * pause, kLongestPause);
            s.accept_log.warn("accept: {}; {} connections open; trying again in {} ms", ec.message(),
                              s.connections.load(), pause.count());
            timer.expires_after(pause);
            auto [tec] = co_await timer.async_wait(kUseTuple);
            if (tec || s.stopping.load()) co_return;
            continue;
        }
        pause = std::chrono::milliseconds(0);
        socket.set_option(tcp::no_delay(true), ec);
        if (s.connections.load() >= s.max_connections) {
            s.busy_log.warn("server.max_connections ({}) reached: a connection answered 503", s.max_connections);
            asio::co_spawn(loop, refuse_connection(std::move(socket)), asio::detached);
            continue;
        }
        asio::co_spawn(loop, session(beast::tcp_stream(std::move(socket)), s, ConnectionSlot(s)), asio::detached);
    }
}

asio::awaitable<void> housekeeping(Shared& s) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!s.stopping.load()) {
        timer.expires_after(s.hooks.housekeeping_every);
        auto [ec] = co_await timer.async_wait(kUseTuple);
        if (ec || s.stopping.load()) co_return;
        if (s.hooks.housekeeping) {
            asio::post(s.work.pool, [&s] {
                try {
                    s.hooks.housekeeping();
                } catch (const std::exception& e) {
                    spdlog::error("housekeeping: {}", e.what());
                }
            });
        }
        s.metrics.queue_depth("work", static_cast<double>(s.work.depth.load()));
        s.metrics.queue_depth("hash", static_cast<double>(s.hash.depth.load()));
    }
}

/// ServerOptions::max_connections, or when it is 0 what the file descriptors allow: the soft
/// RLIMIT_NOFILE (first raised to the hard one) less a reserve for the database, the log and the
/// connections being answered 503.
std::size_t connection_limit(std::size_t configured) {
    rlimit fds{};
    if (::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
        const rlim_t wanted = std::min<rlim_t>(fds.rlim_max, 1 << 20);
        if (wanted > fds.rlim_cur) {
            rlimit raised = fds;
            raised.rlim_cur = wanted;
            if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) fds = raised;
        }
    }
    const auto open_files =
        fds.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20 : static_cast<std::size_t>(fds.rlim_cur);
    constexpr std::size_t kReserve = 128;
    const std::size_t derived =
        open_files > 2 * kReserve ? open_files - kReserve : std::max<std::size_t>(open_files / 2, 1);
    const std::size_t limit = configured > 0 ? configured : derived;
    spdlog::info("connections: at most {} at once (server.max_connections{}; {} file descriptors)", limit,
                 configured > 0 ? "" : " = 0: from the file descriptors", open_files);
    if (configured > derived)
        spdlog::warn(
            "server.max_connections ({}) is more than the file descriptors allow ({} of {}): accept will fail "
            "before it is reached",
            configured, derived, open_files);
    return limit;
}

}  // namespace

void serve(const ServerOptions& opts, const ServerHooks& hooks, Metrics& metrics) {
    Loops loops;
    for (int i = 0; i < std::max(1, opts.io_threads); ++i) loops.push_back(std::make_unique<asio::io_context>(1));
    asio::io_context& io = *loops.front();  // also runs the acceptor, the signals and the timers
    // Loops without connections must not return from run() while they wait for their first one.
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
    for (auto& loop : loops) keep_running.push_back(asio::make_work_guard(*loop));
    Shared s{opts,
             hooks,
             metrics,
             BoundedPool(opts.work_threads, opts.max_queued_work),
             BoundedPool(opts.hash_request_threads, opts.max_queued_hash),
             BodyBudget(std::max(opts.max_body_bytes_in_flight, opts.max_upload_bytes)),
             connection_limit(opts.max_connections)};

    // Before anything is announced: a SIGTERM that arrives at once is queued here, not fatal.
    asio::signal_set signals(io, SIGINT, SIGTERM);
    tcp::acceptor acceptor(io);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(opts.host, ec);
    if (ec) throw std::runtime_error("server.listen: not an IP address: " + opts.host);
    const tcp::endpoint ep(address, opts.port);
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep, ec);
    if (ec)
        throw std::runtime_error("cannot listen on " + opts.host + ":" + std::to_string(opts.port) + ": " +
                                 ec.message());
    acceptor.listen(asio::socket_base::max_listen_connections);
    const auto bound = acceptor.local_endpoint();
    const std::string host =
        bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
    if (hooks.listening) hooks.listening("http://" + host + ":" + std::to_string(bound.port()));
    spdlog::info("listening on http://{}:{}", host, bound.port());

    asio::co_spawn(io, listen(acceptor, loops, s), asio::detached);
    asio::co_spawn(io, housekeeping(s), asio::detached);

    asio::steady_timer drain(io);
    std::function<void(const boost::system::error_code&)> check_drained;
    const auto deadline_holder = std::make_shared<std::chrono::steady_clock::time_point>();
    check_drained = [&](const boost::system::error_code&) {
        if (s.in_flight.load() == 0 || std::chrono::steady_clock::now() >= *deadline_holder) {
            if (s.in_flight.load() != 0)
                spdlog::warn("shutdown: {} requests still running, stopping anyway", s.in_flight.load());
            for (auto& loop : loops) loop->stop();
            return;
        }
        drain.expires_after(std::chrono::milliseconds(20));
        drain.async_wait(check_drained);
    };
    signals.async_wait([&](const boost::system::error_code& err, int sig) {
        if (err) return;
        spdlog::info("signal {}: no new connections; letting {} in-flight requests finish", sig, s.in_flight.load());
        s.stopping.store(true);
        acceptor.close();
        *deadline_holder = std::chrono::steady_clock::now() + opts.shutdown_grace;
        check_drained({});
    });

    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < loops.size(); ++i) threads.emplace_back([&loop = *loops[i]] { loop.run(); });
    io.run();
    for (auto& t : threads) t.join();
    s.work.pool.join();
    s.hash.pool.join();
    spdlog::info("stopped");
}

}  // namespace mina::web
