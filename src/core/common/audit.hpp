// The append-only audit trail (SPEC §4): who, when, from where, what.
//
// What is stored stays for machines: a kind is a stable dotted code, a detail short English (or, in
// Studeranderapportering, Swedish) words with figures, times in UTC. People read it in their own
// language: every kind the code writes is in audit::kKinds, and every detail written in a fixed form
// is in audit::kDetails, so that the web layer can put both into words (catalog keys
// audit_kind_<code> and audit_detail_<id>; a test holds both catalogs to both lists). A kind that is
// not in kKinds, or a form that is not in kDetails, does not compile.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/types.hpp"

namespace mina {
namespace audit {

/// Every kind of event the code writes, sorted: the one list (issue [9] §8).
inline constexpr auto kKinds = std::to_array<std::string_view>({
    "access.refused",
    "account.locked",
    "account.unlock_refused",
    "account.unlocked",
    "contact.added",
    "contact.removed",
    "education.added",
    "education.changed",
    "education.withdrawn",
    "grant.added",
    "grant.removed",
    "import.saved",
    "kiosk.captcha_wrong",
    "kiosk.ended",
    "kiosk.expired",
    "kiosk.refused_locked",
    "kiosk.sign_in_failed",
    "kiosk.signed_in",
    "kiosk.throttled",
    "letter.posted",
    "letter.rendered",
    "login.expired",
    "login.failed",
    "login.refused_locked",
    "login.second_step",
    "login.success",
    "login.throttled",
    "logout",
    "mail.failed",
    "mail.reminder_queued",
    "mail.retried",
    "mail.retry",
    "oidc.authorized",
    "oidc.client_added",
    "oidc.client_removed",
    "oidc.code_replayed",
    "oidc.keys_rotated",
    "oidc.logout",
    "oidc.refused",
    "oidc.secret_rotated",
    "oidc.token_issued",
    "otp.dead",
    "otp.issued",
    "otp.order_braked",
    "otp.ordered",
    "otp.refused_used",
    "otp.scheduled",
    "otp.send_braked",
    "otp.send_refused",
    "otp.sent_by_admin",
    "otp.used",
    "otp.wrong",
    "passkey.refused",
    "password.changed",
    "password.refused",
    "password.set_by_operator",
    "period.added",
    "period.changed",
    "period.published",
    "period.withdrawn",
    "person.add_refused",
    "person.added",
    "preferences.saved",
    "report.api_checked",
    "report.api_saved",
    "report.corrected",
    "report.export",
    "report.file_checked",
    "report.file_saved",
    "report.key_created",
    "report.key_revoked",
    "report.protection_lifted",
    "report.protection_refused",
    "report.protection_set",
    "report.search_number",
    "report.sent",
    "report.student_changed",
    "report.student_read",
    "school.added",
    "school.address_set",
    "school.changed",
    "school.switch",
    "school.switch_refused",
    "second_factor.enrolled",
    "second_factor.failed",
    "second_factor.recovery_codes_made",
    "second_factor.recovery_used",
    "second_factor.refused_locked",
    "second_factor.removed",
    "second_factor.reset",
    "second_factor.reset_refused",
    "second_factor.throttled",
    "session.expired",
    "studietider.file.saved",
});

[[nodiscard]] constexpr bool is_kind(std::string_view code) {
    return std::find(kKinds.begin(), kKinds.end(), code) != kKinds.end();
}

/// A detail written in a fixed form: `text` is what is stored, its {field}s filled in (say()); the
/// catalogs' audit_detail_<id> says it in words, with the same fields. `kinds` (space-separated)
/// are the kinds it is written with: a stored detail is read as this form only for those.
struct DetailForm {
    std::string_view id;
    std::string_view text;
    std::string_view kinds;
};

/// Every detail written in a fixed form. Where two forms could read the same text, the more
/// particular comes first (read_detail takes the first that fits).
inline constexpr auto kDetails = std::to_array<DetailForm>({
    // Logins and the kiosk's sign-in (login::lockout)
    {"attempt", "attempt {n}", "login.failed kiosk.sign_in_failed second_factor.failed"},
    {"unknown_username", "unknown username", "login.failed kiosk.sign_in_failed"},
    // The second factor ([12])
    {"factor_app", "app", "login.success second_factor.enrolled second_factor.removed"},
    {"factor_recovery", "recovery code", "login.success"},
    {"passkey_alone", "passkey {name} alone", "login.success"},
    {"factor_passkey", "passkey {name}", "login.success second_factor.enrolled second_factor.removed"},
    {"recovery_left", "{n} left", "second_factor.recovery_used"},
    {"factors_reset", "{n} factor(s) removed; sessions ended: {ended}", "second_factor.reset"},
    {"passkey_refused", "{reason}", "passkey.refused"},
    {"locked_until", "until {at}", "account.locked"},
    // The kiosk
    {"captcha_wrong", "wrong", "kiosk.captcha_wrong"},
    {"captcha_spent", "used or expired", "kiosk.captcha_wrong"},
    {"otp_taken_sign_in", "kiosk sign-in: used by another flow", "otp.refused_used"},
    {"otp_taken_forgotten", "forgotten password: used by another flow", "otp.refused_used"},
    {"otp_five_wrong", "five wrong entries", "otp.dead"},
    {"otp_used_sign_in", "kiosk sign-in", "otp.used"},
    {"otp_used_forgotten", "forgotten password", "otp.used"},
    {"signed_in_otp", "one-time password", "kiosk.signed_in"},
    {"signed_in_password", "password", "kiosk.signed_in"},
    {"order_braked", "too many orders in 15 minutes", "otp.order_braked"},
    {"order_unknown", "unknown username: nothing sent", "otp.ordered"},
    {"otp_wrong_entry", "entry {n}", "otp.wrong"},
    {"otp_wrong_none", "none live", "otp.wrong"},
    {"password_not_text", "not text", "password.refused"},
    {"password_too_short", "too short", "password.refused"},
    {"password_too_long", "too long", "password.refused"},
    {"password_has_username", "contains the username", "password.refused"},
    {"password_has_email", "contains the email", "password.refused"},
    {"password_weak", "dictionary or common", "password.refused"},
    {"password_mismatch", "confirmation differs", "password.refused"},
    {"password_reused", "one of the last five", "password.refused"},
    {"password_changed_kiosk", "in the kiosk; sessions ended: {n}", "password.changed"},
    // Schools (the Identity Manager, the command line): the form is a code with words in the catalogs
    {"school_with_contact", "{name} ({school_form}); contact {contact}", "school.added school.changed"},
    {"school", "{name} ({school_form})", "school.added school.changed"},
    // Mail and letters (mailer)
    {"otp_issued", "{mail_kind}, mail {id}", "otp.issued"},
    {"mail_failed", "{mail_kind} after {n} attempts: {error}", "mail.failed"},
    {"reminder_queued", "password expires in {n} day(s)", "mail.reminder_queued"},
    {"mails_queued_again", "{n} failed mail(s) queued again", "mail.retry"},
    // The portal
    {"session_timeout", "idle or absolute timeout", "session.expired"},
    {"no_grant_at_school", "no grant at school", "school.switch_refused"},
    {"language", "lang={lang}", "preferences.saved"},
    // The Identity Manager
    {"beyond_school_add", "beyond the school: agency-admin or another school's school-admin", "person.add_refused"},
    {"beyond_school", "beyond the school", "account.unlock_refused otp.send_refused second_factor.reset_refused"},
    {"send_braked", "too many one-time passwords in 15 minutes", "otp.send_braked"},
    {"sent_reset", "reset", "otp.sent_by_admin"},
    {"sent_first", "first", "otp.sent_by_admin"},
    {"role", "{role}", "grant.added grant.removed"},
    {"retried_one", "mail {id}", "mail.retried"},
    {"retried_all", "{n} failed mails", "mail.retried"},
    {"import_saved", "{added} added, {granted} given services, {unchanged} unchanged, {refused} refused",
     "import.saved"},
    {"otp_scheduled", "first one-time password mailed at {at}", "otp.scheduled"},
    {"was_not_locked", "was not locked", "account.unlocked"},
    // Studietider och utbildningar
    {"period_published", "{period} version {version}", "period.published"},
    {"studietider_file_saved",
     "{rows} rows: {educations_added} educations added, {educations_changed} changed; {periods_added} periods "
     "added, {periods_changed} changed, {periods_published} published",
     "studietider.file.saved"},
    // Studeranderapportering (its details were written in Swedish)
    {"export_full_numbers", "{n} rader, fullständiga personnummer", "report.export"},
    {"export", "{n} rader", "report.export"},
    {"report_corrects", "{report_kind} {day}, rättar {id}: {reason}", "report.corrected"},
    {"report", "{report_kind} {day}", "report.sent report.corrected"},
    {"protected_identity", "skyddade personuppgifter", "report.student_changed"},
    {"file_checked", "{rows} rader, {refused} underkända", "report.file_checked"},
    {"file_saved", "{n} rapporter sparade", "report.file_saved"},
    {"api_saved", "{saved} av {rows} rapporter sparade", "report.api_saved report.api_checked"},
    // Single sign-on (the OpenID Provider)
    {"oidc_refused", "{error} for client {client}", "oidc.refused"},
    {"oidc_replayed", "client {client}; tokens revoked: {n}", "oidc.code_replayed"},
    {"oidc_client", "client {client}", "oidc.authorized oidc.token_issued oidc.logout"},
});

/// The fields whose values are words or times rather than whole numbers (a number field reads
/// digits only, `day` a date, so that a stored detail is not read as the wrong form).
inline constexpr auto kTextFields =
    std::to_array<std::string_view>({"at", "client", "contact", "day", "error", "lang", "mail_kind", "name", "period",
                                     "reason", "report_kind", "role", "school_form"});

[[nodiscard]] constexpr std::optional<std::size_t> detail_index(std::string_view id) {
    for (std::size_t i = 0; i < kDetails.size(); ++i)
        if (kDetails[i].id == id) return i;
    return std::nullopt;
}

// Never defined: a consteval constructor that reaches one of them fails to compile, naming it.
void kind_is_not_in_audit_kKinds();
void form_is_not_in_audit_kDetails();

/// A kind the code writes: one of kKinds, checked when it compiles.
class Kind final {
   public:
    // NOLINTNEXTLINE(google-explicit-constructor): written as a literal where an event is made
    consteval Kind(const char* code) : code_(code) {
        if (!is_kind(code_)) kind_is_not_in_audit_kKinds();
    }
    [[nodiscard]] constexpr std::string_view code() const { return code_; }
    [[nodiscard]] std::string str() const { return std::string(code_); }
    friend constexpr bool operator==(Kind a, Kind b) { return a.code_ == b.code_; }

