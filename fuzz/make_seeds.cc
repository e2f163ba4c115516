// Writes the fuzzers' seed corpora (small, valid inputs of every format) under OUT_DIR:
//   OUT_DIR/{tflite,idx,cifar_bin,image,checkpoint}/...   (fuzz/make_corpus.sh adds the archives
//   and the experiment specs)
// Usage: make_seeds OUT_DIR. Generated at run time so no binary files live in the repository.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

// After <cstdio>: jpeglib.h needs size_t and FILE.
#include <jpeglib.h>
#include <png.h>

#include "checkpoint_seed_model.h"
#include "nn/checkpoint.h"
#include "runtime/graph.h"
#include "tflite/writer.h"

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using namespace octet::runtime;

namespace {

void write_file(const fs::path& p, const Bytes& b) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!f) {
    std::fprintf(stderr, "make_seeds: cannot write %s\n", p.c_str());
    std::exit(1);
  }
}

Bytes pattern(size_t n, uint32_t seed) {
  Bytes b(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& v : b) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    v = static_cast<uint8_t>(x);
  }
  return b;
}

Tensor tensor(const std::string& name, DataType type, std::vector<int32_t> shape) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  return t;
}

// Float constant with small values in [-0.5, 0.5).
Tensor const_f32(const std::string& name, std::vector<int32_t> shape, uint32_t seed) {
  Tensor t = tensor(name, DataType::kFloat32, std::move(shape));
  t.is_constant = true;
  const Bytes r = pattern(static_cast<size_t>(t.num_elements()), seed);
  t.data.resize(r.size() * 4);
  for (size_t i = 0; i < r.size(); ++i) {
    const float v = (static_cast<float>(r[i]) - 128.0f) / 256.0f;
    std::memcpy(t.data.data() + 4 * i, &v, 4);
  }
  return t;
}

Tensor const_i8(const std::string& name, std::vector<int32_t> shape, uint32_t seed) {
  Tensor t = tensor(name, DataType::kInt8, std::move(shape));
  t.is_constant = true;
  t.data = pattern(static_cast<size_t>(t.num_elements()), seed);
  return t;
}

QuantParams qp(float scale, int64_t zp) {
  QuantParams q;
  q.scale = {scale};
  q.zero_point = {zp};
  return q;
}

Op op(OpType type, std::vector<int32_t> in, int32_t out) {
  Op o;
  o.type = type;
  o.inputs = std::move(in);
  o.outputs = {out};
  return o;
}

// Float: conv -> relu6 -> depthwise -> add -> max pool -> avg pool -> reshape -> FC -> softmax,
// and a MEAN branch.
Graph float_graph() {
  Graph g;
  g.name = "seed_float";
  const int32_t x = g.add_tensor(tensor("x", DataType::kFloat32, {1, 8, 8, 1}));
  const int32_t w = g.add_tensor(const_f32("w", {4, 3, 3, 1}, 1));
  const int32_t b = g.add_tensor(const_f32("b", {4}, 2));
  const int32_t c = g.add_tensor(tensor("c", DataType::kFloat32, {1, 8, 8, 4}));
  const int32_t r = g.add_tensor(tensor("r", DataType::kFloat32, {1, 8, 8, 4}));
  const int32_t dw = g.add_tensor(const_f32("dw", {1, 3, 3, 4}, 3));
  const int32_t db = g.add_tensor(const_f32("db", {4}, 4));
  const int32_t d = g.add_tensor(tensor("d", DataType::kFloat32, {1, 8, 8, 4}));
  const int32_t a = g.add_tensor(tensor("a", DataType::kFloat32, {1, 8, 8, 4}));
  const int32_t mp = g.add_tensor(tensor("mp", DataType::kFloat32, {1, 4, 4, 4}));
  const int32_t ap = g.add_tensor(tensor("ap", DataType::kFloat32, {1, 2, 2, 4}));
  const int32_t shape = g.add_tensor(tensor("shape", DataType::kInt32, {2}));
  g.tensors[shape].is_constant = true;
  g.tensors[shape].data = {1, 0, 0, 0, 16, 0, 0, 0};
  const int32_t fl = g.add_tensor(tensor("fl", DataType::kFloat32, {1, 16}));
  const int32_t fw = g.add_tensor(const_f32("fw", {3, 16}, 5));
  const int32_t fb = g.add_tensor(const_f32("fb", {3}, 6));
  const int32_t fo = g.add_tensor(tensor("fo", DataType::kFloat32, {1, 3}));
  const int32_t y = g.add_tensor(tensor("y", DataType::kFloat32, {1, 3}));
  const int32_t axes = g.add_tensor(tensor("axes", DataType::kInt32, {2}));
  g.tensors[axes].is_constant = true;
  g.tensors[axes].data = {1, 0, 0, 0, 2, 0, 0, 0};
  const int32_t m = g.add_tensor(tensor("m", DataType::kFloat32, {1, 4}));

  Op conv = op(OpType::kConv2D, {x, w, b}, c);
  conv.options.padding = Padding::kSame;
  g.ops.push_back(conv);
  g.ops.push_back(op(OpType::kRelu6, {c}, r));
  Op dconv = op(OpType::kDepthwiseConv2D, {r, dw, db}, d);
  dconv.options.padding = Padding::kSame;
  dconv.options.depth_multiplier = 1;
  g.ops.push_back(dconv);
  g.ops.push_back(op(OpType::kAdd, {r, d}, a));
  Op pool = op(OpType::kMaxPool2D, {a}, mp);
  pool.options.filter_w = pool.options.filter_h = 2;
  pool.options.stride_w = pool.options.stride_h = 2;
  g.ops.push_back(pool);
  Op avg = op(OpType::kAveragePool2D, {mp}, ap);
  avg.options.filter_w = avg.options.filter_h = 2;
  avg.options.stride_w = avg.options.stride_h = 2;
  g.ops.push_back(avg);
  g.ops.push_back(op(OpType::kReshape, {ap, shape}, fl));
  Op fc = op(OpType::kFullyConnected, {fl, fw, fb}, fo);
  fc.options.activation = Activation::kRelu;
  g.ops.push_back(fc);
  g.ops.push_back(op(OpType::kSoftmax, {fo}, y));
  g.ops.push_back(op(OpType::kMean, {a, axes}, m));
  g.inputs = {x};
  g.outputs = {y, m};
  return g;
}

