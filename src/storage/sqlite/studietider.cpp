// The SQLite store: Studietider och utbildningar (issue [5]). The same ports,
// statement for statement, as src/storage/postgres/studietider.cpp.
#include "storage/sql/studietider.hpp"
#include "storage/sqlite/repositories.hpp"

namespace mina::storage::sqlite {
namespace {

using namespace sql;  // the statements both stores share (storage/sql/studietider.hpp)

// ---- Studietider och utbildningar (issue [5]) --------------------------------------------------

constexpr const char* kAddEducation =
    "INSERT INTO educations (school_code, code, name, level, unit, total_credits, distance, contract, created_at, "
    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) ON CONFLICT DO NOTHING";
constexpr const char* kAddPeriod =
    "INSERT INTO study_periods (education_id, label, first_day, last_day, credits, pace, breaks, updated_at, "
    "updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kAddContact =
    "INSERT INTO school_contacts (school_code, name, role, email, phone) VALUES (?1, ?2, ?3, ?4, ?5)";

// An education's name and school, and the labels of its published periods not withdrawn joined by
// U+001F (a label is one line of text): of every education not withdrawn, or of those in ?1.
constexpr const char* kSearchEntriesAll =
    "SELECT e.id, s.code, s.name, e.code, e.name, e.withdrawn_at IS NOT NULL, "
    "(SELECT group_concat(v.label, char(31)) FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id "
    "AND v.version = p.published_version WHERE p.education_id = e.id AND p.withdrawn_at IS NULL "
    "AND p.published_version > 0) FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.withdrawn_at IS NULL";
constexpr const char* kSearchEntriesOf =
    "SELECT e.id, s.code, s.name, e.code, e.name, e.withdrawn_at IS NOT NULL, "
    "(SELECT group_concat(v.label, char(31)) FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id "
    "AND v.version = p.published_version WHERE p.education_id = e.id AND p.withdrawn_at IS NULL "
    "AND p.published_version > 0) FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.id IN (SELECT value FROM json_each(?1))";
constexpr const char* kPublicEducations =
    "SELECT e.id, e.school_code, e.code, e.name, e.level, e.unit, e.total_credits, e.distance, e.contract, "
    "e.withdrawn_at, e.created_at, e.updated_at, s.name FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.id IN (SELECT value FROM json_each(?1))";
/// The newest published version of every period not withdrawn of the educations in ?1 (a JSON array
/// of ids), by education and first day; the education's id last.
constexpr const char* kPublicPeriods =
    "SELECT v.period_id, v.version, v.label, v.first_day, v.last_day, v.credits, v.pace, v.breaks, v.weeks, "
    "v.derived_pace, v.paid_weeks, v.published_at, v.published_by, p.education_id "
    "FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id AND v.version = p.published_version "
    "WHERE p.education_id IN (SELECT value FROM json_each(?1)) AND p.withdrawn_at IS NULL AND p.published_version > 0 "
    "ORDER BY p.education_id, v.first_day, v.period_id";

/// An education from the 12 columns of kEducation, starting at `col`.
Education read_education(const Query& q, int col = 0) {
    Education e;
    e.id = q.integer(col);
    e.school = SchoolCode{q.text(col + 1)};
    e.code = q.text(col + 2);
    e.name = q.text(col + 3);
    e.level = studietider::parse_level(q.text(col + 4)).value_or(studietider::Level::eftergymnasial);
    e.unit = studietider::parse_credit_unit(q.text(col + 5)).value_or(studietider::CreditUnit::none);
    if (!q.is_null(col + 6)) e.total_credits = studietider::Credits{q.integer(col + 6)};
    e.distance = q.integer(col + 7) != 0;
    e.contract = q.integer(col + 8) != 0;
    if (!q.is_null(col + 9)) e.withdrawn_at = from_unix(q.integer(col + 9));
    e.created_at = from_unix(q.integer(col + 10));
    e.updated_at = from_unix(q.integer(col + 11));
    return e;
}

/// label, first_day, last_day, credits, pace, breaks from `col` on.
studietider::PeriodInput read_period_input(const Query& q, int col) {
    studietider::PeriodInput in;
    in.label = q.text(col);
    in.first = parse_date(q.text(col + 1)).value_or(Date{});
    in.last = parse_date(q.text(col + 2)).value_or(Date{});
    if (!q.is_null(col + 3)) in.credits = studietider::Credits{q.integer(col + 3)};
    if (!q.is_null(col + 4)) in.pace = static_cast<studietider::Pace>(q.integer(col + 4));  // stored as its percent
    in.breaks = studietider::parse_breaks(q.text(col + 5)).value_or(std::vector<DateRange>{});
    return in;
}

PublishedPeriod read_version(const Query& q, int col = 0) {
    PublishedPeriod v;
    v.period = q.integer(col);
    v.version = static_cast<int>(q.integer(col + 1));
    v.input = read_period_input(q, col + 2);
    v.weeks = static_cast<int>(q.integer(col + 8));
    v.pace = static_cast<studietider::Pace>(q.integer(col + 9));
    v.paid_weeks = static_cast<int>(q.integer(col + 10));
    v.published_at = from_unix(q.integer(col + 11));
    v.published_by = q.text(col + 12);
    return v;
}

/// Binds label, first_day, last_day, credits, pace, breaks at `first`…`first + 5`.
void bind_period_input(Query& q, int first, const studietider::PeriodInput& in) {
    q.bind(first, in.label).bind(first + 1, to_string(in.first)).bind(first + 2, to_string(in.last));
    if (in.credits) q.bind(first + 3, in.credits->hundredths);
    else q.bind_null(first + 3);
    if (in.pace) q.bind(first + 4, std::int64_t{studietider::percent(*in.pace)});
    else q.bind_null(first + 4);
    q.bind(first + 5, studietider::format_breaks(in.breaks));
}

/// Ids as a JSON array for json_each: "[1,2,3]".
std::string json_ids(const std::vector<std::int64_t>& ids) {
    std::string out = "[";
    for (const auto id : ids) {
        if (out.size() > 1) out += ',';
        out += std::to_string(id);
    }
    return out + "]";
}

class SqliteStudietider final : public ports::Studietider {
   public:
    explicit SqliteStudietider(Connection& c) : c_(c) {}

