#include "fhir/summary.h"

#include <gtest/gtest.h>

namespace salus::fhir {
namespace {

json::Value Patient() {
  return *json::Parse(R"({"resourceType":"Patient","id":"1","text":{"status":"generated","div":"<div>x</div>"},
    "name":[{"family":"Doe"}],"birthDate":"1970","photo":[{"title":"p"}],"deceasedBoolean":false})");
}

TEST(SummaryTest, TrueKeepsSummaryElementsOnly) {
  auto out = ApplySummary(Definitions::R4(), Patient(), SummaryMode::kTrue);
  EXPECT_NE(out.find("name"), nullptr);
  EXPECT_NE(out.find("birthDate"), nullptr);
  EXPECT_NE(out.find("deceasedBoolean"), nullptr);
  EXPECT_EQ(out.find("photo"), nullptr);
  EXPECT_EQ(out.find("text"), nullptr);
  EXPECT_EQ(out.find("meta")->find("tag")->as_array()[0].string_at("code"), "SUBSETTED");
}

TEST(SummaryTest, TextAndData) {
  auto text = ApplySummary(Definitions::R4(), Patient(), SummaryMode::kText);
  EXPECT_NE(text.find("text"), nullptr);
  EXPECT_EQ(text.find("name"), nullptr);
  auto data = ApplySummary(Definitions::R4(), Patient(), SummaryMode::kData);
  EXPECT_EQ(data.find("text"), nullptr);
  EXPECT_NE(data.find("photo"), nullptr);
}

TEST(SummaryTest, ElementsKeepsNamedAndChoice) {
  auto out = ApplyElements(Definitions::R4(), Patient(), {"birthDate", "deceased"});
  EXPECT_NE(out.find("birthDate"), nullptr);
  EXPECT_NE(out.find("deceasedBoolean"), nullptr);
  EXPECT_EQ(out.find("name"), nullptr);
  EXPECT_NE(out.find("id"), nullptr);
}

}  // namespace
}  // namespace salus::fhir
