#include "core/login/login.hpp"

#include "core/common/text.hpp"
#include "core/kiosk/outbox.hpp"
#include "core/login/second_factor.hpp"

#include <algorithm>
#include <cctype>

namespace mina::login {

namespace {
constexpr std::size_t kMaxUsernameLength = 64;
constexpr lockout::Kinds kKinds{"login.throttled", "login.refused_locked", "login.failed"};
}  // namespace

std::string normalize_username(std::string_view typed) {
    std::string out = text::lower_ascii(text::trim_view(typed, " \t\r\n"));
    if (out.size() > kMaxUsernameLength) out.resize(kMaxUsernameLength);
    return out;
}

Outcome Service::submit(const Input& in, Timestamp now) {
    const std::string username = normalize_username(in.username);
    lockout::Attempt attempt(policy_, in.client, kKinds, names_, now);

    // 1. Reserve: the throttle and the account's counter are settled before any hash is computed.
    std::optional<Credential> credential;
    const auto reservation = [&] {
        auto tx = store_.begin(ports::TxMode::write);
        return attempt.reserve(*tx, username, [&](const Person& p) { credential = tx->accounts().credential(p.id); });
    }();
    if (auto* w = std::get_if<lockout::Wait>(&reservation)) return Throttled{w->wait};
    if (std::holds_alternative<lockout::Locked>(reservation)) {
        // The answer still costs one hash, as for an unknown username, so that its speed does not
        // tell that the username exists (SPEC §4).
        hasher_.verify_dummy(in.password);
        return Denied{};
    }
    const auto& reserved = std::get<lockout::Reserved>(reservation);
    const auto& person = reserved.person;
    const std::string& who = reserved.who;

    const std::string typed_password = quality_ ? quality_->normalize(in.password).value_or(in.password) : in.password;
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
        std::string detail = reserved.detail();
        if (person && credential && credential->password_hash.empty()) detail += ", no own password yet";
        attempt.fail(*tx, reserved, detail);
        return Denied{};
    }

    const PasswordAge age = classify_password_age(credential->password_set_at.value_or(now), now, policy_);
    if (age == PasswordAge::expired) {
        tx->accounts().record_success(person->id, now);
        tx->audit().append(attempt.event("login.expired", who));
        tx->commit();
        return Expired{};
    }

    if (!in.previous_session_token.empty()) tx->sessions().remove(tokens_.digest(in.previous_session_token));
    if (const auto stage = second_step_for(*tx, person->id, policy_)) {
        // The password was no failure, yet the login is not over: its attempt is given back, and the
        // counter goes on with the codes (wrong codes and wrong passwords lock together, R6).
        tx->accounts().release_attempt(person->id);
        SecondStep out{tokens_.token(), *stage};
        tx->factors().add_step(
            {tokens_.digest(out.token), person->id, *stage, age == PasswordAge::nudge, now, now + kStepLife});
        tx->audit().append(attempt.event("login.second_step", who));
        tx->commit();
        return out;
    }
    tx->accounts().record_success(person->id, now);
    LoggedIn result = open_session(*tx, tokens_, *person, "pwd", age == PasswordAge::nudge, now);
    result.password_age = age;
    tx->audit().append(attempt.event("login.success", who));
    tx->commit();
    return result;
}

}  // namespace mina::login
