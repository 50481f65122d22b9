#include "core/policy.hpp"

#include <algorithm>

namespace mina {

PasswordAge classify_password_age(Timestamp set_at, Timestamp now, const PolicyConfig& p) {
    const Seconds age = now - set_at;
    if (age >= p.password_max_age) return PasswordAge::expired;
    if (age >= p.password_nudge_age) return PasswordAge::nudge;
    return PasswordAge::fresh;
}

Seconds client_delay_after(int failures, const PolicyConfig& p) {
    const int over = failures - p.client_max_failures;
    if (over < 0) return Seconds{0};
    const int shift = std::min(over, 16);
    return std::min(Seconds{std::int64_t{1} << shift}, p.client_max_delay);
}

}  // namespace mina
