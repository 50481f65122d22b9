#include "crypto/webauthn.hpp"

#include "crypto/base64url.hpp"

#include <cbor.h>
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/es384.h>
#include <fido/rs256.h>
#include <sodium.h>

#include <array>
#include <boost/json.hpp>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace mina::crypto::webauthn {

namespace {

namespace json = boost::json;

/// A clientDataJSON, attestationObject or authenticatorData longer than this is refused unread (a
/// browser's are well under 2 KiB; a TPM attestation with its certificate about 4 KiB).
constexpr std::size_t kMaxInput = 64 * 1024;
/// An RS256 signature is 256 bytes, an ES256 one at most 72.
constexpr std::size_t kMaxSignature = 1024;
/// WebAuthn §6.5.1: credentialIdLength is at most 1023.
constexpr std::size_t kMaxCredentialId = 1023;
/// Open arrays and maps at once; COSE keys, attestation statements and extensions need four.
constexpr std::size_t kMaxCborDepth = 16;

constexpr std::size_t kRpIdHashBytes = 32;
constexpr std::size_t kFixedAuthData = kRpIdHashBytes + 1 + 4;  // rpIdHash, flags, signCount
constexpr std::size_t kAaguidBytes = 16;

/// authData's flags (WebAuthn §6.1).
constexpr unsigned kUp = 0x01U;
constexpr unsigned kUv = 0x04U;
constexpr unsigned kBe = 0x08U;
constexpr unsigned kBs = 0x10U;
constexpr unsigned kAt = 0x40U;
constexpr unsigned kEd = 0x80U;

/// COSE_Key's label of the algorithm (RFC 9052 §7.1). libfido2 reads the rest of the key, and checks
/// its type and curve against the algorithm.
constexpr int kCoseAlg = 3;

void init_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        fido_init(0);  // no debug output (unless the operator sets FIDO_DEBUG)
        // The base64 and SHA-256 used here need no randomness: a failure (no entropy) is not ours.
        [[maybe_unused]] const int sodium = sodium_init();
    });
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// ---- Owners of what libcbor and libfido2 allocate: freed on every path.

struct CborFree {
    void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using CborPtr = std::unique_ptr<cbor_item_t, CborFree>;

struct MallocFree {
    void operator()(unsigned char* p) const { std::free(p); }  // cbor_serialize_alloc's buffer
};

struct CredFree {
    void operator()(fido_cred_t* cred) const { fido_cred_free(&cred); }
};
using CredPtr = std::unique_ptr<fido_cred_t, CredFree>;

struct AssertFree {
    void operator()(fido_assert_t* assertion) const { fido_assert_free(&assertion); }
};
using AssertPtr = std::unique_ptr<fido_assert_t, AssertFree>;

template <typename T>
T* made(T* p) {
    if (!p) throw std::bad_alloc();  // libfido2 and libcbor answer nothing only when memory ran out
    return p;
}

// ---- CBOR.

/// What one step of libcbor's streaming decoder met.
struct ScanStep {
    enum class Kind { leaf, array, map, refused } kind = Kind::leaf;
    std::size_t size = 0;
};

cbor_callbacks scan_callbacks() {
    cbor_callbacks c = cbor_empty_callbacks;  // every other item is a leaf
    c.array_start = [](void* step, std::size_t n) { *static_cast<ScanStep*>(step) = {ScanStep::Kind::array, n}; };
    c.map_start = [](void* step, std::size_t n) { *static_cast<ScanStep*>(step) = {ScanStep::Kind::map, n}; };
    const auto refuse = [](void* step) { static_cast<ScanStep*>(step)->kind = ScanStep::Kind::refused; };
    c.indef_array_start = refuse;
    c.indef_map_start = refuse;
    c.byte_string_start = refuse;  // indefinite byte and text strings
    c.string_start = refuse;
    c.indef_break = refuse;
    c.tag = [](void* step, std::uint64_t) { static_cast<ScanStep*>(step)->kind = ScanStep::Kind::refused; };
    return c;
}

/// The length of the one CBOR item at the start of `bytes`, when it is there whole, well-formed, of
/// definite lengths, untagged (CTAP2's canonical CBOR has neither) and at most kMaxCborDepth deep.
/// libcbor 0.8's cbor_load allocates what an array's or map's head declares before it reads on (9
/// bytes declaring 2^40 members ask for 8 TiB; fuzz/webauthn met it at once without this scan), so
/// every item that reaches cbor_load, ours or libfido2's, is first walked here, head by head, with
/// libcbor's own streaming decoder, which allocates nothing.
std::optional<std::size_t> cbor_item_length(std::string_view bytes) {
    static const cbor_callbacks kCallbacks = scan_callbacks();
    std::vector<std::size_t> open{1};  // per open array or map (and the item itself): members still to read
    std::size_t at = 0;
    while (!open.empty()) {
        if (at >= bytes.size()) return std::nullopt;
        ScanStep step;
        const auto r = cbor_stream_decode(bytes_of(bytes) + at, bytes.size() - at, &kCallbacks, &step);
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0) return std::nullopt;
        at += r.read;
        --open.back();
        const std::size_t left = bytes.size() - at;
        switch (step.kind) {
            case ScanStep::Kind::refused: return std::nullopt;
            case ScanStep::Kind::array:
                if (step.size > left) return std::nullopt;
                open.push_back(step.size);
                break;
            case ScanStep::Kind::map:
                if (step.size > left / 2) return std::nullopt;
                open.push_back(2 * step.size);
                break;
            case ScanStep::Kind::leaf: break;
        }
        if (open.size() > kMaxCborDepth) return std::nullopt;
        while (!open.empty() && open.back() == 0) open.pop_back();
    }
    return at;
}

