#include "experiment/spec.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/file_io.h"
#include "core/json_depth.h"
#include "data/loader.h"
#include "experiment/builtin_experiments.h"
#include "nn/model.h"
#include "quant/observer.h"

namespace octet::experiment {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// Reads one JSON object field by field; every error names the origin and the key path
// ("experiments/x.json: key \"quantize.samples\": expected an integer >= 1").
class Reader {
 public:
  Reader(const json& j, std::string origin, std::string path) : j_(j), origin_(std::move(origin)), path_(std::move(path)) {}

  // Errors for keys not in `known`.
  Status only(std::initializer_list<const char*> known) const {
    if (!j_.is_object()) return error("", "expected a JSON object");
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; });
      if (!ok) {
        std::string list;
        for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        return error(it.key(), "unknown key (known: " + list + ")");
      }
    }
    return Status::Ok();
  }
  bool has(const char* key) const { return j_.contains(key); }
  const json& at(const char* key) const { return j_.at(key); }
  Reader child(const char* key) const { return Reader(j_.at(key), origin_, full(key)); }

  Status error(const std::string& key, const std::string& what) const {
    std::string k = full(key);
    return Status::Error(origin_ + (k.empty() ? "" : ": key \"" + k + "\"") + ": " + what);
  }

  Status get(const char* key, std::string& out, bool required = false) const {
    if (!has(key)) return required ? error(key, "missing") : Status::Ok();
    if (!at(key).is_string() || at(key).get<std::string>().empty()) return error(key, "expected a non-empty string");
    out = at(key).get<std::string>();
    return Status::Ok();
  }
  Status get(const char* key, bool& out) const {
    if (!has(key)) return Status::Ok();
    if (!at(key).is_boolean()) return error(key, "expected true or false");
    out = at(key).get<bool>();
    return Status::Ok();
  }
  template <typename Int>
  Status get_int(const char* key, Int& out, int64_t lo, int64_t hi) const {
    if (!has(key)) return Status::Ok();
    const json& v = at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
      return error(key, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = static_cast<Int>(v.get<int64_t>());
    return Status::Ok();
  }
  Status get_seed(const char* key, uint64_t& out) const {
    if (!has(key)) return Status::Ok();
    if (!at(key).is_number_unsigned()) return error(key, "expected a non-negative integer");
    out = at(key).get<uint64_t>();
    return Status::Ok();
  }
  // A number in (lo, hi] when lo_open, else [lo, hi].
  template <typename Real>
  Status get_real(const char* key, Real& out, double lo, double hi, bool lo_open) const {
    if (!has(key)) return Status::Ok();
    const json& v = at(key);
    if (!v.is_number()) return error(key, "expected a number");
    double d = v.get<double>();
    if ((lo_open ? d <= lo : d < lo) || d > hi)
      return error(key, "expected a number in " + std::string(lo_open ? "(" : "[") + std::to_string(lo) + ", " +
                            std::to_string(hi) + "]");
    out = static_cast<Real>(d);
    return Status::Ok();
  }
  Status get_choice(const char* key, std::string& out, std::initializer_list<const char*> choices) const {
    if (!has(key)) return Status::Ok();
    std::string s;
    OCTET_RETURN_IF_ERROR(get(key, s));
    std::string list;
    for (const char* c : choices) {
      if (s == c) {
        out = s;
        return Status::Ok();
      }
      list += (list.empty() ? "" : ", ") + std::string(c);
    }
    return error(key, "unknown value \"" + s + "\" (expected one of: " + list + ")");
  }

  const std::string& origin() const { return origin_; }
  std::string full(const std::string& key) const { return path_.empty() ? key : key.empty() ? path_ : path_ + "." + key; }

 private:
  const json& j_;
  std::string origin_, path_;
};

// A model or dataset named in a spec: a built-in name, else a path (relative to the spec file).
std::string resolve_path(const std::string& value, const std::string& spec_dir) {
  fs::path p(value);
  if (p.is_relative() && !spec_dir.empty()) return (fs::path(spec_dir) / p).lexically_normal().string();
  return value;
}

