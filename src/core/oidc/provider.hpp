// The OpenID Provider (issue [11]): the authorization code flow with PKCE (S256) as OpenID Connect
// Core 1.0 and RFC 6749/7636 say it, over the portal's own login and session. This is the protocol's
// decisions — which client, which redirect, which login is fresh enough, which code, whose token —
// with every code and token issued and every refusal audited in the transaction that makes it.
// JSON, signatures and HTTP are the web layer's (web/oidc_pages): what it gets here are values.
//
// Codes and access tokens are their contents sealed (Signer::seal_token): issuing one stores
// nothing but its audit row, and any server opens it. The token endpoint records each code's first
// use (Codes), which makes it single-use across servers and lets a second use revoke the access
// tokens of the first; an access token works while its code's record is live and its portal
// session lives. Writes go through a GroupCommit when one is given, so that requests at once share a
// transaction; a caller on an I/O thread takes them instead (`deferred`) and hands them on itself.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/common/group_commit.hpp"
#include "core/common/ports.hpp"
#include "core/login/portal.hpp"
#include "core/oidc/ports.hpp"

namespace mina::oidc {

struct Settings {
    std::string issuer;          // server.public_url without a trailing slash
    Seconds code_ttl{60};        // an authorization code
    Seconds token_ttl{300};      // an access token
    Seconds id_token_ttl{300};   // an ID token
    Seconds pending_ttl{1800};   // an authorization request waiting for a login
    Seconds retired_keys{3600};  // how long a retired key is still published
    // The portal's session limits (policy.session_idle, policy.session_absolute): an access token
    // works only while the session it was issued in could still be resumed.
    Seconds session_idle{1800};
    Seconds session_absolute{43200};
};

/// An authorization request's parameters as sent (OpenID Connect Core 1.0 §3.1.2.1).
struct AuthorizeRequest {
    std::string response_type;
    std::string client_id;
    std::string redirect_uri;
    std::string scope;
    std::string state;
    std::string nonce;
    std::string code_challenge;
    std::string code_challenge_method;
    std::string prompt;
    std::string response_mode;
    std::optional<std::string> max_age;
    bool request_object = false;  // `request` was sent (not supported)
    bool request_uri = false;     // `request_uri` was sent (not supported)
};

/// No client to send the answer to (unknown client, a redirect URI not registered): a page.
struct NoRedirect {
    std::string why;  // "unknown_client", "bad_redirect_uri", "bad_request"
};
/// The answer goes to the client: its redirect URI with these query parameters.
struct Redirect {
    std::string uri;
    std::vector<std::pair<std::string, std::string>> params;
};
/// The person must log in first: the request waits under `token` (the browser's cookie).
struct NeedLogin {
    std::string token;
    std::string client_name;
};
using AuthorizeOutcome = std::variant<NoRedirect, Redirect, NeedLogin>;

/// What a client proved at the token endpoint (RFC 6749 §2.3, OpenID Connect Core §9).
struct ClientAuth {
    enum class Method { none, secret_basic, secret_post, private_key_jwt };
    Method method = Method::none;
    std::string client_id;
    std::string secret;
    /// private_key_jwt: the assertion's claims, read by the web layer from a JWS whose signature
    /// verified against the client's registered keys; nothing when it did not verify.
    struct Assertion {
        std::string iss;
        std::string sub;
        std::vector<std::string> aud;
        std::optional<Timestamp> exp;
        std::string jti;
    };
    std::optional<Assertion> assertion;
    bool several = false;  // more than one method was used: refused
};

struct TokenRequest {
    std::string grant_type;
    std::string code;
    std::string redirect_uri;
    std::string code_verifier;
    ClientAuth auth;
};

struct SchoolClaim {
    std::string code;
    std::string name;
    std::vector<std::string> roles;
};

/// The claims about the person that the scopes ask for (userinfo, and the ID token).
struct Claims {
    std::string sub;
    bool profile = false;
    std::string name, given_name, family_name, preferred_username, locale;
    bool email = false;
    std::string email_address;
    bool schools = false;
    std::vector<SchoolClaim> school_list;
    std::string school;  // Vald skola; empty: none
    bool agency_admin = false;
};

/// An ID token's claims, to be signed with `key`.
struct IdToken {
    std::string iss, aud, azp, nonce, acr, sid;
    std::vector<std::string> amr;
    Timestamp iat{}, exp{}, auth_time{};
    Claims claims;
};

struct Issued {
    std::string access_token;
    Seconds expires_in{0};
    std::string scope;
    IdToken id_token;
    SigningKey key;  // signs the ID token
};

struct TokenError {
    int status = 400;
    std::string error;  // RFC 6749 §5.2
    std::string description;
};

struct UserinfoError {
    std::string error;  // "invalid_token"
};

/// An end-session request (RP-Initiated Logout 1.0 §2) as the web layer read it: the hint's claims
/// when its signature verified against our keys.
struct EndSession {
    struct Hint {
        std::string iss;
        std::vector<std::string> aud;
        std::string sid;
    };
    std::optional<Hint> hint;
    std::string client_id;
    std::string post_logout_redirect_uri;
    std::string state;
};
/// What the browser is shown after the end-session request: the client's URI, the portal's own
/// "logged out" page, or (no verified hint) the question whether to log out.
struct EndSessionOutcome {
    enum class Kind { redirect, logged_out, ask } kind = Kind::ask;
    std::string uri;  // for redirect: with ?state when one was sent
};

class Provider {
   public:
    /// The writes of one step, to commit in one transaction (with others': GroupCommit).
    using Write = std::function<void(Unit&)>;
    /// A step's writes that its caller commits (commit_later) before it answers. `sync` false: the
    /// answer may go once they are committed, before they reach the disk with the next synced
    /// commit (a code's audit row: the code's exchange, which must follow for it to be worth
    /// anything, syncs it).
    struct Deferred {
        Write write;
        bool sync = true;
    };

