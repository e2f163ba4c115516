#include "core/file_io.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>

namespace octet {
namespace fs = std::filesystem;

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("octet_file_io_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FileIoTest, AtomicWriteReplacesAndLeavesNoTemporary) {
  std::string p = (dir_ / "out.bin").string();
  ASSERT_TRUE(write_file_atomic(p, std::string("old")).ok());
  ASSERT_TRUE(write_file_atomic(p, std::string("new contents")).ok());
  auto r = read_file(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(r->begin(), r->end()), "new contents");
  int files = 0;
  for (auto& e : fs::directory_iterator(dir_)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST_F(FileIoTest, MissingFileNamesThePath) {
  auto r = read_file((dir_ / "nope").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nope"), std::string::npos);
}

TEST_F(FileIoTest, SizeLimitIsEnforced) {
  std::string p = (dir_ / "big").string();
  ASSERT_TRUE(write_file_atomic(p, std::string(100, 'x')).ok());
  EXPECT_FALSE(read_file(p, 99).ok());
  EXPECT_TRUE(read_file(p, 100).ok());
}

TEST_F(FileIoTest, GzipRoundTripAndTruncation) {
  std::string plain(5000, 'a');
  for (size_t i = 0; i < plain.size(); ++i) plain[i] = static_cast<char>('a' + i % 7);
  std::string gz_path = (dir_ / "x.gz").string();
  gzFile g = gzopen(gz_path.c_str(), "wb");
  ASSERT_NE(g, nullptr);
  gzwrite(g, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(g);
  auto r = read_maybe_gzip(gz_path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(std::string(r->begin(), r->end()), plain);

  auto raw = read_file(gz_path);
  ASSERT_TRUE(raw.ok());
  std::vector<uint8_t> cut(raw->begin(), raw->begin() + raw->size() / 2);
  std::string cut_path = (dir_ / "cut.gz").string();
  ASSERT_TRUE(write_file_atomic(cut_path, cut).ok());
  auto bad = read_maybe_gzip(cut_path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cut.gz"), std::string::npos);
}

}  // namespace octet
