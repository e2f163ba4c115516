// CONV_2D, float32: inputs (input [N,H,W,Cin], filter OHWI [Cout,KH,KW,Cin], bias [Cout] optional).
// Reference: images are split over the pool's threads; each thread has its own im2col scratch.
// AVX2: weights packed at prepare; the zero-padded input is built in scratch, then output rows are
// split over the threads (each output's sum order is fixed, so any split gives the same bytes).
#include <algorithm>
#include <cstring>

#include "runtime/kernels/reference/f32_conv2d_ref.h"
#include "runtime/kernels/x86/f32_gemm_6x16_avx2.h"
#include "runtime/ops/common.h"
#include "runtime/ops/ops.h"

namespace octet::runtime::ops {
namespace {

struct Conv2DData : OpData {
  kernels::F32Conv2DParams params;
  int batch = 0;
  long in_image = 0, out_image = 0;  // floats per image
  bool has_bias = false;
  int scratch = -1;                  // num_threads * cols_floats, or -1 when pointwise
};

struct Conv2DAvx2Data : Conv2DData {
  kernels::F32PackedGemmParams gemm;
  int out_h = 0, out_w = 0, stride_h = 1, stride_w = 1;
  int padded_h = 0, padded_w = 0;  // equal to the input's when no padding is needed
  int pad_scratch = -1;            // N zero-padded images, or -1
};

// Validation, output shape and geometry shared by both implementations.
Status prepare_conv2d_common(PrepareContext& ctx, Conv2DData* d) {
  OCTET_RETURN_IF_ERROR(ctx.check_arity(2, 3, 1));
  OCTET_RETURN_IF_ERROR(ctx.check_input(0, "input", DataType::kFloat32, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_input(1, "filter", DataType::kFloat32, 4));
  OCTET_RETURN_IF_ERROR(ctx.check_output_type(0, DataType::kFloat32));
  OCTET_RETURN_IF_ERROR(check_padding(ctx));
  OCTET_RETURN_IF_ERROR(check_strides(ctx, true));
  const RuntimeTensor& in = ctx.input(0);
  int cout, kh, kw;
  OCTET_RETURN_IF_ERROR(conv_filter_dims(ctx, &cout, &kh, &kw));
  d->has_bias = ctx.has_input(2);
  if (d->has_bias) {
    OCTET_RETURN_IF_ERROR(ctx.check_input(2, "bias", DataType::kFloat32, 1));
    if (ctx.input(2).dim(0) != cout) {
      return ctx.error("bias shape " + shape_to_string(ctx.input(2).shape) + " does not match " +
                       std::to_string(cout) + " output channels");
    }
  }
  OCTET_RETURN_IF_ERROR(get_f32_clamp(ctx, &d->params.clamp));
  const OpOptions& o = ctx.options();
  kernels::Window1D wy, wx;
  OCTET_RETURN_IF_ERROR(window(ctx, "height", in.dim(1), kh, o.stride_h, o.dilation_h, &wy));
  OCTET_RETURN_IF_ERROR(window(ctx, "width", in.dim(2), kw, o.stride_w, o.dilation_w, &wx));
  OCTET_RETURN_IF_ERROR(ctx.set_output_shape(0, {in.dim(0), wy.out, wx.out, cout}));

  kernels::Im2ColGeometry& g = d->params.geometry;
  g = {in.dim(1), in.dim(2), in.dim(3), kh, kw, o.stride_h, o.stride_w, o.dilation_h, o.dilation_w,
       wy.pad_before, wx.pad_before, wy.out, wx.out};
  d->params.out_channels = cout;
  d->params.pointwise = kh == 1 && kw == 1 && o.stride_h == 1 && o.stride_w == 1 &&
                        wy.pad_before == 0 && wx.pad_before == 0 && wy.out == g.in_h &&
                        wx.out == g.in_w;
  d->batch = in.dim(0);
  d->in_image = static_cast<long>(g.in_h) * g.in_w * g.channels;
  d->out_image = static_cast<long>(wy.out) * wx.out * cout;
  return Status::Ok();
}

}  // namespace

Status prepare_conv2d_f32(PrepareContext& ctx) {
  auto d = std::make_unique<Conv2DData>();
  OCTET_RETURN_IF_ERROR(prepare_conv2d_common(ctx, d.get()));
  if (!d->params.pointwise) {
    const int chunks = std::min(ctx.num_threads(), d->batch);
    d->scratch = ctx.request_scratch(sizeof(float) * chunks * d->params.cols_floats());
  }
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_conv2d_f32(const EvalContext& ctx) {
  struct Args {
    const Conv2DData* d;
    const float *in, *filter, *bias;
    float *out, *cols;
  } a;
  a.d = &ctx.data<Conv2DData>();
  a.in = ctx.input<float>(0);
  a.filter = ctx.input<float>(1);
  a.bias = a.d->has_bias ? ctx.input<float>(2) : nullptr;
  a.out = ctx.output<float>(0);
  a.cols = a.d->scratch >= 0 ? static_cast<float*>(ctx.scratch(a.d->scratch)) : nullptr;
  // One pointer capture keeps std::function from allocating.
  const Args* args = &a;
  ctx.pool().parallel_for(a.d->batch, [args](int chunk, int begin, int end) {
    const Conv2DData& d = *args->d;
    float* cols = args->cols ? args->cols + chunk * d.params.cols_floats() : nullptr;
    for (int b = begin; b < end; ++b) {
      kernels::f32_conv2d_ref(d.params, args->in + b * d.in_image, args->filter, args->bias,
                              args->out + b * d.out_image, cols);
    }
  });
}

}  // namespace octet::runtime::ops

namespace octet::runtime::ops {

Status prepare_conv2d_f32_avx2(PrepareContext& ctx) {
  auto d = std::make_unique<Conv2DAvx2Data>();
  OCTET_RETURN_IF_ERROR(prepare_conv2d_common(ctx, d.get()));
  if (!ctx.input(1).is_static || (d->has_bias && !ctx.input(2).is_static)) {
    // Weights computed at run time cannot be packed once: the reference handles them.
    ctx.set_eval(eval_conv2d_f32);
    ctx.set_kernel_name("f32_conv2d_ref");
    return prepare_conv2d_f32(ctx);
  }
  const kernels::Im2ColGeometry& g = d->params.geometry;
  const int cout = d->params.out_channels;
  const long k = g.patch_size();
  kernels::F32PackedGemmParams& gemm = d->gemm;
  gemm.clamp = d->params.clamp;
  kernels::f32_pack_gemm(ctx.input(1).as<float>(), d->has_bias ? ctx.input(2).as<float>() : nullptr,
                         cout, k, ctx.allocate_persistent(kernels::f32_packed_gemm_bytes(cout, k)),
                         &gemm);

  // Input extent read by the windows, padding included (SAME may pad after the image only).
  d->out_h = g.out_h;
  d->out_w = g.out_w;
  d->stride_h = g.stride_h;
  d->stride_w = g.stride_w;
  d->padded_h = std::max(g.pad_top + g.in_h,
                         (g.out_h - 1) * g.stride_h + (g.kernel_h - 1) * g.dilation_h + 1);
  d->padded_w = std::max(g.pad_left + g.in_w,
                         (g.out_w - 1) * g.stride_w + (g.kernel_w - 1) * g.dilation_w + 1);
  if (d->padded_h != g.in_h || d->padded_w != g.in_w) {
    d->pad_scratch = ctx.request_scratch(sizeof(float) * d->batch * d->padded_h * d->padded_w *
                                         g.channels);
  }
  const long row = static_cast<long>(d->padded_w) * g.channels;
  kernels::F32GemmSegments& s = gemm.segments;
  s.seg_rows = g.kernel_h;
  s.seg_row_stride = g.dilation_h * row;
  if (g.dilation_w == 1) {  // a filter row reads KW*Cin contiguous floats
    s.seg_len = g.kernel_w * g.channels;
  } else {
    s.seg_cols = g.kernel_w;
    s.seg_col_stride = static_cast<long>(g.dilation_w) * g.channels;
    s.seg_len = g.channels;
  }
  ctx.set_data(std::move(d));
  return Status::Ok();
}

void eval_conv2d_f32_avx2(const EvalContext& ctx) {
  struct Args {
    const Conv2DAvx2Data* d;
    const float* in;
    float *out, *padded;
  } a;
  a.d = &ctx.data<Conv2DAvx2Data>();
  a.in = ctx.input<float>(0);
  a.out = ctx.output<float>(0);
  a.padded = a.d->pad_scratch >= 0 ? static_cast<float*>(ctx.scratch(a.d->pad_scratch)) : nullptr;
  const Args* args = &a;
  const kernels::Im2ColGeometry& g = a.d->params.geometry;
  if (a.padded) {
    ctx.pool().parallel_for(a.d->batch, [args](int, int begin, int end) {
      const Conv2DAvx2Data& d = *args->d;
      const kernels::Im2ColGeometry& g = d.params.geometry;
      const size_t row = sizeof(float) * d.padded_w * g.channels;
      const size_t left = sizeof(float) * g.pad_left * g.channels;
      const size_t inner = sizeof(float) * g.in_w * g.channels;
      for (int b = begin; b < end; ++b) {
        char* dst = reinterpret_cast<char*>(args->padded + static_cast<long>(b) * d.padded_h *
                                                               d.padded_w * g.channels);
        const char* src = reinterpret_cast<const char*>(args->in + b * d.in_image);
        for (int y = 0; y < d.padded_h; ++y, dst += row) {
          const int iy = y - g.pad_top;
          if (iy < 0 || iy >= g.in_h) {
            std::memset(dst, 0, row);
            continue;
          }
          std::memset(dst, 0, left);
          std::memcpy(dst + left, src + iy * inner, inner);
          std::memset(dst + left + inner, 0, row - left - inner);
        }
      }
    });
  }
  ctx.pool().parallel_for(a.d->batch * g.out_h, [args](int, int begin, int end) {
    const Conv2DAvx2Data& d = *args->d;
    const long c = d.params.geometry.channels;
    const long image = static_cast<long>(d.padded_h) * d.padded_w * c;
    const float* base = args->padded ? args->padded : args->in;
    for (int r = begin; r < end; ++r) {
      const int b = r / d.out_h, oy = r % d.out_h;
      const float* a_row = base + b * image + static_cast<long>(oy) * d.stride_h * d.padded_w * c;
      kernels::f32_gemm_6x16_avx2(d.gemm, d.out_w, a_row, d.stride_w * c,
                                  args->out + static_cast<long>(r) * d.out_w * d.gemm.n,
                                  d.gemm.n);
    }
  });
}

}  // namespace octet::runtime::ops
