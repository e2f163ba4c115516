// The JSON specs of models/*.json, embedded at build time (see src/nn/CMakeLists.txt).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace octet::nn {

// (name, JSON text) for every built-in model, sorted by name.
const std::vector<std::pair<std::string, std::string>>& builtin_model_specs();

}  // namespace octet::nn
