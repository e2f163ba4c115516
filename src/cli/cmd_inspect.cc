// octet inspect: what is inside a .tflite file: ops, tensors, parameters, and where the bytes go.
#include <cstdio>

#include "cli/commands.h"
#include "core/file_io.h"
#include "tflite/inspect.h"
#include "tflite/reader.h"

namespace octet::cli {

namespace {

struct InspectArgs {
  std::string model;
};

Status run_inspect(const InspectArgs& a) {
  OCTET_ASSIGN_OR_RETURN(auto bytes, read_file(a.model));
  OCTET_ASSIGN_OR_RETURN(runtime::Graph graph, tflite::parse_tflite(bytes.data(), bytes.size(), a.model));
  std::printf("%s", tflite::describe_tflite(graph, bytes.size(), bytes.data()).c_str());
  for (const std::string& w : runtime::non_finite_constants(graph))
    std::fprintf(stderr, "warning: %s: %s\n", a.model.c_str(), w.c_str());
  return Status::Ok();
}

}  // namespace

Runner add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show the ops, tensor shapes, parameter count and byte breakdown of a .tflite");
  cmd->add_option("model", args->model, ".tflite file")->required()->check(CLI::ExistingFile);
  return [args] { return run_inspect(*args); };
}

}  // namespace octet::cli
