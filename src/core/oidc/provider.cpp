#include "core/oidc/provider.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

namespace mina::oidc {

namespace {

constexpr std::string_view kAcrPassword = "urn:mina:password";

bool has_word(std::string_view text, std::string_view word) {
    const auto all = words(text);
    return std::find(all.begin(), all.end(), word) != all.end();
}

/// The scopes granted: those we know, in a fixed order ("openid" first).
std::string granted_scope(std::string_view asked) {
    std::string out = "openid";
    for (std::string_view s : {"profile", "email", "schools"})
        if (has_word(asked, s)) out.append(" ").append(s);
    return out;
}

/// RFC 7636 §4.1: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
bool verifier_ok(std::string_view v) {
    if (v.size() < 43 || v.size() > 128) return false;
    return std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
               c == '_' || c == '~';
    });
}

/// A challenge as S256 makes it: 43 characters of base64url.
bool challenge_ok(std::string_view c) {
    if (c.size() != 43) return false;
    return std::all_of(c.begin(), c.end(), [](char x) {
        return (x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z') || (x >= '0' && x <= '9') || x == '-' || x == '_';
    });
}

std::string from_hex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return 0;
    };
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>((nibble(hex[i]) << 4) | nibble(hex[i + 1])));
    return out;
}

std::string_view role_claim(Role r) { return to_string(r); }

/// max_age: a non-negative whole number of seconds (at most a year's worth of digits).
std::optional<std::int64_t> whole_seconds(std::string_view t) {
    if (t.empty() || t.size() > 10) return std::nullopt;
    std::int64_t n = 0;
    for (char c : t) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

}  // namespace

std::string base64url(std::string_view bytes) {
    static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16U) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8U) | static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(kAlphabet[(n >> 18U) & 63U]);
        out.push_back(kAlphabet[(n >> 12U) & 63U]);
        out.push_back(kAlphabet[(n >> 6U) & 63U]);
        out.push_back(kAlphabet[n & 63U]);
    }
    if (bytes.size() - i == 1) {
        const unsigned n = static_cast<unsigned char>(bytes[i]) << 16U;
        out.push_back(kAlphabet[(n >> 18U) & 63U]);
        out.push_back(kAlphabet[(n >> 12U) & 63U]);
    } else if (bytes.size() - i == 2) {
        const unsigned n =
            (static_cast<unsigned char>(bytes[i]) << 16U) | (static_cast<unsigned char>(bytes[i + 1]) << 8U);
        out.push_back(kAlphabet[(n >> 18U) & 63U]);
        out.push_back(kAlphabet[(n >> 12U) & 63U]);
        out.push_back(kAlphabet[(n >> 6U) & 63U]);
    }
    return out;
}

bool registered(const std::vector<std::string>& registered, std::string_view uri) {
    return !uri.empty() && std::find(registered.begin(), registered.end(), uri) != registered.end();
}

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        std::size_t j = i;
        while (j < text.size() && text[j] != ' ') ++j;
        if (j > i) out.emplace_back(text.substr(i, j - i));
        i = j;
    }
    return out;
}

