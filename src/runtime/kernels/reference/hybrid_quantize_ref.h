// Run-time input quantization of the dynamic-range ("hybrid") kernels (quantization.md §5.2, TFLite
// tensor_utils Symmetric/AsymmetricQuantizeFloats), one call per row (FC) or per image (conv).
#pragma once

#include <cstdint>

namespace octet::kernels {

// r = max(|min|, |max|); r == 0 -> all 0, scale 1; else scale = r / 127 and
// q = clamp(RHAZ(x * (127 / r)), -127, 127), all in float32.
void hybrid_symmetric_quantize_ref(const float* x, long n, int8_t* q, float* scale);

// rmin = min(0, min), rmax = max(0, max) (double); equal -> all 0, scale 1, zero point 0; else
// scale = (rmax - rmin) / 255 (stored as float), zero point from the end with the smaller error
// (nudged into [-128, 127], RHAZ), q = clamp(RHAZ(Z + x * (1 / scale)), -128, 127) in float32.
void hybrid_asymmetric_quantize_ref(const float* x, long n, int8_t* q, float* scale,
                                    int32_t* zero_point);

// The scale and zero point hybrid_asymmetric_quantize_ref derives from the input's min and max;
// false (scale 1, zero point 0: every q is 0) when min(0, lo) == max(0, hi).
bool hybrid_asymmetric_params(float lo, float hi, float* scale, int32_t* zero_point);

// True when every element is +0.0 or -0.0 (TFLite skips the matmul then).
bool hybrid_is_zero_vector(const float* x, long n);

}  // namespace octet::kernels
