// Seconds per training epoch (60,000 images, batch 64, Adam) of the built-in models on synthetic
// data, next to the bound set by the machine's measured fp32 peak: target T5 is <= 8 s per epoch
// for mnist_cnn on 2 threads. A step = forward + loss + backward + optimizer update.
#include <benchmark/benchmark.h>

#include "eval/peak.h"
#include "nn/layers/loss.h"
#include "nn/model.h"
#include "nn/optimizer.h"

namespace {

using namespace octet;

// Forward MACs of one image for conv2d/dense layers (the bulk of the work).
double forward_macs(nn::Model& m) {
  double macs = 0;
  for (int i = 0; i < m.num_layers(); ++i) {
    for (nn::Param* p : m.layer(i).params()) {
      if (p->name != "kernel") continue;
      const Shape& out = m.layer_output_shape(i);
      double spatial = out.size() == 3 ? static_cast<double>(out[0]) * out[1] : 1.0;
      // conv: spatial x KH*KW*Cin*Cout; depthwise: spatial x KH*KW*C*M; dense: In*Units.
      macs += spatial * static_cast<double>(p->value.size());
    }
  }
  return macs;
}

void BM_TrainEpoch(benchmark::State& state, const char* model_name, int images_per_epoch) {
  const int threads = static_cast<int>(state.range(0));
  const int batch = 64;
  auto loaded = nn::Model::load(model_name);
  if (!loaded.ok() || !loaded->build(1).ok()) {
    state.SkipWithError("cannot build the model");
    return;
  }
  nn::Model& model = loaded.value();
  ThreadPool pool(threads);
  nn::Adam adam(1e-3f);
  Shape s{batch};
  s.insert(s.end(), model.input_shape().begin(), model.input_shape().end());
  Tensor x(s), grad;
  Rng rng(5);
  for (float& v : x.data) v = rng.uniform();
  std::vector<uint8_t> y(batch);
  for (auto& l : y) l = static_cast<uint8_t>(rng.below(10));
  std::vector<nn::Param*> params = model.params();
  Rng dropout_rng(9);
  nn::Context ctx{true, &pool, &dropout_rng};
  for (auto _ : state) {
    model.zero_grads();
    const Tensor& logits = model.forward(x, ctx);
    int correct = 0;
    benchmark::DoNotOptimize(nn::softmax_cross_entropy(logits, y.data(), &grad, &correct));
    model.backward(grad, ctx);
    adam.step(params);
  }
  const double steps_per_epoch = (images_per_epoch + batch - 1) / batch;
  const double macs_epoch = 3.0 * forward_macs(model) * images_per_epoch;  // forward + 2 backward GEMMs
  static const double peak = eval::measure_fp32_peak().gmacs;
  // Seconds per epoch = measured seconds per step x steps per epoch.
  state.counters["s_per_epoch"] = benchmark::Counter(static_cast<double>(state.iterations()) / steps_per_epoch,
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["GMAC_per_epoch"] = macs_epoch / 1e9;
  state.counters["bound_s_per_epoch"] = peak > 0 ? macs_epoch / (peak * 1e9 * threads) : 0;
  state.counters["peak_GMACs_per_core"] = peak;
}

BENCHMARK_CAPTURE(BM_TrainEpoch, mnist_cnn, "mnist_cnn", 60000)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainEpoch, mnist_fc, "mnist_fc", 60000)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainEpoch, cifar_standard, "cifar_standard", 50000)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainEpoch, cifar_micro, "cifar_micro", 50000)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
