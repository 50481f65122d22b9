#include "storage/postgres/pg_connection.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

#include "core/common/ports.hpp"

namespace mina::storage::pg {
namespace {

// Each statement is cut off after this long, so a stuck query cannot hold a connection for ever.
// Notices ("already exists, skipping") would go to stderr, past the server's log: warnings only.
constexpr const char* kSessionSettings = "SET statement_timeout = '30s'; SET client_min_messages = warning";

/// libpq's messages span lines ("…failed: Connection refused\n\tIs the server running…"); ours go into
/// one log line.
std::string one_line(const char* message) {
    std::string out;
    for (const char* p = message ? message : ""; *p != '\0'; ++p) {
        if (*p != '\n' && *p != '\t') out += *p;
        else if (!out.empty() && out.back() != ' ') out += ' ';
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

/// Is this failure the connection's (the server gone, restarting, or the link broken) rather than the
/// statement's? Class 08 is "connection exception"; 57P01-03 are the server shutting down or starting.
bool connection_fault(PGconn* c, const PGresult* r) {
    if (r == nullptr || PQstatus(c) != CONNECTION_OK) return true;
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (state == nullptr) return false;
    const std::string_view s(state);
    return s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03";
}

/// The server's message with its SQLSTATE; for an error libpq made itself (the connection lost), its
/// own message.
std::string error_of(PGconn* c, const PGresult* r) {
    const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    if (primary == nullptr)
        return one_line(r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r) : PQerrorMessage(c));
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    return one_line(primary) + (state ? std::string(" (SQLSTATE ") + state + ")" : "");
}

}  // namespace

std::string Row::text(int col) const {
    return {PQgetvalue(r_, row_, col), static_cast<std::size_t>(PQgetlength(r_, row_, col))};
}

std::int64_t Row::integer(int col) const {
    if (is_null(col)) return 0;
    const char* p = PQgetvalue(r_, row_, col);
    const char* end = p + PQgetlength(r_, row_, col);
    std::int64_t v = 0;
    if (auto [at, ec] = std::from_chars(p, end, v); ec != std::errc() || at != end)
        throw std::runtime_error("postgresql: not an integer: " + std::string(p, end));
    return v;
}

std::optional<Timestamp> Row::maybe_time(int col) const {
    if (is_null(col)) return std::nullopt;
    return time(col);
}

int Result::affected() const {
    const char* n = PQcmdTuples(r_.get());
    int v = 0;
    std::from_chars(n, n + std::char_traits<char>::length(n), v);
    return v;
}

Connection::Connection(const ConnectOptions& o) {
    const std::string timeout = std::to_string(o.connect_timeout_s);
    // `dbname` is expanded from the URL; the keywords after it win over the URL's. Keepalives notice
    // a server that vanished without closing the connection (a network fault) within about a minute.
    const std::array<const char*, 9> keys{"dbname",     "application_name", "connect_timeout",     "client_encoding",
                                          "keepalives", "keepalives_idle",  "keepalives_interval", "keepalives_count",
                                          nullptr};
    const std::array<const char*, 9> values{o.url.c_str(), "mina", timeout.c_str(), "UTF8", "1", "30",
                                            "10",          "3",    nullptr};
    conn_ = PQconnectdbParams(keys.data(), values.data(), 1);
    if (conn_ == nullptr) throw ports::Unavailable("postgresql: out of memory");
    if (PQstatus(conn_) != CONNECTION_OK) {
        const std::string reason = one_line(PQerrorMessage(conn_));
        PQfinish(conn_);
        throw ports::Unavailable("postgresql: cannot connect: " + reason);
    }
    try {
        run_script(kSessionSettings);
    } catch (...) {
        PQfinish(conn_);
        throw;
    }
}

Connection::~Connection() { PQfinish(conn_); }

void Connection::lost(std::string_view what, const std::string& reason) {
    broken_ = true;
    throw ports::Unavailable("postgresql: " + std::string(what) + ": " + reason);
}

Result Connection::check(PGresult* r, std::string_view what) {
    Result owned(r);
    const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return owned;
    if (connection_fault(conn_, r)) lost(what, error_of(conn_, r));
    throw std::runtime_error("postgresql: " + std::string(what) + ": " + error_of(conn_, r));
}

void refuse_nul_bytes(std::span<const Param> params) {
    for (const auto& p : params)
        if (p && p->find('\0') != std::string::npos)
            throw std::runtime_error("postgresql: a text parameter holds a NUL byte");
}

void Connection::send(const char* sql, std::span<const char* const> values, Step step) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        // Prepared in the same exchange as its first run: the Parse travels ahead of the Execute.
        std::string name = "mina_" + std::to_string(next_statement_++);
        if (PQsendPrepare(conn_, name.c_str(), sql, 0, nullptr) == 0) lost("prepare", one_line(PQerrorMessage(conn_)));
        pending_.push_back({Step::prepare, sql});
        it = statements_.emplace(sql, std::move(name)).first;
    }
    if (PQsendQueryPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr,
                            0) == 0)
        lost("statement", one_line(PQerrorMessage(conn_)));
    pending_.push_back({step, sql});
}

