// Experiment specs: every shipped one parses, and bad files fail naming the file and the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "experiment/runner.h"
#include "experiment/spec.h"

namespace octet::experiment {
namespace {

using json = nlohmann::json;

json minimal() {
  return json::parse(R"({"name": "t", "models": [{"model": "mnist_fc", "data": "mnist"}],
                         "precisions": ["float32", "int8"]})");
}

// The error of parsing `j` as file "x.json"; fails the test when it parses.
std::string error_of(const json& j) {
  auto r = parse_spec(j, "x.json");
  EXPECT_FALSE(r.ok()) << j.dump();
  return r.ok() ? "" : r.status().message();
}

TEST(ExperimentSpec, EveryShippedExperimentParses) {
  const std::vector<std::string> names = builtin_experiment_names();
  ASSERT_EQ(names, (std::vector<std::string>{"int8_mnist_cnn", "limit_bits", "micro_limit_cifar10", "ptq8_mnist",
                                              "ptq_mnist_fc_vs_cnn", "qat_vs_ptq"}));
  for (const std::string& n : names) {
    auto s = load_spec(n);
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(s->name, n);  // the name is the output folder: it must match the file
    EXPECT_EQ(s->precisions.front(), "float32");
    EXPECT_EQ(s->seed, 42u);
  }
  auto ptq8 = load_spec("ptq8_mnist");
  ASSERT_TRUE(ptq8.ok());
  EXPECT_TRUE(ptq8->seeds_table);
  EXPECT_EQ(ptq8->precisions, (std::vector<std::string>{"float32", "dynamic", "int8"}));
  auto micro = load_spec("micro_limit_cifar10");
  ASSERT_TRUE(micro.ok());
  ASSERT_EQ(micro->models.size(), 3u);
  EXPECT_EQ(micro->models[1].label, "cifar_standard");
  EXPECT_EQ(micro->models[1].epochs, 10);
}

TEST(ExperimentSpec, DefaultsAndOrder) {
  json j = minimal();
  j["precisions"] = {"int8", "float32", "dynamic"};
  auto s = parse_spec(j, "x.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->precisions, (std::vector<std::string>{"float32", "dynamic", "int8"}));
  EXPECT_EQ(s->models[0].epochs, 3);
  EXPECT_EQ(s->quantize.samples, 500);
  EXPECT_EQ(s->latency.threads, 1);
  EXPECT_EQ(s->test_samples, 0);
}

TEST(ExperimentSpec, ErrorsNameTheFileAndTheKey) {
  json j = minimal();
  j["epochs"] = 3;
  EXPECT_NE(error_of(j).find("x.json: key \"epochs\": unknown key"), std::string::npos) << error_of(j);

  j = minimal();
  j["quantize"] = {{"samples", "many"}};
  EXPECT_NE(error_of(j).find("x.json: key \"quantize.samples\": expected an integer"), std::string::npos);

  j = minimal();
  j["quantize"] = {{"sample", 10}};
  EXPECT_NE(error_of(j).find("key \"quantize.sample\": unknown key"), std::string::npos);

  j = minimal();
  j["models"][0]["model"] = "resnet50";
  EXPECT_NE(error_of(j).find("key \"models[0].model\": \"resnet50\" is neither a built-in model"), std::string::npos);

  j = minimal();
  j["models"][0]["data"] = "imagenet";
  EXPECT_NE(error_of(j).find("key \"models[0].data\": \"imagenet\" is neither a built-in dataset"), std::string::npos);

  // Found by fuzz_experiment_spec: a name too long for the file system made the throwing
  // std::filesystem checks abort the process.
  const std::string too_long(5000, 'a');
  j = minimal();
  j["models"][0]["model"] = too_long;
  EXPECT_NE(error_of(j).find("is neither a built-in model"), std::string::npos);
  j = minimal();
  j["models"][0]["data"] = too_long;
  EXPECT_NE(error_of(j).find("is neither a built-in dataset"), std::string::npos);
  auto long_spec = load_spec(too_long + ".json");
  ASSERT_FALSE(long_spec.ok());
  EXPECT_NE(long_spec.status().message().find("neither a shipped experiment"), std::string::npos);

  j = minimal();
  j["models"][0]["epochs"] = 0;
  EXPECT_NE(error_of(j).find("key \"models[0].epochs\""), std::string::npos);

  j = minimal();
  j["precisions"] = {"float32", "int4"};
  EXPECT_NE(error_of(j).find("key \"precisions\": unknown precision \"int4\""), std::string::npos);

  j = minimal();
  j["precisions"] = {"int8"};
  EXPECT_NE(error_of(j).find("must include \"float32\""), std::string::npos);

  j = minimal();
  j.erase("models");
  EXPECT_NE(error_of(j).find("key \"models\": missing"), std::string::npos);

  j = minimal();
  j["name"] = "../escape";
  EXPECT_NE(error_of(j).find("key \"name\""), std::string::npos);

  j = minimal();
  j["seeds_table"] = true;  // needs float32, dynamic and int8 of one model
  EXPECT_NE(error_of(j).find("key \"seeds_table\""), std::string::npos);

  j = minimal();
  j["predictions_grid"] = {{"model", "mnist_cnn"}, {"precision", "int8"}};
  EXPECT_NE(error_of(j).find("key \"predictions_grid.model\": \"mnist_cnn\" is not one of the experiment's models"),
            std::string::npos);

  j = minimal();
  j["train"] = {{"optimizer", "rmsprop"}};
  EXPECT_NE(error_of(j).find("key \"train.optimizer\": unknown value \"rmsprop\""), std::string::npos);

  EXPECT_NE(error_of(json::array()).find("x.json: expected a JSON object"), std::string::npos);
}

TEST(ExperimentSpec, FilesAndRelativePaths) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("octet_spec_test_" + std::to_string(::getpid()));
  fs::create_directories(dir / "data");
  json j = minimal();
  j["models"][0]["data"] = "data";  // relative to the spec file, not the current folder
  std::ofstream(dir / "e.json") << j.dump();
  auto s = load_spec((dir / "e.json").string());
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(fs::path(s->models[0].data), (dir / "data").lexically_normal());

  std::ofstream(dir / "bad.json") << "{\"name\": ";
  auto bad = load_spec((dir / "bad.json").string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad.json: not valid JSON"), std::string::npos);

  // A valid but deeply nested file (400 kB) overflowed the stack when the spec was copied; now
  // the depth is checked on the text before parsing.
  std::ofstream(dir / "deep.json") << R"({"name": "t", "models": [{"model": "mnist_fc", "data": "mnist"}], )"
                                   << R"("precisions": ["float32", )" << std::string(200000, '[')
                                   << std::string(200000, ']') << "]}";
  auto deep = load_spec((dir / "deep.json").string());
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("deep.json: JSON nested deeper than 64 levels"), std::string::npos);

  auto missing = load_spec("no_such_experiment");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("ptq8_mnist"), std::string::npos);  // lists the shipped ones
  fs::remove_all(dir);
}

