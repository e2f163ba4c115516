// Class-per-folder image trees: label order, file order, exact PNG pixels, the same result from
// a folder, a .tar and a .tar.gz, naming, thread-count independence, and malformed trees.
#include "data/image_tree.h"

#include <gtest/gtest.h>
#include <png.h>

#include <functional>

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

LoadOptions quiet(int threads = 2) {
  LoadOptions o;
  o.threads = threads;
  o.progress = false;
  return o;
}

// A 4x3 RGB PNG whose pixels encode (split, class, index).
Bytes tree_pixels(int split, int cls, int idx) { return pattern_pixels(1, 4, 3, 3, split * 1000 + cls * 100 + idx); }

// Files: train/{zebra,ant,moth}/ and test/{ant,zebra}/ (moth absent from test), written in
// an order that is not sorted, with a few ignored extras.
std::vector<TarEntry> tree_entries(const std::string& prefix) {
  std::vector<TarEntry> e;
  const char* classes[3] = {"zebra", "ant", "moth"};  // sorted: ant=0, moth=1, zebra=2
  const int label_of[3] = {2, 0, 1};
  for (int split = 0; split < 2; ++split) {
    for (int c = 0; c < 3; ++c) {
      if (split == 1 && c == 2) continue;
      for (int i : {2, 0, 1}) {  // reverse-ish order on purpose
        const std::string path = prefix + (split ? "test/" : "train/") + classes[c] + "/img" + std::to_string(i) + ".png";
        e.push_back({path, encode_png(tree_pixels(split, label_of[c], i), 4, 3, PNG_COLOR_TYPE_RGB, 8)});
      }
    }
  }
  e.push_back({prefix + "train/ant/notes.txt", Bytes(5, 'x')});
  e.push_back({prefix + "train/ant/._img0.png", Bytes(5, 'x')});  // macOS resource fork: ignored
  e.push_back({prefix + "README", Bytes(3, 'x')});
  return e;
}

void write_tree_dir(const fs::path& root, const std::vector<TarEntry>& entries) {
  for (const TarEntry& t : entries) write_bytes(root / t.path, t.bytes);
}

void expect_tree(const DataSplits& d) {
  const std::vector<std::string> names = {"ant", "moth", "zebra"};
  EXPECT_EQ(d.train.class_names, names);
  EXPECT_EQ(d.test.class_names, names);
  EXPECT_EQ(d.train.height, 4);
  EXPECT_EQ(d.train.width, 3);
  EXPECT_EQ(d.train.channels, 3);
  ASSERT_EQ(d.train.size(), 9);
  ASSERT_EQ(d.test.size(), 6);
  Bytes want_train, want_test;
  for (int label = 0; label < 3; ++label) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(d.train.labels[label * 3 + i], label);
      Bytes p = tree_pixels(0, label, i);
      want_train.insert(want_train.end(), p.begin(), p.end());
    }
  }
  const int test_labels[2] = {0, 2};
  for (int k = 0; k < 2; ++k) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(d.test.labels[k * 3 + i], test_labels[k]);
      Bytes p = tree_pixels(1, test_labels[k], i);
      want_test.insert(want_test.end(), p.begin(), p.end());
    }
  }
  EXPECT_EQ(d.train.pixels, want_train);
  EXPECT_EQ(d.test.pixels, want_test);
}

TEST(ImageTree, FolderTarAndTarGzGiveTheSameExactResult) {
  TempDir dir;
  write_tree_dir(dir.path() / "bugs", tree_entries(""));
  auto from_dir = load_dataset_path(dir.str("bugs"), quiet());
  ASSERT_TRUE(from_dir.ok()) << from_dir.status().message();
  expect_tree(*from_dir);
  EXPECT_EQ(from_dir->name, "bugs");

  write_tar(dir.path() / "bugs.tar.gz", tree_entries("bugs/"), true);
  auto from_tgz = load_dataset_path(dir.str("bugs.tar.gz"), quiet());
  ASSERT_TRUE(from_tgz.ok()) << from_tgz.status().message();
  expect_tree(*from_tgz);
  EXPECT_EQ(from_tgz->name, "bugs");

  write_tar(dir.path() / "flat.tar", tree_entries("./"), false);  // no top-level folder
  auto from_tar = load_dataset_path(dir.str("flat.tar"), quiet());
  ASSERT_TRUE(from_tar.ok()) << from_tar.status().message();
  expect_tree(*from_tar);
  EXPECT_EQ(from_tar->name, "flat");

  write_tar(dir.path() / "x.tgz", tree_entries("x/"), true);
  auto from_tgz2 = load_dataset_path(dir.str("x.tgz"), quiet());
  ASSERT_TRUE(from_tgz2.ok()) << from_tgz2.status().message();
  EXPECT_EQ(from_tgz2->name, "x");
}

