// Argon2 through libargon2, in the PHC string format libsodium reads and writes
// ($argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>, standard base64 without padding), so
// that a hash made by one verifies with the other. libargon2 asks for its memory through the
// callbacks of crypto/argon2_memory.hpp: a hashing thread keeps its block from hash to hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mina::crypto {

/// Argon2id of `password` with a new random 16-byte salt, t passes over m_kib KiB, one lane: a
/// 32-byte hash in the PHC string format. Throws std::runtime_error if there is no memory for it.
[[nodiscard]] std::string argon2id_encoded(std::string_view password, std::uint32_t t, std::uint32_t m_kib);

/// Whether `password` matches `encoded` (argon2id or argon2i, version 19, any cost the string names).
/// False for a string that is not such a hash, or when the hash cannot be computed.
[[nodiscard]] bool argon2_verify_encoded(std::string_view encoded, std::string_view password);

}  // namespace mina::crypto
