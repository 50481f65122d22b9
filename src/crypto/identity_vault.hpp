// Personal identity numbers at rest (issue [6] §1, domain-csn.md §2.5): a number is stored sealed
// (XChaCha20-Poly1305 with a random nonce, so equal numbers look different) beside a keyed hash
// (BLAKE2b) that finds it by exact match without opening anything. Both keys are derived from
// one 32-byte secret, security.identity_key, that lives outside the database: a copy of the
// database alone holds no readable number and cannot be searched by one.
//
// A third key from the same secret names, in the audit log, the usernames typed that match no
// account (issue [7] §15): a keyed BLAKE2b digest, so what was typed (perhaps a password) is not
// kept, yet repeated tries of one text show as one name.
//
// A fourth, derived with a context of its own, seals the OpenID Provider's signing keys (crypto::Jose,
// issue [11]); the vault itself never uses it. Two more, with a context of theirs, seal the second
// factor's secrets (authenticator apps' keys) and key the digests of recovery codes (issue [12]).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/ports.hpp"
#include "core/reports/ports.hpp"

namespace mina::crypto {

class IdentityVault final : public ports::Identities, public ports::Pseudonyms, public ports::Secrets {
   public:
    static constexpr std::size_t kKeyBytes = 32;

    /// From the key as 64 hexadecimal digits; nothing when it is not that.
    [[nodiscard]] static std::optional<IdentityVault> from_hex(std::string_view hex);
    /// A new random key, as 64 hexadecimal digits (for `mina admin identity-key`, and tests).
    [[nodiscard]] static std::string new_key_hex();

    /// The same 64 hexadecimal digits for the same number and key, and for no other number.
    [[nodiscard]] std::string lookup_hash(std::string_view canonical) const override;
    /// The number sealed: nonce and ciphertext with its tag, as hexadecimal digits.
    [[nodiscard]] std::string seal(std::string_view canonical) const override;
    /// The number, or nothing when `sealed` was not made with this key or was changed.
    [[nodiscard]] std::optional<std::string> open(std::string_view sealed) const override;
    /// 16 hexadecimal digits (64 bits) of BLAKE2b keyed with the audit-name key: enough to tell
    /// tries apart, and nothing of the text without the key.
    [[nodiscard]] std::string pseudonym(std::string_view text) const override;

    /// A secret sealed for `purpose` (the associated data: it opens for that purpose only), as
    /// hexadecimal digits; a random nonce each time.
    [[nodiscard]] std::string seal(std::string_view purpose, std::string_view plain) const override;
    [[nodiscard]] std::optional<std::string> open(std::string_view purpose, std::string_view sealed) const override;
    /// BLAKE2b keyed with the digests' key, over the purpose and the text: 64 hexadecimal digits.
    [[nodiscard]] std::string digest(std::string_view purpose, std::string_view text) const override;

   private:
    friend class Jose;  // takes jose_key_, the signing keys' sealing key
    IdentityVault() = default;
    std::array<unsigned char, kKeyBytes> hash_key_{};
    std::array<unsigned char, kKeyBytes> seal_key_{};
    std::array<unsigned char, kKeyBytes> name_key_{};
    std::array<unsigned char, kKeyBytes> jose_key_{};
    std::array<unsigned char, kKeyBytes> secret_key_{};
    std::array<unsigned char, kKeyBytes> digest_key_{};
};

}  // namespace mina::crypto
