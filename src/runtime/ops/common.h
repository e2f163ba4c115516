// Checks shared by several ops' prepare functions.
#pragma once

#include "runtime/kernels/conv_geometry.h"
#include "runtime/kernels/reference/f32_activation.h"
#include "runtime/ops/op_context.h"

namespace octet::runtime::ops {

// Fused activation must be NONE, RELU or RELU6.
Status get_f32_clamp(const PrepareContext& ctx, kernels::F32Clamp* clamp);
Status check_padding(const PrepareContext& ctx);
// stride_h/w >= 1 and, when `dilation`, dilation_h/w >= 1.
Status check_strides(const PrepareContext& ctx, bool dilation);
// Output size and leading padding along one spatial axis; an error when the window does not fit.
Status window(const PrepareContext& ctx, const char* axis, int in, int kernel, int stride,
              int dilation, kernels::Window1D* w);

}  // namespace octet::runtime::ops
