// The SQLite store: sessions (with the viewer a page after login reads) and the
// client throttle. The same ports, statement for statement, as
// src/storage/postgres/sessions.cpp.
#include "storage/sql/sessions.hpp"
#include "storage/sqlite/repositories.hpp"

namespace mina::storage::sqlite {
namespace {

using namespace sql;  // the statements both stores share (storage/sql/sessions.hpp)

// ---- SQL, in named constants: never assembled from input ----

constexpr const char* kThrottleFail =
    "INSERT INTO client_failures (address, failures, last_failure) VALUES (?1, 1, ?2) "
    "ON CONFLICT (address) DO UPDATE SET "
    "  failures = CASE WHEN last_failure < ?3 THEN 1 ELSE failures + 1 END, last_failure = ?2";

class SqliteSessions final : public ports::Sessions {
   public:
    /// `viewers`: the viewers kept between requests, for a read unit of a server that keeps them;
    /// else null.
    SqliteSessions(Connection& c, SqliteViewers* viewers) : c_(c), viewers_(viewers) {}

    void create(const Session& s) override {
        Query q(c_, kCreateSession);
        q.bind(1, s.id_hash).bind(2, s.person.value()).bind(3, s.csrf_token).bind(4, s.school);
        q.bind(5, std::int64_t{s.nudge_password ? 1 : 0}).bind(6, s.created_at).bind(7, s.last_seen_at).bind(8, s.amr);
        q.run();
    }
    std::optional<Session> find(const std::string& id_hash) override {
        Query q(c_, kFindSession);
        q.bind(1, id_hash);
        if (!q.step()) return std::nullopt;
        return read_session(q);
    }
    std::optional<std::pair<Session, Person>> find_with_person(const std::string& id_hash) override {
        Query q(c_, kFindSessionWithPerson);
        q.bind(1, id_hash);
        if (!q.step()) return std::nullopt;
        return std::make_pair(read_session(q), read_person(q, 8));
    }
    /// Two statements in the unit's one snapshot: in-process SQLite has no round trips to save.
    /// In a read unit that has read nothing yet, from the viewers kept while the database has not
    /// changed (sqlite_viewers.hpp); what is read is kept if nothing was committed between the look
    /// before the read and the one after (then the read's snapshot, taken in between, is the database
    /// as it is now). A unit that has read already has an older snapshot, and a write unit may see
    /// its own writes: they always read, and keep nothing.
    std::optional<Viewing> view(const std::string& id_hash) override {
        SqliteViewers* kept =
            viewers_ != nullptr && sqlite3_txn_state(c_.raw(), "main") == SQLITE_TXN_NONE ? viewers_ : nullptr;
        std::uint64_t at_find = 0;
        if (kept != nullptr) {
            auto found = kept->find(id_hash);
            if (found.viewer) return std::move(found.viewer);
            at_find = found.epoch;
        }
        auto found = find_with_person(id_hash);
        if (!found) return std::nullopt;
        auto granted = read_access(c_, found->first.person);
        Viewing v{std::move(found->first), std::move(found->second), std::move(granted)};
        if (kept != nullptr) kept->keep(id_hash, v, at_find);
        return v;
    }
    void touch(const std::string& id_hash, Timestamp now) override {
        Query q(c_, kTouchSession);
        q.bind(1, id_hash).bind(2, now);
        q.run();
    }
    void set_school(const std::string& id_hash, const std::string& school) override {
        Query q(c_, kSetSessionSchool);
        q.bind(1, id_hash).bind(2, school);
        q.run();
    }
    void remove(const std::string& id_hash) override {
        Query q(c_, kRemoveSession);
        q.bind(1, id_hash);
        q.run();
    }
    int remove_all_of(PersonId id, const std::string& keep) override {
        Query q(c_, kRemoveSessionsOf);
        q.bind(1, id.value()).bind(2, keep);
        q.run();
        return q.changes();
    }
    int remove_expired(Timestamp idle_before, Timestamp created_before) override {
        Query q(c_, kRemoveExpiredSessions);
        q.bind(1, idle_before).bind(2, created_before);
        q.run();
        return q.changes();
    }

   private:
    Connection& c_;
    SqliteViewers* viewers_;
};

class SqliteThrottle final : public ports::Throttle {
   public:
    explicit SqliteThrottle(Connection& c) : c_(c) {}

    State get(const std::string& address, Timestamp window_start) override {
        Query q(c_, kThrottleGet);
        q.bind(1, address).bind(2, window_start);
        if (!q.step()) return {};
        return State{static_cast<int>(q.integer(0)), from_unix(q.integer(1))};
    }
    void record_failure(const std::string& address, Timestamp now, Timestamp window_start) override {
        Query q(c_, kThrottleFail);
        q.bind(1, address).bind(2, now).bind(3, window_start);
        q.run();
    }

   private:
    Connection& c_;
};

}  // namespace

std::unique_ptr<ports::Sessions> make_sessions(Connection& c, SqliteViewers* viewers) {
    return std::make_unique<SqliteSessions>(c, viewers);
}
std::unique_ptr<ports::Throttle> make_throttle(Connection& c) { return std::make_unique<SqliteThrottle>(c); }

}  // namespace mina::storage::sqlite
