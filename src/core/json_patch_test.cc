#include "core/json_patch.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace salus::json {
namespace {

// Order-insensitive object comparison, as RFC 6902's test cases expect.
bool SameJson(const Value& a, const Value& b) {
  if (a.is_object() && b.is_object()) {
    if (a.as_object().size() != b.as_object().size()) return false;
    for (const auto& [k, v] : a.as_object()) {
      const Value* o = b.find(k);
      if (o == nullptr || !SameJson(v, *o)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.as_array().size() != b.as_array().size()) return false;
    for (size_t i = 0; i < a.as_array().size(); ++i) {
      if (!SameJson(a.as_array()[i], b.as_array()[i])) return false;
    }
    return true;
  }
  return a == b;
}

TEST(JsonPatchTest, HL7Cases) {
  std::filesystem::path file = std::filesystem::path(SALUS_SHARED_TESTDATA) / "json-patch" / "json-patch-tests.json";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "no " << file;
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  auto cases = Parse(ss.str());
  ASSERT_TRUE(cases) << cases.error().message;
  int run = 0;
  for (const auto& c : cases->as_array()) {
    std::string name = std::string(c.string_at("comment").value_or("?"));
    if (c.find("disabled") && c.find("disabled")->is_bool() && c.find("disabled")->as_bool()) continue;
    auto out = ApplyPatch(*c.find("doc"), *c.find("patch"));
    ++run;
    if (c.find("error")) {
      EXPECT_FALSE(out) << name;
    } else {
      ASSERT_TRUE(out) << name << ": " << out.error().message;
      EXPECT_TRUE(SameJson(*out, *c.find("expected"))) << name << ": " << Serialize(*out);
    }
  }
  EXPECT_EQ(run, 16);
}

TEST(JsonPatchTest, FailedTestLeavesNothingApplied) {
  Value doc = *Parse(R"({"a":1})");
  auto out = ApplyPatch(doc, *Parse(R"([{"op":"replace","path":"/a","value":2},{"op":"test","path":"/a","value":3}])"));
  EXPECT_FALSE(out);
  EXPECT_EQ(Serialize(doc), R"({"a":1})");
}

}  // namespace
}  // namespace salus::json
