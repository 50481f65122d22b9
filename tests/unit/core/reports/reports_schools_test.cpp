// Studeranderapportering across schools (issue [7] item 2, SPEC §4): a school sees and changes only
// what it reported. The person is one (found by the number), but the name is each school's own
// record and the history shown is the school's own; a protected identity is a fact about the person,
// set by any school or the agency, lifted only by the agency, and masks the person at every school.
// reports::Service on a real (SQLite, in memory) store.
#include <gtest/gtest.h>

#include "core/reports/service.hpp"
#include "core/studietider/service.hpp"
#include "crypto/identity_vault.hpp"
#include "time/local_time.hpp"
#include "unit/fakes.hpp"

namespace mina::reports {
namespace {

const ClientInfo kClient{"127.0.0.1", "test"};
constexpr std::string_view kNumber = "821105-9954";

portal::Viewer reporter(const std::string& username, const std::string& school) {
    portal::Viewer v;
    v.person.username = Username{username};
    v.session.school = school;
    SchoolAccess a;
    a.school = School{SchoolCode{school}, "Skolan " + school, SchoolForm::gymnasieskola};
    a.roles = {Role::studeranderapportering, Role::studietider};
    v.access.push_back(a);
    return v;
}

class ReportsAcrossSchools : public ::testing::Test {
   protected:
    void SetUp() override {
        {
            auto tx = store_->begin(ports::TxMode::write);
            for (const char* s : {"A", "B"})
                ASSERT_TRUE(
                    tx->schools().add({SchoolCode{s}, std::string("Skolan ") + s, SchoolForm::gymnasieskola}, now()));
            tx->commit();
        }
        education(a_, "A", "EKO1");
        education(b_, "B", "EKO9");
    }

    Timestamp now() const { return clock_.now(); }
    Date today() const { return Date::utc_day_of(now()); }

    /// An education with one published period around today (the pace judged by the school).
    void education(const portal::Viewer& v, const std::string& school, const std::string& code) {
        studietider::Service st(*store_, utc_days());
        studietider::EducationInput e{code, "Ekonomi", studietider::Level::gymnasieniva, studietider::CreditUnit::none,
                                      std::nullopt};
        ASSERT_TRUE(std::holds_alternative<studietider::Saved>(st.create_education(v, school, e, kClient, now())));
        studietider::PeriodInput p{"HT",         today().add_days(-60),   today().add_days(150),
                                   std::nullopt, studietider::Pace::full, {}};
        auto saved = st.save_period(v, school, code, 0, p, true, kClient, now());
        ASSERT_TRUE(std::holds_alternative<studietider::Saved>(saved));
        const auto id = std::get<studietider::Saved>(saved).id;
        ASSERT_TRUE(std::holds_alternative<studietider::Saved>(st.publish_period(v, school, code, id, kClient, now())));
    }

    Fields start(const std::string& code, const std::string& name) const {
        Fields f;
        f.number = std::string(kNumber);
        f.name = name;
        f.education = code;
        f.period = "HT";
        f.support = "studiemedel";
        f.kind = "studiestart";
        f.day = to_string(today().add_days(-50));
        return f;
    }
    std::int64_t reported(const portal::Viewer& v, const std::string& school, const Fields& f) {
        auto r = svc_.report(v, school, f, kClient, now());
        EXPECT_TRUE(std::holds_alternative<Reported>(r));
        return std::holds_alternative<Reported>(r) ? std::get<Reported>(r).student : 0;
    }
    StudentView page(const portal::Viewer& v, const std::string& school, std::int64_t id) {
        auto r = svc_.student(v, school, id, kClient, now());
        EXPECT_TRUE(std::holds_alternative<StudentView>(r));
        return std::holds_alternative<StudentView>(r) ? std::get<StudentView>(r) : StudentView{};
    }
    ListView listed(const portal::Viewer& v, const std::string& school, ListQuery q = {}) {
        auto r = svc_.list(v, school, q, kClient, now());
        EXPECT_TRUE(std::holds_alternative<ListView>(r));
        return std::holds_alternative<ListView>(r) ? std::get<ListView>(r) : ListView{};
    }
    std::string exported(const portal::Viewer& v, const std::string& school, bool full) {
        auto r = svc_.export_csv(v, school, {}, full, kClient, now());
        EXPECT_TRUE(std::holds_alternative<std::string>(r));
        return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string{};
    }
    /// The school's own name for the student, as the store keeps it.
    std::string name_at(const std::string& school, std::int64_t id) {
        auto tx = store_->begin(ports::TxMode::read);
        auto s = tx->reports().student(SchoolCode{school}, id);
        return s ? s->name : "(none)";
    }
    bool is_protected(std::int64_t id) {
        auto tx = store_->begin(ports::TxMode::read);
        auto s = tx->reports().student(SchoolCode{}, id);
        return s && s->protected_identity;
    }

