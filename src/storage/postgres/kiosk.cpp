// The PostgreSQL store: one-time passwords, kiosk flows and password history, the
// outbox and the letters. The same ports, statement for statement, as
// src/storage/sqlite/kiosk.cpp.
#include "storage/sql/kiosk.hpp"
#include "storage/postgres/repositories.hpp"
#include "storage/sql/dollars.hpp"

namespace mina::storage::postgres {
namespace {

using sql::Dollars;

// ---- SQL, in named constants: never assembled from input ----

constexpr const char* kQueueLetter =
    "INSERT INTO letters (person_id, school_code, created_at, granted_by) VALUES ($1, $2, $3, $4) RETURNING id";
// The last column: queued, and the school has no postal address to put in the window ("Adress saknas").
#define MINA_LETTER_ROW \
    "id, person_id, school_code, status, path, last_error, created_at, rendered_at, posted_at, granted_by"
#define MINA_LETTER_COLUMNS               \
    MINA_LETTER_ROW                       \
    ", status = 'queued' AND NOT EXISTS " \
    "(SELECT 1 FROM schools s WHERE s.code = letters.school_code AND s.postal_address <> '')"
// One statement: whoever runs it first holds the letter until the lease ends; a row another
// transaction is claiming is skipped rather than waited for (as the outbox's kClaim).
constexpr const char* kClaimLetter =
    "UPDATE letters SET claimed_until = $2 WHERE id = ("
    "  SELECT l.id FROM letters l JOIN schools s ON s.code = l.school_code "
    "  WHERE l.status = 'queued' AND l.claimed_until <= $1 AND s.postal_address <> '' "
    "  ORDER BY l.id LIMIT 1 FOR UPDATE OF l SKIP LOCKED) "
    "RETURNING " MINA_LETTER_ROW ", false";
// A second server running it at once waits for the first's row locks, then finds waiting_since set.
constexpr const char* kNewlyWaiting =
    "UPDATE letters SET waiting_since = $1 WHERE status = 'queued' AND waiting_since IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = letters.school_code AND s.postal_address <> '') "
    "RETURNING " MINA_LETTER_ROW ", true";
constexpr Dollars kLetterRendered{sql::kLetterRendered};
constexpr Dollars kLetterFailed{sql::kLetterFailed};
constexpr const char* kFindLetter = "SELECT " MINA_LETTER_COLUMNS " FROM letters WHERE id = $1";
constexpr Dollars kLetterPosted{sql::kLetterPosted};
// Two fixed statements rather than SQL assembled at run time.
constexpr const char* kAllLetters = "SELECT " MINA_LETTER_COLUMNS " FROM letters ORDER BY id DESC LIMIT $1";
constexpr const char* kLettersWithStatus =
    "SELECT " MINA_LETTER_COLUMNS " FROM letters WHERE status = $2 ORDER BY id DESC LIMIT $1";
#undef MINA_LETTER_COLUMNS
#undef MINA_LETTER_ROW
constexpr Dollars kPutOtp{sql::kPutOtp};
constexpr Dollars kFindOtp{sql::kFindOtp};
constexpr Dollars kOtpWrong{sql::kOtpWrong};
// Single use (SPEC §4): of several flows deleting the one they compared, exactly one affects a row
// (writers take turns, and even without the turn a second DELETE waits for the first's row lock and,
// in READ COMMITTED, then finds the row gone).
constexpr Dollars kConsumeOtp{sql::kConsumeOtp};
constexpr Dollars kRemoveOtp{sql::kRemoveOtp};
constexpr Dollars kCreateFlow{sql::kCreateFlow};
constexpr Dollars kFindFlow{sql::kFindFlow};
constexpr Dollars kUpdateFlow{sql::kUpdateFlow};
constexpr Dollars kRemoveFlow{sql::kRemoveFlow};
constexpr Dollars kRemoveExpiredFlows{sql::kRemoveExpiredFlows};
constexpr Dollars kAddHistory{sql::kAddHistory};
constexpr Dollars kLastHistory{sql::kLastHistory};
constexpr const char* kEnqueue =
    "INSERT INTO outbox (kind, person_id, recipient, lang, params, not_before, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
// One statement: whoever runs it first holds the mail until the lease ends; a row another
// transaction is claiming is skipped rather than waited for. Kiosk mail first: a person waits at
// the kiosk for its one-time password, which is valid for minutes.
// A person's mails with one-time passwords go one at a time (none is taken while another is held):
// each makes a new password that replaces the last, so the one that arrives last is the one that works.
constexpr const char* kClaim =
    "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1 WHERE id = ("
    "  SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.not_before <= $1 AND o.claimed_until <= $1 "
    "  AND NOT (o.kind IN ('otp-first', 'otp-reset') AND EXISTS (SELECT 1 FROM outbox b WHERE b.person_id = "
    "o.person_id "
    "    AND b.kind IN ('otp-first', 'otp-reset') AND b.status = 'pending' AND b.claimed_until > $1)) "
    "  ORDER BY o.kind <> 'otp-reset', o.not_before, o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED) "
    "RETURNING id, kind, person_id, recipient, lang, params, status, not_before, attempts, last_error, created_at, "
    "sent_at";
constexpr Dollars kMarkSent{sql::kMarkSent};
constexpr Dollars kRetryAt{sql::kRetryAt};
constexpr Dollars kMarkFailed{sql::kMarkFailed};
constexpr Dollars kRetryFailedOne{sql::kRetryFailedOne};
constexpr Dollars kRetryFailedAll{sql::kRetryFailedAll};
constexpr Dollars kCountSince{sql::kCountSince};
constexpr Dollars kCountPending{sql::kCountPending};
constexpr Dollars kCountUnpostedLetters{sql::kCountUnpostedLetters};
constexpr Dollars kCountMailWithStatus{sql::kCountMailWithStatus};
constexpr const char* kAllMail =
    "SELECT id, kind, person_id, recipient, lang, params, status, not_before, attempts, last_error, created_at, "
    "sent_at FROM outbox ORDER BY id DESC LIMIT $1";
constexpr const char* kMailWithStatus =
    "SELECT id, kind, person_id, recipient, lang, params, status, not_before, attempts, last_error, created_at, "
    "sent_at FROM outbox WHERE status = $2 ORDER BY id DESC LIMIT $1";

class PgOtps final : public ports::Otps {
   public:
    explicit PgOtps(Transaction& c) : c_(c) {}
    void put(const Otp& o) override {
        exec(c_, kPutOtp, o.person, o.hash, otp_kind_name(o.kind), o.created_at, o.expires_at);
    }
    std::optional<Otp> find(PersonId id) override {
        return read_first<Otp>(exec(c_, kFindOtp, id), [](const Row& r) {
            return Otp{PersonId{r.integer(0)},
                       r.text(1),
                       r.text(2) == "first" ? OtpKind::first : OtpKind::reset,
                       r.time(3),
                       r.time(4),
                       static_cast<int>(r.integer(5))};
        });
    }
    int count_wrong(PersonId id) override { return first_int(exec(c_, kOtpWrong, id)); }
    bool consume(PersonId id, const std::string& hash, Timestamp now) override {
        return exec(c_, kConsumeOtp, id, hash, now).affected() == 1;
    }
    void remove(PersonId id) override { exec(c_, kRemoveOtp, id); }

