#include "nn/import.h"

#include <cstring>
#include <filesystem>

#include "core/json_depth.h"
#include "nn/export.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/dense.h"
#include "nn/layers/depthwise_conv2d.h"

namespace octet::nn {

namespace {

using nlohmann::json;
using runtime::Activation;
using runtime::DataType;
using runtime::Graph;
using runtime::Op;
using runtime::OpType;

// Weights of one conv/depthwise/dense op, in TFLite's layout, to copy into the built layer.
struct ImportedWeights {
  std::vector<float> kernel, bias;
  std::vector<int32_t> kernel_shape;
};

std::vector<float> float_values(const runtime::Tensor& t) {
  std::vector<float> v(static_cast<size_t>(t.num_elements()));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
  return v;
}

json padding_name(runtime::Padding p) { return p == runtime::Padding::kSame ? "same" : "valid"; }

}  // namespace

Result<Model> import_graph(const Graph& g, const std::string& origin) {
  auto fail = [&](const std::string& why) { return Status::Error(origin + ": " + why); };
  if (g.inputs.size() != 1 || g.outputs.size() != 1)
    return fail("only graphs with one input and one output can be imported for training");
  const runtime::Tensor& input = g.tensors[static_cast<size_t>(g.inputs[0])];
  if (input.type != DataType::kFloat32 || input.quant.quantized())
    return fail("the input is " + std::string(runtime::data_type_name(input.type)) +
                "; only float32 models can be imported for training (give the float .tflite)");
  if (input.shape.size() < 2 || input.shape.size() > 4) return fail("the input must have 2 to 4 dimensions");

  json layers = json::array();
  std::vector<ImportedWeights> weights;
  int32_t cur = g.inputs[0];
  bool ended = false;
  for (size_t k = 0; k < g.ops.size(); ++k) {
    const Op& op = g.ops[k];
    const std::string where = "operator " + std::to_string(k) + " (" + runtime::op_type_name(op.type) + ")";
    auto op_fail = [&](const std::string& why) { return fail(where + " " + why); };
    if (ended) return op_fail("follows the final SOFTMAX; the model must end in SOFTMAX");
    if (op.inputs.empty() || op.inputs[0] != cur || op.outputs.size() != 1)
      return op_fail("does not continue a single chain of operators; only sequential models can be imported");
    const runtime::Tensor& in = g.tensors[static_cast<size_t>(cur)];
    const runtime::Tensor& out = g.tensors[static_cast<size_t>(op.outputs[0])];
    if (out.type != DataType::kFloat32 || out.quant.quantized())
      return op_fail("has a " + std::string(runtime::data_type_name(out.type)) + " output; only float32 graphs can be imported");
    // A float constant operand `i` of the expected rank.
    auto constant = [&](size_t i, const char* what, size_t rank) -> Result<const runtime::Tensor*> {
      if (i >= op.inputs.size() || op.inputs[i] < 0) return op_fail(std::string("has no ") + what);
      const runtime::Tensor& t = g.tensors[static_cast<size_t>(op.inputs[i])];
      if (!t.is_constant || t.type != DataType::kFloat32 || t.quant.quantized() || t.shape.size() != rank)
        return op_fail(std::string("needs a constant float32 ") + what + " of rank " + std::to_string(rank) +
                       ", got '" + t.name + "'");
      return &t;
    };
    auto activation = [&](json& layer) {
      if (op.options.activation == Activation::kRelu) layer["activation"] = "relu";
      if (op.options.activation == Activation::kRelu6) layer["activation"] = "relu6";
    };
    auto read_bias = [&](ImportedWeights& w, int channels) -> Status {
      if (op.inputs.size() < 3 || op.inputs[2] < 0) {
        w.bias.assign(static_cast<size_t>(channels), 0.0f);  // export writes a zero bias then
        return Status::Ok();
      }
      OCTET_ASSIGN_OR_RETURN(const runtime::Tensor* b, constant(2, "bias", 1));
      if (b->shape[0] != channels) return op_fail("has a bias of " + std::to_string(b->shape[0]) + " values for " +
                                                  std::to_string(channels) + " channels");
      w.bias = float_values(*b);
      return Status::Ok();
    };
    switch (op.type) {
      case OpType::kConv2D:
      case OpType::kDepthwiseConv2D: {
        if (op.options.dilation_h != 1 || op.options.dilation_w != 1) return op_fail("is dilated; octet trains no dilated convolutions");
        if (in.shape.size() != 4) return op_fail("needs a 4-D NHWC input");
        OCTET_ASSIGN_OR_RETURN(const runtime::Tensor* w, constant(1, "weights", 4));
        ImportedWeights iw;
        iw.kernel = float_values(*w);
        iw.kernel_shape = w->shape;
        json layer;
        if (op.type == OpType::kConv2D) {
          if (w->shape[3] != in.shape[3]) return op_fail("has weights for " + std::to_string(w->shape[3]) + " input channels, the input has " + std::to_string(in.shape[3]));
          layer = {{"type", "conv2d"}, {"filters", w->shape[0]}, {"kernel", {w->shape[1], w->shape[2]}}};
          OCTET_RETURN_IF_ERROR(read_bias(iw, w->shape[0]));
        } else {
          const int channels = w->shape[3];
          if (w->shape[0] != 1 || in.shape[3] < 1 || channels % in.shape[3] != 0)
            return op_fail("has weights of an unexpected shape (want [1, KH, KW, C * multiplier])");
          layer = {{"type", "depthwise_conv2d"}, {"kernel", {w->shape[1], w->shape[2]}},
                   {"depth_multiplier", channels / in.shape[3]}};
          OCTET_RETURN_IF_ERROR(read_bias(iw, channels));
        }
        layer["strides"] = {op.options.stride_h, op.options.stride_w};
        layer["padding"] = padding_name(op.options.padding);
        activation(layer);
        layers.push_back(layer);
        weights.push_back(std::move(iw));
        break;
      }
      case OpType::kFullyConnected: {
        if (op.options.keep_num_dims) return op_fail("keeps its input's dimensions; octet's dense layer flattens");
        OCTET_ASSIGN_OR_RETURN(const runtime::Tensor* w, constant(1, "weights", 2));
        ImportedWeights iw;
        iw.kernel = float_values(*w);
        iw.kernel_shape = w->shape;
        OCTET_RETURN_IF_ERROR(read_bias(iw, w->shape[0]));
        if (in.shape.size() > 2) layers.push_back({{"type", "flatten"}});  // TFLite flattens implicitly
        json layer = {{"type", "dense"}, {"units", w->shape[0]}};
        activation(layer);
        layers.push_back(layer);
        weights.push_back(std::move(iw));
        break;
      }
      case OpType::kMaxPool2D:
      case OpType::kAveragePool2D: {
        json layer = {{"type", op.type == OpType::kMaxPool2D ? "max_pool2d" : "avg_pool2d"},
                      {"pool", {op.options.filter_h, op.options.filter_w}},
                      {"strides", {op.options.stride_h, op.options.stride_w}},
                      {"padding", padding_name(op.options.padding)}};
        activation(layer);
        layers.push_back(layer);
        break;
      }
      case OpType::kMean: {
        if (op.options.keep_dims || in.shape.size() != 4 || op.inputs.size() < 2 || op.inputs[1] < 0)
          return op_fail("is not a mean over height and width of a 4-D input without kept dimensions");
        const runtime::Tensor& axes = g.tensors[static_cast<size_t>(op.inputs[1])];
        std::vector<int32_t> a(static_cast<size_t>(axes.num_elements()));
        if (axes.type == DataType::kInt32 && axes.is_constant && axes.data.size() == a.size() * 4)
          std::memcpy(a.data(), axes.data.data(), axes.data.size());
        if (a != std::vector<int32_t>{1, 2} && a != std::vector<int32_t>{2, 1})
          return op_fail("averages over axes other than {1, 2}; only a global average pool can be imported");
        layers.push_back({{"type", "global_avg_pool2d"}});
        break;
      }
      case OpType::kReshape:
        if (out.shape.size() != 2) return op_fail("reshapes to rank " + std::to_string(out.shape.size()) + "; only a flatten to [batch, features] can be imported");
        layers.push_back({{"type", "flatten"}});
        break;
      case OpType::kRelu:
      case OpType::kRelu6:
        layers.push_back({{"type", op.type == OpType::kRelu ? "relu" : "relu6"}});
        break;
      case OpType::kSoftmax:
        if (op.outputs[0] != g.outputs[0] || op.options.beta != 1.0f)
          return op_fail("must be the last operator with beta 1 (octet's export appends exactly that)");
        ended = true;
        break;
      default:
        return op_fail("cannot be imported for training (supported: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, "
                       "MAX_POOL_2D, AVERAGE_POOL_2D, MEAN, RESHAPE, RELU, RELU6, SOFTMAX)");
    }
    cur = op.outputs[0];
  }
  if (!ended) return fail("the graph does not end in SOFTMAX (octet exports end in one); it cannot be imported");

  std::string name = std::filesystem::path(origin).stem().string();
  for (const auto& m : g.metadata) {
    if (m.name != kTrainingMetadataName) continue;
    if (json_nesting_depth(m.data.data(), m.data.size()) > kMaxJsonDepth) continue;  // a record octet never wrote
    json info = json::parse(m.data.begin(), m.data.end(), nullptr, /*allow_exceptions=*/false);
    if (info.is_object() && info.contains("spec") && info["spec"].is_object() && info["spec"].contains("name") &&
        info["spec"]["name"].is_string())
      name = info["spec"]["name"].get<std::string>();
  }
  json spec = {{"name", name}, {"input", json(std::vector<int32_t>(input.shape.begin() + 1, input.shape.end()))},
               {"layers", layers}};
  OCTET_ASSIGN_OR_RETURN(Model model, Model::from_spec(spec, origin));
  {
    Status s = model.build(0);
    if (!s.ok()) return s.with_context(origin);
  }
  const runtime::Tensor& output = g.tensors[static_cast<size_t>(g.outputs[0])];
  if (Shape(output.shape.begin() + 1, output.shape.end()) != model.output_shape())
    return fail("the rebuilt model outputs " + shape_to_string(model.output_shape()) + " but the graph's output is " +
                runtime::data_type_name(output.type) + " of another shape");

  // Copy the weights in each layer's own layout (the inverse of export's transposes).
  size_t next = 0;
  for (int i = 0; i < model.num_layers(); ++i) {
    Layer& layer = model.layer(i);
    const std::string kind = layer.kind();
    if (kind != "conv2d" && kind != "depthwise_conv2d" && kind != "dense") continue;
    const ImportedWeights& iw = weights[next++];
    if (layer.params()[0]->value.data.size() != iw.kernel.size())
      return fail("operator weights of " + std::to_string(iw.kernel.size()) + " values do not fit the rebuilt " + kind +
                  " layer " + std::to_string(i));
    if (kind == "conv2d") {
      auto& l = static_cast<Conv2D&>(layer);
      const int cout = iw.kernel_shape[0], kh = iw.kernel_shape[1], kw = iw.kernel_shape[2], cin = iw.kernel_shape[3];
      for (int co = 0; co < cout; ++co)  // OHWI -> [KH, KW, Cin, Cout]
        for (int y = 0; y < kh; ++y)
          for (int x = 0; x < kw; ++x)
            for (int ci = 0; ci < cin; ++ci)
              l.kernel().data[((static_cast<size_t>(y) * kw + x) * cin + ci) * cout + co] =
                  iw.kernel[((static_cast<size_t>(co) * kh + y) * kw + x) * cin + ci];
      l.bias().data = iw.bias;
    } else if (kind == "depthwise_conv2d") {
      auto& l = static_cast<DepthwiseConv2D&>(layer);
      l.kernel().data = iw.kernel;  // [1, KH, KW, C*M] is the layer's [KH, KW, C*M]
      l.bias().data = iw.bias;
    } else {
      auto& l = static_cast<Dense&>(layer);
      const int units = iw.kernel_shape[0], in = iw.kernel_shape[1];
      if (l.input_size() != in)
        return fail("a FULLY_CONNECTED layer has weights for " + std::to_string(in) + " inputs but receives " +
                    std::to_string(l.input_size()));
      for (int u = 0; u < units; ++u)  // [Units, In] -> [In, Units]
        for (int x = 0; x < in; ++x)
          l.kernel().data[static_cast<size_t>(x) * units + u] = iw.kernel[static_cast<size_t>(u) * in + x];
      l.bias().data = iw.bias;
    }
  }
  return model;
}

}  // namespace octet::nn
