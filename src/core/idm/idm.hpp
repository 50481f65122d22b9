// The Identity Manager (manual §2.1, FAQ 2, 4, 6; SPEC R1–R3, R13, R14): a school's authorization
// administrator decides who may use which service for the school; the agency sees every school.
// Every operation checks the actor's scope here, whatever the page showed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/common/ports.hpp"
#include "core/idm/admin.hpp"
#include "core/idm/ports.hpp"
#include "core/login/policy.hpp"
#include "core/login/portal.hpp"

namespace mina::idm {

/// Why nothing changed; the web layer words it in the person's language.
enum class Problem {
    not_allowed,  // outside the actor's scope (or not an administrator at all)
    no_such_school,
    no_such_person,   // no such username among the school's people
    bad_name,         // first and last name: 1–100 characters on one line
    bad_email,        // not an email address
    email_taken,      // (internal) resolved as R14
    no_username,      // could not find a free username
    bad_school_code,  // 1–16 letters, digits or '-'
    school_code_taken,
    bad_school_name,  // 1–200 characters on one line
    bad_school_form,  // not one of the manual's school forms
    bad_address,      // at most 6 lines of at most 60 characters
    bad_contact,      // a contact name or phone too long, or on more than one line
    no_such_mail,     // not a failed mail
    empty_file,       // no rows to import
    too_many_rows,    // more rows than one import takes
    unreadable_file,  // an unterminated quoted field
    missing_columns,  // no column for first name, last name or email
    beyond_school,    // the account holds powers the school does not administer (see Service::beyond_reach)
    too_many_mails,   // one-time passwords sent to the person kResetMailsPerQuarter times in the last 15 minutes
};

struct Refused {
    Problem problem;
};
/// FAQ 4: no service ticked. Nothing was saved; the page asks to confirm that no credentials go out.
struct ConfirmNoServices {};
/// A new person: a username, and (with a service) the letter now and the mail later (R2, R3).
struct Added {
    Username username;
    bool credentials;  // false: saved without services, nothing sent (FAQ 4)
};
/// R14 / FAQ 6: the email belongs to someone known; they got the grants and no new credentials.
struct Existing {
    Username username;
};
using AddOutcome = std::variant<Added, Existing, ConfirmNoServices, Refused>;

struct Done {};
using Outcome = std::variant<Done, Refused>;

// ---- Adding many people from a CSV file (issue [3] §3) --------------------------------------------

enum class RowFate {
    new_person,     // a new account: username, letter and one-time password (R2, R3)
    gets_services,  // R14: the email is known; the person gets the services and no new credentials
    unchanged,      // the person already has these services here
    refused,
};
enum class RowProblem { none, bad_name, bad_email, no_services, unknown_service, duplicate, beyond_school };

struct RowPlan {
    int line = 0;  // in the file
    std::string first, last, email;
    std::vector<Role> services;
    RowFate fate{RowFate::refused};
    RowProblem problem{RowProblem::none};
    std::string detail;    // the unknown service as written, or the line this row repeats
    std::string username;  // for a known person
};

/// What saving the file would do, row by row; nothing is saved by making one.
struct ImportPlan {
    std::vector<RowPlan> rows;
    /// The fates in short form: saving checks that they are still what the preview showed.
    [[nodiscard]] std::string fingerprint() const;
    [[nodiscard]] int count(RowFate f) const;
};

struct Imported {
    int added = 0;
    int granted = 0;
    int unchanged = 0;
    int refused = 0;
};
/// Saving found the world changed since the preview (someone else added a person meanwhile): nothing
/// was saved; here is the new preview.
struct PlanChanged {
    ImportPlan plan;
};
using ImportOutcome = std::variant<Imported, PlanChanged, Refused>;

// ---- The agency's desk and a new school with its administrator ([10] item 3) ----------------------

/// What the agency's start page shows: counts, each read by one counting query, and the few locked
/// accounts and newest events themselves.
struct Desk {
    struct Locked {
        Person person;
        Timestamp until;
        std::vector<School> schools;  // where the person holds a grant
    };
    int schools = 0;
    int letters_unposted = 0;  // queued or printed, not yet posted
    int mail_failed = 0;
    int locked = 0;
    std::vector<Locked> locked_now;  // at most kDeskLocked, the lock ending last first
    std::vector<AuditEntry> recent;  // at most kDeskEvents, newest first
    /// The names of the people the recent events name (actor or subject), by username: a reader
    /// reads "Pelle Test", not "pt9235". A username that names nobody now is missing.
    std::map<std::string, std::string, std::less<>> names;
};
inline constexpr int kDeskLocked = 10;
inline constexpr int kDeskEvents = 10;

/// A new school and its authorization administrator, as one form sends them.
struct NewSchoolWithAdmin {
    School school;
    bool form_known = true;  // false: the form sent no school form of the manual's (bad_school_form)
    std::string first, last, email;
};
/// Done: the school, the person (new, or found by the email as R14 finds them) and their
/// appointment, with the letter queued when the person is new.
struct SchoolWithAdmin {
    Username username;
    bool existing = false;  // the email was known: no new account, no new credentials
};
/// Everything wrong with the form at once, one problem per field (nothing was saved).
struct RefusedFields {
    std::vector<Problem> problems;
};
using SchoolWithAdminOutcome = std::variant<SchoolWithAdmin, RefusedFields>;

/// The services column's words: "studietider", "studeranderapportering", or the services' names.
[[nodiscard]] std::optional<Role> parse_service_word(std::string_view word);

inline constexpr int kMaxImportRows = 5000;

/// The roles the Identity Manager hands out per school: the two services (the manual's
/// "applikationer"). School admins are appointed by the agency.
[[nodiscard]] bool is_grantable_service(Role r);

// ---- The school's list of people ([10] item 1) ---------------------------------------------------

/// A person's account at a glance: locked (for now), active (has a password of their own), or
/// waiting for the first login (no password yet).
enum class PersonState { active, pending, locked };
[[nodiscard]] PersonState state_of(const PersonAtSchool& p, Timestamp now);

/// What the list is narrowed to: free text over name, username and email (case ignored, Å Ä Ö
/// too), a role at the school, a state. Empty or unset: anything.
struct PeopleFilter {
    std::string text;
    std::optional<Role> role;
    std::optional<PersonState> state;
};
[[nodiscard]] bool matches(const PersonAtSchool& p, const PeopleFilter& f, Timestamp now);

/// A person at a school, as their page shows them: the account and its state, and what happened to
/// or was done by them at the school (newest first, at most kPersonHistory events).
struct PersonView {
    School school;
    PersonAtSchool person;
    bool beyond_school = false;      // Service::beyond_reach: unlock and one-time passwords are the agency's
    bool has_second_factor = false;  // an app or a passkey ([12])
    bool factor_beyond = false;      // an administrator's second factor is the agency's to reset
    std::vector<AuditEntry> history;
    std::map<std::string, std::string, std::less<>> names;  // as Desk::names, for the history
};
inline constexpr int kPersonHistory = 20;

class Service final {
   public:
    Service(Store store, admin::Service& admin, const PolicyConfig& policy)
        : store_(store), admin_(admin), policy_(policy) {}

