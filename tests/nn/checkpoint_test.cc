#include "nn/checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <optional>

#include "core/file_io.h"
#include "train_test_util.h"

namespace octet::nn {
namespace {
namespace fs = std::filesystem;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("octet_checkpoint_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    path_ = (dir_ / "run.ckpt").string();
    opt_.epochs = 3;
    opt_.batch = 16;
    opt_.precise_bn_batches = 4;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Trains `epochs` epochs from a fresh model (or from the checkpoint) saving a checkpoint each epoch.
  std::vector<float> train_run(int epochs, bool resume, std::vector<EpochResult>* history = nullptr) {
    Model m = small_model(11);
    ThreadPool pool(2);
    TrainOptions opt = opt_;
    opt.epochs = epochs;
    std::optional<Checkpoint> ck;
    if (resume) {
      auto loaded = load_checkpoint(path_);
      EXPECT_TRUE(loaded.ok()) << loaded.status().message();
      ck = std::move(loaded).value();
      Status s = restore_checkpoint(*ck, path_, m, settings_);
      EXPECT_TRUE(s.ok()) << s.message();
    }
    auto save = [&](const TrainProgress& p) { return save_checkpoint(path_, m, settings_, p); };
    auto h = train(m, train_set_, &val_set_, opt, pool, save, ck ? &ck->progress : nullptr);
    EXPECT_TRUE(h.ok()) << h.status().message();
    if (history && h.ok()) *history = *h;
    return all_weights(m);
  }

  // Rewrites the stored CRC so a deliberately edited file gets past the checksum.
  static void fix_crc(std::vector<uint8_t>& b) {
    uint32_t crc = static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), b.data() + 16, static_cast<uInt>(b.size() - 16)));
    std::memcpy(b.data() + 12, &crc, 4);
  }
  // The error parsing `bytes` gives ("" when they parse); it must name the file.
  std::string load_error(const std::vector<uint8_t>& bytes) {
    auto r = parse_checkpoint(bytes, path_);
    if (r.ok()) return "";
    EXPECT_NE(r.status().message().find(path_), std::string::npos) << r.status().message();
    return r.status().message();
  }

  fs::path dir_;
  std::string path_;
  TrainOptions opt_;
  data::Dataset train_set_ = quadrant_dataset(160, 1), val_set_ = quadrant_dataset(40, 2);
  nlohmann::json settings_ = {{"seed", 42}, {"batch", 16}};
};

TEST_F(CheckpointTest, ResumedRunEndsBitIdenticalToAnUninterruptedOne) {
  for (const char* optimizer : {"adam", "sgd"}) {
    opt_.optimizer = optimizer;
    std::vector<EpochResult> full_history, resumed_history;
    const std::vector<float> full = train_run(3, false, &full_history);
    train_run(1, false);  // interrupted after epoch 1: the checkpoint holds epoch 1
    const std::vector<float> resumed = train_run(3, true, &resumed_history);
    ASSERT_EQ(full.size(), resumed.size());
    EXPECT_EQ(std::memcmp(full.data(), resumed.data(), full.size() * sizeof(float)), 0) << optimizer;
    ASSERT_EQ(resumed_history.size(), 3u);
    EXPECT_EQ(resumed_history[0].train_loss, full_history[0].train_loss);  // carried over from the checkpoint
    EXPECT_EQ(resumed_history[2].train_loss, full_history[2].train_loss);
    EXPECT_EQ(resumed_history[2].val_accuracy, full_history[2].val_accuracy);
  }
}

TEST_F(CheckpointTest, RoundTripKeepsWeightsProgressAndOptimizerState) {
  const std::vector<float> trained = train_run(2, false);
  auto ck = load_checkpoint(path_);
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  EXPECT_EQ(ck->progress.epochs_done, 2);
  EXPECT_EQ(ck->progress.history.size(), 2u);
  EXPECT_EQ(ck->progress.optimizer.step, 2 * 10);  // 160 images / batch 16, two epochs of Adam steps
  EXPECT_EQ(ck->settings, settings_);
  Model m = small_model(99);
  ASSERT_TRUE(restore_checkpoint(*ck, path_, m, settings_).ok());
  const std::vector<float> restored = all_weights(m);
  ASSERT_EQ(restored.size(), trained.size());
  EXPECT_EQ(std::memcmp(restored.data(), trained.data(), trained.size() * sizeof(float)), 0);
}

