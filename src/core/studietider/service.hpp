// Studietider och utbildningar (issue [5], manual §1.2): a school's educations and study periods,
// for the people granted `studietider` at that school, and the published periods anyone may read in
// Ansök om studiemedel. Every call checks the viewer's grant at the school itself.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/common/ports.hpp"
#include "core/login/portal.hpp"
#include "core/studietider/file.hpp"
#include "core/studietider/ports.hpp"
#include "core/studietider/public_search.hpp"
#include "core/studietider/rules.hpp"

namespace mina::studietider {

enum class Refusal {
    not_allowed,  // no studietider grant at the school
    no_such_education,
    no_such_period,
    code_taken,  // the school already has an education with this code
    withdrawn,   // a withdrawn education or period takes no changes
};
struct Refused {
    Refusal why;
};

/// The education could not be saved: every problem found.
struct EducationInvalid {
    EducationCheck check;
};
/// The period could not be saved: its errors (or the period it overlaps), or questions to confirm.
struct PeriodInvalid {
    PeriodAssessment assessment;
    std::optional<std::string> overlaps;  // the label of the period it overlaps
};
struct PeriodQuestions {
    PeriodAssessment assessment;  // accepted, but a question (far past or future) needs a yes
};

/// A contact person that cannot be saved: a name and an email or a phone are needed, each on one line.
struct ContactInvalid {};

struct Saved {
    std::int64_t id = 0;
    std::vector<EducationWarning> warnings;  // for an education: contract education
};

/// A period with what the rules make of it now, and its published versions.
struct PeriodView {
    StudyPeriod period;
    PeriodAssessment assessment;
    std::vector<PublishedPeriod> versions;  // newest first
};
struct EducationView {
    Education education;
    std::vector<PeriodView> periods;
};

inline constexpr int kPublicPageSize = 10;
inline constexpr int kMaxPublicPage = 500;
struct PublicResults {
    std::vector<PublicEducation> hits;
    bool searched = false;  // there was a word to search for (and the text and term were not too long)
    int page = 1;
    bool more = false;            // there is a next page
    std::int64_t generation = 0;  // the search's data (search_generation)
    std::size_t total = 0;        // educations found in all
};

/// An upload saved: what it did.
struct FileSaved {
    int educations_added = 0;
    int educations_changed = 0;
    int periods_added = 0;
    int periods_changed = 0;
    int periods_published = 0;
};
/// Nothing was saved: the school's educations changed since the preview (here is the new plan), or
/// the plan has refused rows or nothing to do.
struct FilePlanChanged {
    file::Plan plan;
};
struct FileNotSavable {
    file::Plan plan;
};
using FileOutcome = std::variant<FileSaved, FilePlanChanged, FileNotSavable, file::FileRefused, Refused>;

using EducationOutcome = std::variant<Saved, EducationInvalid, Refused>;
using PeriodOutcome = std::variant<Saved, PeriodInvalid, PeriodQuestions, Refused>;
using Outcome = std::variant<Saved, Refused>;

class Service final {
   public:
    /// `days`: where "today" is (the service's time zone); a period may not end before it.
    Service(Store store, const LocalDays& days) : store_(store), days_(days) {}

    [[nodiscard]] std::variant<std::vector<Education>, Refused> educations(const portal::Viewer& v,
                                                                           const std::string& school);
    [[nodiscard]] std::variant<EducationView, Refused> education(const portal::Viewer& v, const std::string& school,
                                                                 const std::string& code, Date today);
    [[nodiscard]] EducationOutcome create_education(const portal::Viewer& v, const std::string& school,
                                                    const EducationInput& in, const ClientInfo& client, Timestamp now);
    /// Everything but the code (which students and files refer to) may change.
    [[nodiscard]] EducationOutcome change_education(const portal::Viewer& v, const std::string& school,
                                                    const std::string& code, const EducationInput& in,
                                                    const ClientInfo& client, Timestamp now);
    [[nodiscard]] Outcome withdraw_education(const portal::Viewer& v, const std::string& school,
                                             const std::string& code, const ClientInfo& client, Timestamp now);

    /// A new draft period (`id` 0) or a change to the working copy of period `id`. A change to a
    /// published period leaves the published version as it is until the next publish.
    [[nodiscard]] PeriodOutcome save_period(const portal::Viewer& v, const std::string& school, const std::string& code,
                                            std::int64_t id, const PeriodInput& in, bool confirmed,
                                            const ClientInfo& client, Timestamp now);
    /// Students see the working copy from now on, as a new version; the old one stays in the history.
    [[nodiscard]] Outcome publish_period(const portal::Viewer& v, const std::string& school, const std::string& code,
                                         std::int64_t id, const ClientInfo& client, Timestamp now);
    [[nodiscard]] Outcome withdraw_period(const portal::Viewer& v, const std::string& school, const std::string& code,
                                          std::int64_t id, const ClientInfo& client, Timestamp now);

    [[nodiscard]] std::variant<std::vector<SchoolContact>, Refused> contacts(const portal::Viewer& v,
                                                                             const std::string& school);
    /// A contact person of the school for the agency's questions: name, role, email and phone.
    [[nodiscard]] std::variant<Saved, ContactInvalid, Refused> add_contact(const portal::Viewer& v,
                                                                           const std::string& school, SchoolContact c,
                                                                           const ClientInfo& client, Timestamp now);
    [[nodiscard]] Outcome remove_contact(const portal::Viewer& v, const std::string& school, std::int64_t id,
                                         const ClientInfo& client, Timestamp now);

    /// The school's file (file::write): every education not withdrawn with its periods.
    [[nodiscard]] std::variant<std::string, Refused> file(const portal::Viewer& v, const std::string& school);
    /// What uploading `text` (any encoding a spreadsheet writes) would do; nothing is saved.
    [[nodiscard]] std::variant<file::Plan, file::FileRefused, Refused> plan_file(const portal::Viewer& v,
                                                                                 const std::string& school,
                                                                                 std::string_view text, Date today);
    /// Saves the whole plan in one transaction, if it has no refused row and is still `fingerprint`.
    [[nodiscard]] FileOutcome save_file(const portal::Viewer& v, const std::string& school, std::string_view text,
                                        const std::string& fingerprint, const ClientInfo& client, Timestamp now);

    /// Ansök om studiemedel: no login, published periods only, kPublicPageSize educations a page
    /// (from 1). Nothing is searched without a word to search for.
    [[nodiscard]] PublicResults search(const std::string& text, const std::string& term, int page);
    /// The same without catching up with the change log first: for a caller that just did
    /// (search_generation), so that a search reads the log once.
    [[nodiscard]] PublicResults search_caught_up(const std::string& text, const std::string& term, int page);
    /// Reads every education students may find into the search index (at start, so that the first
    /// search does not wait); returns how many. Later searches read only what changed.
    std::size_t load_search();
    /// Where the search stands in the database's change log after catching up with it: a page
    /// rendered at one generation is still right while the generation is the same.
    [[nodiscard]] std::int64_t search_generation();

   private:
    PublicResults search(const std::string& text, const std::string& term, int page, bool catch_up);
    /// Brings the index up to the database's search_changes, inside the caller's read unit.
    void refresh_search(ports::Studietider& st);

    Store store_;
    const LocalDays& days_;
    std::mutex search_mutex_;  // guards the three below
    SearchIndex index_;
    std::int64_t seen_ = 0;  // the newest search_changes row the index holds
    bool loaded_ = false;
};

}  // namespace mina::studietider
