#include "fhir/validator.h"

#include <fmt/format.h>

#include "fhir/primitives.h"

namespace salus::fhir {
namespace {

class Walk {
 public:
  Walk(const Definitions& defs, const ValidationLimits& limits, std::vector<Issue>& issues)
      : defs_(defs), limits_(limits), issues_(issues) {}

  void Resource(const json::Value& v, const std::string& path, bool contained) {
    if (!v.is_object()) {
      Add(path, "structure", fmt::format("a resource must be a JSON object, not a {}", v.kind_name()));
      return;
    }
    auto rt = v.string_at("resourceType");
    if (!rt) {
      Add(path, "required", "resourceType is missing");
      return;
    }
    const TypeDef* type = defs_.FindType(*rt);
    if (type == nullptr || type->kind != TypeDef::Kind::kResource || type->abstract) {
      Add(path.empty() ? "resourceType" : path + ".resourceType", "not-supported",
          fmt::format("unknown resource type '{}'", Clip(*rt)));
      return;
    }
    std::string where = path.empty() ? std::string(*rt) : path;
    if (contained && v.find("contained") != nullptr) {
      Add(where + ".contained", "structure", "a contained resource must not contain resources");
    }
    Complex(v, *type, type->root(), where, /*is_resource=*/true);
  }

 private:
  static std::string Clip(std::string_view s) {
    return s.size() > 64 ? std::string(s.substr(0, 64)) + "..." : std::string(s);
  }

  bool Full() const { return issues_.size() >= limits_.max_issues; }

  void Add(const std::string& path, std::string_view code, std::string message) {
    if (Full()) return;
    issues_.push_back(Issue{Issue::Severity::kError, std::string(code), std::move(message), path});
  }

  // Validates the members of object `v` against the children of `el` (in `type`).
  void Complex(const json::Value& v, const TypeDef& type, const ElementDef& el_in, const std::string& path,
               bool is_resource) {
    if (!v.is_object()) {
      Add(path, "structure", fmt::format("expected a JSON object, not a {}", v.kind_name()));
      return;
    }
    const ElementDef& el = el_in.content_ref >= 0 ? type.elements[el_in.content_ref] : el_in;
    const auto& members = v.as_object();
    if (members.empty() && !is_resource) Add(path, "structure", "empty objects are not allowed");
    for (const auto& [key, value] : members) {
      if (Full()) return;
      if (is_resource && key == "resourceType") continue;
      if (key.size() > 1 && key[0] == '_') {
        PrimitiveExtension(type, el, key, value, path);
        continue;
      }
      auto it = el.children.find(key);
      if (it == el.children.end()) {
        Add(path + "." + key, "structure", fmt::format("unknown element '{}' in {}", Clip(key),
                                                       el.path.empty() ? type.name : type.name + "." + el.path));
        continue;
      }
      const ElementDef& child = type.elements[it->second.element];
      const std::string& child_type = child.types.empty() ? std::string() : child.types[it->second.type];
      std::string child_path = path + "." + key;
      if (child.max > 1) {
        if (!value.is_array()) {
          Add(child_path, "structure", fmt::format("'{}' repeats and must be a JSON array", key));
          continue;
        }
        const auto& items = value.as_array();
        if (items.empty()) Add(child_path, "structure", "empty arrays are not allowed");
        if (child.max != kUnbounded && items.size() > child.max) {
          Add(child_path, "structure", fmt::format("at most {} allowed, found {}", child.max, items.size()));
        }
        for (size_t i = 0; i < items.size() && !Full(); ++i) {
          std::string item_path = fmt::format("{}[{}]", child_path, i);
          if (items[i].is_null()) {
            // A null is only allowed as a placeholder matched by a `_key` extension entry.
            const json::Value* ext = v.find("_" + key);
            if (!IsPrimitiveTypeName(child_type) || ext == nullptr || !ext->is_array() ||
                ext->as_array().size() != items.size() || ext->as_array()[i].is_null()) {
              Add(item_path, "structure", "null is not allowed here");
            }
            continue;
          }
          Item(type, child, child_type, items[i], item_path);
        }
      } else {
        if (value.is_array()) {
          Add(child_path, "structure", fmt::format("'{}' does not repeat and must not be a JSON array", key));
          continue;
        }
        Item(type, child, child_type, value, child_path);
      }
    }
    if (Full()) return;
    // Required elements and choice exclusivity.
    for (uint32_t idx : el.child_order) {
      const ElementDef& child = type.elements[idx];
      int present = 0;
      if (child.choice) {
        for (const auto& t : child.types) {
          std::string k = ChoiceKey(child.name, t);
          if (v.find(k) != nullptr || v.find("_" + k) != nullptr) ++present;
        }
        if (present > 1) {
          Add(path + "." + child.name + "[x]", "structure",
              fmt::format("only one of the {}[x] choices may be present", child.name));
        }
      } else if (v.find(child.name) != nullptr || v.find("_" + child.name) != nullptr) {
        present = 1;
      }
      if (child.min > 0 && present == 0) {
        Add(path + "." + child.name + (child.choice ? "[x]" : ""), "required",
            fmt::format("'{}' is required (min {})", child.name + (child.choice ? "[x]" : ""), child.min));
      }
    }
  }

