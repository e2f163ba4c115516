#include "nn/export.h"

#include <cmath>
#include <cstring>

#include "nn/layers/batch_norm.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/dense.h"
#include "nn/layers/depthwise_conv2d.h"
#include "nn/layers/pool2d.h"

namespace octet::nn {

namespace {

using runtime::Activation;
using runtime::DataType;
using runtime::Graph;
using runtime::Op;
using runtime::OpType;

std::vector<uint8_t> float_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(float));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

int32_t add_const_f32(Graph& g, const std::string& name, std::vector<int32_t> shape, const std::vector<float>& v) {
  runtime::Tensor t;
  t.name = name;
  t.type = DataType::kFloat32;
  t.shape = std::move(shape);
  t.is_constant = true;
  t.data = float_bytes(v);
  return g.add_tensor(std::move(t));
}

int32_t add_const_i32(Graph& g, const std::string& name, const std::vector<int32_t>& v) {
  runtime::Tensor t;
  t.name = name;
  t.type = DataType::kInt32;
  t.shape = {static_cast<int32_t>(v.size())};
  t.is_constant = true;
  t.data.resize(v.size() * 4);
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return g.add_tensor(std::move(t));
}

int32_t add_activation(Graph& g, const std::string& name, const Shape& shape_no_batch) {
  runtime::Tensor t;
  t.name = name;
  t.type = DataType::kFloat32;
  t.shape = {1};
  for (int d : shape_no_batch) t.shape.push_back(d);
  return g.add_tensor(std::move(t));
}

// Per-output-channel affine map of a following BatchNorm: y = x * scale + shift.
struct ChannelAffine {
  std::vector<float> scale, shift;
};

ChannelAffine batch_norm_affine(const BatchNorm& bn) {
  ChannelAffine a;
  const int c = static_cast<int>(bn.gamma().size());
  a.scale.resize(c);
  a.shift.resize(c);
  for (int i = 0; i < c; ++i) {
    // Folded in double so the exported weights are as close to the trained function as floats allow.
    double s = static_cast<double>(bn.gamma().data[i]) /
               std::sqrt(static_cast<double>(bn.moving_variance().data[i]) + static_cast<double>(bn.epsilon()));
    a.scale[i] = static_cast<float>(s);
    a.shift[i] = static_cast<float>(static_cast<double>(bn.beta().data[i]) -
                                    static_cast<double>(bn.moving_mean().data[i]) * s);
  }
  return a;
}

}  // namespace