Status parse_models(const Reader& r, const std::string& spec_dir, std::vector<ModelEntry>& out) {
  if (!r.has("models")) return r.error("models", "missing");
  const json& arr = r.at("models");
  if (!arr.is_array() || arr.empty()) return r.error("models", "expected a non-empty array of objects");
  const std::vector<std::string> builtin = nn::Model::builtin_names();
  for (size_t i = 0; i < arr.size(); ++i) {
    Reader m(arr[i], r.origin(), "models[" + std::to_string(i) + "]");
    OCTET_RETURN_IF_ERROR(m.only({"model", "data", "epochs"}));
    ModelEntry e;
    OCTET_RETURN_IF_ERROR(m.get("model", e.model, /*required=*/true));
    OCTET_RETURN_IF_ERROR(m.get("data", e.data, /*required=*/true));
    OCTET_RETURN_IF_ERROR(m.get_int("epochs", e.epochs, 1, 100000));
    if (std::find(builtin.begin(), builtin.end(), e.model) == builtin.end()) {
      std::string path = resolve_path(e.model, spec_dir);
      std::error_code ec;  // the throwing overloads abort on e.g. a name too long for the file system
      if (!fs::is_regular_file(path, ec)) {
        std::string known;
        for (const auto& n : builtin) known += (known.empty() ? "" : ", ") + n;
        return m.error("model", "\"" + e.model + "\" is neither a built-in model (" + known + ") nor a spec file");
      }
      e.model = path;
      e.label = fs::path(path).stem().string();
    } else {
      e.label = e.model;
    }
    if (!data::is_builtin_dataset(e.data)) {
      std::string path = resolve_path(e.data, spec_dir);
      std::error_code ec;
      if (!fs::exists(path, ec))
        return m.error("data", "\"" + e.data + "\" is neither a built-in dataset (mnist, cifar10) nor an existing path");
      e.data = path;
    }
    for (const ModelEntry& prev : out) {
      // The label names the output files, so it must be unique.
      if (prev.label == e.label) return m.error("model", "\"" + e.label + "\" is listed twice");
    }
    out.push_back(std::move(e));
  }
  return Status::Ok();
}

Status parse_precisions(const Reader& r, std::vector<std::string>& out) {
  if (!r.has("precisions")) return r.error("precisions", "missing");
  const json& arr = r.at("precisions");
  if (!arr.is_array() || arr.empty()) return r.error("precisions", "expected a non-empty array of strings");
  static const std::vector<std::string> kOrder = {"float32", "dynamic", "int8"};
  std::set<std::string> seen;
  for (const json& v : arr) {
    if (!v.is_string() || std::find(kOrder.begin(), kOrder.end(), v.get<std::string>()) == kOrder.end())
      return r.error("precisions", "unknown precision " + v.dump() + " (expected float32, dynamic, int8)");
    if (!seen.insert(v.get<std::string>()).second) return r.error("precisions", v.dump() + " is listed twice");
  }
  // float32 is always trained and is the reference every quantized model is compared with.
  if (!seen.count("float32")) return r.error("precisions", "must include \"float32\" (the reference)");
  for (const std::string& p : kOrder)
    if (seen.count(p)) out.push_back(p);
  return Status::Ok();
}

// A non-empty array of distinct bit widths in 2..8, kept in the order given.
Status parse_bits(const Reader& r, const char* key, std::vector<int>& out) {
  const json& arr = r.at(key);
  if (!arr.is_array() || arr.empty()) return r.error(key, "expected a non-empty array of integers in [2, 8]");
  for (const json& v : arr) {
    if (!v.is_number_integer() || v.get<int64_t>() < 2 || v.get<int64_t>() > 8)
      return r.error(key, "bits " + v.dump() + " out of range (expected integers in [2, 8])");
    const int b = v.get<int>();
    if (std::find(out.begin(), out.end(), b) != out.end()) return r.error(key, v.dump() + " is listed twice");
    out.push_back(b);
  }
  return Status::Ok();
}

Status parse_sweep(const Reader& r, SweepSettings& out) {
  OCTET_RETURN_IF_ERROR(r.only({"bits", "calibration", "apply_to", "max_drop_pp"}));
  if (!r.has("bits")) return r.error("bits", "missing");
  OCTET_RETURN_IF_ERROR(parse_bits(r, "bits", out.bits));
  if (!r.has("calibration")) return r.error("calibration", "missing");
  const json& arr = r.at("calibration");
  if (!arr.is_array() || arr.empty()) return r.error("calibration", "expected a non-empty array of method names");
  for (const json& v : arr) {
    if (!v.is_string() || !quant::is_calibration_method(v.get<std::string>()))
      return r.error("calibration", "unknown method " + v.dump() + " (expected one of: " + quant::calibration_method_list() + ")");
    if (std::find(out.calibration.begin(), out.calibration.end(), v.get<std::string>()) != out.calibration.end())
      return r.error("calibration", v.dump() + " is listed twice");
    out.calibration.push_back(v.get<std::string>());
  }
  OCTET_RETURN_IF_ERROR(r.get_choice("apply_to", out.apply_to, {"weights+activations", "weights", "activations"}));
  OCTET_RETURN_IF_ERROR(r.get_real("max_drop_pp", out.max_drop_pp, 0.0, 100.0, /*lo_open=*/false));
  return Status::Ok();
}

