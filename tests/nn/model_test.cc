#include "nn/model.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "nn/optimizer.h"

namespace octet::nn {
namespace {

int64_t built_params(const std::string& name) {
  auto m = Model::load(name);
  EXPECT_TRUE(m.ok()) << m.status().message();
  EXPECT_TRUE(m->build(1).ok());
  return m->param_count();
}

TEST(Model, BuiltinsBuildWithTheExpectedSizes) {
  EXPECT_EQ(built_params("mnist_fc"), 101770);
  EXPECT_EQ(built_params("mnist_cnn"), 225034);  // the seeds' CNN
  int64_t standard = built_params("cifar_standard");
  EXPECT_GE(standard, 315000);  // "about 350k (±10%)"
  EXPECT_LE(standard, 385000);
  int64_t micro = built_params("cifar_micro");
  EXPECT_GE(micro, 8000);  // "about 10k (±20%)"
  EXPECT_LE(micro, 12000);
}

TEST(Model, OutputShapesOfMnistCnn) {
  auto m = Model::load("mnist_cnn");
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->build(1).ok());
  EXPECT_EQ(m->layer_output_shape(0), (Shape{26, 26, 32}));
  EXPECT_EQ(m->output_shape(), (Shape{10}));
}

TEST(Model, BadSpecsAreClearErrors) {
  struct Case {
    const char* json;
    const char* expect;
  } cases[] = {
      {R"({"input": [28, 28, 1]})", "layers"},
      {R"({"layers": [{"type": "flatten"}]})", "input"},
      {R"({"input": [28, 28, 1], "layers": [{"type": "convolution"}]})", "unknown layer type"},
      {R"({"input": [28, 28, 1], "layers": [{"type": "conv2d", "kernel": 3}]})", "filters"},
      {R"({"input": [28, 28, 1], "layers": [{"type": "conv2d", "filters": 4, "kernel": 3, "padding": "full"}]})", "padding"},
      {R"({"input": [28, 28, 1], "layers": [{"type": "dense", "units": 10, "activation": "gelu"}]})", "activation"},
      {R"({"input": [28, 28, 1], "layers": [{"type": "dropout", "rate": 1.5}]})", "rate"},
  };
  for (const Case& c : cases) {
    auto m = Model::from_spec(nlohmann::json::parse(c.json), "spec.json");
    ASSERT_FALSE(m.ok()) << c.json;
    EXPECT_NE(m.status().message().find("spec.json"), std::string::npos) << m.status().message();
    EXPECT_NE(m.status().message().find(c.expect), std::string::npos) << m.status().message();
  }
}

TEST(Model, ImpossibleShapesFailAtBuild) {
  // A 5x5 kernel on a 3x3 image with VALID padding has no output.
  auto m = Model::from_spec(nlohmann::json::parse(R"({"input": [3, 3, 1], "layers": [
      {"type": "conv2d", "filters": 2, "kernel": 5}, {"type": "flatten"}, {"type": "dense", "units": 2}]})"), "x.json");
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->build(1).ok());
  // Without a final dense layer the output is not a class vector.
  auto m2 = Model::from_spec(nlohmann::json::parse(R"({"input": [4, 4, 1], "layers": [
      {"type": "conv2d", "filters": 2, "kernel": 3}]})"), "y.json");
  ASSERT_TRUE(m2.ok());
  EXPECT_FALSE(m2->build(1).ok());
}

TEST(Model, LoadReportsUnknownNames) {
  auto m = Model::load("no_such_model");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("mnist_cnn"), std::string::npos);  // lists the built-ins
  // A name too long for the file system is an error too, not an exception that aborts.
  auto long_name = Model::load(std::string(5000, 'm'));
  ASSERT_FALSE(long_name.ok());
  EXPECT_NE(long_name.status().message().find("neither a built-in"), std::string::npos);
}

TEST(Model, DeeplyNestedSpecFileIsAnErrorNotACrash) {
  // The spec is copied into the model (and checkpoints), which recurses once per level.
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("octet_deep_spec_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"name": "deep", "input": [4, 4, 1], "layers": )" << std::string(200000, '[')
                      << std::string(200000, ']') << "}";
  auto m = Model::load(path.string());
  std::filesystem::remove(path);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("JSON nested deeper than 64 levels"), std::string::npos);
}

TEST(Optimizer, AdamFirstStepsMatchHandComputation) {
  Param p{"w", Tensor({2}), Tensor({2})};
  p.value.data = {1.0f, -2.0f};
  Adam adam(0.1f);
  std::vector<Param*> ps{&p};
  p.grad.data = {0.5f, -1.0f};
  adam.step(ps);
  // Step 1: m = 0.1 g, v = 0.001 g^2, bias-corrected step = lr * sign(g) (up to epsilon).
  EXPECT_NEAR(p.value.data[0], 0.9f, 1e-5);
  EXPECT_NEAR(p.value.data[1], -1.9f, 1e-5);
  p.grad.data = {0.5f, -1.0f};
  adam.step(ps);
  EXPECT_NEAR(p.value.data[0], 0.8f, 1e-5);
  EXPECT_NEAR(p.value.data[1], -1.8f, 1e-5);
}

TEST(Optimizer, SgdMomentumMatchesHandComputation) {
  Param p{"w", Tensor({1}), Tensor({1})};
  p.value.data = {1.0f};
  Sgd sgd(0.1f, 0.9f);
  std::vector<Param*> ps{&p};
  p.grad.data = {1.0f};
  sgd.step(ps);  // v = -0.1, w = 0.9
  EXPECT_FLOAT_EQ(p.value.data[0], 0.9f);
  sgd.step(ps);  // v = -0.09 - 0.1 = -0.19, w = 0.71
  EXPECT_NEAR(p.value.data[0], 0.71f, 1e-6);
  EXPECT_FALSE(make_optimizer("rmsprop", 0.1f).ok());
  EXPECT_FALSE(make_optimizer("adam", -1.0f).ok());
}

}  // namespace
}  // namespace octet::nn
