// The SQLite store: one-time passwords, kiosk flows and password history, the
// outbox and the letters. The same ports, statement for statement, as
// src/storage/postgres/kiosk.cpp.
#include "storage/sql/kiosk.hpp"
#include "storage/sqlite/repositories.hpp"

namespace mina::storage::sqlite {
namespace {

using namespace sql;  // the statements both stores share (storage/sql/kiosk.hpp)

// ---- SQL, in named constants: never assembled from input ----

constexpr const char* kQueueLetter =
    "INSERT INTO letters (person_id, school_code, created_at, granted_by) VALUES (?1, ?2, ?3, ?4)";
// The last column: queued, and the school has no postal address to put in the window ("Adress saknas").
#define MINA_LETTER_ROW \
    "id, person_id, school_code, status, path, last_error, created_at, rendered_at, posted_at, granted_by"
constexpr const char* kLetterColumns = MINA_LETTER_ROW
    ", status = 'queued' AND NOT EXISTS "
    "(SELECT 1 FROM schools s WHERE s.code = letters.school_code AND s.postal_address <> '')";
// One statement: whoever runs it first holds the letter until the lease ends (as the outbox's kClaim).
constexpr const char* kClaimLetter =
    "UPDATE letters SET claimed_until = ?2 WHERE id = ("
    "  SELECT l.id FROM letters l JOIN schools s ON s.code = l.school_code "
    "  WHERE l.status = 'queued' AND l.claimed_until <= ?1 AND s.postal_address <> '' ORDER BY l.id LIMIT 1) "
    "RETURNING " MINA_LETTER_ROW ", 0";
constexpr const char* kNewlyWaiting =
    "UPDATE letters SET waiting_since = ?1 WHERE status = 'queued' AND waiting_since IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = letters.school_code AND s.postal_address <> '') "
    "RETURNING " MINA_LETTER_ROW ", 1";
#undef MINA_LETTER_ROW
constexpr const char* kEnqueue =
    "INSERT INTO outbox (kind, person_id, recipient, lang, params, not_before, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kOutboxColumns =
    "id, kind, person_id, recipient, lang, params, status, not_before, attempts, last_error, created_at, sent_at";
// One statement: whoever runs it first holds the mail until the lease ends. Kiosk mail first: a
// person waits at the kiosk for its one-time password, which is valid for minutes.
// A person's mails with one-time passwords go one at a time (none is taken while another is held):
// each makes a new password that replaces the last, so the one that arrives last is the one that works.
constexpr const char* kClaim =
    "UPDATE outbox SET claimed_until = ?2, attempts = attempts + 1 WHERE id = ("
    "  SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.not_before <= ?1 AND o.claimed_until <= ?1 "
    "  AND NOT (o.kind IN ('otp-first', 'otp-reset') AND EXISTS (SELECT 1 FROM outbox b WHERE b.person_id = "
    "o.person_id "
    "    AND b.kind IN ('otp-first', 'otp-reset') AND b.status = 'pending' AND b.claimed_until > ?1)) "
    "  ORDER BY o.kind <> 'otp-reset', o.not_before, o.id LIMIT 1) "
    "RETURNING id, kind, person_id, recipient, lang, params, status, not_before, attempts, last_error, created_at, "
    "sent_at";

class SqliteOtps final : public ports::Otps {
   public:
    explicit SqliteOtps(Connection& c) : c_(c) {}
    void put(const Otp& o) override {
        Query q(c_, kPutOtp);
        q.bind(1, o.person.value()).bind(2, o.hash).bind(3, otp_kind_name(o.kind)).bind(4, o.created_at);
        q.bind(5, o.expires_at);
        q.run();
    }
    std::optional<Otp> find(PersonId id) override {
        Query q(c_, kFindOtp);
        q.bind(1, id.value());
        if (!q.step()) return std::nullopt;
        return Otp{PersonId{q.integer(0)},
                   q.text(1),
                   q.text(2) == "first" ? OtpKind::first : OtpKind::reset,
                   from_unix(q.integer(3)),
                   from_unix(q.integer(4)),
                   static_cast<int>(q.integer(5))};
    }
    int count_wrong(PersonId id) override {
        Query q(c_, kOtpWrong);
        q.bind(1, id.value());
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }
    bool consume(PersonId id, const std::string& hash, Timestamp now) override {
        Query q(c_, kConsumeOtp);
        q.bind(1, id.value()).bind(2, hash).bind(3, now);
        q.run();
        return q.changes() == 1;
    }
    void remove(PersonId id) override {
        Query q(c_, kRemoveOtp);
        q.bind(1, id.value());
        q.run();
    }