    test::FakeClock clock_;
    crypto::SodiumTokens tokens_;
    crypto::IdentityVault vault_ = *crypto::IdentityVault::from_hex(std::string(64, '7'));
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    Service svc_{*store_, vault_, tokens_, utc_days()};
    portal::Viewer a_ = reporter("anna", "A");
    portal::Viewer b_ = reporter("bengt", "B");
};

TEST_F(ReportsAcrossSchools, AnotherSchoolTypingTheNumberSeesNeitherTheNameNorTheHistory) {
    const auto id = reported(a_, "A", start("EKO1", "Anna Andersson"));
    ASSERT_GT(id, 0);
    // B reports the same person (the same number): one person, B's own enrollment.
    EXPECT_EQ(reported(b_, "B", start("EKO9", "")), id);
    const auto atB = page(b_, "B", id);
    EXPECT_EQ(atB.student.name, "") << "A's name is not shown at B";
    ASSERT_EQ(atB.enrollments.size(), 1u) << "only B's enrollment";
    EXPECT_EQ(atB.enrollments[0].enrollment.education_code, "EKO9");
    for (const auto& e : atB.enrollments)
        for (const auto& h : e.history) EXPECT_EQ(h.school.value(), "B") << "A's history is not shown at B";
    for (const auto& r : listed(b_, "B").rows) EXPECT_EQ(r.row.student.name, "");
    ListQuery byNumber;
    byNumber.number = std::string(kNumber);
    const auto found = listed(b_, "B", byNumber);
    ASSERT_EQ(found.rows.size(), 1u) << "B's own report only";
    EXPECT_EQ(found.rows[0].row.student.name, "");
    EXPECT_EQ(exported(b_, "B", true).find("Andersson"), std::string::npos);
    ListQuery byName;
    byName.name = "andersson";
    EXPECT_TRUE(listed(b_, "B", byName).rows.empty()) << "B cannot find the person by A's name";
    EXPECT_EQ(listed(a_, "A", byName).rows.size(), 1u);

    // B's name is B's own: A's stays as A wrote it, by the form, the student page and a file.
    EXPECT_TRUE(std::holds_alternative<std::monostate>(svc_.set_student(b_, "B", id, "Kapad", false, kClient, now())));
    EXPECT_EQ(name_at("A", id), "Anna Andersson");
    EXPECT_EQ(name_at("B", id), "Kapad");
    Fields again = start("EKO9", "Kapad igen");
    again.kind = "studieresultat";
    again.day = to_string(today().add_days(-1));
    again.passed = "ja";
    reported(b_, "B", again);
    EXPECT_EQ(name_at("A", id), "Anna Andersson");
    EXPECT_EQ(name_at("B", id), "Kapad igen");
    const std::string file = "personnummer;namn;utbildning;studieperiod;handelse;datum;godkand\n" +
                             std::string(kNumber) + ";Via fil;EKO9;HT;studieresultat;" + to_string(today()) + ";nej\n";
    auto up = svc_.preview(b_, "B", file, "b.csv", kClient, now());
    ASSERT_TRUE(std::holds_alternative<Upload>(up));
    const auto& u = std::get<Upload>(up);
    ASSERT_EQ(u.plan.accepted, 1);
    EXPECT_TRUE(u.plan.new_students.empty()) << "the person is known";
    for (const auto& [student, name] : u.plan.names) EXPECT_EQ(name, "Via fil") << "only B's own name in B's plan";
    auto saved = svc_.save(b_, "B", u.submission, file, SaveMode::all_or_nothing, u.fingerprint, kClient, now());
    ASSERT_TRUE(std::holds_alternative<UploadSaved>(saved));
    EXPECT_EQ(name_at("A", id), "Anna Andersson");
    EXPECT_EQ(name_at("B", id), "Via fil");
    EXPECT_EQ(page(a_, "A", id).student.name, "Anna Andersson");
    ASSERT_EQ(page(a_, "A", id).enrollments.size(), 1u) << "and A sees only its own";
}

TEST_F(ReportsAcrossSchools, AProtectedIdentityIsThePersonsSetByAnySchoolAndLiftedOnlyByTheAgency) {
    const auto id = reported(a_, "A", start("EKO1", "Anna Andersson"));
    ASSERT_TRUE(
        std::holds_alternative<std::monostate>(svc_.set_student(a_, "A", id, "Anna Andersson", true, kClient, now())));
    EXPECT_TRUE(is_protected(id));
    EXPECT_EQ(reported(b_, "B", start("EKO9", "")), id);

    // B may neither lift it nor, by trying, change anything.
    auto lifted = svc_.set_student(b_, "B", id, "Kapad", false, kClient, now());
    ASSERT_TRUE(std::holds_alternative<Denied>(lifted));
    EXPECT_EQ(std::get<Denied>(lifted).why, Refusal::protection_kept);
    EXPECT_TRUE(is_protected(id));
    EXPECT_EQ(name_at("B", id), "");
    EXPECT_EQ(name_at("A", id), "Anna Andersson");
    // Nor may A, which set it.
    auto byA = svc_.set_student(a_, "A", id, "Anna Andersson", false, kClient, now());
    ASSERT_TRUE(std::holds_alternative<Denied>(byA));
    EXPECT_TRUE(is_protected(id));

    // Masked at both schools: page, list, search by number, export.
    for (const auto& [v, school] : {std::pair{a_, std::string("A")}, std::pair{b_, std::string("B")}}) {
        const auto p = page(v, school, id);
        EXPECT_TRUE(p.student.protected_identity) << school;
        EXPECT_EQ(p.number, "") << school;
        EXPECT_EQ(p.student.name, "") << school;
        ListQuery byNumber;
        byNumber.number = std::string(kNumber);
        const auto rows = listed(v, school, byNumber).rows;
        ASSERT_EQ(rows.size(), 1u) << school;
        EXPECT_EQ(rows[0].number, "") << school;
        EXPECT_EQ(rows[0].row.student.name, "") << school;
        for (bool full : {false, true}) {
            const auto csv = exported(v, school, full);
            EXPECT_EQ(csv.find("821105"), std::string::npos) << school;
            EXPECT_EQ(csv.find("Andersson"), std::string::npos) << school;
            EXPECT_NE(csv.find(";skyddad;"), std::string::npos) << school;
        }
    }
    // A file at B that names the person: its preview masks them too.
    const std::string file = "personnummer;utbildning;studieperiod;handelse;datum;godkand\n" + std::string(kNumber) +
                             ";EKO9;HT;studieresultat;" + to_string(today()) + ";ja\n";
    auto up = svc_.preview(b_, "B", file, "b.csv", kClient, now());
    ASSERT_TRUE(std::holds_alternative<Upload>(up));
    EXPECT_TRUE(std::get<Upload>(up).plan.rows.at(0).protected_identity);
    EXPECT_EQ(std::get<Upload>(up).plan.rows.at(0).masked, "");

    // Only the agency lifts it; then A sees its own name and the number again, B still no name of A's.
    auto notAgency = svc_.set_protection(a_, id, false, kClient, now());
    ASSERT_TRUE(std::holds_alternative<Denied>(notAgency));
    EXPECT_EQ(std::get<Denied>(notAgency).why, Refusal::not_allowed);
    EXPECT_TRUE(is_protected(id));
    portal::Viewer agency;
    agency.person.username = Username{"verket"};
    agency.agency_admin = true;
    ASSERT_TRUE(std::holds_alternative<std::monostate>(svc_.set_protection(agency, id, false, kClient, now())));
    EXPECT_FALSE(is_protected(id));
    EXPECT_EQ(page(a_, "A", id).student.name, "Anna Andersson");
    EXPECT_EQ(page(a_, "A", id).number, "821105-9954");
    EXPECT_EQ(page(b_, "B", id).student.name, "");
    // And B (any school) may set it again; the agency may set it too.
    ASSERT_TRUE(std::holds_alternative<std::monostate>(svc_.set_student(b_, "B", id, "", true, kClient, now())));
    EXPECT_TRUE(is_protected(id));
    EXPECT_EQ(name_at("A", id), "Anna Andersson");
    ASSERT_TRUE(std::holds_alternative<std::monostate>(svc_.set_protection(agency, id, false, kClient, now())));
    ASSERT_TRUE(std::holds_alternative<std::monostate>(svc_.set_protection(agency, id, true, kClient, now())));
    EXPECT_TRUE(is_protected(id));
    EXPECT_TRUE(std::holds_alternative<Denied>(svc_.set_protection(agency, 999999, true, kClient, now())));
}

// Issue [9] item 1: a version published before the study weeks were counted anew stores the pace
// derived then; a new enrollment takes the pace by today's rules, as students see it.
TEST_F(ReportsAcrossSchools, ANewEnrollmentTakesThePeriodsPaceByTodaysRulesNotTheOneStoredWhenPublished) {
    {
        auto tx = store_->begin(ports::TxMode::write);
        auto e = tx->studietider().education(SchoolCode{"A"}, "EKO1");
        ASSERT_TRUE(e);
        auto published = tx->studietider().public_educations({e->id});
        ASSERT_EQ(published.size(), 1u);
        ASSERT_EQ(published.front().periods.size(), 1u);
        PublishedPeriod stale = published.front().periods.front();
        ASSERT_EQ(stale.pace, studietider::Pace::full);
        stale.version += 1;
        stale.pace = studietider::Pace::half;  // what an older rule might have stored
        tx->studietider().publish_period(stale);
        tx->commit();
    }
    const auto id = reported(a_, "A", start("EKO1", "Anna Andersson"));
    const auto atA = page(a_, "A", id);
    ASSERT_EQ(atA.enrollments.size(), 1u);
    EXPECT_EQ(atA.enrollments.front().enrollment.plan.pace, studietider::Pace::full);
}

}  // namespace
}  // namespace mina::reports

