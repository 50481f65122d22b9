// What the SQLite store's files share (src/storage/sqlite/*.cpp, one per area as in
// src/storage/postgres/): a connection with its prepared statements, one execution of a statement,
// the readers of common rows, and the repositories of each area, made by the Unit on first use.
// Internal to mina_storage_sqlite.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/common/ports.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/sqlite/sqlite_viewers.hpp"

namespace mina::storage::sqlite {

// ---- A connection with its prepared statements -----------------------------------------------

[[noreturn]] inline void fail(sqlite3* db, std::string_view what) {
    throw std::runtime_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

class Connection {
   public:
    /// `sync_in_commit`: SQLite fsyncs inside COMMIT (synchronous = FULL, when the options ask for
    /// durable commits); false when the pool's WalSync makes commits durable after COMMIT instead.
    Connection(const SqliteOptions& o, bool sync_in_commit) {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
        if (sqlite3_open_v2(o.path.c_str(), &db_, flags, nullptr) != SQLITE_OK) fail(db_, "open " + o.path);
        sqlite3_busy_timeout(db_, o.busy_timeout_ms);
        exec("PRAGMA journal_mode = WAL");
        exec(o.synchronous_full && sync_in_commit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
        exec("PRAGMA foreign_keys = ON");
        // 32 MiB of pages per connection (SQLite's default is 2 MiB): an upload's lookups and
        // inserts into the students' hash index stay in memory instead of reading the file.
        exec("PRAGMA cache_size = -32768");
    }
    ~Connection() {
        for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
        sqlite3_close_v2(db_);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void exec(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "unknown error";
            sqlite3_free(err);
            throw std::runtime_error(std::string("sqlite: ") + msg);
        }
    }
    sqlite3_stmt* prepare(const char* sql) {
        auto it = cache_.find(sql);
        if (it != cache_.end()) return it->second;
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
            failed_ = true;
            fail(db_, "prepare");
        }
        cache_.emplace(sql, stmt);
        return stmt;
    }
    [[nodiscard]] sqlite3* raw() const { return db_; }
    /// A statement failed since the last forget_failure(): its transaction must not commit (as on
    /// PostgreSQL, where a failed statement aborts the transaction).
    [[nodiscard]] bool failed() const { return failed_; }
    void statement_failed() { failed_ = true; }
    void forget_failure() { failed_ = false; }
    [[nodiscard]] std::string journal_mode() {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, "PRAGMA journal_mode", -1, &stmt, nullptr) != SQLITE_OK) fail(db_, "prepare");
        std::string mode;
        if (sqlite3_step(stmt) == SQLITE_ROW) mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
        return mode;
    }

   private:
    sqlite3* db_ = nullptr;
    std::unordered_map<const char*, sqlite3_stmt*> cache_;
    bool failed_ = false;
};

/// One execution of a cached statement: binds, steps and resets itself when it goes out of scope.
class Query {
   public:
    Query(Connection& c, const char* sql) : conn_(c), stmt_(c.prepare(sql)) {}
    ~Query() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;

    Query& bind(int i, std::string_view v) {
        check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Query& bind(int i, std::int64_t v) {
        check(sqlite3_bind_int64(stmt_, i, v));
        return *this;
    }
    Query& bind(int i, Timestamp t) { return bind(i, to_unix(t)); }
    Query& bind_null(int i) {
        check(sqlite3_bind_null(stmt_, i));
        return *this;
    }
    /// Returns true while there is a row.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        conn_.statement_failed();
        fail(conn_.raw(), "step");
    }
    void run() {
        while (step()) {
        }
    }
    [[nodiscard]] int changes() const { return sqlite3_changes(conn_.raw()); }
    [[nodiscard]] std::string text(int col) const {
        const auto* p = sqlite3_column_text(stmt_, col);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                 : std::string();
    }
    [[nodiscard]] std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    [[nodiscard]] bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

   private:
    void check(int rc) {
        if (rc != SQLITE_OK) {
            conn_.statement_failed();
            fail(conn_.raw(), "bind");
        }
    }
    Connection& conn_;
    sqlite3_stmt* stmt_;
};

/// A person from 7 columns starting at `col`: id, username, first_name, last_name, email, lang,
/// default_school.
inline Person read_person(const Query& q, int col = 0) {
    Person p;
    p.id = PersonId{q.integer(col)};
    p.username = Username{q.text(col + 1)};
    p.first_name = q.text(col + 2);
    p.last_name = q.text(col + 3);
    p.email = q.text(col + 4);
    p.lang = q.text(col + 5);
    p.default_school = q.text(col + 6);
    return p;
}