TEST_F(CheckpointTest, EveryTruncationAndEveryFlippedByteIsAClearError) {
  train_run(1, false);
  auto good = read_file(path_);
  ASSERT_TRUE(good.ok());
  const std::vector<uint8_t> bytes = *good;
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_NE(load_error(cut), "") << "truncated to " << n << " bytes";
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> flipped = bytes;
    flipped[i] ^= 0x20;
    EXPECT_NE(load_error(flipped), "") << "byte " << i << " flipped";
  }
}

TEST_F(CheckpointTest, HeaderLiesAreCaughtEvenWithAValidChecksum) {
  train_run(1, false);
  auto good = read_file(path_);
  ASSERT_TRUE(good.ok());
  uint64_t header_len;
  std::memcpy(&header_len, good->data() + 16, 8);
  const std::string header(good->begin() + 24, good->begin() + 24 + static_cast<std::ptrdiff_t>(header_len));
  const std::vector<uint8_t> payload(good->begin() + 24 + static_cast<std::ptrdiff_t>(header_len), good->end());
  auto with_header = [&](const std::string& h, bool keep_payload = true) {
    std::vector<uint8_t> b(24 + h.size() + (keep_payload ? payload.size() : 0));
    std::memcpy(b.data(), good->data(), 24);
    const uint64_t len = h.size();
    std::memcpy(b.data() + 16, &len, 8);
    std::memcpy(b.data() + 24, h.data(), h.size());
    if (keep_payload) std::copy(payload.begin(), payload.end(), b.begin() + 24 + static_cast<std::ptrdiff_t>(h.size()));
    fix_crc(b);
    return b;
  };
  auto edited = [&](const std::string& key, const nlohmann::json& value) {
    nlohmann::json j = nlohmann::json::parse(header);
    j[key] = value;
    return with_header(j.dump());
  };
  EXPECT_EQ(load_error(with_header(header)), "");  // the rebuilt file itself is fine
  nlohmann::json sizes = nlohmann::json::parse(header)["vector_sizes"];
  sizes[0] = uint64_t{1} << 62;  // an allocation of 16 EiB if the size were trusted
  EXPECT_NE(load_error(edited("vector_sizes", sizes)).find("runs past the end"), std::string::npos);
  EXPECT_NE(load_error(with_header(header, false)).find("runs past the end"), std::string::npos);
  // Found by fuzz_checkpoint in CI: an empty vector was copied from a null pointer (UBSan).
  nlohmann::json empty_first = nlohmann::json::parse(header)["vector_sizes"];
  empty_first[0] = 0;
  EXPECT_NE(load_error(edited("vector_sizes", empty_first)).find("stray bytes"), std::string::npos);
  EXPECT_NE(load_error(edited("epochs_done", 5)).find("epoch results"), std::string::npos);
  EXPECT_NE(load_error(edited("history", "none")).find("malformed header"), std::string::npos);
  EXPECT_NE(load_error(edited("weight_vectors", 1000000)).find("more weight vectors"), std::string::npos);
  EXPECT_NE(load_error(with_header("{\"spec\": ")).find("malformed header"), std::string::npos);
  // Found by fuzz/fuzz_checkpoint.cc: floats where integers belong were cast unchecked (undefined
  // behaviour under UBSan), and a deeply nested header overflowed the stack when copied.
  for (const char* key : {"epochs_done", "optimizer_step", "weight_vectors"}) {
    for (const nlohmann::json& v : {nlohmann::json(1e300), nlohmann::json(-5.5), nlohmann::json(-1)}) {
      if (v == -1 && std::string(key) != "weight_vectors") continue;  // in range of a signed field
      EXPECT_NE(load_error(edited(key, v)).find("must be integers in range"), std::string::npos) << key << " " << v;
    }
  }
  EXPECT_NE(load_error(edited("epochs_done", uint64_t{1} << 40)).find("must be integers in range"), std::string::npos);
  nlohmann::json bad_sizes = nlohmann::json::parse(header)["vector_sizes"];
  bad_sizes[0] = 2.5e30;
  EXPECT_NE(load_error(edited("vector_sizes", bad_sizes)).find("not a non-negative integer"), std::string::npos);
  EXPECT_NE(load_error(edited("vector_sizes", 3)).find("not an array"), std::string::npos);
  nlohmann::json bad_history = nlohmann::json::parse(header)["history"];
  bad_history[0]["epoch"] = -1e300;
  EXPECT_NE(load_error(edited("history", bad_history)).find("epoch number"), std::string::npos);
  const std::string deep = header.substr(0, header.size() - 1) + ", \"x\": " + std::string(200000, '[') +
                           std::string(200000, ']') + "}";
  EXPECT_NE(load_error(with_header(deep)).find("nested deeper than 64 levels"), std::string::npos);
  std::vector<uint8_t> long_header = with_header(header);
  const uint64_t huge = uint64_t{1} << 60;
  std::memcpy(long_header.data() + 16, &huge, 8);
  fix_crc(long_header);
  EXPECT_NE(load_error(long_header).find("header length"), std::string::npos);
  std::vector<uint8_t> v2 = with_header(header);
  v2[8] = 2;
  EXPECT_NE(load_error(v2).find("format version 2"), std::string::npos);
  std::vector<uint8_t> tflite = *good;
  std::memcpy(tflite.data(), "TFL3....", 8);
  EXPECT_NE(load_error(tflite).find("magic"), std::string::npos);
  // And through the file: a missing checkpoint names its path.
  auto missing = load_checkpoint((dir_ / "none.ckpt").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("none.ckpt"), std::string::npos);
}

