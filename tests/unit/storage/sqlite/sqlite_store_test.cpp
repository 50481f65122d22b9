// What the SQLite store promises beyond the ports' contract (tests/unit/storage/contract, run on both
// stores): migrations, durability settings, an append-only audit trail and the viewers it keeps.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "storage/sqlite/sqlite_viewers.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

struct TempDb {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("mina-store-" + std::to_string(::getpid()) + "-" +
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

// ---- The viewers a server keeps (sqlite_viewers.hpp) -----------------------------------------------

std::unique_ptr<ports::Store> viewer_store(const TempDb& db, bool view_cache) {
    storage::SqliteOptions o;
    o.path = db.path();
    o.view_cache = view_cache;
    auto s = storage::open_sqlite(o);
    s->migrate();
    return s;
}

/// Session "hk" as a page after login reads it: first name / language / schools granted.
std::string viewed_name(ports::Store& store) {
    auto tx = store.begin(ports::TxMode::read);
    const auto v = tx->sessions().view("hk");
    tx->commit();
    return v ? v->person.first_name + "/" + v->person.lang + "/" + std::to_string(v->access.schools.size()) : "none";
}

void sql(const TempDb& db, const char* statement) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.path().c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, statement, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
}

std::uint64_t hits(const ports::Store& store) { return store.kept_viewers()->hits; }

PersonId add_viewer(ports::Store& store, Timestamp t) {
    auto tx = store.begin(ports::TxMode::write);
    tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::hogskola}, t);
    const PersonId karin =
        tx->accounts().add({PersonId{}, Username{"ab1001"}, "Karin", "Lindh", "k@example.se", "", ""}, t);
    tx->sessions().create({"hk", karin, "csrf-k", t, t, "", false});
    tx->commit();
    return karin;
}

