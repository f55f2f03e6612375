#include "auth/identity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/json.h"
#include "crypto/hash.h"
#include "crypto/password.h"
#include "crypto/random.h"

namespace salus::auth {

namespace {
constexpr std::string_view kUser = "auth.user";
constexpr std::string_view kClient = "auth.client";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool ValidUsername(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '.' || c == '-' || c == '_' || c == '@';
  });
}

json::Value Strings(const std::vector<std::string>& v) {
  json::Array a;
  for (const auto& s : v) a.emplace_back(s);
  return json::Value(std::move(a));
}
std::vector<std::string> StringsFrom(const json::Value* v) {
  std::vector<std::string> out;
  if (v && v->is_array()) {
    for (const auto& x : v->as_array()) {
      if (x.is_string()) out.push_back(x.as_string());
    }
  }
  return out;
}
int64_t IntAt(const json::Value& v, std::string_view k) {
  const json::Value* x = v.find(k);
  if (!x || !x->is_number()) return 0;
  try {
    return std::stoll(x->as_number().text);
  } catch (...) {
    return 0;
  }
}
bool BoolAt(const json::Value& v, std::string_view k) {
  const json::Value* x = v.find(k);
  return x && x->is_bool() && x->as_bool();
}
std::string StrAt(const json::Value& v, std::string_view k) { return std::string(v.string_at(k).value_or("")); }

// A hash to check against when the user does not exist, so that a wrong name costs as much
// as a wrong password.
const std::string& DummyHash() {
  static const std::string h = crypto::HashPassword("salus-no-such-user-placeholder");
  return h;
}
}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kAdmin: return "admin";
    case Role::kPractitioner: return "practitioner";
    case Role::kPatient: return "patient";
  }
  return "patient";
}
std::optional<Role> ParseRole(std::string_view s) {
  if (s == "admin") return Role::kAdmin;
  if (s == "practitioner") return Role::kPractitioner;
  if (s == "patient") return Role::kPatient;
  return std::nullopt;
}
std::string_view ClientKindName(ClientKind k) {
  switch (k) {
    case ClientKind::kPublic: return "public";
    case ClientKind::kConfidential: return "confidential";
    case ClientKind::kBackend: return "backend";
  }
  return "public";
}
std::optional<ClientKind> ParseClientKind(std::string_view s) {
  if (s == "public") return ClientKind::kPublic;
  if (s == "confidential") return ClientKind::kConfidential;
  if (s == "backend") return ClientKind::kBackend;
  return std::nullopt;
}

std::string ToJson(const User& u) {
  json::Value v = json::Object{};
  v.set("username", u.username);
  v.set("role", std::string(RoleName(u.role)));
  v.set("fhirUser", u.fhir_user);
  v.set("passwordHash", u.password_hash);
  v.set("mustChangePassword", u.must_change_password);
  v.set("totpSecret", crypto::Hex(u.totp_secret));
  v.set("totpLastStep", json::Value::Integer(u.totp_last_step));
  v.set("totpRequired", u.totp_required);
  v.set("recovery", Strings(u.recovery_hashes));
  v.set("disabled", u.disabled);
  v.set("tokenEpoch", json::Value::Integer(u.token_epoch));
  v.set("created", json::Value::Integer(u.created_us));
  return json::Serialize(v);
}

Result<User> UserFromJson(std::string_view text) {
  SALUS_ASSIGN_OR_RETURN(json::Value v, json::Parse(text));
  User u;
  u.username = StrAt(v, "username");
  auto role = ParseRole(StrAt(v, "role"));
  if (!role || u.username.empty()) return Fail(Error::Internal("a user record is malformed"));
  u.role = *role;
  u.fhir_user = StrAt(v, "fhirUser");
  u.password_hash = StrAt(v, "passwordHash");
  u.must_change_password = BoolAt(v, "mustChangePassword");
  crypto::FromHex(StrAt(v, "totpSecret"), &u.totp_secret);
  u.totp_last_step = IntAt(v, "totpLastStep");
  u.totp_required = BoolAt(v, "totpRequired");
  u.recovery_hashes = StringsFrom(v.find("recovery"));
  u.disabled = BoolAt(v, "disabled");
  u.token_epoch = IntAt(v, "tokenEpoch");
  u.created_us = IntAt(v, "created");
  return u;
}

