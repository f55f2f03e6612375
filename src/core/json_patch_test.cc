#include "core/json_patch.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace salus::json {
namespace {

TEST(JsonPatchTest, HL7Cases) {
  std::filesystem::path file = std::filesystem::path(SALUS_SHARED_TESTDATA) / "json-patch" / "json-patch-tests.json";
  ASSERT_TRUE(std::filesystem::exists(file)) << "conformance data missing: " << file;
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
      EXPECT_TRUE(Equivalent(*out, *c.find("expected"))) << name << ": " << Serialize(*out);
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
