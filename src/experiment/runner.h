// Runs experiments (spec.h) end to end: train each model (float engine), save it as float32
// .tflite, quantize it (dynamic range, full int8 with min-max calibration), evaluate every file
// on the test set, time it (batch 1), compare float vs quantized (flips, McNemar, confusion
// delta, per-layer SQNR) and write DIR/<experiment>/: the models, results.json, results.md, the
// charts (SVG, and PNG when rsvg-convert exists) and a self-contained report.html.
// docs/results.md describes results.json.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "data/dataset.h"
#include "experiment/spec.h"

namespace octet::experiment {

struct RunOptions {
  std::string out_dir = "results";
  std::optional<uint64_t> seed;  // overrides the spec's seed
  bool quick = false;
  int threads = 1;  // training, calibration and evaluation (latency uses the spec's threads)
  std::map<std::string, std::string> data_paths;  // dataset name in specs -> path to load instead
  // Recorded in results.json: what produced the results.
  std::string octet_version, git_commit, command_line;
};

// Runs experiments one after another. Datasets and trained float models are kept between
// experiments (`all` trains mnist_cnn once), and a float model another experiment of the same
// output folder wrote earlier is copied instead of trained again. A model is reused only when
// every setting that determines its weights is the same, so results do not depend on what ran
// before; results.json names the file reused ("reused_from").
class Runner {
 public:
  explicit Runner(RunOptions options);
  ~Runner();

  // Runs one experiment and writes its outputs; returns the results.json object.
  Result<nlohmann::json> run(const Spec& spec);

 private:
  struct TrainedModel;
  Result<const data::DataSplits*> dataset(const std::string& name);
  // Trains (or reuses) the float model; `test` is the test set its record's accuracy is measured on.
  // `reused_from` receives the file of an earlier experiment it reuses, or stays empty.
  Result<const TrainedModel*> trained(const Spec& spec, const ModelEntry& entry, const data::DataSplits& splits,
                                      const data::Dataset& test, std::string* reused_from);

  RunOptions options_;
  std::map<std::string, data::DataSplits> datasets_;
  std::map<std::string, std::unique_ptr<TrainedModel>> models_;
};

// `n` images of `d` drawn with a seeded shuffle, in their original order; all of `d` when
// n <= 0 or n >= d.size().
data::Dataset seeded_subset(data::Dataset d, int64_t n, uint64_t seed);

// CPU model name, logical cores and the instruction-set features the kernels can use.
nlohmann::json machine_info();

}  // namespace octet::experiment
