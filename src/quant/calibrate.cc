#include "quant/calibrate.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/progress.h"
#include "core/rng.h"
#include "quant/qparams.h"
#include "runtime/interpreter.h"

namespace octet::quant {

using runtime::DataType;
using runtime::Graph;

std::vector<int64_t> draw_calibration_indices(int64_t available, int64_t n, uint64_t seed) {
  OCTET_CHECK(n >= 0 && n <= available);
  std::vector<int64_t> all(static_cast<size_t>(available));
  for (int64_t i = 0; i < available; ++i) all[static_cast<size_t>(i)] = i;
  Rng rng(seed);
  // Partial Fisher-Yates: position i receives a uniform pick among the not yet chosen.
  for (int64_t i = 0; i < n; ++i) {
    const int64_t left = available - i;
    const int64_t j = i + static_cast<int64_t>(left > 0xffffffffLL ? rng.next_u64() % static_cast<uint64_t>(left)
                                                                    : rng.below(static_cast<uint32_t>(left)));
    std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(j)]);
  }
  all.resize(static_cast<size_t>(n));
  std::sort(all.begin(), all.end());
  return all;
}

namespace {

std::string shape_string(const std::vector<int32_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

Status check_input_shape(const runtime::Tensor& in, const data::Dataset& d) {
  int64_t per_image = 1;
  for (size_t i = 1; i < in.shape.size(); ++i) per_image *= in.shape[i];
  bool ok = !in.shape.empty() && per_image == d.image_bytes();
  if (ok && in.shape.size() == 4) ok = in.shape[1] == d.height && in.shape[2] == d.width && in.shape[3] == d.channels;
  if (!ok) {
    return Status::Error("the model input '" + in.name + "' has shape " + shape_string(in.shape) +
                         " but the calibration images are " + std::to_string(d.height) + "x" +
                         std::to_string(d.width) + "x" + std::to_string(d.channels));
  }
  return Status::Ok();
}

}  // namespace

Result<CalibrationResult> calibrate(const Graph& graph, const data::Dataset& train, const CalibrationOptions& opt) {
  const double t0 = now_seconds();
  if (graph.inputs.size() != 1) {
    return Status::Error("calibration needs a model with one input, this one has " +
                         std::to_string(graph.inputs.size()));
  }
  const int32_t input = graph.inputs[0];
  const runtime::Tensor& in = graph.tensors[static_cast<size_t>(input)];
  if (in.type != DataType::kFloat32) {
    return Status::Error(std::string("the model input '") + in.name + "' is " + runtime::data_type_name(in.type) +
                         "; calibration needs a float32 model");
  }
  // Validates the method and its options before any image is read.
  OCTET_RETURN_IF_ERROR(make_observer(opt.method, opt.observer).status());
  if (train.size() == 0) return Status::Error("the calibration set is empty (no training images)");
  if (opt.samples < 1) return Status::Error("the number of calibration samples must be at least 1");
  OCTET_RETURN_IF_ERROR(check_input_shape(in, train));

  CalibrationResult result;
  result.method = opt.method;
  result.observer = opt.observer;
  result.seed = opt.seed;
  result.samples_requested = opt.samples;
  int64_t n = opt.samples;
  if (n > train.size()) {
    result.warnings.push_back("asked for " + std::to_string(n) + " calibration samples, only " +
                              std::to_string(train.size()) + " training images exist; using all of them");
    n = train.size();
  }
  result.indices = draw_calibration_indices(train.size(), n, opt.seed);
  result.indices_hash = fnv1a64(result.indices.data(), result.indices.size());

  // The activations: graph inputs and every float32 non-constant op input or output.
  result.ranges.assign(graph.tensors.size(), {});
  std::vector<std::unique_ptr<Observer>> observers(graph.tensors.size());
  std::vector<int32_t> watched;
  auto watch = [&](int32_t t) {
    if (t < 0 || observers[static_cast<size_t>(t)]) return Status::Ok();
    const runtime::Tensor& info = graph.tensors[static_cast<size_t>(t)];
    if (info.is_constant || info.type != DataType::kFloat32) return Status::Ok();
    OCTET_ASSIGN_OR_RETURN(observers[static_cast<size_t>(t)], make_observer(opt.method, opt.observer));
    watched.push_back(t);
    return Status::Ok();
  };
  for (int32_t t : graph.inputs) OCTET_RETURN_IF_ERROR(watch(t));
  for (const runtime::Op& op : graph.ops) {
    for (int32_t t : op.inputs) OCTET_RETURN_IF_ERROR(watch(t));
    for (int32_t t : op.outputs) OCTET_RETURN_IF_ERROR(watch(t));
  }

  const int batch = static_cast<int>(std::min<int64_t>(std::max(opt.batch, 1), n));
  runtime::InterpreterOptions io;
  io.batch = batch;
  io.num_threads = std::max(opt.threads, 1);
  io.preserve_all_tensors = true;  // every intermediate stays readable after invoke
  OCTET_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> interp, runtime::Interpreter::create(graph, io));

