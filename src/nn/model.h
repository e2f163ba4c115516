// A sequential float model built from a JSON spec (input shape + list of layers). The
// built-in models (mnist_fc, mnist_cnn, cifar_standard, cifar_micro) are such specs,
// shipped in models/ and embedded in the binary.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/layer.h"

namespace octet::nn {

class Model {
 public:
  // Parses a spec; `origin` names it in errors (a file path or "built-in mnist_cnn").
  static Result<Model> from_spec(const nlohmann::json& spec, const std::string& origin);
  // A built-in name (mnist_cnn, ...) or a path to a JSON spec file.
  static Result<Model> load(const std::string& name_or_path);
  static std::vector<std::string> builtin_names();
  // A model over layers made elsewhere (quantization-aware training wraps another model's
  // layers); it has no spec, and build() must still be called.
  static Model from_layers(std::string name, Shape input_shape, std::vector<std::unique_ptr<Layer>> layers);

  // Creates and initialises all parameters from the seed; checks every shape.
  Status build(uint64_t seed);

  // Runs the layers on a batch [N, ...input_shape]; activations are kept for backward.
  const Tensor& forward(const Tensor& input, Context& ctx);
  // Back-propagates dL/dlogits through every layer, accumulating parameter gradients.
  void backward(const Tensor& grad_logits, Context& ctx);

  std::vector<Param*> params();
  std::vector<Tensor*> buffers();
  void zero_grads();
  int64_t param_count();  // trainable + non-trainable, as Keras counts

  const std::string& name() const { return name_; }
  const nlohmann::json& spec() const { return spec_; }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }
  int num_layers() const { return static_cast<int>(layers_.size()); }
  Layer& layer(int i) { return *layers_[i]; }
  const Layer& layer(int i) const { return *layers_[i]; }
  // Output shape of layer i without the batch dimension.
  const Shape& layer_output_shape(int i) const { return layer_shapes_[i]; }

 private:
  std::string name_;
  nlohmann::json spec_;
  Shape input_shape_, output_shape_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Shape> layer_shapes_;
  std::vector<Tensor> acts_;   // acts_[0] = input, acts_[i+1] = output of layer i
  std::vector<Tensor> grads_;  // gradients w.r.t. acts_
};

}  // namespace octet::nn
