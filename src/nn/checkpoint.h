// Training checkpoints (`octet train --checkpoint/--resume`): the weights, the optimizer state,
// the epochs done with their results, the model spec and the settings that must not change, so
// that a resumed run ends bit-identical to an uninterrupted one (same seed and threads).
//
// Format, little-endian: "OCTETCKP", u32 version, u32 CRC-32 of everything after byte 16,
// u64 header length, the header (JSON: spec, settings, progress, the size of every float
// vector), then the float32 vectors back to back: parameters, buffers, optimizer slots.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/model.h"
#include "nn/trainer.h"

namespace octet::nn {

struct Checkpoint {
  nlohmann::json spec;
  nlohmann::json settings;
  TrainProgress progress;
  std::vector<std::vector<float>> weights;  // model.params() values, then model.buffers()
};

// Writes the checkpoint atomically (a crash leaves the previous checkpoint).
Status save_checkpoint(const std::string& path, Model& model, const nlohmann::json& settings,
                       const TrainProgress& progress);

// Reads and validates a checkpoint; every problem is an error naming `path`.
Result<Checkpoint> load_checkpoint(const std::string& path);
// The same from bytes in memory; `path` names them in errors.
Result<Checkpoint> parse_checkpoint(const std::vector<uint8_t>& in, const std::string& path);

// Checks that `ck` was made for this spec and these settings (naming the first difference) and
// that its weights fit `model` (built), then copies them in.
Status restore_checkpoint(const Checkpoint& ck, const std::string& path, Model& model,
                          const nlohmann::json& settings);

}  // namespace octet::nn
