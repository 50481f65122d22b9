// Sessions and the school choice (R11, R12, SPEC §4), on a real SQLite store with a fake clock.
#include <gtest/gtest.h>

#include "core/idm/admin.hpp"
#include "core/login/login.hpp"
#include "core/login/portal.hpp"
#include "unit/fakes.hpp"

namespace mina {
namespace {

class PortalTest : public ::testing::Test {
   protected:
    void SetUp() override {
        admin::Service a(*store_, hasher_, tokens_, policy_);
        const admin::Actor who{"test", "local"};
        (void)a.add_school({SchoolCode{"A"}, "Alfaskolan", SchoolForm::gymnasieskola}, who, clock_.now());
        (void)a.add_school({SchoolCode{"B"}, "Betaskolan", SchoolForm::hogskola}, who, clock_.now());
        (void)a.add_school({SchoolCode{"C"}, "Gammaskolan", SchoolForm::komvux}, who, clock_.now());
        user_ = std::get<Username>(a.add_person("Pelle", "Test", "pelle@example.se", who, clock_.now())).value();
        (void)a.set_password(Username{user_}, "ett-långt-lösenord", who, clock_.now());
        (void)a.grant(Username{user_}, "A", Role::studietider, who, clock_.now());
        (void)a.grant(Username{user_}, "A", Role::studeranderapportering, who, clock_.now());
        (void)a.grant(Username{user_}, "B", Role::studietider, who, clock_.now());
        auto out = login_.submit({user_, "ett-långt-lösenord", {"10.0.0.1", ""}, {}}, clock_.now());
        token_ = std::get<login::LoggedIn>(out).session_token;
    }

