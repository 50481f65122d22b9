-- Studietider och utbildningar (issue [5]): educations, their study periods (the school's working
-- copies) and every published version students have seen, and the school's contact persons.
-- Days are 'YYYY-MM-DD' text; credits are hundredths (22,5 hp = 2250); times are Unix seconds.
--
-- The PostgreSQL form of sqlite/0005_studietider.sql. Where the dialects differ: ids are BIGINT
-- GENERATED ALWAYS AS IDENTITY, times, ids and credits are BIGINT, flags INTEGER 0/1, text is
-- TEXT COLLATE "C", and the published versions are kept unchangeable by a plpgsql trigger.
CREATE TABLE educations (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_code    TEXT COLLATE "C" NOT NULL REFERENCES schools (code),
    code           TEXT COLLATE "C" NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    level          TEXT COLLATE "C" NOT NULL,
    unit           TEXT COLLATE "C" NOT NULL,
    total_credits  BIGINT,
    distance       INTEGER NOT NULL DEFAULT 0,
    contract       INTEGER NOT NULL DEFAULT 0,
    withdrawn_at   BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (school_code, code)
);

CREATE TABLE study_periods (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    education_id       BIGINT NOT NULL REFERENCES educations (id),
    label              TEXT COLLATE "C" NOT NULL,
    first_day          TEXT COLLATE "C" NOT NULL,
    last_day           TEXT COLLATE "C" NOT NULL,
    credits            BIGINT,
    pace               BIGINT,
    breaks             TEXT COLLATE "C" NOT NULL DEFAULT '',
    published_version  BIGINT NOT NULL DEFAULT 0,
    changed            INTEGER NOT NULL DEFAULT 1,
    withdrawn_at       BIGINT,
    updated_at         BIGINT NOT NULL,
    updated_by         TEXT COLLATE "C" NOT NULL
);
CREATE INDEX study_periods_education ON study_periods (education_id, first_day);

CREATE TABLE study_period_versions (
    period_id     BIGINT NOT NULL REFERENCES study_periods (id),
    version       BIGINT NOT NULL,
    label         TEXT COLLATE "C" NOT NULL,
    first_day     TEXT COLLATE "C" NOT NULL,
    last_day      TEXT COLLATE "C" NOT NULL,
    credits       BIGINT,
    pace          BIGINT,
    breaks        TEXT COLLATE "C" NOT NULL,
    weeks         BIGINT NOT NULL,
    derived_pace  BIGINT NOT NULL,
    paid_weeks    BIGINT NOT NULL,
    published_at  BIGINT NOT NULL,
    published_by  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (period_id, version)
);
CREATE FUNCTION study_period_versions_unchangeable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a published version is never changed or deleted';
END;
$$;
CREATE TRIGGER study_period_versions_no_update BEFORE UPDATE OR DELETE ON study_period_versions
FOR EACH ROW EXECUTE FUNCTION study_period_versions_unchangeable();

CREATE TABLE school_contacts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school_code  TEXT COLLATE "C" NOT NULL REFERENCES schools (code),
    name         TEXT COLLATE "C" NOT NULL,
    role         TEXT COLLATE "C" NOT NULL,
    email        TEXT COLLATE "C" NOT NULL,
    phone        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX school_contacts_school ON school_contacts (school_code);
