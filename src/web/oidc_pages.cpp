#include "web/oidc_pages.hpp"

#include <boost/json.hpp>
#include <boost/url/url.hpp>

#include "core/common/text.hpp"

namespace mina::web {

namespace json = boost::json;

namespace {

constexpr long kPendingSeconds = 1800;

/// base64url (no padding) to bytes; nothing for anything else.
std::optional<std::string> base64url_decode(std::string_view in) {
    std::string s(in);
    for (char& c : s) {
        if (c == '-') c = '+';
        else if (c == '_') c = '/';
        else if (c == '+' || c == '/' || c == '=') return std::nullopt;
    }
    while (s.size() % 4 != 0) s.push_back('=');
    return base64_decode(s);
}

/// A JSON object from text; nothing for anything else.
std::optional<json::object> object_of(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
}

std::string string_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

/// "aud": a string or an array of strings.
std::vector<std::string> audiences(const json::object& o) {
    std::vector<std::string> out;
    const auto* v = o.if_contains("aud");
    if (!v) return out;
    if (v->is_string()) out.emplace_back(v->as_string());
    if (v->is_array())
        for (const auto& x : v->as_array())
            if (x.is_string()) out.emplace_back(x.as_string());
    return out;
}

std::optional<Timestamp> time_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v && v->is_int64()) return from_unix(v->as_int64());
    if (v && v->is_uint64() && v->as_uint64() < (1ULL << 40U))
        return from_unix(static_cast<std::int64_t>(v->as_uint64()));
    if (v && v->is_double()) return from_unix(static_cast<std::int64_t>(v->as_double()));
    return std::nullopt;
}

/// The payload of a compact JWS, unverified: to learn which client sent an assertion.
std::optional<json::object> unverified_payload(std::string_view compact) {
    const auto a = compact.find('.');
    const auto b = a == std::string_view::npos ? a : compact.find('.', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    auto bytes = base64url_decode(compact.substr(a + 1, b - a - 1));
    if (!bytes) return std::nullopt;
    return object_of(*bytes);
}

void put_claims(const oidc::Claims& c, json::object& o) {
    o["sub"] = c.sub;
    if (c.profile) {
        o["name"] = c.name;
        o["given_name"] = c.given_name;
        o["family_name"] = c.family_name;
        o["preferred_username"] = c.preferred_username;
        if (!c.locale.empty()) o["locale"] = c.locale;
    }
    if (c.email) o["email"] = c.email_address;
    if (c.schools) {
        json::array schools;
        for (const auto& s : c.school_list) {
            json::array roles;
            for (const auto& r : s.roles) roles.emplace_back(r);
            schools.emplace_back(json::object{{"code", s.code}, {"name", s.name}, {"roles", std::move(roles)}});
        }
        o["schools"] = std::move(schools);
        if (!c.school.empty()) o["school"] = c.school;
        o["agency_admin"] = c.agency_admin;
    }
}

Response json_answer(int status, const json::value& v) {
    Response r;
    r.status = status;
    r.content_type = "application/json; charset=utf-8";
    r.body = json::serialize(v);
    r.header("Cache-Control", "no-store");
    r.header("Pragma", "no-cache");
    return r;
}

Response oauth_error(int status, std::string_view error, std::string_view description) {
    return json_answer(status, json::object{{"error", error}, {"error_description", description}});
}

/// `uri` with `params` added to its query (Boost.URL encodes them).
std::string with_params(const std::string& uri, const std::vector<std::pair<std::string, std::string>>& params) {
    boost::urls::url u(uri);
    for (const auto& [k, v] : params) u.params().append({k, v});
    return std::string(u.buffer());
}

}  // namespace

std::string OidcPages::published_jwks() {
    json::array keys;
    for (const auto& k : provider_.published_keys())
        if (auto o = object_of(k.public_jwk)) keys.emplace_back(std::move(*o));
    return json::serialize(json::object{{"keys", std::move(keys)}});
}