   private:
    Transaction& c_;
};

class PgKioskFlows final : public ports::KioskFlows {
   public:
    explicit PgKioskFlows(Transaction& c) : c_(c) {}
    void create(const KioskFlow& f) override {
        exec(c_, kCreateFlow, f.id_hash, flow_kind_name(f.kind), flow_stage_name(f.stage), f.person, f.csrf_token,
             f.captcha_answer, f.captcha_expires_at, f.created_at, f.expires_at);
    }
    std::optional<KioskFlow> find(const std::string& id_hash) override {
        return read_first<KioskFlow>(exec(c_, kFindFlow, id_hash), [](const Row& r) {
            KioskFlow f;
            f.id_hash = r.text(0);
            f.kind = r.text(1) == "forgot" ? FlowKind::forgot : FlowKind::sign_in;
            f.stage = parse_flow_stage(r.text(2));
            if (!r.is_null(3)) f.person = PersonId{r.integer(3)};
            f.csrf_token = r.text(4);
            f.captcha_answer = r.text(5);
            f.captcha_expires_at = r.time(6);
            f.created_at = r.time(7);
            f.expires_at = r.time(8);
            return f;
        });
    }
    void update(const KioskFlow& f) override {
        exec(c_, kUpdateFlow, f.id_hash, flow_kind_name(f.kind), flow_stage_name(f.stage), f.person, f.captcha_answer,
             f.captcha_expires_at, f.expires_at);
    }
    void remove(const std::string& id_hash) override { exec(c_, kRemoveFlow, id_hash); }
    int remove_expired(Timestamp now) override { return exec(c_, kRemoveExpiredFlows, now).affected(); }

