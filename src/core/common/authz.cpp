#include "core/common/authz.hpp"

#include <algorithm>
#include <optional>

namespace mina::authz {

namespace {

/// The role at a school that allows `what` there, if a school role does.
std::optional<Role> school_role(Action what) {
    switch (what) {
        case Action::studietider: return Role::studietider;
        case Action::report_students: return Role::studeranderapportering;
        case Action::administer_people:
        case Action::manage_api_keys: return Role::school_admin;
        case Action::administer_agency: return std::nullopt;
    }
    return std::nullopt;
}

/// Whether the agency admin may `what` at any school without a grant there.
bool agency_may(Action what) { return what == Action::administer_people || what == Action::administer_agency; }

}  // namespace

bool may(std::span<const SchoolAccess> schools, bool agency_admin, Action what, std::string_view school) {
    if (agency_admin && agency_may(what)) return true;
    const auto role = school_role(what);
    if (!role) return false;
    return std::any_of(schools.begin(), schools.end(),
                       [&](const SchoolAccess& a) { return a.school.code.value() == school && a.has(*role); });
}

bool may_somewhere(std::span<const SchoolAccess> schools, bool agency_admin, Action what) {
    if (agency_admin && agency_may(what)) return true;
    return std::any_of(schools.begin(), schools.end(),
                       [&](const SchoolAccess& a) { return may(schools, agency_admin, what, a.school.code.value()); });
}

}  // namespace mina::authz
