#include "fhir/validator.h"

#include <fmt/format.h>

#include "fhir/primitives.h"

namespace salus::fhir {
namespace {

// Walks a resource depth-first. The element path of the current node is kept in one buffer
// (appended on the way down, truncated on the way up) so that valid input allocates no paths.
class Walk {
 public:
  Walk(const Definitions& defs, const ValidationLimits& limits, std::vector<Issue>& issues)
      : defs_(defs), limits_(limits), issues_(issues) {}

  void Root(const json::Value& v) { Resource(v, false); }

 private:
  // Appends a path segment for the scope of the object.
  class Segment {
   public:
    Segment(std::string& path, std::string_view part) : path_(path), size_(path.size()) { path_ += part; }
    // ".key"
    Segment(std::string& path, char sep, std::string_view part) : path_(path), size_(path.size()) {
      path_ += sep;
      path_ += part;
    }
    Segment(std::string& path, size_t index) : path_(path), size_(path.size()) {
      path_ += '[';
      path_ += std::to_string(index);
      path_ += ']';
    }
    ~Segment() { path_.resize(size_); }

   private:
    std::string& path_;
    size_t size_;
  };

  static std::string Clip(std::string_view s) {
    return s.size() > 64 ? std::string(s.substr(0, 64)) + "..." : std::string(s);
  }

  bool Full() const { return issues_.size() >= limits_.max_issues; }

  void Add(std::string_view code, std::string message, std::string_view suffix = {}) {
    if (Full()) return;
    issues_.push_back(Issue{Issue::Severity::kError, std::string(code), std::move(message), path_ + std::string(suffix)});
  }

  void Resource(const json::Value& v, bool contained) {
    if (!v.is_object()) {
      Add("structure", fmt::format("a resource must be a JSON object, not a {}", v.kind_name()));
      return;
    }
    auto rt = v.string_at("resourceType");
    if (!rt) {
      Add("required", "resourceType is missing", path_.empty() ? "resourceType" : ".resourceType");
      return;
    }
    const TypeDef* type = defs_.FindType(*rt);
    if (type == nullptr || type->kind != TypeDef::Kind::kResource || type->abstract) {
      Add("not-supported", fmt::format("unknown resource type '{}'", Clip(*rt)),
          path_.empty() ? "resourceType" : ".resourceType");
      return;
    }
    std::optional<Segment> root;
    if (path_.empty()) root.emplace(path_, *rt);
    if (contained && v.find("contained") != nullptr) {
      Add("structure", "a contained resource must not contain resources", ".contained");
    }
    Complex(v, *type, type->root(), /*is_resource=*/true);
  }

  // Validates the members of object `v` against the children of `el_in` (in `type`).
  void Complex(const json::Value& v, const TypeDef& type, const ElementDef& el_in, bool is_resource) {
    if (!v.is_object()) {
      Add("structure", fmt::format("expected a JSON object, not a {}", v.kind_name()));
      return;
    }
    const ElementDef& el = el_in.content_ref >= 0 ? type.elements[el_in.content_ref] : el_in;
    const auto& members = v.as_object();
    if (members.empty() && !is_resource) Add("structure", "empty objects are not allowed");
    // Which child elements were present, and under which choice type. Most objects have few
    // members: keep them on the stack.
    ElementDef::Child inline_seen[24];
    std::vector<ElementDef::Child> heap_seen;
    size_t seen_count = 0;
    auto seen_at = [&](size_t i) -> ElementDef::Child& { return i < 24 ? inline_seen[i] : heap_seen[i - 24]; };
    auto mark_seen = [&](ElementDef::Child c, std::string_view key) {
      for (size_t i = 0; i < seen_count; ++i) {
        const ElementDef::Child& s = seen_at(i);
        if (s.element == c.element) {
          const ElementDef& child = type.elements[c.element];
          if (child.choice && s.type != c.type) {
            Add("structure", fmt::format("only one of the {}[x] choices may be present", child.name),
                "." + std::string(key));
          }
          return;
        }
      }
      if (seen_count < 24) {
        inline_seen[seen_count] = c;
      } else {
        heap_seen.push_back(c);
      }
      ++seen_count;
    };
    for (const auto& [key, value] : members) {
      if (Full()) return;
      if (is_resource && key == "resourceType") continue;
      if (key.size() > 1 && key[0] == '_') {
        auto c = PrimitiveExtension(type, el, key, value);
        if (c) mark_seen(*c, key);
        continue;
      }
      auto it = el.children.find(key);
      if (it == el.children.end()) {
        Add("structure",
            fmt::format("unknown element '{}' in {}", Clip(key), el.path.empty() ? type.name : type.name + "." + el.path),
            "." + key);
        continue;
      }
      mark_seen(it->second, key);
      const ElementDef& child = type.elements[it->second.element];
      const std::string& child_type = child.types.empty() ? kNoType : child.types[it->second.type];
      Segment seg(path_, '.', key);
      if (child.max > 1) {
        if (!value.is_array()) {
          Add("structure", fmt::format("'{}' repeats and must be a JSON array", key));
          continue;
        }
        const auto& items = value.as_array();
        if (items.empty()) Add("structure", "empty arrays are not allowed");
        if (child.max != kUnbounded && items.size() > child.max) {
          Add("structure", fmt::format("at most {} allowed, found {}", child.max, items.size()));
        }
        for (size_t i = 0; i < items.size() && !Full(); ++i) {
          Segment item(path_, i);
          if (items[i].is_null()) {
            // A null is only allowed as a placeholder matched by a `_key` extension entry.
            const json::Value* ext = v.find("_" + key);
            if (!IsPrimitiveTypeName(child_type) || ext == nullptr || !ext->is_array() ||
                ext->as_array().size() != items.size() || ext->as_array()[i].is_null()) {
              Add("structure", "null is not allowed here");
            }
            continue;
          }
          Item(type, child, child_type, items[i]);
        }
      } else {
        if (value.is_array()) {
          Add("structure", fmt::format("'{}' does not repeat and must not be a JSON array", key));
          continue;
        }
        Item(type, child, child_type, value);
      }
    }
    if (Full()) return;
    for (uint32_t idx : el.required) {
      bool present = false;
      for (size_t i = 0; i < seen_count && !present; ++i) present = seen_at(i).element == idx;
      if (!present) {
        const ElementDef& child = type.elements[idx];
        std::string name = child.name + (child.choice ? "[x]" : "");
        Add("required", fmt::format("'{}' is required (min {})", name, child.min), "." + name);
      }
    }
  }

