#include "runtime/ops/registry.h"

#include "runtime/kernels/x86/cpu_features.h"
#include "runtime/ops/ops.h"

namespace octet::runtime {
namespace {

using DT = DataType;
using OT = OpType;
constexpr KernelImpl kRef = KernelImpl::kReference;
constexpr KernelImpl kOpt = KernelImpl::kOptimized;

const OpRegistration kRegistrations[] = {
    {OT::kConv2D, DT::kFloat32, kRef, "f32_conv2d_ref", ops::prepare_conv2d_f32, ops::eval_conv2d_f32},
    {OT::kDepthwiseConv2D, DT::kFloat32, kRef, "f32_depthwise_conv2d_ref",
     ops::prepare_depthwise_conv2d_f32, ops::eval_depthwise_conv2d_f32},
    {OT::kFullyConnected, DT::kFloat32, kRef, "f32_fully_connected_ref",
     ops::prepare_fully_connected_f32, ops::eval_fully_connected_f32},
    {OT::kMaxPool2D, DT::kFloat32, kRef, "f32_max_pool2d_ref", ops::prepare_max_pool2d_f32,
     ops::eval_max_pool2d_f32},
    {OT::kAveragePool2D, DT::kFloat32, kRef, "f32_average_pool2d_ref",
     ops::prepare_average_pool2d_f32, ops::eval_average_pool2d_f32},
    {OT::kMean, DT::kFloat32, kRef, "f32_mean_ref", ops::prepare_mean_f32, ops::eval_mean_f32},
    {OT::kSoftmax, DT::kFloat32, kRef, "f32_softmax_ref", ops::prepare_softmax_f32,
     ops::eval_softmax_f32},
    {OT::kReshape, DT::kFloat32, kRef, "reshape", ops::prepare_reshape, ops::eval_reshape},
    {OT::kReshape, DT::kInt8, kRef, "reshape", ops::prepare_reshape, ops::eval_reshape},
    {OT::kRelu, DT::kFloat32, kRef, "f32_relu_ref", ops::prepare_relu_f32, ops::eval_clamp_f32},
    {OT::kRelu6, DT::kFloat32, kRef, "f32_relu6_ref", ops::prepare_relu6_f32, ops::eval_clamp_f32},
    {OT::kAdd, DT::kFloat32, kRef, "f32_add_ref", ops::prepare_add_f32, ops::eval_add_f32},
    {OT::kDequantize, DT::kFloat16, kRef, "f32_dequantize_f16_ref", ops::prepare_dequantize_f16,
     ops::eval_dequantize_f16},
    {OT::kDequantize, DT::kInt8, kRef, "f32_dequantize_qs8_ref", ops::prepare_dequantize_qs8,
     ops::eval_dequantize_qs8},
    {OT::kQuantize, DT::kFloat32, kRef, "qs8_quantize_f32_ref", ops::prepare_quantize_f32,
     ops::eval_quantize_f32},

    // INT8 (int8 activations, int8 weights, int32 bias; TFLite int8 reference semantics).
    {OT::kConv2D, DT::kInt8, kRef, "qs8_conv2d_ref", ops::prepare_conv2d_qs8, ops::eval_conv2d_qs8,
     DT::kInt8},
    {OT::kDepthwiseConv2D, DT::kInt8, kRef, "qs8_depthwise_conv2d_ref",
     ops::prepare_depthwise_conv2d_qs8, ops::eval_depthwise_conv2d_qs8, DT::kInt8},
    {OT::kFullyConnected, DT::kInt8, kRef, "qs8_fully_connected_ref",
     ops::prepare_fully_connected_qs8, ops::eval_fully_connected_qs8, DT::kInt8},
    {OT::kMaxPool2D, DT::kInt8, kRef, "qs8_max_pool2d_ref", ops::prepare_max_pool2d_qs8,
     ops::eval_max_pool2d_qs8},
    {OT::kAveragePool2D, DT::kInt8, kRef, "qs8_average_pool2d_ref",
     ops::prepare_average_pool2d_qs8, ops::eval_average_pool2d_qs8},
    {OT::kMean, DT::kInt8, kRef, "qs8_mean_ref", ops::prepare_mean_qs8, ops::eval_mean_qs8},
    {OT::kSoftmax, DT::kInt8, kRef, "qs8_softmax_ref", ops::prepare_softmax_qs8,
     ops::eval_softmax_qs8},
    {OT::kAdd, DT::kInt8, kRef, "qs8_add_ref", ops::prepare_add_qs8, ops::eval_add_qs8},
    {OT::kRelu, DT::kInt8, kRef, "qs8_relu_ref", ops::prepare_relu_qs8, ops::eval_clamp_qs8},
    {OT::kRelu6, DT::kInt8, kRef, "qs8_relu6_ref", ops::prepare_relu6_qs8, ops::eval_clamp_qs8},
    {OT::kQuantize, DT::kInt8, kRef, "qs8_requantize_ref", ops::prepare_requantize,
     ops::eval_requantize},
    {OT::kQuantize, DT::kUInt8, kRef, "qu8_requantize_ref", ops::prepare_requantize,
     ops::eval_requantize},
    {OT::kDequantize, DT::kUInt8, kRef, "f32_dequantize_qu8_ref", ops::prepare_dequantize_qu8,
     ops::eval_dequantize_qu8},

    // INT16x8 (reference only; `--kernels auto` falls back to these).
    {OT::kConv2D, DT::kInt16, kRef, "qs16_conv2d_ref", ops::prepare_conv2d_qs16,
     ops::eval_conv2d_qs16, DT::kInt8},
    {OT::kDepthwiseConv2D, DT::kInt16, kRef, "qs16_depthwise_conv2d_ref",
     ops::prepare_depthwise_conv2d_qs16, ops::eval_depthwise_conv2d_qs16, DT::kInt8},
    {OT::kFullyConnected, DT::kInt16, kRef, "qs16_fully_connected_ref",
     ops::prepare_fully_connected_qs16, ops::eval_fully_connected_qs16, DT::kInt8},
    {OT::kMaxPool2D, DT::kInt16, kRef, "qs16_max_pool2d_ref", ops::prepare_max_pool2d_qs16,
     ops::eval_max_pool2d_qs16},
    {OT::kAveragePool2D, DT::kInt16, kRef, "qs16_average_pool2d_ref",
     ops::prepare_average_pool2d_qs16, ops::eval_average_pool2d_qs16},
    {OT::kMean, DT::kInt16, kRef, "qs16_mean_ref", ops::prepare_mean_qs16, ops::eval_mean_qs16},
    {OT::kReshape, DT::kInt16, kRef, "reshape", ops::prepare_reshape, ops::eval_reshape},
    {OT::kDequantize, DT::kInt16, kRef, "f32_dequantize_qs16_ref", ops::prepare_dequantize_qs16,
     ops::eval_dequantize_qs16},

    // INT8, AVX2 (bit-exact with the reference entries above).
    {OT::kConv2D, DT::kInt8, kOpt, "qs8_conv2d_avx2", ops::prepare_conv2d_qs8_avx2,
     ops::eval_conv2d_qs8_avx2, DT::kInt8, kernels::cpu_has_avx2_fma},
    {OT::kFullyConnected, DT::kInt8, kOpt, "qs8_fully_connected_avx2",
     ops::prepare_fully_connected_qs8_avx2, ops::eval_fully_connected_qs8_avx2, DT::kInt8,
     kernels::cpu_has_avx2_fma},

    // Dynamic range: float32 activations, int8 weights quantized offline, inputs at run time.
    {OT::kConv2D, DT::kFloat32, kRef, "hybrid_conv2d_ref", ops::prepare_conv2d_hybrid,
     ops::eval_conv2d_hybrid, DT::kInt8},
    {OT::kDepthwiseConv2D, DT::kFloat32, kRef, "hybrid_depthwise_conv2d_ref",
     ops::prepare_depthwise_conv2d_hybrid, ops::eval_depthwise_conv2d_hybrid, DT::kInt8},
    {OT::kFullyConnected, DT::kFloat32, kRef, "hybrid_fully_connected_ref",
     ops::prepare_fully_connected_hybrid, ops::eval_fully_connected_hybrid, DT::kInt8},
    {OT::kConv2D, DT::kFloat32, kOpt, "hybrid_conv2d_avx2", ops::prepare_conv2d_hybrid_avx2,
     ops::eval_conv2d_hybrid_avx2, DT::kInt8, kernels::cpu_has_avx2_fma},
    {OT::kFullyConnected, DT::kFloat32, kOpt, "hybrid_fully_connected_avx2",
     ops::prepare_fully_connected_hybrid_avx2, ops::eval_fully_connected_hybrid_avx2, DT::kInt8,
     kernels::cpu_has_avx2_fma},

    // AVX2 + FMA: float inference and the int8 ops other than CONV_2D / FULLY_CONNECTED.
    {OT::kConv2D, DT::kFloat32, kOpt, "f32_conv2d_6x16_avx2", ops::prepare_conv2d_f32_avx2,
     ops::eval_conv2d_f32_avx2, DT::kFloat32, kernels::cpu_has_avx2_fma},
    {OT::kFullyConnected, DT::kFloat32, kOpt, "f32_fully_connected_6x16_avx2",
     ops::prepare_fully_connected_f32_avx2, ops::eval_fully_connected_f32_avx2, DT::kFloat32,
     kernels::cpu_has_avx2_fma},
    {OT::kMaxPool2D, DT::kFloat32, kOpt, "f32_max_pool2d_avx2", ops::prepare_max_pool2d_f32,
     ops::eval_max_pool2d_f32_avx2, DT::kFloat32, kernels::cpu_has_avx2_fma},
    {OT::kAveragePool2D, DT::kFloat32, kOpt, "f32_average_pool2d_avx2",
     ops::prepare_average_pool2d_f32, ops::eval_average_pool2d_f32_avx2, DT::kFloat32,
     kernels::cpu_has_avx2_fma},
    {OT::kMean, DT::kFloat32, kOpt, "f32_mean_avx2", ops::prepare_mean_f32_avx2,
     ops::eval_mean_f32_avx2, DT::kFloat32, kernels::cpu_has_avx2_fma},
    {OT::kDepthwiseConv2D, DT::kInt8, kOpt, "qs8_depthwise_conv2d_avx2",
     ops::prepare_depthwise_conv2d_qs8, ops::eval_depthwise_conv2d_qs8_avx2, DT::kInt8,
     kernels::cpu_has_avx2_fma},
    {OT::kMaxPool2D, DT::kInt8, kOpt, "qs8_max_pool2d_avx2", ops::prepare_max_pool2d_qs8,
     ops::eval_max_pool2d_qs8_avx2, DT::kFloat32, kernels::cpu_has_avx2_fma},
    {OT::kAveragePool2D, DT::kInt8, kOpt, "qs8_average_pool2d_avx2",
     ops::prepare_average_pool2d_qs8, ops::eval_average_pool2d_qs8_avx2, DT::kFloat32,
     kernels::cpu_has_avx2_fma},
    {OT::kMean, DT::kInt8, kOpt, "qs8_mean_avx2", ops::prepare_mean_qs8_avx2,
     ops::eval_mean_qs8_avx2, DT::kFloat32, kernels::cpu_has_avx2_fma},
    {OT::kQuantize, DT::kFloat32, kOpt, "qs8_quantize_f32_avx2", ops::prepare_quantize_f32,
     ops::eval_quantize_f32_avx2, DT::kFloat32, kernels::cpu_has_avx2_fma},
    {OT::kQuantize, DT::kInt8, kOpt, "qs8_requantize_avx2", ops::prepare_requantize,
     ops::eval_requantize_avx2, DT::kFloat32, kernels::cpu_has_avx2_fma},
    {OT::kQuantize, DT::kUInt8, kOpt, "qu8_requantize_avx2", ops::prepare_requantize,
     ops::eval_requantize_avx2, DT::kFloat32, kernels::cpu_has_avx2_fma},
    {OT::kDequantize, DT::kInt8, kOpt, "f32_dequantize_qs8_avx2", ops::prepare_dequantize_qs8,
     ops::eval_dequantize_qs8_avx2, DT::kFloat32, kernels::cpu_has_avx2_fma},
};

}  // namespace

bool op_has_weights(OpType op) {
  return op == OpType::kConv2D || op == OpType::kDepthwiseConv2D || op == OpType::kFullyConnected;
}

std::span<const OpRegistration> op_registrations() { return kRegistrations; }

const OpRegistration* find_op_registration(OpType op, DataType input_type, KernelChoice choice,
                                           DataType weights_type) {
  const OpRegistration* reference = nullptr;
  const bool weighted = op_has_weights(op);
  for (const OpRegistration& r : kRegistrations) {
    if (r.op != op || r.input_type != input_type) continue;
    if (weighted && r.weights_type != weights_type) continue;
    if (r.impl == KernelImpl::kReference && !reference) reference = &r;
    if (r.impl == KernelImpl::kOptimized && choice == KernelChoice::kAuto &&
        (!r.cpu_supported || r.cpu_supported())) {
      return &r;
    }
  }
  return reference;
}

}  // namespace octet::runtime
