#include "core/idm/idm.hpp"

#include <algorithm>
#include <map>

#include "core/common/csv.hpp"
#include "core/common/fingerprint.hpp"
#include "core/kiosk/kiosk.hpp"
#include "core/kiosk/outbox.hpp"
#include "core/login/login.hpp"

namespace mina::idm {

namespace {

/// The names of the people that audit entries name (actor or subject), by username, read in the
/// caller's transaction: a reader reads "Pelle Test", not "pt9235". "cli:…", "system" and the like
/// (no account) are left out.
std::map<std::string, std::string, std::less<>> names_in(Unit& tx, const std::vector<AuditEntry>& entries) {
    std::map<std::string, std::string, std::less<>> names;
    for (const auto& e : entries)
        for (const std::string* who : {&e.event.actor, &e.event.subject}) {
            if (who->empty() || names.contains(*who) || who->find(':') != std::string::npos) continue;
            if (auto p = tx.accounts().find(Username{*who})) names.emplace(*who, p->display_name());
        }
    return names;
}
admin::Actor actor(const portal::Viewer& v, const ClientInfo& client) {
    return admin::Actor{v.person.username.value(), client.address, v.may(authz::Action::administer_agency, {})};
}

bool one_line(std::string_view s, std::size_t max) {
    return s.size() <= max &&
           std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

std::size_t code_points(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

using csv::trim;

/// ASCII lower case, and the Swedish capitals Å Ä Ö as their small letters.
std::string lower(std::string_view s) {
    std::string out(s);
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto c = static_cast<unsigned char>(out[i]);
        if (c >= 'A' && c <= 'Z') out[i] = static_cast<char>(c + 32);
        else if (c == 0xC3 && i + 1 < out.size()) {
            auto d = static_cast<unsigned char>(out[i + 1]);
            if (d == 0x85 || d == 0x84 || d == 0x96) out[i + 1] = static_cast<char>(d + 0x20);
            ++i;
        }
    }
    return out;
}

/// A school's fields as a person can type them: the postal address at most 6 lines of 60
/// characters (what fits a window envelope), the rest on one line. Every field's problem, in the
/// form's order (none: the fields are tidied for saving).
std::vector<Problem> school_problems(School& s) {
    std::vector<Problem> out;
    if (!admin::valid_school_code(s.code.value())) out.push_back(Problem::bad_school_code);
    s.name = trim(s.name);
    if (s.name.empty() || !one_line(s.name, 200)) out.push_back(Problem::bad_school_name);
    std::string address;
    int lines = 0;
    std::size_t start = 0;
    bool address_ok = true;
    while (start <= s.postal_address.size()) {
        auto end = s.postal_address.find('\n', start);
        if (end == std::string::npos) end = s.postal_address.size();
        std::string line = trim(std::string_view(s.postal_address).substr(start, end - start));
        if (!line.empty() && line.back() == '\r') line = trim(line.substr(0, line.size() - 1));
        start = end + 1;
        if (line.empty()) continue;
        if (++lines > 6 || code_points(line) > 60 || !one_line(line, 240)) {
            address_ok = false;
            break;
        }
        if (!address.empty()) address += '\n';
        address += line;
    }
    if (address_ok) s.postal_address = address;
    else out.push_back(Problem::bad_address);
    s.contact_name = trim(s.contact_name);
    s.contact_phone = trim(s.contact_phone);
    if (!one_line(s.contact_name, 100) || !one_line(s.contact_phone, 40)) out.push_back(Problem::bad_contact);
    return out;
}

std::optional<Problem> check_school(School& s) {
    const auto problems = school_problems(s);
    if (problems.empty()) return std::nullopt;
    return problems.front();
}

std::string describe(const School& s) {
    std::string out = s.name + " (" + std::string(to_string(s.form)) + ")";
    if (!s.contact_name.empty() || !s.contact_phone.empty())
        out += "; contact " + s.contact_name + " " + s.contact_phone;
    return out;
}

}  // namespace

bool is_grantable_service(Role r) { return is_service(r); }

std::optional<Role> parse_service_word(std::string_view word) {
    const std::string w = lower(trim(word));
    if (w == "studietider" || w == "studietider och utbildningar" || w == "study times" ||
        w == "study times and educations")
        return Role::studietider;
    if (w == "studeranderapportering" || w == "student reporting") return Role::studeranderapportering;
    return std::nullopt;
}

std::string ImportPlan::fingerprint() const {
    Fingerprint fp;
    for (const auto& r : rows) {
        const char fate[] = {"NGUR"[static_cast<int>(r.fate)], '\0'};
        fp.add(std::int64_t{r.line}).add(fate).add(r.username);
    }
    return fp.hex();
}

int ImportPlan::count(RowFate f) const {
    return static_cast<int>(std::count_if(rows.begin(), rows.end(), [f](const RowPlan& r) { return r.fate == f; }));
}

PersonState state_of(const PersonAtSchool& p, Timestamp now) {
    if (p.locked_until && *p.locked_until > now) return PersonState::locked;
    return p.has_password ? PersonState::active : PersonState::pending;
}

bool matches(const PersonAtSchool& p, const PeopleFilter& f, Timestamp now) {
    if (f.role && std::find(p.roles.begin(), p.roles.end(), *f.role) == p.roles.end()) return false;
    if (f.state && state_of(p, now) != *f.state) return false;
    const std::string wanted = lower(trim(f.text));
    if (wanted.empty()) return true;
    for (const std::string& field :
         {p.person.first_name + " " + p.person.last_name, p.person.last_name + " " + p.person.first_name,
          p.person.username.value(), p.person.email})
        if (lower(field).find(wanted) != std::string::npos) return true;
    return false;
}

bool Service::may_admin(const portal::Viewer& v, const std::string& school) {
    return v.may(authz::Action::administer_people, school);
}

bool Service::beyond_reach(const portal::Viewer& v, const Access& target) {
    if (v.agency_admin) return false;
    if (target.agency_admin) return true;
    return std::any_of(target.schools.begin(), target.schools.end(), [&](const SchoolAccess& a) {
        return a.has(Role::school_admin) && !may_admin(v, a.school.code.value());
    });
}

std::vector<School> Service::schools_of(const portal::Viewer& v) {
    std::vector<School> out;
    if (v.may(authz::Action::administer_agency, {})) {
        auto tx = store_.begin(ports::TxMode::read);
        return tx->schools().all();
    }
    for (const auto& a : v.access)
        if (may_admin(v, a.school.code.value())) out.push_back(a.school);
    return out;
}

std::optional<PersonAtSchool> Service::member(Unit& tx, const std::string& school, const std::string& username) {
    const std::string wanted = login::normalize_username(username);
    for (auto& p : tx.accounts().at_school(SchoolCode{school}))
        if (p.person.username.value() == wanted) return p;
    return std::nullopt;
}

std::variant<std::pair<School, std::vector<PersonAtSchool>>, Refused> Service::people(const portal::Viewer& v,
                                                                                      const std::string& school) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    auto s = tx->schools().find(SchoolCode{school});
    if (!s) return Refused{Problem::no_such_school};
    return std::make_pair(*s, tx->accounts().at_school(SchoolCode{school}));
}

std::variant<PersonView, Refused> Service::person(const portal::Viewer& v, const std::string& school,
                                                  const std::string& username) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    auto s = tx->schools().find(SchoolCode{school});
    if (!s) return Refused{Problem::no_such_school};
    auto p = member(*tx, school, username);
    if (!p) return Refused{Problem::no_such_person};
    const Access target = tx->grants().access(p->person.id);
    PersonView out{*s, *p, beyond_reach(v, target), false, factor_beyond_reach(v, target), {}, {}};
    out.has_second_factor = tx->factors().totp(p->person.id) || !tx->factors().passkeys(p->person.id).empty();
    AuditFilter f;
    f.person = p->person.username.value();
    f.school = school;
    f.limit = kPersonHistory;
    out.history = tx->audit().query(f);
    out.names = names_in(*tx, out.history);
    return out;
}

