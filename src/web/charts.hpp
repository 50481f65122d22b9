// Bar charts drawn on the server as inline SVG ([10] item 6): no script, no third-party library.
// The picture is one <svg role="img"> named by its <title> and described by its <desc>, so that a
// screen reader says in words what it shows; the page puts a table with the same figures beside it.
// It scales to its container (viewBox, width 100%) and writes its text in the page's font.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "web/wording.hpp"  // escape

namespace mina::web::charts {

struct Bar {
    std::string axis;  // the label under the bar ("45", "7/12"); empty: none (crowded axes)
    std::int64_t value = 0;
};

struct BarChart {
    std::string id;           // unique in the page: the ids of the title and the description
    std::string title;        // the accessible name: what it shows and its highest bar, in words
    std::string description;  // a sentence more (the range, the total)
    std::string empty;        // written across the chart when every bar is 0 ("Inga rapporter ännu")
    std::vector<Bar> bars;
};

/// The chart as an <svg> element. Bars scale to the highest value (its top line is labelled with
/// it); with no bars above 0 the axes are drawn with `empty` written across them. The value is written
/// above each bar when there are at most kValueLabelsUpTo bars.
[[nodiscard]] std::string svg(const BarChart& chart);

inline constexpr std::size_t kValueLabelsUpTo = 12;
inline constexpr int kWidth = 420;  // the viewBox: the drawing's own units, scaled by the page
inline constexpr int kHeight = 220;

}  // namespace mina::web::charts
