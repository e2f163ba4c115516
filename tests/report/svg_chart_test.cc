#include "report/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "markup_check.h"

namespace octet::report {
namespace {

using testing::count_of;
using testing::has_non_finite_coordinates;
using testing::markup_problem;

XYChart latency_chart() {
  XYChart c;
  c.title = "Accuracy vs latency <MNIST & CIFAR>";
  c.x_label = "latency (ms)";
  c.y_label = "accuracy (%)";
  c.log_x = true;
  c.pareto_front = true;
  c.series.push_back({"float", {{0.9, 98.8, "mnist float"}, {4.0, 71.0, "cifar float"}}, ""});
  c.series.push_back({"int8", {{0.3, 98.7, "mnist int8"}, {1.5, 70.2, "cifar <int8>"}, {2.0, 60.0, ""}}, ""});
  return c;
}

TEST(SvgChart, ScatterIsWellFormedAndEscaped) {
  const std::string svg = render_scatter_chart(latency_chart());
  EXPECT_EQ(markup_problem(svg), "");
  EXPECT_FALSE(has_non_finite_coordinates(svg));
  EXPECT_NE(svg.find("&lt;MNIST &amp; CIFAR&gt;"), std::string::npos);
  EXPECT_NE(svg.find("cifar &lt;int8&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<MNIST"), std::string::npos);
  EXPECT_EQ(count_of(svg, "<circle"), 5 + 2);  // points + legend markers
  EXPECT_EQ(count_of(svg, "<polyline"), 1);    // the Pareto front
  EXPECT_NE(svg.find(">Pareto front<"), std::string::npos);
  EXPECT_EQ(svg, render_scatter_chart(latency_chart()));  // deterministic
}

TEST(SvgChart, LogAxisTicksArePowersOfTen) {
  const std::string svg = render_scatter_chart(latency_chart());
  // Data spans 0.3 .. 4 ms: decades 0.1, 1, 10 with 2x and 5x in between.
  for (const char* tick : {">0.1<", ">0.2<", ">0.5<", ">1<", ">2<", ">5<", ">10<"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  }
}

TEST(SvgChart, NonFinitePointsAreLeftOut) {
  XYChart c = latency_chart();
  c.series[0].points.push_back({std::nan(""), 50, "nan"});
  c.series[0].points.push_back({1, std::numeric_limits<double>::infinity(), "inf"});
  c.series[0].points.push_back({-1, 50, "negative on a log axis"});
  const std::string svg = render_scatter_chart(c);
  EXPECT_EQ(markup_problem(svg), "");
  EXPECT_FALSE(has_non_finite_coordinates(svg));
  EXPECT_EQ(count_of(svg, "<circle"), 5 + 2);
}

TEST(SvgChart, YAxisStopsAtItsLimit) {
  XYChart c = latency_chart();
  c.series[0].points.push_back({1.0, 100.0, "perfect"});
  c.y_max = 100;
  const std::string svg = render_scatter_chart(c);
  EXPECT_EQ(markup_problem(svg), "");
  // The plot's top edge is y = 40: the 100% point sits on it, and no tick lies beyond it.
  EXPECT_NE(svg.find("cy=\"40.00\""), std::string::npos);
  EXPECT_EQ(svg.find(">105<"), std::string::npos);
  c.y_max = std::numeric_limits<double>::quiet_NaN();  // unlimited: the 5% margin goes above 100
  EXPECT_EQ(render_scatter_chart(c).find("cy=\"40.00\""), std::string::npos);
}

TEST(SvgChart, EmptyChartStillRenders) {
  XYChart c;
  c.title = "nothing";
  const std::string svg = render_line_chart(c);
  EXPECT_EQ(markup_problem(svg), "");
  EXPECT_NE(svg.find("no data"), std::string::npos);
}

TEST(SvgChart, LineChartJoinsEachSeries) {
  XYChart c;
  c.title = "accuracy vs bits";
  c.series.push_back({"mnist", {{8, 98.7, ""}, {4, 97.0, ""}, {6, 98.5, ""}}, "#112233"});
  c.series.push_back({"cifar", {{8, 70, ""}, {4, 40, ""}}, ""});
  const std::string svg = render_line_chart(c);
  EXPECT_EQ(markup_problem(svg), "");
  EXPECT_EQ(count_of(svg, "<polyline"), 2);
  EXPECT_NE(svg.find("stroke=\"#112233\""), std::string::npos);
  // Linear ticks: the 1-2-5 step for 40..98.7 is 10.
  EXPECT_NE(svg.find(">40<"), std::string::npos);
  EXPECT_NE(svg.find(">100<"), std::string::npos);
}

// The point labels of a rendered XY chart (the only <text> at font size 10) as boxes.
std::vector<TextBox> label_boxes(const std::string& svg) {
  static const std::regex kLabel(R"re(<text x="([-0-9.]+)" y="([-0-9.]+)" font-size="10"[^>]*>([^<]*)</text>)re");
  std::vector<TextBox> boxes;
  for (std::sregex_iterator it(svg.begin(), svg.end(), kLabel), end; it != end; ++it)
    boxes.push_back(point_label_box(std::stod((*it)[1]), std::stod((*it)[2]), (*it)[3]));
  return boxes;
}

struct Marker {
  double x, y, r;
};
std::vector<Marker> point_markers(const std::string& svg) {
  // Data markers have a white outline; legend markers do not.
  static const std::regex kMarker(R"re(<circle cx="([-0-9.]+)" cy="([-0-9.]+)" r="([0-9.]+)"[^>]*stroke="#ffffff")re");
  std::vector<Marker> markers;
  for (std::sregex_iterator it(svg.begin(), svg.end(), kMarker), end; it != end; ++it)
    markers.push_back({std::stod((*it)[1]), std::stod((*it)[2]), std::stod((*it)[3])});
  return markers;
}

TextBox plot_frame(const std::string& svg) {
  static const std::regex kFrame(
      R"re(<rect x="([-0-9.]+)" y="([-0-9.]+)" width="([0-9.]+)" height="([0-9.]+)" fill="none")re");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(svg, m, kFrame));
  return {std::stod(m[1]), std::stod(m[2]), std::stod(m[3]), std::stod(m[4])};
}

bool boxes_overlap(const TextBox& a, const TextBox& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

// Describes every label that overlaps another label, covers a marker or leaves the plot frame.
std::string label_problems(const std::string& svg) {
  const std::vector<TextBox> boxes = label_boxes(svg);
  const std::vector<Marker> markers = point_markers(svg);
  const TextBox frame = plot_frame(svg);
  std::string problems;
  auto where = [](const TextBox& b) { return "(" + std::to_string(b.x) + ", " + std::to_string(b.y) + ")"; };
  for (size_t i = 0; i < boxes.size(); ++i) {
    const TextBox& b = boxes[i];
    for (size_t j = i + 1; j < boxes.size(); ++j)
      if (boxes_overlap(b, boxes[j])) problems += "label " + where(b) + " overlaps label " + where(boxes[j]) + "\n";
    for (const Marker& m : markers) {
      // Nearest point of the box to the marker's centre, inside the circle = covered.
      const double dx = std::clamp(m.x, b.x, b.x + b.w) - m.x, dy = std::clamp(m.y, b.y, b.y + b.h) - m.y;
      if (dx * dx + dy * dy < m.r * m.r) problems += "label " + where(b) + " covers a marker\n";
    }
    if (b.x < frame.x || b.y < frame.y || b.x + b.w > frame.x + frame.w || b.y + b.h > frame.y + frame.h)
      problems += "label " + where(b) + " leaves the plot\n";
  }
  return problems;
}

TEST(SvgChart, CrowdedLabelsDoNotOverlap) {
  XYChart c;
  c.title = "crowded";
  c.log_x = true;
  c.pareto_front = true;
  c.y_max = 100;
  // micro_limit_cifar10's points (same labels, float and int8 a few pixels apart) ...
  c.series.push_back({"float", {{0.075, 98.9, "mnist_cnn"}, {0.70, 79.2, "cifar_standard"}, {0.050, 66.8, "cifar_micro"}}, ""});
  c.series.push_back({"int8", {{0.072, 98.85, "mnist_cnn"}, {0.51, 79.0, "cifar_standard"}, {0.070, 66.6, "cifar_micro"}}, ""});
  // ... and a tight cluster of twelve, one of them in the plot's top-right corner.
  ChartSeries cluster{"cluster", {}, ""};
  for (int i = 0; i < 12; ++i)
    cluster.points.push_back({0.2 + 0.004 * (i % 4), 85.0 + 0.3 * (i / 4), "model_" + std::to_string(i)});
  cluster.points.push_back({1.0, 100.0, "corner"});
  c.series.push_back(cluster);
  const std::string svg = render_scatter_chart(c);
  EXPECT_EQ(markup_problem(svg), "");
  EXPECT_FALSE(has_non_finite_coordinates(svg));
  EXPECT_EQ(label_boxes(svg).size(), 19u);
  EXPECT_EQ(point_markers(svg).size(), 19u);
  EXPECT_EQ(label_problems(svg), "");
  // The cluster has no room for every label beside its point: some hang on leader lines.
  EXPECT_GT(count_of(svg, "stroke=\"#999999\""), 0);
  EXPECT_EQ(svg, render_scatter_chart(c));  // deterministic
}

TEST(SvgChart, LabelsOfTheSampleChartStayClear) {
  EXPECT_EQ(label_problems(render_scatter_chart(latency_chart())), "");
}

TEST(SvgChart, TextWidthGrowsWithTheTextAndCountsCharactersNotBytes) {
  EXPECT_EQ(text_width("", 10), 0);
  EXPECT_GT(text_width("mnist_cnn_int8", 10), text_width("mnist_cnn", 10));
  EXPECT_GT(text_width("mmmm", 10), text_width("iiii", 10));
  EXPECT_DOUBLE_EQ(text_width("é", 10), text_width("e", 10));  // two UTF-8 bytes, one character
  EXPECT_DOUBLE_EQ(text_width("abc", 20), 2 * text_width("abc", 10));
}

TEST(ParetoFront, KeepsOnlyUnbeatenPoints) {
  const std::vector<ChartPoint> pts = {{1, 90, "a"}, {2, 95, "b"}, {3, 93, "c"}, {4, 97, "d"}, {0.5, 80, "e"},
                                       {2, 91, "f"}, {5, std::nan(""), "g"}};
  const auto front = pareto_front(pts);
  std::string labels;
  for (const auto& p : front) labels += p.label;
  EXPECT_EQ(labels, "eabd");
}

TEST(SvgChart, BarChartHandlesInfinityAndNaN) {
  BarChart c;
  c.title = "Per-layer SQNR";
  c.value_label = "SQNR (dB)";
  c.bars = {{"conv2d/Relu <1>", 41.5},
            {"dense", 28.25},
            {"identical", std::numeric_limits<double>::infinity()},
            {"empty", std::nan("")},
            {"negative", -3}};
  for (bool horizontal : {true, false}) {
    c.horizontal = horizontal;
    const std::string svg = render_bar_chart(c);
    EXPECT_EQ(markup_problem(svg), "") << horizontal;
    EXPECT_FALSE(has_non_finite_coordinates(svg)) << horizontal;
    EXPECT_EQ(count_of(svg, "<rect"), 1 + 5) << horizontal;  // background + bars
    EXPECT_NE(svg.find("conv2d/Relu &lt;1&gt;"), std::string::npos);
    EXPECT_NE(svg.find("inf</title>"), std::string::npos);
    EXPECT_NE(svg.find("n/a</title>"), std::string::npos);
    EXPECT_NE(svg.find(">41.50<"), std::string::npos);
  }
}

TEST(SvgChart, LongLabelsAreCutOnCharacterBoundaries) {
  BarChart c;
  c.bars = {{std::string(40, 'a') + "é" + std::string(10, 'b'), 1}, {std::string(35, 'c') + "ééé", 2}};
  const std::string svg = render_bar_chart(c);
  EXPECT_EQ(markup_problem(svg), "");
  EXPECT_NE(svg.find(std::string(35, 'a') + "…"), std::string::npos);
  EXPECT_NE(svg.find(std::string(35, 'c') + "…"), std::string::npos);  // é (2 bytes) not split
}

}  // namespace
}  // namespace octet::report
