#include "web/charts.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mina::web::charts {
namespace {

/// The heights of the bars, in order.
std::vector<double> heights(const std::string& svg) {
    std::vector<double> out;
    const std::string key = "height=\"";
    for (auto at = svg.find("<rect"); at != std::string::npos; at = svg.find("<rect", at + 1)) {
        const auto h = svg.find(key, at) + key.size();
        out.push_back(std::stod(svg.substr(h, svg.find('"', h) - h)));
    }
    return out;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

BarChart weeks(std::vector<std::int64_t> values) {
    BarChart c{"chart-reports",
               "Rapporter per vecka, vecka 38–41: högst 400 vecka 40",
               "Totalt 700 rapporter under veckorna 38–41.",
               "Inga rapporter ännu",
               {}};
    int week = 38;
    for (auto v : values) c.bars.push_back({std::to_string(week++), v});
    return c;
}

TEST(Charts, BarsScaleToTheHighest) {
    const auto svg = charts::svg(weeks({100, 200, 400, 0}));
    const auto h = heights(svg);
    ASSERT_EQ(h.size(), 3U) << "a bar of 0 is not drawn";
    EXPECT_DOUBLE_EQ(h[2], 2 * h[1]);
    EXPECT_DOUBLE_EQ(h[1], 2 * h[0]);
    EXPECT_DOUBLE_EQ(h[2], 170) << "the highest reaches the top line";
    EXPECT_NE(svg.find(">400</text>"), std::string::npos) << "the top line and the bar say the highest value";
    EXPECT_EQ(svg.find("Inga rapporter ännu"), std::string::npos);
}

TEST(Charts, AnImageNamedAndDescribedThatScalesToItsContainer) {
    const auto svg = charts::svg(weeks({1, 2}));
    EXPECT_EQ(svg.rfind("<svg ", 0), 0U);
    EXPECT_NE(svg.find("role=\"img\""), std::string::npos);
    EXPECT_NE(svg.find("viewBox=\"0 0 420 220\""), std::string::npos);
    EXPECT_NE(svg.find("width=\"100%\""), std::string::npos);
    EXPECT_NE(svg.find("aria-labelledby=\"chart-reports-title\""), std::string::npos);
    EXPECT_NE(svg.find("aria-describedby=\"chart-reports-desc\""), std::string::npos);
    EXPECT_NE(
        svg.find("<title id=\"chart-reports-title\">Rapporter per vecka, vecka 38–41: högst 400 vecka 40</title>"),
        std::string::npos);
    EXPECT_NE(svg.find("<desc id=\"chart-reports-desc\">Totalt 700 rapporter"), std::string::npos);
    EXPECT_EQ(svg.find("style="), std::string::npos) << "no inline style: the page's CSP forbids it";
    EXPECT_EQ(svg.find("<script"), std::string::npos);
}

TEST(Charts, EveryAxisLabelIsWrittenUnderItsBar) {
    const auto svg = charts::svg(weeks({5, 0, 7, 1}));
    for (const char* week : {">38<", ">39<", ">40<", ">41<"}) EXPECT_NE(svg.find(week), std::string::npos) << week;
    // A bar without a label (a crowded axis) has none.
    BarChart days = weeks({});
    for (int i = 0; i < 30; ++i) days.bars.push_back({i % 7 == 0 ? "d" + std::to_string(i) : "", i});
    const auto many = charts::svg(days);
    EXPECT_EQ(count(many, "class=\"chart-label\""), 5U);
    EXPECT_EQ(count(many, "class=\"chart-value\""), 0U) << "thirty values above thirty bars would not be read";
}

TEST(Charts, NoDataIsAnEmptyChartThatSaysSo) {
    for (const auto& values : {std::vector<std::int64_t>{0, 0, 0}, std::vector<std::int64_t>{}}) {
        const auto svg = charts::svg(weeks(values));
        EXPECT_TRUE(heights(svg).empty());
        EXPECT_NE(svg.find(">Inga rapporter ännu</text>"), std::string::npos);
        EXPECT_NE(svg.find("class=\"chart-axis\""), std::string::npos) << "the axis stays";
        EXPECT_EQ(svg.find("nan"), std::string::npos);
        EXPECT_EQ(svg.find("inf"), std::string::npos);
    }
}

TEST(Charts, TextIsEscaped) {
    BarChart c{"c\"1", "<script>alert('x')</script> & more", "a \"quoted\" <b>", "Inga & inget", {{"<v>", 0}}};
    const auto svg = charts::svg(c);
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_EQ(svg.find("<b>"), std::string::npos);
    EXPECT_EQ(svg.find("<v>"), std::string::npos);
    EXPECT_NE(svg.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"), std::string::npos);
    EXPECT_NE(svg.find("a &quot;quoted&quot; &lt;b&gt;"), std::string::npos);
    EXPECT_NE(svg.find("id=\"c&quot;1-title\""), std::string::npos);
    EXPECT_NE(svg.find(">&lt;v&gt;</text>"), std::string::npos);
    EXPECT_NE(svg.find(">Inga &amp; inget</text>"), std::string::npos);
    EXPECT_EQ(escape("å & ö"), "å &amp; ö");
}

}  // namespace
}  // namespace mina::web::charts
