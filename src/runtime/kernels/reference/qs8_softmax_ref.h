// INT8 SOFTMAX reference (quantization.md §4.6, TFLite reference_ops::Softmax with gemmlowp fixed
// point): per row, differences to the row max are scaled to Q5.26 by (input_multiplier,
// input_left_shift), exponentiated in Q0.31, summed in Q12.19, inverted with one Newton-Raphson
// reciprocal, and written with S = 1/256, Z = -128. Differences below diff_min give exactly -128.
#pragma once

#include <cstdint>

namespace octet::kernels {

struct Qs8SoftmaxParams {
  int32_t input_multiplier = 0;
  int input_left_shift = 0;
  int32_t diff_min = 0;
};

// PreprocessSoftmaxScaling + CalculateInputRadius for beta and the input scale. Returns false when
// beta * S_in * 2^26 <= 1 (TFLite's QuantizeMultiplierGreaterThanOne CHECK).
bool qs8_softmax_params(double beta, double input_scale, Qs8SoftmaxParams* p);

// gemmlowp fixed-point pieces, exposed for tests.
int32_t qs8_softmax_exp_on_negative_values(int32_t a_q5_26);       // Q5.26 (a <= 0) -> Q0.31
int32_t qs8_softmax_one_over_one_plus_x(int32_t x_q0_31);           // Q0.31 in [0,1) -> Q0.31

// rows [row_begin, row_end) of [rows, depth].
void qs8_softmax_ref(const Qs8SoftmaxParams& p, const int8_t* input, int8_t* output, int depth,
                     long row_begin, long row_end);

}  // namespace octet::kernels
