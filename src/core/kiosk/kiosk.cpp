#include "core/kiosk/kiosk.hpp"

#include <algorithm>

#include "core/kiosk/outbox.hpp"
#include "core/login/login.hpp"

namespace mina::kiosk {

namespace {

AuditEvent event(const ClientInfo& client, Timestamp now, audit::Kind kind, std::string subject,
                 std::string detail = {}) {
    return AuditEvent{
        now, subject.empty() ? "anonymous" : subject, client.address, kind, std::move(subject), {}, std::move(detail)};
}

std::string lower_trimmed(std::string_view typed) {
    std::string out;
    for (char c : typed) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if (out.size() > 32) break;
    }
    return out;
}

constexpr login::lockout::Kinds kLockoutKinds{"kiosk.throttled", "kiosk.refused_locked", "kiosk.sign_in_failed"};

bool alive(const std::optional<Otp>& otp, Timestamp now) {
    return otp && otp->expires_at > now && otp->wrong_count < kOtpMaxWrong;
}

/// What the audit log says of a refused password.
std::string problem_detail(passwords::Problem p) {
    switch (p) {
        case passwords::Problem::not_text: return audit::say("password_not_text");
        case passwords::Problem::too_short: return audit::say("password_too_short");
        case passwords::Problem::too_long: return audit::say("password_too_long");
        case passwords::Problem::has_username: return audit::say("password_has_username");
        case passwords::Problem::has_email: return audit::say("password_has_email");
        case passwords::Problem::weak: return audit::say("password_weak");
        case passwords::Problem::mismatch: return audit::say("password_mismatch");
        case passwords::Problem::reused: return audit::say("password_reused");
    }
    return "?";
}

}  // namespace

std::optional<KioskFlow> Service::find(const std::string& token, Timestamp now) {
    if (token.empty() || token.size() > 128) return std::nullopt;
    auto tx = store_.begin(ports::TxMode::read);
    auto f = tx->kiosk_flows().find(tokens_.digest(token));
    if (!f || f->expires_at <= now) return std::nullopt;
    return f;
}

Visit Service::begin(const std::string& token, FlowKind kind, Timestamp now) {
    Visit v;
    const auto existing = find(token, now);
    if (existing) {
        v.token = token;
        v.flow = *existing;
    } else {
        v.token = tokens_.token();
        v.flow.id_hash = tokens_.digest(v.token);
        v.flow.csrf_token = tokens_.token();
        v.flow.created_at = now;
    }
    v.flow.kind = kind;
    v.flow.stage = FlowStage::start;
    v.flow.person.reset();
    v.flow.expires_at = now + kFlowLife;
    fresh_captcha(v.flow, now);
    auto tx = store_.begin(ports::TxMode::write);
    if (existing) tx->kiosk_flows().update(v.flow);
    else tx->kiosk_flows().create(v.flow);
    tx->commit();
    return v;
}

void Service::fresh_captcha(KioskFlow& f, Timestamp now) {
    f.captcha_answer = captchas_.fresh();
    f.captcha_expires_at = now + kCaptchaLife;
}

void Service::new_captcha(KioskFlow& f, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    auto current = tx->kiosk_flows().find(f.id_hash);
    if (!current) return;
    f = *current;
    fresh_captcha(f, now);
    tx->kiosk_flows().update(f);
    tx->commit();
}

bool Service::take_captcha(KioskFlow& f, std::string_view typed, const ClientInfo& client, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    auto current = tx->kiosk_flows().find(f.id_hash);
    if (!current) return false;
    f = *current;
    const bool live = !f.captcha_answer.empty() && f.captcha_expires_at > now;
    const std::string answer = lower_trimmed(typed);
    bool ok = live && tokens_.equal(answer, f.captcha_answer);
    // SPEC §5 test mode: the test answer passes a live CAPTCHA; used and expired ones still fail.
    if (live && !options_.captcha_test_answer.empty() && answer == lower_trimmed(options_.captcha_test_answer))
        ok = true;
    fresh_captcha(f, now);  // used once, right or wrong
    tx->kiosk_flows().update(f);
    if (!ok)
        tx->audit().append(event(client, now, "kiosk.captcha_wrong", {},
                                 audit::say(live ? audit::Form("captcha_wrong") : audit::Form("captcha_spent"))));
    tx->commit();
    return ok;
}