AddOutcome Service::add_person(const portal::Viewer& v, const std::string& school, const std::string& first,
                               const std::string& last, const std::string& email, const std::vector<Role>& services,
                               bool confirmed_no_services, const ClientInfo& client, Timestamp now) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    if (std::any_of(services.begin(), services.end(), [](Role r) { return !is_grantable_service(r); }))
        return Refused{Problem::not_allowed};
    if (first.empty() || last.empty() || first.size() > 100 || last.size() > 100) return Refused{Problem::bad_name};
    if (!admin::valid_email(email)) return Refused{Problem::bad_email};
    {
        auto tx = store_.begin(ports::TxMode::read);
        if (!tx->schools().find(SchoolCode{school})) return Refused{Problem::no_such_school};
    }
    // FAQ 4: before anything is saved, say that no credentials will go out.
    if (services.empty() && !confirmed_no_services) return ConfirmNoServices{};
    const auto who = actor(v, client);
    // One transaction: the person and their grants are saved whole, or not at all.
    auto tx = store_.begin(ports::TxMode::write);
    const auto existing = tx->accounts().find_by_email(email);
    Username username{""};
    if (existing && beyond_reach(v, tx->grants().access(existing->id))) {
        // Issue [7] §8: an account with more power than the school administers (the agency's
        // administrators, another school's) is not the school's to add: once added, the school could
        // unlock it (undoing the lockout that stops password guessing) and mail it one-time passwords.
        // The answer names no username and no role. It does tell that the address is in use by
        // someone the school cannot add, which is less than before (the username, and the account
        // to act on), and no answer can tell less: a new account cannot have a taken address, and
        // the R14 answer would add the person. Only the agency's audit log names the account.
        tx->audit().append({now, who.name, who.address, "person.add_refused", existing->username.value(), school,
                            audit::say("beyond_school_add")});
        tx->commit();
        return Refused{Problem::beyond_school};
    }
    if (existing) {
        username = existing->username;  // R14: the grants, and no new credentials
    } else {
        auto added = admin_.add_person(*tx, first, last, email, who, now);
        if (auto* no = std::get_if<admin::Refusal>(&added))
            return Refused{no->reason.find("username") != std::string::npos ? Problem::no_username : Problem::bad_name};
        username = std::get<Username>(added);
    }
    for (Role r : services)
        if (std::holds_alternative<admin::Refusal>(admin_.grant(*tx, username, school, r, who, now)))
            return Refused{Problem::no_such_school};
    tx->commit();
    if (existing) return Existing{username};
    return Added{username, !services.empty()};
}

