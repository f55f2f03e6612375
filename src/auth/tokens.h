// Access tokens: opaque random strings (256 bits), stored as SHA-256 hashes in sealed records
// with what they grant; short-lived (15 min for users, 5 min for backend services). Checks are
// cached for one second, so revoking a token or disabling its user takes effect within that.
// Thread-safety: TokenService is thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "auth/identity.h"
#include "auth/scopes.h"
#include "core/json.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace salus::auth {

// Who is asking, and what they may do.
struct Principal {
  std::string username;  // empty for a backend service
  std::optional<Role> role;
  std::string fhir_user;  // "Practitioner/1"
  std::string client_id;
  ScopeSet scopes;
  std::string patient;  // launch context (patient/ scopes), an id
  int64_t expires_us = 0;
  int64_t epoch = 0;  // the user's token epoch when issued
  std::string break_glass;  // emergency access: the reason given (empty otherwise)
  // The audit agent: the FHIR user, else "User/<name>", else "Client/<id>".
  std::string Agent() const;
};

struct IssuedToken {
  std::string token;
  int64_t expires_in_s = 0;
};

// The "exp" (µs) of a stored authorization code or launch handle record; 0 when missing or
// malformed (so it counts as expired).
int64_t RecordExpiryUs(const json::Value& record);

class TokenService {
 public:
  TokenService(store::Store& store, const Directory& directory, const Clock& clock = SystemClock());

  Result<IssuedToken> Issue(const Principal& principal, int64_t lifetime_s);
  // The principal of a live token; nullopt when unknown, expired, revoked, or its user was
  // disabled since.
  Result<std::optional<Principal>> Validate(std::string_view token);
  Status Revoke(std::string_view token);
  // Deletes the records of expired tokens and of client-assertion ids past their expiry; how
  // many went.
  Result<size_t> Sweep();
  // A principal as stored with a token (JSON), and back.
  static std::string Encode(const Principal& p);
  static std::optional<Principal> Decode(std::string_view text);

 private:
  struct Cached {
    Principal principal;
    int64_t checked_us;
  };
  store::Store& store_;
  const Directory& directory_;
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // GUARDED_BY(mu_), by token hash
};

std::string TokenHash(std::string_view token);
// A new opaque secret (256 random bits, base64url): tokens, codes, flow ids.
std::string NewOpaqueToken();
// The token of an "Authorization: Bearer ..." header among `headers` (names lower-case).
std::optional<std::string_view> BearerToken(const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace salus::auth
