// One attempt at an account's secret, as the portal's login and the kiosk's sign-in both make it
// (SPEC R6, §4): the client's slowdown, the account's counter reserved before any hash, the lock at
// the (max+1)th attempt, their audit and the owner's mail.
//
//   reserve (the caller's write unit): throttled? ─► Wait        locked? ─► Locked (no hash compared)
//            else the attempt is counted (and locks the account if it is the (max+1)th), the caller
//            reads what it will compare, and the unit commits unsynced: visible to every attempt
//            at once, on disk with the caller's settling commit() — before anyone hears the outcome
//   (the caller compares its hashes outside any transaction)
//   fail (the caller's settling write unit): the failure for the client address, audited; the
//            account locked at its (max+1)th attempt, audited and mailed; commit()
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/common/ports.hpp"
#include "core/login/policy.hpp"
#include "core/login/ports.hpp"

namespace mina::login {

/// Whom the audit log names for a typed username: the account's username when it names one; else
/// "unknown:" and a keyed digest of what was typed ("unknown" without `names`), never the text
/// itself, which may be a password typed into the wrong field (issue [7] §15). Empty: nothing typed.
[[nodiscard]] std::string audit_name(const std::optional<Person>& person, std::string_view normalized,
                                     const ports::Pseudonyms* names);

/// SPEC §4's slowdown per client: how long this client must still wait, if at all. `key` is
/// client_throttle_key() of its address.
[[nodiscard]] std::optional<Seconds> client_wait(LockoutUnit& tx, const std::string& key, const PolicyConfig& policy,
                                                 Timestamp now);

namespace lockout {

/// What the audit log calls the steps of one kind of attempt.
struct Kinds {
    audit::Kind throttled;       // the client must wait
    audit::Kind refused_locked;  // the account is locked: nothing compared
    audit::Kind failed;          // the secret did not match (or no such account)
};

/// The attempt, counted: the account the username names (if any) and the attempt's number on it.
struct Reserved {
    std::optional<Person> person;
    std::string who;  // for the audit log (audit_name): never a typed name that matches no account
    int attempt = 0;  // 0 when no account is named
    /// "attempt N", or "unknown username" (audit::kDetails): what the audit log says of a failure.
    [[nodiscard]] std::string detail() const;
};
/// Too many failures from this client address (SPEC §4): nothing was counted on the account.
struct Wait {
    Seconds wait;
};
/// The account is locked now: no attempt is allowed, and nothing may be compared.
struct Locked {};
using Reservation = std::variant<Reserved, Wait, Locked>;

class Attempt final {
   public:
    Attempt(const PolicyConfig& policy, const ClientInfo& client, Kinds kinds, const ports::Pseudonyms* names,
            Timestamp now);

    /// Step 1 in `tx` (a write unit, which it ends): the throttle, then the account's counter (R6). When
    /// the attempt is counted, `counted` reads, in the same unit, what the caller will compare (and
    /// counts anything else that must be counted before it is compared), and the unit commits
    /// unsynced: the caller's settling commit() takes it to disk before any outcome is told. A wait
    /// or a lock is an outcome: that unit commits synced.
    [[nodiscard]] Reservation reserve(LockoutUnit& tx, std::string_view username,
                                      const std::function<void(const Person&)>& counted = {});

    /// Step 3 when nothing matched, in the settling write unit `tx`, which it commits: the failure
    /// counts for the client address and is audited with `detail`; then `also` (the caller's own
    /// consequences); then the (max+1)th attempt locks the account, audited and mailed to its owner.
    void fail(LockoutUnit& tx, const Reserved& r, const std::string& detail, const std::function<void()>& also = {});

    /// An audit event of this attempt's client and time.
    [[nodiscard]] AuditEvent event(audit::Kind kind, const std::string& who, std::string detail = {}) const;

   private:
    const PolicyConfig& policy_;
    const ClientInfo& client_;
    Kinds kinds_;
    const ports::Pseudonyms* names_;
    Timestamp now_;
    std::string client_key_;
};

}  // namespace lockout
}  // namespace mina::login
