// Interactive sign-in for SMART apps: the authorization-code flow with PKCE (S256 only), its
// pages (password; a first-login password change; TOTP enrolment with a QR code and recovery
// codes; a TOTP or recovery code; a patient picker for practitioners), and the code and
// refresh-token grants. Pages are plain HTML forms: no script, a strict Content-Security-
// Policy, no framing, nothing cached. The flow's state stays on the server, named by an
// unguessable id in the form.
#include <fmt/format.h>

#include <algorithm>

#include "auth/oauth.h"
#include "auth/totp.h"
#include "core/base64.h"
#include "core/json.h"
#include "core/url.h"
#include "crypto/hash.h"
#include "crypto/jose.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "fhir/definitions.h"

namespace salus::auth {

namespace {

constexpr int64_t kFlowSeconds = 600;
constexpr int64_t kCodeSeconds = 60;
constexpr std::string_view kCode = "auth.code";
constexpr std::string_view kRefresh = "auth.refresh";
constexpr std::string_view kLaunch = "auth.launch";
constexpr int64_t kLaunchSeconds = 300;
constexpr std::string_view kFamily = "auth.family";

std::string Html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

HttpReply Page(int status, std::string_view title, std::string_view body) {
  HttpReply r;
  r.status = status;
  r.headers = {{"content-type", "text/html; charset=utf-8"},
               {"cache-control", "no-store"},
               {"x-frame-options", "DENY"},
               {"referrer-policy", "no-referrer"},
               {"content-security-policy",
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'"}};
  r.body = fmt::format(
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0} - Salus</title>"
      "<style>body{{font-family:sans-serif;max-width:28em;margin:3em auto}}label{{display:block;margin:.6em 0}}"
      "input{{font-size:1em;padding:.3em;width:100%}}.error{{color:#a00}}</style></head>"
      "<body><h1>{0}</h1>{1}</body></html>",
      Html(title), body);
  return r;
}

std::string Form(std::string_view flow_id, std::string_view fields, std::string_view button) {
  return fmt::format("<form method=\"post\" action=\"/oauth2/authorize\"><input type=\"hidden\" name=\"flow\" "
                     "value=\"{}\">{}<button type=\"submit\">{}</button></form>",
                     Html(flow_id), fields, Html(button));
}

HttpReply Redirect(const std::string& uri, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string target = uri + (uri.find('?') == std::string::npos ? "?" : "&");
  for (size_t i = 0; i < params.size(); ++i) {
    if (i) target += '&';
    target += PercentEncode(params[i].first) + "=" + PercentEncode(params[i].second);
  }
  HttpReply r;
  r.status = 302;
  r.headers = {{"location", target}, {"cache-control", "no-store"}};
  return r;
}

std::string Get(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

}  // namespace

HttpReply OAuthServer::Authorize(const HttpCall& call) {
  std::map<std::string, std::string> query;
  for (const auto& [k, v] : call.query) {
    if (!query.emplace(k, v).second) {
      return Page(400, "Sign-in request refused", "<p>A parameter is repeated.</p>");  // RFC 6749 §3.1
    }
  }
  auto* params = &query;
  auto client = directory_.FindClient(Get(*params, "client_id"));
  std::string redirect = Get(*params, "redirect_uri");
  // Until the client and its redirect URI are known good, errors are shown here, never
  // redirected (an open redirector otherwise).
  if (!client || !*client || (*client)->disabled || (*client)->kind == ClientKind::kBackend) {
    return Page(400, "Sign-in request refused", "<p>This application is not registered here.</p>");
  }
  const auto& uris = (*client)->redirect_uris;
  if (std::find(uris.begin(), uris.end(), redirect) == uris.end()) {
    return Page(400, "Sign-in request refused", "<p>The return address is not one registered for this application.</p>");
  }
  std::string state = Get(*params, "state");
  auto fail = [&](std::string_view error, std::string_view why) {
    std::vector<std::pair<std::string, std::string>> p = {{"error", std::string(error)},
                                                          {"error_description", std::string(why)}};
    if (!state.empty()) p.emplace_back("state", state);
    return Redirect(redirect, p);
  };
  if (Get(*params, "response_type") != "code") return fail("unsupported_response_type", "response_type must be code");
  std::string challenge = Get(*params, "code_challenge");
  if (Get(*params, "code_challenge_method") != "S256" || challenge.size() < 43 || challenge.size() > 128) {
    return fail("invalid_request", "PKCE with code_challenge_method=S256 is required");
  }
  std::string base = options_.fhir_base.empty() ? call.base_url : options_.fhir_base;
  if (Get(*params, "aud") != base) return fail("invalid_request", "aud must be this server's FHIR base, " + base);
  Flow flow;
  flow.client_id = (*client)->id;
  flow.redirect_uri = redirect;
  flow.state = state;
  flow.challenge = challenge;
  flow.nonce = Get(*params, "nonce").substr(0, 256);
  flow.requested = ParseScopes(Get(*params, "scope"), &IsResourceType);
  flow.expires_us = clock_.Now().time_since_epoch().count() + kFlowSeconds * 1'000'000;
  // EHR launch: the context an EHR session made for this app (POST /oauth2/launch).
  if (std::string launch = Get(*params, "launch"); !launch.empty()) {
    if (!flow.requested.launch) return fail("invalid_scope", "a launch parameter needs the launch scope");
    auto record = directory_.store().GetRecord(kLaunch, TokenHash(launch));
    auto v = record && *record ? json::Parse(**record) : Result<json::Value>(Fail(Error::Invalid("")));
    if (!v || RecordExpiryUs(*v) < clock_.Now().time_since_epoch().count() ||
        v->string_at("client_id") != std::optional<std::string_view>(flow.client_id)) {
      return fail("invalid_request", "the launch is unknown, used, expired or for another application");
    }
    flow.launch = launch;
    flow.launch_user = std::string(v->string_at("user").value_or(""));
    flow.launch_patient = std::string(v->string_at("patient").value_or(""));
  } else if (flow.requested.launch) {
    return fail("invalid_request", "the launch scope needs the launch parameter from the EHR");
  }
  std::string id = NewOpaqueToken();
  {
    std::lock_guard lock(flows_mu_);
    int64_t now = clock_.Now().time_since_epoch().count();
    std::erase_if(flows_, [&](const auto& kv) { return kv.second.expires_us < now; });
    if (flows_.size() > 10000) return Page(503, "Try again shortly", "<p>Too many sign-ins are under way.</p>");
    flows_[id] = flow;
  }
  return StagePage(id, flow, {});
}

HttpReply OAuthServer::StagePage(const std::string& id, const Flow& flow, std::string_view error) {
  std::string err = error.empty() ? "" : fmt::format("<p class=\"error\">{}</p>", Html(error));
  if (flow.stage == "password") {
    return Page(200, "Sign in",
                err + Form(id, "<label>User name <input name=\"username\" autocomplete=\"username\" required></label>"
                               "<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>",
                           "Sign in"));
  }
  if (flow.stage == "change") {
    return Page(200, "Choose a new password",
                err + "<p>This password was for one use. Choose your own: 8 characters or more; a phrase is good.</p>" +
                    Form(id, "<label>New password <input name=\"new_password\" type=\"password\" autocomplete=\"new-password\" required></label>"
                             "<label>Again <input name=\"new_password_again\" type=\"password\" autocomplete=\"new-password\" required></label>",
                         "Save"));
  }
  if (flow.stage == "enroll") {
    std::string uri = OtpauthUri("Salus", flow.username, flow.new_totp_secret);
    std::string svg = QrSvg(uri);
    return Page(200, "Set up your authenticator",
                err + "<p>Scan this code with an authenticator app, or enter the key by hand, then type the 6-digit "
                      "code it shows.</p><img alt=\"QR code\" width=\"220\" height=\"220\" src=\"data:image/svg+xml;base64," +
                    EncodeBase64(svg) + "\"><p>Key: <code>" + Html(Base32Encode(flow.new_totp_secret)) + "</code></p>" +
                    Form(id, "<label>Code <input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required></label>",
                         "Confirm"));
  }
  if (flow.stage == "recovery") {
    std::string list;
    for (const auto& c : flow.recovery_codes) list += "<li><code>" + Html(c) + "</code></li>";
    return Page(200, "Your recovery codes",
                "<p>Keep these somewhere safe. Each one signs you in once if you lose your authenticator. They "
                "are shown only now.</p><ul>" + list + "</ul>" + Form(id, "", "I have saved them"));
  }
  if (flow.stage == "totp") {
    return Page(200, "Second step",
                err + Form(id, "<label>Code from your authenticator, or a recovery code <input name=\"code\" "
                               "autocomplete=\"one-time-code\" required></label>",
                           "Continue"));
  }
  return Page(200, "Choose the patient",
              err + Form(id, "<label>Patient id <input name=\"patient\" required></label>", "Continue"));
}

HttpReply OAuthServer::AuthorizeStep(const HttpCall& call) {
  auto form = salus::ParseForm(call.body);
  if (!call.query.empty()) return Page(400, "Sign-in refused", "<p>Unexpected parameters.</p>");
  if (!form) return Page(400, "Sign-in refused", "<p>The form is malformed.</p>");
  std::string id = Get(*form, "flow");
  Flow flow;
  {
    std::lock_guard lock(flows_mu_);
    auto it = flows_.find(id);
    if (it == flows_.end() || it->second.expires_us < clock_.Now().time_since_epoch().count()) {
      if (it != flows_.end()) flows_.erase(it);
      return Page(400, "Sign-in expired", "<p>This sign-in has expired or is unknown. Start again from the app.</p>");
    }
    flow = it->second;
  }
  auto save = [&] {
    std::lock_guard lock(flows_mu_);
    flows_[id] = flow;
  };
  int64_t now_s = clock_.Now().time_since_epoch().count() / 1'000'000;
  if (flow.stage == "password") {
    std::string username = Get(*form, "username");
    std::transform(username.begin(), username.end(), username.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string account = "user:" + username, addr = "addr:" + call.remote_address;
    if (int64_t wait = std::max(throttle_.WaitSeconds(account, now_s), throttle_.WaitSeconds(addr, now_s, 20));
        wait > 0) {
      return StagePage(id, flow, fmt::format("Too many failed attempts. Try again in {} seconds.", wait));
    }
    auto user = directory_.CheckPassword(username, Get(*form, "password"));
    if (!user || !*user) {
      throttle_.Failed(account, now_s);
      throttle_.Failed(addr, now_s);
      Record(call, "110122", 4, "User/" + username.substr(0, 64), flow.client_id, "sign-in refused: password");
      return StagePage(id, flow, "The user name or password is not right.");
    }
    throttle_.Succeeded(account);
    flow.username = (*user)->username;
    if ((*user)->must_change_password) {
      flow.stage = "change";
      save();
      return StagePage(id, flow, {});
    }
    return Advance(call, id, flow);
  }
  auto user = directory_.FindUser(flow.username);
  if (!user || !*user || (*user)->disabled) {
    return Page(403, "Sign-in refused", "<p>This account cannot sign in.</p>");
  }
  User u = **user;
  if (flow.stage == "change") {
    std::string a = Get(*form, "new_password"), b = Get(*form, "new_password_again");
    if (a != b) return StagePage(id, flow, "The two passwords differ.");
    if (auto problem = crypto::PasswordProblem(a)) return StagePage(id, flow, *problem);
    if (crypto::VerifyPassword(u.password_hash, a)) return StagePage(id, flow, "Choose a password you have not used here.");
    u.password_hash = crypto::HashPassword(a);
    u.must_change_password = false;
    if (auto st = directory_.PutUser(u); !st) return Page(503, "Try again", "<p>The password could not be saved.</p>");
    Record(call, "110122", 0, "User/" + u.username, flow.client_id, "password changed at first sign-in");
    return Advance(call, id, flow);
  }
  if (flow.stage == "enroll") {
    auto step = VerifyTotp(flow.new_totp_secret, Get(*form, "code"), now_s, 0);
    if (!step) return StagePage(id, flow, "That code is not right; check the time on your device.");
    u.totp_secret = flow.new_totp_secret;
    u.totp_last_step = *step;
    flow.recovery_codes = NewRecoveryCodes();
    u.recovery_hashes.clear();
    for (const auto& c : flow.recovery_codes) u.recovery_hashes.push_back(HashRecoveryCode(c));
    if (auto st = directory_.PutUser(u); !st) return Page(503, "Try again", "<p>The authenticator could not be saved.</p>");
    Record(call, "110122", 0, "User/" + u.username, flow.client_id, "authenticator enrolled");
    flow.new_totp_secret.clear();
    flow.stage = "recovery";
    save();
    return StagePage(id, flow, {});
  }
  if (flow.stage == "recovery") {
    flow.recovery_codes.clear();
    flow.stage = "verified";
    return Advance(call, id, flow);
  }
  if (flow.stage == "totp") {
    std::string account = "totp:" + u.username;
    if (int64_t wait = throttle_.WaitSeconds(account, now_s); wait > 0) {
      return StagePage(id, flow, fmt::format("Too many failed attempts. Try again in {} seconds.", wait));
    }
    std::string code = Get(*form, "code");
    bool ok = false;
    if (auto step = VerifyTotp(u.totp_secret, code, now_s, u.totp_last_step)) {
      u.totp_last_step = *step;
      ok = true;
    } else if (code.size() >= 16) {
      std::string h = HashRecoveryCode(code);
      auto it = std::find_if(u.recovery_hashes.begin(), u.recovery_hashes.end(),
                             [&](const std::string& x) { return crypto::ConstantTimeEqual(x, h); });
      if (it != u.recovery_hashes.end()) {
        u.recovery_hashes.erase(it);  // each recovery code once
        ok = true;
      }
    }
    if (!ok) {
      throttle_.Failed(account, now_s);
      Record(call, "110122", 4, "User/" + u.username, flow.client_id, "sign-in refused: second factor");
      return StagePage(id, flow, "That code is not right.");
    }
    throttle_.Succeeded(account);
    if (auto st = directory_.PutUser(u); !st) return Page(503, "Try again", "<p>The sign-in could not be recorded.</p>");
    flow.stage = "verified";
    return Advance(call, id, flow);
  }
  if (flow.stage == "patient") {
    std::string patient = Get(*form, "patient");
    if (patient.empty() || patient.size() > 64) return StagePage(id, flow, "Give the patient's id.");
    return IssueCode(call, id, flow, u, patient);
  }
  return Page(400, "Sign-in refused", "<p>Unexpected step.</p>");
}

HttpReply OAuthServer::Advance(const HttpCall& call, const std::string& id, Flow& flow) {
  auto user = directory_.FindUser(flow.username);
  if (!user || !*user) return Page(403, "Sign-in refused", "<p>This account cannot sign in.</p>");
  const User& u = **user;
  if (flow.stage != "verified" && u.totp_required) {
    if (u.totp_secret.empty()) {
      flow.stage = "enroll";
      flow.new_totp_secret = NewTotpSecret();
    } else {
      flow.stage = "totp";
    }
    std::lock_guard lock(flows_mu_);
    flows_[id] = flow;
    return StagePage(id, flow, {});
  }
  std::string patient;
  if (!flow.launch.empty()) {
    // The EHR's context is for the user who made it, not for whoever signs in with it.
    if (u.username != flow.launch_user) {
      return Page(403, "Sign-in refused", "<p>This launch was started by another user.</p>");
    }
    patient = flow.launch_patient;
  } else if (u.role == Role::kPatient) {
    patient = u.fhir_user.substr(u.fhir_user.find('/') + 1);
  } else if (flow.requested.launch_patient) {
    flow.stage = "patient";
    std::lock_guard lock(flows_mu_);
    flows_[id] = flow;
    return StagePage(id, flow, {});
  }
  return IssueCode(call, id, flow, u, patient);
}

HttpReply OAuthServer::IssueCode(const HttpCall& call, const std::string& id, Flow& flow, const User& u,
                                 const std::string& patient) {
  {
    std::lock_guard lock(flows_mu_);
    flows_.erase(id);  // one code per sign-in
  }
  auto client = directory_.FindClient(flow.client_id);
  if (!client || !*client) return Page(400, "Sign-in refused", "<p>The application is gone.</p>");
  ScopeSet allowed = ParseScopes((*client)->scopes, &IsResourceType);
  // What is granted: asked for, allowed to the client, and fitting the role: patients get
  // patient/ scopes only, never user/ or system/.
  ScopeSet granted;
  for (const auto& r : flow.requested.resources) {
    if (r.context == ScopeContext::kSystem) continue;
    if (u.role == Role::kPatient && r.context != ScopeContext::kPatient) continue;
    if (r.context == ScopeContext::kPatient && patient.empty()) continue;
    uint8_t perms = r.permissions & allowed.PermissionsFor(r.context, r.type);
    if (perms) granted.resources.push_back(ResourceScope{r.context, r.type, perms});
  }
  granted.launch_patient = flow.requested.launch_patient && !patient.empty();
  granted.launch = !flow.launch.empty();
  granted.offline_access = flow.requested.offline_access;
  granted.online_access = flow.requested.online_access;
  // OpenID Connect: who signed in, as an id_token (fhirUser: their FHIR resource, when linked).
  granted.openid = flow.requested.openid && options_.id_token_signer != nullptr;
  granted.fhir_user = granted.openid && flow.requested.fhir_user && !u.fhir_user.empty();
  Principal p;
  p.username = u.username;
  p.role = u.role;
  p.fhir_user = u.fhir_user;
  p.client_id = flow.client_id;
  p.scopes = granted;
  p.patient = patient;
  p.epoch = u.token_epoch;
  std::string code = NewOpaqueToken();
  json::Value v = json::Object{};
  v.set("principal", TokenService::Encode(p));
  v.set("challenge", flow.challenge);
  v.set("redirect", flow.redirect_uri);
  if (!flow.nonce.empty()) v.set("nonce", flow.nonce);
  v.set("exp", json::Value::Integer(clock_.Now().time_since_epoch().count() + kCodeSeconds * 1'000'000));
  Status st = directory_.store().Write([&](store::WriteTxn& txn) -> Status {
    if (!flow.launch.empty()) {  // a launch is used once
      SALUS_ASSIGN_OR_RETURN(auto launch, txn.GetRecord(kLaunch, TokenHash(flow.launch)));
      if (!launch) return Fail(Error::Conflict("the launch was used already"));
      SALUS_TRY(txn.PutRecord(kLaunch, TokenHash(flow.launch), std::nullopt));
    }
    return txn.PutRecord(kCode, TokenHash(code), json::Serialize(v));
  });
  if (!st) return Page(503, "Try again", "<p>The sign-in could not be completed.</p>");
  Record(call, "110122", 0, p.Agent(), flow.client_id, "signed in; granted " + granted.ToString());
  std::vector<std::pair<std::string, std::string>> params = {{"code", code}};
  if (!flow.state.empty()) params.emplace_back("state", flow.state);
  return Redirect(flow.redirect_uri, params);
}

HttpReply OAuthServer::TokenResponse(const HttpCall& call, const Principal& p, bool refresh, const std::string& family,
                                     int64_t family_start_us, const std::string& nonce) {
  auto issued = tokens_.Issue(p, options_.user_token_seconds);
  if (!issued) return OAuthError(503, "temporarily_unavailable", "the token could not be stored");
  json::Value v = json::Object{};
  v.set("access_token", issued->token);
  v.set("token_type", "Bearer");
  v.set("expires_in", json::Value::Integer(issued->expires_in_s));
  v.set("scope", p.scopes.ToString());
  if (!p.patient.empty()) v.set("patient", p.patient);
  if (p.scopes.openid && options_.id_token_signer != nullptr) {
    // OpenID Connect Core 1.0 §2, as SMART App Launch uses it: the user (`sub`: the account
    // name, which is never reused), for this client, as long as the access token.
    int64_t now_s = clock_.Now().time_since_epoch().count() / 1'000'000;
    json::Value claims = json::Object{};
    claims.set("iss", Issuer(call));
    claims.set("sub", p.username);
    claims.set("aud", p.client_id);
    claims.set("iat", json::Value::Integer(now_s));
    claims.set("exp", json::Value::Integer(now_s + issued->expires_in_s));
    claims.set("auth_time", json::Value::Integer(family_start_us / 1'000'000));
    if (!nonce.empty()) claims.set("nonce", nonce);
    if (p.scopes.fhir_user && !p.fhir_user.empty()) {
      std::string base = options_.fhir_base.empty() ? call.base_url : options_.fhir_base;
      claims.set("fhirUser", base + "/" + p.fhir_user);
    }
    v.set("id_token", options_.id_token_signer->Sign(claims));
  }
  if (refresh) {
    std::string token = NewOpaqueToken();
    int64_t now = clock_.Now().time_since_epoch().count();
    json::Value r = json::Object{};
    r.set("principal", TokenService::Encode(p));
    r.set("family", family);
    r.set("start", json::Value::Integer(family_start_us));
    r.set("issued", json::Value::Integer(now));
    r.set("used", false);
    Status st = directory_.store().Write(
        [&](store::WriteTxn& txn) { return txn.PutRecord(kRefresh, TokenHash(token), json::Serialize(r)); });
    if (!st) return OAuthError(503, "temporarily_unavailable", "the refresh token could not be stored");
    v.set("refresh_token", token);
  }
  return JsonReply(200, v);
}

HttpReply OAuthServer::CodeGrant(const HttpCall& call, const std::map<std::string, std::string>& form,
                                 const Client& client) {
  std::string code = Get(form, "code");
  std::optional<std::string> record;
  // The code is taken in the same transaction that reads it: it works once.
  Status st = directory_.store().Write([&](store::WriteTxn& txn) -> Status {
    SALUS_ASSIGN_OR_RETURN(record, txn.GetRecord(kCode, TokenHash(code)));
    if (record) SALUS_TRY(txn.PutRecord(kCode, TokenHash(code), std::nullopt));
    return {};
  });
  if (!st) return OAuthError(503, "temporarily_unavailable", "try again");
  auto v = record ? json::Parse(*record) : Result<json::Value>(Fail(Error::Invalid("")));
  auto p = v && v->is_object() ? TokenService::Decode(v->string_at("principal").value_or("")) : std::nullopt;
  if (!p || RecordExpiryUs(*v) < clock_.Now().time_since_epoch().count() || p->client_id != client.id) {
    Record(call, "110122", 4, "Client/" + client.id, client.id, "authorization code refused");
    return OAuthError(400, "invalid_grant", "the code is unknown, used, expired or for another client");
  }
  if (v->string_at("redirect") != std::optional<std::string_view>(Get(form, "redirect_uri"))) {
    return OAuthError(400, "invalid_grant", "redirect_uri differs from the authorization request's");
  }
  std::string verifier = Get(form, "code_verifier");
  if (verifier.size() < 43 || verifier.size() > 128 ||
      !crypto::ConstantTimeEqual(crypto::Base64UrlEncode(crypto::Bytes(crypto::Sha256(verifier))),
                                 v->string_at("challenge").value_or(""))) {
    Record(call, "110122", 4, p->Agent(), client.id, "PKCE verifier refused");
    return OAuthError(400, "invalid_grant", "code_verifier does not match the code_challenge (PKCE S256)");
  }
  bool refresh = p->scopes.offline_access || p->scopes.online_access;
  Record(call, "110122", 0, p->Agent(), client.id, "access token issued: " + p->scopes.ToString());
  return TokenResponse(call, *p, refresh, NewOpaqueToken(), clock_.Now().time_since_epoch().count(),
                       std::string(v->string_at("nonce").value_or("")));
}

std::optional<Principal> OAuthServer::SignedInUser(const HttpCall& call, std::string_view what, HttpReply& error) {
  std::optional<Principal> who;
  if (auto bearer = BearerToken(call.headers)) {
    if (auto p = tokens_.Validate(*bearer); p && *p) who = std::move(**p);
  }
  if (!who || who->username.empty()) {
    error = OAuthError(401, "invalid_token", fmt::format("{} needs a signed-in user's bearer token", what));
    error.headers.emplace_back("www-authenticate", "Bearer realm=\"salus\"");
    return std::nullopt;
  }
  return who;
}

// POST /oauth2/launch (SMART EHR launch): a signed-in practitioner's session (the EHR, or
// Salus's portal) opens `client_id` on `patient`; the answer's `launch` goes to the app, which
// passes it to /oauth2/authorize with the `launch` scope. Five minutes, once, this user only.
HttpReply OAuthServer::Launch(const HttpCall& call) {
  if (call.method != "POST") return OAuthError(405, "invalid_request", "POST patient and client_id");
  HttpReply error;
  auto who = SignedInUser(call, "an EHR launch", error);
  if (!who) return error;
  if (who->role != Role::kPractitioner && who->role != Role::kAdmin) {
    return OAuthError(403, "access_denied", "only practitioners and administrators launch apps");
  }
  if ((who->scopes.PermissionsFor(ScopeContext::kUser, "Patient") & kRead) == 0) {
    return OAuthError(403, "insufficient_scope", "the token must be able to read patients (user/Patient.r)");
  }
  auto form = salus::ParseForm(call.body);
  std::string patient = form ? Get(*form, "patient") : "", client_id = form ? Get(*form, "client_id") : "";
  auto client = directory_.FindClient(client_id);
  if (!client || !*client || (*client)->disabled || (*client)->kind == ClientKind::kBackend ||
      !ParseScopes((*client)->scopes, &IsResourceType).launch) {
    return OAuthError(400, "invalid_request", "client_id must be an application registered with the launch scope");
  }
  auto found = directory_.store().Read("Patient", patient);
  if (patient.empty() || patient.size() > 64 || !found || found->deleted) {
    return OAuthError(400, "invalid_request", "patient must be the id of a patient on this server");
  }
  std::string launch = NewOpaqueToken();
  int64_t now = clock_.Now().time_since_epoch().count();
  json::Value v = json::Object{};
  v.set("client_id", client_id);
  v.set("user", who->username);
  v.set("patient", patient);
  v.set("exp", json::Value::Integer(now + kLaunchSeconds * 1'000'000));
  Status st = directory_.store().Write(
      [&](store::WriteTxn& txn) { return txn.PutRecord(kLaunch, TokenHash(launch), json::Serialize(v)); });
  if (!st) return OAuthError(503, "temporarily_unavailable", "the launch could not be stored");
  Record(call, "110122", 0, who->Agent(), client_id, "EHR launch of the application on Patient/" + patient);
  json::Value out = json::Object{};
  out.set("launch", launch);
  out.set("expires_in", json::Value::Integer(kLaunchSeconds));
  return JsonReply(200, out);
}

HttpReply OAuthServer::BreakGlass(const HttpCall& call) {
  if (call.method != "POST") return OAuthError(405, "invalid_request", "POST a reason");
  HttpReply error;
  auto who = SignedInUser(call, "break-glass", error);
  if (!who) return error;
  if (who->role != Role::kPractitioner && who->role != Role::kAdmin) {
    return OAuthError(403, "access_denied", "only practitioners may break the glass");
  }
  if (!who->break_glass.empty()) return OAuthError(400, "invalid_request", "this token is already an emergency one");
  auto form = salus::ParseForm(call.body);
  std::string reason = form ? Get(*form, "reason") : "";
  if (reason.size() < 10 || reason.size() > 500) {
    return OAuthError(400, "invalid_request", "give the reason for emergency access (10 to 500 characters)");
  }
  // Read access to every patient, for an hour, every use marked as break-the-glass.
  Principal p = *who;
  p.scopes = ParseScopes("user/*.rs");
  p.patient.clear();
  p.break_glass = reason;
  auto issued = tokens_.Issue(p, options_.break_glass_seconds);
  if (!issued) return OAuthError(503, "temporarily_unavailable", "the token could not be stored");
  int64_t now = clock_.Now().time_since_epoch().count();
  json::Value grant = json::Object{};
  grant.set("user", p.username);
  grant.set("agent", p.Agent());
  grant.set("reason", reason);
  grant.set("granted", json::Value::Integer(now));
  grant.set("expires", json::Value::Integer(now + options_.break_glass_seconds * 1'000'000));
  (void)directory_.store().Write([&](store::WriteTxn& txn) {
    return txn.PutRecord("auth.breakglass", std::to_string(now) + "-" + p.username, json::Serialize(grant));
  });
  if (ledger_ != nullptr) {
    audit::Event e;
    e.action = 'E';
    e.type_system = "http://dicom.nema.org/resources/ontology/DCM";
    e.type_code = "110113";  // security alert
    e.subtype_system = "urn:salus:security";
    e.subtype = "break-glass";
    e.purpose = "BTG";
    e.agent = p.Agent();
    e.agent_name = p.username;
    e.client_id = p.client_id;
    e.address = call.remote_address;
    e.description = "emergency access granted for 60 minutes: " + reason;
    (void)ledger_->Record(e);
  }
  json::Value v = json::Object{};
  v.set("access_token", issued->token);
  v.set("token_type", "Bearer");
  v.set("expires_in", json::Value::Integer(issued->expires_in_s));
  v.set("scope", p.scopes.ToString());
  v.set("break_glass", true);
  return JsonReply(200, v);
}

HttpReply OAuthServer::RefreshGrant(const HttpCall& call, const std::map<std::string, std::string>& form,
                                    const Client& client) {
  std::string token = Get(form, "refresh_token");
  std::string hash = TokenHash(token);
  int64_t now = clock_.Now().time_since_epoch().count();
  std::optional<Principal> principal;
  std::string family, refusal;
  int64_t start = 0;
  Status st = directory_.store().Write([&](store::WriteTxn& txn) -> Status {
    SALUS_ASSIGN_OR_RETURN(auto body, txn.GetRecord(kRefresh, hash));
    if (!body) {
      refusal = "unknown refresh token";
      return {};
    }
    SALUS_ASSIGN_OR_RETURN(json::Value r, json::Parse(*body));
    const json::Value* start_v = r.find("start");
    const json::Value* issued_v = r.find("issued");
    if (!r.is_object() || start_v == nullptr || !start_v->is_number() || issued_v == nullptr || !issued_v->is_number()) {
      return Fail(Error::Internal("a refresh token record is malformed"));
    }
    family = std::string(r.string_at("family").value_or(""));
    start = std::stoll(start_v->as_number().text);
    int64_t issued = std::stoll(issued_v->as_number().text);
    auto p = TokenService::Decode(r.string_at("principal").value_or(""));
    SALUS_ASSIGN_OR_RETURN(auto revoked, txn.GetRecord(kFamily, family));
    if (revoked) {
      refusal = "this sign-in was ended";
    } else if (r.find("used") && r.find("used")->is_bool() && r.find("used")->as_bool()) {
      // A refresh token used twice: stolen, or replayed. End the whole sign-in.
      SALUS_TRY(txn.PutRecord(kFamily, family, "revoked: refresh token reused"));
      refusal = "refresh token reused; the sign-in is ended";
    } else if (!p || p->client_id != client.id) {
      refusal = "the refresh token belongs to another client";
    } else if (now - issued > options_.refresh_idle_seconds * 1'000'000) {
      refusal = "the session was idle too long; sign in again";
    } else if (now - start > options_.refresh_max_seconds * 1'000'000) {
      refusal = "the session is older than its limit; sign in again";
    } else {
      r.set("used", true);
      SALUS_TRY(txn.PutRecord(kRefresh, hash, json::Serialize(r)));
      principal = std::move(p);
    }
    return {};
  });
  if (!st) return OAuthError(503, "temporarily_unavailable", "try again");
  if (!principal) {
    Record(call, "110122", 4, "Client/" + client.id, client.id, "refresh refused: " + refusal);
    return OAuthError(400, "invalid_grant", refusal);
  }
  // The user may have been disabled since.
  auto user = directory_.FindUser(principal->username);
  if (!user || !*user || (*user)->disabled || (*user)->token_epoch != principal->epoch) {
    return OAuthError(400, "invalid_grant", "the account can no longer sign in");
  }
  return TokenResponse(call, *principal, true, family, start);
}

}  // namespace salus::auth
