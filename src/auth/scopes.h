// SMART App Launch v2 scopes (hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
// `<context>/<resource type or *>.<permissions>` where context is patient, user or system and
// permissions are a non-empty, in-order subset of c r u d s (create, read, update, delete,
// search). The v1 forms `.read`, `.write` and `.*` are accepted and mapped (read = rs,
// write = cud, * = cruds). Also the launch and identity scopes SMART defines.
//
// Granular v2 scopes with a query (`patient/Observation.rs?category=...`) are recognised but
// not granted: Salus cannot yet confine access to the query's matches, and granting the scope
// without the query would give more than was asked for (deny by default).
//
// Thread-safety: pure functions and values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salus::auth {

enum Permission : uint8_t { kCreate = 1, kRead = 2, kUpdate = 4, kDelete = 8, kSearch = 16 };
inline constexpr uint8_t kAllPermissions = kCreate | kRead | kUpdate | kDelete | kSearch;

enum class ScopeContext { kPatient, kUser, kSystem };

struct ResourceScope {
  ScopeContext context = ScopeContext::kUser;
  std::string type;  // a resource type, or "*"
  uint8_t permissions = 0;
  bool operator==(const ResourceScope&) const = default;
};

// One resource scope, or nullopt if `text` is not one (or is a granular scope with a query).
std::optional<ResourceScope> ParseResourceScope(std::string_view text);
// The canonical v2 form: "patient/Observation.rs".
std::string ToString(const ResourceScope& s);
// "cruds" letters for a permission set, in order.
std::string PermissionLetters(uint8_t permissions);

struct ScopeSet {
  std::vector<ResourceScope> resources;
  bool openid = false;
  bool fhir_user = false;
  bool launch = false;          // EHR launch: `launch`
  bool launch_patient = false;  // standalone launch asks for a patient: `launch/patient`
  bool offline_access = false;
  bool online_access = false;
  std::vector<std::string> rejected;  // requested scopes Salus does not grant, for the response

  // The permissions granted on `type` in `context` (type-specific and `*` scopes combined).
  uint8_t PermissionsFor(ScopeContext context, std::string_view type) const;
  // Space-separated, canonical forms, in request order.
  std::string ToString() const;
};

// Parses a space-separated scope string (RFC 6749 §3.3). Unknown or malformed scopes are
// listed in `rejected` and grant nothing. Resource types are checked by `is_resource_type`
// when given.
ScopeSet ParseScopes(std::string_view text, bool (*is_resource_type)(std::string_view) = nullptr);

}  // namespace salus::auth
