// OperationOutcome resources built from issues and errors.
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace salus::fhir {

json::Value MakeOutcome(const std::vector<Issue>& issues);
// One issue from an Error: its issues when it has any, else its message as one issue whose
// code follows the Error code.
json::Value OutcomeFromError(const Error& error);
json::Value InformationOutcome(std::string_view message);

}  // namespace salus::fhir
