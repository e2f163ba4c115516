#include "runtime/kernels/x86/qs8_gemm_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "runtime/kernels/x86/qs8_requant_avx2.h"
#include "runtime/kernels/x86/target_avx2.h"

namespace octet::kernels {
namespace {

constexpr int kRows = 6;               // rows of the main micro-kernel
constexpr int kTileBytes = 24 * 1024;  // int16 A tile, kept within L1 / L2

constexpr size_t align64(size_t bytes) { return (bytes + 63) / 64 * 64; }
constexpr int round_up(int v, int m) { return (v + m - 1) / m * m; }

// A pair A[m][2k], A[m][2k+1] in every 32-bit lane.
OCTET_TARGET_AVX2 inline __m256i broadcast_pair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return _mm256_set1_epi32(v);
}

// The output stage of 8 channels, loaded once per micro-kernel call (int8 stores may alias
// anything, so the compiler could not keep these in registers across rows by itself).
struct OutputStage8 {
  __m256i bias;
  RequantLanes rq;
  __m256i offset, lo, hi;
  const double* real;  // non-null: the double-precision requantization
};

OCTET_TARGET_AVX2 inline __m256i load(const int32_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

OCTET_TARGET_AVX2 inline OutputStage8 load_stage(const Qs8PackedGemm& g, int c) {
  OutputStage8 s;
  s.bias = load(g.bias + c);
  s.rq = requant_lanes(load(g.multiplier + c), load(g.left_shift + c), load(g.right_shift + c),
                       load(g.round_mask + c));
  s.offset = _mm256_set1_epi32(g.output_offset);
  s.lo = _mm256_set1_epi32(g.act_min);
  s.hi = _mm256_set1_epi32(g.act_max);
  s.real = g.real_multiplier ? g.real_multiplier + c : nullptr;
  return s;
}

// (int32) round((double)acc * M) on 4 lanes, round = half away from zero: trunc plus one step
// when |p - trunc(p)| >= 0.5 (that difference is exact). Values beyond +-2^16 are clamped there:
// after adding Z_out they clamp to the same int8 bound as the reference's int32 value. No FMA is
// involved (the file's target has none), so the product rounds exactly as the reference's.
OCTET_TARGET_AVX2 inline __m128i round_real(__m128i acc, const double* m) {
  const __m256d p = _mm256_mul_pd(_mm256_cvtepi32_pd(acc), _mm256_loadu_pd(m));
  const __m256d t = _mm256_round_pd(p, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256d sign = _mm256_set1_pd(-0.0);
  const __m256d frac = _mm256_andnot_pd(sign, _mm256_sub_pd(p, t));
  const __m256d step = _mm256_or_pd(_mm256_and_pd(p, sign), _mm256_set1_pd(1.0));
  __m256d r = _mm256_add_pd(t, _mm256_and_pd(_mm256_cmp_pd(frac, _mm256_set1_pd(0.5), _CMP_GE_OQ), step));
  r = _mm256_min_pd(_mm256_max_pd(r, _mm256_set1_pd(-65536.0)), _mm256_set1_pd(65536.0));
  return _mm256_cvttpd_epi32(r);
}

// Bias, requantization, Z_out and the clamp of 8 channels, stored as `count` int8.
OCTET_TARGET_AVX2 inline void requantize_store(__m256i acc, const OutputStage8& s, int8_t* dst, int count) {
  acc = _mm256_add_epi32(acc, s.bias);
  __m256i v;
  if (s.real) {
    v = _mm256_set_m128i(round_real(_mm256_extracti128_si256(acc, 1), s.real + 4),
                         round_real(_mm256_castsi256_si128(acc), s.real));
  } else {
    v = multiply_by_quantized_multiplier_avx2(acc, s.rq);
  }
  v = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(v, s.offset), s.lo), s.hi);
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i b = _mm_packs_epi16(w, w);
  if (count == kQs8GemmBlock) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), b);
  } else {
    alignas(16) int8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
    std::memcpy(dst, tmp, count);
  }
}

// The raw sums of 8 channels, stored as `count` int32.
OCTET_TARGET_AVX2 inline void store_sums(__m256i acc, int32_t* dst, int count) {
  if (count == kQs8GemmBlock) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), acc);
  } else {
    alignas(32) int32_t tmp[kQs8GemmBlock];
    _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), acc);
    std::memcpy(dst, tmp, sizeof(int32_t) * count);
  }
}

