#include <gtest/gtest.h>

#include "web/wording.hpp"

namespace mina::web {
namespace {

TEST(Wording, ADurationInItsLargestWholeUnit) {
    EXPECT_EQ(duration_words("sv", Seconds{30 * 60}), "30 minuter");
    EXPECT_EQ(duration_words("sv", Seconds{60}), "1 minut");
    EXPECT_EQ(duration_words("sv", Seconds{3600}), "1 timme");
    EXPECT_EQ(duration_words("sv", Seconds{90 * 60}), "90 minuter");
    EXPECT_EQ(duration_words("sv", Seconds{7200}), "2 timmar");
    EXPECT_EQ(duration_words("sv", Seconds{45}), "45 sekunder");
    EXPECT_EQ(duration_words("sv", Seconds{1}), "1 sekund");
    EXPECT_EQ(duration_words("en", Seconds{30 * 60}), "30 minutes");
    EXPECT_EQ(duration_words("en", Seconds{3600}), "1 hour");
    EXPECT_EQ(duration_words("en", Seconds{61}), "61 seconds");
}

TEST(Wording, DaysAreDagarOrDygnInSwedishAndDaysInEnglish) {
    EXPECT_EQ(duration_words("sv", Seconds{30 * 86400}), "30 dagar");
    EXPECT_EQ(duration_words("sv", Seconds{86400}), "1 dag");
    EXPECT_EQ(duration_words("sv", Seconds{86400}, DayWord::dygn), "1 dygn");
    EXPECT_EQ(duration_words("sv", Seconds{2 * 86400}, DayWord::dygn), "2 dygn");
    EXPECT_EQ(duration_words("en", Seconds{2 * 86400}, DayWord::dygn), "2 days");
    EXPECT_EQ(duration_words("en", Seconds{86400}), "1 day");
    EXPECT_EQ(duration_words("xx", Seconds{86400}), "1 dag");  // Swedish unless English
}

}  // namespace
}  // namespace mina::web
