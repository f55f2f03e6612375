// The access matrix: every interaction × scope kind (patient/, user/, system/) × inside and
// outside the patient's compartment, through the real server with real tokens; and no
// response to a patient-level token carries another patient's data.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <regex>

#include "auth/totp.h"
#include "core/base64.h"
#include "core/url.h"
#include "crypto/hash.h"
#include "crypto/jose.h"
#include "support/harness.h"
#include "support/web.h"

namespace salus::testing {
namespace {

std::string Match(const std::string& text, const std::string& pattern) { return FirstMatch(text, pattern); }
std::string Form(const std::vector<std::pair<std::string, std::string>>& kv) { return FormEncode(kv); }

class CompartmentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess(dir_->path(), {"--auth", "smart"});
    ASSERT_TRUE(server_->ok());
    std::string data = " --data " + dir_->path().string();
    std::string salus = std::string(SALUS_BINARY) + " --log-level warn ";
    int status = 0;
    std::string out = RunCommand(salus + "admin client add app --kind public --redirect-uri http://127.0.0.1/cb --scope "
                                 "'patient/*.cruds user/*.cruds launch/patient launch'" + data, &status);
    app_ = Match(out, "client_id: (\\S+)");
    out = RunCommand(salus + "admin client add svc --kind backend --scope 'system/*.cruds'" + data, &status);
    svc_ = Match(out, "client_id: (\\S+)");
    svc_secret_ = Match(out, "client_secret: (\\S+)");
    // Data: Alice and Bob, each with an Observation, a Condition, an Encounter; Alice's
    // Observation names Bob as performer's subject? No: each resource belongs to one patient.
    system_ = SystemToken();
    alice_ = Create("Patient", R"({"resourceType":"Patient","name":[{"family":"Alicesmith"}]})");
    bob_ = Create("Patient", R"({"resourceType":"Patient","name":[{"family":"Bobjones"}]})");
    for (auto* who : {&alice_, &bob_}) {
      std::string ref = R"({"reference":"Patient/)" + *who + R"("})";
      obs_[*who] = Create("Observation", R"({"resourceType":"Observation","status":"final","code":{"text":"hr"},"subject":)" + ref + "}");
      cond_[*who] = Create("Condition", R"({"resourceType":"Condition","subject":)" + ref + "}");
    }
    practitioner_ = Create("Practitioner", R"({"resourceType":"Practitioner","name":[{"family":"Shared"}]})");
    RunCommand("printf 'alice long password\\n' | " + salus + "admin user add alice --role patient --fhir-user Patient/" +
                   alice_ + " --password-stdin" + data, &status);
    RunCommand("printf 'doctor long password\\n' | " + salus + "admin user add doc --role practitioner --password-stdin" + data,
               &status);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static uint16_t port() { return server_->port(); }
  static std::string SystemToken() {
    auto r = Http(port(), "POST", "/oauth2/token", "grant_type=client_credentials&scope=system/*.cruds",
                  {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"Authorization", "Basic " + EncodeBase64(svc_ + ":" + svc_secret_)}});
    return Match(r.body, "\"access_token\":\"([^\"]+)\"");
  }
  static std::string Create(const std::string& type, const std::string& body) {
    auto r = Http(port(), "POST", "/fhir/" + type, body,
                  {{"Authorization", "Bearer " + system_}, {"Content-Type", "application/fhir+json"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return IdFrom(r);
  }
  // Signs `user` in through the pages (any stage), asking for `scope`; the access token.
  // `launch`: an EHR launch handle to pass along; the token response is kept in last_token_.
  static std::string SignIn(const std::string& user, const std::string& password, const std::string& scope,
                            const std::string& pick = {}, const std::string& launch = {}) {
    std::string verifier(60, 'q');
    std::string base = "http://127.0.0.1:" + std::to_string(port()) + "/fhir";
    std::vector<std::pair<std::string, std::string>> query = {
        {"response_type", "code"}, {"client_id", app_}, {"redirect_uri", "http://127.0.0.1/cb"}, {"scope", scope},
        {"code_challenge", crypto::Base64UrlEncode(crypto::Bytes(crypto::Sha256(verifier)))},
        {"code_challenge_method", "S256"}, {"aud", base}};
    if (!launch.empty()) query.emplace_back("launch", launch);
    auto page = Http(port(), "GET", "/oauth2/authorize?" + Form(query));
    std::string flow = Match(page.body, "name=\"flow\" value=\"([^\"]+)\"");
    auto post = [&](std::vector<std::pair<std::string, std::string>> f) {
      f.insert(f.begin(), {"flow", flow});
      return Http(port(), "POST", "/oauth2/authorize", Form(f), {{"Content-Type", "application/x-www-form-urlencoded"}});
    };
    auto now = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    };
    HttpResponse r = post({{"username", user}, {"password", password}});
    for (int i = 0; i < 6 && r.status == 200; ++i) {
      if (r.body.find("Set up your authenticator") != std::string::npos) {
        totp_[user] = *auth::Base32Decode(Match(r.body, "Key: <code>([A-Z2-7]+)</code>"));
        r = post({{"code", auth::TotpCode(totp_[user], now())}});
      } else if (r.body.find("recovery codes") != std::string::npos) {
        std::regex code_re("<code>([a-z2-7-]{19})</code>");
        for (std::sregex_iterator it(r.body.begin(), r.body.end(), code_re), end; it != end; ++it) {
          recovery_[user].push_back((*it)[1].str());
        }
        r = post({});
      } else if (r.body.find("Second step") != std::string::npos) {
        // A TOTP code works once per 30-second step: later sign-ins in the same minute use
        // the recovery codes.
        std::string code = auth::TotpCode(totp_[user], now() + 30);
        if (used_step_[user]) {
          code = recovery_[user].back();
          recovery_[user].pop_back();
        }
        used_step_[user] = true;
        r = post({{"code", code}});
      } else if (r.body.find("Choose the patient") != std::string::npos) {
        r = post({{"patient", pick}});
      } else {
        break;
      }
    }
    EXPECT_EQ(r.status, 302) << r.body.substr(0, 400);
    auto t = Http(port(), "POST", "/oauth2/token",
                  Form({{"grant_type", "authorization_code"}, {"code", Match(r.header("location"), "code=([^&]+)")},
                        {"redirect_uri", "http://127.0.0.1/cb"}, {"client_id", app_}, {"code_verifier", verifier}}),
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
    last_token_ = t.body;
    return Match(t.body, "\"access_token\":\"([^\"]+)\"");
  }
  static inline std::string last_token_;
  static HttpResponse As(const std::string& token, const std::string& method, const std::string& path,
                         const std::string& body = {}) {
    return WithToken(port(), token, method, path, body);
  }

  static TempDir* dir_;
  static ServerProcess* server_;
  static std::string app_, svc_, svc_secret_, system_, alice_, bob_, practitioner_;
  static std::map<std::string, std::string> obs_, cond_, totp_;
  static inline std::map<std::string, std::vector<std::string>> recovery_;
  static inline std::map<std::string, bool> used_step_;
};
TempDir* CompartmentTest::dir_ = nullptr;
ServerProcess* CompartmentTest::server_ = nullptr;
std::string CompartmentTest::app_, CompartmentTest::svc_, CompartmentTest::svc_secret_, CompartmentTest::system_,
    CompartmentTest::alice_, CompartmentTest::bob_, CompartmentTest::practitioner_;
std::map<std::string, std::string> CompartmentTest::obs_, CompartmentTest::cond_, CompartmentTest::totp_;

TEST_F(CompartmentTest, EveryInteractionForEveryScopeKindInsideAndOutside) {
  std::string patient_rs = SignIn("alice", "alice long password", "patient/*.rs");
  std::string patient_cruds = SignIn("alice", "alice long password", "patient/*.cruds");
  std::string user_rs = SignIn("doc", "doctor long password", "user/*.rs");
  std::string doc_patient = SignIn("doc", "doctor long password", "patient/*.rs launch/patient", bob_);
  ASSERT_FALSE(patient_rs.empty());
  ASSERT_FALSE(user_rs.empty());
  ASSERT_FALSE(doc_patient.empty());
  struct Case {
    std::string name, method, path, body;
    int patient_in, patient_out;  // statuses for Alice's patient/*.rs token, on her data and on Bob's
  };
  std::vector<std::pair<Case, Case>> matrix;  // (on Alice's data, on Bob's data)
  auto both = [&](std::string name, std::string method, std::string alice_path, std::string bob_path, int ok, int refused,
                  std::string body_alice = {}, std::string body_bob = {}) {
    matrix.push_back({Case{name, method, alice_path, body_alice, ok, ok}, Case{name, method, bob_path, body_bob, refused, refused}});
  };
  both("read Patient", "GET", "/fhir/Patient/" + alice_, "/fhir/Patient/" + bob_, 200, 403);
  both("read Observation", "GET", "/fhir/Observation/" + obs_[alice_], "/fhir/Observation/" + obs_[bob_], 200, 403);
  both("vread", "GET", "/fhir/Condition/" + cond_[alice_] + "/_history/1", "/fhir/Condition/" + cond_[bob_] + "/_history/1", 200, 403);
  both("history-instance", "GET", "/fhir/Observation/" + obs_[alice_] + "/_history", "/fhir/Observation/" + obs_[bob_] + "/_history", 200, 403);
  both("compartment search", "GET", "/fhir/Patient/" + alice_ + "/Observation", "/fhir/Patient/" + bob_ + "/Observation", 200, 403);
  both("$everything", "GET", "/fhir/Patient/" + alice_ + "/$everything", "/fhir/Patient/" + bob_ + "/$everything", 200, 403);
  for (const auto& [mine, theirs] : matrix) {
    // patient/*.rs for Alice: her data yes, Bob's no.
    EXPECT_EQ(As(patient_rs, mine.method, mine.path).status, mine.patient_in) << mine.name << " (patient, inside)";
    auto out = As(patient_rs, theirs.method, theirs.path);
    EXPECT_EQ(out.status, theirs.patient_out) << theirs.name << " (patient, outside)";
    EXPECT_EQ(out.body.find(bob_), std::string::npos) << theirs.name;
    // user/*.rs (a practitioner): both.
    EXPECT_EQ(As(user_rs, mine.method, mine.path).status, 200) << mine.name << " (user)";
    EXPECT_EQ(As(user_rs, theirs.method, theirs.path).status, 200) << theirs.name << " (user)";
    // system/*.cruds: both.
    EXPECT_EQ(As(system_, theirs.method, theirs.path).status, 200) << theirs.name << " (system)";
    // A practitioner's patient/ token for Bob: the other way round.
    EXPECT_EQ(As(doc_patient, theirs.method, theirs.path).status, 200) << theirs.name << " (doc for Bob)";
    EXPECT_EQ(As(doc_patient, mine.method, mine.path).status, 403) << mine.name << " (doc for Bob, Alice's data)";
  }
  // Searches are confined, not refused: Alice sees her own, never Bob's, whatever she asks.
  for (const std::string& q : std::vector<std::string>{"/fhir/Observation", "/fhir/Observation?subject=Patient/" + bob_, "/fhir/Patient",
                               "/fhir/Patient?_id=" + bob_, "/fhir/Condition?_revinclude=Observation:subject",
                               "/fhir/Observation?_include=Observation:subject", "/fhir/Patient?_revinclude=Condition:subject",
                               "/fhir/Observation?subject:Patient.name=Bobjones"}) {
    auto r = As(patient_rs, "GET", q);
    EXPECT_EQ(r.status, 200) << q;
    // Nothing of Bob's in the entries (the self link echoes the query, which may name him).
    size_t entries = r.body.find("\"entry\"");
    std::string data = entries == std::string::npos ? std::string() : r.body.substr(entries);
    EXPECT_EQ(data.find(bob_), std::string::npos) << q << ": " << data.substr(0, 300);
    EXPECT_EQ(data.find(obs_[bob_]), std::string::npos) << q;
  }
  EXPECT_NE(As(patient_rs, "GET", "/fhir/Observation").body.find(obs_[alice_]), std::string::npos);
  EXPECT_NE(As(user_rs, "GET", "/fhir/Observation").body.find(obs_[bob_]), std::string::npos);
  // Resources outside the Patient compartment are shared.
  EXPECT_EQ(As(patient_rs, "GET", "/fhir/Practitioner/" + practitioner_).status, 200);
  // Across patients: type and system history and multi-type search are refused.
  EXPECT_EQ(As(patient_rs, "GET", "/fhir/Observation/_history").status, 403);
  EXPECT_EQ(As(patient_rs, "GET", "/fhir?_type=Observation,Condition").status, 403);
  EXPECT_EQ(As(patient_rs, "GET", "/fhir/_history").status, 403);
  EXPECT_EQ(As(patient_rs, "GET", "/fhir/AuditEvent").status, 403);

  // Writes: rs grants none; cruds writes only into her own compartment.
  std::string obs_for = R"({"resourceType":"Observation","status":"final","code":{"text":"bp"},"subject":{"reference":"Patient/)";
  EXPECT_EQ(As(patient_rs, "POST", "/fhir/Observation", obs_for + alice_ + "\"}}").status, 403);
  EXPECT_EQ(As(patient_cruds, "POST", "/fhir/Observation", obs_for + alice_ + "\"}}").status, 201);
  EXPECT_EQ(As(patient_cruds, "POST", "/fhir/Observation", obs_for + bob_ + "\"}}").status, 403);
  EXPECT_EQ(As(patient_cruds, "PUT", "/fhir/Observation/" + obs_[bob_],
               R"({"resourceType":"Observation","id":")" + obs_[bob_] + R"(","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/)" + alice_ + "\"}}")
                .status,
            403);  // taking over Bob's resource
  EXPECT_EQ(As(patient_cruds, "DELETE", "/fhir/Condition/" + cond_[bob_]).status, 403);
  EXPECT_EQ(As(system_, "GET", "/fhir/Condition/" + cond_[bob_]).status, 200);  // still there
  // A resource that moved from Bob to Alice: her history of it shows only her versions.
  std::string moved = Create("Observation", obs_for + bob_ + "\"}}");
  ASSERT_EQ(As(system_, "PUT", "/fhir/Observation/" + moved,
               R"({"resourceType":"Observation","id":")" + moved + R"(","status":"final","code":{"text":"bp"},"subject":{"reference":"Patient/)" + alice_ + "\"}}")
                .status,
            200);
  auto hist = As(patient_rs, "GET", "/fhir/Observation/" + moved + "/_history");
  ASSERT_EQ(hist.status, 200);
  EXPECT_NE(hist.body.find("Patient/" + alice_), std::string::npos);
  EXPECT_EQ(hist.body.find("Patient/" + bob_), std::string::npos) << hist.body.substr(0, 400);
  EXPECT_EQ(As(patient_rs, "GET", "/fhir/Observation/" + moved + "/_history/1").status, 403);
  std::string tx = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":)" + obs_for + alice_ + R"("}},"request":{"method":"POST","url":"Observation"}},
    {"resource":)" + obs_for + bob_ + R"("}},"request":{"method":"POST","url":"Observation"}}]})";
  EXPECT_EQ(As(patient_cruds, "POST", "/fhir", tx).status, 403);  // all or nothing
  std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"request":{"method":"GET","url":"Observation/)" + obs_[alice_] + R"("}},
    {"request":{"method":"GET","url":"Observation/)" + obs_[bob_] + R"("}}]})";
  auto b = As(patient_rs, "POST", "/fhir", batch);
  ASSERT_EQ(b.status, 200);
  EXPECT_NE(b.body.find("\"status\":\"403"), std::string::npos);
  EXPECT_EQ(b.body.find("\"id\":\"" + obs_[bob_] + "\""), std::string::npos);
}

