// The statements of one-time passwords, kiosk flows, password history, the outbox and letters that
// both stores run as they are written here: SQLite with its ?N placeholders, PostgreSQL with each
// ?N read as $N (sql/dollars.hpp, at compile time). What one store says otherwise stays in its own
// kiosk.cpp.
#pragma once

namespace mina::storage::sql {

inline constexpr char kLetterRendered[] =
    "UPDATE letters SET status = 'rendered', path = ?2, rendered_at = ?3, last_error = '', claimed_until = 0 "
    "WHERE id = ?1 AND status = 'queued'";

inline constexpr char kLetterFailed[] =
    "UPDATE letters SET last_error = ?2, claimed_until = ?3 WHERE id = ?1 AND status = 'queued'";

inline constexpr char kLetterPosted[] =
    "UPDATE letters SET status = 'posted', posted_at = ?2 WHERE id = ?1 AND status = 'rendered'";

inline constexpr char kCountUnpostedLetters[] = "SELECT count(*) FROM letters WHERE status <> 'posted'";

inline constexpr char kCountMailWithStatus[] = "SELECT count(*) FROM outbox WHERE status = ?1";

inline constexpr char kPutOtp[] =
    "INSERT INTO otps (person_id, hash, kind, created_at, expires_at, wrong_count) VALUES (?1, ?2, ?3, ?4, ?5, 0) "
    "ON CONFLICT (person_id) DO UPDATE SET hash = excluded.hash, kind = excluded.kind, "
    "created_at = excluded.created_at, expires_at = excluded.expires_at, wrong_count = 0";

inline constexpr char kFindOtp[] =
    "SELECT person_id, hash, kind, created_at, expires_at, wrong_count FROM otps WHERE person_id = ?1";

inline constexpr char kOtpWrong[] =
    "UPDATE otps SET wrong_count = wrong_count + 1 WHERE person_id = ?1 RETURNING wrong_count";

// Single use (SPEC §4): the row is the password's "not used yet"; deleting the one that was compared,
// with the row count checked, lets exactly one of several concurrent flows have it.
inline constexpr char kConsumeOtp[] = "DELETE FROM otps WHERE person_id = ?1 AND hash = ?2 AND expires_at > ?3";

inline constexpr char kRemoveOtp[] = "DELETE FROM otps WHERE person_id = ?1";

inline constexpr char kCreateFlow[] =
    "INSERT INTO kiosk_flows (id_hash, kind, stage, person_id, csrf_token, captcha_answer, captcha_expires_at, "
    "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

inline constexpr char kFindFlow[] =
    "SELECT id_hash, kind, stage, person_id, csrf_token, captcha_answer, captcha_expires_at, created_at, expires_at "
    "FROM kiosk_flows WHERE id_hash = ?1";

inline constexpr char kUpdateFlow[] =
    "UPDATE kiosk_flows SET kind = ?2, stage = ?3, person_id = ?4, captcha_answer = ?5, captcha_expires_at = ?6, "
    "expires_at = ?7 WHERE id_hash = ?1";

inline constexpr char kRemoveFlow[] = "DELETE FROM kiosk_flows WHERE id_hash = ?1";

inline constexpr char kRemoveExpiredFlows[] = "DELETE FROM kiosk_flows WHERE expires_at <= ?1";

inline constexpr char kAddHistory[] = "INSERT INTO password_history (person_id, hash, set_at) VALUES (?1, ?2, ?3)";

inline constexpr char kLastHistory[] =
    "SELECT hash FROM password_history WHERE person_id = ?1 ORDER BY id DESC LIMIT ?2";

inline constexpr char kMarkSent[] =
    "UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = ?3, claimed_until = 0 WHERE id = ?1";

inline constexpr char kRetryAt[] =
    "UPDATE outbox SET not_before = ?2, last_error = ?3, claimed_until = 0 WHERE id = ?1";

inline constexpr char kMarkFailed[] =
    "UPDATE outbox SET status = 'failed', last_error = ?2, claimed_until = 0 WHERE id = ?1";

inline constexpr char kRetryFailedOne[] =
    "UPDATE outbox SET status = 'pending', not_before = ?2, attempts = 0, claimed_until = 0 "
    "WHERE status = 'failed' AND id = ?1";

inline constexpr char kRetryFailedAll[] =
    "UPDATE outbox SET status = 'pending', not_before = ?1, attempts = 0, claimed_until = 0 WHERE status = 'failed'";

inline constexpr char kCountSince[] =
    "SELECT count(*) FROM outbox WHERE person_id = ?1 AND kind = ?2 AND created_at >= ?3";

inline constexpr char kCountPending[] =
    "SELECT count(*) FROM outbox WHERE person_id = ?1 AND kind = ?2 AND status = 'pending'";

}  // namespace mina::storage::sql
