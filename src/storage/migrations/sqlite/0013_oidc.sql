-- Single sign-on (issue [11]): Mina tjänster as the OpenID Provider of the agency's other services.
-- The services registered (`mina admin client add`), the keys that sign ID tokens, authorization
-- requests waiting for a login, codes, access tokens, each person's subject and the client
-- assertions seen (private_key_jwt). Every secret (a client's, a code, a token, a pending request's
-- id) is stored as its digest only. Lists (redirect URIs) are newline-separated. Times are Unix
-- seconds (UTC). A removed client takes its requests, codes, tokens and assertions along; a removed
-- person their codes, tokens and subject.
CREATE TABLE oidc_clients (
    id                         TEXT PRIMARY KEY,
    name                       TEXT NOT NULL,
    secret_digest              TEXT NOT NULL DEFAULT '',
    is_public                  INTEGER NOT NULL DEFAULT 0,
    redirect_uris              TEXT NOT NULL,
    post_logout_redirect_uris  TEXT NOT NULL DEFAULT '',
    jwks                       TEXT NOT NULL DEFAULT '',
    initiate_login_uri         TEXT NOT NULL DEFAULT '',
    id_token_alg               TEXT NOT NULL DEFAULT 'RS256',
    created_at                 INTEGER NOT NULL
);

CREATE TABLE oidc_keys (
    kid             TEXT PRIMARY KEY,
    alg             TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    sealed_private  TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    retired_at      INTEGER
);

CREATE TABLE oidc_pending (
    id_digest    TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    query        TEXT NOT NULL,
    login_after  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX oidc_pending_expires ON oidc_pending (expires_at);

CREATE TABLE oidc_codes (
    digest          TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    redirect_uri    TEXT NOT NULL,
    code_challenge  TEXT NOT NULL,
    nonce           TEXT NOT NULL DEFAULT '',
    scope           TEXT NOT NULL,
    person_id       INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    session_digest  TEXT NOT NULL,
    sid             TEXT NOT NULL,
    school          TEXT NOT NULL DEFAULT '',
    auth_time       INTEGER NOT NULL,
    amr             TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);
CREATE INDEX oidc_codes_expires ON oidc_codes (expires_at);
CREATE INDEX oidc_codes_person ON oidc_codes (person_id);

CREATE TABLE oidc_tokens (
    digest          TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    person_id       INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    scope           TEXT NOT NULL,
    sid             TEXT NOT NULL,
    session_digest  TEXT NOT NULL,
    code_digest     TEXT NOT NULL,
    school          TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);
CREATE INDEX oidc_tokens_code ON oidc_tokens (code_digest);
CREATE INDEX oidc_tokens_session ON oidc_tokens (session_digest);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);
CREATE INDEX oidc_tokens_person ON oidc_tokens (person_id);

CREATE TABLE oidc_subjects (
    person_id  INTEGER PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    subject    TEXT NOT NULL UNIQUE
);

CREATE TABLE oidc_assertions (
    client_id   TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    jti         TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX oidc_assertions_expires ON oidc_assertions (expires_at);
