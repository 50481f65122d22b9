#include "core/kiosk/mailer.hpp"

#include <algorithm>

#include "core/kiosk/outbox.hpp"

namespace mina::mailer {

namespace {
AuditEvent system_event(Timestamp now, audit::Kind kind, std::string subject, std::string detail) {
    return AuditEvent{now, "system", "local", kind, std::move(subject), {}, std::move(detail)};
}
}  // namespace

std::optional<Claimed> Service::next(Timestamp now) {
    for (;;) {
        std::optional<OutboxMail> mail;
        std::optional<Person> person;
        std::optional<Credential> credential;
        {
            auto tx = store_.begin(ports::TxMode::write);
            mail = tx->outbox().claim(now, now + lease_);
            if (!mail) return std::nullopt;
            if (mail->person) {
                person = tx->accounts().find(*mail->person);
                credential = tx->accounts().credential(*mail->person);
            }
            std::string skip;
            if (!person) skip = "the person no longer exists";
            // The first one-time password is not needed once the person has an own password.
            if (person && mail->kind == MailKind::otp_first && mail->params != "admin" && mail->params != "agency" &&
                credential && !credential->password_hash.empty())
                skip = "not needed: the person has a password already";
            if (!skip.empty()) {
                tx->outbox().mark_sent(mail->id, now, "skipped: " + skip);
                tx->commit();
                continue;
            }
            tx->commit();
        }
        Claimed c{*mail, *person, {}};
        if (carries_otp(mail->kind)) {
            c.otp = outbox::new_otp(tokens_);
            const std::string hash = hasher_.hash(outbox::canonical_otp(c.otp));  // outside any transaction
            const bool first = mail->kind == MailKind::otp_first;
            auto tx = store_.begin(ports::TxMode::write);
            tx->otps().put(Otp{person->id, hash, first ? OtpKind::first : OtpKind::reset, now,
                               now + (first ? policy_.otp_ttl_first : policy_.otp_ttl_reset), 0});
            tx->audit().append(
                system_event(now, "otp.issued", person->username.value(),
                             audit::say("otp_issued", {to_string(mail->kind), std::to_string(mail->id)})));
            tx->commit();
        }
        return c;
    }
}

void Service::sent(const OutboxMail& m, Timestamp now, const std::string& detail) {
    auto tx = store_.begin(ports::TxMode::write);
    tx->outbox().mark_sent(m.id, now, detail);
    tx->commit();
}

void Service::not_sent(const OutboxMail& m, Timestamp now, const std::string& detail, bool rejected) {
    auto tx = store_.begin(ports::TxMode::write);
    if ((rejected && m.attempts >= kMaxRejections) || m.attempts >= kMaxAttempts) {
        tx->outbox().mark_failed(m.id, detail);
        tx->audit().append(
            system_event(now, "mail.failed", m.recipient,
                         audit::say("mail_failed", {to_string(m.kind), std::to_string(m.attempts), detail})));
    } else {
        // Exponential backoff: 30 s, 1 min, 2 min, … at most an hour between attempts.
        auto wait = kFirstRetry;
        for (int i = 1; i < m.attempts && wait < kMaxRetryWait; ++i) wait = wait * 2;
        tx->outbox().retry_at(m.id, now + std::min(wait, kMaxRetryWait), detail);
    }
    tx->commit();
}

int Service::queue_reminders(Timestamp now) {
    const Seconds day{86400};
    const Seconds earliest = day * kReminderDays[0];
    auto tx = store_.begin(ports::TxMode::write);
    const auto candidates = tx->accounts().reminder_candidates(now - policy_.password_max_age + earliest,
                                                               now - policy_.password_max_age, 1000);
    int queued = 0;
    for (const auto& c : candidates) {
        const Seconds left = c.password_set_at + policy_.password_max_age - now;
        int due = 0;  // the nearest reminder whose moment has come
        for (int days : kReminderDays)
            if (left <= day * days) due = days;
        if (due == 0 || (c.reminded_days != 0 && c.reminded_days <= due)) continue;
        const auto days_left = std::max<long long>(1, (left.count() + day.count() - 1) / day.count());
        // The mail names the day it expires, where the person is: the moment goes with it (UTC).
        const Timestamp expires = c.password_set_at + policy_.password_max_age;
        tx->outbox().enqueue(outbox::to(c.person, MailKind::expiry_reminder, now, now, format_iso(expires)));
        tx->accounts().set_reminded(c.person.id, due);
        tx->audit().append(system_event(now, "mail.reminder_queued", c.person.username.value(),
                                        audit::say("reminder_queued", {std::to_string(days_left)})));
        ++queued;
    }
    tx->commit();
    return queued;
}

std::optional<Service::LetterJob> Service::next_letter(Timestamp now) {
    for (;;) {
        auto tx = store_.begin(ports::TxMode::write);
        auto l = tx->letters().claim(now, now + kLetterLease);
        if (!l) return std::nullopt;
        auto person = tx->accounts().find(l->person);
        auto school = tx->schools().find(SchoolCode{l->school});
        if (!person || !school) {  // both are kept while a letter refers to them; never wait on it
            tx->letters().render_failed(l->id, "the person or the school no longer exists", now + kLetterRetry);
            tx->commit();
            continue;
        }
        tx->commit();
        return LetterJob{std::move(*l), std::move(*person), std::move(*school)};
    }
}

std::vector<Service::LetterJob> Service::newly_waiting_letters(Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    auto waiting = tx->letters().newly_waiting(now);
    if (waiting.empty()) return {};  // nothing changed: no commit at every poll
    std::vector<LetterJob> out;
    for (auto& l : waiting) {
        auto person = tx->accounts().find(l.person);
        auto school = tx->schools().find(SchoolCode{l.school});
        if (person && school) out.push_back({std::move(l), std::move(*person), std::move(*school)});
    }
    tx->commit();
    return out;
}

void Service::letter_rendered(std::int64_t id, const std::string& path, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    tx->letters().rendered(id, path, now);
    tx->audit().append(system_event(now, "letter.rendered", {}, path));
    tx->commit();
}

void Service::letter_failed(std::int64_t id, const std::string& error, Timestamp now) {
    auto tx = store_.begin(ports::TxMode::write);
    tx->letters().render_failed(id, error, now + kLetterRetry);
    tx->commit();
}

}  // namespace mina::mailer
