#include "core/oidc/admin.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace mina::oidc {
namespace {

constexpr std::size_t kMaxId = 64;
constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxUri = 2000;
constexpr std::size_t kKidLength = 16;
constexpr std::array<Alg, 2> kAlgs{Alg::rs256, Alg::es256};

bool id_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

bool one_line(std::string_view text) {
    return std::none_of(text.begin(), text.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return u < 0x20 || u == 0x7f;
    });
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return out;
}

/// The algorithm's name as the CLI and the tokens write it.

std::string_view skip_space(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::optional<std::string> check(const ClientInput& in, std::optional<Alg>& alg) {
    if (in.id.empty() || in.id.size() > kMaxId || !std::all_of(in.id.begin(), in.id.end(), id_char))
        return "client id must be 1-64 characters of a-z, 0-9, '.', '_' and '-': '" + in.id + "'";
    if (in.name.empty() || in.name.size() > kMaxName || !one_line(in.name))
        return "client name must be 1-200 characters on one line";
    if (in.redirect_uris.empty()) return "a client needs at least one redirect URI";
    for (const auto& u : in.redirect_uris)
        if (auto p = uri_problem(u)) return "redirect URI '" + u + "': " + *p;
    for (const auto& u : in.post_logout_redirect_uris)
        if (auto p = uri_problem(u)) return "post-logout URI '" + u + "': " + *p;
    if (!in.initiate_login_uri.empty())
        if (auto p = uri_problem(in.initiate_login_uri))
            return "initiate-login URI '" + in.initiate_login_uri + "': " + *p;
    if (!in.jwks.empty()) {
        if (in.is_public) return "a public client has no keys: leave out --jwks or --public";
        if (auto p = jwks_problem(in.jwks)) return "jwks: " + *p;
    }
    if (in.id_token_alg.empty()) alg = Alg::rs256;
    else if (in.id_token_alg == "RS256") alg = Alg::rs256;
    else if (in.id_token_alg == "ES256") alg = Alg::es256;
    else return "id-token-alg must be RS256 or ES256: '" + in.id_token_alg + "'";
    return std::nullopt;
}

}  // namespace

std::optional<std::string> uri_problem(std::string_view uri) {
    if (uri.size() > kMaxUri) return "longer than 2000 characters";
    if (!std::all_of(uri.begin(), uri.end(), [](char ch) {
            const auto u = static_cast<unsigned char>(ch);
            return u > 0x20 && u != 0x7f;
        }))
        return "a space or a control character";
    bool https = false;
    std::string_view rest;
    if (uri.starts_with("https://")) {
        https = true;
        rest = uri.substr(8);
    } else if (uri.starts_with("http://")) {
        rest = uri.substr(7);
    } else {
        return "not an absolute https:// (or loopback http://) URI";
    }
    if (uri.find('#') != std::string_view::npos) return "a fragment (#) is not allowed";
    const auto authority = rest.substr(0, rest.find_first_of("/?"));
    if (authority.find('@') != std::string_view::npos) return "a user name is not allowed";
    std::string_view host;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return "no host";
        host = authority.substr(0, close + 1);
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return "no host";
            port = after.substr(1);
        }
    } else {
        const auto colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (host.empty() || host == "[]") return "no host";
    if (!std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) || port.size() > 5)
        return "the port is not a number";
    const auto h = lower(host);
    if (!https && h != "127.0.0.1" && h != "[::1]" && h != "localhost")
        return "http:// only for the loopback hosts 127.0.0.1, [::1] and localhost; use https://";
    return std::nullopt;
}

std::optional<std::string> jwks_problem(std::string_view jwks) {
    const auto s = skip_space(jwks);
    if (!s.starts_with('{') || !s.ends_with('}')) return "not a JSON object";
    auto keys = s.find("\"keys\"");
    if (keys == std::string_view::npos) return "no \"keys\" array";
    auto after = s.substr(keys + 6);
    while (!after.empty() &&
           (after.front() == ' ' || after.front() == '\t' || after.front() == '\n' || after.front() == '\r'))
        after.remove_prefix(1);
    if (!after.starts_with(':')) return "no \"keys\" array";
    after = skip_space(after.substr(1));
    if (!after.starts_with('[')) return "\"keys\" is not an array";
    return std::nullopt;
}

