#include "report/html.h"

#include <gtest/gtest.h>

#include "markup_check.h"
#include "report/png.h"
#include "report/svg_chart.h"

namespace octet::report {
namespace {

using testing::count_of;
using testing::markup_problem;

TEST(Html, EscapesTextEverywhere) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  HtmlPage page("Report <1> & co");
  page.heading(1, "<h1>");
  page.paragraph("x < y & \"z\"");
  page.preformatted("<script>alert(1)</script>");
  const std::string html = page.str();
  EXPECT_EQ(markup_problem(html), "");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("<title>Report &lt;1&gt; &amp; co</title>"), std::string::npos);
  EXPECT_NE(html.find("x &lt; y &amp; &quot;z&quot;"), std::string::npos);
}

TEST(Html, TablesRightAlignNumericColumns) {
  HtmlPage page("t");
  Table t;
  t.header = {"model", "accuracy", "latency", "note"};
  t.rows = {{"mnist_cnn", "98.85%", "0.41 ms", "float"}, {"mnist_cnn_int8", "98.80%", "0.18 ms", ""},
            {"x", "-", "inf", "3 flips"}};
  page.table(t);
  const std::string html = page.str();
  EXPECT_EQ(markup_problem(html), "");
  EXPECT_EQ(count_of(html, "<tr>"), 4);
  EXPECT_EQ(count_of(html, "<th>"), 4);
  // "-" is not a number, so accuracy is text; latency ("inf" included) is numeric.
  EXPECT_EQ(count_of(html, "<td class=\"num\">"), 3);
  EXPECT_NE(html.find("<td class=\"num\">0.41 ms</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>98.85%</td>"), std::string::npos);

  HtmlPage forced("t");
  t.numeric = {false, true, true, false};
  forced.table(t);
  EXPECT_EQ(count_of(forced.str(), "<td class=\"num\">"), 6);
}

TEST(Html, SelfContainedWithSvgImagesAndDetails) {
  HtmlPage page("self-contained");
  XYChart chart;
  chart.title = "chart";
  chart.series.push_back({"s", {{1, 2, "p"}}, ""});
  page.svg(render_scatter_chart(chart));
  auto png = encode_png(std::vector<uint8_t>(4, 200), 2, 2, 1);
  ASSERT_TRUE(png.ok());
  page.image(png_data_uri(*png), "gray <square>");
  page.begin_details("3 flipped samples");
  page.paragraph("7, 42, 1001");
  page.begin_details("nested");
  page.end_details();
  page.end_details();
  const std::string html = page.str();
  EXPECT_EQ(markup_problem(html), "");
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(count_of(html, "<svg"), 1);
  EXPECT_EQ(count_of(html, "<img src=\"data:image/png;base64,"), 1);
  EXPECT_EQ(count_of(html, "<details>"), 2);
  EXPECT_NE(html.find("alt=\"gray &lt;square&gt;\""), std::string::npos);
}

TEST(HtmlDeathTest, RefusesNetworkImagesAndUnclosedDetails) {
  HtmlPage page("t");
  EXPECT_DEATH(page.image("https://example.com/x.png", "x"), "data: URIs");
  page.begin_details("open");
  EXPECT_DEATH((void)page.str(), "end_details");
}

}  // namespace
}  // namespace octet::report
