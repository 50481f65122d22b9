// The statements of the OpenID Provider (issue [11]; core/oidc/ports.hpp) that both stores run as
// written here: SQLite with its ?N placeholders, PostgreSQL with each ?N read as $N
// (sql/dollars.hpp). The tables are migrations 0013_oidc's and 0014_oidc_sealed's. A list (redirect URIs) is one
// column, newline-separated; a secret is only ever its digest.
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
// ?1 alg
inline constexpr char kOidcCurrentKey[] =
    "SELECT kid, alg, public_jwk, sealed_private, created_at, retired_at FROM oidc_keys "
    "WHERE alg = ?1 AND retired_at IS NULL ORDER BY created_at DESC, kid DESC LIMIT 1";
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

// ---- Codes exchanged ------------------------------------------------------------------------------

// ?1 code id, ?2 client id, ?3 kept until: one row inserted for the first use only, however many try at once.
inline constexpr char kOidcUseCode[] =
    "INSERT INTO oidc_used_codes (id, client_id, keep_until) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
inline constexpr char kOidcRevokeCode[] = "UPDATE oidc_used_codes SET revoked = 1 WHERE id = ?1";
inline constexpr char kOidcCodeLive[] = "SELECT revoked FROM oidc_used_codes WHERE id = ?1";

// ---- Subjects -------------------------------------------------------------------------------------

// Two first authorizations at once: the second insert does nothing, and both read the first's subject.
inline constexpr char kOidcAddSubject[] =
    "INSERT INTO oidc_subjects (person_id, subject) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
inline constexpr char kOidcSubjectOf[] = "SELECT subject FROM oidc_subjects WHERE person_id = ?1";

// ---- The sweep ------------------------------------------------------------------------------------

// ?1 now
inline constexpr char kOidcSweepPending[] = "DELETE FROM oidc_pending WHERE expires_at <= ?1";
inline constexpr char kOidcSweepCodes[] = "DELETE FROM oidc_used_codes WHERE keep_until <= ?1";
inline constexpr char kOidcSweepAssertions[] = "DELETE FROM oidc_assertions WHERE expires_at <= ?1";
// ?1 client id, ?2 jti, ?3 expires at: one row inserted for the first use only.
inline constexpr char kOidcAddAssertion[] =
    "INSERT INTO oidc_assertions (client_id, jti, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";

}  // namespace mina::storage::sql