// int8: quantize -> conv -> relu -> FC -> softmax -> dequantize.
Graph int8_graph() {
  Graph g;
  g.name = "seed_int8";
  const int32_t x = g.add_tensor(tensor("x", DataType::kFloat32, {1, 4, 4, 1}));
  Tensor xq = tensor("xq", DataType::kInt8, {1, 4, 4, 1});
  xq.quant = qp(1.0f / 255.0f, -128);
  const int32_t q = g.add_tensor(xq);
  Tensor w = const_i8("w", {2, 3, 3, 1}, 7);
  w.quant.axis = 0;
  w.quant.scale = {0.01f, 0.02f};
  w.quant.zero_point = {0, 0};
  const int32_t tw = g.add_tensor(w);
  Tensor b = tensor("b", DataType::kInt32, {2});
  b.is_constant = true;
  b.data = pattern(8, 8);
  b.quant.axis = 0;
  b.quant.scale = {0.01f / 255.0f, 0.02f / 255.0f};
  b.quant.zero_point = {0, 0};
  const int32_t tb = g.add_tensor(b);
  Tensor c = tensor("c", DataType::kInt8, {1, 4, 4, 2});
  c.quant = qp(0.02f, -128);
  const int32_t tc = g.add_tensor(c);
  c.name = "r";
  const int32_t tr = g.add_tensor(c);
  Tensor fw = const_i8("fw", {3, 32}, 9);
  fw.quant = qp(0.004f, 0);
  const int32_t tfw = g.add_tensor(fw);
  Tensor fo = tensor("fo", DataType::kInt8, {1, 3});
  fo.quant = qp(0.1f, 3);
  const int32_t tfo = g.add_tensor(fo);
  Tensor s = tensor("s", DataType::kInt8, {1, 3});
  s.quant = qp(1.0f / 256.0f, -128);
  const int32_t ts = g.add_tensor(s);
  const int32_t y = g.add_tensor(tensor("y", DataType::kFloat32, {1, 3}));

  g.ops.push_back(op(OpType::kQuantize, {x}, q));
  Op conv = op(OpType::kConv2D, {q, tw, tb}, tc);
  conv.options.padding = Padding::kSame;
  g.ops.push_back(conv);
  g.ops.push_back(op(OpType::kRelu, {tc}, tr));
  g.ops.push_back(op(OpType::kFullyConnected, {tr, tfw, -1}, tfo));
  g.ops.push_back(op(OpType::kSoftmax, {tfo}, ts));
  g.ops.push_back(op(OpType::kDequantize, {ts}, y));
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

void write_tflite(const fs::path& p, const Graph& g) {
  auto bytes = octet::tflite::serialize_tflite(g);
  if (!bytes.ok()) {
    std::fprintf(stderr, "make_seeds: %s: %s\n", p.c_str(), bytes.status().message().c_str());
    std::exit(1);
  }
  write_file(p, *bytes);
}

Bytes be32(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
          static_cast<uint8_t>(v)};
}

Bytes idx(uint32_t magic, const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes b = be32(magic);
  for (uint32_t d : dims) {
    const Bytes x = be32(d);
    b.insert(b.end(), x.begin(), x.end());
  }
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes encode_jpeg(int h, int w, int channels, bool progressive) {
  const Bytes px = pattern(static_cast<size_t>(h * w * channels), 11);
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  jpeg_mem_dest(&cinfo, &out, &out_size);
  cinfo.image_width = static_cast<JDIMENSION>(w);
  cinfo.image_height = static_cast<JDIMENSION>(h);
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 75, TRUE);
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(px.data() + cinfo.next_scanline * w * channels);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  Bytes b(out, out + out_size);
  jpeg_destroy_compress(&cinfo);
  std::free(out);
  return b;
}

