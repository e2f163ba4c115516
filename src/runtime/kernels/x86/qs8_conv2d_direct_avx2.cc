#include "runtime/kernels/x86/qs8_conv2d_direct_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "runtime/kernels/x86/qs8_requant_avx2.h"
#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {
namespace {

constexpr int kBlock = kQs8GemmBlock;  // output channels per ymm of int32 sums

// Input positions a buffered row covers: from x = -pad_left to the last tap of the last pixel.
int row_positions(const ConvGeometry& g) {
  return (g.out_w - 1) * g.stride_w + (g.kernel_w - 1) * g.dilation_w + 1;
}

// A filter row is `runs` runs of `run_len` contiguous taps, `run_step` int16 apart.
struct Runs {
  int runs, run_len, run_step;
};
Runs filter_runs(const ConvGeometry& g) {
  if (g.dilation_w == 1) return {1, g.kernel_w * g.in_channels, 0};
  return {g.kernel_w, g.in_channels, g.dilation_w * g.in_channels};
}

int num_pairs(const ConvGeometry& g) {
  const Runs r = filter_runs(g);
  return g.kernel_h * r.runs * ((r.run_len + 1) / 2);
}

OCTET_TARGET_AVX2 inline __m256i load(const int32_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// Two adjacent int16 taps in every 32-bit lane.
OCTET_TARGET_AVX2 inline __m256i broadcast_pair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return _mm256_set1_epi32(v);
}

// Bias, requantization, Z_out and the clamp of channels c..c+7.
OCTET_TARGET_AVX2 inline __m256i requantize(__m256i acc, const Qs8PackedGemm& s, int c) {
  const RequantLanes rq = requant_lanes(load(s.multiplier + c), load(s.left_shift + c), load(s.right_shift + c),
                                        load(s.round_mask + c));
  const __m256i v = multiply_by_quantized_multiplier_avx2(_mm256_add_epi32(acc, load(s.bias + c)), rq);
  return _mm256_min_epi32(
      _mm256_max_epi32(_mm256_add_epi32(v, _mm256_set1_epi32(s.output_offset)),
                       _mm256_set1_epi32(s.act_min)),
      _mm256_set1_epi32(s.act_max));
}

// 8 clamped int32 lanes stored as `count` int8.
OCTET_TARGET_AVX2 inline void store8(__m256i v, int8_t* dst, int count) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i b = _mm_packs_epi16(w, w);
  if (count == kBlock) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), b);
  } else {
    alignas(16) int8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
    std::memcpy(dst, tmp, count);
  }
}

// NB blocks of clamped int32 lanes of one pixel stored as int8 channels, `remaining` of them
// (or more) left from dst on. Whole groups of 4 or 2 blocks are packed together: the saturating
// packs interleave the 128-bit lanes, which one permutation puts back in channel order.
template <int NB>
OCTET_TARGET_AVX2 inline void store_blocks(const __m256i* v, int8_t* dst, int remaining) {
  if constexpr (NB == 4) {
    if (remaining >= 4 * kBlock) {
      const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                          _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
      return;
    }
  } else if constexpr (NB == 2) {
    if (remaining >= 2 * kBlock) {
      const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(v[0], v[1]), 0xD8);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst),
                       _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1)));
      return;
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < NB; ++j) store8(v[j], dst + j * kBlock, std::min(kBlock, remaining - j * kBlock));
}

// P pixels (first taps `pixel_step` int16 apart) x NB blocks of 8 channels from block `block`.
template <int P, int NB>
OCTET_TARGET_AVX2 void pixels(const Qs8Conv2DDirectAvx2Params& p, const int16_t* taps,
                              int pixel_step, int block, int8_t* out) {
  const int cout = p.geometry.out_channels;
  __m256i acc[P][NB];
#pragma GCC unroll 4
  for (int r = 0; r < P; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) acc[r][j] = _mm256_setzero_si256();
  const int16_t* w = p.weights + static_cast<size_t>(block) * p.pairs * 2 * kBlock;
  for (int q = 0; q < p.pairs; ++q) {
    const int off = p.pair_offset[q];
    __m256i wv[NB];
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) {
      wv[j] = _mm256_load_si256(
          reinterpret_cast<const __m256i*>(w + (static_cast<size_t>(j) * p.pairs + q) * 2 * kBlock));
    }
#pragma GCC unroll 4
    for (int r = 0; r < P; ++r) {
      const __m256i a = broadcast_pair(taps + r * pixel_step + off);
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(a, wv[j]));
    }
  }
  // Every pixel requantized before any store: int8 stores may alias the output stage's arrays.
  __m256i v[P][NB];
#pragma GCC unroll 4
  for (int j = 0; j < NB; ++j)
#pragma GCC unroll 4
    for (int r = 0; r < P; ++r) v[r][j] = requantize(acc[r][j], p.stage, (block + j) * kBlock);
#pragma GCC unroll 4
  for (int r = 0; r < P; ++r) {
    store_blocks<NB>(v[r], out + static_cast<size_t>(r) * cout + block * kBlock, cout - block * kBlock);
  }
}

// NB blocks from `block` for the whole output row: two pixels at a time, then the odd one.
template <int NB>
OCTET_TARGET_AVX2 void row_blocks(const Qs8Conv2DDirectAvx2Params& p, const int16_t* buffer,
                                  int block, int8_t* out) {
  const ConvGeometry& g = p.geometry;
  const int step = g.stride_w * g.in_channels;
  int ox = 0;
  for (; ox + 2 <= g.out_w; ox += 2) {
    pixels<2, NB>(p, buffer + ox * step, step, block, out + static_cast<size_t>(ox) * g.out_channels);
  }
  if (ox < g.out_w) {
    pixels<1, NB>(p, buffer + ox * step, step, block, out + static_cast<size_t>(ox) * g.out_channels);
  }
}

