#include "auth/oauth.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/base64.h"
#include "crypto/jose.h"
#include "core/json.h"
#include "core/url.h"
#include "crypto/hash.h"
#include "fhir/definitions.h"

namespace salus::auth {

namespace {

std::optional<std::string_view> HeaderOf(const HttpCall& c, std::string_view name) {
  for (const auto& [k, v] : c.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

bool IsFormPost(const HttpCall& c) {
  auto ct = HeaderOf(c, "content-type");
  return c.method == "POST" && ct && ct->starts_with("application/x-www-form-urlencoded");
}


// One address may carry many clients and users (a clinic behind NAT): more failures pass
// before it is slowed down than for one client or account.
constexpr int kAddressFreeFailures = 20;

}  // namespace

HttpReply JsonReply(int status, const json::Value& v) {
  HttpReply r;
  r.status = status;
  r.headers = {{"content-type", "application/json"}, {"cache-control", "no-store"}, {"pragma", "no-cache"}};
  r.body = json::Serialize(v);
  return r;
}

HttpReply OAuthError(int status, std::string_view error, std::string_view description) {
  json::Value v = json::Object{};
  v.set("error", std::string(error));
  v.set("error_description", std::string(description));
  return JsonReply(status, v);
}

int64_t Throttle::WaitSeconds(const std::string& key, int64_t now_s, int free_failures) {
  std::lock_guard lock(mu_);
  auto it = state_.find(key);
  if (it == state_.end()) return 0;
  if (now_s - it->second.last_s > 900) {  // quiet for 15 minutes: forgotten
    state_.erase(it);
    return 0;
  }
  if (it->second.failures < free_failures) return 0;
  int64_t wait = std::min<int64_t>(int64_t{1} << std::min(it->second.failures - free_failures, 9), 300);
  return std::max<int64_t>(0, it->second.last_s + wait - now_s);
}

void Throttle::Failed(const std::string& key, int64_t now_s) {
  std::lock_guard lock(mu_);
  if (state_.size() > 100000) state_.clear();  // bounded memory under a flood
  auto& s = state_[key];
  s.failures++;
  s.last_s = now_s;
}

void Throttle::Succeeded(const std::string& key) {
  std::lock_guard lock(mu_);
  state_.erase(key);
}

OAuthServer::OAuthServer(Directory& directory, TokenService& tokens, const audit::Ledger* ledger, OAuthOptions options,
                         const Clock& clock)
    : directory_(directory), tokens_(tokens), ledger_(ledger), options_(std::move(options)), clock_(clock) {}

bool IsResourceType(std::string_view t) { return fhir::Definitions::R4().IsResourceType(t); }


HttpReply OAuthServer::Handle(const HttpCall& call) {
  if (call.path.ends_with("/.well-known/smart-configuration")) {
    if (call.method != "GET" && call.method != "HEAD") return OAuthError(405, "invalid_request", "use GET");
    return Configuration(call);
  }
  if (call.path == "/oauth2/authorize") return call.method == "POST" ? AuthorizeStep(call) : Authorize(call);
  if (call.path == "/oauth2/token") return Token(call);
  if (call.path == "/oauth2/break-glass") return BreakGlass(call);
  if (call.path == "/oauth2/launch") return Launch(call);
  if (call.path == "/oauth2/introspect") return Introspect(call);
  if (call.path == "/oauth2/revoke") return Revoke(call);
  if (call.path == "/oauth2/jwks") return Jwks();
  if (call.path.ends_with("/.well-known/openid-configuration") && options_.id_token_signer != nullptr) {
    if (call.method != "GET" && call.method != "HEAD") return OAuthError(405, "invalid_request", "use GET");
    return OpenIdConfiguration(call);
  }
  return OAuthError(404, "invalid_request", "no such endpoint");
}

std::string OAuthServer::Issuer(const HttpCall& call) const {
  if (!options_.issuer.empty()) return options_.issuer;
  std::string base = call.base_url;
  if (base.ends_with("/fhir")) base.resize(base.size() - 5);
  return base;
}

HttpReply OAuthServer::Configuration(const HttpCall& call) const {
  auto v = json::Parse(fmt::format(R"({{
    "issuer": "{0}",
    "authorization_endpoint": "{0}/oauth2/authorize",
    "token_endpoint": "{0}/oauth2/token",
    "introspection_endpoint": "{0}/oauth2/introspect",
    "revocation_endpoint": "{0}/oauth2/revoke",
    "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post"],
    "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
    "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
    "scopes_supported": ["system/*.cruds", "system/*.rs", "user/*.cruds", "user/*.rs", "patient/*.rs",
                         "launch", "launch/patient", "offline_access", "online_access"],
    "response_types_supported": ["code"],
    "code_challenge_methods_supported": ["S256"],
    "capabilities": ["launch-standalone", "launch-ehr", "context-ehr-patient", "client-public", "client-confidential-symmetric",
                     "client-confidential-asymmetric", "context-standalone-patient", "permission-offline",
                     "permission-online", "permission-user", "permission-v2", "permission-v1"]
  }})",
                                   Issuer(call)));
  v->set("jwks_uri", Issuer(call) + "/oauth2/jwks");
  if (options_.id_token_signer != nullptr) {
    for (const char* scope : {"openid", "fhirUser"}) v->find("scopes_supported")->as_array().push_back(json::Value(scope));
    v->find("capabilities")->as_array().push_back(json::Value("sso-openid-connect"));
    json::Value algs = json::Array{};
    algs.as_array().push_back(json::Value("RS256"));
    v->set("id_token_signing_alg_values_supported", std::move(algs));
  }
  return JsonReply(200, *v);
}

