#include "qat/fine_tune.h"

#include "nn/export.h"
#include "qat/qat.h"
#include "quant/calibrate.h"

namespace octet::qat {

data::Dataset training_subset(const data::Dataset& d, int64_t limit, uint64_t seed) {
  if (limit <= 0 || limit >= d.size()) return d;
  data::Dataset s;
  s.height = d.height;
  s.width = d.width;
  s.channels = d.channels;
  s.class_names = d.class_names;
  for (int64_t i : quant::draw_calibration_indices(d.size(), limit, seed ^ 0x51A7ull)) {
    s.pixels.insert(s.pixels.end(), d.image(i), d.image(i) + d.image_bytes());
    s.labels.push_back(d.labels[static_cast<size_t>(i)]);
  }
  return s;
}

Result<FineTuneResult> fine_tune_int8(nn::Model& model, nlohmann::json record, const data::Dataset& train,
                                      const data::Dataset& test, const FineTuneOptions& options,
                                      const nlohmann::json& quant_extra, const std::string& origin, ThreadPool& pool) {
  OCTET_ASSIGN_OR_RETURN(runtime::Graph float_graph, nn::export_graph(model, record));
  quant::CalibrationOptions co;
  co.samples = options.samples;
  co.seed = options.train.seed;
  co.threads = options.threads;
  auto calibration = quant::calibrate(float_graph, train, co);
  if (!calibration.ok()) return calibration.status().with_context(origin + " (calibration)");
  QatOptions qo;
  qo.weight_bits = options.weight_bits;
  qo.activation_bits = options.activation_bits;
  OCTET_ASSIGN_OR_RETURN(std::unique_ptr<QatModel> qat, QatModel::create(model, float_graph, *calibration, qo));

  FineTuneResult r;
  // Fake-quant accuracy before fine-tuning is the PTQ model's, up to rounding details.
  r.before = nn::evaluate(qat->model(), test, pool);
  OCTET_ASSIGN_OR_RETURN(r.history, nn::train(qat->model(), train, nullptr, options.train, pool));
  r.after = nn::evaluate(qat->model(), test, pool);

  nlohmann::json& q = record["qat"];
  q["weight_bits"] = options.weight_bits;
  q["activation_bits"] = options.activation_bits;
  q["fake_quant_test_accuracy_before"] = r.before;
  q["fake_quant_test_accuracy"] = r.after;
  OCTET_ASSIGN_OR_RETURN(runtime::Graph trained, nn::export_graph(model, record));
  quant::QuantizeOptions opt;
  opt.weight_bits = options.weight_bits;
  opt.activation_bits = options.activation_bits;
  const quant::CalibrationResult ranges = qat->calibration();
  auto converted = quant::quantize_graph(trained, &ranges, opt);
  if (!converted.ok()) return converted.status().with_context(origin + " (int8 conversion after QAT)");
  quant::set_quantization_metadata(converted->graph, quant::quantization_record(opt, &ranges, quant_extra));
  r.graph = std::move(converted->graph);
  r.record = std::move(record);
  r.warnings = converted->report.warnings;
  return r;
}

}  // namespace octet::qat
