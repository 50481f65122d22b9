// JOSE for the OpenID Provider (issue [11]): the keys that sign ID tokens, the ID tokens signed, and
// the compact JWS that arrive (clients' private_key_jwt assertions, our own ID tokens as
// id_token_hint) verified. cjose does the JOSE, on OpenSSL; libsodium seals the private keys.
//
// A key's private half is stored only sealed: XChaCha20-Poly1305 under a key of its own derived from
// the installation's secret (security.identity_key, the one crypto::IdentityVault is made from), with
// the key's algorithm and kid as associated data, so a sealed key copied onto another row opens to
// nothing. Opening and parsing a key costs more than signing with it: the opened keys are kept, by kid.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/oidc/ports.hpp"

namespace mina::crypto {

class IdentityVault;

class Jose final : public oidc::Signer {
   public:
    static constexpr std::size_t kKeyBytes = 32;
    /// How many opened keys are kept (two algorithms, each with a key or two being retired).
    static constexpr std::size_t kCachedKeys = 16;

    /// Seals and opens signing keys with a sub-key of the vault's secret (never the vault's own keys).
    explicit Jose(const IdentityVault& vault);
    ~Jose() override;
    Jose(const Jose&) = delete;
    Jose& operator=(const Jose&) = delete;

    [[nodiscard]] oidc::SigningKey generate(oidc::Alg alg, const std::string& kid, Timestamp now) const override;
    [[nodiscard]] std::string sign(const oidc::SigningKey& key, std::string_view payload_json) const override;
    [[nodiscard]] std::optional<std::string> verify(std::string_view compact,
                                                    std::string_view jwks_json) const override;

    /// Codes and access tokens: XChaCha20-Poly1305 under a key of their own (derived from the
    /// signing keys' sealing key), `purpose` as associated data, a random nonce; base64url.
    [[nodiscard]] std::string seal_token(std::string_view purpose, std::string_view plain) const override;
    [[nodiscard]] std::optional<std::string> open_token(std::string_view purpose,
                                                        std::string_view sealed) const override;
    /// The JWKS of `keys` ({"keys":[…their public JWKs…]}), for jwks_uri.
    [[nodiscard]] static std::string jwks(const std::vector<oidc::SigningKey>& keys);

   private:
    struct Opened;  // a private key as cjose holds it

    [[nodiscard]] std::shared_ptr<const Opened> opened(const oidc::SigningKey& key) const;
    [[nodiscard]] std::string seal(std::string_view private_jwk, std::string_view associated,
                                   const std::array<unsigned char, kKeyBytes>& key) const;
    [[nodiscard]] std::optional<std::string> open(std::string_view sealed, std::string_view associated,
                                                  const std::array<unsigned char, kKeyBytes>& key) const;

    std::array<unsigned char, kKeyBytes> seal_key_{};
    std::array<unsigned char, kKeyBytes> token_key_{};  // sealed codes and access tokens
    mutable std::mutex mutex_;
    mutable std::map<std::string, std::shared_ptr<const Opened>, std::less<>> cache_;  // by kid
};

}  // namespace mina::crypto