Response OidcPages::discovery(Request&) {
    const std::string& iss = provider_.settings().issuer;
    json::object d{
        {"issuer", iss},
        {"authorization_endpoint", iss + "/oidc/authorize"},
        {"token_endpoint", iss + "/oidc/token"},
        {"userinfo_endpoint", iss + "/oidc/userinfo"},
        {"jwks_uri", iss + "/oidc/jwks"},
        {"end_session_endpoint", iss + "/oidc/logout"},
        {"response_types_supported", json::array{"code"}},
        {"response_modes_supported", json::array{"query"}},
        {"grant_types_supported", json::array{"authorization_code"}},
        {"subject_types_supported", json::array{"public"}},
        {"id_token_signing_alg_values_supported", json::array{"RS256", "ES256"}},
        {"code_challenge_methods_supported", json::array{"S256"}},
        {"token_endpoint_auth_methods_supported",
         json::array{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}},
        {"token_endpoint_auth_signing_alg_values_supported", json::array{"RS256", "ES256"}},
        {"scopes_supported", json::array{"openid", "profile", "email", "schools"}},
        {"claims_supported", json::array{"sub",       "iss",   "aud",        "exp",         "iat",
                                         "auth_time", "nonce", "acr",        "amr",         "sid",
                                         "azp",       "name",  "given_name", "family_name", "preferred_username",
                                         "locale",    "email", "schools",    "school",      "agency_admin"}},
        {"acr_values_supported", json::array{"urn:mina:password", "urn:mina:mfa"}},
        {"prompt_values_supported", json::array{"none", "login"}},
        {"authorization_response_iss_parameter_supported", true},
        {"request_parameter_supported", false},
        {"request_uri_parameter_supported", false},
        {"claims_parameter_supported", false},
    };
    Response r = json_answer(200, d);
    r.headers.clear();
    r.header("Cache-Control", "public, max-age=300");
    return r;
}

Response OidcPages::jwks(Request&) {
    Response r;
    r.content_type = "application/json; charset=utf-8";
    r.body = published_jwks();
    // A client that meets an unknown kid fetches again; a minute keeps a rotation quick to see.
    r.header("Cache-Control", "public, max-age=60");
    return r;
}

Response OidcPages::authorize_outcome(Request& req, const oidc::AuthorizeOutcome& outcome, bool resumed) {
    return std::visit(
        Overloaded{
            [&](const oidc::NoRedirect& n) {
                const std::string lang = pick_language(req, {});
                const std::string key = n.why == "unknown_client" ? "oidc_unknown_client" : "oidc_bad_redirect";
                return message_page(req, lang, 400, views_.t(lang, "oidc_error_heading"), {views_.t(lang, key)}, "/",
                                    views_.t(lang, "back_to_start"));
            },
            [&](const oidc::Redirect& r) {
                Response res = Response::redirect(with_params(r.uri, r.params), 303);
                if (resumed || !req.cookie(kOidcCookie).empty())
                    res.header("Set-Cookie", cookie_header(kOidcCookie, "", req.secure, 0));
                return res;
            },
            [&](const oidc::NeedLogin& n) {
                Response res = Response::redirect("/logga-in", 303);
                res.header("Set-Cookie", cookie_header(kOidcCookie, n.token, req.secure, kPendingSeconds));
                return res;
            },
        },
        outcome);
}

Response OidcPages::authorize(Request& req) {
    const std::string_view raw = req.method == "POST" ? std::string_view(req.body) : std::string_view(req.query);
    auto form = Form::parse(raw);
    if (!form) return error_page(req, 400, "error_400");

    std::string query(raw);
    std::string resumed;
    if (form->has("fortsatt")) {
        // After the login: the request that waited (the cookie's), as it was sent.
        resumed = req.cookie(kOidcCookie);
        auto pending = provider_.pending(resumed);
        if (!pending) return Response::redirect("/start", 303);
        form = Form::parse(pending->query);
        if (!form) return error_page(req, 400, "error_400");
        query = pending->query;
    }
    oidc::AuthorizeRequest r;
    r.response_type = form->get("response_type");
    r.client_id = form->get("client_id");
    r.redirect_uri = form->get("redirect_uri");
    r.scope = form->get("scope");
    r.state = form->get("state");
    r.nonce = form->get("nonce");
    r.code_challenge = form->get("code_challenge");
    r.code_challenge_method = form->get("code_challenge_method");
    r.prompt = form->get("prompt");
    r.response_mode = form->get("response_mode");
    if (form->has("max_age")) r.max_age = form->get("max_age");
    r.request_object = form->has("request");
    r.request_uri = form->has("request_uri");

    // GET runs on an I/O thread (the request that every sign-on makes): nothing here waits for a
    // disk; the answer waits for its writes instead. POST (after a login) runs on the work pool.
    const PoolKind where = req.method == "GET" ? PoolKind::io : PoolKind::work;
    const auto viewer = ctx_.viewer(req, where);
    oidc::Provider::Deferred writes;
    const auto outcome = provider_.authorize(r, query, viewer ? &*viewer : nullptr, client(req), resumed,
                                             where == PoolKind::io ? &writes : nullptr);
    Response res = authorize_outcome(req, outcome, !resumed.empty());
    after(res, std::move(writes));
    return res;
}

