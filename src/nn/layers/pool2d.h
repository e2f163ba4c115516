// What max and average pooling share: the window configuration, TFLite's output geometry
// (windows clipped to the image), build, and the accessors export reads.
#pragma once

#include "nn/layer.h"
#include "nn/layers/layer_util.h"
#include "runtime/graph.h"

namespace octet::nn {

class Pool2D : public Layer {
 public:
  Pool2D(int pool_h, int pool_w, int stride_h, int stride_w, runtime::Padding padding)
      : pool_h_(pool_h), pool_w_(pool_w), stride_h_(stride_h), stride_w_(stride_w), padding_(padding) {}

  // [H, W, C] -> [OH, OW, C]
  Result<Shape> build(const Shape& input_shape, Rng&) override {
    const std::string k = kind();
    OCTET_ASSIGN_OR_RETURN(geom_, pool_geometry(k.c_str(), input_shape, pool_h_, pool_w_, stride_h_, stride_w_, padding_));
    return Shape{geom_.out_h, geom_.out_w, geom_.channels};
  }

  int pool_h() const { return pool_h_; }
  int pool_w() const { return pool_w_; }
  int stride_h() const { return stride_h_; }
  int stride_w() const { return stride_w_; }
  runtime::Padding padding() const { return padding_; }
  const PoolGeometry& geometry() const { return geom_; }

 protected:
  int pool_h_, pool_w_, stride_h_, stride_w_;
  runtime::Padding padding_;
  PoolGeometry geom_;
};

}  // namespace octet::nn
