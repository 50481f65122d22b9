-- Single sign-on made light (issue [11]): an authorization code and an access token carry their own
-- contents, sealed with the installation's key, so neither is stored. What is stored is the first
-- use of each code, by the id sealed in it, until the access tokens it produced have expired: a
-- second use finds it and revokes them, and userinfo asks it whether a token's code is still good.
-- A removed client takes its records along, and with them its tokens. Every exchange writes a row
-- here, so the table is its primary key alone (WITHOUT ROWID: one page written, not two) with one
-- index, for the sweep; a client's rows are found by a scan on the rare day a client is removed.
DROP TABLE oidc_tokens;
DROP TABLE oidc_codes;

CREATE TABLE oidc_used_codes (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    keep_until  INTEGER NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX oidc_used_codes_keep ON oidc_used_codes (keep_until);