    /// `group`: where writes go to share a transaction (nothing: each in its own).
    Provider(Store store, ports::Tokens& tokens, const Signer& signer, const Clock& clock, Settings settings,
             GroupCommit<Unit>* group = nullptr)
        : store_(store),
          tokens_(tokens),
          signer_(signer),
          clock_(clock),
          settings_(std::move(settings)),
          group_(group) {}

    [[nodiscard]] const Settings& settings() const { return settings_; }
    /// The issuer, once the server knows its address (server.public_url unset): before any request.
    void set_issuer(std::string issuer) { settings_.issuer = std::move(issuer); }

    /// An authorization request. `viewer`: the browser's live portal session, if any. `resumed`:
    /// the pending request this continues after a login (its token), whose parameters `r` are.
    /// `deferred`: given, the step's writes (its audit row above all) are left there, for the
    /// caller to commit before it answers; else they are committed before this returns.
    AuthorizeOutcome authorize(const AuthorizeRequest& r, std::string_view query, const portal::Viewer* viewer,
                               const ClientInfo& from, std::string_view resumed = {}, Deferred* deferred = nullptr);
    /// The pending request behind a browser's cookie, if it is still waiting.
    [[nodiscard]] std::optional<PendingRequest> pending(std::string_view token);
    /// The service a pending request is for: the login page names it, and lets its form end there.
    struct Waiting {
        std::string client_name;
        std::vector<std::string> redirect_uris;  // the client's registered ones
    };
    [[nodiscard]] std::optional<Waiting> waiting(std::string_view token);

    /// The token endpoint: a code for an access token and an ID token.
    std::variant<Issued, TokenError> token(const TokenRequest& r, const ClientInfo& from);
    /// The claims an access token may read, or why not (a refusal's audit row: as for authorize).
    std::variant<Claims, UserinfoError> userinfo(std::string_view access_token, const ClientInfo& from,
                                                 Deferred* deferred = nullptr);
    /// A request the web layer refused before asking (a token in a URL, a body that is not a form):
    /// audited as every refusal is.
    void refused(std::string_view error, std::string_view client, const ClientInfo& from, Deferred* deferred = nullptr);

    /// The end-session endpoint: `session_token` is the browser's portal session cookie (may be empty).
    EndSessionOutcome end_session(const EndSession& r, std::string_view session_token, const ClientInfo& from);

    /// A registered client (the web layer verifies a private_key_jwt assertion with its keys).
    [[nodiscard]] std::optional<Client> client(std::string_view id);
    /// Every client (the login page links to those with an initiate_login_uri).
    [[nodiscard]] std::vector<Client> clients();

    /// The key that signs for `alg`: the newest not retired (`mina serve` makes one at start when
    /// there is none: oidc::Admin::ensure_keys).
    SigningKey signing_key(Alg alg);
    /// The keys jwks_uri publishes: those not retired, and those retired within `retired_keys`.
    [[nodiscard]] std::vector<SigningKey> published_keys();
    /// Removes expired requests, records of used codes and assertions, and long-retired keys.
    int sweep();

    /// What the group commit has done (nothing when there is none), for /metrics.
    [[nodiscard]] std::optional<GroupCommit<Unit>::Counts> group_counts() const {
        if (group_ == nullptr) return std::nullopt;
        return group_->counts();
    }
    /// Commits writes a caller took (`deferred`) without waiting: `done` follows once they are on
    /// disk (null) or failed, on whichever thread commits them.
    void commit_later(Deferred d, std::function<void(std::exception_ptr)> done);

   private:
    /// Commits `w`: left in `deferred` when given, else through the group (or alone) now.
    void write(Write w, Deferred* deferred = nullptr, bool sync = true);
    /// The session `id_hash` with its person and access, if it could still be resumed at `now`.
    std::optional<Viewing> live_session(Unit& tx, const std::string& id_hash, Timestamp now);
    static Claims claims_of(const Viewing& v, const std::string& sub, const std::string& scope,
                            const std::string& school);
    std::optional<TokenError> authenticate(const Client& c, const ClientAuth& a);
    TokenError refuse(const ClientInfo& from, std::string_view client, int status, std::string error,
                      std::string description);

    Store store_;
    ports::Tokens& tokens_;
    const Signer& signer_;
    const Clock& clock_;
    Settings settings_;
    GroupCommit<Unit>* group_;
};

/// A code's and an access token's contents as sealed (Signer::seal_token), and back: nothing for
/// anything seal_token did not make for that purpose.
[[nodiscard]] std::string seal_code(const Signer& s, const Code& c);
[[nodiscard]] std::optional<Code> open_code(const Signer& s, std::string_view code);
[[nodiscard]] std::string seal_access(const Signer& s, const AccessToken& t);
[[nodiscard]] std::optional<AccessToken> open_access(const Signer& s, std::string_view token);

/// base64url without padding of `bytes` (RFC 4648 §5).
[[nodiscard]] std::string base64url(std::string_view bytes);
/// Whether `uri` is one of `registered`, exactly (OpenID Connect Core §3.1.2.1: simple string comparison).
[[nodiscard]] bool registered(const std::vector<std::string>& registered, std::string_view uri);
/// The space-separated words of `text`.
[[nodiscard]] std::vector<std::string> words(std::string_view text);

}  // namespace mina::oidc
