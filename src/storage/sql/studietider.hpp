// The statements of Studietider och utbildningar that both stores run as they are written here:
// SQLite with its ?N placeholders, PostgreSQL with each ?N read as $N (sql/dollars.hpp, at compile
// time). What one store says otherwise stays in its own studietider.cpp.
#pragma once

namespace mina::storage::sql {

inline constexpr char kEducations[] =
    "SELECT id, school_code, code, name, level, unit, total_credits, distance, contract, withdrawn_at, created_at, "
    "updated_at FROM educations WHERE school_code = ?1 ORDER BY code";

inline constexpr char kEducation[] =
    "SELECT id, school_code, code, name, level, unit, total_credits, distance, contract, withdrawn_at, created_at, "
    "updated_at FROM educations WHERE school_code = ?1 AND code = ?2";

inline constexpr char kUpdateEducation[] =
    "UPDATE educations SET name = ?2, level = ?3, unit = ?4, total_credits = ?5, distance = ?6, contract = ?7, "
    "updated_at = ?8 WHERE id = ?1";

inline constexpr char kWithdrawEducation[] =
    "UPDATE educations SET withdrawn_at = ?2 WHERE id = ?1 AND withdrawn_at IS NULL";

inline constexpr char kPeriods[] =
    "SELECT id, education_id, label, first_day, last_day, credits, pace, breaks, published_version, changed, "
    "withdrawn_at, updated_at, updated_by FROM study_periods WHERE education_id = ?1 ORDER BY first_day, id";

inline constexpr char kPeriod[] =
    "SELECT id, education_id, label, first_day, last_day, credits, pace, breaks, published_version, changed, "
    "withdrawn_at, updated_at, updated_by FROM study_periods WHERE id = ?1";

inline constexpr char kUpdatePeriod[] =
    "UPDATE study_periods SET label = ?2, first_day = ?3, last_day = ?4, credits = ?5, pace = ?6, breaks = ?7, "
    "changed = 1, updated_at = ?8, updated_by = ?9 WHERE id = ?1";

inline constexpr char kAddVersion[] =
    "INSERT INTO study_period_versions (period_id, version, label, first_day, last_day, credits, pace, breaks, weeks, "
    "derived_pace, paid_weeks, published_at, published_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
    "?13)";

inline constexpr char kMarkPublished[] = "UPDATE study_periods SET published_version = ?2, changed = 0 WHERE id = ?1";

inline constexpr char kWithdrawPeriod[] =
    "UPDATE study_periods SET withdrawn_at = ?2 WHERE id = ?1 AND withdrawn_at IS NULL";

// With the name of whoever published it, as the persons table has it (empty when none is known).
inline constexpr char kVersions[] =
    "SELECT v.period_id, v.version, v.label, v.first_day, v.last_day, v.credits, v.pace, v.breaks, v.weeks, "
    "v.derived_pace, v.paid_weeks, v.published_at, v.published_by, coalesce(trim(w.first_name || ' ' || w.last_name), "
    "'') FROM study_period_versions v LEFT JOIN persons w ON w.username = v.published_by WHERE v.period_id = ?1 "
    "ORDER BY v.version DESC";

inline constexpr char kContacts[] =
    "SELECT id, school_code, name, role, email, phone FROM school_contacts WHERE school_code = ?1 ORDER BY name, id";

inline constexpr char kRemoveContact[] = "DELETE FROM school_contacts WHERE school_code = ?1 AND id = ?2";

inline constexpr char kSchoolPeriods[] =
    "SELECT p.id, p.education_id, p.label, p.first_day, p.last_day, p.credits, p.pace, p.breaks, p.published_version, "
    "p.changed, p.withdrawn_at, p.updated_at, p.updated_by FROM study_periods p JOIN educations e ON e.id = "
    "p.education_id "
    "WHERE e.school_code = ?1 ORDER BY p.education_id, p.first_day, p.id";

// Ansök om studiemedel (migration 0006): the change log the triggers write, and what the index in
// memory and the result pages read.
inline constexpr char kSearchChangeBounds[] =
    "SELECT coalesce((SELECT max(seq) FROM search_changes), 0), coalesce((SELECT min(seq) FROM search_changes), 0)";

inline constexpr char kSearchChanged[] = "SELECT DISTINCT education_id FROM search_changes WHERE seq > ?1 LIMIT ?2";

}  // namespace mina::storage::sql