TEST(ExperimentSpec, QuickReducesWorkOnly) {
  auto full = load_spec("micro_limit_cifar10");
  ASSERT_TRUE(full.ok());
  Spec q = quick_version(*full);
  for (const ModelEntry& m : q.models) EXPECT_EQ(m.epochs, 1);
  EXPECT_EQ(q.train.samples, full->quick.train_samples);
  EXPECT_EQ(q.test_samples, full->quick.test_samples);
  EXPECT_EQ(q.quantize.samples, full->quick.calibration_samples);
  EXPECT_LT(q.latency.min_runs, full->latency.min_runs);
  EXPECT_EQ(q.precisions, full->precisions);
  EXPECT_EQ(q.seed, full->seed);
}

json with_sweep() {
  json j = minimal();
  j["sweep"] = {{"bits", {8, 4, 2}}, {"calibration", {"minmax", "kl"}}};
  return j;
}

TEST(ExperimentSpec, Sweep) {
  auto s = parse_spec(with_sweep(), "x.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_TRUE(s->sweep.has_value());
  EXPECT_EQ(s->sweep->bits, (std::vector<int>{8, 4, 2}));  // the order given: the table's columns
  EXPECT_EQ(s->sweep->calibration, (std::vector<std::string>{"minmax", "kl"}));
  EXPECT_EQ(s->sweep->apply_to, "weights+activations");
  EXPECT_EQ(s->sweep->max_drop_pp, 1.0);
  EXPECT_FALSE(parse_spec(minimal(), "x.json")->sweep.has_value());
  EXPECT_EQ(settings_json(*s)["sweep"]["bits"], json({8, 4, 2}));

  json j = with_sweep();
  j["sweep"]["apply_to"] = "weights";
  j["quick"] = {{"sweep_bits", {8, 3}}};
  s = parse_spec(j, "x.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->sweep->apply_to, "weights");
  EXPECT_EQ(quick_version(*s).sweep->bits, (std::vector<int>{8, 3}));
  EXPECT_EQ(s->sweep->bits, (std::vector<int>{8, 4, 2}));  // only --quick changes the bits

  auto shipped = load_spec("limit_bits");
  ASSERT_TRUE(shipped.ok()) << shipped.status().message();
  ASSERT_TRUE(shipped->sweep.has_value());
  EXPECT_EQ(shipped->sweep->bits, (std::vector<int>{8, 7, 6, 5, 4, 3, 2}));
  EXPECT_EQ(shipped->models.size(), 3u);
  EXPECT_LT(quick_version(*shipped).sweep->bits.size(), shipped->sweep->bits.size());
}

TEST(ExperimentSpec, SweepErrorsNameTheFileAndTheKey) {
  json j = with_sweep();
  j["sweep"]["bits"] = {8, 1};
  EXPECT_NE(error_of(j).find("x.json: key \"sweep.bits\": bits 1 out of range (expected integers in [2, 8])"),
            std::string::npos) << error_of(j);
  j["sweep"]["bits"] = {16};
  EXPECT_NE(error_of(j).find("key \"sweep.bits\": bits 16 out of range"), std::string::npos);
  j["sweep"]["bits"] = {4, "3"};
  EXPECT_NE(error_of(j).find("key \"sweep.bits\": bits \"3\" out of range"), std::string::npos);
  j["sweep"]["bits"] = {4, 4};
  EXPECT_NE(error_of(j).find("key \"sweep.bits\": 4 is listed twice"), std::string::npos);
  j["sweep"]["bits"] = json::array();
  EXPECT_NE(error_of(j).find("key \"sweep.bits\": expected a non-empty array"), std::string::npos);

  j = with_sweep();
  j["sweep"]["calibration"] = {"minmax", "entropy"};
  EXPECT_NE(error_of(j).find("x.json: key \"sweep.calibration\": unknown method \"entropy\" (expected one of: minmax, "
                             "ema, percentile, mse, kl)"),
            std::string::npos) << error_of(j);
  j["sweep"]["calibration"] = {"kl", "kl"};
  EXPECT_NE(error_of(j).find("key \"sweep.calibration\": \"kl\" is listed twice"), std::string::npos);

  j = with_sweep();
  j["sweep"]["apply_to"] = "biases";
  EXPECT_NE(error_of(j).find("key \"sweep.apply_to\": unknown value \"biases\""), std::string::npos);

  j = with_sweep();
  j["sweep"].erase("calibration");
  EXPECT_NE(error_of(j).find("key \"sweep.calibration\": missing"), std::string::npos);

  j = with_sweep();
  j["sweep"]["step"] = 1;
  EXPECT_NE(error_of(j).find("key \"sweep.step\": unknown key"), std::string::npos);

  j = with_sweep();
  j["sweep"]["max_drop_pp"] = -1;
  EXPECT_NE(error_of(j).find("key \"sweep.max_drop_pp\""), std::string::npos);

  j = with_sweep();
  j["quick"] = {{"sweep_bits", {9}}};
  EXPECT_NE(error_of(j).find("key \"quick.sweep_bits\": bits 9 out of range"), std::string::npos);
  j = minimal();
  j["quick"] = {{"sweep_bits", {4}}};
  EXPECT_NE(error_of(j).find("key \"quick.sweep_bits\": the experiment has no \"sweep\""), std::string::npos);
}

TEST(ExperimentSubset, SeededOrderedAndExact) {
  data::Dataset d;
  d.height = d.width = d.channels = 1;
  d.class_names = {"a", "b"};
  for (int i = 0; i < 100; ++i) {
    d.pixels.push_back(static_cast<uint8_t>(i));
    d.labels.push_back(static_cast<uint8_t>(i % 2));
  }
  data::Dataset a = seeded_subset(d, 30, 7), b = seeded_subset(d, 30, 7), c = seeded_subset(d, 30, 8);
  ASSERT_EQ(a.size(), 30);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_NE(a.pixels, c.pixels);
  EXPECT_TRUE(std::is_sorted(a.pixels.begin(), a.pixels.end()));  // original order kept
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(a.labels[i], a.pixels[i] % 2);  // pixels and labels stay paired
  EXPECT_EQ(seeded_subset(d, 0, 7).size(), 100);
  EXPECT_EQ(seeded_subset(d, 1000, 7).size(), 100);
}


TEST(ExperimentSpec, QatAndSensitivity) {
  json j = minimal();
  j["qat"] = {{"bits", {8, 6, 4}}, {"epochs", 3}, {"lr", 5e-4}, {"control", false}};
  j["sensitivity"] = {{"held_out", 800}};
  auto s = parse_spec(j, "x.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_TRUE(s->qat.has_value());
  EXPECT_EQ(s->qat->bits, (std::vector<int>{8, 6, 4}));
  EXPECT_EQ(s->qat->epochs, 3);
  EXPECT_EQ(s->qat->lr, 5e-4);
  EXPECT_FALSE(s->qat->control);
  ASSERT_TRUE(s->sensitivity.has_value());
  EXPECT_EQ(s->sensitivity->held_out, 800);
  EXPECT_EQ(settings_json(*s)["qat"]["bits"], json({8, 6, 4}));
  EXPECT_EQ(settings_json(*s)["sensitivity"]["held_out"], 800);

  // Defaults; --quick shortens the fine-tuning and the held-out split, not the bits.
  j["qat"] = {{"bits", {4}}};
  j["sensitivity"] = json::object();
  s = parse_spec(j, "x.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->qat->epochs, 2);
  EXPECT_EQ(s->qat->lr, 1e-4);
  EXPECT_TRUE(s->qat->control);
  EXPECT_EQ(s->sensitivity->held_out, 1000);
  const Spec q = quick_version(*s);
  EXPECT_EQ(q.qat->epochs, 1);
  EXPECT_EQ(q.qat->bits, (std::vector<int>{4}));
  EXPECT_EQ(q.sensitivity->held_out, 200);
  EXPECT_FALSE(parse_spec(minimal(), "x.json")->qat.has_value());
  EXPECT_FALSE(parse_spec(minimal(), "x.json")->sensitivity.has_value());
}

TEST(ExperimentSpec, QatAndSensitivityErrorsNameTheFileAndTheKey) {
  json j = minimal();
  j["qat"] = {{"bits", {8, 1}}};
  EXPECT_NE(error_of(j).find("x.json: key \"qat.bits\": bits 1 out of range (expected integers in [2, 8])"),
            std::string::npos) << error_of(j);
  j["qat"] = {{"bits", {9}}};
  EXPECT_NE(error_of(j).find("x.json: key \"qat.bits\": bits 9 out of range"), std::string::npos);
  j["qat"] = {{"epochs", 2}};
  EXPECT_NE(error_of(j).find("x.json: key \"qat.bits\": missing"), std::string::npos);
  j["qat"] = {{"bits", {4}}, {"epochs", 0}};
  EXPECT_NE(error_of(j).find("x.json: key \"qat.epochs\": expected an integer in [1, "), std::string::npos)
      << error_of(j);
  j["qat"] = {{"bits", {4}}, {"lr", 0}};
  EXPECT_NE(error_of(j).find("x.json: key \"qat.lr\": expected a number in (0"), std::string::npos) << error_of(j);
  j["qat"] = {{"bits", {4}}, {"control", "yes"}};
  EXPECT_NE(error_of(j).find("x.json: key \"qat.control\": expected true or false"), std::string::npos);
  j["qat"] = {{"bits", {4}}, {"epoch", 2}};
  EXPECT_NE(error_of(j).find("x.json: key \"qat.epoch\": unknown key (known: bits, epochs, lr, control)"),
            std::string::npos) << error_of(j);

  j["qat"] = {{"bits", {4}}};
  j["quantize"] = {{"io", "uint8"}};
  EXPECT_NE(error_of(j).find("x.json: key \"qat\": needs \"quantize\" with io \"int8\""), std::string::npos)
      << error_of(j);

  j = minimal();
  j["sensitivity"] = {{"held_out", 0}};
  EXPECT_NE(error_of(j).find("x.json: key \"sensitivity.held_out\": expected an integer in [1, "), std::string::npos);
  j["sensitivity"] = {{"heldout", 10}};
  EXPECT_NE(error_of(j).find("x.json: key \"sensitivity.heldout\": unknown key (known: held_out)"), std::string::npos);
  j["sensitivity"] = 1000;
  EXPECT_NE(error_of(j).find("x.json: key \"sensitivity\": expected a JSON object"), std::string::npos)
      << error_of(j);
}
}  // namespace
}  // namespace octet::experiment