AuthorizeOutcome Provider::authorize(const AuthorizeRequest& r, std::string_view query, const portal::Viewer* viewer,
                                     const ClientInfo& from, std::string_view resumed) {
    const Timestamp now = clock_.now();
    auto tx = store_.begin(ports::TxMode::write);
    auto refused = [&](std::string_view error) {
        tx->audit().append({now, viewer ? viewer->person.username.value() : "anonymous", from.address, "oidc.refused",
                            viewer ? viewer->person.username.value() : "", "",
                            audit::say("oidc_refused", {error, r.client_id})});
        tx->commit();
    };

    // 1. Without a known client and one of its redirect URIs nothing may be sent anywhere (§3.1.2.6).
    auto client = r.client_id.empty() ? std::nullopt : tx->oidc_clients().find(r.client_id);
    if (!client) {
        refused("unknown_client");
        return NoRedirect{"unknown_client"};
    }
    if (!registered(client->redirect_uris, r.redirect_uri)) {
        refused("bad_redirect_uri");
        return NoRedirect{"bad_redirect_uri"};
    }

    // 2. Everything else is the client's to hear, at its redirect URI, with its state.
    auto to_client = [&](std::string error, std::string description) -> AuthorizeOutcome {
        refused(error);
        Redirect out{r.redirect_uri, {{"error", std::move(error)}, {"error_description", std::move(description)}}};
        if (!r.state.empty()) out.params.emplace_back("state", r.state);
        out.params.emplace_back("iss", settings_.issuer);
        return out;
    };
    if (r.request_object) return to_client("request_not_supported", "request objects are not supported");
    if (r.request_uri) return to_client("request_uri_not_supported", "request_uri is not supported");
    if (r.response_type != "code")
        return to_client("unsupported_response_type", "only the authorization code flow (response_type=code)");
    if (!r.response_mode.empty() && r.response_mode != "query")
        return to_client("invalid_request", "only response_mode=query");
    if (!has_word(r.scope, "openid")) return to_client("invalid_scope", "the scope must include openid");
    if (r.code_challenge.empty()) return to_client("invalid_request", "PKCE is required: code_challenge");
    if (r.code_challenge_method != "S256") return to_client("invalid_request", "code_challenge_method must be S256");
    if (!challenge_ok(r.code_challenge)) return to_client("invalid_request", "code_challenge is not an S256 challenge");
    const auto prompts = words(r.prompt);
    const bool prompt_none = std::find(prompts.begin(), prompts.end(), "none") != prompts.end();
    const bool prompt_login = std::find(prompts.begin(), prompts.end(), "login") != prompts.end();
    if (prompt_none && prompts.size() > 1) return to_client("invalid_request", "prompt=none stands alone");

    // 3. Which login answers the request: one made after `login_after`.
    Timestamp login_after{};
    std::optional<PendingRequest> pending;
    if (!resumed.empty()) {
        pending = tx->oidc_pending().find(tokens_.digest(resumed), now);
        if (pending) login_after = pending->login_after;
    } else {
        if (prompt_login) login_after = now;
        if (r.max_age) {
            const auto seconds = whole_seconds(*r.max_age);
            if (!seconds) return to_client("invalid_request", "max_age must be a whole number of seconds");
            login_after = std::max(login_after, now - Seconds{*seconds});
        }
    }
    const bool fresh = viewer != nullptr && viewer->session.created_at >= login_after;
    if (!fresh) {
        if (prompt_none) return to_client("login_required", "the person is not logged in");
        PendingRequest p;
        std::string token = tokens_.token();
        p.id_digest = tokens_.digest(token);
        p.client_id = client->id;
        p.query = std::string(query);
        p.login_after = pending ? pending->login_after : login_after;
        p.created_at = now;
        p.expires_at = now + settings_.pending_ttl;
        if (pending) tx->oidc_pending().remove(pending->id_digest);
        tx->oidc_pending().add(p);
        tx->commit();
        return NeedLogin{std::move(token), client->name};
    }

    // 4. A code for the client.
    const std::string code = tokens_.token();
    Code c;
    c.digest = tokens_.digest(code);
    c.client_id = client->id;
    c.redirect_uri = r.redirect_uri;
    c.code_challenge = r.code_challenge;
    c.nonce = r.nonce;
    c.scope = granted_scope(r.scope);
    c.person = viewer->person.id;
    c.session_digest = viewer->session.id_hash;
    c.sid = tokens_.digest("sid:" + viewer->session.id_hash).substr(0, 32);
    if (const auto* chosen = viewer->chosen()) c.school = chosen->school.code.value();
    c.auth_time = viewer->session.created_at;
    c.amr = "pwd";
    c.created_at = now;
    c.expires_at = now + settings_.code_ttl;
    tx->oidc_codes().add(c);
    if (pending) tx->oidc_pending().remove(pending->id_digest);
    const std::string who = viewer->person.username.value();
    tx->audit().append(
        {now, who, from.address, "oidc.authorized", who, c.school, audit::say("oidc_client", {client->id})});
    tx->commit();
    Redirect out{r.redirect_uri, {{"code", code}}};
    if (!r.state.empty()) out.params.emplace_back("state", r.state);
    out.params.emplace_back("iss", settings_.issuer);
    return out;
}

