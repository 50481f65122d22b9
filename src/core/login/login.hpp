// Logging in to Mina tjänster (manual §2.2; SPEC R1, R6, R7, §4).
//
//   reserve (tx 1: throttle check, count the attempt, maybe lock)   -- no hash while locked
//      -> compare the password on the hash pool (no transaction held)
//      -> settle (tx 2: reset or lock, audit, create the session)
// The reserving and the failure are the lockout step the kiosk shares (lockout.hpp).
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "core/common/ports.hpp"
#include "core/login/lockout.hpp"
#include "core/login/policy.hpp"
#include "core/login/ports.hpp"

namespace mina::login {

struct Input {
    std::string username;
    std::string password;
    ClientInfo client;
    std::string previous_session_token;  // ended at login: a new id at every login
};

struct LoggedIn {
    std::string session_token;  // for the cookie; only its digest is stored
    Session session;
    PasswordAge password_age{PasswordAge::fresh};
};
/// Wrong username, wrong password, locked account or no password yet: one answer for all.
struct Denied {};
/// The right password, but older than `password_max_age` (R7): the way is the kiosk.
struct Expired {};
/// Too many failures from this client address: wait before the next attempt (SPEC §4).
struct Throttled {
    Seconds wait;
};

/// The password was right; a second factor follows (second_factor.hpp) before any session: the
/// token names the login step (for its cookie), `stage` says whether the person proves or enrols one.
struct SecondStep {
    std::string token;
    StepStage stage{StepStage::verify};
};

using Outcome = std::variant<LoggedIn, Denied, Expired, Throttled, SecondStep>;

/// Usernames are case-insensitive and trimmed; the stored form is lower case.
[[nodiscard]] std::string normalize_username(std::string_view typed);

class Service final {
   public:
    /// `quality`, when given, brings the typed password to NFC, the form the kiosk stores; `names`
    /// keys what the audit log keeps of a username that matches no account (see audit_name).
    Service(Store store, ports::PasswordHasher& hasher, ports::Tokens& tokens, const PolicyConfig& policy,
            ports::PasswordQuality* quality = nullptr, const ports::Pseudonyms* names = nullptr)
        : store_(store), hasher_(hasher), tokens_(tokens), policy_(policy), quality_(quality), names_(names) {}

    /// Runs on the hash pool: it computes one Argon2id hash at most.
    [[nodiscard]] Outcome submit(const Input& in, Timestamp now);

   private:
    Store store_;
    ports::PasswordHasher& hasher_;
    ports::Tokens& tokens_;
    const PolicyConfig& policy_;
    ports::PasswordQuality* quality_;
    const ports::Pseudonyms* names_;
};

}  // namespace mina::login
