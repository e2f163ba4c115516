#include "nn/layers/loss.h"

#include <cmath>

#include "core/status.h"

namespace octet::nn {

float softmax_cross_entropy(const Tensor& logits, const uint8_t* labels, Tensor* grad_logits, int* correct) {
  OCTET_CHECK(logits.shape.size() == 2);
  const int n = logits.dim(0), k = logits.dim(1);
  if (grad_logits) grad_logits->reshape(logits.shape);
  if (correct) *correct = 0;
  if (n == 0) return 0.0f;
  const float inv_n = 1.0f / static_cast<float>(n);
  double total = 0.0;
  for (int i = 0; i < n; ++i) {
    const float* z = logits.ptr() + static_cast<int64_t>(i) * k;
    const int label = labels[i];
    OCTET_CHECK_MSG(label < k, "label out of range");
    int arg = 0;
    for (int j = 1; j < k; ++j)
      if (z[j] > z[arg]) arg = j;
    if (correct && arg == label) ++*correct;
    const float zmax = z[arg];
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(static_cast<double>(z[j] - zmax));
    const double log_sum = std::log(sum);
    total += log_sum - static_cast<double>(z[label] - zmax);
    if (grad_logits) {
      float* g = grad_logits->ptr() + static_cast<int64_t>(i) * k;
      for (int j = 0; j < k; ++j) {
        float p = static_cast<float>(std::exp(static_cast<double>(z[j] - zmax) - log_sum));
        g[j] = (p - (j == label ? 1.0f : 0.0f)) * inv_n;
      }
    }
  }
  return static_cast<float>(total / n);
}

void softmax(const Tensor& logits, Tensor& probs) {
  OCTET_CHECK(logits.shape.size() == 2);
  const int n = logits.dim(0), k = logits.dim(1);
  probs.reshape(logits.shape);
  for (int i = 0; i < n; ++i) {
    const float* z = logits.ptr() + static_cast<int64_t>(i) * k;
    float* p = probs.ptr() + static_cast<int64_t>(i) * k;
    float zmax = z[0];
    for (int j = 1; j < k; ++j) zmax = std::max(zmax, z[j]);
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(static_cast<double>(z[j] - zmax));
    for (int j = 0; j < k; ++j) p[j] = static_cast<float>(std::exp(static_cast<double>(z[j] - zmax)) / sum);
  }
}

}  // namespace octet::nn
