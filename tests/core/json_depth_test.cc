#include "core/json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace octet {
namespace {

int depth(const std::string& s) { return json_nesting_depth(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

TEST(JsonDepth, CountsArraysAndObjectsNotStrings) {
  EXPECT_EQ(depth(""), 0);
  EXPECT_EQ(depth("42"), 0);
  EXPECT_EQ(depth("[1, {\"a\": [2]}, [3]]"), 3);
  EXPECT_EQ(depth("{\"[[[[\": \"{{\"}"), 1);        // brackets inside strings
  EXPECT_EQ(depth("[\"a\\\"[[[\", [\"\\\\\", [0]]]"), 3);  // escaped quote and backslash
  EXPECT_EQ(depth("]]]][]"), 1);                      // stray closers do not go below 0
}

TEST(JsonDepth, RejectsDeepNestingNamingTheFile) {
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(check_json_depth(reinterpret_cast<const uint8_t*>(ok.data()), ok.size(), "a.json").ok());
  const std::string deep = "{\"x\": " + std::string(100000, '[');  // need not be complete JSON
  const Status s = check_json_depth(reinterpret_cast<const uint8_t*>(deep.data()), deep.size(), "a.json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "a.json: JSON nested deeper than 64 levels");
}

}  // namespace
}  // namespace octet
