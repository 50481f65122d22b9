// What the OpenID Provider (issue [11]) needs from storage and from crypto: the services the agency
// registered (clients), the keys that sign ID tokens, authorization requests waiting for a login,
// the codes exchanged and each person's subject. Every secret is stored as its digest
// (ports::Tokens::digest), never as sent; a signing key's private half only sealed (Signer). Codes
// and access tokens are not stored at all: each is its contents sealed (Signer::seal_token).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/repositories.hpp"

namespace mina::oidc {

/// The two algorithms ID tokens are signed with: RS256 (the standard's default) and ES256.
enum class Alg { rs256, es256 };

/// "RS256" / "ES256".
[[nodiscard]] std::string_view alg_name(Alg a);
[[nodiscard]] std::optional<Alg> alg_from(std::string_view name);

/// A service the agency registered (`mina admin client add`).
struct Client {
    std::string id;  // client_id
    std::string name;
    std::string secret_digest;               // Tokens::digest of the secret; empty: none (public, or keys only)
    bool is_public = false;                  // no secret: PKCE alone (a program on the person's own device)
    std::vector<std::string> redirect_uris;  // matched exactly
    std::vector<std::string> post_logout_redirect_uris;  // matched exactly
    std::string jwks;                // the client's public keys (a JWKS, JSON) for private_key_jwt; empty: none
    std::string initiate_login_uri;  // where the login page's link starts the service's login; empty: none
    Alg id_token_alg = Alg::rs256;
    Timestamp created_at{};
    friend bool operator==(const Client&, const Client&) = default;
};

/// A key that signs ID tokens. The newest key of each algorithm that is not retired signs; a retired
/// key is still published (jwks_uri) until the tokens it signed have expired.
struct SigningKey {
    std::string kid;
    Alg alg = Alg::rs256;
    std::string public_jwk;      // a JWK (JSON object) without private members, with "kid", "alg", "use"
    std::string sealed_private;  // the private JWK sealed with the installation's key (Signer::generate)
    Timestamp created_at{};
    std::optional<Timestamp> retired_at;
    friend bool operator==(const SigningKey&, const SigningKey&) = default;
};

/// An authorization request waiting for the person to log in (the browser holds its id in a cookie).
struct PendingRequest {
    std::string id_digest;
    std::string client_id;
    std::string query;        // the authorization request's parameters as received (form-encoded)
    Timestamp login_after{};  // a session made before this does not answer it (prompt=login, max_age)
    Timestamp created_at{};
    Timestamp expires_at{};
    friend bool operator==(const PendingRequest&, const PendingRequest&) = default;
};

/// An authorization code's contents: single use, 60 seconds, bound to its client, redirect URI and
/// PKCE challenge. A code is not stored: it is these fields sealed (Signer::seal_token), so that any
/// server opens it; only its first use is recorded (Codes), under `id`.
struct Code {
    std::string id;  // random; the row Codes::first_use makes
    std::string client_id;
    std::string redirect_uri;
    std::string code_challenge;  // S256: base64url(SHA-256(verifier))
    std::string nonce;           // empty: none was sent
    std::string scope;           // the granted scopes, space-separated
    PersonId person;
    std::string session_digest;  // the portal session (Session::id_hash) it was issued in
    std::string sid;             // the session's public name in tokens
    std::string school;          // "Vald skola" when it was issued; empty: none chosen
    Timestamp auth_time{};
    std::string amr;  // the login methods, space-separated ("pwd")
    Timestamp created_at{};
    Timestamp expires_at{};
    friend bool operator==(const Code&, const Code&) = default;
};

/// An access token's contents, sealed as a code is (opaque to the client): it works while it has
/// not expired, its code's use is recorded and not revoked (Codes::live), and its portal session lives.
struct AccessToken {
    std::string code_id;  // the code it was issued for: a second use of the code revokes it
    std::string client_id;
    PersonId person;
    std::string scope;
    std::string session_digest;
    std::string school;
    std::string sub;
    Timestamp expires_at{};
    friend bool operator==(const AccessToken&, const AccessToken&) = default;
};

class Clients {
   public:
    virtual ~Clients() = default;
    /// False when the id is taken.
    virtual bool add(const Client& c) = 0;
    [[nodiscard]] virtual std::optional<Client> find(std::string_view id) = 0;
    /// Every client, by id.
    [[nodiscard]] virtual std::vector<Client> list() = 0;
    /// False when there was none.
    virtual bool remove(std::string_view id) = 0;
    /// False when there was none.
    virtual bool set_secret(std::string_view id, const std::string& secret_digest) = 0;
};

class SigningKeys {
   public:
    virtual ~SigningKeys() = default;
    virtual void add(const SigningKey& k) = 0;
    /// Every key, newest first.
    [[nodiscard]] virtual std::vector<SigningKey> list() = 0;
    /// The newest key of `alg` not retired: the one that signs.
    [[nodiscard]] virtual std::optional<SigningKey> current(Alg alg) = 0;
    /// Retires every key of `alg` not yet retired; returns how many.
    virtual int retire(Alg alg, Timestamp at) = 0;
    /// Removes the keys retired before `before`; returns how many.
    virtual int remove_retired(Timestamp before) = 0;
};

class PendingRequests {
   public:
    virtual ~PendingRequests() = default;
    virtual void add(const PendingRequest& r) = 0;
    /// Nothing when unknown or expired at `now`.
    [[nodiscard]] virtual std::optional<PendingRequest> find(std::string_view id_digest, Timestamp now) = 0;
    virtual void remove(std::string_view id_digest) = 0;
};

/// The codes exchanged, by Code::id, kept until the access tokens they produced have expired.
class Codes {
   public:
    virtual ~Codes() = default;
    /// Records the first use of code `id`, atomically: false when it was used before (then nothing
    /// changes). The record is kept until `keep_until`.
    virtual bool first_use(std::string_view id, std::string_view client_id, Timestamp keep_until) = 0;
    /// A second use: the access tokens the first produced stop working. False when unknown.
    virtual bool revoke(std::string_view id) = 0;
    /// Whether the access tokens of code `id` work: its use is recorded and not revoked.
    [[nodiscard]] virtual bool live(std::string_view id) = 0;
};

/// The `sub` of each person: random, made at the first authorization, never changed or reused.
class Subjects {
   public:
    virtual ~Subjects() = default;
    /// The person's subject, made from `fresh` (and kept) when they have none.
    virtual std::string subject_of(PersonId person, const std::string& fresh) = 0;
    /// The person's subject, if one was made (reads only: for a read-only transaction).
    [[nodiscard]] virtual std::optional<std::string> find(PersonId person) = 0;
};

/// What OpenID Provider's tables hold beyond their useful life goes (`mina serve`'s sweep).
class Sweep {
   public:
    virtual ~Sweep() = default;
    /// Removes expired pending requests and records of used codes (and used client assertions);
    /// returns how many rows went.
    virtual int remove_expired(Timestamp now) = 0;
    /// Records a client assertion's jti (private_key_jwt) until `expires_at`; false when it was seen.
    virtual bool first_use_of_assertion(std::string_view client_id, std::string_view jti, Timestamp expires_at) = 0;
};

/// The provider's view of the store: one transaction.
class Unit : public virtual ports::UnitOfWork {
   public:
    virtual ports::Accounts& accounts() = 0;
    virtual ports::Grants& grants() = 0;
    virtual ports::Sessions& sessions() = 0;
    virtual ports::Audit& audit() = 0;
    virtual Clients& oidc_clients() = 0;
    virtual SigningKeys& oidc_keys() = 0;
    virtual PendingRequests& oidc_pending() = 0;
    virtual Codes& oidc_codes() = 0;
    virtual Subjects& oidc_subjects() = 0;
    virtual Sweep& oidc_sweep() = 0;
};

using Store = ports::StoreOf<Unit>;

/// JOSE (crypto/jose with cjose and OpenSSL): keys made, ID tokens signed, clients' assertions and
/// our own ID tokens (id_token_hint) verified.
class Signer {
   public:
    virtual ~Signer() = default;
    /// A new key pair for `alg` (RSA 2048 bits / P-256), its private half sealed with the
    /// installation's key. `kid` is the key's name in tokens.
    [[nodiscard]] virtual SigningKey generate(Alg alg, const std::string& kid, Timestamp now) const = 0;
    /// A compact JWS of `payload_json` with the header {"alg", "kid", "typ":"JWT"}; throws
    /// std::runtime_error when the key cannot be opened (another installation's key).
    [[nodiscard]] virtual std::string sign(const SigningKey& key, std::string_view payload_json) const = 0;
    /// The payload (JSON) of a compact JWS signed with RS256 or ES256 by a key of `jwks_json` (a JWKS:
    /// {"keys":[…]}) whose "kid" is the header's (or any key, when the header names none); nothing
    /// for anything else: another algorithm ("none" above all), a bad signature, a malformed token.
    /// Claims (exp, aud, …) are the caller's to check.
    [[nodiscard]] virtual std::optional<std::string> verify(std::string_view compact,
                                                            std::string_view jwks_json) const = 0;
    /// `plain` sealed under the installation's key with `purpose` as associated data (base64url):
    /// a code or an access token that carries its own contents, which only a server of this
    /// installation can read or make, and which opens only for the same purpose.
    [[nodiscard]] virtual std::string seal_token(std::string_view purpose, std::string_view plain) const = 0;
    /// What seal_token sealed for `purpose`; nothing for anything else (changed, another purpose).
    [[nodiscard]] virtual std::optional<std::string> open_token(std::string_view purpose,
                                                                std::string_view sealed) const = 0;
};

}  // namespace mina::oidc