Outcome Service::set_services(const portal::Viewer& v, const std::string& school, const std::string& username,
                              const std::vector<Role>& services, const ClientInfo& client, Timestamp now) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    if (std::any_of(services.begin(), services.end(), [](Role r) { return !is_grantable_service(r); }))
        return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    const auto p = member(*tx, school, username);
    if (!p) return Refused{Problem::no_such_person};
    const auto who = actor(v, client);
    for (Role r : services)
        if (std::find(p->roles.begin(), p->roles.end(), r) == p->roles.end())
            (void)admin_.grant(*tx, p->person.username, school, r, who, now);
    for (Role r : p->roles) {
        if (!is_grantable_service(r) || std::find(services.begin(), services.end(), r) != services.end()) continue;
        if (tx->grants().remove(p->person.id, SchoolCode{school}, r))
            tx->audit().append({now, who.name, who.address, "grant.removed", p->person.username.value(), school,
                                audit::say("role", {to_string(r)})});
    }
    tx->commit();
    return Done{};
}

Outcome Service::remove_from_school(const portal::Viewer& v, const std::string& school, const std::string& username,
                                    const ClientInfo& client, Timestamp now) {
    return set_services(v, school, username, {}, client, now);
}

Outcome Service::unlock(const portal::Viewer& v, const std::string& school, const std::string& username,
                        const ClientInfo& client, Timestamp now) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    std::optional<PersonAtSchool> p;
    {
        auto tx = store_.begin(ports::TxMode::write);
        p = member(*tx, school, username);  // only the school's own people
        if (!p) return Refused{Problem::no_such_person};
        if (beyond_reach(v, tx->grants().access(p->person.id))) {
            tx->audit().append({now, v.person.username.value(), client.address, "account.unlock_refused",
                                p->person.username.value(), school, audit::say("beyond_school")});
            tx->commit();
            return Refused{Problem::beyond_school};
        }
    }
    (void)admin_.unlock(p->person.username, actor(v, client), now);
    return Done{};
}

