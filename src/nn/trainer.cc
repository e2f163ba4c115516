#include "nn/trainer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <numeric>

#include "core/progress.h"
#include "data/loader.h"
#include "nn/layers/batch_norm.h"
#include "nn/layers/loss.h"
#include "nn/optimizer.h"

namespace octet::nn {

Status check_compatible(const Model& model, const data::Dataset& d, const std::string& what) {
  Shape img{d.height, d.width, d.channels};
  if (img != model.input_shape())
    return Status::Error(what + " images are " + shape_to_string(img) + " but model " + model.name() +
                         " expects " + shape_to_string(model.input_shape()));
  if (d.num_classes() > model.output_shape()[0])
    return Status::Error(what + " has " + std::to_string(d.num_classes()) + " classes but model " +
                         model.name() + " outputs " + std::to_string(model.output_shape()[0]));
  if (d.size() == 0) return Status::Error(what + " is empty");
  return Status::Ok();
}

namespace {

// Fills `x` with images [begin, end) of `order` as floats in [0,1], and `y` with their labels.
void make_batch(const data::Dataset& d, const std::vector<int64_t>& order, int64_t begin, int64_t end,
                const Shape& input_shape, Tensor& x, std::vector<uint8_t>& y) {
  const int n = static_cast<int>(end - begin);
  Shape s{n};
  s.insert(s.end(), input_shape.begin(), input_shape.end());
  x.reshape(s);
  data::to_float(d, order.data() + begin, n, x.ptr());
  y.resize(n);
  for (int i = 0; i < n; ++i) y[i] = d.labels[order[begin + i]];
}

}  // namespace

Result<std::vector<EpochResult>> train(Model& model, const data::Dataset& train_set,
                                       const data::Dataset* val_set, const TrainOptions& options,
                                       ThreadPool& pool,
                                       const std::function<Status(const TrainProgress&)>& on_epoch,
                                       const TrainProgress* resume) {
  OCTET_RETURN_IF_ERROR(check_compatible(model, train_set, "the training set"));
  if (val_set && val_set->size() > 0) OCTET_RETURN_IF_ERROR(check_compatible(model, *val_set, "the validation set"));
  if (options.epochs < 1 || options.batch < 1) return Status::Error("epochs and batch must be at least 1");
  OCTET_ASSIGN_OR_RETURN(auto optimizer, make_optimizer(options.optimizer, options.lr));

  const int64_t n = train_set.size();
  const int64_t steps = (n + options.batch - 1) / options.batch;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Tensor x, grad;
  std::vector<uint8_t> y;
  std::vector<Param*> params = model.params();
  TrainProgress progress_state;
  int first_epoch = 1;
  if (resume) {
    if (resume->epochs_done < 0 || resume->history.size() != static_cast<size_t>(resume->epochs_done))
      return Status::Error("resumed progress has " + std::to_string(resume->history.size()) +
                           " epoch results for " + std::to_string(resume->epochs_done) + " epochs");
    OCTET_RETURN_IF_ERROR(optimizer->set_state(resume->optimizer, params));
    progress_state.epochs_done = resume->epochs_done;
    progress_state.history = resume->history;
    first_epoch = resume->epochs_done + 1;
  }
  // Each epoch shuffles the previous epoch's order: replay the finished epochs' shuffles.
  auto shuffle_for = [&](int epoch) {
    Rng shuffle_rng(options.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch));
    shuffle_rng.shuffle(order);
  };
  for (int epoch = 1; epoch < first_epoch; ++epoch) shuffle_for(epoch);
  int64_t global_step = static_cast<int64_t>(first_epoch - 1) * steps;

  for (int epoch = first_epoch; epoch <= options.epochs; ++epoch) {
    double t0 = now_seconds();
    shuffle_for(epoch);
    Progress progress("epoch " + std::to_string(epoch) + "/" + std::to_string(options.epochs), steps, "batches");
    double loss_sum = 0;
    int64_t correct_sum = 0;
    for (int64_t step = 0; step < steps; ++step, ++global_step) {
      int64_t begin = step * options.batch, end = std::min(n, begin + options.batch);
      make_batch(train_set, order, begin, end, model.input_shape(), x, y);
      Rng dropout_rng(options.seed ^ (0xD1B54A32D192ED03ull * static_cast<uint64_t>(global_step + 1)));
      Context ctx{true, &pool, &dropout_rng};
      model.zero_grads();
      const Tensor& logits = model.forward(x, ctx);
      int correct = 0;
      float loss = softmax_cross_entropy(logits, y.data(), &grad, &correct);
      if (!std::isfinite(loss))
        return Status::Error("training diverged: the loss is " + std::to_string(loss) + " at epoch " +
                             std::to_string(epoch) + ", batch " + std::to_string(step + 1) +
                             " (try a lower --lr)");
      model.backward(grad, ctx);
      optimizer->step(params);
      loss_sum += loss * static_cast<double>(end - begin);
      correct_sum += correct;
      char status[64];
      std::snprintf(status, sizeof status, "loss %.4f acc %.4f", loss_sum / static_cast<double>(end),
                    static_cast<double>(correct_sum) / static_cast<double>(end));
      progress.update(step + 1, status);
    }
    if (options.precise_bn_batches > 0)
      recompute_batch_norm_statistics(model, train_set, options.precise_bn_batches, options.batch, options.seed, pool);
    EpochResult r;
    r.epoch = epoch;
    r.train_loss = loss_sum / static_cast<double>(n);
    r.train_accuracy = static_cast<double>(correct_sum) / static_cast<double>(n);
    if (val_set && val_set->size() > 0) r.val_accuracy = evaluate(model, *val_set, pool);
    r.seconds = now_seconds() - t0;
    char status[96];
    std::snprintf(status, sizeof status, "loss %.4f acc %.4f%s", r.train_loss, r.train_accuracy,
                  r.val_accuracy >= 0 ? (" val_acc " + std::to_string(r.val_accuracy).substr(0, 6)).c_str() : "");
    progress.finish(status);
    progress_state.epochs_done = epoch;
    progress_state.history.push_back(r);
    if (on_epoch) {
      progress_state.optimizer = optimizer->state();
      OCTET_RETURN_IF_ERROR(on_epoch(progress_state));
    }
  }
  return progress_state.history;
}