// OpenID Connect Discovery 1.0: what a relying party needs to check our id_tokens.
HttpReply OAuthServer::OpenIdConfiguration(const HttpCall& call) const {
  auto v = json::Parse(fmt::format(R"({{
    "issuer": "{0}",
    "authorization_endpoint": "{0}/oauth2/authorize",
    "token_endpoint": "{0}/oauth2/token",
    "jwks_uri": "{0}/oauth2/jwks",
    "response_types_supported": ["code"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "scopes_supported": ["openid", "fhirUser"],
    "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "fhirUser"],
    "code_challenge_methods_supported": ["S256"]
  }})",
                                   Issuer(call)));
  return JsonReply(200, *v);
}

// The keys that sign what this server issues (id_tokens), as a JWK Set.
HttpReply OAuthServer::Jwks() const {
  json::Value keys = json::Array{};
  if (options_.id_token_signer != nullptr) keys.as_array().push_back(options_.id_token_signer->public_jwk());
  json::Value v = json::Object{};
  v.set("keys", std::move(keys));
  return JsonReply(200, v);
}

std::optional<Client> OAuthServer::AuthenticateClient(const HttpCall& call,
                                                      const std::map<std::string, std::string>& form,
                                                      HttpReply& error) {
  if (auto type = form.find("client_assertion_type"); type != form.end()) {
    auto assertion = form.find("client_assertion");
    if (type->second != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || assertion == form.end()) {
      error = OAuthError(401, "invalid_client", "client_assertion_type must be jwt-bearer, with a client_assertion");
      return std::nullopt;
    }
    return AuthenticateByAssertion(call, assertion->second, error);
  }
  std::string id, secret;
  if (auto h = HeaderOf(call, "authorization"); h && h->starts_with("Basic ")) {
    auto decoded = DecodeBase64(h->substr(6));
    size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      error = OAuthError(401, "invalid_client", "malformed Basic credentials");
      return std::nullopt;
    }
    id = decoded->substr(0, colon);
    secret = decoded->substr(colon + 1);
  } else {
    auto i = form.find("client_id"), s = form.find("client_secret");
    if (i != form.end()) id = i->second;
    if (s != form.end()) secret = s->second;
  }
  int64_t now_s = clock_.Now().time_since_epoch().count() / 1'000'000;
  std::string key = "client:" + id, addr = "addr:" + call.remote_address;
  if (int64_t wait = std::max(throttle_.WaitSeconds(key, now_s), throttle_.WaitSeconds(addr, now_s, kAddressFreeFailures)); wait > 0) {
    error = OAuthError(429, "slow_down", fmt::format("too many failed attempts; try again in {} s", wait));
    error.headers.emplace_back("retry-after", std::to_string(wait));
    return std::nullopt;
  }
  auto client = directory_.FindClient(id);
  bool ok = client && *client && !(*client)->disabled &&
            (Directory::SecretMatches(**client, secret) ||
             ((*client)->kind == ClientKind::kPublic && secret.empty()));
  if (!ok) {
    throttle_.Failed(key, now_s);
    throttle_.Failed(addr, now_s);
    Record(call, "110122", 4, "Client/" + id.substr(0, 64), id.substr(0, 64), "client authentication failed");
    error = OAuthError(401, "invalid_client", "client authentication failed");
    error.headers.emplace_back("www-authenticate", "Basic realm=\"salus\"");
    return std::nullopt;
  }
  throttle_.Succeeded(key);
  return **client;
}

