#include "core/login/portal.hpp"

#include <algorithm>

namespace mina::portal {

const SchoolAccess* Viewer::chosen() const {
    for (const auto& a : access)
        if (a.school.code.value() == session.school) return &a;
    return nullptr;
}

bool short_of_factors(const Viewer& v, const PolicyConfig& policy) {
    const auto& roles = policy.second_factor_roles;
    if (roles.empty()) return false;
    const auto needs = [&](Role r) { return std::find(roles.begin(), roles.end(), r) != roles.end(); };
    bool required = v.agency_admin && needs(Role::agency_admin);
    for (const auto& a : v.access)
        for (Role r : a.roles) required = required || needs(r);
    if (!required) return false;
    const std::string_view amr = v.session.amr;
    return amr != "mfa" && amr.find(" mfa") == std::string_view::npos && amr.rfind("mfa ", 0) != 0;
}

Timestamp Service::idle_deadline(const Session& s) const {
    return std::min(s.last_seen_at + policy_.session_idle, s.created_at + policy_.session_absolute);
}

std::optional<Viewer> Service::resume(const std::string& token, Timestamp now) { return resume(token, now, {}); }

std::optional<Viewer> Service::resume(const std::string& token, Timestamp now, const Later& later) {
    if (token.empty() || token.size() > 128) return std::nullopt;
    const std::string id_hash = tokens_.digest(token);
    auto found = store_.begin(ports::TxMode::read)->sessions().view(id_hash);  // one read, one statement
    if (!found) return std::nullopt;
    auto& [session, person, access] = *found;
    if (now >= idle_deadline(session)) {
        // Decided on the row as it is now: a viewer kept between requests (or read a moment ago) may
        // not know that another server, or another request, has just used the session.
        if (later) {
            const auto row = store_.begin(ports::TxMode::read)->sessions().find(id_hash);
            if (!row) return std::nullopt;
            if (now >= idle_deadline(*row)) {
                later([this, id_hash, now] { (void)expire_if_idle(id_hash, now); });
                return std::nullopt;
            }
            session.last_seen_at = row->last_seen_at;
        } else {
            const auto row = expire_if_idle(id_hash, now);
            if (!row) return std::nullopt;
            session.last_seen_at = row->last_seen_at;
        }
    }
    Viewer v{std::move(session), std::move(person), std::move(access.schools), access.agency_admin};
    // A role that needs two factors, in a session opened with one (the role was granted during it, or
    // the policy changed): no page until the person logs in again and proves, or enrols, a second ([12]).
    if (short_of_factors(v, policy_)) return std::nullopt;
    if (now - v.session.last_seen_at >= std::min(kTouchGrain, policy_.session_idle / 4)) {
        if (later)
            later([this, id_hash = v.session.id_hash, now] {
                auto tx = store_.begin(ports::TxMode::write);
                tx->sessions().touch(id_hash, now);
                tx->commit();
            });
        else extend(v, now);
    }
    return v;
}

std::optional<Session> Service::expire_if_idle(const std::string& id_hash, Timestamp now) {
    auto wtx = store_.begin(ports::TxMode::write);
    auto row = wtx->sessions().find(id_hash);
    if (!row) return std::nullopt;
    if (now >= idle_deadline(*row)) {
        wtx->sessions().remove(id_hash);
        wtx->audit().append({now, "system", {}, "session.expired", {}, {}, audit::say("session_timeout")});
        wtx->commit();
        return std::nullopt;
    }
    return row;
}

void Service::extend(const Viewer& v, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    tx->sessions().touch(v.session.id_hash, now);
    tx->commit();
}

Choice Service::choose_school(Viewer& v, const std::string& code, const ClientInfo& client, Timestamp now) {
    const bool yours = std::any_of(v.access.begin(), v.access.end(),
                                   [&](const SchoolAccess& a) { return a.school.code.value() == code; });
    auto tx = store_.begin(ports::TxMode::write);
    const std::string who = v.person.username.value();
    if (!yours) {
        tx->audit().append(
            {now, who, client.address, "school.switch_refused", who, code, audit::say("no_grant_at_school")});
        tx->commit();
        return Choice::not_yours;
    }
    tx->sessions().set_school(v.session.id_hash, code);
    tx->audit().append({now, who, client.address, "school.switch", who, code, {}});
    tx->commit();
    v.session.school = code;
    return Choice::chosen;
}

Choice Service::save_preferences(Viewer& v, const std::string& lang, const std::string& default_school,
                                 const ClientInfo& client, Timestamp now) {
    const bool lang_ok = lang.empty() || lang == "sv" || lang == "en";
    const bool school_ok = default_school.empty() ||
                           std::any_of(v.access.begin(), v.access.end(),
                                       [&](const SchoolAccess& a) { return a.school.code.value() == default_school; });
    if (!lang_ok || !school_ok) return Choice::not_yours;
    auto tx = store_.begin(ports::TxMode::write);
    tx->accounts().set_preferences(v.person.id, lang, default_school);
    const std::string who = v.person.username.value();
    tx->audit().append(
        {now, who, client.address, "preferences.saved", who, default_school, audit::say("language", {lang})});
    tx->commit();
    v.person.lang = lang;
    v.person.default_school = default_school;
    return Choice::chosen;
}

void Service::logout(const std::string& token, const ClientInfo& client, Timestamp now) {
    if (token.empty()) return;
    const std::string id_hash = tokens_.digest(token);
    auto tx = store_.begin(ports::TxMode::write);
    auto session = tx->sessions().find(id_hash);
    if (!session) return;
    auto person = tx->accounts().find(session->person);
    const std::string who = person ? person->username.value() : "unknown";
    tx->sessions().remove(id_hash);
    tx->audit().append({now, who, client.address, "logout", who, session->school, {}});
    tx->commit();
}

std::vector<Person> Service::school_admins(const Viewer& v, const std::string& school) {
    const bool holds_grant = std::any_of(v.access.begin(), v.access.end(),
                                         [&](const SchoolAccess& a) { return a.school.code.value() == school; });
    if (!holds_grant && !v.agency_admin) return {};
    std::vector<Person> out;
    auto tx = store_.begin(ports::TxMode::read);
    for (auto& p : tx->accounts().at_school(SchoolCode{school}))
        if (std::find(p.roles.begin(), p.roles.end(), Role::school_admin) != p.roles.end())
            out.push_back(std::move(p.person));
    return out;
}

void Service::record_refusal(const Viewer& v, const std::string& what, const ClientInfo& client, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    const std::string who = v.person.username.value();
    tx->audit().append({now, who, client.address, "access.refused", who, v.session.school, what});
    tx->commit();
}

int Service::sweep(Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    const int n = tx->sessions().remove_expired(now - policy_.session_idle, now - policy_.session_absolute);
    tx->commit();
    return n;
}

}  // namespace mina::portal
