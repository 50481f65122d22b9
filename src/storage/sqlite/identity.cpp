// The SQLite store: accounts, schools and grants (with Access, one read for
// every page after login). The same ports, statement for statement, as
// src/storage/postgres/identity.cpp.
#include "storage/sql/identity.hpp"
#include "storage/sqlite/repositories.hpp"

namespace mina::storage::sqlite {
namespace {

using namespace sql;  // the statements both stores share (storage/sql/identity.hpp)

// ---- SQL, in named constants: never assembled from input ----

constexpr const char* kFindPersonByEmail =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons "
    "WHERE lower(email) = lower(?1)";
constexpr const char* kAddPerson =
    "INSERT INTO persons (username, first_name, last_name, email, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
// Both CASEs read the row's old values: after an expired lock the count starts again at 1.
constexpr const char* kReserveAttempt =
    "UPDATE persons SET "
    "  failed_count = CASE WHEN locked_until IS NOT NULL AND locked_until <= ?2 THEN 1 ELSE failed_count + 1 END, "
    "  locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= ?2 THEN 1 "
    "                                 ELSE failed_count + 1 END) >= ?3 THEN ?4 ELSE NULL END "
    "WHERE id = ?1 AND (locked_until IS NULL OR locked_until <= ?2) RETURNING failed_count";
constexpr const char* kReminderCandidates =
    "SELECT id, username, first_name, last_name, email, lang, default_school, password_set_at, reminded_days "
    "FROM persons WHERE password_hash <> '' AND password_set_at <= ?1 AND password_set_at > ?2 "
    "ORDER BY password_set_at LIMIT ?3";
constexpr const char* kAtSchool =
    "SELECT p.id, p.username, p.first_name, p.last_name, p.email, p.lang, p.default_school, "
    "  p.password_hash <> '', p.password_set_at, p.last_login_at, p.locked_until, group_concat(g.role, ','), "
    "  (SELECT CASE WHEN l.status = 'queued' AND NOT EXISTS (SELECT 1 FROM schools s "
    "     WHERE s.code = l.school_code AND s.postal_address <> '') THEN 'waiting' ELSE l.status END "
    "   FROM letters l WHERE l.person_id = p.id ORDER BY l.id DESC LIMIT 1), "
    "  (SELECT status FROM outbox o WHERE o.person_id = p.id AND o.kind IN ('otp-first', 'otp-reset') "
    "   ORDER BY o.id DESC LIMIT 1) "
    "FROM persons p JOIN grants g ON g.person_id = p.id AND g.school_code = ?1 "
    "GROUP BY p.id ORDER BY p.last_name, p.first_name, p.username";
// The typed text is bound, never spliced; LIKE's own wildcards in it are escaped with '\'.
constexpr const char* kSearchPersons =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons "
    "WHERE username = lower(?1) OR lower(email) LIKE '%' || lower(?2) || '%' ESCAPE '\\' "
    "OR lower(first_name || ' ' || last_name) LIKE '%' || lower(?2) || '%' ESCAPE '\\' "
    "ORDER BY last_name, first_name, username LIMIT ?3";
constexpr const char* kGrantsOf = "SELECT school_code, role FROM grants WHERE person_id = ?1";

class SqliteAccounts final : public ports::Accounts {
   public:
    explicit SqliteAccounts(Connection& c) : c_(c) {}

