// WebAuthn Level 2 for the relying party (issue [12] item 2): a registration
// (navigator.credentials.create) and an authentication (navigator.credentials.get) verified, the
// signature counter checked. libfido2 parses the authenticator data and verifies the signatures and
// attestation statements, libcbor reads the attestation object, Boost.JSON the client data.
//
// Pure functions over bytes: no storage, no HTTP, no clock. Every input is what a browser sent and
// may be anything; a bad one is a Problem, never an exception.
//
// Attestation is verified (the statement's signature over authData || SHA-256(clientDataJSON)) but
// not trusted: who made an x5c certificate is not checked, as the service accepts any authenticator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mina::crypto::webauthn {

/// The COSE algorithms a credential may use (RFC 9053; the ones libfido2 verifies).
inline constexpr int kEs256 = -7;
inline constexpr int kEdDsa = -8;
inline constexpr int kEs384 = -35;
inline constexpr int kRs256 = -257;

/// A challenge shorter than this (bytes) is refused as if it were wrong (WebAuthn §13.4.3).
inline constexpr std::size_t kMinChallengeBytes = 16;

/// What the relying party expects of a ceremony.
struct Expected {
    std::string challenge;                   ///< raw bytes the server generated (at least kMinChallengeBytes)
    std::string origin;                      ///< e.g. "http://127.0.0.1:8080": must equal clientData.origin exactly
    std::string rp_id;                       ///< e.g. "127.0.0.1" or "mina.example.se"; rpIdHash = SHA-256(rp_id)
    bool require_user_verification = false;  ///< the UV flag must be set; the UP flag always must
};

/// Why a ceremony is refused.
enum class Problem {
    malformed,              ///< not the structure WebAuthn prescribes (JSON, CBOR, authData, sizes)
    wrong_type,             ///< clientData.type is not "webauthn.create" / "webauthn.get"
    wrong_challenge,        ///< clientData.challenge is not the expected challenge
    wrong_origin,           ///< clientData.origin differs, or crossOrigin is true
    wrong_rp,               ///< the authenticator data's rpIdHash is not SHA-256(rp_id)
    no_user_presence,       ///< the UP flag is not set
    no_user_verification,   ///< the UV flag is not set although required
    unsupported_algorithm,  ///< a credential key of another algorithm than kEs256/kEdDsa/kEs384/kRs256
    bad_attestation,        ///< the attestation statement does not verify, or its format is unknown
    bad_signature,          ///< the assertion's signature does not verify with the stored key
};

/// The problem's name ("wrong_origin"), for logs and tests.
[[nodiscard]] std::string_view name(Problem p);

/// A credential as it is stored after registration.
struct Credential {
    std::string id;          ///< credential id, raw bytes (at most 1023)
    int algorithm = 0;       ///< COSE: kEs256, kEdDsa, kEs384 or kRs256
    std::string public_key;  ///< as libfido2 gives it (fido_cred_pubkey_ptr/len): handed back to verify_assertion
    std::uint32_t sign_count = 0;
    bool user_verified = false;
    bool backup_eligible = false;    ///< BE flag (0x08): a synced passkey
    std::string aaguid;              ///< 16 bytes: the authenticator's model (all zero for "none")
    std::string attestation_format;  ///< "none", "packed", "fido-u2f" or "tpm"
};

/// Registration (navigator.credentials.create): clientDataJSON and attestationObject as the browser
/// gives them (raw bytes after base64url decoding). Formats: "none" (an empty statement), "packed"
/// (with x5c, or self attestation), "fido-u2f" and "tpm" (with x5c); any other is bad_attestation.
[[nodiscard]] std::variant<Credential, Problem> verify_registration(std::string_view client_data_json,
                                                                    std::string_view attestation_object,
                                                                    const Expected& expected);

/// What an authentication proved.
struct Asserted {
    std::uint32_t sign_count = 0;
    bool user_verified = false;
    /// counter_ok(stored.sign_count, sign_count) failed: the authenticator may have been cloned
    /// (WebAuthn §6.1.1). The signature is valid; refusing, and noting it, is the caller's policy.
    bool cloned = false;
};

/// Authentication (navigator.credentials.get): clientDataJSON, authenticatorData and signature (raw
/// bytes), against a stored credential.
[[nodiscard]] std::variant<Asserted, Problem> verify_assertion(const Credential& stored,
                                                               std::string_view client_data_json,
                                                               std::string_view authenticator_data,
                                                               std::string_view signature, const Expected& expected);

/// WebAuthn §6.1.1's signature counter rule: false ("cloned") when either counter is non-zero and
/// the received one is not greater than the stored one.
[[nodiscard]] bool counter_ok(std::uint32_t stored, std::uint32_t received);

/// base64url without padding (RFC 4648 §5), which the browser side speaks.
[[nodiscard]] std::string base64url(std::string_view bytes);
/// Strict: nothing for padding, any other character or stray bits.
[[nodiscard]] std::optional<std::string> from_base64url(std::string_view text);

}  // namespace mina::crypto::webauthn
