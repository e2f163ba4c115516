// Quantize a float graph and run the int8 result in octet's runtime: every int8 activation,
// dequantized, must stay within a few quantization steps of the float activation, and the top-1
// class must agree. Skipped (with the reason) while the runtime has no int8 CONV_2D kernel.
#include <algorithm>
#include <cstdio>

#include <gtest/gtest.h>

#include "quant/quantize.h"
#include "quant_test_util.h"
#include "runtime/interpreter.h"

namespace octet::quant {
namespace {

using namespace testing;

// Whether the interpreter accepts an int8 CONV_2D (the int8 kernels are being added).
Status int8_conv_supported() {
  Graph g;
  const int32_t in = add_activation(g, "in", {1, 3, 3, 1});
  Tensor w;
  w.name = "w";
  w.type = DataType::kInt8;
  w.shape = {1, 1, 1, 1};
  w.is_constant = true;
  w.data = {1};
  w.quant.scale = {1.0f};
  w.quant.zero_point = {0};
  const int32_t wt = g.add_tensor(w);
  Tensor b;
  b.name = "b";
  b.type = DataType::kInt32;
  b.shape = {1};
  b.is_constant = true;
  b.data.assign(4, 0);
  b.quant.scale = {0.5f};
  b.quant.zero_point = {0};
  const int32_t bt = g.add_tensor(b);
  const int32_t out = add_activation(g, "out", {1, 3, 3, 1});
  for (int32_t t : {in, out}) {
    g.tensors[static_cast<size_t>(t)].type = DataType::kInt8;
    g.tensors[static_cast<size_t>(t)].quant.scale = {0.5f};
    g.tensors[static_cast<size_t>(t)].quant.zero_point = {0};
  }
  g.inputs = {in};
  g.outputs = {out};
  g.ops.push_back(Op{OpType::kConv2D, 1, {in, wt, bt}, {out}, {}});
  auto interp = runtime::Interpreter::create(g, {});
  return interp.ok() ? Status::Ok() : interp.status();
}

float dequantize(const Tensor& t, int8_t q) {
  return t.quant.scale[0] * static_cast<float>(static_cast<int32_t>(q) - static_cast<int32_t>(t.quant.zero_point[0]));
}

TEST(EndToEnd, Int8OutputsTrackTheFloatGraph) {
  Status supported = int8_conv_supported();
  if (!supported.ok()) GTEST_SKIP() << "the runtime has no int8 CONV_2D yet: " << supported.message();

  SmallCnn shape;
  shape.h = shape.w = 12;
  shape.filters = 8;
  shape.classes = 5;
  Graph g = make_small_cnn(21, shape);
  data::Dataset d = make_dataset(12, 12, 1, 600, 22, 5);
  CalibrationOptions co;
  co.samples = 300;
  co.progress = false;
  auto calib = calibrate(g, d, co);
  ASSERT_TRUE(calib.ok()) << calib.status().message();
  auto q = quantize_graph(g, &*calib, {});
  ASSERT_TRUE(q.ok()) << q.status().message();

  const int n = 200;
  runtime::InterpreterOptions io;
  io.batch = n;
  io.preserve_all_tensors = true;
  auto fi = runtime::Interpreter::create(g, io);
  auto qi = runtime::Interpreter::create(q->graph, io);
  ASSERT_TRUE(fi.ok()) << fi.status().message();
  ASSERT_TRUE(qi.ok()) << qi.status().message();
  std::vector<int64_t> idx(n);
  for (int i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = 300 + i;  // images calibration may not have seen
  data::to_float(d, idx.data(), n, (*fi)->input_f32(0));
  // Quantize the input as a deployer does: q = RHAZ(x / S) + Z.
  const Tensor& qin = q->graph.tensors[static_cast<size_t>(q->graph.inputs[0])];
  const float* x = (*fi)->input_f32(0);
  int8_t* xq = (*qi)->input_i8(0);
  for (size_t k = 0; k < (*fi)->input_bytes(0) / 4; ++k) {
    const float v = std::round(x[k] / qin.quant.scale[0]) + static_cast<float>(qin.quant.zero_point[0]);
    xq[k] = static_cast<int8_t>(std::clamp(v, -128.0f, 127.0f));
  }
  ASSERT_TRUE((*fi)->invoke().ok());
  ASSERT_TRUE((*qi)->invoke().ok());

  // Per activation: max |dequantized int8 - float| in output steps. Errors grow with depth but
  // stay a few steps on a well-calibrated graph (the conv error here is weight rounding only: the
  // input quantization is exact for pixels / 255).
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const Tensor& qt = q->graph.tensors[t];
    if (qt.is_constant || qt.type != DataType::kInt8) continue;
    const float* f = static_cast<const float*>((*fi)->tensor_data(static_cast<int>(t)));
    const int8_t* p = static_cast<const int8_t*>((*qi)->tensor_data(static_cast<int>(t)));
    int64_t count = 1;
    for (int32_t dim : (*qi)->tensor_shape(static_cast<int>(t))) count *= dim;
    float worst = 0;
    for (int64_t k = 0; k < count; ++k) worst = std::max(worst, std::fabs(dequantize(qt, p[k]) - f[k]) / qt.quant.scale[0]);
    std::printf("  %-16s worst |int8 - float| = %.2f steps of %.4g\n", qt.name.c_str(), worst, qt.quant.scale[0]);
    EXPECT_LE(worst, 5.0f) << qt.name << ": " << worst << " steps";
  }
  // Top-1 agreement.
  const int classes = shape.classes;
  const float* fo = (*fi)->output_f32(0);
  const int8_t* qo = (*qi)->output_i8(0);
  int agree = 0;
  for (int i = 0; i < n; ++i) {
    const int fa = static_cast<int>(std::max_element(fo + i * classes, fo + (i + 1) * classes) - (fo + i * classes));
    const int qa = static_cast<int>(std::max_element(qo + i * classes, qo + (i + 1) * classes) - (qo + i * classes));
    agree += fa == qa;
  }
  std::printf("  top-1 agreement %d / %d\n", agree, n);
  EXPECT_GE(agree, n * 95 / 100) << agree << " / " << n;
}

}  // namespace
}  // namespace octet::quant
