-- Every page after login reads its viewer: the session, its person and the person's grants with
-- their schools (kViewSession). Each server keeps the viewers it has read (storage/postgres/
-- pg_view_cache) and must forget one as soon as any server, or `mina admin`, changes what it was
-- read from. These triggers say so to every listening server on channel `mina_views`, at commit:
--   's:<id_hash>'    a session changed or ended (not its idle clock: last_seen_at is left out);
--   'p:<person id>'  a person's name, email, language or default school, or their grants;
--   '*'              anything else: a school's name or form, or many sessions ended at once.
-- SQLite needs no triggers (its servers read the WAL-index instead): sqlite/0008 is empty.

CREATE FUNCTION mina_views_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('mina_views', 's:' || OLD.id_hash);
    RETURN NULL;
END $$;

CREATE FUNCTION mina_views_sessions_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM ended) > 64 THEN
        PERFORM pg_notify('mina_views', '*');  -- the sweep of expired sessions: one notice, not thousands
    ELSE
        PERFORM pg_notify('mina_views', 's:' || id_hash) FROM ended;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION mina_views_person_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('mina_views', 'p:' || OLD.id);
    RETURN NULL;
END $$;

CREATE FUNCTION mina_views_grant_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('mina_views', 'p:' || NEW.person_id);
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('mina_views', 'p:' || OLD.person_id);  -- the same text twice is sent once
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION mina_views_all_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('mina_views', '*');
    RETURN NULL;
END $$;

CREATE TRIGGER sessions_view_changed AFTER UPDATE OF person_id, csrf_token, school_code, nudge, created_at
    ON sessions FOR EACH ROW EXECUTE FUNCTION mina_views_session_changed();
CREATE TRIGGER sessions_view_ended AFTER DELETE ON sessions REFERENCING OLD TABLE AS ended
    FOR EACH STATEMENT EXECUTE FUNCTION mina_views_sessions_ended();
CREATE TRIGGER persons_view_changed AFTER UPDATE OF username, first_name, last_name, email, lang, default_school
    OR DELETE ON persons FOR EACH ROW EXECUTE FUNCTION mina_views_person_changed();
CREATE TRIGGER grants_view_changed AFTER INSERT OR UPDATE OR DELETE ON grants
    FOR EACH ROW EXECUTE FUNCTION mina_views_grant_changed();
CREATE TRIGGER schools_view_changed AFTER UPDATE OF code, name, form OR DELETE OR TRUNCATE ON schools
    FOR EACH STATEMENT EXECUTE FUNCTION mina_views_all_changed();
CREATE TRIGGER sessions_view_truncated AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION mina_views_all_changed();
CREATE TRIGGER persons_view_truncated AFTER TRUNCATE ON persons
    FOR EACH STATEMENT EXECUTE FUNCTION mina_views_all_changed();
CREATE TRIGGER grants_view_truncated AFTER TRUNCATE ON grants
    FOR EACH STATEMENT EXECUTE FUNCTION mina_views_all_changed();