TEST(ImageTree, DuplicateArchivePathLastCopyWins) {
  TempDir dir;
  std::vector<TarEntry> e = tree_entries("");
  e.push_back({"train/ant/img0.png", encode_png(tree_pixels(0, 0, 0), 4, 3, PNG_COLOR_TYPE_RGB, 8)});
  // Replace the first copy with junk: only the later, valid one may be used.
  for (auto& t : e) {
    if (t.path == "train/ant/img0.png") {
      t.bytes = Bytes{'j', 'u', 'n', 'k'};
      break;
    }
  }
  write_tar(dir.path() / "dup.tar", e, false);
  auto r = load_dataset_path(dir.str("dup.tar"), quiet());
  ASSERT_TRUE(r.ok()) << r.status().message();
  expect_tree(*r);
}

TEST(ImageTree, FolderHoldingOneTreeFolder) {
  TempDir dir;
  write_tree_dir(dir.path() / "outer" / "inner", tree_entries(""));
  auto r = load_dataset_path(dir.str("outer"), quiet());
  ASSERT_TRUE(r.ok()) << r.status().message();
  expect_tree(*r);
}

TEST(ImageTree, CifarJpegCopyNameAndJpegPixels) {
  TempDir dir;
  std::vector<TarEntry> e;
  const uint8_t colour[2][3] = {{250, 10, 10}, {10, 10, 250}};
  for (int split = 0; split < 2; ++split)
    for (int c = 0; c < 2; ++c)
      for (int i = 0; i < 2; ++i)
        e.push_back({std::string("cifar10-jpeg/") + (split ? "test/" : "train/") + (c ? "bird/" : "airplane/") +
                         std::to_string(i) + ".jpg",
                     encode_jpeg(flat_image(32, 32, 3, colour[c][0], colour[c][1], colour[c][2]), 32, 32, 3, 90)});
  write_tar(dir.path() / "cifar10-jpeg-small.tar.gz", e, true);
  auto r = load_dataset_path(dir.str("cifar10-jpeg-small.tar.gz"), quiet());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->name, "CIFAR-10 (JPEG copy)");
  ASSERT_EQ(r->train.size(), 4);
  EXPECT_EQ(r->train.class_names, (std::vector<std::string>{"airplane", "bird"}));
  for (int64_t n = 0; n < r->train.size(); ++n) {
    const int c = r->train.labels[n];
    const uint8_t* px = r->train.image(n);
    for (int k = 0; k < 32 * 32 * 3; ++k) ASSERT_NEAR(px[k], colour[c][k % 3], 4) << "image " << n << " byte " << k;
  }
  write_tree_dir(dir.path() / "cifar10-jpeg", e);  // the folder form is named the same way
  auto d = load_dataset_path(dir.str("cifar10-jpeg"), quiet());
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->name, "CIFAR-10 (JPEG copy)");
  EXPECT_EQ(d->train.pixels, r->train.pixels);
}

TEST(ImageTree, ThreadCountDoesNotChangeTheResult) {
  // More images than one parallel block (2048), tiny grey PNGs.
  TempDir dir;
  std::vector<TarEntry> e;
  for (int i = 0; i < 2300; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "t/%s/c%d/%05d.png", i % 5 == 0 ? "test" : "train", i % 3, i);
    e.push_back({name, encode_png(pattern_pixels(1, 2, 2, 1, i), 2, 2, PNG_COLOR_TYPE_GRAY, 8)});
  }
  write_tar(dir.path() / "many.tar", e, false);
  auto one = load_dataset_path(dir.str("many.tar"), quiet(1));
  auto two = load_dataset_path(dir.str("many.tar"), quiet(2));
  auto three = load_dataset_path(dir.str("many.tar"), quiet(3));
  ASSERT_TRUE(one.ok() && two.ok() && three.ok());
  EXPECT_EQ(one->train.size() + one->test.size(), 2300);
  EXPECT_EQ(one->train.pixels, two->train.pixels);
  EXPECT_EQ(one->train.labels, two->train.labels);
  EXPECT_EQ(one->test.pixels, three->test.pixels);
  EXPECT_EQ(one->test.labels, three->test.labels);
}

class ImageTreeMalformed : public ::testing::Test {
 protected:
  void SetUp() override { write_tree_dir(root(), tree_entries("")); }
  fs::path root() const { return dir_.path() / "tree"; }
  Status load_dir() const { return load_dataset_path(root().string(), quiet()).status(); }
  // The same tree as a .tar.gz, with `change` applied to the entries first.
  Status load_tgz(const std::function<void(std::vector<TarEntry>&)>& change) const {
    std::vector<TarEntry> e = tree_entries("tree/");
    change(e);
    write_tar(dir_.path() / "tree.tar.gz", e, true);
    return load_dataset_path(dir_.str("tree.tar.gz"), quiet()).status();
  }
  TempDir dir_;
};

TEST_F(ImageTreeMalformed, DifferentSizeNamesTheFile) {
  const fs::path bad = root() / "train/zebra/img1.png";
  write_bytes(bad, encode_png(pattern_pixels(1, 5, 3, 3, 0), 5, 3, PNG_COLOR_TYPE_RGB, 8));
  Status st = load_dir();
  EXPECT_TRUE(ErrorMentions(st, bad.string()));
  EXPECT_TRUE(ErrorMentions(st, "5x3x3, expected 4x3x3"));
  st = load_tgz([](std::vector<TarEntry>& e) {
    for (auto& t : e)
      if (t.path == "tree/test/ant/img2.png") t.bytes = encode_png(pattern_pixels(1, 4, 4, 3, 0), 4, 4, PNG_COLOR_TYPE_RGB, 8);
  });
  EXPECT_TRUE(ErrorMentions(st, "tree.tar.gz:tree/test/ant/img2.png"));
}