Status parse_qat(const Reader& r, QatSettings& out) {
  OCTET_RETURN_IF_ERROR(r.only({"bits", "epochs", "lr", "control"}));
  if (!r.has("bits")) return r.error("bits", "missing");
  OCTET_RETURN_IF_ERROR(parse_bits(r, "bits", out.bits));
  OCTET_RETURN_IF_ERROR(r.get_int("epochs", out.epochs, 1, 100000));
  OCTET_RETURN_IF_ERROR(r.get_real("lr", out.lr, 0.0, 10.0, /*lo_open=*/true));
  OCTET_RETURN_IF_ERROR(r.get("control", out.control));
  return Status::Ok();
}

}  // namespace

Result<Spec> parse_spec(const json& j, const std::string& origin) {
  Reader r(j, origin, "");
  OCTET_RETURN_IF_ERROR(r.only({"name", "title", "seed", "models", "precisions", "train", "quantize", "test_samples",
                               "latency", "compare_samples", "predictions_grid", "seeds_table", "sweep", "qat", "sensitivity",
                               "quick"}));
  Spec s;
  s.origin = origin;
  s.json = j;
  const bool is_file = origin.rfind("built-in ", 0) != 0;
  const std::string spec_dir = is_file ? fs::path(origin).parent_path().string() : "";
  OCTET_RETURN_IF_ERROR(r.get("name", s.name, /*required=*/true));
  for (char c : s.name) {
    // The name becomes the output folder: keep it a plain file name.
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
      return r.error("name", "\"" + s.name + "\" may only contain letters, digits, '_' and '-'");
  }
  if (s.name == "all") return r.error("name", "\"all\" is reserved (it runs every shipped experiment)");
  OCTET_RETURN_IF_ERROR(r.get("title", s.title));
  OCTET_RETURN_IF_ERROR(r.get_seed("seed", s.seed));
  OCTET_RETURN_IF_ERROR(parse_models(r, spec_dir, s.models));
  OCTET_RETURN_IF_ERROR(parse_precisions(r, s.precisions));
  if (r.has("train")) {
    Reader t = r.child("train");
    OCTET_RETURN_IF_ERROR(t.only({"batch", "lr", "optimizer", "validation", "precise_bn_batches", "samples"}));
    OCTET_RETURN_IF_ERROR(t.get_int("batch", s.train.batch, 1, 65536));
    OCTET_RETURN_IF_ERROR(t.get_real("lr", s.train.lr, 0.0, 10.0, /*lo_open=*/true));
    OCTET_RETURN_IF_ERROR(t.get_choice("optimizer", s.train.optimizer, {"adam", "sgd"}));
    OCTET_RETURN_IF_ERROR(t.get_real("validation", s.train.validation, 0.0, 0.99, /*lo_open=*/false));
    OCTET_RETURN_IF_ERROR(t.get_int("precise_bn_batches", s.train.precise_bn_batches, 0, 100000));
    OCTET_RETURN_IF_ERROR(t.get_int("samples", s.train.samples, 0, int64_t{1} << 40));
  }
  if (r.has("quantize")) {
    Reader q = r.child("quantize");
    OCTET_RETURN_IF_ERROR(q.only({"calibration", "samples", "io", "per_channel"}));
    OCTET_RETURN_IF_ERROR(q.get_choice("calibration", s.quantize.calibration, {"minmax"}));
    OCTET_RETURN_IF_ERROR(q.get_int("samples", s.quantize.samples, 1, int64_t{1} << 40));
    OCTET_RETURN_IF_ERROR(q.get_choice("io", s.quantize.io, {"int8", "uint8", "float"}));
    OCTET_RETURN_IF_ERROR(q.get("per_channel", s.quantize.per_channel));
  }
  OCTET_RETURN_IF_ERROR(r.get_int("test_samples", s.test_samples, 0, int64_t{1} << 40));
  if (r.has("latency")) {
    Reader l = r.child("latency");
    OCTET_RETURN_IF_ERROR(l.only({"threads", "min_runs", "min_seconds", "max_seconds"}));
    OCTET_RETURN_IF_ERROR(l.get_int("threads", s.latency.threads, 1, 256));
    OCTET_RETURN_IF_ERROR(l.get_int("min_runs", s.latency.min_runs, 1, 10000000));
    OCTET_RETURN_IF_ERROR(l.get_real("min_seconds", s.latency.min_seconds, 0.0, 3600.0, /*lo_open=*/false));
    OCTET_RETURN_IF_ERROR(l.get_real("max_seconds", s.latency.max_seconds, 0.0, 3600.0, /*lo_open=*/true));
  }
  OCTET_RETURN_IF_ERROR(r.get_int("compare_samples", s.compare_samples, 1, int64_t{1} << 40));
  if (r.has("predictions_grid")) {
    Reader g = r.child("predictions_grid");
    OCTET_RETURN_IF_ERROR(g.only({"model", "precision", "samples"}));
    GridSettings grid;
    OCTET_RETURN_IF_ERROR(g.get("model", grid.model, /*required=*/true));
    OCTET_RETURN_IF_ERROR(g.get("precision", grid.precision, /*required=*/true));
    OCTET_RETURN_IF_ERROR(g.get_int("samples", grid.samples, 1, 400));
    bool model_listed = std::any_of(s.models.begin(), s.models.end(), [&](const ModelEntry& m) { return m.label == grid.model; });
    if (!model_listed) return g.error("model", "\"" + grid.model + "\" is not one of the experiment's models");
    if (std::find(s.precisions.begin(), s.precisions.end(), grid.precision) == s.precisions.end())
      return g.error("precision", "\"" + grid.precision + "\" is not one of the experiment's precisions");
    s.predictions_grid = grid;
  }
  OCTET_RETURN_IF_ERROR(r.get("seeds_table", s.seeds_table));
  if (s.seeds_table && (s.models.size() != 1 || s.precisions.size() != 3))
    return r.error("seeds_table", "needs exactly one model and the precisions float32, dynamic and int8");
  if (r.has("sweep")) {
    s.sweep.emplace();
    OCTET_RETURN_IF_ERROR(parse_sweep(r.child("sweep"), *s.sweep));
  }
  if (r.has("qat")) {
    s.qat.emplace();
    OCTET_RETURN_IF_ERROR(parse_qat(r.child("qat"), *s.qat));
    // QAT's models are written as `train --qat` writes them; PTQ is compared on the same terms.
    if (s.quantize.io != "int8" || !s.quantize.per_channel)
      return r.error("qat", "needs \"quantize\" with io \"int8\" and per-channel weights (what train --qat writes)");
  }
  if (r.has("sensitivity")) {
    Reader t = r.child("sensitivity");
    OCTET_RETURN_IF_ERROR(t.only({"held_out"}));
    s.sensitivity.emplace();
    OCTET_RETURN_IF_ERROR(t.get_int("held_out", s.sensitivity->held_out, 1, int64_t{1} << 40));
  }
  if (r.has("quick")) {
    Reader q = r.child("quick");
    OCTET_RETURN_IF_ERROR(q.only({"epochs", "train_samples", "test_samples", "calibration_samples", "precise_bn_batches",
                                  "latency_min_runs", "latency_min_seconds", "latency_max_seconds", "compare_samples",
                                  "sweep_bits", "sensitivity_held_out"}));
    QuickSettings& k = s.quick;
    OCTET_RETURN_IF_ERROR(q.get_int("epochs", k.epochs, 1, 100000));
    OCTET_RETURN_IF_ERROR(q.get_int("train_samples", k.train_samples, 1, int64_t{1} << 40));
    OCTET_RETURN_IF_ERROR(q.get_int("test_samples", k.test_samples, 1, int64_t{1} << 40));
    OCTET_RETURN_IF_ERROR(q.get_int("calibration_samples", k.calibration_samples, 1, int64_t{1} << 40));
    OCTET_RETURN_IF_ERROR(q.get_int("precise_bn_batches", k.precise_bn_batches, 0, 100000));
    OCTET_RETURN_IF_ERROR(q.get_int("latency_min_runs", k.latency_min_runs, 1, 10000000));
    OCTET_RETURN_IF_ERROR(q.get_real("latency_min_seconds", k.latency_min_seconds, 0.0, 3600.0, false));
    OCTET_RETURN_IF_ERROR(q.get_real("latency_max_seconds", k.latency_max_seconds, 0.0, 3600.0, true));
    OCTET_RETURN_IF_ERROR(q.get_int("compare_samples", k.compare_samples, 1, int64_t{1} << 40));
    if (q.has("sweep_bits")) {
      if (!s.sweep) return q.error("sweep_bits", "the experiment has no \"sweep\"");
      OCTET_RETURN_IF_ERROR(parse_bits(q, "sweep_bits", k.sweep_bits));
    }
    OCTET_RETURN_IF_ERROR(q.get_int("sensitivity_held_out", k.sensitivity_held_out, 1, int64_t{1} << 40));
  }
  return s;
}

