#include "core/file_io.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <thread>
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

// Ctrl-C in the middle of an atomic write: the process dies of SIGINT, the temporary file is
// gone, and the target still holds the old contents.
TEST_F(FileIoTest, SigintDuringAWriteRemovesTheTemporaryFile) {
  const std::string p = (dir_ / "model.tflite").string();
  ASSERT_TRUE(write_file_atomic(p, std::string("old")).ok());
  auto temporaries = [&] {
    int n = 0;
    for (auto& e : fs::directory_iterator(dir_)) n += e.path().filename().string().find(".tmp-") != std::string::npos;
    return n;
  };
  // A write takes long enough to be caught in the act most of the time; try a few times.
  int interrupted = 0;
  for (int attempt = 0; attempt < 5 && interrupted == 0; ++attempt) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      std::vector<uint8_t> big(size_t{256} << 20, 0x5a);
      ::_exit(write_file_atomic(p, big).ok() ? 0 : 1);
    }
    while (temporaries() == 0) {
      int status;
      if (::waitpid(child, &status, WNOHANG) == child) break;  // finished before we saw it
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ::kill(child, SIGINT);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0) == child || errno == ECHILD, true);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) {
      ++interrupted;
      EXPECT_EQ(temporaries(), 0);
      auto r = read_file(p);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(std::string(r->begin(), r->end()), "old");
    }
  }
  EXPECT_EQ(interrupted, 1) << "no write was caught before it finished";
}

}  // namespace octet