/// The CBOR item at the start of `bytes` and its length, scanned first (cbor_item_length).
struct Loaded {
    CborPtr item;
    std::size_t length = 0;
};
std::optional<Loaded> load_cbor(std::string_view bytes) {
    const auto length = cbor_item_length(bytes);
    if (!length) return std::nullopt;
    cbor_load_result result{};
    CborPtr item(cbor_load(bytes_of(bytes), *length, &result));
    if (!item || result.error.code != CBOR_ERR_NONE || result.read != *length) return std::nullopt;
    return Loaded{std::move(item), *length};
}

bool is_map(const cbor_item_t* item) { return cbor_isa_map(item) && cbor_map_is_definite(item); }

std::optional<std::string_view> text_of(const cbor_item_t* item) {
    if (!cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)), cbor_string_length(item));
}

std::optional<std::string_view> bytes_in(const cbor_item_t* item) {
    if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(cbor_bytestring_handle(item)), cbor_bytestring_length(item));
}

/// A CBOR integer that fits an int (COSE labels and algorithms).
std::optional<int> int_of(const cbor_item_t* item) {
    constexpr std::uint64_t kLimit = 1U << 30U;
    if (cbor_isa_uint(item) && cbor_get_int(item) < kLimit) return static_cast<int>(cbor_get_int(item));
    if (cbor_isa_negint(item) && cbor_get_int(item) < kLimit) return -1 - static_cast<int>(cbor_get_int(item));
    return std::nullopt;
}

/// The value of a map's text key `name`.
const cbor_item_t* member(const cbor_item_t* map, std::string_view name) {
    const auto* pairs = cbor_map_handle(map);
    for (std::size_t i = 0; i < cbor_map_size(map); ++i)
        if (text_of(pairs[i].key) == name) return pairs[i].value;
    return nullptr;
}

/// The item written back as CBOR; nothing when libcbor cannot.
std::optional<std::string> serialized(const cbor_item_t* item) {
    unsigned char* buffer = nullptr;
    std::size_t allocated = 0;
    const std::size_t n = cbor_serialize_alloc(item, &buffer, &allocated);
    const std::unique_ptr<unsigned char, MallocFree> owner(buffer);
    if (n == 0) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(buffer), n);
}

// ---- clientDataJSON (WebAuthn §5.8.1).

std::optional<Problem> client_data_problem(std::string_view text, std::string_view type, const Expected& expected) {
    if (text.empty() || text.size() > kMaxInput) return Problem::malformed;
    json::error_code ec;
    const auto value = json::parse(text, ec);
    if (ec || !value.is_object()) return Problem::malformed;
    const auto& o = value.as_object();
    const auto* t = o.if_contains("type");
    const auto* challenge = o.if_contains("challenge");
    const auto* origin = o.if_contains("origin");
    const auto* cross_origin = o.if_contains("crossOrigin");
    if (!t || !t->is_string() || !challenge || !challenge->is_string() || !origin || !origin->is_string() ||
        (cross_origin && !cross_origin->is_bool()))
        return Problem::malformed;
    if (t->as_string() != type) return Problem::wrong_type;
    const auto received = from_base64url(challenge->as_string());
    if (!received) return Problem::malformed;
    if (expected.challenge.size() < kMinChallengeBytes || received->size() != expected.challenge.size() ||
        sodium_memcmp(received->data(), expected.challenge.data(), received->size()) != 0)
        return Problem::wrong_challenge;
    if (expected.origin.empty() || origin->as_string() != expected.origin) return Problem::wrong_origin;
    if (cross_origin && cross_origin->as_bool()) return Problem::wrong_origin;
    return std::nullopt;  // tokenBinding, topOrigin and any other member: not ours to check
}

