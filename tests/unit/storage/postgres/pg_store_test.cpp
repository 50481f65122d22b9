// What the PostgreSQL store promises beyond the ports' contract (tests/unit/storage/contract, run on
// both stores): the same rows in the same order as SQLite, compared side by side; migrations, the
// writers' lock, few round trips, and faults that become ports::Unavailable and heal by themselves. Each test runs in a
// database of its own on the server that MINA_TEST_POSTGRES_URL names.
#include "storage/postgres/pg_store.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <set>
#include <thread>
#include <vector>

#include "core/common/ports.hpp"
#include "core/login/portal.hpp"
#include "storage/postgres/pg_view_cache.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "unit/storage/postgres/pg_admin.hpp"

namespace mina {
namespace {

using namespace std::chrono_literals;
using pgtest::Admin;
using pgtest::kHowToStart;
using pgtest::random_suffix;
using pgtest::with_database;
using ports::TxMode;

const Timestamp kT = from_unix(1'800'000'000);

Person person(const char* username, const char* first, const char* last, const char* email) {
    return Person{PersonId{}, Username{username}, first, last, email, "", ""};
}

/// Each test in a fresh database mina_unit_<random>, dropped afterwards.
class PgStore : public ::testing::Test {
   protected:
    void SetUp() override {
        const char* admin = std::getenv("MINA_TEST_POSTGRES_URL");
        if (admin == nullptr || *admin == '\0') FAIL() << kHowToStart;
        admin_url_ = admin;
        db_ = "mina_unit_" + random_suffix();
        Admin(admin_url_).value("CREATE DATABASE " + db_);
        url_ = with_database(admin_url_, db_);
    }
    void TearDown() override {
        if (!db_.empty()) Admin(admin_url_).value("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
    }

    std::unique_ptr<ports::Store> open(int pool_size = 8) {
        storage::PostgresOptions o;
        o.url = url_;
        o.pool_size = pool_size;
        o.connect_timeout_s = 2;
        return storage::open_postgres(o);
    }
    std::unique_ptr<ports::Store> migrated(int pool_size = 8) {
        auto s = open(pool_size);
        s->migrate();
        return s;
    }
    /// As `mina serve` opens it: viewers kept between requests, once the listener listens.
    std::unique_ptr<ports::Store> keeping_viewers() {
        storage::PostgresOptions o;
        o.url = url_;
        o.connect_timeout_s = 2;
        o.view_cache = true;
        auto s = storage::open_postgres(o);
        s->migrate();
        wait_listening(*s);
        return s;
    }
    static void wait_listening(const ports::Store& s) {
        for (int i = 0; i < 500 && !s.kept_viewers()->listening; ++i) std::this_thread::sleep_for(10ms);
        ASSERT_TRUE(s.kept_viewers()->listening) << "the listener did not start within 5 s";
    }
    /// What a request does before its handler: waits for the fence.
    static void fence(ports::Store& s) {
        std::promise<void> passed;
        auto done = passed.get_future();
        s.fence([&passed] { passed.set_value(); });
        ASSERT_EQ(done.wait_for(5s), std::future_status::ready) << "the fence did not pass within 5 s";
    }
    /// A page's read of its viewer: after the fence, as the server makes it.
    static std::optional<Viewing> fenced_view(ports::Store& store, const std::string& id_hash) {
        fence(store);
        return store.begin(TxMode::read)->sessions().view(id_hash);
    }
    /// A connection to the test's database, behind the store's back.
    Admin direct() { return Admin(url_); }
    /// Ends the store's connections (as a server restart does) and waits until they are gone.
    void terminate_store_connections() {
        Admin a(admin_url_);
        a.value("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '" + db_ +
                "' AND pid <> pg_backend_pid()");
    }

    std::string admin_url_;
    std::string db_;
    std::string url_;
};

// ---- Whole-store promises ---------------------------------------------------------------------

TEST_F(PgStore, MigrationsRunOnceAndAreVersioned) {
    auto store = open();
    EXPECT_EQ(store->schema_version(), 0);
    EXPECT_EQ(store->migrate(), 15);
    EXPECT_EQ(store->schema_version(), 15);
    EXPECT_EQ(store->migrate(), 0);
    EXPECT_EQ(store->schema_version(), 15);
    EXPECT_TRUE(store->ping());
    EXPECT_EQ(direct().value("SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM schema_migrations"),
              "1:0001_foundation.sql,2:0002_kiosk.sql,3:0003_identity_manager.sql,4:0004_idm_admin.sql,5:0005_"
              "studietider.sql,6:0006_search_changes.sql,7:0007_reports.sql,8:0008_view_notices.sql,9:0009_students_"
              "per_school.sql,10:0010_letter_claims.sql,11:0011_letter_granted_by.sql,12:0012_statistics.sql,13:0013_"
              "oidc.sql,14:0014_oidc_sealed.sql,15:0015_second_factor.sql");
}

TEST_F(PgStore, ServersStartingTogetherMigrateOnce) {
    auto a = open();
    auto b = open();
    int ran_a = -1;
    int ran_b = -1;
    std::thread ta([&] { ran_a = a->migrate(); });
    std::thread tb([&] { ran_b = b->migrate(); });
    ta.join();
    tb.join();
    EXPECT_EQ(ran_a + ran_b, 15) << "one ran them all, the other found nothing to do";
    EXPECT_EQ(direct().value("SELECT count(*) FROM schema_migrations"), "15");
}

TEST_F(PgStore, AuditTrailIsAppendOnly) {
    auto store = migrated();
    {
        auto tx = store->begin(TxMode::write);
        tx->audit().append({from_unix(1), "cli:test", "local", "school.added", "", "S1", ""});
        tx->commit();
    }
    auto db = direct();
    EXPECT_FALSE(db.succeeds("UPDATE audit_log SET kind = 'x'"));
    EXPECT_FALSE(db.succeeds("DELETE FROM audit_log"));
    EXPECT_FALSE(db.succeeds("TRUNCATE audit_log"));
    EXPECT_EQ(db.value("SELECT count(*) FROM audit_log"), "1");
}

TEST_F(PgStore, BackupIsADumpAndNeverOverwrites) {
    auto store = migrated();
    {
        auto tx = store->begin(TxMode::write);
        tx->schools().add({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, from_unix(1));
        tx->commit();
    }
    const auto dir = std::filesystem::temp_directory_path() / ("mina-pg-backup-" + random_suffix());
    std::filesystem::create_directories(dir);
    const std::string copy = (dir / "mina.dump").string();
    store->backup(copy);
    std::string listing;
    if (FILE* p = ::popen(("pg_restore --data-only --table=schools --file=- '" + copy + "'").c_str(), "r")) {
        char buf[4096];
        while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) listing.append(buf, n);
        EXPECT_EQ(::pclose(p), 0);
    }
    EXPECT_NE(listing.find("S1\tSkolan\tkomvux"), std::string::npos) << listing;
    EXPECT_THROW(store->backup(copy), std::runtime_error) << "never overwrites";
    const std::string nowhere = (dir / "missing" / "mina.dump").string();
    EXPECT_THROW(store->backup(nowhere), std::runtime_error);
    EXPECT_FALSE(std::filesystem::exists(nowhere));
    std::filesystem::remove_all(dir);
}

TEST_F(PgStore, ReadTransactionsDoNotWrite) {
    auto store = migrated();
    auto tx = store->begin(TxMode::read);
    try {
        (void)tx->schools().add({SchoolCode{"S1"}, "Skolan", SchoolForm::komvux}, kT);
        ADD_FAILURE() << "a read transaction wrote";
    } catch (const ports::Unavailable&) {
        ADD_FAILURE() << "a refused write is not a fault of the connection";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
    }
}

TEST_F(PgStore, WritersTakeTurnsAndReadersDoNotWait) {
    auto store = migrated();
    auto first = store->begin(TxMode::write);
    (void)first->schools().all();  // a transaction begins, and a writer locks, with its first statement
    std::atomic<bool> second_began{false};
    std::thread second([&] {
        auto tx = store->begin(TxMode::write);
        (void)tx->schools().all();
        second_began = true;
    });
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(second_began) << "a second writer waits for the first";
    EXPECT_NO_THROW((void)store->begin(TxMode::read)->schools().all()) << "a reader does not";
    first->commit();
    second.join();
    EXPECT_TRUE(second_began);
}

// ---- Few round trips: BEGIN with the first statement, a read's end not waited for -------------------

TEST_F(PgStore, AReadUnitIsOneSnapshotFromItsFirstStatement) {
    auto store = migrated();
    auto reader = store->begin(TxMode::read);
    EXPECT_TRUE(reader->schools().all().empty());
    {
        auto writer = store->begin(TxMode::write);
        writer->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
        writer->commit();
    }
    EXPECT_TRUE(reader->schools().all().empty()) << "still the snapshot of its first statement";
    EXPECT_FALSE(reader->schools().find(SchoolCode{"S1"}).has_value());
    reader.reset();
    EXPECT_EQ(store->begin(TxMode::read)->schools().all().size(), 1u);
}

TEST_F(PgStore, OneConnectionServesUnitAfterUnit) {
    auto store = migrated(1);
    std::size_t saved = 0;
    for (int i = 0; i < 30; ++i) {
        {
            auto w = store->begin(TxMode::write);
            EXPECT_TRUE(w->schools().add({SchoolCode{"S" + std::to_string(i)}, "Skola", SchoolForm::komvux}, kT));
            if (i % 3 != 0) {
                w->commit();
                ++saved;
            }
        }
        auto r = store->begin(TxMode::read);
        EXPECT_EQ(r->schools().all().size(), saved) << "unit " << i;
        if (i % 2 != 0) r->commit();
    }
    EXPECT_EQ(direct().value("SELECT count(*) FROM schools"), std::to_string(saved));
}

TEST_F(PgStore, AFailedFirstStatementFailsItsUnitOnly) {
    auto store = migrated(1);
    {
        auto tx = store->begin(TxMode::write);
        EXPECT_THROW((void)tx->grants().add({PersonId{999}, SchoolCode{"NOPE"}, Role::studietider}, kT, "t"),
                     std::runtime_error);
        EXPECT_THROW((void)tx->schools().all(), std::runtime_error) << "the transaction is aborted";
        EXPECT_THROW(tx->commit(), std::runtime_error);
    }
    {
        auto tx = store->begin(TxMode::read);
        try {
            (void)tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
            ADD_FAILURE() << "a read transaction wrote";
        } catch (const ports::Unavailable& e) {
            ADD_FAILURE() << e.what();
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
        }
        EXPECT_THROW(tx->commit(), std::runtime_error) << "a failed read is not a success either";
    }
    {
        auto tx = store->begin(TxMode::write);
        EXPECT_THROW((void)tx->schools().find(SchoolCode{std::string("S\0x", 3)}), std::runtime_error)
            << "a NUL byte is refused before anything is sent";
        EXPECT_TRUE(tx->schools().add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux}, kT));
        tx->commit();
    }
    auto tx = store->begin(TxMode::read);
    const auto all = tx->schools().all();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].code.value(), "S2");
}

