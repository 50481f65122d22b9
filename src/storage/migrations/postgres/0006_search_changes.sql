-- Ansök om studiemedel (issue [5]) is searched in an index each server keeps in memory
-- (core/public_search). Every change that can change what a search finds is written here by the
-- database itself, in the transaction that makes it: an education added or changed, a period
-- published or withdrawn, a school renamed. A server reads the rows after the last it has seen
-- before it answers a search, so what one server publishes the others find at once. Rows older
-- than the newest 100 000 are deleted as new ones come; a server that has fallen further behind
-- reads everything again. The PostgreSQL form of sqlite/0006_search_changes.sql.
CREATE TABLE search_changes (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    education_id  BIGINT NOT NULL
);

CREATE FUNCTION search_change_education() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_changes (education_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER search_change_education AFTER INSERT OR UPDATE ON educations
FOR EACH ROW EXECUTE FUNCTION search_change_education();

CREATE FUNCTION search_change_period() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.published_version IS DISTINCT FROM OLD.published_version
       OR NEW.withdrawn_at IS DISTINCT FROM OLD.withdrawn_at THEN
        INSERT INTO search_changes (education_id) VALUES (NEW.education_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER search_change_period AFTER UPDATE ON study_periods
FOR EACH ROW EXECUTE FUNCTION search_change_period();

CREATE FUNCTION search_change_school() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        INSERT INTO search_changes (education_id) SELECT id FROM educations WHERE school_code = NEW.code;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER search_change_school AFTER UPDATE ON schools
FOR EACH ROW EXECUTE FUNCTION search_change_school();

CREATE FUNCTION search_changes_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_changes WHERE seq <= NEW.seq - 100000;
    RETURN NULL;
END $$;
CREATE TRIGGER search_changes_kept AFTER INSERT ON search_changes
FOR EACH ROW EXECUTE FUNCTION search_changes_kept();
