#include "auth/scopes.h"

#include <gtest/gtest.h>

#include <set>

namespace salus::auth {
namespace {

// Every one of the 31 non-empty in-order subsets of "cruds", built here letter by letter.
std::vector<std::pair<std::string, uint8_t>> AllSuffixes() {
  std::vector<std::pair<std::string, uint8_t>> out;
  const std::string letters = "cruds";
  for (int mask = 1; mask < 32; ++mask) {
    std::string s;
    for (int b = 0; b < 5; ++b) {
      if (mask & (1 << b)) s.push_back(letters[b]);
    }
    out.emplace_back(s, static_cast<uint8_t>(mask));
  }
  return out;
}

TEST(Scopes, All31V2SuffixesInEveryContext) {
  auto all = AllSuffixes();
  ASSERT_EQ(all.size(), 31u);
  std::set<std::string> distinct;
  for (const auto& [suffix, mask] : all) {
    distinct.insert(suffix);
    for (std::string ctx : {"patient", "user", "system"}) {
      for (std::string type : {"Observation", "*"}) {
        std::string text = ctx + "/" + type + "." + suffix;
        auto s = ParseResourceScope(text);
        ASSERT_TRUE(s) << text;
        EXPECT_EQ(s->permissions, mask) << text;
        EXPECT_EQ(s->type, type);
        EXPECT_EQ(ToString(*s), text);
      }
    }
    // Bits: c=create r=read u=update d=delete s=search.
    EXPECT_EQ((mask & kCreate) != 0, suffix.find('c') != std::string::npos);
    EXPECT_EQ((mask & kSearch) != 0, suffix.find('s') != std::string::npos);
  }
  EXPECT_EQ(distinct.size(), 31u);
}

TEST(Scopes, V1FormsMapToV2) {
  EXPECT_EQ(ParseResourceScope("patient/Observation.read")->permissions, kRead | kSearch);
  EXPECT_EQ(ParseResourceScope("user/*.write")->permissions, kCreate | kUpdate | kDelete);
  EXPECT_EQ(ParseResourceScope("system/*.*")->permissions, kAllPermissions);
  EXPECT_EQ(ToString(*ParseResourceScope("patient/Observation.read")), "patient/Observation.rs");
  EXPECT_EQ(ToString(*ParseResourceScope("system/Patient.*")), "system/Patient.cruds");
}

TEST(Scopes, InvalidOnesAreRejected) {
  for (std::string bad : {
           "patient/Observation.", "patient/Observation.rc", "patient/Observation.ss", "patient/Observation.x",
           "patient/Observation.crudsx", "patient/Observation.srudc", "patient/Observation.READ",
           "patient/Observation.Read", "patient/Observation.rw", "patient/Observation", "Observation.rs",
           "doctor/Observation.rs", "/Observation.rs", "patient/.rs", "patient/observation.rs",
           "patient/Obs-ervation.rs", "patient/Observation.rs?category=laboratory", "patient/**.rs",
           "Patient/Observation.rs", "patient/Observation.r s", "",
       }) {
    EXPECT_FALSE(ParseResourceScope(bad)) << bad;
  }
}

bool KnownType(std::string_view t) { return t == "Patient" || t == "Observation"; }

TEST(Scopes, ScopeStringsCombineAndRejectUnknown) {
  ScopeSet s = ParseScopes(
      "openid fhirUser  launch/patient offline_access patient/Observation.rs patient/Observation.c "
      "patient/Patient.r user/Foo.rs patient/Observation.rs?code=1234 nonsense",
      KnownType);
  EXPECT_TRUE(s.openid);
  EXPECT_TRUE(s.fhir_user);
  EXPECT_TRUE(s.launch_patient);
  EXPECT_TRUE(s.offline_access);
  EXPECT_FALSE(s.launch);
  EXPECT_EQ(s.PermissionsFor(ScopeContext::kPatient, "Observation"), kCreate | kRead | kSearch);
  EXPECT_EQ(s.PermissionsFor(ScopeContext::kPatient, "Patient"), kRead);
  EXPECT_EQ(s.PermissionsFor(ScopeContext::kUser, "Observation"), 0);
  EXPECT_EQ(s.PermissionsFor(ScopeContext::kPatient, "Condition"), 0);
  EXPECT_EQ(s.rejected, (std::vector<std::string>{"user/Foo.rs", "patient/Observation.rs?code=1234", "nonsense"}));
  EXPECT_EQ(s.ToString(), "openid fhirUser launch/patient offline_access patient/Observation.crs patient/Patient.r");

  ScopeSet w = ParseScopes("system/*.rs system/Patient.u");
  EXPECT_EQ(w.PermissionsFor(ScopeContext::kSystem, "Patient"), kRead | kSearch | kUpdate);
  EXPECT_EQ(w.PermissionsFor(ScopeContext::kSystem, "Encounter"), kRead | kSearch);
  EXPECT_EQ(w.PermissionsFor(ScopeContext::kPatient, "Encounter"), 0);
}

}  // namespace
}  // namespace salus::auth