TEST_F(PgStore, AnEndedUnitHoldsNoTransactionOpen) {
    auto store = migrated(1);
    {
        auto tx = store->begin(TxMode::read);
        (void)tx->schools().all();
    }
    auto db = direct();
    auto state = [&] {
        std::string s;
        for (int i = 0; i < 100; ++i) {
            s = db.value(
                "SELECT string_agg(state, ',') FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = 'mina'");
            if (s == "idle") break;
            std::this_thread::sleep_for(20ms);
        }
        return s;
    };
    EXPECT_EQ(state(), "idle") << "the end was sent at once, not kept for the connection's next use";
    {
        auto tx = store->begin(TxMode::read);
        (void)tx->schools().all();
        tx->commit();
    }
    EXPECT_EQ(state(), "idle");
    {
        auto tx = store->begin(TxMode::write);
        (void)tx->schools().all();  // holds the writers' lock until the rollback
    }
    EXPECT_EQ(state(), "idle");
    EXPECT_EQ(db.value("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                       "WHERE l.locktype = 'advisory' AND d.datname = current_database()"),
              "0");

    // The connection dies while the answer to its last end is unread: the next Unit takes a new one.
    terminate_store_connections();
    EXPECT_TRUE(store->begin(TxMode::read)->schools().all().empty());
}

OutboxMail mail_to(PersonId id, MailKind kind, Timestamp due) {
    OutboxMail m;
    m.kind = kind;
    m.person = id;
    m.recipient = "k@example.se";
    m.lang = "sv";
    m.params = "14";
    m.not_before = due;
    m.created_at = kT;
    return m;
}

/// Audit filters, field by field (designated initializers would leave fields GCC asks for).
AuditFilter by(std::string person, std::string school, std::string kind) {
    AuditFilter f;
    f.person = std::move(person);
    f.school = std::move(school);
    f.kind = std::move(kind);
    return f;
}
AuditFilter between(std::optional<Timestamp> from, std::optional<Timestamp> to) {
    AuditFilter f;
    f.from = from;
    f.to = to;
    return f;
}
AuditFilter page(AuditFilter f, std::int64_t before_id, int limit) {
    f.before_id = before_id;
    f.limit = limit;
    return f;
}

// ---- The same answers as SQLite ------------------------------------------------------------------------

/// Data whose order and case tell the backends apart if they differ: names equal but for case,
/// non-ASCII letters, LIKE's wildcards, ties on every sort key but the last.
void fill(ports::Store& store) {
    auto tx = store.begin(TxMode::write);
    auto& s = tx->schools();
    s.add({SchoolCode{"S2"}, "beta", SchoolForm::komvux, "Box 2", "Kim", "08-2"}, kT);
    s.add({SchoolCode{"S1"}, "Beta", SchoolForm::hogskola}, kT);
    s.add({SchoolCode{"S3"}, "Älvskolan", SchoolForm::gymnasieskola}, kT);
    s.add({SchoolCode{"S4"}, "alfa", SchoolForm::folkhogskola}, kT);
    s.add({SchoolCode{"S0"}, "Beta", SchoolForm::komvux}, kT);
    auto& a = tx->accounts();
    const std::vector<Person> people{
        person("ab1001", "Åsa", "Öberg", "Asa.Oberg@Example.se"), person("ab1002", "åsa", "öberg", "asa2@example.se"),
        person("ab1003", "Per", "Berg", "per%x@example.se"),      person("ab1004", "Per", "berg", "per_y@example.se"),
        person("ab1005", "Anna", "Berg", "anna\\z@example.se"),   person("ab1006", "Zed", "Berg", "zed@EXAMPLE.se"),
        person("ÅB1007", "Émile", "Ängström", "emile@example.se")};
    std::vector<PersonId> ids;
    for (const auto& p : people) ids.push_back(a.add(p, kT));
    for (const auto& id : ids) a.set_password(id, "h", kT - Seconds{100 * (id.value() % 3)});
    auto& g = tx->grants();
    for (const auto& id : ids) {
        g.add({id, SchoolCode{"S2"}, Role::studietider}, kT, "t");
        g.add({id, SchoolCode{"S1"}, Role::school_admin}, kT, "t");
    }
    g.add({ids[0], std::nullopt, Role::agency_admin}, kT, "t");
    g.add({ids[0], SchoolCode{"S0"}, Role::studeranderapportering}, kT, "t");
    g.add({ids[0], SchoolCode{"S1"}, Role::studietider}, kT, "t");
    for (int i = 0; i < 6; ++i) {
        const auto to = ids[static_cast<std::size_t>(i % 3)];
        tx->outbox().enqueue(
            mail_to(to, i % 2 ? MailKind::otp_first : MailKind::otp_reset, kT + Seconds{10 * (i % 2)}));
    }
    for (std::size_t i = 0; i < ids.size(); ++i)
        tx->sessions().create({"sess" + std::to_string(i), ids[i], "csrf" + std::to_string(i), kT,
                               kT + Seconds{static_cast<std::int64_t>(i)}, i % 2 ? "S1" : "", i == 0});
    tx->letters().queue(ids[1], SchoolCode{"S1"}, GrantedBy::school_admin, kT);
    tx->letters().queue(ids[1], SchoolCode{"S2"}, GrantedBy::school_admin, kT);
    tx->letters().queue(ids[2], SchoolCode{"S1"}, GrantedBy::school_admin, kT);
    for (int i = 0; i < 8; ++i)
        tx->audit().append({kT + Seconds{i % 3}, i % 2 ? "ab1001" : "anonymous", "10.0.0.1",
                            i % 3 ? audit::Kind("login.failed") : audit::Kind("login.success"),
                            i % 4 ? "ab1002" : "ab1001", i % 2 ? "S1" : "", ""});
    tx->commit();
}

std::string show(const Person& p) {
    return std::to_string(p.id.value()) + " " + p.username.value() + " " + p.first_name + " " + p.last_name + " " +
           p.email + " " + p.lang + " " + p.default_school;
}

/// Everything the ports answer about the filled store, one line per answer.
std::vector<std::string> observe(ports::Store& store) {
    std::vector<std::string> out;
    auto tx = store.begin(TxMode::write);
    auto& a = tx->accounts();
    for (const char* text :
         {"åsa", "ÅSA", "asa", "%", "_", "\\", "berg", "BERG", "ab1003", "AB1003", "åb1007", "", "r b", "example"}) {
        std::string line = std::string("search ") + text + ":";
        for (const auto& p : a.search(text, 5)) line += " | " + show(p);
        out.push_back(line);
    }
    for (const char* email : {"ASA.OBERG@EXAMPLE.SE", "zed@example.se", "ASA2@example.SE", "nobody@example.se"}) {
        const auto p = a.find_by_email(email);
        out.push_back(std::string("email ") + email + ": " + (p ? show(*p) : "none"));
    }
    for (const auto& r : a.reminder_candidates(kT, kT - 1000s, 10))
        out.push_back("reminder " + show(r.person) + " " + std::to_string(to_unix(r.password_set_at)));
    for (const auto& s : tx->schools().all())
        out.push_back("school " + s.code.value() + " " + s.name + " " + std::string(to_string(s.form)) + " " +
                      s.postal_address + " " + s.contact_name);
    for (const char* code : {"S1", "S2", "S0"}) {
        for (const auto& p : a.at_school(SchoolCode{code})) {
            std::string line =
                std::string("at ") + code + " " + show(p.person) + " " + p.letter_status + " " + p.otp_mail;
            for (Role r : p.roles) line += " " + std::string(to_string(r));
            out.push_back(line);
        }
    }
    for (std::int64_t id = 1; id <= 7; ++id) {
        std::string line = "grants " + std::to_string(id) + ":";
        for (const auto& g : tx->grants().of(PersonId{id}))
            line += " " + (g.school ? g.school->value() : "-") + "/" + std::string(to_string(g.role));
        const auto access = tx->grants().access(PersonId{id});
        line += access.agency_admin ? " agency" : "";
        for (const auto& s : access.schools) line += " " + s.school.code.value() + "#" + std::to_string(s.roles.size());
        out.push_back(line);
    }
    for (std::size_t i = 0; i <= 7; ++i) {  // seven sessions and one unknown
        const auto v = tx->sessions().view("sess" + std::to_string(i));
        std::string line = "view " + std::to_string(i) + ":";
        if (!v) {
            out.push_back(line + " none");
            continue;
        }
        line += " " + v->session.id_hash + " " + std::to_string(v->session.person.value()) + " " +
                v->session.csrf_token + " " + v->session.school + " " + (v->session.nudge_password ? "nudge" : "-") +
                " " + std::to_string(to_unix(v->session.created_at)) + " " +
                std::to_string(to_unix(v->session.last_seen_at)) + " | " + show(v->person) + " |";
        line += v->access.agency_admin ? " agency" : "";
        for (const auto& at : v->access.schools) {
            line += " " + at.school.code.value() + "/" + at.school.name + "/" + std::string(to_string(at.school.form));
            for (Role r : at.roles) line += "+" + std::string(to_string(r));
        }
        out.push_back(line);
    }
    for (const auto& m : tx->outbox().list(std::nullopt, 10))
        out.push_back("mail " + std::to_string(m.id) + " " + std::string(to_string(m.kind)));
    while (auto m = tx->outbox().claim(kT + 10s, kT + 60s)) out.push_back("claimed " + std::to_string(m->id));
    while (auto l = tx->letters().claim(kT + 10s, kT + 60s)) out.push_back("letter " + std::to_string(l->id));
    for (const AuditFilter& f : {AuditFilter{}, by("ab1001", "", ""), by("", "", "login"), page(by("", "S1", ""), 0, 2),
                                 between(kT + 1s, std::nullopt)}) {
        std::string line = "audit:";
        for (const auto& e : tx->audit().query(f)) line += " " + std::to_string(e.id);
        out.push_back(line);
    }
    for (const auto& k : tx->audit().kinds()) out.push_back("kind " + k);
    for (int i = 0; i < 5; ++i) {
        const auto n = a.reserve_attempt(PersonId{1}, kT + Seconds{i < 4 ? 0 : 1800}, 3, kT + 1800s);
        out.push_back("attempt " + (n ? std::to_string(*n) : "locked"));
    }
    return out;
}

TEST_F(PgStore, AnswersAsSqliteDoes) {
    auto pg = migrated();
    storage::SqliteOptions o;
    o.path = ":memory:";
    auto sqlite = storage::open_sqlite(o);
    sqlite->migrate();
    fill(*sqlite);
    fill(*pg);
    const auto expected = observe(*sqlite);
    const auto actual = observe(*pg);
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(actual[i], expected[i]);
}

// ---- Concurrency ------------------------------------------------------------------------------------------

// ---- Faults ---------------------------------------------------------------------------------------------

/// A port on which nothing listens: the server is stopped.
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

/// Accepts connections (the kernel does) and never answers: a server that hangs.
class SilentServer {
   public:
    SilentServer() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 16);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~SilentServer() { ::close(fd_); }
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;
    [[nodiscard]] int port() const { return port_; }

   private:
    int fd_;
    int port_ = 0;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST_F(PgStore, ABadUrlIsRefusedWithTheReason) {
    try {
        (void)storage::open_postgres({"postgresql://u@h:5432/db?no_such_option=1"});
        ADD_FAILURE() << "accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("no_such_option"), std::string::npos) << e.what();
    }
}

TEST_F(PgStore, AStoppedServerIsUnavailableAtOnce) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string url = "postgresql://postgres@127.0.0.1:" + std::to_string(closed_port()) + "/mina";
    EXPECT_THROW((void)storage::open_postgres({url, 2, 5}), ports::Unavailable);
    EXPECT_LT(seconds_since(t0), 1.0);
}

