#include "storage/postgres/pg_connection.hpp"

#include <array>
#include <charconv>
#include <stdexcept>

#include "core/ports.hpp"

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
        if (*p != '\n' && *p != '\t')
            out += *p;
        else if (!out.empty() && out.back() != ' ')
            out += ' ';
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

const std::string& Connection::prepared(const char* sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    std::string name = "mina_" + std::to_string(statements_.size());
    check(PQprepare(conn_, name.c_str(), sql, 0, nullptr), "prepare");
    return statements_.emplace(sql, std::move(name)).first->second;
}

Result Connection::run(const char* sql, std::span<const Param> params) {
    if (broken_) throw ports::Unavailable("postgresql: the connection was lost earlier in this transaction");
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) {
        // Text parameters end at a NUL byte: rather than match a shorter value, refuse.
        if (p && p->find('\0') != std::string::npos)
            throw std::runtime_error("postgresql: a text parameter holds a NUL byte");
        values.push_back(p ? p->c_str() : nullptr);
    }
    const std::string& name = prepared(sql);
    return check(
        PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0),
        "statement");
}

void Connection::run_script(const std::string& sql) {
    if (broken_) throw ports::Unavailable("postgresql: the connection was lost earlier in this transaction");
    check(PQexec(conn_, sql.c_str()), "script");
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
    {
        std::lock_guard lock(mu_);
        if (c->broken())
            --open_;
        else
            idle_.push_back(std::move(c));
    }
    cv_.notify_one();
}

}  // namespace mina::storage::pg