// MR rows x NB blocks of 8 channels starting at block `block`, over the whole depth. Out is int8_t
// (bias, requantization, clamp) or int32_t (the raw sums).
template <int MR, int NB, typename Out>
OCTET_TARGET_AVX2 void micro_kernel(const Qs8PackedGemm& g, const int16_t* a, int lda, int block,
                             Out* out, int ldo) {
  const int pairs = g.k_pad / 2;
  const int8_t* w = g.weights + static_cast<size_t>(block) * pairs * 16;
  __m256i acc[MR][NB];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) acc[r][j] = _mm256_setzero_si256();
  for (int kp = 0; kp < pairs; ++kp) {
    __m256i b[NB];
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) {
      b[j] = _mm256_cvtepi8_epi16(_mm_load_si128(
          reinterpret_cast<const __m128i*>(w + (static_cast<size_t>(j) * pairs + kp) * 16)));
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256i av = broadcast_pair(a + static_cast<size_t>(r) * lda + 2 * kp);
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(av, b[j]));
    }
  }
  if constexpr (std::is_same_v<Out, int32_t>) {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) {
        const int c = (block + j) * kQs8GemmBlock;
        store_sums(acc[r][j], out + static_cast<size_t>(r) * ldo + c, std::min(kQs8GemmBlock, g.n - c));
      }
    }
  } else {
    // Through memory: a requantization loop that indexes acc[][] without being fully unrolled
    // would otherwise keep the accumulators in memory during the k loop too.
    alignas(32) int32_t sums[MR][NB][kQs8GemmBlock];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) _mm256_store_si256(reinterpret_cast<__m256i*>(sums[r][j]), acc[r][j]);
    for (int j = 0; j < NB; ++j) {
      const int c = (block + j) * kQs8GemmBlock;
      const int count = std::min(kQs8GemmBlock, g.n - c);
      const OutputStage8 stage = load_stage(g, c);
      for (int r = 0; r < MR; ++r) {
        requantize_store(_mm256_load_si256(reinterpret_cast<const __m256i*>(sums[r][j])), stage,
                         out + static_cast<size_t>(r) * ldo + c, count);
      }
    }
  }
}

// Leftover rows: rest in [1, MR - 1].
template <int MR, int NB, typename Out>
OCTET_TARGET_AVX2 void tail_rows(const Qs8PackedGemm& g, const int16_t* a, int lda, int rest, int block,
                          Out* out, int ldo) {
  if constexpr (MR > 1) {
    if (rest == MR - 1) {
      micro_kernel<MR - 1, NB>(g, a, lda, block, out, ldo);
    } else {
      tail_rows<MR - 1, NB>(g, a, lda, rest, block, out, ldo);
    }
  }
}

// All m rows for blocks [block, block + NB): MR-row strips, then the leftover rows.
template <int MR, int NB, typename Out>
OCTET_TARGET_AVX2 void rows(const Qs8PackedGemm& g, const int16_t* a, int lda, int m, int block,
                     Out* out, int ldo) {
  int i = 0;
  for (; i + MR <= m; i += MR) {
    micro_kernel<MR, NB>(g, a + static_cast<size_t>(i) * lda, lda, block,
                         out + static_cast<size_t>(i) * ldo, ldo);
  }
  if (i < m) {
    tail_rows<MR, NB>(g, a + static_cast<size_t>(i) * lda, lda, m - i, block,
                      out + static_cast<size_t>(i) * ldo, ldo);
  }
}

template <typename Out>
OCTET_TARGET_AVX2 void gemm(const Qs8PackedGemm& g, const int16_t* a, int lda, int m, Out* out, int ldo) {
  const int blocks = g.n_pad / kQs8GemmBlock;
  int block = 0;
  if (m <= 2) {
    // Few rows (FULLY_CONNECTED at batch 1): more channels per pass keep the adders busy.
    for (; block + 4 <= blocks; block += 4) rows<2, 4>(g, a, lda, m, block, out, ldo);
  }
  for (; block + 2 <= blocks; block += 2) rows<kRows, 2>(g, a, lda, m, block, out, ldo);
  if (block < blocks) rows<kRows, 1>(g, a, lda, m, block, out, ldo);
}

// Lays the weights w [n][k] out in blocks of 8 channels into zeroed storage.
void pack_weights(const int8_t* w, int n, int k, int8_t* weights, Qs8PackedGemm* packed) {
  Qs8PackedGemm& g = *packed;
  g.n = n;
  g.k = k;
  g.n_pad = round_up(n, kQs8GemmBlock);
  g.k_pad = round_up(k, 2);
  // Padding channels and the odd k's partner stay 0.
  const int pairs = g.k_pad / 2;
  for (int c = 0; c < n; ++c) {
    const int8_t* row = w + static_cast<size_t>(c) * k;
    int8_t* block = weights + static_cast<size_t>(c / kQs8GemmBlock) * pairs * 16;
    for (int i = 0; i < k; ++i) block[(i / 2) * 16 + (c % kQs8GemmBlock) * 2 + i % 2] = row[i];
  }
  g.weights = weights;
}

}  // namespace

