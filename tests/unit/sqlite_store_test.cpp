// What the SQLite store promises beyond the ports' contract: migrations, durability settings and an
// append-only audit trail.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "fakes.hpp"

namespace mina {
namespace {

struct TempDb {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("mina-store-" + std::to_string(::getpid()) + "-" +
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    TempDb() { std::filesystem::create_directories(dir); }
    ~TempDb() { std::filesystem::remove_all(dir); }
    [[nodiscard]] std::string path() const { return (dir / "mina.db").string(); }
};

int query_int(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
    int v = -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

TEST(SqliteStore, MigrationsRunOnceAndAreVersioned) {
    TempDb t;
    auto store = storage::open_sqlite({t.path()});
    EXPECT_GE(store->migrate(), 1);
    const int v = store->schema_version();
    EXPECT_GE(v, 1);
    EXPECT_EQ(store->migrate(), 0);
    EXPECT_EQ(store->schema_version(), v);
    EXPECT_TRUE(store->ping());
}

TEST(SqliteStore, UsesWalMode) {
    TempDb t;
    auto store = storage::open_sqlite({t.path()});
    store->migrate();
    EXPECT_TRUE(std::filesystem::exists(t.path() + "-wal") || query_int(t.path(), "PRAGMA journal_mode") != 0);
    sqlite3* db = nullptr;
    sqlite3_open(t.path().c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

TEST(SqliteStore, NothingIsSavedWithoutCommit) {
    TempDb t;
    auto store = storage::open_sqlite({t.path()});
    store->migrate();
    {
        auto tx = store->begin(ports::TxMode::write);
        EXPECT_TRUE(tx->schools().add({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, from_unix(1)));
        // no commit: rolled back here
    }
    auto tx = store->begin(ports::TxMode::read);
    EXPECT_FALSE(tx->schools().find(SchoolCode{"S1"}).has_value());
}

TEST(SqliteStore, AuditTrailIsAppendOnly) {
    TempDb t;
    auto store = storage::open_sqlite({t.path()});
    store->migrate();
    {
        auto tx = store->begin(ports::TxMode::write);
        tx->audit().append({from_unix(1), "cli:test", "local", "school.added", "", "S1", ""});
        tx->commit();
    }
    sqlite3* db = nullptr;
    sqlite3_open(t.path().c_str(), &db);
    EXPECT_NE(sqlite3_exec(db, "UPDATE audit_log SET kind = 'x'", nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit_log", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    EXPECT_EQ(query_int(t.path(), "SELECT count(*) FROM audit_log"), 1);
}

TEST(SqliteStore, BackupIsAConsistentCopy) {
    TempDb t;
    auto store = storage::open_sqlite({t.path()});
    store->migrate();
    {
        auto tx = store->begin(ports::TxMode::write);
        tx->schools().add({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, from_unix(1));
        tx->commit();
    }
    const std::string copy = (t.dir / "copy.db").string();
    store->backup(copy);
    EXPECT_EQ(query_int(copy, "SELECT count(*) FROM schools"), 1);
    EXPECT_THROW(store->backup(copy), std::runtime_error) << "never overwrites";
}

}  // namespace
}  // namespace mina
