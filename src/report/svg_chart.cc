#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace octet::report {
namespace {

const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
constexpr int kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);
constexpr const char* kFont = "font-family=\"DejaVu Sans, Arial, sans-serif\"";

// Coordinates with two decimals: deterministic text, and callers guarantee finite values.
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  std::string s = buf;
  if (s == "-0.00") s = "0.00";
  return s;
}

std::string svg_open(int width, int height) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
         "\" " + kFont + " font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
}

std::string text(double x, double y, const std::string& s, const std::string& attrs = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" + (attrs.empty() ? "" : " " + attrs) + ">" +
         xml_escape(s) + "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& attrs) {
  return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\" " +
         attrs + "/>\n";
}

// An axis: its range, tick values and how to place and label a value.
struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<double> ticks;
  int decimals = 0;

  double frac(double v) const {  // 0 at lo, 1 at hi
    return log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
  }
  std::string label(double v) const {
    char buf[32];
    if (log) {
      std::snprintf(buf, sizeof(buf), "%g", v);
    } else {
      std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
      if (std::string(buf).find_first_not_of("-0.") == std::string::npos) return "0";
    }
    return buf;
  }
};

// A linear axis with about `target` ticks on multiples of a 1-2-5 step. Snapped, [lo, hi] widens to
// whole steps (bars start and end on a tick); else it widens by `margin` of the range on both sides
// so markers never sit on the frame, and the ticks are the multiples inside. The widened range
// stops at `cap` (a percentage never shows 101).
Axis linear_axis(double lo, double hi, int target, bool snap, double margin = 0,
                 double cap = std::numeric_limits<double>::infinity()) {
  if (!(lo < hi)) {  // one value (or none): a unit-wide range around it
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double pad = margin * (hi - lo);
  lo -= pad;
  hi = std::max(std::min(hi + pad, cap), hi);
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  const double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
  // Index range of the ticks: the whole steps around [lo, hi] when snapped, else those inside it.
  const double k0 = snap ? std::floor(lo / step + 1e-9) : std::ceil(lo / step - 1e-9);
  const double k1 = snap ? std::ceil(hi / step - 1e-9) : std::floor(hi / step + 1e-9);
  Axis a;
  a.lo = snap ? k0 * step : lo;
  a.hi = snap ? k1 * step : hi;
  a.decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  for (double k = k0; k <= k1; k += 1) a.ticks.push_back(k * step);
  return a;
}

Axis log_axis(double lo, double hi) {
  Axis a;
  a.log = true;
  int e0 = static_cast<int>(std::floor(std::log10(lo) + 1e-12));
  int e1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-12));
  if (e1 <= e0) e1 = e0 + 1;
  a.lo = std::pow(10.0, e0);
  a.hi = std::pow(10.0, e1);
  for (int e = e0; e <= e1; ++e) {
    const double p = std::pow(10.0, e);
    a.ticks.push_back(p);
    // Few decades: label 2x and 5x too, so the axis has enough reference values.
    if (e1 - e0 <= 2 && e < e1) {
      a.ticks.push_back(2 * p);
      a.ticks.push_back(5 * p);
    }
  }
  return a;
}

bool usable(const ChartPoint& p, bool log_x) {
  return std::isfinite(p.x) && std::isfinite(p.y) && (!log_x || p.x > 0);
}

// Point labels: font size, and the box around a line of text from its baseline (DejaVu Sans at
// 10 px: capitals and ascenders reach 7.6 px up, descenders 2.4 px down, rounded up).
constexpr double kLabelFont = 10;
constexpr double kLabelAscent = 8, kLabelDescent = 3;
constexpr double kMarkerRadius = 4.5;

