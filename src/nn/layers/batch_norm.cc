#include "nn/layers/batch_norm.h"

#include <cmath>

#include "nn/layers/layer_util.h"

namespace octet::nn {
namespace {

constexpr int64_t kTargetRows = 4096;
constexpr int kMinGroups = 8;

}  // namespace

BatchNorm::BatchNorm(float momentum, float epsilon) : momentum_(momentum), epsilon_(epsilon) {}

Result<Shape> BatchNorm::build(const Shape& input_shape, Rng&) {
  if (input_shape.empty() || num_elements(input_shape) < 1)
    return Status::Error("batch_norm: bad input shape " + shape_to_string(input_shape));
  if (!(momentum_ >= 0.0f && momentum_ < 1.0f) || !(epsilon_ > 0.0f))
    return Status::Error("batch_norm: need 0 <= momentum < 1 and epsilon > 0");
  channels_ = input_shape.back();
  gamma_.value = Tensor({channels_}, 1.0f);
  gamma_.grad = Tensor({channels_});
  beta_.value = Tensor({channels_});
  beta_.grad = Tensor({channels_});
  moving_mean_ = Tensor({channels_});
  moving_variance_ = Tensor({channels_}, 1.0f);
  return input_shape;
}

void BatchNorm::forward(const Tensor& in, Tensor& out, Context& ctx) {
  const int c_n = channels_;
  OCTET_CHECK(!in.shape.empty() && in.shape.back() == c_n);
  const int n = in.dim(0);
  const int64_t rows_per_item = n > 0 ? in.size() / (static_cast<int64_t>(n) * c_n) : 0;
  const int64_t rows = static_cast<int64_t>(n) * rows_per_item;
  out.reshape(in.shape);
  const float* x = in.ptr();
  float* y = out.ptr();
  mean_.resize(c_n);
  inv_std_.resize(c_n);
  trained_ = ctx.training;
  if (trained_ && rows > 0) {
    BatchGroups groups = split_batch(n, rows_per_item, kTargetRows, kMinGroups);
    parts_.resize(static_cast<size_t>(groups.count) * c_n);
    // Pass 1: means. Pass 2: centred sums of squares (no cancellation).
    std::vector<double>& mean = sum_a_;
    std::vector<double>& var = sum_b_;
    mean.assign(c_n, 0.0);
    var.assign(c_n, 0.0);
    for (int pass = 0; pass < 2; ++pass) {
      ctx.pool->parallel_for(groups.count, [&](int, int gb, int ge) {
        for (int g = gb; g < ge; ++g) {
          double* p = parts_.data() + static_cast<int64_t>(g) * c_n;
          std::fill(p, p + c_n, 0.0);
          const float* xg = x + groups.begin(g) * rows_per_item * c_n;
          const int64_t r_n = (groups.end(g) - groups.begin(g)) * rows_per_item;
          for (int64_t r = 0; r < r_n; ++r) {
            const float* v = xg + r * c_n;
            if (pass == 0) {
              for (int c = 0; c < c_n; ++c) p[c] += v[c];
            } else {
              for (int c = 0; c < c_n; ++c) {
                double d = v[c] - mean[c];
                p[c] += d * d;
              }
            }
          }
        }
      });
      std::vector<double>& acc = pass == 0 ? mean : var;
      for (int g = 0; g < groups.count; ++g)
        for (int c = 0; c < c_n; ++c) acc[c] += parts_[static_cast<size_t>(g) * c_n + c];
      for (int c = 0; c < c_n; ++c) acc[c] /= static_cast<double>(rows);
    }
    batch_mean_.resize(c_n);
    batch_var_.resize(c_n);
    float* mm = moving_mean_.ptr();
    float* mv = moving_variance_.ptr();
    for (int c = 0; c < c_n; ++c) {
      batch_mean_[c] = static_cast<float>(mean[c]);
      batch_var_[c] = static_cast<float>(var[c]);
      mean_[c] = batch_mean_[c];
      inv_std_[c] = static_cast<float>(1.0 / std::sqrt(var[c] + epsilon_));
      mm[c] = momentum_ * mm[c] + (1.0f - momentum_) * batch_mean_[c];
      mv[c] = momentum_ * mv[c] + (1.0f - momentum_) * batch_var_[c];
    }
  } else {
    for (int c = 0; c < c_n; ++c) {
      mean_[c] = moving_mean_.data[c];
      inv_std_[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(moving_variance_.data[c]) + epsilon_));
    }
  }
  std::vector<float>& scale = scale_;
  scale.resize(c_n);
  const float* gamma = gamma_.value.ptr();
  const float* beta = beta_.value.ptr();
  for (int c = 0; c < c_n; ++c) scale[c] = gamma[c] * inv_std_[c];
  parallel_elementwise(*ctx.pool, rows, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* v = x + r * c_n;
      float* o = y + r * c_n;
      for (int c = 0; c < c_n; ++c) o[c] = (v[c] - mean_[c]) * scale[c] + beta[c];
    }
  }, (1 << 15) / c_n);
}

