// The PostgreSQL store: accounts, schools and grants (with Access, one read for
// every page after login). The same ports, statement for statement, as
// src/storage/sqlite/identity.cpp.
#include "storage/sql/identity.hpp"
#include "storage/postgres/repositories.hpp"
#include "storage/sql/dollars.hpp"

namespace mina::storage::postgres {
namespace {

using sql::Dollars;

// ---- SQL, in named constants: never assembled from input ----

// A parameter takes the database's collation, whose lower() may fold more than ASCII; the columns'
// "C" folds ASCII only, as SQLite's lower() does. So parameters that are lower()ed say "C" too.
constexpr const char* kFindPersonByEmail =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons "
    "WHERE lower(email) = lower($1 COLLATE \"C\")";
constexpr Dollars kFindSchool{sql::kFindSchool};
constexpr Dollars kFindPersonByUsername{sql::kFindPersonByUsername};
constexpr Dollars kFindPersonById{sql::kFindPersonById};
constexpr Dollars kCredential{sql::kCredential};
constexpr Dollars kUsernameTaken{sql::kUsernameTaken};
constexpr const char* kAddPerson =
    "INSERT INTO persons (username, first_name, last_name, email, created_at) VALUES ($1, $2, $3, $4, $5) "
    "RETURNING id";
// Both CASEs read the row's old values: after an expired lock the count starts again at 1.
constexpr const char* kReserveAttempt =
    "UPDATE persons SET "
    "  failed_count = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_count + 1 END, "
    "  locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 "
    "                                 ELSE failed_count + 1 END) >= $3 THEN $4::bigint ELSE NULL END "
    "WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) RETURNING failed_count";
constexpr Dollars kRecordSuccess{sql::kRecordSuccess};
constexpr Dollars kReleaseAttempt{sql::kReleaseAttempt};
constexpr Dollars kLock{sql::kLock};
constexpr Dollars kUnlock{sql::kUnlock};
constexpr Dollars kLockedUntil{sql::kLockedUntil};
constexpr Dollars kSetPassword{sql::kSetPassword};
// SQLite reads these through the index on password_set_at, so ties come in id order: said here.
constexpr const char* kReminderCandidates =
    "SELECT id, username, first_name, last_name, email, lang, default_school, password_set_at, reminded_days "
    "FROM persons WHERE password_hash <> '' AND password_set_at <= $1 AND password_set_at > $2 "
    "ORDER BY password_set_at, id LIMIT $3";
constexpr Dollars kSetReminded{sql::kSetReminded};
constexpr Dollars kSetPreferences{sql::kSetPreferences};
constexpr Dollars kAllSchools{sql::kAllSchools};
constexpr Dollars kAddSchool{sql::kAddSchool};
constexpr Dollars kCountSchools{sql::kCountSchools};
constexpr Dollars kCountLocked{sql::kCountLocked};
constexpr Dollars kLockedPersons{sql::kLockedPersons};
constexpr Dollars kUpdateSchool{sql::kUpdateSchool};
constexpr Dollars kSetPostalAddress{sql::kSetPostalAddress};
constexpr Dollars kRemoveGrant{sql::kRemoveGrant};
constexpr const char* kAtSchool =
    "SELECT p.id, p.username, p.first_name, p.last_name, p.email, p.lang, p.default_school, "
    "  p.password_hash <> '', p.password_set_at, p.last_login_at, p.locked_until, string_agg(g.role, ','), "
    "  (SELECT CASE WHEN l.status = 'queued' AND NOT EXISTS (SELECT 1 FROM schools s "
    "     WHERE s.code = l.school_code AND s.postal_address <> '') THEN 'waiting' ELSE l.status END "
    "   FROM letters l WHERE l.person_id = p.id ORDER BY l.id DESC LIMIT 1), "
    "  (SELECT status FROM outbox o WHERE o.person_id = p.id AND o.kind IN ('otp-first', 'otp-reset') "
    "   ORDER BY o.id DESC LIMIT 1) "
    "FROM persons p JOIN grants g ON g.person_id = p.id AND g.school_code = $1 "
    "GROUP BY p.id ORDER BY p.last_name, p.first_name, p.username";
// The typed text is bound, never spliced; LIKE's own wildcards in it are escaped with '\'. Its
// lower() folds ASCII only, as for kFindPersonByEmail.
constexpr const char* kSearchPersons =
    "SELECT id, username, first_name, last_name, email, lang, default_school FROM persons "
    "WHERE username = lower($1 COLLATE \"C\") "
    "OR lower(email) LIKE '%' || lower($2 COLLATE \"C\") || '%' ESCAPE '\\' "
    "OR lower(first_name || ' ' || last_name) LIKE '%' || lower($2 COLLATE \"C\") || '%' ESCAPE '\\' "
    "ORDER BY last_name, first_name, username LIMIT $3";
constexpr Dollars kAddGrant{sql::kAddGrant};
// SQLite reads a person's grants through the unique index: that order, said here.
constexpr const char* kGrantsOf =
    "SELECT school_code, role FROM grants WHERE person_id = $1 ORDER BY coalesce(school_code, ''), role";
constexpr Dollars kAccessOf{sql::kAccessOf};

std::vector<Role> parse_roles(const std::string& roles) {
    std::vector<Role> out;
    for (std::size_t from = 0; from <= roles.size();) {
        const auto comma = roles.find(',', from);
        const auto name = roles.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
        if (auto role = parse_role(name)) out.push_back(*role);
        if (comma == std::string::npos) break;
        from = comma + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
}

class PgAccounts final : public ports::Accounts {
   public:
    explicit PgAccounts(Transaction& c) : c_(c) {}
    std::optional<Person> find(const Username& u) override {
        return read_first<Person>(exec(c_, kFindPersonByUsername, u), person);
    }
    std::optional<Person> find(PersonId id) override {
        return read_first<Person>(exec(c_, kFindPersonById, id), person);
    }
    std::optional<Person> find_by_email(std::string_view email) override {
        return read_first<Person>(exec(c_, kFindPersonByEmail, email), person);
    }
    std::optional<Credential> credential(PersonId id) override {
        return read_first<Credential>(exec(c_, kCredential, id), [&](const Row& r) {
            return Credential{id, r.text(0), r.maybe_time(1)};
        });
    }
    bool username_taken(const Username& u) override { return !exec(c_, kUsernameTaken, u).empty(); }
    PersonId add(const Person& p, Timestamp now) override {
        return PersonId{exec(c_, kAddPerson, p.username, p.first_name, p.last_name, p.email, now).row(0).integer(0)};
    }
    std::optional<int> reserve_attempt(PersonId id, Timestamp now, int lock_at, Timestamp lock_until) override {
        return read_first<int>(exec(c_, kReserveAttempt, id, now, lock_at, lock_until),
                               [](const Row& r) { return static_cast<int>(r.integer(0)); });
    }
    void release_attempt(PersonId id) override { exec(c_, kReleaseAttempt, id); }
    void record_success(PersonId id, Timestamp now) override { exec(c_, kRecordSuccess, id, now); }
    void lock(PersonId id, Timestamp until) override { exec(c_, kLock, id, until); }
    bool unlock(PersonId id) override { return exec(c_, kUnlock, id).affected() > 0; }
    std::optional<Timestamp> locked_until(PersonId id) override {
        auto result = exec(c_, kLockedUntil, id);
        if (result.empty()) return std::nullopt;
        return result.row(0).maybe_time(0);
    }
    int failed_count(PersonId id) override {
        auto result = exec(c_, kLockedUntil, id);
        return result.empty() ? 0 : static_cast<int>(result.row(0).integer(1));
    }
    void set_password(PersonId id, const std::string& hash, Timestamp now) override {
        exec(c_, kSetPassword, id, hash, now);
    }
    std::vector<ReminderCandidate> reminder_candidates(Timestamp set_before, Timestamp expired_before,
                                                       int limit) override {
        return read_all<ReminderCandidate>(
            exec(c_, kReminderCandidates, set_before, expired_before, limit), [](const Row& r) {
                return ReminderCandidate{read_person(r), r.time(7), static_cast<int>(r.integer(8))};
            });
    }
    void set_reminded(PersonId id, int days) override { exec(c_, kSetReminded, id, days); }
    std::vector<Person> search(std::string_view text, int limit) override {
        std::string pattern;
        for (char c : text) {
            if (c == '%' || c == '_' || c == '\\') pattern += '\\';
            pattern += c;
        }
        return read_all<Person>(exec(c_, kSearchPersons, text, pattern, limit), person);
    }
    std::vector<PersonAtSchool> at_school(const SchoolCode& school) override {
        return read_all<PersonAtSchool>(exec(c_, kAtSchool, school), [](const Row& r) {
            PersonAtSchool p;
            p.person = read_person(r);
            p.has_password = r.boolean(7);
            p.password_set_at = r.maybe_time(8);
            p.last_login_at = r.maybe_time(9);
            p.locked_until = r.maybe_time(10);
            p.roles = parse_roles(r.text(11));
            p.letter_status = r.text(12);
            p.otp_mail = r.text(13);
            return p;
        });
    }
    void set_preferences(PersonId id, const std::string& lang, const std::string& default_school) override {
        exec(c_, kSetPreferences, id, lang, default_school);
    }
    int count_locked(Timestamp now) override { return first_int(exec(c_, kCountLocked, now)); }
    std::vector<LockedAccount> locked(Timestamp now, int limit) override {
        return read_all<LockedAccount>(exec(c_, kLockedPersons, now, limit), [](const Row& r) {
            return LockedAccount{read_person(r), r.time(7)};
        });
    }

   private:
    static Person person(const Row& r) { return read_person(r); }
    Transaction& c_;
};

class PgSchools final : public ports::Schools {
   public:
    explicit PgSchools(Transaction& c) : c_(c) {}
    std::optional<School> find(const SchoolCode& code) override {
        return read_first<School>(exec(c_, kFindSchool, code), read_full_school);
    }
    bool add(const School& s, Timestamp now) override {
        return exec(c_, kAddSchool, s.code, s.name, to_string(s.form), now, s.postal_address, s.contact_name,
                    s.contact_phone)
                   .affected() > 0;
    }
    std::vector<School> all() override { return read_all<School>(exec(c_, kAllSchools), read_full_school); }
    void set_postal_address(const SchoolCode& code, const std::string& address) override {
        exec(c_, kSetPostalAddress, code, address);
    }
    int count() override { return first_int(exec(c_, kCountSchools)); }
    bool update(const School& s) override {
        return exec(c_, kUpdateSchool, s.code, s.name, to_string(s.form), s.postal_address, s.contact_name,
                    s.contact_phone)
                   .affected() > 0;
    }

   private:
    Transaction& c_;
};

class PgGrants final : public ports::Grants {
   public:
    explicit PgGrants(Transaction& c) : c_(c) {}
    bool add(const Grant& g, Timestamp now, const std::string& granted_by) override {
        return exec(c_, kAddGrant, g.person, g.school, to_string(g.role), granted_by, now).affected() > 0;
    }
    std::vector<Grant> of(PersonId id) override {
        std::vector<Grant> out;
        for (const Row r : exec(c_, kGrantsOf, id)) {
            auto role = parse_role(r.text(1));
            if (!role) continue;
            Grant g{id, std::nullopt, *role};
            if (!r.is_null(0)) g.school = SchoolCode{r.text(0)};
            out.push_back(std::move(g));
        }
        return out;
    }
    bool remove(PersonId id, const SchoolCode& school, Role role) override {
        return exec(c_, kRemoveGrant, id, school, to_string(role)).affected() > 0;
    }
    Access access(PersonId id) override {
        Access out;
        for (const Row r : exec(c_, kAccessOf, id)) add_grant(out, r, 0);
        order(out);
        return out;
    }

   private:
    Transaction& c_;
};

}  // namespace

std::unique_ptr<ports::Accounts> make_accounts(Transaction& tx) { return std::make_unique<PgAccounts>(tx); }
std::unique_ptr<ports::Schools> make_schools(Transaction& tx) { return std::make_unique<PgSchools>(tx); }
std::unique_ptr<ports::Grants> make_grants(Transaction& tx) { return std::make_unique<PgGrants>(tx); }

}  // namespace mina::storage::postgres