    std::vector<Education> educations(const SchoolCode& school) override {
        Query q(c_, kEducations);
        q.bind(1, school.value());
        std::vector<Education> out;
        while (q.step()) out.push_back(read_education(q));
        return out;
    }
    std::optional<Education> education(const SchoolCode& school, const std::string& code) override {
        Query q(c_, kEducation);
        q.bind(1, school.value()).bind(2, code);
        if (!q.step()) return std::nullopt;
        return read_education(q);
    }
    std::optional<std::int64_t> add_education(const Education& e) override {
        Query q(c_, kAddEducation);
        q.bind(1, e.school.value()).bind(2, e.code).bind(3, e.name).bind(4, studietider::to_string(e.level));
        q.bind(5, studietider::to_string(e.unit));
        if (e.total_credits) q.bind(6, e.total_credits->hundredths);
        else q.bind_null(6);
        q.bind(7, std::int64_t{e.distance}).bind(8, std::int64_t{e.contract}).bind(9, e.created_at);
        q.run();
        if (q.changes() == 0) return std::nullopt;
        return sqlite3_last_insert_rowid(c_.raw());
    }
    bool update_education(const Education& e) override {
        Query q(c_, kUpdateEducation);
        q.bind(1, e.id)
            .bind(2, e.name)
            .bind(3, studietider::to_string(e.level))
            .bind(4, studietider::to_string(e.unit));
        if (e.total_credits) q.bind(5, e.total_credits->hundredths);
        else q.bind_null(5);
        q.bind(6, std::int64_t{e.distance}).bind(7, std::int64_t{e.contract}).bind(8, e.updated_at);
        q.run();
        return q.changes() > 0;
    }
    bool withdraw_education(std::int64_t id, Timestamp at) override {
        Query q(c_, kWithdrawEducation);
        q.bind(1, id).bind(2, at);
        q.run();
        return q.changes() > 0;
    }
    std::vector<StudyPeriod> periods(std::int64_t education) override {
        Query q(c_, kPeriods);
        q.bind(1, education);
        std::vector<StudyPeriod> out;
        while (q.step()) out.push_back(read_study_period(q));
        return out;
    }
    std::optional<StudyPeriod> period(std::int64_t id) override {
        Query q(c_, kPeriod);
        q.bind(1, id);
        if (!q.step()) return std::nullopt;
        return read_study_period(q);
    }
    std::int64_t add_period(const StudyPeriod& p) override {
        Query q(c_, kAddPeriod);
        q.bind(1, p.education);
        bind_period_input(q, 2, p.input);
        q.bind(8, p.updated_at).bind(9, p.updated_by);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    bool update_period(const StudyPeriod& p) override {
        Query q(c_, kUpdatePeriod);
        q.bind(1, p.id);
        bind_period_input(q, 2, p.input);
        q.bind(8, p.updated_at).bind(9, p.updated_by);
        q.run();
        return q.changes() > 0;
    }
    void publish_period(const PublishedPeriod& v) override {
        {
            Query q(c_, kAddVersion);
            q.bind(1, v.period).bind(2, std::int64_t{v.version});
            bind_period_input(q, 3, v.input);
            q.bind(9, std::int64_t{v.weeks}).bind(10, std::int64_t{studietider::percent(v.pace)});
            q.bind(11, std::int64_t{v.paid_weeks}).bind(12, v.published_at).bind(13, v.published_by);
            q.run();
        }
        Query q(c_, kMarkPublished);
        q.bind(1, v.period).bind(2, std::int64_t{v.version});
        q.run();
    }
    bool withdraw_period(std::int64_t id, Timestamp at) override {
        Query q(c_, kWithdrawPeriod);
        q.bind(1, id).bind(2, at);
        q.run();
        return q.changes() > 0;
    }
    std::vector<PublishedPeriod> versions(std::int64_t period) override {
        Query q(c_, kVersions);
        q.bind(1, period);
        std::vector<PublishedPeriod> out;
        while (q.step()) {
            out.push_back(read_version(q));
            out.back().published_by_name = q.text(13);
        }
        return out;
    }
    std::vector<SchoolContact> contacts(const SchoolCode& school) override {
        Query q(c_, kContacts);
        q.bind(1, school.value());
        std::vector<SchoolContact> out;
        while (q.step())
            out.push_back({q.integer(0), SchoolCode{q.text(1)}, q.text(2), q.text(3), q.text(4), q.text(5)});
        return out;
    }
    std::int64_t add_contact(const SchoolContact& c) override {
        Query q(c_, kAddContact);
        q.bind(1, c.school.value()).bind(2, c.name).bind(3, c.role).bind(4, c.email).bind(5, c.phone);
        q.run();
        return sqlite3_last_insert_rowid(c_.raw());
    }
    bool remove_contact(const SchoolCode& school, std::int64_t id) override {
        Query q(c_, kRemoveContact);
        q.bind(1, school.value()).bind(2, id);
        q.run();
        return q.changes() > 0;
    }
    std::vector<StudyPeriod> school_periods(const SchoolCode& school) override {
        Query q(c_, kSchoolPeriods);
        q.bind(1, school.value());
        std::vector<StudyPeriod> out;
        while (q.step()) out.push_back(read_study_period(q));
        return out;
    }
    SearchChanges search_changes(std::int64_t after, int limit) override {
        SearchChanges out;
        {
            Query q(c_, kSearchChangeBounds);
            if (q.step()) {
                out.latest = q.integer(0);
                out.oldest = q.integer(1);
            }
        }
        if (out.latest <= after) return out;
        Query q(c_, kSearchChanged);
        q.bind(1, after).bind(2, std::int64_t{limit});
        while (q.step()) out.educations.push_back(q.integer(0));
        return out;
    }
    std::vector<studietider::SearchEntry> search_entries(const std::vector<std::int64_t>& ids) override {
        std::vector<studietider::SearchEntry> out;
        Query q(c_, ids.empty() ? kSearchEntriesAll : kSearchEntriesOf);
        if (!ids.empty()) q.bind(1, json_ids(ids));
        while (q.step()) {
            studietider::SearchEntry e{q.integer(0), q.text(1), q.text(2), q.text(3), q.text(4), q.integer(5) != 0, {}};
            if (!q.is_null(6)) e.terms = studietider::split_labels(q.text(6));
            out.push_back(std::move(e));
        }
        return out;
    }
    std::vector<PublicEducation> public_educations(const std::vector<std::int64_t>& ids) override {
        if (ids.empty()) return {};
        const std::string list = json_ids(ids);
        std::unordered_map<std::int64_t, PublicEducation> found;
        {
            Query q(c_, kPublicEducations);
            q.bind(1, list);
            while (q.step()) {
                auto e = read_education(q);
                const auto id = e.id;
                found.emplace(id, PublicEducation{std::move(e), q.text(12), {}});
            }
        }
        Query q(c_, kPublicPeriods);
        q.bind(1, list);
        while (q.step())
            if (auto it = found.find(q.integer(13)); it != found.end()) it->second.periods.push_back(read_version(q));
        std::vector<PublicEducation> out;
        for (const auto id : ids)
            if (auto it = found.find(id); it != found.end()) out.push_back(std::move(it->second));
        return out;
    }

   private:
    static StudyPeriod read_study_period(const Query& q) {
        StudyPeriod p;
        p.id = q.integer(0);
        p.education = q.integer(1);
        p.input = read_period_input(q, 2);
        p.published_version = static_cast<int>(q.integer(8));
        p.changed = q.integer(9) != 0;
        if (!q.is_null(10)) p.withdrawn_at = from_unix(q.integer(10));
        p.updated_at = from_unix(q.integer(11));
        p.updated_by = q.text(12);
        return p;
    }
    Connection& c_;
};

}  // namespace

std::unique_ptr<ports::Studietider> make_studietider(Connection& c) { return std::make_unique<SqliteStudietider>(c); }

}  // namespace mina::storage::sqlite
