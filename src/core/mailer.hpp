// The outbox's worker side (SPEC §5): which mail is due, the one-time password it carries, and what
// happens after an attempt. Composing and sending are the web and mail modules' business.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/policy.hpp"
#include "core/ports.hpp"

namespace mina::mailer {

inline constexpr Seconds kLease{120};        // a claimed mail is this worker's for this long
inline constexpr Seconds kFirstRetry{30};    // then 1, 2, 4 … minutes
inline constexpr Seconds kMaxRetryWait{3600};
inline constexpr int kMaxAttempts = 30;      // about a day of retries, then the mail is failed
inline constexpr int kMaxRejections = 3;     // a 5xx answer this many times: failed
inline constexpr int kReminderDays[] = {30, 7, 1};  // R7: before the password expires

struct Claimed {
    OutboxMail mail;
    Person person;
    std::string otp;  // the one-time password, in clear, for this mail only (empty if none)
};

class Service final {
   public:
    Service(ports::Store& store, ports::PasswordHasher& hasher, ports::Tokens& tokens, const PolicyConfig& policy)
        : store_(store), hasher_(hasher), tokens_(tokens), policy_(policy) {}

    /// Claims the next due mail. A mail with a one-time password gets a new one now: it replaces any
    /// older one, and only its hash is stored. Mail that is no longer needed is settled here and
    /// skipped. Nothing: no mail is due.
    [[nodiscard]] std::optional<Claimed> next(Timestamp now);
    void sent(const OutboxMail& m, Timestamp now, const std::string& detail);
    /// The server could not be reached or answered 4xx (`rejected` false), or answered 5xx (true).
    void not_sent(const OutboxMail& m, Timestamp now, const std::string& detail, bool rejected);
    /// R7: queues each due expiry reminder once. Returns how many were queued.
    int queue_reminders(Timestamp now);

    /// Letters waiting to be rendered (R3), with what they need: the person and the school.
    struct LetterJob {
        LetterRow letter;
        Person person;
        School school;
    };
    [[nodiscard]] std::vector<LetterJob> letters_to_render(int limit);
    void letter_rendered(std::int64_t id, const std::string& path, Timestamp now);
    void letter_failed(std::int64_t id, const std::string& error);

   private:
    ports::Store& store_;
    ports::PasswordHasher& hasher_;
    ports::Tokens& tokens_;
    const PolicyConfig& policy_;
};

}  // namespace mina::mailer
