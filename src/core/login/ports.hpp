// What logging in and the portal's sessions need from storage (SPEC R6, R7, §4): the accounts,
// their grants and sessions, the per-client throttle, the audit log and the outbox. The lockout
// step (lockout.hpp), which the kiosk shares, sees only part of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/repositories.hpp"

namespace mina::ports {

/// Failures per client address, for the slowdown of SPEC §4.
class Throttle {
   public:
    virtual ~Throttle() = default;
    struct State {
        int failures = 0;
        Timestamp last_failure;
    };
    /// Failures from `address` since `window_start` (older ones are forgotten).
    [[nodiscard]] virtual State get(const std::string& address, Timestamp window_start) = 0;
    virtual void record_failure(const std::string& address, Timestamp now, Timestamp window_start) = 0;
};

/// The second factor's records ([12]): apps' secrets, recovery codes, passkeys, the logins waiting
/// for their second factor and the WebAuthn challenges. Every use is one atomic statement.
class Factors {
   public:
    virtual ~Factors() = default;
    [[nodiscard]] virtual std::optional<TotpFactor> totp(PersonId id) = 0;
    /// The person's app, replacing any other (no code accepted for it yet).
    virtual void set_totp(const TotpFactor& f) = 0;
    /// Accepts the code of time step `step` once: true for exactly one caller, and only when no code
    /// of this step or a later one was accepted before.
    [[nodiscard]] virtual bool use_totp_step(PersonId id, std::int64_t step) = 0;
    /// The person's recovery codes (their digests), replacing the old ones.
    virtual void set_recovery_codes(PersonId id, const std::vector<std::string>& digests, Timestamp now) = 0;
    /// Uses a recovery code up: true for exactly one caller, when it is the person's and unused.
    [[nodiscard]] virtual bool use_recovery_code(PersonId id, const std::string& digest, Timestamp now) = 0;
    [[nodiscard]] virtual int recovery_codes_left(PersonId id) = 0;

    [[nodiscard]] virtual std::vector<Passkey> passkeys(PersonId id) = 0;
    [[nodiscard]] virtual std::optional<Passkey> passkey(const std::string& id) = 0;
    /// False when a passkey with this id is known already (to anyone).
    [[nodiscard]] virtual bool add_passkey(const Passkey& p) = 0;
    /// The counter moves from `seen` to `count` at `now`: true for exactly one caller, when the
    /// counter still is `seen` (a clone's use, or a replay, loses).
    [[nodiscard]] virtual bool use_passkey(const std::string& id, std::uint32_t seen, std::uint32_t count,
                                           Timestamp now) = 0;
    [[nodiscard]] virtual bool remove_passkey(PersonId person, const std::string& id) = 0;
    virtual void remove_totp(PersonId id) = 0;
    /// Everything of the person's second factor removed (an administrator's reset): how many
    /// factors (an app, passkeys) there were.
    virtual int remove_all(PersonId id) = 0;

    virtual void add_step(const LoginStep& s) = 0;
    [[nodiscard]] virtual std::optional<LoginStep> step(const std::string& id_hash) = 0;
    virtual void remove_step(const std::string& id_hash) = 0;

    virtual void add_challenge(const WebAuthnChallenge& c) = 0;
    /// The challenge, removed: returned to exactly one caller, and only while it lives.
    [[nodiscard]] virtual std::optional<WebAuthnChallenge> take_challenge(const std::string& digest, Timestamp now) = 0;
    /// Expired steps and challenges removed; how many.
    virtual int sweep(Timestamp now) = 0;
};

/// RFC 6238 codes (crypto/second_factor: liboath).
class Totp {
   public:
    virtual ~Totp() = default;
    /// A new random secret (20 bytes, as RFC 4226 recommends).
    [[nodiscard]] virtual std::string new_secret() = 0;
    /// The secret in base32, as apps take it typed.
    [[nodiscard]] virtual std::string base32(std::string_view secret) = 0;
    /// The time step whose code `code` is, within one step of `now`'s; nothing when none matches.
    [[nodiscard]] virtual std::optional<std::int64_t> match(std::string_view secret, std::string_view code,
                                                            Timestamp now) = 0;
};

/// Secrets at rest sealed with the installation's key (a sub-key of security.identity_key).
class Secrets {
   public:
    virtual ~Secrets() = default;
    /// Sealed for `purpose` (it must be given again to open).
    [[nodiscard]] virtual std::string seal(std::string_view purpose, std::string_view plain) const = 0;
    [[nodiscard]] virtual std::optional<std::string> open(std::string_view purpose, std::string_view sealed) const = 0;
    /// A keyed digest (64 hexadecimal digits) of `text` for `purpose`: a copy of the database alone
    /// cannot be searched for what it was made of.
    [[nodiscard]] virtual std::string digest(std::string_view purpose, std::string_view text) const = 0;
};

/// WebAuthn's ceremonies checked (crypto/webauthn: libfido2, libcbor). Every argument is base64url
/// text (no padding), as the page's script sends the browser's bytes; a challenge is the text that
/// clientDataJSON carries.
class WebAuthn {
   public:
    virtual ~WebAuthn() = default;
    /// The relying party a ceremony is for: the portal's origin ("https://mina.example.se") and its
    /// host, the RP ID.
    struct Party {
        std::string origin;
        std::string rp_id;
    };
    struct Registered {
        std::string id;
        int algorithm = 0;
        std::string public_key;
        std::uint32_t sign_count = 0;
        bool user_verified = false;
        bool backup_eligible = false;
    };
    struct Asserted {
        std::uint32_t sign_count = 0;
        bool user_verified = false;
    };
    /// The challenge clientDataJSON names (its base64url text), to find what it was made for.
    [[nodiscard]] virtual std::optional<std::string> challenge_of(std::string_view client_data_json) const = 0;
    /// A new credential's attestation, for `challenge`; nothing (and `why`) when anything is wrong.
    [[nodiscard]] virtual std::optional<Registered> registration(std::string_view client_data_json,
                                                                 std::string_view attestation_object,
                                                                 std::string_view challenge, const Party& party,
                                                                 std::string& why) const = 0;
    /// An assertion by `stored` for `challenge`; nothing (and `why`) when anything is wrong, or when
    /// `verified` and the authenticator did not verify its user.
    [[nodiscard]] virtual std::optional<Asserted> assertion(const Passkey& stored, std::string_view client_data_json,
                                                            std::string_view authenticator_data,
                                                            std::string_view signature, std::string_view challenge,
                                                            const Party& party, bool verified,
                                                            std::string& why) const = 0;
};

}  // namespace mina::ports

namespace mina::login {

/// What one attempt's lockout step touches (lockout.hpp): the portal's login and the kiosk's sign-in.
class LockoutUnit : public virtual ports::UnitOfWork {
   public:
    virtual ports::Accounts& accounts() = 0;
    virtual ports::Throttle& throttle() = 0;
    virtual ports::Audit& audit() = 0;
    virtual ports::Outbox& outbox() = 0;
};

/// Logging in and the portal (login::Service, portal::Service).
class Unit : public virtual LockoutUnit {
   public:
    virtual ports::Grants& grants() = 0;
    virtual ports::Sessions& sessions() = 0;
    virtual ports::Factors& factors() = 0;
};

using Store = ports::StoreOf<Unit>;

}  // namespace mina::login
