// Mini-batch training of a Model on a Dataset, and accuracy evaluation with the float engine.
// Deterministic: the same seed and thread count give bit-identical weights.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "nn/model.h"
#include "nn/optimizer.h"

namespace octet::nn {

struct TrainOptions {
  int epochs = 3;
  int batch = 64;
  float lr = 1e-3f;
  std::string optimizer = "adam";
  uint64_t seed = 42;
  // After every epoch, BatchNorm's moving statistics are replaced by the exact population
  // statistics of this many fixed training batches, measured with frozen weights ("precise
  // BN"). The moving averages lag weights that change fast, which costs inference accuracy;
  // 0 keeps Keras' plain moving averages.
  int precise_bn_batches = 100;
};

struct EpochResult {
  int epoch = 0;              // 1-based
  double train_loss = 0;      // mean over the epoch's batches
  double train_accuracy = 0;  // on the batches as trained (dropout on), like Keras
  double val_accuracy = -1;   // -1 when there is no validation set
  double seconds = 0;
};

// Where a run stands after a whole epoch, besides the model's weights: with them, all a resumed
// run needs to continue bit-identically (shuffles and dropout masks derive from the seed, the
// epoch and the step, so they need no saved generator state).
struct TrainProgress {
  int epochs_done = 0;
  std::vector<EpochResult> history;  // one entry per finished epoch
  OptimizerState optimizer;
};

// Checks that the dataset fits the model (image shape, number of classes).
Status check_compatible(const Model& model, const data::Dataset& d, const std::string& what);

// Trains in place and returns the history of every epoch. With `resume` (a model holding the
// weights saved with it), continues after resume->epochs_done. After each epoch, `on_epoch`
// (optional) gets the progress so far; an error from it stops training.
Result<std::vector<EpochResult>> train(Model& model, const data::Dataset& train_set,
                                       const data::Dataset* val_set, const TrainOptions& options,
                                       ThreadPool& pool,
                                       const std::function<Status(const TrainProgress&)>& on_epoch = {},
                                       const TrainProgress* resume = nullptr);

// Sets every BatchNorm's moving mean/variance to the population statistics over `batches`
// batches of `d` (a fixed seeded choice), computed in training mode with the weights frozen.
void recompute_batch_norm_statistics(Model& model, const data::Dataset& d, int batches, int batch_size,
                                     uint64_t seed, ThreadPool& pool);

// Top-1 accuracy in inference mode; fills `predictions` (one label per image) when given.
double evaluate(Model& model, const data::Dataset& d, ThreadPool& pool,
                std::vector<uint8_t>* predictions = nullptr, int batch = 256);

// The training record `octet train` and experiments store in the exported model (as
// export_graph's `info`): model, dataset, class names, preprocessing, every training setting, and
// the float engine's test accuracy. The learning rate is recorded as typed (1e-3, not float noise).
nlohmann::json training_record(const Model& model, const data::DataSplits& splits, const TrainOptions& options,
                               int threads, double validation_fraction, double test_accuracy);

}  // namespace octet::nn
