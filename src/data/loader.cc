// Name resolution and content detection. Detection looks at what is there (IDX headers'
// file names, CIFAR batch files, train/<class>/ folders, archive members), not at the argument.
#include "data/loader.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "data/archive_reader.h"
#include "data/cifar_bin.h"
#include "data/image_tree.h"
#include "data/mnist_idx.h"

namespace octet::data {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> known_names(const std::string& name) {
  if (name == "mnist") return {"mnist"};
  if (name == "cifar10") {
    return {"cifar-10-batches-bin", "cifar-10-binary.tar.gz", "cifar10-jpeg", "cifar10-jpeg.tar.gz"};
  }
  return {};
}

// dir, dir's parent, ..., "/".
std::vector<fs::path> self_and_parents(fs::path dir) {
  std::vector<fs::path> out;
  if (dir.empty()) return out;
  dir = dir.lexically_normal();
  for (;;) {
    out.push_back(dir);
    fs::path parent = dir.parent_path();
    if (parent == dir || parent.empty()) break;
    dir = parent;
  }
  return out;
}

Result<DataSplits> load_archive(const std::string& path, const LoadOptions& options) {
  auto keep = [](const std::string& p) { return is_cifar_bin_member(p) || is_image_name(p); };
  std::string label = options.progress ? "reading " + fs::path(path).filename().string() : "";
  OCTET_ASSIGN_OR_RETURN(ArchiveContents contents, read_archive(path, keep, {}, label));
  for (const ArchiveMember& m : contents.files) {
    if (is_cifar_bin_member(m.path) && m.path.size() >= 4 && m.path.compare(m.path.size() - 4, 4, ".bin") == 0) {
      return load_cifar_bin_members(path, contents.files);
    }
  }
  bool any_image = false;
  for (const ArchiveMember& m : contents.files) any_image = any_image || is_image_name(m.path);
  if (!any_image) {
    return Status::Error(path + ": archive holds neither CIFAR-10 batches (data_batch_N.bin) nor "
                         "{train,test}/<class>/ images");
  }
  return load_image_tree_members(path, contents, options);
}

}  // namespace

bool is_builtin_dataset(const std::string& name) { return !known_names(name).empty(); }

SearchPlan dataset_search_plan(const std::string& name) {
  SearchPlan plan;
  plan.names = known_names(name);
  std::set<std::string> seen_candidates, seen_bases;
  auto add_candidate = [&](const fs::path& p) {
    std::string s = p.lexically_normal().string();
    if (seen_candidates.insert(s).second) plan.candidates.push_back(s);
  };
  auto add_base = [&](const fs::path& base) {
    std::string s = base.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    if (!seen_bases.insert(s).second) return;
    plan.bases.push_back(s);
    for (const std::string& n : plan.names) add_candidate(fs::path(s) / n);
  };
  if (const char* env = std::getenv("OCTET_DATA"); env && *env) {
    add_candidate(fs::path(env) / name);
    plan.bases.push_back(std::string(env) + "/" + name);
    // $OCTET_DATA may also hold the dataset's own files directly (IDX files, CIFAR batches).
    if ((name == "mnist" && is_mnist_dir(env)) || (name == "cifar10" && find_cifar_bin_dir(env) == env)) {
      add_candidate(env);
    }
    add_base(env);
  }
  std::error_code ec;
  std::vector<fs::path> starts;
  fs::path cwd = fs::current_path(ec);
  if (!ec) starts.push_back(cwd);
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) starts.push_back(exe.parent_path());
  for (const fs::path& start : starts) {
    for (const fs::path& d : self_and_parents(start)) {
      add_base(d / "shared" / "datasets");
      add_base(d / ".." / "shared" / "datasets");
    }
  }
  return plan;
}

Result<std::string> resolve_dataset(const std::string& name) {
  SearchPlan plan = dataset_search_plan(name);
  if (plan.names.empty()) return Status::Error(name + ": not a built-in dataset name (mnist, cifar10)");
  std::error_code ec;
  for (const std::string& c : plan.candidates) {
    if (fs::exists(c, ec)) return c;
  }
  std::string msg = "dataset '" + name + "' not found; looked for ";
  for (size_t i = 0; i < plan.names.size(); ++i) msg += (i ? ", " : "") + plan.names[i];
  msg += " in: ";
  if (!std::getenv("OCTET_DATA")) msg += "$OCTET_DATA (not set), ";
  for (size_t i = 0; i < plan.bases.size(); ++i) msg += (i ? ", " : "") + plan.bases[i];
  msg += ". Set OCTET_DATA to a folder holding it, or pass its path.";
  return Status::Error(msg);
}

Result<DataSplits> load_dataset_path(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Status::Error(path + ": no such file or directory");
  if (fs::is_directory(st)) {
    if (is_mnist_dir(path)) return load_mnist_dir(path);
    std::string cifar = find_cifar_bin_dir(path);
    if (!cifar.empty()) return load_cifar_bin_dir(cifar);
    std::string root = find_image_tree_root(path);
    if (!root.empty()) return load_image_tree_dir(path, root, options);
    return Status::Error(path + ": found no MNIST IDX files (train-images-idx3-ubyte[.gz]), no CIFAR-10 "
                         "batches (data_batch_1.bin) and no train/<class>/ or test/<class>/ image folders (for a "
                         "folder of datasets, set OCTET_DATA to it and pass mnist or cifar10)");
  }
  if (!fs::is_regular_file(st)) return Status::Error(path + ": not a regular file or directory");
  if (!looks_like_archive(path)) {
    return Status::Error(path + ": not a tar archive (.tar, .tar.gz, .tgz) and not a folder; for MNIST "
                         "pass the folder holding the IDX files");
  }
  return load_archive(path, options);
}

Result<DataSplits> load_dataset(const std::string& name_or_path, const LoadOptions& options) {
  if (is_builtin_dataset(name_or_path)) {
    Result<std::string> where = resolve_dataset(name_or_path);
    if (where.ok()) return load_dataset_path(*where, options);
    // A folder that happens to carry the name is still honoured as a path.
    std::error_code ec;
    if (fs::exists(name_or_path, ec)) return load_dataset_path(name_or_path, options);
    return where.status();
  }
  return load_dataset_path(name_or_path, options);
}

}  // namespace octet::data
