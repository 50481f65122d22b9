#include "storage/postgres/pg_view_cache.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace mina::storage::pg {

// ---- Listener -------------------------------------------------------------------------------------

namespace {

std::string reason_of(PGconn* c) {
    std::string s = c ? PQerrorMessage(c) : "out of memory";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (auto& ch : s)
        if (ch == '\n') ch = ' ';
    return s;
}

}  // namespace

Listener::Listener(std::string conninfo, int connect_timeout_s, ViewCache& cache)
    : conninfo_(std::move(conninfo)), connect_timeout_s_(connect_timeout_s), cache_(cache) {
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    thread_ = std::thread([this] { run(); });
}

Listener::~Listener() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    wake();
    thread_.join();
    ::close(wake_fd_);
}

void Listener::fence(std::function<void()> done) {
    bool wake_listener = false;
    {
        std::lock_guard lock(mu_);
        // Under mu_: release_all() turns listening off under it too, so nobody is left waiting.
        if (cache_.listening() && !stopping_) {
            waiting_.push_back(std::move(done));
            done = nullptr;
            // A listener with a fence on its way sends the next one when the answer is in: waking
            // it costs a system call and a switch per request, for nothing.
            wake_listener = !fencing_ && waiting_.size() == 1;
        }
    }
    if (done) {
        done();
        return;
    }
    if (wake_listener) wake();
}

void Listener::wake() {
    const std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
}

void Listener::release_all() {
    std::vector<std::function<void()>> waiting;
    {
        std::lock_guard lock(mu_);
        cache_.set_listening(false);
        waiting.swap(waiting_);
    }
    for (auto& done : waiting) done();
}

void Listener::run() {
    using namespace std::chrono_literals;
    auto backoff = 100ms;
    bool was_listening = false;
    for (;;) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) break;
        }
        const std::string timeout = std::to_string(connect_timeout_s_);
        const std::array<const char*, 8> keys{
            "dbname",          "application_name",    "connect_timeout",  "keepalives",
            "keepalives_idle", "keepalives_interval", "keepalives_count", nullptr};
        const std::array<const char*, 8> values{
            conninfo_.c_str(), "mina views", timeout.c_str(), "1", "30", "10", "3", nullptr};
        PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 1);
        if (conn != nullptr && PQstatus(conn) == CONNECTION_OK) {
            backoff = 100ms;
            if (was_listening) spdlog::info("view cache: listening again; pages use kept viewers");
            was_listening = true;
            serve(conn);
        }
        std::string reason = reason_of(conn);
        PQfinish(conn);
        release_all();
        std::unique_lock lock(mu_);
        if (stopping_) break;
        if (was_listening) {
            spdlog::warn("view cache: not listening ({}); pages read the database until it is back", reason);
            was_listening = false;
        }
        cv_.wait_for(lock, backoff, [&] { return stopping_; });
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 5s);
    }
    release_all();
}

void Listener::serve(PGconn* conn) {
    PGresult* listen = PQexec(conn, "LISTEN mina_views");
    const bool ok = PQresultStatus(listen) == PGRES_COMMAND_OK;
    PQclear(listen);
    if (!ok || PQsetnonblocking(conn, 1) != 0) return;
    // From now on every change is told to us; what was kept before may be stale.
    cache_.set_listening(true);

    std::vector<std::function<void()>> in_flight;  // the fence on its way, and who waits for it
    bool sent = false;                             // an empty query is out, its end not yet read
    auto sent_at = std::chrono::steady_clock::now();
    auto give_up = [&] {
        std::lock_guard lock(mu_);
        fencing_ = false;
        waiting_.insert(waiting_.end(), std::make_move_iterator(in_flight.begin()),
                        std::make_move_iterator(in_flight.end()));
    };
    auto read_notices = [&] {
        while (PGnotify* n = PQnotifies(conn)) {
            cache_.forget(n->extra);
            PQfreemem(n);
        }
    };
    for (;;) {
        if (!sent) {
            bool stopping = false;
            {
                std::lock_guard lock(mu_);
                stopping = stopping_;
                if (!stopping) in_flight.swap(waiting_);
                fencing_ = !in_flight.empty();
            }
            if (stopping) return give_up();
            if (!in_flight.empty()) {
                if (PQsendQuery(conn, "") == 0) return give_up();
                sent = true;
                sent_at = std::chrono::steady_clock::now();
            }
        }
        const int flushed = PQflush(conn);  // 1: more to send when the socket is writable
        if (flushed < 0) return give_up();
        std::array<pollfd, 2> fds{pollfd{PQsocket(conn), static_cast<short>(POLLIN | (flushed == 1 ? POLLOUT : 0)), 0},
                                  pollfd{wake_fd_, POLLIN, 0}};
        int timeout_ms = -1;
        if (sent) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(sent_at + kFenceTimeout -
                                                                                    std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                spdlog::warn("view cache: no answer to a fence within {} ms", kFenceTimeout.count());
                return give_up();
            }
            timeout_ms = static_cast<int>(left.count()) + 1;
        }
        if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) return give_up();
        if (fds[1].revents & POLLIN) {
            std::uint64_t count = 0;
            (void)!::read(wake_fd_, &count, sizeof count);
        }
        if (fds[0].revents == 0) continue;
        if (PQconsumeInput(conn) == 0) return give_up();
        read_notices();
        while (sent && PQisBusy(conn) == 0) {
            PGresult* r = PQgetResult(conn);
            if (r == nullptr) {
                sent = false;  // the query is over: the next fence may go
                break;
            }
            const bool answered = PQresultStatus(r) == PGRES_EMPTY_QUERY;
            PQclear(r);
            if (!answered) return give_up();
            // Every notice that PostgreSQL sent before this answer has been read above (libpq parses
            // in order): the cache now knows every change committed before the fence was sent.
            read_notices();
            for (auto& done : in_flight) done();
            in_flight.clear();
        }
        if (PQstatus(conn) != CONNECTION_OK) return give_up();
    }
}

}  // namespace mina::storage::pg