   private:
    Connection& c_;
};

class SqliteKioskFlows final : public ports::KioskFlows {
   public:
    explicit SqliteKioskFlows(Connection& c) : c_(c) {}
    void create(const KioskFlow& f) override {
        Query q(c_, kCreateFlow);
        q.bind(1, f.id_hash).bind(2, flow_kind_name(f.kind)).bind(3, flow_stage_name(f.stage));
        bind_person(q, 4, f.person);
        q.bind(5, f.csrf_token).bind(6, f.captcha_answer).bind(7, f.captcha_expires_at).bind(8, f.created_at);
        q.bind(9, f.expires_at);
        q.run();
    }
    std::optional<KioskFlow> find(const std::string& id_hash) override {
        Query q(c_, kFindFlow);
        q.bind(1, id_hash);
        if (!q.step()) return std::nullopt;
        KioskFlow f;
        f.id_hash = q.text(0);
        f.kind = q.text(1) == "forgot" ? FlowKind::forgot : FlowKind::sign_in;
        f.stage = parse_flow_stage(q.text(2));
        if (!q.is_null(3)) f.person = PersonId{q.integer(3)};
        f.csrf_token = q.text(4);
        f.captcha_answer = q.text(5);
        f.captcha_expires_at = from_unix(q.integer(6));
        f.created_at = from_unix(q.integer(7));
        f.expires_at = from_unix(q.integer(8));
        return f;
    }
    void update(const KioskFlow& f) override {
        Query q(c_, kUpdateFlow);
        q.bind(1, f.id_hash).bind(2, flow_kind_name(f.kind)).bind(3, flow_stage_name(f.stage));
        bind_person(q, 4, f.person);
        q.bind(5, f.captcha_answer).bind(6, f.captcha_expires_at).bind(7, f.expires_at);
        q.run();
    }
    void remove(const std::string& id_hash) override {
        Query q(c_, kRemoveFlow);
        q.bind(1, id_hash);
        q.run();
    }
    int remove_expired(Timestamp now) override {
        Query q(c_, kRemoveExpiredFlows);
        q.bind(1, now);
        q.run();
        return q.changes();
    }

   private:
    static void bind_person(Query& q, int i, const std::optional<PersonId>& p) {
        if (p) q.bind(i, p->value());
        else q.bind_null(i);
    }
    Connection& c_;
};

class SqlitePasswordHistory final : public ports::PasswordHistory {
   public:
    explicit SqlitePasswordHistory(Connection& c) : c_(c) {}
    void add(PersonId id, const std::string& hash, Timestamp at) override {
        Query q(c_, kAddHistory);
        q.bind(1, id.value()).bind(2, hash).bind(3, at);
        q.run();
    }
    std::vector<std::string> last(PersonId id, int n) override {
        Query q(c_, kLastHistory);
        q.bind(1, id.value()).bind(2, std::int64_t{n});
        std::vector<std::string> out;
        while (q.step()) out.push_back(q.text(0));
        return out;
    }