void png_append(png_structp png, png_bytep data, png_size_t n) {
  auto* b = static_cast<Bytes*>(png_get_io_ptr(png));
  b->insert(b->end(), data, data + n);
}
void png_noflush(png_structp) {}

Bytes encode_png(int h, int w, int color_type, int bit_depth) {
  int channels = 1;
  if (color_type == PNG_COLOR_TYPE_RGB) channels = 3;
  if (color_type == PNG_COLOR_TYPE_RGB_ALPHA) channels = 4;
  if (color_type == PNG_COLOR_TYPE_GRAY_ALPHA) channels = 2;
  const size_t row_bytes = static_cast<size_t>(w * channels * bit_depth + 7) / 8;
  Bytes px = pattern(row_bytes * h, 12);
  if (color_type == PNG_COLOR_TYPE_PALETTE) {
    for (auto& v : px) v &= 0x03;  // 4 palette entries (bit_depth 8)
  }
  Bytes out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    std::fprintf(stderr, "make_seeds: libpng error\n");
    std::exit(1);
  }
  png_set_write_fn(png, &out, png_append, png_noflush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), bit_depth,
               color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_color palette[4] = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_PLTE(png, info, palette, 4);
  png_write_info(png, info);
  for (int y = 0; y < h; ++y) png_write_row(png, px.data() + y * row_bytes);
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

// A checkpoint after two epochs of Adam: history, step count and moments (m, v per parameter).
void write_checkpoint(const fs::path& p) {
  octet::nn::Model model = octet::fuzz::checkpoint_seed_model();
  octet::nn::TrainProgress progress;
  progress.epochs_done = 2;
  for (int e = 1; e <= 2; ++e) {
    octet::nn::EpochResult r;
    r.epoch = e;
    r.train_loss = 1.0 / e;
    r.train_accuracy = 0.5 + 0.1 * e;
    r.val_accuracy = 0.45 + 0.1 * e;
    r.seconds = 0.25;
    progress.history.push_back(r);
  }
  progress.optimizer.step = 6;
  for (int slot = 0; slot < 2; ++slot) {
    for (octet::nn::Param* param : model.params())
      progress.optimizer.slots.emplace_back(param->value.data.size(), 0.001f * static_cast<float>(slot + 1));
  }
  fs::create_directories(p.parent_path());
  const octet::Status s = octet::nn::save_checkpoint(p.string(), model, octet::fuzz::checkpoint_seed_settings(), progress);
  if (!s.ok()) {
    std::fprintf(stderr, "make_seeds: %s\n", s.message().c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds OUT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  write_tflite(out / "tflite" / "float.tflite", float_graph());
  write_tflite(out / "tflite" / "int8.tflite", int8_graph());

  write_file(out / "idx" / "images.idx3", idx(0x803, {3, 4, 5}, pattern(60, 13)));
  write_file(out / "idx" / "labels.idx1", idx(0x801, {3}, {1, 7, 9}));

  Bytes rec;
  for (uint8_t label : {uint8_t{3}, uint8_t{9}}) {
    rec.push_back(label);
    const Bytes px = pattern(3 * 32 * 32, label);
    rec.insert(rec.end(), px.begin(), px.end());
  }
  write_file(out / "cifar_bin" / "batch.bin", rec);
  const std::string meta =
      "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
  write_file(out / "cifar_bin" / "batches.meta.txt", Bytes(meta.begin(), meta.end()));

  write_file(out / "image" / "grey.jpg", encode_jpeg(6, 5, 1, false));
  write_file(out / "image" / "rgb.jpg", encode_jpeg(5, 7, 3, false));
  write_file(out / "image" / "rgb_progressive.jpg", encode_jpeg(9, 4, 3, true));
  write_file(out / "image" / "grey.png", encode_png(5, 6, PNG_COLOR_TYPE_GRAY, 8));
  write_file(out / "image" / "grey16.png", encode_png(3, 4, PNG_COLOR_TYPE_GRAY, 16));
  write_file(out / "image" / "grey1.png", encode_png(3, 9, PNG_COLOR_TYPE_GRAY, 1));
  write_file(out / "image" / "rgb.png", encode_png(4, 4, PNG_COLOR_TYPE_RGB, 8));
  write_file(out / "image" / "rgba.png", encode_png(4, 3, PNG_COLOR_TYPE_RGB_ALPHA, 8));
  write_file(out / "image" / "ga.png", encode_png(2, 3, PNG_COLOR_TYPE_GRAY_ALPHA, 8));
  write_file(out / "image" / "palette.png", encode_png(4, 5, PNG_COLOR_TYPE_PALETTE, 8));
  write_checkpoint(out / "checkpoint" / "adam.ckpt");
  return 0;
}
