#include "eval/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>

#include "core/progress.h"
#include "runtime/interpreter.h"
#include "runtime/kernels/reference/quantize_ref.h"

namespace octet::eval {

using runtime::DataType;
using runtime::Graph;
using runtime::OpType;

void ErrorStats::add(const float* reference, const float* test, int64_t n) {
  double s = 0, e = 0, m = max_abs;
  for (int64_t i = 0; i < n; ++i) {
    const double r = reference[i];
    const double d = r - static_cast<double>(test[i]);
    s += r * r;
    e += d * d;
    m = std::max(m, std::fabs(d));
  }
  signal_sq += s;
  noise_sq += e;
  max_abs = m;
  count += n;
}

void ErrorStats::merge(const ErrorStats& o) {
  signal_sq += o.signal_sq;
  noise_sq += o.noise_sq;
  max_abs = std::max(max_abs, o.max_abs);
  count += o.count;
}

double ErrorStats::sqnr_db() const {
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  if (noise_sq == 0) return std::numeric_limits<double>::infinity();
  if (signal_sq == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal_sq / noise_sq);
}

double ErrorStats::rms_error() const { return count ? std::sqrt(noise_sq / static_cast<double>(count)) : 0.0; }

double sqnr_db(std::span<const float> reference, std::span<const float> test) {
  ErrorStats s;
  s.add(reference.data(), test.data(), static_cast<int64_t>(std::min(reference.size(), test.size())));
  return s.sqnr_db();
}

Status dequantize_to_float(const runtime::Tensor& info, const std::vector<int32_t>& shape, const void* data,
                           std::vector<float>& out) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  out.resize(static_cast<size_t>(n));
  if (info.type == DataType::kFloat32) {
    std::copy_n(static_cast<const float*>(data), n, out.data());
    return Status::Ok();
  }
  if (info.type == DataType::kFloat16) {
    kernels::f32_from_f16_ref(static_cast<const uint16_t*>(data), out.data(), static_cast<long>(n));
    return Status::Ok();
  }
  auto value = [&](int64_t i) -> double {
    switch (info.type) {
      case DataType::kInt8: return static_cast<const int8_t*>(data)[i];
      case DataType::kUInt8: return static_cast<const uint8_t*>(data)[i];
      case DataType::kInt16: return static_cast<const int16_t*>(data)[i];
      case DataType::kInt32: return static_cast<const int32_t*>(data)[i];
      case DataType::kInt64: return static_cast<double>(static_cast<const int64_t*>(data)[i]);
      default: return 0;
    }
  };
  switch (info.type) {
    case DataType::kInt8:
    case DataType::kUInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64:
      break;
    default:
      return Status::Error(std::string("tensor '") + info.name + "': cannot convert " +
                           runtime::data_type_name(info.type) + " to float");
  }
  const runtime::QuantParams& q = info.quant;
  if (!q.quantized()) {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(value(i));
    return Status::Ok();
  }
  if (q.zero_point.size() != q.scale.size())
    return Status::Error("tensor '" + info.name + "': " + std::to_string(q.scale.size()) + " scales but " +
                         std::to_string(q.zero_point.size()) + " zero points");
  // Per-channel: channel of element i along `axis` is (i / inner) % channels.
  int64_t channels = 1, inner = 1;
  if (q.scale.size() > 1) {
    if (q.axis < 0 || q.axis >= static_cast<int32_t>(shape.size()) ||
        shape[q.axis] != static_cast<int32_t>(q.scale.size()))
      return Status::Error("tensor '" + info.name + "': " + std::to_string(q.scale.size()) +
                           " scales do not fit axis " + std::to_string(q.axis));
    channels = shape[q.axis];
    for (size_t k = q.axis + 1; k < shape.size(); ++k) inner *= shape[k];
  }
  for (int64_t i = 0; i < n; ++i) {
    const size_t c = channels > 1 ? static_cast<size_t>((i / inner) % channels) : 0;
    // real = S * (q - Z): the float32 product DEQUANTIZE computes for 8-bit values.
    out[i] = q.scale[c] * static_cast<float>(value(i) - static_cast<double>(q.zero_point[c]));
  }
  return Status::Ok();
}

namespace {

bool is_boundary(OpType t) { return t == OpType::kQuantize || t == OpType::kDequantize; }

// Index of the op producing each tensor (-1 if none).
std::vector<int> producers(const Graph& g) {
  std::vector<int> p(g.tensors.size(), -1);
  for (size_t i = 0; i < g.ops.size(); ++i)
    for (int32_t t : g.ops[i].outputs)
      if (t >= 0 && t < static_cast<int32_t>(p.size())) p[t] = static_cast<int>(i);
  return p;
}

}  // namespace

