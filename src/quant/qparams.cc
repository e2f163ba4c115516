#include "quant/qparams.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace octet::quant {

Result<ActivationParams> activation_params(float mn, float mx, int bits) {
  OCTET_CHECK(bits >= 2 && bits <= 8);
  if (!std::isfinite(mn) || !std::isfinite(mx)) {
    return Status::Error("range [" + std::to_string(mn) + ", " + std::to_string(mx) + "] is not finite");
  }
  if (mn > mx) return Status::Error("range min " + std::to_string(mn) + " > max " + std::to_string(mx));
  ActivationParams p;
  // Stats are float32 promoted to double; the range must contain 0 (§2.3).
  double rmin = std::min(static_cast<double>(mn), 0.0);
  double rmax = std::max(static_cast<double>(mx), 0.0);
  if (std::fabs(rmax - rmin) < 1e-6) {  // TensorRangeSanityCheck
    rmin -= 1e-6;
    rmax += 1e-6;
    p.widened = true;
  }
  p.wide_range = rmax - rmin >= 10.0;
  // DownCastScale (legacy_float_scale): the scale is computed in float32.
  const int qmin = -(1 << (bits - 1)), qmax = (1 << (bits - 1)) - 1;
  p.scale = (static_cast<float>(rmax) - static_cast<float>(rmin)) / static_cast<float>(qmax - qmin);
  if (!std::isfinite(p.scale) || !(p.scale > 0.0f)) {
    return Status::Error("range [" + std::to_string(mn) + ", " + std::to_string(mx) + "] gives scale " +
                         std::to_string(p.scale));
  }
  const float zp_f = static_cast<float>(qmin - rmin / static_cast<double>(p.scale));
  if (zp_f < static_cast<float>(qmin)) {
    p.zero_point = qmin;
  } else if (zp_f > static_cast<float>(qmax)) {
    p.zero_point = qmax;
  } else {
    p.zero_point = static_cast<int32_t>(rhaz(zp_f));
  }
  return p;
}

namespace {

int8_t clamp_q(float r, float qmax) {  // r already rounded
  if (r > qmax) return static_cast<int8_t>(qmax);
  if (r < -qmax) return static_cast<int8_t>(-qmax);
  return static_cast<int8_t>(r);
}

float weight_qmax(int bits) {
  OCTET_CHECK(bits >= 2 && bits <= 8);
  return static_cast<float>((1 << (bits - 1)) - 1);
}

}  // namespace

WeightQuant quantize_weights_per_channel(const float* w, const std::vector<int32_t>& shape, int axis, int bits) {
  const float qmax = weight_qmax(bits);
  OCTET_CHECK(axis >= 0 && axis < static_cast<int>(shape.size()));
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= shape[i];
  for (size_t i = static_cast<size_t>(axis) + 1; i < shape.size(); ++i) inner *= shape[i];
  const int channels = shape[axis];
  WeightQuant r;
  r.axis = axis;
  r.min.assign(channels, 0.0f);
  r.max.assign(channels, 0.0f);
  r.scales.resize(channels);
  r.values.resize(static_cast<size_t>(outer * channels * inner));
  auto index = [&](int64_t o, int c, int64_t i) { return static_cast<size_t>((o * channels + c) * inner + i); };
  for (int c = 0; c < channels; ++c) {
    // min/max of the slice, widened to include 0 (ExtractMinMaxFromAttr), then symmetric.
    float mn = 0.0f, mx = 0.0f;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const float v = w[index(o, c, i)];
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
    r.min[c] = mn;
    r.max[c] = mx;
    const double m = std::max(std::fabs(static_cast<double>(mn)), std::fabs(static_cast<double>(mx)));
    if (m == 0.0) r.zero_channels.push_back(c);
    double lo = -m, hi = m;
    if (hi - lo <= 1e-6) {  // ExpandVerySmallRange
      lo = std::min(lo, -5e-7);
      hi = std::max(hi, 5e-7);
    }
    const float scale = (static_cast<float>(hi) - static_cast<float>(lo)) / (2.0f * qmax);
    r.scales[c] = scale;
    // Quantization multiplies by the float reciprocal; it does not divide by S (§2.4, §8.6).
    const float inv = static_cast<float>(1.0 / static_cast<double>(scale));
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const size_t k = index(o, c, i);
        r.values[k] = clamp_q(rhaz(w[k] * inv), qmax);
      }
  }
  return r;
}

