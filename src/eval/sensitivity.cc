#include "eval/sensitivity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "core/progress.h"
#include "eval/compare.h"
#include "eval/latency.h"
#include "tflite/writer.h"

namespace octet::eval {

using runtime::Graph;

Result<HeldOutSplit> split_held_out(const data::Dataset& train, int64_t held_out) {
  if (held_out < 1) return Status::Error("the held-out split needs at least 1 image");
  if (held_out >= train.size()) {
    return Status::Error("the training split has " + std::to_string(train.size()) + " images: holding out the last " +
                         std::to_string(held_out) + " leaves none to calibrate on");
  }
  HeldOutSplit s;
  const int64_t keep = train.size() - held_out;
  const size_t cut = static_cast<size_t>(keep * train.image_bytes());
  for (data::Dataset* d : {&s.calibration, &s.held_out}) {
    d->height = train.height;
    d->width = train.width;
    d->channels = train.channels;
    d->class_names = train.class_names;
  }
  s.calibration.pixels.assign(train.pixels.begin(), train.pixels.begin() + static_cast<std::ptrdiff_t>(cut));
  s.calibration.labels.assign(train.labels.begin(), train.labels.begin() + keep);
  s.held_out.pixels.assign(train.pixels.begin() + static_cast<std::ptrdiff_t>(cut), train.pixels.end());
  s.held_out.labels.assign(train.labels.begin() + keep, train.labels.end());
  return s;
}

namespace {

// Held-out accuracy of `test` against the float model and the SQNR of `op_output` (a reference
// tensor index, -1 for none) and of the model output.
struct Measured {
  double accuracy = 0, float_accuracy = 0;
  double op_sqnr_db = std::nan(""), model_sqnr_db = std::nan("");
};

Result<Measured> measure(const Graph& float_graph, const Graph& test, const data::Dataset& held_out,
                         const SensitivityOptions& o, int32_t op_output) {
  CompareOptions c;
  c.samples = held_out.size();
  c.batch = o.batch;
  c.threads = o.threads;
  c.kernels = o.kernels;
  c.progress = false;
  OCTET_ASSIGN_OR_RETURN(CompareResult r, compare_graphs(float_graph, test, held_out, c));
  Measured m;
  m.accuracy = r.test_accuracy();
  m.float_accuracy = r.reference_accuracy();
  const std::string& out_name = float_graph.tensors[static_cast<size_t>(float_graph.outputs[0])].name;
  for (const LayerComparison& l : r.layers) {
    if (!l.note.empty()) continue;
    if (l.name == out_name) m.model_sqnr_db = l.stats.sqnr_db();
    if (op_output >= 0 && l.name == float_graph.tensors[static_cast<size_t>(op_output)].name) m.op_sqnr_db = l.stats.sqnr_db();
  }
  return m;
}

Result<quant::QuantizeResult> quantize_keeping(const Graph& float_graph, const quant::CalibrationResult& calibration,
                                               quant::QuantizeOptions q, const std::vector<bool>& keep) {
  q.keep_float.clear();
  for (size_t i = 0; i < keep.size(); ++i)
    if (keep[i]) q.keep_float.push_back(std::to_string(i));
  return quant::quantize_graph(float_graph, &calibration, q);
}

double pp(double accuracy) { return 100.0 * accuracy; }

}  // namespace

Result<SensitivityResult> layer_sensitivity(const Graph& float_graph, const quant::CalibrationResult& calibration,
                                            const data::Dataset& held_out, const SensitivityOptions& options) {
  const size_t n = float_graph.ops.size();
  SensitivityResult res;
  res.held_out = held_out.size();
  std::optional<Progress> progress;
  if (options.progress) progress.emplace("sensitivity", static_cast<int64_t>(n + 1), "models");
  OCTET_ASSIGN_OR_RETURN(quant::QuantizeResult all_int8,
                         quantize_keeping(float_graph, calibration, options.quantize, std::vector<bool>(n, false)));
  OCTET_ASSIGN_OR_RETURN(Measured base, measure(float_graph, all_int8.graph, held_out, options, -1));
  res.float_accuracy = base.float_accuracy;
  res.int8_accuracy = base.accuracy;
  if (progress) progress->update(1, "all int8");
  for (size_t i = 0; i < n; ++i) {
    std::vector<bool> keep(n, true);
    keep[i] = false;
    OCTET_ASSIGN_OR_RETURN(quant::QuantizeResult one, quantize_keeping(float_graph, calibration, options.quantize, keep));
    const runtime::Op& op = float_graph.ops[i];
    OCTET_ASSIGN_OR_RETURN(Measured m, measure(float_graph, one.graph, held_out, options, op.outputs[0]));
    OpSensitivity s;
    s.op_index = static_cast<int>(i);
    s.op = runtime::op_type_name(op.type);
    s.output = float_graph.tensors[static_cast<size_t>(op.outputs[0])].name;
    s.accuracy = m.accuracy;
    s.drop_pp = pp(res.float_accuracy) - pp(m.accuracy);
    s.op_sqnr_db = m.op_sqnr_db;
    s.model_sqnr_db = m.model_sqnr_db;
    res.ops.push_back(std::move(s));
    if (progress) progress->update(static_cast<int64_t>(i + 2), res.ops.back().output);
  }
  if (progress) progress->finish();
  // NaN SQNRs (nothing compared) sort last among equal drops.
  auto sqnr_key = [](double v) { return std::isnan(v) ? std::numeric_limits<double>::infinity() : v; };
  std::stable_sort(res.ops.begin(), res.ops.end(), [&](const OpSensitivity& a, const OpSensitivity& b) {
    if (a.drop_pp != b.drop_pp) return a.drop_pp > b.drop_pp;
    return sqnr_key(a.model_sqnr_db) < sqnr_key(b.model_sqnr_db);
  });
  return res;
}

namespace {

// One candidate of the search: which ops are float32, which get per-channel weights, which compute
// with int16 activations, and which op outputs take their range from an alternative calibration
// (index into MaxDropOptions::clipping).
struct MixedState {
  std::vector<bool> keep, per_channel, int16;
  std::vector<int> clip;  // by tensor, -1 = the main calibration
};

bool has_weights(runtime::OpType t) {
  return t == runtime::OpType::kConv2D || t == runtime::OpType::kDepthwiseConv2D || t == runtime::OpType::kFullyConnected;
}

// Ops whose int8 output parameters come from calibration (not from the input, not fixed).
bool calibrated_output(runtime::OpType t) {
  return t != runtime::OpType::kMaxPool2D && t != runtime::OpType::kAveragePool2D && t != runtime::OpType::kReshape &&
         t != runtime::OpType::kSoftmax;
}

}  // namespace

Result<MaxDropResult> keep_float_within_drop(const Graph& float_graph, const quant::CalibrationResult& calibration,
                                             const data::Dataset& held_out, const MaxDropOptions& options) {
  if (!(options.max_drop_pp >= 0)) return Status::Error("the accuracy budget must be >= 0 percentage points");
  for (const quant::CalibrationResult& c : options.clipping) {
    if (c.indices != calibration.indices || c.ranges.size() != calibration.ranges.size()) {
      return Status::Error("the " + c.method + " calibration used other images or another graph than the main one");
    }
  }
  const size_t n = float_graph.ops.size();
  auto out_name = [&](size_t op) { return float_graph.tensors[static_cast<size_t>(float_graph.ops[op].outputs[0])].name; };
  MaxDropResult res;
  LatencyOptions lat;
  lat.min_runs = 100;
  lat.min_seconds = options.latency_seconds;
  lat.max_seconds = 10 * options.latency_seconds;
  lat.kernels = options.sensitivity.kernels;
  OCTET_ASSIGN_OR_RETURN(LatencyStats float_lat, measure_latency(float_graph, lat));
  res.float_us_per_image = float_lat.us_per_image_median;
  OCTET_ASSIGN_OR_RETURN(std::vector<uint8_t> float_bytes, tflite::serialize_tflite(float_graph));
  res.float_file_bytes = static_cast<int64_t>(float_bytes.size());

  // Quantizes and measures one candidate; keeps it as the result when `accept(step)` says so.
  MixedState state{std::vector<bool>(n, false), std::vector<bool>(n, false), std::vector<bool>(n, false),
                   std::vector<int>(float_graph.tensors.size(), -1)};
  std::optional<Progress> progress;
  auto try_state = [&](const MixedState& st, const std::string& change, bool always) -> Result<bool> {
    quant::CalibrationResult calib = calibration;
    nlohmann::json record_extra = options.record_extra;
    for (size_t t = 0; t < st.clip.size(); ++t) {
      if (st.clip[t] < 0) continue;
      const quant::CalibrationResult& alt = options.clipping[static_cast<size_t>(st.clip[t])];
      calib.ranges[t] = alt.ranges[t];
      record_extra["clipping"][float_graph.tensors[t].name] = alt.method;
    }
    quant::QuantizeOptions qo = options.sensitivity.quantize;
    MixedStep step;
    step.change = change;
    for (size_t i = 0; i < n; ++i) {
      if (st.per_channel[i] && !st.keep[i]) qo.per_channel_ops.push_back(out_name(i));
      if (st.int16[i] && !st.keep[i]) qo.int16_ops.push_back(out_name(i));
      if (!st.keep[i]) continue;
      step.kept.push_back(static_cast<int>(i));
      step.kept_names.push_back(out_name(i));
    }
    qo.keep_float = step.kept_names;
    step.per_channel = qo.per_channel_ops;
    step.int16 = qo.int16_ops;
    if (record_extra.contains("clipping")) step.clipping = record_extra["clipping"];
    OCTET_ASSIGN_OR_RETURN(quant::QuantizeResult q, quant::quantize_graph(float_graph, &calib, qo));
    nlohmann::json record = quant::quantization_record(qo, &calibration, record_extra);
    quant::set_quantization_metadata(q.graph, record);
    OCTET_ASSIGN_OR_RETURN(Measured m, measure(float_graph, q.graph, held_out, options.sensitivity, -1));
    OCTET_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, tflite::serialize_tflite(q.graph));
    OCTET_ASSIGN_OR_RETURN(LatencyStats l, measure_latency(q.graph, lat));
    step.accuracy = m.accuracy;
    step.drop_pp = pp(m.float_accuracy) - pp(m.accuracy);
    step.file_bytes = static_cast<int64_t>(bytes.size());
    step.us_per_image = l.us_per_image_median;
    res.sensitivity.float_accuracy = m.float_accuracy;
    res.sensitivity.held_out = held_out.size();
    const bool met = step.drop_pp <= options.max_drop_pp;
    // A ladder rung stays only when it helps; keeping an op float always stays (the greedy search).
    step.accepted = always || met || step.accuracy > res.steps[static_cast<size_t>(res.chosen)].accuracy;
    if (progress) {
      char status[96];
      std::snprintf(status, sizeof status, "drop %.2f pp", step.drop_pp);
      progress->update(static_cast<int64_t>(res.steps.size()), status);
    }
    res.steps.push_back(step);
    if (step.accepted) {
      res.chosen = static_cast<int>(res.steps.size() - 1);
      res.met = met;
      res.graph = std::move(q.graph);
      res.report = std::move(q.report);
      res.record = std::move(record);
      state = st;
    }
    return met;
  };

