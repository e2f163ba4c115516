// PNG copies of SVG charts through `rsvg-convert` (Debian librsvg2-bin), run as a child process.
#pragma once

#include <string>

#include "core/status.h"

namespace octet::report {

// True when an executable rsvg-convert is on PATH.
bool rsvg_convert_available();

// Converts svg_path to png_path (written atomically: a temporary file renamed into place).
// Returns false without doing anything when rsvg-convert is absent (the caller reports the skip),
// true on success, an error naming the file when the conversion fails.
Result<bool> svg_file_to_png(const std::string& svg_path, const std::string& png_path);

}  // namespace octet::report