    /// May the viewer administer this school?
    [[nodiscard]] static bool may_admin(const portal::Viewer& v, const std::string& school);
    /// Issue [7] §8: does an account with `target` reach beyond what the viewer administers? It does
    /// when it holds agency-admin, or school-admin at a school the viewer does not administer. Such
    /// an account is the agency's to handle: a school can neither add it (R14 is for ordinary people)
    /// nor unlock it nor send it a one-time password. Nothing is beyond the agency.
    [[nodiscard]] static bool beyond_reach(const portal::Viewer& v, const Access& target);
    /// The schools the viewer administers (every school for the agency).
    [[nodiscard]] std::vector<School> schools_of(const portal::Viewer& v);

    [[nodiscard]] std::variant<std::pair<School, std::vector<PersonAtSchool>>, Refused> people(
        const portal::Viewer& v, const std::string& school);
    /// One of the school's people with their history there; no_such_person for anyone else.
    [[nodiscard]] std::variant<PersonView, Refused> person(const portal::Viewer& v, const std::string& school,
                                                           const std::string& username);
    [[nodiscard]] AddOutcome add_person(const portal::Viewer& v, const std::string& school, const std::string& first,
                                        const std::string& last, const std::string& email,
                                        const std::vector<Role>& services, bool confirmed_no_services,
                                        const ClientInfo& client, Timestamp now);
    /// Sets the person's services at the school to exactly `services`.
    [[nodiscard]] Outcome set_services(const portal::Viewer& v, const std::string& school, const std::string& username,
                                       const std::vector<Role>& services, const ClientInfo& client, Timestamp now);
    /// Removes every service the person holds at the school (their account stays, R1).
    [[nodiscard]] Outcome remove_from_school(const portal::Viewer& v, const std::string& school,
                                             const std::string& username, const ClientInfo& client, Timestamp now);
    [[nodiscard]] Outcome unlock(const portal::Viewer& v, const std::string& school, const std::string& username,
                                 const ClientInfo& client, Timestamp now);
    /// [12]: a lost second factor reset. The person's app, passkeys and recovery codes are removed and
    /// their sessions ended; it is audited and mailed to them. A reporter's is reset by the school's
    /// authorization administrator; an administrator's (school-admin, agency-admin) by the agency only.
    [[nodiscard]] Outcome reset_second_factor(const portal::Viewer& v, const std::string& school,
                                              const std::string& username, const ClientInfo& client, Timestamp now);
    /// Is the target's second factor beyond what the viewer may reset (it holds an administrator's role)?
    [[nodiscard]] static bool factor_beyond_reach(const portal::Viewer& v, const Access& target);
    /// A new one-time password by mail now (a person whose mail never came, FAQ 4). For an account
    /// with its own password it is a reset password (valid policy.otp_ttl_reset); either kind at most
    /// kiosk::kResetMailsPerQuarter times per kiosk::kResetMailWindow, counted with the kiosk's orders.
    [[nodiscard]] Outcome send_otp(const portal::Viewer& v, const std::string& school, const std::string& username,
                                   const ClientInfo& client, Timestamp now);

