#include "report/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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
