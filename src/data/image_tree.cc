// Image tree loader. Listing and ordering are serial and cheap; reading (for directories) and
// decoding run on a ThreadPool in fixed blocks, each image written straight to its final slot.
#include "data/image_tree.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "core/file_io.h"
#include "core/progress.h"
#include "core/thread_pool.h"
#include "data/image_decode.h"

namespace octet::data {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxImageFileBytes = uint64_t{64} << 20;
// Both splits' pixels together; beyond this the dataset does not belong in memory as uint8.
constexpr uint64_t kMaxDatasetBytes = uint64_t{16} << 30;
constexpr int kBlock = 2048;  // images per parallel step (progress is updated between steps)

const char* const kSplitNames[2] = {"train", "test"};

struct TreeItem {
  int split = 0;
  std::string cls;
  std::string name;                             // full name for messages and ordering
  std::string fs_path;                          // directory trees: read by the worker
  const std::vector<uint8_t>* bytes = nullptr;  // archives: already in memory
  int label = 0;
};

struct ClassDir {
  int split;
  std::string cls;
  std::string name;  // for messages
};

std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    if (j > i) out.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string base_name(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

Status decode_item(const TreeItem& item, std::vector<uint8_t>* file_buf, DecodedImage* img) {
  const std::vector<uint8_t>* bytes = item.bytes;
  if (!bytes) {
    auto r = read_file(item.fs_path, kMaxImageFileBytes);
    if (!r.ok()) return r.status();  // read_file already names the path
    *file_buf = std::move(r).value();
    bytes = file_buf;
  }
  return decode_image(bytes->data(), bytes->size(), img).with_context(item.name);
}

Result<DataSplits> assemble(const std::string& path, const std::string& root_name,
                            std::vector<TreeItem> items, const std::vector<ClassDir>& class_dirs,
                            const LoadOptions& options) {
  // Classes: sorted union of the folder names of both splits; label = position.
  std::set<std::string> class_set;
  for (const TreeItem& it : items) class_set.insert(it.cls);
  for (const ClassDir& c : class_dirs) class_set.insert(c.cls);
  std::map<std::pair<int, std::string>, int64_t> per_dir;
  for (const TreeItem& it : items) ++per_dir[{it.split, it.cls}];
  for (const ClassDir& c : class_dirs) {
    if (per_dir[{c.split, c.cls}] == 0) {
      return Status::Error(c.name + ": class folder holds no .jpg/.jpeg/.png images");
    }
  }
  int64_t counts[2] = {0, 0};
  for (const TreeItem& it : items) ++counts[it.split];
  for (int s = 0; s < 2; ++s) {
    if (counts[s] == 0) {
      const bool bare = root_name.empty() || root_name.back() == ':';
      const std::string where = root_name + (bare ? "" : "/") + kSplitNames[s];
      return Status::Error(where + ": no images (expected " + where + "/<class>/*.jpg|jpeg|png)");
    }
  }
  if (class_set.size() > 256) {
    return Status::Error(path + ": " + std::to_string(class_set.size()) + " classes, at most 256 are supported");
  }
  const std::vector<std::string> classes(class_set.begin(), class_set.end());
  std::map<std::string, int> label_of;
  for (size_t i = 0; i < classes.size(); ++i) label_of[classes[i]] = static_cast<int>(i);
  for (TreeItem& it : items) it.label = label_of[it.cls];
  std::sort(items.begin(), items.end(), [](const TreeItem& a, const TreeItem& b) {
    if (a.split != b.split) return a.split < b.split;
    if (a.label != b.label) return a.label < b.label;
    return a.name < b.name;
  });

  // The first training image fixes the size every other image must have.
  DataSplits out;
  out.name = image_tree_name(path);
  out.source = path;
  {
    std::vector<uint8_t> buf;
    DecodedImage first;
    OCTET_RETURN_IF_ERROR(decode_item(items[0], &buf, &first));
    for (Dataset* d : {&out.train, &out.test}) {
      d->height = first.height;
      d->width = first.width;
      d->channels = first.channels;
      d->class_names = classes;
    }
  }
  const uint64_t image_bytes = static_cast<uint64_t>(out.train.image_bytes());
  const int64_t total = static_cast<int64_t>(items.size());
  if (image_bytes * static_cast<uint64_t>(total) > kMaxDatasetBytes) {
    return Status::Error(path + ": " + std::to_string(total) + " images of " + std::to_string(out.train.height) +
                         "x" + std::to_string(out.train.width) + "x" + std::to_string(out.train.channels) +
                         " need more than " + std::to_string(kMaxDatasetBytes >> 30) + " GiB");
  }
  for (int s = 0; s < 2; ++s) {
    Dataset& d = s == 0 ? out.train : out.test;
    d.pixels.resize(static_cast<size_t>(counts[s]) * image_bytes);
    d.labels.resize(static_cast<size_t>(counts[s]));
  }
  for (int64_t i = 0; i < total; ++i) {
    if (items[i].split == 0) out.train.labels[i] = static_cast<uint8_t>(items[i].label);
    else out.test.labels[i - counts[0]] = static_cast<uint8_t>(items[i].label);
  }

  ThreadPool pool(std::max(1, options.threads));
  std::unique_ptr<Progress> progress;
  if (options.progress) progress = std::make_unique<Progress>("loading " + base_name(path), total, "images");
  const int chunks = pool.num_threads();
  for (int64_t start = 0; start < total; start += kBlock) {
    const int n = static_cast<int>(std::min<int64_t>(kBlock, total - start));
    // One error slot per chunk; a chunk stops at its first failure. The lowest index wins,
    // so the reported file does not depend on timing.
    std::vector<int64_t> bad_index(chunks, -1);
    std::vector<Status> bad_status(chunks);
    pool.parallel_for(n, [&](int chunk, int begin, int end) {
      std::vector<uint8_t> buf;
      DecodedImage img;
      for (int k = begin; k < end; ++k) {
        const int64_t i = start + k;
        const TreeItem& item = items[i];
        Status st = decode_item(item, &buf, &img);
        if (st.ok() && (img.height != out.train.height || img.width != out.train.width ||
                        img.channels != out.train.channels)) {
          st = Status::Error(item.name + ": image is " + std::to_string(img.height) + "x" +
                             std::to_string(img.width) + "x" + std::to_string(img.channels) + ", expected " +
                             std::to_string(out.train.height) + "x" + std::to_string(out.train.width) + "x" +
                             std::to_string(out.train.channels) + " like " + items[0].name);
        }
        if (!st.ok()) {
          bad_index[chunk] = i;
          bad_status[chunk] = st;
          return;
        }
        uint8_t* dst = item.split == 0 ? out.train.pixels.data() + i * image_bytes
                                       : out.test.pixels.data() + (i - counts[0]) * image_bytes;
        std::copy(img.pixels.begin(), img.pixels.end(), dst);
      }
    });
    for (int c = 0; c < chunks; ++c) {
      if (bad_index[c] >= 0) return bad_status[c];  // chunks cover increasing index ranges
    }
    if (progress) progress->update(start + n);
  }
  if (progress) progress->finish();
  return out;
}

}  // namespace

bool is_image_name(const std::string& path) {
  size_t dot = path.rfind('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == "jpg" || ext == "jpeg" || ext == "png";
}

std::string find_image_tree_root(const std::string& dir) {
  std::error_code ec;
  auto has_splits = [&](const fs::path& p) {
    return fs::is_directory(p / "train", ec) || fs::is_directory(p / "test", ec);
  };
  if (has_splits(dir)) return dir;
  fs::path only;
  int visible = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.empty() || n[0] == '.' || !it->is_directory(ec)) continue;
    only = it->path();
    ++visible;
  }
  if (visible == 1 && has_splits(only)) return only.string();
  return "";
}

