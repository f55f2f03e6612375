// Custom SearchParameters take effect after `salus reindex`, run beside the serving process;
// until then they are unknown parameters.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "core/json.h"
#include "support/harness.h"

namespace salus::testing {
namespace {

constexpr const char* kEyeColour = R"({"resourceType":"SearchParameter","id":"eye-colour",
  "url":"http://example.org/SearchParameter/eye-colour","name":"EyeColour","status":"active",
  "description":"Eye colour recorded in an extension","code":"eye-colour","base":["Patient"],"type":"token",
  "expression":"Patient.extension('http://example.org/eye-colour').value"})";

std::string PatientWithEyes(const std::string& colour) {
  return R"({"resourceType":"Patient","extension":[{"url":"http://example.org/eye-colour","valueCode":")" + colour +
         R"("}],"gender":"other"})";
}

int64_t Total(uint16_t port, const std::string& query, int* status) {
  HttpResponse r = Http(port, "GET", "/fhir/" + query + "&_total=accurate");
  *status = r.status;
  if (r.status != 200) return -1;
  return std::stoll(json::Parse(r.body)->find("total")->as_number().text);
}

TEST(ReindexTest, CustomSearchParameterWorksAfterReindexWhileServing) {
  TempDir data;
  ServerProcess server(data.path());
  ASSERT_TRUE(server.ok());
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(Http(server.port(), "POST", "/fhir/Patient", PatientWithEyes(i % 3 == 0 ? "blue" : "brown")).status, 201);
  }
  HttpResponse sp = Http(server.port(), "PUT", "/fhir/SearchParameter/eye-colour", kEyeColour);
  ASSERT_EQ(sp.status, 201) << sp.body;
  int status = 0;
  Total(server.port(), "Patient?eye-colour=blue", &status);
  EXPECT_EQ(status, 400);  // not in force before the reindex

  std::string out = RunCommand(std::string(SALUS_BINARY) + " --log-level warn reindex --no-progress --batch 7 --data " +
                                   data.path().string() + " 2>&1",
                               &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("1 custom search parameters"), std::string::npos) << out;

  // Written right after the reindex, most likely before the server switched (it polls every
  // 2 s) and so indexed with the old parameters: the switch catches it up.
  ASSERT_EQ(Http(server.port(), "POST", "/fhir/Patient", PatientWithEyes("blue")).status, 201);
  // The server notices the new generation within a few seconds.
  int64_t blue = -1;
  for (int i = 0; i < 100 && blue < 0; ++i) {
    blue = Total(server.port(), "Patient?eye-colour=blue", &status);
    if (blue < 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(blue, 11);
  EXPECT_EQ(Total(server.port(), "Patient?eye-colour=brown", &status), 20);
  // New writes are indexed with it too, and the CapabilityStatement lists it.
  ASSERT_EQ(Http(server.port(), "POST", "/fhir/Patient", PatientWithEyes("blue")).status, 201);
  EXPECT_EQ(Total(server.port(), "Patient?eye-colour=blue", &status), 12);
  EXPECT_NE(Http(server.port(), "GET", "/fhir/metadata").body.find("\"eye-colour\""), std::string::npos);

  // A second run finds nothing to resume and reindexes everything again.
  out = RunCommand(std::string(SALUS_BINARY) + " --log-level warn reindex --no-progress --data " + data.path().string(), &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out.find("resumed"), std::string::npos) << out;
}

TEST(ReindexTest, BrokenSearchParameterIsSkippedAndNamed) {
  TempDir data;
  {
    ServerProcess server(data.path());
    ASSERT_TRUE(server.ok());
    std::string broken = kEyeColour;
    broken.replace(broken.find("Patient.extension"), 17, "Patient.extension((");
    ASSERT_EQ(Http(server.port(), "PUT", "/fhir/SearchParameter/eye-colour", broken).status, 201);
  }
  int status = 0;
  std::string out = RunCommand(std::string(SALUS_BINARY) + " --log-level warn reindex --no-progress --data " +
                                   data.path().string() + " 2>&1",
                               &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("skipped SearchParameter/eye-colour"), std::string::npos) << out;
  EXPECT_NE(out.find("0 custom search parameters"), std::string::npos) << out;
}

// A reindex killed part-way resumes from the last batch it committed.
TEST(ReindexTest, KilledReindexResumes) {
  TempDir data;
  int64_t patients = 0;
  {
    ServerProcess server(data.path());
    ASSERT_TRUE(server.ok());
    auto dir = SharedTestdata() / "synthea";
    for (int round = 0; round < 2; ++round) {
      for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".json") continue;
        ASSERT_EQ(Http(server.port(), "POST", "/fhir", ReadFile(e.path())).status, 200);
      }
    }
    int status = 0;
    patients = Total(server.port(), "Patient?gender=male,female,other,unknown", &status);
    ASSERT_GT(patients, 0);
  }
  std::string bin = std::string(SALUS_BINARY) + " --log-level warn reindex --no-progress --batch 20 --data " +
                    data.path().string();
  int status = 0;
  // Kill it while it works; the shell reports how it ended.
  std::string first = RunCommand("(" + bin + " >/dev/null 2>&1 & p=$!; sleep 0.4; kill -9 $p 2>/dev/null; wait $p; echo exit=$?)",
                                 &status);
  std::string second = RunCommand(bin + " 2>&1", &status);
  EXPECT_EQ(status, 0) << second;
  RecordProperty("second_run", second);
  if (first.find("exit=137") != std::string::npos) {
    EXPECT_NE(second.find("resumed"), std::string::npos) << first << second;
  } else {
    GTEST_LOG_(INFO) << "the first reindex finished before it could be killed: " << first;
  }
  // Whatever happened, the index answers as before.
  ServerProcess server(data.path());
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(Total(server.port(), "Patient?gender=male,female,other,unknown", &status), patients);
}

}  // namespace
}  // namespace salus::testing
