-- The password kiosk (manual §2.1, §3): one-time passwords, kiosk flows with their CAPTCHA, the
-- password history, and the outbox that mail goes through. Times are Unix seconds (UTC).
--
-- The PostgreSQL form of sqlite/0002_kiosk.sql. Where the dialects differ: ids are BIGINT GENERATED
-- ALWAYS AS IDENTITY (SQLite: INTEGER PRIMARY KEY), times and ids are BIGINT, and text is
-- TEXT COLLATE "C" (bytewise, as SQLite's BINARY; see 0001).

-- At most one live one-time password per person: a new one replaces the old (SPEC §4).
CREATE TABLE otps (
    person_id    BIGINT PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    hash         TEXT COLLATE "C" NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL CHECK (kind IN ('first', 'reset')),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    wrong_count  INTEGER NOT NULL DEFAULT 0
);

-- A kiosk visit, bound to one browser by an HttpOnly cookie; id_hash is the cookie's digest.
CREATE TABLE kiosk_flows (
    id_hash             TEXT COLLATE "C" PRIMARY KEY,
    kind                TEXT COLLATE "C" NOT NULL CHECK (kind IN ('sign-in', 'forgot')),
    stage               TEXT COLLATE "C" NOT NULL CHECK (stage IN ('start', 'otp', 'password', 'done')),
    person_id           BIGINT REFERENCES persons (id) ON DELETE CASCADE,
    csrf_token          TEXT COLLATE "C" NOT NULL,
    captcha_answer      TEXT COLLATE "C" NOT NULL DEFAULT '',  -- empty once used (single-use)
    captcha_expires_at  BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL
);
CREATE INDEX kiosk_flows_expiry ON kiosk_flows (expires_at);

-- Earlier passwords, so that the last five are not chosen again.
CREATE TABLE password_history (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id  BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    hash       TEXT COLLATE "C" NOT NULL,
    set_at     BIGINT NOT NULL
);
CREATE INDEX password_history_person ON password_history (person_id, id);

-- Mail waits here, written in the transaction of the change that causes it, until a worker has
-- delivered it. A mail with a one-time password carries no secret here: the worker makes the
-- password when it sends.
CREATE TABLE outbox (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           TEXT COLLATE "C" NOT NULL,
    person_id      BIGINT REFERENCES persons (id) ON DELETE CASCADE,
    recipient      TEXT COLLATE "C" NOT NULL,
    lang           TEXT COLLATE "C" NOT NULL,
    params         TEXT COLLATE "C" NOT NULL DEFAULT '',
    status         TEXT COLLATE "C" NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    not_before     BIGINT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    claimed_until  BIGINT NOT NULL DEFAULT 0,
    last_error     TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    sent_at        BIGINT
);
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_person ON outbox (person_id, kind, created_at);

-- The expiry reminder last sent for the current password (days before expiry; 0: none yet).
ALTER TABLE persons ADD COLUMN reminded_days INTEGER NOT NULL DEFAULT 0;
CREATE INDEX persons_password_set_at ON persons (password_set_at);