TEST_F(PgStore, AHangingServerIsUnavailableAfterTheConnectTimeout) {
    SilentServer server;
    const auto t0 = std::chrono::steady_clock::now();
    const std::string url = "postgresql://postgres@127.0.0.1:" + std::to_string(server.port()) + "/mina";
    EXPECT_THROW((void)storage::open_postgres({url, 2, 2}), ports::Unavailable);
    EXPECT_LT(seconds_since(t0), 4.0) << "connect_timeout_s is 2";
}

TEST_F(PgStore, AUnitWhoseConnectionBrokeIsNotReused) {
    auto store = migrated();
    auto tx = store->begin(TxMode::write);
    tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
    terminate_store_connections();
    EXPECT_THROW((void)tx->schools().all(), ports::Unavailable);
    EXPECT_THROW((void)tx->schools().all(), ports::Unavailable) << "the broken connection runs nothing more";
    EXPECT_THROW(tx->commit(), ports::Unavailable);
    tx.reset();
    auto again = store->begin(TxMode::read);
    EXPECT_TRUE(again->schools().all().empty()) << "a new connection; nothing was saved";
}

TEST_F(PgStore, UnavailableWhileTheServerIsAwayAndWellAgainAfter) {
    auto store = migrated(4);
    {
        // Two connections in the pool, so that idle connections die with the server.
        auto one = store->begin(TxMode::write);
        auto two = store->begin(TxMode::read);
        one->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT);
        one->commit();
    }
    Admin(admin_url_).value("ALTER DATABASE " + db_ + " ALLOW_CONNECTIONS false");
    terminate_store_connections();
    const auto t0 = std::chrono::steady_clock::now();
    // A Unit begins with its first statement: that is where an idle connection is found dead.
    EXPECT_THROW((void)store->begin(TxMode::read)->schools().all(), ports::Unavailable);
    EXPECT_THROW((void)store->begin(TxMode::write)->schools().all(), ports::Unavailable);
    EXPECT_FALSE(store->ping());
    EXPECT_LT(seconds_since(t0), 2.0) << "no waiting while the server is away";

    Admin(admin_url_).value("ALTER DATABASE " + db_ + " ALLOW_CONNECTIONS true");
    EXPECT_TRUE(store->ping());
    auto tx = store->begin(TxMode::write);
    EXPECT_EQ(tx->schools().all().size(), 1u);
    tx->commit();
}