int qs8_gemm_tile_rows(int m, int k, int threads) {
  const int k_pad = round_up(k, 2);
  const int by_cache = std::max(kRows, kTileBytes / (k_pad * 2) / kRows * kRows);
  const int tiles = std::max(1, round_up((m + by_cache - 1) / by_cache, threads));  // m may be 0
  return std::max(1, round_up((m + tiles - 1) / tiles, kRows));
}

size_t qs8_packed_gemm_bytes(int n, int k, bool real_multipliers) {
  const size_t n_pad = round_up(n, kQs8GemmBlock), k_pad = round_up(k, 2);
  return align64(n_pad * k_pad) + 5 * align64(n_pad * sizeof(int32_t)) +
         (real_multipliers ? align64(n_pad * sizeof(double)) : 0);
}

size_t qs8_packed_weights_bytes(int n, int k) {
  return align64(static_cast<size_t>(round_up(n, kQs8GemmBlock)) * round_up(k, 2));
}

void qs8_pack_gemm_weights(const int8_t* w, int n, int k, void* storage, Qs8PackedGemm* packed) {
  *packed = Qs8PackedGemm{};
  pack_weights(w, n, k, static_cast<int8_t*>(storage), packed);
}

void qs8_pack_gemm(const int8_t* w, const int32_t* bias, int n, int k, const Qs8OutputStage& stage,
                   const double* real_multipliers, void* storage, Qs8PackedGemm* packed) {
  Qs8PackedGemm& g = *packed;
  uint8_t* p = static_cast<uint8_t*>(storage);
  pack_weights(w, n, k, reinterpret_cast<int8_t*>(p), packed);
  p += qs8_packed_weights_bytes(n, k);
  auto next_i32 = [&]() {
    int32_t* r = reinterpret_cast<int32_t*>(p);
    p += align64(g.n_pad * sizeof(int32_t));
    return r;
  };
  int32_t* folded = next_i32();
  int32_t* multiplier = next_i32();
  int32_t* left = next_i32();
  int32_t* right = next_i32();
  int32_t* mask = next_i32();
  // Storage is zeroed: padding channels keep 0.
  for (int c = 0; c < n; ++c) {
    const int8_t* row = w + static_cast<size_t>(c) * k;
    int64_t sum = 0;
    for (int i = 0; i < k; ++i) sum += row[i];
    // Wraps mod 2^32 like the reference's int32 accumulator, so the folded sum stays exact.
    const int64_t b = (bias ? bias[c] : 0) + sum * stage.input_offset;
    folded[c] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(b)));
    const QuantizedMultiplier& m = stage.multipliers[c];
    multiplier[c] = m.multiplier;
    left[c] = m.shift > 0 ? m.shift : 0;
    right[c] = m.shift > 0 ? 0 : -m.shift;
    mask[c] = static_cast<int32_t>((int64_t{1} << right[c]) - 1);
  }
  g.bias = folded;
  g.multiplier = multiplier;
  g.left_shift = left;
  g.right_shift = right;
  g.round_mask = mask;
  g.real_multiplier = nullptr;
  if (real_multipliers) {
    double* real = reinterpret_cast<double*>(p);
    std::copy(real_multipliers, real_multipliers + n, real);
    g.real_multiplier = real;
  }
  g.output_offset = stage.output_offset;
  g.act_min = stage.act_min;
  g.act_max = stage.act_max;
}

OCTET_TARGET_AVX2 void qs8_gemm_avx2(const Qs8PackedGemm& g, const int16_t* a, int lda, int m,
                                     int8_t* out, int ldo) {
  gemm(g, a, lda, m, out, ldo);
}

OCTET_TARGET_AVX2 void qs8_gemm_i32_avx2(const Qs8PackedGemm& g, const int16_t* a, int lda, int m,
                                         int32_t* out, int ldo) {
  gemm(g, a, lda, m, out, ldo);
}

OCTET_TARGET_AVX2 void qs8_widen_row_avx2(const int8_t* src, int k, int k_pad, int16_t* dst) {
  int i = 0;
  for (; i + 16 <= k; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  }
  for (; i < k; ++i) dst[i] = src[i];
  for (; i < k_pad; ++i) dst[i] = 0;
}

}  // namespace octet::kernels
