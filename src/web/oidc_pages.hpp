// Single sign-on (issue [11]): the OpenID Provider's endpoints. Discovery, the authorization
// endpoint over the portal's own login and session, the token endpoint (client_secret_basic,
// client_secret_post, private_key_jwt, none for a public client), userinfo, the JWKS and
// RP-initiated logout. This door reads JSON, JWS and HTTP; oidc::Provider decides.
#pragma once

#include "core/oidc/provider.hpp"
#include "web/pages.hpp"

namespace mina::web {

/// The cookie that holds an authorization request waiting for the person's login.
inline constexpr std::string_view kOidcCookie = "mina_oidc";

class OidcPages final : Pages {
   public:
    OidcPages(PageContext& ctx, oidc::Provider& provider, const oidc::Signer& signer)
        : Pages(ctx), provider_(provider), signer_(signer) {}
    void add_routes(Router& router);

   private:
    Response discovery(Request& req);
    Response jwks(Request& req);
    Response authorize(Request& req);
    Response token(Request& req);
    Response userinfo(Request& req);
    Response end_session(Request& req);

    /// The JWKS of the keys published now.
    [[nodiscard]] std::string published_jwks();
    Response authorize_outcome(Request& req, const oidc::AuthorizeOutcome& outcome, bool resumed);
    /// `res` waits for `writes` (if any) to be on disk before it is sent (Response::after_writes).
    void after(Response& res, oidc::Provider::Deferred writes);

    oidc::Provider& provider_;
    const oidc::Signer& signer_;
};

}  // namespace mina::web