// ---- authenticatorData (WebAuthn §6.1), read to the last byte.

struct AuthData {
    std::string_view rp_id_hash;
    unsigned flags = 0;
    int algorithm = 0;   // the COSE key's, with attested credential data
    CborPtr extensions;  // a map, when the ED flag is set
};

/// `attested`: a registration's (the attested credential data must be there) or an assertion's (it
/// must not). libfido2 reads the same bytes again; what it is given has been scanned here.
std::optional<AuthData> auth_data_of(std::string_view bytes, bool attested) {
    if (bytes.size() < kFixedAuthData || bytes.size() > kMaxInput) return std::nullopt;
    AuthData out;
    out.rp_id_hash = bytes.substr(0, kRpIdHashBytes);
    out.flags = static_cast<unsigned char>(bytes[kRpIdHashBytes]);
    auto rest = bytes.substr(kFixedAuthData);
    if (((out.flags & kAt) != 0) != attested) return std::nullopt;
    if (attested) {
        if (rest.size() < kAaguidBytes + 2) return std::nullopt;
        const std::size_t id_length = static_cast<std::size_t>(static_cast<unsigned char>(rest[kAaguidBytes])) << 8U |
                                      static_cast<unsigned char>(rest[kAaguidBytes + 1]);
        rest.remove_prefix(kAaguidBytes + 2);
        if (id_length == 0 || id_length > kMaxCredentialId || id_length > rest.size()) return std::nullopt;
        rest.remove_prefix(id_length);
        auto key = load_cbor(rest);
        if (!key || !is_map(key->item.get())) return std::nullopt;
        const auto* pairs = cbor_map_handle(key->item.get());
        std::optional<int> alg;
        for (std::size_t i = 0; i < cbor_map_size(key->item.get()); ++i) {
            if (int_of(pairs[i].key) != kCoseAlg) continue;
            if (alg || !(alg = int_of(pairs[i].value))) return std::nullopt;  // twice, or not an integer
        }
        if (!alg) return std::nullopt;
        out.algorithm = *alg;
        rest.remove_prefix(key->length);
    }
    if ((out.flags & kEd) != 0) {
        auto extensions = load_cbor(rest);
        if (!extensions || !is_map(extensions->item.get())) return std::nullopt;
        rest.remove_prefix(extensions->length);
        out.extensions = std::move(extensions->item);
    }
    if (!rest.empty()) return std::nullopt;
    if ((out.flags & kBs) != 0 && (out.flags & kBe) == 0) return std::nullopt;  // backed up, yet not eligible
    return out;
}

std::optional<Problem> rp_and_flags_problem(const AuthData& auth, const Expected& expected) {
    // libfido2 takes the RP ID as a C string.
    if (expected.rp_id.empty() || expected.rp_id.find('\0') != std::string::npos) return Problem::wrong_rp;
    std::array<unsigned char, crypto_hash_sha256_BYTES> hash{};
    crypto_hash_sha256(hash.data(), bytes_of(expected.rp_id), expected.rp_id.size());
    if (sodium_memcmp(hash.data(), auth.rp_id_hash.data(), hash.size()) != 0) return Problem::wrong_rp;
    if ((auth.flags & kUp) == 0) return Problem::no_user_presence;
    if (expected.require_user_verification && (auth.flags & kUv) == 0) return Problem::no_user_verification;
    return std::nullopt;
}

bool supported(int algorithm) {
    return algorithm == kEs256 || algorithm == kEdDsa || algorithm == kEs384 || algorithm == kRs256;
}

// ---- Extensions. libfido2 verifies a registration or an assertion only when the extensions in the
// authenticator data are exactly those it was told were asked for (it was written for the client's
// side). The relying party asks for none, yet an authenticator may report some unasked (credProtect
// on a discoverable credential): what it reports, signed in authData, is what libfido2 is told.

