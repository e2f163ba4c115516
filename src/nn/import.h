// Float import: the inverse of export_graph. A float32 graph of the form octet exports (a chain of
// CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, MAX/AVERAGE_POOL_2D, MEAN over H and W, RESHAPE to
// [batch, features], RELU, RELU6, fused ReLU/ReLU6, ending in SOFTMAX) becomes a built Model
// holding its weights, whose export computes the same outputs. BatchNorm was folded on export, so
// an imported model has none; Dropout was dropped, so it has none either.
#pragma once

#include <string>

#include "nn/model.h"
#include "runtime/graph.h"

namespace octet::nn {

// `origin` (the file path) names the model in errors; the model takes its name from the stored
// training record when there is one, else from `origin`'s stem. Errors name the operator (index and
// type) that cannot be imported and why.
Result<Model> import_graph(const runtime::Graph& graph, const std::string& origin);

}  // namespace octet::nn
