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

namespace mina::web {
namespace {

TEST(HtmlKeepingDates, EscapesAndKeepsEachDayOnOneLine) {
    EXPECT_EQ(html_keeping_dates("EK-DEMO DEMO 2026-10-08–2027-04-06"),
              "EK-DEMO DEMO <span class=\"nowrap\">2026-10-08</span>–<span class=\"nowrap\">2027-04-06</span>");
    EXPECT_EQ(html_keeping_dates("Senast inloggad 2026-12-07 02:47."),
              "Senast inloggad <span class=\"nowrap\">2026-12-07 02:47</span>.");
    EXPECT_EQ(html_keeping_dates("kl. 2026-12-07 9.15"), "kl. <span class=\"nowrap\">2026-12-07</span> 9.15");
    // Everything else is escaped, a date-like text inside a number is not a date.
    EXPECT_EQ(html_keeping_dates("<script>\"x\" & 'y'</script>"),
              "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;");
    EXPECT_EQ(html_keeping_dates("12026-10-08 2026-1-08 2026-10-0"), "12026-10-08 2026-1-08 2026-10-0");
    EXPECT_EQ(html_keeping_dates(""), "");
}

}  // namespace
}  // namespace mina::web
