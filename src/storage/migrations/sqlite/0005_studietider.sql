-- Studietider och utbildningar (issue [5]): educations, their study periods (the school's working
-- copies) and every published version students have seen, and the school's contact persons.
-- Days are 'YYYY-MM-DD' text; credits are hundredths (22,5 hp = 2250); times are Unix seconds.
CREATE TABLE educations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    school_code    TEXT NOT NULL REFERENCES schools (code),
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    level          TEXT NOT NULL,
    unit           TEXT NOT NULL,
    total_credits  INTEGER,
    distance       INTEGER NOT NULL DEFAULT 0,
    contract       INTEGER NOT NULL DEFAULT 0,
    withdrawn_at   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (school_code, code)
);

CREATE TABLE study_periods (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    education_id       INTEGER NOT NULL REFERENCES educations (id),
    label              TEXT NOT NULL,
    first_day          TEXT NOT NULL,
    last_day           TEXT NOT NULL,
    credits            INTEGER,
    pace               INTEGER,                      -- percent, entered when the unit is 'ingen'
    breaks             TEXT NOT NULL DEFAULT '',     -- 'YYYY-MM-DD/YYYY-MM-DD' joined by ','
    published_version  INTEGER NOT NULL DEFAULT 0,   -- 0: a draft, never published
    changed            INTEGER NOT NULL DEFAULT 1,   -- the working copy differs from that version
    withdrawn_at       INTEGER,
    updated_at         INTEGER NOT NULL,
    updated_by         TEXT NOT NULL
);
CREATE INDEX study_periods_education ON study_periods (education_id, first_day);

CREATE TABLE study_period_versions (
    period_id     INTEGER NOT NULL REFERENCES study_periods (id),
    version       INTEGER NOT NULL,
    label         TEXT NOT NULL,
    first_day     TEXT NOT NULL,
    last_day      TEXT NOT NULL,
    credits       INTEGER,
    pace          INTEGER,
    breaks        TEXT NOT NULL,
    weeks         INTEGER NOT NULL,
    derived_pace  INTEGER NOT NULL,
    paid_weeks    INTEGER NOT NULL,
    published_at  INTEGER NOT NULL,
    published_by  TEXT NOT NULL,
    PRIMARY KEY (period_id, version)
);
CREATE TRIGGER study_period_versions_no_update BEFORE UPDATE ON study_period_versions
BEGIN SELECT RAISE(ABORT, 'a published version is never changed'); END;
CREATE TRIGGER study_period_versions_no_delete BEFORE DELETE ON study_period_versions
BEGIN SELECT RAISE(ABORT, 'a published version is never deleted'); END;

CREATE TABLE school_contacts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    school_code  TEXT NOT NULL REFERENCES schools (code),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    email        TEXT NOT NULL,
    phone        TEXT NOT NULL
);
CREATE INDEX school_contacts_school ON school_contacts (school_code);