void Connection::sync() {
    // Ends the exchange and sends it (blocking until written). An error aborts the statements after
    // it up to here, and no further.
    if (PQpipelineSync(conn_) == 0) lost("statement", one_line(PQerrorMessage(conn_)));
    pending_.push_back({Step::sync, nullptr});
    kept_since_.reset();  // a kept-back end went with it
}

std::optional<Result> Connection::collect() {
    if (kept_since_) sync();  // its answer is awaited below: it must be on its way
    std::optional<Result> last;
    std::optional<Result> error;  // the first failure, in the order sent
    std::string_view error_what;
    while (!pending_.empty()) {
        const Pending p = pending_.front();
        pending_.pop_front();
        Result r(PQgetResult(conn_));
        const PGresult* raw = r.raw();
        if (raw == nullptr) lost("statement", error_of(conn_, nullptr));  // the connection is gone
        const auto status = PQresultStatus(raw);
        if (p.step == Step::sync) {
            if (status != PGRES_PIPELINE_SYNC)
                lost("statement", status == PGRES_FATAL_ERROR ? error_of(conn_, raw) : "out of step with the server");
            continue;
        }
        if (status == PGRES_FATAL_ERROR && connection_fault(conn_, raw)) lost("statement", error_of(conn_, raw));
        // A command's answer ends with a null result.
        while (PGresult* extra = PQgetResult(conn_)) {
            const Result more(extra);
            if (PQresultStatus(extra) == PGRES_FATAL_ERROR && connection_fault(conn_, extra))
                lost("statement", error_of(conn_, extra));
        }
        const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
        switch (p.step) {
            case Step::prepare:
                if (ok) break;
                statements_.erase(p.sql);  // failed, or skipped after an earlier error: prepared next time
                if (status != PGRES_PIPELINE_ABORTED && !error) {
                    error.emplace(std::move(r));
                    error_what = "prepare";
                }
                break;
            case Step::unawaited:
                // The end of an earlier transaction. It cannot fail but with the connection; if it did,
                // the state of the connection is unknown.
                if (!ok) lost("ending a transaction", error_of(conn_, raw));
                break;
            case Step::execute:
                if (ok) {
                    last.emplace(std::move(r));
                } else if (status != PGRES_PIPELINE_ABORTED && !error) {  // aborted: an earlier one failed
                    error.emplace(std::move(r));
                    error_what = "statement";
                }
                break;
            case Step::sync: break;
        }
    }
    if (error) (void)check(error->release(), error_what);
    return last;
}

Result Connection::run(const char* sql, std::span<const Param> params, std::span<const char* const> before) {
    if (broken_) throw ports::Unavailable("postgresql: the connection was lost earlier in this transaction");
    refuse_nul_bytes(params);
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    for (const char* first : before) send(first, {}, Step::execute);
    send(sql, values, Step::execute);
    sync();
    auto result = collect();
    if (!result) lost("statement", "no result");  // cannot happen: the statement succeeded or threw
    return std::move(*result);
}

