// Prepare-time checks and derived constants shared by the int8 and hybrid ops: per-tensor activation
// quantization, filter scales (per-tensor or per-channel, zero points 0), int32 / float biases,
// per-channel multipliers M_c = (double)S_in * (double)S_w[c] / (double)S_out, fused clamps.
#pragma once

#include <vector>

#include "runtime/kernels/reference/qs8_conv2d_ref.h"
#include "runtime/kernels/requant.h"
#include "runtime/ops/op_context.h"

namespace octet::runtime::ops {

struct TensorQuant {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// Exactly one finite scale > 0 and one zero point within the type's range (int8 [-128, 127],
// uint8 [0, 255]). `what` names the tensor in errors.
Status get_tensor_quant(const PrepareContext& ctx, const RuntimeTensor& t, const char* what,
                        TensorQuant* q);

// Scales of a constant int8 filter with `channels` output channels along `axis`: one scale
// (per-tensor, repeated `channels` times) or `channels` scales with filter.dim(axis) == channels;
// one zero point per scale, all 0; every scale finite and > 0.
Status get_filter_scales(const PrepareContext& ctx, const RuntimeTensor& filter, int channels,
                         int axis, std::vector<float>* scales, bool* per_channel);

// Optional bias at input `index`: int32 (or float32 for the hybrid ops), rank 1, `channels` entries;
// an int32 bias with quantization must have zero points 0. Sets *present.
Status check_bias(PrepareContext& ctx, int index, DataType type, int channels, bool* present);

// The int8 output clamp of the op's fused activation (NONE, RELU, RELU6).
Status get_qs8_activation_range(const PrepareContext& ctx, const TensorQuant& out,
                                kernels::QuantizedActivationRange* range);

// QuantizeMultiplier of (double)S_in * (double)S_w[c] / (double)S_out for every channel.
std::vector<kernels::QuantizedMultiplier> conv_multipliers(float input_scale,
                                                           const std::vector<float>& filter_scales,
                                                           float output_scale);

// Window geometry of a convolution over NHWC `in` with the op's padding, strides and dilations.
Status conv_geometry(const PrepareContext& ctx, const RuntimeTensor& in, int kernel_h,
                     int kernel_w, int out_channels, kernels::ConvGeometry* g);

// The AVX2 int8 GEMM ops (CONV_2D, FULLY_CONNECTED) run `tiles` tiles over the pool; each
// parallel_for chunk gets its own 64-byte-aligned slice of one scratch buffer.
struct Qs8GemmTiles {
  int tiles = 0;
  int scratch = -1;
  size_t scratch_per_chunk = 0;
};

// Requests one slice of `bytes_per_chunk` per thread of the pool.
void request_tile_scratch(PrepareContext& ctx, size_t bytes_per_chunk, Qs8GemmTiles* t);

// The dynamic-range (hybrid) ops quantize their float input to int8 at run time, into scratch: the
// int8 values and one scale and one zero point per row (FULLY_CONNECTED) or image (CONV_2D).
struct HybridInputScratch {
  int quantized = -1, scales = -1, zero_points = -1;
};
struct HybridInputBuffers {
  int8_t* quantized;
  float* scales;
  int32_t* zero_points;
};

// Requests the scratch for `elements` input values in `rows` rows.
void request_hybrid_input_scratch(PrepareContext& ctx, long elements, int rows, HybridInputScratch* s);
HybridInputBuffers hybrid_input_buffers(const EvalContext& ctx, const HybridInputScratch& s);

// The sum of each of the `rows` rows of `depth` int8 weights: the hybrid kernels subtract
// zero_point * row sum when the input was quantized asymmetrically.
std::vector<int32_t> weight_row_sums(const int8_t* w, int rows, int depth);

template <typename Params,
          void (*kKernel)(const Params&, const int8_t*, int8_t*, int16_t*, int, int)>
void eval_qs8_gemm_tiles(const EvalContext& ctx, const Params& params, const Qs8GemmTiles& t) {
  struct Args {
    const Params* p;
    const Qs8GemmTiles* t;
    const int8_t* in;
    int8_t* out;
    uint8_t* scratch;
  } a{&params, &t, ctx.input<int8_t>(0), ctx.output<int8_t>(0),
      static_cast<uint8_t*>(ctx.scratch(t.scratch))};
  const Args* args = &a;
  ctx.pool().parallel_for(t.tiles, [args](int chunk, int begin, int end) {
    int16_t* scratch = reinterpret_cast<int16_t*>(args->scratch + chunk * args->t->scratch_per_chunk);
    kKernel(*args->p, args->in, args->out, scratch, begin, end);
  });
}

}  // namespace octet::runtime::ops
