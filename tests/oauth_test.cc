// Authentication and authorisation through the real server (--auth smart): SMART discovery,
// backend services' client_credentials, scopes enforced on every interaction (deny by
// default), introspection, revocation, throttling, and the audit ledger naming the client.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "core/base64.h"
#include "core/json.h"
#include "crypto/random.h"
#include "support/harness.h"
#include "support/web.h"
#include "support/jws.h"

#include <fstream>

namespace salus::testing {
namespace {

using json::Value;

Value Body(const HttpResponse& r) {
  auto v = json::Parse(r.body, json::ParseLimits{.max_depth = 100});
  return v ? *v : Value();
}

class AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess(dir_->path(), {"--auth", "smart"});
    ASSERT_TRUE(server_->ok());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static uint16_t port() { return server_->port(); }
  // Registers a backend client with the admin command; its id and secret.
  static std::pair<std::string, std::string> AddClient(const std::string& name, const std::string& scope,
                                                       const std::string& jwks_file = {}) {
    int status = 0;
    std::string out = RunCommand(std::string(SALUS_BINARY) + " --log-level warn admin client add " + name +
                                     " --kind backend --scope '" + scope + "' --data " + dir_->path().string() +
                                     (jwks_file.empty() ? "" : " --jwks " + jwks_file),
                                 &status);
    EXPECT_EQ(WEXITSTATUS(status), 0) << out;
    auto field = [&](const std::string& key) {
      size_t at = out.find(key + ": ");
      if (at == std::string::npos) return std::string();
      size_t end = out.find_first_of(" \n", at + key.size() + 2);
      return out.substr(at + key.size() + 2, end - at - key.size() - 2);
    };
    return {field("client_id"), field("client_secret")};
  }
  static HttpResponse TokenRequest(const std::string& id, const std::string& secret, const std::string& scope) {
    return Http(port(), "POST", "/oauth2/token", "grant_type=client_credentials&scope=" + scope,
                {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Authorization", "Basic " + EncodeBase64(id + ":" + secret)}});
  }
  static std::string Token(const std::string& id, const std::string& secret, const std::string& scope) {
    auto r = TokenRequest(id, secret, scope);
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(Body(r).string_at("access_token").value_or(""));
  }
  static HttpResponse As(const std::string& token, const std::string& method, const std::string& path,
                         const std::string& body = {}) {
    return WithToken(port(), token, method, path, body);
  }
  static TempDir* dir_;
  static ServerProcess* server_;
};
TempDir* AuthTest::dir_ = nullptr;
ServerProcess* AuthTest::server_ = nullptr;

TEST_F(AuthTest, FirstStartMakesAnAdminWithAOneTimePassword) {
  EXPECT_NE(server_->preamble().find("created user 'admin' with the one-time password "), std::string::npos)
      << server_->preamble();
  int status = 0;
  std::string out = RunCommand(std::string(SALUS_BINARY) + " --log-level warn admin user list --data " +
                                   dir_->path().string(),
                               &status);
  EXPECT_NE(out.find("admin\tadmin\t-\tenabled, must change password"), std::string::npos) << out;
}

TEST_F(AuthTest, DiscoveryAndDenyByDefault) {
  auto conf = Http(port(), "GET", "/fhir/.well-known/smart-configuration");
  ASSERT_EQ(conf.status, 200) << conf.body;
  EXPECT_EQ(conf.header("content-type"), "application/json");
  auto c = Body(conf);
  ASSERT_TRUE(c.find("code_challenge_methods_supported"));
  EXPECT_EQ(json::Serialize(*c.find("code_challenge_methods_supported")), R"(["S256"])");
  EXPECT_NE(c.string_at("token_endpoint").value_or("").find("/oauth2/token"), std::string::npos);
  EXPECT_EQ(Http(port(), "GET", "/.well-known/smart-configuration").status, 200);
  EXPECT_EQ(Http(port(), "GET", "/fhir/metadata").status, 200);  // the one open FHIR endpoint
  for (auto [m, p] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/fhir/Patient"}, {"GET", "/fhir/Patient/x"}, {"POST", "/fhir/Patient"}, {"GET", "/fhir"},
           {"GET", "/fhir/_history"}, {"GET", "/fhir/AuditEvent"}, {"DELETE", "/fhir/Patient/x"}}) {
    auto r = Http(port(), m, p, m == "POST" ? R"({"resourceType":"Patient"})" : "",
                  m == "POST" ? std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/fhir+json"}}
                              : std::vector<std::pair<std::string, std::string>>{});
    EXPECT_EQ(r.status, 401) << m << " " << p;
    EXPECT_EQ(r.header("www-authenticate"), "Bearer realm=\"salus\"");
    EXPECT_NE(r.body.find("OperationOutcome"), std::string::npos);
  }
  EXPECT_EQ(As("not-a-token", "GET", "/fhir/Patient").status, 401);
}

TEST_F(AuthTest, BackendServicesGetWhatTheirScopesAllowAndNothingElse) {
  auto [reader, reader_secret] = AddClient("reader", "system/Patient.rs system/Observation.rs");
  auto [writer, writer_secret] = AddClient("writer", "system/*.cruds");
  ASSERT_FALSE(reader_secret.empty());
  // Only the intersection of what is asked and what is allowed is granted.
  auto granted = TokenRequest(reader, reader_secret, "system/Patient.rs system/Condition.rs system/Observation.cruds");
  ASSERT_EQ(granted.status, 200) << granted.body;
  EXPECT_EQ(granted.header("cache-control"), "no-store");
  auto g = Body(granted);
  EXPECT_EQ(g.string_at("scope"), "system/Patient.rs system/Observation.rs");
  EXPECT_EQ(g.string_at("token_type"), "Bearer");
  EXPECT_EQ(std::stoi(g.find("expires_in")->as_number().text), 300);
  std::string rt(*g.string_at("access_token"));
  EXPECT_EQ(TokenRequest(reader, reader_secret, "system/Condition.rs").status, 400);  // invalid_scope
  EXPECT_EQ(TokenRequest(reader, reader_secret, "patient/Patient.rs").status, 400);
  auto bad = TokenRequest(reader, "wrong", "system/Patient.rs");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(Body(bad).string_at("error"), "invalid_client");

  std::string wt = Token(writer, writer_secret, "system/*.cruds");
  auto p = As(wt, "POST", "/fhir/Patient", R"({"resourceType":"Patient","name":[{"family":"Scoped"}]})");
  ASSERT_EQ(p.status, 201) << p.body;
  std::string pid = p.header("location").substr(p.header("location").find("/Patient/") + 9);
  pid = pid.substr(0, pid.find('/'));
  auto e = As(wt, "POST", "/fhir/Encounter",
              R"({"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"subject":{"reference":"Patient/)" +
                  pid + R"("}})");
  ASSERT_EQ(e.status, 201);
  auto o = As(wt, "POST", "/fhir/Observation",
              R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/)" +
                  pid + R"("}})");
  ASSERT_EQ(o.status, 201);

  // The reader: reads and searches Patient and Observation; nothing else, and no writes.
  EXPECT_EQ(As(rt, "GET", "/fhir/Patient/" + pid).status, 200);
  EXPECT_EQ(As(rt, "GET", "/fhir/Patient?family=Scoped").status, 200);
  EXPECT_EQ(As(rt, "POST", "/fhir/Patient", R"({"resourceType":"Patient"})").status, 403);
  EXPECT_EQ(As(rt, "PUT", "/fhir/Patient/" + pid, R"({"resourceType":"Patient","id":")" + pid + "\"}").status, 403);
  EXPECT_EQ(As(rt, "DELETE", "/fhir/Patient/" + pid).status, 403);
  EXPECT_EQ(As(rt, "GET", "/fhir/Encounter?patient=" + pid).status, 403);
  EXPECT_EQ(As(rt, "GET", "/fhir/Patient/" + pid + "/Encounter").status, 403);
  EXPECT_EQ(As(rt, "GET", "/fhir/Patient/" + pid + "/$everything").status, 403);
  EXPECT_EQ(As(rt, "GET", "/fhir?_type=Patient,Observation").status, 200);
  EXPECT_EQ(As(rt, "GET", "/fhir?_type=Patient,Encounter").status, 403);
  EXPECT_EQ(As(rt, "GET", "/fhir").status, 403);
  EXPECT_EQ(As(rt, "GET", "/fhir/_history").status, 403);
  EXPECT_EQ(As(rt, "GET", "/fhir/AuditEvent").status, 403);
  // Included resources of types the token may not read are left out, and it says so.
  auto inc = As(rt, "GET", "/fhir/Encounter?_id=x");
  EXPECT_EQ(inc.status, 403);
  auto revinc = As(rt, "GET", "/fhir/Patient?_id=" + pid + "&_revinclude=Encounter:subject&_revinclude=Observation:subject");
  ASSERT_EQ(revinc.status, 200);
  EXPECT_EQ(revinc.body.find("\"resourceType\":\"Encounter\""), std::string::npos);
  EXPECT_NE(revinc.body.find("\"resourceType\":\"Observation\""), std::string::npos);
  EXPECT_NE(revinc.body.find("included resources were left out"), std::string::npos);
  // A transaction is refused whole when one entry is not allowed.
  std::string tx = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"request":{"method":"GET","url":"Patient/)" + pid + R"("}},
    {"resource":{"resourceType":"Condition","subject":{"reference":"Patient/)" + pid +
                   R"("}},"request":{"method":"POST","url":"Condition"}}]})";
  EXPECT_EQ(As(rt, "POST", "/fhir", tx).status, 403);
  // In a batch each entry answers for itself.
  std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"request":{"method":"GET","url":"Patient/)" + pid + R"("}},
    {"request":{"method":"GET","url":"Encounter?patient=)" + pid + R"("}}]})";
  auto b = As(rt, "POST", "/fhir", batch);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_NE(b.body.find("\"status\":\"200"), std::string::npos);
  EXPECT_NE(b.body.find("\"status\":\"403"), std::string::npos);

  // The ledger names the client; only a token that names AuditEvent may read it.
  auto [auditor, auditor_secret] = AddClient("auditor", "system/AuditEvent.rs");
  std::string at = Token(auditor, auditor_secret, "system/AuditEvent.rs");
  auto events = As(at, "GET", "/fhir/AuditEvent?agent=Client/" + writer);
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_NE(events.body.find("\"value\":\"" + writer + "\""), std::string::npos);
  EXPECT_NE(events.body.find("\"action\":\"C\""), std::string::npos);
  EXPECT_EQ(As(wt, "GET", "/fhir/AuditEvent").status, 403);  // a wildcard is not enough for the ledger
  auto denied = As(at, "GET", "/fhir/AuditEvent?agent=Client/" + reader + "&action=C");
  EXPECT_NE(denied.body.find("\"outcome\":\"4\""), std::string::npos) << denied.body.substr(0, 300);

  // Introspection and revocation.
  auto intro = Http(port(), "POST", "/oauth2/introspect", "token=" + rt,
                    {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Authorization", "Basic " + EncodeBase64(reader + ":" + reader_secret)}});
  ASSERT_EQ(intro.status, 200);
  EXPECT_EQ(json::Serialize(*Body(intro).find("active")), "true");
  EXPECT_EQ(Body(intro).string_at("scope"), "system/Patient.rs system/Observation.rs");
  auto rev = Http(port(), "POST", "/oauth2/revoke", "token=" + rt,
                  {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"Authorization", "Basic " + EncodeBase64(reader + ":" + reader_secret)}});
  EXPECT_EQ(rev.status, 200);
  EXPECT_EQ(As(rt, "GET", "/fhir/Patient/" + pid).status, 401);
  intro = Http(port(), "POST", "/oauth2/introspect", "token=" + rt,
               {{"Content-Type", "application/x-www-form-urlencoded"},
                {"Authorization", "Basic " + EncodeBase64(reader + ":" + reader_secret)}});
  EXPECT_EQ(json::Serialize(*Body(intro).find("active")), "false");
}

