#include "core/stats/statistics.hpp"

#include <gtest/gtest.h>

#include "core/idm/admin.hpp"
#include "crypto/sodium.hpp"
#include "time/local_time.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

Date ymd(int y, int m, int d) { return *Date::from_ymd(y, m, d); }
Timestamp utc(int y, int m, int d, int h, int min) {
    return from_unix(to_unix(utc_days().start_of(ymd(y, m, d))) + h * 3600 + min * 60);
}

TEST(StatsWeeks, IsoWeekNumbers) {
    EXPECT_EQ(stats::iso_week(ymd(2026, 12, 7)), 50);
    EXPECT_EQ(stats::iso_week(ymd(2026, 1, 1)), 1);    // a Thursday
    EXPECT_EQ(stats::iso_week(ymd(2027, 1, 1)), 53);   // a Friday: the last week of 2026
    EXPECT_EQ(stats::iso_week(ymd(2024, 12, 30)), 1);  // a Monday: the first week of 2025
    EXPECT_EQ(stats::iso_week(ymd(2026, 12, 31)), 53);
}

class StatsTest : public ::testing::Test {
   protected:
    void SetUp() override {
        for (const char* code : {"S1", "S2"})
            ASSERT_TRUE(std::holds_alternative<admin::Done>(
                admin_.add_school({SchoolCode{code}, code, SchoolForm::komvux}, who_, clock_.now())));
        anna_ = person("Anna", "anna@example.se", {{"S1", Role::school_admin}});
        agnes_ = person("Agnes", "agnes@csn.example", {{"", Role::agency_admin}});
        pelle_ = person("Pelle", "pelle@example.se", {{"S2", Role::studietider}});
    }
    Username person(const std::string& first, const std::string& email,
                    const std::vector<std::pair<std::string, Role>>& grants) {
        auto u = std::get<Username>(admin_.add_person(first, "Test", email, who_, clock_.now()));
        for (const auto& [school, role] : grants)
            EXPECT_TRUE(std::holds_alternative<admin::Done>(admin_.grant(u, school, role, who_, clock_.now())));
        return u;
    }
    portal::Viewer viewer(const Username& u) {
        auto tx = store_->begin(ports::TxMode::read);
        portal::Viewer v;
        v.person = *tx->accounts().find(u);
        auto access = tx->grants().access(v.person.id);
        v.access = access.schools;
        v.agency_admin = access.agency_admin;
        return v;
    }
    void event(Timestamp at, audit::Kind kind, const Username& subject, const std::string& school = {}) {
        auto tx = store_->begin(ports::TxMode::write);
        tx->audit().append({at, subject.value(), "10.0.0.1", kind, subject.value(), school, {}});
        tx->commit();
    }
    static std::int64_t on(const std::vector<stats::DayCount>& days, Date d) {
        for (const auto& x : days)
            if (x.day == d) return x.count;
        ADD_FAILURE() << "no " << to_string(d);
        return -1;
    }

    PolicyConfig policy_;
    test::FakeClock clock_{utc(2026, 10, 26, 12, 0)};
    test::CountingHasher hasher_;
    crypto::SodiumTokens tokens_;
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    admin::Service admin_{*store_, hasher_, tokens_, policy_};
    admin::Actor who_{"cli:test", "local"};
    stats::Service stats_{*store_, time::Zone::stockholm()};
    Username anna_{""}, agnes_{""}, pelle_{""};
};

