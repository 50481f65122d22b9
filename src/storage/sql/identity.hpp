// The statements of accounts, schools and grants that both stores run as they are written here:
// SQLite with its ?N placeholders, PostgreSQL with each ?N read as $N (sql/dollars.hpp, at compile
// time). What one store says otherwise stays in its own identity.cpp.
#pragma once

namespace mina::storage::sql {

inline constexpr char kFindSchool[] =
    "SELECT code, name, form, postal_address, contact_name, contact_phone FROM schools WHERE code = ?1";

inline constexpr char kFindPersonByUsername[] =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons WHERE username = ?1";

inline constexpr char kFindPersonById[] =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons WHERE id = ?1";

inline constexpr char kCredential[] = "SELECT password_hash, password_set_at FROM persons WHERE id = ?1";

inline constexpr char kUsernameTaken[] = "SELECT 1 FROM persons WHERE username = ?1";

inline constexpr char kRecordSuccess[] =
    "UPDATE persons SET failed_count = 0, locked_until = NULL, last_login_at = ?2 WHERE id = ?1";

inline constexpr char kReleaseAttempt[] =
    "UPDATE persons SET failed_count = failed_count - 1, locked_until = NULL WHERE id = ?1 AND failed_count > 0";

inline constexpr char kLock[] = "UPDATE persons SET locked_until = ?2 WHERE id = ?1";

inline constexpr char kUnlock[] =
    "UPDATE persons SET failed_count = 0, locked_until = NULL WHERE id = ?1 "
    "AND (failed_count > 0 OR locked_until IS NOT NULL)";

inline constexpr char kLockedUntil[] = "SELECT locked_until, failed_count FROM persons WHERE id = ?1";

inline constexpr char kSetPassword[] =
    "UPDATE persons SET password_hash = ?2, password_set_at = ?3, failed_count = 0, locked_until = NULL, "
    "reminded_days = 0 WHERE id = ?1";

inline constexpr char kSetReminded[] = "UPDATE persons SET reminded_days = ?2 WHERE id = ?1";

inline constexpr char kSetPreferences[] = "UPDATE persons SET lang = ?2, default_school = ?3 WHERE id = ?1";

inline constexpr char kAllSchools[] =
    "SELECT code, name, form, postal_address, contact_name, contact_phone FROM schools ORDER BY name, code";

inline constexpr char kCountSchools[] = "SELECT count(*) FROM schools";

inline constexpr char kCountLocked[] = "SELECT count(*) FROM persons WHERE locked_until > ?1";

inline constexpr char kLockedPersons[] =
    "SELECT id, username, first_name, last_name, email, lang, default_school, locked_until FROM persons "
    "WHERE locked_until > ?1 ORDER BY locked_until DESC, id LIMIT ?2";

inline constexpr char kAddSchool[] =
    "INSERT INTO schools (code, name, form, created_at, postal_address, contact_name, contact_phone) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING";

inline constexpr char kUpdateSchool[] =
    "UPDATE schools SET name = ?2, form = ?3, postal_address = ?4, contact_name = ?5, contact_phone = ?6 "
    "WHERE code = ?1";

inline constexpr char kSetPostalAddress[] = "UPDATE schools SET postal_address = ?2 WHERE code = ?1";

inline constexpr char kRemoveGrant[] = "DELETE FROM grants WHERE person_id = ?1 AND school_code = ?2 AND role = ?3";

inline constexpr char kAddGrant[] =
    "INSERT INTO grants (person_id, school_code, role, granted_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT DO NOTHING";

// Agency-wide grants have no school (NULL code). A person has a handful of grants: they are
// ordered in C++, which spares SQLite a sorter on every page.
inline constexpr char kAccessOf[] =
    "SELECT s.code, s.name, s.form, g.role FROM grants g LEFT JOIN schools s ON s.code = g.school_code "
    "WHERE g.person_id = ?1";

}  // namespace mina::storage::sql
