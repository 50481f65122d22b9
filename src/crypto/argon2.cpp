#include "crypto/argon2.hpp"

#include <argon2.h>
#include <sodium.h>

#include <array>
#include <charconv>
#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>

#include "crypto/argon2_memory.hpp"

namespace mina::crypto {
namespace {

constexpr std::size_t kSaltBytes = 16;  // crypto_pwhash_SALTBYTES, as libsodium writes them
constexpr std::size_t kHashBytes = 32;  // crypto_pwhash_STRHASHBYTES
constexpr std::size_t kMaxBytes = 64;   // the longest salt or hash read from a stored string
constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;

using Bytes = std::array<unsigned char, kMaxBytes>;

struct Cost {
    std::uint32_t t = 0;
    std::uint32_t m_kib = 0;
    std::uint32_t lanes = 0;
};

/// Argon2 of `password` into out[0, out_len), with the thread's memory callbacks. ARGON2_OK or an error.
int compute(argon2_type type, const Cost& cost, std::string_view password, const unsigned char* salt,
            std::size_t salt_len, unsigned char* out, std::size_t out_len) {
    if (password.size() > std::numeric_limits<std::uint32_t>::max()) return ARGON2_PWD_TOO_LONG;
    argon2_context ctx{};
    ctx.out = out;
    ctx.outlen = static_cast<std::uint32_t>(out_len);
    // libargon2 writes to the password and the salt only when asked to wipe them (flags), which it is not.
    ctx.pwd = const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(password.data()));
    ctx.pwdlen = static_cast<std::uint32_t>(password.size());
    ctx.salt = const_cast<std::uint8_t*>(salt);
    ctx.saltlen = static_cast<std::uint32_t>(salt_len);
    ctx.t_cost = cost.t;
    ctx.m_cost = cost.m_kib;
    ctx.lanes = cost.lanes;
    ctx.threads = 1;
    ctx.version = ARGON2_VERSION_13;
    ctx.allocate_cbk = allocate_argon2_memory;
    ctx.free_cbk = free_argon2_memory;
    ctx.flags = ARGON2_DEFAULT_FLAGS;
    return argon2_ctx(&ctx, type);
}

std::string base64(const unsigned char* bytes, std::size_t n) {
    std::array<char, sodium_base64_ENCODED_LEN(kMaxBytes, kVariant)> out{};
    sodium_bin2base64(out.data(), out.size(), bytes, n, kVariant);
    return out.data();
}

/// Reads `prefix` off the front of `s`.
bool take(std::string_view& s, std::string_view prefix) {
    if (!s.starts_with(prefix)) return false;
    s.remove_prefix(prefix.size());
    return true;
}

/// Reads `name`=<decimal> off the front of `s`.
bool take_u32(std::string_view& s, std::string_view name, std::uint32_t& value) {
    if (!take(s, name)) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end == s.data()) return false;
    s.remove_prefix(static_cast<std::size_t>(end - s.data()));
    return true;
}

/// Decodes base64 (no padding) into `out`; the number of bytes, or nothing.
std::optional<std::size_t> unbase64(std::string_view s, Bytes& out) {
    std::size_t n = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), s.data(), s.size(), nullptr, &n, &end, kVariant) != 0 ||
        end != s.data() + s.size())
        return std::nullopt;
    return n;
}

struct Decoded {
    argon2_type type = Argon2_id;
    Cost cost;
    Bytes salt{};
    std::size_t salt_len = 0;
    Bytes hash{};
    std::size_t hash_len = 0;
};

/// Parses $argon2id$v=19$m=M,t=T,p=P$SALT$HASH (or $argon2i$…), as libsodium writes it.
std::optional<Decoded> decode(std::string_view s) {
    Decoded d;
    if (take(s, "$argon2id$"))
        d.type = Argon2_id;
    else if (take(s, "$argon2i$"))
        d.type = Argon2_i;
    else
        return std::nullopt;
    std::uint32_t version = 0;
    if (!take_u32(s, "v=", version) || version != ARGON2_VERSION_13) return std::nullopt;
    if (!take_u32(s, "$m=", d.cost.m_kib) || !take_u32(s, ",t=", d.cost.t) || !take_u32(s, ",p=", d.cost.lanes) ||
        !take(s, "$"))
        return std::nullopt;
    const std::size_t dollar = s.find('$');
    if (dollar == std::string_view::npos) return std::nullopt;
    const auto salt_len = unbase64(s.substr(0, dollar), d.salt);
    const auto hash_len = unbase64(s.substr(dollar + 1), d.hash);
    if (!salt_len || !hash_len || *hash_len < ARGON2_MIN_OUTLEN) return std::nullopt;
    d.salt_len = *salt_len;
    d.hash_len = *hash_len;
    return d;
}

}  // namespace

std::string argon2id_encoded(std::string_view password, std::uint32_t t, std::uint32_t m_kib) {
    std::array<unsigned char, kSaltBytes> salt{};
    randombytes_buf(salt.data(), salt.size());
    std::array<unsigned char, kHashBytes> hash{};
    const Cost cost{.t = t, .m_kib = m_kib, .lanes = 1};
    const int rc = compute(Argon2_id, cost, password, salt.data(), salt.size(), hash.data(), hash.size());
    if (rc == ARGON2_MEMORY_ALLOCATION_ERROR) throw std::runtime_error("argon2id: out of memory");
    if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
    std::string out = "$argon2id$v=19$m=" + std::to_string(m_kib) + ",t=" + std::to_string(t) + ",p=1$" +
                      base64(salt.data(), salt.size()) + "$" + base64(hash.data(), hash.size());
    sodium_memzero(hash.data(), hash.size());
    return out;
}

bool argon2_verify_encoded(std::string_view encoded, std::string_view password) {
    const auto d = decode(encoded);
    if (!d) return false;
    Bytes computed{};
    const bool ok = compute(d->type, d->cost, password, d->salt.data(), d->salt_len, computed.data(), d->hash_len) ==
                        ARGON2_OK &&
                    sodium_memcmp(computed.data(), d->hash.data(), d->hash_len) == 0;
    sodium_memzero(computed.data(), computed.size());
    return ok;
}

}  // namespace mina::crypto
