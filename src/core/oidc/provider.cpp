#include "core/oidc/provider.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>

namespace mina::oidc {

namespace {

constexpr std::string_view kAcrPassword = "urn:mina:password";
// Two factors ([12]): a password and a code or a passkey, or a passkey that verified its person.
constexpr std::string_view kAcrTwoFactors = "urn:mina:mfa";

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

/// A non-negative whole number of at most `digits` decimal digits (max_age: ten, a few centuries of
/// seconds; a sealed code's numbers: eighteen).
std::optional<std::int64_t> whole_number(std::string_view t, std::size_t digits = 10) {
    if (t.empty() || t.size() > digits) return std::nullopt;
    std::int64_t n = 0;
    for (char c : t) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

/// Fields as one text: each its length in decimal digits, a colon and its bytes.
std::string pack(std::initializer_list<std::string_view> fields) {
    std::string out;
    for (std::string_view f : fields) out.append(std::to_string(f.size())).append(":").append(f);
    return out;
}

/// pack's fields back, exactly `n` of them; nothing for anything else.
std::optional<std::vector<std::string>> unpack(std::string_view text, std::size_t n) {
    std::vector<std::string> out;
    out.reserve(n);
    std::size_t i = 0;
    while (i < text.size() && out.size() < n) {
        std::size_t len = 0;
        std::size_t j = i;
        while (j < text.size() && text[j] >= '0' && text[j] <= '9' && j - i < 7) len = len * 10 + (text[j++] - '0');
        if (j == i || j >= text.size() || text[j] != ':' || text.size() - (j + 1) < len) return std::nullopt;
        out.emplace_back(text.substr(j + 1, len));
        i = j + 1 + len;
    }
    if (i != text.size() || out.size() != n) return std::nullopt;
    return out;
}

std::optional<std::int64_t> number(std::string_view t) { return whole_number(t, 18); }

constexpr std::string_view kCodePurpose = "mina-oidc-code-1";
constexpr std::string_view kAccessPurpose = "mina-oidc-access-1";

}  // namespace

std::string seal_code(const Signer& s, const Code& c) {
    const std::string person = std::to_string(c.person.value());
    const std::string times[] = {std::to_string(to_unix(c.auth_time)), std::to_string(to_unix(c.created_at)),
                                 std::to_string(to_unix(c.expires_at))};
    return s.seal_token(kCodePurpose,
                        pack({c.id, c.client_id, c.redirect_uri, c.code_challenge, c.nonce, c.scope, person,
                              c.session_digest, c.sid, c.school, times[0], c.amr, times[1], times[2]}));
}

std::optional<Code> open_code(const Signer& s, std::string_view code) {
    if (code.empty() || code.size() > 4096) return std::nullopt;
    auto plain = s.open_token(kCodePurpose, code);
    if (!plain) return std::nullopt;
    auto f = unpack(*plain, 14);
    if (!f) return std::nullopt;
    auto& v = *f;
    const auto person = number(v[6]), auth = number(v[10]), made = number(v[12]), ends = number(v[13]);
    if (!person || !auth || !made || !ends) return std::nullopt;
    return Code{v[0],
                v[1],
                v[2],
                v[3],
                v[4],
                v[5],
                PersonId{*person},
                v[7],
                v[8],
                v[9],
                from_unix(*auth),
                v[11],
                from_unix(*made),
                from_unix(*ends)};
}

std::string seal_access(const Signer& s, const AccessToken& t) {
    const std::string person = std::to_string(t.person.value());
    const std::string ends = std::to_string(to_unix(t.expires_at));
    return s.seal_token(kAccessPurpose,
                        pack({t.code_id, t.client_id, person, t.scope, t.session_digest, t.school, t.sub, ends}));
}

std::optional<AccessToken> open_access(const Signer& s, std::string_view token) {
    if (token.empty() || token.size() > 4096) return std::nullopt;
    auto plain = s.open_token(kAccessPurpose, token);
    if (!plain) return std::nullopt;
    auto f = unpack(*plain, 8);
    if (!f) return std::nullopt;
    auto& v = *f;
    const auto person = number(v[2]), ends = number(v[7]);
    if (!person || !ends) return std::nullopt;
    return AccessToken{v[0], v[1], PersonId{*person}, v[3], v[4], v[5], v[6], from_unix(*ends)};
}

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

void Provider::write(Write w, Deferred* deferred, bool sync) {
    if (deferred != nullptr) {
        if (deferred->write) {
            // Two writes of one step: one after the other, in the same transaction.
            deferred->write = [first = std::move(deferred->write), then = std::move(w)](Unit& tx) {
                first(tx);
                then(tx);
            };
            deferred->sync = deferred->sync || sync;
        } else {
            deferred->write = std::move(w);
            deferred->sync = sync;
        }
        return;
    }
    if (group_ != nullptr) {
        group_->run(std::move(w));
        return;
    }
    auto tx = store_.begin(ports::TxMode::write);
    w(*tx);
    tx->commit();
}

void Provider::commit_later(Deferred d, std::function<void(std::exception_ptr)> done) {
    if (!d.write) {
        done(nullptr);
        return;
    }
    if (group_ != nullptr) {
        group_->submit(std::move(d.write), std::move(done),
                       d.sync ? GroupCommit<Unit>::Sync::now : GroupCommit<Unit>::Sync::later);
        return;
    }
    std::exception_ptr failed;
    try {
        auto tx = store_.begin(ports::TxMode::write);
        d.write(*tx);
        if (d.sync) tx->commit();
        else tx->commit_unsynced();
    } catch (...) {
        failed = std::current_exception();
    }
    done(failed);
}

AuthorizeOutcome Provider::authorize(const AuthorizeRequest& r, std::string_view query, const portal::Viewer* viewer,
                                     const ClientInfo& from, std::string_view resumed, Deferred* deferred) {
    const Timestamp now = clock_.now();
    std::optional<Client> client;
    std::optional<PendingRequest> pending;
    {
        auto tx = store_.begin(ports::TxMode::read);
        if (!r.client_id.empty()) client = tx->oidc_clients().find(r.client_id);
        if (client && !resumed.empty()) pending = tx->oidc_pending().find(tokens_.digest(resumed), now);
    }
    auto refused = [&](std::string_view error) {
        write(
            [row = AuditEvent{now, viewer ? viewer->person.username.value() : "anonymous", from.address, "oidc.refused",
                              viewer ? viewer->person.username.value() : "", "",
                              audit::say("oidc_refused", {error, r.client_id})}](Unit& tx) { tx.audit().append(row); },
            deferred);
    };

    // 1. Without a known client and one of its redirect URIs nothing may be sent anywhere (§3.1.2.6).
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
    if (!resumed.empty()) {
        if (pending) login_after = pending->login_after;
    } else {
        if (prompt_login) login_after = now;
        if (r.max_age) {
            const auto seconds = whole_number(*r.max_age);
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
        write(
            [p, old = pending ? pending->id_digest : std::string()](Unit& tx) {
                if (!old.empty()) tx.oidc_pending().remove(old);
                tx.oidc_pending().add(p);
            },
            deferred);
        return NeedLogin{std::move(token), client->name};
    }

    // 4. A code for the client: its contents sealed, nothing stored but the audit row.
    Code c;
    // The time first, so that the records of uses are added at the end of their index, not at a
    // random place in it (one page written per exchange, however many are kept).
    const std::string seconds = std::to_string(to_unix(now));
    c.id = std::string(12 - std::min<std::size_t>(seconds.size(), 12), '0') + seconds + tokens_.token();
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
    c.amr = viewer->session.amr.empty() ? std::string("pwd") : viewer->session.amr;
    c.created_at = now;
    c.expires_at = now + settings_.code_ttl;
    const std::string who = viewer->person.username.value();
    write(
        [row = AuditEvent{now, who, from.address, "oidc.authorized", who, c.school,
                          audit::say("oidc_client", {client->id})},
         old = pending ? pending->id_digest : std::string()](Unit& tx) {
            if (!old.empty()) tx.oidc_pending().remove(old);
            tx.audit().append(row);
        },
        deferred, /*sync=*/false);
    Redirect out{r.redirect_uri, {{"code", seal_code(signer_, c)}}};
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

TokenError Provider::refuse(const ClientInfo& from, std::string_view client, int status, std::string error,
                            std::string description) {
    refused(error, client, from);
    return TokenError{status, std::move(error), std::move(description)};
}

std::optional<TokenError> Provider::authenticate(const Client& c, const ClientAuth& a) {
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
            return std::nullopt;  // its jti's first use is recorded with the token's writes
        }
    }
    return bad("the client must authenticate");
}

std::optional<Viewing> Provider::live_session(Unit& tx, const std::string& id_hash, Timestamp now) {
    auto v = tx.sessions().view(id_hash);
    if (!v) return std::nullopt;
    const Timestamp ends =
        std::min(v->session.last_seen_at + settings_.session_idle, v->session.created_at + settings_.session_absolute);
    if (now >= ends) return std::nullopt;
    return v;
}

std::variant<Issued, TokenError> Provider::token(const TokenRequest& r, const ClientInfo& from) {
    const Timestamp now = clock_.now();
    const std::string& cid = r.auth.client_id;
    if (r.auth.several) return refuse(from, cid, 400, "invalid_request", "use one client authentication method");
    std::optional<Client> client;
    std::optional<Code> code;
    std::optional<Viewing> session;
    std::optional<std::string> sub;
    std::optional<SigningKey> key;
    {
        auto tx = store_.begin(ports::TxMode::read);
        if (!cid.empty()) client = tx->oidc_clients().find(cid);
        if (client) code = open_code(signer_, r.code);
        if (code && code->client_id == client->id) {
            session = live_session(*tx, code->session_digest, now);
            if (session) sub = tx->oidc_subjects().find(session->person.id);
            key = tx->oidc_keys().current(client->id_token_alg);
        }
    }
    if (!client) return refuse(from, cid, 401, "invalid_client", "unknown client");
    if (auto e = authenticate(*client, r.auth)) return refuse(from, cid, e->status, e->error, e->description);
    if (r.grant_type != "authorization_code")
        return refuse(from, cid, 400, "unsupported_grant_type", "only authorization_code");
    if (r.code.empty()) return refuse(from, cid, 400, "invalid_request", "code is missing");
    if (!code || code->client_id != client->id)
        return refuse(from, cid, 400, "invalid_grant", "the code is not this client's");

    // The code is this client's: whatever follows, this is its use. A second use (RFC 6749
    // §4.1.2) revokes what the first produced; the checks below make a first use fail alone.
    std::optional<TokenError> wrong;
    if (code->expires_at <= now) wrong = TokenError{400, "invalid_grant", "the code has expired"};
    else if (code->redirect_uri != r.redirect_uri)
        wrong = TokenError{400, "invalid_grant", "redirect_uri differs from the authorization's"};
    else if (!verifier_ok(r.code_verifier) ||
             !tokens_.equal(base64url(from_hex(tokens_.sha256(r.code_verifier))), code->code_challenge))
        wrong = TokenError{400, "invalid_grant", "code_verifier does not match the challenge"};
    else if (!session) wrong = TokenError{400, "invalid_grant", "the person's session has ended"};
    else if (!key)
        throw std::runtime_error(client->id_token_alg == Alg::rs256 ? "no RS256 signing key" : "no ES256 signing key");

    struct Outcome {
        bool replayed = false;
        bool assertion_seen = false;
        std::string sub;
    };
    auto outcome = std::make_shared<Outcome>();
    const std::string fresh_sub = sub ? std::string() : tokens_.token();
    const std::string who = session ? session->person.username.value() : "anonymous";
    const std::optional<ClientAuth::Assertion>& as = r.auth.assertion;
    write([&, outcome](Unit& tx) {
        *outcome = Outcome{};
        if (r.auth.method == ClientAuth::Method::private_key_jwt && as &&
            !tx.oidc_sweep().first_use_of_assertion(client->id, as->jti, *as->exp)) {
            outcome->assertion_seen = true;
            tx.audit().append({now, "anonymous", from.address, "oidc.refused", "", "",
                               audit::say("oidc_refused", {"invalid_client", cid})});
            return;
        }
        if (!tx.oidc_codes().first_use(code->id, client->id, code->expires_at + settings_.token_ttl)) {
            outcome->replayed = true;
            tx.oidc_codes().revoke(code->id);
            tx.audit().append({now, "anonymous", from.address, "oidc.code_replayed", "", code->school,
                               audit::say("oidc_replayed", {cid, "1"})});
            return;
        }
        if (wrong) {
            tx.audit().append({now, "anonymous", from.address, "oidc.refused", "", "",
                               audit::say("oidc_refused", {wrong->error, cid})});
            return;
        }
        outcome->sub = sub ? *sub : tx.oidc_subjects().subject_of(session->person.id, fresh_sub);
        tx.audit().append(
            {now, who, from.address, "oidc.token_issued", who, code->school, audit::say("oidc_client", {client->id})});
    });
    if (outcome->assertion_seen) return TokenError{401, "invalid_client", "the assertion was used before"};
    if (outcome->replayed) return TokenError{400, "invalid_grant", "the code was used before"};
    if (wrong) return *wrong;

    Issued out;
    AccessToken t{code->id,
                  client->id,
                  code->person,
                  code->scope,
                  code->session_digest,
                  code->school,
                  outcome->sub,
                  now + settings_.token_ttl};
    out.access_token = seal_access(signer_, t);
    out.expires_in = settings_.token_ttl;
    out.scope = code->scope;
    IdToken& id = out.id_token;
    id.iss = settings_.issuer;
    id.aud = client->id;
    id.azp = client->id;
    id.nonce = code->nonce;
    id.amr = words(code->amr);
    id.acr =
        std::string(std::find(id.amr.begin(), id.amr.end(), "mfa") != id.amr.end() ? kAcrTwoFactors : kAcrPassword);
    id.sid = code->sid;
    id.iat = now;
    id.exp = now + settings_.id_token_ttl;
    id.auth_time = code->auth_time;
    id.claims = claims_of(*session, outcome->sub, code->scope, code->school);
    out.key = std::move(*key);
    return out;
}

Claims Provider::claims_of(const Viewing& v, const std::string& sub, const std::string& scope,
                           const std::string& school) {
    Claims c;
    c.sub = sub;
    const Person& p = v.person;
    if (has_word(scope, "profile")) {
        c.profile = true;
        c.name = p.display_name();
        c.given_name = p.first_name;
        c.family_name = p.last_name;
        c.preferred_username = p.username.value();
        c.locale = p.lang;
    }
    if (has_word(scope, "email")) {
        c.email = true;
        c.email_address = p.email;
    }
    if (has_word(scope, "schools")) {
        c.schools = true;
        c.agency_admin = v.access.agency_admin;
        for (const auto& a : v.access.schools) {
            SchoolClaim s{a.school.code.value(), a.school.name, {}};
            for (Role role : a.roles) s.roles.emplace_back(role_claim(role));
            c.school_list.push_back(std::move(s));
        }
        // Vald skola, if the person still holds a grant there.
        const bool still = std::any_of(v.access.schools.begin(), v.access.schools.end(),
                                       [&](const SchoolAccess& a) { return a.school.code.value() == school; });
        if (still) c.school = school;
    }
    return c;
}

std::variant<Claims, UserinfoError> Provider::userinfo(std::string_view access_token, const ClientInfo& from,
                                                       Deferred* deferred) {
    const Timestamp now = clock_.now();
    if (auto t = open_access(signer_, access_token); t && t->expires_at > now) {
        auto tx = store_.begin(ports::TxMode::read);
        if (tx->oidc_codes().live(t->code_id)) {
            if (auto v = live_session(*tx, t->session_digest, now); v && v->person.id == t->person)
                return claims_of(*v, t->sub, t->scope, t->school);
        }
    }
    refused("invalid_token", "", from, deferred);
    return UserinfoError{"invalid_token"};
}

void Provider::refused(std::string_view error, std::string_view client, const ClientInfo& from, Deferred* deferred) {
    write([row = AuditEvent{clock_.now(), "anonymous", from.address, "oidc.refused", "", "",
                            audit::say("oidc_refused", {error, client})}](Unit& tx) { tx.audit().append(row); },
          deferred);
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
            // Its access tokens end with it (they work only while their session lives).
            if (r.hint->sid.empty() || r.hint->sid == sid) {
                if (auto p = tx->accounts().find(s->person)) who = p->username.value();
                school = s->school;
                tx->sessions().remove(id_hash);
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
    if (auto k = tx->oidc_keys().current(alg)) return std::move(*k);
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