TEST_F(PgStore, TheFirstTransactionAfterARestartSucceeds) {
    auto store = migrated(4);
    {
        auto one = store->begin(TxMode::read);
        auto two = store->begin(TxMode::read);
        auto three = store->begin(TxMode::read);
    }
    terminate_store_connections();  // every idle connection in the pool is dead now
    auto tx = store->begin(TxMode::write);
    EXPECT_TRUE(tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::komvux}, kT));
    tx->commit();
}

// ---- Viewers kept between requests (pg_view_cache) --------------------------------------------------

Viewing viewing(const char* id_hash, std::int64_t person_id) {
    Viewing v;
    v.session.id_hash = id_hash;
    v.session.person = PersonId{person_id};
    v.person.id = PersonId{person_id};
    return v;
}

TEST(PgViewCache, KeepsOnlyWhileListening) {
    storage::pg::ViewCache c;
    c.keep("h", viewing("h", 1), c.epoch());
    c.set_listening(true);
    EXPECT_FALSE(c.find("h")) << "kept while not listening: notices may have been missed";
    c.keep("h", viewing("h", 1), c.epoch());
    EXPECT_TRUE(c.find("h"));
    c.set_listening(false);
    EXPECT_FALSE(c.find("h"));
    c.set_listening(true);
    EXPECT_FALSE(c.find("h")) << "listening again: everything from before is forgotten";
}