bool Service::factor_beyond_reach(const portal::Viewer& v, const Access& target) {
    if (v.agency_admin) return false;
    return target.agency_admin || std::any_of(target.schools.begin(), target.schools.end(),
                                              [](const SchoolAccess& a) { return a.has(Role::school_admin); });
}

Outcome Service::reset_second_factor(const portal::Viewer& v, const std::string& school, const std::string& username,
                                     const ClientInfo& client, Timestamp now) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    auto p = member(*tx, school, username);  // only the school's own people
    if (!p) return Refused{Problem::no_such_person};
    const std::string who = v.person.username.value();
    const std::string whom = p->person.username.value();
    if (factor_beyond_reach(v, tx->grants().access(p->person.id))) {
        tx->audit().append(
            {now, who, client.address, "second_factor.reset_refused", whom, school, audit::say("beyond_school")});
        tx->commit();
        return Refused{Problem::beyond_school};
    }
    // Whoever holds the lost factor may hold a session too: it ends with the factor.
    const int removed = tx->factors().remove_all(p->person.id);
    const int ended = tx->sessions().remove_all_of(p->person.id, {});
    tx->audit().append({now, who, client.address, "second_factor.reset", whom, school,
                        audit::say("factors_reset", {std::to_string(removed), std::to_string(ended)})});
    tx->outbox().enqueue(outbox::to(p->person, MailKind::factor_reset, now, now,
                                    v.agency_admin ? std::string("agency") : std::string("admin")));
    tx->commit();
    return Done{};
}

Outcome Service::send_otp(const portal::Viewer& v, const std::string& school, const std::string& username,
                          const ClientInfo& client, Timestamp now) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    auto p = member(*tx, school, username);  // only the school's own people
    if (!p) return Refused{Problem::no_such_person};
    const std::string who = v.person.username.value();
    if (beyond_reach(v, tx->grants().access(p->person.id))) {
        tx->audit().append({now, who, client.address, "otp.send_refused", p->person.username.value(), school,
                            audit::say("beyond_school")});
        tx->commit();
        return Refused{Problem::beyond_school};
    }
    // An account with its own password gets a reset password: valid otp_ttl_reset, not otp_ttl_first
    // (a month-long key to the account in a mailbox). Either kind is braked per person as the
    // kiosk's orders are, and reset passwords share the kiosk's count.
    const auto credential = tx->accounts().credential(p->person.id);
    const bool own_password = credential && !credential->password_hash.empty();
    const MailKind kind = own_password ? MailKind::otp_reset : MailKind::otp_first;
    if (tx->outbox().count_since(p->person.id, kind, now - kiosk::kResetMailWindow) >= kiosk::kResetMailsPerQuarter) {
        tx->audit().append({now, who, client.address, "otp.send_braked", p->person.username.value(), school,
                            audit::say("send_braked")});
        tx->commit();
        return Refused{Problem::too_many_mails};
    }
    // "admin" (a school's administrator) or "agency" (the agency's): a first one-time password that is
    // sent even though the person has a password by then (the first-grant mail is skipped then), and a
    // reset that the person did not order, whose mail names who sent it.
    tx->outbox().enqueue(
        outbox::to(p->person, kind, now, now, v.may(authz::Action::administer_agency, {}) ? "agency" : "admin"));
    tx->audit().append({now, who, client.address, "otp.sent_by_admin", p->person.username.value(), school,
                        audit::say(own_password ? audit::Form("sent_reset") : audit::Form("sent_first"))});
    tx->commit();
    return Done{};
}

