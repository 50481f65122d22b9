// crypto::webauthn's verify_registration and verify_assertion (passkeys and security keys): what a
// browser sends, against a fixed relying party. The input: one byte of mode, then fields, each two
// bytes of big-endian length and its bytes (a field cut short is what is left; a missing one empty).
//   mode & 3 == 0  registration: clientDataJSON, attestationObject
//   mode & 3 == 1  assertion against the fixed ES256 credential below (its signed assertions are
//                  among the seeds): clientDataJSON, authenticatorData, signature
//   mode & 3 >= 2  assertion against a stored key of the input: the same three fields, then the
//                  key's bytes; its algorithm is mode >> 3 & 3 (ES256, EdDSA, ES384, RS256)
//   mode & 4       user verification required
// Invariants: it answers, never throws; an accepted registration is a credential of a supported
// algorithm with an id of 1 to 1023 bytes; an accepted assertion's counter and UV flag are its
// authenticator data's, with UP set, and UV when required.
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/webauthn.hpp"

using namespace mina::crypto;

namespace {

// The relying party of the seeds; the challenge is "0123456789abcdef0123456789ABCDEF".
const webauthn::Expected& expected(bool require_uv) {
    static const webauthn::Expected kPlain{"0123456789abcdef0123456789ABCDEF", "https://mina.example.se",
                                           "mina.example.se", false};
    static const webauthn::Expected kUv{kPlain.challenge, kPlain.origin, kPlain.rp_id, true};
    return require_uv ? kUv : kPlain;
}

// The seeds' credential: ES256, the P-256 key of the private scalar 0x5eed (libfido2's x || y).
const webauthn::Credential& stored() {
    static const webauthn::Credential kCredential = [] {
        webauthn::Credential c;
        c.id = "fuzz-credential";
        c.algorithm = webauthn::kEs256;
        c.public_key = *webauthn::from_base64url(
            "XNTOzEJInpjtP_cUmAUfeA82SG1NRNhn2ZgYV4Tn2lfu9xpA1qatET1Hu_MRC_EYXDrkYzF6sAZzBDq8vNQFSw");
        c.sign_count = 5;
        return c;
    }();
    return kCredential;
}

/// The next field: two bytes of length, then that many bytes (or what is left).
std::string_view field(std::string_view& input) {
    if (input.size() < 2) {
        input = {};
        return {};
    }
    const std::size_t n =
        static_cast<std::size_t>(static_cast<unsigned char>(input[0])) << 8U | static_cast<unsigned char>(input[1]);
    input.remove_prefix(2);
    const auto out = input.substr(0, n);
    input.remove_prefix(out.size());
    return out;
}

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned mode = data[0];
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const bool require_uv = (mode & 4U) != 0;
    const auto client_data = field(input);
    try {
        if ((mode & 3U) == 0) {
            const auto attestation_object = field(input);
            const auto result = webauthn::verify_registration(client_data, attestation_object, expected(require_uv));
            if (const auto* c = std::get_if<webauthn::Credential>(&result)) {
                check(c->algorithm == webauthn::kEs256 || c->algorithm == webauthn::kEdDsa ||
                      c->algorithm == webauthn::kEs384 || c->algorithm == webauthn::kRs256);
                check(!c->id.empty() && c->id.size() <= 1023 && !c->public_key.empty() && c->aaguid.size() == 16);
                check(!require_uv || c->user_verified);
            }
            return 0;
        }
        const auto auth_data = field(input);
        const auto signature = field(input);
        webauthn::Credential credential = stored();
        if ((mode & 3U) >= 2) {
            static constexpr int kAlgorithms[] = {webauthn::kEs256, webauthn::kEdDsa, webauthn::kEs384,
                                                  webauthn::kRs256};
            credential.algorithm = kAlgorithms[(mode >> 3U) & 3U];
            credential.public_key = std::string(field(input));
        }
        const auto result =
            webauthn::verify_assertion(credential, client_data, auth_data, signature, expected(require_uv));
        if (const auto* a = std::get_if<webauthn::Asserted>(&result)) {
            check(auth_data.size() >= 37);
            const auto flags = static_cast<unsigned char>(auth_data[32]);
            std::uint32_t counter = 0;
            for (std::size_t i = 33; i < 37; ++i) counter = counter << 8U | static_cast<unsigned char>(auth_data[i]);
            check(a->sign_count == counter && a->user_verified == ((flags & 4U) != 0) && (flags & 1U) != 0);
            check(!require_uv || a->user_verified);
            check(a->cloned == !webauthn::counter_ok(credential.sign_count, counter));
        }
    } catch (...) {
        __builtin_trap();  // a bad input is a Problem, never an exception
    }
    return 0;
}
