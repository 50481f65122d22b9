// The planner of Studeranderapportering (issue [6] §2, §4): how a report as text (a form, a file's
// row, an API object) is read, finds or plans its student and enrollment, and is judged against
// the history and the education's published study period, each row in the light of the accepted
// rows before it.
#include "core/reports/plan.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "core/reports/service.hpp"

namespace mina::reports {
namespace {

Date day(std::string_view text) { return parse_date(text).value(); }
const Date kToday = day("2026-11-29");

/// Numbers "sealed" reversibly and hashed by prefix: enough to tell them apart here.
class PlainIdentities final : public ports::Identities {
   public:
    std::string lookup_hash(std::string_view canonical) const override { return "h" + std::string(canonical); }
    std::string seal(std::string_view canonical) const override { return "s" + std::string(canonical); }
    std::optional<std::string> open(std::string_view sealed) const override { return std::string(sealed.substr(1)); }
};

/// One school with one education (EKO1, period HT26) and what the test puts in.
class MemorySource final : public Source {
   public:
    explicit MemorySource(bool two_periods = false) {
        education_ = EducationInfo{
            7, "EKO1", "Ekonomi", false, {{70, "HT26", day("2026-08-31"), day("2027-01-17"), studietider::Pace::full}}};
        if (two_periods)
            education_.periods.insert(education_.periods.begin(),
                                      {69, "VT26", day("2026-01-19"), day("2026-06-07"), studietider::Pace::full});
    }
    std::optional<Student> student(const std::string& lookup_hash) override {
        ++student_reads;
        for (const auto& [id, s] : students)
            if (s.lookup_hash == lookup_hash) return s;
        return std::nullopt;
    }
    std::optional<EducationInfo> education(const std::string& code) override {
        if (code == "EKO1") return education_;
        if (code == "GAMMAL") return EducationInfo{8, "GAMMAL", "Gammal", true, {}};
        return std::nullopt;
    }
    std::optional<StudentEnrollment> enrollment(std::int64_t student, std::int64_t period) override {
        for (const auto& [id, e] : enrollments)
            if (e.student == student && e.period == period) return e;
        return std::nullopt;
    }
    std::optional<StudentEnrollment> enrollment(std::int64_t id) override {
        auto it = enrollments.find(id);
        if (it == enrollments.end()) return std::nullopt;
        return it->second;
    }
    std::vector<Event> history(std::int64_t enrollment) override { return histories[enrollment]; }

    std::map<std::int64_t, Student> students;
    std::map<std::int64_t, StudentEnrollment> enrollments;
    std::map<std::int64_t, std::vector<Event>> histories;
    int student_reads = 0;