    std::optional<Person> find(const Username& u) override {
        Query q(c_, kFindPersonByUsername);
        q.bind(1, u.value());
        if (!q.step()) return std::nullopt;
        return read_person(q);
    }
    std::optional<Person> find(PersonId id) override {
        Query q(c_, kFindPersonById);
        q.bind(1, id.value());
        if (!q.step()) return std::nullopt;
        return read_person(q);
    }
    std::optional<Person> find_by_email(std::string_view email) override {
        Query q(c_, kFindPersonByEmail);
        q.bind(1, email);
        if (!q.step()) return std::nullopt;
        return read_person(q);
    }
    std::optional<Credential> credential(PersonId id) override {
        Query q(c_, kCredential);
        q.bind(1, id.value());
        if (!q.step()) return std::nullopt;
        Credential c{id, q.text(0), std::nullopt};
        if (!q.is_null(1)) c.password_set_at = from_unix(q.integer(1));
        return c;
    }
    bool username_taken(const Username& u) override {
        Query q(c_, kUsernameTaken);
        q.bind(1, u.value());
        return q.step();
    }
    PersonId add(const Person& p, Timestamp now) override {
        Query q(c_, kAddPerson);
        q.bind(1, p.username.value()).bind(2, p.first_name).bind(3, p.last_name).bind(4, p.email).bind(5, now);
        q.run();
        return PersonId{sqlite3_last_insert_rowid(c_.raw())};
    }
    std::optional<int> reserve_attempt(PersonId id, Timestamp now, int lock_at, Timestamp lock_until) override {
        Query q(c_, kReserveAttempt);
        q.bind(1, id.value()).bind(2, now).bind(3, std::int64_t{lock_at}).bind(4, lock_until);
        if (!q.step()) return std::nullopt;
        return static_cast<int>(q.integer(0));
    }
    void release_attempt(PersonId id) override {
        Query q(c_, kReleaseAttempt);
        q.bind(1, id.value());
        q.run();
    }
    void record_success(PersonId id, Timestamp now) override {
        Query q(c_, kRecordSuccess);
        q.bind(1, id.value()).bind(2, now);
        q.run();
    }
    void lock(PersonId id, Timestamp until) override {
        Query q(c_, kLock);
        q.bind(1, id.value()).bind(2, until);
        q.run();
    }
    bool unlock(PersonId id) override {
        Query q(c_, kUnlock);
        q.bind(1, id.value());
        q.run();
        return q.changes() > 0;
    }
    std::optional<Timestamp> locked_until(PersonId id) override {
        Query q(c_, kLockedUntil);
        q.bind(1, id.value());
        if (!q.step() || q.is_null(0)) return std::nullopt;
        return from_unix(q.integer(0));
    }
    int failed_count(PersonId id) override {
        Query q(c_, kLockedUntil);
        q.bind(1, id.value());
        return q.step() ? static_cast<int>(q.integer(1)) : 0;
    }
    void set_password(PersonId id, const std::string& hash, Timestamp now) override {
        Query q(c_, kSetPassword);
        q.bind(1, id.value()).bind(2, hash).bind(3, now);
        q.run();
    }
    void set_preferences(PersonId id, const std::string& lang, const std::string& default_school) override {
        Query q(c_, kSetPreferences);
        q.bind(1, id.value()).bind(2, lang).bind(3, default_school);
        q.run();
    }
    int count_locked(Timestamp now) override {
        Query q(c_, kCountLocked);
        q.bind(1, now);
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }
    std::vector<LockedAccount> locked(Timestamp now, int limit) override {
        Query q(c_, kLockedPersons);
        q.bind(1, now).bind(2, std::int64_t{limit});
        std::vector<LockedAccount> out;
        while (q.step()) out.push_back({read_person(q), from_unix(q.integer(7))});
        return out;
    }
    std::vector<ReminderCandidate> reminder_candidates(Timestamp set_before, Timestamp expired_before,
                                                       int limit) override {
        Query q(c_, kReminderCandidates);
        q.bind(1, set_before).bind(2, expired_before).bind(3, std::int64_t{limit});
        std::vector<ReminderCandidate> out;
        while (q.step()) out.push_back({read_person(q), from_unix(q.integer(7)), static_cast<int>(q.integer(8))});
        return out;
    }
    std::vector<Person> search(std::string_view text, int limit) override {
        std::string pattern;
        for (char c : text) {
            if (c == '%' || c == '_' || c == '\\') pattern += '\\';
            pattern += c;
        }
        Query q(c_, kSearchPersons);
        q.bind(1, text).bind(2, pattern).bind(3, std::int64_t{limit});
        std::vector<Person> out;
        while (q.step()) out.push_back(read_person(q));
        return out;
    }
    std::vector<PersonAtSchool> at_school(const SchoolCode& school) override {
        Query q(c_, kAtSchool);
        q.bind(1, school.value());
        std::vector<PersonAtSchool> out;
        auto maybe_time = [&](int col) -> std::optional<Timestamp> {
            if (q.is_null(col)) return std::nullopt;
            return from_unix(q.integer(col));
        };
        while (q.step()) {
            PersonAtSchool r;
            r.person = read_person(q);
            r.has_password = q.integer(7) != 0;
            r.password_set_at = maybe_time(8);
            r.last_login_at = maybe_time(9);
            r.locked_until = maybe_time(10);
            const std::string roles = q.text(11);
            for (std::size_t from = 0; from <= roles.size();) {
                const auto comma = roles.find(',', from);
                const auto name = roles.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
                if (auto role = parse_role(name)) r.roles.push_back(*role);
                if (comma == std::string::npos) break;
                from = comma + 1;
            }
            std::sort(r.roles.begin(), r.roles.end());
            r.letter_status = q.text(12);
            r.otp_mail = q.text(13);
            out.push_back(std::move(r));
        }
        return out;
    }
    void set_reminded(PersonId id, int days) override {
        Query q(c_, kSetReminded);
        q.bind(1, id.value()).bind(2, std::int64_t{days});
        q.run();
    }

