// CIFAR-10 binary loader: CHW-to-HWC conversion, class names, folder and tar.gz inputs, and
// malformed batches.
#include "data/cifar_bin.h"

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

// Batch b (0..4 train, 5 test) holds 2 + b records; record r of batch b has label (b + r) % 10.
struct Synthetic {
  std::vector<std::pair<std::string, Bytes>> files;
  Bytes train_pixels, test_pixels, train_labels, test_labels;
};

Synthetic make_batches() {
  Synthetic s;
  for (int b = 0; b < 6; ++b) {
    const std::string name = b < 5 ? "data_batch_" + std::to_string(b + 1) + ".bin" : "test_batch.bin";
    Bytes file;
    for (int r = 0; r < 2 + b; ++r) {
      const Bytes hwc = pattern_pixels(1, 32, 32, 3, b * 10 + r);
      const uint8_t label = static_cast<uint8_t>((b + r) % 10);
      const Bytes rec = cifar_record(label, hwc);
      file.insert(file.end(), rec.begin(), rec.end());
      Bytes& px = b < 5 ? s.train_pixels : s.test_pixels;
      px.insert(px.end(), hwc.begin(), hwc.end());
      (b < 5 ? s.train_labels : s.test_labels).push_back(label);
    }
    s.files.push_back({name, file});
  }
  return s;
}

void expect_matches(const DataSplits& d, const Synthetic& s) {
  EXPECT_EQ(d.name, "CIFAR-10");
  EXPECT_EQ(d.train.height, 32);
  EXPECT_EQ(d.train.width, 32);
  EXPECT_EQ(d.train.channels, 3);
  EXPECT_EQ(d.train.size(), 2 + 3 + 4 + 5 + 6);
  EXPECT_EQ(d.test.size(), 7);
  EXPECT_EQ(d.train.pixels, s.train_pixels);
  EXPECT_EQ(d.test.pixels, s.test_pixels);
  EXPECT_EQ(d.train.labels, s.train_labels);
  EXPECT_EQ(d.test.labels, s.test_labels);
}

TEST(CifarBin, RecordIsConvertedFromPlanesToHwc) {
  Bytes rec(3073, 0);
  rec[0] = 4;
  rec[1 + 0 * 1024 + 33] = 10;  // R of pixel (1, 1)
  rec[1 + 1 * 1024 + 33] = 20;  // G
  rec[1 + 2 * 1024 + 33] = 30;  // B
  Dataset d;
  d.height = d.width = 32;
  d.channels = 3;
  ASSERT_TRUE(append_cifar_batch(rec.data(), rec.size(), "x", &d).ok());
  ASSERT_EQ(d.size(), 1);
  EXPECT_EQ(d.labels[0], 4);
  EXPECT_EQ(d.pixels[(1 * 32 + 1) * 3 + 0], 10);
  EXPECT_EQ(d.pixels[(1 * 32 + 1) * 3 + 1], 20);
  EXPECT_EQ(d.pixels[(1 * 32 + 1) * 3 + 2], 30);
}

TEST(CifarBin, LoadsFolderAndItsParentWithStandardNames) {
  TempDir dir;
  Synthetic s = make_batches();
  for (auto& [name, bytes] : s.files) write_bytes(dir.path() / "cifar-10-batches-bin" / name, bytes);
  for (const std::string& p : {dir.str(), dir.str("cifar-10-batches-bin")}) {
    auto r = load_dataset(p);
    ASSERT_TRUE(r.ok()) << r.status().message();
    expect_matches(*r, s);
    EXPECT_EQ(r->train.class_names, cifar10_class_names());
    EXPECT_EQ(r->train.class_names[0], "airplane");
    EXPECT_EQ(r->train.class_names[9], "truck");
  }
}

TEST(CifarBin, ClassNamesFromMeta) {
  TempDir dir;
  Synthetic s = make_batches();
  for (auto& [name, bytes] : s.files) write_bytes(dir.path() / name, bytes);
  const std::string meta = "c0\nc1\nc2\nc3\nc4\r\nc5\nc6\nc7\nc8\nc9\n\n\n";
  write_bytes(dir.path() / "batches.meta.txt", Bytes(meta.begin(), meta.end()));
  auto r = load_dataset(dir.str());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->train.class_names[4], "c4");
  EXPECT_EQ(r->test.class_names[9], "c9");

  const std::string bad = "only\nthree\nnames\n";
  write_bytes(dir.path() / "batches.meta.txt", Bytes(bad.begin(), bad.end()));
  EXPECT_TRUE(ErrorMentions(load_dataset(dir.str()).status(), "batches.meta.txt"));
}

