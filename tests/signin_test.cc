// Interactive sign-in through the real server: the authorization-code flow with PKCE, the
// first admin's one-time password changed at first sign-in, TOTP enrolment and use, recovery
// codes, refresh-token rotation with reuse detection, and what refuses what.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <regex>
#include <thread>

#include "auth/totp.h"
#include "core/json.h"
#include "core/url.h"
#include "crypto/hash.h"
#include "crypto/jose.h"
#include "support/harness.h"
#include "support/web.h"

namespace salus::testing {
namespace {

using json::Value;

std::string Match(const std::string& text, const std::string& pattern) { return FirstMatch(text, pattern); }
std::string Form(const std::vector<std::pair<std::string, std::string>>& kv) { return FormEncode(kv); }

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class SignInTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.emplace(dir_.path(), std::vector<std::string>{"--auth", "smart"});
    ASSERT_TRUE(server_->ok());
    admin_password_ = Match(server_->preamble(), "one-time password ([A-Z2-7]+)");
    ASSERT_FALSE(admin_password_.empty()) << server_->preamble();
    int status = 0;
    std::string out = RunCommand(std::string(SALUS_BINARY) + " --log-level warn admin client add chart --kind public "
                                     "--redirect-uri http://127.0.0.1/cb --scope 'user/*.cruds patient/*.rs "
                                     "launch/patient offline_access' --data " + dir_.path().string(),
                                 &status);
    client_ = Match(out, "client_id: (\\S+)");
    ASSERT_FALSE(client_.empty()) << out;
  }
  uint16_t port() { return server_->port(); }
  std::string Base() { return "http://127.0.0.1:" + std::to_string(port()) + "/fhir"; }
  HttpResponse Post(const std::string& path, const std::string& body) {
    return Http(port(), "POST", path, body, {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  // Starts a sign-in; the page.
  HttpResponse Start(const std::string& scope, const std::string& verifier, const std::string& redirect = "http://127.0.0.1/cb") {
    std::string challenge = crypto::Base64UrlEncode(crypto::Bytes(crypto::Sha256(verifier)));
    return Http(port(), "GET", "/oauth2/authorize?" + Form({{"response_type", "code"}, {"client_id", client_},
                                                            {"redirect_uri", redirect}, {"scope", scope},
                                                            {"state", "s-123"}, {"code_challenge", challenge},
                                                            {"code_challenge_method", "S256"}, {"aud", Base()}}));
  }
  static std::string FlowOf(const HttpResponse& page) { return Match(page.body, "name=\"flow\" value=\"([^\"]+)\""); }
  HttpResponse Step(const std::string& flow, std::vector<std::pair<std::string, std::string>> fields) {
    fields.insert(fields.begin(), {"flow", flow});
    return Post("/oauth2/authorize", Form(fields));
  }
  Value Exchange(const std::string& code, const std::string& verifier, int* status) {
    auto r = Post("/oauth2/token", Form({{"grant_type", "authorization_code"}, {"code", code},
                                         {"redirect_uri", "http://127.0.0.1/cb"}, {"client_id", client_},
                                         {"code_verifier", verifier}}));
    *status = r.status;
    auto v = json::Parse(r.body);
    return v ? *v : Value();
  }
  Value Refresh(const std::string& token, int* status) {
    auto r = Post("/oauth2/token", Form({{"grant_type", "refresh_token"}, {"refresh_token", token}, {"client_id", client_}}));
    *status = r.status;
    auto v = json::Parse(r.body);
    return v ? *v : Value();
  }
  HttpResponse As(const std::string& token, const std::string& method, const std::string& path, const std::string& body = {}) {
    return WithToken(port(), token, method, path, body);
  }

  TempDir dir_;
  std::optional<ServerProcess> server_;
  std::string admin_password_, client_;
};

TEST_F(SignInTest, FirstSignInChangesThePasswordEnrolsTotpAndGetsTokens) {
  std::string verifier(64, 'v');
  auto page = Start("user/*.rs offline_access", verifier);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.header("x-frame-options"), "DENY");
  EXPECT_NE(page.header("content-security-policy").find("default-src 'none'"), std::string::npos);
  std::string flow = FlowOf(page);
  ASSERT_FALSE(flow.empty());
  auto wrong = Step(flow, {{"username", "admin"}, {"password", "not the password"}});
  EXPECT_NE(wrong.body.find("not right"), std::string::npos);
  auto change = Step(flow, {{"username", "admin"}, {"password", admin_password_}});
  ASSERT_NE(change.body.find("Choose a new password"), std::string::npos) << change.body;
  EXPECT_NE(Step(flow, {{"new_password", "short"}, {"new_password_again", "short"}}).body.find("at least 8"),
            std::string::npos);
  EXPECT_NE(Step(flow, {{"new_password", "one long phrase"}, {"new_password_again", "another long phrase"}}).body.find("differ"),
            std::string::npos);
  EXPECT_NE(Step(flow, {{"new_password", admin_password_}, {"new_password_again", admin_password_}}).body.find("not used"),
            std::string::npos);
  auto enroll = Step(flow, {{"new_password", "a quiet river at dawn"}, {"new_password_again", "a quiet river at dawn"}});
  ASSERT_NE(enroll.body.find("Set up your authenticator"), std::string::npos) << enroll.body;
  EXPECT_NE(enroll.body.find("data:image/svg+xml;base64,"), std::string::npos);
  auto secret = auth::Base32Decode(Match(enroll.body, "Key: <code>([A-Z2-7]+)</code>"));
  ASSERT_TRUE(secret && secret->size() == 20);
  EXPECT_NE(Step(flow, {{"code", "000000"}}).body.find("not right"), std::string::npos);
  auto recovery = Step(flow, {{"code", auth::TotpCode(*secret, Now())}});
  ASSERT_NE(recovery.body.find("recovery codes"), std::string::npos) << recovery.body;
  std::vector<std::string> codes;
  std::regex code_re("<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>");
  for (std::sregex_iterator it(recovery.body.begin(), recovery.body.end(), code_re), end; it != end; ++it) {
    codes.push_back((*it)[1].str());
  }
  ASSERT_EQ(codes.size(), 10u);
  auto done = Step(flow, {});
  ASSERT_EQ(done.status, 302) << done.body;
  std::string location = done.header("location");
  EXPECT_EQ(location.rfind("http://127.0.0.1/cb?code=", 0), 0u) << location;
  EXPECT_NE(location.find("state=s-123"), std::string::npos);
  std::string code = Match(location, "code=([^&]+)");

  int status = 0;
  // The wrong verifier spends the code (one use), so the right one then finds nothing.
  Value bad = Exchange(code, std::string(64, 'w'), &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(bad.string_at("error"), "invalid_grant");
  EXPECT_EQ(Exchange(code, verifier, &status).string_at("error"), "invalid_grant");

  // Sign in again (password now, then TOTP), with the right verifier this time.
  flow = FlowOf(Start("user/*.rs offline_access", verifier));
  auto totp = Step(flow, {{"username", "admin"}, {"password", "a quiet river at dawn"}});
  ASSERT_NE(totp.body.find("Second step"), std::string::npos) << totp.body;
  // The code used at enrolment is spent; the next step's code is within the window.
  EXPECT_NE(Step(flow, {{"code", auth::TotpCode(*secret, Now())}}).body.find("not right"), std::string::npos);
  auto redirected = Step(flow, {{"code", auth::TotpCode(*secret, Now() + 30)}});
  ASSERT_EQ(redirected.status, 302) << redirected.body;
  Value tokens = Exchange(Match(redirected.header("location"), "code=([^&]+)"), verifier, &status);
  ASSERT_EQ(status, 200) << json::Serialize(tokens);
  EXPECT_EQ(tokens.string_at("scope"), "offline_access user/*.rs");
  std::string access(*tokens.string_at("access_token")), refresh(*tokens.string_at("refresh_token"));
  EXPECT_EQ(std::stoi(tokens.find("expires_in")->as_number().text), 900);
  EXPECT_EQ(As(access, "GET", "/fhir/Patient").status, 200);
  EXPECT_EQ(As(access, "POST", "/fhir/Patient", R"({"resourceType":"Patient"})").status, 403);  // rs only
  EXPECT_EQ(As(access, "GET", "/fhir/AuditEvent?action=E").status, 200);  // an admin's wildcard reaches the ledger

  // Refresh tokens rotate; a reused one ends the whole sign-in.
  Value next = Refresh(refresh, &status);
  ASSERT_EQ(status, 200) << json::Serialize(next);
  std::string refresh2(*next.string_at("refresh_token"));
  EXPECT_NE(refresh2, refresh);
  EXPECT_EQ(Refresh(refresh, &status).string_at("error"), "invalid_grant");  // reuse detected
  EXPECT_EQ(Refresh(refresh2, &status).string_at("error"), "invalid_grant");  // and the family ended

  // A recovery code signs in once.
  flow = FlowOf(Start("user/*.rs", verifier));
  Step(flow, {{"username", "admin"}, {"password", "a quiet river at dawn"}});
  EXPECT_EQ(Step(flow, {{"code", codes[3]}}).status, 302);
  flow = FlowOf(Start("user/*.rs", verifier));
  Step(flow, {{"username", "admin"}, {"password", "a quiet river at dawn"}});
  EXPECT_NE(Step(flow, {{"code", codes[3]}}).body.find("not right"), std::string::npos);

  // Disabling the user ends its tokens within a second.
  RunCommand(std::string(SALUS_BINARY) + " --log-level warn admin user disable admin --data " + dir_.path().string(), &status);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(As(access, "GET", "/fhir/Patient").status, 401);
}

// OpenID Connect (SMART's openid fhirUser): the token response carries an id_token signed with
// the key published at jwks_uri, naming the user, this client, the nonce, and the user's FHIR
// resource as an absolute URL.
TEST_F(SignInTest, OpenIdConnectIdTokenNamesTheUserAndTheirFhirResource) {
  int status = 0;
  RunCommand("printf 'a patient passphrase\\n' | " + std::string(SALUS_BINARY) +
                 " --log-level warn admin user add pat --role patient --fhir-user Patient/p-oidc --password-stdin --data " +
                 dir_.path().string(), &status);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto discovery = json::Parse(Http(port(), "GET", "/fhir/.well-known/smart-configuration").body);
  ASSERT_TRUE(discovery);
  std::string issuer(discovery->string_at("issuer").value_or(""));
  EXPECT_NE(json::Serialize(*discovery->find("capabilities")).find("sso-openid-connect"), std::string::npos);
  EXPECT_NE(json::Serialize(*discovery->find("scopes_supported")).find("fhirUser"), std::string::npos);
  auto oidc = json::Parse(Http(port(), "GET", "/.well-known/openid-configuration").body);
  ASSERT_TRUE(oidc);
  EXPECT_EQ(oidc->string_at("issuer"), issuer);
  EXPECT_EQ(oidc->string_at("jwks_uri"), issuer + "/oauth2/jwks");
  auto jwks = json::Parse(Http(port(), "GET", "/oauth2/jwks").body);
  ASSERT_TRUE(jwks && jwks->find("keys") && jwks->find("keys")->as_array().size() == 1u);

  std::string verifier(64, 'n');
  std::string challenge = crypto::Base64UrlEncode(crypto::Bytes(crypto::Sha256(verifier)));
  auto page = Http(port(), "GET", "/oauth2/authorize?" + Form({{"response_type", "code"}, {"client_id", client_},
                                                              {"redirect_uri", "http://127.0.0.1/cb"},
                                                              {"scope", "openid fhirUser patient/*.rs"},
                                                              {"state", "s-1"}, {"nonce", "n-0S6_WzA2Mj"},
                                                              {"code_challenge", challenge},
                                                              {"code_challenge_method", "S256"}, {"aud", Base()}}));
  ASSERT_EQ(page.status, 200) << page.body;
  auto done = Step(FlowOf(page), {{"username", "pat"}, {"password", "a patient passphrase"}});
  ASSERT_EQ(done.status, 302) << done.body;
  Value tokens = Exchange(Match(done.header("location"), "code=([^&]+)"), verifier, &status);
  ASSERT_EQ(status, 200) << json::Serialize(tokens);
  EXPECT_EQ(tokens.string_at("scope"), "openid fhirUser patient/*.rs");
  std::string id_token(tokens.string_at("id_token").value_or(""));
  ASSERT_FALSE(id_token.empty()) << json::Serialize(tokens);
  auto verified = crypto::VerifyJws(id_token, *jwks, /*allow_rs256=*/true);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->header.string_at("alg"), "RS256");
  const Value& claims = verified->payload;
  EXPECT_EQ(claims.string_at("iss"), issuer);
  EXPECT_EQ(claims.string_at("aud"), client_);
  EXPECT_EQ(claims.string_at("sub"), "pat");
  EXPECT_EQ(claims.string_at("nonce"), "n-0S6_WzA2Mj");
  EXPECT_EQ(claims.string_at("fhirUser"), Base() + "/Patient/p-oidc");
  EXPECT_GT(std::stoll(claims.find("exp")->as_number().text), std::stoll(claims.find("iat")->as_number().text));
  // A changed claim no longer verifies; the backend-services verifier does not take RS256.
  std::string forged = id_token;
  size_t dot = forged.find('.');
  forged[dot + 5] = forged[dot + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(crypto::VerifyJws(forged, *jwks, true));
  EXPECT_FALSE(crypto::VerifyJws(id_token, *jwks));

  // Without openid, no id_token.
  page = Http(port(), "GET", "/oauth2/authorize?" + Form({{"response_type", "code"}, {"client_id", client_},
                                                         {"redirect_uri", "http://127.0.0.1/cb"}, {"scope", "patient/*.rs"},
                                                         {"code_challenge", challenge}, {"code_challenge_method", "S256"},
                                                         {"aud", Base()}}));
  done = Step(FlowOf(page), {{"username", "pat"}, {"password", "a patient passphrase"}});
  ASSERT_EQ(done.status, 302) << done.body;
  tokens = Exchange(Match(done.header("location"), "code=([^&]+)"), verifier, &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(tokens.find("id_token"), nullptr);
}

TEST_F(SignInTest, BadRequestsAreRefusedWithoutRedirectingAnywhereUnknown) {
  std::string verifier(50, 'a');
  auto unknown_redirect = Start("user/*.rs", verifier, "https://attacker.example/cb");
  EXPECT_EQ(unknown_redirect.status, 400);
  EXPECT_TRUE(unknown_redirect.header("location").empty());
  auto no_pkce = Http(port(), "GET", "/oauth2/authorize?" + Form({{"response_type", "code"}, {"client_id", client_},
                                                                 {"redirect_uri", "http://127.0.0.1/cb"},
                                                                 {"scope", "user/*.rs"}, {"state", "z"}, {"aud", Base()}}));
  EXPECT_EQ(no_pkce.status, 302);
  EXPECT_NE(no_pkce.header("location").find("error=invalid_request"), std::string::npos);
  EXPECT_NE(no_pkce.header("location").find("state=z"), std::string::npos);
  auto wrong_aud = Http(port(), "GET", "/oauth2/authorize?" + Form({{"response_type", "code"}, {"client_id", client_},
                                                                   {"redirect_uri", "http://127.0.0.1/cb"},
                                                                   {"code_challenge", std::string(43, 'c')},
                                                                   {"code_challenge_method", "S256"},
                                                                   {"aud", "https://other.example/fhir"}}));
  EXPECT_NE(wrong_aud.header("location").find("error=invalid_request"), std::string::npos);
  EXPECT_EQ(Http(port(), "GET", "/oauth2/authorize?client_id=nope&redirect_uri=http://127.0.0.1/cb").status, 400);
  EXPECT_EQ(Step("made-up-flow", {{"username", "admin"}, {"password", "x"}}).status, 400);
  // Patients get patient/ scopes only, for themselves; a practitioner asking for a patient
  // picks one.
  int status = 0;
  RunCommand("printf 'patient password one\\n' | " + std::string(SALUS_BINARY) + " --log-level warn admin user add pat "
             "--role patient --fhir-user Patient/p-1 --password-stdin --data " + dir_.path().string(), &status);
  std::string flow = FlowOf(Start("user/*.rs patient/*.rs launch/patient", verifier));
  auto r = Step(flow, {{"username", "pat"}, {"password", "patient password one"}});
  ASSERT_EQ(r.status, 302) << r.body;  // patients need no second factor by default
  Value t = Exchange(Match(r.header("location"), "code=([^&]+)"), verifier, &status);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(t.string_at("scope"), "launch/patient patient/*.rs");
  EXPECT_EQ(t.string_at("patient"), "p-1");
}

}  // namespace
}  // namespace salus::testing
