#include <gtest/gtest.h>

#include "core/policy.hpp"

namespace mina {

TEST(PasswordAge, NudgeAndExpiryStartAtTheirExactAges) {
    const PolicyConfig p;
    const Timestamp set = from_unix(1'000'000);
    EXPECT_EQ(classify_password_age(set, set, p), PasswordAge::fresh);
    EXPECT_EQ(classify_password_age(set, set + p.password_nudge_age - Seconds{1}, p), PasswordAge::fresh);
    EXPECT_EQ(classify_password_age(set, set + p.password_nudge_age, p), PasswordAge::nudge);
    EXPECT_EQ(classify_password_age(set, set + p.password_max_age - Seconds{1}, p), PasswordAge::nudge);
    EXPECT_EQ(classify_password_age(set, set + p.password_max_age, p), PasswordAge::expired);
}

TEST(PasswordAge, DefaultsAreTheManuals) {
    const PolicyConfig p;
    EXPECT_EQ(p.max_failed_logins, 3);
    EXPECT_EQ(p.lockout, Seconds{30 * 60});
    EXPECT_EQ(p.password_max_age, Seconds{365 * 86400});
    EXPECT_EQ(p.password_nudge_age, Seconds{182 * 86400});
    EXPECT_EQ(p.session_idle, Seconds{30 * 60});
    EXPECT_EQ(p.session_absolute, Seconds{12 * 3600});
}

TEST(ClientThrottle, SlowsDownAfterTheAllowedFailuresAndCaps) {
    PolicyConfig p;
    p.client_max_failures = 10;
    p.client_max_delay = Seconds{60};
    EXPECT_EQ(client_delay_after(9, p), Seconds{0});
    EXPECT_EQ(client_delay_after(10, p), Seconds{1});
    EXPECT_EQ(client_delay_after(11, p), Seconds{2});
    EXPECT_EQ(client_delay_after(13, p), Seconds{8});
    EXPECT_EQ(client_delay_after(100, p), Seconds{60});
}

}  // namespace mina
