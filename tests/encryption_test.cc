// Encryption at rest, end to end: strings planted in a Patient and a Binary appear in none of
// the database, WAL or backup files; the KEK rotates without re-encrypting; the wrong KEK is
// refused; an altered sealed body is an error, not a crash.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>

#include "core/base64.h"
#include "crypto/random.h"
#include "support/harness.h"

namespace salus::testing {
namespace {

bool FileContains(const std::filesystem::path& p, const std::string& needle) {
  if (!std::filesystem::exists(p)) return false;
  return ReadFile(p).find(needle) != std::string::npos;
}

TEST(EncryptionAtRest, PlantedStringsNeverReachTheDisk) {
  TempDir dir;
  auto data = dir.path() / "data";
  std::string tag = crypto::NewId().substr(24);  // unique per run
  std::string planted = "PLANTED" + tag, planted2 = "SECONDPLANT" + tag, planted_bin = "BINARYPLANT" + tag;
  std::string family = "Indexedfamily" + tag;
  std::optional<ServerProcess> server(std::in_place, data);
  ASSERT_TRUE(server->ok());
  uint16_t port = server->port();
  std::string patient = R"({"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">)" +
                        planted + R"(</div>"},"extension":[{"url":"urn:test:note","valueString":")" + planted +
                        R"(-ext"}],"name":[{"family":")" + family + R"("}]})";
  auto created = Http(port, "POST", "/fhir/Patient", patient);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = IdFrom(created);
  std::string v2 = patient;
  v2.replace(v2.find(planted + "-ext"), planted.size() + 4, planted2);
  v2.insert(1, "\"id\":\"" + id + "\",");
  ASSERT_EQ(Http(port, "PUT", "/fhir/Patient/" + id, v2).status, 200);
  auto bin = Http(port, "POST", "/fhir/Binary",
                  R"({"resourceType":"Binary","contentType":"text/plain","data":")" + EncodeBase64(planted_bin) + "\"}");
  ASSERT_EQ(bin.status, 201);
  // Everything reads back in the clear through the API, and search still works.
  auto v1 = Http(port, "GET", "/fhir/Patient/" + id + "/_history/1");
  EXPECT_NE(v1.body.find(planted + "-ext"), std::string::npos);
  EXPECT_NE(Http(port, "GET", "/fhir/Patient/" + id).body.find(planted2), std::string::npos);
  EXPECT_NE(Http(port, "GET", "/fhir/Binary/" + IdFrom(bin)).body.find(EncodeBase64(planted_bin)), std::string::npos);
  auto found = Http(port, "GET", "/fhir/Patient?family=" + family);
  EXPECT_NE(found.body.find(id), std::string::npos);
  // A search's text goes to the audit ledger, whose bodies are sealed too.
  std::string planted_query = "QUERYPLANT" + tag;
  EXPECT_EQ(Http(port, "GET", "/fhir/Patient?name=" + planted_query).status, 200);

  auto db = data / "salus.db", wal = data / "salus.db-wal";
  int status = 0;
  RunCommand("sqlite3 " + db.string() + " \".backup " + (dir.path() / "backup.db").string() + "\"", &status);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  ASSERT_TRUE(std::filesystem::exists(wal));
  for (const auto& needle : {planted, planted2, planted_bin, EncodeBase64(planted_bin), planted_query}) {
    for (const auto& file : {db, wal, dir.path() / "backup.db"}) {
      EXPECT_FALSE(FileContains(file, needle)) << needle << " in " << file;
    }
  }
  // What stays in plain text, as the README says: search index values (the family name is in
  // the string index, case-folded).
  std::string folded = "indexedfamily" + tag;
  for (auto& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_TRUE(FileContains(db, folded) || FileContains(wal, folded));
  ASSERT_EQ(server->Terminate(), 0);
  server.reset();
  for (const auto& needle : {planted, planted2, planted_bin, planted_query}) EXPECT_FALSE(FileContains(db, needle)) << needle;

  // Rotation: the data keys are re-wrapped; no body changes; the old KEK no longer opens it.
  std::string old_kek = ReadFile(data / "keys" / "kek.key");
  std::string bodies_before = RunCommand("sqlite3 " + db.string() + " \"SELECT hex(body) FROM versions\"", &status);
  std::string out = RunCommand(std::string(SALUS_BINARY) + " keys rotate --data " + data.string(), &status);
  ASSERT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("re-wrapped 1 data key"), std::string::npos) << out;
  EXPECT_NE(ReadFile(data / "keys" / "kek.key"), old_kek);
  EXPECT_EQ(RunCommand("sqlite3 " + db.string() + " \"SELECT hex(body) FROM versions\"", &status), bodies_before);
  server.emplace(data);
  ASSERT_TRUE(server->ok());
  EXPECT_NE(Http(server->port(), "GET", "/fhir/Patient/" + id).body.find(planted2), std::string::npos);
  server->Terminate();
  server.reset();
  auto stale = dir.path() / "stale-keys";
  std::filesystem::create_directories(stale);
  std::filesystem::permissions(stale, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  std::ofstream(stale / "kek.key") << old_kek;
  std::filesystem::permissions(stale / "kek.key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  out = RunCommand(std::string(SALUS_BINARY) + " serve --listen 127.0.0.1:0 --auth none --data " + data.string() +
                       " --keys " + stale.string() + " 2>&1",
                   &status);
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(out.find("key-encryption key"), std::string::npos) << out;

  // An altered sealed body: the read fails cleanly, the server stays up.
  // (The 41st byte is set to a value it does not have: a random ciphertext byte may be 0.)
  RunCommand("sqlite3 " + db.string() + " \"UPDATE versions SET body = CAST(substr(body, 1, 40) || "
             "CASE WHEN substr(body, 41, 1) = X'00' THEN X'01' ELSE X'00' END || substr(body, 42) AS BLOB) "
             "WHERE version = 2\"",
             &status);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  server.emplace(data);
  ASSERT_TRUE(server->ok());
  auto bad = Http(server->port(), "GET", "/fhir/Patient/" + id);
  EXPECT_EQ(bad.status, 500);
  EXPECT_NE(bad.body.find("OperationOutcome"), std::string::npos);
  EXPECT_EQ(Http(server->port(), "GET", "/fhir/Patient/" + id + "/_history/1").status, 200);
}

}  // namespace
}  // namespace salus::testing
