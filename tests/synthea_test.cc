// Every Synthea bundle loads as a transaction; counts and rewritten references are checked
// against expectations computed here from the bundle files themselves.
#include <gtest/gtest.h>

#include <map>

#include "core/json.h"
#include "support/harness.h"

namespace salus::testing {
namespace {

TEST(SyntheaTest, EveryBundleLoadsAsATransaction) {
  auto dir = SharedTestdata() / "synthea";
  ASSERT_TRUE(std::filesystem::exists(dir)) << "conformance data missing: " << dir << " (../shared/testdata beside the checkout)";
  TempDir data;
  ServerProcess server(data.path());
  ASSERT_TRUE(server.ok());
  std::map<std::string, int> expected_counts;
  int bundles = 0, checked_refs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::string text = ReadFile(entry.path());
    auto bundle = json::Parse(text, json::ParseLimits{.max_depth = 100});
    ASSERT_TRUE(bundle) << entry.path();
    const auto& entries = bundle->find("entry")->as_array();
    for (const auto& e : entries) expected_counts[std::string(*e.find("resource")->string_at("resourceType"))]++;

    HttpResponse r = Http(server.port(), "POST", "/fhir", text);
    ASSERT_EQ(r.status, 200) << entry.path() << ": " << r.body.substr(0, 500);
    ++bundles;
    auto resp = json::Parse(r.body);
    ASSERT_TRUE(resp);
    const auto& out = resp->find("entry")->as_array();
    ASSERT_EQ(out.size(), entries.size());
    // fullUrl -> new location, from the response, to check references independently.
    std::map<std::string, std::string> where;
    for (size_t i = 0; i < out.size(); ++i) {
      const json::Value* response = out[i].find("response");
      ASSERT_EQ(response->string_at("status"), "201 Created") << entry.path() << " entry " << i;
      std::string loc(*response->string_at("location"));
      where[std::string(*entries[i].string_at("fullUrl"))] = loc.substr(0, loc.find("/_history"));
    }
    // Every urn:uuid reference in a sample of entries now points at the entry's new id.
    for (size_t i = 0; i < entries.size(); i += 17) {
      const json::Value& original = *entries[i].find("resource");
      const json::Value* subject = original.find("subject");
      if (subject == nullptr || !subject->string_at("reference")) continue;
      std::string ref(*subject->string_at("reference"));
      HttpResponse got = Http(server.port(), "GET", "/fhir/" + where[std::string(*entries[i].string_at("fullUrl"))]);
      ASSERT_EQ(got.status, 200);
      auto stored = json::Parse(got.body);
      EXPECT_EQ(stored->find("subject")->string_at("reference"), where[ref]) << entry.path() << " entry " << i;
      ++checked_refs;
    }
  }
  EXPECT_EQ(bundles, 22);
  EXPECT_GT(checked_refs, 50);
  for (const auto& [type, count] : expected_counts) {
    HttpResponse r = Http(server.port(), "GET", "/fhir/" + type + "?_summary=count");
    ASSERT_EQ(r.status, 200);
    auto v = json::Parse(r.body);
    EXPECT_EQ(v->find("total")->as_number().text, std::to_string(count)) << type;
  }
}

}  // namespace
}  // namespace salus::testing
