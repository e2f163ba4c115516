#include "runtime/ops/registry.h"

#include "runtime/ops/ops.h"

namespace octet::runtime {
namespace {

using DT = DataType;
using OT = OpType;
constexpr KernelImpl kRef = KernelImpl::kReference;

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
};

}  // namespace

std::span<const OpRegistration> op_registrations() { return kRegistrations; }

const OpRegistration* find_op_registration(OpType op, DataType input_type, KernelChoice choice) {
  const OpRegistration* reference = nullptr;
  for (const OpRegistration& r : kRegistrations) {
    if (r.op != op || r.input_type != input_type) continue;
    if (r.impl == KernelImpl::kReference && !reference) reference = &r;
    if (r.impl == KernelImpl::kOptimized && choice == KernelChoice::kAuto) return &r;
  }
  return reference;
}

}  // namespace octet::runtime
