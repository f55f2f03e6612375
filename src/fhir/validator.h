// Structural validation of FHIR R4 JSON resources against the definitions: known resource
// type, every element known for its type (nested datatypes, backbone elements, choice types,
// primitive extensions `_x`, contained resources, extensions), cardinality, JSON shape and
// primitive formats. Every problem is reported with its element path, not just the first.
// Thread-safety: Validator is immutable; Validate may be called from many threads.
#pragma once

#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "fhir/definitions.h"

namespace salus::fhir {

struct ValidationLimits {
  size_t max_issues = 100;  // stop collecting after this many
};

class Validator {
 public:
  explicit Validator(const Definitions& defs, ValidationLimits limits = {}) : defs_(defs), limits_(limits) {}

  // Appends every problem found in `resource` to `issues`; true when none was an error.
  bool Validate(const json::Value& resource, std::vector<Issue>& issues) const;
  // Validate, as a Status carrying the issues (Code::kInvalid) when there are errors.
  Status Check(const json::Value& resource) const;

 private:
  const Definitions& defs_;
  ValidationLimits limits_;
};

}  // namespace salus::fhir