std::string ToJson(const Client& c) {
  json::Value v = json::Object{};
  v.set("id", c.id);
  v.set("name", c.name);
  v.set("kind", std::string(ClientKindName(c.kind)));
  v.set("secretHash", c.secret_hash);
  v.set("redirectUris", Strings(c.redirect_uris));
  v.set("jwks", c.jwks);
  v.set("scopes", c.scopes);
  v.set("disabled", c.disabled);
  v.set("created", json::Value::Integer(c.created_us));
  return json::Serialize(v);
}

Result<Client> ClientFromJson(std::string_view text) {
  SALUS_ASSIGN_OR_RETURN(json::Value v, json::Parse(text));
  Client c;
  c.id = StrAt(v, "id");
  auto kind = ParseClientKind(StrAt(v, "kind"));
  if (!kind || c.id.empty()) return Fail(Error::Internal("a client record is malformed"));
  c.kind = *kind;
  c.name = StrAt(v, "name");
  c.secret_hash = StrAt(v, "secretHash");
  c.redirect_uris = StringsFrom(v.find("redirectUris"));
  c.jwks = StrAt(v, "jwks");
  c.scopes = StrAt(v, "scopes");
  c.disabled = BoolAt(v, "disabled");
  c.created_us = IntAt(v, "created");
  return c;
}