std::optional<PendingRequest> Provider::pending(std::string_view token) {
    if (token.empty()) return std::nullopt;
    auto tx = store_.begin(ports::TxMode::read);
    return tx->oidc_pending().find(tokens_.digest(token), clock_.now());
}

std::optional<Provider::Waiting> Provider::waiting(std::string_view token) {
    if (token.empty()) return std::nullopt;
    auto tx = store_.begin(ports::TxMode::read);
    auto p = tx->oidc_pending().find(tokens_.digest(token), clock_.now());
    if (!p) return std::nullopt;
    auto c = tx->oidc_clients().find(p->client_id);
    if (!c) return std::nullopt;
    return Waiting{c->name, c->redirect_uris};
}

TokenError Provider::refuse(Unit& tx, const ClientInfo& from, std::string_view client, int status, std::string error,
                            std::string description) {
    tx.audit().append(
        {clock_.now(), "anonymous", from.address, "oidc.refused", "", "", audit::say("oidc_refused", {error, client})});
    tx.commit();
    return TokenError{status, std::move(error), std::move(description)};
}

std::optional<TokenError> Provider::authenticate(Unit& tx, const Client& c, const ClientAuth& a) {
    using M = ClientAuth::Method;
    const Timestamp now = clock_.now();
    auto bad = [&](std::string d) { return TokenError{401, "invalid_client", std::move(d)}; };
    if (c.is_public) {
        if (a.method != M::none) return bad("a public client has no secret");
        return std::nullopt;
    }
    switch (a.method) {
        case M::none: return bad("the client must authenticate");
        case M::secret_basic:
        case M::secret_post:
            if (c.secret_digest.empty() || !tokens_.equal(tokens_.digest(a.secret), c.secret_digest))
                return bad("the client's secret is not right");
            return std::nullopt;
        case M::private_key_jwt: {
            if (c.jwks.empty() || !a.assertion) return bad("the client assertion did not verify");
            const auto& as = *a.assertion;
            const std::string token_endpoint = settings_.issuer + "/oidc/token";
            const bool for_us = std::any_of(as.aud.begin(), as.aud.end(), [&](const std::string& x) {
                return x == token_endpoint || x == settings_.issuer;
            });
            if (as.iss != c.id || as.sub != c.id) return bad("the assertion's iss and sub must be the client_id");
            if (!for_us) return bad("the assertion's aud must be the token endpoint");
            if (!as.exp || *as.exp <= now) return bad("the assertion has expired");
            if (*as.exp > now + Seconds{3600}) return bad("the assertion lives too long");
            if (as.jti.empty()) return bad("the assertion needs a jti");
            if (!tx.oidc_sweep().first_use_of_assertion(c.id, as.jti, *as.exp))
                return bad("the assertion was used before");
            return std::nullopt;
        }
    }
    return bad("the client must authenticate");
}

