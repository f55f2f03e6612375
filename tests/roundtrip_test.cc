// Every official R4 example round-trips: PUT with its id (POST when it has none), GET, and the
// result equals the input up to meta.versionId/lastUpdated; and a search by each of its
// identifiers finds it.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <set>

#include "core/json.h"
#include "support/harness.h"

namespace salus::testing {
namespace {

// Equal as JSON, objects compared without regard to member order; numbers by their text.
bool SameJson(const json::Value& a, const json::Value& b, std::string& where, const std::string& path) {
  if (a.is_object() && b.is_object()) {
    if (a.as_object().size() != b.as_object().size()) {
      where = path + " (member count)";
      return false;
    }
    for (const auto& [k, v] : a.as_object()) {
      const json::Value* o = b.find(k);
      if (o == nullptr) {
        where = path + "." + k + " (missing)";
        return false;
      }
      if (!SameJson(v, *o, where, path + "." + k)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.as_array().size() != b.as_array().size()) {
      where = path + " (length)";
      return false;
    }
    for (size_t i = 0; i < a.as_array().size(); ++i) {
      if (!SameJson(a.as_array()[i], b.as_array()[i], where, path + "[" + std::to_string(i) + "]")) return false;
    }
    return true;
  }
  if (!(a == b)) where = path;
  return a == b;
}

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string Encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Escapes the characters a search value treats specially (search.html#escaping).
std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ',' || c == '|' || c == '$' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

void StripServerMeta(json::Value& v) {
  json::Value* meta = v.find("meta");
  if (meta == nullptr) return;
  meta->erase("versionId");
  meta->erase("lastUpdated");
  if (meta->as_object().empty()) v.erase("meta");
}

TEST(RoundTripTest, EveryOfficialExample) {
  auto dir = SharedTestdata() / "fhir-examples-r4";
  ASSERT_TRUE(std::filesystem::exists(dir)) << "conformance data missing: " << dir << " (../shared/testdata beside the checkout)";
  TempDir data;
  ServerProcess server(data.path());
  ASSERT_TRUE(server.ok());
  // Examples the R4 definitions themselves reject (see fhir/validator_test.cc): they must get a
  // 400 with an OperationOutcome, and nothing else may fail.
  const std::set<std::string> invalid = {
      "SearchParameter-valueset-extensions-ValueSet-workflow.json",
      "SearchParameter-valueset-extensions-ValueSet-end.json",
      "SearchParameter-codesystem-extensions-CodeSystem-end.json",
      "ImplementationGuide-fhir.json",
      "SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json",
  };
  int total = 0, passed = 0, rejected = 0, identifier_searches = 0, ledger_owned = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::string name = entry.path().filename().string();
    std::string text = ReadFile(entry.path());
    auto original = json::Parse(text, json::ParseLimits{.max_depth = 100});
    ASSERT_TRUE(original) << name;
    ++total;
    std::string type(original->string_at("resourceType").value_or(""));
    auto id = original->string_at("id");
    HttpResponse put = id ? Http(server.port(), "PUT", "/fhir/" + type + "/" + std::string(*id), text)
                          : Http(server.port(), "POST", "/fhir/" + type, text);
    if (type == "AuditEvent") {
      // AuditEvent is the audit ledger's: recorded by the server, never written by clients.
      EXPECT_EQ(put.status, 405) << name;
      ++ledger_owned;
      continue;
    }
    if (invalid.contains(name)) {
      EXPECT_EQ(put.status, 400) << name;
      EXPECT_NE(put.body.find("OperationOutcome"), std::string::npos) << name;
      ++rejected;
      continue;
    }
    if (put.status != 201 && put.status != 200) {
      ADD_FAILURE() << name << ": write answered " << put.status << ": " << put.body.substr(0, 300);
      continue;
    }
    std::string location = put.header("location");
    std::string path = location.substr(location.find("/fhir/"));
    path = path.substr(0, path.find("/_history"));
    HttpResponse got = Http(server.port(), "GET", path);
    ASSERT_EQ(got.status, 200) << name;
    auto back = json::Parse(got.body, json::ParseLimits{.max_depth = 100});
    ASSERT_TRUE(back) << name;
    json::Value expected = *original;
    json::Value actual = *back;
    StripServerMeta(expected);
    StripServerMeta(actual);
    if (!id) actual.erase("id");
    std::string where;
    if (SameJson(expected, actual, where, type)) {
      ++passed;
    } else {
      ADD_FAILURE() << name << ": differs at " << where;
    }
    // Search finds the example by each of its business identifiers (the spec's own data).
    std::string self = path.substr(path.rfind('/') + 1);
    const json::Value* ids = original->find("identifier");
    std::vector<const json::Value*> identifiers;
    if (ids != nullptr && ids->is_array()) {
      for (const auto& i : ids->as_array()) identifiers.push_back(&i);
    } else if (ids != nullptr && ids->is_object()) {
      identifiers.push_back(ids);
    }
    for (const json::Value* ident : identifiers) {
      auto system = ident->string_at("system");
      auto value = ident->string_at("value");
      if (!system || !value) continue;
      std::string query = "/fhir/" + type + "?_count=1000&_elements=id&identifier=" + Encode(*system) + "%7C" +
                          Encode(Escape(*value));
      HttpResponse found = Http(server.port(), "GET", query);
      if (found.status == 400 && found.body.find("is not a search parameter of") != std::string::npos) continue;
      ASSERT_EQ(found.status, 200) << name << ": " << query << ": " << found.body.substr(0, 300);
      EXPECT_NE(found.body.find("\"id\":\"" + self + "\""), std::string::npos) << name << ": " << query;
      ++identifier_searches;
    }
  }
  std::printf("identifier searches: %d, each found its example\n", identifier_searches);
  EXPECT_GT(identifier_searches, 250);
  std::printf("round trip: %d examples, %d equal after PUT+GET, %d rejected as invalid R4, %d AuditEvents refused "
              "(the ledger owns them), %d other failures\n",
              total, passed, rejected, ledger_owned, total - passed - rejected - ledger_owned);
  EXPECT_GT(total, 900);
  EXPECT_EQ(ledger_owned, 3);
  EXPECT_EQ(passed + rejected + ledger_owned, total);
}

}  // namespace
}  // namespace salus::testing
