// The reference MNIST CNN (models/mnist_cnn.json) built from the layers directly: determinism
// across runs and thread counts, and a printed (never asserted) forward+backward time.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "nn/layers/conv2d.h"
#include "nn/layers/dense.h"
#include "nn/layers/dropout.h"
#include "nn/layers/flatten.h"
#include "nn/layers/loss.h"
#include "nn/layers/max_pool2d.h"
#include "nn/layers/relu.h"
#include "nn_test_util.h"

namespace octet::nn {
namespace {

using runtime::Padding;
using testing::random_tensor;
using testing::same_bytes;

void add_mnist_cnn(testing::Stack& s) {
  s.add(std::make_unique<Conv2D>(32, 3, 3, 1, 1, Padding::kValid));
  s.add(std::make_unique<ReLU>());
  s.add(std::make_unique<MaxPool2D>(2, 2, 2, 2, Padding::kValid));
  s.add(std::make_unique<Conv2D>(64, 3, 3, 1, 1, Padding::kValid));
  s.add(std::make_unique<ReLU>());
  s.add(std::make_unique<MaxPool2D>(2, 2, 2, 2, Padding::kValid));
  s.add(std::make_unique<Flatten>());
  s.add(std::make_unique<Dense>(128));
  s.add(std::make_unique<ReLU>());
  s.add(std::make_unique<Dropout>(0.3f));
  s.add(std::make_unique<Dense>(10));
}

struct StepResult {
  Tensor logits;
  std::vector<Tensor> grads;
  float loss = 0;
};

// One training step's forward and backward (no optimizer) on a fixed batch.
StepResult run_step(int threads, int batch) {
  testing::Stack s;
  add_mnist_cnn(s);
  EXPECT_EQ(s.build({28, 28, 1}, 2024), (Shape{10}));
  Tensor x = random_tensor({batch, 28, 28, 1}, 5, 0.0f, 1.0f);
  std::vector<uint8_t> y(batch);
  for (int i = 0; i < batch; ++i) y[i] = static_cast<uint8_t>((i * 7) % 10);
  ThreadPool pool(threads);
  Rng rng(77);
  Context ctx{true, &pool, &rng};
  s.zero_grads();
  StepResult r;
  r.logits = s.forward(x, ctx);
  Tensor g;
  r.loss = softmax_cross_entropy(r.logits, y.data(), &g, nullptr);
  s.backward(g, ctx);
  for (Param* p : s.params()) r.grads.push_back(p->grad);
  return r;
}

TEST(ReferenceModel, SameSeedSameThreadsIsBitIdentical) {
  for (int threads : {1, 2}) {
    StepResult a = run_step(threads, 64), b = run_step(threads, 64);
    EXPECT_TRUE(same_bytes(a.logits, b.logits));
    ASSERT_EQ(a.grads.size(), 8u);
    for (size_t i = 0; i < a.grads.size(); ++i) EXPECT_TRUE(same_bytes(a.grads[i], b.grads[i])) << i;
  }
}

TEST(ReferenceModel, OneAndTwoThreadsAgree) {
  // The layers split work into groups that do not depend on the thread count, so even the
  // gradients are bit-identical; the brief only requires ~1e-5, checked first.
  for (int batch : {64, 32, 7}) {
    StepResult a = run_step(1, batch), b = run_step(2, batch);
    EXPECT_TRUE(same_bytes(a.logits, b.logits)) << batch;
    for (size_t i = 0; i < a.grads.size(); ++i) {
      EXPECT_LT(testing::max_rel_diff(b.grads[i], a.grads[i]), 1e-5) << i;
      EXPECT_TRUE(same_bytes(a.grads[i], b.grads[i])) << "param " << i << " batch " << batch;
    }
  }
}

TEST(ReferenceModel, PrintsForwardBackwardTime) {
  constexpr int kBatch = 64, kWarmup = 3, kSteps = 30;
  Tensor x = random_tensor({kBatch, 28, 28, 1}, 5, 0.0f, 1.0f);
  std::vector<uint8_t> y(kBatch);
  for (int i = 0; i < kBatch; ++i) y[i] = static_cast<uint8_t>(i % 10);
  for (int threads : {1, 2}) {
    testing::Stack s;
    add_mnist_cnn(s);
    s.build({28, 28, 1}, 1);
    ThreadPool pool(threads);
    Rng rng(3);
    Context ctx{true, &pool, &rng};
    Tensor g;
    double fwd = 0, total = 0;
    for (int step = 0; step < kWarmup + kSteps; ++step) {
      auto t0 = std::chrono::steady_clock::now();
      s.zero_grads();
      const Tensor& logits = s.forward(x, ctx);
      auto t1 = std::chrono::steady_clock::now();
      softmax_cross_entropy(logits, y.data(), &g, nullptr);
      s.backward(g, ctx);
      auto t2 = std::chrono::steady_clock::now();
      if (step >= kWarmup) {
        fwd += std::chrono::duration<double>(t1 - t0).count();
        total += std::chrono::duration<double>(t2 - t0).count();
      }
    }
    fwd /= kSteps, total /= kSteps;
    std::printf("mnist_cnn batch %d, %d thread(s): forward %.2f ms, forward+backward %.2f ms per batch "
                "-> %.2f s per 60k-image epoch (layers only)\n",
                kBatch, threads, fwd * 1e3, total * 1e3, total * (60000.0 / kBatch));
  }
}

}  // namespace
}  // namespace octet::nn
