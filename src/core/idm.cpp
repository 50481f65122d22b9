#include "core/idm.hpp"

#include <algorithm>

#include "core/login.hpp"
#include "core/outbox.hpp"

namespace mina::idm {

namespace {
admin::Actor actor(const portal::Viewer& v, const ClientInfo& client) {
    return admin::Actor{v.person.username.value(), client.address};
}
}  // namespace

bool is_grantable_service(Role r) { return is_service(r); }

bool Service::is_admin(const portal::Viewer& v) {
    return v.agency_admin ||
           std::any_of(v.access.begin(), v.access.end(), [](const SchoolAccess& a) { return a.has(Role::school_admin); });
}

bool Service::may_admin(const portal::Viewer& v, const std::string& school) {
    if (v.agency_admin) return true;
    return std::any_of(v.access.begin(), v.access.end(), [&](const SchoolAccess& a) {
        return a.school.code.value() == school && a.has(Role::school_admin);
    });
}

std::vector<School> Service::schools_of(const portal::Viewer& v) {
    std::vector<School> out;
    if (v.agency_admin) {
        auto tx = store_.begin(ports::TxMode::read);
        return tx->schools().all();
    }
    for (const auto& a : v.access)
        if (a.has(Role::school_admin)) out.push_back(a.school);
    return out;
}

std::optional<PersonAtSchool> Service::member(ports::Unit& tx, const std::string& school, const std::string& username) {
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
    std::optional<Person> existing;
    {
        auto tx = store_.begin(ports::TxMode::read);
        existing = tx->accounts().find_by_email(email);
    }
    Username username{""};
    if (existing) {
        username = existing->username;  // R14: the grants, and no new credentials
    } else {
        auto added = admin_.add_person(first, last, email, who, now);
        if (auto* no = std::get_if<admin::Refusal>(&added))
            return Refused{no->reason.find("username") != std::string::npos ? Problem::no_username : Problem::bad_name};
        username = std::get<Username>(added);
    }
    for (Role r : services) (void)admin_.grant(username, school, r, who, now);
    if (existing) return Existing{username};
    return Added{username, !services.empty()};
}

Outcome Service::set_services(const portal::Viewer& v, const std::string& school, const std::string& username,
                              const std::vector<Role>& services, const ClientInfo& client, Timestamp now) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    if (std::any_of(services.begin(), services.end(), [](Role r) { return !is_grantable_service(r); }))
        return Refused{Problem::not_allowed};
    std::optional<PersonAtSchool> p;
    {
        auto tx = store_.begin(ports::TxMode::read);
        p = member(*tx, school, username);
    }
    if (!p) return Refused{Problem::no_such_person};
    const auto who = actor(v, client);
    for (Role r : services)
        if (std::find(p->roles.begin(), p->roles.end(), r) == p->roles.end())
            (void)admin_.grant(p->person.username, school, r, who, now);
    auto tx = store_.begin(ports::TxMode::write);
    for (Role r : p->roles) {
        if (!is_grantable_service(r) || std::find(services.begin(), services.end(), r) != services.end()) continue;
        if (tx->grants().remove(p->person.id, SchoolCode{school}, r))
            tx->audit().append({now, who.name, who.address, "grant.removed", p->person.username.value(), school,
                                std::string(to_string(r))});
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
        auto tx = store_.begin(ports::TxMode::read);
        p = member(*tx, school, username);
    }
    if (!p) return Refused{Problem::no_such_person};
    (void)admin_.unlock(p->person.username, actor(v, client), now);
    return Done{};
}

Outcome Service::send_otp(const portal::Viewer& v, const std::string& school, const std::string& username,
                          const ClientInfo& client, Timestamp now) {
    if (!may_admin(v, school)) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    auto p = member(*tx, school, username);
    if (!p) return Refused{Problem::no_such_person};
    // "admin": sent even to a person who has a password (the first-grant mail is skipped then).
    tx->outbox().enqueue(outbox::to(p->person, MailKind::otp_first, now, now, "admin"));
    tx->audit().append({now, v.person.username.value(), client.address, "otp.sent_by_admin", p->person.username.value(),
                        school, {}});
    tx->commit();
    return Done{};
}

Outcome Service::appoint_admin(const portal::Viewer& v, const std::string& school, const std::string& username,
                               const ClientInfo& client, Timestamp now) {
    if (!v.agency_admin) return Refused{Problem::not_allowed};
    {
        auto tx = store_.begin(ports::TxMode::read);
        if (!tx->schools().find(SchoolCode{school})) return Refused{Problem::no_such_school};
        if (!tx->accounts().find(Username{login::normalize_username(username)})) return Refused{Problem::no_such_person};
    }
    auto r = admin_.grant(Username{login::normalize_username(username)}, school, Role::school_admin, actor(v, client), now);
    if (std::holds_alternative<admin::Refusal>(r)) return Refused{Problem::no_such_person};
    return Done{};
}

Outcome Service::remove_admin(const portal::Viewer& v, const std::string& school, const std::string& username,
                              const ClientInfo& client, Timestamp now) {
    if (!v.agency_admin) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    auto p = member(*tx, school, username);
    if (!p || !tx->grants().remove(p->person.id, SchoolCode{school}, Role::school_admin))
        return Refused{Problem::no_such_person};
    tx->audit().append({now, v.person.username.value(), client.address, "grant.removed", p->person.username.value(), school,
                        "school-admin"});
    tx->commit();
    return Done{};
}

std::variant<std::vector<Service::Found>, Refused> Service::search(const portal::Viewer& v, const std::string& text) {
    if (!v.agency_admin) return Refused{Problem::not_allowed};
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
    if (!v.agency_admin) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    std::vector<QueuedLetter> out;
    for (auto& l : tx->letters().list(std::nullopt, 500)) {
        auto p = tx->accounts().find(l.person);
        if (p) out.push_back({std::move(l), std::move(*p)});
    }
    return out;
}

std::variant<std::string, Refused> Service::letter_file(const portal::Viewer& v, std::int64_t id) {
    if (!v.agency_admin) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::read);
    auto l = tx->letters().find(id);
    if (!l || l->path.empty()) return Refused{Problem::no_such_person};
    return l->path;
}

Outcome Service::mark_posted(const portal::Viewer& v, std::int64_t id, const ClientInfo& client, Timestamp now) {
    if (!v.agency_admin) return Refused{Problem::not_allowed};
    auto tx = store_.begin(ports::TxMode::write);
    if (!tx->letters().mark_posted(id, now)) return Refused{Problem::no_such_person};
    tx->audit().append({now, v.person.username.value(), client.address, "letter.posted", {}, {}, std::to_string(id)});
    tx->commit();
    return Done{};
}

}  // namespace mina::idm