Outcome Service::appoint_admin(const portal::Viewer& v, const std::string& school, const std::string& username,
                               const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    {
        auto tx = store_.begin(ports::TxMode::read);
        if (!tx->schools().find(SchoolCode{school})) return Refused{Problem::no_such_school};
        if (!tx->accounts().find(Username{login::normalize_username(username)}))
            return Refused{Problem::no_such_person};
    }
    auto r =
        admin_.grant(Username{login::normalize_username(username)}, school, Role::school_admin, actor(v, client), now);
    if (std::holds_alternative<admin::Refusal>(r)) return Refused{Problem::no_such_person};
    return Done{};
}

Outcome Service::remove_admin(const portal::Viewer& v, const std::string& school, const std::string& username,
                              const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    auto p = member(*tx, school, username);
    if (!p || !tx->grants().remove(p->person.id, SchoolCode{school}, Role::school_admin))
        return Refused{Problem::no_such_person};
    tx->audit().append({now, v.person.username.value(), client.address, "grant.removed", p->person.username.value(),
                        school, audit::say("role", {to_string(Role::school_admin)})});
    tx->commit();
    return Done{};
}

std::variant<std::vector<Service::Found>, Refused> Service::search(const portal::Viewer& v, const std::string& text) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    std::string trimmed = text;
    trimmed.erase(0, trimmed.find_first_not_of(' '));
    trimmed.erase(trimmed.find_last_not_of(' ') + 1);
    if (trimmed.size() < 2 || trimmed.size() > 100) return std::vector<Found>{};
    auto tx = store_.begin(ports::TxMode::read);
    std::vector<Found> out;
    for (auto& p : tx->accounts().search(trimmed, 100)) {
        auto grants = tx->grants().of(p.id);
        out.push_back({std::move(p), std::move(grants)});
    }
    return out;
}

std::variant<std::vector<Service::QueuedLetter>, Refused> Service::letters(const portal::Viewer& v) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    std::vector<QueuedLetter> out;
    for (auto& l : tx->letters().list(std::nullopt, 500)) {
        auto p = tx->accounts().find(l.person);
        if (p) out.push_back({std::move(l), std::move(*p)});
    }
    return out;
}

std::variant<std::string, Refused> Service::letter_file(const portal::Viewer& v, std::int64_t id) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    auto l = tx->letters().find(id);
    if (!l || l->path.empty()) return Refused{Problem::no_such_person};
    return l->path;
}

Outcome Service::mark_posted(const portal::Viewer& v, std::int64_t id, const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    if (!tx->letters().mark_posted(id, now)) return Refused{Problem::no_such_person};
    tx->audit().append({now, v.person.username.value(), client.address, "letter.posted", {}, {}, std::to_string(id)});
    tx->commit();
    return Done{};
}

// ---- For the agency -------------------------------------------------------------------------------

Outcome Service::add_school(const portal::Viewer& v, const School& school, const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    School s = school;
    if (auto problem = check_school(s)) return Refused{*problem};
    auto tx = store_.begin(ports::TxMode::write);
    if (!tx->schools().add(s, now)) return Refused{Problem::school_code_taken};
    tx->audit().append(
        {now, v.person.username.value(), client.address, "school.added", {}, s.code.value(), describe(s)});
    tx->commit();
    return Done{};
}

Outcome Service::update_school(const portal::Viewer& v, const School& school, const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    School s = school;
    if (auto problem = check_school(s)) return Refused{*problem};
    auto tx = store_.begin(ports::TxMode::write);
    if (!tx->schools().update(s)) return Refused{Problem::no_such_school};
    tx->audit().append(
        {now, v.person.username.value(), client.address, "school.changed", {}, s.code.value(), describe(s)});
    tx->commit();
    return Done{};
}

std::variant<School, Refused> Service::school(const portal::Viewer& v, const std::string& code) {
    if (!may_admin(v, code)) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    auto s = tx->schools().find(SchoolCode{code});
    if (!s) return Refused{Problem::no_such_school};
    return *s;
}

