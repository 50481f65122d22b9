// The HTTP server: Boost.Beast on Asio with C++20 coroutines. Beast is included by server.cpp
// only; handlers see plain Request/Response values and run on a bounded pool, never on an I/O
// thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "web/http.hpp"

namespace mina::web {

class Metrics;

/// Where a request's handler runs. `io`: on the I/O thread that read it, for pages that only read
/// (a handoff to another thread costs more than such a page); `work`: the work pool, for handlers
/// that write; `hash`: the hashing pool, for the Argon2id work (logins), so that a flood of logins
/// can starve neither.
enum class PoolKind { io, work, hash };

struct ServerOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;  // 0: any free port (the log says which)
    int io_threads = 1;
    int work_threads = 4;
    /// Threads for requests that hash (logins). They wait for the hash (crypto::HashingPool runs it)
    /// and do the writes around it; twice the hashing threads keeps every hashing thread fed.
    int hash_request_threads = 4;
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_upload_bytes = 8 * 1024 * 1024;  // for the POSTs that ServerHooks::is_upload names
    /// The bytes of request bodies held at once, server-wide; a request whose body would go beyond
    /// it is answered 503 with Retry-After before the body is read. At least max_upload_bytes.
    std::size_t max_body_bytes_in_flight = 64 * 1024 * 1024;
    /// Connections held at once; beyond them a connection is answered 503 and closed. 0: the file
    /// descriptors' limit (RLIMIT_NOFILE, raised to its hard limit) less a reserve.
    std::size_t max_connections = 0;
    std::chrono::seconds read_timeout{15};  // the whole request, headers and body, within this
    std::chrono::seconds write_timeout{30};
    std::chrono::seconds shutdown_grace{20};
    std::size_t max_queued_work = 512;  // beyond this many waiting requests per pool: 503
    std::size_t max_queued_hash = 64;
    std::vector<std::string> trusted_proxies;  // peers whose X-Forwarded-For/-Proto are believed
    bool access_log = true;
};

struct ServerHooks {
    std::function<Response(Request&)> handle;
    std::function<PoolKind(const Request&)> pool_for;
    /// POST targets that carry a file, and may be up to max_upload_bytes.
    std::function<bool(std::string_view target)> is_upload;
    /// Before a body is read: whether the credentials in the request's header (`head` has no body)
    /// let it be read. Nothing: read it; a response: answered instead, and the connection closed.
    /// `verify` false: checks without the database, on the I/O thread (is there a session cookie,
    /// an API key?); true: the session or key looked up, on the request's pool; asked only for a
    /// body above max_body_bytes (an upload's), after the check without it has passed.
    std::function<std::optional<Response>(Request& head, bool verify)> admit;
    /// Requests that must wait for `fence` before their handler runs (those with a session, when the
    /// store keeps viewers between requests: ports::Store::fence). `fence` calls `done` from any
    /// thread; the request goes on on its own thread. Both unset: no request waits.
    std::function<bool(const Request&)> needs_fence;
    std::function<void(std::function<void()> done)> fence;
    /// Once the port is bound, before the first request: the address it listens on
    /// ("http://127.0.0.1:8080"), for what must name itself when server.public_url is unset.
    std::function<void(const std::string& base)> listening;
    std::function<void()> housekeeping;  // run on the work pool every `housekeeping_every`
    std::chrono::seconds housekeeping_every{300};
};

/// Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight requests finish (up to
/// `shutdown_grace`) and returns. Throws std::runtime_error if it cannot listen.
void serve(const ServerOptions& opts, const ServerHooks& hooks, Metrics& metrics);

}  // namespace mina::web
