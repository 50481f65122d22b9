// The PostgreSQL store: Studietider och utbildningar (issue [5]). The same ports,
// statement for statement, as src/storage/sqlite/studietider.cpp.
#include "storage/sql/studietider.hpp"
#include "storage/postgres/repositories.hpp"
#include "storage/sql/dollars.hpp"

namespace mina::storage::postgres {
namespace {

using sql::Dollars;

// ---- Studietider och utbildningar (issue [5]) --------------------------------------------------

constexpr Dollars kEducations{sql::kEducations};
constexpr Dollars kEducation{sql::kEducation};
constexpr const char* kAddEducation =
    "INSERT INTO educations (school_code, code, name, level, unit, total_credits, distance, contract, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT DO NOTHING RETURNING id";
constexpr Dollars kUpdateEducation{sql::kUpdateEducation};
constexpr Dollars kWithdrawEducation{sql::kWithdrawEducation};
constexpr Dollars kPeriods{sql::kPeriods};
constexpr Dollars kPeriod{sql::kPeriod};
constexpr const char* kAddPeriod =
    "INSERT INTO study_periods (education_id, label, first_day, last_day, credits, pace, breaks, updated_at, "
    "updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
constexpr Dollars kUpdatePeriod{sql::kUpdatePeriod};
constexpr Dollars kAddVersion{sql::kAddVersion};
constexpr Dollars kMarkPublished{sql::kMarkPublished};
constexpr Dollars kWithdrawPeriod{sql::kWithdrawPeriod};
constexpr Dollars kVersions{sql::kVersions};
constexpr Dollars kContacts{sql::kContacts};
constexpr const char* kAddContact =
    "INSERT INTO school_contacts (school_code, name, role, email, phone) VALUES ($1, $2, $3, $4, $5) RETURNING id";
constexpr Dollars kRemoveContact{sql::kRemoveContact};
constexpr Dollars kSchoolPeriods{sql::kSchoolPeriods};

// Ansök om studiemedel (migration 0006), as src/storage/sqlite/studietider.cpp reads it; ids travel
// joined by ','.
constexpr Dollars kSearchChangeBounds{sql::kSearchChangeBounds};
constexpr Dollars kSearchChanged{sql::kSearchChanged};
// An education's name and school, and the labels of its published periods not withdrawn joined by
// U+001F: of every education not withdrawn, or of those in $1.
constexpr const char* kSearchEntriesAll =
    "SELECT e.id, s.code, s.name, e.code, e.name, e.withdrawn_at IS NOT NULL, "
    "(SELECT string_agg(v.label, chr(31)) FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id "
    "AND v.version = p.published_version WHERE p.education_id = e.id AND p.withdrawn_at IS NULL "
    "AND p.published_version > 0) FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.withdrawn_at IS NULL";
constexpr const char* kSearchEntriesOf =
    "SELECT e.id, s.code, s.name, e.code, e.name, e.withdrawn_at IS NOT NULL, "
    "(SELECT string_agg(v.label, chr(31)) FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id "
    "AND v.version = p.published_version WHERE p.education_id = e.id AND p.withdrawn_at IS NULL "
    "AND p.published_version > 0) FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.id = ANY (string_to_array($1, ',')::bigint[])";
constexpr const char* kPublicEducations =
    "SELECT e.id, e.school_code, e.code, e.name, e.level, e.unit, e.total_credits, e.distance, e.contract, "
    "e.withdrawn_at, e.created_at, e.updated_at, s.name FROM educations e JOIN schools s ON s.code = e.school_code "
    "WHERE e.id = ANY (string_to_array($1, ',')::bigint[])";
/// The newest published version of every period not withdrawn of the educations in $1 (ids joined
/// by ','), by education and first day; the education's id last.
constexpr const char* kPublicPeriods =
    "SELECT v.period_id, v.version, v.label, v.first_day, v.last_day, v.credits, v.pace, v.breaks, v.weeks, "
    "v.derived_pace, v.paid_weeks, v.published_at, v.published_by, p.education_id "
    "FROM study_periods p JOIN study_period_versions v ON v.period_id = p.id AND v.version = p.published_version "
    "WHERE p.education_id = ANY (string_to_array($1, ',')::bigint[]) AND p.withdrawn_at IS NULL "
    "AND p.published_version > 0 ORDER BY p.education_id, v.first_day, v.period_id";

Education read_education(const Row& r, int col = 0) {
    Education e;
    e.id = r.integer(col);
    e.school = SchoolCode{r.text(col + 1)};
    e.code = r.text(col + 2);
    e.name = r.text(col + 3);
    e.level = studietider::parse_level(r.text(col + 4)).value_or(studietider::Level::eftergymnasial);
    e.unit = studietider::parse_credit_unit(r.text(col + 5)).value_or(studietider::CreditUnit::none);
    if (!r.is_null(col + 6)) e.total_credits = studietider::Credits{r.integer(col + 6)};
    e.distance = r.integer(col + 7) != 0;
    e.contract = r.integer(col + 8) != 0;
    e.withdrawn_at = r.maybe_time(col + 9);
    e.created_at = r.time(col + 10);
    e.updated_at = r.time(col + 11);
    return e;
}

/// label, first_day, last_day, credits, pace, breaks from `col` on.
studietider::PeriodInput read_period_input(const Row& r, int col) {
    studietider::PeriodInput in;
    in.label = r.text(col);
    in.first = parse_date(r.text(col + 1)).value_or(Date{});
    in.last = parse_date(r.text(col + 2)).value_or(Date{});
    if (!r.is_null(col + 3)) in.credits = studietider::Credits{r.integer(col + 3)};
    if (!r.is_null(col + 4)) in.pace = static_cast<studietider::Pace>(r.integer(col + 4));  // stored as its percent
    in.breaks = studietider::parse_breaks(r.text(col + 5)).value_or(std::vector<DateRange>{});
    return in;
}

PublishedPeriod read_version(const Row& r, int col = 0) {
    PublishedPeriod v;
    v.period = r.integer(col);
    v.version = static_cast<int>(r.integer(col + 1));
    v.input = read_period_input(r, col + 2);
    v.weeks = static_cast<int>(r.integer(col + 8));
    v.pace = static_cast<studietider::Pace>(r.integer(col + 9));
    v.paid_weeks = static_cast<int>(r.integer(col + 10));
    v.published_at = r.time(col + 11);
    v.published_by = r.text(col + 12);
    return v;
}

StudyPeriod read_study_period(const Row& r) {
    StudyPeriod p;
    p.id = r.integer(0);
    p.education = r.integer(1);
    p.input = read_period_input(r, 2);
    p.published_version = static_cast<int>(r.integer(8));
    p.changed = r.integer(9) != 0;
    p.withdrawn_at = r.maybe_time(10);
    p.updated_at = r.time(11);
    p.updated_by = r.text(12);
    return p;
}

std::string joined_ids(const std::vector<std::int64_t>& ids) {
    std::string out;
    for (const auto id : ids) {
        if (!out.empty()) out += ',';
        out += std::to_string(id);
    }
    return out;
}

class PgStudietider final : public ports::Studietider {
   public:
    explicit PgStudietider(Transaction& c) : c_(c) {}

