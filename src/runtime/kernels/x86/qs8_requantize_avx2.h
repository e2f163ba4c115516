// QUANTIZE between int8 / uint8 tensors (requantization), AVX2, bit-identical with
// qs8_requantize_ref: 8 values per step through multiply_by_quantized_multiplier_avx2. The
// reference's same-scale sign-flip case and the tail run the reference.
#pragma once

#include "runtime/kernels/reference/qs8_elementwise_ref.h"

namespace octet::kernels {

void qs8_requantize_avx2(const Qs8RequantizeParams& p, const void* in, bool in_uint8, void* out,
                         bool out_uint8, long n);

}  // namespace octet::kernels
