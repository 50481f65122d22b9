// The ports on PostgreSQL, statement by statement the SQLite store's (src/storage/sqlite/, the same
// files: identity, sessions, kiosk, audit, studietider, reports; this file holds the Unit and the
// Store): the same results in the same order. Where PostgreSQL needs it said otherwise:
// - Write transactions take one advisory lock, so they run one at a time across every server, as
//   SQLite's BEGIN IMMEDIATE makes them; the core's check-then-write sequences rely on that. They run
//   in READ COMMITTED, so each statement sees what the previous holder of the lock committed.
// - Read transactions are REPEATABLE READ READ ONLY: one snapshot, as a SQLite read transaction has.
//   Unlike SQLite's, they refuse to write.
// - Parameters whose type PostgreSQL cannot infer carry a cast; inserted ids come from RETURNING.
// - An error aborts the whole transaction; COMMIT then throws (the SQLite store's Unit refuses to
//   commit after a failed statement too, though SQLite itself undoes only the statement).
// - Round trips are what a page costs here (SQLite has none): a Unit begins with its first statement
//   (BEGIN, and a writer's lock, travel with it in one exchange), a statement's first preparation
//   travels with its first run, and a read Unit's end is not waited for (see Transaction).
#include "storage/postgres/pg_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <limits>
#include <span>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "embedded/postgres_migrations.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/pg_dump.hpp"
#include "storage/postgres/pg_view_cache.hpp"
#include "storage/postgres/repositories.hpp"

namespace mina::storage::postgres {
namespace {

constexpr const char* kPing = "SELECT 1";
constexpr const char* kCreateMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at BIGINT NOT NULL)";
// A migration may build an index over a long table: the session's statement timeout is not for it.
constexpr const char* kNoStatementTimeout = "SET LOCAL statement_timeout = 0";
constexpr const char* kHasMigrations = "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr const char* kSchemaVersion = "SELECT coalesce(max(version), 0) FROM schema_migrations";
constexpr const char* kRecordMigration =
    "INSERT INTO schema_migrations (version, name, applied_at) "
    "VALUES ($1, $2, floor(extract(epoch FROM now()))::bigint)";

class PgUnit final : public ports::Unit {
   public:
    PgUnit(pg::Pool& pool, ports::TxMode mode, pg::ViewCache* kept) : tx_(pool, mode), kept_(kept) {}
    void commit() override { tx_.commit(); }
    void commit_unsynced() override { tx_.commit(false); }
    ports::Accounts& accounts() override {
        return accounts_.get([&] { return make_accounts(tx_); });
    }
    ports::Schools& schools() override {
        return schools_.get([&] { return make_schools(tx_); });
    }
    ports::Grants& grants() override {
        return grants_.get([&] { return make_grants(tx_); });
    }
    ports::Sessions& sessions() override {
        return sessions_.get([&] { return make_sessions(tx_, kept_); });
    }
    ports::Factors& factors() override {
        return factors_.get([&] { return make_factors(tx_); });
    }
    ports::Throttle& throttle() override {
        return throttle_.get([&] { return make_throttle(tx_); });
    }
    ports::Audit& audit() override {
        return audit_.get([&] { return make_audit(tx_); });
    }
    ports::Otps& otps() override {
        return otps_.get([&] { return make_otps(tx_); });
    }
    ports::KioskFlows& kiosk_flows() override {
        return flows_.get([&] { return make_kiosk_flows(tx_); });
    }
    ports::PasswordHistory& password_history() override {
        return history_.get([&] { return make_password_history(tx_); });
    }
    ports::Outbox& outbox() override {
        return outbox_.get([&] { return make_outbox(tx_); });
    }
    ports::Letters& letters() override {
        return letters_.get([&] { return make_letters(tx_); });
    }
    ports::Studietider& studietider() override {
        return studietider_.get([&] { return make_studietider(tx_); });
    }
    ports::Reports& reports() override {
        return reports_.get([&] { return make_reports(tx_); });
    }
    ports::Statistics& statistics() override {
        return statistics_.get([&] { return make_statistics(tx_); });
    }
    oidc::Clients& oidc_clients() override {
        return oidc_clients_.get([&] { return make_oidc_clients(tx_); });
    }
    oidc::SigningKeys& oidc_keys() override {
        return oidc_keys_.get([&] { return make_oidc_keys(tx_); });
    }
    oidc::PendingRequests& oidc_pending() override {
        return oidc_pending_.get([&] { return make_oidc_pending(tx_); });
    }
    oidc::Codes& oidc_codes() override {
        return oidc_codes_.get([&] { return make_oidc_codes(tx_); });
    }
    oidc::Subjects& oidc_subjects() override {
        return oidc_subjects_.get([&] { return make_oidc_subjects(tx_); });
    }
    oidc::Sweep& oidc_sweep() override {
        return oidc_sweep_.get([&] { return make_oidc_sweep(tx_); });
    }

