-- The Identity Manager (issue [3]): schools' postal addresses for letters, and the letters that carry
-- new accounts' usernames (R3). Times are Unix seconds (UTC).
--
-- The PostgreSQL form of sqlite/0003_identity_manager.sql. Where the dialects differ: ids are BIGINT
-- GENERATED ALWAYS AS IDENTITY (SQLite: INTEGER PRIMARY KEY), times and ids are BIGINT, and text is
-- TEXT COLLATE "C" (bytewise, as SQLite's BINARY; see 0001).
ALTER TABLE schools ADD COLUMN postal_address TEXT COLLATE "C" NOT NULL DEFAULT '';  -- lines separated by \n

CREATE TABLE letters (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id    BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    school_code  TEXT COLLATE "C" NOT NULL REFERENCES schools (code),
    status       TEXT COLLATE "C" NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'rendered', 'posted')),
    path         TEXT COLLATE "C" NOT NULL DEFAULT '',
    last_error   TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    rendered_at  BIGINT,
    posted_at    BIGINT
);
CREATE INDEX letters_status ON letters (status, id);
CREATE INDEX letters_person ON letters (person_id);
