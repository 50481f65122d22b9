-- Letters are claimed like outbox mail (issue [7]): a server that renders a letter holds it until
-- claimed_until, so that with several servers each letter is rendered once. A letter whose school
-- has no postal address waits in the print queue; waiting_since is when a server first found it so
-- (and said so, once, in its log).
ALTER TABLE letters ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE letters ADD COLUMN waiting_since INTEGER;
