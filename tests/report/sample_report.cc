// Writes a sample report.html holding every element the report module offers (tables, the three
// chart types, a prediction grid, an <img>, <details>), from synthetic data. The Chromium test
// renders it; the distinctive colours below let the test find the images in the screenshot.
// Usage: octet_report_sample OUT.html
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "report/html.h"
#include "report/image_grid.h"
#include "report/png.h"
#include "report/stats.h"
#include "report/svg_chart.h"

namespace {

using namespace octet;
using namespace octet::report;

// Grayscale 28x28 ring with a class-dependent radius, so cells differ visibly.
GridCell ring_cell(int truth, int pred, double conf) {
  GridCell c;
  c.width = c.height = 28;
  c.channels = 1;
  c.pixels.resize(28 * 28);
  const double radius = 5 + truth;
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) {
      const double d = std::hypot(x - 13.5, y - 13.5);
      c.pixels[y * 28 + x] = std::abs(d - radius) < 1.8 ? 255 : 0;
    }
  c.true_label = truth;
  c.predicted_label = pred;
  c.confidence = conf;
  return c;
}

// A solid RGB cell in the test's marker green (0, 200, 0).
GridCell green_cell() {
  GridCell c;
  c.width = c.height = 32;
  c.channels = 3;
  for (int i = 0; i < 32 * 32; ++i) c.pixels.insert(c.pixels.end(), {0, 200, 0});
  c.true_label = 1;
  c.predicted_label = 1;
  c.confidence = 0.9375;
  return c;
}

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f%%", 100 * v);
  return buf;
}

Status run(const std::string& out) {
  HtmlPage page("octet sample report <all elements>");
  page.heading(1, "octet sample report");
  page.paragraph("Synthetic data exercising every element of the report page. Labels & names are escaped: <ok>.");

  // Synthetic predictions: 1000 samples, 10 classes; b fixes 3 of a's errors and breaks 9 of its hits.
  const int n = 1000, classes = 10;
  std::vector<uint8_t> labels(n), a(n), b(n);
  for (int i = 0; i < n; ++i) {
    labels[i] = static_cast<uint8_t>(i % classes);
    a[i] = i % 50 == 7 ? static_cast<uint8_t>((i + 1) % classes) : labels[i];
    b[i] = a[i];
    if (i % 50 == 7 && i < 150) b[i] = labels[i];
    if (i % 100 == 3) b[i] = static_cast<uint8_t>((i + 2) % classes);
  }
  OCTET_ASSIGN_OR_RETURN(auto diff, compare_predictions(labels, a, b, classes));
  const Interval ca = wilson_interval(diff.a_correct, n), cb = wilson_interval(diff.b_correct, n);

  page.heading(2, "Models");
  Table models;
  models.header = {"model", "accuracy", "95% CI", "size (KiB)", "latency (ms)"};
  models.rows = {{"sample_float", pct(double(diff.a_correct) / n), pct(ca.low) + " – " + pct(ca.high), "330.1", "0.92"},
                 {"sample_int8", pct(double(diff.b_correct) / n), pct(cb.low) + " – " + pct(cb.high), "86.4", "0.31"}};
  page.table(models);

  XYChart pareto;
  pareto.title = "Accuracy vs latency";
  pareto.x_label = "latency per image (ms, log scale)";
  pareto.y_label = "accuracy (%)";
  pareto.log_x = true;
  pareto.pareto_front = true;
  pareto.series.push_back({"float", {{0.92, 98.2, "sample_float"}, {3.1, 71.0, "cifar_float"}}, ""});
  pareto.series.push_back({"int8", {{0.31, 97.6, "sample_int8"}, {1.2, 70.1, "cifar_int8"}}, ""});
  page.svg(render_scatter_chart(pareto));

  page.heading(2, "float vs int8");
  char p[64];
  std::snprintf(p, sizeof(p), "%.4g", diff.mcnemar_p());
  page.table({{"fixed", "broken", "changed", "McNemar p"},
              {{std::to_string(diff.fixed.size()), std::to_string(diff.broken.size()), std::to_string(diff.changed), p}},
              {}});
  page.begin_details(std::to_string(diff.fixed.size() + diff.broken.size()) + " flipped samples");
  std::string fixed, broken;
  for (int64_t i : diff.fixed) fixed += std::to_string(i) + " ";
  for (int64_t i : diff.broken) broken += std::to_string(i) + " ";
  page.paragraph("fixed: " + fixed);
  page.paragraph("broken: " + broken);
  page.end_details();
  Table delta;
  delta.header.push_back("true \\ pred");
  for (int c = 0; c < classes; ++c) delta.header.push_back(std::to_string(c));
  for (int t = 0; t < classes; ++t) {
    delta.rows.push_back({std::to_string(t)});
    for (int c = 0; c < classes; ++c) delta.rows.back().push_back(std::to_string(diff.delta(t, c)));
  }
  page.begin_details("confusion-matrix delta (int8 − float)");
  page.table(delta);
  page.end_details();

  BarChart sqnr;
  sqnr.title = "Per-layer SQNR (int8 vs float)";
  sqnr.value_label = "SQNR (dB)";
  sqnr.bars = {{"input", INFINITY}, {"conv2d_1/Relu", 38.2}, {"max_pooling2d", 38.0}, {"conv2d_2/Relu", 31.7},
               {"dense/MatMul", 27.4}, {"softmax", 41.9}};
  page.svg(render_bar_chart(sqnr));

  XYChart bits;
  bits.title = "Accuracy vs weight bits";
  bits.x_label = "bits";
  bits.y_label = "accuracy (%)";
  bits.series.push_back({"mnist", {{2, 61.0, ""}, {4, 97.1, ""}, {6, 98.6, ""}, {8, 98.8, ""}}, ""});
  bits.series.push_back({"cifar", {{2, 18.0, ""}, {4, 55.0, ""}, {6, 69.5, ""}, {8, 70.9, ""}}, ""});
  page.svg(render_line_chart(bits));

  page.heading(2, "Sample predictions");
  std::vector<GridCell> cells;
  for (int i = 0; i < 15; ++i) cells.push_back(ring_cell(i % 10, i % 6 == 5 ? (i + 3) % 10 : i % 10, 0.5 + 0.03 * i));
  cells.push_back(green_cell());
  GridOptions grid;
  grid.columns = 8;
  grid.title = "Test images: true / predicted (confidence)";
  OCTET_ASSIGN_OR_RETURN(auto grid_svg, render_prediction_grid(cells, grid));
  page.svg(grid_svg);

  // A plain <img>: a 40x40 square in the test's marker magenta (200, 0, 200).
  std::vector<uint8_t> magenta;
  for (int i = 0; i < 40 * 40; ++i) magenta.insert(magenta.end(), {200, 0, 200});
  OCTET_ASSIGN_OR_RETURN(auto png, encode_png(upscale_nearest(magenta, 40, 40, 3, 2), 80, 80, 3));
  page.image(png_data_uri(png), "marker square");

  page.heading(2, "Settings");
  page.preformatted("seed 1\nsamples 1000\nthreads 1");
  return write_file_atomic(out, page.str()).with_context(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.html\n", argv[0]);
    return 2;
  }
  const Status s = run(argv[1]);
  if (!s.ok()) {
    std::fprintf(stderr, "octet_report_sample: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