namespace mina::reports {
namespace {

// "Today" is the local date ([9] item 6): from midnight to 01.00 Swedish time (02.00 in summer) the UTC
// date is still yesterday, and an avbrott dated today was refused as lying in the future.
TEST_F(ReportsAcrossSchools, AnEventDatedTodayIsTodayInSwedenFromLocalMidnight) {
    ASSERT_GT(reported(a_, "A", start("EKO1", "Anna Andersson")), 0);
    clock_.set(from_unix(1'800'000'000 - 8 * 3600 + 23 * 3600 + 30 * 60));  // 2027-01-15 23:30 UTC, 00.30 on the 16th
    const Date local_today = time::Zone::stockholm().day_of(now());
    ASSERT_EQ(to_string(local_today), "2027-01-16");
    Fields stop = start("EKO1", "Anna Andersson");
    stop.kind = "avbrott";
    stop.day = to_string(local_today);
    auto in_utc = svc_.report(a_, "A", stop, kClient, now());
    EXPECT_FALSE(std::holds_alternative<Reported>(in_utc)) << "by UTC's date it lies in the future";
    Service in_sweden{*store_, vault_, tokens_, time::Zone::stockholm()};
    auto r = in_sweden.report(a_, "A", stop, kClient, now());
    EXPECT_TRUE(std::holds_alternative<Reported>(r)) << "by the Swedish date it is today";
}

}  // namespace
}  // namespace mina::reports
