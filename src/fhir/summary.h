// _summary and _elements (R4 search.html#summary, #elements) applied to a resource.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "fhir/definitions.h"

namespace salus::fhir {

enum class SummaryMode { kFalse, kTrue, kText, kData, kCount };

// Parses a _summary value; nullopt when it is not one of the spec's values.
std::optional<SummaryMode> ParseSummaryMode(std::string_view s);

// Returns the resource reduced per `mode` (kFalse returns it unchanged), marked SUBSETTED.
json::Value ApplySummary(const Definitions& defs, const json::Value& resource, SummaryMode mode);
// Keeps only the named top-level elements (plus mandatory ones and meta), marked SUBSETTED.
json::Value ApplyElements(const Definitions& defs, const json::Value& resource,
                          const std::vector<std::string>& elements);

}  // namespace salus::fhir
