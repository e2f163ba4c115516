// Prepare and eval functions of every op, registered in registry.cc. One file per op family.
#pragma once

#include "runtime/ops/op_context.h"

namespace octet::runtime::ops {

Status prepare_conv2d_f32(PrepareContext& ctx);
void eval_conv2d_f32(const EvalContext& ctx);

Status prepare_depthwise_conv2d_f32(PrepareContext& ctx);
void eval_depthwise_conv2d_f32(const EvalContext& ctx);

Status prepare_fully_connected_f32(PrepareContext& ctx);
void eval_fully_connected_f32(const EvalContext& ctx);

Status prepare_max_pool2d_f32(PrepareContext& ctx);
Status prepare_average_pool2d_f32(PrepareContext& ctx);
void eval_max_pool2d_f32(const EvalContext& ctx);
void eval_average_pool2d_f32(const EvalContext& ctx);

Status prepare_mean_f32(PrepareContext& ctx);
void eval_mean_f32(const EvalContext& ctx);

Status prepare_softmax_f32(PrepareContext& ctx);
void eval_softmax_f32(const EvalContext& ctx);

// Type-agnostic byte copy (registered for float32 and int8).
Status prepare_reshape(PrepareContext& ctx);
void eval_reshape(const EvalContext& ctx);

Status prepare_relu_f32(PrepareContext& ctx);
Status prepare_relu6_f32(PrepareContext& ctx);
void eval_clamp_f32(const EvalContext& ctx);

Status prepare_add_f32(PrepareContext& ctx);
void eval_add_f32(const EvalContext& ctx);

Status prepare_dequantize_f16(PrepareContext& ctx);
void eval_dequantize_f16(const EvalContext& ctx);
Status prepare_dequantize_qs8(PrepareContext& ctx);
void eval_dequantize_qs8(const EvalContext& ctx);

Status prepare_quantize_f32(PrepareContext& ctx);
void eval_quantize_f32(const EvalContext& ctx);

// INT8 ops (TFLite int8 reference semantics, quantization.md §4).
Status prepare_conv2d_qs8(PrepareContext& ctx);
void eval_conv2d_qs8(const EvalContext& ctx);
Status prepare_depthwise_conv2d_qs8(PrepareContext& ctx);
void eval_depthwise_conv2d_qs8(const EvalContext& ctx);
Status prepare_fully_connected_qs8(PrepareContext& ctx);
void eval_fully_connected_qs8(const EvalContext& ctx);
// AVX2 variants (registered with kernels::cpu_has_avx2_fma).
Status prepare_conv2d_qs8_avx2(PrepareContext& ctx);
void eval_conv2d_qs8_avx2(const EvalContext& ctx);
Status prepare_fully_connected_qs8_avx2(PrepareContext& ctx);
void eval_fully_connected_qs8_avx2(const EvalContext& ctx);

Status prepare_max_pool2d_qs8(PrepareContext& ctx);
void eval_max_pool2d_qs8(const EvalContext& ctx);
Status prepare_average_pool2d_qs8(PrepareContext& ctx);
void eval_average_pool2d_qs8(const EvalContext& ctx);
Status prepare_mean_qs8(PrepareContext& ctx);
void eval_mean_qs8(const EvalContext& ctx);
Status prepare_softmax_qs8(PrepareContext& ctx);
void eval_softmax_qs8(const EvalContext& ctx);

Status prepare_add_qs8(PrepareContext& ctx);
void eval_add_qs8(const EvalContext& ctx);
Status prepare_relu_qs8(PrepareContext& ctx);
Status prepare_relu6_qs8(PrepareContext& ctx);
void eval_clamp_qs8(const EvalContext& ctx);

// QUANTIZE between int8 / uint8 (input type int8 or uint8), DEQUANTIZE uint8 -> float32.
Status prepare_requantize(PrepareContext& ctx);
void eval_requantize(const EvalContext& ctx);
Status prepare_dequantize_qu8(PrepareContext& ctx);
void eval_dequantize_qu8(const EvalContext& ctx);

// INT16x8 ops (TFLite's 16x8 mode: int16 activations with zero point 0, int8 weights, int64 bias).
Status prepare_conv2d_qs16(PrepareContext& ctx);
void eval_conv2d_qs16(const EvalContext& ctx);
Status prepare_depthwise_conv2d_qs16(PrepareContext& ctx);
void eval_depthwise_conv2d_qs16(const EvalContext& ctx);
Status prepare_fully_connected_qs16(PrepareContext& ctx);
void eval_fully_connected_qs16(const EvalContext& ctx);
Status prepare_max_pool2d_qs16(PrepareContext& ctx);
void eval_max_pool2d_qs16(const EvalContext& ctx);
Status prepare_average_pool2d_qs16(PrepareContext& ctx);
void eval_average_pool2d_qs16(const EvalContext& ctx);
Status prepare_mean_qs16(PrepareContext& ctx);
void eval_mean_qs16(const EvalContext& ctx);
Status prepare_dequantize_qs16(PrepareContext& ctx);
void eval_dequantize_qs16(const EvalContext& ctx);
// QUANTIZE float32 -> int16: called by prepare_quantize_f32 when the output is int16; sets its eval.
Status prepare_quantize_f32_to_qs16(PrepareContext& ctx);
void eval_quantize_f32_to_qs16(const EvalContext& ctx);

// Dynamic-range ("hybrid") ops: float32 input and output, int8 weights, float32 bias (§5).
Status prepare_conv2d_hybrid(PrepareContext& ctx);
void eval_conv2d_hybrid(const EvalContext& ctx);
Status prepare_depthwise_conv2d_hybrid(PrepareContext& ctx);
void eval_depthwise_conv2d_hybrid(const EvalContext& ctx);
Status prepare_fully_connected_hybrid(PrepareContext& ctx);
void eval_fully_connected_hybrid(const EvalContext& ctx);
Status prepare_conv2d_hybrid_avx2(PrepareContext& ctx);
void eval_conv2d_hybrid_avx2(const EvalContext& ctx);
Status prepare_fully_connected_hybrid_avx2(PrepareContext& ctx);
void eval_fully_connected_hybrid_avx2(const EvalContext& ctx);

// AVX2 + FMA variants (registered with kernels::cpu_has_avx2_fma). Pools, QUANTIZE and DEQUANTIZE
// reuse the reference prepare; the others pack weights or pick a view at prepare and fall back to
// the reference eval for the cases they do not handle.
Status prepare_conv2d_f32_avx2(PrepareContext& ctx);
void eval_conv2d_f32_avx2(const EvalContext& ctx);
Status prepare_fully_connected_f32_avx2(PrepareContext& ctx);
void eval_fully_connected_f32_avx2(const EvalContext& ctx);
void eval_max_pool2d_f32_avx2(const EvalContext& ctx);
void eval_average_pool2d_f32_avx2(const EvalContext& ctx);
Status prepare_mean_f32_avx2(PrepareContext& ctx);
void eval_mean_f32_avx2(const EvalContext& ctx);
void eval_depthwise_conv2d_qs8_avx2(const EvalContext& ctx);
void eval_max_pool2d_qs8_avx2(const EvalContext& ctx);
void eval_average_pool2d_qs8_avx2(const EvalContext& ctx);
Status prepare_mean_qs8_avx2(PrepareContext& ctx);
void eval_mean_qs8_avx2(const EvalContext& ctx);
void eval_quantize_f32_avx2(const EvalContext& ctx);
void eval_requantize_avx2(const EvalContext& ctx);
void eval_dequantize_qs8_avx2(const EvalContext& ctx);

}  // namespace octet::runtime::ops
