// The statements of Studeranderapportering that both stores run as they are written here: SQLite
// with its ?N placeholders, PostgreSQL with each ?N read as $N (sql/dollars.hpp, at compile time).
// What one store says otherwise stays in its own reports.cpp.
#pragma once

namespace mina::storage::sql {

// Studeranderapportering (issue [6]): students, enrollments, report events, submissions, API keys.
// A student is the person (students) with the reading school's own name for them (school_students):
// no statement reads a name of another school's. ?1 is the school ('' for none: no name).
inline constexpr char kStudentByHash[] =
    "SELECT s.id, s.lookup_hash, s.sealed, coalesce(w.name, ''), s.protected_identity, s.created_at FROM students s "
    "LEFT JOIN school_students w ON w.school_code = ?1 AND w.student_id = s.id WHERE s.lookup_hash = ?2";

inline constexpr char kSetStudentName[] =
    "INSERT INTO school_students (school_code, student_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) "
    "ON CONFLICT (school_code, student_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at";

inline constexpr char kSetProtected[] = "UPDATE students SET protected_identity = ?2 WHERE id = ?1";

inline constexpr char kSetEnrollmentState[] = "UPDATE enrollments SET state = ?2 WHERE id = ?1";

inline constexpr char kAddSubmissionError[] =
    "INSERT INTO report_submission_errors (submission_id, line, field, message) VALUES (?1, ?2, ?3, ?4)";

inline constexpr char kFinishSubmission[] = "UPDATE report_submissions SET state = ?2, saved = ?3 WHERE id = ?1";

inline constexpr char kSubmissionErrors[] =
    "SELECT line, field, message FROM report_submission_errors WHERE submission_id = ?1 ORDER BY line, id";

inline constexpr char kRevokeKey[] =
    "UPDATE api_keys SET revoked_at = ?3 WHERE school_code = ?1 AND id = ?2 AND revoked_at IS NULL";

inline constexpr char kKeyUsed[] = "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1";

inline constexpr char kVaultCheck[] = "SELECT value FROM identity_key_check WHERE id = 1";

inline constexpr char kSetVaultCheck[] =
    "INSERT INTO identity_key_check (id, value) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING";

}  // namespace mina::storage::sql
