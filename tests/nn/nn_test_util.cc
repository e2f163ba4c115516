#include "nn_test_util.h"

#include <cmath>
#include <cstring>
#include <numeric>

namespace octet::nn::testing {

Tensor random_tensor(const Shape& shape, uint64_t seed, float lo, float hi) {
  Tensor t(shape);
  Rng rng(seed);
  for (float& v : t.data) v = rng.uniform(lo, hi);
  return t;
}

Tensor spaced_tensor(const Shape& shape, uint64_t seed, float gap) {
  Tensor t(shape);
  std::vector<int> order(t.size());
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  rng.shuffle(order);
  const float mid = 0.5f * gap * static_cast<float>(t.size());
  for (int64_t i = 0; i < t.size(); ++i) t.data[i] = gap * static_cast<float>(order[i]) - mid + 0.37f * gap;
  return t;
}

Tensor make_tensor(const Shape& shape, std::vector<float> values) {
  Tensor t;
  t.shape = shape;
  t.data = std::move(values);
  EXPECT_EQ(static_cast<int64_t>(t.data.size()), num_elements(shape));
  return t;
}

Shape build_or_die(Layer& layer, const Shape& input_shape, uint64_t seed) {
  Rng rng(seed);
  auto r = layer.build(input_shape, rng);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : Shape{};
}

double max_rel_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape, b.shape);
  double m = 0;
  for (int64_t i = 0; i < std::min(a.size(), b.size()); ++i)
    m = std::max(m, std::abs(static_cast<double>(a.data[i]) - b.data[i]) / std::max(1.0, std::abs(static_cast<double>(b.data[i]))));
  return m;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape == b.shape && std::memcmp(a.ptr(), b.ptr(), sizeof(float) * a.size()) == 0;
}

namespace {

double weighted_sum(const Tensor& out, const Tensor& w) {
  double s = 0;
  for (int64_t i = 0; i < out.size(); ++i) s += static_cast<double>(out.data[i]) * w.data[i];
  return s;
}

// Compares analytic[idx] with the central difference obtained by perturbing values[idx].
int check_tensor(const char* what, Layer& layer, const Tensor& input, Tensor& values, const Tensor& analytic,
                 const Tensor& w, Context& ctx, const GradCheckOptions& opt) {
  const int64_t n = values.size();
  const int64_t step = std::max<int64_t>(1, n / opt.max_points);
  Tensor out;
  int checked = 0, failures = 0;
  for (int64_t i = 0; i < n; i += step) {
    const float orig = values.data[i];
    values.data[i] = orig + opt.eps;
    layer.forward(input, out, ctx);
    double plus = weighted_sum(out, w);
    values.data[i] = orig - opt.eps;
    layer.forward(input, out, ctx);
    double minus = weighted_sum(out, w);
    values.data[i] = orig;
    // Divide by the step actually taken (orig +- eps rounds in float).
    double h = static_cast<double>(orig + opt.eps) - static_cast<double>(orig - opt.eps);
    double numeric = (plus - minus) / h;
    double a = analytic.data[i];
    double tol = opt.atol + opt.rtol * std::max(std::abs(numeric), std::abs(a));
    if (std::abs(numeric - a) > tol && failures++ < 5) {
      ADD_FAILURE() << layer.kind() << " " << what << "[" << i << "]: analytic " << a << " numeric " << numeric;
    }
    ++checked;
  }
  EXPECT_EQ(failures, 0) << layer.kind() << " " << what << ": " << failures << " of " << checked << " points off";
  return checked;
}

}  // namespace

int check_gradients(Layer& layer, const Tensor& input_in, const GradCheckOptions& opt) {
  ThreadPool pool(opt.threads);
  Rng rng(99);
  Context ctx{opt.training, &pool, &rng};
  Tensor input = input_in;
  Tensor out;
  layer.forward(input, out, ctx);
  Tensor w = random_tensor(out.shape, 12345);
  for (Param* p : layer.params()) p->grad.fill(0.0f);
  Tensor grad_in;
  layer.backward(input, out, w, opt.check_input ? &grad_in : nullptr, ctx);
  int checked = 0;
  if (opt.check_input) checked += check_tensor("input", layer, input, input, grad_in, w, ctx, opt);
  for (Param* p : layer.params()) {
    Tensor analytic = p->grad;
    checked += check_tensor(p->name.c_str(), layer, input, p->value, analytic, w, ctx, opt);
  }
  return checked;
}

Shape Stack::build(const Shape& input_shape, uint64_t seed) {
  Rng rng(seed);
  Shape s = input_shape;
  for (auto& l : layers_) {
    auto r = l->build(s, rng);
    EXPECT_TRUE(r.ok()) << l->kind() << ": " << r.status().message();
    if (!r.ok()) return {};
    s = r.value();
  }
  acts_.resize(layers_.size() + 1);
  grads_.resize(layers_.size() + 1);
  return s;
}

const Tensor& Stack::forward(const Tensor& input, Context& ctx) {
  acts_[0] = input;
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->forward(acts_[i], acts_[i + 1], ctx);
  return acts_.back();
}

void Stack::backward(const Tensor& grad_out, Context& ctx) {
  grads_.back() = grad_out;
  for (size_t i = layers_.size(); i-- > 0;)
    layers_[i]->backward(acts_[i], acts_[i + 1], grads_[i + 1], i == 0 ? nullptr : &grads_[i], ctx);
}

void Stack::zero_grads() {
  for (Param* p : params()) p->grad.fill(0.0f);
}

std::vector<Param*> Stack::params() {
  std::vector<Param*> all;
  for (auto& l : layers_)
    for (Param* p : l->params()) all.push_back(p);
  return all;
}

}  // namespace octet::nn::testing
