// Charts as standalone SVG text: deterministic (same input, same bytes), no external fonts, CSS or
// scripts, every label escaped, non-finite values never reach a coordinate.
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace octet::report {

struct ChartPoint {
  double x = 0, y = 0;
  // Drawn near the point when not empty: beside it if there is room, else further out with a
  // leader line, so that no two labels overlap and none covers a marker or leaves the plot.
  std::string label;
};

struct ChartSeries {
  std::string name;  // legend entry
  std::vector<ChartPoint> points;
  std::string color;  // "#rrggbb"; empty = next colour of the built-in palette
};

// Points on x/y axes. A scatter chart draws markers; a line chart also joins each series' points
// in order of x. Non-finite points (and x <= 0 on a log axis) are left out.
struct XYChart {
  std::string title, x_label, y_label;
  std::vector<ChartSeries> series;
  bool log_x = false;
  // Draws the Pareto front over all series for "higher y and lower x is better" (accuracy vs
  // latency): the points no other point beats on both.
  bool pareto_front = false;
  // The y axis never runs past this value (e.g. 100 for a percentage); NaN = no limit.
  double y_max = std::numeric_limits<double>::quiet_NaN();
  int width = 760, height = 460;
};

std::string render_scatter_chart(const XYChart& chart);
std::string render_line_chart(const XYChart& chart);

struct Bar {
  std::string label;
  double value = 0;  // +inf is drawn as a full-length bar marked "inf"; NaN as an empty "n/a" bar
};

// One bar per entry (e.g. per-layer SQNR in dB). Horizontal bars suit long layer names.
struct BarChart {
  std::string title, value_label;
  std::vector<Bar> bars;
  bool horizontal = true;
  int width = 760;  // the height follows from the number of bars when horizontal
};

std::string render_bar_chart(const BarChart& chart);

// The points of `points` on the Pareto front for "higher y, lower x is better", by ascending x.
// Non-finite points are ignored.
std::vector<ChartPoint> pareto_front(const std::vector<ChartPoint>& points);

// A rectangle in SVG coordinates: top-left corner and size.
struct TextBox {
  double x = 0, y = 0, w = 0, h = 0;
};

// Estimated width in px of `text` drawn at `font_size` in the charts' font (DejaVu Sans), on the
// wide side; UTF-8 aware.
double text_width(const std::string& text, double font_size);

// The box a point label of an XY chart occupies when its <text> starts at x on baseline_y.
TextBox point_label_box(double x, double baseline_y, const std::string& label);

// Escapes & < > " ' for XML/HTML text and attribute values.
std::string xml_escape(const std::string& text);

}  // namespace octet::report