  OCTET_ASSIGN_OR_RETURN(bool met, try_state(state, "every op int8", true));
  res.sensitivity.int8_accuracy = res.steps[0].accuracy;
  if (met) return res;
  OCTET_ASSIGN_OR_RETURN(res.sensitivity, layer_sensitivity(float_graph, calibration, held_out, options.sensitivity));
  if (options.sensitivity.progress) progress.emplace("max drop", static_cast<int64_t>(n), "steps");
  for (const OpSensitivity& s : res.sensitivity.ops) {
    const size_t i = static_cast<size_t>(s.op_index);
    const runtime::OpType type = float_graph.ops[i].type;
    if (options.ladder && has_weights(type) && !options.sensitivity.quantize.per_channel) {
      MixedState st = state;
      st.per_channel[i] = true;
      OCTET_ASSIGN_OR_RETURN(met, try_state(st, "per-channel weights for " + s.output, false));
      if (met) break;
    }
    if (options.ladder && calibrated_output(type)) {
      bool done = false;
      for (size_t c = 0; c < options.clipping.size() && !done; ++c) {
        MixedState st = state;
        st.clip[static_cast<size_t>(float_graph.ops[i].outputs[0])] = static_cast<int>(c);
        OCTET_ASSIGN_OR_RETURN(done, try_state(st, options.clipping[c].method + " range for " + s.output, false));
      }
      if (done) {
        met = true;
        break;
      }
      // TFLite's 16x8 kernels for this op, its borders with the int8 ops through float32.
      MixedState st = state;
      st.int16[i] = true;
      OCTET_ASSIGN_OR_RETURN(met, try_state(st, "int16 activations for " + s.output, false));
      if (met) break;
    }
    MixedState st = state;
    st.keep[i] = true;
    OCTET_ASSIGN_OR_RETURN(met, try_state(st, "keep " + s.output + " float32", true));
    if (met) break;
  }
  if (progress) progress->finish(res.met ? "within budget" : "budget not met");
  return res;
}

}  // namespace octet::eval
