// The small model and settings behind the checkpoint fuzzer's seed: make_seeds.cc saves a
// checkpoint of it, fuzz_checkpoint.cc restores accepted inputs into it.
#pragma once

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "nn/model.h"

namespace octet::fuzz {

inline nn::Model checkpoint_seed_model() {
  const char* spec = R"({"name": "seed", "input": [6, 6, 1], "layers": [
      {"type": "conv2d", "filters": 2, "kernel": 3, "padding": "same", "use_bias": false},
      {"type": "batch_norm"}, {"type": "relu"}, {"type": "flatten"},
      {"type": "dense", "units": 3}]})";
  auto m = nn::Model::from_spec(nlohmann::json::parse(spec), "seed");
  Status built = m.ok() ? m->build(1) : m.status();
  if (!built.ok()) {
    std::fprintf(stderr, "checkpoint seed model: %s\n", built.message().c_str());
    std::abort();
  }
  return std::move(m).value();
}

inline nlohmann::json checkpoint_seed_settings() {
  return {{"data", "seed"}, {"batch", 4}, {"optimizer", "adam"}, {"seed", 1}};
}

}  // namespace octet::fuzz
