#include "web/server.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>
#include <thread>
#include <tuple>

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

struct Shared {
    const ServerOptions& opts;
    const ServerHooks& hooks;
    Metrics& metrics;
    BoundedPool work;
    BoundedPool hash;
    std::atomic<bool> stopping{false};
    std::atomic<int> in_flight{0};
    std::atomic<std::uint64_t> next_id{1};
};

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
        return plain_error(500, "Ett fel uppstod hos oss. Försök igen senare. / "
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

asio::awaitable<void> session(beast::tcp_stream stream, Shared& s) {
    beast::flat_buffer buffer;
    boost::system::error_code ignored;
    const auto peer_ep = stream.socket().remote_endpoint(ignored);
    const std::string peer = peer_ep.address().to_string();
    const bool trusted = std::find(s.opts.trusted_proxies.begin(), s.opts.trusted_proxies.end(), peer) !=
                         s.opts.trusted_proxies.end();

    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(s.opts.max_header_bytes));
        // Beast checks Content-Length against the limit while it reads the header, before we know
        // the target: the larger limit then, and the target's own limit once the header is in.
        parser.body_limit(std::max(s.opts.max_body_bytes, s.opts.max_upload_bytes));
        stream.expires_after(s.opts.read_timeout);  // headers and body, all of it, within this
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kUseTuple);
        if (!ec) {
            const bool upload = s.hooks.is_upload && parser.get().method() == http::verb::post &&
                                s.hooks.is_upload(parser.get().target());
            const std::size_t limit = upload ? s.opts.max_upload_bytes : s.opts.max_body_bytes;
            parser.body_limit(limit);
            if (const auto length = parser.content_length(); length && *length > limit) ec = http::error::body_limit;
        }
        if (!ec && !parser.is_done() && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
            // The client waits for a go-ahead before it sends a large body (curl does, for a file
            // upload): given here, once the size is known to be within the limit.
            http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
            std::tie(ec, n) = co_await http::async_write(stream, go_on, kUseTuple);
        }
        if (!ec && !parser.is_done()) std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kUseTuple);
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
            ec == asio::error::connection_reset || ec == asio::error::eof)
            break;
        const auto started = std::chrono::steady_clock::now();
        Response res;
        bool keep_alive = false;
        unsigned version = 11;
        std::string method = "-";
        std::string target = "-";
        Request req;
        if (ec) {
            // Malformed or too large: a clear answer, then the connection closes.
            if (ec == http::error::body_limit)
                res = plain_error(413, "Förfrågan är för stor. / The request is too large.");
            else if (ec == http::error::header_limit)
                res = plain_error(431, "Förfrågans huvuden är för stora. / The request headers are too large.");
            else
                res = plain_error(400, "Felaktig förfrågan. / Malformed request.");
        } else {
            auto& breq = parser.get();
            version = breq.version();
            keep_alive = breq.keep_alive() && !s.stopping.load();
            method = std::string(breq.method_string());
            target = loggable_target(breq.target());
            auto url = boost::urls::parse_origin_form(breq.target());
            if (!url) {
                res = plain_error(400, "Felaktig adress. / Malformed address.");
                keep_alive = false;
            } else {
                req.method = method;
                req.path = url->path();
                req.query = url->encoded_query();
                req.body = std::move(breq.body());
                req.headers.reserve(16);
                for (const auto& f : breq) {
                    std::string name(f.name_string());
                    std::transform(name.begin(), name.end(), name.begin(),
                                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                    req.headers.emplace_back(std::move(name), std::string(f.value()));
                }
                req.client_address = peer;
                if (trusted) {
                    if (auto fwd = forwarded_client(breq); !fwd.empty()) req.client_address = fwd;
                    req.secure = breq["x-forwarded-proto"] == "https";
                }
                req.request_id = std::to_string(s.next_id.fetch_add(1));

                if (s.hooks.needs_fence && s.hooks.needs_fence(req)) co_await fenced(s);
                const PoolKind kind = s.hooks.pool_for(req);
                BoundedPool& pool = kind == PoolKind::hash ? s.hash : s.work;
                if (kind == PoolKind::io) {
                    s.in_flight.fetch_add(1);
                    res = run_handler(s, req);
                    s.in_flight.fetch_sub(1);
                } else if (pool.depth.fetch_add(1) >= pool.limit) {
                    pool.depth.fetch_sub(1);
                    res = plain_error(503, "Tjänsten är hårt belastad just nu. Försök igen om en liten stund. / "
                                           "The service is busy. Please try again in a moment.");
                    res.header("Retry-After", "5");
                    keep_alive = false;
                } else {
                    s.in_flight.fetch_add(1);
                    res = co_await asio::co_spawn(
                        pool.pool.get_executor(),
                        [&]() -> asio::awaitable<Response> {
                            co_return run_handler(s, req);
                        },
                        asio::use_awaitable);
                    pool.depth.fetch_sub(1);
                    s.in_flight.fetch_sub(1);
                }
            }
        }
        if (!res.headers.empty()) {
            for (const auto& [k, v] : res.headers)
                if (k == "Connection" && v == "close") keep_alive = false;
        }
        const int status = res.status;
        auto out = to_beast(res, version, keep_alive);
        const auto bytes = out.body().size();
        stream.expires_after(s.opts.write_timeout);
        auto [wec, wn] = co_await http::async_write(stream, out, kUseTuple);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        s.metrics.request(status, secs);
        if (s.opts.access_log)
            spdlog::info("access {} {} {} {} {} {:.1f}ms id={}", req.client_address.empty() ? peer : req.client_address,
                         method, target, status, bytes, secs * 1000.0, req.request_id);
        if (wec || !keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

/// One event loop per I/O thread, as nginx has one per worker: a connection lives on one loop from
/// accept to close, so the threads neither share a queue nor wake each other.
using Loops = std::vector<std::unique_ptr<asio::io_context>>;

asio::awaitable<void> listen(tcp::acceptor& acceptor, Loops& loops, Shared& s) {
    std::size_t next = 0;
    for (;;) {
        asio::io_context& loop = *loops[next++ % loops.size()];
        auto [ec, socket] = co_await acceptor.async_accept(loop, kUseTuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || s.stopping.load()) co_return;
            spdlog::warn("accept: {}", ec.message());
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        asio::co_spawn(loop, session(beast::tcp_stream(std::move(socket)), s), asio::detached);
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

}  // namespace

void serve(const ServerOptions& opts, const ServerHooks& hooks, Metrics& metrics) {
    Loops loops;
    for (int i = 0; i < std::max(1, opts.io_threads); ++i) loops.push_back(std::make_unique<asio::io_context>(1));
    asio::io_context& io = *loops.front();  // also runs the acceptor, the signals and the timers
    // Loops without connections must not return from run() while they wait for their first one.
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
    for (auto& loop : loops) keep_running.push_back(asio::make_work_guard(*loop));
    Shared s{opts, hooks, metrics, BoundedPool(opts.work_threads, opts.max_queued_work),
             BoundedPool(opts.hash_request_threads, opts.max_queued_hash)};


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
    if (ec) throw std::runtime_error("cannot listen on " + opts.host + ":" + std::to_string(opts.port) + ": " + ec.message());
    acceptor.listen(asio::socket_base::max_listen_connections);
    const auto bound = acceptor.local_endpoint();
    const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
    spdlog::info("listening on http://{}:{}", host, bound.port());

    asio::co_spawn(io, listen(acceptor, loops, s), asio::detached);
    asio::co_spawn(io, housekeeping(s), asio::detached);

    asio::steady_timer drain(io);
    std::function<void(const boost::system::error_code&)> check_drained;
    const auto deadline_holder = std::make_shared<std::chrono::steady_clock::time_point>();
    check_drained = [&](const boost::system::error_code&) {
        if (s.in_flight.load() == 0 || std::chrono::steady_clock::now() >= *deadline_holder) {
            if (s.in_flight.load() != 0) spdlog::warn("shutdown: {} requests still running, stopping anyway", s.in_flight.load());
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