std::variant<std::vector<OutboxMail>, Refused> Service::failed_mail(const portal::Viewer& v) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    return tx->outbox().list(MailStatus::failed, 500);
}

std::variant<int, Refused> Service::retry_mail(const portal::Viewer& v, std::optional<std::int64_t> id,
                                               const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    const int n = tx->outbox().retry_failed(id, now);
    if (n == 0 && id) return Refused{Problem::no_such_mail};
    tx->audit().append(
        {now,
         v.person.username.value(),
         client.address,
         "mail.retried",
         {},
         {},
         id ? audit::say("retried_one", {std::to_string(*id)}) : audit::say("retried_all", {std::to_string(n)})});
    tx->commit();
    return n;
}

std::variant<std::vector<AuditEntry>, Refused> Service::audit(const portal::Viewer& v, const AuditFilter& f) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    AuditFilter clean = f;
    clean.person = login::normalize_username(trim(f.person));
    clean.school = trim(f.school);
    clean.kind = trim(f.kind);
    clean.limit = std::clamp(f.limit, 1, 500);
    auto tx = store_.begin(ports::TxMode::read);
    return tx->audit().query(clean);
}

std::variant<std::vector<std::string>, Refused> Service::audit_kinds(const portal::Viewer& v) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    return tx->audit().kinds();
}

// ---- The agency's desk and a new school with its administrator ([10] item 3) -----------------------

std::variant<Desk, Refused> Service::desk(const portal::Viewer& v, Timestamp now) {
    if (!v.may(authz::Action::administer_agency, {})) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    Desk d;
    d.schools = tx->schools().count();
    d.letters_unposted = tx->letters().count_unposted();
    d.mail_failed = tx->outbox().count(MailStatus::failed);
    d.locked = tx->accounts().count_locked(now);
    std::map<std::string, std::optional<School>> schools;  // a school read once, whoever is locked there
    for (auto& l : tx->accounts().locked(now, kDeskLocked)) {
        Desk::Locked row{std::move(l.person), l.until, {}};
        for (const auto& g : tx->grants().of(row.person.id)) {
            if (!g.school) continue;
            const auto found = schools.try_emplace(g.school->value());
            std::optional<School>& school = found.first->second;
            if (found.second) school = tx->schools().find(*g.school);
            if (school && std::none_of(row.schools.begin(), row.schools.end(),
                                       [&](const School& s) { return s.code == school->code; }))
                row.schools.push_back(*school);
        }
        d.locked_now.push_back(std::move(row));
    }
    AuditFilter newest;
    newest.limit = kDeskEvents;
    d.recent = tx->audit().query(newest);
    d.names = names_in(*tx, d.recent);
    return d;
}

SchoolWithAdminOutcome Service::add_school_with_admin(const portal::Viewer& v, const NewSchoolWithAdmin& n,
                                                      const ClientInfo& client, Timestamp now) {
    if (!v.may(authz::Action::administer_agency, {})) return RefusedFields{{Problem::not_allowed}};
    // Every field is checked before anything is written, so that the form can say all that is wrong.
    School s = n.school;
    std::vector<Problem> problems = school_problems(s);
    if (!n.form_known) problems.push_back(Problem::bad_school_form);
    const std::string first = trim(n.first);
    const std::string last = trim(n.last);
    const std::string email = trim(n.email);
    if (first.empty() || last.empty() || !one_line(first, 100) || !one_line(last, 100))
        problems.push_back(Problem::bad_name);
    if (!admin::valid_email(email)) problems.push_back(Problem::bad_email);
    if (!problems.empty()) return RefusedFields{std::move(problems)};

    const auto who = actor(v, client);
    auto tx = store_.begin(ports::TxMode::write);  // rolled back on every return before commit()
    if (!tx->schools().add(s, now)) return RefusedFields{{Problem::school_code_taken}};
    tx->audit().append({now, who.name, who.address, "school.added", {}, s.code.value(), describe(s)});
    const auto existing = tx->accounts().find_by_email(email);
    Username username{""};
    if (existing) {
        username = existing->username;  // R14: the appointment, and no new credentials
    } else {
        auto added = admin_.add_person(*tx, first, last, email, who, now);
        if (auto* no = std::get_if<admin::Refusal>(&added))
            return RefusedFields{
                {no->reason.find("username") != std::string::npos ? Problem::no_username : Problem::bad_name}};
        username = std::get<Username>(added);
    }
    // The first grant of a new person queues the letter (naming the agency, who.agency) and the mail.
    if (std::holds_alternative<admin::Refusal>(
            admin_.grant(*tx, username, s.code.value(), Role::school_admin, who, now)))
        return RefusedFields{{Problem::no_such_person}};
    tx->commit();
    return SchoolWithAdmin{username, existing.has_value()};
}