Result<Graph> export_graph(Model& model, const nlohmann::json& info) {
  Graph g;
  g.name = "main";
  g.description = "octet float32 model " + model.name();
  int32_t cur = add_activation(g, "input", model.input_shape());
  g.inputs = {cur};
  Shape cur_shape = model.input_shape();
  const int n = model.num_layers();
  // A ReLU/ReLU6 right after layer i becomes op's fused activation (an output clamp in int8).
  auto fuse_activation = [&](int& i, Op& op) {
    if (i + 1 >= n) return;
    const std::string next = model.layer(i + 1).kind();
    if (next != "relu" && next != "relu6") return;
    op.options.activation = next == "relu" ? Activation::kRelu : Activation::kRelu6;
    ++i;
  };

  for (int i = 0; i < n; ++i) {
    Layer& layer = model.layer(i);
    const std::string kind = layer.kind();
    const std::string base = "layer" + std::to_string(i) + "_" + kind;
    if (kind == "conv2d" || kind == "depthwise_conv2d" || kind == "dense") {
      // Output channels and the weights laid out as TFLite wants them.
      int channels = 0;
      std::vector<float> w, b;
      std::vector<int32_t> w_shape;
      Op op;
      if (kind == "conv2d") {
        auto& l = static_cast<Conv2D&>(layer);
        const int kh = l.kernel_h(), kw = l.kernel_w(), cin = cur_shape[2], cout = l.filters();
        channels = cout;
        w.resize(l.kernel().data.size());
        // [KH, KW, Cin, Cout] -> OHWI [Cout, KH, KW, Cin]
        for (int y = 0; y < kh; ++y)
          for (int x = 0; x < kw; ++x)
            for (int ci = 0; ci < cin; ++ci)
              for (int co = 0; co < cout; ++co)
                w[((static_cast<size_t>(co) * kh + y) * kw + x) * cin + ci] =
                    l.kernel().data[((static_cast<size_t>(y) * kw + x) * cin + ci) * cout + co];
        w_shape = {cout, kh, kw, cin};
        if (l.use_bias()) b = l.bias().data;
        op.type = OpType::kConv2D;
        op.options.padding = l.padding();
        op.options.stride_h = l.stride_h();
        op.options.stride_w = l.stride_w();
      } else if (kind == "depthwise_conv2d") {
        auto& l = static_cast<DepthwiseConv2D&>(layer);
        channels = cur_shape[2] * l.depth_multiplier();
        w = l.kernel().data;  // [KH, KW, C*M] is TFLite's [1, KH, KW, C*M]
        w_shape = {1, l.kernel_h(), l.kernel_w(), channels};
        if (l.use_bias()) b = l.bias().data;
        op.type = OpType::kDepthwiseConv2D;
        op.options.padding = l.padding();
        op.options.stride_h = l.stride_h();
        op.options.stride_w = l.stride_w();
        op.options.depth_multiplier = l.depth_multiplier();
      } else {
        auto& l = static_cast<Dense&>(layer);
        const int in = l.input_size(), units = l.units();
        channels = units;
        w.resize(l.kernel().data.size());
        for (int k = 0; k < in; ++k)  // [In, Units] -> [Units, In]
          for (int u = 0; u < units; ++u) w[static_cast<size_t>(u) * in + k] = l.kernel().data[static_cast<size_t>(k) * units + u];
        w_shape = {units, in};
        if (l.use_bias()) b = l.bias().data;
        op.type = OpType::kFullyConnected;
      }
      if (b.empty()) b.assign(channels, 0.0f);  // TFLite's CONV_2D requires a bias
      if (i + 1 < n && model.layer(i + 1).kind() == "batch_norm") {
        ChannelAffine a = batch_norm_affine(static_cast<BatchNorm&>(model.layer(i + 1)));
        const size_t per_channel_stride = kind == "depthwise_conv2d" ? 1 : w.size() / channels;
        for (size_t k = 0; k < w.size(); ++k) {
          // OHWI and [Units, In]: channel-major blocks; depthwise: channel is the fastest axis.
          size_t c = kind == "depthwise_conv2d" ? k % channels : k / per_channel_stride;
          w[k] *= a.scale[c];
        }
        for (int c = 0; c < channels; ++c) b[c] = b[c] * a.scale[c] + a.shift[c];
        ++i;
      }
      fuse_activation(i, op);
      cur_shape = model.layer_output_shape(i);
      int32_t wt = add_const_f32(g, base + "/kernel", w_shape, w);
      int32_t bt = add_const_f32(g, base + "/bias", {channels}, b);
      int32_t out = add_activation(g, base, cur_shape);
      op.inputs = {cur, wt, bt};
      op.outputs = {out};
      g.ops.push_back(op);
      cur = out;
    } else if (kind == "max_pool2d" || kind == "avg_pool2d") {
      auto& l = static_cast<Pool2D&>(layer);
      Op op;
      op.type = kind == "max_pool2d" ? OpType::kMaxPool2D : OpType::kAveragePool2D;
      op.options.filter_h = l.pool_h();
      op.options.filter_w = l.pool_w();
      op.options.stride_h = l.stride_h();
      op.options.stride_w = l.stride_w();
      op.options.padding = l.padding();
      fuse_activation(i, op);
      cur_shape = model.layer_output_shape(i);
      int32_t out = add_activation(g, base, cur_shape);
      op.inputs = {cur};
      op.outputs = {out};
      g.ops.push_back(op);
      cur = out;
    } else if (kind == "global_avg_pool2d") {
      Op op;
      op.type = OpType::kMean;
      op.options.keep_dims = false;
      cur_shape = model.layer_output_shape(i);
      int32_t axes = add_const_i32(g, base + "/axes", {1, 2});
      int32_t out = add_activation(g, base, cur_shape);
      op.inputs = {cur, axes};
      op.outputs = {out};
      g.ops.push_back(op);
      cur = out;
    } else if (kind == "flatten") {
      Op op;
      op.type = OpType::kReshape;
      cur_shape = model.layer_output_shape(i);
      int32_t shape = add_const_i32(g, base + "/shape", {-1, cur_shape[0]});
      int32_t out = add_activation(g, base, cur_shape);
      op.inputs = {cur, shape};
      op.outputs = {out};
      g.ops.push_back(op);
      cur = out;
    } else if (kind == "relu" || kind == "relu6") {
      Op op;
      op.type = kind == "relu" ? OpType::kRelu : OpType::kRelu6;
      cur_shape = model.layer_output_shape(i);
      int32_t out = add_activation(g, base, cur_shape);
      op.inputs = {cur};
      op.outputs = {out};
      g.ops.push_back(op);
      cur = out;
    } else if (kind == "dropout") {
      continue;  // identity at inference
    } else if (kind == "batch_norm") {
      return Status::Error(model.name() + ": layer " + std::to_string(i) +
                           " (batch_norm) must directly follow a conv2d, depthwise_conv2d or dense layer to be "
                           "folded into it for export");
    } else {
      return Status::Error(model.name() + ": layer " + std::to_string(i) + " (" + kind + ") cannot be exported");
    }
  }

  Op softmax;
  softmax.type = OpType::kSoftmax;
  softmax.options.beta = 1.0f;
  int32_t probs = add_activation(g, "probabilities", cur_shape);
  softmax.inputs = {cur};
  softmax.outputs = {probs};
  g.ops.push_back(softmax);
  g.outputs = {probs};

  nlohmann::json meta = info;
  meta["spec"] = model.spec();
  meta["spec"].erase("description");  // prose for humans; the layers and name are what rebuild it
  const std::string text = meta.dump();
  g.metadata.push_back({kTrainingMetadataName, std::vector<uint8_t>(text.begin(), text.end())});
  return g;
}

}  // namespace octet::nn
