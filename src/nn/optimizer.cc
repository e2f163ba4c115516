#include "nn/optimizer.h"

#include <cmath>

namespace octet::nn {

void Adam::step(const std::vector<Param*>& params) {
  if (m_.size() != params.size()) {
    m_.assign(params.size(), {});
    v_.assign(params.size(), {});
    for (size_t i = 0; i < params.size(); ++i) {
      m_[i].assign(params[i]->value.size(), 0.0f);
      v_[i].assign(params[i]->value.size(), 0.0f);
    }
  }
  ++t_;
  const double correction1 = 1.0 - std::pow(static_cast<double>(beta1_), static_cast<double>(t_));
  const double correction2 = 1.0 - std::pow(static_cast<double>(beta2_), static_cast<double>(t_));
  const float step_size = static_cast<float>(lr_ * std::sqrt(correction2) / correction1);
  for (size_t i = 0; i < params.size(); ++i) {
    float* w = params[i]->value.ptr();
    const float* g = params[i]->grad.ptr();
    float* m = m_[i].data();
    float* v = v_[i].data();
    const int64_t n = params[i]->value.size();
    for (int64_t k = 0; k < n; ++k) {
      m[k] = beta1_ * m[k] + (1.0f - beta1_) * g[k];
      v[k] = beta2_ * v[k] + (1.0f - beta2_) * g[k] * g[k];
      w[k] -= step_size * m[k] / (std::sqrt(v[k]) + epsilon_);
    }
  }
}

void Sgd::step(const std::vector<Param*>& params) {
  if (velocity_.size() != params.size()) {
    velocity_.assign(params.size(), {});
    for (size_t i = 0; i < params.size(); ++i) velocity_[i].assign(params[i]->value.size(), 0.0f);
  }
  for (size_t i = 0; i < params.size(); ++i) {
    float* w = params[i]->value.ptr();
    const float* g = params[i]->grad.ptr();
    float* vel = velocity_[i].data();
    const int64_t n = params[i]->value.size();
    for (int64_t k = 0; k < n; ++k) {
      vel[k] = momentum_ * vel[k] - lr_ * g[k];
      w[k] += vel[k];
    }
  }
}

Result<std::unique_ptr<Optimizer>> make_optimizer(const std::string& name, float lr) {
  if (!(lr > 0) || !std::isfinite(lr)) return Status::Error("learning rate must be a positive number");
  if (name == "adam") return std::unique_ptr<Optimizer>(std::make_unique<Adam>(lr));
  if (name == "sgd") return std::unique_ptr<Optimizer>(std::make_unique<Sgd>(lr));
  return Status::Error("unknown optimizer \"" + name + "\" (known: adam, sgd)");
}

}  // namespace octet::nn