// ---- Many people at once -----------------------------------------------------------------------------

namespace {

struct Columns {
    int first = 0, last = 1, email = 2, services = 3;
};

/// The columns by the header's words, or nothing when a needed one is missing.
std::optional<Columns> columns_from_header(const std::vector<std::string>& header) {
    Columns c{-1, -1, -1, -1};
    for (int i = 0; i < static_cast<int>(header.size()); ++i) {
        const std::string h = lower(trim(header[static_cast<std::size_t>(i)]));
        if (h == "förnamn" || h == "fornamn" || h == "first name" || h == "firstname" || h == "first_name") c.first = i;
        else if (h == "efternamn" || h == "last name" || h == "lastname" || h == "last_name" || h == "surname")
            c.last = i;
        else if (h == "e-post" || h == "epost" || h == "e-postadress" || h == "email" || h == "e-mail" || h == "mail")
            c.email = i;
        else if (h == "tjänster" || h == "tjanster" || h == "tjänst" || h == "services" || h == "service" ||
                 h == "applikationer")
            c.services = i;
    }
    if (c.first < 0 || c.last < 0 || c.email < 0) return std::nullopt;
    return c;
}

std::string cell(const csv::Row& row, int col) {
    if (col < 0 || col >= static_cast<int>(row.fields.size())) return {};
    return trim(row.fields[static_cast<std::size_t>(col)]);
}

}  // namespace