// Chained parameters and _has read the resources they reach: under patient/ scopes those are
// confined to the patient's compartment too (no testing other patients' data for existence),
// and every token needs the right to search each type it reaches.
TEST_F(CompartmentTest, ChainsAndHasReachOnlyWhatTheTokenMayRead) {
  std::string gp = Create("Practitioner", R"({"resourceType":"Practitioner","name":[{"family":"Probed"}]})");
  auto performed = [&](const std::string& patient, const std::string& code) {
    return Create("Observation", R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"urn:t","code":")" +
                                     code + R"("}]},"subject":{"reference":"Patient/)" + patient +
                                     R"("},"performer":[{"reference":"Practitioner/)" + gp + R"("}]})");
  };
  performed(bob_, "secret-diagnosis");
  std::string probe = "/fhir/Practitioner?_has:Observation:performer:code=urn:t%7Csecret-diagnosis";
  // The probe works for whoever may read Bob's data...
  auto seen = As(system_, "GET", probe);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_NE(seen.body.find(gp), std::string::npos) << seen.body.substr(0, 500);
  // ... and tells Alice nothing about Bob's observations.
  std::string alice = SignIn("alice", "alice long password", "patient/*.rs");
  auto probed = As(alice, "GET", probe);
  ASSERT_EQ(probed.status, 200) << probed.body;
  EXPECT_EQ(probed.body.find(gp), std::string::npos) << probed.body.substr(0, 500);
  auto by_subject = As(alice, "GET", "/fhir/Practitioner?_has:Observation:performer:subject=Patient/" + bob_);
  ASSERT_EQ(by_subject.status, 200);
  EXPECT_EQ(by_subject.body.find(gp), std::string::npos);
  // Her own observations by the same practitioner still work, through _has and chains.
  performed(alice_, "her-own");
  auto own = As(alice, "GET", "/fhir/Practitioner?_has:Observation:performer:code=urn:t%7Cher-own");
  ASSERT_EQ(own.status, 200);
  EXPECT_NE(own.body.find(gp), std::string::npos) << own.body.substr(0, 500);
  auto chained = As(alice, "GET", "/fhir/Observation?performer:Practitioner.name=Probed");
  ASSERT_EQ(chained.status, 200);
  EXPECT_NE(chained.body.find("her-own"), std::string::npos);
  EXPECT_EQ(chained.body.find("secret-diagnosis"), std::string::npos);
  // A token that may search Observations only cannot reach into Patients by a chain.
  std::string narrow = SignIn("doc", "doctor long password", "user/Observation.rs");
  EXPECT_EQ(As(narrow, "GET", "/fhir/Observation?subject:Patient.name=Bobjones").status, 403);
  EXPECT_EQ(As(narrow, "GET", "/fhir/Observation?code=urn:t%7Cher-own").status, 200);
}

