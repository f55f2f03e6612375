#include "auth/tokens.h"

#include <charconv>

#include "crypto/jose.h"
#include "core/json.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace salus::auth {

namespace {
constexpr std::string_view kToken = "auth.token";
constexpr int64_t kRecheckUs = 1'000'000;
constexpr size_t kCacheMax = 100000;

std::string PrincipalToJson(const Principal& p) {
  json::Value v = json::Object{};
  v.set("username", p.username);
  if (p.role) v.set("role", std::string(RoleName(*p.role)));
  v.set("fhirUser", p.fhir_user);
  v.set("client", p.client_id);
  v.set("scope", p.scopes.ToString());
  v.set("patient", p.patient);
  v.set("exp", json::Value::Integer(p.expires_us));
  v.set("epoch", json::Value::Integer(p.epoch));
  if (!p.break_glass.empty()) v.set("breakGlass", p.break_glass);
  return json::Serialize(v);
}

std::optional<Principal> PrincipalFromJson(std::string_view text) {
  auto v = json::Parse(text);
  if (!v || !v->is_object()) return std::nullopt;
  Principal p;
  p.username = std::string(v->string_at("username").value_or(""));
  if (auto r = v->string_at("role")) p.role = ParseRole(*r);
  p.fhir_user = std::string(v->string_at("fhirUser").value_or(""));
  p.client_id = std::string(v->string_at("client").value_or(""));
  p.scopes = ParseScopes(v->string_at("scope").value_or(""));
  p.patient = std::string(v->string_at("patient").value_or(""));
  p.break_glass = std::string(v->string_at("breakGlass").value_or(""));
  const json::Value* exp = v->find("exp");
  const json::Value* epoch = v->find("epoch");
  if (exp == nullptr || !exp->is_number() || epoch == nullptr || !epoch->is_number()) return std::nullopt;
  try {
    p.expires_us = std::stoll(exp->as_number().text);
    p.epoch = std::stoll(epoch->as_number().text);
  } catch (...) {
    return std::nullopt;
  }
  return p;
}
}  // namespace

std::string TokenService::Encode(const Principal& p) { return PrincipalToJson(p); }
std::optional<Principal> TokenService::Decode(std::string_view text) { return PrincipalFromJson(text); }

std::string Principal::Agent() const {
  if (!fhir_user.empty()) return fhir_user;
  if (!username.empty()) return "User/" + username;
  return "Client/" + client_id;
}

std::string TokenHash(std::string_view token) { return crypto::Hex(crypto::Sha256(token)); }

std::string NewOpaqueToken() {
  std::string raw(32, '\0');
  crypto::RandomBytes(raw.data(), raw.size());
  return crypto::Base64UrlEncode(raw);
}

std::optional<std::string_view> BearerToken(const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [k, v] : headers) {
    if (k == "authorization" && v.size() > 7 && (v.starts_with("Bearer ") || v.starts_with("bearer "))) {
      return std::string_view(v).substr(7);
    }
  }
  return std::nullopt;
}

TokenService::TokenService(store::Store& store, const Directory& directory, const Clock& clock)
    : store_(store), directory_(directory), clock_(clock) {}

Result<IssuedToken> TokenService::Issue(const Principal& principal0, int64_t lifetime_s) {
  std::string token = NewOpaqueToken();
  Principal p = principal0;
  p.expires_us = clock_.Now().time_since_epoch().count() + lifetime_s * 1'000'000;
  std::string hash = TokenHash(token);
  SALUS_TRY(store_.Write([&](store::WriteTxn& txn) { return txn.PutRecord(kToken, hash, PrincipalToJson(p)); }));
  return IssuedToken{std::move(token), lifetime_s};
}

Result<std::optional<Principal>> TokenService::Validate(std::string_view token) {
  if (token.empty() || token.size() > 100) return std::optional<Principal>();
  std::string hash = TokenHash(token);
  int64_t now = clock_.Now().time_since_epoch().count();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end()) {
      if (it->second.principal.expires_us <= now) {
        cache_.erase(it);
        return std::optional<Principal>();
      }
      if (now - it->second.checked_us < kRecheckUs) return std::optional<Principal>(it->second.principal);
    }
  }
  SALUS_ASSIGN_OR_RETURN(auto body, store_.GetRecord(kToken, hash));
  std::optional<Principal> p = body ? PrincipalFromJson(*body) : std::nullopt;
  if (p && p->expires_us <= now) p.reset();
  if (p && !p->username.empty()) {
    SALUS_ASSIGN_OR_RETURN(auto user, directory_.FindUser(p->username));
    if (!user || user->disabled || user->token_epoch != p->epoch) p.reset();
  }
  std::lock_guard lock(mu_);
  if (!p) {
    cache_.erase(hash);
    return p;
  }
  if (cache_.size() >= kCacheMax) cache_.clear();
  cache_[hash] = Cached{*p, now};
  return p;
}

int64_t RecordExpiryUs(const json::Value& record) {
  const json::Value* e = record.is_object() ? record.find("exp") : nullptr;
  if (e == nullptr || !e->is_number()) return 0;
  const std::string& text = e->as_number().text;
  int64_t us = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), us);
  return ec == std::errc() && ptr == text.data() + text.size() ? us : 0;
}

Result<size_t> TokenService::Sweep() {
  int64_t now = clock_.Now().time_since_epoch().count();
  std::vector<std::pair<std::string, std::string>> gone;  // (kind, id)
  SALUS_ASSIGN_OR_RETURN(auto tokens, store_.ListRecords(kToken));
  for (const auto& [id, body] : tokens) {
    auto p = PrincipalFromJson(body);
    if (!p || p->expires_us <= now) gone.emplace_back(std::string(kToken), id);
  }
  SALUS_ASSIGN_OR_RETURN(auto jtis, store_.ListRecords("auth.jti"));
  for (const auto& [id, body] : jtis) {
    int64_t exp_s = 0;
    try {
      exp_s = std::stoll(body);
    } catch (...) {
    }
    if (exp_s * 1'000'000 <= now) gone.emplace_back("auth.jti", id);
  }
  // Authorization codes and EHR launch handles that were never used: {"exp": µs, ...}.
  for (const char* kind : {"auth.code", "auth.launch"}) {
    SALUS_ASSIGN_OR_RETURN(auto records, store_.ListRecords(kind));
    for (const auto& [id, body] : records) {
      auto v = json::Parse(body);
      if (!v || RecordExpiryUs(*v) <= now) gone.emplace_back(kind, id);
    }
  }
  if (gone.empty()) return size_t{0};
  SALUS_TRY(store_.Write([&](store::WriteTxn& txn) -> Status {
    for (const auto& [kind, id] : gone) SALUS_TRY(txn.PutRecord(kind, id, std::nullopt));
    return {};
  }));
  return gone.size();
}

Status TokenService::Revoke(std::string_view token) {
  std::string hash = TokenHash(token);
  {
    std::lock_guard lock(mu_);
    cache_.erase(hash);
  }
  return store_.Write([&](store::WriteTxn& txn) { return txn.PutRecord(kToken, hash, std::nullopt); });
}

}  // namespace salus::auth
