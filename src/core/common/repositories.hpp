// The repositories the areas share, and what a transaction is. Each area declares, in its own
// ports.hpp, the narrow unit it works through (login::Unit, kiosk::Unit, …) and the repositories
// only it uses; core/common/ports.hpp gathers them into ports::Unit, which the stores implement.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/audit.hpp"
#include "core/common/model.hpp"

namespace mina::ports {

/// The database cannot be reached just now (a restart, a network fault). Nothing was changed by the
/// call that threw it; the web layer answers 503 and the next request tries again.
class Unavailable : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

class Accounts {
   public:
    virtual ~Accounts() = default;
    [[nodiscard]] virtual std::optional<Person> find(const Username& u) = 0;
    [[nodiscard]] virtual std::optional<Person> find(PersonId id) = 0;
    [[nodiscard]] virtual std::optional<Person> find_by_email(std::string_view email) = 0;
    [[nodiscard]] virtual std::optional<Credential> credential(PersonId id) = 0;
    [[nodiscard]] virtual bool username_taken(const Username& u) = 0;
    virtual PersonId add(const Person& p, Timestamp now) = 0;

    /// Counts a login attempt atomically *before* the password is compared (R6). The attempt that
    /// reaches `lock_at` sets `lock_until` at once, so concurrent attempts see the lock. Returns the
    /// attempt's number, or nothing when the account is locked at `now` (no attempt is allowed).
    [[nodiscard]] virtual std::optional<int> reserve_attempt(PersonId id, Timestamp now, int lock_at,
                                                             Timestamp lock_until) = 0;
    /// A right password whose login goes on to a second factor ([12]): the attempt reserved for it
    /// is given back (the count one lower, and the lock its reservation set lifted), so that what
    /// follows counts from where the failures stood.
    virtual void release_attempt(PersonId id) = 0;
    /// A successful login: resets the failure count and any lock, and records the time.
    virtual void record_success(PersonId id, Timestamp now) = 0;
    virtual void lock(PersonId id, Timestamp until) = 0;
    /// Returns true if the account was locked or had failures.
    virtual bool unlock(PersonId id) = 0;
    [[nodiscard]] virtual std::optional<Timestamp> locked_until(PersonId id) = 0;
    [[nodiscard]] virtual int failed_count(PersonId id) = 0;
    /// A new password: its hash, a new validity (R7), no failures, no lock, no reminder sent yet.
    virtual void set_password(PersonId id, const std::string& hash, Timestamp now) = 0;
    /// Accounts with a password set at or before `set_before` and after `expired_before` (so not yet
    /// expired), with the expiry reminder last sent for it (days; 0 none). For R7's reminders.
    struct ReminderCandidate {
        Person person;
        Timestamp password_set_at;
        int reminded_days = 0;
    };
    [[nodiscard]] virtual std::vector<ReminderCandidate> reminder_candidates(Timestamp set_before,
                                                                             Timestamp expired_before, int limit) = 0;
    virtual void set_reminded(PersonId id, int days) = 0;
    /// People whose username is `text`, or whose name or email contains it (case-insensitive), by name.
    [[nodiscard]] virtual std::vector<Person> search(std::string_view text, int limit) = 0;
    /// Everyone with a grant at the school, by last name, with their state (issue [3] §3).
    [[nodiscard]] virtual std::vector<PersonAtSchool> at_school(const SchoolCode& school) = 0;
    virtual void set_preferences(PersonId id, const std::string& lang, const std::string& default_school) = 0;
    /// Accounts locked at `now` (the agency's desk, [10] item 3): how many, and the first `limit` of
    /// them, the lock ending last first. Counted in the database, nothing loaded to count.
    struct LockedAccount {
        Person person;
        Timestamp until;
    };
    [[nodiscard]] virtual int count_locked(Timestamp now) = 0;
    [[nodiscard]] virtual std::vector<LockedAccount> locked(Timestamp now, int limit) = 0;
};

class Schools {
   public:
    virtual ~Schools() = default;
    [[nodiscard]] virtual std::optional<School> find(const SchoolCode& code) = 0;
    /// Returns false when the code is taken.
    virtual bool add(const School& s, Timestamp now) = 0;
    [[nodiscard]] virtual std::vector<School> all() = 0;
    virtual void set_postal_address(const SchoolCode& code, const std::string& address) = 0;
    /// Changes name, form, postal address and contact of the school with this code; false if none.
    virtual bool update(const School& s) = 0;
    /// How many schools there are (the agency's desk).
    [[nodiscard]] virtual int count() = 0;
};

class Grants {
   public:
    virtual ~Grants() = default;
    /// Returns false when the person already holds this grant.
    virtual bool add(const Grant& g, Timestamp now, const std::string& granted_by) = 0;
    [[nodiscard]] virtual std::vector<Grant> of(PersonId id) = 0;
    /// Returns false when the person did not hold this grant.
    virtual bool remove(PersonId id, const SchoolCode& school, Role role) = 0;
    /// What the person may do: the schools where they hold any grant, with the roles there, ordered
    /// by school name; and whether they are an agency admin. One read for every page after login.
    [[nodiscard]] virtual Access access(PersonId id) = 0;
};

class Sessions {
   public:
    virtual ~Sessions() = default;
    virtual void create(const Session& s) = 0;
    [[nodiscard]] virtual std::optional<Session> find(const std::string& id_hash) = 0;
    /// The session and its person in one read.
    [[nodiscard]] virtual std::optional<std::pair<Session, Person>> find_with_person(const std::string& id_hash) = 0;
    /// The session, its person and the person's Access (as Grants::access answers it) in one read:
    /// what every page after login needs, in one statement where the backend can.
    [[nodiscard]] virtual std::optional<Viewing> view(const std::string& id_hash) = 0;
    virtual void touch(const std::string& id_hash, Timestamp now) = 0;
    virtual void set_school(const std::string& id_hash, const std::string& school) = 0;
    virtual void remove(const std::string& id_hash) = 0;
    /// Ends every session of the person but `keep` (a new password ends the others).
    virtual int remove_all_of(PersonId id, const std::string& keep) = 0;
    virtual int remove_expired(Timestamp idle_before, Timestamp created_before) = 0;
};

class PasswordHistory {
   public:
    virtual ~PasswordHistory() = default;
    virtual void add(PersonId id, const std::string& hash, Timestamp at) = 0;
    /// The hashes of the person's last `n` passwords, newest first.
    [[nodiscard]] virtual std::vector<std::string> last(PersonId id, int n) = 0;
};

/// Mail waiting to be sent (SPEC §5): written in the transaction of the change that causes it.
class Outbox {
   public:
    virtual ~Outbox() = default;
    virtual std::int64_t enqueue(const OutboxMail& m) = 0;
    /// Takes the pending mail due at `now` that no worker holds, kiosk mail (otp-reset: someone is
    /// waiting at the kiosk for it) before any other, then the oldest due, and holds it until
    /// `lease_until` (counting the attempt), so that no other worker sends it meanwhile.
    [[nodiscard]] virtual std::optional<OutboxMail> claim(Timestamp now, Timestamp lease_until) = 0;
    virtual void mark_sent(std::int64_t id, Timestamp now, const std::string& detail) = 0;
    virtual void retry_at(std::int64_t id, Timestamp when, const std::string& detail) = 0;
    virtual void mark_failed(std::int64_t id, const std::string& detail) = 0;
    /// Newest first; `status` empty: all.
    [[nodiscard]] virtual std::vector<OutboxMail> list(std::optional<MailStatus> status, int limit) = 0;
    /// Failed mail (one, or all when `id` is empty) becomes pending again, due at `now`.
    virtual int retry_failed(std::optional<std::int64_t> id, Timestamp now) = 0;
    /// Mails of this kind to this person created since `since` (a brake on mail bombing).
    [[nodiscard]] virtual int count_since(PersonId id, MailKind kind, Timestamp since) = 0;
    /// Pending mails of this kind to this person (so a first one-time password is queued once).
    [[nodiscard]] virtual int count_pending(PersonId id, MailKind kind) = 0;
    /// Mails with this status, counted in the database (the agency's desk: the failed ones).
    [[nodiscard]] virtual int count(MailStatus status) = 0;
};

/// The print queue of letters (R3).
class Letters {
   public:
    virtual ~Letters() = default;
    /// `by`: who gave the access the letter announces, for its wording.
    virtual std::int64_t queue(PersonId id, const SchoolCode& school, GrantedBy by, Timestamp now) = 0;
    /// Takes the oldest queued letter due at `now` whose school has a postal address and that no
    /// server holds, and holds it until `lease_until`, so that no other server renders it meanwhile.
    [[nodiscard]] virtual std::optional<LetterRow> claim(Timestamp now, Timestamp lease_until) = 0;
    /// Queued letters whose school has no postal address and that nobody has found waiting yet:
    /// marks them found at `now` and returns them. Each letter is returned once, whoever asks.
    [[nodiscard]] virtual std::vector<LetterRow> newly_waiting(Timestamp now) = 0;
    /// Made: rendered, without an error. A letter that is no longer queued is left as it is.
    virtual void rendered(std::int64_t id, const std::string& path, Timestamp now) = 0;
    /// Not made: the error is kept and the letter is not tried again before `retry_at`.
    virtual void render_failed(std::int64_t id, const std::string& error, Timestamp retry_at) = 0;
    /// Newest first; `status` empty: all.
    [[nodiscard]] virtual std::vector<LetterRow> list(std::optional<LetterStatus> status, int limit) = 0;
    [[nodiscard]] virtual std::optional<LetterRow> find(std::int64_t id) = 0;
    /// Returns false unless the letter was rendered and not yet posted.
    virtual bool mark_posted(std::int64_t id, Timestamp now) = 0;
    /// Letters not yet posted (queued or rendered): what the agency still has to print and post.
    [[nodiscard]] virtual int count_unposted() = 0;
};

class Audit {
   public:
    virtual ~Audit() = default;
    virtual void append(const AuditEvent& e) = 0;
    /// Newest first.
    [[nodiscard]] virtual std::vector<AuditEntry> query(const AuditFilter& f) = 0;
    /// Every kind of event recorded so far, sorted (for the reader's choice of kind).
    [[nodiscard]] virtual std::vector<std::string> kinds() = 0;
};

/// Counts over a time range for the statistics page ([10] item 6), each one GROUP BY in the
/// database over an indexed time column. A bucket count says how many rows fell in
/// [bucket·size, (bucket+1)·size) (Unix seconds); empty buckets are left out. The core adds the
/// buckets up into local days and weeks: a bucket of 900 s lies inside one local day in every zone.
/// `school` empty: every school.
struct BucketCount {
    std::int64_t bucket = 0;
    std::int64_t count = 0;
};
struct StateCount {
    MailStatus status{MailStatus::pending};
    std::int64_t count = 0;
};
class Statistics {
   public:
    virtual ~Statistics() = default;
    /// Report events received (their `reported_at`) from the school, corrections included.
    [[nodiscard]] virtual std::vector<BucketCount> reports_received(const std::string& school, Timestamp from,
                                                                    Timestamp to, std::int64_t size) = 0;
    /// Audit events of `kind`. For a school: those written for it, and those written for no school
    /// (a login, a lock) whose subject holds a grant there now.
    [[nodiscard]] virtual std::vector<BucketCount> audit_events(std::string_view kind, const std::string& school,
                                                                Timestamp from, Timestamp to, std::int64_t size) = 0;
    /// Mail queued in [from, to), by its state now. For a school: mail to people who hold a grant there.
    [[nodiscard]] virtual std::vector<StateCount> mail_states(const std::string& school, Timestamp from,
                                                              Timestamp to) = 0;
};

enum class TxMode { read, write };

/// One transaction. The destructor rolls back unless commit() ran: nothing is "saved" before.
/// Every area's unit is one (a virtual base: ports::Unit holds one transaction, whatever it shows).
class UnitOfWork {
   public:
    virtual ~UnitOfWork() = default;
    /// Commits: visible to every transaction that begins after it, and on disk before it returns.
    virtual void commit() = 0;
    /// Commits as visibly, but leaves reaching the disk to the next commit() after it (anyone's):
    /// for a step nobody is told the outcome of before a commit() of the same flow follows (a
    /// login's reserved attempt, settled after the hash). A power cut in between may undo it.
    virtual void commit_unsynced() { commit(); }
};

class Store;

/// One area's view of the store: its transactions show that area's repositories only. Made from the
/// whole store (implicitly, so that whoever wires the services passes the one store to each).
template <class AreaUnit>
class StoreOf {
   public:
    StoreOf(Store& store) : store_(store) {}  // NOLINT(google-explicit-constructor): a view of the store
    /// Store::begin, seen through the area's unit (defined in core/common/ports.hpp).
    [[nodiscard]] std::unique_ptr<AreaUnit> begin(TxMode mode);

   private:
    Store& store_;
};

}  // namespace mina::ports
