#include "core/login/lockout.hpp"

#include "core/kiosk/outbox.hpp"

namespace mina::login {

std::optional<Seconds> client_wait(LockoutUnit& tx, const std::string& key, const PolicyConfig& policy, Timestamp now) {
    const auto client = tx.throttle().get(key, now - policy.client_window);
    if (client.failures < policy.client_max_failures) return std::nullopt;
    // Times have a one-second grain: the extra second makes the wait at least the delay.
    const Timestamp allowed_at = client.last_failure + client_delay_after(client.failures, policy) + Seconds{1};
    if (now >= allowed_at) return std::nullopt;
    return allowed_at - now;
}

std::string audit_name(const std::optional<Person>& person, std::string_view normalized,
                       const ports::Pseudonyms* names) {
    if (person) return person->username.value();
    if (normalized.empty()) return {};
    return names ? "unknown:" + names->pseudonym(normalized) : std::string("unknown");
}

namespace lockout {

std::string Reserved::detail() const {
    return person ? audit::say("attempt", {std::to_string(attempt)}) : audit::say("unknown_username");
}

Attempt::Attempt(const PolicyConfig& policy, const ClientInfo& client, Kinds kinds, const ports::Pseudonyms* names,
                 Timestamp now)
    : policy_(policy),
      client_(client),
      kinds_(kinds),
      names_(names),
      now_(now),
      client_key_(client_throttle_key(client.address, policy.client_ipv6_prefix)) {}

AuditEvent Attempt::event(audit::Kind kind, const std::string& who, std::string detail) const {
    return AuditEvent{now_, who.empty() ? "anonymous" : who, client_.address, kind, who, {}, std::move(detail)};
}

Reservation Attempt::reserve(LockoutUnit& tx, std::string_view username,
                             const std::function<void(const Person&)>& counted) {
    Reserved r;
    r.person = tx.accounts().find(Username{std::string(username)});
    r.who = audit_name(r.person, username, names_);
    if (auto wait = client_wait(tx, client_key_, policy_, now_)) {
        tx.audit().append(event(kinds_.throttled, r.who));
        tx.commit();
        return Wait{*wait};
    }
    if (r.person) {
        const auto slot =
            tx.accounts().reserve_attempt(r.person->id, now_, policy_.max_failed_logins + 1, now_ + policy_.lockout);
        if (!slot) {
            // Locked: nothing is compared, so a locked account is no oracle (the caller still spends
            // what a comparison costs, so that the time tells nothing either: SPEC §4).
            tx.throttle().record_failure(client_key_, now_, now_ - policy_.client_window);
            tx.audit().append(event(kinds_.refused_locked, r.who));
            tx.commit();
            return Locked{};
        }
        r.attempt = *slot;
        if (counted) counted(*r.person);
    }
    // Counted for every concurrent attempt at once; on disk with the settling commit(), before anyone
    // hears the outcome: one fsync per attempt, not two.
    tx.commit_unsynced();
    return r;
}

void Attempt::fail(LockoutUnit& tx, const Reserved& r, const std::string& detail, const std::function<void()>& also) {
    tx.throttle().record_failure(client_key_, now_, now_ - policy_.client_window);
    tx.audit().append(event(kinds_.failed, r.who, detail));
    if (also) also();
    if (r.person && r.attempt >= policy_.max_failed_logins + 1) {
        const Timestamp until = now_ + policy_.lockout;
        tx.accounts().lock(r.person->id, until);
        tx.audit().append(event("account.locked", r.who, audit::say("locked_until", {format_iso(until)})));
        tx.outbox().enqueue(outbox::to(*r.person, MailKind::account_locked, now_, now_, format_iso(until)));
    }
    tx.commit();
}

}  // namespace lockout
}  // namespace mina::login
