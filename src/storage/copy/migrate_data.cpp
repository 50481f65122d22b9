#include "storage/copy/migrate_data.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

#include "storage/postgres/pg_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace mina::storage {

namespace {

// Parents before children, so that every foreign key finds its row. A table that is not here is
// refused: a new migration must say where its table goes.
constexpr std::array kTables{"schools",
                             "persons",
                             "grants",
                             "sessions",
                             "client_failures",
                             "audit_log",
                             "otps",
                             "kiosk_flows",
                             "password_history",
                             "outbox",
                             "letters",
                             "educations",
                             "study_periods",
                             "study_period_versions",
                             "school_contacts",
                             "search_changes",
                             "students",
                             "school_students",
                             "enrollments",
                             "report_submissions",
                             "report_submission_errors",
                             "report_events",
                             "api_keys",
                             "identity_key_check",
                             "oidc_clients",
                             "oidc_keys",
                             "oidc_pending",
                             "oidc_used_codes",
                             "oidc_subjects",
                             "oidc_assertions",
                             "totp_factors",
                             "recovery_codes",
                             "passkeys",
                             "login_steps",
                             "webauthn_challenges"};

struct SqliteCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtCloser {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
struct PgCloser {
    void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultCloser {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Source = std::unique_ptr<sqlite3, SqliteCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtCloser>;
using Target = std::unique_ptr<PGconn, PgCloser>;
using Result = std::unique_ptr<PGresult, ResultCloser>;

Stmt prepare(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
    return Stmt(s);
}

/// Runs a statement without parameters on the target; the result must be `expected`.
Result run(PGconn* c, const std::string& sql, ExecStatusType expected = PGRES_COMMAND_OK) {
    Result r(PQexec(c, sql.c_str()));
    if (!r || PQresultStatus(r.get()) != expected)
        throw std::runtime_error("postgresql: " + sql.substr(0, 60) + ": " + PQerrorMessage(c));
    return r;
}

/// A table name from our own list, quoted as an identifier all the same.
std::string ident(const std::string& name) { return "\"" + name + "\""; }

std::int64_t count_target(PGconn* c, const std::string& table) {
    auto r = run(c, "SELECT count(*) FROM " + ident(table), PGRES_TUPLES_OK);
    return std::stoll(PQgetvalue(r.get(), 0, 0));
}

std::vector<std::string> source_tables(sqlite3* db) {
    auto s = prepare(db,
                     "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                     "AND name <> 'schema_migrations'");
    std::vector<std::string> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW)
        out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)));
    for (const auto& t : out)
        if (std::find(kTables.begin(), kTables.end(), t) == kTables.end())
            throw std::runtime_error("the source has a table this version cannot move: " + t);
    return out;
}

std::vector<std::string> columns_of(sqlite3* db, const std::string& table) {
    auto s = prepare(db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid");
    sqlite3_bind_text(s.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<std::string> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW)
        out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)));
    return out;
}

/// One value in COPY's text format.
void append_value(std::string& out, sqlite3_stmt* s, int col, const std::string& table) {
    switch (sqlite3_column_type(s, col)) {
        case SQLITE_NULL: out += "\\N"; return;
        case SQLITE_INTEGER: out += std::to_string(sqlite3_column_int64(s, col)); return;
        case SQLITE_TEXT: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
            const int n = sqlite3_column_bytes(s, col);
            for (int i = 0; i < n; ++i) {
                switch (p[i]) {
                    case '\\': out += "\\\\"; break;
                    case '\t': out += "\\t"; break;
                    case '\n': out += "\\n"; break;
                    case '\r': out += "\\r"; break;
                    default: out += p[i];
                }
            }
            return;
        }
        default: throw std::runtime_error("table " + table + " holds a value of a type this version cannot move");
    }
}

/// Whether `table` was made WITHOUT ROWID (SQLite's table_list pragma, 3.37 and later).
bool without_rowid(sqlite3* src, const std::string& table) {
    auto s = prepare(src, "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?1");
    sqlite3_bind_text(s.get(), 1, table.c_str(), static_cast<int>(table.size()), SQLITE_TRANSIENT);
    return sqlite3_step(s.get()) == SQLITE_ROW && sqlite3_column_int(s.get(), 0) == 1;
}

