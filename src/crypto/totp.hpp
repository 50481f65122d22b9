// Time-based one-time codes (RFC 6238) for the second factor (issue [12]), with liboath from
// Debian's oath-toolkit: 6 digits, 30-second steps, HMAC-SHA-1 (what every authenticator app
// reads from an otpauth URI), codes within one step of now accepted.
#pragma once

#include "core/login/ports.hpp"

namespace mina::crypto {

class OathTotp final : public ports::Totp {
   public:
    OathTotp();
    [[nodiscard]] std::string new_secret() override;
    [[nodiscard]] std::string base32(std::string_view secret) override;
    [[nodiscard]] std::optional<std::int64_t> match(std::string_view secret, std::string_view code,
                                                    Timestamp now) override;
};

}  // namespace mina::crypto
