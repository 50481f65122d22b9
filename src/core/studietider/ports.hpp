// What Studietider och utbildningar (issue [5]) needs from storage: a school's educations, their
// study periods with the published versions students see, the school's contact persons, and the
// public search. Implemented by each store beside the other ports (ports::Unit::studietider()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/model.hpp"
#include "core/common/repositories.hpp"
#include "core/studietider/public_search.hpp"
#include "core/studietider/rules.hpp"

namespace mina {

struct Education {
    std::int64_t id = 0;
    SchoolCode school;
    std::string code;  // the school's own code, unique per school
    std::string name;  // what students see
    studietider::Level level{studietider::Level::eftergymnasial};
    studietider::CreditUnit unit{studietider::CreditUnit::hp};
    std::optional<studietider::Credits> total_credits;
    bool distance = false;
    bool contract = false;                  // uppdragsutbildning: no student aid (warned; its periods are paid 0 weeks)
    std::optional<Timestamp> withdrawn_at;  // withdrawn: kept, readable, no longer offered
    Timestamp created_at;
    Timestamp updated_at;

    /// What the rules of its periods need of it.
    [[nodiscard]] studietider::EducationTerms terms() const { return {unit, total_credits, contract}; }
};

/// A study period as the school works on it. `published_version` 0: never published (a draft);
/// `changed`: the working copy differs from the last published version.
struct StudyPeriod {
    std::int64_t id = 0;
    std::int64_t education = 0;
    studietider::PeriodInput input;
    int published_version = 0;
    bool changed = true;
    std::optional<Timestamp> withdrawn_at;
    Timestamp updated_at;
    std::string updated_by;
};

/// One published version of a period: what students saw from `published_at`. Never changed once
/// written. The store keeps the figures derived when it was published; Service reads them anew
/// (studietider::derive_period, from `input` and the education as it is now) before anyone sees
/// them, so that a corrected rule (issue [9]: the study weeks) or an education marked
/// uppdragsutbildning shows at once in every version.
struct PublishedPeriod {
    std::int64_t period = 0;
    int version = 0;
    studietider::PeriodInput input;
    int weeks = 0;
    studietider::Pace pace{studietider::Pace::none};
    int paid_weeks = 0;
    std::vector<studietider::PeriodMark> marks;  // derived on reading only: why no studiemedel
    Timestamp published_at;
    std::string published_by;       // a username
    std::string published_by_name;  // read by versions() only: that person's name now (empty: none known)
};

struct SchoolContact {
    std::int64_t id = 0;
    SchoolCode school;
    std::string name;
    std::string role;
    std::string email;
    std::string phone;
};

/// A hit of the public search: an education with the school's name and its current published periods.
struct PublicEducation {
    Education education;
    std::string school_name;
    std::vector<PublishedPeriod> periods;  // the newest version of each period, by first day
};

namespace ports {

class Studietider {
   public:
    virtual ~Studietider() = default;

    // Educations
    [[nodiscard]] virtual std::vector<Education> educations(const SchoolCode& school) = 0;  // by code
    [[nodiscard]] virtual std::optional<Education> education(const SchoolCode& school, const std::string& code) = 0;
    /// Returns the new id, or nothing when the school already has an education with this code.
    virtual std::optional<std::int64_t> add_education(const Education& e) = 0;
    /// Changes everything but school and code; false if there is no such education.
    virtual bool update_education(const Education& e) = 0;
    virtual bool withdraw_education(std::int64_t id, Timestamp at) = 0;

    // Study periods (the working copies) and their published versions
    [[nodiscard]] virtual std::vector<StudyPeriod> periods(std::int64_t education) = 0;  // by first day
    [[nodiscard]] virtual std::optional<StudyPeriod> period(std::int64_t id) = 0;
    virtual std::int64_t add_period(const StudyPeriod& p) = 0;
    /// Saves the working copy (input, updated_*) and marks it changed.
    virtual bool update_period(const StudyPeriod& p) = 0;
    /// Writes version `published_version + 1` from the working copy and clears `changed`.
    virtual void publish_period(const PublishedPeriod& version) = 0;
    virtual bool withdraw_period(std::int64_t id, Timestamp at) = 0;
    /// Every published version of the period, newest first.
    [[nodiscard]] virtual std::vector<PublishedPeriod> versions(std::int64_t period) = 0;

    // The school's contact persons
    [[nodiscard]] virtual std::vector<SchoolContact> contacts(const SchoolCode& school) = 0;
    virtual std::int64_t add_contact(const SchoolContact& c) = 0;
    virtual bool remove_contact(const SchoolCode& school, std::int64_t id) = 0;

    /// Every period of the school's educations, withdrawn ones too, by education and first day (for
    /// the school's file).
    [[nodiscard]] virtual std::vector<StudyPeriod> school_periods(const SchoolCode& school) = 0;

    // Ansök om studiemedel. Every change that can change what a search finds (an education added
    // or changed, a period published or withdrawn, a school renamed) is written by the database
    // itself (triggers, migration 0006) as a row of search_changes: each server's index in memory
    // (core/public_search) reads the rows after the last it has seen.
    struct SearchChanges {
        std::int64_t latest = 0;               // the newest row's number (0: none yet)
        std::int64_t oldest = 0;               // the oldest row kept (older ones are deleted as new ones come)
        std::vector<std::int64_t> educations;  // changed after `after`, each once (at most `limit`)
    };
    [[nodiscard]] virtual SearchChanges search_changes(std::int64_t after, int limit) = 0;
    /// What the index needs of the educations `ids` (withdrawn ones too, so that they leave it), or
    /// of every education not withdrawn when `ids` is empty.
    [[nodiscard]] virtual std::vector<studietider::SearchEntry> search_entries(
        const std::vector<std::int64_t>& ids) = 0;
    /// The educations `ids`, in that order, each with the newest published version of its periods
    /// that are not withdrawn (by first day); an id that is gone is left out.
    [[nodiscard]] virtual std::vector<PublicEducation> public_educations(const std::vector<std::int64_t>& ids) = 0;
};

}  // namespace ports

namespace studietider {

/// Studietider och utbildningar (studietider::Service).
class Unit : public virtual ports::UnitOfWork {
   public:
    virtual ports::Studietider& studietider() = 0;
    virtual ports::Audit& audit() = 0;
};

using Store = ports::StoreOf<Unit>;

}  // namespace studietider
}  // namespace mina
