// The contract of a trainable layer. Tensors are NHWC (or [N, features]) with the batch first.
// Layers split work over the batch with ctx.pool and reduce per-chunk partial gradients in
// chunk order, so the same seed and thread count give bit-identical weights.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/thread_pool.h"

namespace octet::nn {

struct Param {
  std::string name;  // "kernel", "bias", "gamma", "beta"
  Tensor value;
  Tensor grad;       // same shape; backward accumulates (+=) into it
};

struct Context {
  bool training = false;
  ThreadPool* pool = nullptr;  // never null when a layer runs
  Rng* rng = nullptr;          // dropout masks; set by the trainer for every batch
};

class Layer {
 public:
  virtual ~Layer() = default;
  // Short type name as in model specs: "conv2d", "dense", "max_pool2d", ...
  virtual std::string kind() const = 0;
  // Called once with the input shape without the batch dimension; creates and initialises
  // parameters (Glorot-uniform kernels, zero biases, as Keras does) and returns the output
  // shape without the batch dimension, or an error for an impossible configuration.
  virtual Result<Shape> build(const Shape& input_shape, Rng& rng) = 0;
  // out is resized by the layer. Keeps whatever it needs for backward (e.g. argmax, masks).
  virtual void forward(const Tensor& in, Tensor& out, Context& ctx) = 0;
  // Given the forward's in/out and dL/dout: accumulates parameter gradients and, when
  // grad_in is not null, writes dL/din (resized by the layer).
  virtual void backward(const Tensor& in, const Tensor& out, const Tensor& grad_out,
                        Tensor* grad_in, Context& ctx) = 0;
  virtual std::vector<Param*> params() { return {}; }
  // State that is saved but not trained (BatchNorm moving mean/variance).
  virtual std::vector<Tensor*> buffers() { return {}; }
};

}  // namespace octet::nn