   private:
    Transaction tx_;  // first: the repositories below use it until they go
    pg::ViewCache* kept_;
    OnFirstUse<ports::Accounts> accounts_;
    OnFirstUse<ports::Schools> schools_;
    OnFirstUse<ports::Grants> grants_;
    OnFirstUse<ports::Sessions> sessions_;
    OnFirstUse<ports::Factors> factors_;
    OnFirstUse<ports::Throttle> throttle_;
    OnFirstUse<ports::Audit> audit_;
    OnFirstUse<ports::Otps> otps_;
    OnFirstUse<ports::KioskFlows> flows_;
    OnFirstUse<ports::PasswordHistory> history_;
    OnFirstUse<ports::Outbox> outbox_;
    OnFirstUse<ports::Letters> letters_;
    OnFirstUse<ports::Studietider> studietider_;
    OnFirstUse<ports::Reports> reports_;
    OnFirstUse<ports::Statistics> statistics_;
    OnFirstUse<oidc::Clients> oidc_clients_;
    OnFirstUse<oidc::SigningKeys> oidc_keys_;
    OnFirstUse<oidc::PendingRequests> oidc_pending_;
    OnFirstUse<oidc::Codes> oidc_codes_;
    OnFirstUse<oidc::Subjects> oidc_subjects_;
    OnFirstUse<oidc::Sweep> oidc_sweep_;
};

int version_of(std::string_view file_name) { return std::stoi(std::string(file_name.substr(0, 4))); }

class PgStore final : public ports::Store {
   public:
    explicit PgStore(const PostgresOptions& o)
        : url_(o.url), pool_(pg::ConnectOptions{o.url, o.connect_timeout_s}, o.pool_size) {
        (void)pool_.acquire();  // fails here, with the reason, when the server cannot be reached
        if (o.view_cache) {
            kept_.emplace();
            listener_.emplace(o.url, o.connect_timeout_s, *kept_);
        }
    }

    std::unique_ptr<ports::Unit> begin(ports::TxMode mode) override {
        return std::make_unique<PgUnit>(pool_, mode, kept_ ? &*kept_ : nullptr);
    }

    void fence(std::function<void()> done) override {
        if (listener_) listener_->fence(std::move(done));
        else done();
    }
    bool fences() const override { return listener_.has_value(); }
    std::optional<ports::KeptViewers> kept_viewers() const override {
        if (!kept_) return std::nullopt;
        return ports::KeptViewers{kept_->hits(), kept_->misses(), kept_->size(), kept_->listening()};
    }

    /// Under the writers' lock, so that servers starting together migrate one after the other and the
    /// later ones find nothing left to do. All files in one transaction, as the SQLite store does.
    int migrate() override {
        Transaction tx(pool_, ports::TxMode::write);
        (void)tx.run(kNoStatementTimeout, {});
        (void)tx.run(kCreateMigrations, {});
        const std::int64_t current = exec(tx, kSchemaVersion).row(0).integer(0);
        int ran = 0;
        for (const auto& f : postgres_migrations::files()) {
            const int version = version_of(f.name);
            if (version <= current) continue;
            tx.run_script(std::string(f.text));
            exec(tx, kRecordMigration, version, f.name);
            ++ran;
        }
        tx.commit();
        return ran;
    }

    int schema_version() override {
        Transaction tx(pool_, ports::TxMode::read);
        if (!exec(tx, kHasMigrations).row(0).boolean(0)) return 0;
        return static_cast<int>(exec(tx, kSchemaVersion).row(0).integer(0));
    }

    bool ping() override {
        try {
            (void)pool_.acquire_running(kPing);
            return true;
        } catch (const std::exception&) {
            return false;
        }
    }

    void backup(const std::string& path) override { pg::dump(url_, path); }

   private:
    const std::string url_;
    pg::Pool pool_;
    std::optional<pg::ViewCache> kept_;
    std::optional<pg::Listener> listener_;  // after kept_, which it feeds: it stops first
};

}  // namespace
}  // namespace mina::storage::postgres

namespace mina::storage {

std::unique_ptr<ports::Store> open_postgres(const PostgresOptions& opts) {
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(opts.url.c_str(), &error);
    if (parsed == nullptr) {
        const std::string reason = error ? error : "out of memory";
        PQfreemem(error);
        throw std::runtime_error("postgresql: invalid database url: " + reason);
    }
    PQconninfoFree(parsed);
    return std::make_unique<postgres::PgStore>(opts);
}

}  // namespace mina::storage
