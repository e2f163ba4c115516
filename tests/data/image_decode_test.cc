// JPEG/PNG decoding: every PNG layout we normalise (grey, RGB, palette, alpha, 16-bit, 1-bit),
// JPEG within lossy tolerance, and corrupt or truncated inputs returning errors.
#include "data/image_decode.h"

#include <gtest/gtest.h>
#include <png.h>

#include <zlib.h>

#include <cstdlib>

#include "data_test_util.h"

namespace octet::data {
namespace {

using namespace octet::data::testing;

DecodedImage decode_ok(const Bytes& b) {
  DecodedImage img;
  Status st = decode_image(b.data(), b.size(), &img);
  EXPECT_TRUE(st.ok()) << st.message();
  return img;
}

TEST(ImageDecode, PngRgbAndGreyExact) {
  const Bytes rgb = pattern_pixels(1, 5, 7, 3, 1);
  DecodedImage a = decode_ok(encode_png(rgb, 5, 7, PNG_COLOR_TYPE_RGB, 8));
  EXPECT_EQ(a.height, 5);
  EXPECT_EQ(a.width, 7);
  EXPECT_EQ(a.channels, 3);
  EXPECT_EQ(a.pixels, rgb);
  const Bytes grey = pattern_pixels(1, 6, 4, 1, 2);
  DecodedImage g = decode_ok(encode_png(grey, 6, 4, PNG_COLOR_TYPE_GRAY, 8));
  EXPECT_EQ(g.channels, 1);
  EXPECT_EQ(g.pixels, grey);
}

TEST(ImageDecode, PngPaletteBecomesRgb) {
  const Bytes palette = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
  const Bytes index = {0, 1, 2, 3, 3, 2};  // 2x3
  DecodedImage img = decode_ok(encode_png(index, 2, 3, PNG_COLOR_TYPE_PALETTE, 8, palette));
  ASSERT_EQ(img.channels, 3);
  const Bytes want = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 10, 20, 30, 0, 0, 255};
  EXPECT_EQ(img.pixels, want);
}

TEST(ImageDecode, PngAlphaIsDropped) {
  const Bytes rgba = {1, 2, 3, 0, 4, 5, 6, 128, 7, 8, 9, 255};  // 1x3
  DecodedImage img = decode_ok(encode_png(rgba, 1, 3, PNG_COLOR_TYPE_RGBA, 8));
  EXPECT_EQ(img.channels, 3);
  EXPECT_EQ(img.pixels, (Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  const Bytes ga = {50, 0, 60, 255};  // 1x2 grey + alpha
  DecodedImage g = decode_ok(encode_png(ga, 1, 2, PNG_COLOR_TYPE_GRAY_ALPHA, 8));
  EXPECT_EQ(g.channels, 1);
  EXPECT_EQ(g.pixels, (Bytes{50, 60}));
}

TEST(ImageDecode, Png16BitKeepsHighByte) {
  const Bytes rgb16 = {0x12, 0x34, 0xAB, 0xCD, 0xFF, 0xFF, 0x00, 0x01, 0x80, 0x00, 0x7F, 0xFF};  // 1x2 RGB
  DecodedImage img = decode_ok(encode_png(rgb16, 1, 2, PNG_COLOR_TYPE_RGB, 16));
  EXPECT_EQ(img.channels, 3);
  EXPECT_EQ(img.pixels, (Bytes{0x12, 0xAB, 0xFF, 0x00, 0x80, 0x7F}));
}

TEST(ImageDecode, Png1BitGreyExpandsTo0And255) {
  const Bytes bits = {0b10100000};  // 1x3: 1, 0, 1
  DecodedImage img = decode_ok(encode_png(bits, 1, 3, PNG_COLOR_TYPE_GRAY, 1));
  EXPECT_EQ(img.channels, 1);
  EXPECT_EQ(img.pixels, (Bytes{255, 0, 255}));
}

TEST(ImageDecode, JpegFlatColoursWithinTolerance) {
  const Bytes rgb = flat_image(16, 24, 3, 200, 40, 90);
  DecodedImage img = decode_ok(encode_jpeg(rgb, 16, 24, 3));
  ASSERT_EQ(img.height, 16);
  ASSERT_EQ(img.width, 24);
  ASSERT_EQ(img.channels, 3);
  for (size_t i = 0; i < img.pixels.size(); ++i) EXPECT_NEAR(img.pixels[i], rgb[i], 3) << i;
  const Bytes grey = flat_image(8, 8, 1, 77);
  DecodedImage g = decode_ok(encode_jpeg(grey, 8, 8, 1));
  EXPECT_EQ(g.channels, 1);
  for (uint8_t v : g.pixels) EXPECT_NEAR(v, 77, 2);
}

TEST(ImageDecode, ProgressiveJpegDecodesButAbsurdScanCountsAreRefused) {
  const Bytes rgb = flat_image(16, 16, 3, 30, 140, 220);
  DecodedImage img = decode_ok(encode_jpeg(rgb, 16, 16, 3, 90, 1));
  ASSERT_EQ(img.pixels.size(), rgb.size());
  for (size_t i = 0; i < rgb.size(); ++i) EXPECT_NEAR(img.pixels[i], rgb[i], 3);
  const Bytes many = encode_jpeg(rgb, 16, 16, 3, 90, 2);
  Status st = decode_image(many.data(), many.size(), &img);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("progressive scans"), std::string::npos) << st.message();
}

TEST(ImageDecode, TruncatedJpegIsAnError) {
  const Bytes j = encode_jpeg(pattern_pixels(1, 32, 32, 3, 5), 32, 32, 3);
  for (size_t cut : {size_t{3}, size_t{20}, size_t{200}, j.size() / 2, j.size() - 2}) {
    DecodedImage img;
    Status st = decode_image(j.data(), cut, &img);
    EXPECT_FALSE(st.ok()) << "cut at " << cut;
  }
}

TEST(ImageDecode, TruncatedPngIsAnError) {
  const Bytes p = encode_png(pattern_pixels(1, 16, 16, 3, 5), 16, 16, PNG_COLOR_TYPE_RGB, 8);
  for (size_t cut : {size_t{4}, size_t{8}, size_t{20}, size_t{40}, p.size() / 2, p.size() - 13, p.size() - 1}) {
    DecodedImage img;
    Status st = decode_image(p.data(), cut, &img);
    EXPECT_FALSE(st.ok()) << "cut at " << cut;
  }
}

TEST(ImageDecode, GarbageIsAnError) {
  const Bytes junk = {'h', 'e', 'l', 'l', 'o'};
  DecodedImage img;
  EXPECT_FALSE(decode_image(junk.data(), junk.size(), &img).ok());
  EXPECT_FALSE(decode_image(junk.data(), 0, &img).ok());
  Bytes fake_jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 1, 2, 3};
  EXPECT_FALSE(decode_image(fake_jpeg.data(), fake_jpeg.size(), &img).ok());
}

TEST(ImageDecode, HugeDeclaredSizeIsRefusedBeforeAllocating) {
  // A valid 1x1 PNG whose IHDR claims 60000x60000 (CRC fixed up) must fail fast.
  Bytes p = encode_png(Bytes{1, 2, 3}, 1, 1, PNG_COLOR_TYPE_RGB, 8);
  // IHDR data starts at byte 16: width, height big-endian.
  for (int k : {16, 20}) {
    p[k] = 0; p[k + 1] = 0; p[k + 2] = 0xEA; p[k + 3] = 0x60;
  }
  uLong crc = crc32(0, p.data() + 12, 17);
  for (int i = 0; i < 4; ++i) p[29 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  DecodedImage img;
  Status st = decode_image(p.data(), p.size(), &img);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("60000x60000"), std::string::npos) << st.message();
}

TEST(ImageDecodeFuzz, RandomCorruptionNeverCrashes) {
  const Bytes jpeg = encode_jpeg(pattern_pixels(1, 16, 16, 3, 9), 16, 16, 3, 80);
  const Bytes png = encode_png(pattern_pixels(1, 16, 16, 3, 9), 16, 16, PNG_COLOR_TYPE_RGB, 8);
  uint64_t state = 99;
  auto next = [&] { state = state * 6364136223846793005ull + 1442695040888963407ull; return state >> 33; };
  int errors = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    Bytes b = iter % 2 ? jpeg : png;
    const int flips = 1 + static_cast<int>(next() % 6);
    for (int f = 0; f < flips; ++f) b[3 + next() % (b.size() - 3)] = static_cast<uint8_t>(next());
    if (next() % 4 == 0) b.resize(3 + next() % (b.size() - 3));
    DecodedImage img;
    Status st = decode_image(b.data(), b.size(), &img);
    if (st.ok()) {
      EXPECT_EQ(img.pixels.size(), static_cast<size_t>(img.height) * img.width * img.channels);
    } else {
      ++errors;
      EXPECT_FALSE(st.message().empty());
    }
  }
  EXPECT_GT(errors, 100);
}

}  // namespace
}  // namespace octet::data
