#include "runtime/kernels/reference/hybrid_quantize_ref.h"

#include <algorithm>
#include <cmath>

namespace octet::kernels {

void hybrid_symmetric_quantize_ref(const float* x, long n, int8_t* q, float* scale) {
  float lo = x[0], hi = x[0];
  for (long i = 1; i < n; ++i) {  // std::minmax_element picks the first min and the last max
    if (x[i] < lo) lo = x[i];
    if (!(x[i] < hi)) hi = x[i];
  }
  const float range = std::max(std::fabs(lo), std::fabs(hi));
  if (range == 0.0f) {
    for (long i = 0; i < n; ++i) q[i] = 0;
    *scale = 1.0f;
    return;
  }
  *scale = range / 127.0f;
  const float inverse = 127.0f / range;
  for (long i = 0; i < n; ++i) {
    const int32_t v = static_cast<int32_t>(std::round(x[i] * inverse));
    q[i] = static_cast<int8_t>(std::min(127, std::max(-127, v)));
  }
}

bool hybrid_asymmetric_params(float lo, float hi, float* scale, int32_t* zero_point) {
  const double qmin = -128.0, qmax = 127.0;
  const double rmin = static_cast<double>(std::min(0.0f, lo));
  const double rmax = static_cast<double>(std::max(0.0f, hi));
  if (rmin == rmax) {
    *scale = 1.0f;
    *zero_point = 0;
    return false;
  }
  const double s = (rmax - rmin) / (qmax - qmin);
  const double zero_point_from_min = qmin - rmin / s;
  const double zero_point_from_max = qmax - rmax / s;
  const double zero_point_from_min_error = std::abs(qmin) + std::abs(rmin / s);
  const double zero_point_from_max_error = std::abs(qmax) + std::abs(rmax / s);
  const double zp = zero_point_from_min_error < zero_point_from_max_error ? zero_point_from_min
                                                                         : zero_point_from_max;
  int32_t nudged;
  if (zp <= qmin) {
    nudged = -128;
  } else if (zp >= qmax) {
    nudged = 127;
  } else {
    nudged = static_cast<int32_t>(std::round(zp));
  }
  *scale = static_cast<float>(s);
  *zero_point = nudged;
  return true;
}

void hybrid_asymmetric_quantize_ref(const float* x, long n, int8_t* q, float* scale,
                                    int32_t* zero_point) {
  float lo = x[0], hi = x[0];
  for (long i = 1; i < n; ++i) {
    if (x[i] < lo) lo = x[i];
    if (!(x[i] < hi)) hi = x[i];
  }
  if (!hybrid_asymmetric_params(lo, hi, scale, zero_point)) {
    for (long i = 0; i < n; ++i) q[i] = 0;
    return;
  }
  const int32_t nudged = *zero_point;
  const float inverse = 1.0f / *scale;
  for (long i = 0; i < n; ++i) {
    // int32 + float -> float: the zero point is added before rounding.
    const int32_t v = static_cast<int32_t>(std::round(static_cast<float>(nudged) + x[i] * inverse));
    q[i] = static_cast<int8_t>(std::min(127, std::max(-128, v)));
  }
}

bool hybrid_is_zero_vector(const float* x, long n) {
  for (long i = 0; i < n; ++i) {
    if (x[i] != 0.0f) return false;
  }
  return true;
}

}  // namespace octet::kernels