std::vector<TensorMatch> match_tensors(const Graph& reference, const Graph& test) {
  std::vector<TensorMatch> matches;
  if (reference.inputs.empty() || test.inputs.empty()) return matches;

  std::map<std::string, int32_t> test_by_name;
  for (size_t t = 0; t < test.tensors.size(); ++t)
    if (!test.tensors[t].is_constant && !test.tensors[t].name.empty())
      test_by_name.emplace(test.tensors[t].name, static_cast<int32_t>(t));
  const std::vector<int> test_producer = producers(test);

  // Input: by name, else the test graph's input.
  {
    TensorMatch m;
    m.reference_tensor = reference.inputs[0];
    auto it = test_by_name.find(reference.tensors[m.reference_tensor].name);
    m.by_name = it != test_by_name.end();
    m.test_tensor = m.by_name ? it->second : test.inputs[0];
    matches.push_back(m);
  }

  std::vector<bool> claimed(test.ops.size(), false);
  size_t next = 0;  // positional pointer into test.ops: pairs keep execution order
  for (size_t i = 0; i < reference.ops.size(); ++i) {
    const runtime::Op& op = reference.ops[i];
    if (is_boundary(op.type) || op.outputs.empty()) continue;
    TensorMatch m;
    m.reference_tensor = op.outputs[0];
    m.reference_op = static_cast<int32_t>(i);
    auto it = test_by_name.find(reference.tensors[m.reference_tensor].name);
    if (it != test_by_name.end() && test_producer[it->second] >= 0 && !claimed[test_producer[it->second]]) {
      m.test_tensor = it->second;
      m.by_name = true;
      const size_t j = static_cast<size_t>(test_producer[it->second]);
      claimed[j] = true;
      next = std::max(next, j + 1);
      matches.push_back(m);
      continue;
    }
    for (size_t j = next; j < test.ops.size(); ++j) {
      if (claimed[j] || test.ops[j].type != op.type || test.ops[j].outputs.empty()) continue;
      m.test_tensor = test.ops[j].outputs[0];
      claimed[j] = true;
      next = j + 1;
      matches.push_back(m);
      break;
    }
  }
  return matches;
}

