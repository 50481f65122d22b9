// What the PostgreSQL store's files share (src/storage/postgres/*.cpp, one per area as in
// src/storage/sqlite/): a Unit's Transaction, the readers of common rows, and the repositories of
// each area, made by the Unit on first use. Internal to mina_storage_pg.
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/common/ports.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/pg_view_cache.hpp"

namespace mina::storage::postgres {

using pg::exec;
using pg::Param;
using pg::param;
using pg::Result;
using pg::Row;

// ---- The transaction's own statements ----------------------------------------------------------

// Prepared once per connection like every other statement: no parse per transaction. Writers take
// one advisory lock (the key is "mina" in ASCII), released by COMMIT or ROLLBACK.
inline constexpr const char* kBeginWrite = "BEGIN ISOLATION LEVEL READ COMMITTED";
inline constexpr const char* kTakeWriteLock = "SELECT pg_advisory_xact_lock(1835626081)";
inline constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
inline constexpr const char* kCommit = "COMMIT";
inline constexpr const char* kRollback = "ROLLBACK";

// ---- Reading rows ----------------------------------------------------------------------------------

/// A person from 7 columns starting at `col`: id, username, first_name, last_name, email, lang,
/// default_school.
inline Person read_person(const Row& r, int col = 0) {
    Person p;
    p.id = PersonId{r.integer(col)};
    p.username = Username{r.text(col + 1)};
    p.first_name = r.text(col + 2);
    p.last_name = r.text(col + 3);
    p.email = r.text(col + 4);
    p.lang = r.text(col + 5);
    p.default_school = r.text(col + 6);
    return p;
}

/// A session from 8 columns starting at 0: id_hash, person_id, csrf_token, school_code, nudge,
/// created_at, last_seen_at, amr.
inline Session read_session(const Row& r) {
    Session s;
    s.id_hash = r.text(0);
    s.person = PersonId{r.integer(1)};
    s.csrf_token = r.text(2);
    s.school = r.text(3);
    s.nudge_password = r.integer(4) != 0;
    s.created_at = r.time(5);
    s.last_seen_at = r.time(6);
    s.amr = r.text(7);
    return s;
}

inline School read_school(const Row& r, int col) {
    return School{SchoolCode{r.text(col)}, r.text(col + 1),
                  parse_school_form(r.text(col + 2)).value_or(SchoolForm::annan_eftergymnasial)};
}

/// A school with its letter address and contact, from the 6 columns of kFindSchool.
inline School read_full_school(const Row& r) {
    auto school = read_school(r, 0);
    school.postal_address = r.text(3);
    school.contact_name = r.text(4);
    school.contact_phone = r.text(5);
    return school;
}

/// One grant into `out`, from 4 columns starting at `col`: school code, name and form (NULL for an
/// agency-wide grant), role. Unknown roles are left out.
inline void add_grant(Access& out, const Row& r, int col) {
    auto role = parse_role(r.text(col + 3));
    if (!role) return;
    if (r.is_null(col)) {
        if (*role == Role::agency_admin) out.agency_admin = true;
        return;
    }
    auto& schools = out.schools;
    const auto code = r.text(col);
    auto it = std::find_if(schools.begin(), schools.end(),
                           [&](const SchoolAccess& a) { return a.school.code.value() == code; });
    if (it == schools.end()) it = schools.insert(schools.end(), {read_school(r, col), {}});
    it->roles.push_back(*role);
}

/// As the SQLite store orders an Access (in C++, whatever the database's collation): schools by name,
/// then code, byte by byte; each school's roles in Role's order.
inline void order(Access& out) {
    std::sort(out.schools.begin(), out.schools.end(), [](const SchoolAccess& a, const SchoolAccess& b) {
        return std::tie(a.school.name, a.school.code.value()) < std::tie(b.school.name, b.school.code.value());
    });
    for (auto& a : out.schools) std::sort(a.roles.begin(), a.roles.end());
}

template <typename T, typename Read>
inline std::vector<T> read_all(const pg::Result& result, Read read) {
    std::vector<T> out;
    out.reserve(static_cast<std::size_t>(result.rows()));
    for (const Row row : result) out.push_back(read(row));
    return out;
}

template <typename T, typename Read>
inline std::optional<T> read_first(const pg::Result& result, Read read) {
    if (result.empty()) return std::nullopt;
    return read(result.row(0));
}

/// The first column of the first row as a count (count(*), RETURNING), or 0 without a row.
inline int first_int(const pg::Result& result) {
    return result.empty() ? 0 : static_cast<int>(result.row(0).integer(0));
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

// Parameters of Studietider and reports: credits in hundredths, pace as its percent; none is NULL.
inline std::optional<std::int64_t> credits_param(const std::optional<studietider::Credits>& c) {
    return c ? std::optional<std::int64_t>(c->hundredths) : std::nullopt;
}
inline std::optional<std::int64_t> pace_param(const std::optional<studietider::Pace>& p) {
    return p ? std::optional<std::int64_t>(studietider::percent(*p)) : std::nullopt;
}

// ---- A transaction on a leased connection --------------------------------------------------------

// A transaction begins with its first statement, in the same exchange: BEGIN, a writer's lock and the
// statement cost one round trip together. A transaction that ran no statement sends nothing.
inline constexpr std::array<const char*, 1> kBeginReading{kBeginRead};
inline constexpr std::array<const char*, 2> kBeginWriting{kBeginWrite, kTakeWriteLock};
inline constexpr std::array<const char*, 1> kUnsyncedCommit{"SET LOCAL synchronous_commit = off"};

/// One Unit's transaction on a pooled connection; the destructor rolls back unless commit() ran.
/// - A read transaction's end is not waited for: a read-only snapshot has nothing to make durable. It
///   travels ahead of the connection's next exchange (or alone after Pool::kKeepEndAtMost), and its
///   answer is read before anything else there.
/// - A write transaction's COMMIT is awaited: nothing is "saved" before the server said so. Its
///   rollback is sent at once, since it releases the writers' lock, and not waited for.
class Transaction {
   public:
    Transaction(pg::Pool& pool, ports::TxMode mode) : pool_(pool), mode_(mode) { lease_.emplace(pool.acquire()); }
    ~Transaction() {
        if (lease_ && begun_ && !done_) (*lease_)->end_unawaited(kRollback, unawaited_end());
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    /// Runs a statement of the transaction (see pg::Connection::run).
    pg::Result run(const char* sql, std::span<const pg::Param> params) {
        if (!lease_) throw ports::Unavailable("postgresql: no connection for this transaction");
        pg::refuse_nul_bytes(params);  // refused before anything is sent: the transaction goes on
        if (begun_) return noting_failure([&] { return (*lease_)->run(sql, params); });
        const std::span<const char* const> begin =
            mode_ == ports::TxMode::write ? std::span<const char* const>(kBeginWriting) : kBeginReading;
        for (;;) {
            try {
                auto result = (*lease_)->run(sql, params, begin);
                begun_ = true;
                return result;
            } catch (const ports::Unavailable&) {
                // An idle connection may have died since its last use (a server restart). Nothing of this
                // transaction took effect there, so the next idle one is tried, and last a new one: the
                // first request after a restart does not fail for it. A new one that fails: the server
                // itself is away.
                if (lease_->fresh()) throw;
                lease_.reset();
                lease_.emplace(pool_.acquire());
            } catch (const std::runtime_error&) {
                begun_ = true;  // BEGIN ran; the statement failed and aborted the transaction
                failed_ = true;
                throw;
            }
        }
    }

    /// Statements without parameters, after the transaction began (a migration).
    void run_script(const std::string& sql) {
        if (!begun_) throw std::logic_error("postgresql: a script runs inside a begun transaction");
        noting_failure([&] { (*lease_)->run_script(sql); });
    }

    /// PostgreSQL refuses to commit after a failed statement (COMMIT answers ROLLBACK): no success.
    /// `synced` false: synchronous_commit off for this one, so COMMIT does not wait for its WAL to
    /// reach the disk; the WAL flush of any later synchronous commit takes it along.
    void commit(bool synced = true) {
        if (!lease_ || (*lease_)->broken())
            throw ports::Unavailable("postgresql: the connection was lost earlier in this transaction");
        if (!begun_) {
            done_ = true;  // nothing ran, nothing to commit
            return;
        }
        if (failed_) {
            done_ = true;
            (*lease_)->end_unawaited(kRollback, unawaited_end());
            throw std::runtime_error("postgresql: the transaction was rolled back after an earlier error");
        }
        if (mode_ == ports::TxMode::read) {
            done_ = true;
            (*lease_)->end_unawaited(kCommit, unawaited_end());
            return;
        }
        const auto result = synced ? (*lease_)->run(kCommit, {}) : (*lease_)->run(kCommit, {}, kUnsyncedCommit);
        done_ = true;
        if (result.tag() != "COMMIT")
            throw std::runtime_error("postgresql: the transaction was rolled back after an earlier error");
    }

   private:
    [[nodiscard]] pg::Connection::Send unawaited_end() const {
        return mode_ == ports::TxMode::read ? pg::Connection::Send::with_next : pg::Connection::Send::now;
    }
    /// Any error of the server aborts the transaction: remembered, so that commit() can say so.
    template <typename F>
    auto noting_failure(F f) -> decltype(f()) {
        try {
            return f();
        } catch (const ports::Unavailable&) {
            throw;
        } catch (const std::runtime_error&) {
            failed_ = true;
            throw;
        }
    }

    pg::Pool& pool_;
    const ports::TxMode mode_;
    std::optional<pg::Lease> lease_;
    bool begun_ = false;
    bool failed_ = false;
    bool done_ = false;
};

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

std::unique_ptr<ports::Accounts> make_accounts(Transaction& tx);  // identity.cpp
std::unique_ptr<ports::Schools> make_schools(Transaction& tx);    // identity.cpp
std::unique_ptr<ports::Grants> make_grants(Transaction& tx);      // identity.cpp
/// `kept`: the server's viewers, or null when it keeps none.
std::unique_ptr<ports::Sessions> make_sessions(Transaction& tx, pg::ViewCache* kept);  // sessions.cpp
std::unique_ptr<ports::Throttle> make_throttle(Transaction& tx);                       // sessions.cpp
std::unique_ptr<ports::Factors> make_factors(Transaction& tx);                         // factors.cpp
std::unique_ptr<ports::Otps> make_otps(Transaction& tx);                               // kiosk.cpp
std::unique_ptr<ports::KioskFlows> make_kiosk_flows(Transaction& tx);                  // kiosk.cpp
std::unique_ptr<ports::PasswordHistory> make_password_history(Transaction& tx);        // kiosk.cpp
std::unique_ptr<ports::Outbox> make_outbox(Transaction& tx);                           // kiosk.cpp
std::unique_ptr<ports::Letters> make_letters(Transaction& tx);                         // kiosk.cpp
std::unique_ptr<ports::Audit> make_audit(Transaction& tx);                             // audit.cpp
std::unique_ptr<ports::Studietider> make_studietider(Transaction& tx);                 // studietider.cpp
std::unique_ptr<ports::Reports> make_reports(Transaction& tx);                         // reports.cpp
std::unique_ptr<ports::Statistics> make_statistics(Transaction& tx);                   // statistics.cpp
std::unique_ptr<oidc::Clients> make_oidc_clients(Transaction& tx);                     // oidc.cpp
std::unique_ptr<oidc::SigningKeys> make_oidc_keys(Transaction& tx);                    // oidc.cpp
std::unique_ptr<oidc::PendingRequests> make_oidc_pending(Transaction& tx);             // oidc.cpp
std::unique_ptr<oidc::Codes> make_oidc_codes(Transaction& tx);                         // oidc.cpp
std::unique_ptr<oidc::Subjects> make_oidc_subjects(Transaction& tx);                   // oidc.cpp
std::unique_ptr<oidc::Sweep> make_oidc_sweep(Transaction& tx);                         // oidc.cpp

}  // namespace mina::storage::postgres
