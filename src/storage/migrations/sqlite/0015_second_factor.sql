-- A second factor and passkeys (issue [12]). A session says how its person proved who they are
-- (amr: "pwd", "pwd otp mfa", "hwk user mfa" …). An authenticator app's secret is sealed with the
-- installation's key, with the last time step a code was accepted for (each code once); recovery
-- codes are kept as keyed digests, each used once; a passkey is its public key and the signature
-- counter last seen. A login between its password and its second factor is a step, not a session;
-- a WebAuthn challenge is kept by its digest until it is used, once.
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';

CREATE TABLE totp_factors (
    person_id      INTEGER PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    sealed_secret  TEXT NOT NULL,
    last_step      INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    person_id   INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    digest      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER,
    PRIMARY KEY (person_id, digest)
);

CREATE TABLE passkeys (
    id               TEXT PRIMARY KEY,
    person_id        INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    algorithm        INTEGER NOT NULL,
    public_key       TEXT NOT NULL,
    sign_count       INTEGER NOT NULL DEFAULT 0,
    backup_eligible  INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    last_used_at     INTEGER
);
CREATE INDEX passkeys_person ON passkeys (person_id);

CREATE TABLE login_steps (
    id_hash     TEXT PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    stage       TEXT NOT NULL,
    nudge       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX login_steps_expiry ON login_steps (expires_at);

CREATE TABLE webauthn_challenges (
    digest      TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    bound_to    TEXT NOT NULL DEFAULT '',
    expires_at  INTEGER NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);
