// Name resolution ($OCTET_DATA, search order), detection by content, and the real shared
// datasets when they are present (skipped otherwise).
#include "data/loader.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>

#include "core/progress.h"
#include "data_test_util.h"

namespace octet::data {
namespace {

using namespace octet::data::testing;

LoadOptions quiet() {
  LoadOptions o;
  o.progress = false;
  return o;
}

// Sets OCTET_DATA for the scope of a test and restores the previous value.
class ScopedOctetData {
 public:
  explicit ScopedOctetData(const std::string& value) {
    const char* old = std::getenv("OCTET_DATA");
    had_ = old != nullptr;
    if (had_) old_ = old;
    ::setenv("OCTET_DATA", value.c_str(), 1);
  }
  ~ScopedOctetData() {
    if (had_) ::setenv("OCTET_DATA", old_.c_str(), 1);
    else ::unsetenv("OCTET_DATA");
  }

 private:
  bool had_;
  std::string old_;
};

TEST(Resolve, OctetDataNameFolderComesFirst) {
  TempDir dir;
  write_mnist_dir(dir.path() / "mnist", 10, 10, 2, 2, true);
  ScopedOctetData env(dir.str());
  auto where = resolve_dataset("mnist");
  ASSERT_TRUE(where.ok()) << where.status().message();
  EXPECT_EQ(*where, dir.str("mnist"));
  auto r = load_dataset("mnist", quiet());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->name, "MNIST");
  EXPECT_EQ(r->source, dir.str("mnist"));
  EXPECT_EQ(r->train.size(), 10);
}

TEST(Resolve, OctetDataHoldingTheFilesDirectly) {
  TempDir dir;
  write_mnist_dir(dir.path(), 10, 10, 2, 2, false);
  ScopedOctetData env(dir.str());
  auto where = resolve_dataset("mnist");
  ASSERT_TRUE(where.ok()) << where.status().message();
  EXPECT_EQ(*where, dir.str());
}

TEST(Resolve, Cifar10PrefersOfficialBinaryOverJpegCopy) {
  TempDir dir;
  fs::create_directories(dir.path() / "cifar10-jpeg");
  write_bytes(dir.path() / "cifar10-jpeg.tar.gz", Bytes(10, 0));
  write_bytes(dir.path() / "cifar-10-binary.tar.gz", Bytes(10, 0));
  ScopedOctetData env(dir.str());
  auto where = resolve_dataset("cifar10");
  ASSERT_TRUE(where.ok());
  EXPECT_EQ(*where, dir.str("cifar-10-binary.tar.gz"));
  fs::create_directories(dir.path() / "cifar-10-batches-bin");
  EXPECT_EQ(resolve_dataset("cifar10").value(), dir.str("cifar-10-batches-bin"));
  fs::create_directories(dir.path() / "cifar10");  // $OCTET_DATA/<name> beats the rest
  EXPECT_EQ(resolve_dataset("cifar10").value(), dir.str("cifar10"));
}

TEST(Resolve, SearchPlanOrder) {
  ScopedOctetData env("/data/x");
  SearchPlan plan = dataset_search_plan("cifar10");
  ASSERT_GE(plan.candidates.size(), 6u);
  EXPECT_EQ(plan.candidates[0], "/data/x/cifar10");
  EXPECT_EQ(plan.candidates[1], "/data/x/cifar-10-batches-bin");
  EXPECT_EQ(plan.candidates[2], "/data/x/cifar-10-binary.tar.gz");
  EXPECT_EQ(plan.candidates[3], "/data/x/cifar10-jpeg");
  EXPECT_EQ(plan.candidates[4], "/data/x/cifar10-jpeg.tar.gz");
  const std::string cwd_base = (fs::current_path() / "shared" / "datasets").lexically_normal().string();
  EXPECT_NE(std::find(plan.bases.begin(), plan.bases.end(), cwd_base), plan.bases.end());
  EXPECT_FALSE(resolve_dataset("imagenet").ok());
}

TEST(Detect, ErrorsNameThePath) {
  TempDir dir;
  fs::create_directories(dir.path() / "empty");
  Status st = load_dataset(dir.str("empty"), quiet()).status();
  EXPECT_NE(st.message().find(dir.str("empty")), std::string::npos) << st.message();
  write_bytes(dir.path() / "plain.txt", Bytes(600, 'a'));
  st = load_dataset(dir.str("plain.txt"), quiet()).status();
  EXPECT_NE(st.message().find("plain.txt: not a tar archive"), std::string::npos) << st.message();
  st = load_dataset(dir.str("missing"), quiet()).status();
  EXPECT_NE(st.message().find("missing: no such file"), std::string::npos) << st.message();
  write_tar(dir.path() / "other.tar.gz", {{"docs/readme.txt", Bytes(4, 'r')}}, true);
  st = load_dataset(dir.str("other.tar.gz"), quiet()).status();
  EXPECT_NE(st.message().find("other.tar.gz: archive holds neither"), std::string::npos) << st.message();
}

// ---- Real data (../shared/datasets next to the source tree) ----

std::string shared_datasets() {
  const char* src = std::getenv("OCTET_SOURCE_DIR");
  return (fs::path(src ? src : OCTET_SOURCE_DIR) / ".." / "shared" / "datasets").lexically_normal().string();
}

TEST(RealData, Mnist) {
  const std::string dir = shared_datasets() + "/mnist";
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " not found, skipping";
  const double t0 = now_seconds();
  auto r = load_dataset(dir);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::printf("  MNIST loaded in %.2f s\n", now_seconds() - t0);
  EXPECT_EQ(r->name, "MNIST");
  EXPECT_EQ(r->train.size(), 60000);
  EXPECT_EQ(r->test.size(), 10000);
  EXPECT_EQ(r->train.height, 28);
  EXPECT_EQ(r->train.width, 28);
  EXPECT_EQ(r->train.channels, 1);
  EXPECT_EQ(r->train.num_classes(), 10);
  EXPECT_EQ(class_counts(r->train)[0], 5923);  // the well-known count of zeros in MNIST train
  EXPECT_EQ(r->train.labels[0], 5);            // the first training digit is a 5
}

TEST(RealData, CifarJpegCopy) {
  const std::string path = shared_datasets() + "/cifar10-jpeg.tar.gz";
  if (!fs::exists(path)) GTEST_SKIP() << path << " not found, skipping";
  const double t0 = now_seconds();
  auto r = load_dataset(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::printf("  CIFAR-10 JPEG copy loaded in %.2f s\n", now_seconds() - t0);
  EXPECT_EQ(r->name, "CIFAR-10 (JPEG copy)");
  EXPECT_EQ(r->train.size(), 50000);
  EXPECT_EQ(r->test.size(), 10000);
  EXPECT_EQ(r->train.height, 32);
  EXPECT_EQ(r->train.width, 32);
  EXPECT_EQ(r->train.channels, 3);
  const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                          "dog",      "frog",       "horse", "ship", "truck"};
  EXPECT_EQ(r->train.class_names, names);
  for (int64_t c : class_counts(r->train)) EXPECT_EQ(c, 5000);
  for (int64_t c : class_counts(r->test)) EXPECT_EQ(c, 1000);
}

}  // namespace
}  // namespace octet::data
