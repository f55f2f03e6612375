#include "fhir/primitives.h"

#include <gtest/gtest.h>

namespace salus::fhir {
namespace {

json::Value Str(const char* s) { return json::Value(s); }
json::Value Num(const char* s) { return json::Value(json::Number{s}); }

struct Case {
  const char* type;
  json::Value value;
  bool valid;
};

TEST(PrimitivesTest, AcceptsAndRejectsPerR4Grammar) {
  const Case cases[] = {
      {"date", Str("2024"), true},           {"date", Str("2024-02"), true},
      {"date", Str("2024-02-29"), true},     {"date", Str("2023-02-29"), false},
      {"date", Str("2024-13"), false},       {"date", Str("2024-1-01"), false},
      {"date", Num("2024"), false},          {"dateTime", Str("2024-01-02T03:04:05Z"), true},
      {"dateTime", Str("2024-01-02T03:04:05.123+05:30"), true},
      {"dateTime", Str("2024-01-02T03:04:05"), false},  // time without zone
      {"dateTime", Str("2024-01-02T03:04Z"), false},    {"instant", Str("2024-01-02"), false},
      {"instant", Str("2024-01-02T03:04:05.1Z"), true}, {"time", Str("23:59:59"), true},
      {"time", Str("24:00:00"), false},      {"integer", Num("2147483647"), true},
      {"integer", Num("2147483648"), false}, {"integer", Num("-2147483648"), true},
      {"integer", Num("1.0"), false},        {"integer", Num("1e3"), false},
      {"integer", Str("1"), false},          {"unsignedInt", Num("-1"), false},
      {"unsignedInt", Num("0"), true},       {"positiveInt", Num("0"), false},
      {"positiveInt", Num("1"), true},       {"decimal", Num("1.10"), true},
      {"decimal", Str("1.1"), false},        {"decimal", Num("1e999"), false},
      {"decimal", Num("-12.3400e-2"), true},        {"boolean", json::Value(true), true},
      {"boolean", Str("true"), false},       {"id", Str("abc-1.2"), true},
      {"id", Str("a_b"), false},             {"id", Str(std::string(65, 'a').c_str()), false},
      {"code", Str("a b"), true},            {"code", Str(" a"), false},
      {"code", Str("a  b"), false},          {"uri", Str("http://x/y"), true},
      {"uri", Str("a b"), false},            {"oid", Str("urn:oid:1.2.3"), true},
      {"oid", Str("urn:oid:1.02"), false},   {"uuid", Str("urn:uuid:c757873d-ec9a-4326-a141-556f43239520"), true},
      {"uuid", Str("urn:uuid:c757873d"), false}, {"base64Binary", Str("aGVsbG8="), true},
      {"base64Binary", Str("aGVsbG8"), false},   {"base64Binary", Str("a*b="), false},
      {"string", Str(""), false},            {"string", Str("   "), false},
      {"string", Str("x"), true},            {"xhtml", Str("<div>x</div>"), true},
      {"xhtml", Str("<p>x</p>"), false},
  };
  for (const auto& c : cases) {
    std::string problem = CheckPrimitive(c.type, c.value);
    EXPECT_EQ(problem.empty(), c.valid) << c.type << " " << json::Serialize(c.value) << ": " << problem;
  }
}

}  // namespace
}  // namespace salus::fhir
