#include "experiment/outputs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "core/file_io.h"
#include "core/progress.h"
#include "report/html.h"
#include "report/svg_chart.h"
#include "report/svg_to_png.h"

namespace octet::experiment {

namespace {

using json = nlohmann::json;

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
std::string percent(double v) { return format("%.2f%%", 100 * v); }
std::string ms(double us) { return format("%.3f", us / 1000); }
// 903088 -> "903,088": sizes are read exactly, not rounded to KB.
std::string thousands(int64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
std::string p_value(double p) { return p < 1e-4 ? format("%.1e", p) : format("%.4f", p); }

std::string precision_title(const std::string& p) {
  if (p == "float32") return "Float32";
  if (p == "dynamic") return "Dynamic range";
  return "Full integer";
}

json table(const std::string& id, const std::string& title, std::vector<std::string> header) {
  return {{"id", id}, {"title", title}, {"header", header}, {"rows", json::array()}};
}

// Smallest finite per-layer SQNR of a comparison ("inf" when every layer is identical).
std::string min_sqnr(const json& comparison) {
  double lo = std::numeric_limits<double>::infinity();
  for (const json& l : comparison["sqnr"]["layers"])
    if (l["sqnr_db"].is_number()) lo = std::min(lo, l["sqnr_db"].get<double>());
  return std::isfinite(lo) ? format("%.1f", lo) : "inf";
}

std::string markdown_row(const json& cells) {
  std::string md = "|";
  for (const json& c : cells) {
    md += ' ';
    md += c.get<std::string>();
    md += " |";
  }
  return md + "\n";
}

// The first column left-aligned (row labels, model names), the figures right-aligned.
std::string markdown_table(const json& t) {
  std::string md = markdown_row(t["header"]) + "|";
  for (size_t i = 0; i < t["header"].size(); ++i) md += i == 0 ? "---|" : "---:|";
  md += "\n";
  for (const json& row : t["rows"]) md += markdown_row(row);
  return md;
}

report::Table html_table(const json& t) {
  report::Table out;
  for (const json& h : t["header"]) out.header.push_back(h);
  for (const json& row : t["rows"]) {
    std::vector<std::string> cells;
    for (const json& c : row) cells.push_back(c);
    out.rows.push_back(std::move(cells));
  }
  return out;
}

std::string list_indices(const json& indices) {
  if (indices.empty()) return "none";
  std::string s;
  for (const json& i : indices) s += (s.empty() ? "" : ", ") + std::to_string(i.get<int64_t>());
  return s;
}

std::string comparison_title(const json& c) {
  return c["model"].get<std::string>() + " on " + c["dataset"].get<std::string>() + ": " +
         c["a"].get<std::string>() + " vs " + c["b"].get<std::string>();
}

// "Is the drop real?" in one sentence: the accuracies with their intervals and McNemar's p.
std::string comparison_summary(const json& c, const json& models) {
  auto ci = [&](const std::string& precision) {
    for (const json& m : models)
      if (m["name"] == c["model"] && m["precision"] == precision)
        return percent(m["ci95"][0]) + " to " + percent(m["ci95"][1]);
    return std::string("?");
  };
  const double p = c["mcnemar_p"];
  return c["a"].get<std::string>() + " " + percent(c["accuracy_a"]) + " (95% CI " + ci(c["a"]) + "), " +
         c["b"].get<std::string>() + " " + percent(c["accuracy_b"]) + " (95% CI " + ci(c["b"]) + ") on " +
         std::to_string(c["samples"].get<int64_t>()) + " test images; " +
         std::to_string(c["flips"]["broken"].size()) + " predictions broken, " +
         std::to_string(c["flips"]["fixed"].size()) + " fixed; exact McNemar p = " + p_value(p) +
         (p < 0.05 ? ": the difference is significant at 5%." : ": no significant difference at 5%.");
}

json confusion_delta_table(const json& c) {
  json t = table("", "", {"true \\ predicted"});
  const size_t n = c["confusion_delta"].size();
  for (size_t k = 0; k < n; ++k) t["header"].push_back(std::to_string(k));
  for (size_t r = 0; r < n; ++r) {
    json row = json::array({std::to_string(r)});
    for (const json& v : c["confusion_delta"][r]) {
      const int64_t d = v;
      std::string cell = d == 0 ? "." : std::to_string(d);
      if (d > 0) cell.insert(cell.begin(), '+');
      row.push_back(cell);
    }
    t["rows"].push_back(row);
  }
  return t;
}

std::string sqnr_chart_name(const json& c) {
  return "sqnr_" + c["model"].get<std::string>() + "_" + c["b"].get<std::string>();
}

std::string sqnr_chart(const json& c) {
  report::BarChart chart;
  chart.title = "Per-layer SQNR, " + comparison_title(c) + " (" +
                std::to_string(c["sqnr"]["samples"].get<int64_t>()) + " test images)";
  chart.value_label = "SQNR (dB)";
  for (const json& l : c["sqnr"]["layers"]) {
    report::Bar b;
    b.label = l["name"].get<std::string>() + " (" + l["op"].get<std::string>() + ")";
    // null is an identical tensor (infinite SQNR), as in results.json.
    b.value = l["sqnr_db"].is_number() ? l["sqnr_db"].get<double>() : std::numeric_limits<double>::infinity();
    chart.bars.push_back(b);
  }
  return report::render_bar_chart(chart);
}

std::string pareto_chart(const json& results) {
  report::XYChart chart;
  chart.title = "Accuracy vs inference time (batch 1, " +
                std::to_string(results["settings"]["latency"]["threads"].get<int>()) + " thread(s))";
  chart.x_label = "inference time (ms/sample, median)";
  chart.y_label = "test accuracy (%)";
  chart.pareto_front = true;
  chart.y_max = 100;
  chart.log_x = true;  // float and int8, MNIST and CIFAR models span two orders of magnitude
  for (const json& p : results["settings"]["precisions"]) {
    report::ChartSeries s;
    s.name = precision_title(p);
    for (const json& m : results["models"]) {
      if (m["precision"] != p) continue;
      s.points.push_back({m["latency_us_median"].get<double>() / 1000, 100 * m["accuracy"].get<double>(),
                          m["name"].get<std::string>()});
    }
    chart.series.push_back(std::move(s));
  }
  return report::render_scatter_chart(chart);
}

std::string sweep_subject(const json& sweep) {
  const std::string a = sweep["apply_to"];
  if (a == "weights") return "weight bits (activations 8-bit)";
  if (a == "activations") return "activation bits (weights 8-bit)";
  return "bits of weights and activations";
}

double float_accuracy(const json& results, const json& model_name) {
  for (const json& m : results["models"])
    if (m["name"] == model_name && m["precision"] == "float32") return m["accuracy"];
  return std::numeric_limits<double>::quiet_NaN();
}

// The sweep's points of one (model, method) pair, in the order of the sweep's bits.
std::vector<json> sweep_line(const json& sweep, const json& model, const json& method) {
  std::vector<json> line;
  for (const json& b : sweep["bits"])
    for (const json& p : sweep["points"])
      if (p["model"] == model && p["calibration"] == method && p["bits"] == b) line.push_back(p);
  return line;
}

// (model, dataset) in the order the points were measured.
std::vector<std::pair<json, json>> sweep_models(const json& sweep) {
  std::vector<std::pair<json, json>> out;
  for (const json& p : sweep["points"]) {
    std::pair<json, json> m{p["model"], p["dataset"]};
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  return out;
}

// Where a model breaks: the fewest bits whose accuracy is within max_drop_pp of float32 ("none"
// when no point is). Each point counts alone: kl at 8 bits can drop more than at 7 (README).
std::string fewest_bits_within(const std::vector<json>& line, double float_acc, double max_drop_pp) {
  int fewest = 0;
  for (const json& p : line) {
    const int bits = p["bits"];
    if (100 * (float_acc - p["accuracy"].get<double>()) <= max_drop_pp && (fewest == 0 || bits < fewest)) fewest = bits;
  }
  return fewest == 0 ? "none" : std::to_string(fewest) + " bits";
}

// One line per model x calibration method; a colour family per model, a shade per method.
std::string sweep_chart(const json& results) {
  // Dark and light shades alternate so neighbouring methods stay apart.
  static const char* const kShades[4][5] = {
      {"#08306b", "#6baed6", "#2171b5", "#9ecae1", "#4292c6"},  // blues
      {"#7f2704", "#fd8d3c", "#d94801", "#fdae6b", "#f16913"},  // oranges
      {"#00441b", "#74c476", "#238b45", "#a1d99b", "#41ab5d"},  // greens
      {"#3f007d", "#9e9ac8", "#6a51a3", "#bcbddc", "#807dba"},  // purples
  };
  const json& sweep = results["sweep"];
  report::XYChart chart;
  int64_t samples = sweep["points"].empty() ? 0 : sweep["points"][0]["samples"].get<int64_t>();
  chart.title = "Accuracy vs " + sweep_subject(sweep) + " (" + std::to_string(samples) + " test images)";
  chart.x_label = sweep["apply_to"] == "weights+activations" ? "bits (weights and activations)" : sweep_subject(sweep);
  chart.y_label = "test accuracy (%)";
  chart.y_max = 100;
  chart.width = 900;  // room for the legend's "model method" names
  const auto models = sweep_models(sweep);
  for (size_t mi = 0; mi < models.size(); ++mi) {
    for (size_t ci = 0; ci < sweep["calibration"].size(); ++ci) {
      report::ChartSeries s;
      s.name = models[mi].first.get<std::string>() + " " + sweep["calibration"][ci].get<std::string>();
      s.color = kShades[mi % 4][ci % 5];
      for (const json& p : sweep_line(sweep, models[mi].first, sweep["calibration"][ci]))
        s.points.push_back({p["bits"].get<double>(), 100 * p["accuracy"].get<double>(), ""});
      chart.series.push_back(std::move(s));
    }
  }
  return report::render_line_chart(chart);
}

const char* qat_method_title(const std::string& m) {
  if (m == "ptq") return "PTQ";
  if (m == "control") return "Fine-tune + PTQ";
  return "QAT";
}

// The QAT point of (model, method, bits), or null.
const json* qat_point(const json& qat, const json& model, const char* method, const json& bits) {
  for (const json& p : qat["points"])
    if (p["model"] == model && p["method"] == method && p["bits"] == bits) return &p;
  return nullptr;
}

std::vector<std::pair<json, json>> qat_models(const json& qat) {
  std::vector<std::pair<json, json>> out;
  for (const json& p : qat["points"]) {
    std::pair<json, json> m{p["model"], p["dataset"]};
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  return out;
}

std::vector<std::string> qat_methods(const json& qat) {
  if (qat["control"].get<bool>()) return {"ptq", "control", "qat"};
  return {"ptq", "qat"};
}

// One line per model x method over the bits; a colour family per model, a shade per method.
std::string qat_chart(const json& results) {
  static const char* const kShades[4][3] = {{"#9ecae1", "#4292c6", "#08306b"},
                                            {"#fdae6b", "#f16913", "#7f2704"},
                                            {"#a1d99b", "#41ab5d", "#00441b"},
                                            {"#bcbddc", "#807dba", "#3f007d"}};
  const json& qat = results["qat"];
  report::XYChart chart;
  const int64_t samples = qat["points"].empty() ? 0 : qat["points"][0]["samples"].get<int64_t>();
  chart.title = "PTQ vs QAT: accuracy vs bits of weights and activations (" + std::to_string(samples) + " test images)";
  chart.x_label = "bits (weights and activations)";
  chart.y_label = "test accuracy (%)";
  chart.y_max = 100;
  chart.width = 900;
  const auto models = qat_models(qat);
  const auto methods = qat_methods(qat);
  for (size_t mi = 0; mi < models.size(); ++mi) {
    for (size_t k = 0; k < methods.size(); ++k) {
      report::ChartSeries s;
      // Short legend names: the paragraph above the chart says what FT+PTQ is.
      s.name = models[mi].first.get<std::string>() + " " + (methods[k] == "control" ? "FT+PTQ" : qat_method_title(methods[k]));
      s.color = kShades[mi % 4][k + (methods.size() == 2 && k == 1 ? 1 : 0)];
      for (const json& b : qat["bits"])
        if (const json* p = qat_point(qat, models[mi].first, methods[k].c_str(), b))
          s.points.push_back({b.get<double>(), 100 * (*p)["accuracy"].get<double>(), ""});
      chart.series.push_back(std::move(s));
    }
  }
  return report::render_line_chart(chart);
}

std::string sensitivity_title(const json& s) {
  return "Layer sensitivity: " + s["model"].get<std::string>() + " on " + s["dataset"].get<std::string>();
}

std::string sensitivity_summary(const json& s) {
  return "Accuracy on the last " + std::to_string(s["held_out"].get<int64_t>()) +
         " training images (held out: the " + std::to_string(s["calibration_samples"].get<int64_t>()) +
         " calibration images are drawn from the images before them) with only one op int8, every other op float32; "
         "sorted by the drop. Float32 " + percent(s["float_accuracy"]) + ", every op int8 " +
         percent(s["int8_accuracy"]) + ". Command: " + s["command"].get<std::string>();
}

std::string db_cell(const json& v) { return v.is_number() ? format("%.2f", v.get<double>()) : "exact"; }

std::string sensitivity_chart(const json& s) {
  report::BarChart chart;
  chart.title = "Accuracy drop with only this op int8, " + s["model"].get<std::string>() + " (" +
                s["dataset"].get<std::string>() + ", last " + std::to_string(s["held_out"].get<int64_t>()) +
                " training images)";
  chart.value_label = "top-1 drop vs float32 (percentage points)";
  for (const json& o : s["ops"])
    chart.bars.push_back({std::to_string(o["op_index"].get<int>()) + " " + o["op"].get<std::string>() + " " +
                              o["output"].get<std::string>(),
                          o["drop_pp"].get<double>()});
  return report::render_bar_chart(chart);
}

std::string qat_commands(const json& qat) {
  std::string text;
  for (const json& p : qat["points"]) {
    text += "# " + p["model"].get<std::string>() + ", " + std::to_string(p["bits"].get<int>()) + " bits, " +
            qat_method_title(p["method"]) + ": " + percent(p["accuracy"]) + "\n";
    for (const json& c : p["commands"]) text += c.get<std::string>() + "\n";
  }
  return text;
}

const char* kQatExplanation =
    "Each trained float32 model is quantized to full integer with narrower ranges (the bits of weights and "
    "activations inside int8 tensors) in three ways: PTQ (min-max calibration, no training), fine-tune + PTQ "
    "(the same extra training in float, then PTQ: the control showing how much of QAT's gain is just more "
    "training; FT+PTQ in the chart) and QAT (the same training with fake quantization where the int8 model rounds, then converted "
    "with the ranges it tracked). Every figure is the written model's accuracy on the test set; the commands "
    "below reproduce each one from the float32 file in this folder (in a run without --quick: --quick calibrates "
    "PTQ on its training subset).";

std::string settings_line(const json& r) {
  return "octet " + r["octet_version"].get<std::string>() + " (commit " + r["git_commit"].get<std::string>() +
         "), seed " + std::to_string(r["seed"].get<uint64_t>()) + ", " + std::to_string(r["threads"].get<int>()) +
         " thread(s) for training and evaluation, latency at batch 1 on " +
         std::to_string(r["settings"]["latency"]["threads"].get<int>()) + " thread(s)" +
         (r["quick"].get<bool>() ? ", --quick (fewer epochs and images: not the published figures)" : "") +
         ". Machine: " + r["machine"]["cpu"].get<std::string>() + " (" + r["machine"]["features"].get<std::string>() +
         ").";
}

Status write_text(const std::string& dir, const std::string& name, const std::string& text) {
  return write_file_atomic((std::filesystem::path(dir) / name).string(), text);
}

}  // namespace

json build_tables(const json& results, bool seeds_table) {
  const json& models = results["models"];
  json tables = json::array();
  if (seeds_table) {
    json t = table("seeds", "Post-training quantization: " + models[0]["name"].get<std::string>(),
                   {"", "Float32", "Dynamic range", "Full integer"});
    json acc = json::array({"Accuracy"}), size = json::array({"File size"}),
         time = json::array({"Inference time (ms/sample)"});
    for (const char* p : {"float32", "dynamic", "int8"}) {
      for (const json& m : models) {
        if (m["precision"] != p) continue;
        acc.push_back(percent(m["accuracy"]));
        size.push_back(thousands(m["bytes"]) + " bytes");
        time.push_back(ms(m["latency_us_median"]));
      }
    }
    t["rows"] = json::array({acc, size, time});
    tables.push_back(t);
  }
  json mt = table("models", "Models",
                  {"Model", "Dataset", "Precision", "Accuracy", "95% CI", "File size (bytes)",
                   "Inference time (ms/sample, median)", "p90 (ms)", "File"});
  for (const json& m : models) {
    mt["rows"].push_back({m["name"], m["dataset"], m["precision"], percent(m["accuracy"]),
                          percent(m["ci95"][0]) + " - " + percent(m["ci95"][1]), thousands(m["bytes"]),
                          ms(m["latency_us_median"]), ms(m["latency_us_p90"]), m["file"]});
  }
  tables.push_back(mt);
  if (!results["comparisons"].empty()) {
    json ct = table("comparisons", "Float32 vs quantized",
                    {"Model", "Dataset", "Comparison", "Accuracy drop (pp)", "Broken", "Fixed", "McNemar p",
                     "Significant (5%)", "Compression", "Speed-up", "Same prediction", "Min layer SQNR (dB)"});
    for (const json& c : results["comparisons"]) {
      const double p = c["mcnemar_p"];
      ct["rows"].push_back({c["model"], c["dataset"], c["a"].get<std::string>() + " -> " + c["b"].get<std::string>(),
                            format("%.2f", 100 * c["accuracy_drop"].get<double>()),
                            std::to_string(c["flips"]["broken"].size()), std::to_string(c["flips"]["fixed"].size()),
                            p_value(p), p < 0.05 ? "yes" : "no", format("%.2fx", c["compression"]),
                            format("%.2fx", c["speedup"]),
                            percent(1.0 - c["changed"].get<double>() / c["samples"].get<double>()), min_sqnr(c)});
    }
    tables.push_back(ct);
  }
  if (results.contains("sweep")) {
    const json& sweep = results["sweep"];
    const double max_drop = sweep["max_drop_pp"];
    std::vector<std::string> header = {"Model", "Dataset", "Calibration", "Float32"};
    for (const json& b : sweep["bits"]) header.push_back(std::to_string(b.get<int>()) + " bits");
    header.push_back("Fewest bits within " + format("%g", max_drop) + " pp of float32");
    json st = table("sweep", "Accuracy vs " + sweep_subject(sweep), header);
    for (const auto& [model, dataset] : sweep_models(sweep)) {
      const double float_acc = float_accuracy(results, model);
      for (const json& method : sweep["calibration"]) {
        const std::vector<json> line = sweep_line(sweep, model, method);
        json row = json::array({model, dataset, method, percent(float_acc)});
        for (const json& p : line) row.push_back(percent(p["accuracy"]));
        row.push_back(fewest_bits_within(line, float_acc, max_drop));
        st["rows"].push_back(row);
      }
    }
    tables.push_back(st);
  }
  if (results.contains("qat")) {
    const json& qat = results["qat"];
    const bool control = qat["control"];
    std::vector<std::string> header = {"Model", "Dataset", "Bits", "Float32", "PTQ"};
    if (control) header.push_back("Fine-tune + PTQ");
    header.insert(header.end(), {"QAT", "QAT - PTQ (pp)"});
    if (control) header.push_back("QAT - fine-tune + PTQ (pp)");
    header.insert(header.end(), {"PTQ file (bytes)", "QAT file (bytes)"});
    json qt = table("qat", "PTQ vs QAT (" + std::to_string(qat["epochs"].get<int>()) + " epoch(s) of fine-tuning, lr " +
                               format("%g", qat["lr"]) + ")", header);
    for (const auto& [model, dataset] : qat_models(qat)) {
      for (const json& b : qat["bits"]) {
        const json* ptq = qat_point(qat, model, "ptq", b);
        const json* ctl = qat_point(qat, model, "control", b);
        const json* q = qat_point(qat, model, "qat", b);
        if (!ptq || !q) continue;
        json row = json::array({model, dataset, std::to_string(b.get<int>()), percent(float_accuracy(results, model)),
                                percent((*ptq)["accuracy"])});
        if (control) row.push_back(ctl ? percent((*ctl)["accuracy"]) : "-");
        row.push_back(percent((*q)["accuracy"]));
        row.push_back(format("%+.2f", 100 * ((*q)["accuracy"].get<double>() - (*ptq)["accuracy"].get<double>())));
        if (control)
          row.push_back(ctl ? format("%+.2f", 100 * ((*q)["accuracy"].get<double>() - (*ctl)["accuracy"].get<double>())) : "-");
        row.push_back(thousands((*ptq)["bytes"]));
        row.push_back(thousands((*q)["bytes"]));
        qt["rows"].push_back(row);
      }
    }
    tables.push_back(qt);
  }
  if (results.contains("sensitivity")) {
    for (const json& s : results["sensitivity"]) {
      json st = table("sensitivity_" + s["model"].get<std::string>(), sensitivity_title(s),
                      {"Rank", "Op", "Type", "Output", "Accuracy", "Drop (pp)", "Op SQNR (dB)", "Output SQNR (dB)"});
      int rank = 0;
      for (const json& o : s["ops"])
        st["rows"].push_back({std::to_string(++rank), std::to_string(o["op_index"].get<int>()), o["op"], o["output"],
                              percent(o["accuracy"]), format("%.2f", o["drop_pp"]), db_cell(o["op_sqnr_db"]),
                              db_cell(o["model_sqnr_db"])});
      tables.push_back(st);
    }
  }
  return tables;
}

std::string results_markdown(const json& r) {
  std::string md = "# " + r["experiment"].get<std::string>() + ": " + r["title"].get<std::string>() + "\n\n";
  md += settings_line(r) + "\n\nCommand: `" + r["command_line"].get<std::string>() + "`\n";
  for (const json& t : r["tables"]) md += "\n## " + t["title"].get<std::string>() + "\n\n" + markdown_table(t);
  if (r.contains("qat"))
    md += "\n## How the PTQ vs QAT figures were made\n\n" + std::string(kQatExplanation) + "\n\n```sh\n" +
          qat_commands(r["qat"]) + "```\n";
  if (r.contains("sensitivity"))
    for (const json& s : r["sensitivity"]) md += "\n" + sensitivity_title(s) + ": " + sensitivity_summary(s) + "\n";
  for (const json& c : r["comparisons"]) {
    md += "\n## " + comparison_title(c) + "\n\n" + comparison_summary(c, r["models"]) + "\n\n";
    md += "Test images (index in the evaluated test set) whose prediction flipped: broken (" + c["a"].get<std::string>() +
          " right, " + c["b"].get<std::string>() + " wrong): " + list_indices(c["flips"]["broken"]) + "; fixed: " +
          list_indices(c["flips"]["fixed"]) + ".\n\n";
    if (c["changed"].get<int64_t>() == 0) {
      md += "No prediction changed: the confusion matrices are equal.\n";
    } else {
      md += "Confusion matrix delta (" + c["b"].get<std::string>() + " - " + c["a"].get<std::string>() +
            "; rows true class, columns predicted):\n\n" + markdown_table(confusion_delta_table(c));
    }
  }
  return md;
}

Status write_outputs(const std::string& dir, const json& results, const std::vector<report::GridCell>& grid,
                     const std::vector<std::string>& class_names) {
  OCTET_RETURN_IF_ERROR(write_text(dir, "results.json", results.dump(2) + "\n"));
  OCTET_RETURN_IF_ERROR(write_text(dir, "results.md", results_markdown(results)));

  // SVG charts, each also as PNG when rsvg-convert is installed.
  std::vector<std::pair<std::string, std::string>> charts;  // (file stem, svg)
  charts.emplace_back("pareto", pareto_chart(results));
  for (const json& c : results["comparisons"]) charts.emplace_back(sqnr_chart_name(c), sqnr_chart(c));
  if (results.contains("sweep")) charts.emplace_back("accuracy_vs_bits", sweep_chart(results));
  if (results.contains("qat")) charts.emplace_back("qat_accuracy_vs_bits", qat_chart(results));
  if (results.contains("sensitivity"))
    for (const json& s : results["sensitivity"])
      charts.emplace_back("sensitivity_" + s["model"].get<std::string>(), sensitivity_chart(s));
  if (!grid.empty()) {
    report::GridOptions go;
    go.columns = 6;
    go.scale = 4;  // 28-32 px images: wide enough for the caption under each
    go.class_names = class_names;
    go.title = "Sample test predictions (wrong ones outlined in red)";
    OCTET_ASSIGN_OR_RETURN(std::string svg, report::render_prediction_grid(grid, go));
    charts.emplace_back("predictions", std::move(svg));
  }
  bool png_skipped = false;
  for (const auto& [stem, svg] : charts) {
    const std::string svg_path = (std::filesystem::path(dir) / (stem + ".svg")).string();
    OCTET_RETURN_IF_ERROR(write_file_atomic(svg_path, svg));
    OCTET_ASSIGN_OR_RETURN(bool converted, report::svg_file_to_png(svg_path, (std::filesystem::path(dir) / (stem + ".png")).string()));
    png_skipped = png_skipped || !converted;
  }
  if (png_skipped && !Progress::quiet()) std::fprintf(stderr, "  rsvg-convert not found: charts written as SVG only (no PNG)\n");

  auto chart_svg = [&](const std::string& stem) {
    for (const auto& [name, svg] : charts)
      if (name == stem) return svg;
    return std::string();
  };
  report::HtmlPage page(results["experiment"].get<std::string>() + ": " + results["title"].get<std::string>());
  page.heading(1, results["experiment"].get<std::string>() + ": " + results["title"].get<std::string>());
  page.paragraph(settings_line(results));
  for (const json& t : results["tables"]) {
    page.heading(2, t["title"]);
    page.table(html_table(t));
  }
  page.heading(2, "Accuracy vs inference time");
  page.svg(charts[0].second);
  if (results.contains("sweep")) {
    page.heading(2, "Accuracy vs " + sweep_subject(results["sweep"]));
    page.paragraph("Full-integer models with narrower ranges inside int8 tensors, one per calibration method and "
                   "bit width, evaluated on the test set; they are not kept on disk.");
    page.svg(chart_svg("accuracy_vs_bits"));
  }
  if (results.contains("qat")) {
    page.heading(2, "PTQ vs QAT: accuracy vs bits");
    page.paragraph(kQatExplanation);
    page.svg(chart_svg("qat_accuracy_vs_bits"));
    page.paragraph("Commands that reproduce each figure (run in this folder):");
    page.preformatted(qat_commands(results["qat"]));
  }
  if (results.contains("sensitivity")) {
    for (const json& s : results["sensitivity"]) {
      page.heading(2, sensitivity_title(s) + " (chart)");
      page.paragraph(sensitivity_summary(s));
      page.svg(chart_svg("sensitivity_" + s["model"].get<std::string>()));
    }
  }
  if (!grid.empty()) {
    page.heading(2, "Sample predictions");
    page.svg(charts.back().second);
  }
  size_t chart = 1;
  for (const json& c : results["comparisons"]) {
    page.heading(2, comparison_title(c));
    page.paragraph(comparison_summary(c, results["models"]));
    page.svg(charts[chart++].second);
    page.begin_details("Flipped predictions and confusion matrix delta");
    page.paragraph("Broken (" + c["a"].get<std::string>() + " right, " + c["b"].get<std::string>() +
                   " wrong), test image indices: " + list_indices(c["flips"]["broken"]));
    page.paragraph("Fixed: " + list_indices(c["flips"]["fixed"]));
    page.paragraph("Confusion matrix delta (" + c["b"].get<std::string>() + " - " + c["a"].get<std::string>() +
                   "; rows true class, columns predicted):");
    page.table(html_table(confusion_delta_table(c)));
    page.end_details();
  }
  page.heading(2, "Settings");
  page.paragraph("Command: " + results["command_line"].get<std::string>());
  page.preformatted(results["settings"].dump(2));
  page.begin_details("Machine, datasets and the experiment file");
  page.preformatted(json({{"machine", results["machine"]}, {"datasets", results["datasets"]}}).dump(2));
  page.preformatted(results["spec"].dump(2));
  page.end_details();
  return write_text(dir, "report.html", page.str());
}

}  // namespace octet::experiment
