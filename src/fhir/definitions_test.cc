#include "fhir/definitions.h"

#include <gtest/gtest.h>

namespace salus::fhir {
namespace {

TEST(DefinitionsTest, HasEveryR4ResourceType) {
  const auto& defs = Definitions::R4();
  // R4 4.0.1 has 145 concrete resource types (146 StructureDefinitions of kind resource
  // minus the abstract Resource and DomainResource, plus Bundle/Binary/Parameters).
  EXPECT_EQ(defs.resource_types().size(), 146u);
  EXPECT_TRUE(defs.IsResourceType("Patient"));
  EXPECT_TRUE(defs.IsResourceType("Observation"));
  EXPECT_FALSE(defs.IsResourceType("DomainResource"));
  EXPECT_FALSE(defs.IsResourceType("HumanName"));
  EXPECT_FALSE(defs.IsResourceType("SubscriptionStatus"));  // R4B, not R4
}

TEST(DefinitionsTest, IndexesElementsChoicesAndBackbones) {
  const auto& defs = Definitions::R4();
  const TypeDef* patient = defs.FindType("Patient");
  ASSERT_NE(patient, nullptr);
  const auto& root = patient->root();
  ASSERT_TRUE(root.children.contains("birthDate"));
  ASSERT_TRUE(root.children.contains("deceasedBoolean"));
  ASSERT_TRUE(root.children.contains("deceasedDateTime"));
  EXPECT_FALSE(root.children.contains("deceased"));
  const auto& contact = patient->elements[root.children.at("contact").element];
  EXPECT_EQ(contact.max, kUnbounded);
  EXPECT_TRUE(contact.children.contains("relationship"));
  const auto& comm = patient->elements[root.children.at("communication").element];
  EXPECT_EQ(patient->elements[comm.children.at("language").element].min, 1u);
}

TEST(DefinitionsTest, ResolvesContentReferences) {
  const TypeDef* q = Definitions::R4().FindType("Questionnaire");
  ASSERT_NE(q, nullptr);
  const auto& item = q->elements[q->root().children.at("item").element];
  const auto& nested = q->elements[item.children.at("item").element];
  ASSERT_GE(nested.content_ref, 0);
  EXPECT_EQ(q->elements[nested.content_ref].path, "item");
}

TEST(DefinitionsTest, HasSearchParametersAndCompartment) {
  const auto& defs = Definitions::R4();
  EXPECT_GT(defs.search_params().size(), 1000u);
  bool found = false;
  for (const auto& sp : defs.search_params()) {
    if (sp.code == "birthdate" && sp.type == "date") found = true;
  }
  EXPECT_TRUE(found);
  const auto& obs = defs.PatientCompartmentParams("Observation");
  EXPECT_NE(std::find(obs.begin(), obs.end(), "subject"), obs.end());
  EXPECT_TRUE(defs.PatientCompartmentParams("Organization").empty());
}

}  // namespace
}  // namespace salus::fhir
