// The administration of single sign-on (issue [11], SPEC §5's `mina admin client …`): the services
// that log in through Mina tjänster (clients) added, listed, removed and given a new secret, and the
// keys that sign ID tokens made and replaced. Each change is one transaction with its audit event.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/ports.hpp"
#include "core/idm/admin.hpp"
#include "core/oidc/ports.hpp"

namespace mina::oidc {

/// A client as the operator describes it (`mina admin client add`).
struct ClientInput {
    std::string id;
    std::string name;
    std::vector<std::string> redirect_uris;
    std::vector<std::string> post_logout_redirect_uris;
    bool is_public = false;
    std::string jwks;                // the client's JWKS (JSON) for private_key_jwt; empty: none
    std::string id_token_alg;        // "RS256" (also when empty) or "ES256"
    std::string initiate_login_uri;  // empty: none
};

/// Why a URI cannot be registered (a redirect, post-logout or initiate-login URI), or nothing when
/// it can: absolute https, or http only on the loopback hosts 127.0.0.1, [::1] and localhost; a
/// host; no user name, no fragment, no space or control character.
[[nodiscard]] std::optional<std::string> uri_problem(std::string_view uri);

/// Why `jwks` is not a JWKS (a JSON object with a "keys" array), or nothing: a structural look
/// only; the JOSE layer reads the keys when it verifies with them.
[[nodiscard]] std::optional<std::string> jwks_problem(std::string_view jwks);

class Admin final {
   public:
    Admin(Store store, ports::Tokens& tokens) : store_(store), tokens_(tokens) {}

    /// Registers a client. The answer is its secret, shown this once (only its digest is kept), or
    /// nothing for a public client, which has none.
    admin::Result<std::optional<std::string>> add_client(const ClientInput& in, const admin::Actor& who, Timestamp now);
    /// Every client, by id.
    [[nodiscard]] std::vector<Client> list_clients();
    admin::Result<admin::Done> remove_client(std::string_view id, const admin::Actor& who, Timestamp now);
    /// A new secret, shown this once; the old one stops working at once. Refused for a public client.
    admin::Result<std::string> rotate_secret(std::string_view id, const admin::Actor& who, Timestamp now);

    /// Retires every key not yet retired and adds a new RS256 and a new ES256 key; returns the new
    /// keys' kids. The retired keys are still published until the tokens they signed have expired.
    std::vector<std::string> rotate_keys(const Signer& signer, const admin::Actor& who, Timestamp now);
    /// Adds a key for each algorithm that has none in use (`mina serve` at start); returns how many
    /// were added. Two servers starting at once may both make a key, but the one that writes second
    /// finds the first's and adds none.
    int ensure_keys(const Signer& signer, Timestamp now);

   private:
    [[nodiscard]] std::string new_kid();

    Store store_;
    ports::Tokens& tokens_;
};

}  // namespace mina::oidc