std::optional<Client> OAuthServer::AuthenticateByAssertion(const HttpCall& call, std::string_view assertion,
                                                           HttpReply& error) {
  int64_t now_s = clock_.Now().time_since_epoch().count() / 1'000'000;
  auto refuse = [&](std::string_view client, std::string_view why) -> std::optional<Client> {
    throttle_.Failed("client:" + std::string(client), now_s);
    throttle_.Failed("addr:" + call.remote_address, now_s);
    Record(call, "110122", 4, "Client/" + std::string(client.substr(0, 64)), client.substr(0, 64),
           "client assertion refused: " + std::string(why));
    error = OAuthError(401, "invalid_client", why);
    return std::nullopt;
  };
  // Who claims to have signed: read before verifying only to find the registered keys.
  size_t d1 = assertion.find('.'), d2 = d1 == std::string_view::npos ? d1 : assertion.find('.', d1 + 1);
  auto payload_text = d2 == std::string_view::npos ? std::nullopt
                                                   : crypto::Base64UrlDecode(assertion.substr(d1 + 1, d2 - d1 - 1));
  auto claimed = payload_text ? json::Parse(*payload_text) : Result<json::Value>(Fail(Error::Invalid("")));
  std::string iss(claimed && claimed->is_object() ? claimed->string_at("iss").value_or("") : "");
  if (int64_t wait = std::max(throttle_.WaitSeconds("client:" + iss, now_s),
                              throttle_.WaitSeconds("addr:" + call.remote_address, now_s, kAddressFreeFailures));
      wait > 0) {
    error = OAuthError(429, "slow_down", fmt::format("too many failed attempts; try again in {} s", wait));
    error.headers.emplace_back("retry-after", std::to_string(wait));
    return std::nullopt;
  }
  auto client = directory_.FindClient(iss);
  if (!client || !*client || (*client)->disabled || (*client)->jwks.empty()) {
    return refuse(iss, "no enabled client with registered keys has this id");
  }
  auto jwks = json::Parse((*client)->jwks);
  if (!jwks) return refuse(iss, "the client's registered JWKS does not parse");
  auto verified = crypto::VerifyJws(assertion, *jwks);
  if (!verified) return refuse(iss, verified.error().message);
  const json::Value& c = verified->payload;
  auto number = [&](std::string_view k) -> std::optional<int64_t> {
    const json::Value* x = c.find(k);
    if (!x || !x->is_number()) return std::nullopt;
    try {
      return std::stoll(x->as_number().text);
    } catch (...) {
      return std::nullopt;
    }
  };
  std::string audience = Issuer(call) + "/oauth2/token";
  auto aud = c.find("aud");
  bool aud_ok = aud && ((aud->is_string() && aud->as_string() == audience) ||
                        (aud->is_array() && std::any_of(aud->as_array().begin(), aud->as_array().end(), [&](const auto& a) {
                           return a.is_string() && a.as_string() == audience;
                         })));
  if (c.string_at("sub") != std::optional<std::string_view>(iss)) return refuse(iss, "sub must equal iss (the client id)");
  if (!aud_ok) return refuse(iss, "aud must be this server's token endpoint, " + audience);
  auto exp = number("exp");
  if (!exp || *exp <= now_s) return refuse(iss, "the assertion has expired (exp)");
  if (*exp > now_s + 300) return refuse(iss, "exp may be at most five minutes ahead");
  std::string jti(c.string_at("jti").value_or(""));
  if (jti.empty() || jti.size() > 256) return refuse(iss, "the assertion needs a jti");
  // Each jti once: kept until the assertion would have expired anyway.
  bool replay = false;
  Status st = directory_.store().Write([&](store::WriteTxn& txn) -> Status {
    std::string key = crypto::Hex(crypto::Sha256(iss + "|" + jti));
    SALUS_ASSIGN_OR_RETURN(auto seen, txn.GetRecord("auth.jti", key));
    if (seen) {
      replay = true;
      return {};
    }
    return txn.PutRecord("auth.jti", key, std::to_string(*exp));
  });
  if (!st) {
    error = OAuthError(503, "temporarily_unavailable", "the assertion could not be recorded");
    return std::nullopt;
  }
  if (replay) return refuse(iss, "this assertion (jti) was used already");
  throttle_.Succeeded("client:" + iss);
  return **client;
}