// SMART EHR launch: a practitioner's session makes a launch handle for an app and a patient;
// the app's sign-in with it gets that patient's context, once, for that user only.
TEST_F(CompartmentTest, EhrLaunchGivesThePatientContextOnceToTheUserWhoMadeIt) {
  std::string ehr = SignIn("doc", "doctor long password", "user/*.rs");
  ASSERT_FALSE(ehr.empty());
  auto launch_for = [&](const std::string& token, const std::string& patient) {
    return Http(port(), "POST", "/oauth2/launch", Form({{"patient", patient}, {"client_id", app_}}),
                {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", "Bearer " + token}});
  };
  auto made = launch_for(ehr, bob_);
  ASSERT_EQ(made.status, 200) << made.body;
  std::string launch = Match(made.body, "\"launch\":\"([^\"]+)\"");
  ASSERT_FALSE(launch.empty());
  // Refused: no token, a backend client's token (no user), a patient, an unknown patient.
  EXPECT_EQ(Http(port(), "POST", "/oauth2/launch", Form({{"patient", bob_}, {"client_id", app_}}),
                 {{"Content-Type", "application/x-www-form-urlencoded"}}).status, 401);
  EXPECT_EQ(launch_for(system_, bob_).status, 401);
  EXPECT_EQ(launch_for(SignIn("alice", "alice long password", "patient/*.rs"), bob_).status, 403);
  EXPECT_EQ(launch_for(ehr, "no-such-patient").status, 400);
  // The app signs in with the handle: Bob's context, without the picker.
  std::string app = SignIn("doc", "doctor long password", "launch patient/*.rs", {}, launch);
  ASSERT_FALSE(app.empty()) << last_token_;
  EXPECT_NE(last_token_.find("\"patient\":\"" + bob_ + "\""), std::string::npos) << last_token_;
  EXPECT_NE(last_token_.find("launch"), std::string::npos);
  EXPECT_EQ(As(app, "GET", "/fhir/Observation/" + obs_[bob_]).status, 200);
  EXPECT_EQ(As(app, "GET", "/fhir/Observation/" + obs_[alice_]).status, 403);
  // Used once: the same handle is refused the second time (back to the app with an error).
  std::string verifier(60, 'q');
  auto again = Http(port(), "GET", "/oauth2/authorize?" + Form({{"response_type", "code"}, {"client_id", app_},
      {"redirect_uri", "http://127.0.0.1/cb"}, {"scope", "launch patient/*.rs"}, {"launch", launch},
      {"code_challenge", crypto::Base64UrlEncode(crypto::Bytes(crypto::Sha256(verifier)))},
      {"code_challenge_method", "S256"}, {"aud", "http://127.0.0.1:" + std::to_string(port()) + "/fhir"}}));
  EXPECT_EQ(again.status, 302);
  EXPECT_NE(again.header("location").find("error=invalid_request"), std::string::npos) << again.header("location");
  // Another user cannot use a handle made by doc.
  int launch_status = 0;
  RunCommand("printf 'nurse long password\\n' | " + std::string(SALUS_BINARY) +
                 " --log-level warn admin user add nurse --role practitioner --password-stdin --data " +
                 dir_->path().string(), &launch_status);
  std::string other = Match(launch_for(ehr, alice_).body, "\"launch\":\"([^\"]+)\"");
  ASSERT_FALSE(other.empty());
  auto page = Http(port(), "GET", "/oauth2/authorize?" + Form({{"response_type", "code"}, {"client_id", app_},
      {"redirect_uri", "http://127.0.0.1/cb"}, {"scope", "launch patient/*.rs"}, {"launch", other},
      {"code_challenge", crypto::Base64UrlEncode(crypto::Bytes(crypto::Sha256(verifier)))},
      {"code_challenge_method", "S256"}, {"aud", "http://127.0.0.1:" + std::to_string(port()) + "/fhir"}}));
  std::string flow = Match(page.body, "name=\"flow\" value=\"([^\"]+)\"");
  ASSERT_FALSE(flow.empty()) << page.body.substr(0, 300);
  auto r = Http(port(), "POST", "/oauth2/authorize", Form({{"flow", flow}, {"username", "nurse"}, {"password", "nurse long password"}}),
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  for (int i = 0; i < 4 && r.status == 200 && r.body.find("another user") == std::string::npos; ++i) {
    if (r.body.find("Set up your authenticator") != std::string::npos) {
      auto key = *auth::Base32Decode(Match(r.body, "Key: <code>([A-Z2-7]+)</code>"));
      auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      r = Http(port(), "POST", "/oauth2/authorize", Form({{"flow", flow}, {"code", auth::TotpCode(key, now)}}),
               {{"Content-Type", "application/x-www-form-urlencoded"}});
    } else if (r.body.find("recovery codes") != std::string::npos) {
      r = Http(port(), "POST", "/oauth2/authorize", Form({{"flow", flow}}), {{"Content-Type", "application/x-www-form-urlencoded"}});
    } else {
      break;
    }
  }
  EXPECT_EQ(r.status, 403) << r.body.substr(0, 400);
  EXPECT_NE(r.body.find("another user"), std::string::npos);
}

TEST_F(CompartmentTest, BreakGlassIsTimeLimitedAuditedAndVisible) {
  std::string narrow = SignIn("doc", "doctor long password", "user/Observation.rs");
  ASSERT_FALSE(narrow.empty());
  EXPECT_EQ(As(narrow, "GET", "/fhir/Patient/" + bob_).status, 403);
  auto glass = [&](const std::string& token, const std::string& reason) {
    return Http(port(), "POST", "/oauth2/break-glass", Form({{"reason", reason}}),
                {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", "Bearer " + token}});
  };
  EXPECT_EQ(glass(narrow, "short").status, 400);
  EXPECT_EQ(glass("nope", "patient unconscious in the emergency room").status, 401);
  std::string patient_token = SignIn("alice", "alice long password", "patient/*.rs");
  EXPECT_EQ(glass(patient_token, "I want to see everything please").status, 403);
  auto r = glass(narrow, "patient unconscious in the emergency room");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"break_glass\":true"), std::string::npos);
  EXPECT_NE(r.body.find("\"expires_in\":3600"), std::string::npos);
  std::string emergency = Match(r.body, "\"access_token\":\"([^\"]+)\"");
  EXPECT_EQ(As(emergency, "GET", "/fhir/Patient/" + bob_).status, 200);
  EXPECT_EQ(As(emergency, "POST", "/fhir/Patient", R"({"resourceType":"Patient"})").status, 403);  // read only
  // Every use says break-the-glass in the ledger; the grant is listed for administrators.
  auto events = As(system_, "GET", "/fhir/AuditEvent?patient=Patient/" + bob_);
  EXPECT_EQ(As(system_, "GET", "/fhir/AuditEvent").status, 403);  // system/*.cruds does not name AuditEvent
  int status = 0;
  std::string out = RunCommand(std::string(SALUS_BINARY) + " --log-level warn admin break-glass --data " +
                                   dir_->path().string(), &status);
  EXPECT_NE(out.find("ACTIVE\tdoc\tpatient unconscious in the emergency room"), std::string::npos) << out;
  // An auditor (a backend client whose scope names AuditEvent) finds both in the ledger.
  out = RunCommand(std::string(SALUS_BINARY) + " --log-level warn admin client add auditor --kind backend --scope "
                   "'system/AuditEvent.rs' --data " + dir_->path().string(), &status);
  auto token = Http(port(), "POST", "/oauth2/token", "grant_type=client_credentials&scope=system/AuditEvent.rs",
                    {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Authorization", "Basic " + EncodeBase64(Match(out, "client_id: (\\S+)") + ":" +
                                                               Match(out, "client_secret: (\\S+)"))}});
  std::string auditor = Match(token.body, "\"access_token\":\"([^\"]+)\"");
  ASSERT_FALSE(auditor.empty()) << token.body;
  auto found = As(auditor, "GET", "/fhir/AuditEvent?_count=100");
  ASSERT_EQ(found.status, 200) << found.body;
  size_t btg = 0;
  for (size_t at = found.body.find("\"BTG\""); at != std::string::npos; at = found.body.find("\"BTG\"", at + 1)) ++btg;
  EXPECT_GE(btg, 2u) << found.body.substr(0, 2000);  // the grant and the read
}

}  // namespace
}  // namespace salus::testing