TEST(SqliteViewers, AreKeptUntilAnyoneCommitsAnything) {
    const TempDb db;
    auto server = viewer_store(db, true);
    auto cli = viewer_store(db, false);  // another process: `mina admin`
    const Timestamp t = from_unix(1'800'000'000);
    const PersonId karin = add_viewer(*server, t);
    ASSERT_TRUE(server->kept_viewers().has_value());
    EXPECT_FALSE(cli->kept_viewers().has_value());

    EXPECT_EQ(viewed_name(*server), "Karin//0");
    EXPECT_EQ(hits(*server), 0u);
    EXPECT_EQ(viewed_name(*server), "Karin//0");
    EXPECT_EQ(hits(*server), 1u);  // from memory

    {  // another process grants a service
        auto tx = cli->begin(ports::TxMode::write);
        tx->grants().add({karin, SchoolCode{"S1"}, Role::studietider}, t, "t");
        tx->commit();
    }
    EXPECT_EQ(viewed_name(*server), "Karin//1");
    {  // this server changes her language (Anpassa)
        auto tx = server->begin(ports::TxMode::write);
        tx->accounts().set_preferences(karin, "en", "");
        tx->commit();
    }
    EXPECT_EQ(viewed_name(*server), "Karin/en/1");
    sql(db, "UPDATE persons SET first_name = 'Kajsa'");  // an operator's sqlite3
    EXPECT_EQ(viewed_name(*server), "Kajsa/en/1");
    const auto before = hits(*server);
    EXPECT_EQ(viewed_name(*server), "Kajsa/en/1");
    EXPECT_EQ(hits(*server), before + 1);
    sql(db,
        "INSERT INTO audit_log (at, actor, address, kind, subject, school_code, detail) "
        "VALUES (1, 'x', '', 'test', '', '', '')");  // a table no viewer reads: forgotten all the same
    EXPECT_EQ(viewed_name(*server), "Kajsa/en/1");
    EXPECT_EQ(hits(*server), before + 1);
}

TEST(SqliteViewers, AReadOlderThanTheLastCommitIsNotKept) {
    const TempDb db;
    auto server = viewer_store(db, true);
    auto cli = viewer_store(db, false);
    const Timestamp t = from_unix(1'800'000'000);
    const PersonId karin = add_viewer(*server, t);
    {
        auto tx = server->begin(ports::TxMode::read);
        (void)tx->schools().all();  // the snapshot is taken here
        {
            auto w = cli->begin(ports::TxMode::write);
            w->accounts().set_preferences(karin, "en", "");
            w->commit();
        }
        EXPECT_EQ(tx->sessions().view("hk")->person.lang, "");  // the snapshot's truth
        tx->commit();
    }
    EXPECT_EQ(viewed_name(*server), "Karin/en/0");  // not the older read, kept
}

TEST(SqliteViewers, AWriteUnitNeitherUsesNorKeepsThem) {
    const TempDb db;
    auto server = viewer_store(db, true);
    const Timestamp t = from_unix(1'800'000'000);
    const PersonId karin = add_viewer(*server, t);
    EXPECT_EQ(viewed_name(*server), "Karin//0");
    {
        auto tx = server->begin(ports::TxMode::write);
        tx->accounts().set_preferences(karin, "en", "");
        EXPECT_EQ(tx->sessions().view("hk")->person.lang, "en");  // its own write
        // no commit: rolled back
    }
    const auto before = hits(*server);
    EXPECT_EQ(viewed_name(*server), "Karin//0");
    EXPECT_EQ(hits(*server), before + 1);  // the kept one, untouched by the write that never was
}

// ---- How SqliteViewers learns of commits: PRAGMA data_version on a connection of its own ---------

/// A connection of its own on the database, as another part of this process (or `mina admin`) has.
struct RawDb {
    sqlite3* db = nullptr;
    explicit RawDb(const std::string& path) { sqlite3_open(path.c_str(), &db); }
    ~RawDb() { sqlite3_close(db); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;
    [[nodiscard]] int exec(const char* statement) const {
        return sqlite3_exec(db, statement, nullptr, nullptr, nullptr);
    }
};

struct WatchedDb : TempDb {
    WatchedDb() {
        const RawDb first(path());
        EXPECT_EQ(first.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)"), SQLITE_OK);
    }
};

Viewing viewer_named(const std::string& first_name) {
    Viewing v;
    v.session.id_hash = "hk";
    v.person.first_name = first_name;
    return v;
}

/// Looks the viewer up and, if it was not kept, "reads" it (as `name`) and keeps it.
std::string looked_up(storage::SqliteViewers& kept, const std::string& name) {
    auto found = kept.find("hk");
    if (found.viewer) return "kept " + found.viewer->person.first_name;
    kept.keep("hk", viewer_named(name), found.epoch);
    return "read " + name;
}

TEST(SqliteViewersWatch, NothingCommittedKeepsThem) {
    const WatchedDb db;
    auto kept = storage::SqliteViewers::open(db.path(), 1000);
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(looked_up(*kept, "Karin"), "read Karin");
    EXPECT_EQ(looked_up(*kept, "Other"), "kept Karin");
    const RawDb other(db.path());  // reads, and a transaction that commits nothing, change nothing
    EXPECT_EQ(other.exec("SELECT count(*) FROM t"), SQLITE_OK);
    EXPECT_EQ(other.exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (1); ROLLBACK"), SQLITE_OK);
    EXPECT_EQ(other.exec("BEGIN; SELECT * FROM t; COMMIT"), SQLITE_OK);
    EXPECT_EQ(looked_up(*kept, "Other"), "kept Karin");
    EXPECT_EQ(kept->cache().hits(), 2u);
}

TEST(SqliteViewersWatch, AnotherConnectionsCommitIsSeen) {
    const WatchedDb db;
    auto kept = storage::SqliteViewers::open(db.path(), 1000);
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(looked_up(*kept, "Karin"), "read Karin");
    const RawDb writer(db.path());  // this process's writer connection, or the CLI's
    ASSERT_EQ(writer.exec("INSERT INTO t VALUES (1)"), SQLITE_OK);
    EXPECT_EQ(looked_up(*kept, "Kajsa"), "read Kajsa");
    EXPECT_EQ(looked_up(*kept, "Other"), "kept Kajsa");
    ASSERT_EQ(writer.exec("BEGIN IMMEDIATE; UPDATE t SET x = 2; COMMIT"), SQLITE_OK);
    EXPECT_EQ(looked_up(*kept, "Karin"), "read Karin");
    ASSERT_EQ(writer.exec("PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);  // the WAL starts again
    ASSERT_EQ(writer.exec("INSERT INTO t VALUES (3)"), SQLITE_OK);
    EXPECT_EQ(looked_up(*kept, "Kajsa"), "read Kajsa");
}

TEST(SqliteViewersWatch, AnotherProcesssCommitIsSeen) {
    if (std::system("command -v sqlite3 >/dev/null 2>&1") != 0)
        FAIL() << "no sqlite3 shell (scripts/install-deps.sh installs the package sqlite3)";
    const WatchedDb db;
    auto kept = storage::SqliteViewers::open(db.path(), 1000);
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(looked_up(*kept, "Karin"), "read Karin");
    const std::string shell = "sqlite3 '" + db.path() + "' 'INSERT INTO t VALUES (1)'";
    ASSERT_EQ(std::system(shell.c_str()), 0);
    EXPECT_EQ(looked_up(*kept, "Kajsa"), "read Kajsa");
    EXPECT_EQ(looked_up(*kept, "Other"), "kept Kajsa");
}

TEST(SqliteViewersWatch, AReadOvertakenByACommitIsNotKept) {
    const WatchedDb db;
    auto kept = storage::SqliteViewers::open(db.path(), 1000);
    ASSERT_NE(kept, nullptr);
    const RawDb writer(db.path());
    auto found = kept->find("hk");
    ASSERT_FALSE(found.viewer);
    // The read's snapshot is taken here; someone commits before it is kept.
    ASSERT_EQ(writer.exec("INSERT INTO t VALUES (1)"), SQLITE_OK);
    kept->keep("hk", viewer_named("Karin"), found.epoch);
    EXPECT_EQ(looked_up(*kept, "Kajsa"), "read Kajsa");
}

/// Whether a process other than this one finds a lock that this one holds on `file` (F_GETLK
/// reports no conflict with the asking process's own locks, hence the child).
bool another_process_sees_a_lock_on(const std::string& file) {
    const pid_t child = ::fork();
    if (child == 0) {
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        struct flock fl {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;  // l_start = l_len = 0: the whole file
        const bool locked = fd >= 0 && ::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
        ::_exit(locked ? 0 : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Issue [7] item 1: the viewers once read SQLite's WAL-index through a descriptor of their own and
// closed it, and closing any descriptor of a file drops all of the process's POSIX locks on it.
// The next process to open the database then believed it was alone and rebuilt the WAL-index under
// the server, which died of SIGBUS. SQLite keeps a shared lock on `<db>-shm` for as long as a
// connection is open: another process must still see it after pages have used the kept viewers.
TEST(SqliteViewers, LeaveSqlitesLocksAlone) {
    const TempDb db;
    auto server = viewer_store(db, true);
    add_viewer(*server, from_unix(1'800'000'000));
    EXPECT_EQ(viewed_name(*server), "Karin//0");
    EXPECT_EQ(viewed_name(*server), "Karin//0");
    EXPECT_GE(hits(*server), 1u);
    EXPECT_TRUE(another_process_sees_a_lock_on(db.path() + "-shm"));
}

}  // namespace
}  // namespace mina
