#include "search/indexer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace salus::search {
namespace {

json::Value Doc(std::string_view text) { return *json::Parse(text); }

bool HasToken(const store::IndexRows& r, std::string_view param, std::string_view system, std::string_view code) {
  for (const auto& t : r.tokens) {
    if (t.param == param && t.system == system && t.code == code) return true;
  }
  return false;
}
bool HasString(const store::IndexRows& r, std::string_view param, std::string_view normalized) {
  for (const auto& s : r.strings) {
    if (s.param == param && s.normalized == normalized) return true;
  }
  return false;
}

TEST(RegistryTest, EveryR4ExpressionCompiles) {
  const Registry& r = Registry::Default();
  EXPECT_TRUE(r.broken().empty()) << r.broken().front();
  EXPECT_NE(r.Find("Patient", "birthdate"), nullptr);
  EXPECT_NE(r.Find("Observation", "_tag"), nullptr);
  EXPECT_EQ(r.Find("Patient", "nosuch"), nullptr);
}

TEST(IndexerTest, PatientRowsOfEveryKind) {
  auto rows = ExtractIndexRows(Doc(R"({"resourceType":"Patient","id":"p1",
    "meta":{"tag":[{"system":"http://t","code":"x"}],"profile":["http://p/Patient"]},
    "identifier":[{"system":"urn:mrn","value":"12345","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]}}],
    "active":true,
    "name":[{"family":"Müller","given":["Zoë","Ann"]}],
    "gender":"female","birthDate":"1974-12",
    "address":[{"city":"Zürich","postalCode":"8001"}],
    "telecom":[{"system":"phone","value":"+41 44 123"}],
    "generalPractitioner":[{"reference":"Practitioner/dr1"}],
    "managingOrganization":{"reference":"http://other.example/fhir/Organization/o9/_history/2"}})"));
  EXPECT_TRUE(HasToken(rows, "identifier", "urn:mrn", "12345"));
  EXPECT_TRUE(HasToken(rows, "identifier:of-type", "http://terminology.hl7.org/CodeSystem/v2-0203", "MR|12345"));
  EXPECT_TRUE(HasToken(rows, "active", "", "true"));
  EXPECT_TRUE(HasToken(rows, "gender", "", "female"));
  EXPECT_TRUE(HasToken(rows, "_tag", "http://t", "x"));
  EXPECT_TRUE(HasToken(rows, "phone", "", "+41 44 123"));
  EXPECT_TRUE(HasString(rows, "family", "muller"));
  EXPECT_TRUE(HasString(rows, "given", "zoe"));
  EXPECT_TRUE(HasString(rows, "name", "ann"));
  EXPECT_TRUE(HasString(rows, "address-city", "zurich"));
  bool birth = false;
  for (const auto& d : rows.dates) {
    if (d.param == "birthdate") {
      birth = true;
      EXPECT_EQ(d.high_us - d.low_us, 31LL * 86400 * 1000000);  // the whole of December
    }
  }
  EXPECT_TRUE(birth);
  bool gp = false, org = false;
  for (const auto& r : rows.references) {
    if (r.param == "general-practitioner" && r.target_type == "Practitioner" && r.target_id == "dr1") gp = true;
    if (r.param == "organization" && r.target_type == "Organization" && r.target_id == "o9" && !r.url.empty()) org = true;
  }
  EXPECT_TRUE(gp);
  EXPECT_TRUE(org);
  bool profile = false;
  for (const auto& u : rows.uris) profile |= u.param == "_profile" && u.uri == "http://p/Patient";
  EXPECT_TRUE(profile);
}

TEST(IndexerTest, ObservationQuantityIsCanonicalAndChoiceTypesIndex) {
  auto rows = ExtractIndexRows(Doc(R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Body Weight"}],"text":"Weight"},
    "subject":{"reference":"Patient/p1"},
    "effectivePeriod":{"start":"2024-01-02T10:00:00Z"},
    "valueQuantity":{"value":72.5,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}})"));
  EXPECT_TRUE(HasToken(rows, "code", "http://loinc.org", "29463-7"));
  EXPECT_TRUE(HasString(rows, "code:text", "weight"));
  EXPECT_TRUE(HasString(rows, "code:text", "body weight"));
  bool q = false;
  for (const auto& r : rows.quantities) {
    if (r.param == "value-quantity" && r.code == "g" && r.value == 72500) q = true;
  }
  EXPECT_TRUE(q);
  bool open_period = false;
  for (const auto& d : rows.dates) {
    if (d.param == "date" && d.high_us > (int64_t{1} << 60)) open_period = true;  // no end: open
  }
  EXPECT_TRUE(open_period);
  bool subject = false, patient = false;
  for (const auto& r : rows.references) {
    subject |= r.param == "subject" && r.target_id == "p1";
    patient |= r.param == "patient" && r.target_id == "p1";  // "subject.where(resolve() is Patient)"
  }
  EXPECT_TRUE(subject);
  EXPECT_TRUE(patient);
}

// Every R4 example indexes without error, and the rows are bounded.
TEST(IndexerTest, AllR4ExamplesIndex) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(SALUS_SHARED_TESTDATA) / "fhir-examples-r4";
  ASSERT_TRUE(fs::exists(dir)) << dir;
  size_t files = 0, rows = 0, with_rows = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = json::Parse(ss.str());
    if (!doc || !doc->is_object() || !doc->string_at("resourceType")) continue;
    ++files;
    auto r = ExtractIndexRows(*doc);
    rows += r.size();
    with_rows += r.size() > 0;
    // Skipping parameters whose elements are absent changes nothing.
    auto all = ExtractIndexRows(*doc, Registry::Default(), false);
    EXPECT_EQ(r.size(), all.size()) << e.path();
    EXPECT_EQ(r.tokens.size(), all.tokens.size()) << e.path();
    EXPECT_EQ(r.strings.size(), all.strings.size()) << e.path();
    EXPECT_EQ(r.dates.size(), all.dates.size()) << e.path();
    EXPECT_EQ(r.references.size(), all.references.size()) << e.path();
    EXPECT_EQ(r.composites.size(), all.composites.size()) << e.path();
  }
  EXPECT_GT(files, 900u);
  EXPECT_GT(with_rows, files * 9 / 10);
  RecordProperty("rows", static_cast<int>(rows));
}

}  // namespace
}  // namespace salus::search
