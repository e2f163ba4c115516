#include "nn/checkpoint.h"

#include <zlib.h>

#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/file_io.h"
#include "core/json_depth.h"

namespace octet::nn {

namespace {

static_assert(std::endian::native == std::endian::little, "checkpoints store little-endian floats");

constexpr char kMagic[8] = {'O', 'C', 'T', 'E', 'T', 'C', 'K', 'P'};
constexpr uint32_t kVersion = 1;
constexpr size_t kFixedHeader = 24;  // magic, version, crc, header length

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}

template <typename T>
T get(const std::vector<uint8_t>& in, size_t offset) {
  T v;
  std::memcpy(&v, in.data() + offset, sizeof v);
  return v;
}

uint32_t crc_of(const uint8_t* p, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large buffers in pieces.
  while (n > 0) {
    const uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

// nlohmann's get<int>() converts a float with a plain cast (undefined behaviour for 1e300, or for
// -5.5 to an unsigned type): integer fields must be JSON integers within the range of Int.
template <typename Int>
bool get_integer(const nlohmann::json& v, Int* out) {
  if (v.is_number_unsigned()) {
    const uint64_t x = v.get<uint64_t>();
    if (x > static_cast<uint64_t>(std::numeric_limits<Int>::max())) return false;
    *out = static_cast<Int>(x);
    return true;
  }
  if (!v.is_number_integer()) return false;
  const int64_t x = v.get<int64_t>();  // negative: JSON parses non-negative integers as unsigned
  if (std::is_unsigned_v<Int> || x < static_cast<int64_t>(std::numeric_limits<Int>::min())) return false;
  *out = static_cast<Int>(x);
  return true;
}

std::vector<const std::vector<float>*> model_vectors(Model& model) {
  std::vector<const std::vector<float>*> v;
  for (Param* p : model.params()) v.push_back(&p->value.data);
  for (Tensor* b : model.buffers()) v.push_back(&b->data);
  return v;
}

}  // namespace

Status save_checkpoint(const std::string& path, Model& model, const nlohmann::json& settings,
                       const TrainProgress& progress) {
  std::vector<const std::vector<float>*> vectors = model_vectors(model);
  const size_t num_weights = vectors.size();
  for (const auto& s : progress.optimizer.slots) vectors.push_back(&s);
  nlohmann::json sizes = nlohmann::json::array();
  for (const auto* v : vectors) sizes.push_back(v->size());
  nlohmann::json history = nlohmann::json::array();
  for (const EpochResult& e : progress.history)
    history.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"train_accuracy", e.train_accuracy},
                       {"val_accuracy", e.val_accuracy}, {"seconds", e.seconds}});
  const nlohmann::json header = {
      {"spec", model.spec()},
      {"settings", settings},
      {"epochs_done", progress.epochs_done},
      {"history", history},
      {"optimizer_step", progress.optimizer.step},
      {"weight_vectors", num_weights},
      {"vector_sizes", sizes},
  };
  const std::string text = header.dump();
  std::vector<uint8_t> out(kMagic, kMagic + sizeof kMagic);
  put<uint32_t>(out, kVersion);
  put<uint32_t>(out, 0);  // CRC, filled in below
  put<uint64_t>(out, text.size());
  out.insert(out.end(), text.begin(), text.end());
  for (const auto* v : vectors) {
    const auto* p = reinterpret_cast<const uint8_t*>(v->data());
    out.insert(out.end(), p, p + v->size() * sizeof(float));
  }
  const uint32_t crc = crc_of(out.data() + 16, out.size() - 16);
  std::memcpy(out.data() + 12, &crc, sizeof crc);
  return write_file_atomic(path, out);
}

Result<Checkpoint> load_checkpoint(const std::string& path) {
  OCTET_ASSIGN_OR_RETURN(std::vector<uint8_t> in, read_file(path));
  return parse_checkpoint(in, path);
}

