// Quantization-aware training (issue 7): a float model (nn::import_graph of a float .tflite)
// is wrapped into a fake-quant model that trains like any nn::Model (nn::train, nn::evaluate),
// then export_graph + quant::quantize_graph with the tracked ranges give a real int8 model of
// the same spec as `octet quantize`'s.
//
// Fake quantization sits where the int8 model quantizes: the graph input and every output that
// gets its own calibrated parameters (CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED after their
// fused activation, MEAN, RELU, RELU6); AVERAGE_POOL_2D rounds onto its input's grid; max pooling
// and RESHAPE keep their input's values. Ranges start from a PTQ calibration and follow an EMA of
// each training batch's min and max; weights are fake-quantized per channel from their current
// values every step.
#pragma once

#include <memory>
#include <vector>

#include "nn/model.h"
#include "quant/calibrate.h"
#include "qat/fake_quant.h"
#include "runtime/graph.h"

namespace octet::qat {

struct QatOptions {
  int weight_bits = 8;      // 2..8, as quant::QuantizeOptions
  int activation_bits = 8;  // 2..8
  float ema = 0.01f;        // step of the activation ranges towards each batch's min/max
};

class QatModel {
 public:
  // `float_model` (layers borrowed: it must outlive the result, and training updates its weights)
  // and `calibration` = quant::calibrate(export_graph(float_model)), whose tensor indices name the
  // ranges. Errors for layers without an int8 equivalent here (batch_norm: import folds it).
  static Result<std::unique_ptr<QatModel>> create(nn::Model& float_model, const runtime::Graph& float_graph,
                                                  const quant::CalibrationResult& calibration,
                                                  const QatOptions& options);

  nn::Model& model() { return model_; }
  // `calibration` with the tracked ranges in place of the calibrated ones and method "qat", to
  // give quant::quantize_graph together with export_graph(float_model).
  quant::CalibrationResult calibration() const;

 private:
  nn::Model model_;
  quant::CalibrationResult calibration_;
  std::vector<std::pair<int32_t, std::shared_ptr<ActivationRange>>> ranges_;  // graph tensor, range
};

}  // namespace octet::qat
