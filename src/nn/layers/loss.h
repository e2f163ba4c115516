// Softmax and the softmax cross-entropy loss on logits [N, K] with integer labels in [0, K).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace octet::nn {

// Mean over the batch of -log softmax(logits)[label], computed stably (row max subtracted,
// log-sum-exp in double). When grad_logits is not null it is resized to [N, K] and set to
// (softmax - onehot) / N. When correct is not null it receives the number of rows whose argmax
// (first maximum on ties) equals the label. N = 0 gives 0.
float softmax_cross_entropy(const Tensor& logits, const uint8_t* labels, Tensor* grad_logits, int* correct);

// Row-wise softmax of logits [N, K] into probs (resized to [N, K]).
void softmax(const Tensor& logits, Tensor& probs);

}  // namespace octet::nn