Result<Checkpoint> parse_checkpoint(const std::vector<uint8_t>& in, const std::string& path) {
  auto bad = [&](const std::string& what) { return Status::Error(path + ": not a valid octet checkpoint: " + what); };
  if (in.size() < kFixedHeader || std::memcmp(in.data(), kMagic, sizeof kMagic) != 0)
    return bad("no OCTETCKP magic (" + std::to_string(in.size()) + " bytes)");
  const uint32_t version = get<uint32_t>(in, 8);
  if (version != kVersion)
    return bad("format version " + std::to_string(version) + ", this octet reads version " + std::to_string(kVersion));
  if (get<uint32_t>(in, 12) != crc_of(in.data() + 16, in.size() - 16))
    return bad("checksum mismatch (truncated or corrupted file)");
  const uint64_t header_len = get<uint64_t>(in, 16);
  if (header_len > in.size() - kFixedHeader)
    return bad("header length " + std::to_string(header_len) + " runs past the end of the file");

  // Copying the spec out of the header recurses once per level: a deep header would overflow the stack.
  if (json_nesting_depth(in.data() + kFixedHeader, header_len) > kMaxJsonDepth)
    return bad("header nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");

  Checkpoint ck;
  std::vector<uint64_t> sizes;
  uint64_t num_weights = 0;
  try {
    const auto header = nlohmann::json::parse(in.begin() + kFixedHeader, in.begin() + kFixedHeader + header_len);
    ck.spec = header.at("spec");
    ck.settings = header.at("settings");
    if (!ck.spec.is_object() || !ck.settings.is_object()) return bad("spec and settings must be JSON objects");
    if (!get_integer(header.at("epochs_done"), &ck.progress.epochs_done) ||
        !get_integer(header.at("optimizer_step"), &ck.progress.optimizer.step) ||
        !get_integer(header.at("weight_vectors"), &num_weights))
      return bad("epochs_done, optimizer_step and weight_vectors must be integers in range");
    for (const auto& e : header.at("history")) {
      EpochResult r;
      if (!get_integer(e.at("epoch"), &r.epoch)) return bad("an epoch number is not an integer in range");
      r.train_loss = e.at("train_loss").get<double>();
      r.train_accuracy = e.at("train_accuracy").get<double>();
      r.val_accuracy = e.at("val_accuracy").get<double>();
      r.seconds = e.at("seconds").get<double>();
      ck.progress.history.push_back(r);
    }
    const auto& vector_sizes = header.at("vector_sizes");
    if (!vector_sizes.is_array()) return bad("vector_sizes is not an array");
    for (const auto& v : vector_sizes) {
      if (!get_integer(v, &sizes.emplace_back())) return bad("a vector size is not a non-negative integer");
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(std::string("malformed header: ") + e.what());
  }
  if (ck.progress.epochs_done < 1 || ck.progress.history.size() != static_cast<size_t>(ck.progress.epochs_done))
    return bad(std::to_string(ck.progress.epochs_done) + " epochs done but " +
               std::to_string(ck.progress.history.size()) + " epoch results");
  if (num_weights > sizes.size()) return bad("more weight vectors than vectors");

  // Every size is checked against the bytes left before anything is allocated.
  size_t offset = kFixedHeader + header_len;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const uint64_t left = in.size() - offset;
    if (sizes[i] > left / sizeof(float))
      return bad("vector " + std::to_string(i) + " of " + std::to_string(sizes[i]) +
                 " floats runs past the end of the file");
    std::vector<float> v(sizes[i]);
    if (!v.empty()) std::memcpy(v.data(), in.data() + offset, sizes[i] * sizeof(float));  // data() may be null
    offset += sizes[i] * sizeof(float);
    (i < num_weights ? ck.weights : ck.progress.optimizer.slots).push_back(std::move(v));
  }
  if (offset != in.size()) return bad(std::to_string(in.size() - offset) + " stray bytes after the last vector");
  return ck;
}

Status restore_checkpoint(const Checkpoint& ck, const std::string& path, Model& model,
                          const nlohmann::json& settings) {
  if (ck.spec != model.spec())
    return Status::Error(path + ": checkpoint was made for a different model spec (" +
                         ck.spec.value("name", std::string("unnamed")) + ") than --model (" + model.name() + ")");
  for (const auto& [key, value] : settings.items()) {
    if (!ck.settings.contains(key) || ck.settings[key] != value)
      return Status::Error(path + ": checkpoint was made with " + key + " = " +
                           (ck.settings.contains(key) ? ck.settings[key].dump() : std::string("(none)")) +
                           ", this run has " + value.dump());
  }
  if (ck.settings.size() != settings.size())
    return Status::Error(path + ": checkpoint settings " + ck.settings.dump() + " differ from this run's " +
                         settings.dump());
  std::vector<float*> targets;
  std::vector<size_t> target_sizes;
  for (Param* p : model.params()) targets.push_back(p->value.ptr()), target_sizes.push_back(p->value.data.size());
  for (Tensor* b : model.buffers()) targets.push_back(b->ptr()), target_sizes.push_back(b->data.size());
  if (ck.weights.size() != targets.size())
    return Status::Error(path + ": checkpoint has " + std::to_string(ck.weights.size()) + " weight tensors, model " +
                         model.name() + " has " + std::to_string(targets.size()));
  for (size_t i = 0; i < targets.size(); ++i) {
    if (ck.weights[i].size() != target_sizes[i])
      return Status::Error(path + ": checkpoint weight tensor " + std::to_string(i) + " has " +
                           std::to_string(ck.weights[i].size()) + " values, the model's has " +
                           std::to_string(target_sizes[i]));
  }
  for (size_t i = 0; i < targets.size(); ++i)
    if (target_sizes[i] != 0) std::memcpy(targets[i], ck.weights[i].data(), target_sizes[i] * sizeof(float));
  return Status::Ok();
}

}  // namespace octet::nn
