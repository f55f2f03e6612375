// FHIR search parameters (R4 search.html) -> store::SearchQuery.
// Thread-safety: pure functions over the immutable registry.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "search/registry.h"
#include "store/query.h"

namespace salus::search {

struct SearchOptions {
  size_t default_count = 50;
  size_t max_count = 1000;
  // Unknown parameters are ignored (and listed) instead of a 400 (Prefer: handling=lenient).
  bool lenient = false;
  // This server's base URL ("http://host/fhir"): absolute references under it are local.
  std::string base_url;
  // Current time in microseconds, for ap (approximately) on dates.
  int64_t now_us = 0;
};

struct ParsedSearch {
  store::SearchQuery query;
  std::vector<std::string> ignored;  // parameter names ignored in lenient mode
  std::string summary;               // _summary value ("" when absent)
  std::vector<std::string> elements; // _elements
  bool count_only = false;           // _summary=count or _count=0
};

// Splits a parameter value at each `sep` not escaped with '\\', removing the escapes of
// ',', '$', '|' and '\\' (search.html#escaping).
std::vector<std::string> SplitValues(std::string_view v, char sep = ',');

// `types`: the searched resource types (one for a type search; from _type or every type for
// a system search). Errors are Code::kInvalid naming the parameter.
Result<ParsedSearch> ParseSearch(const std::vector<std::pair<std::string, std::string>>& params,
                                 std::vector<std::string> types, const SearchOptions& options,
                                 const Registry& registry = *Registry::Current());

// The condition "is in the compartment of Patient/<id>" for resources of `type`; nullopt when
// `type` is not in the Patient compartment.
std::optional<store::Condition> PatientCompartment(std::string_view type, std::string_view id,
                                                   const Registry& registry = *Registry::Current());

// The resource types that chained parameters and _has reach from `all` (at any depth): a
// search reads them too, so it needs the right to search each.
std::vector<std::string> NestedTypes(const std::vector<store::Condition>& all);
// Confines what chains and _has reach: each resource of type T they test must be in the
// compartment of Patient/`patient_for(T)` (Patient itself: that patient only) when that is
// not empty. Types outside the Patient compartment stay as they are.
void ConfineNested(std::vector<store::Condition>& all, const std::function<std::string(std::string_view)>& patient_for,
                   const Registry& registry = *Registry::Current());

}  // namespace salus::search
