-- Single sign-on (issue [11]): Mina tjänster as the OpenID Provider of the agency's other services.
-- The services registered (`mina admin client add`), the keys that sign ID tokens, authorization
-- requests waiting for a login, codes, access tokens, each person's subject and the client
-- assertions seen (private_key_jwt). Every secret (a client's, a code, a token, a pending request's
-- id) is stored as its digest only. Lists (redirect URIs) are newline-separated. Times are Unix
-- seconds (UTC). A removed client takes its requests, codes, tokens and assertions along; a removed
-- person their codes, tokens and subject.
--
-- The PostgreSQL form of sqlite/0013_oidc.sql: the same tables, columns and indexes. Where the
-- dialects differ: times and person ids are BIGINT (SQLite's INTEGER holds 64 bits), and text is
-- TEXT COLLATE "C", as in 0001_foundation.sql.
CREATE TABLE oidc_clients (
    id                         TEXT COLLATE "C" PRIMARY KEY,
    name                       TEXT COLLATE "C" NOT NULL,
    secret_digest              TEXT COLLATE "C" NOT NULL DEFAULT '',
    is_public                  INTEGER NOT NULL DEFAULT 0,
    redirect_uris              TEXT COLLATE "C" NOT NULL,
    post_logout_redirect_uris  TEXT COLLATE "C" NOT NULL DEFAULT '',
    jwks                       TEXT COLLATE "C" NOT NULL DEFAULT '',
    initiate_login_uri         TEXT COLLATE "C" NOT NULL DEFAULT '',
    id_token_alg               TEXT COLLATE "C" NOT NULL DEFAULT 'RS256',
    created_at                 BIGINT NOT NULL
);

CREATE TABLE oidc_keys (
    kid             TEXT COLLATE "C" PRIMARY KEY,
    alg             TEXT COLLATE "C" NOT NULL,
    public_jwk      TEXT COLLATE "C" NOT NULL,
    sealed_private  TEXT COLLATE "C" NOT NULL,
    created_at      BIGINT NOT NULL,
    retired_at      BIGINT
);

CREATE TABLE oidc_pending (
    id_digest    TEXT COLLATE "C" PRIMARY KEY,
    client_id    TEXT COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    query        TEXT COLLATE "C" NOT NULL,
    login_after  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX oidc_pending_expires ON oidc_pending (expires_at);

CREATE TABLE oidc_codes (
    digest          TEXT COLLATE "C" PRIMARY KEY,
    client_id       TEXT COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    redirect_uri    TEXT COLLATE "C" NOT NULL,
    code_challenge  TEXT COLLATE "C" NOT NULL,
    nonce           TEXT COLLATE "C" NOT NULL DEFAULT '',
    scope           TEXT COLLATE "C" NOT NULL,
    person_id       BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    session_digest  TEXT COLLATE "C" NOT NULL,
    sid             TEXT COLLATE "C" NOT NULL,
    school          TEXT COLLATE "C" NOT NULL DEFAULT '',
    auth_time       BIGINT NOT NULL,
    amr             TEXT COLLATE "C" NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);
CREATE INDEX oidc_codes_expires ON oidc_codes (expires_at);
CREATE INDEX oidc_codes_person ON oidc_codes (person_id);

CREATE TABLE oidc_tokens (
    digest          TEXT COLLATE "C" PRIMARY KEY,
    client_id       TEXT COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    person_id       BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    scope           TEXT COLLATE "C" NOT NULL,
    sid             TEXT COLLATE "C" NOT NULL,
    session_digest  TEXT COLLATE "C" NOT NULL,
    code_digest     TEXT COLLATE "C" NOT NULL,
    school          TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX oidc_tokens_code ON oidc_tokens (code_digest);
CREATE INDEX oidc_tokens_session ON oidc_tokens (session_digest);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);
CREATE INDEX oidc_tokens_person ON oidc_tokens (person_id);

CREATE TABLE oidc_subjects (
    person_id  BIGINT PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    subject    TEXT COLLATE "C" NOT NULL UNIQUE
);

CREATE TABLE oidc_assertions (
    client_id   TEXT COLLATE "C" NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    jti         TEXT COLLATE "C" NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX oidc_assertions_expires ON oidc_assertions (expires_at);