bool tell_cred_extensions(fido_cred_t* cred, const cbor_item_t* extensions) {
    if (!extensions) return true;
    const auto* pairs = cbor_map_handle(extensions);
    for (std::size_t i = 0; i < cbor_map_size(extensions); ++i) {
        const auto name = text_of(pairs[i].key);
        const auto* value = pairs[i].value;
        if (!name) continue;
        const bool yes = cbor_isa_float_ctrl(value) && cbor_is_bool(value) && cbor_get_bool(value);
        int r = FIDO_OK;
        if (*name == "hmac-secret" && yes) r = fido_cred_set_extensions(cred, FIDO_EXT_HMAC_SECRET);
        if (*name == "credBlob" && yes) r = fido_cred_set_extensions(cred, FIDO_EXT_CRED_BLOB);
        if (*name == "credProtect" || *name == "minPinLength") {
            const auto n = int_of(value);
            if (!n || *n < 0) return false;
            r = *name == "credProtect" ? fido_cred_set_prot(cred, *n)
                                       : fido_cred_set_pin_minlen(cred, static_cast<std::size_t>(*n));
        }
        if (r != FIDO_OK) return false;
    }
    return true;
}

bool tell_assert_extensions(fido_assert_t* assertion, const cbor_item_t* extensions) {
    if (!extensions) return true;
    const auto* pairs = cbor_map_handle(extensions);
    int mask = 0;
    for (std::size_t i = 0; i < cbor_map_size(extensions); ++i) {
        const auto name = text_of(pairs[i].key);
        if (name == "hmac-secret") mask |= FIDO_EXT_HMAC_SECRET;
        if (name == "credBlob") mask |= FIDO_EXT_CRED_BLOB;
    }
    return mask == 0 || fido_assert_set_extensions(assertion, mask) == FIDO_OK;
}

// ---- Public keys, as libfido2 gives them and takes them back.

using KeyPtr = std::unique_ptr<void, void (*)(void*)>;

template <typename Pk, Pk* (*New)(), void (*Free)(Pk**), int (*FromPtr)(Pk*, const void*, std::size_t)>
KeyPtr rebuilt(std::string_view bytes) {
    KeyPtr key(made(New()), [](void* p) {
        auto* pk = static_cast<Pk*>(p);
        Free(&pk);
    });
    if (FromPtr(static_cast<Pk*>(key.get()), bytes.data(), bytes.size()) != FIDO_OK) key.reset();
    return key;
}

/// The key libfido2's verify functions take, made again from what fido_cred_pubkey_ptr gave; null
/// when libfido2 refuses the bytes (its *_pk_from_ptr checks the point or modulus with OpenSSL).
KeyPtr public_key(int algorithm, std::string_view bytes) {
    switch (algorithm) {
        case kEs256: return rebuilt<es256_pk_t, es256_pk_new, es256_pk_free, es256_pk_from_ptr>(bytes);
        case kEs384: return rebuilt<es384_pk_t, es384_pk_new, es384_pk_free, es384_pk_from_ptr>(bytes);
        case kEdDsa: return rebuilt<eddsa_pk_t, eddsa_pk_new, eddsa_pk_free, eddsa_pk_from_ptr>(bytes);
        case kRs256: return rebuilt<rs256_pk_t, rs256_pk_new, rs256_pk_free, rs256_pk_from_ptr>(bytes);
        default: return {nullptr, [](void*) {}};
    }
}

// ---- The attestation object (WebAuthn §6.5.4).

struct AttestationObject {
    CborPtr root;  // owns what the views below point into
    std::string_view fmt;
    const cbor_item_t* statement = nullptr;  // a map
    std::string_view auth_data;
};

std::optional<AttestationObject> attestation_object_of(std::string_view bytes) {
    if (bytes.size() > kMaxInput) return std::nullopt;
    auto loaded = load_cbor(bytes);
    if (!loaded || loaded->length != bytes.size() || !is_map(loaded->item.get())) return std::nullopt;
    AttestationObject out;
    out.root = std::move(loaded->item);
    std::optional<std::string_view> fmt;
    std::optional<std::string_view> auth_data;
    const auto* pairs = cbor_map_handle(out.root.get());
    for (std::size_t i = 0; i < cbor_map_size(out.root.get()); ++i) {
        const auto name = text_of(pairs[i].key);
        if (!name) return std::nullopt;
        const auto* value = pairs[i].value;
        if (*name == "fmt") {
            if (fmt || !(fmt = text_of(value))) return std::nullopt;
        } else if (*name == "attStmt") {
            if (out.statement || !is_map(value)) return std::nullopt;
            out.statement = value;
        } else if (*name == "authData") {
            if (auth_data || !(auth_data = bytes_in(value))) return std::nullopt;
        }
    }
    if (!fmt || !out.statement || !auth_data) return std::nullopt;
    out.fmt = *fmt;
    out.auth_data = *auth_data;
    return out;
}