   private:
    Transaction& c_;
};

class PgPasswordHistory final : public ports::PasswordHistory {
   public:
    explicit PgPasswordHistory(Transaction& c) : c_(c) {}
    void add(PersonId id, const std::string& hash, Timestamp at) override { exec(c_, kAddHistory, id, hash, at); }
    std::vector<std::string> last(PersonId id, int n) override {
        return read_all<std::string>(exec(c_, kLastHistory, id, n), [](const Row& r) { return r.text(0); });
    }

   private:
    Transaction& c_;
};

class PgLetters final : public ports::Letters {
   public:
    explicit PgLetters(Transaction& c) : c_(c) {}
    std::int64_t queue(PersonId id, const SchoolCode& school, GrantedBy by, Timestamp now) override {
        return exec(c_, kQueueLetter, id, school, now, granted_by_name(by)).row(0).integer(0);
    }
    std::optional<LetterRow> claim(Timestamp now, Timestamp lease_until) override {
        return read_first<LetterRow>(exec(c_, kClaimLetter, now, lease_until), read);
    }
    std::vector<LetterRow> newly_waiting(Timestamp now) override {
        return read_all<LetterRow>(exec(c_, kNewlyWaiting, now), read);
    }
    void rendered(std::int64_t id, const std::string& path, Timestamp now) override {
        exec(c_, kLetterRendered, id, path, now);
    }
    void render_failed(std::int64_t id, const std::string& error, Timestamp retry_at) override {
        exec(c_, kLetterFailed, id, error, retry_at);
    }
    std::vector<LetterRow> list(std::optional<LetterStatus> status, int limit) override {
        auto result = status ? exec(c_, kLettersWithStatus, limit, status_name(*status)) : exec(c_, kAllLetters, limit);
        return read_all<LetterRow>(result, read);
    }
    std::optional<LetterRow> find(std::int64_t id) override {
        return read_first<LetterRow>(exec(c_, kFindLetter, id), read);
    }
    bool mark_posted(std::int64_t id, Timestamp now) override {
        return exec(c_, kLetterPosted, id, now).affected() > 0;
    }
    int count_unposted() override { return first_int(exec(c_, kCountUnpostedLetters)); }

