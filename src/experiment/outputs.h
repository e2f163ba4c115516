// What an experiment writes besides its models: the tables (built from the results.json object,
// so every figure shown is a figure recorded), results.json, results.md, the charts (SVG, PNG
// when rsvg-convert exists) and report.html.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "report/image_grid.h"

namespace octet::experiment {

// The tables of an experiment as [{id, title, header, rows}] (cells are display strings):
// "seeds" (rows Accuracy / File size / Inference time (ms/sample), columns Float32 / Dynamic
// range / Full integer; only when `seeds_table`), "models" and "comparisons".
nlohmann::json build_tables(const nlohmann::json& results, bool seeds_table);

// The tables in Markdown, with the experiment's title and settings line.
std::string results_markdown(const nlohmann::json& results);

// Writes results.json, results.md, pareto.svg, sqnr_<model>_<precision>.svg, predictions.svg
// (when `grid` is not empty), their PNGs when rsvg-convert is available, and report.html into
// `dir`. Every file is written atomically.
Status write_outputs(const std::string& dir, const nlohmann::json& results, const std::vector<report::GridCell>& grid,
                     const std::vector<std::string>& class_names);

}  // namespace octet::experiment
