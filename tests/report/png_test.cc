#include "report/png.h"

#include <gtest/gtest.h>

#include "data/image_decode.h"

namespace octet::report {
namespace {

TEST(Base64, Rfc4648Vectors) {
  auto b64 = [](const std::string& s) {
    return base64_encode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  };
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg==");
  EXPECT_EQ(b64("fo"), "Zm8=");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("foob"), "Zm9vYg==");
  EXPECT_EQ(b64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
  const std::vector<uint8_t> high = {0xff, 0xfe, 0xfb};
  EXPECT_EQ(base64_encode(high), "//77");
}

TEST(Png, RoundTripsThroughTheDecoderGrayAndRgb) {
  for (int channels : {1, 3}) {
    const int w = 5, h = 3;
    std::vector<uint8_t> pixels(w * h * channels);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 37 + 11);
    auto png = encode_png(pixels, w, h, channels);
    ASSERT_TRUE(png.ok()) << png.status().message();
    data::DecodedImage img;
    ASSERT_TRUE(data::decode_png(png->data(), png->size(), &img).ok());
    EXPECT_EQ(img.width, w);
    EXPECT_EQ(img.height, h);
    EXPECT_EQ(img.channels, channels);
    EXPECT_EQ(img.pixels, pixels);
    EXPECT_EQ(png_data_uri(*png).rfind("data:image/png;base64,iVBORw0KGgo", 0), 0u);  // PNG signature
  }
}

TEST(Png, RejectsBadShapes) {
  std::vector<uint8_t> pixels(12);
  auto wrong_size = encode_png(pixels, 5, 3, 1);
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_NE(wrong_size.status().message().find("12 bytes for a 5x3x1 image"), std::string::npos);
  EXPECT_FALSE(encode_png(pixels, 2, 3, 2).ok());
  EXPECT_FALSE(encode_png({}, 0, 0, 1).ok());
}

TEST(Upscale, NearestNeighbourCopiesBlocks) {
  const std::vector<uint8_t> px = {1, 2, 3, 4, 5, 6};  // 1x2 RGB
  const auto up = upscale_nearest(px, 2, 1, 3, 2);       // 4x2 RGB
  const std::vector<uint8_t> expected = {1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6,
                                         1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6};
  EXPECT_EQ(up, expected);
}

}  // namespace
}  // namespace octet::report
