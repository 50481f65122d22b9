-- The PostgreSQL form of sqlite/0015_second_factor.sql: a second factor and passkeys (issue [12]).
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';

CREATE TABLE totp_factors (
    person_id      BIGINT PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    sealed_secret  TEXT NOT NULL,
    last_step      BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
    person_id   BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    digest      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    used_at     BIGINT,
    PRIMARY KEY (person_id, digest)
);

CREATE TABLE passkeys (
    id               TEXT PRIMARY KEY,
    person_id        BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    algorithm        INTEGER NOT NULL,
    public_key       TEXT NOT NULL,
    sign_count       BIGINT NOT NULL DEFAULT 0,
    backup_eligible  INTEGER NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    last_used_at     BIGINT
);
CREATE INDEX passkeys_person ON passkeys (person_id);

CREATE TABLE login_steps (
    id_hash     TEXT PRIMARY KEY,
    person_id   BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    stage       TEXT NOT NULL,
    nudge       INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX login_steps_expiry ON login_steps (expires_at);

CREATE TABLE webauthn_challenges (
    digest      TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    bound_to    TEXT NOT NULL DEFAULT '',
    expires_at  BIGINT NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);
