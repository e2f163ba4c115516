// Depth-first batching: a batch run as sub-batches (any size, 1 or 2 threads) gives the same bytes
// as the whole batch run op by op, for float32, int8 and dynamic-range graphs with the reference and
// the automatic kernels; graphs whose ops mix images, and preserve_all_tensors, keep the whole batch.
// A batch run whole with ops split over 2 or 3 threads gives the bytes of one thread.
#include <gtest/gtest.h>

#include <string>

#include "qs8_test_util.h"

namespace octet::runtime {
namespace {

using namespace testing;  // NOLINT

std::vector<int8_t> rand_i8s(Rng& rng, size_t n) {
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(static_cast<int>(rng.below(256)) - 128);
  return v;
}

std::vector<int32_t> rand_i32s(Rng& rng, size_t n, int range) {
  std::vector<int32_t> v(n);
  for (int32_t& x : v) x = static_cast<int32_t>(rng.below(2 * range + 1)) - range;
  return v;
}

OpOptions with_activation(Activation a, Padding p = Padding::kValid) {
  OpOptions o;
  o.activation = a;
  o.padding = p;
  return o;
}

OpOptions pool_2x2() {
  OpOptions o;
  o.filter_h = o.filter_w = o.stride_h = o.stride_w = 2;
  return o;
}

// [N,14,14,3] -> conv 3x3 SAME x8 RELU -> depthwise 3x3 RELU6 -> max pool -> conv 1x1 x6 ->
// average pool -> reshape [-1,54] -> FC 10 -> softmax.
Graph float_graph() {
  Rng rng(11);
  GraphBuilder b;
  int32_t t = b.input({1, 14, 14, 3});
  t = b.op(OpType::kConv2D, {t, b.f32({8, 3, 3, 3}, random_vector(rng, 216)), b.f32({8}, random_vector(rng, 8))},
           with_activation(Activation::kRelu, Padding::kSame));
  t = b.op(OpType::kDepthwiseConv2D,
           {t, b.f32({1, 3, 3, 8}, random_vector(rng, 72)), b.f32({8}, random_vector(rng, 8))},
           with_activation(Activation::kRelu6));
  t = b.op(OpType::kMaxPool2D, {t}, pool_2x2());
  t = b.op(OpType::kConv2D, {t, b.f32({6, 1, 1, 8}, random_vector(rng, 48)), b.f32({6}, random_vector(rng, 6))});
  OpOptions avg;
  avg.filter_h = avg.filter_w = 2;
  avg.stride_h = avg.stride_w = 2;
  t = b.op(OpType::kAveragePool2D, {t}, avg);
  t = b.op(OpType::kReshape, {t, b.i32({2}, {-1, 54})});
  t = b.op(OpType::kFullyConnected, {t, b.f32({10, 54}, random_vector(rng, 540)), b.f32({10}, random_vector(rng, 10))});
  b.output(b.op(OpType::kSoftmax, {t}));
  return b.g;
}

// The int8 graph of mnist_cnn's shape on 14x14 images: conv 3x3 1->8 RELU, max pool, conv 3x3 8->16
// RELU, reshape, FC 256->32 RELU, FC 32->10, softmax.
Graph int8_graph() {
  Rng rng(12);
  GraphBuilder b;
  int32_t t = b.input({1, 14, 14, 1}, DataType::kInt8);
  set_quant(b.g, t, 1.0f / 255, -128);
  auto conv = [&](int32_t x, int cin, int cout) {
    const int32_t w = i8(b, {cout, 3, 3, cin}, rand_i8s(rng, static_cast<size_t>(cout) * 9 * cin));
    set_quant(b.g, w, std::vector<float>(cout, 0.004f), std::vector<int64_t>(cout, 0));
    const int32_t y = b.op(OpType::kConv2D, {x, w, b.i32({cout}, rand_i32s(rng, cout, 3000))},
                           with_activation(Activation::kRelu), DataType::kInt8);
    set_quant(b.g, y, 0.05f, -128);
    return y;
  };
  t = conv(t, 1, 8);
  t = b.op(OpType::kMaxPool2D, {t}, pool_2x2(), DataType::kInt8);
  set_quant(b.g, t, 0.05f, -128);
  t = conv(t, 8, 16);
  OpOptions r;
  r.new_shape = {-1, 256};
  t = b.op(OpType::kReshape, {t}, r, DataType::kInt8);
  set_quant(b.g, t, 0.05f, -128);
  auto fc = [&](int32_t x, int depth, int units, Activation a) {
    const int32_t w = i8(b, {units, depth}, rand_i8s(rng, static_cast<size_t>(units) * depth));
    set_quant(b.g, w, std::vector<float>(units, 0.003f), std::vector<int64_t>(units, 0));
    const int32_t y = b.op(OpType::kFullyConnected, {x, w, b.i32({units}, rand_i32s(rng, units, 3000))},
                           with_activation(a), DataType::kInt8);
    set_quant(b.g, y, 0.1f, a == Activation::kRelu ? -128 : 3);
    return y;
  };
  t = fc(fc(t, 256, 32, Activation::kRelu), 32, 10, Activation::kNone);
  t = b.op(OpType::kSoftmax, {t}, {}, DataType::kInt8);
  set_quant(b.g, t, 1.0f / 256, -128);
  b.output(t);
  return b.g;
}

// Dynamic range: float [N,10,10,2] -> conv 3x3 with int8 weights RELU -> reshape -> FC with int8
// weights (each image quantized at run time).
Graph dynamic_graph() {
  Rng rng(13);
  GraphBuilder b;
  int32_t t = b.input({1, 10, 10, 2});
  const int32_t cw = i8(b, {4, 3, 3, 2}, rand_i8s(rng, 72));
  set_quant(b.g, cw, std::vector<float>{0.01f, 0.02f, 0.005f, 0.01f}, std::vector<int64_t>(4, 0));
  t = b.op(OpType::kConv2D, {t, cw, b.f32({4}, random_vector(rng, 4))}, with_activation(Activation::kRelu));
  t = b.op(OpType::kReshape, {t, b.i32({2}, {-1, 256})});
  const int32_t fw = i8(b, {7, 256}, rand_i8s(rng, 7 * 256));
  set_quant(b.g, fw, 0.01f, 0);
  b.output(b.op(OpType::kFullyConnected, {t, fw, b.f32({7}, random_vector(rng, 7))}));
  return b.g;
}

std::unique_ptr<Interpreter> create(const Graph& g, int batch, int threads, int sub_batch,
                                    KernelChoice kernels) {
  return make_interp(g, batch, threads, FcRequant::kInteger, kernels, sub_batch);
}

std::vector<uint8_t> run_bytes(Interpreter& interp, const std::vector<uint8_t>& input) {
  EXPECT_EQ(interp.input_bytes(0), input.size());
  std::memcpy(interp.input_data(0), input.data(), input.size());
  EXPECT_TRUE(interp.invoke().ok());
  const uint8_t* out = static_cast<const uint8_t*>(interp.output_data(0));
  return std::vector<uint8_t>(out, out + interp.output_bytes(0));
}

// Random input bytes: floats in [0, 1) for float inputs, any byte for int8.
std::vector<uint8_t> random_input(const Graph& g, int batch, Rng& rng) {
  const Tensor& in = g.tensors[g.inputs[0]];
  const size_t elements = static_cast<size_t>(in.num_elements()) * batch;
  std::vector<uint8_t> bytes(elements * element_size(in.type));
  if (in.type == DataType::kFloat32) {
    const std::vector<float> v = random_vector(rng, elements, 0.0f, 1.0f);
    std::memcpy(bytes.data(), v.data(), bytes.size());
  } else {
    for (uint8_t& x : bytes) x = static_cast<uint8_t>(rng.below(256));
  }
  return bytes;
}

// "" when equal, else where the first difference is (the byte dumps of ASSERT_EQ are unreadable).
std::string first_difference(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want) {
  if (got.size() != want.size()) {
    return "size " + std::to_string(got.size()) + " vs " + std::to_string(want.size());
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i]) return "first difference at byte " + std::to_string(i);
  }
  return "";
}

