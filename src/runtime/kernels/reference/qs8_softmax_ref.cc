#include "runtime/kernels/reference/qs8_softmax_ref.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "runtime/kernels/requant.h"

namespace octet::kernels {
namespace {

constexpr int kScaledDiffIntegerBits = 5;     // input differences in Q5.26
constexpr int kAccumulationIntegerBits = 12;  // sum of exponentials in Q12.19

int32_t srdhm(int32_t a, int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }

// exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor expansion around -1/8.
int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668;      // exp(-1/8)
  const int32_t constant_1_over_3 = 715827883;   // 1/3
  const int32_t x = a + (1 << 28);               // a + 1/8
  const int32_t x2 = srdhm(x, x);
  const int32_t x3 = srdhm(x2, x);
  const int32_t x4 = srdhm(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t poly = rounding_divide_by_pot(srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
  return constant_term + srdhm(constant_term, x + poly);
}

}  // namespace

int32_t qs8_softmax_exp_on_negative_values(int32_t a) {
  constexpr int kFractionalBits = 31 - kScaledDiffIntegerBits;  // 26
  const int32_t one_quarter = 1 << (kFractionalBits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      saturating_rounding_multiply_by_pot(a_mod_quarter_minus_one_quarter, kScaledDiffIntegerBits));
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  // Barrel shifter: multiply by exp(-2^k) for each set bit of the remaining multiple of 1/4.
  static constexpr int32_t kMultipliers[] = {1672461947, 1302514674, 790015084, 290630308,
                                              39332535,   720401,     242};
  for (int k = 0; k < 7; ++k) {
    const int bit = kFractionalBits - 2 + k;  // exponents -2 .. 4 of 2
    if (remainder & (int32_t{1} << bit)) result = srdhm(result, kMultipliers[k]);
  }
  if (a == 0) result = std::numeric_limits<int32_t>::max();
  return result;
}

int32_t qs8_softmax_one_over_one_plus_x(int32_t a) {
  // half_denominator = RoundingHalfSum(a, One) in Q0.31.
  const int64_t sum = static_cast<int64_t>(a) + std::numeric_limits<int32_t>::max();
  const int32_t half_denominator = static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
  // Newton-Raphson in Q2.29, starting from 48/17 - 32/17 * half_denominator.
  int32_t x = 1515870810 + srdhm(half_denominator, -1010580540);
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = srdhm(half_denominator, x);
    const int32_t one_minus = (1 << 29) - half_denominator_times_x;
    x = x + saturating_rounding_multiply_by_pot(srdhm(x, one_minus), 2);
  }
  return saturating_rounding_multiply_by_pot(x, 1);
}

bool qs8_softmax_params(double beta, double input_scale, Qs8SoftmaxParams* p) {
  const double max_real_multiplier = static_cast<double>((int64_t{1} << 31) - 1);
  const double real = std::min(
      beta * input_scale * static_cast<double>(int64_t{1} << (31 - kScaledDiffIntegerBits)),
      max_real_multiplier);
  if (!(real > 1.0)) return false;
  const QuantizedMultiplier m = quantize_multiplier_greater_than_one(real);
  p->input_multiplier = m.multiplier;
  p->input_left_shift = m.shift;
  const double max_input_rescaled =
      1.0 * ((1 << kScaledDiffIntegerBits) - 1) *
      static_cast<double>(int64_t{1} << (31 - kScaledDiffIntegerBits)) /
      static_cast<double>(int64_t{1} << m.shift);
  p->diff_min = static_cast<int32_t>(-1.0 * static_cast<int32_t>(std::floor(max_input_rescaled)));
  return true;
}

void qs8_softmax_ref(const Qs8SoftmaxParams& p, const int8_t* input, int8_t* output, int depth,
                     long row_begin, long row_end) {
  for (long r = row_begin; r < row_end; ++r) {
    const int8_t* in = input + r * depth;
    int8_t* out = output + r * depth;
    int32_t max_in_row = -128;
    for (int c = 0; c < depth; ++c) max_in_row = std::max<int32_t>(max_in_row, in[c]);
    auto scaled_exp = [&](int32_t diff) {
      const int32_t rescaled = multiply_by_quantized_multiplier_greater_than_one(
          diff, p.input_multiplier, p.input_left_shift);
      return qs8_softmax_exp_on_negative_values(rescaled);
    };
    int32_t sum_of_exps = 0;  // Q12.19, plain (wrapping) fixed-point addition
    for (int c = 0; c < depth; ++c) {
      const int32_t diff = in[c] - max_in_row;
      if (diff >= p.diff_min) {
        sum_of_exps = static_cast<int32_t>(static_cast<uint32_t>(sum_of_exps) +
                                           static_cast<uint32_t>(rounding_divide_by_pot(
                                               scaled_exp(diff), kAccumulationIntegerBits)));
      }
    }
    // GetReciprocal(sum, 12): normalise sum to [1, 2), invert 1 + x, remember the exponent.
    const int headroom_plus_one = std::countl_zero(static_cast<uint32_t>(sum_of_exps));
    const int num_bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
    const int32_t shifted_sum_minus_one = static_cast<int32_t>(
        (static_cast<uint32_t>(sum_of_exps) << headroom_plus_one) - (uint32_t{1} << 31));
    const int32_t shifted_scale = qs8_softmax_one_over_one_plus_x(shifted_sum_minus_one);
    // > 31 only when the sum reaches 2^28 (>= 512 entries near the max); every output then rounds
    // to 0 (-128 after the offset), where TFLite would shift out of range (undefined).
    const int exponent = num_bits_over_unit + 31 - 8;
    for (int c = 0; c < depth; ++c) {
      const int32_t diff = in[c] - max_in_row;
      if (diff >= p.diff_min && exponent <= 31) {
        const int32_t unsat =
            rounding_divide_by_pot(srdhm(shifted_scale, scaled_exp(diff)), exponent);
        out[c] = static_cast<int8_t>(std::min(std::max(unsat - 128, int32_t{-128}), int32_t{127}));
      } else {
        out[c] = -128;
      }
    }
  }
}

}  // namespace octet::kernels
