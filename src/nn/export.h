// Float export: a trained Model becomes a runtime::Graph in TFLite's float32 form: BatchNorm
// folded into the preceding conv/dense, ReLU/ReLU6 fused as the op's activation, Dropout
// dropped, Flatten as RESHAPE, and a final SOFTMAX (the seeds' models end in softmax).
#pragma once

#include <nlohmann/json.hpp>

#include "nn/model.h"
#include "runtime/graph.h"

namespace octet::nn {

// Metadata name under which the training record (`info`) is stored in the model.
inline constexpr const char* kTrainingMetadataName = "octet.training";

// `info` (JSON) is stored as metadata; the spec is stored too. Errors for layer sequences
// TFLite cannot express (e.g. a BatchNorm that does not follow a conv or dense layer).
Result<runtime::Graph> export_graph(Model& model, const nlohmann::json& info);

}  // namespace octet::nn
