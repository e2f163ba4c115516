// A guard for JSON read from files: nlohmann::json parses any depth without recursion, but copying,
// comparing and printing a value recurse once per level, so a file of a few hundred kilobytes of
// '[' overflows the stack. Readers check the depth on the raw text first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace octet {

// Deeper than any file octet writes or reads (model specs, experiments, checkpoint headers: < 10).
constexpr int kMaxJsonDepth = 64;

// The deepest nesting of [ and { in `text` (brackets inside strings do not count). The text need
// not be valid JSON.
int json_nesting_depth(const uint8_t* text, size_t size);

// An error "<what>: JSON nested deeper than 64 levels" when the text is nested deeper than kMaxJsonDepth.
Status check_json_depth(const uint8_t* text, size_t size, const std::string& what);

}  // namespace octet
