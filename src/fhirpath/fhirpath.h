// FHIRPath (N1, as FHIR R4 uses it) over FHIR JSON.
//
//   auto expr = fhirpath::Expression::Compile("Patient.name.where(use = 'official').family");
//   fhirpath::Workspace ws;
//   Result<fhirpath::Collection> out = expr->Evaluate(patient_json, ws);
//
// An Expression is immutable once compiled and may be evaluated from many threads at once;
// each evaluation brings its own Workspace, which owns the strings and values the evaluation
// creates. Result items point into the input document and into the workspace: both must
// outlive the collection.
// Thread-safety: Expression is immutable (thread-safe); Workspace is single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "fhir/definitions.h"
#include "fhirpath/value.h"

namespace salus::fhirpath {

// One item of a FHIRPath collection: a node of the FHIR document (typed by the R4 model
// when the model knows it), or a system value computed by the expression.
struct Item {
  enum class Kind : uint8_t {
    kNode, kBoolean, kInteger, kDecimal, kString, kDate, kDateTime, kTime, kQuantity
  };
  Kind kind = Kind::kNode;
  // kNode
  const json::Value* value = nullptr;   // the element's JSON (null: a primitive with only "_x")
  const json::Value* ext = nullptr;     // a primitive's "_name" companion (id, extension)
  const fhir::TypeDef* type = nullptr;  // null when the model does not know the element
  uint32_t element = 0;                 // element of `type` (0: the type itself)
  // System values.
  bool boolean = false;
  int64_t integer = 0;
  Decimal decimal;          // also a quantity's value
  Temporal temporal;
  std::string_view string;  // also a quantity's unit

  static Item Boolean(bool b) { Item i; i.kind = Kind::kBoolean; i.boolean = b; return i; }
  static Item Integer(int64_t v) { Item i; i.kind = Kind::kInteger; i.integer = v; return i; }
  static Item Dec(Decimal d) { Item i; i.kind = Kind::kDecimal; i.decimal = d; return i; }
  static Item String(std::string_view s) { Item i; i.kind = Kind::kString; i.string = s; return i; }
  static Item Time(const Temporal& t);  // kind from t.kind
  static Item Qty(Decimal d, std::string_view unit) {
    Item i; i.kind = Kind::kQuantity; i.decimal = d; i.string = unit; return i;
  }
  bool is_node() const { return kind == Kind::kNode; }
  // The FHIR type name of a node ("HumanName", "code", "Patient"); "" when unknown.
  std::string_view TypeName() const;
};

using Collection = std::vector<Item>;

// What an evaluation may look at besides its input, and where it keeps what it makes.
class Workspace {
 public:
  // Keeps `s` alive for the workspace's lifetime and returns a view of it.
  std::string_view Keep(std::string s);
  const json::Value* Keep(json::Value v);
  // %name variables the expression may read (without the '%').
  void SetVariable(std::string name, Collection value);
  const Collection* Variable(std::string_view name) const;
  // Receives trace() output; by default trace() output is dropped (it may carry PHI).
  std::function<void(std::string_view name, const Collection&)> on_trace;
  // Resource that %rootResource and resolve() of bundle references look at (default: the
  // evaluated resource).
  const json::Value* root_resource = nullptr;
  // Resolves references that are not contained or in the root bundle; may return null.
  std::function<const json::Value*(std::string_view reference)> resolver;

 private:
  std::deque<std::string> strings_;
  std::deque<json::Value> values_;
  std::vector<std::pair<std::string, Collection>> variables_;
};

struct CompileOptions {
  // Strict mode of the FHIRPath test suite: names that are not elements of a known type are
  // errors instead of empty collections.
  bool strict = false;
};

namespace internal {
struct Node;
}

class Expression {
 public:
  static Result<Expression> Compile(std::string_view text, const CompileOptions& options = {},
                                    const fhir::Definitions& defs = fhir::Definitions::R4());

  // Evaluates with `resource` as %resource and %context; its type comes from resourceType.
  Result<Collection> Evaluate(const json::Value& resource, Workspace& ws) const;
  // Evaluates over any input collection (%context); `resource` is %resource.
  Result<Collection> Evaluate(const Collection& input, const json::Value* resource,
                              Workspace& ws) const;

  const std::string& text() const { return text_; }

  // The top-level elements an evaluation on a resource of `type` can start from
  // ("Observation.code | Observation.value" -> code, value; branches for other resource types
  // contribute nothing), or nullopt when the expression may read anything. Lets a caller skip
  // expressions whose elements are all absent.
  std::optional<std::vector<std::string>> LeadingElements(std::string_view type) const;

 private:
  std::string text_;
  CompileOptions options_;
  const fhir::Definitions* defs_ = nullptr;
  std::shared_ptr<const internal::Node> root_;
};

// A node item for a whole resource (typed from its resourceType, untyped when unknown).
Item ResourceItem(const json::Value& resource, const fhir::Definitions& defs = fhir::Definitions::R4());

// The item as a system value: FHIR primitives become Boolean/Integer/Decimal/String/Date/
// DateTime/Time, a FHIR Quantity becomes a Quantity; other items are returned unchanged.
Item ToSystem(const Item& item);
// Text of a system value as FHIRPath's toString() writes it; "" for other nodes.
std::string ToString(const Item& item);

}  // namespace salus::fhirpath