void OidcPages::after(Response& res, oidc::Provider::Deferred writes) {
    if (!writes.write) return;
    res.after_writes = [&provider = provider_, w = std::move(writes)](std::function<void(std::exception_ptr)> done) {
        provider.commit_later(w, std::move(done));
    };
}

Response OidcPages::token(Request& req) {
    if (!req.header("content-type").starts_with("application/x-www-form-urlencoded")) {
        provider_.refused("invalid_request", "", client(req));
        return oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
    }
    auto form = Form::parse(req.body);
    if (!form) {
        provider_.refused("invalid_request", "", client(req));
        return oauth_error(400, "invalid_request", "the body is not a form");
    }

    oidc::TokenRequest t;
    t.grant_type = form->get("grant_type");
    t.code = form->get("code");
    t.redirect_uri = form->get("redirect_uri");
    t.code_verifier = form->get("code_verifier");
    auto& auth = t.auth;
    using M = oidc::ClientAuth::Method;
    int methods = 0;
    const std::string_view authorization = req.header("authorization");
    bool basic = false;
    if (authorization.size() > 6 && text::lower_ascii(authorization.substr(0, 6)) == "basic ") {
        basic = true;
        ++methods;
        auto decoded = base64_decode(text::trim(authorization.substr(6)));
        const auto colon = decoded ? decoded->find(':') : std::string::npos;
        if (colon == std::string::npos) {
            provider_.refused("invalid_client", "", client(req));
            return oauth_error(401, "invalid_client", "malformed Basic credentials");
        }
        // RFC 6749 §2.3.1: each part form-urlencoded before it was joined.
        auto parts = Form::parse("i=" + decoded->substr(0, colon) + "&s=" + decoded->substr(colon + 1));
        if (!parts) {
            provider_.refused("invalid_client", "", client(req));
            return oauth_error(401, "invalid_client", "malformed Basic credentials");
        }
        auth.method = M::secret_basic;
        auth.client_id = parts->get("i");
        auth.secret = parts->get("s");
        if (form->has("client_id") && form->get("client_id") != auth.client_id) auth.several = true;
    }
    if (form->has("client_secret")) {
        ++methods;
        auth.method = M::secret_post;
        auth.client_id = form->get("client_id");
        auth.secret = form->get("client_secret");
    }
    if (form->has("client_assertion") || form->has("client_assertion_type")) {
        ++methods;
        auth.method = M::private_key_jwt;
        const std::string assertion = form->get("client_assertion");
        auto claims = unverified_payload(assertion);
        auth.client_id = form->has("client_id") ? form->get("client_id") : claims ? string_of(*claims, "iss") : "";
        if (form->get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
            if (auto c = provider_.client(auth.client_id); c && !c->jwks.empty()) {
                if (auto payload = signer_.verify(assertion, c->jwks))
                    if (auto o = object_of(*payload))
                        auth.assertion =
                            oidc::ClientAuth::Assertion{string_of(*o, "iss"), string_of(*o, "sub"), audiences(*o),
                                                        time_of(*o, "exp"), string_of(*o, "jti")};
            }
        }
    }
    if (methods == 0) {
        auth.method = M::none;
        auth.client_id = form->get("client_id");
    }
    if (methods > 1) auth.several = true;

    const auto outcome = provider_.token(t, client(req));
    if (const auto* e = std::get_if<oidc::TokenError>(&outcome)) {
        Response res = oauth_error(e->status, e->error, e->description);
        if (e->status == 401 && basic) res.header("WWW-Authenticate", "Basic realm=\"mina\"");
        return res;
    }
    const auto& issued = std::get<oidc::Issued>(outcome);
    const auto& id = issued.id_token;
    json::object payload{{"iss", id.iss},          {"aud", id.aud},          {"azp", id.azp},
                         {"exp", to_unix(id.exp)}, {"iat", to_unix(id.iat)}, {"auth_time", to_unix(id.auth_time)},
                         {"acr", id.acr},          {"sid", id.sid}};
    json::array amr;
    for (const auto& m : id.amr) amr.emplace_back(m);
    payload["amr"] = std::move(amr);
    if (!id.nonce.empty()) payload["nonce"] = id.nonce;
    put_claims(id.claims, payload);
    const std::string id_token = signer_.sign(issued.key, json::serialize(payload));
    return json_answer(200, json::object{{"access_token", issued.access_token},
                                         {"token_type", "Bearer"},
                                         {"expires_in", issued.expires_in.count()},
                                         {"id_token", id_token},
                                         {"scope", issued.scope}});
}