void expect_sub_batches_match_whole_batch(const Graph& g, const std::string& name,
                                          bool split_only_with_auto = false) {
  Rng rng(21);
  for (KernelChoice kernels : {KernelChoice::kReference, KernelChoice::kAuto}) {
    for (int batch : {1, 3, 17, 64}) {
      std::string what = name;
      what += kernels == KernelChoice::kAuto ? " auto, batch " : " reference, batch ";
      what += std::to_string(batch);
      const std::vector<uint8_t> x = random_input(g, batch, rng);
      auto whole = create(g, batch, 1, batch, kernels);
      ASSERT_TRUE(whole) << what;
      ASSERT_EQ(whole->sub_batch(), batch) << what;
      const std::vector<uint8_t> want = run_bytes(*whole, x);
      for (int threads : {1, 2}) {
        for (int sub : {0, 1, 2, 5}) {
          auto interp = create(g, batch, threads, sub, kernels);
          ASSERT_TRUE(interp) << what;
          // The float reference FULLY_CONNECTED (OpenBLAS) keeps the whole batch.
          const bool whole_only = split_only_with_auto && kernels == KernelChoice::kReference;
          if (sub > 0) {
            EXPECT_EQ(interp->sub_batch(), whole_only ? batch : std::min(sub, batch)) << what;
          }
          EXPECT_EQ(interp->output_shape(0), whole->output_shape(0)) << what;
          std::string label = what;
          label += ", threads " + std::to_string(threads);
          label += ", sub-batch " + std::to_string(interp->sub_batch());
          ASSERT_EQ(first_difference(run_bytes(*interp, x), want), "") << label;
          ASSERT_EQ(first_difference(run_bytes(*interp, x), want), "") << label << " (second invoke)";
        }
      }
    }
  }
}

