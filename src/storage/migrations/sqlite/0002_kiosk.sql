-- The password kiosk (manual §2.1, §3): one-time passwords, kiosk flows with their CAPTCHA, the
-- password history, and the outbox that mail goes through. Times are Unix seconds (UTC).

-- At most one live one-time password per person: a new one replaces the old (SPEC §4).
CREATE TABLE otps (
    person_id    INTEGER PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    hash         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('first', 'reset')),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    wrong_count  INTEGER NOT NULL DEFAULT 0
);

-- A kiosk visit, bound to one browser by an HttpOnly cookie; id_hash is the cookie's digest.
CREATE TABLE kiosk_flows (
    id_hash             TEXT PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('sign-in', 'forgot')),
    stage               TEXT NOT NULL CHECK (stage IN ('start', 'otp', 'password', 'done')),
    person_id           INTEGER REFERENCES persons (id) ON DELETE CASCADE,
    csrf_token          TEXT NOT NULL,
    captcha_answer      TEXT NOT NULL DEFAULT '',  -- empty once used (single-use)
    captcha_expires_at  INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL
);
CREATE INDEX kiosk_flows_expiry ON kiosk_flows (expires_at);

-- Earlier passwords, so that the last five are not chosen again.
CREATE TABLE password_history (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    set_at     INTEGER NOT NULL
);
CREATE INDEX password_history_person ON password_history (person_id, id);

-- Mail waits here, written in the transaction of the change that causes it, until a worker has
-- delivered it. A mail with a one-time password carries no secret here: the worker makes the
-- password when it sends.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    person_id      INTEGER REFERENCES persons (id) ON DELETE CASCADE,
    recipient      TEXT NOT NULL,
    lang           TEXT NOT NULL,
    params         TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    not_before     INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    claimed_until  INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER
);
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_person ON outbox (person_id, kind, created_at);

-- The expiry reminder last sent for the current password (days before expiry; 0: none yet).
ALTER TABLE persons ADD COLUMN reminded_days INTEGER NOT NULL DEFAULT 0;
CREATE INDEX persons_password_set_at ON persons (password_set_at);
