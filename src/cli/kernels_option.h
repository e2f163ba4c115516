// --kernels reference|auto, shared by every command that runs a model: the reference kernels (the
// bit-exact oracle) or the fastest kernels this CPU can run.
#pragma once

#include <CLI/CLI.hpp>

#include "runtime/ops/registry.h"

namespace octet::cli {

// Registers --kernels on `cmd`, writing the choice to `choice` (default auto).
void add_kernels_option(CLI::App* cmd, runtime::KernelChoice& choice);

const char* kernel_choice_name(runtime::KernelChoice choice);

}  // namespace octet::cli