TEST(SubBatch, Float32OutputsEqualTheWholeBatch) {
  expect_sub_batches_match_whole_batch(float_graph(), "float32", true);
}

TEST(SubBatch, Int8OutputsEqualTheWholeBatch) { expect_sub_batches_match_whole_batch(int8_graph(), "int8"); }

TEST(SubBatch, DynamicRangeOutputsEqualTheWholeBatch) {
  expect_sub_batches_match_whole_batch(dynamic_graph(), "dynamic range");
}

// Intra-op threading: a batch that runs whole splits every op's rows or tiles over the pool, whose
// threads claim chunks in whatever order they get to them. Each of many invokes with fresh inputs
// must give the bytes of the one-thread run, for any thread count.
void expect_intra_op_threads_match_one_thread(const Graph& g, const std::string& name) {
  Rng rng(31);
  for (KernelChoice kernels : {KernelChoice::kReference, KernelChoice::kAuto}) {
    for (int batch : {1, 2}) {
      std::string what = name;
      what += kernels == KernelChoice::kAuto ? " auto, batch " : " reference, batch ";
      what += std::to_string(batch);
      auto one = create(g, batch, 1, batch, kernels);
      ASSERT_TRUE(one) << what;
      std::vector<std::unique_ptr<Interpreter>> many;
      for (int threads : {2, 3}) {
        many.push_back(create(g, batch, threads, batch, kernels));
        ASSERT_TRUE(many.back()) << what;
        ASSERT_EQ(many.back()->sub_batch(), batch) << what;
      }
      for (int round = 0; round < 20; ++round) {
        const std::vector<uint8_t> x = random_input(g, batch, rng);
        const std::vector<uint8_t> want = run_bytes(*one, x);
        for (size_t k = 0; k < many.size(); ++k) {
          ASSERT_EQ(first_difference(run_bytes(*many[k], x), want), "")
              << what << ", threads " << k + 2 << ", round " << round;
        }
      }
    }
  }
}