   private:
    EducationInfo education_;
};

Fields start(std::string number = "821105-9954", std::string datum = "2026-09-01") {
    Fields f;
    f.number = std::move(number);
    f.education = "EKO1";
    f.period = "HT26";
    f.support = "studiemedel";
    f.kind = "studiestart";
    f.day = std::move(datum);
    return f;
}

class Planning : public ::testing::Test {
   protected:
    MemorySource source;
    PlainIdentities ids;
    Planner planner{source, ids, kToday};
};

TEST_F(Planning, ANewStudentIsPlannedWithAnEnrollmentFromThePublishedPeriod) {
    const auto& row = planner.add(2, start());
    ASSERT_TRUE(row.accepted());
    EXPECT_EQ(row.masked, "821105-****");
    EXPECT_EQ(row.state, State::active);
    const auto plan = planner.take();
    ASSERT_EQ(plan.new_students.size(), 1u);
    EXPECT_EQ(plan.new_students[0].lookup_hash, "h198211059954");
    EXPECT_EQ(plan.new_students[0].sealed, "s198211059954");
    ASSERT_EQ(plan.new_enrollments.size(), 1u);
    EXPECT_EQ(plan.new_enrollments[0].plan.first, day("2026-08-31"));
    EXPECT_EQ(plan.new_enrollments[0].plan.last, day("2027-01-17"));
    EXPECT_EQ(plan.new_enrollments[0].period, 70);
    EXPECT_EQ(plan.accepted, 1);
}

TEST_F(Planning, LaterRowsSeeTheAcceptedRowsBeforeThem) {
    EXPECT_TRUE(planner.add(2, start()).accepted());
    Fields stop = start();
    stop.kind = "Avbrott";  // as people write it
    stop.day = "2026-10-15";
    stop.support.clear();  // not needed once the student is on the period
    EXPECT_TRUE(planner.add(3, stop).accepted());
    Fields again = stop;
    again.day = "2026-10-20";
    const auto& second = planner.add(4, again);
    ASSERT_TRUE(second.conflict);
    EXPECT_EQ(second.conflict->conflict, Conflict::ended);
    const auto plan = planner.take();
    EXPECT_EQ(plan.new_students.size(), 1u) << "the 10- and 12-digit forms are one student";
    EXPECT_EQ(plan.accepted, 2);
    EXPECT_EQ(plan.refused, 1);
    EXPECT_EQ(plan.states.begin()->second, State::discontinued);
}

TEST_F(Planning, ARefusedRowCreatesNothingAndLaterRowsAreJudgedWithoutIt) {
    Fields early = start();
    early.kind = "avbrott";
    const auto& refused = planner.add(2, early);
    ASSERT_TRUE(refused.conflict);
    EXPECT_EQ(refused.conflict->conflict, Conflict::not_started_yet);
    EXPECT_TRUE(planner.add(3, start()).accepted()) << "the study start is still the first";
    const auto plan = planner.take();
    EXPECT_EQ(plan.new_students.size(), 1u);
    EXPECT_EQ(plan.new_enrollments.size(), 1u);
}

TEST_F(Planning, TheSameReportTwiceIsADuplicateNotAConflict) {
    EXPECT_TRUE(planner.add(2, start()).accepted());
    const auto& twice = planner.add(3, start("19821105-9954"));
    EXPECT_TRUE(twice.duplicate);
    EXPECT_FALSE(twice.refused());
    EXPECT_EQ(planner.plan().duplicates, 1);
}

/// A valid ten-digit number for 1990-01-(1 + i % 28) with birth number 100 + i.
std::string number_for(int i) {
    char nine[24];  // nine digits for 0 <= i < 900; room for any int, so -O1 sees no truncation
    std::snprintf(nine, sizeof nine, "9001%02d%03d", 1 + i % 28, 100 + i % 900);
    int sum = 0;
    for (int k = 0; k < 9; ++k) {
        int d = (nine[k] - '0') * (k % 2 == 0 ? 2 : 1);
        sum += d > 9 ? d - 9 : d;
    }
    return std::string(nine, 6) + "-" + std::string(nine + 6, 3) + std::to_string((10 - sum % 10) % 10);
}

// The planner finds the plan's own new students and enrollments again without a map of strings
// (issue [7] item 3: a compact plan): many new students beside a known one who gets a new
// enrollment, each found again by number by a later row, with the history of its earlier rows.
TEST(PlanningMany, NewStudentsAreFoundAgainWithTheirEnrollmentsAndHistory) {
    MemorySource source(true);  // HT26, and VT26 before it
    PlainIdentities ids;
    Planner planner{source, ids, kToday};
    source.students[5] = Student{5, "h198211059954", "s198211059954", "Kim", false, {}};
    constexpr int kNew = 40;  // more than the table's first 16 slots hold: it grows on the way
    const auto& known = planner.add(2, start());
    ASSERT_TRUE(known.accepted());
    EXPECT_EQ(known.student, 5);
    EXPECT_EQ(known.enrollment, -1) << "the known student's new enrollment";
    std::vector<std::int64_t> enrollment_of(kNew);
    for (int i = 0; i < kNew; ++i) {
        const auto& row = planner.add(3 + i, start(number_for(i)));
        ASSERT_TRUE(row.accepted()) << i;
        EXPECT_EQ(row.student, -(i + 1));
        enrollment_of[i] = row.enrollment;
        Fields spring = start(number_for(i), "2026-02-02");
        spring.period = "VT26";
        const auto& earlier = planner.add(50 + i, spring);
        ASSERT_TRUE(earlier.accepted()) << i;
        EXPECT_EQ(earlier.student, -(i + 1));
        EXPECT_NE(earlier.enrollment, enrollment_of[i]);
    }
    for (int i = kNew - 1; i >= 0; --i) {
        Fields stop = start(number_for(i), "2026-10-15");
        stop.kind = "Avbrott";
        stop.support.clear();  // found: the enrollment needs none
        const auto& row = planner.add(100 + i, stop);
        ASSERT_TRUE(row.accepted()) << i;
        EXPECT_EQ(row.student, -(i + 1));
        EXPECT_EQ(row.enrollment, enrollment_of[i]);
        EXPECT_EQ(row.state, State::discontinued);
    }
    Fields again = start(number_for(7), "2026-10-20");
    again.kind = "Avbrott";
    const auto& late = planner.add(200, again);
    ASSERT_TRUE(late.conflict) << "the history of the earlier rows counts";
    EXPECT_EQ(late.conflict->conflict, Conflict::ended);
    EXPECT_TRUE(planner.add(201, start(number_for(3))).duplicate) << "the same start again";
    const auto plan = planner.take();
    EXPECT_EQ(plan.new_students.size(), static_cast<std::size_t>(kNew));
    EXPECT_EQ(plan.new_enrollments.size(), static_cast<std::size_t>(2 * kNew + 1));
    EXPECT_EQ(plan.new_enrollments.front().student, 5);
    for (int i = 0; i < kNew; ++i) EXPECT_EQ(plan.states.at(enrollment_of[i]), State::discontinued);
}

TEST_F(Planning, AKnownStudentAndEnrollmentAreFoundAndTheirHistoryCounts) {
    source.students[5] = Student{5, "h198211059954", "s198211059954", "Kim", false, {}};
    StudentEnrollment e;
    e.id = 9;
    e.student = 5;
    e.period = 70;
    e.plan = Enrollment{Support::studiehjalp, day("2026-08-31"), day("2027-01-17"), studietider::Pace::full};
    source.enrollments[9] = e;
    Event began;
    began.id = 100;
    began.kind = Kind::study_start;
    began.day = day("2026-09-01");
    source.histories[9] = {began};

    Fields slow = start();
    slow.support.clear();
    slow.kind = "andrad-omfattning";
    slow.day = "2026-11-01";
    slow.pace = "75 %";
    const auto& row = planner.add(2, slow);
    ASSERT_TRUE(row.conflict);
    EXPECT_EQ(row.conflict->conflict, Conflict::pace_not_allowed) << "studiehjälp is full time only";
    EXPECT_EQ(row.student, 5);
    EXPECT_EQ(row.enrollment, 9);

    Fields other_support = start();
    other_support.kind = "studieresultat";
    other_support.passed = "ja";
    other_support.day = "2026-11-20";
    const auto& differs = planner.add(3, other_support);
    ASSERT_EQ(differs.problems.size(), 1u);
    EXPECT_EQ(differs.problems[0].problem, Problem::support_differs);
    EXPECT_EQ(differs.problems[0].detail, "studiehjalp");

    Fields correction;
    correction.enrollment = 9;
    correction.kind = "studiestart";
    correction.day = "2026-09-02";
    correction.corrects = "100";
    EXPECT_EQ(planner.add(4, correction).problems.at(0).problem, Problem::reason_missing);
    correction.reason = "Fel dag";
    const auto& corrected = planner.add(5, correction);
    EXPECT_TRUE(corrected.accepted());
    EXPECT_EQ(corrected.event.supersedes, 100);
    const auto& again = planner.add(6, correction);
    ASSERT_TRUE(again.conflict) << "a corrected report is corrected through its latest correction";
    EXPECT_EQ(again.conflict->conflict, Conflict::already_superseded);
}

TEST_F(Planning, EveryUnreadableFieldIsNamed) {
    Fields f;
    f.number = "870704-9996";
    f.education = "EKO1";
    f.period = "VT99";
    f.support = "bidrag";
    f.kind = "semester";
    f.day = "1 september";
    f.last = "2026-13-01";
    f.pace = "80";
    f.credits = "många";
    f.hours = "4,5";
    f.passed = "kanske";
    const auto& row = planner.add(2, f);
    EXPECT_EQ(row.number, pnr::Problem::check_digit);
    std::vector<Problem> problems;
    for (const auto& p : row.problems) problems.push_back(p.problem);
    EXPECT_EQ(problems, (std::vector<Problem>{Problem::kind_unknown, Problem::day_bad, Problem::last_bad,
                                              Problem::pace_bad, Problem::credits_bad, Problem::hours_bad,
                                              Problem::passed_bad, Problem::support_unknown, Problem::period_unknown}));
    EXPECT_TRUE(row.refused());
    EXPECT_TRUE(planner.plan().new_students.empty());
}

TEST_F(Planning, EducationsArePlannedOnlyWhenTheSchoolHasThemOpen) {
    Fields unknown = start();
    unknown.education = "FINNSINTE";
    EXPECT_EQ(planner.add(2, unknown).problems.at(0).problem, Problem::education_unknown);
    Fields withdrawn = start();
    withdrawn.education = "GAMMAL";
    EXPECT_EQ(planner.add(3, withdrawn).problems.at(0).problem, Problem::education_withdrawn);
    Fields no_period = start();
    no_period.period.clear();
    no_period.day = "2027-03-01";  // in no published period
    no_period.kind = "studietid";
    EXPECT_EQ(planner.add(4, no_period).problems.at(0).problem, Problem::period_missing);
    Fields found = start();
    found.period.clear();  // the day lies in HT26
    EXPECT_TRUE(planner.add(5, found).accepted());
    Fields missing_support = start("701063-2391");
    missing_support.support.clear();
    EXPECT_EQ(planner.add(6, missing_support).problems.at(0).problem, Problem::support_missing);
    Fields enrollment_elsewhere;
    enrollment_elsewhere.enrollment = 12345;  // not this school's
    enrollment_elsewhere.kind = "avbrott";
    enrollment_elsewhere.day = "2026-10-01";
    EXPECT_EQ(planner.add(7, enrollment_elsewhere).problems.at(0).problem, Problem::enrollment_unknown);
}

TEST_F(Planning, TheFormatPagesExampleFileIsReadWholeAndEveryRowAccepted) {
    const std::string& file = example_file();
    ASSERT_TRUE(file.starts_with("\xEF\xBB\xBF")) << "a byte-order mark, for Excel";
    EXPECT_TRUE(file.ends_with("\r\n"));
    EXPECT_EQ(file.find('\n'), file.find("\r\n") + 1) << "CRLF";
    auto read = read_file(file);
    ASSERT_TRUE(std::holds_alternative<FileRows>(read));
    auto& rows = std::get<FileRows>(read);
    for (std::size_t i = 0; i < field_names().size(); ++i)
        EXPECT_EQ(rows.column_of[i], static_cast<int>(i)) << "every column, in order: " << field_names()[i].name;
    ASSERT_EQ(rows.size(), 7u);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const int line = rows.line(i);
        const auto& row = planner.add(line, rows.take(i));
        EXPECT_TRUE(row.accepted()) << "line " << line;
    }
    const auto plan = planner.take();
    EXPECT_EQ(plan.accepted, 7);
    EXPECT_EQ(plan.new_students.size(), 2u);
}

TEST(ReportWords, KindsSupportsPacesAndYesNoAsPeopleWriteThem) {
    EXPECT_EQ(read_kind("Frånvaro start"), Kind::absence_start);
    EXPECT_EQ(read_kind("STUDIEUPPEHÅLL"), Kind::planned_break);
    EXPECT_EQ(read_kind("ej påbörjat"), Kind::not_started);
    EXPECT_FALSE(read_kind("semester"));
    EXPECT_EQ(read_support("Studiehjälp"), Support::studiehjalp);
    EXPECT_EQ(read_pace("75 %"), studietider::Pace::three_quarters);
    EXPECT_FALSE(read_pace("ingen")) << "a change of pace is to 50, 75 or 100";
    EXPECT_EQ(parse_yes_no("Godkänd"), true);
    EXPECT_EQ(parse_yes_no("ej godkänd"), false);
    EXPECT_FALSE(parse_yes_no("kanske"));
}

}  // namespace
}  // namespace mina::reports
