-- Studeranderapportering (issue [6]): students, their enrollments at a school, the report events
-- (append-only: a correction is a new event that supersedes the old), the uploads with their
-- errors, and the schools' API keys. A personal number is never stored in clear: `sealed` is
-- XChaCha20-Poly1305 under security.identity_key and `lookup_hash` a keyed BLAKE2b hash for exact
-- search (crypto/identity_vault). Days are 'YYYY-MM-DD' text; credits are hundredths; times are
-- Unix seconds. The PostgreSQL form of sqlite/0007_reports.sql.
CREATE TABLE students (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lookup_hash         TEXT NOT NULL UNIQUE,
    sealed              TEXT NOT NULL,
    name                TEXT NOT NULL DEFAULT '',
    protected_identity  INTEGER NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL
);

CREATE TABLE enrollments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_code   TEXT NOT NULL REFERENCES schools (code),
    student_id    BIGINT NOT NULL REFERENCES students (id),
    education_id  BIGINT NOT NULL REFERENCES educations (id),
    period_id     BIGINT NOT NULL REFERENCES study_periods (id),
    support       TEXT NOT NULL,
    first_day     TEXT NOT NULL,
    last_day      TEXT NOT NULL,
    pace          INTEGER NOT NULL,
    state         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    UNIQUE (student_id, period_id)
);
CREATE INDEX enrollments_school ON enrollments (school_code, student_id);

CREATE TABLE report_submissions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_code  TEXT NOT NULL REFERENCES schools (code),
    channel      TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    row_count    INTEGER NOT NULL,
    accepted     INTEGER NOT NULL,
    refused      INTEGER NOT NULL,
    duplicates   INTEGER NOT NULL,
    saved        INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  BIGINT NOT NULL
);
CREATE INDEX report_submissions_school ON report_submissions (school_code, id);

CREATE TABLE report_submission_errors (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id  BIGINT NOT NULL REFERENCES report_submissions (id),
    line           INTEGER NOT NULL,
    field          TEXT NOT NULL,
    message        TEXT NOT NULL
);
CREATE INDEX report_submission_errors_submission ON report_submission_errors (submission_id, line);

CREATE TABLE report_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrollment_id   BIGINT NOT NULL REFERENCES enrollments (id),
    school_code     TEXT NOT NULL REFERENCES schools (code),
    kind            TEXT NOT NULL,
    day             TEXT NOT NULL,
    last_day        TEXT,
    pace            INTEGER,
    credits         INTEGER,
    hours           INTEGER NOT NULL DEFAULT 0,
    passed          INTEGER,
    supersedes      BIGINT REFERENCES report_events (id),
    reason          TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL,
    submission_id   BIGINT REFERENCES report_submissions (id),
    reported_at     BIGINT NOT NULL,
    reported_month  TEXT NOT NULL,
    reported_by     TEXT NOT NULL
);
CREATE INDEX report_events_enrollment ON report_events (enrollment_id, id);
CREATE INDEX report_events_school ON report_events (school_code, id);
CREATE INDEX report_events_month ON report_events (reported_month, school_code, kind);
CREATE UNIQUE INDEX report_events_one_correction ON report_events (supersedes) WHERE supersedes IS NOT NULL;
CREATE FUNCTION report_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a sent report is never changed or deleted: send a correction';
END $$;
CREATE TRIGGER report_events_append_only BEFORE UPDATE OR DELETE ON report_events
FOR EACH ROW EXECUTE FUNCTION report_events_append_only();

CREATE TABLE api_keys (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_code   TEXT NOT NULL REFERENCES schools (code),
    name          TEXT NOT NULL,
    digest        TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX api_keys_school ON api_keys (school_code, id);

-- One row: the identity key's check value (see ports::Reports::vault_check).
CREATE TABLE identity_key_check (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    value  TEXT NOT NULL
);