TEST(PgViewCache, ForgetsWhatANoticeNames) {
    storage::pg::ViewCache c;
    c.set_listening(true);
    for (const auto& [hash, person] : {std::pair{"a1", 1}, {"a2", 1}, {"b1", 2}, {"c1", 3}})
        c.keep(hash, viewing(hash, person), c.epoch());
    c.forget("s:b1");
    EXPECT_FALSE(c.find("b1"));
    EXPECT_TRUE(c.find("a1"));
    c.forget("p:1");
    EXPECT_FALSE(c.find("a1"));
    EXPECT_FALSE(c.find("a2"));
    EXPECT_TRUE(c.find("c1"));
    c.forget("p:1x");  // not a notice we know: forget too much rather than too little
    EXPECT_FALSE(c.find("c1"));
    c.keep("c1", viewing("c1", 3), c.epoch());
    c.forget("*");
    EXPECT_EQ(c.size(), 0u);
}

TEST(PgViewCache, AReadThatANoticeOvertookIsNotKept) {
    storage::pg::ViewCache c;
    c.set_listening(true);
    const auto before_read = c.epoch();
    c.forget("p:42");  // about someone else, perhaps, but it came while the read was on its way
    c.keep("h", viewing("h", 7), before_read);
    EXPECT_FALSE(c.find("h"));
    c.keep("h", viewing("h", 7), c.epoch());
    EXPECT_TRUE(c.find("h"));
}