   private:
    Connection& c_;
};

class SqliteLetters final : public ports::Letters {
   public:
    explicit SqliteLetters(Connection& c) : c_(c) {}
    std::int64_t queue(PersonId id, const SchoolCode& school, GrantedBy by, Timestamp now) override {
        Query q(c_, kQueueLetter);
        q.bind(1, id.value()).bind(2, school.value()).bind(3, now).bind(4, granted_by_name(by));
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    std::optional<LetterRow> claim(Timestamp now, Timestamp lease_until) override {
        Query q(c_, kClaimLetter);
        q.bind(1, now).bind(2, lease_until);
        if (!q.step()) return std::nullopt;
        auto l = read(q);
        q.run();  // finish the statement
        return l;
    }
    std::vector<LetterRow> newly_waiting(Timestamp now) override {
        Query q(c_, kNewlyWaiting);
        q.bind(1, now);
        std::vector<LetterRow> out;
        while (q.step()) out.push_back(read(q));
        return out;
    }
    void rendered(std::int64_t id, const std::string& path, Timestamp now) override {
        Query q(c_, kLetterRendered);
        q.bind(1, id).bind(2, path).bind(3, now);
        q.run();
    }
    void render_failed(std::int64_t id, const std::string& error, Timestamp retry_at) override {
        Query q(c_, kLetterFailed);
        q.bind(1, id).bind(2, error).bind(3, retry_at);
        q.run();
    }
    std::vector<LetterRow> list(std::optional<LetterStatus> status, int limit) override {
        static const std::string all =
            std::string("SELECT ") + kLetterColumns + " FROM letters ORDER BY id DESC LIMIT ?1";
        static const std::string some =
            std::string("SELECT ") + kLetterColumns + " FROM letters WHERE status = ?2 ORDER BY id DESC LIMIT ?1";
        Query q(c_, status ? some.c_str() : all.c_str());
        q.bind(1, std::int64_t{limit});
        if (status) q.bind(2, status_name(*status));
        std::vector<LetterRow> out;
        while (q.step()) out.push_back(read(q));
        return out;
    }
    std::optional<LetterRow> find(std::int64_t id) override {
        static const std::string one = std::string("SELECT ") + kLetterColumns + " FROM letters WHERE id = ?1";
        Query q(c_, one.c_str());
        q.bind(1, id);
        if (!q.step()) return std::nullopt;
        return read(q);
    }
    bool mark_posted(std::int64_t id, Timestamp now) override {
        Query q(c_, kLetterPosted);
        q.bind(1, id).bind(2, now);
        q.run();
        return q.changes() > 0;
    }
    int count_unposted() override {
        Query q(c_, kCountUnpostedLetters);
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }

   private:
    static std::string_view status_name(LetterStatus s) {
        return s == LetterStatus::queued ? "queued" : s == LetterStatus::rendered ? "rendered" : "posted";
    }
    static std::string_view granted_by_name(GrantedBy by) { return by == GrantedBy::agency ? "agency" : "school"; }
    static LetterRow read(const Query& q) {
        LetterRow r;
        r.id = q.integer(0);
        r.person = PersonId{q.integer(1)};
        r.school = q.text(2);
        const auto st = q.text(3);
        r.status = st == "posted"     ? LetterStatus::posted
                   : st == "rendered" ? LetterStatus::rendered
                                      : LetterStatus::queued;
        r.path = q.text(4);
        r.last_error = q.text(5);
        r.created_at = from_unix(q.integer(6));
        if (!q.is_null(7)) r.rendered_at = from_unix(q.integer(7));
        if (!q.is_null(8)) r.posted_at = from_unix(q.integer(8));
        r.granted_by = q.text(9) == "agency" ? GrantedBy::agency : GrantedBy::school_admin;
        r.address_missing = q.integer(10) != 0;
        return r;
    }
    Connection& c_;
};

class SqliteOutbox final : public ports::Outbox {
   public:
    explicit SqliteOutbox(Connection& c) : c_(c) {}
    std::int64_t enqueue(const OutboxMail& m) override {
        Query q(c_, kEnqueue);
        q.bind(1, to_string(m.kind));
        if (m.person) q.bind(2, m.person->value());
        else q.bind_null(2);
        q.bind(3, m.recipient).bind(4, m.lang).bind(5, m.params).bind(6, m.not_before).bind(7, m.created_at);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    std::optional<OutboxMail> claim(Timestamp now, Timestamp lease_until) override {
        Query q(c_, kClaim);
        q.bind(1, now).bind(2, lease_until);
        if (!q.step()) return std::nullopt;
        auto m = read(q);
        q.run();  // finish the statement
        return m;
    }
    void mark_sent(std::int64_t id, Timestamp now, const std::string& detail) override {
        Query q(c_, kMarkSent);
        q.bind(1, id).bind(2, now).bind(3, detail);
        q.run();
    }
    void retry_at(std::int64_t id, Timestamp when, const std::string& detail) override {
        Query q(c_, kRetryAt);
        q.bind(1, id).bind(2, when).bind(3, detail);
        q.run();
    }
    void mark_failed(std::int64_t id, const std::string& detail) override {
        Query q(c_, kMarkFailed);
        q.bind(1, id).bind(2, detail);
        q.run();
    }
    std::vector<OutboxMail> list(std::optional<MailStatus> status, int limit) override {
        // Two fixed statements rather than SQL assembled at run time.
        static const std::string all =
            std::string("SELECT ") + kOutboxColumns + " FROM outbox ORDER BY id DESC LIMIT ?1";
        static const std::string some =
            std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE status = ?2 ORDER BY id DESC LIMIT ?1";
        Query q(c_, status ? some.c_str() : all.c_str());
        q.bind(1, std::int64_t{limit});
        if (status) q.bind(2, to_string(*status));
        std::vector<OutboxMail> out;
        while (q.step()) out.push_back(read(q));
        return out;
    }
    int retry_failed(std::optional<std::int64_t> id, Timestamp now) override {
        Query q(c_, id ? kRetryFailedOne : kRetryFailedAll);
        if (id) q.bind(1, *id).bind(2, now);
        else q.bind(1, now);
        q.run();
        return q.changes();
    }
    int count_since(PersonId id, MailKind kind, Timestamp since) override {
        Query q(c_, kCountSince);
        q.bind(1, id.value()).bind(2, to_string(kind)).bind(3, since);
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }
    int count_pending(PersonId id, MailKind kind) override {
        Query q(c_, kCountPending);
        q.bind(1, id.value()).bind(2, to_string(kind));
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }
    int count(MailStatus status) override {
        Query q(c_, kCountMailWithStatus);
        q.bind(1, to_string(status));
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }

   private:
    static OutboxMail read(const Query& q) {
        OutboxMail m;
        m.id = q.integer(0);
        m.kind = parse_mail_kind(q.text(1)).value_or(MailKind::password_changed);
        if (!q.is_null(2)) m.person = PersonId{q.integer(2)};
        m.recipient = q.text(3);
        m.lang = q.text(4);
        m.params = q.text(5);
        const auto st = q.text(6);
        m.status = st == "sent" ? MailStatus::sent : st == "failed" ? MailStatus::failed : MailStatus::pending;
        m.not_before = from_unix(q.integer(7));
        m.attempts = static_cast<int>(q.integer(8));
        m.last_error = q.text(9);
        m.created_at = from_unix(q.integer(10));
        if (!q.is_null(11)) m.sent_at = from_unix(q.integer(11));
        return m;
    }
    Connection& c_;
};

}  // namespace

std::unique_ptr<ports::Otps> make_otps(Connection& c) { return std::make_unique<SqliteOtps>(c); }
std::unique_ptr<ports::KioskFlows> make_kiosk_flows(Connection& c) { return std::make_unique<SqliteKioskFlows>(c); }
std::unique_ptr<ports::PasswordHistory> make_password_history(Connection& c) {
    return std::make_unique<SqlitePasswordHistory>(c);
}
std::unique_ptr<ports::Outbox> make_outbox(Connection& c) { return std::make_unique<SqliteOutbox>(c); }
std::unique_ptr<ports::Letters> make_letters(Connection& c) { return std::make_unique<SqliteLetters>(c); }

}  // namespace mina::storage::sqlite
