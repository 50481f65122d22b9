#include "core/login/second_factor.hpp"

#include <algorithm>
#include <cctype>

#include "core/common/text.hpp"
#include "core/kiosk/outbox.hpp"

namespace mina::login {

namespace {

constexpr lockout::Kinds kKinds{"second_factor.throttled", "second_factor.refused_locked", "second_factor.failed"};
constexpr std::string_view kOfferPurpose = "mina-totp-offer-1";
constexpr std::string_view kSecretPurpose = "mina-totp-secret-1";
constexpr std::string_view kRecoveryPurpose = "mina-recovery-code-1";
// Recovery codes: twelve characters of an alphabet without look-alikes (no 0/o, 1/l/i), 59 bits.
constexpr std::string_view kRecoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz";

bool has_role(const std::vector<Role>& wanted, Role r) {
    return std::find(wanted.begin(), wanted.end(), r) != wanted.end();
}

/// The typed text without spaces and dashes, in lower case.
std::string squeezed(std::string_view typed) {
    std::string out;
    for (char c : typed.substr(0, 64))
        if (c != ' ' && c != '-' && c != '\t') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

/// RFC 3986's unreserved characters as they are, every other byte as %XX (the otpauth URI's label).
std::string percent_encoded(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

bool six_digits(std::string_view s) {
    return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

constexpr std::size_t kMaxCredentialId = 1400;  // base64url of WebAuthn's 1023 bytes at most

/// WebAuthn §6.1.1: a counter that moves forward, or one the authenticator does not keep (both zero).
/// Anything else is a clone's use, or a replay.
bool counter_moves(std::uint32_t stored, std::uint32_t received) {
    return (stored == 0 && received == 0) || received > stored;
}

/// The words of RFC 8176 a passkey adds: a synced passkey is a software key.
std::string_view key_word(const Passkey& p) { return p.backup_eligible ? "swk" : "hwk"; }

}  // namespace

bool factor_required(Unit& tx, PersonId id, const PolicyConfig& policy) {
    for (const auto& g : tx.grants().of(id))
        if (has_role(policy.second_factor_roles, g.role)) return true;
    return false;
}

std::optional<StepStage> second_step_for(Unit& tx, PersonId id, const PolicyConfig& policy) {
    auto& f = tx.factors();
    if (f.totp(id) || !f.passkeys(id).empty()) return StepStage::verify;
    if (factor_required(tx, id, policy)) return StepStage::enrol;
    return std::nullopt;
}

LoggedIn open_session(Unit& tx, ports::Tokens& tokens, const Person& person, std::string amr, bool nudge,
                      Timestamp now) {
    LoggedIn result;
    result.session_token = tokens.token();
    Session& s = result.session;
    s.id_hash = tokens.digest(result.session_token);
    s.person = person.id;
    s.csrf_token = tokens.token();
    s.created_at = now;
    s.last_seen_at = now;
    s.nudge_password = nudge;
    s.amr = std::move(amr);
    // The school chosen in Anpassa, or the only one, is preselected (R11).
    const auto access = tx.grants().access(person.id).schools;
    for (const auto& a : access)
        if (a.school.code.value() == person.default_school) s.school = person.default_school;
    if (s.school.empty() && access.size() == 1) s.school = access.front().school.code.value();
    tx.sessions().create(s);
    return result;
}

// ---- At login ------------------------------------------------------------------------------------

std::optional<SecondFactor::StepView> SecondFactor::step(const std::string& token, Timestamp now) {
    if (token.empty() || token.size() > 128) return std::nullopt;
    auto tx = store_.begin(ports::TxMode::read);
    auto s = tx->factors().step(tokens_.digest(token));
    if (!s || now >= s->expires_at) return std::nullopt;
    auto person = tx->accounts().find(s->person);
    if (!person) return std::nullopt;
    StepView v{*s, *person, tx->factors().totp(s->person).has_value(), !tx->factors().passkeys(s->person).empty()};
    return v;
}

std::optional<std::string> SecondFactor::after_new_password(PersonId id, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    if (second_step_for(*tx, id, policy_) != StepStage::enrol) return std::nullopt;
    std::string token = tokens_.token();
    tx->factors().add_step({tokens_.digest(token), id, StepStage::enrol, false, now, now + kStepLife});
    tx->commit();
    return token;
}

SecondFactor::Offer SecondFactor::offer(const Person& p, std::string_view issuer, Timestamp now) {
    const std::string secret = totp_.new_secret();
    Offer o;
    o.base32 = totp_.base32(secret);
    // Key URI format (Google Authenticator's, which every app reads): the label, then the issuer.
    const std::string label = percent_encoded(issuer) + ":" + percent_encoded(p.username.value());
    o.uri = "otpauth://totp/" + label + "?secret=" + o.base32 + "&issuer=" + percent_encoded(issuer) +
            "&algorithm=SHA1&digits=6&period=30";
    o.sealed = secrets_.seal(
        kOfferPurpose, std::to_string(p.id.value()) + " " + std::to_string(to_unix(now + kStepLife)) + " " + secret);
    return o;
}

std::optional<std::string> SecondFactor::open_offer(std::string_view sealed, PersonId id, Timestamp now) const {
    if (sealed.size() > 512) return std::nullopt;
    auto plain = secrets_.open(kOfferPurpose, sealed);
    if (!plain) return std::nullopt;
    const auto first = plain->find(' ');
    const auto second = first == std::string::npos ? first : plain->find(' ', first + 1);
    if (second == std::string::npos) return std::nullopt;
    if (plain->substr(0, first) != std::to_string(id.value())) return std::nullopt;
    long long until = 0;
    try {
        until = std::stoll(plain->substr(first + 1, second - first - 1));
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (now >= from_unix(until)) return std::nullopt;
    return plain->substr(second + 1);
}

std::string SecondFactor::recovery_digest(std::string_view typed) const {
    return secrets_.digest(kRecoveryPurpose, squeezed(typed));
}

std::vector<std::string> SecondFactor::make_recovery_codes(Unit& tx, PersonId id, Timestamp now) {
    std::vector<std::string> codes;
    std::vector<std::string> digests;
    for (int i = 0; i < kRecoveryCodes; ++i) {
        std::string code;
        for (int c = 0; c < 12; ++c) {
            if (c == 4 || c == 8) code += '-';
            code += kRecoveryAlphabet[tokens_.uniform(static_cast<std::uint32_t>(kRecoveryAlphabet.size()))];
        }
        digests.push_back(recovery_digest(code));
        codes.push_back(std::move(code));
    }
    tx.factors().set_recovery_codes(id, digests, now);
    return codes;
}

LoggedIn SecondFactor::finish(Unit& tx, const LoginStep& step, const Person& p, std::string amr, std::string_view how,
                              const ClientInfo& client, Timestamp now) {
    tx.accounts().record_success(p.id, now);
    tx.factors().remove_step(step.id_hash);
    LoggedIn in = open_session(tx, tokens_, p, std::move(amr), step.nudge_password, now);
    const std::string who = p.username.value();
    tx.audit().append({now, who, client.address, "login.success", who, {}, std::string(how)});
    return in;
}

template <class Outcome, class Counted, class Decide>
Outcome SecondFactor::attempt_step(const std::string& token, StepStage stage, const ClientInfo& client, Timestamp now,
                                   const Counted& counted, const Decide& decide) {
    const auto view = step(token, now);
    if (!view || view->step.stage != stage) return StepGone{};
    lockout::Attempt attempt(policy_, client, kKinds, names_, now);
    const auto reservation = [&] {
        auto tx = store_.begin(ports::TxMode::write);
        return attempt.reserve(*tx, view->person.username.value(), [&](const Person&) { counted(*tx, *view); });
    }();
    if (const auto* w = std::get_if<lockout::Wait>(&reservation)) return Throttled{w->wait};
    auto tx = store_.begin(ports::TxMode::write);
    if (std::holds_alternative<lockout::Locked>(reservation)) {
        tx->factors().remove_step(view->step.id_hash);
        tx->commit();
        return Denied{};
    }
    if (auto done = decide(*tx, *view)) return std::move(*done);
    const auto& reserved = std::get<lockout::Reserved>(reservation);
    const bool locks = reserved.attempt >= policy_.max_failed_logins + 1;
    attempt.fail(*tx, reserved, reserved.detail(), [&] {
        if (locks) tx->factors().remove_step(view->step.id_hash);  // the lock ends the login too
    });
    if (locks) return Denied{};
    return WrongCode{};
}

SecondFactor::StepOutcome SecondFactor::verify_code(const std::string& token, std::string_view typed,
                                                    const ClientInfo& client, Timestamp now) {
    std::optional<TotpFactor> app;
    const std::string code = squeezed(typed);
    return attempt_step<StepOutcome>(
        token, StepStage::verify, client, now,
        [&](Unit& tx, const StepView& v) { app = tx.factors().totp(v.person.id); },
        [&](Unit& tx, const StepView& v) -> std::optional<StepOutcome> {
            const Person& p = v.person;
            std::optional<std::int64_t> time_step;
            if (app && six_digits(code))
                if (auto secret = secrets_.open(kSecretPurpose, app->sealed_secret))
                    time_step = totp_.match(*secret, code, now);
            if (time_step && tx.factors().use_totp_step(p.id, *time_step)) {
                auto in = finish(tx, v.step, p, "pwd otp mfa", audit::say("factor_app"), client, now);
                tx.commit();
                return in;
            }
            if (!six_digits(code) && tx.factors().use_recovery_code(p.id, recovery_digest(code), now)) {
                const int left = tx.factors().recovery_codes_left(p.id);
                const std::string who = p.username.value();
                tx.audit().append({now,
                                   who,
                                   client.address,
                                   "second_factor.recovery_used",
                                   who,
                                   {},
                                   audit::say("recovery_left", {std::to_string(left)})});
                auto in = finish(tx, v.step, p, "pwd otp mfa", audit::say("factor_recovery"), client, now);
                tx.commit();
                return in;
            }
            return std::nullopt;
        });
}

SecondFactor::EnrolOutcome SecondFactor::enrol_totp(const std::string& token, std::string_view sealed,
                                                    std::string_view typed, const ClientInfo& client, Timestamp now) {
    const auto view = step(token, now);
    if (!view || view->step.stage != StepStage::enrol) return StepGone{};
    const auto secret = open_offer(sealed, view->person.id, now);
    if (!secret) return StepGone{};
    const std::string code = squeezed(typed);
    return attempt_step<EnrolOutcome>(
        token, StepStage::enrol, client, now, [](Unit&, const StepView&) {},
        [&](Unit& tx, const StepView& v) -> std::optional<EnrolOutcome> {
            const Person& p = v.person;
            const auto time_step = six_digits(code) ? totp_.match(*secret, code, now) : std::nullopt;
            if (!time_step) return std::nullopt;
            tx.factors().set_totp({p.id, secrets_.seal(kSecretPurpose, *secret), *time_step, now});
            const std::string who = p.username.value();
            tx.audit().append({now, who, client.address, "second_factor.enrolled", who, {}, audit::say("factor_app")});
            Enrolled out;
            out.recovery_codes = make_recovery_codes(tx, p.id, now);
            out.in = finish(tx, v.step, p, "pwd otp mfa", audit::say("factor_app"), client, now);
            tx.commit();
            return out;
        });
}

// ---- Passkeys -------------------------------------------------------------------------------------

std::string SecondFactor::challenge(std::string_view purpose, const std::string& bound_to, Timestamp now) {
    std::string raw = tokens_.token();  // 256 random bits, as base64url text: the browser signs its bytes
    auto tx = store_.begin(ports::TxMode::write);
    tx->factors().add_challenge({tokens_.digest(raw), std::string(purpose), bound_to, now + kChallengeLife});
    tx->commit();
    return raw;
}

std::optional<std::string> SecondFactor::take_challenge(std::string_view client_data, std::string_view purpose,
                                                        const std::string& bound_to, Timestamp now) {
    if (webauthn_ == nullptr) return std::nullopt;
    auto raw = webauthn_->challenge_of(client_data);
    if (!raw || raw->empty() || raw->size() > 128) return std::nullopt;
    auto tx = store_.begin(ports::TxMode::write);
    auto c = tx->factors().take_challenge(tokens_.digest(*raw), now);
    tx->commit();
    if (!c || c->purpose != purpose || c->bound_to != bound_to) return std::nullopt;
    return raw;
}

SecondFactor::StepOutcome SecondFactor::passkey_step(const std::string& token, const Assertion& a, const Party& party,
                                                     const ClientInfo& client, Timestamp now) {
    if (webauthn_ == nullptr) return StepGone{};
    const auto view = step(token, now);
    if (!view || view->step.stage != StepStage::verify) return StepGone{};
    const auto challenge = take_challenge(a.client_data, "step", view->step.id_hash, now);
    std::optional<Passkey> key;
    return attempt_step<StepOutcome>(
        token, StepStage::verify, client, now,
        [&](Unit& tx, const StepView&) {
            if (a.credential_id.size() <= kMaxCredentialId) key = tx.factors().passkey(a.credential_id);
        },
        [&](Unit& tx, const StepView& v) -> std::optional<StepOutcome> {
            const Person& p = v.person;
            if (!challenge || !key || key->person != p.id) return std::nullopt;
            std::string why;
            const auto asserted = webauthn_->assertion(*key, a.client_data, a.authenticator_data, a.signature,
                                                       *challenge, party, /*verified=*/false, why);
            if (!asserted || !counter_moves(key->sign_count, asserted->sign_count) ||
                !tx.factors().use_passkey(key->id, key->sign_count, asserted->sign_count, now))
                return std::nullopt;
            auto in = finish(tx, v.step, p, "pwd " + std::string(key_word(*key)) + " mfa",
                             audit::say("factor_passkey", {key->name}), client, now);
            tx.commit();
            return in;
        });
}

std::variant<LoggedIn, Denied, Throttled> SecondFactor::passkey_login(const Assertion& a, const Party& party,
                                                                      const ClientInfo& client, Timestamp now) {
    if (webauthn_ == nullptr) return Denied{};
    const std::string throttle_key = client_throttle_key(client.address, policy_.client_ipv6_prefix);
    {
        auto tx = store_.begin(ports::TxMode::read);
        if (auto wait = client_wait(*tx, throttle_key, policy_, now)) return Throttled{*wait};
    }
    const auto challenge = take_challenge(a.client_data, "login", {}, now);
    auto tx = store_.begin(ports::TxMode::write);
    const auto key = a.credential_id.size() <= kMaxCredentialId ? tx->factors().passkey(a.credential_id) : std::nullopt;
    const auto person = key ? tx->accounts().find(key->person) : std::nullopt;
    std::string why = challenge ? "unknown passkey" : "challenge unknown, used or expired";
    std::optional<ports::WebAuthn::Asserted> asserted;
    // Alone, a passkey must have verified its person (a PIN, a fingerprint): two factors in one.
    if (challenge && person)
        asserted = webauthn_->assertion(*key, a.client_data, a.authenticator_data, a.signature, *challenge, party,
                                        /*verified=*/true, why);
    if (asserted && !counter_moves(key->sign_count, asserted->sign_count)) {
        asserted.reset();
        why = "signature counter did not move forward (a cloned key?)";
    }
    const std::string who = person ? person->username.value() : "anonymous";
    if (asserted) {
        if (const auto locked = tx->accounts().locked_until(person->id); locked && now < *locked) {
            tx->audit().append({now, who, client.address, "login.refused_locked", who, {}, {}});
            tx->commit();
            return Denied{};
        }
    }
    if (!asserted || !tx->factors().use_passkey(key->id, key->sign_count, asserted->sign_count, now)) {
        if (asserted) why = "signature counter did not move forward (a cloned key?)";
        tx->throttle().record_failure(throttle_key, now, now - policy_.client_window);
        tx->audit().append(
            {now, who, client.address, "passkey.refused", who, {}, audit::say("passkey_refused", {why})});
        tx->commit();
        return Denied{};
    }
    tx->accounts().record_success(person->id, now);
    LoggedIn in = open_session(*tx, tokens_, *person, std::string(key_word(*key)) + " user mfa", false, now);
    tx->audit().append({now, who, client.address, "login.success", who, {}, audit::say("passkey_alone", {key->name})});
    tx->commit();
    return in;
}

Passkey SecondFactor::passkey_of(const ports::WebAuthn::Registered& r, PersonId owner, std::string_view name,
                                 Timestamp now) {
    Passkey key{r.id,
                owner,
                std::string(text::trim_view(name.substr(0, 60), " \t")),
                r.algorithm,
                r.public_key,
                r.sign_count,
                r.backup_eligible,
                now,
                std::nullopt};
    if (key.name.empty()) key.name = "Passkey";
    return key;
}

std::optional<ports::WebAuthn::Registered> SecondFactor::registered(const Attestation& a, const Party& party,
                                                                    std::string_view purpose,
                                                                    const std::string& bound_to, Timestamp now,
                                                                    std::string& why) {
    const auto challenge = take_challenge(a.client_data, purpose, bound_to, now);
    if (!challenge) {
        why = "challenge unknown, used or expired";
        return std::nullopt;
    }
    return webauthn_->registration(a.client_data, a.attestation_object, *challenge, party, why);
}

std::optional<Passkey> SecondFactor::save_passkey(const Person& p, const Attestation& a, const Party& party,
                                                  std::string_view purpose, const std::string& bound_to,
                                                  const ClientInfo& client, Timestamp now, std::unique_ptr<Unit>& tx) {
    std::string why;
    const auto reg = registered(a, party, purpose, bound_to, now, why);  // its own unit: the challenge used up
    tx = store_.begin(ports::TxMode::write);
    const std::string who = p.username.value();
    auto key = reg ? std::optional<Passkey>(passkey_of(*reg, p.id, a.name, now)) : std::nullopt;
    if (!key || !tx->factors().add_passkey(*key)) {
        tx->audit().append({now,
                            who,
                            client.address,
                            "passkey.refused",
                            who,
                            {},
                            audit::say("passkey_refused", {key ? "passkey known already" : why})});
        return std::nullopt;
    }
    tx->audit().append(
        {now, who, client.address, "second_factor.enrolled", who, {}, audit::say("factor_passkey", {key->name})});
    return key;
}

SecondFactor::EnrolOutcome SecondFactor::enrol_passkey(const std::string& token, const Attestation& a,
                                                       const Party& party, const ClientInfo& client, Timestamp now) {
    const auto view = step(token, now);
    if (!view || view->step.stage != StepStage::enrol || webauthn_ == nullptr) return StepGone{};
    const Person& p = view->person;
    std::unique_ptr<Unit> tx;
    const auto key = save_passkey(p, a, party, "step", view->step.id_hash, client, now, tx);
    if (!key) {
        tx->commit();
        return WrongCode{};
    }
    Enrolled out;
    out.recovery_codes = make_recovery_codes(*tx, p.id, now);
    out.in = finish(*tx, view->step, p, "pwd " + std::string(key_word(*key)) + " mfa",
                    audit::say("factor_passkey", {key->name}), client, now);
    tx->commit();
    return out;
}

// ---- After login ----------------------------------------------------------------------------------

bool SecondFactor::fresh(const portal::Viewer& v, Timestamp now) const {
    return now - v.session.created_at < kFreshLogin;
}

SecondFactor::Status SecondFactor::status(const portal::Viewer& v, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::read);
    Status s;
    if (auto app = tx->factors().totp(v.person.id)) {
        s.has_totp = true;
        s.totp_since = app->created_at;
    }
    s.passkeys = tx->factors().passkeys(v.person.id);
    s.recovery_left = tx->factors().recovery_codes_left(v.person.id);
    s.required = factor_required(*tx, v.person.id, policy_);
    s.fresh = fresh(v, now);
    return s;
}

std::vector<std::string> SecondFactor::passkey_ids(PersonId id) {
    std::vector<std::string> out;
    for (auto& k : store_.begin(ports::TxMode::read)->factors().passkeys(id)) out.push_back(std::move(k.id));
    return out;
}

SecondFactor::Change SecondFactor::add_totp(const portal::Viewer& v, std::string_view sealed, std::string_view typed,
                                            const ClientInfo& client, Timestamp now, std::vector<std::string>& codes) {
    if (!fresh(v, now)) return Change::stale_login;
    const auto secret = open_offer(sealed, v.person.id, now);
    if (!secret) return Change::gone;
    const std::string code = squeezed(typed);
    const auto time_step = six_digits(code) ? totp_.match(*secret, code, now) : std::nullopt;
    if (!time_step) return Change::wrong_code;
    auto tx = store_.begin(ports::TxMode::write);
    tx->factors().set_totp({v.person.id, secrets_.seal(kSecretPurpose, *secret), *time_step, now});
    const std::string who = v.person.username.value();
    tx->audit().append({now, who, client.address, "second_factor.enrolled", who, {}, audit::say("factor_app")});
    if (tx->factors().recovery_codes_left(v.person.id) == 0) codes = make_recovery_codes(*tx, v.person.id, now);
    tx->commit();
    return Change::done;
}

SecondFactor::Change SecondFactor::remove_totp(const portal::Viewer& v, const ClientInfo& client, Timestamp now) {
    if (!fresh(v, now)) return Change::stale_login;
    auto tx = store_.begin(ports::TxMode::write);
    if (!tx->factors().totp(v.person.id)) return Change::gone;
    tx->factors().remove_totp(v.person.id);
    const std::string who = v.person.username.value();
    tx->audit().append({now, who, client.address, "second_factor.removed", who, {}, audit::say("factor_app")});
    tx->commit();
    return Change::done;
}

SecondFactor::Change SecondFactor::add_passkey(const portal::Viewer& v, const Attestation& a, const Party& party,
                                               const ClientInfo& client, Timestamp now,
                                               std::vector<std::string>& codes) {
    if (!fresh(v, now)) return Change::stale_login;
    if (webauthn_ == nullptr) return Change::refused;
    std::unique_ptr<Unit> tx;
    const auto key = save_passkey(v.person, a, party, "add", v.session.id_hash, client, now, tx);
    if (key && tx->factors().recovery_codes_left(v.person.id) == 0) codes = make_recovery_codes(*tx, v.person.id, now);
    tx->commit();
    return key ? Change::done : Change::refused;
}

SecondFactor::Change SecondFactor::remove_passkey(const portal::Viewer& v, const std::string& id,
                                                  const ClientInfo& client, Timestamp now) {
    if (!fresh(v, now)) return Change::stale_login;
    auto tx = store_.begin(ports::TxMode::write);
    const auto key = id.size() <= kMaxCredentialId ? tx->factors().passkey(id) : std::nullopt;
    if (!key || key->person != v.person.id || !tx->factors().remove_passkey(v.person.id, id)) return Change::gone;
    const std::string who = v.person.username.value();
    tx->audit().append(
        {now, who, client.address, "second_factor.removed", who, {}, audit::say("factor_passkey", {key->name})});
    tx->commit();
    return Change::done;
}

SecondFactor::Change SecondFactor::new_recovery_codes(const portal::Viewer& v, const ClientInfo& client, Timestamp now,
                                                      std::vector<std::string>& codes) {
    if (!fresh(v, now)) return Change::stale_login;
    auto tx = store_.begin(ports::TxMode::write);
    if (!tx->factors().totp(v.person.id) && tx->factors().passkeys(v.person.id).empty()) return Change::refused;
    codes = make_recovery_codes(*tx, v.person.id, now);
    const std::string who = v.person.username.value();
    tx->audit().append({now, who, client.address, "second_factor.recovery_codes_made", who, {}, {}});
    tx->commit();
    return Change::done;
}

int SecondFactor::sweep(Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    const int n = tx->factors().sweep(now);
    tx->commit();
    return n;
}

}  // namespace mina::login
