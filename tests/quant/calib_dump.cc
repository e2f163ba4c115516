// calib_dump MODEL DATA SAMPLES OUTDIR: runs a float .tflite on SAMPLES training images (drawn
// as `octet quantize` draws them, seed 42), writes every activation tensor's values as raw
// float32 (OUTDIR/t<index>.f32, images in order) and OUTDIR/ranges.json with the range each
// octet calibration method picks from exactly those values. tools/ort_calibration_check.py
// feeds the same files to ONNX Runtime's calibrators and compares.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "data/loader.h"
#include "quant/calibrate.h"
#include "quant/observer.h"
#include "runtime/interpreter.h"
#include "tflite/reader.h"

namespace octet {
namespace {

Status run(const std::string& model, const std::string& data_name, int64_t samples, const std::string& out) {
  OCTET_ASSIGN_OR_RETURN(runtime::Graph g, tflite::load_tflite(model));
  OCTET_ASSIGN_OR_RETURN(data::DataSplits splits, data::load_dataset(data_name));
  const data::Dataset& train = splits.train;
  if (samples < 1 || samples > train.size()) {
    return Status::Error("samples must be in 1.." + std::to_string(train.size()) + ", got " + std::to_string(samples));
  }
  const std::vector<int64_t> indices = quant::draw_calibration_indices(train.size(), samples, 42);

  std::vector<int32_t> watched;
  std::vector<bool> seen(g.tensors.size(), false);
  auto watch = [&](int32_t t) {
    if (t < 0 || seen[static_cast<size_t>(t)]) return;
    const runtime::Tensor& info = g.tensors[static_cast<size_t>(t)];
    if (info.is_constant || info.type != runtime::DataType::kFloat32) return;
    seen[static_cast<size_t>(t)] = true;
    watched.push_back(t);
  };
  for (int32_t t : g.inputs) watch(t);
  for (const runtime::Op& op : g.ops) {
    for (int32_t t : op.inputs) watch(t);
    for (int32_t t : op.outputs) watch(t);
  }

  runtime::InterpreterOptions io;
  io.preserve_all_tensors = true;  // one image per call: every dumped chunk has the same shape
  OCTET_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> interp, runtime::Interpreter::create(g, io));
  std::vector<std::vector<float>> values(g.tensors.size());
  std::vector<int64_t> per_image(g.tensors.size(), 0);
  for (int64_t idx : indices) {
    data::to_float(train, &idx, 1, interp->input_f32(0));
    OCTET_RETURN_IF_ERROR(interp->invoke());
    for (int32_t t : watched) {
      const float* p = static_cast<const float*>(interp->tensor_data(t));
      if (p == nullptr) continue;
      int64_t n = 1;
      for (int32_t d : interp->tensor_shape(t)) n *= d;
      per_image[static_cast<size_t>(t)] = n;
      values[static_cast<size_t>(t)].insert(values[static_cast<size_t>(t)].end(), p, p + n);
    }
  }

  std::filesystem::create_directories(out);
  nlohmann::json tensors = nlohmann::json::array();
  for (int32_t t : watched) {
    const std::vector<float>& v = values[static_cast<size_t>(t)];
    if (v.empty()) continue;
    const std::string file = "t" + std::to_string(t) + ".f32";
    OCTET_RETURN_IF_ERROR(write_file_atomic(out + "/" + file, v.data(), v.size() * sizeof(float)));
    nlohmann::json ranges;
    for (const quant::CalibrationMethod& m : quant::calibration_methods()) {
      if (std::string(m.name) == "ema") continue;  // depends on the batching; ORT has no equivalent
      OCTET_ASSIGN_OR_RETURN(std::unique_ptr<quant::Observer> o, quant::make_observer(m.name));
      // One update per image, as the per-image dump is fed to ORT.
      const size_t n = static_cast<size_t>(per_image[static_cast<size_t>(t)]);
      for (int pass = 0; pass < o->passes(); ++pass) {
        if (pass > 0) o->next_pass();
        for (size_t s = 0; s < v.size(); s += n) o->update(std::span<const float>(v).subspan(s, n));
      }
      const quant::ObservedRange r = o->range();
      ranges[m.name] = {r.min, r.max};
    }
    tensors.push_back({{"index", t},
                       {"name", g.tensors[static_cast<size_t>(t)].name},
                       {"per_image", per_image[static_cast<size_t>(t)]},
                       {"images", samples},
                       {"file", file},
                       {"octet", ranges}});
  }
  const nlohmann::json j = {{"model", model}, {"data", splits.name}, {"samples", samples}, {"tensors", tensors}};
  return write_file_atomic(out + "/ranges.json", j.dump(1));
}

}  // namespace
}  // namespace octet

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s MODEL.tflite DATA SAMPLES OUTDIR\n", argv[0]);
    return 2;
  }
  const octet::Status s = octet::run(argv[1], argv[2], std::atoll(argv[3]), argv[4]);
  if (!s.ok()) {
    std::fprintf(stderr, "calib_dump: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
