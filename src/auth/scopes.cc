#include "auth/scopes.h"

#include <cctype>

namespace salus::auth {

namespace {

constexpr std::string_view kLetters = "cruds";

std::optional<uint8_t> ParsePermissions(std::string_view p) {
  if (p == "read") return static_cast<uint8_t>(kRead | kSearch);
  if (p == "write") return static_cast<uint8_t>(kCreate | kUpdate | kDelete);
  if (p == "*") return kAllPermissions;
  if (p.empty()) return std::nullopt;
  uint8_t out = 0;
  size_t next = 0;  // letters must come in c r u d s order, each at most once
  for (char c : p) {
    size_t at = kLetters.find(c, next);
    if (at == std::string_view::npos) return std::nullopt;
    out |= static_cast<uint8_t>(1u << at);
    next = at + 1;
  }
  return out;
}

bool ValidTypeName(std::string_view t) {
  if (t == "*") return true;
  if (t.empty() || t.size() > 64 || !std::isupper(static_cast<unsigned char>(t[0]))) return false;
  for (char c : t) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string PermissionLetters(uint8_t permissions) {
  std::string out;
  for (size_t i = 0; i < kLetters.size(); ++i) {
    if (permissions & (1u << i)) out.push_back(kLetters[i]);
  }
  return out;
}

std::optional<ResourceScope> ParseResourceScope(std::string_view text) {
  ResourceScope s;
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view ctx = text.substr(0, slash);
  if (ctx == "patient") s.context = ScopeContext::kPatient;
  else if (ctx == "user") s.context = ScopeContext::kUser;
  else if (ctx == "system") s.context = ScopeContext::kSystem;
  else return std::nullopt;
  std::string_view rest = text.substr(slash + 1);
  if (rest.find('?') != std::string_view::npos) return std::nullopt;  // granular: not granted (see header)
  size_t dot = rest.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string_view type = rest.substr(0, dot);
  if (!ValidTypeName(type)) return std::nullopt;
  auto perms = ParsePermissions(rest.substr(dot + 1));
  if (!perms) return std::nullopt;
  s.type = std::string(type);
  s.permissions = *perms;
  return s;
}

std::string ToString(const ResourceScope& s) {
  const char* ctx = s.context == ScopeContext::kPatient ? "patient" : s.context == ScopeContext::kUser ? "user" : "system";
  return std::string(ctx) + "/" + s.type + "." + PermissionLetters(s.permissions);
}

uint8_t ScopeSet::PermissionsFor(ScopeContext context, std::string_view type) const {
  uint8_t out = 0;
  for (const auto& r : resources) {
    if (r.context == context && (r.type == "*" || r.type == type)) out |= r.permissions;
  }
  return out;
}

std::string ScopeSet::ToString() const {
  std::string out;
  auto add = [&](std::string_view s) {
    if (!out.empty()) out.push_back(' ');
    out.append(s);
  };
  if (openid) add("openid");
  if (fhir_user) add("fhirUser");
  if (launch) add("launch");
  if (launch_patient) add("launch/patient");
  if (offline_access) add("offline_access");
  if (online_access) add("online_access");
  for (const auto& r : resources) add(auth::ToString(r));
  return out;
}

ScopeSet ParseScopes(std::string_view text, bool (*is_resource_type)(std::string_view)) {
  ScopeSet set;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view s = text.substr(i, end - i);
    i = end;
    if (s == "openid") set.openid = true;
    else if (s == "fhirUser") set.fhir_user = true;
    else if (s == "launch") set.launch = true;
    else if (s == "launch/patient") set.launch_patient = true;
    else if (s == "offline_access") set.offline_access = true;
    else if (s == "online_access") set.online_access = true;
    else if (auto r = ParseResourceScope(s); r && (r->type == "*" || !is_resource_type || is_resource_type(r->type))) {
      bool dup = false;
      for (auto& existing : set.resources) {
        if (existing.context == r->context && existing.type == r->type) {
          existing.permissions |= r->permissions;
          dup = true;
        }
      }
      if (!dup) set.resources.push_back(std::move(*r));
    } else {
      set.rejected.emplace_back(s.substr(0, 200));
    }
  }
  return set;
}

}  // namespace salus::auth
