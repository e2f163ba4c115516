#include "qat/fake_quant.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "quant/qparams.h"

namespace octet::qat {

Result<FakeQuantGrid> activation_grid(float min, float max, int bits) {
  OCTET_ASSIGN_OR_RETURN(quant::ActivationParams p, quant::activation_params(min, max, bits));
  FakeQuantGrid g;
  g.scale = p.scale;
  g.zero_point = p.zero_point;
  g.lo = static_cast<float>(-128 - p.zero_point) * p.scale;
  g.hi = static_cast<float>(127 - p.zero_point) * p.scale;
  return g;
}

float fake_quantize(float x, const FakeQuantGrid& g, bool round_stored) {
  const float z = static_cast<float>(g.zero_point);
  const float q = std::clamp(round_stored ? quant::rhaz(x / g.scale + z) : quant::rhaz(x / g.scale) + z, -128.0f, 127.0f);
  return (q - static_cast<float>(g.zero_point)) * g.scale;
}

void FakeQuantActivation::forward(const Tensor& in, Tensor& out, nn::Context& ctx) {
  if (ctx.training && track_ && in.size() > 0) {
    const auto [mn, mx] = std::minmax_element(in.data.begin(), in.data.end());
    // A non-finite batch would poison the range; the loss check of the trainer reports it.
    if (std::isfinite(*mn) && std::isfinite(*mx)) {
      range_->min += ema_ * (*mn - range_->min);
      range_->max += ema_ * (*mx - range_->max);
    }
  }
  auto grid = activation_grid(range_->min, range_->max, bits_);
  // Ranges start from a calibration (finite, checked there) and move only towards finite values.
  OCTET_CHECK_MSG(grid.ok(), grid.status().message());
  grid_ = *grid;
  out.reshape(in.shape);
  for (int64_t i = 0; i < in.size(); ++i) out.data[i] = fake_quantize(in.data[i], grid_, round_stored_);
}

void FakeQuantActivation::backward(const Tensor& in, const Tensor&, const Tensor& grad_out, Tensor* grad_in,
                                   nn::Context&) {
  if (grad_in == nullptr) return;
  grad_in->reshape(in.shape);
  for (int64_t i = 0; i < in.size(); ++i) {
    const float x = in.data[i];
    grad_in->data[i] = x >= grid_.lo && x <= grid_.hi ? grad_out.data[i] : 0.0f;
  }
}

void FakeQuantWeights::forward(const Tensor& in, Tensor& out, nn::Context& ctx) {
  Tensor& w = inner_->params()[0]->value;
  const std::vector<int32_t> shape(w.shape.begin(), w.shape.end());
  const int axis = static_cast<int>(shape.size()) - 1;
  const quant::WeightQuant q = quant::quantize_weights_per_channel(w.ptr(), shape, axis, bits_);
  const size_t channels = q.scales.size();
  kernel_.resize(w.data.size());
  for (size_t i = 0; i < kernel_.size(); ++i)
    kernel_[i] = static_cast<float>(q.values[i]) * q.scales[i % channels];
  std::swap(w.data, kernel_);
  inner_->forward(in, out, ctx);
  std::swap(w.data, kernel_);
}

void FakeQuantWeights::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                                nn::Context& ctx) {
  Tensor& w = inner_->params()[0]->value;
  std::swap(w.data, kernel_);
  inner_->backward(in, out, grad_out, grad_in, ctx);
  std::swap(w.data, kernel_);
}

}  // namespace octet::qat