TEST_F(AuthTest, BackendServicesAuthenticateWithSignedAssertions) {
  auto rsa = JwsSigner::Rsa(2048, "rsa-1");
  auto ec = JwsSigner::EcP384("ec-1");
  auto stranger = JwsSigner::EcP384("ec-1");
  std::string jwks_file = (dir_->path() / "jwks.json").string();
  std::ofstream(jwks_file) << R"({"keys":[)" << rsa.PublicJwk() << "," << ec.PublicJwk() << "]}";
  auto [id, secret] = AddClient("signed", "system/Patient.rs", jwks_file);
  auto [id2, secret2] = AddClient("signed-too", "system/Patient.rs", jwks_file);
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(secret.empty());  // a registered key, no secret
  std::string aud = "http://127.0.0.1:" + std::to_string(port()) + "/oauth2/token";
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto assertion = [&](const JwsSigner& key, const std::string& jti, int64_t exp, const std::string& audience,
                       const std::string& sub, const std::string& iss) {
    return key.Sign(std::string(R"({"alg":")") + key.alg() + R"(","kid":")" + key.kid() + R"(","typ":"JWT"})",
                    R"({"iss":")" + iss + R"(","sub":")" + sub + R"(","aud":")" + audience + R"(","exp":)" +
                        std::to_string(exp) + R"(,"jti":")" + jti + "\"}");
  };
  auto request = [&](const std::string& jwt) {
    return Http(port(), "POST", "/oauth2/token",
                "grant_type=client_credentials&scope=system/Patient.rs&client_assertion_type="
                "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + jwt,
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  };
  std::string j1 = crypto::NewId(), j2 = crypto::NewId();
  auto ok = request(assertion(rsa, j1, now + 240, aud, id, id));
  ASSERT_EQ(ok.status, 200) << ok.body;
  std::string token(Body(ok).string_at("access_token").value_or(""));
  EXPECT_EQ(As(token, "GET", "/fhir/Patient?_count=1").status, 200);
  EXPECT_EQ(request(assertion(ec, j2, now + 240, aud, id, id)).status, 200);
  // Refused: a replayed jti, an exp too far ahead or past, another audience, sub not the
  // client, a key that is not registered (split over two clients: five failures in a row slow
  // a client down).
  for (const auto& jwt : {assertion(rsa, j1, now + 240, aud, id, id), assertion(rsa, crypto::NewId(), now + 3600, aud, id, id),
                          assertion(rsa, crypto::NewId(), now - 10, aud, id, id),
                          assertion(rsa, crypto::NewId(), now + 240, "https://elsewhere/oauth2/token", id2, id2),
                          assertion(ec, crypto::NewId(), now + 240, aud, "someone-else", id2),
                          assertion(stranger, crypto::NewId(), now + 240, aud, id2, id2)}) {
    auto r = request(jwt);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(Body(r).string_at("error"), "invalid_client");
  }
  auto conf = Body(Http(port(), "GET", "/fhir/.well-known/smart-configuration"));
  EXPECT_NE(json::Serialize(*conf.find("token_endpoint_auth_methods_supported")).find("private_key_jwt"),
            std::string::npos);
}

TEST_F(AuthTest, RepeatedFailuresAreSlowedDown) {
  auto [id, secret] = AddClient("victim", "system/Patient.rs");
  int throttled = 0;
  for (int i = 0; i < 8; ++i) {
    auto r = TokenRequest(id, "guess" + std::to_string(i), "system/Patient.rs");
    if (r.status == 429) {
      ++throttled;
      EXPECT_FALSE(r.header("retry-after").empty());
    } else {
      EXPECT_EQ(r.status, 401);
    }
  }
  EXPECT_GE(throttled, 2);
  EXPECT_EQ(TokenRequest(id, secret, "system/Patient.rs").status, 429);  // even the right secret, for a while
}

}  // namespace
}  // namespace salus::testing
