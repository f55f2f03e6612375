// Users and OAuth2 clients, kept as sealed records in the store.
// Users: admin, practitioner or patient (linked to their FHIR Practitioner or Patient),
// Argon2id passwords, TOTP second factor, hashed recovery codes. Disabling a user moves its
// token epoch, which revokes every token issued before.
// Clients: public (PKCE), confidential (secret) or backend (private_key_jwt with a registered
// JWKS, or a secret), each with the scopes it may be granted.
// Thread-safety: Directory is thread-safe (the store serialises writes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace salus::auth {

enum class Role { kAdmin, kPractitioner, kPatient };
std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view s);

struct User {
  std::string username;  // lower-case; the record's key
  Role role = Role::kPractitioner;
  std::string fhir_user;  // "Practitioner/123", "Patient/456"; may be empty for admins
  std::string password_hash;
  bool must_change_password = false;
  std::string totp_secret;  // raw bytes; empty until enrolled
  int64_t totp_last_step = 0;
  bool totp_required = true;
  std::vector<std::string> recovery_hashes;
  bool disabled = false;
  int64_t token_epoch = 0;
  int64_t created_us = 0;
};

enum class ClientKind { kPublic, kConfidential, kBackend };
std::string_view ClientKindName(ClientKind k);
std::optional<ClientKind> ParseClientKind(std::string_view s);

struct Client {
  std::string id;
  std::string name;
  ClientKind kind = ClientKind::kPublic;
  std::string secret_hash;  // hex SHA-256 of the secret (256 random bits: a fast hash suffices)
  std::vector<std::string> redirect_uris;
  std::string jwks;    // the registered JSON Web Key Set (backend services)
  std::string scopes;  // what it may be granted, space-separated
  bool disabled = false;
  int64_t created_us = 0;
};

class Directory {
 public:
  explicit Directory(store::Store& store, const Clock& clock = SystemClock());

  // A new user; Invalid when the name is taken or malformed, or the password fails the policy.
  Result<User> AddUser(std::string_view username, Role role, std::string_view password, std::string_view fhir_user,
                       bool must_change_password = false);
  Result<std::optional<User>> FindUser(std::string_view username) const;
  Result<std::vector<User>> Users() const;
  Status PutUser(const User& user);
  // Disables the user and revokes all its tokens (the epoch moves on).
  Status DisableUser(std::string_view username);
  // Checks a password in time independent of whether the user exists; the user when it is
  // right and the user is enabled.
  Result<std::optional<User>> CheckPassword(std::string_view username, std::string_view password) const;

  // A new client and, for confidential and backend clients without a JWKS, its secret (shown
  // once, never stored).
  Result<std::pair<Client, std::string>> AddClient(std::string_view name, ClientKind kind,
                                                   std::vector<std::string> redirect_uris, std::string_view scopes,
                                                   std::string_view jwks = {});
  Result<std::optional<Client>> FindClient(std::string_view id) const;
  Result<std::vector<Client>> Clients() const;
  // True when `secret` is the client's secret (constant time).
  static bool SecretMatches(const Client& c, std::string_view secret);
  store::Store& store() const { return store_; }

 private:
  store::Store& store_;
  const Clock& clock_;
};

std::string ToJson(const User& u);
Result<User> UserFromJson(std::string_view text);
std::string ToJson(const Client& c);
Result<Client> ClientFromJson(std::string_view text);

}  // namespace salus::auth
