#include "core/common/model.hpp"

#include <array>
#include <utility>

#include "core/common/names.hpp"

namespace mina {

namespace {

using names::lookup;
using names::name_of;
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
constexpr std::array<std::pair<MailKind, std::string_view>, 6> kMailKinds{{
    {MailKind::otp_first, "otp-first"},
    {MailKind::otp_reset, "otp-reset"},
    {MailKind::account_locked, "account-locked"},
    {MailKind::expiry_reminder, "expiry-reminder"},
    {MailKind::password_changed, "password-changed"},
    {MailKind::factor_reset, "factor-reset"},
}};
constexpr std::array<std::pair<MailStatus, std::string_view>, 3> kMailStatuses{{
    {MailStatus::pending, "pending"},
    {MailStatus::sent, "sent"},
    {MailStatus::failed, "failed"},
}};

}  // namespace

std::optional<SchoolForm> parse_school_form(std::string_view text) { return lookup(kForms, text); }
std::string_view to_string(SchoolForm f) { return name_of(kForms, f); }
std::optional<Role> parse_role(std::string_view text) { return lookup(kRoles, text); }
std::string_view to_string(Role r) { return name_of(kRoles, r); }
std::string_view to_string(MailKind k) { return name_of(kMailKinds, k); }
std::optional<MailKind> parse_mail_kind(std::string_view text) { return lookup(kMailKinds, text); }
std::string_view to_string(MailStatus s) { return name_of(kMailStatuses, s); }

}  // namespace mina
