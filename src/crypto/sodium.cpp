#include "crypto/sodium.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace mina::crypto {

void init() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
}

namespace {

std::string argon2id_str(std::string_view password, const Argon2Params& p) {
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), p.ops, p.mem_bytes,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("argon2id: out of memory");
    return out.data();
}

}  // namespace

Argon2idHasher::Argon2idHasher(Argon2Params p) : params_(p) {
    init();
    std::array<unsigned char, 32> secret{};
    randombytes_buf(secret.data(), secret.size());
    dummy_ = argon2id_str(std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()), params_);
    sodium_memzero(secret.data(), secret.size());
}

std::string Argon2idHasher::hash(std::string_view password) { return argon2id_str(password, params_); }

bool Argon2idHasher::verify(const std::string& hash, std::string_view password) {
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void Argon2idHasher::verify_dummy(std::string_view password) { (void)verify(dummy_, password); }

std::string SodiumTokens::token() {
    std::array<unsigned char, 32> raw{};
    randombytes_buf(raw.data(), raw.size());
    std::array<char, sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)> out{};
    sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out.data();
}

std::string SodiumTokens::sha256(std::string_view bytes) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> h{};
    crypto_hash_sha256(h.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    std::array<char, 2 * crypto_hash_sha256_BYTES + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), h.data(), h.size());
    return hex.data();
}

std::string SodiumTokens::digest(std::string_view token) {
    std::array<unsigned char, 32> h{};
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                       0);
    std::array<char, 65> hex{};
    sodium_bin2hex(hex.data(), hex.size(), h.data(), h.size());
    return hex.data();
}

bool SodiumTokens::equal(std::string_view a, std::string_view b) { return equal_secret(a, b); }

std::uint32_t SodiumTokens::uniform(std::uint32_t upper) { return randombytes_uniform(upper); }

bool equal_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mina::crypto
