// The contract on PostgreSQL (Pg/...): each test in a database of its own, mina_contract_<random>,
// created on the server that MINA_TEST_POSTGRES_URL names and dropped afterwards. Without the URL
// every test fails and says how to start one, as the other PostgreSQL tests do.
#include <cstdlib>

#include "storage/postgres/pg_store.hpp"
#include "unit/storage/contract/contract.hpp"
#include "unit/storage/postgres/pg_admin.hpp"

namespace mina::contract {
namespace {

class PostgresBackend final : public Backend {
   public:
    explicit PostgresBackend(std::string admin_url)
        : admin_url_(std::move(admin_url)), db_("mina_contract_" + pgtest::random_suffix()) {
        pgtest::Admin(admin_url_).value("CREATE DATABASE " + db_);
    }
    ~PostgresBackend() override {
        try {
            pgtest::Admin(admin_url_).value("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
        } catch (const std::exception& e) {
            ADD_FAILURE() << e.what();
        }
    }
    PostgresBackend(const PostgresBackend&) = delete;
    PostgresBackend& operator=(const PostgresBackend&) = delete;

    std::unique_ptr<ports::Store> open() override {
        storage::PostgresOptions o;
        o.url = pgtest::with_database(admin_url_, db_);
        o.connect_timeout_s = 2;
        return storage::open_postgres(o);
    }

   private:
    std::string admin_url_;
    std::string db_;
};

std::unique_ptr<Backend> make_postgres() {
    const char* url = std::getenv("MINA_TEST_POSTGRES_URL");
    if (url == nullptr || *url == '\0') {
        ADD_FAILURE() << pgtest::kHowToStart;
        return nullptr;
    }
    return std::make_unique<PostgresBackend>(url);
}

const BackendKind kPostgres{"postgres", make_postgres};

}  // namespace
}  // namespace mina::contract

MINA_STORE_CONTRACTS(Pg, kPostgres)
