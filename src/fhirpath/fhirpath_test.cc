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
