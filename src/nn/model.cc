#include "nn/model.h"

#include <algorithm>
#include <filesystem>

#include "core/file_io.h"
#include "core/json_depth.h"
#include "nn/builtin_models.h"
#include "nn/layers/avg_pool2d.h"
#include "nn/layers/batch_norm.h"
#include "nn/layers/conv2d.h"
#include "nn/layers/dense.h"
#include "nn/layers/depthwise_conv2d.h"
#include "nn/layers/dropout.h"
#include "nn/layers/flatten.h"
#include "nn/layers/global_avg_pool2d.h"
#include "nn/layers/max_pool2d.h"
#include "nn/layers/relu.h"

namespace octet::nn {

using nlohmann::json;

namespace {

// Reads an int or a [h, w] pair; `fallback` when absent.
Status read_pair(const json& j, const char* key, int fallback, int* h, int* w) {
  if (!j.contains(key)) {
    *h = *w = fallback;
    return Status::Ok();
  }
  const json& v = j[key];
  if (v.is_number_integer()) {
    *h = *w = v.get<int>();
  } else if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer()) {
    *h = v[0].get<int>();
    *w = v[1].get<int>();
  } else {
    return Status::Error(std::string("'") + key + "' must be an integer or [h, w]");
  }
  if (*h < 1 || *w < 1 || *h > 4096 || *w > 4096)
    return Status::Error(std::string("'") + key + "' must be between 1 and 4096");
  return Status::Ok();
}

Result<runtime::Padding> read_padding(const json& j) {
  std::string p = j.value("padding", "valid");
  if (p == "valid") return runtime::Padding::kValid;
  if (p == "same") return runtime::Padding::kSame;
  return Status::Error("'padding' must be \"valid\" or \"same\", not \"" + p + "\"");
}

Result<int> read_positive(const json& j, const char* key, int max_value) {
  if (!j.contains(key) || !j[key].is_number_integer())
    return Status::Error(std::string("missing integer '") + key + "'");
  int v = j[key].get<int>();
  if (v < 1 || v > max_value)
    return Status::Error(std::string("'") + key + "' must be between 1 and " + std::to_string(max_value));
  return v;
}

// Appends the layer(s) described by one spec entry (an "activation" adds a ReLU/ReLU6 layer).
Status add_layers(const json& j, std::vector<std::unique_ptr<Layer>>& out) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    return Status::Error("each layer must be an object with a \"type\"");
  const std::string type = j["type"];
  if (type == "conv2d") {
    OCTET_ASSIGN_OR_RETURN(int filters, read_positive(j, "filters", 65536));
    int kh, kw, sh, sw;
    OCTET_RETURN_IF_ERROR(read_pair(j, "kernel", 0, &kh, &kw).with_context("conv2d"));
    if (kh == 0) return Status::Error("conv2d: missing 'kernel'");
    OCTET_RETURN_IF_ERROR(read_pair(j, "strides", 1, &sh, &sw).with_context("conv2d"));
    OCTET_ASSIGN_OR_RETURN(runtime::Padding pad, read_padding(j));
    out.push_back(std::make_unique<Conv2D>(filters, kh, kw, sh, sw, pad, j.value("use_bias", true)));
  } else if (type == "depthwise_conv2d") {
    int kh, kw, sh, sw;
    OCTET_RETURN_IF_ERROR(read_pair(j, "kernel", 0, &kh, &kw).with_context("depthwise_conv2d"));
    if (kh == 0) return Status::Error("depthwise_conv2d: missing 'kernel'");
    OCTET_RETURN_IF_ERROR(read_pair(j, "strides", 1, &sh, &sw).with_context("depthwise_conv2d"));
    OCTET_ASSIGN_OR_RETURN(runtime::Padding pad, read_padding(j));
    int m = j.value("depth_multiplier", 1);
    if (m < 1 || m > 1024) return Status::Error("depthwise_conv2d: 'depth_multiplier' must be 1..1024");
    out.push_back(std::make_unique<DepthwiseConv2D>(kh, kw, sh, sw, pad, m, j.value("use_bias", true)));
  } else if (type == "dense") {
    OCTET_ASSIGN_OR_RETURN(int units, read_positive(j, "units", 1 << 20));
    out.push_back(std::make_unique<Dense>(units, j.value("use_bias", true)));
  } else if (type == "max_pool2d" || type == "avg_pool2d") {
    int ph, pw, sh, sw;
    OCTET_RETURN_IF_ERROR(read_pair(j, "pool", 2, &ph, &pw).with_context(type));
    int dh = ph, dw = pw;
    OCTET_RETURN_IF_ERROR(read_pair(j, "strides", 0, &sh, &sw).with_context(type));
    if (sh == 0) sh = dh, sw = dw;  // Keras: strides default to the pool size
    OCTET_ASSIGN_OR_RETURN(runtime::Padding pad, read_padding(j));
    if (type == "max_pool2d") {
      out.push_back(std::make_unique<MaxPool2D>(ph, pw, sh, sw, pad));
    } else {
      out.push_back(std::make_unique<AvgPool2D>(ph, pw, sh, sw, pad));
    }
  } else if (type == "global_avg_pool2d") {
    out.push_back(std::make_unique<GlobalAvgPool2D>());
  } else if (type == "relu") {
    out.push_back(std::make_unique<ReLU>());
  } else if (type == "relu6") {
    out.push_back(std::make_unique<ReLU6>());
  } else if (type == "batch_norm") {
    float momentum = j.value("momentum", 0.99f), eps = j.value("epsilon", 1e-3f);
    if (!(momentum >= 0 && momentum < 1) || !(eps > 0))
      return Status::Error("batch_norm: need 0 <= momentum < 1 and epsilon > 0");
    out.push_back(std::make_unique<BatchNorm>(momentum, eps));
  } else if (type == "dropout") {
    float rate = j.value("rate", 0.5f);
    if (!(rate >= 0 && rate < 1)) return Status::Error("dropout: 'rate' must be in [0, 1)");
    out.push_back(std::make_unique<Dropout>(rate));
  } else if (type == "flatten") {
    out.push_back(std::make_unique<Flatten>());
  } else {
    return Status::Error("unknown layer type \"" + type +
                         "\" (known: conv2d, depthwise_conv2d, dense, max_pool2d, avg_pool2d, "
                         "global_avg_pool2d, relu, relu6, batch_norm, dropout, flatten)");
  }
  if (j.contains("activation")) {
    std::string act = j["activation"].is_string() ? j["activation"].get<std::string>() : "?";
    if (act == "relu") {
      out.push_back(std::make_unique<ReLU>());
    } else if (act == "relu6") {
      out.push_back(std::make_unique<ReLU6>());
    } else if (act != "linear" && act != "none") {
      return Status::Error("unknown activation \"" + act + "\" (known: relu, relu6, none)");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Model> Model::from_spec(const json& spec, const std::string& origin) {
  Model m;
  m.spec_ = spec;
  if (!spec.is_object()) return Status::Error(origin + ": a model spec must be a JSON object");
  m.name_ = spec.value("name", std::filesystem::path(origin).stem().string());
  const json& in = spec.contains("input") ? spec["input"] : json();
  if (!in.is_array() || in.empty() || in.size() > 3)
    return Status::Error(origin + ": \"input\" must be a shape such as [28, 28, 1]");
  for (const json& d : in) {
    if (!d.is_number_integer() || d.get<int>() < 1 || d.get<int>() > 65536)
      return Status::Error(origin + ": \"input\" dimensions must be integers in 1..65536");
    m.input_shape_.push_back(d.get<int>());
  }
  if (!spec.contains("layers") || !spec["layers"].is_array() || spec["layers"].empty())
    return Status::Error(origin + ": \"layers\" must be a non-empty list");
  int index = 0;
  for (const json& l : spec["layers"]) {
    OCTET_RETURN_IF_ERROR(add_layers(l, m.layers_).with_context(origin + ": layer " + std::to_string(index)));
    ++index;
  }
  return m;
}

Model Model::from_layers(std::string name, Shape input_shape, std::vector<std::unique_ptr<Layer>> layers) {
  Model m;
  m.name_ = std::move(name);
  m.input_shape_ = std::move(input_shape);
  m.layers_ = std::move(layers);
  return m;
}

std::vector<std::string> Model::builtin_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : builtin_model_specs()) names.push_back(name);
  return names;
}

Result<Model> Model::load(const std::string& name_or_path) {
  for (const auto& [name, text] : builtin_model_specs()) {
    if (name == name_or_path) return from_spec(json::parse(text), "built-in " + name);
  }
  std::error_code ec;  // the throwing overload aborts on e.g. a name too long for the file system
  if (!std::filesystem::exists(name_or_path, ec)) {
    std::string known;
    for (const auto& n : builtin_names()) known += (known.empty() ? "" : ", ") + n;
    return Status::Error("model \"" + name_or_path + "\" is neither a built-in (" + known +
                         ") nor an existing spec file");
  }
  OCTET_ASSIGN_OR_RETURN(auto bytes, read_file(name_or_path, 16 << 20));
  OCTET_RETURN_IF_ERROR(check_json_depth(bytes.data(), bytes.size(), name_or_path));
  json spec = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (spec.is_discarded()) return Status::Error(name_or_path + ": not valid JSON");
  return from_spec(spec, name_or_path);
}

Status Model::build(uint64_t seed) {
  Rng rng(seed);
  Shape s = input_shape_;
  layer_shapes_.clear();
  for (size_t i = 0; i < layers_.size(); ++i) {
    auto r = layers_[i]->build(s, rng);
    if (!r.ok())
      return r.status().with_context(name_ + ": layer " + std::to_string(i) + " (" + layers_[i]->kind() +
                                     ") on input " + shape_to_string(s));
    s = r.value();
    layer_shapes_.push_back(s);
  }
  if (s.size() != 1)
    return Status::Error(name_ + ": the last layer must output class scores [classes], got " + shape_to_string(s) +
                         " (add flatten/global_avg_pool2d and a dense layer)");
  output_shape_ = s;
  acts_.assign(layers_.size() + 1, Tensor());
  grads_.assign(layers_.size() + 1, Tensor());
  return Status::Ok();
}

const Tensor& Model::forward(const Tensor& input, Context& ctx) {
  acts_[0].shape = input.shape;
  acts_[0].data.assign(input.data.begin(), input.data.end());
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->forward(acts_[i], acts_[i + 1], ctx);
  return acts_.back();
}

void Model::backward(const Tensor& grad_logits, Context& ctx) {
  grads_.back().shape = grad_logits.shape;
  grads_.back().data.assign(grad_logits.data.begin(), grad_logits.data.end());
  for (size_t i = layers_.size(); i-- > 0;) {
    Tensor* grad_in = i == 0 ? nullptr : &grads_[i];
    layers_[i]->backward(acts_[i], acts_[i + 1], grads_[i + 1], grad_in, ctx);
  }
}

std::vector<Param*> Model::params() {
  std::vector<Param*> all;
  for (auto& l : layers_)
    for (Param* p : l->params()) all.push_back(p);
  return all;
}

std::vector<Tensor*> Model::buffers() {
  std::vector<Tensor*> all;
  for (auto& l : layers_)
    for (Tensor* b : l->buffers()) all.push_back(b);
  return all;
}

void Model::zero_grads() {
  for (Param* p : params()) p->grad.fill(0.0f);
}

int64_t Model::param_count() {
  int64_t n = 0;
  for (Param* p : params()) n += p->value.size();
  for (Tensor* b : buffers()) n += b->size();
  return n;
}

}  // namespace octet::nn
