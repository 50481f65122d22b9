#include "crypto/passkeys.hpp"

#include <boost/json.hpp>

#include "crypto/webauthn.hpp"

namespace mina::crypto {

namespace {

constexpr std::size_t kMaxField = 64 * 1024;  // base64url of any field a ceremony sends

std::optional<std::string> decoded(std::string_view text) {
    if (text.empty() || text.size() > kMaxField) return std::nullopt;
    return webauthn::from_base64url(text);
}

}  // namespace

std::optional<std::string> Passkeys::challenge_of(std::string_view client_data_json) const {
    const auto json = decoded(client_data_json);
    if (!json) return std::nullopt;
    boost::system::error_code ec;
    const auto value = boost::json::parse(*json, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto* challenge = value.as_object().if_contains("challenge");
    if (challenge == nullptr || !challenge->is_string()) return std::nullopt;
    return std::string(challenge->as_string());
}

std::optional<ports::WebAuthn::Registered> Passkeys::registration(std::string_view client_data_json,
                                                                  std::string_view attestation_object,
                                                                  std::string_view challenge, const Party& party,
                                                                  std::string& why) const {
    const auto client_data = decoded(client_data_json);
    const auto attestation = decoded(attestation_object);
    const auto raw_challenge = webauthn::from_base64url(challenge);
    if (!client_data || !attestation || !raw_challenge) {
        why = "malformed";
        return std::nullopt;
    }
    const webauthn::Expected expected{*raw_challenge, party.origin, party.rp_id, false};
    const auto out = webauthn::verify_registration(*client_data, *attestation, expected);
    if (const auto* problem = std::get_if<webauthn::Problem>(&out)) {
        why = std::string(webauthn::name(*problem));
        return std::nullopt;
    }
    const auto& c = std::get<webauthn::Credential>(out);
    return Registered{webauthn::base64url(c.id), c.algorithm,      webauthn::base64url(c.public_key), c.sign_count,
                      c.user_verified,           c.backup_eligible};
}

std::optional<ports::WebAuthn::Asserted> Passkeys::assertion(const Passkey& stored, std::string_view client_data_json,
                                                             std::string_view authenticator_data,
                                                             std::string_view signature, std::string_view challenge,
                                                             const Party& party, bool verified,
                                                             std::string& why) const {
    const auto client_data = decoded(client_data_json);
    const auto auth_data = decoded(authenticator_data);
    const auto sig = decoded(signature);
    const auto raw_challenge = webauthn::from_base64url(challenge);
    const auto id = webauthn::from_base64url(stored.id);
    const auto key = webauthn::from_base64url(stored.public_key);
    if (!client_data || !auth_data || !sig || !raw_challenge || !id || !key) {
        why = "malformed";
        return std::nullopt;
    }
    webauthn::Credential credential;
    credential.id = *id;
    credential.algorithm = stored.algorithm;
    credential.public_key = *key;
    credential.sign_count = stored.sign_count;
    const webauthn::Expected expected{*raw_challenge, party.origin, party.rp_id, verified};
    const auto out = webauthn::verify_assertion(credential, *client_data, *auth_data, *sig, expected);
    if (const auto* problem = std::get_if<webauthn::Problem>(&out)) {
        why = std::string(webauthn::name(*problem));
        return std::nullopt;
    }
    const auto& a = std::get<webauthn::Asserted>(out);
    return Asserted{a.sign_count, a.user_verified};
}

}  // namespace mina::crypto
