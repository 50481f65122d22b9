// A second factor and passkeys (issue [12]; SPEC §4): those who hold the keys prove it twice.
//
//   password right ─► a role needs a factor, or the person has one? ──no──► session (amr "pwd")
//                        │ yes: a login step (no session yet; the password's attempt is given back)
//                        ├─ has one ─► code (app or recovery code) or passkey ─► session ("pwd otp mfa" …)
//                        └─ has none ─► enrol: app (QR code, first code) or passkey ─► session,
//                                       ten recovery codes shown once
//   passkey alone (user verified) ─► session ("hwk mfa"); the password keeps working beside it
//
// A wrong code is an attempt at the account like a wrong password (lockout.hpp, R6): wrong codes and
// wrong passwords together lock at the (max+1)th failure. Apps' secrets are sealed with the
// installation's key; a code is accepted once (its time step is kept); recovery codes are kept as
// keyed digests, each used once; a passkey's signature counter must move forward (a clone's does not).
// After login, the person adds and removes factors in Anpassa, within kFreshLogin of the login.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/common/ports.hpp"
#include "core/login/login.hpp"
#include "core/login/policy.hpp"
#include "core/login/portal.hpp"
#include "core/login/ports.hpp"

namespace mina::login {

inline constexpr Seconds kStepLife{10 * 60};      // a login waits this long for its second factor
inline constexpr Seconds kChallengeLife{5 * 60};  // a WebAuthn challenge lives this long
inline constexpr Seconds kFreshLogin{15 * 60};    // factors are changed only this soon after login
inline constexpr int kRecoveryCodes = 10;

/// Does this person prove a second factor at login? `verify` when they have one; `enrol` when one of
/// their roles is in policy.second_factor_roles and they have none; nothing otherwise.
[[nodiscard]] std::optional<StepStage> second_step_for(Unit& tx, PersonId id, const PolicyConfig& policy);

/// Is any of the person's roles one that needs a second factor?
[[nodiscard]] bool factor_required(Unit& tx, PersonId id, const PolicyConfig& policy);

/// The session a login ends in, whichever way it came (in `tx`, which the caller commits).
[[nodiscard]] LoggedIn open_session(Unit& tx, ports::Tokens& tokens, const Person& person, std::string amr, bool nudge,
                                    Timestamp now);

/// The code was wrong (and counted, R6); the step stays.
struct WrongCode {};
/// No such login step, or it has expired: log in again.
struct StepGone {};

class SecondFactor final {
   public:
    SecondFactor(Store store, ports::Tokens& tokens, ports::Totp& totp, const ports::Secrets& secrets,
                 const PolicyConfig& policy, const ports::WebAuthn* webauthn = nullptr,
                 const ports::Pseudonyms* names = nullptr)
        : store_(store),
          tokens_(tokens),
          totp_(totp),
          secrets_(secrets),
          policy_(policy),
          webauthn_(webauthn),
          names_(names) {}

    // ---- At login --------------------------------------------------------------------------------

    struct StepView {
        LoginStep step;
        Person person;
        bool has_totp = false;
        bool has_passkeys = false;
    };
    /// The browser's login step, while it lives.
    [[nodiscard]] std::optional<StepView> step(const std::string& token, Timestamp now);
    /// A login step for a person who has just set a new password in the kiosk (first login, R4):
    /// when a role needs a factor and they have none, they enrol right after it. Nothing otherwise.
    [[nodiscard]] std::optional<std::string> after_new_password(PersonId id, Timestamp now);

    /// An app's secret offered: in base32 to type, as the otpauth URI of the QR code, and sealed (for
    /// the form; it opens for this person only, within kStepLife).
    struct Offer {
        std::string base32;
        std::string uri;
        std::string sealed;
    };
    [[nodiscard]] Offer offer(const Person& p, std::string_view issuer, Timestamp now);

    using StepOutcome = std::variant<LoggedIn, WrongCode, Denied, Throttled, StepGone>;
    /// A code typed at the second step: the app's code, or one of the recovery codes.
    [[nodiscard]] StepOutcome verify_code(const std::string& token, std::string_view typed, const ClientInfo& client,
                                          Timestamp now);

    struct Enrolled {
        LoggedIn in;
        std::vector<std::string> recovery_codes;  // shown once; empty when the person still has some
    };
    using EnrolOutcome = std::variant<Enrolled, WrongCode, Denied, Throttled, StepGone>;
    /// Enrolment at the step: the offered secret (sealed) and the app's first code.
    [[nodiscard]] EnrolOutcome enrol_totp(const std::string& token, std::string_view sealed, std::string_view typed,
                                          const ClientInfo& client, Timestamp now);

    // ---- Passkeys (WebAuthn) -----------------------------------------------------------------------

