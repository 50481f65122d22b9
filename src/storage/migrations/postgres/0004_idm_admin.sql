-- The Identity Manager for the agency (issue [3] §2): each school's contact person at the agency,
-- shown in Kontakta oss (R15), and indexes for reading the audit log by school and by time.
--
-- The PostgreSQL form of sqlite/0004_idm_admin.sql. Where the dialects differ: text is
-- TEXT COLLATE "C" (bytewise, as SQLite's BINARY; see 0001).
ALTER TABLE schools ADD COLUMN contact_name TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE schools ADD COLUMN contact_phone TEXT COLLATE "C" NOT NULL DEFAULT '';

CREATE INDEX audit_school ON audit_log (school_code, at);
CREATE INDEX audit_actor ON audit_log (actor, at);