    std::vector<Education> educations(const SchoolCode& school) override {
        return read_all<Education>(exec(c_, kEducations, school), [](const Row& r) { return read_education(r); });
    }
    std::optional<Education> education(const SchoolCode& school, const std::string& code) override {
        return read_first<Education>(exec(c_, kEducation, school, code),
                                     [](const Row& r) { return read_education(r); });
    }
    std::optional<std::int64_t> add_education(const Education& e) override {
        auto r = exec(c_, kAddEducation, e.school, e.code, e.name, studietider::to_string(e.level),
                      studietider::to_string(e.unit), credits_param(e.total_credits), std::int64_t{e.distance},
                      std::int64_t{e.contract}, e.created_at);
        if (r.empty()) return std::nullopt;
        return r.row(0).integer(0);
    }
    bool update_education(const Education& e) override {
        return exec(c_, kUpdateEducation, e.id, e.name, studietider::to_string(e.level), studietider::to_string(e.unit),
                    credits_param(e.total_credits), std::int64_t{e.distance}, std::int64_t{e.contract}, e.updated_at)
                   .affected() > 0;
    }
    bool withdraw_education(std::int64_t id, Timestamp at) override {
        return exec(c_, kWithdrawEducation, id, at).affected() > 0;
    }
    std::vector<StudyPeriod> periods(std::int64_t education) override {
        return read_all<StudyPeriod>(exec(c_, kPeriods, education), read_study_period);
    }
    std::optional<StudyPeriod> period(std::int64_t id) override {
        return read_first<StudyPeriod>(exec(c_, kPeriod, id), read_study_period);
    }
    std::int64_t add_period(const StudyPeriod& p) override {
        const auto& in = p.input;
        return exec(c_, kAddPeriod, p.education, in.label, to_string(in.first), to_string(in.last),
                    credits_param(in.credits), pace_param(in.pace), studietider::format_breaks(in.breaks), p.updated_at,
                    p.updated_by)
            .row(0)
            .integer(0);
    }
    bool update_period(const StudyPeriod& p) override {
        const auto& in = p.input;
        return exec(c_, kUpdatePeriod, p.id, in.label, to_string(in.first), to_string(in.last),
                    credits_param(in.credits), pace_param(in.pace), studietider::format_breaks(in.breaks), p.updated_at,
                    p.updated_by)
                   .affected() > 0;
    }
    void publish_period(const PublishedPeriod& v) override {
        const auto& in = v.input;
        exec(c_, kAddVersion, v.period, std::int64_t{v.version}, in.label, to_string(in.first), to_string(in.last),
             credits_param(in.credits), pace_param(in.pace), studietider::format_breaks(in.breaks),
             std::int64_t{v.weeks}, std::int64_t{studietider::percent(v.pace)}, std::int64_t{v.paid_weeks},
             v.published_at, v.published_by);
        exec(c_, kMarkPublished, v.period, std::int64_t{v.version});
    }
    bool withdraw_period(std::int64_t id, Timestamp at) override {
        return exec(c_, kWithdrawPeriod, id, at).affected() > 0;
    }
    std::vector<PublishedPeriod> versions(std::int64_t period) override {
        return read_all<PublishedPeriod>(exec(c_, kVersions, period), [](const Row& r) {
            auto v = read_version(r);
            v.published_by_name = r.text(13);
            return v;
        });
    }
    std::vector<SchoolContact> contacts(const SchoolCode& school) override {
        return read_all<SchoolContact>(exec(c_, kContacts, school), [](const Row& r) {
            return SchoolContact{r.integer(0), SchoolCode{r.text(1)}, r.text(2), r.text(3), r.text(4), r.text(5)};
        });
    }
    std::int64_t add_contact(const SchoolContact& c) override {
        return exec(c_, kAddContact, c.school, c.name, c.role, c.email, c.phone).row(0).integer(0);
    }
    bool remove_contact(const SchoolCode& school, std::int64_t id) override {
        return exec(c_, kRemoveContact, school, id).affected() > 0;
    }
    std::vector<StudyPeriod> school_periods(const SchoolCode& school) override {
        return read_all<StudyPeriod>(exec(c_, kSchoolPeriods, school), read_study_period);
    }
    SearchChanges search_changes(std::int64_t after, int limit) override {
        SearchChanges out;
        const auto bounds = exec(c_, kSearchChangeBounds);
        out.latest = bounds.row(0).integer(0);
        out.oldest = bounds.row(0).integer(1);
        if (out.latest <= after) return out;
        for (const Row& r : exec(c_, kSearchChanged, after, limit)) out.educations.push_back(r.integer(0));
        return out;
    }
    std::vector<studietider::SearchEntry> search_entries(const std::vector<std::int64_t>& ids) override {
        std::vector<studietider::SearchEntry> out;
        const auto rows = ids.empty() ? exec(c_, kSearchEntriesAll) : exec(c_, kSearchEntriesOf, joined_ids(ids));
        for (const Row& r : rows) {
            studietider::SearchEntry e{r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4), r.boolean(5), {}};
            if (!r.is_null(6)) e.terms = studietider::split_labels(r.text(6));
            out.push_back(std::move(e));
        }
        return out;
    }
    std::vector<PublicEducation> public_educations(const std::vector<std::int64_t>& ids) override {
        if (ids.empty()) return {};
        const std::string list = joined_ids(ids);
        std::unordered_map<std::int64_t, PublicEducation> found;
        for (const Row& r : exec(c_, kPublicEducations, list)) {
            auto e = read_education(r);
            const auto id = e.id;
            found.emplace(id, PublicEducation{std::move(e), r.text(12), {}});
        }
        for (const Row& r : exec(c_, kPublicPeriods, list))
            if (auto it = found.find(r.integer(13)); it != found.end()) it->second.periods.push_back(read_version(r));
        std::vector<PublicEducation> out;
        for (const auto id : ids)
            if (auto it = found.find(id); it != found.end()) out.push_back(std::move(it->second));
        return out;
    }

    Transaction& c_;
};

}  // namespace

std::unique_ptr<ports::Studietider> make_studietider(Transaction& tx) { return std::make_unique<PgStudietider>(tx); }

}  // namespace mina::storage::postgres