std::variant<Issued, TokenError> Provider::token(const TokenRequest& r, const ClientInfo& from) {
    const Timestamp now = clock_.now();
    auto tx = store_.begin(ports::TxMode::write);
    const std::string& cid = r.auth.client_id;
    if (r.auth.several) return refuse(*tx, from, cid, 400, "invalid_request", "use one client authentication method");
    auto client = cid.empty() ? std::nullopt : tx->oidc_clients().find(cid);
    if (!client) return refuse(*tx, from, cid, 401, "invalid_client", "unknown client");
    if (auto e = authenticate(*tx, *client, r.auth)) return refuse(*tx, from, cid, e->status, e->error, e->description);
    if (r.grant_type != "authorization_code")
        return refuse(*tx, from, cid, 400, "unsupported_grant_type", "only authorization_code");
    if (r.code.empty()) return refuse(*tx, from, cid, 400, "invalid_request", "code is missing");

    const std::string digest = tokens_.digest(r.code);
    auto code = tx->oidc_codes().find(digest);
    if (!code || code->client_id != client->id)
        return refuse(*tx, from, cid, 400, "invalid_grant", "the code is not this client's");
    if (code->used_at || !tx->oidc_codes().use(digest, now)) {
        // RFC 6749 §4.1.2: a code used twice revokes what its first use produced.
        const int revoked = tx->oidc_tokens().revoke_code(digest);
        tx->audit().append({now, "anonymous", from.address, "oidc.code_replayed", "", code->school,
                            audit::say("oidc_replayed", {cid, std::to_string(revoked)})});
        tx->commit();
        return TokenError{400, "invalid_grant", "the code was used before"};
    }
    if (code->expires_at <= now) return refuse(*tx, from, cid, 400, "invalid_grant", "the code has expired");
    if (code->redirect_uri != r.redirect_uri)
        return refuse(*tx, from, cid, 400, "invalid_grant", "redirect_uri differs from the authorization's");
    if (!verifier_ok(r.code_verifier) ||
        !tokens_.equal(base64url(from_hex(tokens_.sha256(r.code_verifier))), code->code_challenge))
        return refuse(*tx, from, cid, 400, "invalid_grant", "code_verifier does not match the challenge");
    auto person = tx->accounts().find(code->person);
    if (!person) return refuse(*tx, from, cid, 400, "invalid_grant", "the person is gone");

    Issued out;
    out.access_token = tokens_.token();
    out.expires_in = settings_.token_ttl;
    out.scope = code->scope;
    AccessToken t;
    t.digest = tokens_.digest(out.access_token);
    t.client_id = client->id;
    t.person = code->person;
    t.scope = code->scope;
    t.sid = code->sid;
    t.session_digest = code->session_digest;
    t.code_digest = digest;
    t.school = code->school;
    t.created_at = now;
    t.expires_at = now + settings_.token_ttl;
    tx->oidc_tokens().add(t);

    IdToken& id = out.id_token;
    id.iss = settings_.issuer;
    id.aud = client->id;
    id.azp = client->id;
    id.nonce = code->nonce;
    id.acr = std::string(kAcrPassword);
    id.amr = words(code->amr);
    id.sid = code->sid;
    id.iat = now;
    id.exp = now + settings_.id_token_ttl;
    id.auth_time = code->auth_time;
    id.claims = claims_for(*tx, code->scope, code->person, code->school);

    const std::string who = person->username.value();
    tx->audit().append(
        {now, who, from.address, "oidc.token_issued", who, code->school, audit::say("oidc_client", {client->id})});
    tx->commit();
    out.key = signing_key(client->id_token_alg);
    return out;
}

Claims Provider::claims_for(Unit& tx, const std::string& scope, PersonId person, const std::string& school) {
    Claims c;
    // At the token endpoint (a write) the subject is made on first use; at userinfo (a read) it is there.
    if (auto sub = tx.oidc_subjects().find(person)) c.sub = *sub;
    else c.sub = tx.oidc_subjects().subject_of(person, tokens_.token());
    auto p = tx.accounts().find(person);
    if (!p) return c;
    if (has_word(scope, "profile")) {
        c.profile = true;
        c.name = p->display_name();
        c.given_name = p->first_name;
        c.family_name = p->last_name;
        c.preferred_username = p->username.value();
        c.locale = p->lang;
    }
    if (has_word(scope, "email")) {
        c.email = true;
        c.email_address = p->email;
    }
    if (has_word(scope, "schools")) {
        c.schools = true;
        const Access access = tx.grants().access(person);
        c.agency_admin = access.agency_admin;
        for (const auto& a : access.schools) {
            SchoolClaim s{a.school.code.value(), a.school.name, {}};
            for (Role role : a.roles) s.roles.emplace_back(role_claim(role));
            c.school_list.push_back(std::move(s));
        }
        // Vald skola, if the person still holds a grant there.
        const bool still = std::any_of(access.schools.begin(), access.schools.end(),
                                       [&](const SchoolAccess& a) { return a.school.code.value() == school; });
        if (still) c.school = school;
    }
    return c;
}

std::variant<Claims, UserinfoError> Provider::userinfo(std::string_view access_token, const ClientInfo& from) {
    {
        auto tx = store_.begin(ports::TxMode::read);
        auto t =
            access_token.empty() ? std::nullopt : tx->oidc_tokens().find(tokens_.digest(access_token), clock_.now());
        if (t) {
            auto c = claims_for(*tx, t->scope, t->person, t->school);
            tx->commit();
            return c;
        }
    }
    refused("invalid_token", "", from);
    return UserinfoError{"invalid_token"};
}

