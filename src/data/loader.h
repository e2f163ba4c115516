// Entry point for every dataset: built-in names ("mnist", "cifar10") are resolved through
// $OCTET_DATA and shared/datasets folders; any other argument is a path detected by content.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "data/dataset.h"

namespace octet::data {

// Loads a built-in name or a path: an MNIST IDX folder, a CIFAR-10 binary folder or archive
// (cifar-10-batches-bin/, cifar-10-binary.tar.gz), or a class-per-folder image tree (folder,
// .tar, .tar.gz, .tgz). Errors name the file and the problem.
Result<DataSplits> load_dataset(const std::string& name_or_path, const LoadOptions& options = {});

// Loads a path by content (no name resolution).
Result<DataSplits> load_dataset_path(const std::string& path, const LoadOptions& options = {});

// True for the built-in names "mnist" and "cifar10".
bool is_builtin_dataset(const std::string& name);

// Where a built-in name is looked for, in order (existing or not): the file or folder names
// tried in each base folder, and the base folders: $OCTET_DATA/<name>, $OCTET_DATA, then
// shared/datasets and ../shared/datasets under the current folder and each of its parents,
// then the same under the executable's folder and its parents.
struct SearchPlan {
  std::vector<std::string> candidates;  // full paths, in the order they are tried
  std::vector<std::string> bases;       // for the error message
  std::vector<std::string> names;       // known names within each base
};
SearchPlan dataset_search_plan(const std::string& name);

// The first existing candidate for a built-in name, or an error listing where it looked.
Result<std::string> resolve_dataset(const std::string& name);

}  // namespace octet::data