double overlap_area(const TextBox& a, const TextBox& b) {
  const double w = std::min(a.x + a.w, b.x + b.w) - std::max(a.x, b.x);
  const double h = std::min(a.y + a.h, b.y + b.h) - std::max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

// A point label placed: its box and whether a leader line joins it to its marker.
struct PlacedLabel {
  TextBox box;
  bool leader = false;
};

// Places the labels of `markers` (SVG coordinates; empty text = no label) one after the other,
// greedily: each takes the first candidate position, nearest first, whose box stays inside `frame`
// and overlaps no marker and no label placed before it. Candidates are the 8 compass positions next
// to the marker, then the same directions pushed out ring by ring (those get a leader line). When
// every candidate collides, the one with the least overlap wins. Deterministic: no randomness, and
// ties go to the earlier candidate.
std::vector<PlacedLabel> place_labels(const std::vector<std::pair<double, double>>& markers,
                                      const std::vector<std::string>& texts, const TextBox& frame) {
  // Directions in order of preference: up-right first (where labels used to go), then the
  // other diagonals, then the sides.
  static const int kDirs[8][2] = {{1, -1}, {1, 1}, {-1, -1}, {-1, 1}, {1, 0}, {-1, 0}, {0, -1}, {0, 1}};
  constexpr int kRings = 8;
  constexpr double kRingStep = 14, kGap = 2, kLabelPad = 2;
  std::vector<TextBox> obstacles;
  const double m = kMarkerRadius + 1;
  for (const auto& [x, y] : markers) obstacles.push_back({x - m, y - m, 2 * m, 2 * m});
  std::vector<PlacedLabel> placed(markers.size());
  for (size_t i = 0; i < markers.size(); ++i) {
    if (texts[i].empty()) continue;
    const auto [cx, cy] = markers[i];
    const TextBox shape = point_label_box(0, 0, texts[i]);
    double best_cost = HUGE_VAL;
    for (int ring = 0; ring <= kRings && best_cost > 0; ++ring) {
      for (const auto& d : kDirs) {
        // The box's side facing the marker sits kGap beyond the marker's edge (centred on the
        // marker along an axis the direction does not move on), pushed out `ring` steps.
        const double reach = m + kGap + ring * kRingStep;
        const double bx = d[0] > 0 ? cx + reach : d[0] < 0 ? cx - reach - shape.w : cx - shape.w / 2;
        const double by = d[1] > 0 ? cy + reach : d[1] < 0 ? cy - reach - shape.h : cy - shape.h / 2;
        const TextBox b{bx, by, shape.w, shape.h};
        const bool inside = b.x >= frame.x && b.y >= frame.y && b.x + b.w <= frame.x + frame.w &&
                            b.y + b.h <= frame.y + frame.h;
        // Leaving the frame costs more than any overlap, so an outside box is the last resort.
        double cost = inside ? 0 : 1e9;
        for (const TextBox& o : obstacles) cost += overlap_area(b, o);
        if (cost < best_cost) {
          best_cost = cost;
          placed[i] = {b, ring > 0};
          if (cost == 0) break;
        }
      }
    }
    // A little air around a placed label, so neighbours do not touch.
    const TextBox& b = placed[i].box;
    obstacles.push_back({b.x - kLabelPad, b.y - kLabelPad, b.w + 2 * kLabelPad, b.h + 2 * kLabelPad});
  }
  return placed;
}

std::string render_xy(const XYChart& c, bool lines) {
  const double left = 70, right = 190, top = 40, bottom = 55;
  const double pw = std::max(100.0, c.width - left - right), ph = std::max(100.0, c.height - top - bottom);

  std::vector<ChartPoint> all;
  for (const auto& s : c.series)
    for (const auto& p : s.points)
      if (usable(p, c.log_x)) all.push_back(p);
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (!all.empty()) {
    x0 = x1 = all[0].x;
    y0 = y1 = all[0].y;
    for (const auto& p : all) {
      x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
      y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
    }
  }
  const Axis ax = c.log_x && !all.empty() ? log_axis(x0, x1) : linear_axis(x0, x1, 6, false, 0.05);
  const Axis ay = linear_axis(y0, y1, 6, false, 0.05, std::isnan(c.y_max) ? HUGE_VAL : c.y_max);
  auto px = [&](double x) { return left + ax.frac(x) * pw; };
  auto py = [&](double y) { return top + (1 - ay.frac(y)) * ph; };

  std::string s = svg_open(c.width, c.height);
  s += text(left + pw / 2, 22, c.title, "text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"");
  for (double t : ax.ticks) {
    s += line(px(t), top, px(t), top + ph, "stroke=\"#e0e0e0\"");
    s += text(px(t), top + ph + 16, ax.label(t), "text-anchor=\"middle\" fill=\"#333333\"");
  }
  for (double t : ay.ticks) {
    s += line(left, py(t), left + pw, py(t), "stroke=\"#e0e0e0\"");
    s += text(left - 6, py(t) + 4, ay.label(t), "text-anchor=\"end\" fill=\"#333333\"");
  }
  s += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(pw) + "\" height=\"" + num(ph) +
       "\" fill=\"none\" stroke=\"#333333\"/>\n";
  s += text(left + pw / 2, top + ph + 40, c.x_label, "text-anchor=\"middle\"");
  s += text(0, 0, c.y_label,
            "text-anchor=\"middle\" transform=\"translate(18 " + num(top + ph / 2) + ") rotate(-90)\"");
  if (all.empty()) s += text(left + pw / 2, top + ph / 2, "no data", "text-anchor=\"middle\" fill=\"#999999\"");

  if (c.pareto_front && !all.empty()) {
    std::string pts;
    for (const auto& p : pareto_front(all)) pts += (pts.empty() ? "" : " ") + num(px(p.x)) + "," + num(py(p.y));
    s += "<polyline points=\"" + pts +
         "\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n";
  }
  // Markers first (series by series), then every label on top of them.
  std::vector<std::pair<double, double>> markers;
  std::vector<std::string> label_texts;
  double legend_y = top + 8;
  for (size_t i = 0; i < c.series.size(); ++i) {
    const ChartSeries& ser = c.series[i];
    const std::string color = ser.color.empty() ? kPalette[i % kPaletteSize] : xml_escape(ser.color);
    std::vector<ChartPoint> pts;
    for (const auto& p : ser.points)
      if (usable(p, c.log_x)) pts.push_back(p);
    if (lines && pts.size() > 1) {
      std::stable_sort(pts.begin(), pts.end(), [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
      std::string poly;
      for (const auto& p : pts) poly += (poly.empty() ? "" : " ") + num(px(p.x)) + "," + num(py(p.y));
      s += "<polyline points=\"" + poly + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\"/>\n";
    }
    for (const auto& p : pts) {
      s += "<circle cx=\"" + num(px(p.x)) + "\" cy=\"" + num(py(p.y)) + "\" r=\"" + num(kMarkerRadius) +
           "\" fill=\"" + color + "\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n";
      markers.emplace_back(px(p.x), py(p.y));
      label_texts.push_back(p.label);
    }
    const double lx = left + pw + 14;
    s += "<circle cx=\"" + num(lx + 5) + "\" cy=\"" + num(legend_y) + "\" r=\"5\" fill=\"" + color + "\"/>\n";
    s += text(lx + 15, legend_y + 4, ser.name);
    legend_y += 20;
  }
  const std::vector<PlacedLabel> placed = place_labels(markers, label_texts, {left, top, pw, ph});
  for (size_t i = 0; i < markers.size(); ++i) {
    if (label_texts[i].empty()) continue;
    const TextBox& b = placed[i].box;
    if (placed[i].leader) {
      // From the marker's edge to the nearest point of the label's box.
      const auto [mx, my] = markers[i];
      const double tx = std::clamp(mx, b.x, b.x + b.w), ty = std::clamp(my, b.y, b.y + b.h);
      const double len = std::hypot(tx - mx, ty - my), r = kMarkerRadius + 1;
      s += line(mx + (tx - mx) * r / len, my + (ty - my) * r / len, tx, ty,
                "stroke=\"#999999\" stroke-width=\"0.8\"");
    }
    s += text(b.x, b.y + kLabelAscent, label_texts[i], "font-size=\"10\" fill=\"#333333\"");
  }
  if (c.pareto_front && !all.empty()) {
    const double lx = left + pw + 14;
    s += line(lx, legend_y, lx + 12, legend_y, "stroke=\"#555555\" stroke-width=\"1.5\" stroke-dasharray=\"4 2\"");
    s += text(lx + 15, legend_y + 4, "Pareto front");
  }
  s += "</svg>\n";
  return s;
}

}  // namespace

std::string xml_escape(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  for (char ch : in) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::vector<ChartPoint> pareto_front(const std::vector<ChartPoint>& points) {
  std::vector<ChartPoint> sorted;
  for (const auto& p : points)
    if (std::isfinite(p.x) && std::isfinite(p.y)) sorted.push_back(p);
  // By x ascending, ties by y descending: a point is on the front when its y beats every faster one.
  std::stable_sort(sorted.begin(), sorted.end(), [](const ChartPoint& a, const ChartPoint& b) {
    return a.x != b.x ? a.x < b.x : a.y > b.y;
  });
  std::vector<ChartPoint> front;
  for (const auto& p : sorted)
    if (front.empty() || p.y > front.back().y) front.push_back(p);
  return front;
}

double text_width(const std::string& text, double font_size) {
  // DejaVu Sans advance widths, in ems, by class: narrow (i, l, punctuation), wide (capitals, m, w),
  // the rest about 0.64. Rounded up so that the estimate errs on the wide side.
  static const std::string kNarrow = "iljftrI.,:;'!|()[] ";
  double em = 0;
  for (unsigned char ch : text) {
    if ((ch & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: counted with its lead byte
    if (kNarrow.find(static_cast<char>(ch)) != std::string::npos) {
      em += 0.4;
    } else if ((ch >= 'A' && ch <= 'Z') || ch == 'm' || ch == 'w' || ch == '%' || ch == '@') {
      em += 0.85;
    } else {
      em += 0.64;
    }
  }
  return em * font_size;
}

TextBox point_label_box(double x, double baseline_y, const std::string& label) {
  return {x, baseline_y - kLabelAscent, text_width(label, kLabelFont), kLabelAscent + kLabelDescent};
}

std::string render_scatter_chart(const XYChart& chart) { return render_xy(chart, false); }
std::string render_line_chart(const XYChart& chart) { return render_xy(chart, true); }

std::string render_bar_chart(const BarChart& c) {
  double lo = 0, hi = 0;
  bool any = false;
  for (const auto& b : c.bars) {
    if (!std::isfinite(b.value)) continue;
    lo = std::min(lo, b.value), hi = std::max(hi, b.value);
    any = true;
  }
  if (!any || lo == hi) hi = lo + 1;
  const Axis av = linear_axis(lo, hi, 6, true);
  const double n = static_cast<double>(std::max<size_t>(c.bars.size(), 1));
  const double top = 40;
  // Labels longer than this are cut with an ellipsis; the full text is in the bar's <title>.
  constexpr size_t kMaxLabel = 36;
  auto short_label = [&](const std::string& l) {
    if (l.size() <= kMaxLabel) return l;
    size_t cut = kMaxLabel - 1;
    while (cut > 0 && (static_cast<unsigned char>(l[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
    return l.substr(0, cut) + "…";
  };
  size_t longest = 0;
  for (const auto& b : c.bars) longest = std::max(longest, std::min(b.label.size(), kMaxLabel));

  std::string s;
  if (c.horizontal) {
    const double row = 22, left = std::min(20.0 + 6.6 * longest, c.width * 0.45), right = 60;
    const double pw = std::max(100.0, c.width - left - right), ph = row * n;
    const int height = static_cast<int>(top + ph + 50);
    auto vx = [&](double v) { return left + av.frac(v) * pw; };
    s = svg_open(c.width, height);
    s += text(c.width / 2.0, 22, c.title, "text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"");
    for (double t : av.ticks) {
      s += line(vx(t), top, vx(t), top + ph, "stroke=\"#e0e0e0\"");
      s += text(vx(t), top + ph + 16, av.label(t), "text-anchor=\"middle\" fill=\"#333333\"");
    }
    s += text(left + pw / 2, top + ph + 38, c.value_label, "text-anchor=\"middle\"");
    for (size_t i = 0; i < c.bars.size(); ++i) {
      const Bar& b = c.bars[i];
      const double y = top + row * i;
      s += text(left - 6, y + row / 2 + 4, short_label(b.label), "text-anchor=\"end\"");
      std::string value_text;
      double end = vx(0);
      if (std::isnan(b.value)) {
        value_text = "n/a";
      } else if (std::isinf(b.value)) {
        end = b.value > 0 ? left + pw : left;
        value_text = b.value > 0 ? "inf" : "-inf";
      } else {
        end = vx(b.value);
        value_text = num(b.value);
      }
      const double x = std::min(vx(0), end), w = std::abs(end - vx(0));
      s += "<rect x=\"" + num(x) + "\" y=\"" + num(y + 3) + "\" width=\"" + num(w) + "\" height=\"" + num(row - 6) +
           "\" fill=\"" + kPalette[0] + "\"><title>" + xml_escape(b.label + ": " + value_text) + "</title></rect>\n";
      s += text(std::max(x + w, vx(0)) + 4, y + row / 2 + 4, value_text, "font-size=\"10\" fill=\"#333333\"");
    }
    s += line(vx(0), top, vx(0), top + ph, "stroke=\"#333333\"");
  } else {
    const double col = 28, left = 70, bottom = std::min(30.0 + 6.0 * longest, 260.0);
    const double pw = col * n, ph = 260;
    const int width = std::max(c.width, static_cast<int>(left + pw + 30));
    const int height = static_cast<int>(top + ph + bottom + 30);
    auto vy = [&](double v) { return top + (1 - av.frac(v)) * ph; };
    s = svg_open(width, height);
    s += text(width / 2.0, 22, c.title, "text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"");
    for (double t : av.ticks) {
      s += line(left, vy(t), left + pw, vy(t), "stroke=\"#e0e0e0\"");
      s += text(left - 6, vy(t) + 4, av.label(t), "text-anchor=\"end\" fill=\"#333333\"");
    }
    s += text(0, 0, c.value_label,
              "text-anchor=\"middle\" transform=\"translate(18 " + num(top + ph / 2) + ") rotate(-90)\"");
    for (size_t i = 0; i < c.bars.size(); ++i) {
      const Bar& b = c.bars[i];
      const double x = left + col * i;
      std::string value_text;
      double end = vy(0);
      if (std::isnan(b.value)) {
        value_text = "n/a";
      } else if (std::isinf(b.value)) {
        end = b.value > 0 ? top : top + ph;
        value_text = b.value > 0 ? "inf" : "-inf";
      } else {
        end = vy(b.value);
        value_text = num(b.value);
      }
      const double y = std::min(vy(0), end), h = std::abs(end - vy(0));
      s += "<rect x=\"" + num(x + 3) + "\" y=\"" + num(y) + "\" width=\"" + num(col - 6) + "\" height=\"" + num(h) +
           "\" fill=\"" + kPalette[0] + "\"><title>" + xml_escape(b.label + ": " + value_text) + "</title></rect>\n";
      s += text(x + col / 2, std::min(y, vy(0)) - 4, value_text, "text-anchor=\"middle\" font-size=\"9\" fill=\"#333333\"");
      s += text(0, 0, short_label(b.label),
                "text-anchor=\"end\" transform=\"translate(" + num(x + col / 2 + 4) + " " + num(top + ph + 10) +
                    ") rotate(-60)\"");
    }
    s += line(left, vy(0), left + pw, vy(0), "stroke=\"#333333\"");
  }
  s += "</svg>\n";
  return s;
}

}  // namespace octet::report
