-- The Identity Manager (issue [3]): schools' postal addresses for letters, and the letters that carry
-- new accounts' usernames (R3). Times are Unix seconds (UTC).
ALTER TABLE schools ADD COLUMN postal_address TEXT NOT NULL DEFAULT '';  -- lines separated by \n

CREATE TABLE letters (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    school_code  TEXT NOT NULL REFERENCES schools (code),
    status       TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'rendered', 'posted')),
    path         TEXT NOT NULL DEFAULT '',
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    rendered_at  INTEGER,
    posted_at    INTEGER
);
CREATE INDEX letters_status ON letters (status, id);
CREATE INDEX letters_person ON letters (person_id);