void recompute_batch_norm_statistics(Model& model, const data::Dataset& d, int batches, int batch_size,
                                     uint64_t seed, ThreadPool& pool) {
  std::vector<BatchNorm*> bns;
  for (int i = 0; i < model.num_layers(); ++i)
    if (model.layer(i).kind() == "batch_norm") bns.push_back(static_cast<BatchNorm*>(&model.layer(i)));
  if (bns.empty() || d.size() == 0) return;
  std::vector<int64_t> order(d.size());
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed ^ 0x5851F42D4C957F2Dull);
  rng.shuffle(order);
  const int64_t n = std::min<int64_t>(d.size(), static_cast<int64_t>(batches) * batch_size);
  // Per layer and channel: sums over batches of the batch mean, squared mean and variance.
  // Population variance = E[batch var] + E[batch mean^2] - E[batch mean]^2 (equal batch weights).
  std::vector<std::vector<double>> sum_mean(bns.size()), sum_mean_sq(bns.size()), sum_var(bns.size());
  for (size_t b = 0; b < bns.size(); ++b) {
    const size_t c = bns[b]->moving_mean().data.size();
    sum_mean[b].assign(c, 0.0);
    sum_mean_sq[b].assign(c, 0.0);
    sum_var[b].assign(c, 0.0);
  }
  Tensor x;
  std::vector<uint8_t> y;
  int used = 0;
  for (int64_t begin = 0; begin + batch_size <= n; begin += batch_size, ++used) {
    make_batch(d, order, begin, begin + batch_size, model.input_shape(), x, y);
    Rng dropout_rng(seed + static_cast<uint64_t>(used));
    Context ctx{true, &pool, &dropout_rng};
    model.forward(x, ctx);
    for (size_t b = 0; b < bns.size(); ++b) {
      const auto& m = bns[b]->batch_mean();
      const auto& v = bns[b]->batch_variance();
      for (size_t c = 0; c < m.size(); ++c) {
        sum_mean[b][c] += m[c];
        sum_mean_sq[b][c] += static_cast<double>(m[c]) * m[c];
        sum_var[b][c] += v[c];
      }
    }
  }
  if (used == 0) return;  // fewer images than one batch: keep the moving averages
  // The training-mode forwards above also moved the averages; overwrite them with the exact values.
  for (size_t b = 0; b < bns.size(); ++b) {
    float* mm = bns[b]->moving_mean().ptr();
    float* mv = bns[b]->moving_variance().ptr();
    for (size_t c = 0; c < sum_mean[b].size(); ++c) {
      const double mean = sum_mean[b][c] / used;
      const double var = sum_var[b][c] / used + sum_mean_sq[b][c] / used - mean * mean;
      mm[c] = static_cast<float>(mean);
      mv[c] = static_cast<float>(std::max(var, 0.0));
    }
  }
}

double evaluate(Model& model, const data::Dataset& d, ThreadPool& pool, std::vector<uint8_t>* predictions,
                int batch) {
  const int64_t n = d.size();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Tensor x;
  std::vector<uint8_t> y;
  Context ctx{false, &pool, nullptr};
  int64_t correct = 0;
  if (predictions) predictions->resize(n);
  const int classes = model.output_shape()[0];
  for (int64_t begin = 0; begin < n; begin += batch) {
    int64_t end = std::min(n, begin + batch);
    make_batch(d, order, begin, end, model.input_shape(), x, y);
    const Tensor& logits = model.forward(x, ctx);
    for (int64_t i = 0; i < end - begin; ++i) {
      const float* row = logits.ptr() + i * classes;
      int best = static_cast<int>(std::max_element(row, row + classes) - row);
      correct += best == y[i];
      if (predictions) (*predictions)[begin + i] = static_cast<uint8_t>(best);
    }
  }
  return n ? static_cast<double>(correct) / static_cast<double>(n) : 0.0;
}

namespace {

// The float as its shortest decimal (1e-3, not 0.0010000000474974513) for the JSON record.
double round_trip_decimal(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return std::strtod(buf, nullptr);
}

}  // namespace

nlohmann::json training_record(const Model& model, const data::DataSplits& splits, const TrainOptions& o,
                               int threads, double validation_fraction, double test_accuracy) {
  return {
      {"model", model.name()},
      {"dataset", splits.name},
      {"class_names", splits.train.class_names},
      {"preprocessing", "pixels / 255, NHWC"},
      {"seed", o.seed},
      {"threads", threads},
      {"epochs", o.epochs},
      {"batch", o.batch},
      {"optimizer", o.optimizer},
      {"lr", round_trip_decimal(o.lr)},
      {"precise_bn_batches", o.precise_bn_batches},
      {"validation_fraction", validation_fraction},
      {"test_accuracy", test_accuracy},
  };
}

}  // namespace octet::nn
