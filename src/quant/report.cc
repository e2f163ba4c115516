// Text and JSON forms of a QuantizeReport (declared in quantize.h).
#include <cstdarg>
#include <cstdio>

#include "quant/quantize.h"

namespace octet::quant {

namespace {

std::string printf_string(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string printf_string(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

std::string what_quantized(const LayerReport& l) {
  if (l.kept_float) return l.weights.empty() ? "kept float32" : "kept float32 (w float32, b " + l.bias_quant + ")";
  std::string s;
  if (!l.weights_quant.empty()) {
    s = "w " + l.weights_quant;
    if (l.weights_quant.rfind("int8", 0) == 0) {
      s += printf_string(" S %.3g..%.3g", static_cast<double>(l.weight_scale_min),
                         static_cast<double>(l.weight_scale_max));
    }
    if (!l.bias_quant.empty()) s += ", b " + l.bias_quant;
  }
  return s;
}

}  // namespace

std::string format_report(const QuantizeReport& r) {
  std::string out = printf_string("quantize: mode %s", mode_name(r.mode));
  if (r.mode != Mode::kFloat16) out += r.per_channel ? ", per-channel weights" : ", per-tensor weights";
  if (r.mode == Mode::kInt8) out += std::string(", ") + io_name(r.io) + " model I/O";
  out += "\n";
  const bool int8 = is_calibrated(r.mode);  // activation parameters to show (int8 or int16x8)
  if (int8) {
    out += printf_string("  %-3s %-18s %-28s %11s %11s %12s %5s %-10s %s\n", "op", "type", "output", "min", "max",
                         "scale", "zp", "params", "weights");
  } else {
    out += printf_string("  %-3s %-18s %-28s %s\n", "op", "type", "output", "weights");
  }
  for (const LayerReport& l : r.layers) {
    const std::string idx = l.op_index < 0 ? "-" : std::to_string(l.op_index);
    if (int8 && l.has_output_params) {
      out += printf_string("  %-3s %-18s %-28s %11.5g %11.5g %12.6g %5d %-10s %s\n", idx.c_str(), l.op.c_str(),
                           l.output.c_str(), static_cast<double>(l.min), static_cast<double>(l.max),
                           static_cast<double>(l.scale), l.zero_point, l.params_from.c_str(),
                           what_quantized(l).c_str());
    } else {
      out += printf_string("  %-3s %-18s %-28s %s\n", idx.c_str(), l.op.c_str(), l.output.c_str(),
                           what_quantized(l).c_str());
    }
  }
  out += printf_string("  constants: %lld bytes float32 -> %lld bytes (%lld tensors converted, %lld weight tensors kept float)\n",
                       static_cast<long long>(r.float_constant_bytes), static_cast<long long>(r.quantized_constant_bytes),
                       static_cast<long long>(r.weights_quantized), static_cast<long long>(r.weights_kept_float));
  for (const std::string& w : r.warnings) out += "  warning: " + w + "\n";
  return out;
}

nlohmann::json report_json(const QuantizeReport& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerReport& l : r.layers) {
    nlohmann::json j = {{"op_index", l.op_index}, {"op", l.op}, {"output", l.output}};
    if (l.has_output_params) {
      j["min"] = l.min;
      j["max"] = l.max;
      j["scale"] = l.scale;
      j["zero_point"] = l.zero_point;
      j["params_from"] = l.params_from;
    }
    if (!l.weights.empty()) {
      j["weights"] = l.weights;
      j["weights_quantization"] = l.weights_quant;
      if (l.weights_quant.rfind("int8", 0) == 0) {
        j["weight_scale_min"] = l.weight_scale_min;
        j["weight_scale_max"] = l.weight_scale_max;
      }
      j["bias"] = l.bias_quant;
    }
    if (l.kept_float) j["kept_float"] = true;
    if (!l.notes.empty()) j["notes"] = l.notes;
    layers.push_back(std::move(j));
  }
  nlohmann::json j = {{"mode", mode_name(r.mode)},
                      {"per_channel", r.per_channel},
                      {"layers", layers},
                      {"warnings", r.warnings},
                      {"float_constant_bytes", r.float_constant_bytes},
                      {"quantized_constant_bytes", r.quantized_constant_bytes},
                      {"weights_quantized", r.weights_quantized},
                      {"weights_kept_float", r.weights_kept_float}};
  if (r.mode == Mode::kInt8) j["io"] = io_name(r.io);
  return j;
}

}  // namespace octet::quant
