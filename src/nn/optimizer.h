// Adam and SGD with momentum, updating parameters from their accumulated gradients.
// Element-wise and sequential, so updates are bit-identical run after run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/layer.h"

namespace octet::nn {

// What an optimizer carries from step to step, saved in training checkpoints: Adam's step count
// and moments (m for every parameter, then v), SGD's velocities. Empty before the first step.
struct OptimizerState {
  int64_t step = 0;
  std::vector<std::vector<float>> slots;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual void step(const std::vector<Param*>& params) = 0;
  virtual std::string name() const = 0;
  virtual OptimizerState state() const = 0;
  // Checks that `s` fits `params` (slot count and sizes) before taking it.
  virtual Status set_state(OptimizerState s, const std::vector<Param*>& params) = 0;
};

// Keras defaults: beta1 0.9, beta2 0.999, epsilon 1e-7, bias-corrected step size.
class Adam : public Optimizer {
 public:
  explicit Adam(float lr, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
      : lr_(lr), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {}
  void step(const std::vector<Param*>& params) override;
  std::string name() const override { return "adam"; }
  OptimizerState state() const override;
  Status set_state(OptimizerState s, const std::vector<Param*>& params) override;

 private:
  float lr_, beta1_, beta2_, epsilon_;
  int64_t t_ = 0;
  std::vector<std::vector<float>> m_, v_;
};

// v = momentum * v - lr * g; w += v (Keras SGD with momentum).
class Sgd : public Optimizer {
 public:
  explicit Sgd(float lr, float momentum = 0.9f) : lr_(lr), momentum_(momentum) {}
  void step(const std::vector<Param*>& params) override;
  std::string name() const override { return "sgd"; }
  OptimizerState state() const override;
  Status set_state(OptimizerState s, const std::vector<Param*>& params) override;

 private:
  float lr_, momentum_;
  std::vector<std::vector<float>> velocity_;
};

Result<std::unique_ptr<Optimizer>> make_optimizer(const std::string& name, float lr);

}  // namespace octet::nn