/// Verifies the statement of a format libfido2 knows ("packed", "fido-u2f", "tpm"); `cred` holds the
/// authData, client data, RP ID and credential type already.
std::optional<Problem> statement_problem(fido_cred_t* cred, const AttestationObject& object, int algorithm) {
    const std::string fmt(object.fmt);
    // FIDO U2F knows only P-256 keys (WebAuthn §8.6); libfido2 would read another key as one.
    if (fmt == "fido-u2f" && algorithm != kEs256) return Problem::bad_attestation;
    // The statement as libfido2 takes it: the map written back to CBOR bytes.
    const auto statement = serialized(object.statement);
    if (!statement || fido_cred_set_fmt(cred, fmt.c_str()) != FIDO_OK ||
        fido_cred_set_attstmt(cred, bytes_of(*statement), statement->size()) != FIDO_OK)
        return Problem::bad_attestation;
    int r = FIDO_ERR_INVALID_ARGUMENT;
    if (fido_cred_x5c_len(cred) > 0) {
        // The statement's signature by the certificate's key. Who made the certificate is not checked:
        // the service accepts any authenticator, attested or not.
        r = fido_cred_verify(cred);
    } else if (fmt == "packed") {
        // Self attestation (WebAuthn §8.2): signed by the credential's own key. libfido2 verifies with
        // the key's algorithm and does not look at the statement's "alg", which must be the same.
        const auto* alg = member(object.statement, "alg");
        if (!alg || int_of(alg) != algorithm) return Problem::bad_attestation;
        r = fido_cred_verify_self(cred);
    }
    return r == FIDO_OK ? std::nullopt : std::optional(Problem::bad_attestation);
}

}  // namespace

std::string_view name(Problem p) {
    switch (p) {
        case Problem::malformed: return "malformed";
        case Problem::wrong_type: return "wrong_type";
        case Problem::wrong_challenge: return "wrong_challenge";
        case Problem::wrong_origin: return "wrong_origin";
        case Problem::wrong_rp: return "wrong_rp";
        case Problem::no_user_presence: return "no_user_presence";
        case Problem::no_user_verification: return "no_user_verification";
        case Problem::unsupported_algorithm: return "unsupported_algorithm";
        case Problem::bad_attestation: return "bad_attestation";
        case Problem::bad_signature: return "bad_signature";
    }
    return "unknown";
}