  void Item(const TypeDef& type, const ElementDef& child, const std::string& child_type, const json::Value& value) {
    if (child.has_children() || child.content_ref >= 0) {
      Complex(value, type, child, false);
      return;
    }
    if (child_type.empty()) {
      Add("structure", "element has no type");
      return;
    }
    if (child_type == "Resource") {
      // Only DomainResource.contained holds contained resources; Bundle.entry.resource and
      // Parameters.parameter.resource hold whole ones.
      Resource(value, child.path == "contained");
      return;
    }
    if (IsPrimitiveTypeName(child_type)) {
      std::string problem = CheckPrimitive(child_type, value);
      if (!problem.empty()) Add("value", std::move(problem));
      return;
    }
    const TypeDef* dt = defs_.FindType(child_type);
    if (dt == nullptr) {
      Add("structure", fmt::format("unsupported type {}", child_type));
      return;
    }
    if (dt->kind == TypeDef::Kind::kResource) {
      // An element typed with a specific resource (Bundle.entry.response.outcome).
      auto rt = value.string_at("resourceType");
      if (value.is_object() && rt && *rt != dt->name && !dt->abstract) {
        Add("structure", fmt::format("expected a {} here", dt->name), ".resourceType");
        return;
      }
      Resource(value, true);
      return;
    }
    Complex(value, *dt, dt->root(), false);
  }

  // `_name`: the id/extension of primitive element `name`. Returns the element it belongs to.
  std::optional<ElementDef::Child> PrimitiveExtension(const TypeDef& type, const ElementDef& el,
                                                      const std::string& key, const json::Value& value) {
    std::string_view name = std::string_view(key).substr(1);
    auto it = el.children.find(std::string(name));
    const ElementDef* child = it == el.children.end() ? nullptr : &type.elements[it->second.element];
    Segment seg(path_, '.', key);
    if (child == nullptr || child->types.empty() || !IsPrimitiveTypeName(child->types[it->second.type])) {
      Add("structure", fmt::format("unknown element '{}': '{}' is not a primitive element", Clip(key), Clip(name)));
      return std::nullopt;
    }
    const TypeDef* element_type = defs_.FindType("Element");
    if (element_type == nullptr) return it->second;
    if (child->max > 1) {
      if (!value.is_array()) {
        Add("structure", fmt::format("'{}' repeats and must be a JSON array", key));
        return it->second;
      }
      const auto& items = value.as_array();
      for (size_t i = 0; i < items.size(); ++i) {
        if (items[i].is_null()) continue;
        Segment item(path_, i);
        Complex(items[i], *element_type, element_type->root(), false);
      }
    } else {
      Complex(value, *element_type, element_type->root(), false);
    }
    return it->second;
  }

  static inline const std::string kNoType;
  const Definitions& defs_;
  const ValidationLimits& limits_;
  std::vector<Issue>& issues_;
  std::string path_;
};

}  // namespace

bool Validator::Validate(const json::Value& resource, std::vector<Issue>& issues) const {
  size_t before = issues.size();
  Walk(defs_, limits_, issues).Root(resource);
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
