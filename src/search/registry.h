// The search parameters of each resource type, with their FHIRPath expressions compiled once.
// Built from the R4 definitions; custom SearchParameter resources join it on reindex.
// Thread-safety: immutable after construction; Default() is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fhir/definitions.h"
#include "fhirpath/fhirpath.h"

namespace salus::search {

enum class ParamType { kNumber, kDate, kString, kToken, kReference, kComposite, kQuantity, kUri, kSpecial };

struct SearchParam {
  std::string code;        // "birthdate"
  std::string url_id;      // definition id ("individual-birthdate")
  ParamType type = ParamType::kToken;
  std::string expression;  // as written in the definition
  std::shared_ptr<const fhirpath::Expression> compiled;  // null when there is no expression
  std::vector<std::string> targets;                      // reference targets
  struct Component {
    std::string definition;  // id of the component's parameter
    ParamType type = ParamType::kToken;  // that parameter's type
    std::shared_ptr<const fhirpath::Expression> compiled;  // relative to the composite's item
  };
  std::vector<Component> components;
};

class Registry {
 public:
  // The R4 parameters.
  static const Registry& Default();
  explicit Registry(const fhir::Definitions& defs);

  // Parameters that apply to resources of `type` (its own and those of Resource/DomainResource).
  const std::vector<const SearchParam*>& ForType(std::string_view type) const;
  // For each of ForType(type), in the same order: the top-level elements its expression starts
  // from on that type (empty: unknown, always evaluate).
  const std::vector<std::vector<std::string>>& LeadsForType(std::string_view type) const;
  const SearchParam* Find(std::string_view type, std::string_view code) const;
  // Parameters whose expressions failed to compile (reported at start-up; never indexed).
  const std::vector<std::string>& broken() const { return broken_; }

 private:
  std::vector<std::unique_ptr<SearchParam>> params_;
  std::unordered_map<std::string, std::vector<const SearchParam*>> by_type_;
  std::unordered_map<std::string, std::vector<std::vector<std::string>>> leads_;
  std::vector<std::string> broken_;
};

ParamType ParseParamType(std::string_view s);

}  // namespace salus::search
