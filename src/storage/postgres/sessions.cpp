// The PostgreSQL store: sessions (with the viewer a page after login reads) and the
// client throttle. The same ports, statement for statement, as
// src/storage/sqlite/sessions.cpp.
#include "storage/sql/sessions.hpp"
#include "storage/postgres/repositories.hpp"
#include "storage/sql/dollars.hpp"

namespace mina::storage::postgres {
namespace {

using sql::Dollars;

// ---- SQL, in named constants: never assembled from input ----

constexpr Dollars kCreateSession{sql::kCreateSession};
constexpr Dollars kFindSession{sql::kFindSession};
constexpr Dollars kFindSessionWithPerson{sql::kFindSessionWithPerson};
// The session, its person and the person's grants with their schools: one row per grant (one with a
// NULL role when there is none), read into an Access as kAccessOf's rows are.
constexpr const char* kViewSession =
    "SELECT s.id_hash, s.person_id, s.csrf_token, s.school_code, s.nudge, s.created_at, s.last_seen_at, s.amr, "
    "p.id, p.username, p.first_name, p.last_name, p.email, p.lang, p.default_school, "
    "c.code, c.name, c.form, g.role "
    "FROM sessions s JOIN persons p ON p.id = s.person_id "
    "LEFT JOIN grants g ON g.person_id = p.id LEFT JOIN schools c ON c.code = g.school_code "
    "WHERE s.id_hash = $1";
constexpr Dollars kTouchSession{sql::kTouchSession};
constexpr Dollars kSetSessionSchool{sql::kSetSessionSchool};
constexpr Dollars kRemoveSession{sql::kRemoveSession};
constexpr Dollars kRemoveSessionsOf{sql::kRemoveSessionsOf};
constexpr Dollars kRemoveExpiredSessions{sql::kRemoveExpiredSessions};
constexpr Dollars kThrottleGet{sql::kThrottleGet};
// In DO UPDATE a bare column name is ambiguous (the row or EXCLUDED): the old row is named.
constexpr const char* kThrottleFail =
    "INSERT INTO client_failures (address, failures, last_failure) VALUES ($1, 1, $2) "
    "ON CONFLICT (address) DO UPDATE SET "
    "  failures = CASE WHEN client_failures.last_failure < $3 THEN 1 ELSE client_failures.failures + 1 END, "
    "  last_failure = $2";

class PgSessions final : public ports::Sessions {
   public:
    /// `kept`: the server's viewers, or null when it keeps none (database.view_cache = false).
    PgSessions(Transaction& c, pg::ViewCache* kept) : c_(c), kept_(kept) {}
    void create(const Session& s) override {
        exec(c_, kCreateSession, s.id_hash, s.person, s.csrf_token, s.school, s.nudge_password ? 1 : 0, s.created_at,
             s.last_seen_at, s.amr);
    }
    std::optional<Session> find(const std::string& id_hash) override {
        return read_first<Session>(exec(c_, kFindSession, id_hash), read_session);
    }
    std::optional<std::pair<Session, Person>> find_with_person(const std::string& id_hash) override {
        return read_first<std::pair<Session, Person>>(exec(c_, kFindSessionWithPerson, id_hash), [](const Row& r) {
            return std::make_pair(read_session(r), read_person(r, 8));
        });
    }
    /// From the viewers kept, if there: the request waited for a fence (Store::fence) before it came here.
    std::optional<Viewing> view(const std::string& id_hash) override {
        if (kept_) {
            if (auto v = kept_->find(id_hash)) return v;
        }
        const std::uint64_t epoch = kept_ ? kept_->epoch() : 0;
        const auto result = exec(c_, kViewSession, id_hash);
        if (result.empty()) {
            if (kept_) kept_->drop(id_hash);
            return std::nullopt;
        }
        Viewing v{read_session(result.row(0)), read_person(result.row(0), 8), {}};
        for (const Row r : result) {
            if (!r.is_null(18)) add_grant(v.access, r, 15);  // a NULL role: the person holds no grant
        }
        order(v.access);
        if (kept_) kept_->keep(id_hash, v, epoch);
        return v;
    }
    void touch(const std::string& id_hash, Timestamp now) override {
        exec(c_, kTouchSession, id_hash, now);
        if (kept_) kept_->touched(id_hash, now);
    }
    void set_school(const std::string& id_hash, const std::string& school) override {
        exec(c_, kSetSessionSchool, id_hash, school);
    }
    void remove(const std::string& id_hash) override { exec(c_, kRemoveSession, id_hash); }
    int remove_all_of(PersonId id, const std::string& keep) override {
        return exec(c_, kRemoveSessionsOf, id, keep).affected();
    }
    int remove_expired(Timestamp idle_before, Timestamp created_before) override {
        return exec(c_, kRemoveExpiredSessions, idle_before, created_before).affected();
    }

   private:
    Transaction& c_;
    pg::ViewCache* kept_;
};

class PgThrottle final : public ports::Throttle {
   public:
    explicit PgThrottle(Transaction& c) : c_(c) {}
    State get(const std::string& address, Timestamp window_start) override {
        auto result = exec(c_, kThrottleGet, address, window_start);
        if (result.empty()) return {};
        return State{static_cast<int>(result.row(0).integer(0)), result.row(0).time(1)};
    }
    void record_failure(const std::string& address, Timestamp now, Timestamp window_start) override {
        exec(c_, kThrottleFail, address, now, window_start);
    }

   private:
    Transaction& c_;
};

}  // namespace

std::unique_ptr<ports::Sessions> make_sessions(Transaction& tx, pg::ViewCache* kept) {
    return std::make_unique<PgSessions>(tx, kept);
}
std::unique_ptr<ports::Throttle> make_throttle(Transaction& tx) { return std::make_unique<PgThrottle>(tx); }

}  // namespace mina::storage::postgres
