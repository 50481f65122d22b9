// The statements of the OpenID Provider (issue [11]; core/oidc/ports.hpp) that both stores run as
// written here: SQLite with its ?N placeholders, PostgreSQL with each ?N read as $N
// (sql/dollars.hpp). The tables are migration 0013_oidc's. A list (redirect URIs) is one column,
// newline-separated; a secret is only ever its digest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mina::storage::sql {

/// A list of URIs as its one column holds it: newline-separated (a URI has no newline).
inline std::string lines_joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) {
        if (!out.empty()) out += '\n';
        out += l;
    }
    return out;
}

/// The column's list back.
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t from = 0;
    while (from < text.size()) {
        const auto end = text.find('\n', from);
        out.push_back(text.substr(from, end == std::string::npos ? std::string::npos : end - from));
        if (end == std::string::npos) break;
        from = end + 1;
    }
    return out;
}

// ---- Clients ------------------------------------------------------------------------------------

// Every reader of a client takes its 10 columns in this order (read_client).

inline constexpr char kOidcAddClient[] =
    "INSERT INTO oidc_clients (id, name, secret_digest, is_public, redirect_uris, post_logout_redirect_uris, "
    "jwks, initiate_login_uri, id_token_alg, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
    "ON CONFLICT (id) DO NOTHING";
inline constexpr char kOidcFindClient[] =
    "SELECT id, name, secret_digest, is_public, redirect_uris, post_logout_redirect_uris, jwks, initiate_login_uri, "
    "id_token_alg, created_at FROM oidc_clients WHERE id = ?1";
inline constexpr char kOidcListClients[] =
    "SELECT id, name, secret_digest, is_public, redirect_uris, post_logout_redirect_uris, jwks, initiate_login_uri, "
    "id_token_alg, created_at FROM oidc_clients ORDER BY id";
inline constexpr char kOidcRemoveClient[] = "DELETE FROM oidc_clients WHERE id = ?1";
inline constexpr char kOidcSetSecret[] = "UPDATE oidc_clients SET secret_digest = ?2 WHERE id = ?1";

// ---- Signing keys -------------------------------------------------------------------------------

inline constexpr char kOidcAddKey[] =
    "INSERT INTO oidc_keys (kid, alg, public_jwk, sealed_private, created_at, retired_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
inline constexpr char kOidcListKeys[] =
    "SELECT kid, alg, public_jwk, sealed_private, created_at, retired_at FROM oidc_keys "
    "ORDER BY created_at DESC, kid DESC";
// ?1 alg, ?2 at
inline constexpr char kOidcRetireKeys[] = "UPDATE oidc_keys SET retired_at = ?2 WHERE alg = ?1 AND retired_at IS NULL";
inline constexpr char kOidcRemoveRetiredKeys[] =
    "DELETE FROM oidc_keys WHERE retired_at IS NOT NULL AND retired_at < ?1";

// ---- Pending authorization requests ---------------------------------------------------------------

inline constexpr char kOidcAddPending[] =
    "INSERT INTO oidc_pending (id_digest, client_id, query, login_after, created_at, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
// ?1 id digest, ?2 now
inline constexpr char kOidcFindPending[] =
    "SELECT id_digest, client_id, query, login_after, created_at, expires_at FROM oidc_pending "
    "WHERE id_digest = ?1 AND expires_at > ?2";
inline constexpr char kOidcRemovePending[] = "DELETE FROM oidc_pending WHERE id_digest = ?1";

// ---- Codes ----------------------------------------------------------------------------------------

inline constexpr char kOidcAddCode[] =
    "INSERT INTO oidc_codes (digest, client_id, redirect_uri, code_challenge, nonce, scope, person_id, "
    "session_digest, sid, school, auth_time, amr, created_at, expires_at, used_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
inline constexpr char kOidcFindCode[] =
    "SELECT digest, client_id, redirect_uri, code_challenge, nonce, scope, person_id, session_digest, sid, school, "
    "auth_time, amr, created_at, expires_at, used_at FROM oidc_codes WHERE digest = ?1";
// ?1 digest, ?2 now: one row changed for the first use only, however many try at once.
inline constexpr char kOidcUseCode[] = "UPDATE oidc_codes SET used_at = ?2 WHERE digest = ?1 AND used_at IS NULL";

// ---- Access tokens --------------------------------------------------------------------------------

inline constexpr char kOidcAddToken[] =
    "INSERT INTO oidc_tokens (digest, client_id, person_id, scope, sid, session_digest, code_digest, school, "
    "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
// ?1 digest, ?2 now: neither revoked nor expired.
inline constexpr char kOidcFindToken[] =
    "SELECT digest, client_id, person_id, scope, sid, session_digest, code_digest, school, created_at, expires_at "
    "FROM oidc_tokens WHERE digest = ?1 AND revoked_at IS NULL AND expires_at > ?2";
// ?1 the code's (or the session's) digest, ?2 now
inline constexpr char kOidcRevokeCodeTokens[] =
    "UPDATE oidc_tokens SET revoked_at = ?2 WHERE code_digest = ?1 AND revoked_at IS NULL";
inline constexpr char kOidcRevokeSessionTokens[] =
    "UPDATE oidc_tokens SET revoked_at = ?2 WHERE session_digest = ?1 AND revoked_at IS NULL";

// ---- Subjects -------------------------------------------------------------------------------------

// Two first authorizations at once: the second insert does nothing, and both read the first's subject.
inline constexpr char kOidcAddSubject[] =
    "INSERT INTO oidc_subjects (person_id, subject) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
inline constexpr char kOidcSubjectOf[] = "SELECT subject FROM oidc_subjects WHERE person_id = ?1";

// ---- The sweep ------------------------------------------------------------------------------------

// ?1 now
inline constexpr char kOidcSweepPending[] = "DELETE FROM oidc_pending WHERE expires_at <= ?1";
inline constexpr char kOidcSweepTokens[] = "DELETE FROM oidc_tokens WHERE expires_at <= ?1";
inline constexpr char kOidcSweepAssertions[] = "DELETE FROM oidc_assertions WHERE expires_at <= ?1";
// ?1 now less the time a code is kept after it expired (kOidcCodeKeptS): a replay of a code within
// the life of the tokens issued for it is still known, so that they can be revoked.
inline constexpr char kOidcSweepCodes[] = "DELETE FROM oidc_codes WHERE expires_at <= ?1";
inline constexpr std::int64_t kOidcCodeKeptS = 600;  // the tokens live 300 s after the use

// ?1 client id, ?2 jti, ?3 expires at: one row inserted for the first use only.
inline constexpr char kOidcAddAssertion[] =
    "INSERT INTO oidc_assertions (client_id, jti, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";

}  // namespace mina::storage::sql