TEST(IntraOpThreads, Float32OutputsEqualOneThread) {
  expect_intra_op_threads_match_one_thread(float_graph(), "float32");
}

TEST(IntraOpThreads, Int8OutputsEqualOneThread) {
  expect_intra_op_threads_match_one_thread(int8_graph(), "int8");
}

TEST(IntraOpThreads, DynamicRangeOutputsEqualOneThread) {
  expect_intra_op_threads_match_one_thread(dynamic_graph(), "dynamic range");
}

// The automatic size keeps one sub-batch's arena within kSubBatchArenaBytes and gives both threads
// work; set_batch re-chooses it.
TEST(SubBatch, AutomaticSizeFitsTheBudget) {
  const Graph g = float_graph();
  auto interp = create(g, 256, 2, 0, KernelChoice::kAuto);
  ASSERT_TRUE(interp);
  EXPECT_LT(interp->sub_batch(), 256);
  EXPECT_LE(interp->arena_bytes(), kSubBatchArenaBytes + kSubBatchArenaBytes / 2);
  ASSERT_TRUE(interp->set_batch(2).ok());
  EXPECT_EQ(interp->sub_batch(), 1);  // two threads, two images
  ASSERT_TRUE(interp->set_batch(1).ok());
  EXPECT_EQ(interp->sub_batch(), 1);
  EXPECT_EQ(interp->input_shape(0), (std::vector<int32_t>{1, 14, 14, 3}));
}

// invoke_timed with sub-batches on two threads: the outputs of invoke(), one non-negative time per op.
TEST(SubBatch, InvokeTimedMatchesInvoke) {
  const Graph g = int8_graph();
  Rng rng(5);
  const std::vector<uint8_t> x = random_input(g, 9, rng);
  auto interp = create(g, 9, 2, 2, KernelChoice::kAuto);
  ASSERT_TRUE(interp);
  const std::vector<uint8_t> want = run_bytes(*interp, x);
  std::vector<double> seconds(g.ops.size(), 0.0);
  ASSERT_TRUE(interp->invoke_timed(seconds).ok());
  const uint8_t* out = static_cast<const uint8_t*>(interp->output_data(0));
  EXPECT_EQ(std::vector<uint8_t>(out, out + interp->output_bytes(0)), want);
  double total = 0;
  for (double s : seconds) {
    EXPECT_GE(s, 0.0);
    total += s;
  }
  EXPECT_GT(total, 0.0);
}

// MEAN over the batch axis mixes images: the batch must run whole, and the result is the mean of all.
TEST(SubBatch, OpThatMixesImagesKeepsTheWholeBatch) {
  GraphBuilder b;
  int32_t t = b.input({1, 2, 2, 1});
  OpOptions keep;
  keep.keep_dims = true;
  b.output(b.op(OpType::kMean, {t, b.i32({3}, {0, 1, 2})}, keep));
  auto interp = create(b.g, 4, 2, 1, KernelChoice::kAuto);
  ASSERT_TRUE(interp);
  EXPECT_EQ(interp->sub_batch(), 4);
  std::vector<float> x(16);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  EXPECT_EQ(run_f32(*interp, x), std::vector<float>{7.5f});
}

TEST(SubBatch, PreservedTensorsKeepTheWholeBatch) {
  InterpreterOptions o;
  o.batch = 6;
  o.num_threads = 2;
  o.sub_batch = 2;
  o.preserve_all_tensors = true;
  auto interp = Interpreter::create(float_graph(), o);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  EXPECT_EQ(interp.value()->sub_batch(), 6);
}

}  // namespace
}  // namespace octet::runtime