std::int64_t copy_table(sqlite3* src, PGconn* dst, const std::string& table) {
    const auto cols = columns_of(src, table);
    std::string list;
    for (const auto& c : cols) list += (list.empty() ? "" : ", ") + ident(c);
    run(dst, "COPY " + ident(table) + " (" + list + ") FROM STDIN", PGRES_COPY_IN);
    // In the order the rows were added; a table WITHOUT ROWID (oidc_used_codes) has no such order
    // and goes in its key's.
    auto s = prepare(src, "SELECT " + list + " FROM " + ident(table) +
                              (without_rowid(src, table) ? " ORDER BY 1" : " ORDER BY rowid"));
    std::string buffer;
    std::int64_t rows = 0;
    int rc = 0;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
        for (int i = 0; i < static_cast<int>(cols.size()); ++i) {
            if (i > 0) buffer += '\t';
            append_value(buffer, s.get(), i, table);
        }
        buffer += '\n';
        ++rows;
        if (buffer.size() > (1 << 20)) {
            if (PQputCopyData(dst, buffer.data(), static_cast<int>(buffer.size())) != 1)
                throw std::runtime_error(std::string("postgresql: ") + PQerrorMessage(dst));
            buffer.clear();
        }
    }
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(src));
    if (!buffer.empty() && PQputCopyData(dst, buffer.data(), static_cast<int>(buffer.size())) != 1)
        throw std::runtime_error(std::string("postgresql: ") + PQerrorMessage(dst));
    if (PQputCopyEnd(dst, nullptr) != 1) throw std::runtime_error(std::string("postgresql: ") + PQerrorMessage(dst));
    Result r(PQgetResult(dst));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
        throw std::runtime_error("postgresql: copying " + table + ": " + PQerrorMessage(dst));
    while (PGresult* more = PQgetResult(dst)) PQclear(more);
    return rows;
}

/// Identity columns continue after the largest copied id.
void advance_identities(PGconn* dst) {
    auto r = run(dst,
                 "SELECT table_name, column_name FROM information_schema.columns "
                 "WHERE table_schema = current_schema() AND is_identity = 'YES'",
                 PGRES_TUPLES_OK);
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        const std::string table = PQgetvalue(r.get(), i, 0);
        const std::string column = PQgetvalue(r.get(), i, 1);
        run(dst,
            "SELECT setval(pg_get_serial_sequence('" + table + "', '" + column + "'), coalesce(max(" + ident(column) +
                "), 1), max(" + ident(column) + ") IS NOT NULL) FROM " + ident(table),
            PGRES_TUPLES_OK);
    }
}

}  // namespace

std::vector<CopiedTable> copy_sqlite_to_postgres(const std::string& sqlite_path, const std::string& pg_url) {
    // The target's schema first, at the source's version.
    int source_version = 0;
    {
        SqliteOptions o;
        o.path = sqlite_path;
        o.pool_size = 1;
        source_version = open_sqlite(o)->schema_version();
    }
    {
        PostgresOptions o;
        o.url = pg_url;
        o.pool_size = 1;
        auto target = open_postgres(o);
        target->migrate();
        if (target->schema_version() != source_version)
            throw std::runtime_error("the source is at schema version " + std::to_string(source_version) +
                                     " and the target at " + std::to_string(target->schema_version()) +
                                     "; run `mina migrate` on the source first");
    }

    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(sqlite_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        Source closer(raw);
        throw std::runtime_error("cannot open " + sqlite_path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
    }
    Source src(raw);
    sqlite3_busy_timeout(src.get(), 5000);
    Target dst(PQconnectdb(pg_url.c_str()));
    if (PQstatus(dst.get()) != CONNECTION_OK)
        throw std::runtime_error(std::string("postgresql: ") + PQerrorMessage(dst.get()));

    // One snapshot of the source, one transaction in the target.
    if (sqlite3_exec(src.get(), "BEGIN; SELECT count(*) FROM schools;", nullptr, nullptr, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(src.get()));
    run(dst.get(), "BEGIN ISOLATION LEVEL SERIALIZABLE");
    const auto present = source_tables(src.get());
    std::vector<CopiedTable> out;
    for (const char* name : kTables) {
        const std::string table = name;
        if (std::find(present.begin(), present.end(), table) == present.end()) continue;
        if (const auto n = count_target(dst.get(), table); n > 0)
            throw std::runtime_error("the target is not empty: " + table + " has " + std::to_string(n) + " rows");
        // The rows as they are: the target's own triggers (search_changes, migration 0006) would
        // add rows of their own. Foreign keys are system triggers and stay on.
        run(dst.get(), "ALTER TABLE " + ident(table) + " DISABLE TRIGGER USER");
        out.push_back({table, copy_table(src.get(), dst.get(), table)});
        run(dst.get(), "ALTER TABLE " + ident(table) + " ENABLE TRIGGER USER");
    }
    advance_identities(dst.get());
    for (const auto& t : out) {
        if (const auto n = count_target(dst.get(), t.table); n != t.rows)
            throw std::runtime_error("table " + t.table + ": copied " + std::to_string(t.rows) +
                                     " rows but the target has " + std::to_string(n));
    }
    run(dst.get(), "COMMIT");
    sqlite3_exec(src.get(), "COMMIT", nullptr, nullptr, nullptr);
    return out;
}

}  // namespace mina::storage
