#include <gtest/gtest.h>

#include "core/login/policy.hpp"

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

TEST(ClientThrottleKey, Ipv4IsItselfAndIpv6IsItsPrefix) {
    EXPECT_EQ(PolicyConfig{}.client_ipv6_prefix, 64);
    EXPECT_EQ(client_throttle_key("203.0.113.7", 64), "203.0.113.7");
    EXPECT_NE(client_throttle_key("203.0.113.7", 64), client_throttle_key("203.0.113.8", 64));
    // Every address of one /64 is one client, written one way however it was written.
    const std::string key = client_throttle_key("2001:db8:1:2::1", 64);
    EXPECT_EQ(key, "2001:db8:1:2:0:0:0:0/64");
    for (const char* a : {"2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:DB8:1:2:a:b:c:d", "2001:0db8:0001:0002::",
                          "[2001:db8:1:2::99]", "2001:db8:1:2::5%eth0", "2001:db8:1:2:0:0:1.2.3.4"})
        EXPECT_EQ(client_throttle_key(a, 64), key) << a;
    EXPECT_NE(client_throttle_key("2001:db8:1:3::1", 64), key);
    // Other prefixes: /48 joins neighbouring /64s, /128 keeps each address alone, /56 cuts mid-group.
    EXPECT_EQ(client_throttle_key("2001:db8:1:3::1", 48), client_throttle_key("2001:db8:1:2::1", 48));
    EXPECT_EQ(client_throttle_key("2001:db8:1:2::1", 128), "2001:db8:1:2:0:0:0:1/128");
    EXPECT_NE(client_throttle_key("2001:db8:1:2::1", 128), client_throttle_key("2001:db8:1:2::2", 128));
    EXPECT_EQ(client_throttle_key("2001:db8:1:2ff::1", 56), "2001:db8:1:200:0:0:0:0/56");
    EXPECT_EQ(client_throttle_key("::1", 64), "0:0:0:0:0:0:0:0/64");
    EXPECT_EQ(client_throttle_key("::", 64), "0:0:0:0:0:0:0:0/64");
    EXPECT_EQ(client_throttle_key("fe80::", 64), "fe80:0:0:0:0:0:0:0/64");
}

TEST(ClientThrottleKey, Ipv4MappedIpv6IsTheIpv4Address) {
    EXPECT_EQ(client_throttle_key("::ffff:203.0.113.7", 64), "203.0.113.7");
    EXPECT_EQ(client_throttle_key("::FFFF:cb00:7107", 64), "203.0.113.7");
    EXPECT_EQ(client_throttle_key("0:0:0:0:0:ffff:203.0.113.7", 64), "203.0.113.7");
    EXPECT_NE(client_throttle_key("::ffff:203.0.113.7", 64), client_throttle_key("::ffff:203.0.113.8", 64));
}

TEST(ClientThrottleKey, WhatIsNoAddressIsItsOwnKey) {
    for (const char* a : {"", "-", "unix", "1.2.3", "1.2.3.256", "1.2.3.4.5", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
                          "1::2::3", "12345::", ":1::", "1:", "g::1", "::1.2.3", "1.2.3.4:80"})
        EXPECT_EQ(client_throttle_key(a, 64), a) << a;
}

}  // namespace mina
