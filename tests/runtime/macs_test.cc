// MAC counts checked against counts worked out by hand from the layer shapes.
#include "runtime/macs.h"

#include <gtest/gtest.h>

#include "nn/export.h"
#include "nn/model.h"
#include "runtime/interpreter.h"
#include "test_util.h"

namespace octet::runtime {
namespace {

using testing::GraphBuilder;

std::unique_ptr<Interpreter> prepared(const Graph& g, int batch = 1) {
  InterpreterOptions o;
  o.batch = batch;
  auto interp = Interpreter::create(g, o);
  EXPECT_TRUE(interp.ok()) << interp.status().message();
  return std::move(interp).value();
}

TEST(Macs, ConvValidCountsEveryOutputTimesTheFilterVolume) {
  GraphBuilder b;
  int32_t in = b.input({1, 28, 28, 1});
  int32_t y = b.op(OpType::kConv2D, {in, b.f32({32, 3, 3, 1}, std::vector<float>(288)), -1});
  b.output(y);
  auto interp = prepared(b.g);
  // 26 x 26 outputs x 32 channels, 3 x 3 x 1 products each.
  EXPECT_EQ(op_macs(*interp, 0), 26 * 26 * 32 * 9);
  EXPECT_EQ(model_macs_per_image(*interp), 194'688);
}

TEST(Macs, ConvSameStrideTwoAndBatch) {
  GraphBuilder b;
  int32_t in = b.input({1, 8, 8, 3});
  OpOptions o;
  o.padding = Padding::kSame;
  o.stride_h = o.stride_w = 2;
  b.output(b.op(OpType::kConv2D, {in, b.f32({4, 3, 3, 3}, std::vector<float>(108)), -1}, o));
  auto interp = prepared(b.g, 5);
  // 4 x 4 outputs x 4 channels x 27 products per image (padding counted: the kernels compute it).
  EXPECT_EQ(op_macs(*interp, 0), 5 * 4 * 4 * 4 * 27);
  EXPECT_EQ(model_macs_per_image(*interp), 1728);
}

TEST(Macs, DepthwiseCountsOneChannelPerOutput) {
  GraphBuilder b;
  int32_t in = b.input({1, 6, 6, 4});
  OpOptions o;
  o.depth_multiplier = 2;
  b.output(b.op(OpType::kDepthwiseConv2D, {in, b.f32({1, 3, 3, 8}, std::vector<float>(72)), -1}, o));
  auto interp = prepared(b.g);
  EXPECT_EQ(op_macs(*interp, 0), 4 * 4 * 8 * 9);
}

TEST(Macs, FullyConnectedAndOpsWithoutMacs) {
  GraphBuilder b;
  int32_t in = b.input({1, 4, 4, 2});
  OpOptions pool;
  pool.filter_h = pool.filter_w = 2;
  pool.stride_h = pool.stride_w = 2;
  int32_t p = b.op(OpType::kMaxPool2D, {in}, pool);
  int32_t flat = b.op(OpType::kReshape, {p, b.i32({2}, {-1, 8})});
  int32_t fc = b.op(OpType::kFullyConnected, {flat, b.f32({3, 8}, std::vector<float>(24)), -1});
  b.output(b.op(OpType::kSoftmax, {fc}));
  auto interp = prepared(b.g, 2);
  EXPECT_EQ(op_macs(*interp), (std::vector<int64_t>{0, 0, 2 * 3 * 8, 0}));
  EXPECT_EQ(model_macs_per_image(*interp), 24);
}

int64_t builtin_macs(const std::string& name) {
  auto model = nn::Model::load(name);
  EXPECT_TRUE(model.ok()) << model.status().message();
  EXPECT_TRUE(model->build(7).ok());
  auto graph = nn::export_graph(model.value(), {});
  EXPECT_TRUE(graph.ok()) << graph.status().message();
  return model_macs_per_image(*prepared(graph.value(), 3));
}

TEST(Macs, SeedModels) {
  // conv 26x26x32x9 + conv 11x11x64x288 + dense 1600x128 + dense 128x10
  EXPECT_EQ(builtin_macs("mnist_cnn"), 194'688 + 2'230'272 + 204'800 + 1'280);  // 2.63 M
  // same convs at 32, 16 and 8: 1024x16x27 + 256x24x144 + 64x32x216, then dense 32x10
  EXPECT_EQ(builtin_macs("cifar_micro"), 442'368 + 884'736 + 442'368 + 320);
  // 1024x32x27 + 1024x32x288 + 256x64x288 + 256x64x576 + 64x128x576 + 2048x96 + 96x10
  EXPECT_EQ(builtin_macs("cifar_standard"),
            884'736 + 9'437'184 + 4'718'592 + 9'437'184 + 4'718'592 + 196'608 + 960);
}

}  // namespace
}  // namespace octet::runtime