admin::Result<std::optional<std::string>> Admin::add_client(const ClientInput& in, const admin::Actor& who,
                                                            Timestamp now) {
    std::optional<Alg> alg;
    if (auto problem = check(in, alg)) return admin::Refusal{*problem};
    Client c;
    c.id = in.id;
    c.name = in.name;
    c.is_public = in.is_public;
    c.redirect_uris = in.redirect_uris;
    c.post_logout_redirect_uris = in.post_logout_redirect_uris;
    c.jwks = std::string(skip_space(in.jwks));
    c.initiate_login_uri = in.initiate_login_uri;
    c.id_token_alg = *alg;
    c.created_at = now;
    std::optional<std::string> secret;
    if (!in.is_public) {
        secret = tokens_.token();
        c.secret_digest = tokens_.digest(*secret);
    }
    auto tx = store_.begin(ports::TxMode::write);
    if (!tx->oidc_clients().add(c)) return admin::Refusal{"a client with id " + in.id + " already exists"};
    tx->audit().append(
        {now, who.name, who.address, "oidc.client_added", in.id, {}, in.name + (in.is_public ? " (public)" : "")});
    tx->commit();
    return secret;
}

std::vector<Client> Admin::list_clients() { return store_.begin(ports::TxMode::read)->oidc_clients().list(); }

admin::Result<admin::Done> Admin::remove_client(std::string_view id, const admin::Actor& who, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    const auto c = tx->oidc_clients().find(id);
    if (!c || !tx->oidc_clients().remove(id)) return admin::Refusal{"no such client: " + std::string(id)};
    tx->audit().append({now, who.name, who.address, "oidc.client_removed", c->id, {}, c->name});
    tx->commit();
    return admin::Done{};
}

admin::Result<std::string> Admin::rotate_secret(std::string_view id, const admin::Actor& who, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    const auto c = tx->oidc_clients().find(id);
    if (!c) return admin::Refusal{"no such client: " + std::string(id)};
    if (c->is_public) return admin::Refusal{"client " + c->id + " is public: it has no secret"};
    auto secret = tokens_.token();
    tx->oidc_clients().set_secret(id, tokens_.digest(secret));
    tx->audit().append({now, who.name, who.address, "oidc.secret_rotated", c->id, {}, c->name});
    tx->commit();
    return secret;
}

std::string Admin::new_kid() { return tokens_.token().substr(0, kKidLength); }

std::vector<std::string> Admin::rotate_keys(const Signer& signer, const admin::Actor& who, Timestamp now) {
    // The keys are made before the transaction: an RSA key takes a while, and the writers' lock is
    // not held for it.
    std::vector<SigningKey> made;
    made.reserve(kAlgs.size());
    for (const auto alg : kAlgs) made.push_back(signer.generate(alg, new_kid(), now));
    auto tx = store_.begin(ports::TxMode::write);
    std::vector<std::string> kids;
    std::string detail;
    for (const auto& k : made) {
        (void)tx->oidc_keys().retire(k.alg, now);
        tx->oidc_keys().add(k);
        kids.push_back(k.kid);
        detail += (detail.empty() ? "" : ", ") + std::string(alg_name(k.alg)) + " " + k.kid;
    }
    tx->audit().append({now, who.name, who.address, "oidc.keys_rotated", {}, {}, detail});
    tx->commit();
    return kids;
}

int Admin::ensure_keys(const Signer& signer, Timestamp now) {
    std::vector<Alg> wanted;
    {
        const auto keys = store_.begin(ports::TxMode::read)->oidc_keys().list();
        for (const auto alg : kAlgs)
            if (std::none_of(keys.begin(), keys.end(),
                             [&](const SigningKey& k) { return k.alg == alg && !k.retired_at; }))
                wanted.push_back(alg);
    }
    if (wanted.empty()) return 0;
    std::vector<SigningKey> made;
    made.reserve(wanted.size());
    for (const auto alg : wanted) made.push_back(signer.generate(alg, new_kid(), now));
    auto tx = store_.begin(ports::TxMode::write);
    const auto keys = tx->oidc_keys().list();  // another server may have added one meanwhile
    int added = 0;
    for (const auto& k : made) {
        if (std::any_of(keys.begin(), keys.end(),
                        [&](const SigningKey& have) { return have.alg == k.alg && !have.retired_at; }))
            continue;
        tx->oidc_keys().add(k);
        ++added;
    }
    tx->commit();
    return added;
}

}  // namespace mina::oidc
