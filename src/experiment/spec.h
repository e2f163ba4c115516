// An experiment: which models to train on which datasets, which precisions to quantize them to,
// and how to measure them. Shipped experiments are experiments/*.json (embedded in the binary);
// a user's .json of the same form works too. Parsing is strict: an unknown key, a wrong type or
// an unknown model, dataset or precision is an error naming the file and the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace octet::experiment {

// One trained model: a built-in model name or a model spec file, on a dataset name or path.
struct ModelEntry {
  std::string label;  // the built-in name or the spec file's stem: names outputs and rows
  std::string model;  // built-in name or resolved path
  std::string data;
  int epochs = 3;
};

// Training settings shared by every model of the experiment (as `octet train`).
struct TrainSettings {
  int batch = 64;
  double lr = 1e-3;  // as written (the trainer uses it as float)
  std::string optimizer = "adam";
  double validation = 0.1;
  int precise_bn_batches = 100;
  int64_t samples = 0;  // seeded subset of the training split; 0 = all
};

struct QuantizeSettings {
  std::string calibration = "minmax";
  int64_t samples = 500;  // calibration images from the training split
  std::string io = "int8";  // full-integer model I/O: int8, uint8 or float
  bool per_channel = true;
};

struct LatencySettings {
  int threads = 1;
  int min_runs = 1000;
  double min_seconds = 1.0;
  double max_seconds = 30.0;
};

struct GridSettings {
  std::string model;      // a model of `models`
  std::string precision;  // one of `precisions`
  int samples = 36;       // first test images shown
};

// A sweep of narrower ranges (int8 containers, quantization.md): every trained model is quantized
// to full integer for every calibration method x bit width and evaluated on the test set.
struct SweepSettings {
  std::vector<int> bits;                 // 2..8, as listed (the table's columns)
  std::vector<std::string> calibration;  // minmax, ema, percentile, mse, kl
  std::string apply_to = "weights+activations";  // or "weights" / "activations" (the other stays 8)
  double max_drop_pp = 1.0;  // the table names the fewest bits within this many points of float32
};

// Quantization-aware training against post-training quantization: every trained model is, at
// every bit width (weights and activations), quantized after training (PTQ), fine-tuned with fake
// quantization then converted (QAT, `octet train --qat --from`) and, with `control`, fine-tuned
// the same way in float then quantized (`octet train --from`: is QAT's gain just more training?).
struct QatSettings {
  std::vector<int> bits;  // 2..8, as listed (the table's rows)
  int epochs = 2;
  double lr = 1e-4;
  bool control = true;
};

// Layer sensitivity (`octet sensitivity`) of every trained model: accuracy on the last
// `held_out` training images with only one op int8.
struct SensitivitySettings {
  int64_t held_out = 1000;
};

// What --quick changes: fewer epochs and images, shorter timing.
struct QuickSettings {
  int epochs = 1;
  int64_t train_samples = 4000;
  int64_t test_samples = 1000;
  int64_t calibration_samples = 100;
  int precise_bn_batches = 10;
  int latency_min_runs = 30;
  double latency_min_seconds = 0.05;
  double latency_max_seconds = 0.5;
  int64_t compare_samples = 100;
  std::vector<int> sweep_bits;  // the sweep's bits under --quick; empty = the sweep's own
  int64_t sensitivity_held_out = 200;
};

struct Spec {
  std::string name;
  std::string title;
  std::string origin;  // "built-in ptq8_mnist" or the file path, for errors
  uint64_t seed = 42;
  std::vector<ModelEntry> models;
  std::vector<std::string> precisions;  // "float32" first, then "dynamic" and/or "int8"
  TrainSettings train;
  QuantizeSettings quantize;
  int64_t test_samples = 0;      // seeded subset of the test split; 0 = all
  LatencySettings latency;
  int64_t compare_samples = 1000;  // test images for the per-layer SQNR of `octet compare`
  std::optional<GridSettings> predictions_grid;
  bool seeds_table = false;  // the seeds' table: rows Accuracy / File size / Inference time
  std::optional<SweepSettings> sweep;
  std::optional<QatSettings> qat;
  std::optional<SensitivitySettings> sensitivity;
  QuickSettings quick;
  nlohmann::json json;  // the spec as given, recorded in results.json
};

// Parses and validates; `origin` names the spec in errors.
Result<Spec> parse_spec(const nlohmann::json& j, const std::string& origin);

// The same from the text of a .json file (as load_spec reads it): not valid JSON, or nested
// deeper than kMaxJsonDepth, is an error naming `origin`.
Result<Spec> parse_spec_text(const std::vector<uint8_t>& text, const std::string& origin);

// A shipped experiment's name or a path to a .json file.
Result<Spec> load_spec(const std::string& name_or_path);

// Names of the shipped experiments, sorted ("all" is not one of them: the CLI expands it).
std::vector<std::string> builtin_experiment_names();

// The spec with --quick applied (epochs, image counts and timing reduced).
Spec quick_version(const Spec& spec);

// The effective settings (after --quick and --seed), as recorded in results.json.
nlohmann::json settings_json(const Spec& spec);

}  // namespace octet::experiment