TEST_F(ImageTreeMalformed, DifferentChannelCountNamesTheFile) {
  const fs::path bad = root() / "test/ant/img0.png";
  write_bytes(bad, encode_png(pattern_pixels(1, 4, 3, 1, 0), 4, 3, PNG_COLOR_TYPE_GRAY, 8));
  Status st = load_dir();
  EXPECT_TRUE(ErrorMentions(st, bad.string()));
  EXPECT_TRUE(ErrorMentions(st, "4x3x1"));
}

TEST_F(ImageTreeMalformed, CorruptImageNamesTheFile) {
  const fs::path bad = root() / "train/moth/img2.png";
  Bytes b = encode_png(tree_pixels(0, 1, 2), 4, 3, PNG_COLOR_TYPE_RGB, 8);
  b.resize(b.size() / 2);
  write_bytes(bad, b);
  EXPECT_TRUE(ErrorMentions(load_dir(), bad.string()));

  const fs::path jpg = root() / "train/moth/img3.jpg";
  Bytes j = encode_jpeg(flat_image(4, 3, 3, 1, 2, 3), 4, 3, 3);
  write_bytes(bad, encode_png(tree_pixels(0, 1, 2), 4, 3, PNG_COLOR_TYPE_RGB, 8));  // repair
  for (size_t i = j.size() / 2; i < j.size() - 2; ++i) j[i] = 0xFF;  // corrupt entropy data
  write_bytes(jpg, j);
  EXPECT_TRUE(ErrorMentions(load_dir(), jpg.string()));
  write_bytes(jpg, Bytes{'n', 'o', 'p', 'e'});
  Status st = load_dir();
  EXPECT_TRUE(ErrorMentions(st, jpg.string()));
  EXPECT_TRUE(ErrorMentions(st, "not a JPEG or PNG"));
}

TEST_F(ImageTreeMalformed, FirstBadFileInOrderIsReported) {
  write_bytes(root() / "train/zebra/img2.png", Bytes{'x'});
  write_bytes(root() / "train/ant/img1.png", Bytes{'y'});  // ant sorts first
  for (int threads : {1, 2, 3}) {
    Status st = load_dataset_path(root().string(), quiet(threads)).status();
    EXPECT_TRUE(ErrorMentions(st, "train/ant/img1.png")) << threads << " threads";
  }
}

TEST_F(ImageTreeMalformed, EmptyClassFolderNamesTheFolder) {
  fs::create_directories(root() / "train/wasp");
  EXPECT_TRUE(ErrorMentions(load_dir(), (root() / "train/wasp").string()));
  Status st = load_tgz([](std::vector<TarEntry>& e) { e.push_back({"tree/test/wasp/", {}, true}); });
  EXPECT_TRUE(ErrorMentions(st, "tree.tar.gz:tree/test/wasp"));
  st = load_tgz([](std::vector<TarEntry>& e) { e.push_back({"tree/test/wasp/readme.txt", Bytes(3, 'a')}); });
  EXPECT_TRUE(ErrorMentions(st, "tree.tar.gz:tree/test/wasp"));
}

TEST_F(ImageTreeMalformed, MissingSplitOrNoImages) {
  fs::remove_all(root() / "test");
  Status st = load_dir();
  EXPECT_TRUE(ErrorMentions(st, (root() / "test").string()));
  EXPECT_TRUE(ErrorMentions(st, "no images"));
  st = load_tgz([](std::vector<TarEntry>& e) {
    std::vector<TarEntry> keep;
    for (auto& t : e)
      if (t.path.find(".png") == std::string::npos) keep.push_back(t);
    e = keep;
  });
  EXPECT_TRUE(ErrorMentions(st, "tree.tar.gz"));
}

TEST_F(ImageTreeMalformed, TwoRootsInOneArchive) {
  Status st = load_tgz([](std::vector<TarEntry>& e) {
    e.push_back({"other/train/ant/img9.png", encode_png(tree_pixels(0, 0, 9), 4, 3, PNG_COLOR_TYPE_RGB, 8)});
  });
  EXPECT_TRUE(ErrorMentions(st, "two different roots"));
}

TEST_F(ImageTreeMalformed, TruncatedArchiveNamesArchive) {
  load_tgz([](std::vector<TarEntry>&) {});
  const Bytes full = read_bytes(dir_.path() / "tree.tar.gz");
  for (size_t cut : {size_t{30}, full.size() / 3, full.size() / 2, full.size() - 10}) {
    write_bytes(dir_.path() / "cut.tar.gz", Bytes(full.begin(), full.begin() + cut));
    Status st = load_dataset_path(dir_.str("cut.tar.gz"), quiet()).status();
    EXPECT_TRUE(ErrorMentions(st, dir_.str("cut.tar.gz"))) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace octet::data
