#include "core/json_depth.h"

#include <algorithm>

namespace octet {

int json_nesting_depth(const uint8_t* text, size_t size) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < size; ++i) {
    const uint8_t c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Status check_json_depth(const uint8_t* text, size_t size, const std::string& what) {
  if (json_nesting_depth(text, size) > kMaxJsonDepth)
    return Status::Error(what + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  return Status::Ok();
}

}  // namespace octet