Directory::Directory(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Result<User> Directory::AddUser(std::string_view username, Role role, std::string_view password,
                                std::string_view fhir_user, bool must_change_password) {
  User u;
  u.username = Lower(username);
  if (!ValidUsername(u.username)) {
    return Fail(Error::Invalid("a user name has 1 to 64 letters, digits or . - _ @"));
  }
  if (auto problem = crypto::PasswordProblem(password)) return Fail(Error::Invalid(*problem));
  if (role == Role::kPatient && !fhir_user.starts_with("Patient/")) {
    return Fail(Error::Invalid("a patient user must be linked to their Patient (--fhir-user Patient/<id>)"));
  }
  if (role == Role::kPractitioner && !fhir_user.empty() && !fhir_user.starts_with("Practitioner/")) {
    return Fail(Error::Invalid("a practitioner user links to a Practitioner (Practitioner/<id>)"));
  }
  u.role = role;
  u.fhir_user = std::string(fhir_user);
  u.password_hash = crypto::HashPassword(password);
  u.must_change_password = must_change_password;
  u.totp_required = role != Role::kPatient;
  u.created_us = clock_.Now().time_since_epoch().count();
  SALUS_TRY(store_.Write([&](store::WriteTxn& txn) -> Status {
    SALUS_ASSIGN_OR_RETURN(auto existing, txn.GetRecord(kUser, u.username));
    if (existing) return Fail(Error::Conflict(fmt::format("the user {} exists already", u.username)));
    return txn.PutRecord(kUser, u.username, ToJson(u));
  }));
  return u;
}

Result<std::optional<User>> Directory::FindUser(std::string_view username) const {
  SALUS_ASSIGN_OR_RETURN(auto body, store_.GetRecord(kUser, Lower(username)));
  if (!body) return std::optional<User>();
  SALUS_ASSIGN_OR_RETURN(User u, UserFromJson(*body));
  return std::optional<User>(std::move(u));
}

Result<std::vector<User>> Directory::Users() const {
  SALUS_ASSIGN_OR_RETURN(auto records, store_.ListRecords(kUser));
  std::vector<User> out;
  for (const auto& [id, body] : records) {
    SALUS_ASSIGN_OR_RETURN(User u, UserFromJson(body));
    out.push_back(std::move(u));
  }
  return out;
}

Status Directory::PutUser(const User& user) {
  return store_.Write([&](store::WriteTxn& txn) { return txn.PutRecord(kUser, user.username, ToJson(user)); });
}

Status Directory::DisableUser(std::string_view username) {
  return store_.Write([&](store::WriteTxn& txn) -> Status {
    SALUS_ASSIGN_OR_RETURN(auto body, txn.GetRecord(kUser, Lower(username)));
    if (!body) return Fail(Error::NotFound(fmt::format("no user {}", Lower(username))));
    SALUS_ASSIGN_OR_RETURN(User u, UserFromJson(*body));
    u.disabled = true;
    u.token_epoch++;
    return txn.PutRecord(kUser, u.username, ToJson(u));
  });
}

Result<std::optional<User>> Directory::CheckPassword(std::string_view username, std::string_view password) const {
  SALUS_ASSIGN_OR_RETURN(auto user, FindUser(username));
  bool ok = crypto::VerifyPassword(user ? user->password_hash : DummyHash(), password);
  if (!user || !ok || user->disabled) return std::optional<User>();
  return user;
}

Result<std::pair<Client, std::string>> Directory::AddClient(std::string_view name, ClientKind kind,
                                                            std::vector<std::string> redirect_uris,
                                                            std::string_view scopes, std::string_view jwks) {
  Client c;
  c.id = crypto::NewId();
  c.name = std::string(name);
  c.kind = kind;
  c.redirect_uris = std::move(redirect_uris);
  c.scopes = std::string(scopes);
  c.jwks = std::string(jwks);
  c.created_us = clock_.Now().time_since_epoch().count();
  if (c.name.empty() || c.name.size() > 200) return Fail(Error::Invalid("a client needs a name (up to 200 characters)"));
  if (kind != ClientKind::kBackend && c.redirect_uris.empty()) {
    return Fail(Error::Invalid("a client that users sign in to needs at least one redirect URI"));
  }
  for (const auto& uri : c.redirect_uris) {
    bool local = uri.starts_with("http://127.0.0.1") || uri.starts_with("http://localhost");
    if (!uri.starts_with("https://") && !local) {
      return Fail(Error::Invalid(fmt::format("redirect URI {} must use https (or be on this machine)", uri)));
    }
  }
  std::string secret;
  if (kind != ClientKind::kPublic && c.jwks.empty()) {
    std::string raw(32, '\0');
    crypto::RandomBytes(raw.data(), raw.size());
    secret = crypto::Hex(raw);
    c.secret_hash = crypto::Hex(crypto::Sha256(secret));
  }
  SALUS_TRY(store_.Write([&](store::WriteTxn& txn) { return txn.PutRecord(kClient, c.id, ToJson(c)); }));
  return std::make_pair(std::move(c), std::move(secret));
}

Result<std::optional<Client>> Directory::FindClient(std::string_view id) const {
  if (id.empty() || id.size() > 64) return std::optional<Client>();
  SALUS_ASSIGN_OR_RETURN(auto body, store_.GetRecord(kClient, id));
  if (!body) return std::optional<Client>();
  SALUS_ASSIGN_OR_RETURN(Client c, ClientFromJson(*body));
  return std::optional<Client>(std::move(c));
}

Result<std::vector<Client>> Directory::Clients() const {
  SALUS_ASSIGN_OR_RETURN(auto records, store_.ListRecords(kClient));
  std::vector<Client> out;
  for (const auto& [id, body] : records) {
    SALUS_ASSIGN_OR_RETURN(Client c, ClientFromJson(body));
    out.push_back(std::move(c));
  }
  return out;
}

bool Directory::SecretMatches(const Client& c, std::string_view secret) {
  if (c.secret_hash.empty()) return false;
  return crypto::ConstantTimeEqual(crypto::Hex(crypto::Sha256(secret)), c.secret_hash);
}

}  // namespace salus::auth
