// Index extraction: the search index rows of a resource, computed before it is written.
// For now the core set every resource type needs for conditional interactions (`identifier`
// tokens); the search issue replaces this with every SearchParameter's FHIRPath expression.
// Thread-safety: pure functions.
#pragma once

#include "core/json.h"
#include "store/store.h"

namespace salus::search {

store::IndexRows ExtractIndexRows(const json::Value& resource);

}  // namespace salus::search
