#include "search/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

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

namespace {
std::mutex g_current_mu;
std::shared_ptr<const Registry> g_current;  // GUARDED_BY(g_current_mu)
}  // namespace

std::shared_ptr<const Registry> Registry::Current() {
  std::lock_guard lock(g_current_mu);
  if (g_current) return g_current;
  // The default registry lives for the whole program: an aliasing pointer that owns nothing.
  return std::shared_ptr<const Registry>(std::shared_ptr<const Registry>(), &Default());
}

void Registry::Install(std::shared_ptr<const Registry> registry) {
  std::lock_guard lock(g_current_mu);
  g_current = std::move(registry);
}

Result<fhir::SearchParamDef> ParseSearchParameter(const json::Value& r, const fhir::Definitions& defs) {
  fhir::SearchParamDef d;
  auto id = r.string_at("id");
  auto code = r.string_at("code");
  auto type = r.string_at("type");
  auto expression = r.string_at("expression");
  if (!id || !code || !type) return Fail(Error::Invalid("a SearchParameter needs id, code and type"));
  if (r.string_at("status") == "retired") return Fail(Error::Invalid(fmt::format("SearchParameter/{} is retired", *id)));
  d.id = std::string(*id);
  d.code = std::string(*code);
  d.type = std::string(*type);
  if (ParseParamType(d.type) == ParamType::kSpecial) {
    return Fail(Error::Invalid(fmt::format("SearchParameter/{}: type '{}' cannot be indexed", d.id, d.type)));
  }
  if (d.code.empty() || d.code.find_first_of(" ,:.$|") != std::string::npos || d.code.starts_with('_')) {
    return Fail(Error::Invalid(fmt::format("SearchParameter/{}: '{}' is not a usable code", d.id, d.code)));
  }
  if (!expression) return Fail(Error::Invalid(fmt::format("SearchParameter/{} has no expression", d.id)));
  d.expression = std::string(*expression);
  if (auto e = fhirpath::Expression::Compile(d.expression, {}, defs); !e) {
    return Fail(Error::Invalid(fmt::format("SearchParameter/{}: {}", d.id, e.error().message)));
  }
  if (const json::Value* base = r.find("base"); base != nullptr && base->is_array()) {
    for (const auto& b : base->as_array()) {
      if (!b.is_string() || !defs.IsResourceType(b.as_string())) {
        return Fail(Error::Invalid(fmt::format("SearchParameter/{}: base must name resource types", d.id)));
      }
      d.base.push_back(b.as_string());
    }
  }
  if (d.base.empty()) return Fail(Error::Invalid(fmt::format("SearchParameter/{} has no base", d.id)));
  if (const json::Value* target = r.find("target"); target != nullptr && target->is_array()) {
    for (const auto& t : target->as_array()) {
      if (t.is_string()) d.targets.push_back(t.as_string());
    }
  }
  if (const json::Value* comps = r.find("component"); comps != nullptr && comps->is_array()) {
    for (const auto& c : comps->as_array()) {
      auto def = c.string_at("definition");
      auto expr = c.string_at("expression");
      if (!def || !expr) return Fail(Error::Invalid(fmt::format("SearchParameter/{}: a component needs definition and expression", d.id)));
      std::string_view ref = *def;
      d.components.emplace_back(std::string(ref.substr(ref.rfind('/') + 1)), std::string(*expr));
    }
  }
  return d;
}

std::shared_ptr<const Registry> RegistryWith(const json::Value& search_parameters, std::vector<std::string>* rejected) {
  std::vector<fhir::SearchParamDef> custom;
  if (search_parameters.is_array()) {
    for (const auto& r : search_parameters.as_array()) {
      auto d = ParseSearchParameter(r);
      if (d) {
        custom.push_back(std::move(*d));
      } else if (rejected != nullptr) {
        rejected->push_back(d.error().message);
      }
    }
  }
  return std::make_shared<const Registry>(fhir::Definitions::R4(), custom);
}

Registry::Registry(const fhir::Definitions& defs, const std::vector<fhir::SearchParamDef>& custom) {
  std::vector<fhir::SearchParamDef> all = defs.search_params();
  for (const auto& c : custom) {
    // A custom parameter replaces an R4 one with the same code on the same base type.
    for (auto& d : all) {
      auto& bases = d.base;
      if (d.code != c.code) continue;
      bases.erase(std::remove_if(bases.begin(), bases.end(),
                                 [&](const std::string& b) {
                                   return std::find(c.base.begin(), c.base.end(), b) != c.base.end();
                                 }),
                  bases.end());
    }
    all.push_back(c);
  }
  std::unordered_map<std::string, const fhir::SearchParamDef*> by_id;
  for (const auto& def : all) by_id.emplace(def.id, &def);
  auto compile = [&](const std::string& expr, const std::string& id) -> std::shared_ptr<const fhirpath::Expression> {
    if (expr.empty()) return nullptr;
    auto e = fhirpath::Expression::Compile(expr, {}, defs);
    if (!e) {
      broken_.push_back(fmt::format("{}: {}", id, e.error().message));
      return nullptr;
    }
    return std::make_shared<const fhirpath::Expression>(std::move(*e));
  };
  for (const auto& def : all) {
    if (def.base.empty()) continue;  // replaced everywhere by custom parameters
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
