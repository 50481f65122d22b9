-- Schools, people, grants, sessions, the per-client throttle and the audit trail.
-- Times are Unix seconds (UTC).
--
-- The PostgreSQL form of sqlite/0001_foundation.sql: the same tables, columns and indexes. Where the
-- dialects differ:
--   * ids are BIGINT GENERATED ALWAYS AS IDENTITY (SQLite: INTEGER PRIMARY KEY [AUTOINCREMENT]), and
--     times and ids are BIGINT (SQLite's INTEGER holds 64 bits);
--   * text is TEXT COLLATE "C", so that it compares, sorts and lower()s byte by byte (ASCII letters
--     only), as SQLite's BINARY collation and lower() do, whatever the database's locale;
--   * audit_log is kept append-only by a plpgsql trigger function (SQLite: RAISE(ABORT) triggers),
--     also on TRUNCATE, which row triggers do not see.
CREATE TABLE schools (
    code        TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    form        TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE persons (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username         TEXT COLLATE "C" NOT NULL UNIQUE,
    first_name       TEXT COLLATE "C" NOT NULL,
    last_name        TEXT COLLATE "C" NOT NULL,
    email            TEXT COLLATE "C" NOT NULL,
    lang             TEXT COLLATE "C" NOT NULL DEFAULT '',
    default_school   TEXT COLLATE "C" NOT NULL DEFAULT '',
    password_hash    TEXT COLLATE "C" NOT NULL DEFAULT '',
    password_set_at  BIGINT,
    failed_count     INTEGER NOT NULL DEFAULT 0,
    locked_until     BIGINT,
    last_login_at    BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX persons_email ON persons (lower(email));

CREATE TABLE grants (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id    BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    school_code  TEXT COLLATE "C" REFERENCES schools (code),
    role         TEXT COLLATE "C" NOT NULL,
    granted_by   TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX grants_unique ON grants (person_id, coalesce(school_code, ''), role);

CREATE TABLE sessions (
    id_hash       TEXT COLLATE "C" PRIMARY KEY,
    person_id     BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    csrf_token    TEXT COLLATE "C" NOT NULL,
    school_code   TEXT COLLATE "C" NOT NULL DEFAULT '',
    nudge         INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE client_failures (
    address       TEXT COLLATE "C" PRIMARY KEY,
    failures      INTEGER NOT NULL,
    last_failure  BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           BIGINT NOT NULL,
    actor        TEXT COLLATE "C" NOT NULL,
    address      TEXT COLLATE "C" NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL,
    subject      TEXT COLLATE "C" NOT NULL,
    school_code  TEXT COLLATE "C" NOT NULL,
    detail       TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_kind ON audit_log (kind, at);
CREATE INDEX audit_subject ON audit_log (subject, at);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
