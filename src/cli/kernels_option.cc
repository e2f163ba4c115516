#include "cli/kernels_option.h"

#include <string>

namespace octet::cli {

void add_kernels_option(CLI::App* cmd, runtime::KernelChoice& choice) {
  choice = runtime::KernelChoice::kAuto;
  // Parsed as a string: CLI11 would print the uint8_t enum values as raw characters in --help.
  cmd->add_option_function<std::string>(
         "--kernels",
         [&choice](const std::string& name) {
           choice = name == "reference" ? runtime::KernelChoice::kReference : runtime::KernelChoice::kAuto;
         },
         "Kernels: reference (bit-exact oracle) or auto (the fastest this CPU runs, reference where none)")
      ->check(CLI::IsMember({"reference", "auto"}))
      ->default_str("auto");
}

const char* kernel_choice_name(runtime::KernelChoice choice) {
  return choice == runtime::KernelChoice::kReference ? "reference" : "auto";
}

}  // namespace octet::cli
