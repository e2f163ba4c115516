// octet run: runs a shipped experiment (experiments/*.json, embedded), a user's experiment file,
// or `all` of the shipped ones, and writes DIR/<experiment>/ (see src/experiment/runner.h).
#include <cstdio>
#include <fstream>
#include <iterator>

#include "cli/commands.h"
#include "cli/version.h"
#include "core/progress.h"
#include "core/thread_pool.h"
#include "experiment/outputs.h"
#include "experiment/runner.h"

namespace octet::cli {

namespace {

struct RunArgs {
  std::string experiment;
  std::vector<std::string> data;
  experiment::RunOptions options;
  uint64_t seed = 42;
  bool list = false;
};

// The exact command line for results.json; Linux exposes it, elsewhere a canonical form.
std::string command_line(const RunArgs& a) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (raw.empty()) return "octet run " + a.experiment;
  std::string line;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    std::string arg = raw.substr(start, end - start);
    if (arg.find_first_of(" \t'\"") != std::string::npos) arg = "'" + arg + "'";
    line += (line.empty() ? "" : " ") + arg;
    start = end + 1;
  }
  return line;
}

Status run_experiments(RunArgs& a) {
  const double t_start = now_seconds();
  if (a.list) {
    for (const std::string& name : experiment::builtin_experiment_names()) {
      OCTET_ASSIGN_OR_RETURN(experiment::Spec spec, experiment::load_spec(name));
      std::printf("%-22s %s\n", name.c_str(), spec.title.c_str());
    }
    std::printf("%-22s %s\n", "all", "every experiment above");
    return Status::Ok();
  }
  if (a.experiment.empty()) return Status::Error("give an EXPERIMENT (a shipped name, a .json file or all; --list shows them)");
  for (const std::string& d : a.data) {
    const size_t eq = d.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == d.size())
      return Status::Error("--data " + d + ": expected NAME=PATH (e.g. mnist=/data/mnist)");
    a.options.data_paths[d.substr(0, eq)] = d.substr(eq + 1);
  }
  // Every spec is parsed before anything runs, so a bad file fails in a second, not after training.
  std::vector<experiment::Spec> specs;
  std::vector<std::string> names;
  if (a.experiment == "all") names = experiment::builtin_experiment_names();
  else names = {a.experiment};
  for (const std::string& n : names) {
    OCTET_ASSIGN_OR_RETURN(experiment::Spec spec, experiment::load_spec(n));
    specs.push_back(std::move(spec));
  }

  ThreadPool::set_global_threads(a.options.threads);
  a.options.octet_version = kVersion;
  a.options.git_commit = kGitCommit;
  a.options.command_line = command_line(a);
  experiment::Runner runner(a.options);
  for (const experiment::Spec& spec : specs) {
    OCTET_ASSIGN_OR_RETURN(nlohmann::json results, runner.run(spec));
    std::printf("%s\n", experiment::results_markdown(results).c_str());
  }
  std::printf("run: %zu experiment(s) in %.1f s; outputs in %s/\n", specs.size(), now_seconds() - t_start,
              a.options.out_dir.c_str());
  return Status::Ok();
}

}  // namespace

Runner add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  args->options.threads = default_threads();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run an experiment (train, quantize, evaluate, time, compare) and write its models, results and report");
  cmd->add_option("experiment", args->experiment, "A shipped experiment (see --list), a .json file, or all");
  cmd->add_option("--out", args->options.out_dir, "Output folder; each experiment writes DIR/<experiment>/")
      ->default_val("results");
  auto* seed = cmd->add_option("--seed", args->seed, "Seed (default: the experiment's, 42 for the shipped ones)");
  cmd->add_flag("--quick", args->options.quick, "Fewer epochs, images and timing runs: for tests and demos");
  cmd->add_option("--threads", args->options.threads, "Threads for training, calibration and evaluation")
      ->check(CLI::Range(1, 256))->capture_default_str();
  cmd->add_option("--data", args->data, "NAME=PATH: load PATH wherever an experiment names dataset NAME (repeatable)");
  cmd->add_flag("--list", args->list, "List the shipped experiments");
  return [args, seed] {
    if (seed->count() > 0) args->options.seed = args->seed;
    return run_experiments(*args);
  };
}

}  // namespace octet::cli
