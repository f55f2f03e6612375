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

// "Patient/<id>" for each patient whose compartment `resource` is in (R4
// compartmentdefinition-patient): the Patient itself, or the Patient references of the
// compartment's parameters for its type. Sorted, no duplicates. For the audit ledger.
std::vector<std::string> PatientsOf(const json::Value& resource, const Registry& registry = *Registry::Current(),
                                    const fhir::Definitions& defs = fhir::Definitions::R4());
// The same from a resource's index rows (what a write already computed).
std::vector<std::string> PatientsOf(std::string_view type, std::string_view id, const store::IndexRows& rows,
                                    const fhir::Definitions& defs = fhir::Definitions::R4());

}  // namespace salus::search
