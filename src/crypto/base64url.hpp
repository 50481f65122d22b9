// base64url without padding (RFC 4648 §5), the one copy crypto/jose and crypto/webauthn both speak:
// JOSE's compact form and the browser's WebAuthn fields. libsodium's codec; decoding is strict.
#pragma once

#include <sodium.h>

#include <optional>
#include <string>
#include <string_view>

namespace mina::crypto::b64url {

[[nodiscard]] inline std::string encode(std::string_view bytes) {
    std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.pop_back();  // the terminating zero
    return out;
}

/// Nothing for padding, any other character or stray bits.
[[nodiscard]] inline std::optional<std::string> decode(std::string_view text) {
    std::string out(text.size() * 3 / 4 + 1, '\0');
    std::size_t n = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                          &n, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != text.data() + text.size())
        return std::nullopt;
    out.resize(n);
    return out;
}

}  // namespace mina::crypto::b64url