void Connection::end_unawaited(const char* sql, Send when) noexcept {
    if (broken_) return;
    try {
        send(sql, {}, Step::unawaited);  // in libpq's buffer until the next sync()
        if (when == Send::now) sync();
        else kept_since_ = std::chrono::steady_clock::now();
    } catch (...) {
        broken_ = true;
    }
}

void Connection::send_kept_end() noexcept {
    if (broken_ || !kept_since_) return;
    try {
        sync();
    } catch (...) {
        broken_ = true;
    }
}

void Connection::run_script(const std::string& sql) {
    if (broken_) throw ports::Unavailable("postgresql: the connection was lost earlier in this transaction");
    // A script may hold several statements: the simple protocol, outside pipeline mode.
    (void)collect();
    if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF && PQexitPipelineMode(conn_) == 0)
        lost("script", one_line(PQerrorMessage(conn_)));
    PGresult* r = PQexec(conn_, sql.c_str());
    if (PQenterPipelineMode(conn_) == 0) {
        PQclear(r);
        lost("script", one_line(PQerrorMessage(conn_)));
    }
    (void)check(r, "script");
}

Pool::Pool(ConnectOptions o, int size)
    : opts_(std::move(o)), size_(size < 1 ? 1 : size), sender_([this] { send_kept_ends(); }) {}

Pool::~Pool() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    sender_cv_.notify_all();
    sender_.join();
}

void Pool::send_kept_ends() {
    using Clock = std::chrono::steady_clock;
    std::unique_lock lock(mu_);
    while (!stopping_) {
        const auto now = Clock::now();
        std::optional<Clock::time_point> next;
        std::vector<std::unique_ptr<Connection>> due;
        for (auto it = idle_.begin(); it != idle_.end();) {
            const auto since = (*it)->end_kept_since();
            if (since && *since + kKeepEndAtMost <= now) {
                due.push_back(std::move(*it));  // out of the pool while this thread uses it
                it = idle_.erase(it);
                continue;
            }
            if (since) next = std::min(next.value_or(Clock::time_point::max()), *since + kKeepEndAtMost);
            ++it;
        }
        if (!due.empty()) {
            lock.unlock();
            for (auto& c : due) c->send_kept_end();
            lock.lock();
            for (auto& c : due) {
                if (c->broken()) --open_;
                else idle_.insert(idle_.begin(), std::move(c));  // idle the longest: the last to be taken
            }
            cv_.notify_all();
            continue;
        }
        // Any end kept back later is due later than `next`: only with nothing to wait for does
        // give_back() need to wake this thread.
        sender_asleep_ = !next;
        if (next) sender_cv_.wait_until(lock, *next);
        else sender_cv_.wait(lock);
        sender_asleep_ = false;
    }
}

Lease::~Lease() {
    if (conn_) pool_->give_back(std::move(conn_));
}

Lease Pool::acquire() {
    std::unique_lock lock(mu_);
    const bool free = cv_.wait_for(lock, kAcquireWait, [&] { return !idle_.empty() || open_ < size_; });
    if (!free)
        throw ports::Unavailable("postgresql: no connection free within " + std::to_string(kAcquireWait.count()) +
                                 " s (pool of " + std::to_string(size_) + ")");
    if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(c), false);
    }
    ++open_;
    lock.unlock();
    try {
        return Lease(*this, std::make_unique<Connection>(opts_), true);
    } catch (...) {
        lock.lock();
        --open_;
        cv_.notify_one();
        throw;
    }
}

Lease Pool::acquire_running(const char* first) {
    for (;;) {
        Lease lease = acquire();
        try {
            lease->run(first, {});
            return lease;
        } catch (const ports::Unavailable&) {
            if (lease.fresh()) throw;  // the server itself is away; a stale idle one is just dropped
        }
    }
}

void Pool::give_back(std::unique_ptr<Connection> c) {
    bool wake_sender = false;
    {
        std::lock_guard lock(mu_);
        if (c->broken()) {
            --open_;
        } else {
            wake_sender = sender_asleep_ && c->end_kept_since().has_value();
            idle_.push_back(std::move(c));
        }
    }
    cv_.notify_one();
    if (wake_sender) sender_cv_.notify_one();
}

}  // namespace mina::storage::pg
