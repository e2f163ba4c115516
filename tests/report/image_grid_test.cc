#include "report/image_grid.h"

#include <gtest/gtest.h>

#include "markup_check.h"

namespace octet::report {
namespace {

using testing::count_of;
using testing::markup_problem;

GridCell cell(int channels, int truth, int pred, double conf) {
  GridCell c;
  c.width = 4;
  c.height = 3;
  c.channels = channels;
  c.pixels.assign(4 * 3 * channels, 0);
  for (size_t i = 0; i < c.pixels.size(); ++i) c.pixels[i] = static_cast<uint8_t>(i * 20);
  c.true_label = truth;
  c.predicted_label = pred;
  c.confidence = conf;
  return c;
}

TEST(PredictionGrid, OneImagePerCellWrongOnesOutlined) {
  std::vector<GridCell> cells = {cell(1, 7, 7, 0.991), cell(1, 3, 5, 0.5), cell(1, 0, 0, 1.0),
                                 cell(1, 2, 1, 0.25), cell(1, 9, 9, 0.875)};
  GridOptions opt;
  opt.columns = 2;
  opt.title = "MNIST <test>";
  auto svg = render_prediction_grid(cells, opt);
  ASSERT_TRUE(svg.ok()) << svg.status().message();
  EXPECT_EQ(markup_problem(*svg), "");
  EXPECT_EQ(count_of(*svg, "<image "), 5);
  EXPECT_EQ(count_of(*svg, "href=\"data:image/png;base64,"), 5);
  EXPECT_EQ(count_of(*svg, "class=\"cell wrong\""), 2);
  EXPECT_EQ(count_of(*svg, "stroke=\"#d62728\""), 2);
  EXPECT_NE(svg->find("true 7 / pred 7 (99.1%)"), std::string::npos);
  EXPECT_NE(svg->find("true 3 / pred 5 (50.0%)"), std::string::npos);
  EXPECT_NE(svg->find("MNIST &lt;test&gt;"), std::string::npos);
  // 2 columns, 3 rows: the 3x upscaled 4x3 images are 12x9, cells at least 150 wide.
  EXPECT_NE(svg->find("width=\"12\" height=\"9\""), std::string::npos);
  EXPECT_NE(svg->find("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"324\""), std::string::npos);
}

TEST(PredictionGrid, UsesClassNamesForRgbImages) {
  GridOptions opt;
  opt.class_names = {"airplane", "automobile", "bird & co"};
  auto svg = render_prediction_grid({cell(3, 2, 0, 0.6)}, opt);
  ASSERT_TRUE(svg.ok()) << svg.status().message();
  EXPECT_NE(svg->find("true bird &amp; co / pred airplane (60.0%)"), std::string::npos);
}

TEST(PredictionGrid, RejectsBadCells) {
  GridCell bad = cell(1, 0, 0, 1);
  bad.pixels.pop_back();
  auto r = render_prediction_grid({cell(1, 0, 0, 1), bad}, GridOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cell 1: 11 pixel bytes for a 4x3x1 image"), std::string::npos);
  GridCell two = cell(1, 0, 0, 1);
  two.channels = 2;
  EXPECT_FALSE(render_prediction_grid({two}, GridOptions{}).ok());
  GridOptions no_columns;
  no_columns.columns = 0;
  EXPECT_FALSE(render_prediction_grid({cell(1, 0, 0, 1)}, no_columns).ok());
}

}  // namespace
}  // namespace octet::report
