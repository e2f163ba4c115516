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

namespace {

// `slots` must be `per_param` groups of one vector per parameter, each the parameter's size.
Status check_slots(const std::vector<std::vector<float>>& slots, size_t per_param,
                   const std::vector<Param*>& params, const std::string& optimizer) {
  if (slots.size() != per_param * params.size())
    return Status::Error(optimizer + " state has " + std::to_string(slots.size()) + " vectors, the model needs " +
                         std::to_string(per_param * params.size()));
  for (size_t i = 0; i < slots.size(); ++i) {
    const Param& p = *params[i % params.size()];
    if (static_cast<int64_t>(slots[i].size()) != p.value.size())
      return Status::Error(optimizer + " state vector " + std::to_string(i) + " has " +
                           std::to_string(slots[i].size()) + " values, parameter " + p.name + " has " +
                           std::to_string(p.value.size()));
  }
  return Status::Ok();
}

}  // namespace

OptimizerState Adam::state() const {
  OptimizerState s;
  s.step = t_;
  s.slots = m_;
  s.slots.insert(s.slots.end(), v_.begin(), v_.end());
  return s;
}

Status Adam::set_state(OptimizerState s, const std::vector<Param*>& params) {
  if (s.step < 0) return Status::Error("adam step count is negative");
  if (s.step == 0 && s.slots.empty()) {  // before the first step
    t_ = 0;
    m_.clear();
    v_.clear();
    return Status::Ok();
  }
  OCTET_RETURN_IF_ERROR(check_slots(s.slots, 2, params, "adam"));
  t_ = s.step;
  m_.assign(std::make_move_iterator(s.slots.begin()), std::make_move_iterator(s.slots.begin() + params.size()));
  v_.assign(std::make_move_iterator(s.slots.begin() + params.size()), std::make_move_iterator(s.slots.end()));
  return Status::Ok();
}

OptimizerState Sgd::state() const {
  OptimizerState s;
  s.slots = velocity_;
  return s;
}

Status Sgd::set_state(OptimizerState s, const std::vector<Param*>& params) {
  if (s.step != 0) return Status::Error("sgd state has a step count; it keeps none");
  if (!s.slots.empty()) OCTET_RETURN_IF_ERROR(check_slots(s.slots, 1, params, "sgd"));
  velocity_ = std::move(s.slots);
  return Status::Ok();
}

Result<std::unique_ptr<Optimizer>> make_optimizer(const std::string& name, float lr) {
  if (!(lr > 0) || !std::isfinite(lr)) return Status::Error("learning rate must be a positive number");
  if (name == "adam") return std::unique_ptr<Optimizer>(std::make_unique<Adam>(lr));
  if (name == "sgd") return std::unique_ptr<Optimizer>(std::make_unique<Sgd>(lr));
  return Status::Error("unknown optimizer \"" + name + "\" (known: adam, sgd)");
}

}  // namespace octet::nn
