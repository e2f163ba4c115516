// Class-per-folder image trees, ROOT/{train,test}/<class>/*.{jpg,jpeg,png}, from a directory or
// from a tar(.gz) read in memory. Labels follow the sorted class names; images are decoded in
// parallel but land in sorted path order, so the result is the same for any thread count.
#pragma once

#include <string>

#include "core/status.h"
#include "data/archive_reader.h"
#include "data/dataset.h"

namespace octet::data {

// True for *.jpg, *.jpeg, *.png (any case).
bool is_image_name(const std::string& path);

// The folder holding train/ or test/: dir itself, or its only visible subfolder. "" if neither.
std::string find_image_tree_root(const std::string& dir);

// "CIFAR-10 (JPEG copy)" for a path named cifar10-jpeg*, else the folder or archive stem.
std::string image_tree_name(const std::string& path);

// `path` is what the user gave (for the name); `root` the folder holding train/ and test/.
Result<DataSplits> load_image_tree_dir(const std::string& path, const std::string& root,
                                       const LoadOptions& options = {});

// From an archive read with read_archive (keeping is_image_name members). Entries may sit
// under one common folder, e.g. cifar10-jpeg/train/cat/0001.jpg.
Result<DataSplits> load_image_tree_members(const std::string& archive_path,
                                           const ArchiveContents& contents,
                                           const LoadOptions& options = {});

}  // namespace octet::data