    /// The agency appoints and removes a school's authorization administrators (issue [3] §2).
    [[nodiscard]] Outcome appoint_admin(const portal::Viewer& v, const std::string& school, const std::string& username,
                                        const ClientInfo& client, Timestamp now);
    [[nodiscard]] Outcome remove_admin(const portal::Viewer& v, const std::string& school, const std::string& username,
                                       const ClientInfo& client, Timestamp now);

    /// The agency finds anyone by name, username or email, with their grants (issue [3] §2).
    struct Found {
        Person person;
        std::vector<Grant> grants;
    };
    [[nodiscard]] std::variant<std::vector<Found>, Refused> search(const portal::Viewer& v, const std::string& text);

    /// The agency's print queue of letters (issue [3] §2), with whom each letter is for.
    struct QueuedLetter {
        LetterRow letter;
        Person person;
    };
    [[nodiscard]] std::variant<std::vector<QueuedLetter>, Refused> letters(const portal::Viewer& v);
    /// The PDF's path, for the agency only, once rendered.
    [[nodiscard]] std::variant<std::string, Refused> letter_file(const portal::Viewer& v, std::int64_t id);
    [[nodiscard]] Outcome mark_posted(const portal::Viewer& v, std::int64_t id, const ClientInfo& client,
                                      Timestamp now);

    // ---- For the agency: schools, the failed-mail list and the audit log ----

    [[nodiscard]] Outcome add_school(const portal::Viewer& v, const School& s, const ClientInfo& client, Timestamp now);
    /// Changes everything but the code.
    [[nodiscard]] Outcome update_school(const portal::Viewer& v, const School& s, const ClientInfo& client,
                                        Timestamp now);
    [[nodiscard]] std::variant<School, Refused> school(const portal::Viewer& v, const std::string& code);
    /// Mail the outbox gave up on (newest first): a wrong address, a refusing server.
    [[nodiscard]] std::variant<std::vector<OutboxMail>, Refused> failed_mail(const portal::Viewer& v);
    /// Sends a failed mail again (or every failed mail when `id` is empty).
    [[nodiscard]] std::variant<int, Refused> retry_mail(const portal::Viewer& v, std::optional<std::int64_t> id,
                                                        const ClientInfo& client, Timestamp now);
    [[nodiscard]] std::variant<std::vector<AuditEntry>, Refused> audit(const portal::Viewer& v, const AuditFilter& f);
    [[nodiscard]] std::variant<std::vector<std::string>, Refused> audit_kinds(const portal::Viewer& v);

    /// The agency's desk; for the agency only.
    [[nodiscard]] std::variant<Desk, Refused> desk(const portal::Viewer& v, Timestamp now);
    /// Adds the school, adds the person (or finds them by email), appoints them the school's
    /// authorization administrator and queues their letter: in one transaction, whole or not at all.
    /// For the agency only (problems: not_allowed alone).
    [[nodiscard]] SchoolWithAdminOutcome add_school_with_admin(const portal::Viewer& v, const NewSchoolWithAdmin& n,
                                                               const ClientInfo& client, Timestamp now);

    // ---- Many people at once ----

    /// Reads the file (any encoding a spreadsheet writes) and says what saving it would do.
    [[nodiscard]] std::variant<ImportPlan, Refused> plan_import(const portal::Viewer& v, const std::string& school,
                                                                std::string_view file);
    /// Saves the good rows in one transaction, if the plan is still `fingerprint`.
    [[nodiscard]] ImportOutcome save_import(const portal::Viewer& v, const std::string& school, std::string_view file,
                                            const std::string& fingerprint, const ClientInfo& client, Timestamp now);

   private:
    std::variant<ImportPlan, Refused> plan(Unit& tx, const portal::Viewer& v, const std::string& school,
                                           std::string_view file);
    std::optional<PersonAtSchool> member(Unit& tx, const std::string& school, const std::string& username);

    Store store_;
    admin::Service& admin_;
    const PolicyConfig& policy_;
};

}  // namespace mina::idm
