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

TEST(SqliteStore, ViewIsTheSessionItsPersonAndAccess) {
    auto store = test::memory_store();
    const Timestamp t = from_unix(1'800'000'000);
    PersonId karin;
    PersonId per;
    {
        auto tx = store->begin(ports::TxMode::write);
        tx->schools().add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux, "Box 2", "Kim", "08-2"}, t);
        tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::hogskola}, t);
        tx->schools().add({SchoolCode{"S3"}, "Alfa", SchoolForm::folkhogskola}, t);
        karin = tx->accounts().add({PersonId{}, Username{"ab1001"}, "Karin", "Lindh", "k@example.se", "", ""}, t);
        per = tx->accounts().add({PersonId{}, Username{"ab1002"}, "Per", "Berg", "p@example.se", "", ""}, t);
        auto& g = tx->grants();
        g.add({karin, SchoolCode{"S2"}, Role::studietider}, t, "t");
        g.add({karin, SchoolCode{"S2"}, Role::studeranderapportering}, t, "t");
        g.add({karin, SchoolCode{"S3"}, Role::school_admin}, t, "t");
        g.add({karin, SchoolCode{"S1"}, Role::studietider}, t, "t");
        g.add({karin, std::nullopt, Role::agency_admin}, t, "t");
        tx->sessions().create({"hk", karin, "csrf-k", t, t + Seconds{5}, "S2", true});
        tx->sessions().create({"hp", per, "csrf-p", t, t, "", false});
        tx->commit();
    }
    auto tx = store->begin(ports::TxMode::read);
    const auto k = tx->sessions().view("hk");
    ASSERT_TRUE(k.has_value());
    EXPECT_EQ(k->session.csrf_token, "csrf-k");
    EXPECT_EQ(k->session.school, "S2");
    EXPECT_EQ(k->session.last_seen_at, t + Seconds{5});
    EXPECT_TRUE(k->session.nudge_password);
    EXPECT_EQ(k->person.id, karin);
    EXPECT_EQ(k->person.username.value(), "ab1001");
    EXPECT_TRUE(k->access.agency_admin);
    ASSERT_EQ(k->access.schools.size(), 3u);
    EXPECT_EQ(k->access.schools[0].school.code.value(), "S1") << "by name, then code";
    EXPECT_EQ(k->access.schools[1].school.code.value(), "S3");
    EXPECT_EQ(k->access.schools[2].roles, (std::vector<Role>{Role::studeranderapportering, Role::studietider}));
    const auto p = tx->sessions().view("hp");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->person.id, per);
    EXPECT_FALSE(p->access.agency_admin);
    EXPECT_TRUE(p->access.schools.empty()) << "no grants";
    EXPECT_FALSE(tx->sessions().view("nope").has_value());

    // The same answer as the two reads it stands for.
    const auto both = tx->sessions().find_with_person("hk");
    ASSERT_TRUE(both.has_value());
    const auto access = tx->grants().access(both->first.person);
    EXPECT_EQ(k->person.email, both->second.email);
    EXPECT_EQ(k->access.agency_admin, access.agency_admin);
    ASSERT_EQ(k->access.schools.size(), access.schools.size());
    for (std::size_t i = 0; i < access.schools.size(); ++i) {
        EXPECT_EQ(k->access.schools[i].school.code, access.schools[i].school.code);
        EXPECT_EQ(k->access.schools[i].roles, access.schools[i].roles);
    }
}

}  // namespace
}  // namespace mina
