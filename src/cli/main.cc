// octet: train a small CNN, quantize it to INT8 (TFLite spec), run it and measure it.
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cli/commands.h"
#include "cli/version.h"
#include "core/progress.h"

namespace octet::cli {

int default_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

Status prepare_output_path(const std::string& out, const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const std::string& in : inputs) {
    if (!in.empty() && fs::exists(in, ec) && fs::exists(out, ec) && fs::equivalent(in, out, ec))
      return Status::Error(out + ": refusing to overwrite an input file");
  }
  if (fs::is_directory(out, ec)) return Status::Error(out + ": is a directory; give a file name");
  fs::path parent = fs::path(out).parent_path();
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) return Status::Error(parent.string() + ": cannot create directory: " + ec.message());
  }
  return Status::Ok();
}

}  // namespace octet::cli

int main(int argc, char** argv) {
  using namespace octet::cli;
  CLI::App app{"octet: train small CNNs, quantize them to INT8 .tflite, and measure what it cost and bought"};
  app.set_version_flag("--version", std::string("octet ") + kVersion + " (commit " + kGitCommit + ")");
  app.require_subcommand(1);
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "No progress output on stderr");
  std::vector<std::pair<CLI::App*, Runner>> commands;
  auto add = [&](Runner (*adder)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    Runner r = adder(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(r));
  };
  add(add_train_command);
  add(add_eval_command);
  add(add_inspect_command);
  add(add_predict_command);
  add(add_quantize_command);
  add(add_compare_command);
  add(add_bench_command);
  add(add_run_command);
  add(add_calibration_check_command);
  add(add_sensitivity_command);
  CLI11_PARSE(app, argc, argv);
  octet::Progress::set_quiet(quiet);
  for (auto& [sub, run] : commands) {
    if (!sub->parsed()) continue;
    octet::Status s = run();
    if (!s.ok()) {
      std::fprintf(stderr, "octet %s: error: %s\n", sub->get_name().c_str(), s.message().c_str());
      return 1;
    }
    return 0;
  }
  return 2;
}