WeightQuant quantize_weights_per_tensor(const float* w, int64_t n, int bits) {
  const float qmax = weight_qmax(bits);
  WeightQuant r;
  r.axis = 0;
  float mn = 0.0f, mx = 0.0f;
  if (n > 0) {
    mn = *std::min_element(w, w + n);
    mx = *std::max_element(w, w + n);
  }
  r.min = {mn};
  r.max = {mx};
  r.values.assign(static_cast<size_t>(n), 0);
  const float range = std::max(std::fabs(mn), std::fabs(mx));
  if (range == 0.0f) {
    r.scales = {1.0f};
    r.zero_channels = {0};
    return r;
  }
  r.scales = {range / qmax};
  const float inv = qmax / range;
  for (int64_t k = 0; k < n; ++k) r.values[static_cast<size_t>(k)] = clamp_q(rhaz(w[k] * inv), qmax);
  return r;
}

BiasQuant quantize_bias(const float* b, int64_t n, float input_scale, const std::vector<float>& weight_scales) {
  OCTET_CHECK(weight_scales.size() == 1 || static_cast<int64_t>(weight_scales.size()) == n);
  BiasQuant r;
  r.scales.resize(weight_scales.size());
  for (size_t c = 0; c < weight_scales.size(); ++c) {
    r.scales[c] = static_cast<float>(static_cast<double>(input_scale) * static_cast<double>(weight_scales[c]));
  }
  r.values.resize(static_cast<size_t>(n));
  constexpr double kMax = std::numeric_limits<int32_t>::max();
  for (int64_t c = 0; c < n; ++c) {
    const float scale = r.scales[r.scales.size() == 1 ? 0 : static_cast<size_t>(c)];
    const float inv = scale == 0.0f ? 0.0f : static_cast<float>(1.0 / static_cast<double>(scale));
    const double q = static_cast<double>(rhaz(b[c] * inv));  // float32 multiply, then round
    if (q > kMax || q < -kMax) ++r.saturated;
    r.values[static_cast<size_t>(c)] = static_cast<int32_t>(std::clamp(q, -kMax, kMax));
  }
  return r;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u) {  // infinity or NaN (keep NaN quiet and non-zero)
    return x == 0x7f800000u ? static_cast<uint16_t>(sign | 0x7c00u)
                            : static_cast<uint16_t>(sign | 0x7e00u | ((x >> 13) & 0x3ffu));
  }
  // 65520 is halfway between 65504 (the largest half, odd mantissa) and 2^16: ties go to even = inf.
  if (x >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);
  if (x >= 0x38800000u) {  // normal half (>= 2^-14): rebias the exponent 127 -> 15, round 13 bits
    const uint32_t r = x - (112u << 23);
    uint32_t h = r >> 13;
    const uint32_t rem = r & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is correct
    return static_cast<uint16_t>(sign | h);
  }
  // Subnormal half: value / 2^-24 = mant * 2^(e - 126).
  const uint32_t e = x >> 23;
  if (e < 102) return sign;  // below 2^-25: rounds to zero (float subnormals included)
  const uint32_t mant = (x & 0x7fffffu) | 0x800000u;
  const uint32_t shift = 126 - e;  // 14..24
  uint32_t h = mant >> shift;
  const uint32_t rem = mant & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (h & 1u))) ++h;  // 0x3ff + 1 = smallest normal, also correct
  return static_cast<uint16_t>(sign | h);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t x;
  if (exp == 0x1f) {
    x = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    x = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {
    x = sign;
  } else {  // subnormal: normalise
    int e = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    x = sign | (static_cast<uint32_t>(e) << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint64_t fnv1a64(const int64_t* values, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t v = static_cast<uint64_t>(values[i]);
    for (int b = 0; b < 8; ++b) {
      h ^= (v >> (8 * b)) & 0xffu;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

}  // namespace octet::quant