TEST(PgViewCache, FollowsTheIdleClockAndHasALimit) {
    storage::pg::ViewCache c(2);
    c.set_listening(true);
    auto v = viewing("a", 1);
    v.session.last_seen_at = kT;
    c.keep("a", v, c.epoch());
    c.touched("a", kT + 60s);
    EXPECT_EQ(c.find("a")->session.last_seen_at, kT + 60s);
    c.touched("a", kT + 30s);
    EXPECT_EQ(c.find("a")->session.last_seen_at, kT + 60s) << "never back";
    c.keep("b", viewing("b", 2), c.epoch());
    c.keep("c", viewing("c", 3), c.epoch());
    EXPECT_FALSE(c.find("c")) << "full: read again next time";
    c.drop("a");
    c.keep("c", viewing("c", 3), c.epoch());
    EXPECT_TRUE(c.find("c"));
}

/// The fence's promise: a change committed before the fence (by anyone: here a connection of the
/// test's own, as another server or `mina admin` would) is known once it passes.
TEST_F(PgStore, KeptViewersAreForgottenWhenAnyoneChangesThem) {
    auto store = keeping_viewers();
    {
        auto tx = store->begin(TxMode::write);
        tx->schools().add({SchoolCode{"S1"}, "Alfa", SchoolForm::hogskola}, kT);
        tx->schools().add({SchoolCode{"S2"}, "Beta", SchoolForm::komvux}, kT);
        const auto karin = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
        tx->grants().add({karin, SchoolCode{"S1"}, Role::studietider}, kT, "t");
        tx->grants().add({karin, SchoolCode{"S2"}, Role::studietider}, kT, "t");
        tx->sessions().create({"hk", karin, "csrf-k", kT, kT, "S1", false});
        tx->commit();
    }
    auto view = [&] { return fenced_view(*store, "hk"); };
    ASSERT_TRUE(view());
    auto d = direct();
    d.value("UPDATE sessions SET last_seen_at = last_seen_at + 60");
    const auto hits = store->kept_viewers()->hits;
    EXPECT_EQ(view()->session.last_seen_at, kT) << "kept: the idle clock alone sends no notice";
    EXPECT_EQ(store->kept_viewers()->hits, hits + 1);

    d.value("UPDATE persons SET first_name = 'Kajsa'");
    EXPECT_EQ(view()->person.first_name, "Kajsa");
    d.value("DELETE FROM grants WHERE school_code = 'S2'");
    EXPECT_EQ(view()->access.schools.size(), 1u);
    d.value(
        "INSERT INTO grants (person_id, school_code, role, granted_by, created_at) "
        "SELECT id, 'S2', 'studeranderapportering', 't', 0 FROM persons");
    EXPECT_EQ(view()->access.schools.size(), 2u);
    d.value("UPDATE schools SET name = 'Alfa nya' WHERE code = 'S1'");
    EXPECT_EQ(view()->access.schools[0].school.name, "Alfa nya");
    d.value("UPDATE sessions SET school_code = 'S2'");
    EXPECT_EQ(view()->session.school, "S2");
    d.value("DELETE FROM sessions");
    EXPECT_FALSE(view()) << "Logga ut on another server";
}

