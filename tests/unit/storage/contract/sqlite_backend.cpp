// The contract on SQLite: each test on a database file of its own in a temporary directory.
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "storage/sqlite/sqlite_store.hpp"
#include "unit/storage/contract/contract.hpp"

namespace mina::contract {
namespace {

class SqliteBackend final : public Backend {
   public:
    SqliteBackend() {
        static std::atomic<int> n{0};
        dir_ = std::filesystem::temp_directory_path() /
               ("mina-contract-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    ~SqliteBackend() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    SqliteBackend(const SqliteBackend&) = delete;
    SqliteBackend& operator=(const SqliteBackend&) = delete;

    std::unique_ptr<ports::Store> open() override {
        storage::SqliteOptions o;
        o.path = (dir_ / "mina.db").string();
        o.synchronous_full = false;  // nothing here survives a power cut anyway
        return storage::open_sqlite(o);
    }

   private:
    std::filesystem::path dir_;
};

const BackendKind kSqlite{"sqlite", [] { return std::unique_ptr<Backend>(new SqliteBackend()); }};

}  // namespace
}  // namespace mina::contract

MINA_STORE_CONTRACTS(Sqlite, kSqlite)
