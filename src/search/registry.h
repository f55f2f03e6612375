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
#include "core/result.h"
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
  // The registry in force: the R4 parameters plus the custom SearchParameters installed at
  // start-up or after `salus reindex` (Default() until something is installed).
  static std::shared_ptr<const Registry> Current();
  static void Install(std::shared_ptr<const Registry> registry);

  // The R4 parameters plus `custom` ones (a custom parameter with the code of an R4 one on the
  // same type replaces it).
  explicit Registry(const fhir::Definitions& defs, const std::vector<fhir::SearchParamDef>& custom = {});

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

// The registry for a list of SearchParameter resources (a JSON array), with the R4 ones. The
// resources that cannot be used are skipped and described in `rejected`.
std::shared_ptr<const Registry> RegistryWith(const json::Value& search_parameters,
                                             std::vector<std::string>* rejected = nullptr);

// Meta keys (store::Store::GetMeta) that `salus reindex` writes when it finishes: the custom
// SearchParameters the index was built with, and a generation that changes with them. The
// server installs that registry at start-up and again whenever the generation changes.
inline constexpr std::string_view kMetaCustomParams = "search.custom_parameters";
inline constexpr std::string_view kMetaGeneration = "search.generation";

// A SearchParameter resource as a definition; Code::kInvalid saying what is wrong when it
// cannot be used (retired, unknown type or base, an expression that does not compile...).
Result<fhir::SearchParamDef> ParseSearchParameter(const json::Value& resource,
                                                  const fhir::Definitions& defs = fhir::Definitions::R4());

}  // namespace salus::search