TEST_F(StatsTest, DaysAreLocalDaysAcrossTheChangeOfClock) {
    // 25 October 2026 has 25 hours in Stockholm (02:00 summer time becomes 01:00 winter time).
    event(utc(2026, 10, 24, 22, 30), "login.success", anna_);  // 00:30 on the 25th, summer time
    event(utc(2026, 10, 25, 22, 30), "login.success", anna_);  // 23:30 on the 25th, winter time
    event(utc(2026, 10, 25, 23, 10), "login.success", anna_);  // 00:10 on the 26th
    event(utc(2026, 10, 26, 9, 0), "account.locked", pelle_);
    event(utc(2026, 9, 26, 21, 59), "login.success", anna_);  // 23:59 on 26 September: 31 days ago
    const auto f = std::get<stats::Figures>(stats_.figures(viewer(agnes_), "", clock_.now()));
    EXPECT_FALSE(f.school) << "every school";
    ASSERT_EQ(f.logins.size(), 30U);
    EXPECT_EQ(f.logins.front().day, ymd(2026, 9, 27));
    EXPECT_EQ(f.logins.back().day, ymd(2026, 10, 26));
    EXPECT_EQ(on(f.logins, ymd(2026, 10, 24)), 0);
    EXPECT_EQ(on(f.logins, ymd(2026, 10, 25)), 2);
    EXPECT_EQ(on(f.logins, ymd(2026, 10, 26)), 1);
    EXPECT_EQ(on(f.locks, ymd(2026, 10, 26)), 1);
    std::int64_t all = 0;
    for (const auto& d : f.logins) all += d.count;
    EXPECT_EQ(all, 3) << "the login 31 days ago is outside";
    ASSERT_EQ(f.reports.size(), 12U);
    EXPECT_EQ(f.reports.back().monday, ymd(2026, 10, 26));
    EXPECT_EQ(f.reports.back().week, 44);
    EXPECT_EQ(f.reports.front().week, 33);
}

TEST_F(StatsTest, AnEventOfNoSchoolCountsWhereItsPersonHoldsAGrant) {
    event(utc(2026, 10, 26, 8, 0), "login.success", anna_);
    event(utc(2026, 10, 26, 8, 5), "login.success", pelle_);
    event(utc(2026, 10, 26, 8, 6), "login.success", pelle_, "S1");  // written for S1: counts there
    const auto s1 = std::get<stats::Figures>(stats_.figures(viewer(agnes_), "S1", clock_.now()));
    ASSERT_TRUE(s1.school);
    EXPECT_EQ(s1.school->code.value(), "S1");
    EXPECT_EQ(on(s1.logins, ymd(2026, 10, 26)), 2);
    const auto s2 = std::get<stats::Figures>(stats_.figures(viewer(agnes_), "S2", clock_.now()));
    EXPECT_EQ(on(s2.logins, ymd(2026, 10, 26)), 1);
    const auto all = std::get<stats::Figures>(stats_.figures(viewer(agnes_), "", clock_.now()));
    EXPECT_EQ(on(all.logins, ymd(2026, 10, 26)), 3);
}

TEST_F(StatsTest, ASchoolAdminSeesTheirSchoolOnlyAndOthersNothing) {
    const auto own = stats_.figures(viewer(anna_), "", clock_.now());
    ASSERT_TRUE(std::holds_alternative<stats::Figures>(own));
    EXPECT_EQ(std::get<stats::Figures>(own).school->code.value(), "S1");
    EXPECT_FALSE(std::get<stats::Figures>(own).all_allowed);
    EXPECT_EQ(std::get<stats::Figures>(own).schools.size(), 1U);
    const auto other = stats_.figures(viewer(anna_), "S2", clock_.now());
    ASSERT_TRUE(std::holds_alternative<stats::Refused>(other));
    EXPECT_EQ(std::get<stats::Refused>(other).problem, stats::Problem::not_allowed);
    EXPECT_EQ(std::get<stats::Refused>(stats_.figures(viewer(anna_), "NOPE", clock_.now())).problem,
              stats::Problem::not_allowed);
    EXPECT_EQ(std::get<stats::Refused>(stats_.figures(viewer(pelle_), "", clock_.now())).problem,
              stats::Problem::not_allowed);
    EXPECT_EQ(std::get<stats::Refused>(stats_.figures(viewer(pelle_), "S2", clock_.now())).problem,
              stats::Problem::not_allowed);
    EXPECT_EQ(std::get<stats::Refused>(stats_.figures(viewer(agnes_), "NOPE", clock_.now())).problem,
              stats::Problem::no_such_school);
}

}  // namespace
}  // namespace mina