   private:
    static std::string_view status_name(LetterStatus s) {
        return s == LetterStatus::queued ? "queued" : s == LetterStatus::rendered ? "rendered" : "posted";
    }
    static std::string_view granted_by_name(GrantedBy by) { return by == GrantedBy::agency ? "agency" : "school"; }
    static LetterRow read(const Row& r) {
        LetterRow l;
        l.id = r.integer(0);
        l.person = PersonId{r.integer(1)};
        l.school = r.text(2);
        const auto st = r.text(3);
        l.status = st == "posted"     ? LetterStatus::posted
                   : st == "rendered" ? LetterStatus::rendered
                                      : LetterStatus::queued;
        l.path = r.text(4);
        l.last_error = r.text(5);
        l.created_at = r.time(6);
        l.rendered_at = r.maybe_time(7);
        l.posted_at = r.maybe_time(8);
        l.granted_by = r.text(9) == "agency" ? GrantedBy::agency : GrantedBy::school_admin;
        l.address_missing = r.boolean(10);
        return l;
    }
    Transaction& c_;
};

class PgOutbox final : public ports::Outbox {
   public:
    explicit PgOutbox(Transaction& c) : c_(c) {}
    std::int64_t enqueue(const OutboxMail& m) override {
        return exec(c_, kEnqueue, to_string(m.kind), m.person, m.recipient, m.lang, m.params, m.not_before,
                    m.created_at)
            .row(0)
            .integer(0);
    }
    std::optional<OutboxMail> claim(Timestamp now, Timestamp lease_until) override {
        return read_first<OutboxMail>(exec(c_, kClaim, now, lease_until), read);
    }
    void mark_sent(std::int64_t id, Timestamp now, const std::string& detail) override {
        exec(c_, kMarkSent, id, now, detail);
    }
    void retry_at(std::int64_t id, Timestamp when, const std::string& detail) override {
        exec(c_, kRetryAt, id, when, detail);
    }
    void mark_failed(std::int64_t id, const std::string& detail) override { exec(c_, kMarkFailed, id, detail); }
    std::vector<OutboxMail> list(std::optional<MailStatus> status, int limit) override {
        auto result = status ? exec(c_, kMailWithStatus, limit, to_string(*status)) : exec(c_, kAllMail, limit);
        return read_all<OutboxMail>(result, read);
    }
    int retry_failed(std::optional<std::int64_t> id, Timestamp now) override {
        return (id ? exec(c_, kRetryFailedOne, *id, now) : exec(c_, kRetryFailedAll, now)).affected();
    }
    int count_since(PersonId id, MailKind kind, Timestamp since) override {
        return first_int(exec(c_, kCountSince, id, to_string(kind), since));
    }
    int count_pending(PersonId id, MailKind kind) override {
        return first_int(exec(c_, kCountPending, id, to_string(kind)));
    }
    int count(MailStatus status) override { return first_int(exec(c_, kCountMailWithStatus, to_string(status))); }

   private:
    static OutboxMail read(const Row& r) {
        OutboxMail m;
        m.id = r.integer(0);
        m.kind = parse_mail_kind(r.text(1)).value_or(MailKind::password_changed);
        if (!r.is_null(2)) m.person = PersonId{r.integer(2)};
        m.recipient = r.text(3);
        m.lang = r.text(4);
        m.params = r.text(5);
        const auto st = r.text(6);
        m.status = st == "sent" ? MailStatus::sent : st == "failed" ? MailStatus::failed : MailStatus::pending;
        m.not_before = r.time(7);
        m.attempts = static_cast<int>(r.integer(8));
        m.last_error = r.text(9);
        m.created_at = r.time(10);
        m.sent_at = r.maybe_time(11);
        return m;
    }
    Transaction& c_;
};

/// The roles of a comma-separated list, sorted; unknown names are left out.

}  // namespace

std::unique_ptr<ports::Otps> make_otps(Transaction& tx) { return std::make_unique<PgOtps>(tx); }
std::unique_ptr<ports::KioskFlows> make_kiosk_flows(Transaction& tx) { return std::make_unique<PgKioskFlows>(tx); }
std::unique_ptr<ports::PasswordHistory> make_password_history(Transaction& tx) {
    return std::make_unique<PgPasswordHistory>(tx);
}
std::unique_ptr<ports::Outbox> make_outbox(Transaction& tx) { return std::make_unique<PgOutbox>(tx); }
std::unique_ptr<ports::Letters> make_letters(Transaction& tx) { return std::make_unique<PgLetters>(tx); }

}  // namespace mina::storage::postgres
