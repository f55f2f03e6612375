#include "fhirpath/fhirpath.h"

#include <gtest/gtest.h>

namespace salus::fhirpath {
namespace {

json::Value Doc(std::string_view text) { return *json::Parse(text); }

std::vector<std::string> Eval(std::string_view expr, const json::Value& doc) {
  auto e = Expression::Compile(expr);
  EXPECT_TRUE(e) << (e ? "" : e.error().message);
  if (!e) return {};
  Workspace ws;
  auto r = e->Evaluate(doc, ws);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  std::vector<std::string> out;
  if (r) for (const Item& i : *r) out.push_back(ToString(i));
  return out;
}

const char* kObservation = R"({"resourceType":"Observation","id":"o1","status":"final",
  "code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
  "subject":{"reference":"Patient/p1"},
  "effectivePeriod":{"start":"2024-01-02T10:00:00Z"},
  "valueQuantity":{"value":72.50,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"},
  "_status":{"extension":[{"url":"http://example.org/x","valueString":"note"}]}})";

TEST(FhirPathTest, NavigatesChoiceTypesAndPrimitiveExtensions) {
  json::Value obs = Doc(kObservation);
  EXPECT_EQ(Eval("Observation.value.value", obs), std::vector<std::string>{"72.50"});
  EXPECT_EQ(Eval("Observation.value.ofType(Quantity).unit", obs), std::vector<std::string>{"kg"});
  EXPECT_EQ(Eval("Observation.effective.start", obs), std::vector<std::string>{"2024-01-02T10:00:00Z"});
  EXPECT_EQ(Eval("status.extension('http://example.org/x').value", obs), std::vector<std::string>{"note"});
  EXPECT_EQ(Eval("Patient.name", obs), std::vector<std::string>{});
}

TEST(FhirPathTest, QuantityComparisonConvertsUnits) {
  json::Value obs = Doc(kObservation);
  EXPECT_EQ(Eval("Observation.value > 70000 'g'", obs), std::vector<std::string>{"true"});
  EXPECT_EQ(Eval("Observation.value < 1 'kg'", obs), std::vector<std::string>{"false"});
}

TEST(FhirPathTest, ResolveGivesTheReferencedType) {
  json::Value obs = Doc(kObservation);
  EXPECT_EQ(Eval("Observation.subject.where(resolve() is Patient).reference", obs),
            std::vector<std::string>{"Patient/p1"});
  EXPECT_EQ(Eval("Observation.subject.where(resolve() is Group).reference", obs), std::vector<std::string>{});
}

TEST(FhirPathTest, SyntaxErrorsNameTheOffset) {
  auto e = Expression::Compile("name.where(use = 'official'");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("offset"), std::string::npos);
  EXPECT_FALSE(Expression::Compile("1 +"));
  EXPECT_FALSE(Expression::Compile("nosuchfunction()"));
  EXPECT_FALSE(Expression::Compile("substring()"));
}

TEST(FhirPathTest, DeepNestingIsRefusedNotACrash) {
  std::string deep(100000, '(');
  EXPECT_FALSE(Expression::Compile(deep + "1" + std::string(100000, ')')));
  // Long operator chains and paths make deep trees too: refused at compile time.
  auto chain = [](int n, std::string_view op) {
    std::string s = "1";
    for (int i = 0; i < n; ++i) s += std::string(op) + "1";
    return s;
  };
  EXPECT_FALSE(Expression::Compile(chain(5000, " + ")));
  EXPECT_FALSE(Expression::Compile(chain(5000, ".abs()")));
  EXPECT_FALSE(Expression::Compile(std::string(5000, '-') + "1"));
  auto ok = Expression::Compile(chain(100, " + "));
  ASSERT_TRUE(ok);
  Workspace ws;
  json::Value doc = Doc("{}");
  auto r = ok->Evaluate(doc, ws);
  ASSERT_TRUE(r);
  EXPECT_EQ(ToString((*r)[0]), "101");
}

// Amounts in date arithmetic come from what users write: a huge one is an error that says
// so, never an overflow (the fuzzer found `- 44444444444443 'd'` multiplied past int64).
TEST(FhirPathTest, DateArithmeticOutOfRangeIsAnError) {
  json::Value doc = Doc("{}");
  auto error_of = [&](std::string_view expr) -> std::string {
    auto e = Expression::Compile(expr);
    if (!e) return "compile: " + e.error().message;
    Workspace ws;
    auto r = e->Evaluate(doc, ws);
    return r ? "" : r.error().message;
  };
  for (std::string_view expr : {"@2020-01-01 - 44444444444443 'd'", "@2020-01-01 + 44444444444443 weeks",
                                "@2020-01-01T10:00:00Z + 9223372036854775807 'ms'",
                                "@2020-01-01 + 7980 years", "@2020-01-01 - 2020 years",
                                "@2020-01-01 - 99999999999999999999999.5 days", "@0001-01-01 - 1 day"}) {
    EXPECT_NE(error_of(expr).find("0001-9999"), std::string::npos) << expr << ": " << error_of(expr);
  }
  EXPECT_NE(error_of("@2020-01-01 + 1 'mo'").find("not a calendar duration"), std::string::npos);
  // In range still adds, to the last day of the month where the day does not exist.
  EXPECT_EQ(Eval("@2020-01-31 + 1 month", doc), std::vector<std::string>{"2020-02-29"});
  EXPECT_EQ(Eval("@9999-12-01 + 30 days", doc), std::vector<std::string>{"9999-12-31"});
  EXPECT_EQ(Eval("@2020-03-01 - 1 'd'", doc), std::vector<std::string>{"2020-02-29"});
  EXPECT_EQ(Eval("@0002-01-01 - 1 year", doc), std::vector<std::string>{"0001-01-01"});
}

TEST(FhirPathTest, CompiledExpressionIsReusable) {
  auto e = Expression::Compile("Observation.code.coding.code");
  ASSERT_TRUE(e);
  json::Value a = Doc(kObservation);
  json::Value b = Doc(R"({"resourceType":"Observation","code":{"coding":[{"code":"x"},{"code":"y"}]}})");
  Workspace w1, w2;
  EXPECT_EQ(e->Evaluate(a, w1)->size(), 1u);
  EXPECT_EQ(e->Evaluate(b, w2)->size(), 2u);
}

}  // namespace
}  // namespace salus::fhirpath
