// The statements of the second factor's records ([12]) that both stores run as they are written
// here: SQLite with its ?N placeholders, PostgreSQL with each ?N read as $N (sql/dollars.hpp).
#pragma once

namespace mina::storage::sql {

inline constexpr char kTotpFind[] =
    "SELECT person_id, sealed_secret, last_step, created_at FROM totp_factors WHERE person_id = ?1";
inline constexpr char kTotpSet[] =
    "INSERT INTO totp_factors (person_id, sealed_secret, last_step, created_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (person_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, last_step = excluded.last_step, "
    "created_at = excluded.created_at";
// A code's step is taken once, and never one at or before a step taken already.
inline constexpr char kTotpUse[] = "UPDATE totp_factors SET last_step = ?2 WHERE person_id = ?1 AND last_step < ?2";
inline constexpr char kTotpRemove[] = "DELETE FROM totp_factors WHERE person_id = ?1";

inline constexpr char kRecoveryClear[] = "DELETE FROM recovery_codes WHERE person_id = ?1";
inline constexpr char kRecoveryAdd[] = "INSERT INTO recovery_codes (person_id, digest, created_at) VALUES (?1, ?2, ?3)";
inline constexpr char kRecoveryUse[] =
    "UPDATE recovery_codes SET used_at = ?3 WHERE person_id = ?1 AND digest = ?2 AND used_at IS NULL";
inline constexpr char kRecoveryLeft[] = "SELECT count(*) FROM recovery_codes WHERE person_id = ?1 AND used_at IS NULL";

inline constexpr char kPasskeysOf[] =
    "SELECT id, person_id, name, algorithm, public_key, sign_count, backup_eligible, created_at, last_used_at "
    "FROM passkeys WHERE person_id = ?1 ORDER BY created_at, id";
inline constexpr char kPasskeyFind[] =
    "SELECT id, person_id, name, algorithm, public_key, sign_count, backup_eligible, created_at, last_used_at "
    "FROM passkeys WHERE id = ?1";
inline constexpr char kPasskeyAdd[] =
    "INSERT INTO passkeys (id, person_id, name, algorithm, public_key, sign_count, backup_eligible, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING";
// Compare and set: a clone's use, or a replay, finds the counter moved and changes nothing.
inline constexpr char kPasskeyUse[] =
    "UPDATE passkeys SET sign_count = ?3, last_used_at = ?4 WHERE id = ?1 AND sign_count = ?2";
inline constexpr char kPasskeyRemove[] = "DELETE FROM passkeys WHERE person_id = ?1 AND id = ?2";
inline constexpr char kPasskeysRemoveAll[] = "DELETE FROM passkeys WHERE person_id = ?1";
inline constexpr char kStepsRemoveAll[] = "DELETE FROM login_steps WHERE person_id = ?1";

inline constexpr char kStepAdd[] =
    "INSERT INTO login_steps (id_hash, person_id, stage, nudge, created_at, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
inline constexpr char kStepFind[] =
    "SELECT id_hash, person_id, stage, nudge, created_at, expires_at FROM login_steps WHERE id_hash = ?1";
inline constexpr char kStepRemove[] = "DELETE FROM login_steps WHERE id_hash = ?1";

inline constexpr char kChallengeAdd[] =
    "INSERT INTO webauthn_challenges (digest, purpose, bound_to, expires_at) VALUES (?1, ?2, ?3, ?4)";
inline constexpr char kChallengeTake[] =
    "DELETE FROM webauthn_challenges WHERE digest = ?1 AND expires_at > ?2 "
    "RETURNING digest, purpose, bound_to, expires_at";
inline constexpr char kSweepSteps[] = "DELETE FROM login_steps WHERE expires_at <= ?1";
inline constexpr char kSweepChallenges[] = "DELETE FROM webauthn_challenges WHERE expires_at <= ?1";

}  // namespace mina::storage::sql
