#include "crypto/totp.hpp"

#include <liboath/oath.h>
#include <sodium.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace mina::crypto {

namespace {
constexpr std::size_t kSecretBytes = 20;  // RFC 4226 §4: 160 bits for HMAC-SHA-1
constexpr unsigned kStepSeconds = 30;
constexpr std::size_t kWindow = 1;  // the step before and the step after now's
}  // namespace

OathTotp::OathTotp() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (oath_init() != OATH_OK) throw std::runtime_error("liboath: oath_init failed");
    });
}

std::string OathTotp::new_secret() {
    std::string secret(kSecretBytes, '\0');
    randombytes_buf(secret.data(), secret.size());
    return secret;
}

std::string OathTotp::base32(std::string_view secret) {
    char* out = nullptr;
    std::size_t len = 0;
    if (oath_base32_encode(secret.data(), secret.size(), &out, &len) != OATH_OK || out == nullptr)
        throw std::runtime_error("liboath: base32 encoding failed");
    std::string text(out, len);
    std::free(out);  // NOLINT(cppcoreguidelines-no-malloc): liboath allocates it with malloc
    while (!text.empty() && text.back() == '=') text.pop_back();
    return text;
}

std::optional<std::int64_t> OathTotp::match(std::string_view secret, std::string_view code, Timestamp now) {
    if (code.size() != 6) return std::nullopt;
    const std::string otp(code);  // liboath reads a NUL-terminated string
    int position = 0;
    std::uint64_t counter = 0;
    const int rc = oath_totp_validate4(secret.data(), secret.size(), static_cast<time_t>(to_unix(now)), kStepSeconds, 0,
                                       kWindow, &position, &counter, 0 /* HMAC-SHA-1 */, otp.c_str());
    if (rc < 0) return std::nullopt;
    return static_cast<std::int64_t>(counter);
}

}  // namespace mina::crypto
