-- The statistics page ([10] item 6) counts by time with GROUP BY over a range: the indexes its
-- ranges need. Report events by when they were received (for every school, and per school), mail by
-- when it was queued, and a school's people (grants by school) for what is counted per school.
-- No difference from the SQLite file.
CREATE INDEX report_events_received ON report_events (reported_at);
CREATE INDEX report_events_school_received ON report_events (school_code, reported_at);
CREATE INDEX outbox_created ON outbox (created_at);
CREATE INDEX grants_school ON grants (school_code, person_id);
