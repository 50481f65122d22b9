// The domain's records: schools, people, grants and sessions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace mina {

/// The school forms of the manual §1.1, with the words the agency's scripts use.
enum class SchoolForm { hogskola, folkhogskola, komvux, gymnasieskola, yrkeshogskola, annan_eftergymnasial };

[[nodiscard]] std::optional<SchoolForm> parse_school_form(std::string_view text);
[[nodiscard]] std::string_view to_string(SchoolForm f);

/// A grant's role: one of the two services, or an administrative role (SPEC §1).
enum class Role { studeranderapportering, studietider, school_admin, agency_admin };

[[nodiscard]] std::optional<Role> parse_role(std::string_view text);
[[nodiscard]] std::string_view to_string(Role r);
/// The two web services of the manual §1 are roles that appear in the portal's menu.
[[nodiscard]] constexpr bool is_service(Role r) { return r == Role::studeranderapportering || r == Role::studietider; }

struct School {
    SchoolCode code;
    std::string name;
    SchoolForm form{SchoolForm::gymnasieskola};
};

struct Person {
    PersonId id;
    Username username;
    std::string first_name;
    std::string last_name;
    std::string email;
    std::string lang;            // "sv" or "en"; empty: follow the browser
    std::string default_school;  // school code chosen in Anpassa; empty: none
    [[nodiscard]] std::string display_name() const { return first_name + " " + last_name; }
};

/// What the login flow needs of an account: the credential and the lockout state.
struct Credential {
    PersonId id;
    std::string password_hash;  // empty: no own password yet
    std::optional<Timestamp> password_set_at;
};

struct Grant {
    PersonId person;
    std::optional<SchoolCode> school;  // none for agency-wide roles
    Role role{Role::studietider};
};

/// A school the person may act for, with the services granted there (R11, R12).
struct SchoolAccess {
    School school;
    std::vector<Role> roles;
    [[nodiscard]] bool has(Role r) const {
        for (Role x : roles)
            if (x == r) return true;
        return false;
    }
};

/// Everything a person's grants allow, as every page after login needs it.
struct Access {
    std::vector<SchoolAccess> schools;  // ordered by school name
    bool agency_admin = false;
};

struct Session {
    std::string id_hash;  // the cookie's value is never stored, only its hash
    PersonId person;
    std::string csrf_token;
    Timestamp created_at;
    Timestamp last_seen_at;
    std::string school;  // "Vald skola"; empty until chosen
    bool nudge_password{false};
};

}  // namespace mina
