// The outbox's worker side (SPEC §5): which mail is due, the one-time password it carries, and what
// happens after an attempt. Composing and sending are the web and mail modules' business.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/ports.hpp"
#include "core/kiosk/ports.hpp"
#include "core/login/policy.hpp"

namespace mina::mailer {

// A claimed mail is its worker's until the exchange with the SMTP server has surely ended: its
// timeout (mail.timeout), plus a margin for making the one-time password and composing the mail.
// Not longer: if the worker dies inside the exchange, another sends the mail (with a new one-time
// password) as soon as this lease runs out.
inline constexpr Seconds kLeaseMargin{20};
[[nodiscard]] constexpr Seconds lease_for(Seconds exchange_timeout) { return exchange_timeout + kLeaseMargin; }
inline constexpr Seconds kLetterLease{60};   // rendering one letter takes well under a second
inline constexpr Seconds kLetterRetry{300};  // a letter that could not be rendered is tried again after this
inline constexpr Seconds kFirstRetry{30};    // then 1, 2, 4 … minutes
inline constexpr Seconds kMaxRetryWait{3600};
inline constexpr int kMaxAttempts = 30;             // about a day of retries, then the mail is failed
inline constexpr int kMaxRejections = 3;            // a 5xx answer this many times: failed
inline constexpr int kReminderDays[] = {30, 7, 1};  // R7: before the password expires

struct Claimed {
    OutboxMail mail;
    Person person;
    std::string otp;  // the one-time password, in clear, for this mail only (empty if none)
};

class Service final {
   public:
    /// `lease`: how long a claimed mail is held (lease_for the SMTP exchange's timeout).
    Service(Store store, ports::PasswordHasher& hasher, ports::Tokens& tokens, const PolicyConfig& policy,
            Seconds lease = lease_for(Seconds{30}))
        : store_(store), hasher_(hasher), tokens_(tokens), policy_(policy), lease_(lease) {}

    /// Claims the next due mail (kiosk mail first) for `lease`. A mail with a one-time password gets a new one now: it
    /// replaces any older one, and only its hash is stored. Mail that is no longer needed is settled here and skipped.
    /// Nothing: no mail is due.
    [[nodiscard]] std::optional<Claimed> next(Timestamp now);
    void sent(const OutboxMail& m, Timestamp now, const std::string& detail);
    /// The server could not be reached or answered 4xx (`rejected` false), or answered 5xx (true).
    void not_sent(const OutboxMail& m, Timestamp now, const std::string& detail, bool rejected);
    /// R7: queues each due expiry reminder once. Returns how many were queued.
    int queue_reminders(Timestamp now);

    /// A letter to render (R3), with what it needs: the person and the school.
    struct LetterJob {
        LetterRow letter;
        Person person;
        School school;
    };
    /// Claims the next letter to render (its school has a postal address), held for kLetterLease so
    /// that no other server renders it. Nothing: no letter is ready.
    [[nodiscard]] std::optional<LetterJob> next_letter(Timestamp now);
    /// Letters that have begun to wait for their school's postal address since anyone last asked:
    /// each is returned once (to one server), so that the wait is said once.
    [[nodiscard]] std::vector<LetterJob> newly_waiting_letters(Timestamp now);
    void letter_rendered(std::int64_t id, const std::string& path, Timestamp now);
    /// Keeps the error and tries again after kLetterRetry.
    void letter_failed(std::int64_t id, const std::string& error, Timestamp now);

   private:
    Store store_;
    ports::PasswordHasher& hasher_;
    ports::Tokens& tokens_;
    const PolicyConfig& policy_;
    Seconds lease_;
};

}  // namespace mina::mailer