   private:
    std::string_view code_;
};

/// A fixed form of detail, by its id in kDetails: checked when it compiles.
class Form final {
   public:
    // NOLINTNEXTLINE(google-explicit-constructor): written as a literal where a detail is made
    consteval Form(const char* id) : index_(detail_index(id).value_or(kDetails.size())) {
        if (index_ == kDetails.size()) form_is_not_in_audit_kDetails();
    }
    [[nodiscard]] constexpr const DetailForm& form() const { return kDetails[index_]; }

   private:
    std::size_t index_;
};

/// The detail as stored: the form's text with its fields filled in, in order.
[[nodiscard]] std::string say(Form form, std::initializer_list<std::string_view> values = {});

/// A stored detail read as one of its kind's forms.
struct ReadDetail {
    const DetailForm* form = nullptr;
    std::vector<std::pair<std::string, std::string>> fields;  // name, value: in the form's order
};

/// The form `detail` was written in, for an event of `kind`; nothing when it is free text.
[[nodiscard]] std::optional<ReadDetail> read_detail(std::string_view kind, std::string_view detail);

/// The names of the {field}s of a text in the catalog's or kDetails' notation, in order.
[[nodiscard]] std::vector<std::string> fields_of(std::string_view text);

}  // namespace audit

/// An event as it is written.
struct AuditEvent {
    Timestamp at;
    std::string actor;    // a username, "cli:<os user>", or "anonymous"
    std::string address;  // the client address, or "local" for the CLI
    audit::Kind kind;     // dotted, stable: "login.failed", "account.locked", "grant.added", …
    std::string subject;  // the username acted upon ("unknown:<keyed digest>" for a name typed that
                          // matches no account: login::audit_name; never the text as typed)
    std::string school;   // school code, when the event concerns one
    std::string detail;   // short for the operator (audit::say for a fixed form); never a secret
};

/// An event as the trail gives it back: its kind as it was written (a row from an older version may
/// carry a kind no longer written).
struct AuditRecord {
    Timestamp at;
    std::string actor;
    std::string address;
    std::string kind;
    std::string subject;
    std::string school;
    std::string detail;
};

/// What the audit log's reader asks for (issue [3] §2); empty fields match everything.
struct AuditFilter {
    std::string person;             // a username: the events it did (actor) or that were done to it (subject)
    std::string school;             // a school code
    std::string kind;               // "login.failed", or a family: "login" matches "login.*"
    std::optional<Timestamp> from;  // at or after
    std::optional<Timestamp> to;    // before
    std::int64_t before_id = 0;     // paging: only events older than this one (0: from the newest)
    int limit = 100;
};

struct AuditEntry {
    std::int64_t id = 0;
    AuditRecord event;
};

}  // namespace mina
