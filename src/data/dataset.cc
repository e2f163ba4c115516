// Helpers on Dataset used by training: validation split, float batches, labels.
#include "data/dataset.h"

#include <cmath>
#include <cstring>
#include <numeric>

#include "core/rng.h"

namespace octet::data {

Dataset split_validation(Dataset& train, double fraction, uint64_t seed) {
  OCTET_CHECK_MSG(fraction >= 0.0 && fraction <= 1.0, "validation fraction must be in [0, 1]");
  const int64_t n = train.size();
  OCTET_CHECK_MSG(n < (int64_t{1} << 32), "dataset too large for Rng::below");
  const int64_t n_val = std::llround(fraction * static_cast<double>(n));

  // A seeded permutation picks the validation images; a mask then keeps both sides in
  // their original order, which makes the split independent of how the shuffle is consumed.
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  Rng rng(seed);
  rng.shuffle(perm);
  std::vector<uint8_t> in_val(n, 0);
  for (int64_t i = 0; i < n_val; ++i) in_val[perm[i]] = 1;

  Dataset val;
  val.height = train.height;
  val.width = train.width;
  val.channels = train.channels;
  val.class_names = train.class_names;
  const int64_t ib = train.image_bytes();
  val.pixels.resize(n_val * ib);
  val.labels.resize(n_val);

  // Compact the training set in place: the write cursor never overtakes the read cursor.
  int64_t w_train = 0, w_val = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* src = train.pixels.data() + i * ib;
    if (in_val[i]) {
      std::memcpy(val.pixels.data() + w_val * ib, src, ib);
      val.labels[w_val++] = train.labels[i];
    } else {
      if (w_train != i) std::memmove(train.pixels.data() + w_train * ib, src, ib);
      train.labels[w_train++] = train.labels[i];
    }
  }
  train.pixels.resize(w_train * ib);
  train.pixels.shrink_to_fit();
  train.labels.resize(w_train);
  return val;
}

void to_float(const Dataset& d, const int64_t* indices, int n, float* out) {
  // A table gives exactly x / 255.0f for each byte without a division per pixel.
  static const auto kTable = [] {
    std::vector<float> t(256);
    for (int i = 0; i < 256; ++i) t[i] = static_cast<float>(i) / 255.0f;
    return t;
  }();
  const int64_t ib = d.image_bytes();
  for (int k = 0; k < n; ++k) {
    OCTET_DCHECK(indices[k] >= 0 && indices[k] < d.size());
    const uint8_t* src = d.image(indices[k]);
    float* dst = out + k * ib;
    for (int64_t j = 0; j < ib; ++j) dst[j] = kTable[src[j]];
  }
}

void labels_of(const Dataset& d, const int64_t* indices, int n, int32_t* out) {
  for (int k = 0; k < n; ++k) {
    OCTET_DCHECK(indices[k] >= 0 && indices[k] < d.size());
    out[k] = d.labels[indices[k]];
  }
}

std::vector<int64_t> class_counts(const Dataset& d) {
  std::vector<int64_t> counts(d.class_names.size(), 0);
  for (uint8_t l : d.labels)
    if (l < counts.size()) ++counts[l];
  return counts;
}

}  // namespace octet::data