TEST_F(PgStore, KeptViewersAreForgottenWhileTheListenerIsAwayAndKeptAgainAfter) {
    auto store = keeping_viewers();
    {
        auto tx = store->begin(TxMode::write);
        const auto karin = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
        tx->sessions().create({"hk", karin, "csrf-k", kT, kT, "", false});
        tx->commit();
    }
    auto view = [&] { return fenced_view(*store, "hk"); };
    ASSERT_TRUE(view());
    terminate_store_connections();  // the listener's connection too: its notices are lost
    direct().value("UPDATE persons SET first_name = 'Kajsa'");
    EXPECT_EQ(view()->person.first_name, "Kajsa");
    wait_listening(*store);
    ASSERT_TRUE(view());
    const auto hits = store->kept_viewers()->hits;
    EXPECT_EQ(view()->person.first_name, "Kajsa");
    EXPECT_EQ(store->kept_viewers()->hits, hits + 1) << "kept again once it listens";
}

/// Digests that are the token itself: enough for portal::Service here.
class PlainTokens final : public ports::Tokens {
   public:
    std::string token() override { return "t"; }
    std::string digest(std::string_view t) override { return std::string(t); }
    std::string sha256(std::string_view b) override { return std::string(b); }
    bool equal(std::string_view a, std::string_view b) override { return a == b; }
    std::uint32_t uniform(std::uint32_t) override { return 0; }
};

