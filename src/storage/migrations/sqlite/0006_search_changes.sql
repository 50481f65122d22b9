-- Ansök om studiemedel (issue [5]) is searched in an index each server keeps in memory
-- (core/public_search). Every change that can change what a search finds is written here by the
-- database itself, in the transaction that makes it: an education added or changed, a period
-- published or withdrawn, a school renamed. A server reads the rows after the last it has seen
-- before it answers a search, so what one server publishes the others find at once. Rows older
-- than the newest 100 000 are deleted as new ones come; a server that has fallen further behind
-- reads everything again.
CREATE TABLE search_changes (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    education_id  INTEGER NOT NULL
);

CREATE TRIGGER search_change_education_added AFTER INSERT ON educations
BEGIN INSERT INTO search_changes (education_id) VALUES (NEW.id); END;
CREATE TRIGGER search_change_education_changed AFTER UPDATE ON educations
BEGIN INSERT INTO search_changes (education_id) VALUES (NEW.id); END;
CREATE TRIGGER search_change_period AFTER UPDATE OF published_version, withdrawn_at ON study_periods
BEGIN INSERT INTO search_changes (education_id) VALUES (NEW.education_id); END;
CREATE TRIGGER search_change_school AFTER UPDATE OF name, code ON schools
BEGIN INSERT INTO search_changes (education_id) SELECT id FROM educations WHERE school_code = NEW.code; END;
CREATE TRIGGER search_changes_kept AFTER INSERT ON search_changes
BEGIN DELETE FROM search_changes WHERE seq <= NEW.seq - 100000; END;