  void Item(const TypeDef& type, const ElementDef& child, const std::string& child_type, const json::Value& value,
            const std::string& path) {
    if (child.has_children() || child.content_ref >= 0) {
      Complex(value, type, child, path, false);
      return;
    }
    if (child_type.empty()) {
      Add(path, "structure", "element has no type");
      return;
    }
    if (child_type == "Resource") {
      // Only DomainResource.contained holds contained resources; Bundle.entry.resource and
      // Parameters.parameter.resource hold whole ones.
      Resource(value, path, child.path == "contained");
      return;
    }
    if (IsPrimitiveTypeName(child_type)) {
      std::string problem = CheckPrimitive(child_type, value);
      if (!problem.empty()) Add(path, "value", std::move(problem));
      return;
    }
    const TypeDef* dt = defs_.FindType(child_type);
    if (dt == nullptr) {
      Add(path, "structure", fmt::format("unsupported type {}", child_type));
      return;
    }
    if (dt->kind == TypeDef::Kind::kResource) {
      // An element typed with a specific resource (Bundle.entry.response.outcome).
      auto rt = value.string_at("resourceType");
      if (value.is_object() && rt && *rt != dt->name && !dt->abstract) {
        Add(path + ".resourceType", "structure", fmt::format("expected a {} here", dt->name));
        return;
      }
      Resource(value, path, true);
      return;
    }
    Complex(value, *dt, dt->root(), path, false);
  }

  // `_name`: the id/extension of primitive element `name`.
  void PrimitiveExtension(const TypeDef& type, const ElementDef& el, const std::string& key, const json::Value& value,
                          const std::string& path) {
    std::string name = key.substr(1);
    std::string key_path = path + "." + key;
    auto it = el.children.find(name);
    const ElementDef* child = it == el.children.end() ? nullptr : &type.elements[it->second.element];
    if (child == nullptr || child->types.empty() || !IsPrimitiveTypeName(child->types[it->second.type])) {
      Add(key_path, "structure", fmt::format("unknown element '{}': '{}' is not a primitive element", Clip(key),
                                             Clip(name)));
      return;
    }
    const TypeDef* element_type = defs_.FindType("Element");
    auto check_one = [&](const json::Value& item, const std::string& p) {
      if (element_type != nullptr) Complex(item, *element_type, element_type->root(), p, false);
    };
    if (child->max > 1) {
      if (!value.is_array()) {
        Add(key_path, "structure", fmt::format("'{}' repeats and must be a JSON array", key));
        return;
      }
      const auto& items = value.as_array();
      for (size_t i = 0; i < items.size(); ++i) {
        if (!items[i].is_null()) check_one(items[i], fmt::format("{}[{}]", key_path, i));
      }
    } else {
      check_one(value, key_path);
    }
  }

  const Definitions& defs_;
  const ValidationLimits& limits_;
  std::vector<Issue>& issues_;
};

}  // namespace

bool Validator::Validate(const json::Value& resource, std::vector<Issue>& issues) const {
  size_t before = issues.size();
  Walk(defs_, limits_, issues).Resource(resource, "", false);
  for (size_t i = before; i < issues.size(); ++i) {
    if (issues[i].severity <= Issue::Severity::kError) return false;
  }
  return true;
}

Status Validator::Check(const json::Value& resource) const {
  std::vector<Issue> issues;
  if (Validate(resource, issues)) return {};
  Error e{Code::kInvalid, fmt::format("the resource is not valid FHIR R4 ({} problem{})", issues.size(),
                                      issues.size() == 1 ? "" : "s"),
          std::move(issues)};
  return std::unexpected(std::move(e));
}

}  // namespace salus::fhir
