// Index extraction: the search index rows of a resource, computed before it is written, from
// the FHIRPath expression of every search parameter of its type (R4 search.html "Search
// parameter types" says which values each type indexes).
// Thread-safety: pure functions over the immutable registry.
#pragma once

#include "core/json.h"
#include "search/registry.h"
#include "store/store.h"

namespace salus::search {

// `skip_absent`: skip parameters whose leading elements the resource lacks (the normal case;
// tests turn it off to show that it changes nothing).
store::IndexRows ExtractIndexRows(const json::Value& resource, const Registry& registry = *Registry::Current(),
                                  bool skip_absent = true);

}  // namespace salus::search
