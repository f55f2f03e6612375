// Lexical checks for FHIR R4 primitive types (datatypes.html#primitive), applied to JSON values.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/json.h"

namespace salus::fhir {

// Checks that `value` is a valid JSON representation of primitive `type` ("date", "integer",
// ...). Returns an empty string when it is, else a description of the problem.
std::string CheckPrimitive(std::string_view type, const json::Value& value);

bool IsValidId(std::string_view id);
bool IsValidDate(std::string_view s);
bool IsValidDateTime(std::string_view s);
bool IsValidInstant(std::string_view s);
bool IsValidTime(std::string_view s);

}  // namespace salus::fhir