std::variant<ImportPlan, Refused> Service::plan(Unit& tx, const portal::Viewer& v, const std::string& school,
                                                std::string_view file) {
    if (!tx.schools().find(SchoolCode{school})) return Refused{Problem::no_such_school};
    auto parsed = csv::parse(csv::to_utf8(file));
    if (std::holds_alternative<csv::Unreadable>(parsed)) return Refused{Problem::unreadable_file};
    auto& table = std::get<csv::Table>(parsed);
    if (table.rows.empty()) return Refused{Problem::empty_file};
    // A first row without an email address is the header; without a header the order is
    // first name, last name, email, services.
    Columns cols;
    std::size_t first_row = 0;
    const auto& head = table.rows.front().fields;
    if (std::none_of(head.begin(), head.end(), [](const std::string& f) { return f.find('@') != std::string::npos; })) {
        auto found = columns_from_header(head);
        if (!found) return Refused{Problem::missing_columns};
        cols = *found;
        first_row = 1;
    }
    if (table.rows.size() - first_row > static_cast<std::size_t>(kMaxImportRows))
        return Refused{Problem::too_many_rows};
    if (table.rows.size() == first_row) return Refused{Problem::empty_file};

    std::map<PersonId, std::vector<Role>> held;
    for (auto& p : tx.accounts().at_school(SchoolCode{school})) held[p.person.id] = p.roles;
    std::map<std::string, int> seen;  // lower-case email -> line
    ImportPlan out;
    for (std::size_t i = first_row; i < table.rows.size(); ++i) {
        const auto& row = table.rows[i];
        RowPlan r;
        r.line = row.line;
        r.first = cell(row, cols.first);
        r.last = cell(row, cols.last);
        r.email = cell(row, cols.email);
        const std::string services = cell(row, cols.services);
        std::size_t start = 0;
        while (start <= services.size() && r.problem == RowProblem::none) {
            auto end = services.find_first_of(",|+/", start);
            if (end == std::string::npos) end = services.size();
            const std::string word = trim(std::string_view(services).substr(start, end - start));
            start = end + 1;
            if (word.empty()) continue;
            if (auto role = parse_service_word(word)) {
                if (std::find(r.services.begin(), r.services.end(), *role) == r.services.end())
                    r.services.push_back(*role);
            } else {
                r.problem = RowProblem::unknown_service;
                r.detail = word;
            }
        }
        if (r.problem != RowProblem::none) {
            // the unknown service, found above
        } else if (r.first.empty() || r.last.empty() || !one_line(r.first, 100) || !one_line(r.last, 100)) {
            r.problem = RowProblem::bad_name;
        } else if (!admin::valid_email(r.email)) {
            r.problem = RowProblem::bad_email;
        } else if (r.services.empty()) {
            r.problem = RowProblem::no_services;  // FAQ 4: one at a time, with the question, not in bulk
        } else if (auto [it, fresh] = seen.emplace(lower(r.email), r.line); !fresh) {
            r.problem = RowProblem::duplicate;
            r.detail = std::to_string(it->second);
        }
        std::optional<Person> known;
        if (r.problem == RowProblem::none) {
            known = tx.accounts().find_by_email(r.email);
            // Issue [7] §8, as for one person (add_person): no username, nothing added.
            if (known && beyond_reach(v, tx.grants().access(known->id))) r.problem = RowProblem::beyond_school;
        }
        if (r.problem != RowProblem::none) {
            r.fate = RowFate::refused;
        } else if (known) {
            r.username = known->username.value();
            const auto& has = held[known->id];
            r.fate = std::all_of(r.services.begin(), r.services.end(),
                                 [&](Role s) { return std::find(has.begin(), has.end(), s) != has.end(); })
                         ? RowFate::unchanged
                         : RowFate::gets_services;
        } else {
            r.fate = RowFate::new_person;
        }
        out.rows.push_back(std::move(r));
    }
    return out;
}

std::variant<ImportPlan, Refused> Service::plan_import(const portal::Viewer& v, const std::string& school,
                                                       std::string_view file) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    return plan(*tx, v, school, file);
}

ImportOutcome Service::save_import(const portal::Viewer& v, const std::string& school, std::string_view file,
                                   const std::string& fingerprint, const ClientInfo& client, Timestamp now) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    const auto who = actor(v, client);
    // Planned again inside the write transaction, so the plan saved is the plan checked.
    auto tx = store_.begin(ports::TxMode::write);
    auto planned = plan(*tx, v, school, file);
    if (auto* no = std::get_if<Refused>(&planned)) return *no;
    auto& p = std::get<ImportPlan>(planned);
    if (p.fingerprint() != fingerprint) return PlanChanged{std::move(p)};
    Imported done;
    for (const auto& r : p.rows) {
        Username username{r.username};
        switch (r.fate) {
            case RowFate::refused: ++done.refused; continue;
            case RowFate::unchanged: ++done.unchanged; continue;
            case RowFate::gets_services: ++done.granted; break;
            case RowFate::new_person: {
                auto added = admin_.add_person(*tx, r.first, r.last, r.email, who, now);
                if (std::holds_alternative<admin::Refusal>(added)) return Refused{Problem::no_username};
                username = std::get<Username>(added);
                ++done.added;
                break;
            }
        }
        for (Role role : r.services)
            if (std::holds_alternative<admin::Refusal>(admin_.grant(*tx, username, school, role, who, now)))
                return Refused{Problem::no_such_school};
    }
    tx->audit().append({now,
                        who.name,
                        who.address,
                        "import.saved",
                        {},
                        school,
                        audit::say("import_saved", {std::to_string(done.added), std::to_string(done.granted),
                                                    std::to_string(done.unchanged), std::to_string(done.refused)})});
    tx->commit();
    return done;
}

}  // namespace mina::idm
