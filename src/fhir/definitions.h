// FHIR R4 (4.0.1) definitions: every resource and datatype with its elements, the search
// parameters and the Patient compartment, compiled at build time from the pinned npm package
// into a compact table (tools/gen-definitions.mjs) and indexed on first use.
// Thread-safety: Definitions is immutable after construction; R4() is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace salus::fhir {

inline constexpr uint32_t kUnbounded = UINT32_MAX;

struct TypeDef;

// Lets maps keyed by std::string be searched with a string_view without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct ElementDef {
  std::string path;  // relative to the type: "contact.name"; "" for the root
  std::string name;  // last segment without "[x]": "value" for "value[x]"
  uint32_t min = 0;
  uint32_t max = 1;
  bool choice = false;
  bool summary = false;
  bool modifier = false;
  std::vector<std::string> types;    // type codes ("HumanName", "string", "BackboneElement", "Resource")
  std::vector<std::string> targets;  // Reference target resource types
  int32_t content_ref = -1;          // element whose children this one reuses (Questionnaire.item.item)
  // Children by JSON key: "name" -> (index, type 0); "valueQuantity" -> (index, type of Quantity).
  struct Child {
    uint32_t element;
    uint16_t type;
  };
  StringMap<Child> children;
  // types[i] resolved (null for types the table lacks, and for "Resource"-typed elements,
  // whose type comes from the data).
  std::vector<const TypeDef*> type_defs;
  std::vector<uint32_t> child_order;  // children in definition order
  std::vector<uint32_t> required;     // children with min > 0
  bool has_children() const { return !child_order.empty(); }
};

struct TypeDef {
  enum class Kind { kResource, kComplex, kPrimitive };
  // What a primitive's value is in FHIRPath's system types (kNone for complex types).
  enum class Value : uint8_t { kNone, kBoolean, kInteger, kDecimal, kString, kDate, kDateTime, kTime };
  std::string name;
  Kind kind = Kind::kComplex;
  Value value = Value::kNone;
  bool quantity = false;  // Quantity or one of its profiles (Age, Duration...)
  bool abstract = false;
  std::string base;
  std::vector<ElementDef> elements;  // [0] is the root
  const ElementDef& root() const { return elements[0]; }
};

struct SearchParamDef {
  std::string id;
  std::string code;
  std::string type;  // number|date|string|token|reference|composite|quantity|uri|special
  std::vector<std::string> base;
  std::string expression;
  std::vector<std::string> targets;
  std::vector<std::pair<std::string, std::string>> components;  // (definition id, expression)
};

class Definitions {
 public:
  // The R4 definitions compiled into the binary.
  static const Definitions& R4();
  // Parses a definitions table (the format written by tools/gen-definitions.mjs).
  explicit Definitions(std::string_view text);

  const TypeDef* FindType(std::string_view name) const;
  // A concrete (non-abstract) resource type.
  bool IsResourceType(std::string_view name) const;
  const std::vector<std::string>& resource_types() const { return resource_types_; }
  const std::vector<SearchParamDef>& search_params() const { return search_params_; }
  // Search parameters of the Patient compartment for a resource type (empty when not in it).
  const std::vector<std::string>& PatientCompartmentParams(std::string_view type) const;

 private:
  std::vector<TypeDef> types_;
  StringMap<size_t> type_index_;
  std::vector<std::string> resource_types_;
  std::vector<SearchParamDef> search_params_;
  std::unordered_map<std::string, std::vector<std::string>> patient_compartment_;
};

// "Quantity" for "valueQuantity" given "value": the capitalised type suffix rule of choice types.
std::string ChoiceKey(std::string_view name, std::string_view type);
bool IsPrimitiveTypeName(std::string_view type);

}  // namespace salus::fhir
