// Index extraction: the search index rows of a resource, computed before it is written, from
// the FHIRPath expression of every search parameter of its type (R4 search.html "Search
// parameter types" says which values each type indexes).
// Thread-safety: pure functions over the immutable registry.
#pragma once

#include "core/json.h"
#include "search/registry.h"
#include "store/store.h"

namespace salus::search {

store::IndexRows ExtractIndexRows(const json::Value& resource, const Registry& registry = Registry::Default());

}  // namespace salus::search