std::string image_tree_name(const std::string& path) {
  std::string b = base_name(path);
  if (b.rfind("cifar10-jpeg", 0) == 0) return "CIFAR-10 (JPEG copy)";
  for (const char* ext : {".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tgz", ".tar"}) {
    const std::string e = ext;
    if (b.size() > e.size() && b.compare(b.size() - e.size(), e.size(), e) == 0) {
      return b.substr(0, b.size() - e.size());
    }
  }
  return b;
}

Result<DataSplits> load_image_tree_dir(const std::string& path, const std::string& root,
                                       const LoadOptions& options) {
  std::vector<TreeItem> items;
  std::vector<ClassDir> class_dirs;
  std::error_code ec;
  for (int s = 0; s < 2; ++s) {
    const fs::path split_dir = fs::path(root) / kSplitNames[s];
    if (!fs::is_directory(split_dir, ec)) continue;  // assemble() reports the missing split
    for (fs::directory_iterator it(split_dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string cls = it->path().filename().string();
      if (cls.empty() || cls[0] == '.' || !it->is_directory(ec)) continue;
      class_dirs.push_back({s, cls, it->path().string()});
      std::error_code ec2;
      for (fs::directory_iterator f(it->path(), ec2), fend; !ec2 && f != fend; f.increment(ec2)) {
        const std::string fname = f->path().filename().string();
        if (fname.empty() || fname[0] == '.' || !is_image_name(fname) || !f->is_regular_file(ec2)) continue;
        TreeItem item;
        item.split = s;
        item.cls = cls;
        item.name = f->path().string();
        item.fs_path = item.name;
        items.push_back(std::move(item));
      }
      if (ec2) return Status::Error(it->path().string() + ": cannot list: " + ec2.message());
    }
    if (ec) return Status::Error(split_dir.string() + ": cannot list: " + ec.message());
  }
  return assemble(path, root, std::move(items), class_dirs, options);
}

Result<DataSplits> load_image_tree_members(const std::string& archive_path, const ArchiveContents& contents,
                                           const LoadOptions& options) {
  // Find the common prefix in front of {train,test}/<class>/<file>.
  // A tar may hold a path twice (appended later); as with extraction, the last copy wins.
  std::map<std::string, TreeItem> by_path;
  std::string prefix;
  bool have_prefix = false;
  for (const ArchiveMember& m : contents.files) {
    if (!is_image_name(m.path)) continue;
    std::vector<std::string> c = split_path(m.path);
    if (c.size() < 3) continue;
    const std::string& split = c[c.size() - 3];
    const int s = split == "train" ? 0 : split == "test" ? 1 : -1;
    if (s < 0) continue;
    std::string pre;
    for (size_t k = 0; k + 3 < c.size(); ++k) pre += c[k] + "/";
    if (!have_prefix) {
      prefix = pre;
      have_prefix = true;
    } else if (pre != prefix) {
      return Status::Error(archive_path + ": images under two different roots, \"" + prefix + "\" and \"" + pre +
                           "\" (" + m.path + ")");
    }
    TreeItem item;
    item.split = s;
    item.cls = c[c.size() - 2];
    item.name = archive_path + ":" + m.path;
    item.bytes = &m.bytes;
    by_path[m.path] = std::move(item);
  }
  std::vector<TreeItem> items;
  items.reserve(by_path.size());
  for (auto& [p, item] : by_path) items.push_back(std::move(item));
  std::vector<ClassDir> class_dirs;
  for (const std::string& d : contents.dirs) {
    for (int s = 0; s < 2; ++s) {
      const std::string head = prefix + kSplitNames[s] + "/";
      if (d.size() > head.size() && d.compare(0, head.size(), head) == 0 &&
          d.find('/', head.size()) == std::string::npos) {
        class_dirs.push_back({s, d.substr(head.size()), archive_path + ":" + d});
      }
    }
  }
  if (items.empty()) {
    return Status::Error(archive_path + ": no images found (expected [<folder>/]{train,test}/<class>/*.jpg|jpeg|png)");
  }
  std::string root = prefix;
  if (!root.empty()) root.pop_back();
  return assemble(archive_path, archive_path + ":" + root, std::move(items), class_dirs, options);
}

}  // namespace octet::data
