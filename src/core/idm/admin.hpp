// Administrative commands (SPEC §5's `mina admin …`, and later the Identity Manager): each one
// validates, changes the store in one transaction and audits who did it.
#pragma once

#include <string>
#include <variant>

#include "core/common/ports.hpp"
#include "core/idm/ports.hpp"
#include "core/login/policy.hpp"

namespace mina::admin {

/// Why a command changed nothing, for a person to read (English; the CLI prints it on one line).
struct Refusal {
    std::string reason;
};

template <typename T>
using Result = std::variant<T, Refusal>;

struct Done {
    std::string note;  // what happened, when there is something to say ("already granted")
};

/// Who acts, for the audit trail.
struct Actor {
    std::string name;     // "cli:root" or a username
    std::string address;  // "local" for the CLI
    bool agency = false;  // acts for the agency (its administrators, the CLI), not for a school
};

/// Validation shared with the web forms.
[[nodiscard]] bool valid_email(std::string_view email);
[[nodiscard]] bool valid_school_code(std::string_view code);
/// Lower-case ASCII letters for a username, from a name ("Åsa Öberg" -> "ao").
[[nodiscard]] std::string username_letters(std::string_view first, std::string_view last);

class Service final {
   public:
    Service(idm::Store store, ports::PasswordHasher& hasher, ports::Tokens& tokens, const PolicyConfig& policy)
        : store_(store), hasher_(hasher), tokens_(tokens), policy_(policy) {}

    Result<Done> add_school(const School& s, const Actor& who, Timestamp now);
    /// Creates the person with a new, unique, readable username like the manual's "ba1021".
    Result<Username> add_person(const std::string& first, const std::string& last, const std::string& email,
                                const Actor& who, Timestamp now);
    /// `school` may be empty only for agency-admin, which holds for every school.
    Result<Done> grant(const Username& u, const std::string& school, Role role, const Actor& who, Timestamp now);
    /// The same two, inside the caller's transaction (which commits, or rolls back everything):
    /// for changes of several steps that must happen whole, such as a person with their grants.
    Result<Username> add_person(idm::Unit& tx, const std::string& first, const std::string& last,
                                const std::string& email, const Actor& who, Timestamp now);
    Result<Done> grant(idm::Unit& tx, const Username& u, const std::string& school, Role role, const Actor& who,
                       Timestamp now);
    Result<Done> unlock(const Username& u, const Actor& who, Timestamp now);
    /// [12]: the person's second factor removed (app, passkeys, recovery codes), their sessions
    /// ended, audited and mailed: the operator's way when no administrator can do it in Identity
    /// Manager (the agency's own last administrator lost theirs).
    Result<Done> reset_second_factor(const Username& u, const Actor& who, Timestamp now);
    /// An operator's tool until the kiosk exists: sets a password directly (hashes it; audited).
    Result<Done> set_password(const Username& u, std::string_view password, const Actor& who, Timestamp now);

   private:
    idm::Store store_;
    ports::PasswordHasher& hasher_;
    ports::Tokens& tokens_;
    const PolicyConfig& policy_;
};

}  // namespace mina::admin