/// A session from 8 columns starting at 0: id_hash, person_id, csrf_token, school_code, nudge,
/// created_at, last_seen_at, amr.
inline Session read_session(const Query& q) {
    Session s;
    s.id_hash = q.text(0);
    s.person = PersonId{q.integer(1)};
    s.csrf_token = q.text(2);
    s.school = q.text(3);
    s.nudge_password = q.integer(4) != 0;
    s.created_at = from_unix(q.integer(5));
    s.last_seen_at = from_unix(q.integer(6));
    s.amr = q.text(7);
    return s;
}

inline School read_school(const Query& q, int col) {
    return School{SchoolCode{q.text(col)}, q.text(col + 1),
                  parse_school_form(q.text(col + 2)).value_or(SchoolForm::annan_eftergymnasial)};
}

/// A school with its letter address and contact, from the 6 columns of kFindSchool.
inline School read_full_school(const Query& q) {
    auto school = read_school(q, 0);
    school.postal_address = q.text(3);
    school.contact_name = q.text(4);
    school.contact_phone = q.text(5);
    return school;
}

inline std::string_view otp_kind_name(OtpKind k) { return k == OtpKind::first ? "first" : "reset"; }

inline std::string_view flow_kind_name(FlowKind k) { return k == FlowKind::sign_in ? "sign-in" : "forgot"; }

inline std::string_view flow_stage_name(FlowStage s) {
    switch (s) {
        case FlowStage::start: return "start";
        case FlowStage::otp: return "otp";
        case FlowStage::password: return "password";
        case FlowStage::done: return "done";
    }
    return "start";
}

inline FlowStage parse_flow_stage(std::string_view s) {
    if (s == "otp") return FlowStage::otp;
    if (s == "password") return FlowStage::password;
    if (s == "done") return FlowStage::done;
    return FlowStage::start;
}

/// What Grants::access answers, for Sessions::view too (identity.cpp).
Access read_access(Connection& c, PersonId id);

// ---- The repositories of each area, made on first use (most units use two or three) -----------------

/// A Unit's repository, made when it is first asked for.
template <typename Port>
class OnFirstUse {
   public:
    template <typename Make>
    Port& get(Make make) {
        if (!made_) made_ = make();
        return *made_;
    }

   private:
    std::unique_ptr<Port> made_;
};

std::unique_ptr<ports::Accounts> make_accounts(Connection& c);  // identity.cpp
std::unique_ptr<ports::Schools> make_schools(Connection& c);    // identity.cpp
std::unique_ptr<ports::Grants> make_grants(Connection& c);      // identity.cpp
/// `viewers`: the viewers kept between requests, for a read unit of a server that keeps them; else null.
std::unique_ptr<ports::Sessions> make_sessions(Connection& c, SqliteViewers* viewers);  // sessions.cpp
std::unique_ptr<ports::Throttle> make_throttle(Connection& c);                          // sessions.cpp
std::unique_ptr<ports::Factors> make_factors(Connection& c);                            // factors.cpp
std::unique_ptr<ports::Otps> make_otps(Connection& c);                                  // kiosk.cpp
std::unique_ptr<ports::KioskFlows> make_kiosk_flows(Connection& c);                     // kiosk.cpp
std::unique_ptr<ports::PasswordHistory> make_password_history(Connection& c);           // kiosk.cpp
std::unique_ptr<ports::Outbox> make_outbox(Connection& c);                              // kiosk.cpp
std::unique_ptr<ports::Letters> make_letters(Connection& c);                            // kiosk.cpp
std::unique_ptr<ports::Audit> make_audit(Connection& c);                                // audit.cpp
std::unique_ptr<ports::Studietider> make_studietider(Connection& c);                    // studietider.cpp
std::unique_ptr<ports::Reports> make_reports(Connection& c);                            // reports.cpp
std::unique_ptr<ports::Statistics> make_statistics(Connection& c);                      // statistics.cpp
std::unique_ptr<oidc::Clients> make_oidc_clients(Connection& c);                        // oidc.cpp
std::unique_ptr<oidc::SigningKeys> make_oidc_keys(Connection& c);                       // oidc.cpp
std::unique_ptr<oidc::PendingRequests> make_oidc_pending(Connection& c);                // oidc.cpp
std::unique_ptr<oidc::Codes> make_oidc_codes(Connection& c);                            // oidc.cpp
std::unique_ptr<oidc::Subjects> make_oidc_subjects(Connection& c);                      // oidc.cpp
std::unique_ptr<oidc::Sweep> make_oidc_sweep(Connection& c);                            // oidc.cpp

}  // namespace mina::storage::sqlite