   private:
    Connection& c_;
};

class SqliteSchools final : public ports::Schools {
   public:
    explicit SqliteSchools(Connection& c) : c_(c) {}

    std::optional<School> find(const SchoolCode& code) override {
        Query q(c_, kFindSchool);
        q.bind(1, code.value());
        if (!q.step()) return std::nullopt;
        return read_full_school(q);
    }
    bool add(const School& s, Timestamp now) override {
        Query q(c_, kAddSchool);
        q.bind(1, s.code.value()).bind(2, s.name).bind(3, to_string(s.form)).bind(4, now).bind(5, s.postal_address);
        q.bind(6, s.contact_name).bind(7, s.contact_phone);
        q.run();
        return q.changes() > 0;
    }
    bool update(const School& s) override {
        Query q(c_, kUpdateSchool);
        q.bind(1, s.code.value()).bind(2, s.name).bind(3, to_string(s.form)).bind(4, s.postal_address);
        q.bind(5, s.contact_name).bind(6, s.contact_phone);
        q.run();
        return q.changes() > 0;
    }
    std::vector<School> all() override {
        Query q(c_, kAllSchools);
        std::vector<School> out;
        while (q.step()) out.push_back(read_full_school(q));
        return out;
    }
    void set_postal_address(const SchoolCode& code, const std::string& address) override {
        Query q(c_, kSetPostalAddress);
        q.bind(1, code.value()).bind(2, address);
        q.run();
    }
    int count() override {
        Query q(c_, kCountSchools);
        return q.step() ? static_cast<int>(q.integer(0)) : 0;
    }

   private:
    Connection& c_;
};

class SqliteGrants final : public ports::Grants {
   public:
    explicit SqliteGrants(Connection& c) : c_(c) {}

    bool add(const Grant& g, Timestamp now, const std::string& granted_by) override {
        Query q(c_, kAddGrant);
        q.bind(1, g.person.value());
        if (g.school) q.bind(2, g.school->value());
        else q.bind_null(2);
        q.bind(3, to_string(g.role)).bind(4, granted_by).bind(5, now);
        q.run();
        return q.changes() > 0;
    }
    bool remove(PersonId id, const SchoolCode& school, Role role) override {
        Query q(c_, kRemoveGrant);
        q.bind(1, id.value()).bind(2, school.value()).bind(3, to_string(role));
        q.run();
        return q.changes() > 0;
    }
    std::vector<Grant> of(PersonId id) override {
        Query q(c_, kGrantsOf);
        q.bind(1, id.value());
        std::vector<Grant> out;
        while (q.step()) {
            auto role = parse_role(q.text(1));
            if (!role) continue;
            Grant g{id, std::nullopt, *role};
            if (!q.is_null(0)) g.school = SchoolCode{q.text(0)};
            out.push_back(std::move(g));
        }
        return out;
    }
    Access access(PersonId id) override { return read_access(c_, id); }

   private:
    Connection& c_;
};

}  // namespace

Access read_access(Connection& c_, PersonId id) {
    Query q(c_, kAccessOf);
    q.bind(1, id.value());
    Access out;
    while (q.step()) {
        auto role = parse_role(q.text(3));
        if (!role) continue;
        if (q.is_null(0)) {
            if (*role == Role::agency_admin) out.agency_admin = true;
            continue;
        }
        auto& schools = out.schools;
        auto it = std::find_if(schools.begin(), schools.end(),
                               [&](const SchoolAccess& a) { return a.school.code.value() == q.text(0); });
        if (it == schools.end()) it = schools.insert(schools.end(), {read_school(q, 0), {}});
        it->roles.push_back(*role);
    }
    std::sort(out.schools.begin(), out.schools.end(), [](const SchoolAccess& a, const SchoolAccess& b) {
        return std::tie(a.school.name, a.school.code.value()) < std::tie(b.school.name, b.school.code.value());
    });
    for (auto& a : out.schools) std::sort(a.roles.begin(), a.roles.end());
    return out;
}

std::unique_ptr<ports::Accounts> make_accounts(Connection& c) { return std::make_unique<SqliteAccounts>(c); }
std::unique_ptr<ports::Schools> make_schools(Connection& c) { return std::make_unique<SqliteSchools>(c); }
std::unique_ptr<ports::Grants> make_grants(Connection& c) { return std::make_unique<SqliteGrants>(c); }

}  // namespace mina::storage::sqlite
