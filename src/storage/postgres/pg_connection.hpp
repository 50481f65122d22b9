// libpq underneath the PostgreSQL store: a connection that prepares each statement once, the rows of
// a result as text, and the bounded pool. Faults of the connection become ports::Unavailable here.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/common/types.hpp"

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
    [[nodiscard]] const PGresult* raw() const { return r_.get(); }
    /// Gives up ownership (to Connection::check, which takes it again).
    [[nodiscard]] PGresult* release() { return r_.release(); }

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

/// One connection, always in libpq's pipeline mode: the statements of one exchange go to the server
/// in one write and their answers come back in one read, so BEGIN, a statement's first preparation
/// and the statement itself cost one round trip together.
class Connection {
   public:
    /// Throws ports::Unavailable with libpq's reason when the server cannot be reached.
    explicit Connection(const ConnectOptions& o);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs the statement `sql` (a constant: its address is the cache key), prepared on first use,
    /// after the statements `before` (without parameters, e.g. BEGIN) in the same exchange: one round
    /// trip for all. Answers still unread (see end_unawaited) are read first. A fault of the
    /// connection throws ports::Unavailable and breaks it; any other error (of `sql` or of one of
    /// `before`, whichever failed first; nothing after it ran) throws std::runtime_error. A broken
    /// connection runs nothing more.
    Result run(const char* sql, std::span<const Param> params, std::span<const char* const> before = {});
    /// When end_unawaited() sends: at once, or ahead of the connection's next exchange (one write to
    /// the server and one wakeup of it fewer), unless the pool sends it first (send_kept_end()).
    enum class Send { now, with_next };
    /// Ends a transaction whose end the caller need not wait for: `sql` is COMMIT or ROLLBACK. Its
    /// answer is read at the start of the next exchange, before anything else; if it failed, that
    /// exchange throws ports::Unavailable and the connection breaks. Never throws: a connection that
    /// cannot send is broken.
    void end_unawaited(const char* sql, Send when) noexcept;
    /// Since when an end kept back for the next exchange waits unsent; nothing if none does.
    [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> end_kept_since() const { return kept_since_; }
    /// Sends an end kept back (without waiting for its answer). Never throws.
    void send_kept_end() noexcept;
    /// Several statements without parameters (a migration), unprepared.
    void run_script(const std::string& sql);
    /// Marks the connection as not to be reused (its state is unknown).
    void abandon() { broken_ = true; }
    [[nodiscard]] bool broken() const { return broken_; }

   private:
    /// What was sent and awaits its answer, in the order sent.
    enum class Step { prepare, execute, unawaited, sync };
    struct Pending {
        Step step;
        const char* sql;  // the cache key of a prepare (dropped again if the prepare did not run)
    };

    void send(const char* sql, std::span<const char* const> values, Step step);
    void sync();
    /// Reads every pending answer; the last execute's result, if it succeeded. The first error (in
    /// the order sent) is thrown once every answer is read, so the connection stays in step.
    std::optional<Result> collect();
    Result check(PGresult* r, std::string_view what);
    [[noreturn]] void lost(std::string_view what, const std::string& reason);

    PGconn* conn_ = nullptr;
    std::unordered_map<const char*, std::string> statements_;
    std::uint64_t next_statement_ = 0;
    std::deque<Pending> pending_;
    std::optional<std::chrono::steady_clock::time_point> kept_since_;  // an end in libpq's buffer, unsent
    bool broken_ = false;
};

/// Text parameters end at a NUL byte: rather than match a shorter value, refuse (std::runtime_error).
void refuse_nul_bytes(std::span<const Param> params);

/// Runs `sql` with its parameters converted by param(): `exec(c, kFindPerson, id)`.
/// `c` is a Connection or anything else with its run().
template <typename Runner, typename... Args>
Result exec(Runner& c, const char* sql, const Args&... args) {
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

/// At most `size` connections, opened when needed and kept idle for the next transaction. A thread of
/// its own sends the ends that idle connections have kept back for longer than kKeepEndAtMost, so that
/// a connection idle in the pool holds no snapshot and no lock for longer than that.
class Pool {
   public:
    Pool(ConnectOptions o, int size);
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;
    /// Waits up to `kAcquireWait` for a free connection; throws ports::Unavailable after that, or
    /// when no new connection can be opened.
    Lease acquire();
    /// A connection on which `first` (a statement without lasting effect: BEGIN, SELECT 1) ran. An
    /// idle connection may have died since its last use (a server restart): the next one is tried,
    /// and last a new one, so that the first request after a restart does not fail for it.
    Lease acquire_running(const char* first);

    static constexpr std::chrono::seconds kAcquireWait{10};
    /// How long an idle connection may keep a transaction's end back for its next exchange: busy, a
    /// connection is taken again within microseconds; quiet, the end goes alone after this.
    static constexpr std::chrono::milliseconds kKeepEndAtMost{10};

   private:
    friend class Lease;
    void give_back(std::unique_ptr<Connection> c);
    /// The sender thread: sends kept-back ends that are due, sleeps until the next is.
    void send_kept_ends();

    const ConnectOptions opts_;
    const int size_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<Connection>> idle_;
    int open_ = 0;  // idle and leased, and those whose ends the sender is sending
    std::condition_variable sender_cv_;
    bool sender_asleep_ = false;  // with nothing to wait for: give_back() wakes it
    bool stopping_ = false;
    std::thread sender_;  // last: it starts once everything above is ready
};

}  // namespace mina::storage::pg
