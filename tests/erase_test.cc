// The right to erasure: Patient/[id]/$erase hard-deletes every version of everything in the
// patient's compartment (and Binaries their attachments point to), erases the bodies of the
// audit entries that named the patient, records the erasure without naming them, and leaves
// a ledger that still verifies; a body removed without an erasure is still caught.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "core/base64.h"
#include "core/json.h"
#include "crypto/random.h"
#include "support/harness.h"

namespace salus::testing {
namespace {

TEST(Erase, EverythingOfOnePatientGoesAndTheLedgerStillVerifies) {
  TempDir dir;
  auto data = dir.path() / "data";
  std::optional<ServerProcess> server(std::in_place, data);
  ASSERT_TRUE(server->ok());
  uint16_t port = server->port();
  std::string family = "Forgetme" + crypto::NewId().substr(24);
  std::string pid = IdFrom(Http(port, "POST", "/fhir/Patient", R"({"resourceType":"Patient","name":[{"family":")" + family + R"("}]})"));
  std::string qid = IdFrom(Http(port, "POST", "/fhir/Patient", R"({"resourceType":"Patient","name":[{"family":"Keepme"}]})"));
  auto obs = [&](const std::string& patient) {
    return IdFrom(Http(port, "POST", "/fhir/Observation",
                       R"({"resourceType":"Observation","status":"final","code":{"text":"bp"},"subject":{"reference":"Patient/)" +
                           patient + R"("}})"));
  };
  std::string po = obs(pid), qo = obs(qid);
  ASSERT_EQ(Http(port, "PUT", "/fhir/Observation/" + po,
                 R"({"resourceType":"Observation","id":")" + po + R"(","status":"amended","code":{"text":"bp"},"subject":{"reference":"Patient/)" + pid + R"("}})")
                .status,
            200);  // a second version
  std::string bin = IdFrom(Http(port, "POST", "/fhir/Binary",
                                R"({"resourceType":"Binary","contentType":"text/plain","data":")" + EncodeBase64("scan of " + family) + "\"}"));
  std::string doc = IdFrom(Http(port, "POST", "/fhir/DocumentReference",
                                R"({"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/)" + pid +
                                    R"("},"content":[{"attachment":{"url":"Binary/)" + bin + R"("}}]})"));
  ASSERT_EQ(Http(port, "GET", "/fhir/Observation/" + po).status, 200);  // an access naming the patient
  // A search that names the patient and finds nothing is about them too.
  ASSERT_EQ(Http(port, "GET", "/fhir/Condition?subject=Patient/" + pid).status, 200);
  auto before_text = Http(port, "GET", "/fhir/AuditEvent?patient=Patient/" + pid + "&_count=100").body;
  EXPECT_NE(before_text.find("GET /Condition"), std::string::npos) << before_text.substr(0, 2000);
  auto before = json::Parse(before_text);
  ASSERT_TRUE(before && before->find("entry"));
  std::string named_seq(before->find("entry")->as_array()[0].find("resource")->string_at("id").value_or(""));
  std::string search_seq;
  for (const auto& e : before->find("entry")->as_array()) {
    if (json::Serialize(*e.find("resource")).find("GET /Condition") != std::string::npos) {
      search_seq = std::string(e.find("resource")->string_at("id").value_or(""));
    }
  }
  ASSERT_FALSE(search_seq.empty());

  auto erased = Http(port, "POST", "/fhir/Patient/" + pid + "/$erase");
  ASSERT_EQ(erased.status, 200) << erased.body;
  // (Asked first: the requests below name the patient, and are new accesses recorded as such.)
  auto after = Http(port, "GET", "/fhir/AuditEvent?patient=Patient/" + pid);
  EXPECT_EQ(after.body.find("\"entry\""), std::string::npos) << after.body.substr(0, 300);
  EXPECT_NE(erased.body.find("erased 4 resources (5 versions"), std::string::npos) << erased.body;
  EXPECT_EQ(Http(port, "GET", "/fhir/Patient/" + pid).status, 404);
  EXPECT_EQ(Http(port, "GET", "/fhir/Observation/" + po + "/_history/1").status, 404);
  EXPECT_EQ(Http(port, "GET", "/fhir/DocumentReference/" + doc).status, 404);
  EXPECT_EQ(Http(port, "GET", "/fhir/Binary/" + bin).status, 404);
  EXPECT_EQ(Http(port, "GET", "/fhir/Patient?family=" + family).body.find(pid), std::string::npos);
  EXPECT_EQ(Http(port, "GET", "/fhir/_history?_count=100").body.find(pid), std::string::npos);
  EXPECT_EQ(Http(port, "GET", "/fhir/Patient/" + qid).status, 200);  // the other patient untouched
  EXPECT_EQ(Http(port, "GET", "/fhir/Observation/" + qo).status, 200);
  // The ledger: the entries naming the patient lost their bodies; the erasure names nobody.
  EXPECT_EQ(Http(port, "GET", "/fhir/AuditEvent/" + named_seq).status, 410);
  EXPECT_EQ(Http(port, "GET", "/fhir/AuditEvent/" + search_seq).status, 410);
  auto erasures = Http(port, "GET", "/fhir/AuditEvent?action=D");
  EXPECT_NE(erasures.body.find("\"code\":\"erase\""), std::string::npos) << erasures.body.substr(0, 500);
  EXPECT_EQ(erasures.body.find(pid), std::string::npos);
  EXPECT_EQ(erasures.body.find(family), std::string::npos);
  ASSERT_EQ(server->Terminate(), 0);
  server.reset();

  std::string salus = SALUS_BINARY;
  int status = 0;
  std::string out = RunCommand(salus + " audit verify --data " + data.string(), &status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("erased bodies"), std::string::npos) << out;
  EXPECT_EQ(out.find(" 0 erased bodies"), std::string::npos) << out;
  // Nothing of the patient is left in the database file (index values included: deleted
  // rows are overwritten, and the WAL was checkpointed and truncated at shutdown).
  std::string lower = family;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string db = ReadFile(data / "salus.db");
  EXPECT_EQ(db.find(lower), std::string::npos);
  auto count = [&](const std::string& sql) {
    return RunCommand("sqlite3 " + (data / "salus.db").string() + " \"" + sql + "\"", &status);
  };
  EXPECT_EQ(count("SELECT COUNT(*) FROM resources WHERE id IN ('" + pid + "','" + po + "','" + doc + "','" + bin + "')"), "0\n");
  EXPECT_EQ(count("SELECT COUNT(*) FROM idx_reference WHERE target_id = '" + pid + "'"), "0\n");
  // A body removed without an erasure is tampering.
  RunCommand("sqlite3 " + (data / "salus.db").string() + " \"UPDATE audit_log SET body = NULL WHERE seq = 1\"", &status);
  out = RunCommand(salus + " audit verify --data " + data.string(), &status);
  EXPECT_EQ(WEXITSTATUS(status), 3) << out;
  EXPECT_NE(out.find("entry 1 has lost its body, and no erasure recorded it"), std::string::npos) << out;
  // The command-line erasure: the same operation for a local administrator.
  RunCommand("sqlite3 " + (data / "salus.db").string() + " \"UPDATE audit_log SET body = body WHERE 0\"", &status);
  out = RunCommand(salus + " --log-level warn admin patient erase " + qid + " --data " + data.string(), &status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("erased 2 resources"), std::string::npos) << out;
  out = RunCommand(salus + " --log-level warn admin patient erase no-such-patient --data " + data.string(), &status);
  EXPECT_NE(WEXITSTATUS(status), 0) << out;
}

}  // namespace
}  // namespace salus::testing