void Provider::refused(std::string_view error, std::string_view client, const ClientInfo& from) {
    auto tx = store_.begin(ports::TxMode::write);
    tx->audit().append(
        {clock_.now(), "anonymous", from.address, "oidc.refused", "", "", audit::say("oidc_refused", {error, client})});
    tx->commit();
}

EndSessionOutcome Provider::end_session(const EndSession& r, std::string_view session_token, const ClientInfo& from) {
    const Timestamp now = clock_.now();
    auto tx = store_.begin(ports::TxMode::write);
    // Without our own ID token naming the client, nobody proved that the person asked: ask them.
    if (!r.hint || r.hint->iss != settings_.issuer || r.hint->aud.empty()) return {EndSessionOutcome::Kind::ask, {}};
    const std::string& cid = r.client_id.empty() ? r.hint->aud.front() : r.client_id;
    if (std::find(r.hint->aud.begin(), r.hint->aud.end(), cid) == r.hint->aud.end())
        return {EndSessionOutcome::Kind::ask, {}};
    auto client = tx->oidc_clients().find(cid);
    if (!client) return {EndSessionOutcome::Kind::ask, {}};

    std::string who = "anonymous";
    std::string school;
    if (!session_token.empty()) {
        const std::string id_hash = tokens_.digest(session_token);
        if (auto s = tx->sessions().find(id_hash)) {
            const std::string sid = tokens_.digest("sid:" + id_hash).substr(0, 32);
            // The hint names another session (an older login): this browser's is not the RP's to end.
            if (r.hint->sid.empty() || r.hint->sid == sid) {
                if (auto p = tx->accounts().find(s->person)) who = p->username.value();
                school = s->school;
                tx->sessions().remove(id_hash);
                tx->oidc_tokens().revoke_session(id_hash);
            }
        }
    }
    tx->audit().append({now, who, from.address, "oidc.logout", who == "anonymous" ? "" : who, school,
                        audit::say("oidc_client", {cid})});
    tx->commit();
    if (r.post_logout_redirect_uri.empty() ||
        !registered(client->post_logout_redirect_uris, r.post_logout_redirect_uri))
        return {EndSessionOutcome::Kind::logged_out, {}};
    return {EndSessionOutcome::Kind::redirect, r.post_logout_redirect_uri};
}

void Provider::session_ended(std::string_view session_token) {
    if (session_token.empty()) return;
    auto tx = store_.begin(ports::TxMode::write);
    tx->oidc_tokens().revoke_session(tokens_.digest(session_token));
    tx->commit();
}

std::optional<Client> Provider::client(std::string_view id) {
    if (id.empty()) return std::nullopt;
    auto tx = store_.begin(ports::TxMode::read);
    return tx->oidc_clients().find(id);
}

std::vector<Client> Provider::clients() {
    auto tx = store_.begin(ports::TxMode::read);
    return tx->oidc_clients().list();
}

SigningKey Provider::signing_key(Alg alg) {
    auto tx = store_.begin(ports::TxMode::read);
    for (auto& k : tx->oidc_keys().list())
        if (k.alg == alg && !k.retired_at) return k;
    throw std::runtime_error(alg == Alg::rs256 ? "no RS256 signing key" : "no ES256 signing key");
}

std::vector<SigningKey> Provider::published_keys() {
    const Timestamp now = clock_.now();
    auto tx = store_.begin(ports::TxMode::read);
    std::vector<SigningKey> out;
    for (auto& k : tx->oidc_keys().list())
        if (!k.retired_at || *k.retired_at + settings_.retired_keys > now) out.push_back(std::move(k));
    return out;
}

int Provider::sweep() {
    const Timestamp now = clock_.now();
    auto tx = store_.begin(ports::TxMode::write);
    int n = tx->oidc_sweep().remove_expired(now);
    n += tx->oidc_keys().remove_retired(now - settings_.retired_keys - Seconds{86400});
    tx->commit();
    return n;
}

}  // namespace mina::oidc
