#include "fhir/definitions.h"

#include <cctype>

namespace salus::fhir {
namespace internal {
extern const std::string_view kR4DefinitionsText;
}

namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

std::vector<std::string> List(std::string_view field) {
  std::vector<std::string> out;
  if (field == "-" || field.empty()) return out;
  for (auto part : Split(field, ',')) out.emplace_back(part);
  return out;
}

}  // namespace

bool IsPrimitiveTypeName(std::string_view type) {
  return !type.empty() && std::islower(static_cast<unsigned char>(type[0]));
}

std::string ChoiceKey(std::string_view name, std::string_view type) {
  std::string key(name);
  key += static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
  key.append(type.substr(1));
  return key;
}

const Definitions& Definitions::R4() {
  static const Definitions defs(internal::kR4DefinitionsText);
  return defs;
}

Definitions::Definitions(std::string_view text) {
  TypeDef* current = nullptr;
  std::unordered_map<std::string, uint32_t> by_path;  // element path -> index, for the current type
  auto finish_type = [&]() {
    if (current == nullptr) return;
    // Link children to parents, and content references to their targets.
    for (uint32_t i = 1; i < current->elements.size(); ++i) {
      ElementDef& el = current->elements[i];
      size_t dot = el.path.rfind('.');
      std::string parent_path = dot == std::string::npos ? "" : el.path.substr(0, dot);
      auto it = by_path.find(parent_path);
      if (it == by_path.end()) continue;
      ElementDef& parent = current->elements[it->second];
      parent.child_order.push_back(i);
      if (el.min > 0) parent.required.push_back(i);
      if (el.choice) {
        for (uint16_t t = 0; t < el.types.size(); ++t) {
          parent.children.emplace(ChoiceKey(el.name, el.types[t]), ElementDef::Child{i, t});
        }
      } else {
        parent.children.emplace(el.name, ElementDef::Child{i, 0});
      }
    }
    by_path.clear();
    current = nullptr;
  };

  for (std::string_view line : Split(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto f = Split(line, '\t');
    if (f[0] == "T" && f.size() >= 5) {
      finish_type();
      types_.emplace_back();
      current = &types_.back();
      current->name = f[1];
      current->kind = f[2] == "R" ? TypeDef::Kind::kResource
                      : f[2] == "P" ? TypeDef::Kind::kPrimitive
                                    : TypeDef::Kind::kComplex;
      current->abstract = f[3] == "1";
      current->base = f[4];
      current->elements.emplace_back();  // root
      by_path.emplace("", 0);
    } else if (f[0] == "E" && f.size() >= 8 && current != nullptr) {
      ElementDef el;
      el.path = f[1];
      size_t dot = el.path.rfind('.');
      el.name = dot == std::string::npos ? el.path : el.path.substr(dot + 1);
      if (el.name.ends_with("[x]")) {
        el.name.resize(el.name.size() - 3);
        el.choice = true;
      }
      el.min = static_cast<uint32_t>(std::stoul(std::string(f[2])));
      el.max = f[3] == "*" ? kUnbounded : static_cast<uint32_t>(std::stoul(std::string(f[3])));
      el.types = List(f[4]);
      el.summary = f[5].find('s') != std::string_view::npos;
      el.modifier = f[5].find('m') != std::string_view::npos;
      if (f[6] != "-") {
        auto it = by_path.find(std::string(f[6]));
        if (it != by_path.end()) el.content_ref = static_cast<int32_t>(it->second);
      }
      el.targets = List(f[7]);
      by_path.emplace(el.path, static_cast<uint32_t>(current->elements.size()));
      current->elements.push_back(std::move(el));
    } else if (f[0] == "S" && f.size() >= 8) {
      finish_type();
      SearchParamDef sp;
      sp.id = f[1];
      sp.code = f[2];
      sp.type = f[3];
      sp.base = List(f[4]);
      sp.expression = f[5] == "-" ? "" : std::string(f[5]);
      sp.targets = List(f[6]);
      if (f[7] != "-") {
        for (auto comp : Split(f[7], ';')) {
          size_t eq = comp.find('=');
          sp.components.emplace_back(std::string(comp.substr(0, eq)), std::string(comp.substr(eq + 1)));
        }
      }
      search_params_.push_back(std::move(sp));
    } else if (f[0] == "C" && f.size() >= 4) {
      finish_type();
      patient_compartment_[std::string(f[2])] = List(f[3]);
    }
  }
  finish_type();
  for (size_t i = 0; i < types_.size(); ++i) {
    TypeDef& t = types_[i];
    if (t.kind == TypeDef::Kind::kPrimitive) {
      const std::string& n = t.name;
      t.value = n == "boolean" ? TypeDef::Value::kBoolean
                : (n == "integer" || n == "positiveInt" || n == "unsignedInt") ? TypeDef::Value::kInteger
                : n == "decimal" ? TypeDef::Value::kDecimal
                : n == "date" ? TypeDef::Value::kDate
                : (n == "dateTime" || n == "instant") ? TypeDef::Value::kDateTime
                : n == "time" ? TypeDef::Value::kTime
                              : TypeDef::Value::kString;
    }
    t.quantity = t.name == "Quantity" || t.base == "Quantity";
    type_index_.emplace(types_[i].name, i);
    if (types_[i].kind == TypeDef::Kind::kResource && !types_[i].abstract) {
      resource_types_.push_back(types_[i].name);
    }
  }
  for (TypeDef& t : types_) {
    for (ElementDef& el : t.elements) {
      for (const std::string& tn : el.types) {
        const TypeDef* td = FindType(tn);
        el.type_defs.push_back(td != nullptr && td->kind == TypeDef::Kind::kResource ? nullptr : td);
      }
    }
  }
}

const TypeDef* Definitions::FindType(std::string_view name) const {
  auto it = type_index_.find(name);
  return it == type_index_.end() ? nullptr : &types_[it->second];
}

bool Definitions::IsResourceType(std::string_view name) const {
  const TypeDef* t = FindType(name);
  return t != nullptr && t->kind == TypeDef::Kind::kResource && !t->abstract;
}

const std::vector<std::string>& Definitions::PatientCompartmentParams(std::string_view type) const {
  static const std::vector<std::string> kNone;
  auto it = patient_compartment_.find(std::string(type));
  return it == patient_compartment_.end() ? kNone : it->second;
}

}  // namespace salus::fhir
