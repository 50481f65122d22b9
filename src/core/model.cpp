#include "core/model.hpp"

#include <array>
#include <utility>

namespace mina {

namespace {
constexpr std::array<std::pair<SchoolForm, std::string_view>, 6> kForms{{
    {SchoolForm::hogskola, "hogskola"},
    {SchoolForm::folkhogskola, "folkhogskola"},
    {SchoolForm::komvux, "komvux"},
    {SchoolForm::gymnasieskola, "gymnasieskola"},
    {SchoolForm::yrkeshogskola, "yrkeshogskola"},
    {SchoolForm::annan_eftergymnasial, "annan-eftergymnasial"},
}};
constexpr std::array<std::pair<Role, std::string_view>, 4> kRoles{{
    {Role::studeranderapportering, "studeranderapportering"},
    {Role::studietider, "studietider"},
    {Role::school_admin, "school-admin"},
    {Role::agency_admin, "agency-admin"},
}};

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view text) {
    for (const auto& [value, name] : table)
        if (name == text) return value;
    return std::nullopt;
}
template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E v) {
    for (const auto& [value, name] : table)
        if (value == v) return name;
    return "?";
}
}  // namespace

std::optional<SchoolForm> parse_school_form(std::string_view text) { return lookup(kForms, text); }
std::string_view to_string(SchoolForm f) { return name_of(kForms, f); }
std::optional<Role> parse_role(std::string_view text) { return lookup(kRoles, text); }
std::string_view to_string(Role r) { return name_of(kRoles, r); }

}  // namespace mina