Result<Spec> load_spec(const std::string& name_or_path) {
  for (const auto& [name, text] : builtin_experiment_specs()) {
    if (name == name_or_path) {
      json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded()) return Status::Error("built-in experiment " + name + ": not valid JSON");
      return parse_spec(j, "built-in " + name);
    }
  }
  std::error_code ec;
  if (!fs::is_regular_file(name_or_path, ec)) {
    std::string known;
    for (const auto& n : builtin_experiment_names()) known += (known.empty() ? "" : ", ") + n;
    return Status::Error("experiment \"" + name_or_path + "\" is neither a shipped experiment (" + known +
                         ", all) nor an existing .json file");
  }
  OCTET_ASSIGN_OR_RETURN(auto bytes, read_file(name_or_path, 1 << 20));
  return parse_spec_text(bytes, name_or_path);
}

Result<Spec> parse_spec_text(const std::vector<uint8_t>& text, const std::string& origin) {
  OCTET_RETURN_IF_ERROR(check_json_depth(text.data(), text.size(), origin));
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error(origin + ": not valid JSON");
  return parse_spec(j, origin);
}

std::vector<std::string> builtin_experiment_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : builtin_experiment_specs()) names.push_back(name);
  return names;
}

Spec quick_version(const Spec& spec) {
  Spec s = spec;
  const QuickSettings& q = spec.quick;
  for (ModelEntry& m : s.models) m.epochs = std::min(m.epochs, q.epochs);
  s.train.samples = s.train.samples > 0 ? std::min(s.train.samples, q.train_samples) : q.train_samples;
  s.train.precise_bn_batches = std::min(s.train.precise_bn_batches, q.precise_bn_batches);
  s.test_samples = s.test_samples > 0 ? std::min(s.test_samples, q.test_samples) : q.test_samples;
  s.quantize.samples = std::min(s.quantize.samples, q.calibration_samples);
  s.latency.min_runs = std::min(s.latency.min_runs, q.latency_min_runs);
  s.latency.min_seconds = std::min(s.latency.min_seconds, q.latency_min_seconds);
  s.latency.max_seconds = std::min(s.latency.max_seconds, q.latency_max_seconds);
  s.compare_samples = std::min(s.compare_samples, q.compare_samples);
  if (s.sweep && !q.sweep_bits.empty()) s.sweep->bits = q.sweep_bits;
  if (s.qat) s.qat->epochs = std::min(s.qat->epochs, q.epochs);  // on the quick training subset
  if (s.sensitivity) s.sensitivity->held_out = std::min(s.sensitivity->held_out, q.sensitivity_held_out);
  return s;
}

