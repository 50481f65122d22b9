// The manual's rules as numbers (SPEC §2), and the pure arithmetic over them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <vector>

#include "core/common/model.hpp"
#include "core/common/types.hpp"

namespace mina {

struct PolicyConfig {
    int max_failed_logins = 3;                // R6: the 4th consecutive failure locks
    Seconds lockout{30 * 60};                 // R6
    Seconds password_max_age{365 * 86400};    // R7
    Seconds password_nudge_age{182 * 86400};  // R7
    Seconds otp_email_delay{2 * 86400};       // R3
    Seconds otp_ttl_first{30 * 86400};        // SPEC §4
    Seconds otp_ttl_reset{15 * 60};           // SPEC §4
    Seconds session_idle{30 * 60};            // SPEC §4
    Seconds session_absolute{12 * 3600};      // SPEC §4
    int client_max_failures = 10;             // per client address, before slowing down
    Seconds client_window{15 * 60};           // the window those failures are counted in
    Seconds client_max_delay{60};             // the longest slowdown a client is asked to wait
    int client_ipv6_prefix = 64;              // IPv6 clients are throttled by this prefix (SPEC §4)
    /// [12]: whoever holds one of these roles anywhere proves a second factor at login, and enrols
    /// one before any other page.
    std::vector<Role> second_factor_roles{Role::agency_admin, Role::school_admin};
};

enum class PasswordAge { fresh, nudge, expired };

/// R7: a password is valid for `password_max_age`; from `password_nudge_age` on the person is nudged.
/// Both boundaries are inclusive: at exactly 365 days the password has expired.
[[nodiscard]] PasswordAge classify_password_age(Timestamp set_at, Timestamp now, const PolicyConfig& p);

/// The per-client slowdown (SPEC §4): after `client_max_failures` failures within the window each
/// further failure doubles the wait, up to `client_max_delay`. Returns the wait after `failures`.
[[nodiscard]] Seconds client_delay_after(int failures, const PolicyConfig& p);

/// The key the per-client throttle counts under (SPEC §4): an IPv4 address as it is; an IPv6
/// address grouped by its first `ipv6_prefix` bits ("2001:db8:0:0:0:0:0:0/64"), since one
/// subscriber usually holds a whole /64; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4
/// address it carries. Brackets and a zone (%eth0) are ignored. Anything else (no address at all)
/// is its own key.
[[nodiscard]] std::string client_throttle_key(std::string_view address, int ipv6_prefix);

}  // namespace mina
