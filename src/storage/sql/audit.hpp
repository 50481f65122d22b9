// The statements of the audit trail that both stores run as they are written here: SQLite with its
// ?N placeholders, PostgreSQL with each ?N read as $N (sql/dollars.hpp, at compile time). What one
// store says otherwise stays in its own audit.cpp.
#pragma once

namespace mina::storage::sql {

// One statement for every filter: an empty parameter matches everything. Newest first, by id.
inline constexpr char kQueryAudit[] =
    "SELECT id, at, actor, address, kind, subject, school_code, detail FROM audit_log "
    "WHERE (?1 = '' OR subject = ?1 OR actor = ?1) AND (?2 = '' OR school_code = ?2) "
    "AND (?3 = '' OR kind = ?3 OR substr(kind, 1, length(?3) + 1) = ?3 || '.') "
    "AND at >= ?4 AND at < ?5 AND id < ?6 ORDER BY id DESC LIMIT ?7";

inline constexpr char kAuditKinds[] = "SELECT DISTINCT kind FROM audit_log ORDER BY kind";

inline constexpr char kAppendAudit[] =
    "INSERT INTO audit_log (at, actor, address, kind, subject, school_code, detail) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

}  // namespace mina::storage::sql
