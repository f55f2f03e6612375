#include "fhir/summary.h"

#include <algorithm>

namespace salus::fhir {
namespace {

void MarkSubsetted(json::Value& resource) {
  json::Value* meta = resource.find("meta");
  if (meta == nullptr) {
    resource.set("meta", json::Object{});
    meta = resource.find("meta");
  }
  json::Value tag = json::Object{};
  tag.set("system", "http://terminology.hl7.org/CodeSystem/v3-ObservationValue");
  tag.set("code", "SUBSETTED");
  tag.set("display", "Resource encoded in summary mode");
  json::Value* tags = meta->find("tag");
  if (tags == nullptr || !tags->is_array()) {
    meta->set("tag", json::Array{std::move(tag)});
  } else {
    tags->as_array().push_back(std::move(tag));
  }
}

// The element definition for a top-level JSON key (handles choice keys and `_x`).
const ElementDef* TopLevel(const TypeDef& type, std::string_view key) {
  if (key.starts_with("_")) key.remove_prefix(1);
  auto it = type.root().children.find(key);
  return it == type.root().children.end() ? nullptr : &type.elements[it->second.element];
}

template <typename Keep>
json::Value Filter(const json::Value& resource, Keep keep) {
  json::Value out = json::Object{};
  for (const auto& [k, v] : resource.as_object()) {
    if (k == "resourceType" || k == "id" || k == "meta" || keep(k)) out.as_object().emplace_back(k, v);
  }
  MarkSubsetted(out);
  return out;
}

}  // namespace

std::optional<SummaryMode> ParseSummaryMode(std::string_view s) {
  if (s == "true") return SummaryMode::kTrue;
  if (s == "false") return SummaryMode::kFalse;
  if (s == "text") return SummaryMode::kText;
  if (s == "data") return SummaryMode::kData;
  if (s == "count") return SummaryMode::kCount;
  return std::nullopt;
}

json::Value ApplySummary(const Definitions& defs, const json::Value& resource, SummaryMode mode) {
  if (mode == SummaryMode::kFalse || !resource.is_object()) return resource;
  const TypeDef* type = defs.FindType(resource.string_at("resourceType").value_or(""));
  if (type == nullptr) return resource;
  switch (mode) {
    case SummaryMode::kTrue:
      return Filter(resource, [&](std::string_view k) {
        const ElementDef* el = TopLevel(*type, k);
        return el != nullptr && (el->summary || el->min > 0);
      });
    case SummaryMode::kText:
      return Filter(resource, [&](std::string_view k) {
        const ElementDef* el = TopLevel(*type, k);
        return k == "text" || (el != nullptr && el->min > 0);
      });
    case SummaryMode::kData:
      return Filter(resource, [&](std::string_view k) { return k != "text"; });
    default:
      return resource;
  }
}

json::Value ApplyElements(const Definitions& defs, const json::Value& resource,
                          const std::vector<std::string>& elements) {
  if (!resource.is_object()) return resource;
  const TypeDef* type = defs.FindType(resource.string_at("resourceType").value_or(""));
  return Filter(resource, [&](std::string_view k) {
    std::string_view base = k.starts_with("_") ? k.substr(1) : k;
    const ElementDef* el = type == nullptr ? nullptr : TopLevel(*type, k);
    if (el != nullptr && el->min > 0) return true;
    for (const auto& e : elements) {
      if (e == base) return true;
      // A choice element asked by its base name: "value" keeps "valueQuantity".
      if (el != nullptr && el->choice && e == el->name) return true;
    }
    return false;
  });
}

}  // namespace salus::fhir