namespace {

// Writes n images into an interpreter input: floats in [0,1], quantized for integer inputs with the
// arithmetic of TFLite's reference QUANTIZE (float division, round half away from zero, clamp).
Status fill_input(const runtime::Tensor& info, void* dst, const std::vector<float>& x) {
  switch (info.type) {
    case DataType::kFloat32:
      std::copy(x.begin(), x.end(), static_cast<float*>(dst));
      return Status::Ok();
    case DataType::kInt8:
    case DataType::kUInt8: {
      if (info.quant.scale.size() != 1 || !(info.quant.scale[0] > 0))
        return Status::Error("the model input is integer but has no valid per-tensor scale");
      const float s = info.quant.scale[0];
      const int64_t z = info.quant.zero_point.empty() ? 0 : info.quant.zero_point[0];
      const bool is_signed = info.type == DataType::kInt8;
      const int64_t lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
      for (size_t i = 0; i < x.size(); ++i) {
        const int64_t q = std::clamp<int64_t>(static_cast<int64_t>(std::round(x[i] / s)) + z, lo, hi);
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

std::string shape_text(const std::vector<int32_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ',';
    r += std::to_string(s[i]);
  }
  r += ']';
  return r;
}

int64_t per_sample(const std::vector<int32_t>& runtime_shape, int batch) {
  int64_t n = 1;
  for (int32_t v : runtime_shape) n *= v;
  return batch > 0 ? n / batch : n;
}

Status check_graph(const Graph& g, const data::Dataset& d) {
  if (g.inputs.size() != 1 || g.outputs.size() != 1)
    return Status::Error("needs a model with one input and one output");
  const runtime::Tensor& in = g.tensors[g.inputs[0]];
  if (in.shape.size() != 4 || in.shape[1] != d.height || in.shape[2] != d.width || in.shape[3] != d.channels)
    return Status::Error("the model expects input " + shape_text(in.shape) + " but the images are " +
                         std::to_string(d.height) + "x" + std::to_string(d.width) + "x" + std::to_string(d.channels));
  return Status::Ok();
}

// After prepare, when the output's runtime shape is known.
Status check_output(const runtime::Interpreter& interp, const data::Dataset& d) {
  const std::vector<int32_t>& s = interp.output_shape(0);
  if (s.size() < 2 || s.back() < d.num_classes() || per_sample(s, interp.batch()) != s.back())
    return Status::Error("the model output " + shape_text(s) + " is not one row of at least " +
                         std::to_string(d.num_classes()) + " class scores per image");
  return Status::Ok();
}

}  // namespace

Result<CompareResult> compare_graphs(const Graph& reference, const Graph& test, const data::Dataset& d,
                                     const CompareOptions& options) {
  if (Status s = check_graph(reference, d); !s.ok()) return s.with_context("reference model");
  if (Status s = check_graph(test, d); !s.ok()) return s.with_context("test model");
  const int64_t n = options.samples > 0 ? std::min<int64_t>(options.samples, d.size()) : d.size();
  if (n == 0) return Status::Error("the dataset split has no images");
  const int batch = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(options.batch, n)));

  runtime::InterpreterOptions io;
  io.num_threads = std::max(1, options.threads);
  io.batch = batch;
  io.preserve_all_tensors = true;
  io.kernels = options.kernels;
  auto ref_or = runtime::Interpreter::create(reference, io);
  if (!ref_or.ok()) return ref_or.status().with_context("reference model: octet's interpreter cannot run it");
  auto test_or = runtime::Interpreter::create(test, io);
  if (!test_or.ok()) return test_or.status().with_context("test model: octet's interpreter cannot run it");
  std::unique_ptr<runtime::Interpreter> ri = std::move(ref_or).value();
  std::unique_ptr<runtime::Interpreter> ti = std::move(test_or).value();
  if (Status s = check_output(*ri, d); !s.ok()) return s.with_context("reference model");
  if (Status s = check_output(*ti, d); !s.ok()) return s.with_context("test model");

  CompareResult result;
  result.samples = n;
  const std::vector<TensorMatch> matches = match_tensors(reference, test);
  for (const TensorMatch& m : matches) {
    LayerComparison l;
    const runtime::Tensor& rt = reference.tensors[m.reference_tensor];
    const runtime::Tensor& tt = test.tensors[m.test_tensor];
    l.name = rt.name;
    l.op = m.reference_op < 0 ? "input" : runtime::op_type_name(reference.ops[m.reference_op].type);
    l.test_name = tt.name;
    l.by_name = m.by_name;
    l.reference_type = runtime::data_type_name(rt.type);
    l.test_type = runtime::data_type_name(tt.type);
    l.shape = ri->tensor_shape(m.reference_tensor);
    if (!l.shape.empty()) l.shape[0] = 1;  // runtime shape at batch 1
    if (per_sample(ri->tensor_shape(m.reference_tensor), batch) != per_sample(ti->tensor_shape(m.test_tensor), batch))
      l.note = "element counts differ (" + shape_text(ri->tensor_shape(m.reference_tensor)) + " vs " +
               shape_text(ti->tensor_shape(m.test_tensor)) + ")";
    result.layers.push_back(std::move(l));
  }

  const runtime::Tensor& r_out = reference.tensors[reference.outputs[0]];
  const runtime::Tensor& t_out = test.tensors[test.outputs[0]];
  const int classes = d.num_classes();
  std::vector<int64_t> idx(batch);
  std::vector<float> x, a, b;
  std::optional<Progress> progress;
  if (options.progress) progress.emplace("comparing", n, "images");
  for (int64_t begin = 0; begin < n; begin += batch) {
    const int cur = static_cast<int>(std::min<int64_t>(batch, n - begin));
    if (cur != ri->batch()) {
      OCTET_RETURN_IF_ERROR(ri->set_batch(cur).with_context("reference model"));
      OCTET_RETURN_IF_ERROR(ti->set_batch(cur).with_context("test model"));
    }
    for (int i = 0; i < cur; ++i) idx[i] = begin + i;
    x.resize(static_cast<size_t>(cur * d.image_bytes()));
    data::to_float(d, idx.data(), cur, x.data());
    OCTET_RETURN_IF_ERROR(fill_input(ri->input_info(0), ri->input_data(0), x).with_context("reference model"));
    OCTET_RETURN_IF_ERROR(fill_input(ti->input_info(0), ti->input_data(0), x).with_context("test model"));
    OCTET_RETURN_IF_ERROR(ri->invoke().with_context("reference model"));
    OCTET_RETURN_IF_ERROR(ti->invoke().with_context("test model"));

    for (size_t k = 0; k < matches.size(); ++k) {
      LayerComparison& l = result.layers[k];
      if (!l.note.empty()) continue;
      const TensorMatch& m = matches[k];
      const void* rd = ri->tensor_data(m.reference_tensor);
      const void* td = ti->tensor_data(m.test_tensor);
      if (!rd || !td) {
        l.note = "tensor not available after invoke";
        continue;
      }
      OCTET_RETURN_IF_ERROR(dequantize_to_float(reference.tensors[m.reference_tensor],
                                                ri->tensor_shape(m.reference_tensor), rd, a));
      OCTET_RETURN_IF_ERROR(dequantize_to_float(test.tensors[m.test_tensor], ti->tensor_shape(m.test_tensor), td, b));
      l.stats.add(a.data(), b.data(), static_cast<int64_t>(std::min(a.size(), b.size())));
    }

    OCTET_RETURN_IF_ERROR(dequantize_to_float(r_out, ri->output_shape(0), ri->output_data(0), a));
    OCTET_RETURN_IF_ERROR(dequantize_to_float(t_out, ti->output_shape(0), ti->output_data(0), b));
    const int64_t ra = static_cast<int64_t>(a.size()) / cur, tb = static_cast<int64_t>(b.size()) / cur;
    for (int i = 0; i < cur; ++i) {
      const float* pa = a.data() + i * ra;
      const float* pb = b.data() + i * tb;
      const int top_a = static_cast<int>(std::max_element(pa, pa + classes) - pa);
      const int top_b = static_cast<int>(std::max_element(pb, pb + classes) - pb);
      const int label = d.labels[begin + i];
      result.top1_agree += top_a == top_b;
      result.reference_correct += top_a == label;
      result.test_correct += top_b == label;
    }
    if (progress) progress->update(begin + cur);
  }
  if (progress) progress->finish();
  return result;
}

}  // namespace octet::eval
