#include "report/svg_to_png.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/file_io.h"
#include "data/image_decode.h"
#include "report/svg_chart.h"

namespace octet::report {
namespace {

class SvgToPng : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("octet_svg_to_png_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(SvgToPng, ConvertsAChartOrReportsTheSkip) {
  BarChart c;
  c.title = "SQNR";
  c.bars = {{"a", 10}, {"b", 20}};
  const std::string svg_path = dir_ / "chart.svg", png_path = dir_ / "chart.png";
  ASSERT_TRUE(write_file_atomic(svg_path, render_bar_chart(c)).ok());
  auto r = svg_file_to_png(svg_path, png_path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  if (!*r) {
    EXPECT_FALSE(rsvg_convert_available());
    EXPECT_FALSE(std::filesystem::exists(png_path));
    GTEST_SKIP() << "rsvg-convert is not installed (Debian librsvg2-bin)";
  }
  auto bytes = read_file(png_path);
  ASSERT_TRUE(bytes.ok());
  data::DecodedImage img;
  ASSERT_TRUE(data::decode_png(bytes->data(), bytes->size(), &img).ok());
  EXPECT_EQ(img.width, 760);
  EXPECT_GT(img.height, 50);
  // Only the PNG remains: the temporary file was renamed.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), std::filesystem::directory_iterator()), 2);
}

TEST_F(SvgToPng, FailureNamesTheFileAndLeavesNoOutput) {
  if (!rsvg_convert_available()) GTEST_SKIP() << "rsvg-convert is not installed (Debian librsvg2-bin)";
  const std::string svg_path = dir_ / "broken.svg", png_path = dir_ / "broken.png";
  ASSERT_TRUE(write_file_atomic(svg_path, std::string("<svg><not closed")).ok());
  auto r = svg_file_to_png(svg_path, png_path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(svg_path), std::string::npos);
  EXPECT_NE(r.status().message().find("rsvg-convert failed (exit 1): "), std::string::npos) << r.status().message();
  EXPECT_FALSE(std::filesystem::exists(png_path));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), std::filesystem::directory_iterator()), 1);
}

TEST_F(SvgToPng, AbsentToolIsASkipNotAnError) {
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  ::setenv("PATH", dir_.c_str(), 1);
  EXPECT_FALSE(rsvg_convert_available());
  auto r = svg_file_to_png(dir_ / "any.svg", dir_ / "any.png");
  ::setenv("PATH", saved.c_str(), 1);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

}  // namespace
}  // namespace octet::report
