// `salus import`: NDJSON (with a bad line) and a directory of transaction Bundles load through
// validation; the summary line counts them; bad input is named and does not stop the rest.
#include <gtest/gtest.h>

#include <fstream>

#include "support/harness.h"

namespace salus::testing {
namespace {

TEST(ImportTest, NdjsonWithABadLineLoadsTheRest) {
  TempDir dir;
  {
    std::ofstream f(dir.path() / "patients.ndjson");
    for (int i = 0; i < 1200; ++i) {
      f << R"({"resourceType":"Patient","id":"imp-)" << i << R"(","gender":"male"})" << "\n";
      if (i == 700) f << R"({"resourceType":"Patient","id":"bad","birthDate":"not-a-date"})" << "\n";
    }
    f << "\n";
  }
  int status = 0;
  std::string out = RunCommand(std::string(SALUS_BINARY) + " --log-level warn import --no-progress --data " +
                                   (dir.path() / "data").string() + " " + (dir.path() / "patients.ndjson").string() +
                                   " 2>" + (dir.path() / "err.txt").string(),
                               &status);
  EXPECT_NE(out.find("imported 1200 resources from 1 files"), std::string::npos) << out;
  EXPECT_NE(out.find("1 failed"), std::string::npos) << out;
  EXPECT_NE(WEXITSTATUS(status), 0);
  std::string err = ReadFile(dir.path() / "err.txt");
  EXPECT_NE(err.find("line 702"), std::string::npos) << err;
  EXPECT_NE(err.find("Patient.birthDate"), std::string::npos) << err;
  EXPECT_EQ(err.find("not-a-date") == std::string::npos, false);  // the problem, told to the operator

  ServerProcess server(dir.path() / "data");
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(Http(server.port(), "GET", "/fhir/Patient/imp-1199").status, 200);
  EXPECT_EQ(Http(server.port(), "GET", "/fhir/Patient/bad").status, 404);
  auto count = Http(server.port(), "GET", "/fhir/Patient?_summary=count");
  EXPECT_NE(count.body.find("\"total\":1200"), std::string::npos) << count.body;
}

TEST(ImportTest, DirectoryOfTransactionBundles) {
  auto synthea = SharedTestdata() / "synthea";
  ASSERT_TRUE(std::filesystem::exists(synthea)) << "conformance data missing: " << synthea;
  TempDir dir;
  int status = 0;
  std::string out = RunCommand(std::string(SALUS_BINARY) + " --log-level warn import --no-progress --data " +
                                   (dir.path() / "data").string() + " " + synthea.string(),
                               &status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("from 22 files"), std::string::npos) << out;
  EXPECT_NE(out.find("; 0 failed"), std::string::npos) << out;
}

}  // namespace
}  // namespace salus::testing
