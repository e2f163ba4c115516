// The converter's arithmetic for choosing quantization parameters, transcribed from
// quantization.md §2.3 (activations), §2.4 (weights), §2.6 (bias) and §5.4 (float16).
// Bit-exact with the TFLite converter's MLIR quantizer (legacy_float_scale = true): every step
// is done in the precision the converter uses (float32 scales, double where it promotes, RHAZ).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace octet::quant {

// Round half away from zero (std::round), the converter's rounding everywhere here.
inline float rhaz(float x) { return std::round(x); }

// Per-tensor asymmetric int8 parameters of an activation with calibrated range [mn, mx] (§2.3):
// the range is forced to include 0, widened by 1e-6 on each side when narrower than 1e-6, then
// S = (fl32(rmax) - fl32(rmin)) / 255.0f and Z = clamp(RHAZ(fl32(-128 - rmin / S))).
struct ActivationParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
  bool widened = false;     // the range was narrower than 1e-6 (constant or all-zero tensor)
  bool wide_range = false;  // rmax - rmin >= 10: the converter warns (no change)
};
// With `bits` < 8 (2..8) the same formulas use qmin = -2^(bits-1), qmax = 2^(bits-1) - 1 in
// place of -128, 127 (S = range / (2^bits - 1)); values outside the range still saturate only
// at the int8 container's limits, as the kernels clamp to [-128, 127].
// Errors when mn or mx is not finite or mn > mx, or the scale would overflow.
Result<ActivationParams> activation_params(float mn, float mx, int bits = 8);

// Symmetric narrow-range int8 weights (Z = 0, q in [-127, 127]).
// Per channel along `axis` (§2.4): m_c = max|w| over the slice (range including 0), widened to
// +-5e-7 when 2 m_c <= 1e-6, S_c = (fl32(m_c) - fl32(-m_c)) / 254.0f, q = RHAZ(w * fl32(1 / S_c)).
// Per tensor (per-channel disabled; PortableSymmetricQuantizeFloats): r = max|w|, S = r / 127.0f,
// q = RHAZ(w * (127.0f / r)); r == 0 gives S = 1 and q = 0.
struct WeightQuant {
  std::vector<int8_t> values;     // same layout as the float weights
  std::vector<float> scales;      // one per channel, or one
  int32_t axis = 0;
  std::vector<float> min, max;    // per slice, as found in the float weights
  std::vector<int32_t> zero_channels;  // slices whose weights are all zero (S from the widening)
};
// With `bits` < 8 (2..8), 127 becomes qmax = 2^(bits-1) - 1 (254 becomes 2 qmax): q in [-qmax, qmax].
WeightQuant quantize_weights_per_channel(const float* w, const std::vector<int32_t>& shape, int axis, int bits = 8);
WeightQuant quantize_weights_per_tensor(const float* w, int64_t n, int bits = 8);

// int32 bias (§2.6): scale[c] = fl32((double)S_in * (double)S_w[c]), q = clamp(RHAZ(b * fl32(1 /
// scale[c])), -INT32_MAX, INT32_MAX). With one weight scale, one bias scale is used for all.
struct BiasQuant {
  std::vector<int32_t> values;
  std::vector<float> scales;
  int saturated = 0;  // entries clamped to +-INT32_MAX
};
BiasQuant quantize_bias(const float* b, int64_t n, float input_scale, const std::vector<float>& weight_scales);

// IEEE binary16 conversions. float_to_half rounds to nearest, ties to even; magnitudes that round
// beyond 65504 become infinity; results below the smallest subnormal round to (signed) zero; NaN
// stays NaN (quiet, payload truncated).
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);

// FNV-1a 64 over the little-endian bytes of the values.
uint64_t fnv1a64(const int64_t* values, size_t n);

}  // namespace octet::quant