    /// A fresh challenge (32 random bytes as base64url text, as clientDataJSON will carry it) for
    /// `purpose` ("login", "step", "add"), bound to a step's or a session's digest (empty for
    /// "login"). Used once.
    [[nodiscard]] std::string challenge(std::string_view purpose, const std::string& bound_to, Timestamp now);
    /// A passkey as the second step, after the password.
    using Party = ports::WebAuthn::Party;
    /// What the browser answered a "get" ceremony with (base64url text, as the script sends it).
    struct Assertion {
        std::string credential_id;  // base64url, as stored
        std::string client_data;
        std::string authenticator_data;
        std::string signature;
    };
    /// What it answered a "create" ceremony with (base64url text), and the name the person gave the key.
    struct Attestation {
        std::string name;
        std::string client_data;
        std::string attestation_object;
    };
    [[nodiscard]] StepOutcome passkey_step(const std::string& token, const Assertion& a, const Party& party,
                                           const ClientInfo& client, Timestamp now);
    /// "Logga in med passkey": a passkey alone, with the person verified by the authenticator.
    [[nodiscard]] std::variant<LoggedIn, Denied, Throttled> passkey_login(const Assertion& a, const Party& party,
                                                                          const ClientInfo& client, Timestamp now);
    /// Enrolment at the step with a new passkey.
    [[nodiscard]] EnrolOutcome enrol_passkey(const std::string& token, const Attestation& a, const Party& party,
                                             const ClientInfo& client, Timestamp now);

    // ---- After login (Anpassa) ---------------------------------------------------------------------

    struct Status {
        bool has_totp = false;
        std::optional<Timestamp> totp_since;
        std::vector<Passkey> passkeys;
        int recovery_left = 0;
        bool required = false;  // a role needs a factor
        bool fresh = false;     // the login is recent enough to change them
    };
    [[nodiscard]] Status status(const portal::Viewer& v, Timestamp now);
    /// The ids of the person's passkeys (base64url), for a ceremony's allow or exclude list.
    [[nodiscard]] std::vector<std::string> passkey_ids(PersonId id);

    enum class Change { done, stale_login, wrong_code, gone, refused };
    /// An app added (or replacing the old one), confirmed by its first code. `codes`: new recovery
    /// codes when the person had none left.
    Change add_totp(const portal::Viewer& v, std::string_view sealed, std::string_view typed, const ClientInfo& client,
                    Timestamp now, std::vector<std::string>& codes);
    Change remove_totp(const portal::Viewer& v, const ClientInfo& client, Timestamp now);
    Change add_passkey(const portal::Viewer& v, const Attestation& a, const Party& party, const ClientInfo& client,
                       Timestamp now, std::vector<std::string>& codes);
    Change remove_passkey(const portal::Viewer& v, const std::string& id, const ClientInfo& client, Timestamp now);
    /// Ten new recovery codes; the old ones stop working.
    Change new_recovery_codes(const portal::Viewer& v, const ClientInfo& client, Timestamp now,
                              std::vector<std::string>& codes);

    /// Housekeeping: expired steps and challenges.
    int sweep(Timestamp now);

   private:
    /// Ten new recovery codes for the person, stored as digests in `tx`.
    std::vector<std::string> make_recovery_codes(Unit& tx, PersonId id, Timestamp now);
    [[nodiscard]] std::string recovery_digest(std::string_view typed) const;
    /// The app's secret from an offer, when it was made for this person and is still good.
    [[nodiscard]] std::optional<std::string> open_offer(std::string_view sealed, PersonId id, Timestamp now) const;
    /// The challenge clientDataJSON names, taken (used up) when it was made for `purpose` and `bound_to`.
    [[nodiscard]] std::optional<std::string> take_challenge(std::string_view client_data, std::string_view purpose,
                                                            const std::string& bound_to, Timestamp now);
    /// One attempt at a login step, in lockout.hpp's frame: the step found at `stage`, the attempt
    /// reserved (`counted(tx, step)` reads what will be compared, in the reserving unit), then
    /// `decide(tx, step)` in the settling unit: the outcome (it has committed), or nothing for a
    /// failure, which is counted, audited, and at the (max+1)th locks the account and ends the step.
    template <class Outcome, class Counted, class Decide>
    Outcome attempt_step(const std::string& token, StepStage stage, const ClientInfo& client, Timestamp now,
                         const Counted& counted, const Decide& decide);
    /// The settling part of a step's success: the account's counter reset, the step removed, the
    /// session opened and audited, committed.
    LoggedIn finish(Unit& tx, const LoginStep& step, const Person& p, std::string amr, std::string_view how,
                    const ClientInfo& client, Timestamp now);
    /// A change after login is allowed: the viewer logged in within kFreshLogin.
    [[nodiscard]] bool fresh(const portal::Viewer& v, Timestamp now) const;
    [[nodiscard]] std::optional<ports::WebAuthn::Registered> registered(const Attestation& a, const Party& party,
                                                                        std::string_view purpose,
                                                                        const std::string& bound_to, Timestamp now,
                                                                        std::string& why);
    /// A registration checked (its challenge used up in a unit of its own) and its passkey added for
    /// `p` in the write unit it begins in `tx`, audited either way; nothing when it was refused. The
    /// caller commits `tx`.
    std::optional<Passkey> save_passkey(const Person& p, const Attestation& a, const Party& party,
                                        std::string_view purpose, const std::string& bound_to, const ClientInfo& client,
                                        Timestamp now, std::unique_ptr<Unit>& tx);
    /// The passkey a registration makes, named as its owner said (or "Passkey").
    [[nodiscard]] static Passkey passkey_of(const ports::WebAuthn::Registered& r, PersonId owner, std::string_view name,
                                            Timestamp now);

    Store store_;
    ports::Tokens& tokens_;
    ports::Totp& totp_;
    const ports::Secrets& secrets_;
    const PolicyConfig& policy_;
    const ports::WebAuthn* webauthn_;
    const ports::Pseudonyms* names_;
};

}  // namespace mina::login
