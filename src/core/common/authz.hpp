// Who may do what at which school: the one answer the core and the web layer ask (SPEC R12, §4;
// the manual's roles). A grant is a role at a school; the agency admin's role holds for every school.
#pragma once

#include <span>
#include <string_view>

#include "core/common/model.hpp"

namespace mina::authz {

enum class Action {
    studietider,        // Studietider och utbildningar: the school's educations and periods (role studietider there)
    report_students,    // Studeranderapportering: the school's students (role studeranderapportering there)
    administer_people,  // Identity Manager: the school's people and their grants (school-admin there, or the agency)
    manage_api_keys,    // the school's keys to the reporting API (school-admin there; not the agency)
    administer_agency,  // the agency's own pages: every school, the agency's report (the agency admin; any school)
};

/// May someone with these grants (`schools`: the schools where they hold any, with the roles there;
/// `agency_admin`: the agency's role) do `what` at `school`?
[[nodiscard]] bool may(std::span<const SchoolAccess> schools, bool agency_admin, Action what, std::string_view school);

[[nodiscard]] inline bool may(const Access& access, Action what, std::string_view school) {
    return may(access.schools, access.agency_admin, what, school);
}

/// May they do `what` at some school (the entry to Identity Manager, the menu)?
[[nodiscard]] bool may_somewhere(std::span<const SchoolAccess> schools, bool agency_admin, Action what);

}  // namespace mina::authz
