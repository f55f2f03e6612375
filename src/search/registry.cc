#include "search/registry.h"

#include <fmt/format.h>

namespace salus::search {

ParamType ParseParamType(std::string_view s) {
  if (s == "number") return ParamType::kNumber;
  if (s == "date") return ParamType::kDate;
  if (s == "string") return ParamType::kString;
  if (s == "token") return ParamType::kToken;
  if (s == "reference") return ParamType::kReference;
  if (s == "composite") return ParamType::kComposite;
  if (s == "quantity") return ParamType::kQuantity;
  if (s == "uri") return ParamType::kUri;
  return ParamType::kSpecial;
}

const Registry& Registry::Default() {
  static const Registry registry(fhir::Definitions::R4());
  return registry;
}

Registry::Registry(const fhir::Definitions& defs) {
  std::unordered_map<std::string, const fhir::SearchParamDef*> by_id;
  for (const auto& def : defs.search_params()) by_id.emplace(def.id, &def);
  auto compile = [&](const std::string& expr, const std::string& id) -> std::shared_ptr<const fhirpath::Expression> {
    if (expr.empty()) return nullptr;
    auto e = fhirpath::Expression::Compile(expr, {}, defs);
    if (!e) {
      broken_.push_back(fmt::format("{}: {}", id, e.error().message));
      return nullptr;
    }
    return std::make_shared<const fhirpath::Expression>(std::move(*e));
  };
  for (const auto& def : defs.search_params()) {
    auto p = std::make_unique<SearchParam>();
    p->code = def.code;
    p->url_id = def.id;
    p->type = ParseParamType(def.type);
    p->expression = def.expression;
    p->compiled = compile(def.expression, def.id);
    p->targets = def.targets;
    for (const auto& [component_id, expr] : def.components) {
      auto it = by_id.find(component_id);
      ParamType t = it == by_id.end() ? ParamType::kSpecial : ParseParamType(it->second->type);
      p->components.push_back({component_id, t, compile(expr, def.id)});
    }
    for (const auto& base : def.base) {
      if (base == "Resource" || base == "DomainResource") {
        for (const auto& t : defs.resource_types()) {
          if (base == "DomainResource" && (t == "Bundle" || t == "Binary" || t == "Parameters")) continue;
          by_type_[t].push_back(p.get());
        }
      } else {
        by_type_[base].push_back(p.get());
      }
    }
    params_.push_back(std::move(p));
  }
  for (const auto& [type, params] : by_type_) {
    auto& leads = leads_[type];
    for (const SearchParam* p : params) {
      std::optional<std::vector<std::string>> l;
      if (p->compiled != nullptr) l = p->compiled->LeadingElements(type);
      // An expression whose branches all name other types reads nothing here: "~" is a key no
      // resource has, so it is never evaluated.
      if (l && l->empty()) l = std::vector<std::string>{"~"};
      leads.push_back(l.value_or(std::vector<std::string>{}));
    }
  }
}

const std::vector<std::vector<std::string>>& Registry::LeadsForType(std::string_view type) const {
  static const std::vector<std::vector<std::string>> kNone;
  auto it = leads_.find(std::string(type));
  return it == leads_.end() ? kNone : it->second;
}

const std::vector<const SearchParam*>& Registry::ForType(std::string_view type) const {
  static const std::vector<const SearchParam*> kNone;
  auto it = by_type_.find(std::string(type));
  return it == by_type_.end() ? kNone : it->second;
}

const SearchParam* Registry::Find(std::string_view type, std::string_view code) const {
  for (const SearchParam* p : ForType(type)) {
    if (p->code == code) return p;
  }
  return nullptr;
}

}  // namespace salus::search