void BatchNorm::backward(const Tensor& in, const Tensor& out, const Tensor& grad_out, Tensor* grad_in,
                         Context& ctx) {
  const int c_n = channels_;
  OCTET_CHECK(grad_out.shape == in.shape && static_cast<int>(mean_.size()) == c_n);
  const int n = in.dim(0);
  const int64_t rows_per_item = n > 0 ? in.size() / (static_cast<int64_t>(n) * c_n) : 0;
  const int64_t rows = static_cast<int64_t>(n) * rows_per_item;
  if (rows == 0) {
    if (grad_in) grad_in->reshape(in.shape);
    return;
  }
  const float* x = in.ptr();
  const float* gy = grad_out.ptr();
  // sum_g = sum over rows of g, sum_gx = sum of g * xhat; per group in double, then in order.
  BatchGroups groups = split_batch(n, rows_per_item, kTargetRows, kMinGroups);
  parts_.resize(static_cast<size_t>(groups.count) * c_n * 2);
  ctx.pool->parallel_for(groups.count, [&](int, int gb, int ge) {
    for (int g = gb; g < ge; ++g) {
      double* pg = parts_.data() + static_cast<int64_t>(g) * c_n * 2;
      double* pgx = pg + c_n;
      std::fill(pg, pg + 2 * c_n, 0.0);
      const int64_t r0 = groups.begin(g) * rows_per_item, r1 = groups.end(g) * rows_per_item;
      for (int64_t r = r0; r < r1; ++r) {
        const float* v = x + r * c_n;
        const float* gr = gy + r * c_n;
        for (int c = 0; c < c_n; ++c) {
          pg[c] += gr[c];
          pgx[c] += static_cast<double>(gr[c]) * ((v[c] - mean_[c]) * inv_std_[c]);
        }
      }
    }
  });
  std::vector<double>& sum_g = sum_a_;
  std::vector<double>& sum_gx = sum_b_;
  sum_g.assign(c_n, 0.0);
  sum_gx.assign(c_n, 0.0);
  for (int g = 0; g < groups.count; ++g) {
    const double* pg = parts_.data() + static_cast<int64_t>(g) * c_n * 2;
    for (int c = 0; c < c_n; ++c) sum_g[c] += pg[c], sum_gx[c] += pg[c_n + c];
  }
  for (int c = 0; c < c_n; ++c) {
    gamma_.grad.data[c] += static_cast<float>(sum_gx[c]);
    beta_.grad.data[c] += static_cast<float>(sum_g[c]);
  }
  if (!grad_in) return;
  grad_in->reshape(in.shape);
  float* gx = grad_in->ptr();
  const float* gamma = gamma_.value.ptr();
  // Training: dx = gamma * inv_std * (g - mean(g) - xhat * mean(g * xhat)).
  // Inference: the statistics are constants, dx = gamma * inv_std * g.
  std::vector<float>& k = scale_;
  std::vector<float>& mg = mean_g_;
  std::vector<float>& mgx = mean_gx_;
  k.resize(c_n);
  mg.assign(c_n, 0.0f);
  mgx.assign(c_n, 0.0f);
  for (int c = 0; c < c_n; ++c) {
    k[c] = gamma[c] * inv_std_[c];
    if (trained_) {
      mg[c] = static_cast<float>(sum_g[c] / static_cast<double>(rows));
      mgx[c] = static_cast<float>(sum_gx[c] / static_cast<double>(rows));
    }
  }
  parallel_elementwise(*ctx.pool, rows, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* v = x + r * c_n;
      const float* gr = gy + r * c_n;
      float* d = gx + r * c_n;
      for (int c = 0; c < c_n; ++c) {
        float xhat = (v[c] - mean_[c]) * inv_std_[c];
        d[c] = k[c] * (gr[c] - mg[c] - xhat * mgx[c]);
      }
    }
  }, (1 << 15) / c_n);
}

}  // namespace octet::nn
