// The statements of sessions and the client throttle that both stores run as they are written here:
// SQLite with its ?N placeholders, PostgreSQL with each ?N read as $N (sql/dollars.hpp, at compile
// time). What one store says otherwise stays in its own sessions.cpp.
#pragma once

namespace mina::storage::sql {

inline constexpr char kCreateSession[] =
    "INSERT INTO sessions (id_hash, person_id, csrf_token, school_code, nudge, created_at, last_seen_at, amr) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

inline constexpr char kFindSession[] =
    "SELECT id_hash, person_id, csrf_token, school_code, nudge, created_at, last_seen_at, amr FROM sessions "
    "WHERE id_hash = ?1";

inline constexpr char kFindSessionWithPerson[] =
    "SELECT s.id_hash, s.person_id, s.csrf_token, s.school_code, s.nudge, s.created_at, s.last_seen_at, s.amr, "
    "p.id, p.username, p.first_name, p.last_name, p.email, p.lang, p.default_school "
    "FROM sessions s JOIN persons p ON p.id = s.person_id WHERE s.id_hash = ?1";

inline constexpr char kTouchSession[] = "UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1";

inline constexpr char kSetSessionSchool[] = "UPDATE sessions SET school_code = ?2 WHERE id_hash = ?1";

inline constexpr char kRemoveSession[] = "DELETE FROM sessions WHERE id_hash = ?1";

inline constexpr char kRemoveSessionsOf[] = "DELETE FROM sessions WHERE person_id = ?1 AND id_hash <> ?2";

inline constexpr char kRemoveExpiredSessions[] = "DELETE FROM sessions WHERE last_seen_at < ?1 OR created_at < ?2";

inline constexpr char kThrottleGet[] =
    "SELECT failures, last_failure FROM client_failures WHERE address = ?1 AND last_failure >= ?2";

}  // namespace mina::storage::sql
