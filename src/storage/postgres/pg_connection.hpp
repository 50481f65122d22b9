// libpq underneath the PostgreSQL store: a connection that prepares each statement once, the rows of
// a result as text, and the bounded pool. Faults of the connection become ports::Unavailable here.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/types.hpp"

namespace mina::storage::pg {

/// One parameter in PostgreSQL's text format; nothing is NULL.
using Param = std::optional<std::string>;

inline Param param(std::string_view v) { return std::string(v); }
inline Param param(std::int64_t v) { return std::to_string(v); }
inline Param param(int v) { return std::to_string(v); }
inline Param param(Timestamp t) { return std::to_string(to_unix(t)); }
inline Param param(std::nullopt_t) { return std::nullopt; }
template <typename Tag, typename T>
Param param(const Strong<Tag, T>& v) {
    return param(v.value());
}
template <typename T>
Param param(const std::optional<T>& v) {
    return v ? param(*v) : std::nullopt;
}

/// A row of a Result; columns are read as text and converted here.
class Row {
   public:
    Row(const PGresult* r, int row) : r_(r), row_(row) {}
    [[nodiscard]] bool is_null(int col) const { return PQgetisnull(r_, row_, col) != 0; }
    [[nodiscard]] std::string text(int col) const;
    /// 0 for NULL, as SQLite reads it.
    [[nodiscard]] std::int64_t integer(int col) const;
    [[nodiscard]] bool boolean(int col) const { return text(col) == "t"; }
    [[nodiscard]] Timestamp time(int col) const { return from_unix(integer(col)); }
    [[nodiscard]] std::optional<Timestamp> maybe_time(int col) const;

   private:
    const PGresult* r_;
    int row_;
};

/// The rows of one statement, owned until it goes out of scope.
class Result {
   public:
    explicit Result(PGresult* r) : r_(r) {}
    [[nodiscard]] int rows() const { return PQntuples(r_.get()); }
    [[nodiscard]] bool empty() const { return rows() == 0; }
    [[nodiscard]] Row row(int i) const { return Row(r_.get(), i); }
    /// Rows changed by an INSERT, UPDATE or DELETE.
    [[nodiscard]] int affected() const;
    /// The command tag: "COMMIT" when a commit committed, "ROLLBACK" when it could not.
    [[nodiscard]] std::string_view tag() const { return PQcmdStatus(r_.get()); }

    class Iterator {
       public:
        Iterator(const PGresult* r, int i) : r_(r), i_(i) {}
        Row operator*() const { return Row(r_, i_); }
        Iterator& operator++() {
            ++i_;
            return *this;
        }
        bool operator!=(const Iterator& o) const { return i_ != o.i_; }

       private:
        const PGresult* r_;
        int i_;
    };
    [[nodiscard]] Iterator begin() const { return {r_.get(), 0}; }
    [[nodiscard]] Iterator end() const { return {r_.get(), rows()}; }

   private:
    struct Clear {
        void operator()(PGresult* r) const { PQclear(r); }
    };
    std::unique_ptr<PGresult, Clear> r_;
};

struct ConnectOptions {
    std::string url;
    int connect_timeout_s = 5;
};

class Connection {
   public:
    /// Throws ports::Unavailable with libpq's reason when the server cannot be reached.
    explicit Connection(const ConnectOptions& o);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs the statement `sql` (a constant: its address is the cache key), prepared on first use.
    /// A fault of the connection throws ports::Unavailable and breaks it; any other error throws
    /// std::runtime_error. A broken connection runs nothing more.
    Result run(const char* sql, std::span<const Param> params);
    /// Several statements without parameters (a migration), unprepared.
    void run_script(const std::string& sql);
    /// Marks the connection as not to be reused (its state is unknown).
    void abandon() { broken_ = true; }
    [[nodiscard]] bool broken() const { return broken_; }

   private:
    const std::string& prepared(const char* sql);
    Result check(PGresult* r, std::string_view what);
    [[noreturn]] void lost(std::string_view what, const std::string& reason);

    PGconn* conn_ = nullptr;
    std::unordered_map<const char*, std::string> statements_;
    bool broken_ = false;
};

/// Runs `sql` with its parameters converted by param(): `exec(c, kFindPerson, id)`.
template <typename... Args>
Result exec(Connection& c, const char* sql, const Args&... args) {
    const std::vector<Param> values{param(args)...};
    return c.run(sql, values);
}

class Pool;

/// A connection borrowed from the pool: back to it when the lease ends, unless it broke.
class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> c, bool fresh) : pool_(&pool), conn_(std::move(c)), fresh_(fresh) {}
    ~Lease();
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }
    /// Opened for this lease, rather than taken idle from the pool.
    [[nodiscard]] bool fresh() const { return fresh_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
    bool fresh_;
};

/// At most `size` connections, opened when needed and kept idle for the next transaction.
class Pool {
   public:
    Pool(ConnectOptions o, int size) : opts_(std::move(o)), size_(size < 1 ? 1 : size) {}
    /// Waits up to `kAcquireWait` for a free connection; throws ports::Unavailable after that, or
    /// when no new connection can be opened.
    Lease acquire();
    /// A connection on which `first` (a statement without lasting effect: BEGIN, SELECT 1) ran. An
    /// idle connection may have died since its last use (a server restart): the next one is tried,
    /// and last a new one, so that the first request after a restart does not fail for it.
    Lease acquire_running(const char* first);

    static constexpr std::chrono::seconds kAcquireWait{10};

   private:
    friend class Lease;
    void give_back(std::unique_ptr<Connection> c);

    const ConnectOptions opts_;
    const int size_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<Connection>> idle_;
    int open_ = 0;  // idle and leased
};

}  // namespace mina::storage::pg
