#include "qat/qat.h"

namespace octet::qat {

using runtime::OpType;

Result<std::unique_ptr<QatModel>> QatModel::create(nn::Model& float_model, const runtime::Graph& g,
                                                   const quant::CalibrationResult& calibration,
                                                   const QatOptions& options) {
  if (options.weight_bits < 2 || options.weight_bits > 8 || options.activation_bits < 2 || options.activation_bits > 8)
    return Status::Error("weight and activation bits must be in 2..8");
  if (calibration.ranges.size() != g.tensors.size() || g.inputs.size() != 1)
    return Status::Error("the calibration was made for another graph");
  auto qat = std::unique_ptr<QatModel>(new QatModel());
  qat->calibration_ = calibration;
  std::vector<std::unique_ptr<nn::Layer>> layers;
  // A tracked range for graph tensor t, initialised from its calibration, and its layer.
  auto tracked = [&](int32_t t) -> Result<std::shared_ptr<ActivationRange>> {
    const quant::TensorRange& r = calibration.ranges[static_cast<size_t>(t)];
    if (!r.observed || r.range.empty())
      return Status::Error("activation '" + g.tensors[static_cast<size_t>(t)].name + "' has no calibration range");
    auto range = std::make_shared<ActivationRange>(ActivationRange{r.range.min, r.range.max});
    qat->ranges_.emplace_back(t, range);
    layers.push_back(std::make_unique<FakeQuantActivation>(range, options.activation_bits, true, options.ema));
    return range;
  };
  OCTET_ASSIGN_OR_RETURN(std::shared_ptr<ActivationRange> current, tracked(g.inputs[0]));

  // Walk the layers in export_graph's grouping, op by op.
  size_t k = 0;
  const int n = float_model.num_layers();
  for (int i = 0; i < n; ++i) {
    nn::Layer& layer = float_model.layer(i);
    const std::string kind = layer.kind();
    auto borrow = [&](int j) {
      layers.push_back(std::make_unique<BorrowedLayer>(&float_model.layer(j), float_model.layer_output_shape(j)));
    };
    auto fused_activation = [&] {
      if (i + 1 < n && (float_model.layer(i + 1).kind() == "relu" || float_model.layer(i + 1).kind() == "relu6")) borrow(++i);
    };
    if (kind == "dropout") {
      borrow(i);
      continue;
    }
    if (kind == "batch_norm")
      return Status::Error(float_model.name() + ": layer " + std::to_string(i) +
                           " is a batch_norm; quantization-aware training needs it folded (import the exported .tflite)");
    if (k >= g.ops.size()) return Status::Error("the graph has fewer operators than the model's layers");
    const runtime::Op& op = g.ops[k++];
    const int32_t out = op.outputs[0];
    if (kind == "conv2d" || kind == "depthwise_conv2d" || kind == "dense") {
      layers.push_back(std::make_unique<FakeQuantWeights>(&layer, float_model.layer_output_shape(i), options.weight_bits));
      fused_activation();
      OCTET_ASSIGN_OR_RETURN(current, tracked(out));
    } else if (kind == "max_pool2d" || kind == "flatten") {
      borrow(i);  // the int8 op keeps its input's parameters and grid values
      if (kind == "max_pool2d") fused_activation();
    } else if (kind == "avg_pool2d") {
      borrow(i);
      fused_activation();
      // Rounded onto the input's grid (same parameters), the range is not tracked separately.
      layers.push_back(std::make_unique<FakeQuantActivation>(current, options.activation_bits, false, options.ema,
                                                             /*round_stored=*/true));
    } else if (kind == "global_avg_pool2d" || kind == "relu" || kind == "relu6") {
      borrow(i);
      OCTET_ASSIGN_OR_RETURN(current, tracked(out));
    } else {
      return Status::Error(float_model.name() + ": layer " + std::to_string(i) + " (" + kind +
                           ") has no quantization-aware form");
    }
  }
  if (k + 1 != g.ops.size() || g.ops[k].type != OpType::kSoftmax)
    return Status::Error("the graph is not the export of this model (it must end in one SOFTMAX after the layers)");
  qat->model_ = nn::Model::from_layers(float_model.name() + "_qat", float_model.input_shape(), std::move(layers));
  OCTET_RETURN_IF_ERROR(qat->model_.build(0));
  return qat;
}

quant::CalibrationResult QatModel::calibration() const {
  quant::CalibrationResult c = calibration_;
  c.method = "qat";
  for (const auto& [t, range] : ranges_) {
    quant::ObservedRange& r = c.ranges[static_cast<size_t>(t)].range;
    r.min = range->min;
    r.max = range->max;
  }
  return c;
}

}  // namespace octet::qat
