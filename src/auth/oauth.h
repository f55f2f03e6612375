// The OAuth 2.0 / SMART App Launch endpoints: /.well-known/smart-configuration (also at the
// FHIR base), /oauth2/authorize (authorization code with PKCE S256; sign-in pages: password,
// first-login password change, TOTP enrolment, TOTP or recovery code, patient picker),
// /oauth2/token (authorization_code, refresh_token with rotation and reuse detection,
// client_credentials for backend services), /oauth2/introspect, /oauth2/revoke.
// Thread-safety: OAuthServer is thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "audit/ledger.h"
#include "core/json.h"
#include "auth/identity.h"
#include "auth/tokens.h"
#include "crypto/jose.h"

namespace salus::auth {

struct HttpCall {
  std::string method;
  std::string path;  // full path: "/oauth2/token"
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;
  std::string base_url;  // the FHIR base this request came to ("https://host/fhir")
};

struct HttpReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A resource type of R4 (what scope strings may name).
bool IsResourceType(std::string_view t);

// The token endpoint's JSON answers (never cached).
HttpReply JsonReply(int status, const json::Value& v);
HttpReply OAuthError(int status, std::string_view error, std::string_view description);

struct OAuthOptions {
  std::string issuer;                 // the server's URL ("https://host:port"); empty: from each request's base
  int64_t user_token_seconds = 900;   // interactive users: 15 minutes
  int64_t backend_token_seconds = 300;  // backend services: 5 minutes
  int64_t refresh_idle_seconds = 1800;  // a session unused this long is logged off
  int64_t refresh_max_seconds = 86400;  // and none lives longer than this
  int64_t break_glass_seconds = 3600;   // emergency access lasts an hour
  std::string fhir_base;                // the aud SMART clients must name; empty: from the request
  // Signs OpenID Connect id_tokens (scopes openid, fhirUser); null: they are not offered.
  std::shared_ptr<const crypto::JwsSigner> id_token_signer;
};

// Refuses after repeated failures for a key (a client, an account, an address), for a time that
// doubles with each further failure and is capped, so an attacker cannot lock anyone out for long.
class Throttle {
 public:
  // Seconds to wait before the next attempt for `key` (0: go ahead): none for the first
  // `free_failures`, then 1 s doubling with each failure up to 5 minutes.
  int64_t WaitSeconds(const std::string& key, int64_t now_s, int free_failures = 5);
  void Failed(const std::string& key, int64_t now_s);
  void Succeeded(const std::string& key);

 private:
  struct State {
    int failures = 0;
    int64_t last_s = 0;
  };
  std::mutex mu_;
  std::map<std::string, State> state_;  // GUARDED_BY(mu_)
};

class OAuthServer {
 public:
  OAuthServer(Directory& directory, TokenService& tokens, const audit::Ledger* ledger, OAuthOptions options,
              const Clock& clock = SystemClock());
  HttpReply Handle(const HttpCall& call);

 private:
  HttpReply Configuration(const HttpCall& call) const;
  HttpReply OpenIdConfiguration(const HttpCall& call) const;
  std::string Issuer(const HttpCall& call) const;
  // private_key_jwt (SMART Backend Services): the client whose registered key signed the
  // assertion, or nullopt with `error` filled.
  std::optional<Client> AuthenticateByAssertion(const HttpCall& call, std::string_view assertion, HttpReply& error);
  HttpReply Token(const HttpCall& call);
  HttpReply Introspect(const HttpCall& call);
  // A form POST from an authenticated client: fills `form` and `client`, or returns the reply.
  std::optional<HttpReply> ClientForm(const HttpCall& call, std::map<std::string, std::string>& form, Client& client);
  HttpReply Revoke(const HttpCall& call);
  // The client a request authenticates as (HTTP Basic or form fields); nullopt and `error`
  // filled otherwise.
  std::optional<Client> AuthenticateClient(const HttpCall& call, const std::map<std::string, std::string>& form,
                                           HttpReply& error);
  void Record(const HttpCall& call, std::string_view subtype, int outcome, std::string_view agent,
              std::string_view client, std::string_view text);

  // Sign-in (signin.cc).
  struct Flow {
    std::string client_id, redirect_uri, state, challenge, nonce;
    std::string launch, launch_user, launch_patient;  // EHR launch (empty: standalone)
    ScopeSet requested;
    std::string stage = "password";  // password, change, enroll, recovery, totp, patient
    std::string username;
    std::string new_totp_secret;
    std::vector<std::string> recovery_codes;  // shown once after enrolment
    int64_t expires_us = 0;
  };
  HttpReply Authorize(const HttpCall& call);
  HttpReply AuthorizeStep(const HttpCall& call);
  HttpReply StagePage(const std::string& flow_id, const Flow& flow, std::string_view error);
  // The next stage after the password (and after each later step), or the redirect with a code.
  HttpReply Advance(const HttpCall& call, const std::string& flow_id, Flow& flow);
  HttpReply IssueCode(const HttpCall& call, const std::string& flow_id, Flow& flow, const User& user,
                      const std::string& patient);
  HttpReply CodeGrant(const HttpCall& call, const std::map<std::string, std::string>& form, const Client& client);
  // POST /oauth2/break-glass: a signed-in practitioner's emergency access, with a reason.
  HttpReply BreakGlass(const HttpCall& call);
  // POST /oauth2/launch: an EHR launch context for an app (SMART launch-ehr).
  HttpReply Launch(const HttpCall& call);
  // The signed-in user a bearer token names; nullopt and `error` (401) otherwise.
  std::optional<Principal> SignedInUser(const HttpCall& call, std::string_view what, HttpReply& error);
  HttpReply RefreshGrant(const HttpCall& call, const std::map<std::string, std::string>& form, const Client& client);
  // Access token (and refresh token, in `family`, when asked for) as the token response.
  // With `openid` granted, an id_token too (`nonce` from the authorization request, when any).
  HttpReply TokenResponse(const HttpCall& call, const Principal& p, bool refresh, const std::string& family,
                          int64_t family_start_us, const std::string& nonce = {});
  HttpReply Jwks() const;
  std::mutex flows_mu_;
  std::map<std::string, Flow> flows_;  // GUARDED_BY(flows_mu_)

  Directory& directory_;
  TokenService& tokens_;
  const audit::Ledger* ledger_;
  OAuthOptions options_;
  const Clock& clock_;
  Throttle throttle_;
};

}  // namespace salus::auth
