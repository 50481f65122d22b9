// The domain's records: schools, people, grants and sessions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/types.hpp"

namespace mina {

/// The school forms of the manual §1.1, with the words the agency's scripts use.
enum class SchoolForm { hogskola, folkhogskola, komvux, gymnasieskola, yrkeshogskola, annan_eftergymnasial };

[[nodiscard]] std::optional<SchoolForm> parse_school_form(std::string_view text);
[[nodiscard]] std::string_view to_string(SchoolForm f);

/// A grant's role: one of the two services, or an administrative role (SPEC §1).
enum class Role { studeranderapportering, studietider, school_admin, agency_admin };

[[nodiscard]] std::optional<Role> parse_role(std::string_view text);
[[nodiscard]] std::string_view to_string(Role r);
/// The two web services of the manual §1 are roles that appear in the portal's menu.
[[nodiscard]] constexpr bool is_service(Role r) { return r == Role::studeranderapportering || r == Role::studietider; }

struct School {
    SchoolCode code;
    std::string name;
    SchoolForm form{SchoolForm::gymnasieskola};
    std::string postal_address{};  // lines separated by '\n', for the letters' window (R3)
    std::string contact_name{};    // the agency's contact person for the school (Kontakta oss, R15)
    std::string contact_phone{};
    friend bool operator==(const School&, const School&) = default;
};

struct Person {
    PersonId id;
    Username username;
    std::string first_name;
    std::string last_name;
    std::string email;
    std::string lang;            // "sv" or "en"; empty: follow the browser
    std::string default_school;  // school code chosen in Anpassa; empty: none
    [[nodiscard]] std::string display_name() const { return first_name + " " + last_name; }
    friend bool operator==(const Person&, const Person&) = default;
};

/// What the login flow needs of an account: the credential and the lockout state.
struct Credential {
    PersonId id;
    std::string password_hash;  // empty: no own password yet
    std::optional<Timestamp> password_set_at;
};

struct Grant {
    PersonId person;
    std::optional<SchoolCode> school;  // none for agency-wide roles
    Role role{Role::studietider};
};

/// A school the person may act for, with the services granted there (R11, R12).
struct SchoolAccess {
    School school;
    std::vector<Role> roles;
    [[nodiscard]] bool has(Role r) const {
        for (Role x : roles)
            if (x == r) return true;
        return false;
    }
    friend bool operator==(const SchoolAccess&, const SchoolAccess&) = default;
};

/// Everything a person's grants allow, as every page after login needs it.
struct Access {
    std::vector<SchoolAccess> schools;  // ordered by school name
    bool agency_admin = false;
};

struct Session {
    std::string id_hash;  // the cookie's value is never stored, only its hash
    PersonId person;
    std::string csrf_token;
    Timestamp created_at;
    Timestamp last_seen_at;
    std::string school;  // "Vald skola"; empty until chosen
    bool nudge_password{false};
    /// How the person proved who they are (RFC 8176 words, space-separated): "pwd", "pwd otp mfa",
    /// "hwk user mfa" … For the OpenID Provider's `amr` and `acr` ([11], [12]).
    std::string amr = "pwd";
    friend bool operator==(const Session&, const Session&) = default;
};

/// A session with its person and what the person's grants allow: what every page after login reads.
struct Viewing {
    Session session;
    Person person;
    Access access;
};

// ---- The second factor (issue [12]) -------------------------------------------------------------

/// An authenticator app's secret (RFC 6238), sealed with the installation's key, and the last time
/// step a code was accepted for: a code is accepted once, and never one older than that.
struct TotpFactor {
    PersonId person;
    std::string sealed_secret;
    std::int64_t last_step = 0;
    Timestamp created_at;
};

/// A passkey or security key (WebAuthn): the public key and the signature counter last seen.
struct Passkey {
    std::string id;  // the credential id, base64url
    PersonId person;
    std::string name;        // what the owner called it
    int algorithm = 0;       // COSE: -7 ES256, -8 EdDSA, -257 RS256
    std::string public_key;  // base64url, as crypto::webauthn keeps it
    std::uint32_t sign_count = 0;
    bool backup_eligible = false;  // a synced passkey
    Timestamp created_at;
    std::optional<Timestamp> last_used_at;
};

enum class StepStage { verify, enrol };

/// A login between its password and its second factor: no session exists yet. Its token is in an
/// HttpOnly cookie; only the digest is stored.
struct LoginStep {
    std::string id_hash;
    PersonId person;
    StepStage stage{StepStage::verify};
    bool nudge_password = false;
    Timestamp created_at;
    Timestamp expires_at;
};

/// A WebAuthn challenge, used once: what it is for, and for whom (a login step's or session's digest).
struct WebAuthnChallenge {
    std::string digest;    // of the challenge's bytes
    std::string purpose;   // "login" (a passkey alone), "step" (after the password), "add" (a new passkey)
    std::string bound_to;  // the step's or session's digest; empty for "login"
    Timestamp expires_at;
};

// ---- The password kiosk (manual §2.1, §3) ------------------------------------------------------

enum class OtpKind { first, reset };

/// A one-time password as stored: only its Argon2id hash (SPEC §4).
struct Otp {
    PersonId person;
    std::string hash;
    OtpKind kind{OtpKind::first};
    Timestamp created_at;
    Timestamp expires_at;
    int wrong_count = 0;
};

/// `sign_in`: username + password or one-time password + CAPTCHA (R4, R8);
/// `forgot`: username + CAPTCHA, then the mailed one-time password (R9).
enum class FlowKind { sign_in, forgot };
/// start: the first form; otp: waiting for the mailed one-time password; password: signed in, the
/// new-password page (R10); done: saved.
enum class FlowStage { start, otp, password, done };

/// One visit to the kiosk, bound to a browser by an HttpOnly cookie (id_hash is its digest).
struct KioskFlow {
    std::string id_hash;
    FlowKind kind{FlowKind::sign_in};
    FlowStage stage{FlowStage::start};
    std::optional<PersonId> person;  // known once signed in, or once a forgot request named one
    std::string csrf_token;
    std::string captcha_answer;  // empty once used
    Timestamp captcha_expires_at;
    Timestamp created_at;
    Timestamp expires_at;
};

/// What the outbox sends. The texts live with the web layer's catalogs.
enum class MailKind {
    otp_first,         // R3: the first one-time password, otp_email_delay after the first grant
    otp_reset,         // R9: a one-time password ordered in the kiosk, sent at once
    account_locked,    // the account locked after too many wrong passwords
    expiry_reminder,   // R7: the password expires in params days
    password_changed,  // a new password was saved
    factor_reset,      // [12]: an administrator removed the person's second factor
};
[[nodiscard]] std::string_view to_string(MailKind k);
[[nodiscard]] std::optional<MailKind> parse_mail_kind(std::string_view text);
/// Does this mail carry a one-time password (made when the mail is sent)?
[[nodiscard]] constexpr bool carries_otp(MailKind k) { return k == MailKind::otp_first || k == MailKind::otp_reset; }

enum class MailStatus { pending, sent, failed };
[[nodiscard]] std::string_view to_string(MailStatus s);

struct OutboxMail {
    std::int64_t id = 0;
    MailKind kind{MailKind::password_changed};
    std::optional<PersonId> person;
    std::string recipient;
    std::string lang;    // "sv" or "en"
    std::string params;  // kind-specific: the lock's end (ISO time), the days left
    MailStatus status{MailStatus::pending};
    Timestamp not_before;
    int attempts = 0;
    std::string last_error;
    Timestamp created_at;
    std::optional<Timestamp> sent_at;
};

// ---- The Identity Manager --------------------------------------------------------------------

enum class LetterStatus { queued, rendered, posted };

/// Who gave the access a letter announces, which the letter names (issue [9] item 12): a school's
/// authorization administrator, or the agency (its staff in the Identity Manager, its operators).
enum class GrantedBy { school_admin, agency };

/// A letter with a new account's username (R3), in the agency's print queue.
struct LetterRow {
    std::int64_t id = 0;
    PersonId person;
    std::string school;
    LetterStatus status{LetterStatus::queued};
    std::string path;  // the PDF under letters.dir, once rendered
    GrantedBy granted_by{GrantedBy::school_admin};
    std::string last_error;
    Timestamp created_at;
    std::optional<Timestamp> rendered_at;
    std::optional<Timestamp> posted_at;
    /// Queued, and its school has no postal address: it waits ("Adress saknas") and is made once the
    /// address is set (SPEC §5).
    bool address_missing = false;
};

/// A person as the school's administrator sees them (issue [3] §3): grants at that school and state.
struct PersonAtSchool {
    Person person;
    std::vector<Role> roles;  // at this school
    bool has_password = false;
    std::optional<Timestamp> password_set_at;
    std::optional<Timestamp> last_login_at;
    std::optional<Timestamp> locked_until;
    std::string letter_status;  // "", "queued", "rendered", "posted"
    std::string otp_mail;       // "", "pending", "sent", "failed": the latest mail with a one-time password
};

}  // namespace mina