// int16 copies of the kernel_h input rows of output row (b, oy), padding = input zero point.
OCTET_TARGET_AVX2 void buffer_rows(const Qs8Conv2DDirectAvx2Params& p, const int8_t* input, int b,
                                   int oy, int16_t* buffer) {
  const ConvGeometry& g = p.geometry;
  const int cin = g.in_channels, positions = row_positions(g);
  const int16_t zp = p.input_zero_point;
  // Positions [first, last) of the buffered row lie inside the image.
  const int first = std::min(positions, g.pad_left);
  const int last = std::max(first, std::min(positions, g.in_w + g.pad_left));
  const int8_t* image = input + static_cast<size_t>(b) * g.in_h * g.in_w * cin;
  for (int ky = 0; ky < g.kernel_h; ++ky) {
    int16_t* dst = buffer + static_cast<size_t>(ky) * p.row_len;
    const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) {
      std::fill(dst, dst + p.row_len, zp);
      continue;
    }
    std::fill(dst, dst + first * cin, zp);
    const int8_t* src = image + (static_cast<size_t>(iy) * g.in_w + (first - g.pad_left)) * cin;
    const int n = (last - first) * cin;
    int16_t* d = dst + first * cin;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i),
                          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
    }
    for (; i < n; ++i) d[i] = src[i];
    std::fill(dst + last * cin, dst + p.row_len, zp);
  }
}

}  // namespace

bool qs8_conv2d_direct_avx2_supports(const ConvGeometry& g) {
  return g.kernel_h * g.kernel_w * g.in_channels <= kQs8DirectConvMaxK;
}

size_t qs8_conv2d_direct_avx2_weight_bytes(const ConvGeometry& g) {
  const size_t blocks = (g.out_channels + kBlock - 1) / kBlock;
  return (blocks * num_pairs(g) * 2 * kBlock * sizeof(int16_t) + 63) / 64 * 64;
}

void qs8_conv2d_direct_avx2_prepare(const ConvGeometry& g, const int8_t* filter, void* storage,
                                    Qs8Conv2DDirectAvx2Params* p) {
  const Runs r = filter_runs(g);
  const int cin = g.in_channels, run_pairs = (r.run_len + 1) / 2;
  p->geometry = g;
  p->pairs = num_pairs(g);
  // + 1: an odd run's last pair reads one int16 past the run (its weight is 0).
  p->row_len = (row_positions(g) * cin + 1 + 1) / 2 * 2;
  int q = 0;
  for (int ky = 0; ky < g.kernel_h; ++ky) {
    for (int run = 0; run < r.runs; ++run) {
      for (int j = 0; j < run_pairs; ++j) p->pair_offset[q++] = ky * p->row_len + run * r.run_step + 2 * j;
    }
  }
  // Tap e of run `run` is (kx, ic) = (e / Cin, e % Cin) for one run per row, else (run, e).
  int16_t* w = static_cast<int16_t*>(storage);
  for (int oc = 0; oc < g.out_channels; ++oc) {
    int16_t* block = w + static_cast<size_t>(oc / kBlock) * p->pairs * 2 * kBlock;
    q = 0;
    for (int ky = 0; ky < g.kernel_h; ++ky) {
      for (int run = 0; run < r.runs; ++run) {
        for (int e = 0; e < r.run_len; ++e) {
          const int kx = r.runs == 1 ? e / cin : run, ic = r.runs == 1 ? e % cin : e;
          const int8_t v = filter[((static_cast<size_t>(oc) * g.kernel_h + ky) * g.kernel_w + kx) * cin + ic];
          block[(static_cast<size_t>(q + e / 2) * kBlock + oc % kBlock) * 2 + e % 2] = v;
        }
        q += run_pairs;
      }
    }
  }
  p->weights = w;
}

size_t qs8_conv2d_direct_avx2_scratch_bytes(const Qs8Conv2DDirectAvx2Params& p) {
  return static_cast<size_t>(p.geometry.kernel_h) * p.row_len * sizeof(int16_t);
}

int qs8_conv2d_direct_avx2_num_rows(const Qs8Conv2DDirectAvx2Params& p) {
  return p.batch * p.geometry.out_h;
}

OCTET_TARGET_AVX2 void qs8_conv2d_direct_avx2(const Qs8Conv2DDirectAvx2Params& p,
                                              const int8_t* input, int8_t* output,
                                              int16_t* scratch, int row_begin, int row_end) {
  const ConvGeometry& g = p.geometry;
  const int blocks = (g.out_channels + kBlock - 1) / kBlock;
  for (int row = row_begin; row < row_end; ++row) {
    buffer_rows(p, input, row / g.out_h, row % g.out_h, scratch);
    int8_t* out = output + static_cast<size_t>(row) * g.out_w * g.out_channels;
    int block = 0;
    for (; block + 4 <= blocks; block += 4) row_blocks<4>(p, scratch, block, out);
    switch (blocks - block) {
      case 3: row_blocks<3>(p, scratch, block, out); break;
      case 2: row_blocks<2>(p, scratch, block, out); break;
      case 1: row_blocks<1>(p, scratch, block, out); break;
      default: break;
    }
  }
}

}  // namespace octet::kernels