  std::vector<std::vector<double>> sums(graph.tensors.size());
  std::vector<int64_t> rows(graph.tensors.size(), 0);
  // Histogram methods see the same batches twice (observer.h).
  int passes = 1;
  for (int32_t t : watched) passes = std::max(passes, observers[static_cast<size_t>(t)]->passes());
  std::unique_ptr<Progress> progress;
  if (opt.progress) progress = std::make_unique<Progress>("calibrate", n * passes, "images");
  for (int pass = 0; pass < passes; ++pass) {
    if (pass > 0) {
      for (int32_t t : watched) observers[static_cast<size_t>(t)]->next_pass();
    }
    for (int64_t start = 0; start < n; start += batch) {
      const int m = static_cast<int>(std::min<int64_t>(batch, n - start));
      if (m != interp->batch()) OCTET_RETURN_IF_ERROR(interp->set_batch(m));
      float* x = interp->input_f32(0);
      data::to_float(train, result.indices.data() + start, m, x);
      const int64_t per_image = train.image_bytes();
      for (int64_t k = 0; k < per_image * m; ++k) {
        if (!std::isfinite(x[k])) {
          return Status::Error("training image " + std::to_string(result.indices[static_cast<size_t>(start + k / per_image)]) +
                               " holds a non-finite value");
        }
      }
      OCTET_RETURN_IF_ERROR(interp->invoke());
      for (int32_t t : watched) {
        const void* p = interp->tensor_data(t);
        if (p == nullptr) continue;  // a tensor no op uses
        int64_t count = 1;
        for (int32_t dim : interp->tensor_shape(t)) count *= dim;
        observers[static_cast<size_t>(t)]->update({static_cast<const float*>(p), static_cast<size_t>(count)});
        const std::vector<int32_t>& shape = interp->tensor_shape(t);
        if (opt.channel_means && pass == 0 && !shape.empty() && shape.back() > 0) {
          const int64_t c = shape.back();
          std::vector<double>& s = sums[static_cast<size_t>(t)];
          s.resize(static_cast<size_t>(c), 0.0);
          const float* v = static_cast<const float*>(p);
          for (int64_t k = 0; k < count; ++k) s[static_cast<size_t>(k % c)] += v[k];
          rows[static_cast<size_t>(t)] += count / c;
        }
      }
      if (progress) progress->update(pass * n + start + m);
    }
  }
  if (progress) progress->finish();

  for (int32_t t : watched) {
    TensorRange& r = result.ranges[static_cast<size_t>(t)];
    r.observed = true;
    r.range = observers[static_cast<size_t>(t)]->range();
    if (rows[static_cast<size_t>(t)] > 0) {
      r.channel_mean = sums[static_cast<size_t>(t)];
      for (double& m : r.channel_mean) m /= static_cast<double>(rows[static_cast<size_t>(t)]);
    }
    const std::string& name = graph.tensors[static_cast<size_t>(t)].name;
    if (r.range.inf_count > 0) {
      return Status::Error("activation '" + name + "' reached +-Inf " + std::to_string(r.range.inf_count) +
                           " times during calibration; the float model overflows");
    }
    if (r.range.nan_count > 0 && r.range.empty()) {
      return Status::Error("activation '" + name + "' held only NaN during calibration");
    }
    if (!r.range.note.empty()) result.warnings.push_back("activation '" + name + "': " + r.range.note);
    if (r.range.nan_count > 0) {
      result.warnings.push_back("activation '" + name + "': " + std::to_string(r.range.nan_count) +
                                " NaN values skipped during calibration");
    }
  }
  result.seconds = now_seconds() - t0;
  return result;
}

}  // namespace octet::quant
