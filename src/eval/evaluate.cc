#include "eval/evaluate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/progress.h"
#include "data/loader.h"
#include "runtime/interpreter.h"

namespace octet::eval {

namespace {

// Writes n images (scaled to [0,1]) into the interpreter's input, quantizing when the input is integer.
Status fill_input(const runtime::Tensor& info, void* dst, const data::Dataset& d, const int64_t* idx, int n,
                  std::vector<float>& scratch) {
  const int64_t per_image = d.image_bytes();
  scratch.resize(static_cast<size_t>(n * per_image));
  data::to_float(d, idx, n, scratch.data());
  switch (info.type) {
    case runtime::DataType::kFloat32:
      std::copy(scratch.begin(), scratch.end(), static_cast<float*>(dst));
      return Status::Ok();
    case runtime::DataType::kInt8:
    case runtime::DataType::kUInt8: {
      if (info.quant.scale.size() != 1 || !(info.quant.scale[0] > 0))
        return Status::Error("the model input is integer but has no valid scale");
      const float s = info.quant.scale[0];
      const int64_t z = info.quant.zero_point.empty() ? 0 : info.quant.zero_point[0];
      const bool is_signed = info.type == runtime::DataType::kInt8;
      const int lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
      for (size_t i = 0; i < scratch.size(); ++i) {
        // Same arithmetic as TFLite's reference QUANTIZE: float division, round half away from zero.
        int64_t q = static_cast<int64_t>(std::round(scratch[i] / s)) + z;
        q = std::clamp<int64_t>(q, lo, hi);
        if (is_signed) {
          static_cast<int8_t*>(dst)[i] = static_cast<int8_t>(q);
        } else {
          static_cast<uint8_t*>(dst)[i] = static_cast<uint8_t>(q);
        }
      }
      return Status::Ok();
    }
    default:
      return Status::Error(std::string("unsupported model input type ") + runtime::data_type_name(info.type));
  }
}

// Value of output element i as a float (dequantized when the output is integer).
float output_value(const runtime::Tensor& info, const void* out, int64_t i) {
  switch (info.type) {
    case runtime::DataType::kInt8:
      return info.quant.scale.empty() ? static_cast<const int8_t*>(out)[i]
                                      : info.quant.scale[0] * static_cast<float>(static_cast<const int8_t*>(out)[i] -
                                                                                 info.quant.zero_point[0]);
    case runtime::DataType::kUInt8:
      return info.quant.scale.empty() ? static_cast<const uint8_t*>(out)[i]
                                      : info.quant.scale[0] * static_cast<float>(static_cast<const uint8_t*>(out)[i] -
                                                                                 info.quant.zero_point[0]);
    default:
      return static_cast<const float*>(out)[i];
  }
}

}  // namespace

double EvalResult::class_accuracy(int c) const {
  int64_t total = 0;
  for (int p = 0; p < num_classes; ++p) total += confusion[static_cast<size_t>(c) * num_classes + p];
  return total ? static_cast<double>(confusion[static_cast<size_t>(c) * num_classes + c]) / total : 0.0;
}

Result<EvalResult> evaluate_graph(const runtime::Graph& graph, const data::Dataset& d, const EvalOptions& options,
                                  EvalCapture* capture) {
  if (graph.inputs.size() != 1 || graph.outputs.size() != 1)
    return Status::Error("evaluation needs a model with one input and one output");
  const runtime::Tensor& in_info = graph.tensors[graph.inputs[0]];
  const runtime::Tensor& out_info = graph.tensors[graph.outputs[0]];
  if (in_info.shape.size() != 4 || in_info.shape[1] != d.height || in_info.shape[2] != d.width ||
      in_info.shape[3] != d.channels) {
    std::string s;
    for (int32_t v : in_info.shape) s += (s.empty() ? "" : "x") + std::to_string(v);
    return Status::Error("the model expects input " + s + " but the images are " + std::to_string(d.height) + "x" +
                         std::to_string(d.width) + "x" + std::to_string(d.channels));
  }
  const int classes = out_info.shape.empty() ? 0 : out_info.shape.back();
  if (classes < d.num_classes())
    return Status::Error("the model has " + std::to_string(classes) + " outputs but the dataset has " +
                         std::to_string(d.num_classes()) + " classes");

  const int64_t n = options.limit > 0 ? std::min<int64_t>(options.limit, d.size()) : d.size();
  const int batch = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(options.batch, n)));
  runtime::InterpreterOptions io;
  io.num_threads = options.threads;
  io.batch = batch;
  io.fc_requant = options.fc_requant;
  io.kernels = options.kernels;
  OCTET_ASSIGN_OR_RETURN(auto interp, runtime::Interpreter::create(graph, io));

  EvalResult r;
  r.samples = n;
  r.num_classes = classes;
  r.predictions.resize(n);
  r.confidence.resize(n);
  r.confusion.assign(static_cast<size_t>(classes) * classes, 0);
  std::vector<int64_t> idx(batch);
  std::vector<float> scratch;
  Progress progress("evaluating", n, "images");
  for (int64_t begin = 0; begin < n; begin += batch) {
    const int cur = static_cast<int>(std::min<int64_t>(batch, n - begin));
    if (cur != batch) OCTET_RETURN_IF_ERROR(interp->set_batch(cur));
    for (int i = 0; i < cur; ++i) idx[i] = begin + i;
    OCTET_RETURN_IF_ERROR(fill_input(in_info, interp->input_data(0), d, idx.data(), cur, scratch));
    const int64_t in_bytes = static_cast<int64_t>(cur) * d.image_bytes() * runtime::element_size(in_info.type);
    const int64_t out_bytes = static_cast<int64_t>(cur) * classes * runtime::element_size(out_info.type);
    if (capture && capture->inputs) {
      const auto* p = static_cast<const uint8_t*>(interp->input_data(0));
      capture->input_bytes.insert(capture->input_bytes.end(), p, p + in_bytes);
    }
    double t0 = now_seconds();
    OCTET_RETURN_IF_ERROR(interp->invoke());
    r.inference_seconds += now_seconds() - t0;
    const void* out = interp->output_data(0);
    if (capture && capture->outputs) {
      const auto* p = static_cast<const uint8_t*>(out);
      capture->output_bytes.insert(capture->output_bytes.end(), p, p + out_bytes);
    }
    for (int i = 0; i < cur; ++i) {
      int best = 0;
      float best_v = output_value(out_info, out, static_cast<int64_t>(i) * classes);
      r.non_finite_outputs += !std::isfinite(best_v);
      for (int c = 1; c < classes; ++c) {
        float v = output_value(out_info, out, static_cast<int64_t>(i) * classes + c);
        r.non_finite_outputs += !std::isfinite(v);
        if (v > best_v) best_v = v, best = c;
      }
      const int label = d.labels[begin + i];
      r.predictions[begin + i] = static_cast<uint8_t>(best);
      r.confidence[begin + i] = best_v;
      r.correct += best == label;
      r.confusion[static_cast<size_t>(label) * classes + best]++;
    }
    progress.update(begin + cur);
  }
  progress.finish();
  return r;
}

std::string format_confusion(const EvalResult& r, const std::vector<std::string>& names) {
  const int k = r.num_classes;
  size_t w = 5;
  for (int c = 0; c < k; ++c) w = std::max(w, (c < static_cast<int>(names.size()) ? names[c] : std::to_string(c)).size());
  auto name = [&](int c) { return c < static_cast<int>(names.size()) ? names[c] : std::to_string(c); };
  std::string out;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%-*s", static_cast<int>(w), "true\\pred");
  out += buf;
  for (int c = 0; c < k; ++c) {
    std::snprintf(buf, sizeof buf, " %6.6s", name(c).c_str());
    out += buf;
  }
  out += "\n";
  for (int t = 0; t < k; ++t) {
    std::snprintf(buf, sizeof buf, "%-*s", static_cast<int>(w), name(t).c_str());
    out += buf;
    for (int p = 0; p < k; ++p) {
      std::snprintf(buf, sizeof buf, " %6lld", static_cast<long long>(r.confusion[static_cast<size_t>(t) * k + p]));
      out += buf;
    }
    out += "\n";
  }
  return out;
}

}  // namespace octet::eval
