// Test helpers for the layers: seeded random tensors, a plain layer stack, and a central-
// difference gradient checker (loss = sum(out * w) for a fixed random w, so dL/dout = w).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "nn/layer.h"

namespace octet::nn::testing {

Tensor random_tensor(const Shape& shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f);
// Values spaced at least `gap` apart (a shuffled ramp), so max/ReLU kinks are far from any input.
Tensor spaced_tensor(const Shape& shape, uint64_t seed, float gap);
Tensor make_tensor(const Shape& shape, std::vector<float> values);

// Builds the layer on input_shape (without batch) with a fixed seed; fails the test on error.
Shape build_or_die(Layer& layer, const Shape& input_shape, uint64_t seed = 1);

// Max |a - b| / max(1, |b|) over all elements (shapes must match).
double max_rel_diff(const Tensor& a, const Tensor& b);
bool same_bytes(const Tensor& a, const Tensor& b);

struct GradCheckOptions {
  float eps = 1e-2f;
  double rtol = 1e-2;
  double atol = 1e-3;
  bool training = false;
  int threads = 1;
  int max_points = 400;    // per tensor; larger tensors are sampled with a fixed stride
  bool check_input = true;
};

// Runs forward + backward on `input` (already [N, ...]) and compares dL/dinput and every
// parameter gradient with central differences of L computed in double. Returns the number of
// points checked. Reports mismatches through EXPECT.
int check_gradients(Layer& layer, const Tensor& input, const GradCheckOptions& opt = {});

// A sequence of layers with its activations and gradients (a stand-in for nn::Model).
class Stack {
 public:
  void add(std::unique_ptr<Layer> layer) { layers_.push_back(std::move(layer)); }
  Shape build(const Shape& input_shape, uint64_t seed);
  const Tensor& forward(const Tensor& input, Context& ctx);
  void backward(const Tensor& grad_out, Context& ctx);  // no input gradient for the first layer
  void zero_grads();
  std::vector<Param*> params();
  Layer& layer(int i) { return *layers_[i]; }

 private:
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Tensor> acts_, grads_;
};

}  // namespace octet::nn::testing
