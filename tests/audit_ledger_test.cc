// The audit ledger end to end: the real server records every interaction as an AuditEvent,
// serves them to searches, proves their inclusion and consistency, and `salus audit verify`
// catches tampering with the database file.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>

#include "audit/merkle.h"
#include "core/base64.h"
#include "core/json.h"
#include "crypto/hash.h"
#include "support/harness.h"

namespace salus::testing {
namespace {

using json::Value;

Value Body(const HttpResponse& r) {
  auto v = json::Parse(r.body, json::ParseLimits{.max_depth = 100});
  EXPECT_TRUE(v) << r.body.substr(0, 200);
  return v ? *v : Value();
}

std::vector<Value> Entries(const Value& bundle) {
  std::vector<Value> out;
  if (const Value* e = bundle.find("entry")) {
    for (const auto& x : e->as_array()) out.push_back(*x.find("resource"));
  }
  return out;
}

// The named parameter values of a Parameters resource (value[x] as a string).
std::vector<std::string> Param(const Value& params, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& p : params.find("parameter")->as_array()) {
    if (p.string_at("name") != name) continue;
    for (const auto& [k, v] : p.as_object()) {
      if (k.starts_with("value")) out.emplace_back(v.as_string());
    }
  }
  return out;
}

audit::Hash HashOf(std::string_view b64) {
  auto bytes = DecodeBase64(b64);
  EXPECT_TRUE(bytes && bytes->size() == 32);
  audit::Hash h{};
  if (bytes) std::copy_n(bytes->begin(), std::min<size_t>(32, bytes->size()), h.begin());
  return h;
}

bool Mentions(const Value& event, std::string_view reference) {
  for (const auto& e : event.find("entity") ? event.find("entity")->as_array() : json::Array{}) {
    if (const Value* w = e.find("what"); w && w->string_at("reference") == reference) return true;
  }
  return false;
}

TEST(AuditLedger, EveryInteractionIsRecordedAndProvable) {
  TempDir dir;
  std::optional<ServerProcess> server(std::in_place, dir.path());
  ASSERT_TRUE(server->ok());
  uint16_t port = server->port();

  auto p = Http(port, "POST", "/fhir/Patient", R"({"resourceType":"Patient","name":[{"family":"Ledgerwood"}]})");
  ASSERT_EQ(p.status, 201);
  std::string pid = IdFrom(p);
  auto q = Http(port, "POST", "/fhir/Patient", R"({"resourceType":"Patient","name":[{"family":"Other"}]})");
  std::string qid = IdFrom(q);
  auto o = Http(port, "POST", "/fhir/Observation",
                R"({"resourceType":"Observation","status":"final","code":{"text":"weight"},"subject":{"reference":"Patient/)" +
                    pid + R"("}})");
  ASSERT_EQ(o.status, 201);
  std::string oid = IdFrom(o);
  ASSERT_EQ(Http(port, "GET", "/fhir/Observation/" + oid).status, 200);
  ASSERT_EQ(Http(port, "GET", "/fhir/Patient?_id=" + pid + "," + qid).status, 200);
  ASSERT_EQ(Http(port, "GET", "/fhir/Observation/does-not-exist").status, 404);
  ASSERT_EQ(Http(port, "GET", "/fhir/metadata").status, 200);  // not recorded: no patient data

  // Patient P's accounting of disclosures: its creation, the observation about it, the read
  // of that observation and the search that returned P, newest first.
  auto found = Http(port, "GET", "/fhir/AuditEvent?patient=Patient/" + pid);
  ASSERT_EQ(found.status, 200) << found.body;
  auto events = Entries(Body(found));
  ASSERT_EQ(events.size(), 4u) << found.body;
  EXPECT_EQ(events[0].string_at("action"), "E");  // the search
  EXPECT_EQ(events[0].find("subtype")->as_array()[0].string_at("code"), "search-type");
  EXPECT_TRUE(Mentions(events[0], "Patient/" + qid));  // each patient returned is named
  EXPECT_EQ(events[1].string_at("action"), "R");
  EXPECT_TRUE(Mentions(events[1], "Observation/" + oid + "/_history/1"));
  EXPECT_EQ(events[2].string_at("action"), "C");
  EXPECT_TRUE(Mentions(events[2], "Observation/" + oid + "/_history/1"));
  EXPECT_EQ(events[3].string_at("action"), "C");
  for (const auto& e : events) {
    EXPECT_EQ(e.string_at("outcome"), "0");
    EXPECT_EQ(e.find("agent")->as_array()[0].find("network")->string_at("address"), "127.0.0.1");
    EXPECT_TRUE(Mentions(e, "Patient/" + pid));
  }
  // The failed read is there too, as a minor failure; metadata is not.
  auto failures = Entries(Body(Http(port, "GET", "/fhir/AuditEvent?action=R")));
  bool saw_404 = false;
  for (const auto& e : failures) saw_404 |= e.string_at("outcome") == "4";
  EXPECT_TRUE(saw_404);
  // Nobody writes the ledger through the API.
  EXPECT_EQ(Http(port, "POST", "/fhir/AuditEvent", R"({"resourceType":"AuditEvent"})").status, 405);
  EXPECT_EQ(Http(port, "PUT", "/fhir/AuditEvent/0", R"({"resourceType":"AuditEvent","id":"0"})").status, 405);
  EXPECT_EQ(Http(port, "DELETE", "/fhir/AuditEvent/0").status, 405);
  EXPECT_EQ(Http(port, "GET", "/fhir/AuditEvent?outcome=0").status, 400);

  // A monitor's check: the head, then entry 2 (the observation's creation) proved from its
  // own body, independently of the server's hashing code.
  auto head1 = Body(Http(port, "GET", "/fhir/AuditEvent/$tree-head"));
  int64_t size1 = std::stoll(Param(head1, "tree_size").at(0));
  EXPECT_GE(size1, 8);
  audit::Hash root1 = HashOf(Param(head1, "root_hash").at(0));
  auto event2 = Body(Http(port, "GET", "/fhir/AuditEvent/2"));
  auto proof = Body(Http(port, "GET", "/fhir/AuditEvent/$inclusion-proof?index=2&tree-size=" + std::to_string(size1)));
  // The stored entry (compact JSON) is what the digest covers; it says what the AuditEvent says.
  auto stored = DecodeBase64(Param(proof, "entry").at(0));
  ASSERT_TRUE(stored);
  auto fields = json::Parse(*stored);
  ASSERT_TRUE(fields) << *stored;
  EXPECT_EQ(fields->string_at("a"), event2.string_at("action"));
  EXPECT_EQ(fields->find("w")->as_array()[0].as_string(), "Observation/" + oid + "/_history/1");
  EXPECT_TRUE(Mentions(event2, "Observation/" + oid + "/_history/1"));
  auto digest = DecodeBase64(Param(proof, "digest").at(0));
  ASSERT_TRUE(digest);
  EXPECT_EQ(*digest, crypto::Bytes(crypto::Sha256(*stored)));
  std::string entry;
  auto put64 = [&](uint64_t v) {
    for (int i = 7; i >= 0; --i) entry.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put64(2);
  put64(std::stoull(Param(proof, "recorded").at(0)));
  entry += *digest;
  std::vector<audit::Hash> path;
  for (const auto& h : Param(proof, "path")) path.push_back(HashOf(h));
  EXPECT_TRUE(audit::VerifyInclusion(2, static_cast<uint64_t>(size1), audit::LeafHash(entry), path, root1));
  EXPECT_FALSE(audit::VerifyInclusion(3, static_cast<uint64_t>(size1), audit::LeafHash(entry), path, root1));

  // More traffic, a later head, and the proof that it extends the first.
  for (int i = 0; i < 5; ++i) Http(port, "GET", "/fhir/Patient/" + pid);
  auto head2 = Body(Http(port, "GET", "/fhir/AuditEvent/$tree-head"));
  int64_t size2 = std::stoll(Param(head2, "tree_size").at(0));
  EXPECT_GE(size2, size1 + 5);
  auto cons = Body(Http(port, "GET", "/fhir/AuditEvent/$consistency-proof?first=" + std::to_string(size1) +
                                         "&second=" + std::to_string(size2)));
  std::vector<audit::Hash> cpath;
  for (const auto& h : Param(cons, "path")) cpath.push_back(HashOf(h));
  EXPECT_TRUE(audit::VerifyConsistency(static_cast<uint64_t>(size1), static_cast<uint64_t>(size2), root1,
                                       HashOf(Param(head2, "root_hash").at(0)), cpath));
  EXPECT_EQ(Http(port, "GET", "/fhir/AuditEvent/$inclusion-proof?index=999999").status, 404);
  std::string kept_head = Param(head2, "head").at(0);
  ASSERT_EQ(server->Terminate(), 0);
  server.reset();

  // Offline verification, then tampering with the file as an intruder would.
  std::string salus = SALUS_BINARY, data = dir.path().string();
  int status = 0;
  std::string out = RunCommand(salus + " audit verify --data " + data, &status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("audit ledger verified"), std::string::npos) << out;
  std::string head_file = (dir.path() / "kept-head.json").string();
  std::ofstream(head_file) << kept_head;

  // A copy for the truncation case below, before anything is changed.
  TempDir copy;
  RunCommand("cp " + data + "/salus.db " + copy.path().string() + "/ && cp -r " + data + "/keys " +
                 copy.path().string() + "/",
             &status);
  auto sql = [&](const std::string& statement) {
    int st = 0;
    std::string r = RunCommand("sqlite3 " + data + "/salus.db \"" + statement + "\" 2>&1", &st);
    EXPECT_EQ(WEXITSTATUS(st), 0) << r;
  };
  // The bodies are sealed: change the last byte of entry 3's.
  sql("UPDATE audit_log SET body = CAST(substr(body, 1, length(body) - 1) || "
      "CASE WHEN substr(body, -1) = X'00' THEN X'01' ELSE X'00' END AS BLOB) WHERE seq = 3");
  out = RunCommand(salus + " audit verify --data " + data, &status);
  EXPECT_EQ(WEXITSTATUS(status), 3) << out;
  EXPECT_NE(out.find("first bad entry: 3"), std::string::npos) << out;

  // Truncation that also removed the later heads: only the head kept outside can tell.
  std::string cdata = copy.path().string();
  int st = 0;
  RunCommand("sqlite3 " + cdata + "/salus.db \"DELETE FROM audit_log WHERE seq >= 6; DELETE FROM audit_tree WHERE "
             "k >= (6 << 6); DELETE FROM audit_head WHERE size > 6;\"",
             &st);
  ASSERT_EQ(WEXITSTATUS(st), 0);
  out = RunCommand(salus + " audit verify --data " + cdata, &status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  out = RunCommand(salus + " audit verify --data " + cdata + " --head " + head_file, &status);
  EXPECT_EQ(WEXITSTATUS(status), 3) << out;
  EXPECT_NE(out.find("truncated"), std::string::npos) << out;
}

}  // namespace
}  // namespace salus::testing