TEST_F(PgStore, AKeptViewerThatLooksIdleIsJudgedOnTheDatabasesRow) {
    auto store = keeping_viewers();
    PlainTokens tokens;
    PolicyConfig policy;
    portal::Service portal(*store, tokens, policy);
    {
        auto tx = store->begin(TxMode::write);
        const auto karin = tx->accounts().add(person("ab1001", "Karin", "Lindh", "k@example.se"), kT);
        tx->sessions().create({"hk", karin, "csrf-k", kT, kT, "", false});
        tx->commit();
    }
    fence(*store);
    ASSERT_TRUE(portal.resume("hk", kT + 1s));  // kept here, with the idle clock at kT
    // Another server has been serving the session: its idle clock moved on without a notice.
    direct().value("UPDATE sessions SET last_seen_at = " + std::to_string(to_unix(kT + policy.session_idle - 10s)));
    fence(*store);
    const auto later = kT + policy.session_idle + 5s;  // idle by the kept copy, not by the row
    const auto v = portal.resume("hk", later);
    ASSERT_TRUE(v) << "a session in use elsewhere is not ended";
    EXPECT_EQ(v->session.last_seen_at, kT + policy.session_idle - 10s) << "the row's idle clock";
    EXPECT_TRUE(store->begin(TxMode::read)->sessions().find("hk"));
    EXPECT_FALSE(portal.resume("hk", later + policy.session_idle + 1s)) << "and ends when idle by the row too";
    EXPECT_FALSE(store->begin(TxMode::read)->sessions().find("hk"));
}

}  // namespace
}  // namespace mina
