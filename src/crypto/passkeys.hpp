// The core's WebAuthn port (ports::WebAuthn, issue [12]) on crypto/webauthn: the browser's fields
// arrive as base64url text, are decoded strictly, and are verified for the portal's origin and RP ID.
// Credential ids and public keys are kept as base64url text.
#pragma once

#include "core/login/ports.hpp"

namespace mina::crypto {

class Passkeys final : public ports::WebAuthn {
   public:
    [[nodiscard]] std::optional<std::string> challenge_of(std::string_view client_data_json) const override;
    [[nodiscard]] std::optional<Registered> registration(std::string_view client_data_json,
                                                         std::string_view attestation_object,
                                                         std::string_view challenge, const Party& party,
                                                         std::string& why) const override;
    [[nodiscard]] std::optional<Asserted> assertion(const Passkey& stored, std::string_view client_data_json,
                                                    std::string_view authenticator_data, std::string_view signature,
                                                    std::string_view challenge, const Party& party, bool verified,
                                                    std::string& why) const override;
};

}  // namespace mina::crypto
