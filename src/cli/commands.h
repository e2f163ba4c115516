// The octet subcommands. Each registers its options on the CLI11 app and returns a runner;
// main() parses, runs the chosen one, and turns an error Status into one line and exit code 1.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "core/status.h"

namespace octet::cli {

using Runner = std::function<Status()>;

Runner add_train_command(CLI::App& app);
Runner add_eval_command(CLI::App& app);
Runner add_inspect_command(CLI::App& app);
Runner add_predict_command(CLI::App& app);
Runner add_quantize_command(CLI::App& app);
Runner add_compare_command(CLI::App& app);
Runner add_bench_command(CLI::App& app);
Runner add_run_command(CLI::App& app);
Runner add_calibration_check_command(CLI::App& app);
Runner add_sensitivity_command(CLI::App& app);

// Shared by commands: a default thread count (all cores) and output-path safety checks.
int default_threads();
// Refuses to overwrite one of `inputs` and creates the parent directory of `out`.
Status prepare_output_path(const std::string& out, const std::vector<std::string>& inputs);

}  // namespace octet::cli
