#include "tflite_test_util.h"

#include <cmath>

namespace octet::tflite::testing {

using runtime::Activation;
using runtime::DataType;
using runtime::Graph;
using runtime::OpType;
using runtime::Padding;

Graph kitchen_sink_graph() {
  Graph g;
  g.name = "main";
  g.description = "octet test kitchen sink";

  runtime::Tensor in = make_tensor("input", DataType::kFloat32, {1, 8, 8, 3});
  in.quant.min = {-1.0f};
  in.quant.max = {2.5f};
  const int32_t t_in = g.add_tensor(in);

  runtime::Tensor q = make_tensor("input_q", DataType::kInt8, {1, 8, 8, 3});
  q.quant = per_tensor(0.02f, -5);
  q.quant.min = {-2.46f};
  q.quant.max = {2.64f};
  const int32_t t_q = g.add_tensor(q);

  runtime::Tensor cw = make_const("conv/filter", DataType::kInt8, {4, 3, 3, 3}, 1);
  cw.quant = per_channel(4, 0, 0.01f);
  const int32_t t_cw = g.add_tensor(cw);
  runtime::Tensor cb = make_const("conv/bias", DataType::kInt32, {4}, 2);
  cb.quant = per_channel(4, 0, 0.0002f);
  cb.quant.min.clear();
  cb.quant.max.clear();
  const int32_t t_cb = g.add_tensor(cb);
  runtime::Tensor co = make_tensor("conv/out", DataType::kInt8, {1, 8, 4, 4});
  co.quant = per_tensor(0.05f, -128);
  const int32_t t_co = g.add_tensor(co);

  runtime::Tensor dw = make_const("dw/filter", DataType::kInt8, {1, 3, 3, 8}, 3);
  dw.quant = per_channel(8, 3, 0.003f);
  const int32_t t_dw = g.add_tensor(dw);
  runtime::Tensor dwo = make_tensor("dw/out", DataType::kInt8, {1, 4, 1, 8});
  dwo.quant = per_tensor(0.04f, -128);
  const int32_t t_dwo = g.add_tensor(dwo);

  runtime::Tensor mp = make_tensor("maxpool/out", DataType::kInt8, {1, 2, 1, 8});
  mp.quant = dwo.quant;
  const int32_t t_mp = g.add_tensor(mp);
  runtime::Tensor ap = make_tensor("avgpool/out", DataType::kInt8, {1, 1, 1, 8});
  ap.quant = dwo.quant;
  const int32_t t_ap = g.add_tensor(ap);
  runtime::Tensor r = make_tensor("relu/out", DataType::kInt8, {1, 1, 1, 8});
  r.quant = dwo.quant;
  const int32_t t_r = g.add_tensor(r);
  runtime::Tensor r6 = make_tensor("relu6/out", DataType::kInt8, {1, 1, 1, 8});
  r6.quant = dwo.quant;
  const int32_t t_r6 = g.add_tensor(r6);
  runtime::Tensor add = make_tensor("add/out", DataType::kInt8, {1, 1, 1, 8});
  add.quant = per_tensor(0.08f, -100);
  const int32_t t_add = g.add_tensor(add);

  runtime::Tensor axes = make_tensor("mean/axes", DataType::kInt32, {2});
  axes.is_constant = true;
  axes.data = as_bytes(std::vector<int32_t>{1, 2});
  const int32_t t_axes = g.add_tensor(axes);
  runtime::Tensor mean = make_tensor("mean/out", DataType::kInt8, {1, 1, 1, 8});
  mean.quant = add.quant;
  const int32_t t_mean = g.add_tensor(mean);

  runtime::Tensor shape = make_tensor("reshape/shape", DataType::kInt32, {2});
  shape.is_constant = true;
  shape.data = as_bytes(std::vector<int32_t>{1, 8});
  const int32_t t_shape = g.add_tensor(shape);
  runtime::Tensor rs = make_tensor("reshape/out", DataType::kInt8, {1, 8});
  rs.quant = add.quant;
  const int32_t t_rs = g.add_tensor(rs);
  runtime::Tensor rs2 = make_tensor("reshape2/out", DataType::kInt8, {1, 8});
  rs2.quant = add.quant;
  const int32_t t_rs2 = g.add_tensor(rs2);

  runtime::Tensor fw = make_const("fc/weights", DataType::kInt8, {5, 8}, 4);
  fw.quant = per_tensor(0.007f, 0);
  const int32_t t_fw = g.add_tensor(fw);
  runtime::Tensor fo = make_tensor("fc/out", DataType::kInt8, {1, 5});
  fo.quant = per_tensor(0.1f, 7);
  const int32_t t_fo = g.add_tensor(fo);
  runtime::Tensor sm = make_tensor("softmax/out", DataType::kInt8, {1, 5});
  sm.quant = per_tensor(1.0f / 256.0f, -128);
  const int32_t t_sm = g.add_tensor(sm);
  const int32_t t_deq = g.add_tensor(make_tensor("probs", DataType::kFloat32, {1, 5}));

  const int32_t t_h = g.add_tensor(make_const("fp16/const", DataType::kFloat16, {5}, 5));
  const int32_t t_hd = g.add_tensor(make_tensor("fp16/dequant", DataType::kFloat32, {5}));

  runtime::Tensor hw = make_const("hybrid/weights", DataType::kInt8, {3, 5}, 6);
  hw.quant = per_channel(3, 0, 0.02f);
  const int32_t t_hw = g.add_tensor(hw);
  const int32_t t_hb = g.add_tensor(make_const("hybrid/bias", DataType::kFloat32, {3}, 7));
  const int32_t t_ho = g.add_tensor(make_tensor("hybrid/out", DataType::kFloat32, {1, 3}));
  const int32_t t_nw = g.add_tensor(make_const("nobias/weights", DataType::kFloat32, {2, 3}, 8));
  const int32_t t_no = g.add_tensor(make_tensor("nobias/out", DataType::kFloat32, {1, 2}));

  // Unused constants of the remaining types.
  g.add_tensor(make_const("u8", DataType::kUInt8, {3}, 9));
  runtime::Tensor i16 = make_const("i16", DataType::kInt16, {2, 2}, 10);
  i16.quant = per_tensor(0.5f, 0);
  g.add_tensor(i16);
  g.add_tensor(make_const("i64", DataType::kInt64, {2}, 11));
  g.add_tensor(make_const("empty", DataType::kFloat32, {0, 4}, 12));

  runtime::Op op = make_op(OpType::kQuantize, {t_in}, t_q);
  g.ops.push_back(op);

  op = make_op(OpType::kConv2D, {t_q, t_cw, t_cb}, t_co);
  op.options.padding = Padding::kSame;
  op.options.stride_w = 2;
  op.options.stride_h = 1;
  op.options.dilation_w = 2;
  op.options.dilation_h = 3;
  op.options.activation = Activation::kRelu6;
  g.ops.push_back(op);

  op = make_op(OpType::kDepthwiseConv2D, {t_co, t_dw, -1}, t_dwo);
  op.options.padding = Padding::kValid;
  op.options.stride_w = 3;
  op.options.stride_h = 1;
  op.options.dilation_w = 2;
  op.options.dilation_h = 1;
  op.options.depth_multiplier = 2;
  op.options.activation = Activation::kRelu;
  g.ops.push_back(op);

  op = make_op(OpType::kMaxPool2D, {t_dwo}, t_mp);
  op.options.padding = Padding::kSame;
  op.options.filter_w = 3;
  op.options.filter_h = 2;
  op.options.stride_w = 1;
  op.options.stride_h = 2;
  op.options.activation = Activation::kRelu;
  g.ops.push_back(op);

  op = make_op(OpType::kAveragePool2D, {t_mp}, t_ap);
  op.options.padding = Padding::kValid;
  op.options.filter_w = 1;
  op.options.filter_h = 2;
  op.options.stride_w = 4;
  op.options.stride_h = 5;
  op.options.activation = Activation::kRelu6;
  g.ops.push_back(op);

  g.ops.push_back(make_op(OpType::kRelu, {t_ap}, t_r));
  g.ops.push_back(make_op(OpType::kRelu6, {t_r}, t_r6));

  op = make_op(OpType::kAdd, {t_r6, t_r}, t_add);
  op.options.activation = Activation::kRelu;
  g.ops.push_back(op);

  op = make_op(OpType::kMean, {t_add, t_axes}, t_mean);
  op.options.keep_dims = true;
  g.ops.push_back(op);

  g.ops.push_back(make_op(OpType::kReshape, {t_mean, t_shape}, t_rs));
  op = make_op(OpType::kReshape, {t_rs}, t_rs2);
  op.options.new_shape = {1, -1};
  g.ops.push_back(op);

  op = make_op(OpType::kFullyConnected, {t_rs2, t_fw, -1}, t_fo);
  op.options.keep_num_dims = true;
  op.options.activation = Activation::kRelu;
  g.ops.push_back(op);

  op = make_op(OpType::kSoftmax, {t_fo}, t_sm);
  op.options.beta = 0.75f;
  g.ops.push_back(op);

  g.ops.push_back(make_op(OpType::kDequantize, {t_sm}, t_deq));
  g.ops.push_back(make_op(OpType::kDequantize, {t_h}, t_hd));

  op = make_op(OpType::kFullyConnected, {t_deq, t_hw, t_hb}, t_ho);
  op.options.asymmetric_quantize_inputs = true;
  op.options.activation = Activation::kRelu6;
  g.ops.push_back(op);

  g.ops.push_back(make_op(OpType::kFullyConnected, {t_ho, t_nw}, t_no));

  g.inputs = {t_in};
  g.outputs = {t_no, t_hd};
  g.metadata.push_back({"min_runtime_version", as_bytes(std::vector<char>{'1', '.', '1', '4', 0})});
  g.metadata.push_back({"octet/blob", pattern_bytes(37, 13)});
  return g;
}

Graph small_int8_graph() {
  Graph g;
  g.name = "small";
  g.description = "octet small";
  const int32_t t_in = g.add_tensor(make_tensor("x", DataType::kFloat32, {1, 4, 4, 1}));
  runtime::Tensor q = make_tensor("xq", DataType::kInt8, {1, 4, 4, 1});
  q.quant = per_tensor(1.0f / 255.0f, -128);
  const int32_t t_q = g.add_tensor(q);
  runtime::Tensor w = make_const("w", DataType::kInt8, {2, 3, 3, 1}, 21);
  w.quant = per_channel(2, 0, 0.01f);
  const int32_t t_w = g.add_tensor(w);
  runtime::Tensor b = make_const("b", DataType::kInt32, {2}, 22);
  b.quant = per_channel(2, 0, 0.01f / 255.0f);
  b.quant.min.clear();
  b.quant.max.clear();
  const int32_t t_b = g.add_tensor(b);
  runtime::Tensor c = make_tensor("c", DataType::kInt8, {1, 4, 4, 2});
  c.quant = per_tensor(0.02f, -128);
  const int32_t t_c = g.add_tensor(c);
  const int32_t t_r = g.add_tensor(c);
  g.tensors[static_cast<size_t>(t_r)].name = "r";
  runtime::Tensor fw = make_const("fw", DataType::kInt8, {3, 32}, 23);
  fw.quant = per_tensor(0.004f, 0);
  const int32_t t_fw = g.add_tensor(fw);
  runtime::Tensor fo = make_tensor("fo", DataType::kInt8, {1, 3});
  fo.quant = per_tensor(0.1f, 3);
  const int32_t t_fo = g.add_tensor(fo);
  runtime::Tensor s = make_tensor("s", DataType::kInt8, {1, 3});
  s.quant = per_tensor(1.0f / 256.0f, -128);
  const int32_t t_s = g.add_tensor(s);
  const int32_t t_out = g.add_tensor(make_tensor("y", DataType::kFloat32, {1, 3}));

  g.ops.push_back(make_op(OpType::kQuantize, {t_in}, t_q));
  runtime::Op conv = make_op(OpType::kConv2D, {t_q, t_w, t_b}, t_c);
  conv.options.padding = Padding::kSame;
  g.ops.push_back(conv);
  g.ops.push_back(make_op(OpType::kRelu, {t_c}, t_r));
  runtime::Op fc = make_op(OpType::kFullyConnected, {t_r, t_fw, -1}, t_fo);
  fc.options.activation = Activation::kRelu;
  g.ops.push_back(fc);
  g.ops.push_back(make_op(OpType::kSoftmax, {t_fo}, t_s));
  g.ops.push_back(make_op(OpType::kDequantize, {t_s}, t_out));
  g.inputs = {t_in};
  g.outputs = {t_out};
  return g;
}

namespace {

void expect_floats_eq(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    // Bit equality: float32 values must survive the file unchanged.
    EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof(float)), 0) << what << "[" << i << "] " << a[i] << " vs " << b[i];
  }
}

}  // namespace

