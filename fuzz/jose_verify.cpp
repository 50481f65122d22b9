// crypto::Jose::verify, the OpenID Provider's check of a compact JWS (clients' private_key_jwt
// assertions, our own ID tokens as id_token_hint): the token, then after a NUL byte the JWKS; without
// one, the fixed JWKS below (an RS256 and an ES256 key whose tokens are in the seeds). Invariants: it
// answers, never throws; an answer is exactly the token's payload, a JSON object, and its header names
// RS256 or ES256.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/identity_vault.hpp"
#include "crypto/jose.hpp"

using namespace mina;

namespace {

constexpr std::string_view kJwks =
    R"json({"keys":[{"kty":"RSA","kid":"fuzz-rsa","e":"AQAB","n":"pqTVFOE3sqjmIUoX_5ktyWmATpDQIlW_p9vVFgNeJQHrQ0gZNa_wBgyQBJ9_MbMqm3yA3AAtsLWSXYi_OWdVnB68CtPl1RrsduvDoO6OJbAhPz6NRl0mLIAUekP9Bx-gJwERkTgKjTU1Baokvsup2sxQsAVbEC2-AEHsYcLD_wV4iBkvmUm9Q6vQBRfKrBoOPvlBhjLgrIacPCIm0HMnxgzTAZ0GMlUNWJDjV0qH6F9vjJF2L7tZhtUnIV0wm6Sm4v249A64brz0JXwwpguZSUAXtX6yfekOwNvz3noXawvEtysFwzUiVEPftfNH9Sm8uh5mYn-nsgxWpWk5dk3IfQ","alg":"RS256","use":"sig"},{"kty":"EC","kid":"fuzz-ec","crv":"P-256","x":"APrLfAeSE226xd_opFFrBlDE1pZpl3vJ2xIgjYyvmYs","y":"lZetTkxfOoVSs7CK9qyccI_EE21rMfNUAbFYGBzugDs","alg":"ES256","use":"sig"}]})json";

const crypto::Jose& jose() {
    static const auto vault = crypto::IdentityVault::from_hex(std::string(64, '0'));
    static const crypto::Jose j(*vault);
    return j;
}

std::optional<std::string> from_base64url(std::string_view text) {
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (const char c : text) {
        int v = -1;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        if (c >= '0' && c <= '9') v = c - '0' + 52;
        if (c == '-') v = 62;
        if (c == '_') v = 63;
        if (v < 0) return std::nullopt;
        bits = (bits << 6U) | static_cast<unsigned>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> static_cast<unsigned>(count)) & 0xFFU);
        }
    }
    return out;
}

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nul = input.find('\0');
    const auto token = input.substr(0, nul);
    const auto jwks = nul == std::string_view::npos ? kJwks : input.substr(nul + 1);
    const auto payload = jose().verify(token, jwks);
    if (!payload) return 0;
    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    check(first != std::string_view::npos && second != std::string_view::npos &&
          token.find('.', second + 1) == std::string_view::npos);
    check(from_base64url(token.substr(first + 1, second - first - 1)) == *payload);
    boost::json::error_code ec;
    check(boost::json::parse(*payload, ec).is_object() && !ec);
    const auto header_text = from_base64url(token.substr(0, first));
    check(header_text.has_value());
    const auto header = boost::json::parse(*header_text, ec);
    check(!ec && header.is_object());
    const auto* alg = header.as_object().if_contains("alg");
    check(alg && alg->is_string() && (alg->as_string() == "RS256" || alg->as_string() == "ES256"));
    return 0;
}
