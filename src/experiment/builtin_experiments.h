// The JSON of experiments/*.json, embedded at build time (see src/experiment/CMakeLists.txt).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace octet::experiment {

// (name, JSON text) for every shipped experiment, sorted by name.
const std::vector<std::pair<std::string, std::string>>& builtin_experiment_specs();

}  // namespace octet::experiment