void expect_graph_eq(const Graph& want, const Graph& got) {
  EXPECT_EQ(want.name, got.name);
  EXPECT_EQ(want.description, got.description);
  EXPECT_EQ(want.inputs, got.inputs);
  EXPECT_EQ(want.outputs, got.outputs);
  ASSERT_EQ(want.tensors.size(), got.tensors.size());
  for (size_t i = 0; i < want.tensors.size(); ++i) {
    const runtime::Tensor& a = want.tensors[i];
    const runtime::Tensor& b = got.tensors[i];
    SCOPED_TRACE("tensor " + std::to_string(i) + " '" + a.name + "'");
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.shape, b.shape);
    EXPECT_EQ(a.is_constant, b.is_constant);
    EXPECT_EQ(a.data, b.data);
    expect_floats_eq(a.quant.scale, b.quant.scale, "scale");
    EXPECT_EQ(a.quant.zero_point, b.quant.zero_point);
    EXPECT_EQ(a.quant.axis, b.quant.axis);
    expect_floats_eq(a.quant.min, b.quant.min, "min");
    expect_floats_eq(a.quant.max, b.quant.max, "max");
  }
  ASSERT_EQ(want.ops.size(), got.ops.size());
  for (size_t k = 0; k < want.ops.size(); ++k) {
    const runtime::Op& a = want.ops[k];
    const runtime::Op& b = got.ops[k];
    SCOPED_TRACE("operator " + std::to_string(k) + " " + op_type_name(a.type));
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.inputs, b.inputs);
    EXPECT_EQ(a.outputs, b.outputs);
    const runtime::OpOptions& x = a.options;
    const runtime::OpOptions& y = b.options;
    EXPECT_EQ(x.padding, y.padding);
    EXPECT_EQ(x.stride_w, y.stride_w);
    EXPECT_EQ(x.stride_h, y.stride_h);
    EXPECT_EQ(x.dilation_w, y.dilation_w);
    EXPECT_EQ(x.dilation_h, y.dilation_h);
    EXPECT_EQ(x.filter_w, y.filter_w);
    EXPECT_EQ(x.filter_h, y.filter_h);
    EXPECT_EQ(x.depth_multiplier, y.depth_multiplier);
    EXPECT_EQ(x.activation, y.activation);
    EXPECT_EQ(x.beta, y.beta);
    EXPECT_EQ(x.keep_dims, y.keep_dims);
    EXPECT_EQ(x.keep_num_dims, y.keep_num_dims);
    EXPECT_EQ(x.asymmetric_quantize_inputs, y.asymmetric_quantize_inputs);
    EXPECT_EQ(x.new_shape, y.new_shape);
  }
  ASSERT_EQ(want.metadata.size(), got.metadata.size());
  for (size_t i = 0; i < want.metadata.size(); ++i) {
    EXPECT_EQ(want.metadata[i].name, got.metadata[i].name);
    EXPECT_EQ(want.metadata[i].data, got.metadata[i].data);
  }
}

}  // namespace octet::tflite::testing
