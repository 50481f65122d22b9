// The interfaces the core needs from the outside world, declared here by their consumer.
// Storage backends (src/storage/*) and crypto (src/crypto) implement them; the core never
// includes a backend header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/audit.hpp"
#include "core/studietider/ports.hpp"
#include "core/common/model.hpp"
#include "core/reports/ports.hpp"

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

/// One-time passwords: at most one live per person; put() replaces the old one.
class Otps {
   public:
    virtual ~Otps() = default;
    virtual void put(const Otp& otp) = 0;
    [[nodiscard]] virtual std::optional<Otp> find(PersonId id) = 0;
    /// Counts a wrong entry atomically and returns the new count.
    virtual int count_wrong(PersonId id) = 0;
    /// Uses the one-time password that was compared (`hash`) up, in one atomic statement: true for
    /// exactly one caller however many flows try at once (SPEC §4 single use, STYLE habit 5); false
    /// when it was used, replaced, killed or expired (`expires_at <= now`) in the meantime.
    [[nodiscard]] virtual bool consume(PersonId id, const std::string& hash, Timestamp now) = 0;
    virtual void remove(PersonId id) = 0;
};

class KioskFlows {
   public:
    virtual ~KioskFlows() = default;
    virtual void create(const KioskFlow& f) = 0;
    [[nodiscard]] virtual std::optional<KioskFlow> find(const std::string& id_hash) = 0;
    /// Saves kind, stage, person, CAPTCHA and expiry.
    virtual void update(const KioskFlow& f) = 0;
    virtual void remove(const std::string& id_hash) = 0;
    virtual int remove_expired(Timestamp now) = 0;
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
};

/// The print queue of letters (R3).
class Letters {
   public:
    virtual ~Letters() = default;
    virtual std::int64_t queue(PersonId id, const SchoolCode& school, Timestamp now) = 0;
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
};

/// Failures per client address, for the slowdown of SPEC §4.
class Throttle {
   public:
    virtual ~Throttle() = default;
    struct State {
        int failures = 0;
        Timestamp last_failure;
    };
    /// Failures from `address` since `window_start` (older ones are forgotten).
    [[nodiscard]] virtual State get(const std::string& address, Timestamp window_start) = 0;
    virtual void record_failure(const std::string& address, Timestamp now, Timestamp window_start) = 0;
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

/// One transaction. The destructor rolls back unless commit() ran: nothing is "saved" before.
class Unit {
   public:
    virtual ~Unit() = default;
    /// Commits: visible to every transaction that begins after it, and on disk before it returns.
    virtual void commit() = 0;
    /// Commits as visibly, but leaves reaching the disk to the next commit() after it (anyone's):
    /// for a step nobody is told the outcome of before a commit() of the same flow follows (a
    /// login's reserved attempt, settled after the hash). A power cut in between may undo it.
    virtual void commit_unsynced() { commit(); }
    virtual Accounts& accounts() = 0;
    virtual Schools& schools() = 0;
    virtual Grants& grants() = 0;
    virtual Sessions& sessions() = 0;
    virtual Throttle& throttle() = 0;
    virtual Audit& audit() = 0;
    virtual Otps& otps() = 0;
    virtual KioskFlows& kiosk_flows() = 0;
    virtual PasswordHistory& password_history() = 0;
    virtual Outbox& outbox() = 0;
    virtual Letters& letters() = 0;
    virtual Studietider& studietider() = 0;
    virtual Reports& reports() = 0;
};

enum class TxMode { read, write };

/// What the viewers kept between requests have done (Store::fence), for /metrics.
struct KeptViewers {
    std::uint64_t hits = 0;    // pages whose viewer came from memory
    std::uint64_t misses = 0;  // pages that read it from the database
    std::size_t kept = 0;
    bool listening = false;  // false: the database's notices cannot be heard, nothing is kept
};

class Store {
   public:
    virtual ~Store() = default;
    [[nodiscard]] virtual std::unique_ptr<Unit> begin(TxMode mode) = 0;
    /// Applies the migrations that have not run; returns how many ran.
    virtual int migrate() = 0;
    [[nodiscard]] virtual int schema_version() = 0;
    [[nodiscard]] virtual bool ping() = 0;
    /// A consistent copy of the whole database, taken while it runs.
    virtual void backup(const std::string& path) = 0;
    /// Calls `done` (perhaps on another thread) once every change committed anywhere before this
    /// call is seen by Sessions::view on this server. A store that keeps no viewers between requests
    /// has nothing to wait for; one that does (PostgreSQL, where other servers change the data)
    /// waits for the database's word (storage/postgres/pg_view_cache.hpp).
    virtual void fence(std::function<void()> done) { done(); }
    /// Whether fence() may wait: if not, a request need not ask.
    [[nodiscard]] virtual bool fences() const { return false; }
    /// Nothing where no viewers are kept.
    [[nodiscard]] virtual std::optional<KeptViewers> kept_viewers() const { return std::nullopt; }
};

/// Argon2id (SPEC §4). Implementations may be slow on purpose: call them on the hash pool only.
class PasswordHasher {
   public:
    virtual ~PasswordHasher() = default;
    [[nodiscard]] virtual std::string hash(std::string_view password) = 0;
    [[nodiscard]] virtual bool verify(const std::string& hash, std::string_view password) = 0;
    /// Costs what verify() costs and always fails: the answer for unknown usernames.
    virtual void verify_dummy(std::string_view password) = 0;
};

/// What the password rules need from text libraries: Unicode normalisation and a dictionary.
class PasswordQuality {
   public:
    virtual ~PasswordQuality() = default;
    /// The NFC form, or nothing when the text is not valid UTF-8.
    [[nodiscard]] virtual std::optional<std::string> normalize(std::string_view text) = 0;
    /// A dictionary word, a common password or a trivial variation of one.
    [[nodiscard]] virtual bool is_weak(std::string_view password, std::string_view username) = 0;
};

/// Fresh CAPTCHA answers (the alphabet is the drawing's business).
class CaptchaAnswers {
   public:
    virtual ~CaptchaAnswers() = default;
    [[nodiscard]] virtual std::string fresh() = 0;
};

/// What the audit log keeps of a name that matches no account (issue [7] §15): what was typed may
/// be a password in the wrong field, so it is never stored as typed; a digest keyed with the
/// installation's secret still shows repeated tries of the same text together, and tells nothing
/// to whoever reads the log or a copy of the database without the key.
class Pseudonyms {
   public:
    virtual ~Pseudonyms() = default;
    /// 16 hexadecimal digits: the same for the same text and key.
    [[nodiscard]] virtual std::string pseudonym(std::string_view text) const = 0;
};

/// Secrets: CSPRNG tokens and their one-way digests.
class Tokens {
   public:
    virtual ~Tokens() = default;
    /// A fresh 256-bit random token, base64url without padding.
    [[nodiscard]] virtual std::string token() = 0;
    /// The digest stored in place of a token (hex).
    [[nodiscard]] virtual std::string digest(std::string_view token) = 0;
    /// SHA-256 of `bytes` (hex): what `sha256sum` prints for an uploaded file.
    [[nodiscard]] virtual std::string sha256(std::string_view bytes) = 0;
    /// Compares two secrets in constant time.
    [[nodiscard]] virtual bool equal(std::string_view a, std::string_view b) = 0;
    /// A uniformly random integer in [0, upper).
    [[nodiscard]] virtual std::uint32_t uniform(std::uint32_t upper) = 0;
};

}  // namespace mina::ports