json settings_json(const Spec& s) {
  json models = json::array();
  for (const ModelEntry& m : s.models) models.push_back({{"name", m.label}, {"model", m.model}, {"data", m.data}, {"epochs", m.epochs}});
  json j = {{"seed", s.seed},
            {"models", models},
            {"precisions", s.precisions},
            {"train", {{"batch", s.train.batch}, {"lr", s.train.lr}, {"optimizer", s.train.optimizer},
                       {"validation", s.train.validation}, {"precise_bn_batches", s.train.precise_bn_batches},
                       {"samples", s.train.samples}}},
            {"quantize", {{"calibration", s.quantize.calibration}, {"samples", s.quantize.samples},
                          {"io", s.quantize.io}, {"per_channel", s.quantize.per_channel}}},
            {"test_samples", s.test_samples},
            {"latency", {{"batch", 1}, {"threads", s.latency.threads}, {"min_runs", s.latency.min_runs},
                         {"min_seconds", s.latency.min_seconds}, {"max_seconds", s.latency.max_seconds}}},
            {"compare_samples", s.compare_samples}};
  if (s.predictions_grid)
    j["predictions_grid"] = {{"model", s.predictions_grid->model}, {"precision", s.predictions_grid->precision},
                             {"samples", s.predictions_grid->samples}};
  if (s.sweep)
    j["sweep"] = {{"bits", s.sweep->bits}, {"calibration", s.sweep->calibration}, {"apply_to", s.sweep->apply_to},
                  {"max_drop_pp", s.sweep->max_drop_pp}};
  if (s.qat)
    j["qat"] = {{"bits", s.qat->bits}, {"epochs", s.qat->epochs}, {"lr", s.qat->lr}, {"control", s.qat->control}};
  if (s.sensitivity) j["sensitivity"] = {{"held_out", s.sensitivity->held_out}};
  return j;
}

}  // namespace octet::experiment