TEST_F(CheckpointTest, MismatchedModelOrSettingsAreRefusedByName) {
  train_run(1, false);
  auto ck = load_checkpoint(path_);
  ASSERT_TRUE(ck.ok());
  Model m = small_model(1);
  nlohmann::json other = settings_;
  other["batch"] = 32;
  Status s = restore_checkpoint(*ck, path_, m, other);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path_), std::string::npos);
  EXPECT_NE(s.message().find("batch = 16, this run has 32"), std::string::npos) << s.message();
  other = settings_;
  other["threads"] = 4;
  EXPECT_FALSE(restore_checkpoint(*ck, path_, m, other).ok());

  auto bigger = Model::from_spec(nlohmann::json::parse(R"({"name": "small", "input": [12, 12, 1], "layers": [
      {"type": "flatten"}, {"type": "dense", "units": 4}]})"), "other");
  ASSERT_TRUE(bigger.ok());
  ASSERT_TRUE(bigger->build(1).ok());
  s = restore_checkpoint(*ck, path_, *bigger, settings_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("different model spec"), std::string::npos) << s.message();
  // Same spec but weights of the wrong size (a hand-edited file): refused before any copy.
  Checkpoint wrong = *ck;
  wrong.weights[0].pop_back();
  s = restore_checkpoint(wrong, path_, m, settings_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("weight tensor 0"), std::string::npos) << s.message();
}

TEST_F(CheckpointTest, OptimizerStateOfTheWrongShapeIsRefused) {
  train_run(1, false);
  auto ck = load_checkpoint(path_);
  ASSERT_TRUE(ck.ok());
  Model m = small_model(1);
  ASSERT_TRUE(restore_checkpoint(*ck, path_, m, settings_).ok());
  ck->progress.optimizer.slots.pop_back();
  ThreadPool pool(1);
  auto r = train(m, train_set_, nullptr, opt_, pool, {}, &ck->progress);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("adam state has"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace octet::nn