Outcome Service::sign_in(KioskFlow& f, std::string_view username_typed, std::string_view secret,
                         std::string_view captcha, const ClientInfo& client, Timestamp now) {
    if (!take_captcha(f, captcha, client, now)) return CaptchaWrong{};
    const std::string username = login::normalize_username(username_typed);
    const std::string password = quality_.normalize(secret).value_or(std::string(secret));
    const std::string otp_typed = outbox::canonical_otp(secret);

    // 1. Reserve, as a portal login does (the lockout step they share): the attempt counts before
    //    any hash (R6, R8), and a one-time password's wrong entry counts before it is compared (SPEC §4).
    login::lockout::Attempt attempt(policy_, client, kLockoutKinds, options_.pseudonyms, now);
    std::optional<Credential> credential;
    std::optional<Otp> otp;
    const auto reservation = [&] {
        auto tx = store_.begin(ports::TxMode::write);
        return attempt.reserve(*tx, username, [&](const Person& p) {
            credential = tx->accounts().credential(p.id);
            otp = tx->otps().find(p.id);
            if (alive(otp, now)) otp->wrong_count = tx->otps().count_wrong(p.id);  // counted before comparing
            else otp.reset();
            if (otp && otp->wrong_count > kOtpMaxWrong) otp.reset();
        });
    }();
    if (auto* w = std::get_if<login::lockout::Wait>(&reservation)) return Throttled{w->wait};
    if (std::holds_alternative<login::lockout::Locked>(reservation)) {
        // As at the portal: no comparison while locked, but the same cost as any answer.
        hasher_.verify_dummy(otp_typed);
        hasher_.verify_dummy(password);
        return Denied{};
    }
    const auto& reserved = std::get<login::lockout::Reserved>(reservation);
    const auto& person = reserved.person;
    const std::string& who = reserved.who;

    // 2. Two comparisons whoever asks: the one-time password and the password (or dummies).
    bool otp_ok = false;
    bool password_ok = false;
    if (otp) otp_ok = hasher_.verify(otp->hash, otp_typed);
    else hasher_.verify_dummy(otp_typed);
    if (credential && !credential->password_hash.empty())
        password_ok = hasher_.verify(credential->password_hash, password);
    else hasher_.verify_dummy(password);

    // 3. Settle. Single use (SPEC §4): of several flows that compared the same one-time password at
    //    once, exactly one consumes it; for the others it counts as not matching.
    auto tx = store_.begin(ports::TxMode::write);
    const bool otp_won = otp_ok && tx->otps().consume(person->id, otp->hash, now);
    if (otp_ok && !otp_won)
        tx->audit().append(event(client, now, "otp.refused_used", who, audit::say("otp_taken_sign_in")));
    if (!otp_won && !password_ok) {
        attempt.fail(*tx, reserved, reserved.detail(), [&] {
            if (otp && !otp_ok && otp->wrong_count >= kOtpMaxWrong) {
                tx->otps().remove(person->id);
                tx->audit().append(event(client, now, "otp.dead", who, audit::say("otp_five_wrong")));
            }
        });
        return Denied{};
    }
    tx->accounts().record_success(person->id, now);
    if (otp_won) {
        tx->audit().append(event(client, now, "otp.used", who, audit::say("otp_used_sign_in")));
    } else if (classify_password_age(credential->password_set_at.value_or(now), now, policy_) == PasswordAge::expired) {
        tx->audit().append(event(client, now, "kiosk.expired", who));
        tx->commit();
        return Expired{};
    }
    f.stage = FlowStage::password;
    f.person = person->id;
    f.expires_at = now + kFlowLife;
    tx->kiosk_flows().update(f);
    tx->audit().append(event(client, now, "kiosk.signed_in", who,
                             audit::say(otp_won ? audit::Form("signed_in_otp") : audit::Form("signed_in_password"))));
    tx->commit();
    return Proceed{};
}

Outcome Service::order_otp(KioskFlow& f, std::string_view username_typed, std::string_view captcha,
                           const ClientInfo& client, Timestamp now) {
    if (!take_captcha(f, captcha, client, now)) return CaptchaWrong{};
    const std::string username = login::normalize_username(username_typed);
    auto tx = store_.begin(ports::TxMode::write);
    const auto person = tx->accounts().find(Username{username});
    const std::string who = login::audit_name(person, username, options_.pseudonyms);
    f.kind = FlowKind::forgot;
    f.stage = FlowStage::otp;
    f.person.reset();
    f.expires_at = now + kFlowLife;
    if (person && !person->email.empty()) {
        f.person = person->id;
        // A brake on mail bombing: the page says the same, but a few per quarter hour is enough.
        if (tx->outbox().count_since(person->id, MailKind::otp_reset, now - kResetMailWindow) < kResetMailsPerQuarter) {
            tx->outbox().enqueue(outbox::to(*person, MailKind::otp_reset, now, now));
            tx->audit().append(event(client, now, "otp.ordered", who));
        } else {
            tx->audit().append(event(client, now, "otp.order_braked", who, audit::say("order_braked")));
        }
    } else {
        tx->audit().append(event(client, now, "otp.ordered", who, audit::say("order_unknown")));
    }
    tx->kiosk_flows().update(f);
    tx->commit();
    return Proceed{};
}