TEST(CifarBin, LoadsOfficialTarGzLayoutWithoutExtracting) {
  TempDir dir;
  Synthetic s = make_batches();
  std::vector<TarEntry> entries = {{"cifar-10-batches-bin/", {}, true}};
  const std::string meta = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
  entries.push_back({"cifar-10-batches-bin/batches.meta.txt", Bytes(meta.begin(), meta.end())});
  entries.push_back({"cifar-10-batches-bin/readme.html", Bytes(10, 'x')});
  for (auto& [name, bytes] : s.files) entries.push_back({"cifar-10-batches-bin/" + name, bytes});
  const std::string archive = dir.str("cifar-10-binary.tar.gz");
  write_tar(archive, entries, true);
  auto r = load_dataset(archive);
  ASSERT_TRUE(r.ok()) << r.status().message();
  expect_matches(*r, s);
  EXPECT_EQ(r->source, archive);
  EXPECT_EQ(r->train.class_names, cifar10_class_names());
  // Nothing was extracted next to the archive.
  int n = 0;
  for (auto& e : fs::directory_iterator(dir.path())) n += 1 + 0 * e.is_regular_file();
  EXPECT_EQ(n, 1);
}

TEST(CifarBin, TruncatedBatchNamesFile) {
  TempDir dir;
  Synthetic s = make_batches();
  for (auto& [name, bytes] : s.files) write_bytes(dir.path() / name, bytes);
  const Bytes& b3 = s.files[2].second;
  for (size_t cut : {size_t{0}, size_t{1}, size_t{3072}, size_t{3074}, b3.size() - 1}) {
    write_bytes(dir.path() / "data_batch_3.bin", Bytes(b3.begin(), b3.begin() + cut));
    EXPECT_TRUE(ErrorMentions(load_dataset(dir.str()).status(), "data_batch_3.bin")) << "cut at " << cut;
  }
}

TEST(CifarBin, LabelOutOfRange) {
  TempDir dir;
  Synthetic s = make_batches();
  s.files[5].second[3073 * 2] = 10;  // third record of test_batch
  for (auto& [name, bytes] : s.files) write_bytes(dir.path() / name, bytes);
  Status st = load_dataset(dir.str()).status();
  EXPECT_TRUE(ErrorMentions(st, "test_batch.bin"));
  EXPECT_TRUE(ErrorMentions(st, "record 2 has label 10"));
}

TEST(CifarBin, MissingBatchIsNamed) {
  TempDir dir;
  Synthetic s = make_batches();
  for (auto& [name, bytes] : s.files)
    if (name != "data_batch_4.bin") write_bytes(dir.path() / name, bytes);
  EXPECT_TRUE(ErrorMentions(load_dataset(dir.str()).status(), "data_batch_4.bin: not found"));
}

TEST(CifarBin, TruncatedArchiveNamesArchive) {
  TempDir dir;
  Synthetic s = make_batches();
  std::vector<TarEntry> entries;
  for (auto& [name, bytes] : s.files) entries.push_back({"cifar-10-batches-bin/" + name, bytes});
  for (bool gz : {true, false}) {
    const std::string full = dir.str(gz ? "full.tar.gz" : "full.tar");
    write_tar(full, entries, gz);
    const Bytes bytes = read_bytes(full);
    for (size_t cut : {size_t{100}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 2000}) {
      const std::string cut_path = dir.str(gz ? "cut.tar.gz" : "cut.tar");
      write_bytes(cut_path, Bytes(bytes.begin(), bytes.begin() + cut));
      Status st = load_dataset(cut_path).status();
      EXPECT_TRUE(ErrorMentions(st, cut_path)) << (gz ? "gz" : "tar") << " cut at " << cut;
    }
  }
}

}  // namespace
}  // namespace octet::data
