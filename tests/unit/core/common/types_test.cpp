#include <gtest/gtest.h>

#include "core/common/types.hpp"

namespace mina {

TEST(Duration, ParsesTheOperatorsUnits) {
    EXPECT_EQ(parse_duration("30m"), Seconds{1800});
    EXPECT_EQ(parse_duration("365d"), Seconds{365 * 86400});
    EXPECT_EQ(parse_duration("2s"), Seconds{2});
    EXPECT_EQ(parse_duration("12h"), Seconds{12 * 3600});
    EXPECT_EQ(parse_duration("1w"), Seconds{7 * 86400});
    EXPECT_EQ(parse_duration("1h30m"), Seconds{5400});
}

TEST(Duration, RefusesWhatIsNotADuration) {
    for (const char* bad : {"", "30", "m", "30x", "-5m", "3.5h", "30m ", "99999999999d"})
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
}

TEST(Duration, FormatsWithTheLargestExactUnit) {
    EXPECT_EQ(format_duration(Seconds{1800}), "30m");
    EXPECT_EQ(format_duration(Seconds{365 * 86400}), "365d");
    EXPECT_EQ(format_duration(Seconds{90}), "90s");
    EXPECT_EQ(format_duration(Seconds{0}), "0s");
}

TEST(Time, FormatsIso8601InUtc) { EXPECT_EQ(format_iso(from_unix(0)), "1970-01-01T00:00:00Z"); }

}  // namespace mina
