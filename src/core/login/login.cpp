#include "core/login/login.hpp"

#include "core/common/text.hpp"
#include "core/kiosk/outbox.hpp"

#include <algorithm>
#include <cctype>

namespace mina::login {

namespace {
constexpr std::size_t kMaxUsernameLength = 64;

AuditEvent event(const Input& in, Timestamp now, std::string kind, std::string subject, std::string detail = {}) {
    return AuditEvent{now, subject.empty() ? "anonymous" : subject, in.client.address, std::move(kind),
                      std::move(subject), {}, std::move(detail)};
}
}  // namespace

std::optional<Seconds> client_wait(ports::Unit& tx, const std::string& key, const PolicyConfig& policy,
                                  Timestamp now) {
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

std::string normalize_username(std::string_view typed) {
    std::string out = text::lower_ascii(text::trim_view(typed, " \t\r\n"));
    if (out.size() > kMaxUsernameLength) out.resize(kMaxUsernameLength);
    return out;
}

Outcome Service::submit(const Input& in, Timestamp now) {
    const std::string username = normalize_username(in.username);
    const Timestamp window_start = now - policy_.client_window;
    const std::string client_key = client_throttle_key(in.client.address, policy_.client_ipv6_prefix);

    // 1. Reserve: the throttle and the account's counter are settled before any hash is computed.
    std::optional<Person> person;
    std::optional<Credential> credential;
    std::string who;  // for the audit log: never a typed name that matches no account
    int attempt = 0;
    {
        auto tx = store_.begin(ports::TxMode::write);
        person = tx->accounts().find(Username{username});
        who = audit_name(person, username, names_);
        if (auto wait = client_wait(*tx, client_key, policy_, now)) {
            tx->audit().append(event(in, now, "login.throttled", who));
            tx->commit();
            return Throttled{*wait};
        }
        if (person) {
            const auto slot = tx->accounts().reserve_attempt(person->id, now, policy_.max_failed_logins + 1,
                                                             now + policy_.lockout);
            if (!slot) {
                // Locked: the password is not even compared, so a locked account is no oracle. The
                // answer still costs one hash, as for an unknown username, so that its speed does
                // not tell that the username exists (SPEC §4).
                tx->throttle().record_failure(client_key, now, window_start);
                tx->audit().append(event(in, now, "login.refused_locked", who));
                tx->commit();
                hasher_.verify_dummy(in.password);
                return Denied{};
            }
            attempt = *slot;
            credential = tx->accounts().credential(person->id);
        }
        // Counted for every concurrent login at once; on disk with the settling commit below, before
        // anyone hears the outcome: one fsync per login, not two.
        tx->commit_unsynced();
    }

    const std::string typed_password =
        quality_ ? quality_->normalize(in.password).value_or(in.password) : in.password;
    // 2. Compare, outside any transaction. Unknown usernames and accounts without a password yet
    //    cost the same as a wrong password.
    bool ok = false;
    if (credential && !credential->password_hash.empty()) {
        ok = hasher_.verify(credential->password_hash, typed_password);
    } else {
        hasher_.verify_dummy(typed_password);
    }

    // 3. Settle.
    auto tx = store_.begin(ports::TxMode::write);
    if (!ok) {
        tx->throttle().record_failure(client_key, now, window_start);
        std::string detail = person ? "attempt " + std::to_string(attempt) : "unknown username";
        if (person && credential && credential->password_hash.empty()) detail += ", no own password yet";
        tx->audit().append(event(in, now, "login.failed", who, detail));
        if (person && attempt >= policy_.max_failed_logins + 1) {
            tx->accounts().lock(person->id, now + policy_.lockout);
            tx->audit().append(event(in, now, "account.locked", who,
                                     "until " + format_iso(now + policy_.lockout)));
            tx->outbox().enqueue(outbox::to(*person, MailKind::account_locked, now, now, format_iso(now + policy_.lockout)));
        }
        tx->commit();
        return Denied{};
    }

    tx->accounts().record_success(person->id, now);
    const PasswordAge age = classify_password_age(credential->password_set_at.value_or(now), now, policy_);
    if (age == PasswordAge::expired) {
        tx->audit().append(event(in, now, "login.expired", who));
        tx->commit();
        return Expired{};
    }

    if (!in.previous_session_token.empty()) tx->sessions().remove(tokens_.digest(in.previous_session_token));
    LoggedIn result;
    result.session_token = tokens_.token();
    result.password_age = age;
    Session& s = result.session;
    s.id_hash = tokens_.digest(result.session_token);
    s.person = person->id;
    s.csrf_token = tokens_.token();
    s.created_at = now;
    s.last_seen_at = now;
    s.nudge_password = age == PasswordAge::nudge;
    // The school chosen in Anpassa, or the only one, is preselected (R11).
    const auto access = tx->grants().access(person->id).schools;
    for (const auto& a : access)
        if (a.school.code.value() == person->default_school) s.school = person->default_school;
    if (s.school.empty() && access.size() == 1) s.school = access.front().school.code.value();
    tx->sessions().create(s);
    tx->audit().append(event(in, now, "login.success", who));
    tx->commit();
    return result;
}

}  // namespace mina::login