std::variant<Credential, Problem> verify_registration(std::string_view client_data_json,
                                                      std::string_view attestation_object, const Expected& expected) {
    init_once();
    if (const auto p = client_data_problem(client_data_json, "webauthn.create", expected)) return *p;
    const auto object = attestation_object_of(attestation_object);
    if (!object) return Problem::malformed;
    const auto auth = auth_data_of(object->auth_data, true);
    if (!auth) return Problem::malformed;
    if (const auto p = rp_and_flags_problem(*auth, expected)) return *p;
    if (!supported(auth->algorithm)) return Problem::unsupported_algorithm;
    const bool none = object->fmt == "none";
    if (!none && object->fmt != "packed" && object->fmt != "fido-u2f" && object->fmt != "tpm")
        return Problem::bad_attestation;  // "android-key", "apple", …: not verified here

    // libfido2 reads the authData for the credential's type: the COSE key must be of that algorithm.
    const CredPtr cred(made(fido_cred_new()));
    const std::string rp_id = expected.rp_id;
    if (fido_cred_set_type(cred.get(), auth->algorithm) != FIDO_OK ||
        fido_cred_set_rp(cred.get(), rp_id.c_str(), nullptr) != FIDO_OK ||
        fido_cred_set_clientdata(cred.get(), bytes_of(client_data_json), client_data_json.size()) != FIDO_OK ||
        fido_cred_set_authdata_raw(cred.get(), bytes_of(object->auth_data), object->auth_data.size()) != FIDO_OK ||
        !tell_cred_extensions(cred.get(), auth->extensions.get()))
        return Problem::malformed;
    if (expected.require_user_verification) fido_cred_set_uv(cred.get(), FIDO_OPT_TRUE);

    if (none) {
        // libfido2's verify functions know no "none" (FIDO_ERR_INVALID_ARGUMENT): its statement must be
        // empty (WebAuthn §8.7), and the RP ID hash and flags were checked above.
        if (cbor_map_size(object->statement) != 0) return Problem::bad_attestation;
    } else if (const auto p = statement_problem(cred.get(), *object, auth->algorithm)) {
        return *p;
    }

    Credential out;
    out.algorithm = auth->algorithm;
    const auto* id = fido_cred_id_ptr(cred.get());
    const auto* pk = fido_cred_pubkey_ptr(cred.get());
    const auto* aaguid = fido_cred_aaguid_ptr(cred.get());
    if (!id || !pk || !aaguid) return Problem::malformed;
    out.id.assign(reinterpret_cast<const char*>(id), fido_cred_id_len(cred.get()));
    out.public_key.assign(reinterpret_cast<const char*>(pk), fido_cred_pubkey_len(cred.get()));
    out.aaguid.assign(reinterpret_cast<const char*>(aaguid), fido_cred_aaguid_len(cred.get()));
    // What is stored must verify later: libfido2 takes the key back (a point on the curve, say).
    if (!public_key(out.algorithm, out.public_key)) return Problem::malformed;
    out.sign_count = fido_cred_sigcount(cred.get());
    out.user_verified = (auth->flags & kUv) != 0;
    out.backup_eligible = (auth->flags & kBe) != 0;
    out.attestation_format = object->fmt;
    return out;
}

std::variant<Asserted, Problem> verify_assertion(const Credential& stored, std::string_view client_data_json,
                                                 std::string_view authenticator_data, std::string_view signature,
                                                 const Expected& expected) {
    init_once();
    if (const auto p = client_data_problem(client_data_json, "webauthn.get", expected)) return *p;
    const auto auth = auth_data_of(authenticator_data, false);
    if (!auth) return Problem::malformed;
    if (const auto p = rp_and_flags_problem(*auth, expected)) return *p;
    if (!supported(stored.algorithm)) return Problem::unsupported_algorithm;
    const auto key = public_key(stored.algorithm, stored.public_key);
    if (!key || signature.empty() || signature.size() > kMaxSignature) return Problem::bad_signature;

    const AssertPtr assertion(made(fido_assert_new()));
    const std::string rp_id = expected.rp_id;
    if (fido_assert_set_rp(assertion.get(), rp_id.c_str()) != FIDO_OK ||
        fido_assert_set_clientdata(assertion.get(), bytes_of(client_data_json), client_data_json.size()) != FIDO_OK ||
        fido_assert_set_count(assertion.get(), 1) != FIDO_OK ||
        fido_assert_set_authdata_raw(assertion.get(), 0, bytes_of(authenticator_data), authenticator_data.size()) !=
            FIDO_OK ||
        !tell_assert_extensions(assertion.get(), auth->extensions.get()))
        return Problem::malformed;
    if (fido_assert_set_sig(assertion.get(), 0, bytes_of(signature), signature.size()) != FIDO_OK)
        return Problem::bad_signature;
    fido_assert_set_up(assertion.get(), FIDO_OPT_TRUE);
    if (expected.require_user_verification) fido_assert_set_uv(assertion.get(), FIDO_OPT_TRUE);
    // Checks the RP ID hash and flags again, then the signature over authData || SHA-256(clientDataJSON).
    if (fido_assert_verify(assertion.get(), 0, stored.algorithm, key.get()) != FIDO_OK) return Problem::bad_signature;

    Asserted out;
    out.sign_count = fido_assert_sigcount(assertion.get(), 0);
    out.user_verified = (auth->flags & kUv) != 0;
    out.cloned = !counter_ok(stored.sign_count, out.sign_count);
    return out;
}

bool counter_ok(std::uint32_t stored, std::uint32_t received) {
    return (stored == 0 && received == 0) || received > stored;
}

std::string base64url(std::string_view bytes) { return b64url::encode(bytes); }

std::optional<std::string> from_base64url(std::string_view text) { return b64url::decode(text); }

}  // namespace mina::crypto::webauthn
