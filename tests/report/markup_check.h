// Test helpers: a minimal well-formedness check for the SVG/HTML text the report module writes.
#pragma once

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

namespace octet::report::testing {

// Empty when every tag is closed in order (HTML void elements excepted) and no attribute value
// holds a raw '<'; else a description of the first problem.
inline std::string markup_problem(const std::string& s) {
  static const std::vector<std::string> kVoid = {"meta", "img", "br", "hr", "link", "input"};
  std::vector<std::string> stack;
  size_t pos = 0;
  while ((pos = s.find('<', pos)) != std::string::npos) {
    if (s.compare(pos, 4, "<!--") == 0) {
      pos = s.find("-->", pos);
      if (pos == std::string::npos) return "unclosed comment";
      continue;
    }
    const size_t end = s.find('>', pos);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(pos);
    std::string tag = s.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '!') continue;  // <!DOCTYPE html>
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0) return "odd quotes in <" + tag + ">";
    if (tag.find('<') != std::string::npos) return "'<' inside <" + tag + ">";
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) {
        return "</" + name + "> closes <" + (stack.empty() ? std::string("nothing") : stack.back()) + ">";
      }
      stack.pop_back();
      continue;
    }
    if (tag.back() == '/') continue;  // self-closing
    const std::string name = tag.substr(0, tag.find_first_of(" \n\t"));
    if (std::find(kVoid.begin(), kVoid.end(), name) != kVoid.end()) continue;
    stack.push_back(name);
  }
  if (!stack.empty()) return "<" + stack.back() + "> never closed";
  return "";
}

// Geometry attributes holding NaN or infinity (formatted by printf as nan / inf).
inline bool has_non_finite_coordinates(const std::string& s) {
  static const std::regex kBad(
      R"re(\b(x|y|x1|y1|x2|y2|cx|cy|r|width|height|points|transform|viewBox)="[^"]*(nan|inf|NaN|Inf)[^"]*")re");
  return std::regex_search(s, kBad);
}

inline int count_of(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t pos = 0; (pos = s.find(what, pos)) != std::string::npos; pos += what.size()) ++n;
  return n;
}

}  // namespace octet::report::testing