    PolicyConfig policy_;
    test::FakeClock clock_;
    test::CountingHasher hasher_;
    crypto::SodiumTokens tokens_;
    std::unique_ptr<ports::Store> store_ = test::memory_store();
    login::Service login_{*store_, hasher_, tokens_, policy_};
    portal::Service portal_{*store_, tokens_, policy_};
    std::string user_;
    std::string token_;
};

TEST_F(PortalTest, ResumesWithTheSchoolsAndTheirServices) {
    auto v = portal_.resume(token_, clock_.now());
    ASSERT_TRUE(v);
    ASSERT_EQ(v->access.size(), 2u);
    EXPECT_EQ(v->access[0].school.name, "Alfaskolan");
    EXPECT_TRUE(v->access[0].has(Role::studeranderapportering));
    EXPECT_FALSE(v->access[1].has(Role::studeranderapportering));
    EXPECT_EQ(v->chosen(), nullptr) << "two schools: the person chooses";
    EXPECT_FALSE(v->may(authz::Action::studietider, v->session.school));
}

TEST_F(PortalTest, TheMenuFollowsTheChosenSchool) {
    auto v = *portal_.resume(token_, clock_.now());
    ASSERT_EQ(portal_.choose_school(v, "B", {"10.0.0.1", ""}, clock_.now()), portal::Choice::chosen);
    v = *portal_.resume(token_, clock_.now());
    EXPECT_TRUE(v.may(authz::Action::studietider, v.session.school));
    EXPECT_FALSE(v.may(authz::Action::report_students, v.session.school));
    ASSERT_EQ(portal_.choose_school(v, "A", {"10.0.0.1", ""}, clock_.now()), portal::Choice::chosen);
    v = *portal_.resume(token_, clock_.now());
    EXPECT_TRUE(v.may(authz::Action::report_students, v.session.school));
}

TEST_F(PortalTest, ASchoolWithoutAGrantCannotBeChosen) {
    auto v = *portal_.resume(token_, clock_.now());
    EXPECT_EQ(portal_.choose_school(v, "C", {"10.0.0.1", ""}, clock_.now()), portal::Choice::not_yours);
    EXPECT_EQ(portal_.choose_school(v, "NOPE", {"10.0.0.1", ""}, clock_.now()), portal::Choice::not_yours);
    EXPECT_EQ(portal_.resume(token_, clock_.now())->session.school, "");
}

TEST_F(PortalTest, SchoolAdminsAreNamedOnlyAtTheViewersOwnSchools) {
    admin::Service a(*store_, hasher_, tokens_, policy_);
    const admin::Actor who{"test", "local"};
    const auto greta = std::get<Username>(a.add_person("Greta", "Grind", "greta@example.se", who, clock_.now()));
    const auto carl = std::get<Username>(a.add_person("Carl", "Cell", "carl@example.se", who, clock_.now()));
    (void)a.grant(greta, "A", Role::school_admin, who, clock_.now());
    (void)a.grant(greta, "A", Role::studietider, who, clock_.now());
    (void)a.grant(carl, "C", Role::school_admin, who, clock_.now());
    const auto v = *portal_.resume(token_, clock_.now());
    const auto at_a = portal_.school_admins(v, "A");
    ASSERT_EQ(at_a.size(), 1u) << "Pelle holds services at A, but only Greta is its administrator";
    EXPECT_EQ(at_a[0].display_name(), "Greta Grind");
    EXPECT_EQ(at_a[0].email, "greta@example.se");
    EXPECT_TRUE(portal_.school_admins(v, "B").empty()) << "B has none";
    EXPECT_TRUE(portal_.school_admins(v, "C").empty())
        << "Pelle holds no grant at C: its administrator is not his to see";
}

TEST_F(PortalTest, IdleTimeoutEndsTheSession) {
    clock_.advance(policy_.session_idle - Seconds{1});
    ASSERT_TRUE(portal_.resume(token_, clock_.now()));  // touches: the idle clock restarts
    clock_.advance(policy_.session_idle - Seconds{1});
    ASSERT_TRUE(portal_.resume(token_, clock_.now()));
    clock_.advance(policy_.session_idle);
    EXPECT_FALSE(portal_.resume(token_, clock_.now()));
    EXPECT_FALSE(portal_.resume(token_, clock_.now())) << "an expired session is gone for good";
}

TEST_F(PortalTest, AbsoluteTimeoutEndsEvenAnActiveSession) {
    for (int i = 0; i < 12 * 3; ++i) {
        clock_.advance(Seconds{20 * 60});
        if (!portal_.resume(token_, clock_.now())) {
            EXPECT_GE(Seconds{(i + 1) * 20 * 60}, policy_.session_absolute);
            return;
        }
    }
    FAIL() << "the session outlived the absolute timeout";
}

TEST_F(PortalTest, LogoutEndsTheSessionOnTheServer) {
    portal_.logout(token_, {"10.0.0.1", ""}, clock_.now());
    EXPECT_FALSE(portal_.resume(token_, clock_.now()));
}

TEST_F(PortalTest, UnknownOrForgedTokensAreNobody) {
    EXPECT_FALSE(portal_.resume("", clock_.now()));
    EXPECT_FALSE(portal_.resume(std::string(43, 'A'), clock_.now()));
    EXPECT_FALSE(portal_.resume(std::string(5000, 'A'), clock_.now()));
}

TEST_F(PortalTest, PreferencesAcceptOnlyKnownLanguagesAndOwnSchools) {
    auto v = *portal_.resume(token_, clock_.now());
    EXPECT_EQ(portal_.save_preferences(v, "de", "", {"x", ""}, clock_.now()), portal::Choice::not_yours);
    EXPECT_EQ(portal_.save_preferences(v, "en", "C", {"x", ""}, clock_.now()), portal::Choice::not_yours);
    EXPECT_EQ(portal_.save_preferences(v, "en", "B", {"x", ""}, clock_.now()), portal::Choice::chosen);
    auto again = login_.submit({user_, "ett-långt-lösenord", {"10.0.0.1", ""}, {}}, clock_.now());
    EXPECT_EQ(std::get<login::LoggedIn>(again).session.school, "B") << "the default school is preselected at login";
}

}  // namespace
}  // namespace mina
