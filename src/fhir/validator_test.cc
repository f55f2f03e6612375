#include "fhir/validator.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

namespace salus::fhir {
namespace {

std::vector<Issue> Problems(std::string_view text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v) << text;
  std::vector<Issue> issues;
  Validator(Definitions::R4()).Validate(*v, issues);
  return issues;
}

bool HasIssueAt(const std::vector<Issue>& issues, std::string_view expr) {
  for (const auto& i : issues) {
    if (i.expression == expr) return true;
  }
  return false;
}

TEST(ValidatorTest, AcceptsAValidPatient) {
  auto issues = Problems(R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"1"},
    "name":[{"family":"Doe","given":["Jo"],"_given":[{"extension":[{"url":"http://x","valueString":"y"}]}]}],
    "birthDate":"1970-01-01","_birthDate":{"id":"b"},"deceasedBoolean":false,
    "contact":[{"name":{"text":"x"}}],"extension":[{"url":"http://e","valueQuantity":{"value":1.50}}],
    "contained":[{"resourceType":"Organization","id":"o","name":"Acme"}]})");
  EXPECT_TRUE(issues.empty()) << issues[0].expression << ": " << issues[0].diagnostics;
}

TEST(ValidatorTest, ReportsEveryProblemWithItsPath) {
  auto issues = Problems(R"({"resourceType":"Patient","birthDate":"1970-13-01","foo":1,
    "name":{"family":"x"},"gender":["male"],"deceasedBoolean":true,"deceasedDateTime":"2020",
    "communication":[{"preferred":true}],"multipleBirthInteger":3000000000,
    "contact":[{"name":{"family":"x","bogus":"y"}}],"_active":{"extension":[{"valueString":"x"}]}})");
  EXPECT_TRUE(HasIssueAt(issues, "Patient.birthDate"));
  EXPECT_TRUE(HasIssueAt(issues, "Patient.foo"));
  EXPECT_TRUE(HasIssueAt(issues, "Patient.name"));
  EXPECT_TRUE(HasIssueAt(issues, "Patient.gender"));
  EXPECT_TRUE(HasIssueAt(issues, "Patient.deceasedDateTime"));  // the second choice given
  EXPECT_TRUE(HasIssueAt(issues, "Patient.communication[0].language"));
  EXPECT_TRUE(HasIssueAt(issues, "Patient.multipleBirthInteger"));
  EXPECT_TRUE(HasIssueAt(issues, "Patient.contact[0].name.bogus"));
  EXPECT_TRUE(HasIssueAt(issues, "Patient._active.extension[0].url"));
  EXPECT_EQ(issues.size(), 9u);
}

TEST(ValidatorTest, RejectsUnknownAndAbstractResourceTypes) {
  EXPECT_TRUE(HasIssueAt(Problems(R"({"resourceType":"Patientx"})"), "resourceType"));
  EXPECT_TRUE(HasIssueAt(Problems(R"({"resourceType":"DomainResource"})"), "resourceType"));
  EXPECT_FALSE(Problems(R"({"id":"x"})").empty());
  EXPECT_FALSE(Problems(R"([1])").empty());
}

TEST(ValidatorTest, ValidatesContainedAndBundledResources) {
  auto issues = Problems(R"({"resourceType":"Bundle","type":"collection","entry":[
      {"resource":{"resourceType":"Patient","birthDate":"x"}},
      {"resource":{"resourceType":"Observation","status":"final","code":{"text":"t"},"contained":[
        {"resourceType":"Patient","gender":1}]}}]})");
  EXPECT_TRUE(HasIssueAt(issues, "Bundle.entry[0].resource.birthDate"));
  EXPECT_TRUE(HasIssueAt(issues, "Bundle.entry[1].resource.contained[0].gender"));
}

TEST(ValidatorTest, EmptyValuesAreNotAllowed) {
  auto issues = Problems(R"({"resourceType":"Patient","name":[],"telecom":[{}],"gender":""})");
  EXPECT_TRUE(HasIssueAt(issues, "Patient.name"));
  EXPECT_TRUE(HasIssueAt(issues, "Patient.telecom[0]"));
  EXPECT_TRUE(HasIssueAt(issues, "Patient.gender"));
}

// Official examples that break the R4 definitions themselves; each is rejected for a reason the
// spec's own StructureDefinitions give.
const std::map<std::string, std::string> kInvalidExamples = {
    {"SearchParameter-valueset-extensions-ValueSet-workflow.json", "SearchParameter.base is 1..* but absent"},
    {"SearchParameter-valueset-extensions-ValueSet-end.json", "SearchParameter.base is 1..* but absent"},
    {"SearchParameter-codesystem-extensions-CodeSystem-end.json", "SearchParameter.base is 1..* but absent"},
    {"ImplementationGuide-fhir.json", "ImplementationGuide.name is 1..1 but absent"},
    {"SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json",
     "its id has 67 characters; an R4 id has at most 64"},
};

// Every official R4 example validates, except the few listed above (which must fail).
TEST(ValidatorTest, AcceptsEveryOfficialExample) {
  std::filesystem::path dir = std::filesystem::path(SALUS_SHARED_TESTDATA) / "fhir-examples-r4";
  ASSERT_TRUE(std::filesystem::exists(dir)) << "conformance data missing: " << dir << " (../shared/testdata beside the checkout)";
  int total = 0;
  std::vector<std::string> failures;
  Validator validator(Definitions::R4());
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto v = json::Parse(ss.str(), json::ParseLimits{.max_depth = 100});
    ++total;
    if (!v) {
      failures.push_back(entry.path().filename().string() + ": " + v.error().message);
      continue;
    }
    std::vector<Issue> issues;
    bool valid = validator.Validate(*v, issues);
    bool expected_valid = !kInvalidExamples.contains(entry.path().filename().string());
    if (valid != expected_valid) {
      failures.push_back(entry.path().filename().string() + ": " +
                         (valid ? std::string("expected to fail validation")
                                : issues[0].expression + ": " + issues[0].diagnostics));
    }
  }
  EXPECT_GT(total, 900);
  for (const auto& f : failures) ADD_FAILURE() << f;
}

}  // namespace
}  // namespace salus::fhir