HttpReply OAuthServer::Token(const HttpCall& call) {
  std::map<std::string, std::string> form;
  Client client;
  if (auto refused = ClientForm(call, form, client)) return *refused;
  auto grant = form.find("grant_type");
  if (grant != form.end() && grant->second == "authorization_code") return CodeGrant(call, form, client);
  if (grant != form.end() && grant->second == "refresh_token") return RefreshGrant(call, form, client);
  if (grant == form.end() || grant->second != "client_credentials") {
    return OAuthError(400, "unsupported_grant_type",
                      "grant_type is authorization_code, refresh_token or client_credentials");
  }
  if (client.kind != ClientKind::kBackend) {
    return OAuthError(400, "unauthorized_client", "only backend-service clients use client_credentials");
  }
  auto requested_it = form.find("scope");
  ScopeSet requested = ParseScopes(requested_it == form.end() ? "" : requested_it->second, &IsResourceType);
  ScopeSet allowed = ParseScopes(client.scopes, &IsResourceType);
  // Grant the intersection, system/ scopes only, permission by permission.
  ScopeSet granted;
  for (const auto& r : requested.resources) {
    if (r.context != ScopeContext::kSystem) continue;
    uint8_t perms = r.permissions & allowed.PermissionsFor(ScopeContext::kSystem, r.type);
    if (r.type == "*") {
      perms = 0;
      for (const auto& a : allowed.resources) {
        if (a.context == ScopeContext::kSystem && a.type == "*") perms |= a.permissions & r.permissions;
      }
    }
    if (perms != 0) granted.resources.push_back(ResourceScope{ScopeContext::kSystem, r.type, perms});
  }
  if (granted.resources.empty()) {
    Record(call, "110122", 4, "Client/" + client.id, client.id, "no requested scope may be granted");
    return OAuthError(400, "invalid_scope", "none of the requested scopes may be granted to this client");
  }
  Principal p;
  p.client_id = client.id;
  p.scopes = granted;
  auto issued = tokens_.Issue(p, options_.backend_token_seconds);
  if (!issued) return OAuthError(503, "temporarily_unavailable", "the token could not be stored");
  Record(call, "110122", 0, "Client/" + client.id, client.id, "access token issued: " + granted.ToString());
  json::Value v = json::Object{};
  v.set("access_token", issued->token);
  v.set("token_type", "Bearer");
  v.set("expires_in", json::Value::Integer(issued->expires_in_s));
  v.set("scope", granted.ToString());
  return JsonReply(200, v);
}

std::optional<HttpReply> OAuthServer::ClientForm(const HttpCall& call, std::map<std::string, std::string>& form,
                                                 Client& client) {
  if (!IsFormPost(call)) return OAuthError(400, "invalid_request", "POST application/x-www-form-urlencoded");
  auto parsed = salus::ParseForm(call.body);
  if (!parsed) return OAuthError(400, "invalid_request", "the form is malformed or repeats a parameter");
  form = std::move(*parsed);
  HttpReply error;
  auto c = AuthenticateClient(call, form, error);
  if (!c) return error;
  client = std::move(*c);
  return std::nullopt;
}

HttpReply OAuthServer::Introspect(const HttpCall& call) {
  std::map<std::string, std::string> form;
  Client client;
  if (auto refused = ClientForm(call, form, client)) return *refused;
  json::Value v = json::Object{};
  auto t = form.find("token");
  auto p = t == form.end() ? Result<std::optional<Principal>>(std::nullopt) : tokens_.Validate(t->second);
  if (!p || !*p) {
    v.set("active", false);
    return JsonReply(200, v);
  }
  const Principal& pr = **p;
  v.set("active", true);
  v.set("scope", pr.scopes.ToString());
  v.set("client_id", pr.client_id);
  if (!pr.username.empty()) v.set("username", pr.username);
  if (!pr.fhir_user.empty()) v.set("fhirUser", pr.fhir_user);
  if (!pr.patient.empty()) v.set("patient", pr.patient);
  v.set("exp", json::Value::Integer(pr.expires_us / 1'000'000));
  v.set("token_type", "Bearer");
  return JsonReply(200, v);
}

HttpReply OAuthServer::Revoke(const HttpCall& call) {
  std::map<std::string, std::string> form;
  Client client;
  if (auto refused = ClientForm(call, form, client)) return *refused;
  auto t = form.find("token");
  if (t != form.end()) {
    auto p = tokens_.Validate(t->second);
    // A client may revoke only its own tokens (RFC 7009 §2.1); others are ignored silently.
    if (p && *p && (*p)->client_id == client.id) {
      if (auto st = tokens_.Revoke(t->second); !st) {
        return OAuthError(503, "temporarily_unavailable", "the token could not be revoked");
      }
      Record(call, "110123", 0, "Client/" + client.id, client.id, "token revoked");
    }
  }
  HttpReply ok;
  ok.status = 200;
  ok.headers = {{"cache-control", "no-store"}};
  return ok;
}

void OAuthServer::Record(const HttpCall& call, std::string_view subtype, int outcome, std::string_view agent,
                         std::string_view client, std::string_view text) {
  if (ledger_ == nullptr) return;
  audit::Event e;
  e.action = 'E';
  e.type_system = "http://dicom.nema.org/resources/ontology/DCM";
  e.type_code = "110114";  // user authentication
  e.subtype_system = "http://dicom.nema.org/resources/ontology/DCM";
  e.subtype = std::string(subtype);  // 110122 login, 110123 logout
  e.outcome = outcome;
  e.outcome_text = std::string(text.substr(0, 300));
  e.agent = std::string(agent);
  e.client_id = std::string(client);
  e.address = call.remote_address;
  (void)ledger_->Record(e);
}

}  // namespace salus::auth
