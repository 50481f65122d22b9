-- The PostgreSQL form of sqlite/0014_oidc_sealed.sql: codes and access tokens are sealed, not
-- stored; the first use of each code is, by the id sealed in it, until its tokens have expired.
DROP TABLE oidc_tokens;
DROP TABLE oidc_codes;

CREATE TABLE oidc_used_codes (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    keep_until  BIGINT NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX oidc_used_codes_keep ON oidc_used_codes (keep_until);
