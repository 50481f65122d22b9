-- Schools, people, grants, sessions, the per-client throttle and the audit trail.
-- Times are Unix seconds (UTC).
CREATE TABLE schools (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    form        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE persons (
    id               INTEGER PRIMARY KEY,
    username         TEXT NOT NULL UNIQUE,
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    email            TEXT NOT NULL,
    lang             TEXT NOT NULL DEFAULT '',
    default_school   TEXT NOT NULL DEFAULT '',
    password_hash    TEXT NOT NULL DEFAULT '',
    password_set_at  INTEGER,
    failed_count     INTEGER NOT NULL DEFAULT 0,
    locked_until     INTEGER,
    last_login_at    INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX persons_email ON persons (lower(email));

CREATE TABLE grants (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    school_code  TEXT REFERENCES schools (code),
    role         TEXT NOT NULL,
    granted_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX grants_unique ON grants (person_id, coalesce(school_code, ''), role);

CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    school_code   TEXT NOT NULL DEFAULT '',
    nudge         INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE client_failures (
    address       TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    last_failure  INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    address      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    school_code  TEXT NOT NULL,
    detail       TEXT NOT NULL
);
CREATE INDEX audit_kind ON audit_log (kind, at);
CREATE INDEX audit_subject ON audit_log (subject, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
