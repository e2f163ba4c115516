// MNIST IDX loader: exact round trip (raw and gzip) and every malformed-header case we guard.
#include "data/mnist_idx.h"

#include <gtest/gtest.h>

#include "data/loader.h"
#include "data_test_util.h"

namespace octet::data {
namespace {

using namespace octet::data::testing;

::testing::AssertionResult ErrorMentions(const Status& st, const std::string& what) {
  if (st.ok()) return ::testing::AssertionFailure() << "expected an error mentioning " << what;
  if (st.message().find(what) == std::string::npos)
    return ::testing::AssertionFailure() << "error \"" << st.message() << "\" does not mention \"" << what << "\"";
  return ::testing::AssertionSuccess();
}

TEST(MnistIdx, LoadsRawAndGzipExactly) {
  for (bool gz : {false, true}) {
    TempDir dir;
    write_mnist_dir(dir.path(), 23, 7, 5, 6, gz);  // non-square on purpose
    auto r = load_dataset(dir.str());
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->name, "MNIST");
    EXPECT_EQ(r->source, dir.str());
    const Dataset& tr = r->train;
    EXPECT_EQ(tr.height, 5);
    EXPECT_EQ(tr.width, 6);
    EXPECT_EQ(tr.channels, 1);
    ASSERT_EQ(tr.size(), 23);
    ASSERT_EQ(r->test.size(), 7);
    EXPECT_EQ(tr.pixels, pattern_pixels(23, 5, 6, 1, 0));
    EXPECT_EQ(r->test.pixels, pattern_pixels(7, 5, 6, 1, 1));
    for (int i = 0; i < 23; ++i) EXPECT_EQ(tr.labels[i], i % 10);
    ASSERT_EQ(tr.class_names.size(), 10u);
    EXPECT_EQ(tr.class_names[0], "0");
    EXPECT_EQ(tr.class_names[9], "9");
    EXPECT_EQ(r->test.class_names, tr.class_names);
  }
}

class MnistMalformed : public ::testing::Test {
 protected:
  void SetUp() override { write_mnist_dir(dir_.path(), 12, 4, 4, 4, false); }
  std::string images() const { return dir_.str("train-images-idx3-ubyte"); }
  std::string labels() const { return dir_.str("train-labels-idx1-ubyte"); }
  Status load() const { return load_dataset(dir_.str()).status(); }
  TempDir dir_;
};

TEST_F(MnistMalformed, WrongMagicNamesFileAndBothMagics) {
  write_bytes(images(), idx_bytes(0x801, {12}, Bytes(12, 0)));  // a label file where images belong
  Status st = load();
  EXPECT_TRUE(ErrorMentions(st, images()));
  EXPECT_TRUE(ErrorMentions(st, "magic 2049"));
  EXPECT_TRUE(ErrorMentions(st, "expected 2051"));
}

TEST_F(MnistMalformed, WrongDimensionCount) {
  write_bytes(images(), idx_bytes(0x804, {12, 4, 4, 1}, Bytes(192, 0)));
  EXPECT_TRUE(ErrorMentions(load(), "4 dimensions, expected 3"));
}

TEST_F(MnistMalformed, NotUbyteType) {
  write_bytes(images(), idx_bytes(0x0D03, {12, 4, 4}, Bytes(192, 0)));  // float IDX
  EXPECT_TRUE(ErrorMentions(load(), images()));
}

TEST_F(MnistMalformed, TruncatedAtSeveralOffsets) {
  const Bytes full = idx_bytes(0x803, {12, 4, 4}, pattern_pixels(12, 4, 4, 1, 0));
  for (size_t cut : {size_t{0}, size_t{2}, size_t{4}, size_t{9}, size_t{15}, size_t{16}, size_t{17}, full.size() / 2,
                     full.size() - 1}) {
    write_bytes(images(), Bytes(full.begin(), full.begin() + cut));
    Status st = load();
    EXPECT_TRUE(ErrorMentions(st, images())) << "cut at " << cut;
  }
}

TEST_F(MnistMalformed, TruncatedGzipAtSeveralOffsets) {
  fs::remove(images());
  const Bytes gz = gzip_bytes(idx_bytes(0x803, {12, 4, 4}, pattern_pixels(12, 4, 4, 1, 0)));
  for (size_t cut : {size_t{1}, size_t{5}, size_t{12}, gz.size() / 2, gz.size() - 9, gz.size() - 1}) {
    write_bytes(images() + ".gz", Bytes(gz.begin(), gz.begin() + cut));
    EXPECT_TRUE(ErrorMentions(load(), images() + ".gz")) << "cut at " << cut;
  }
}

TEST_F(MnistMalformed, CorruptGzip) {
  fs::remove(images());
  Bytes gz = gzip_bytes(idx_bytes(0x803, {12, 4, 4}, pattern_pixels(12, 4, 4, 1, 0)));
  for (size_t i = 12; i < gz.size() - 8; ++i) gz[i] ^= 0x5A;
  write_bytes(images() + ".gz", gz);
  EXPECT_TRUE(ErrorMentions(load(), images() + ".gz"));
}

TEST_F(MnistMalformed, ExtraBytesAfterData) {
  Bytes b = idx_bytes(0x803, {12, 4, 4}, pattern_pixels(12, 4, 4, 1, 0));
  b.push_back(0);
  write_bytes(images(), b);
  EXPECT_TRUE(ErrorMentions(load(), "file has 193"));
}

TEST_F(MnistMalformed, AbsurdDimensionsFailWithoutAllocating) {
  // 10^12-image claims (and products that overflow 64 bits) must be refused from the header.
  write_bytes(images(), idx_bytes(0x803, {1000000000u, 1000u, 1000u}, Bytes(64, 0)));
  EXPECT_TRUE(ErrorMentions(load(), images()));
  write_bytes(images(), idx_bytes(0x803, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, Bytes(64, 0)));
  EXPECT_TRUE(ErrorMentions(load(), images()));
  write_bytes(images(), idx_bytes(0x803, {12, 4, 4}, pattern_pixels(12, 4, 4, 1, 0)));
  write_bytes(labels(), idx_bytes(0x801, {0xFFFFFFFFu}, Bytes(12, 0)));
  EXPECT_TRUE(ErrorMentions(load(), labels()));
}

TEST_F(MnistMalformed, ZeroSizedImages) {
  write_bytes(images(), idx_bytes(0x803, {12, 0, 4}, {}));
  EXPECT_TRUE(ErrorMentions(load(), images()));
}

TEST_F(MnistMalformed, CountMismatchNamesBothFiles) {
  write_bytes(labels(), idx_bytes(0x801, {11}, Bytes(11, 1)));
  Status st = load();
  EXPECT_TRUE(ErrorMentions(st, labels()));
  EXPECT_TRUE(ErrorMentions(st, "12 images"));
}

TEST_F(MnistMalformed, LabelOutOfRange) {
  Bytes l(12, 3);
  l[7] = 10;
  write_bytes(labels(), idx_bytes(0x801, {12}, l));
  Status st = load();
  EXPECT_TRUE(ErrorMentions(st, labels()));
  EXPECT_TRUE(ErrorMentions(st, "label 10 at index 7"));
}

TEST_F(MnistMalformed, MissingFileIsNamed) {
  fs::remove(dir_.str("t10k-labels-idx1-ubyte"));
  EXPECT_TRUE(ErrorMentions(load(), dir_.str("t10k-labels-idx1-ubyte")));
}

TEST(MnistIdxFuzz, RandomCorruptionNeverCrashes) {
  const Bytes good = idx_bytes(0x803, {6, 3, 3}, pattern_pixels(6, 3, 3, 1, 0));
  uint64_t state = 12345;
  auto next = [&] { state = state * 6364136223846793005ull + 1442695040888963407ull; return state >> 33; };
  for (int iter = 0; iter < 3000; ++iter) {
    Bytes b = good;
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int f = 0; f < flips; ++f) b[next() % b.size()] = static_cast<uint8_t>(next());
    if (next() % 3 == 0) b.resize(next() % b.size());
    Dataset d;
    Status st = parse_idx_images(b, "fuzz", &d);
    if (st.ok()) {
      EXPECT_EQ(static_cast<int64_t>(d.pixels.size()) % d.image_bytes(), 0);
    } else {
      EXPECT_TRUE(ErrorMentions(st, "fuzz"));
    }
  }
}

}  // namespace
}  // namespace octet::data
