// JSON Patch (RFC 6902) and JSON Pointer (RFC 6901) over json::Value.
// Thread-safety: pure functions.
#pragma once

#include "core/json.h"
#include "core/result.h"

namespace salus::json {

// Applies `patch` (an array of operations) to a copy of `doc`. Errors are Code::kInvalid naming
// the failing operation (a failed "test" included); `doc` is never half-patched.
Result<Value> ApplyPatch(const Value& doc, const Value& patch);

}  // namespace salus::json