Outcome Service::enter_otp(KioskFlow& f, std::string_view typed, const ClientInfo& client, Timestamp now) {
    if (f.stage != FlowStage::otp) return Denied{};
    const std::string canonical = outbox::canonical_otp(typed);
    std::optional<Otp> otp;
    std::optional<Person> person;
    {
        auto tx = store_.begin(ports::TxMode::write);
        if (f.person) {
            person = tx->accounts().find(*f.person);
            otp = tx->otps().find(*f.person);
            if (alive(otp, now)) otp->wrong_count = tx->otps().count_wrong(*f.person);  // counted before comparing
            else otp.reset();
            if (otp && otp->wrong_count > kOtpMaxWrong) otp.reset();
        }
        tx->commit();
    }
    const std::string who = person ? person->username.value() : std::string();
    bool ok = false;
    if (otp) ok = hasher_.verify(otp->hash, canonical);
    else hasher_.verify_dummy(canonical);

    auto tx = store_.begin(ports::TxMode::write);
    // Single use (SPEC §4): of several flows that compared the same one-time password at once, exactly
    // one consumes it.
    if (ok && !tx->otps().consume(*f.person, otp->hash, now)) {
        tx->audit().append(event(client, now, "otp.refused_used", who, audit::say("otp_taken_forgotten")));
        tx->commit();
        return Denied{};
    }
    if (!ok) {
        tx->audit().append(event(
            client, now, "otp.wrong", who,
            otp ? audit::say("otp_wrong_entry", {std::to_string(otp->wrong_count)}) : audit::say("otp_wrong_none")));
        if (otp && otp->wrong_count >= kOtpMaxWrong) {
            tx->otps().remove(*f.person);
            tx->audit().append(event(client, now, "otp.dead", who, audit::say("otp_five_wrong")));
        }
        tx->commit();
        return Denied{};
    }
    tx->accounts().unlock(*f.person);  // the mailbox's owner may recover a locked account here
    f.stage = FlowStage::password;
    f.expires_at = now + kFlowLife;
    tx->kiosk_flows().update(f);
    tx->audit().append(event(client, now, "otp.used", who, audit::say("otp_used_forgotten")));
    tx->commit();
    return Proceed{};
}

std::optional<Person> Service::person_of(const KioskFlow& f) {
    if (!f.person || (f.stage != FlowStage::password && f.stage != FlowStage::done)) return std::nullopt;
    auto tx = store_.begin(ports::TxMode::read);
    return tx->accounts().find(*f.person);
}

SaveOutcome Service::save_password(KioskFlow& f, std::string_view password, std::string_view confirm,
                                   const ClientInfo& client, Timestamp now) {
    const auto person = person_of(f);
    if (!person || f.stage != FlowStage::password) return Refused{passwords::Problem::not_text};
    std::string normalized;
    auto problem = passwords::check(password, confirm, *person, quality_, normalized);
    std::vector<std::string> history;
    if (!problem) {
        auto tx = store_.begin(ports::TxMode::read);
        history = tx->password_history().last(person->id, passwords::kHistory);
    }
    for (const auto& old : history) {
        if (!problem && hasher_.verify(old, normalized)) problem = passwords::Problem::reused;
    }
    if (problem) {
        auto tx = store_.begin(ports::TxMode::write);
        tx->audit().append(event(client, now, "password.refused", person->username.value(), problem_detail(*problem)));
        tx->commit();
        return Refused{*problem};
    }
    const std::string hash = hasher_.hash(normalized);
    auto tx = store_.begin(ports::TxMode::write);
    tx->accounts().set_password(person->id, hash, now);
    tx->password_history().add(person->id, hash, now);
    tx->otps().remove(person->id);
    const int ended = tx->sessions().remove_all_of(person->id, "");  // every other session ends
    f.stage = FlowStage::done;
    tx->kiosk_flows().update(f);
    tx->outbox().enqueue(outbox::to(*person, MailKind::password_changed, now, now));
    tx->audit().append(event(client, now, "password.changed", person->username.value(),
                             audit::say("password_changed_kiosk", {std::to_string(ended)})));
    tx->commit();
    return Saved{};
}

void Service::end(const std::string& token, const ClientInfo& client, Timestamp now) {
    if (token.empty() || token.size() > 128) return;
    auto tx = store_.begin(ports::TxMode::write);
    tx->kiosk_flows().remove(tokens_.digest(token));
    tx->audit().append(event(client, now, "kiosk.ended", {}));
    tx->commit();
}

int Service::sweep(Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    const int n = tx->kiosk_flows().remove_expired(now);
    tx->commit();
    return n;
}

}  // namespace mina::kiosk
