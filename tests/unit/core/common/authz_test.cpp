// The whole matrix of "may this viewer do this at this school": each role a person may hold at
// their own school (or none), with and without the agency's role, for every action, at their own
// school and at another.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/common/authz.hpp"
#include "core/login/portal.hpp"

namespace mina {
namespace {

using authz::Action;

constexpr std::array kActions{Action::studietider, Action::report_students, Action::administer_people,
                              Action::manage_api_keys, Action::administer_agency};

Access holding(std::optional<Role> role, bool agency) {
    Access a;
    a.agency_admin = agency;
    SchoolAccess own;
    own.school.code = SchoolCode{"OWN"};
    if (role) own.roles.push_back(*role);
    a.schools.push_back(own);
    return a;
}

struct Row {
    std::optional<Role> role;  // held at OWN
    bool agency;
    // One character per action of kActions: '1' allowed, '0' refused.
    const char* at_own;
    const char* at_other;
};

//                                              studietider report people keys agency
constexpr std::array kMatrix{
    Row{std::nullopt, false, "00000", "00000"},
    Row{Role::studietider, false, "10000", "00000"},
    Row{Role::studeranderapportering, false, "01000", "00000"},
    Row{Role::school_admin, false, "00110", "00000"},
    Row{std::nullopt, true, "00101", "00101"},
    Row{Role::studietider, true, "10101", "00101"},
    Row{Role::studeranderapportering, true, "01101", "00101"},
    Row{Role::school_admin, true, "00111", "00101"},
};

std::string name(const Row& r) {
    return std::string(r.role ? to_string(*r.role) : "no role") + (r.agency ? " + agency-admin" : "");
}

TEST(Authz, EveryRoleEveryActionOwnAndOtherSchool) {
    for (const Row& r : kMatrix) {
        const Access a = holding(r.role, r.agency);
        for (std::size_t i = 0; i < kActions.size(); ++i) {
            EXPECT_EQ(authz::may(a, kActions[i], "OWN"), r.at_own[i] == '1') << name(r) << ", action " << i << ", own";
            EXPECT_EQ(authz::may(a, kActions[i], "OTHER"), r.at_other[i] == '1')
                << name(r) << ", action " << i << ", other school";
        }
    }
}

TEST(Authz, NoGrantsAllowNothing) {
    for (Action what : kActions) {
        EXPECT_FALSE(authz::may(Access{}, what, "OWN"));
        EXPECT_FALSE(authz::may(Access{}, what, ""));
        EXPECT_FALSE(authz::may_somewhere({}, false, what));
    }
}

TEST(Authz, AnActionSomewhereIsTheActionAtOneOfTheirSchools) {
    for (const Row& r : kMatrix) {
        const Access a = holding(r.role, r.agency);
        for (std::size_t i = 0; i < kActions.size(); ++i)
            EXPECT_EQ(authz::may_somewhere(a.schools, a.agency_admin, kActions[i]),
                      r.at_own[i] == '1' || r.at_other[i] == '1')
                << name(r) << ", action " << i;
    }
}

TEST(Authz, TheViewerAsksTheSameQuestion) {
    portal::Viewer v;
    const Access a = holding(Role::studietider, false);
    v.access = a.schools;
    v.session.school = "OWN";
    EXPECT_TRUE(v.may(Action::studietider, "OWN"));
    EXPECT_FALSE(v.may(Action::studietider, "OTHER"));
    EXPECT_FALSE(v.may(Action::report_students, "OWN"));
    v.agency_admin = true;
    EXPECT_TRUE(v.may(Action::administer_agency, {}));
    EXPECT_TRUE(v.may(Action::administer_people, "OTHER"));
    EXPECT_FALSE(v.may(Action::manage_api_keys, "OTHER"));
}

}  // namespace
}  // namespace mina
