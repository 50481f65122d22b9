#include "crypto/identity_vault.hpp"

#include <cstring>

#include <sodium.h>

#include <vector>

namespace mina::crypto {

namespace {

constexpr char kContext[crypto_kdf_CONTEXTBYTES + 1] = "minapnr_";  // 8 bytes: the derivation's context
constexpr std::uint64_t kHashSubkey = 1;
constexpr std::uint64_t kSealSubkey = 2;
constexpr std::uint64_t kNameSubkey = 3;  // the audit log's names for unknown usernames
// The OpenID Provider's signing keys (crypto::Jose): a context of their own, so no sub-key of the
// personal numbers' context is ever shared with them.
constexpr char kJoseContext[crypto_kdf_CONTEXTBYTES + 1] = "minaoidc";
constexpr std::uint64_t kJoseSealSubkey = 1;
// The second factor's secrets and the digests of recovery codes ([12]): a context of their own.
constexpr char kSecretsContext[crypto_kdf_CONTEXTBYTES + 1] = "minasecr";
constexpr std::uint64_t kSecretSealSubkey = 1;
constexpr std::uint64_t kSecretDigestSubkey = 2;

std::string hex_of(const unsigned char* bytes, std::size_t n) {
    std::string out(n * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes, n);
    out.pop_back();
    return out;
}

std::optional<std::vector<unsigned char>> bytes_of(std::string_view hex) {
    std::vector<unsigned char> out(hex.size() / 2 + 1);
    std::size_t n = 0;
    const char* end = nullptr;
    if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &n, &end) != 0 ||
        end != hex.data() + hex.size())
        return std::nullopt;
    out.resize(n);
    return out;
}

}  // namespace

std::optional<IdentityVault> IdentityVault::from_hex(std::string_view hex) {
    if (hex.size() != 2 * kKeyBytes) return std::nullopt;
    auto master = bytes_of(hex);
    if (!master || master->size() != kKeyBytes) return std::nullopt;
    IdentityVault v;
    crypto_kdf_derive_from_key(v.hash_key_.data(), v.hash_key_.size(), kHashSubkey, kContext, master->data());
    crypto_kdf_derive_from_key(v.seal_key_.data(), v.seal_key_.size(), kSealSubkey, kContext, master->data());
    crypto_kdf_derive_from_key(v.name_key_.data(), v.name_key_.size(), kNameSubkey, kContext, master->data());
    crypto_kdf_derive_from_key(v.jose_key_.data(), v.jose_key_.size(), kJoseSealSubkey, kJoseContext, master->data());
    crypto_kdf_derive_from_key(v.secret_key_.data(), v.secret_key_.size(), kSecretSealSubkey, kSecretsContext,
                               master->data());
    crypto_kdf_derive_from_key(v.digest_key_.data(), v.digest_key_.size(), kSecretDigestSubkey, kSecretsContext,
                               master->data());
    sodium_memzero(master->data(), master->size());
    return v;
}

std::string IdentityVault::new_key_hex() {
    std::array<unsigned char, kKeyBytes> key{};
    crypto_kdf_keygen(key.data());
    auto out = hex_of(key.data(), key.size());
    sodium_memzero(key.data(), key.size());
    return out;
}

std::string IdentityVault::lookup_hash(std::string_view canonical) const {
    std::array<unsigned char, 32> out{};
    crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(canonical.data()),
                       canonical.size(), hash_key_.data(), hash_key_.size());
    return hex_of(out.data(), out.size());
}

std::string IdentityVault::pseudonym(std::string_view text) const {
    std::array<unsigned char, 32> out{};
    crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                       name_key_.data(), name_key_.size());
    return hex_of(out.data(), 8);  // the first 16 hexadecimal digits
}

namespace {

/// A random nonce. The kernel's generator is read 4 KiB at a time per thread (one system call
/// for 170 nonces, not one each: an upload seals a number per new student); every byte is used
/// once. XChaCha20's 192-bit nonces are safe to choose at random.
void fresh_nonce(unsigned char* out) {
    constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    thread_local std::array<unsigned char, 4080> pool{};  // a multiple of the nonce's 24 bytes
    thread_local std::size_t used = pool.size();
    if (used + kNonce > pool.size()) {
        randombytes_buf(pool.data(), pool.size());
        used = 0;
    }
    std::memcpy(out, pool.data() + used, kNonce);
    sodium_memzero(pool.data() + used, kNonce);
    used += kNonce;
}

}  // namespace

std::string IdentityVault::seal(std::string_view canonical) const {
    std::vector<unsigned char> out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + canonical.size() +
                                   crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned char* nonce = out.data();
    fresh_nonce(nonce);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &written,
                                               reinterpret_cast<const unsigned char*>(canonical.data()),
                                               canonical.size(), nullptr, 0, nullptr, nonce, seal_key_.data());
    return hex_of(out.data(), crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + written);
}

std::string IdentityVault::seal(std::string_view purpose, std::string_view plain) const {
    constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    std::vector<unsigned char> out(kNonce + plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    fresh_nonce(out.data());
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kNonce, &written,
                                               reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                                               reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(),
                                               nullptr, out.data(), secret_key_.data());
    return hex_of(out.data(), kNonce + written);
}

std::optional<std::string> IdentityVault::open(std::string_view purpose, std::string_view sealed) const {
    constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    auto bytes = bytes_of(sealed);
    if (!bytes || bytes->size() < kNonce + crypto_aead_xchacha20poly1305_ietf_ABYTES) return std::nullopt;
    const std::size_t cipher_len = bytes->size() - kNonce;
    std::string out(cipher_len - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long read = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &read, nullptr,
                                                   bytes->data() + kNonce, cipher_len,
                                                   reinterpret_cast<const unsigned char*>(purpose.data()),
                                                   purpose.size(), bytes->data(), secret_key_.data()) != 0)
        return std::nullopt;
    out.resize(read);
    return out;
}

std::string IdentityVault::digest(std::string_view purpose, std::string_view text) const {
    crypto_generichash_state state;
    crypto_generichash_init(&state, digest_key_.data(), digest_key_.size(), 32);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size());
    const unsigned char separator = 0;
    crypto_generichash_update(&state, &separator, 1);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    std::array<unsigned char, 32> out{};
    crypto_generichash_final(&state, out.data(), out.size());
    return hex_of(out.data(), out.size());
}

std::optional<std::string> IdentityVault::open(std::string_view sealed) const {
    auto bytes = bytes_of(sealed);
    if (!bytes ||
        bytes->size() < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
        return std::nullopt;
    const unsigned char* nonce = bytes->data();
    const unsigned char* cipher = bytes->data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    const std::size_t cipher_len = bytes->size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    std::string out(cipher_len - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long read = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &read, nullptr, cipher,
                                                   cipher_len, nullptr, 0, nonce, seal_key_.data()) != 0)
        return std::nullopt;
    out.resize(read);
    return out;
}

}  // namespace mina::crypto
