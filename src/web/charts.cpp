#include "web/charts.hpp"

#include <algorithm>
#include <cstdio>

namespace mina::web::charts {

namespace {

// The plot inside the viewBox: room on the left for the scale, below for the axis labels, above for
// the values.
constexpr double kLeft = 44;
constexpr double kRight = 8;
constexpr double kTop = 20;
constexpr double kBottom = 30;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kPlotHeight = kHeight - kTop - kBottom;

/// One decimal at most, as SVG reads numbers (a point, never a comma).
std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    std::string s(buf);
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
    return s;
}

void text(std::string& out, double x, double y, std::string_view anchor, std::string_view cls, std::string_view t) {
    out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + std::string(anchor) + "\" class=\"" +
           std::string(cls) + "\">" + escape(t) + "</text>";
}

}  // namespace

std::string svg(const BarChart& c) {
    const std::string title_id = c.id + "-title";
    const std::string desc_id = c.id + "-desc";
    std::int64_t max = 0;
    for (const auto& b : c.bars) max = std::max(max, b.value);

    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 " +
                      std::to_string(kWidth) + " " + std::to_string(kHeight) + "\" width=\"100%\" aria-labelledby=\"" +
                      escape(title_id) + "\" aria-describedby=\"" + escape(desc_id) + "\" id=\"" + escape(c.id) + "\">";
    out += "<title id=\"" + escape(title_id) + "\">" + escape(c.title) + "</title>";
    out += "<desc id=\"" + escape(desc_id) + "\">" + escape(c.description) + "</desc>";

    const double base = kTop + kPlotHeight;
    // The scale: 0 at the axis, the highest value at the top line.
    out += "<line class=\"chart-axis\" x1=\"" + num(kLeft) + "\" y1=\"" + num(base) + "\" x2=\"" +
           num(kWidth - kRight) + "\" y2=\"" + num(base) + "\"/>";
    text(out, kLeft - 6, base + 4, "end", "chart-scale", "0");
    if (max > 0) {
        out += "<line class=\"chart-grid\" x1=\"" + num(kLeft) + "\" y1=\"" + num(kTop) + "\" x2=\"" +
               num(kWidth - kRight) + "\" y2=\"" + num(kTop) + "\"/>";
        text(out, kLeft - 6, kTop + 4, "end", "chart-scale", std::to_string(max));
    }

    const std::size_t n = c.bars.size();
    const double slot = n > 0 ? kPlotWidth / static_cast<double>(n) : kPlotWidth;
    const double width = std::max(1.0, slot * 0.7);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& b = c.bars[i];
        const double middle = kLeft + slot * (static_cast<double>(i) + 0.5);
        if (max > 0 && b.value > 0) {
            const double h = kPlotHeight * static_cast<double>(b.value) / static_cast<double>(max);
            out += "<rect class=\"chart-bar\" x=\"" + num(middle - width / 2) + "\" y=\"" + num(base - h) +
                   "\" width=\"" + num(width) + "\" height=\"" + num(h) + "\"/>";
            if (n <= kValueLabelsUpTo)
                text(out, middle, base - h - 5, "middle", "chart-value", std::to_string(b.value));
        }
        if (!b.axis.empty()) text(out, middle, base + 18, "middle", "chart-label", b.axis);
    }
    if (max == 0) text(out, kLeft + kPlotWidth / 2, kTop + kPlotHeight / 2, "middle", "chart-empty", c.empty);
    out += "</svg>";
    return out;
}

}  // namespace mina::web::charts