Response OidcPages::userinfo(Request& req) {
    // On an I/O thread: a refusal's audit row is committed before the answer, not here.
    oidc::Provider::Deferred writes;
    auto bearer_error = [&](std::string_view error, int status) {
        if (error == "invalid_request") provider_.refused(error, "", client(req), &writes);
        Response res = oauth_error(status, error,
                                   error == "invalid_request" ? "send the token in the Authorization header"
                                                              : "the access token is not valid");
        res.header("WWW-Authenticate", "Bearer error=\"" + std::string(error) + "\"");
        after(res, std::move(writes));
        return res;
    };
    // Never a token in a URL (SPEC §4, RFC 6750 §2.3 is not offered) nor in a body.
    auto q = Form::parse(req.query);
    if (!q || q->has("access_token") || req.body.find("access_token=") != std::string::npos)
        return bearer_error("invalid_request", 400);
    const std::string_view authorization = req.header("authorization");
    if (authorization.size() <= 7 || text::lower_ascii(authorization.substr(0, 7)) != "bearer ") {
        (void)provider_.userinfo({}, client(req), &writes);  // audited as an unknown token
        return bearer_error("invalid_token", 401);
    }
    const auto outcome = provider_.userinfo(text::trim(authorization.substr(7)), client(req), &writes);
    if (std::holds_alternative<oidc::UserinfoError>(outcome)) return bearer_error("invalid_token", 401);
    json::object o;
    put_claims(std::get<oidc::Claims>(outcome), o);
    return json_answer(200, o);
}

Response OidcPages::end_session(Request& req) {
    auto form = Form::parse(req.method == "POST" ? std::string_view(req.body) : std::string_view(req.query));
    if (!form) return error_page(req, 400, "error_400");
    oidc::EndSession e;
    e.client_id = form->get("client_id");
    e.post_logout_redirect_uri = form->get("post_logout_redirect_uri");
    e.state = form->get("state");
    if (const std::string hint = form->get("id_token_hint"); !hint.empty()) {
        if (auto payload = signer_.verify(hint, published_jwks()))
            if (auto o = object_of(*payload))
                e.hint = oidc::EndSession::Hint{string_of(*o, "iss"), audiences(*o), string_of(*o, "sid")};
    }
    const std::string session = req.cookie(kSessionCookie);
    const auto outcome = provider_.end_session(e, session, client(req));
    using K = oidc::EndSessionOutcome::Kind;
    if (outcome.kind == K::ask) {
        // Nobody proved that the person asked: the person decides, with the portal's own Logga ut.
        std::optional<portal::Viewer> viewer;
        if (!session.empty()) viewer = ctx_.portal.resume(session, now());
        if (!viewer) return Response::redirect("/logga-in?ut=1", 303);
        Authed a{*viewer, pick_language(req, viewer->person.lang)};
        Data d{Data::type::object};
        d.set("csrf", viewer->session.csrf_token);
        return authed_page(a, "oidc_logout", views_.t(a.lang, "oidc_logout_heading"), std::move(d));
    }
    Response res =
        outcome.kind == K::redirect
            ? Response::redirect(e.state.empty() ? outcome.uri : with_params(outcome.uri, {{"state", e.state}}), 303)
            : Response::redirect("/logga-in?ut=1", 303);
    if (!session.empty()) res.header("Set-Cookie", cookie_header(kSessionCookie, "", req.secure, 0));
    return res;
}

void OidcPages::add_routes(Router& r) {
    r.add("GET", "/.well-known/openid-configuration", this, &OidcPages::discovery).on_io();
    r.add("GET", "/oidc/jwks", this, &OidcPages::jwks);
    r.add("GET", "/oidc/authorize", this, &OidcPages::authorize).on_io();
    r.add("POST", "/oidc/authorize", this, &OidcPages::authorize).anonymous_body();
    r.add("POST", "/oidc/token", this, &OidcPages::token).anonymous_body().for_program();
    r.add("GET", "/oidc/userinfo", this, &OidcPages::userinfo).on_io().for_program();
    r.add("POST", "/oidc/userinfo", this, &OidcPages::userinfo).on_io().anonymous_body().for_program();
    r.add("GET", "/oidc/logout", this, &OidcPages::end_session);
    r.add("POST", "/oidc/logout", this, &OidcPages::end_session).anonymous_body();
}

}  // namespace mina::web
