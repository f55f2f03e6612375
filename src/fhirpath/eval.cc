// The FHIRPath evaluator: a tree walk over the compiled expression with a per-evaluation
// frame for $this/$index/$total. Semantics follow FHIRPath N1 (http://hl7.org/fhirpath/N1)
// as FHIR R4 uses it; section names in comments refer to that text.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_set>

#include "core/base64.h"
#include "fhirpath/ast.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/regex.h"

namespace salus::fhirpath {

using internal::Fn;
using internal::Node;
using internal::TypeSpec;

namespace {

constexpr int kMaxDepth = 400;             // nested evaluation (recursion) limit
constexpr size_t kMaxItems = 2'000'000;    // items in one collection
constexpr size_t kMaxRegexInput = 64 * 1024;
constexpr size_t kMaxStringBytes = 16 * 1024 * 1024;

Error EvalError(const Node& n, std::string_view what) {
  return Error::Invalid(fmt::format("FHIRPath evaluation error at offset {}: {}", n.pos, what));
}

std::string_view SystemTypeName(Item::Kind k) {
  switch (k) {
    case Item::Kind::kBoolean: return "Boolean";
    case Item::Kind::kInteger: return "Integer";
    case Item::Kind::kDecimal: return "Decimal";
    case Item::Kind::kString: return "String";
    case Item::Kind::kDate: return "Date";
    case Item::Kind::kDateTime: return "DateTime";
    case Item::Kind::kTime: return "Time";
    case Item::Kind::kQuantity: return "Quantity";
    case Item::Kind::kNode: return "";
  }
  return "";
}

// ---- UTF-8 helpers (string functions count characters, not bytes) ----

std::u32string Decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

std::string Encode(std::u32string_view s) {
  std::string out;
  for (char32_t cp : s) json::AppendUtf8(cp, out);
  return out;
}

// String equivalence (§6.1.4): case-insensitive, whitespace runs normalised to one space.
std::string NormalizeForEquivalence(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

bool IsNumeric(const Item& i) { return i.kind == Item::Kind::kInteger || i.kind == Item::Kind::kDecimal; }
bool IsTemporal(const Item& i) {
  return i.kind == Item::Kind::kDate || i.kind == Item::Kind::kDateTime || i.kind == Item::Kind::kTime;
}
Decimal AsDecimal(const Item& i) {
  return i.kind == Item::Kind::kInteger ? Decimal::FromInt(i.integer) : i.decimal;
}

// Date arithmetic (§6.6.1): adds n units to t. The error says why it cannot: a unit that is
// not a calendar duration, or a sum outside the years 0001-9999 that FHIRPath dates can hold
// (amounts come from expressions users write, so every step is bounded before it multiplies).
std::expected<Temporal, std::string> AddDuration(const Temporal& t0, const Decimal& amount,
                                                 std::string_view unit, int sign) {
  std::string_view cal = CalendarUnit(unit);
  if (cal.empty()) {
    static const std::pair<std::string_view, std::string_view> kUcum[] = {
        {"wk", "week"}, {"d", "day"}, {"h", "hour"}, {"min", "minute"}, {"s", "second"},
        {"ms", "millisecond"}};
    for (auto& [u, c] : kUcum) {
      if (unit == u) cal = c;
    }
    if (cal.empty()) {  // 'a' and 'mo' are not calendar durations
      return std::unexpected(fmt::format("'{}' is not a calendar duration for date arithmetic", unit));
    }
  }
  Temporal t = t0;
  if (t.kind == Temporal::Kind::kTime && (cal == "year" || cal == "month" || cal == "week" || cal == "day")) {
    return std::unexpected(fmt::format("a time has no {}s to add", cal));
  }
  auto out_of_range = [] {
    return std::unexpected(std::string("date arithmetic goes outside the years 0001-9999"));
  };
  // Ten thousand years in the unit is more than any sum that can stay in range; beyond it
  // the multiplications below could overflow.
  static constexpr int64_t kMaxMs = 10000LL * 366 * 86400000LL;
  std::optional<int64_t> n = amount.Truncate().ToInt();
  if (!n || *n > kMaxMs || *n < -kMaxMs) return out_of_range();
  const int64_t whole = *n * sign;
  auto clamp_day = [](Temporal& x) {
    int dim = 31;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    dim = kDays[x.month - 1];
    if (x.month == 2 && ((x.year % 4 == 0 && x.year % 100 != 0) || x.year % 400 == 0)) dim = 29;
    if (x.day > dim) x.day = static_cast<uint8_t>(dim);
  };
  if (cal == "year" || cal == "month") {
    int64_t months = static_cast<int64_t>(t.year) * 12 + (t.month - 1) + (cal == "year" ? whole * 12 : whole);
    if (months < 12 || months >= 10000LL * 12) return out_of_range();
    t.year = static_cast<int16_t>(months / 12);
    t.month = static_cast<uint8_t>(months % 12 + 1);
    clamp_day(t);
    return t;
  }
  int64_t per = 1;
  if (cal == "week") per = 7 * 86400000LL;
  else if (cal == "day") per = 86400000LL;
  else if (cal == "hour") per = 3600000LL;
  else if (cal == "minute") per = 60000LL;
  else if (cal == "second") per = 1000;
  if (whole > kMaxMs / per || whole < -kMaxMs / per) return out_of_range();
  int64_t ms = whole * per;
  if (t.kind == Temporal::Kind::kDate || t.precision <= Temporal::kDay) {
    // Durations finer than the value's precision are whole days, truncated.
    ms = ms / 86400000LL * 86400000LL;
  }
  int64_t days = t.kind == Temporal::Kind::kTime ? 0 : t.DaysFromCivil();
  int64_t total = days * 86400000LL + ((t.hour * 60LL + t.minute) * 60 + t.second) * 1000 + t.millis + ms;
  // The fields of the sum; kind, precision and zone stay those of the input.
  Temporal sum = Temporal::FromEpochMillis(total);
  if (t.kind != Temporal::Kind::kTime) {
    if (sum.year < 1 || sum.year > 9999) return out_of_range();
    t.year = sum.year;
    t.month = sum.month;
    t.day = sum.day;
  }
  t.hour = sum.hour;
  t.minute = sum.minute;
  t.second = sum.second;
  t.millis = sum.millis;
  return t;
}

std::optional<Item> Boundary(const Item& i, std::optional<int64_t> digits, bool high);

// A hash under which items that FHIRPath's `=` finds equal collide (so union and distinct
// compare only within a bucket): numbers by normalised value, dates by day, quantities all
// alike, objects independent of member order.
size_t HashJson(const json::Value& v) {
  if (v.is_string()) return std::hash<std::string_view>()(v.as_string());
  if (v.is_bool()) return v.as_bool() ? 0x9e3779b9u : 0x7f4a7c15u;
  if (v.is_number()) {
    auto d = Decimal::Parse(v.as_number().text);
    return d ? std::hash<std::string>()(d->Normalized().ToString()) : 1;
  }
  if (v.is_array()) {
    size_t h = 17;
    for (const auto& e : v.as_array()) h = h * 31 + HashJson(e);
    return h;
  }
  if (v.is_object()) {
    size_t h = 29;
    for (const auto& [k, m] : v.as_object()) h += std::hash<std::string_view>()(k) * 31 ^ HashJson(m);
    return h;
  }
  return 3;
}

size_t HashItem(const Item& item) {
  Item i = ToSystem(item);
  switch (i.kind) {
    case Item::Kind::kNode: return i.value != nullptr ? HashJson(*i.value) : 5;
    case Item::Kind::kBoolean: return i.boolean ? 0x9e3779b9u : 0x7f4a7c15u;
    case Item::Kind::kInteger: return std::hash<std::string>()(std::to_string(i.integer));
    case Item::Kind::kDecimal: return std::hash<std::string>()(i.decimal.Normalized().ToString());
    case Item::Kind::kString: return std::hash<std::string_view>()(i.string);
    case Item::Kind::kDate: case Item::Kind::kDateTime: case Item::Kind::kTime: {
      Temporal t = i.temporal.ToUtc();
      return static_cast<size_t>(t.kind == Temporal::Kind::kTime ? 7 : t.year * 400 + t.month * 32 + t.day);
    }
    case Item::Kind::kQuantity: return 11;
  }
  return 0;
}

struct Frame {
  const Item* this_item = nullptr;
  int64_t index = -1;
  const Collection* total = nullptr;
};

class Evaluator {
 public:
  Evaluator(const fhir::Definitions& defs, bool strict, Workspace& ws, const Collection& context,
            const json::Value* resource)
      : defs_(defs), strict_(strict), ws_(ws), context_(context) {
    if (resource != nullptr) resource_ = ResourceItem(*resource, defs);
    const json::Value* root = ws.root_resource != nullptr ? ws.root_resource : resource;
    if (root != nullptr) root_ = ResourceItem(*root, defs);
  }

  Result<Collection> Eval(const Node& n, const Collection& focus) {
    if (++depth_ > kMaxDepth) return Fail(EvalError(n, "expression recursion is too deep"));
    auto out = EvalInner(n, focus);
    --depth_;
    if (out && out->size() > kMaxItems) return Fail(EvalError(n, "collection is too large"));
    return out;
  }

 private:
  Result<Collection> EvalInner(const Node& n, const Collection& focus) {
    switch (n.kind) {
      case Node::Kind::kLiteral:
        return Collection{n.literal};
      case Node::Kind::kEmpty:
        return Collection{};
      case Node::Kind::kThis:
        if (frame_.this_item == nullptr) return focus;
        return Collection{*frame_.this_item};
      case Node::Kind::kIndex:
        if (frame_.index < 0) return Collection{};
        return Collection{Item::Integer(frame_.index)};
      case Node::Kind::kTotal:
        if (frame_.total == nullptr) return Collection{};
        return *frame_.total;
      case Node::Kind::kVariable:
        return Variable(n);
      case Node::Kind::kMember:
        return MemberOf(n, focus);
      case Node::Kind::kFunction:
        return Function(n, focus);
      case Node::Kind::kChain: {
        SALUS_ASSIGN_OR_RETURN(Collection lhs, Eval(*n.children[0], focus));
        return Eval(*n.children[1], lhs);
      }
      case Node::Kind::kIndexer: {
        SALUS_ASSIGN_OR_RETURN(Collection lhs, Eval(*n.children[0], focus));
        SALUS_ASSIGN_OR_RETURN(Collection idx, Eval(*n.children[1], focus));
        if (idx.empty()) return Collection{};
        SALUS_ASSIGN_OR_RETURN(int64_t i, IntegerArg(n, idx));
        if (i < 0 || static_cast<size_t>(i) >= lhs.size()) return Collection{};
        return Collection{lhs[i]};
      }
      case Node::Kind::kNegate: {
        SALUS_ASSIGN_OR_RETURN(Collection v, Eval(*n.children[0], focus));
        if (v.empty()) return Collection{};
        if (v.size() > 1) return Fail(EvalError(n, "unary '-' needs a single item"));
        Item i = ToSystem(v[0]);
        if (i.kind == Item::Kind::kInteger) return Collection{Item::Integer(-i.integer)};
        if (i.kind == Item::Kind::kDecimal) return Collection{Item::Dec(i.decimal.Negate())};
        if (i.kind == Item::Kind::kQuantity) return Collection{Item::Qty(i.decimal.Negate(), i.string)};
        return Fail(EvalError(n, fmt::format("unary '-' cannot apply to {}", Describe(i))));
      }
      case Node::Kind::kBinary:
        return Binary(n, focus);
      case Node::Kind::kIs: {
        SALUS_ASSIGN_OR_RETURN(Collection v, Eval(*n.children[0], focus));
        if (v.empty()) return Collection{};
        if (v.size() > 1) return Fail(EvalError(n, "'is' needs a single item"));
        return Collection{Item::Boolean(IsType(v[0], n.type))};
      }
      case Node::Kind::kAs: {
        SALUS_ASSIGN_OR_RETURN(Collection v, Eval(*n.children[0], focus));
        if (v.size() > 1) return Fail(EvalError(n, "'as' needs a single item"));
        Collection out;
        if (!v.empty() && IsType(v[0], n.type, true)) out.push_back(v[0]);
        return out;
      }
    }
    return Fail(EvalError(n, "unsupported expression"));
  }

  // ---- variables ----

  Result<Collection> Variable(const Node& n) {
    const std::string& name = n.name;
    if (name == "context") return context_;
    if (name == "resource") return resource_.value ? Collection{resource_} : Collection{};
    if (name == "rootResource") return root_.value ? Collection{root_} : Collection{};
    if (const Collection* v = ws_.Variable(name)) return *v;
    for (auto it = defined_.rbegin(); it != defined_.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    if (name == "ucum") return Collection{Item::String("http://unitsofmeasure.org")};
    if (name == "sct") return Collection{Item::String("http://snomed.info/sct")};
    if (name == "loinc") return Collection{Item::String("http://loinc.org")};
    if (name.starts_with("vs-")) {
      return Collection{Item::String(ws_.Keep("http://hl7.org/fhir/ValueSet/" + name.substr(3)))};
    }
    if (name.starts_with("ext-")) {
      return Collection{Item::String(ws_.Keep("http://hl7.org/fhir/StructureDefinition/" + name.substr(4)))};
    }
    return Fail(EvalError(n, fmt::format("unknown variable %{}", name)));
  }

  // ---- navigation ----

  // The element definition a typed node's children come from.
  const fhir::ElementDef* ElementOf(const Item& item) const {
    if (item.type == nullptr) return nullptr;
    return &item.type->elements[item.element];
  }

  // Appends child items stored under JSON `key` of `obj`, typed from element `ci` of
  // `owner` with type choice `t` (owner null: untyped).
  void AddChildren(const json::Value& obj, std::string_view key, const fhir::TypeDef* owner,
                   uint32_t ci, uint16_t t, Collection& out) const {
    const json::Value* v = obj.find(key);
    const json::Value* x = nullptr;
    if (v == nullptr || !v->is_object()) {
      std::string ext_key = "_";
      ext_key += key;
      x = obj.find(ext_key);
    }
    if (v == nullptr && x == nullptr) return;
    const fhir::TypeDef* type = nullptr;
    uint32_t element = 0;
    bool resource_typed = false;
    if (owner != nullptr) {
      const fhir::ElementDef& ce = owner->elements[ci];
      if (ce.has_children()) {
        type = owner;
        element = ci;
      } else if (ce.content_ref >= 0) {
        type = owner;
        element = static_cast<uint32_t>(ce.content_ref);
      } else if (t < ce.types.size()) {
        type = ce.type_defs[t];
        resource_typed = type == nullptr;
      }
    }
    auto push = [&](const json::Value* value, const json::Value* e) {
      if (value != nullptr && value->is_null()) value = nullptr;
      if (e != nullptr && e->is_null()) e = nullptr;
      if (value == nullptr && e == nullptr) return;
      if (resource_typed && value != nullptr) {
        out.push_back(ResourceItem(*value, defs_));
        return;
      }
      Item item;
      item.value = value;
      item.ext = e;
      item.type = type;
      item.element = element;
      out.push_back(item);
    };
    const json::Array* va = v != nullptr && v->is_array() ? &v->as_array() : nullptr;
    const json::Array* xa = x != nullptr && x->is_array() ? &x->as_array() : nullptr;
    if (va != nullptr || xa != nullptr) {
      size_t count = std::max(va ? va->size() : 0, xa ? xa->size() : 0);
      for (size_t i = 0; i < count; ++i) {
        push(va && i < va->size() ? &(*va)[i] : nullptr, xa && i < xa->size() ? &(*xa)[i] : nullptr);
      }
    } else {
      push(v, x);
    }
  }

  // Children named `name` (choice elements by their short name) of one item.
  Status Navigate(const Node& n, const Item& item, std::string_view name, Collection& out) {
    if (!item.is_node()) return {};
    if (item.value == nullptr || !item.value->is_object()) {
      // A primitive: only the id and extensions of its "_name" companion.
      if (item.ext != nullptr && (name == "id" || name == "extension")) {
        AddChildren(*item.ext, name, nullptr, 0, 0, out);
        if (name == "extension" && item.type != nullptr) {
          for (Item& i : out) i.type = defs_.FindType("Extension");
        }
      } else if (strict_ && item.type != nullptr && name != "id" && name != "extension") {
        return Fail(EvalError(n, fmt::format("'{}' is not an element of {}", name, item.type->name)));
      }
      return {};
    }
    const json::Value& obj = *item.value;
    const fhir::ElementDef* el = ElementOf(item);
    if (el == nullptr) {
      AddChildren(obj, name, nullptr, 0, 0, out);
      return {};
    }
    auto it = el->children.find(name);
    if (it != el->children.end()) {
      const fhir::ElementDef& ce = item.type->elements[it->second.element];
      if (ce.choice) {
        return Fail(EvalError(n, fmt::format("'{}' is not an element of {}; use '{}'", name,
                                             item.type->name, ce.name)));
      }
      AddChildren(obj, name, item.type, it->second.element, it->second.type, out);
      return {};
    }
    for (uint32_t ci : el->child_order) {
      const fhir::ElementDef& ce = item.type->elements[ci];
      if (!ce.choice || ce.name != name) continue;
      // The member that carries the value ("valueQuantity"), found among the object's keys.
      for (const auto& [key, value] : obj.as_object()) {
        std::string_view k = key;
        if (k.starts_with('_')) {
          k.remove_prefix(1);  // "_valueString" alone: a value with only extensions
          if (obj.find(k) != nullptr) continue;
        }
        if (k.size() <= name.size() || !k.starts_with(name)) continue;
        auto child = el->children.find(k);
        if (child != el->children.end() && child->second.element == ci) {
          AddChildren(obj, k, item.type, ci, child->second.type, out);
        }
      }
      return {};
    }
    if (strict_) {
      return Fail(EvalError(n, fmt::format("'{}' is not an element of {}", name, item.type->name)));
    }
    return {};
  }

  // Every child node of an item (children(), §5.8).
  void AllChildren(const Item& item, Collection& out) {
    if (!item.is_node()) return;
    if (item.value == nullptr || !item.value->is_object()) {
      if (item.ext != nullptr) {
        AddChildren(*item.ext, "id", nullptr, 0, 0, out);
        size_t start = out.size();
        AddChildren(*item.ext, "extension", nullptr, 0, 0, out);
        const fhir::TypeDef* ext_type = defs_.FindType("Extension");
        for (size_t i = start; i < out.size(); ++i) out[i].type = ext_type;
      }
      return;
    }
    const fhir::ElementDef* el = ElementOf(item);
    for (const auto& [key, value] : item.value->as_object()) {
      std::string_view k = key;
      if (k == "resourceType") continue;
      if (k.starts_with('_')) {
        if (item.value->find(k.substr(1)) != nullptr) continue;  // merged with its value
        k.remove_prefix(1);
      }
      if (el == nullptr) {
        AddChildren(*item.value, k, nullptr, 0, 0, out);
        continue;
      }
      auto it = el->children.find(k);
      if (it == el->children.end()) continue;
      AddChildren(*item.value, k, item.type, it->second.element, it->second.type, out);
    }
  }

  // The type of a resource node matches a type name used as the first step of a path.
  bool MatchesTypeName(const Item& item, std::string_view name) const {
    if (!item.is_node()) return false;
    if (item.type == nullptr) {
      // Untyped JSON that names its own type (not one of R4's).
      return item.value != nullptr && item.value->is_object() && item.value->string_at("resourceType") == name;
    }
    for (const fhir::TypeDef* t = item.type; t != nullptr; t = t->base.empty() ? nullptr : defs_.FindType(t->base)) {
      if (t->name == name) return item.element == 0;
    }
    return false;
  }

  Result<Collection> MemberOf(const Node& n, const Collection& focus) {
    Collection out;
    if (n.term && !n.name.empty() && std::isupper(static_cast<unsigned char>(n.name[0]))) {
      // A path may start with the type of its context: "Patient.name" (§4.1 "Paths").
      bool any_typed = false;
      for (const Item& i : focus) {
        if (MatchesTypeName(i, n.name)) out.push_back(i);
        any_typed |= i.type != nullptr;
      }
      if (!out.empty()) return out;
      const fhir::TypeDef* t = defs_.FindType(n.name);
      if (t != nullptr && t->kind == fhir::TypeDef::Kind::kResource) {
        if (strict_ && any_typed) {
          return Fail(EvalError(n, fmt::format("the context is not a {}", n.name)));
        }
        if (any_typed || focus.empty()) return out;
      }
    }
    for (const Item& i : focus) SALUS_TRY(Navigate(n, i, n.name, out));
    return out;
  }

  // ---- type tests (§6.3) ----

  // `exact`: as()/ofType() do not treat FHIR primitive specialisations (code of string) as
  // their base type; is() does (suite: testFHIRPathIsFunction*, testFHIRPathAsFunction*).
  bool IsType(const Item& item, const TypeSpec& spec, bool exact = false) const {
    if (!item.is_node() || item.type == nullptr) {
      Item s = ToSystem(item);
      if (!s.is_node()) {
        return (spec.ns.empty() || spec.ns == "System") && spec.name == SystemTypeName(s.kind);
      }
      return false;
    }
    if (spec.ns == "System") return false;
    std::string_view tn = item.TypeName();
    if (exact && fhir::IsPrimitiveTypeName(tn)) return tn == spec.name;
    for (const fhir::TypeDef* t = defs_.FindType(tn); t != nullptr;
         t = t->base.empty() ? nullptr : defs_.FindType(t->base)) {
      if (t->name == spec.name) return true;
    }
    return tn == spec.name;
  }

  // ---- helpers ----

  static std::string Describe(const Item& i) {
    if (i.is_node()) {
      std::string_view t = i.TypeName();
      return t.empty() ? "an element" : fmt::format("a {}", t);
    }
    return fmt::format("a {}", SystemTypeName(i.kind));
  }

  // Singleton evaluation of a collection as a Boolean (§4.5): empty -> unknown.
  Result<std::optional<bool>> ToBool(const Node& n, const Collection& c) {
    if (c.empty()) return std::optional<bool>();
    if (c.size() > 1) return Fail(EvalError(n, "expected a single Boolean but got a collection"));
    Item i = ToSystem(c[0]);
    if (i.kind == Item::Kind::kBoolean) return std::optional<bool>(i.boolean);
    return std::optional<bool>(true);
  }

  Result<int64_t> IntegerArg(const Node& n, const Collection& c) {
    if (c.size() != 1) return Fail(EvalError(n, "expected a single Integer"));
    Item i = ToSystem(c[0]);
    if (i.kind == Item::Kind::kInteger) return i.integer;
    if (i.kind == Item::Kind::kDecimal && i.decimal.ToInt()) return *i.decimal.ToInt();
    return Fail(EvalError(n, fmt::format("expected an Integer but got {}", Describe(i))));
  }

  // A single String input (or argument); nullopt for empty.
  Result<std::optional<std::string_view>> StringOf(const Node& n, const Collection& c) {
    if (c.empty()) return std::optional<std::string_view>();
    if (c.size() > 1) return Fail(EvalError(n, "expected a single String but got a collection"));
    if (c[0].is_node() && c[0].value == nullptr) return std::optional<std::string_view>();  // no value
    Item i = ToSystem(c[0]);
    if (i.kind != Item::Kind::kString) {
      return Fail(EvalError(n, fmt::format("expected a String but got {}", Describe(i))));
    }
    return std::optional<std::string_view>(i.string);
  }

  Result<Collection> EvalArg(const Node& fn, size_t k, const Collection& focus) {
    // Arguments that are not lambdas evaluate against the expression's $this context.
    (void)fn;
    return Eval(*fn.children[k], focus);
  }

  // Evaluates child `k` of `n` once per input item with $this/$index set.
  Result<Collection> EvalFor(const Node& expr, const Item& item, int64_t index,
                             const Collection* total = nullptr) {
    Frame saved = frame_;
    frame_.this_item = &item;
    frame_.index = index;
    if (total != nullptr) frame_.total = total;
    Collection focus{item};
    auto out = Eval(expr, focus);
    frame_ = saved;
    return out;
  }

 public:
  // ---- equality (§6.1) ----

  // `=` on two items: nullopt when the answer is unknown (dates of different precision).
  static std::optional<bool> ItemEqual(const Item& a0, const Item& b0) {
    Item a = ToSystem(a0), b = ToSystem(b0);
    if (a.is_node() || b.is_node()) {
      if (!a.is_node() || !b.is_node()) return false;
      // A primitive with only an id/extensions has no value to compare: it equals only itself.
      if (a.value == nullptr || b.value == nullptr) return a.value == b.value && a.ext == b.ext;
      return json::Equivalent(*a.value, *b.value);
    }
    if (IsNumeric(a) && IsNumeric(b)) return Compare(AsDecimal(a), AsDecimal(b)) == 0;
    if (IsTemporal(a) && IsTemporal(b)) {
      if ((a.kind == Item::Kind::kTime) != (b.kind == Item::Kind::kTime)) return false;
      auto c = Compare(a.temporal, b.temporal);
      if (!c) return std::nullopt;
      return *c == 0;
    }
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case Item::Kind::kBoolean: return a.boolean == b.boolean;
      case Item::Kind::kString: return a.string == b.string;
      case Item::Kind::kQuantity: {
        auto c = Compare(Quantity{a.decimal, std::string(a.string)}, Quantity{b.decimal, std::string(b.string)});
        if (!c) return std::nullopt;
        return *c == 0;
      }
      default: return false;
    }
  }

  static bool ItemEquivalent(const Item& a0, const Item& b0) {
    Item a = ToSystem(a0), b = ToSystem(b0);
    if (a.is_node() || b.is_node()) {
      if (!a.is_node() || !b.is_node()) return false;
      // A primitive with only an id/extensions has no value to compare: it equals only itself.
      if (a.value == nullptr || b.value == nullptr) return a.value == b.value && a.ext == b.ext;
      return json::Equivalent(*a.value, *b.value);
    }
    if (IsNumeric(a) && IsNumeric(b)) return Equivalent(AsDecimal(a), AsDecimal(b));
    if (IsTemporal(a) && IsTemporal(b)) {
      auto collapse = [](Temporal::Precision p) {
        return p == Temporal::kMillisecond ? Temporal::kSecond : p;
      };
      if (collapse(a.temporal.precision) != collapse(b.temporal.precision)) return false;
      auto c = Compare(a.temporal, b.temporal);
      return c && *c == 0;
    }
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case Item::Kind::kBoolean: return a.boolean == b.boolean;
      case Item::Kind::kString: return NormalizeForEquivalence(a.string) == NormalizeForEquivalence(b.string);
      case Item::Kind::kQuantity: {
        Quantity qa{a.decimal, std::string(a.string)}, qb{b.decimal, std::string(b.string)};
        auto ca = ToCanonical(qa), cb = ToCanonical(qb);
        if (ca && cb && ca->unit == cb->unit) return Equivalent(ca->value, cb->value);
        auto c = Compare(qa, qb);
        return c && *c == 0;
      }
      default: return false;
    }
  }

  static bool Contains(const Collection& c, const Item& item) {
    for (const Item& x : c) {
      if (SameItem(x, item)) return true;
    }
    return false;
  }

  // Distinct items in insertion order, found by hash bucket then `=`.
  class ItemSet {
   public:
    // Adds the item unless an equal one is already there; returns whether it was added.
    bool Insert(const Item& item) {
      auto& bucket = buckets_[HashItem(item)];
      for (size_t k : bucket) {
        if (SameItem(items_[k], item)) return false;
      }
      bucket.push_back(items_.size());
      items_.push_back(item);
      return true;
    }
    bool Has(const Item& item) const {
      auto it = buckets_.find(HashItem(item));
      if (it == buckets_.end()) return false;
      for (size_t k : it->second) {
        if (SameItem(items_[k], item)) return true;
      }
      return false;
    }
    Collection Take() { return std::move(items_); }

   private:
    std::unordered_map<size_t, std::vector<size_t>> buckets_;
    Collection items_;
  };
  static ItemSet SetOf(const Collection& c) {
    ItemSet set;
    for (const Item& i : c) set.Insert(i);
    return set;
  }
  // Equality used by union/distinct/in: `=` where unknown counts as different.
  static bool SameItem(const Item& a, const Item& b) {
    if (a.is_node() && b.is_node() && a.value == b.value && a.ext == b.ext) return true;
    auto e = ItemEqual(a, b);
    return e && *e;
  }

 private:
  // ---- operators ----

  Result<Collection> Binary(const Node& n, const Collection& focus) {
    const std::string& op = n.name;
    if (op == "and" || op == "or" || op == "xor" || op == "implies") return Logic(n, focus);
    SALUS_ASSIGN_OR_RETURN(Collection l, Eval(*n.children[0], focus));
    SALUS_ASSIGN_OR_RETURN(Collection r, Eval(*n.children[1], focus));
    if (op == "|") {
      ItemSet set;
      for (const Item& i : l) set.Insert(i);
      for (const Item& i : r) set.Insert(i);
      return set.Take();
    }
    if (op == "=" || op == "!=") {
      if (l.empty() || r.empty()) return Collection{};
      std::optional<bool> eq = true;
      if (l.size() != r.size()) {
        eq = false;
      } else {
        for (size_t i = 0; i < l.size() && eq && *eq; ++i) eq = ItemEqual(l[i], r[i]);
      }
      if (!eq) return Collection{};
      return Collection{Item::Boolean(op == "=" ? *eq : !*eq)};
    }
    if (op == "~" || op == "!~") {
      bool eq = l.size() == r.size();
      if (eq) {
        std::vector<bool> used(r.size(), false);
        for (const Item& a : l) {
          bool found = false;
          for (size_t j = 0; j < r.size() && !found; ++j) {
            if (!used[j] && ItemEquivalent(a, r[j])) used[j] = found = true;
          }
          if (!found) {
            eq = false;
            break;
          }
        }
      }
      return Collection{Item::Boolean(op == "~" ? eq : !eq)};
    }
    if (op == "in" || op == "contains") {
      const Collection& needle = op == "in" ? l : r;
      const Collection& hay = op == "in" ? r : l;
      if (needle.empty()) return Collection{};
      if (needle.size() > 1) return Fail(EvalError(n, fmt::format("'{}' needs a single item", op)));
      return Collection{Item::Boolean(Contains(hay, needle[0]))};
    }
    if (op == "<" || op == ">" || op == "<=" || op == ">=") return Comparison(n, l, r);
    if (op == "&") {
      std::string s;
      for (const Collection* c : {&l, &r}) {
        SALUS_ASSIGN_OR_RETURN(auto v, StringOf(n, *c));
        if (v) s.append(*v);
      }
      return Collection{Item::String(ws_.Keep(std::move(s)))};
    }
    return Arithmetic(n, l, r);
  }

  Result<Collection> Logic(const Node& n, const Collection& focus) {
    const std::string& op = n.name;
    SALUS_ASSIGN_OR_RETURN(Collection lc, Eval(*n.children[0], focus));
    SALUS_ASSIGN_OR_RETURN(std::optional<bool> l, ToBool(n, lc));
    // Short cuts that need no right operand.
    if (op == "and" && l && !*l) return Collection{Item::Boolean(false)};
    if (op == "or" && l && *l) return Collection{Item::Boolean(true)};
    if (op == "implies" && l && !*l) return Collection{Item::Boolean(true)};
    SALUS_ASSIGN_OR_RETURN(Collection rc, Eval(*n.children[1], focus));
    SALUS_ASSIGN_OR_RETURN(std::optional<bool> r, ToBool(n, rc));
    std::optional<bool> out;
    if (op == "and") {
      if (r && !*r) out = false;
      else if (l && r) out = true;
    } else if (op == "or") {
      if (r && *r) out = true;
      else if (l && r) out = false;
    } else if (op == "xor") {
      if (l && r) out = *l != *r;
    } else {  // implies
      if (r && *r) out = true;
      else if (l && r) out = !*l || *r;
    }
    if (!out) return Collection{};
    return Collection{Item::Boolean(*out)};
  }

  Result<Collection> Comparison(const Node& n, const Collection& l, const Collection& r) {
    if (l.empty() || r.empty()) return Collection{};
    if (l.size() > 1 || r.size() > 1) return Fail(EvalError(n, fmt::format("'{}' needs single items", n.name)));
    Item a = ToSystem(l[0]), b = ToSystem(r[0]);
    std::optional<int> c;
    if (IsNumeric(a) && IsNumeric(b)) {
      c = Compare(AsDecimal(a), AsDecimal(b));
    } else if (a.kind == Item::Kind::kString && b.kind == Item::Kind::kString) {
      c = a.string < b.string ? -1 : a.string > b.string ? 1 : 0;
    } else if (IsTemporal(a) && IsTemporal(b) &&
               (a.kind == Item::Kind::kTime) == (b.kind == Item::Kind::kTime)) {
      c = Compare(a.temporal, b.temporal);
      if (!c) return Collection{};
    } else if (a.kind == Item::Kind::kQuantity && b.kind == Item::Kind::kQuantity) {
      c = Compare(Quantity{a.decimal, std::string(a.string)}, Quantity{b.decimal, std::string(b.string)});
      if (!c) return Collection{};
    } else {
      return Fail(EvalError(n, fmt::format("cannot compare {} with {}", Describe(a), Describe(b))));
    }
    bool v = n.name == "<" ? *c < 0 : n.name == ">" ? *c > 0 : n.name == "<=" ? *c <= 0 : *c >= 0;
    return Collection{Item::Boolean(v)};
  }

  Result<Collection> Arithmetic(const Node& n, const Collection& l, const Collection& r) {
    const std::string& op = n.name;
    if (l.empty() || r.empty()) return Collection{};
    if (l.size() > 1 || r.size() > 1) return Fail(EvalError(n, fmt::format("'{}' needs single items", op)));
    Item a = ToSystem(l[0]), b = ToSystem(r[0]);
    auto mismatch = [&]() {
      return Fail(EvalError(n, fmt::format("'{}' cannot apply to {} and {}", op, Describe(a), Describe(b))));
    };
    auto dec = [](std::optional<Decimal> d) { return d ? Collection{Item::Dec(*d)} : Collection{}; };
    if (a.kind == Item::Kind::kInteger && b.kind == Item::Kind::kInteger && op != "/") {
      int64_t x = a.integer, y = b.integer, z = 0;
      bool overflow = false;
      if (op == "+") overflow = __builtin_add_overflow(x, y, &z);
      else if (op == "-") overflow = __builtin_sub_overflow(x, y, &z);
      else if (op == "*") overflow = __builtin_mul_overflow(x, y, &z);
      else if (op == "div" || op == "mod") {
        if (y == 0) return Collection{};
        z = op == "div" ? x / y : x % y;
      } else {
        return mismatch();
      }
      if (overflow) return Collection{};
      return Collection{Item::Integer(z)};
    }
    if (IsNumeric(a) && IsNumeric(b)) {
      Decimal x = AsDecimal(a), y = AsDecimal(b);
      if (op == "+") return dec(Add(x, y));
      if (op == "-") return dec(Subtract(x, y));
      if (op == "*") return dec(Multiply(x, y));
      if (op == "/") return dec(Divide(x, y));
      if (op == "div") {
        auto q = Divide(x, y);
        if (!q) return Collection{};
        return Collection{Item::Integer(*q->Truncate().ToInt())};
      }
      if (op == "mod") {
        auto q = Divide(x, y);
        if (!q) return Collection{};
        auto p = Multiply(y, q->Truncate());
        return p ? dec(Subtract(x, *p)) : Collection{};
      }
      return mismatch();
    }
    if (op == "+" && a.kind == Item::Kind::kString && b.kind == Item::Kind::kString) {
      return Collection{Item::String(ws_.Keep(std::string(a.string) + std::string(b.string)))};
    }
    if (IsTemporal(a) && b.kind == Item::Kind::kQuantity && (op == "+" || op == "-")) {
      auto t = AddDuration(a.temporal, b.decimal, b.string, op == "+" ? 1 : -1);
      if (!t) return Fail(EvalError(n, t.error()));
      return Collection{Item::Time(*t)};
    }
    if (a.kind == Item::Kind::kQuantity && b.kind == Item::Kind::kQuantity) {
      Quantity qa{a.decimal, std::string(a.string)}, qb{b.decimal, std::string(b.string)};
      if (op == "+" || op == "-") {
        if (qa.unit != qb.unit) {
          auto ca = ToCanonical(qa), cb = ToCanonical(qb);
          if (!ca || !cb || ca->unit != cb->unit) return Collection{};
          qa = *ca;
          qb = *cb;
        }
        auto v = op == "+" ? Add(qa.value, qb.value) : Subtract(qa.value, qb.value);
        if (!v) return Collection{};
        return Collection{Item::Qty(*v, ws_.Keep(qa.unit))};
      }
      if (op == "*" || op == "/") {
        auto ca = ToCanonical(qa), cb = ToCanonical(qb);
        if (ca && cb) {
          qa = *ca;
          qb = *cb;
        }
        auto v = op == "*" ? Multiply(qa.value, qb.value) : Divide(qa.value, qb.value);
        if (!v) return Collection{};
        std::string unit;
        if (op == "/" && qa.unit == qb.unit) unit = "1";
        else if (op == "*" && qa.unit == qb.unit && qa.unit != "1") unit = qa.unit + "2";
        else if (qa.unit == "1") unit = op == "*" ? qb.unit : "1/" + qb.unit;
        else if (qb.unit == "1") unit = qa.unit;
        else unit = qa.unit + (op == "*" ? "." : "/") + qb.unit;
        return Collection{Item::Qty(*v, ws_.Keep(std::move(unit)))};
      }
      return mismatch();
    }
    if (a.kind == Item::Kind::kQuantity && IsNumeric(b) && (op == "*" || op == "/")) {
      auto v = op == "*" ? Multiply(a.decimal, AsDecimal(b)) : Divide(a.decimal, AsDecimal(b));
      if (!v) return Collection{};
      return Collection{Item::Qty(*v, a.string)};
    }
    if (IsNumeric(a) && b.kind == Item::Kind::kQuantity && op == "*") {
      auto v = Multiply(AsDecimal(a), b.decimal);
      if (!v) return Collection{};
      return Collection{Item::Qty(*v, b.string)};
    }
    return mismatch();
  }

  // ---- functions ----

  Result<Collection> Function(const Node& n, const Collection& focus);
  Result<Collection> Convert(const Node& n, const Collection& input);
  Result<Collection> StringFunction(const Node& n, const Collection& input, const Collection& focus);
  Result<Collection> MathFunction(const Node& n, const Collection& input, const Collection& focus);
  Result<Collection> Resolve(const Collection& input);
  const json::Value* FindReference(std::string_view ref);

  // The context collection arguments evaluate against: $this when inside an iteration,
  // otherwise the whole expression's input.
  const Collection& ArgFocus() {
    if (frame_.this_item != nullptr) {
      arg_focus_ = Collection{*frame_.this_item};
      return arg_focus_;
    }
    return context_;
  }

  Temporal Now() {
    if (!now_) {
      auto t = std::chrono::system_clock::now();
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
      Temporal v = Temporal::FromEpochMillis(ms);
      now_ = v;
    }
    return *now_;
  }

  const fhir::Definitions& defs_;
  bool strict_;
  Workspace& ws_;
  const Collection& context_;
  Item resource_;
  Item root_;
  Frame frame_;
  int depth_ = 0;
  Collection arg_focus_;
  std::optional<Temporal> now_;
  std::vector<std::pair<std::string, Collection>> defined_;
};

Result<Collection> Evaluator::Function(const Node& n, const Collection& focus) {
  // A function in term position ("where(...)" with no '.') applies to $this / the context.
  const Collection& input = focus;
  auto arg = [&](size_t k) -> Result<Collection> {
    // Non-lambda arguments are evaluated against the context of the function call (§4.3).
    Collection f = frame_.this_item != nullptr ? Collection{*frame_.this_item} : context_;
    return Eval(*n.children[k], f);
  };
  auto boolean = [](bool b) { return Collection{Item::Boolean(b)}; };
  auto single = [&](std::string_view what) -> Status {
    if (input.size() > 1) return Fail(EvalError(n, fmt::format("{}() needs a single item, got {}", what, input.size())));
    return {};
  };

  switch (n.fn) {
    case Fn::kEmpty: return boolean(input.empty());
    case Fn::kExists: {
      if (n.children.empty()) return boolean(!input.empty());
      for (size_t i = 0; i < input.size(); ++i) {
        SALUS_ASSIGN_OR_RETURN(Collection r, EvalFor(*n.children[0], input[i], static_cast<int64_t>(i)));
        SALUS_ASSIGN_OR_RETURN(auto b, ToBool(n, r));
        if (b && *b) return boolean(true);
      }
      return boolean(false);
    }
    case Fn::kAll: {
      for (size_t i = 0; i < input.size(); ++i) {
        SALUS_ASSIGN_OR_RETURN(Collection r, EvalFor(*n.children[0], input[i], static_cast<int64_t>(i)));
        SALUS_ASSIGN_OR_RETURN(auto b, ToBool(n, r));
        if (!b || !*b) return boolean(false);
      }
      return boolean(true);
    }
    case Fn::kAllTrue: case Fn::kAnyTrue: case Fn::kAllFalse: case Fn::kAnyFalse: {
      bool want = n.fn == Fn::kAllTrue || n.fn == Fn::kAnyTrue;
      bool all = n.fn == Fn::kAllTrue || n.fn == Fn::kAllFalse;
      for (const Item& i0 : input) {
        Item i = ToSystem(i0);
        if (i.kind != Item::Kind::kBoolean) return Fail(EvalError(n, fmt::format("{}() needs Booleans", n.name)));
        if (all && i.boolean != want) return boolean(false);
        if (!all && i.boolean == want) return boolean(true);
      }
      return boolean(all);
    }
    case Fn::kSubsetOf: case Fn::kSupersetOf: {
      SALUS_ASSIGN_OR_RETURN(Collection other, arg(0));
      const Collection& small = n.fn == Fn::kSubsetOf ? input : other;
      ItemSet big = SetOf(n.fn == Fn::kSubsetOf ? other : input);
      for (const Item& i : small) {
        if (!big.Has(i)) return boolean(false);
      }
      return boolean(true);
    }
    case Fn::kCount: return Collection{Item::Integer(static_cast<int64_t>(input.size()))};
    case Fn::kDistinct: return SetOf(input).Take();
    case Fn::kIsDistinct: {
      ItemSet set;
      for (const Item& i : input) {
        if (!set.Insert(i)) return boolean(false);
      }
      return boolean(true);
    }
    case Fn::kWhere: {
      Collection out;
      for (size_t i = 0; i < input.size(); ++i) {
        SALUS_ASSIGN_OR_RETURN(Collection r, EvalFor(*n.children[0], input[i], static_cast<int64_t>(i)));
        SALUS_ASSIGN_OR_RETURN(auto b, ToBool(n, r));
        if (b && *b) out.push_back(input[i]);
      }
      return out;
    }
    case Fn::kSelect: {
      Collection out;
      for (size_t i = 0; i < input.size(); ++i) {
        SALUS_ASSIGN_OR_RETURN(Collection r, EvalFor(*n.children[0], input[i], static_cast<int64_t>(i)));
        out.insert(out.end(), r.begin(), r.end());
        if (out.size() > kMaxItems) return Fail(EvalError(n, "collection is too large"));
      }
      return out;
    }
    case Fn::kRepeat: {
      ItemSet seen;
      Collection queue = input;
      size_t head = 0, count = 0;
      while (head < queue.size()) {
        Item cur = queue[head++];
        SALUS_ASSIGN_OR_RETURN(Collection r, EvalFor(*n.children[0], cur, -1));
        for (const Item& i : r) {
          if (!seen.Insert(i)) continue;
          queue.push_back(i);
          ++count;
        }
        if (count > kMaxItems / 16) return Fail(EvalError(n, "repeat() produced too many items"));
      }
      return seen.Take();
    }
    case Fn::kOfType: case Fn::kAs: {
      if (n.fn == Fn::kAs) SALUS_TRY(single("as"));
      Collection out;
      for (const Item& i : input) if (IsType(i, n.type, true)) out.push_back(i);
      return out;
    }
    case Fn::kIs: {
      if (input.empty()) return Collection{};
      SALUS_TRY(single("is"));
      return boolean(IsType(input[0], n.type));
    }
    case Fn::kSingle:
      SALUS_TRY(single("single"));
      return input;
    case Fn::kFirst: return input.empty() ? Collection{} : Collection{input.front()};
    case Fn::kLast: return input.empty() ? Collection{} : Collection{input.back()};
    case Fn::kTail: return input.size() <= 1 ? Collection{} : Collection(input.begin() + 1, input.end());
    case Fn::kSkip: case Fn::kTake: {
      SALUS_ASSIGN_OR_RETURN(Collection c, arg(0));
      SALUS_ASSIGN_OR_RETURN(int64_t k, IntegerArg(n, c));
      size_t m = static_cast<size_t>(std::clamp<int64_t>(k, 0, static_cast<int64_t>(input.size())));
      if (n.fn == Fn::kSkip) return Collection(input.begin() + m, input.end());
      return Collection(input.begin(), input.begin() + m);
    }
    case Fn::kIntersect: {
      SALUS_ASSIGN_OR_RETURN(Collection other, arg(0));
      ItemSet in_other = SetOf(other);
      ItemSet out;
      for (const Item& i : input) if (in_other.Has(i)) out.Insert(i);
      return out.Take();
    }
    case Fn::kExclude: {
      SALUS_ASSIGN_OR_RETURN(Collection other, arg(0));
      ItemSet in_other = SetOf(other);
      Collection out;
      for (const Item& i : input) if (!in_other.Has(i)) out.push_back(i);
      return out;
    }
    case Fn::kUnion: case Fn::kCombine: {
      SALUS_ASSIGN_OR_RETURN(Collection other, arg(0));
      Collection out;
      if (n.fn == Fn::kCombine) {
        out = input;
        out.insert(out.end(), other.begin(), other.end());
        return out;
      }
      ItemSet set;
      for (const Item& i : input) set.Insert(i);
      for (const Item& i : other) set.Insert(i);
      return set.Take();
    }
    case Fn::kIif: {
      SALUS_TRY(single("iif"));
      const Item* self = n.term ? frame_.this_item : (input.empty() ? nullptr : &input[0]);
      Frame saved = frame_;
      if (!n.term && !input.empty()) {
        frame_.this_item = &input[0];
        frame_.index = 0;
      }
      Collection f = self != nullptr ? Collection{*self} : (n.term ? focus : Collection{});
      auto cond = Eval(*n.children[0], f);
      if (!cond) {
        frame_ = saved;
        return Fail(cond.error());
      }
      if (cond->size() == 1 && ToSystem((*cond)[0]).kind != Item::Kind::kBoolean && strict_) {
        frame_ = saved;
        return Fail(EvalError(n, "iif() criterion must be a Boolean"));
      }
      auto b = ToBool(n, *cond);
      if (!b) {
        frame_ = saved;
        return Fail(b.error());
      }
      Result<Collection> out = Collection{};
      if (*b && **b) out = Eval(*n.children[1], f);
      else if (n.children.size() > 2) out = Eval(*n.children[2], f);
      frame_ = saved;
      return out;
    }
    case Fn::kNot: {
      SALUS_ASSIGN_OR_RETURN(auto b, ToBool(n, input));
      if (!b) return Collection{};
      return boolean(!*b);
    }
    case Fn::kChildren: {
      Collection out;
      for (const Item& i : input) AllChildren(i, out);
      return out;
    }
    case Fn::kDescendants: {
      Collection out;
      Collection level = input;
      while (!level.empty()) {
        Collection next;
        for (const Item& i : level) AllChildren(i, next);
        out.insert(out.end(), next.begin(), next.end());
        if (out.size() > kMaxItems) return Fail(EvalError(n, "collection is too large"));
        level = std::move(next);
      }
      return out;
    }
    case Fn::kTrace: {
      SALUS_ASSIGN_OR_RETURN(Collection name, arg(0));
      SALUS_ASSIGN_OR_RETURN(auto label, StringOf(n, name));
      if (ws_.on_trace) {
        if (n.children.size() > 1) {
          Collection projected;
          for (size_t i = 0; i < input.size(); ++i) {
            SALUS_ASSIGN_OR_RETURN(Collection r, EvalFor(*n.children[1], input[i], static_cast<int64_t>(i)));
            projected.insert(projected.end(), r.begin(), r.end());
          }
          ws_.on_trace(label.value_or(""), projected);
        } else {
          ws_.on_trace(label.value_or(""), input);
        }
      }
      return input;
    }
    case Fn::kNow: return Collection{Item::Time(Now())};
    case Fn::kToday: {
      Temporal t = Now();
      t.kind = Temporal::Kind::kDate;
      t.precision = Temporal::kDay;
      t.has_tz = false;
      return Collection{Item::Time(t)};
    }
    case Fn::kTimeOfDay: {
      Temporal t = Now();
      t.kind = Temporal::Kind::kTime;
      t.has_tz = false;
      return Collection{Item::Time(t)};
    }
    case Fn::kType: {
      Collection out;
      for (const Item& i : input) {
        json::Value info{json::Object{}};
        if (i.is_node() && i.type != nullptr) {
          info.set("namespace", "FHIR");
          info.set("name", std::string(i.TypeName()));
        } else {
          info.set("namespace", "System");
          info.set("name", std::string(SystemTypeName(ToSystem(i).kind)));
        }
        Item node;
        node.value = ws_.Keep(std::move(info));
        out.push_back(node);
      }
      return out;
    }
    case Fn::kAggregate: {
      Collection total;
      if (n.children.size() > 1) {
        SALUS_ASSIGN_OR_RETURN(total, arg(1));
      }
      for (size_t i = 0; i < input.size(); ++i) {
        Collection current = total;
        SALUS_ASSIGN_OR_RETURN(total, EvalFor(*n.children[0], input[i], static_cast<int64_t>(i), &current));
      }
      return total;
    }
    case Fn::kSort: {
      struct Keyed {
        Item item;
        std::vector<Item> keys;
      };
      std::vector<Keyed> rows;
      std::vector<bool> descending;
      for (const auto& c : n.children) descending.push_back(c->kind == Node::Kind::kNegate);
      for (size_t i = 0; i < input.size(); ++i) {
        Keyed k{input[i], {}};
        if (n.children.empty()) k.keys.push_back(ToSystem(input[i]));
        for (const auto& c : n.children) {
          const Node& key = c->kind == Node::Kind::kNegate ? *c->children[0] : *c;
          SALUS_ASSIGN_OR_RETURN(Collection r, EvalFor(key, input[i], static_cast<int64_t>(i)));
          k.keys.push_back(r.empty() ? Item{} : ToSystem(r[0]));
        }
        rows.push_back(std::move(k));
      }
      auto cmp = [](const Item& a, const Item& b) -> int {
        // An empty key sorts after every value.
        bool ea = a.is_node() && a.value == nullptr, eb = b.is_node() && b.value == nullptr;
        if (ea || eb) return ea == eb ? 0 : ea ? 1 : -1;
        if (a.is_node() || b.is_node()) return 0;
        if (IsNumeric(a) && IsNumeric(b)) return Compare(AsDecimal(a), AsDecimal(b));
        if (a.kind == Item::Kind::kString && b.kind == Item::Kind::kString) return a.string.compare(b.string);
        if (IsTemporal(a) && IsTemporal(b)) return Compare(a.temporal, b.temporal).value_or(0);
        return 0;
      };
      std::stable_sort(rows.begin(), rows.end(), [&](const Keyed& a, const Keyed& b) {
        for (size_t k = 0; k < a.keys.size(); ++k) {
          int c = cmp(a.keys[k], b.keys[k]);
          if (k < descending.size() && descending[k]) c = -c;
          if (c != 0) return c < 0;
        }
        return false;
      });
      Collection out;
      for (auto& r : rows) out.push_back(r.item);
      return out;
    }
    case Fn::kExtension: {
      SALUS_ASSIGN_OR_RETURN(Collection u, arg(0));
      SALUS_ASSIGN_OR_RETURN(auto url, StringOf(n, u));
      Collection out;
      if (!url) return out;
      Collection all;
      for (const Item& i : input) SALUS_TRY(Navigate(n, i, "extension", all));
      for (const Item& e : all) {
        if (e.value != nullptr && e.value->is_object()) {
          auto eu = e.value->string_at("url");
          if (eu && *eu == *url) out.push_back(e);
        }
      }
      return out;
    }
    case Fn::kHasValue: {
      if (input.size() != 1) return boolean(false);
      const Item& i = input[0];
      if (!i.is_node()) return boolean(true);
      return boolean(i.value != nullptr && i.value->is_primitive());
    }
    case Fn::kGetValue: {
      if (input.size() != 1) return Collection{};
      Item s = ToSystem(input[0]);
      if (s.is_node()) return Collection{};
      return Collection{s};
    }
    case Fn::kResolve: return Resolve(input);
    case Fn::kMemberOf:
      return Fail(EvalError(n, "memberOf() needs a terminology service, which Salus does not have"));
    case Fn::kConformsTo: {
      // Base FHIR profiles only: conformance to another profile needs that profile.
      SALUS_ASSIGN_OR_RETURN(Collection u, arg(0));
      SALUS_ASSIGN_OR_RETURN(auto url, StringOf(n, u));
      if (!url) return Collection{};
      constexpr std::string_view kBase = "http://hl7.org/fhir/StructureDefinition/";
      if (!url->starts_with(kBase) || defs_.FindType(url->substr(kBase.size())) == nullptr) {
        return Fail(EvalError(n, fmt::format("conformsTo(): profile {} is not known", *url)));
      }
      if (input.empty()) return Collection{};
      SALUS_TRY(single("conformsTo"));
      return boolean(IsType(input[0], TypeSpec{"FHIR", std::string(url->substr(kBase.size()))}));
    }
    case Fn::kHtmlChecks: return boolean(true);
    case Fn::kDefineVariable: {
      SALUS_ASSIGN_OR_RETURN(Collection name, arg(0));
      SALUS_ASSIGN_OR_RETURN(auto label, StringOf(n, name));
      if (!label) return Fail(EvalError(n, "defineVariable() needs a name"));
      Collection value = input;
      if (n.children.size() > 1) {
        Frame saved = frame_;
        auto r = Eval(*n.children[1], input);
        frame_ = saved;
        if (!r) return Fail(r.error());
        value = std::move(*r);
      }
      defined_.emplace_back(std::string(*label), std::move(value));
      return input;
    }
    case Fn::kPrecision: {
      if (input.empty()) return Collection{};
      SALUS_TRY(single("precision"));
      Item i = ToSystem(input[0]);
      if (i.kind == Item::Kind::kDecimal) return Collection{Item::Integer(i.decimal.scale)};
      if (i.kind == Item::Kind::kInteger) return Collection{Item::Integer(0)};
      if (IsTemporal(i)) {
        static constexpr int kDate[] = {4, 6, 8, 10, 12, 14, 17};
        static constexpr int kTime[] = {0, 0, 0, 2, 4, 6, 9};
        int p = i.kind == Item::Kind::kTime ? kTime[i.temporal.precision] : kDate[i.temporal.precision];
        return Collection{Item::Integer(p)};
      }
      return Collection{};
    }
    case Fn::kLowBoundary: case Fn::kHighBoundary: {
      if (input.empty()) return Collection{};
      SALUS_TRY(single(n.name));
      std::optional<int64_t> digits;
      if (!n.children.empty()) {
        SALUS_ASSIGN_OR_RETURN(Collection c, arg(0));
        if (c.empty()) return Collection{};
        SALUS_ASSIGN_OR_RETURN(digits, IntegerArg(n, c));
      }
      auto b = Boundary(ToSystem(input[0]), digits, n.fn == Fn::kHighBoundary);
      if (!b) return Collection{};
      return Collection{*b};
    }
    case Fn::kComparable: {
      if (input.empty()) return Collection{};
      SALUS_TRY(single("comparable"));
      SALUS_ASSIGN_OR_RETURN(Collection c, arg(0));
      if (c.size() != 1) return Collection{};
      Item a = ToSystem(input[0]), b = ToSystem(c[0]);
      if (a.kind != Item::Kind::kQuantity || b.kind != Item::Kind::kQuantity) {
        return Fail(EvalError(n, "comparable() needs Quantities"));
      }
      return boolean(Compare(Quantity{a.decimal, std::string(a.string)},
                             Quantity{b.decimal, std::string(b.string)}).has_value());
    }
    default:
      break;
  }
  if (n.fn >= Fn::kIif && n.fn <= Fn::kConvertsToQuantity) return Convert(n, input);
  if (n.fn == Fn::kJoin) {
    std::string sep;
    if (!n.children.empty()) {
      SALUS_ASSIGN_OR_RETURN(Collection c, arg(0));
      SALUS_ASSIGN_OR_RETURN(auto v, StringOf(n, c));
      if (v) sep = *v;
    }
    std::string out;
    for (size_t i = 0; i < input.size(); ++i) {
      Item s = ToSystem(input[i]);
      if (s.kind != Item::Kind::kString) return Fail(EvalError(n, "join() needs Strings"));
      if (i > 0) out += sep;
      out.append(s.string);
      if (out.size() > kMaxStringBytes) return Fail(EvalError(n, "join() result is too long"));
    }
    return Collection{Item::String(ws_.Keep(std::move(out)))};
  }
  if (n.fn >= Fn::kIndexOf && n.fn <= Fn::kUnescape) return StringFunction(n, input, focus);
  if (n.fn >= Fn::kAbs && n.fn <= Fn::kTruncate) return MathFunction(n, input, focus);
  return Fail(EvalError(n, fmt::format("function {}() is not supported", n.name)));
}

// lowBoundary()/highBoundary() (FHIRPath 2.1 §5.7): the least/greatest value the item
// could stand for, given its precision, written to `digits` precision.
std::optional<Item> Boundary(const Item& i, std::optional<int64_t> digits, bool high) {
  if (i.kind == Item::Kind::kInteger || i.kind == Item::Kind::kDecimal || i.kind == Item::Kind::kQuantity) {
    Decimal v = AsDecimal(i);
    int64_t k = digits.value_or(8);
    if (k < 0 || k > Decimal::kMaxScale) return std::nullopt;
    Decimal half{5, v.scale + 1};
    auto edge = high ? Add(v, half) : Subtract(v, half);
    if (!edge) return std::nullopt;
    Decimal r;
    if (v.Truncate().mantissa == 0 && v.Round(static_cast<int>(k)).mantissa == 0 && k < v.scale) {
      r = Decimal{0, static_cast<int>(k)};
    } else if (k >= edge->scale) {
      r = edge->Round(static_cast<int>(k));  // exact: only adds zeros
    } else {
      // Toward the outside of the interval at the coarser precision.
      Decimal scaled = Decimal{edge->mantissa, edge->scale - static_cast<int>(k)};
      Decimal whole = high ? scaled.Ceiling() : scaled.Floor();
      r = Decimal{whole.mantissa, static_cast<int>(k)};
    }
    if (i.kind == Item::Kind::kQuantity) return Item::Qty(r, i.string);
    return Item::Dec(r);
  }
  if (IsTemporal(i)) {
    Temporal t = i.temporal;
    bool time = t.kind == Temporal::Kind::kTime;
    int64_t k = digits.value_or(time ? 9 : (t.kind == Temporal::Kind::kDate ? 8 : 17));
    Temporal::Precision p;
    if (time) {
      if (k == 2) p = Temporal::kHour;
      else if (k == 4) p = Temporal::kMinute;
      else if (k == 6) p = Temporal::kSecond;
      else if (k == 9) p = Temporal::kMillisecond;
      else return std::nullopt;
    } else {
      if (k == 4) p = Temporal::kYear;
      else if (k == 6) p = Temporal::kMonth;
      else if (k == 8) p = Temporal::kDay;
      else if (t.kind == Temporal::Kind::kDate) return std::nullopt;
      else if (k == 10) p = Temporal::kHour;
      else if (k == 12) p = Temporal::kMinute;
      else if (k == 14) p = Temporal::kSecond;
      else if (k == 17) p = Temporal::kMillisecond;
      else return std::nullopt;
    }
    // An hour alone is not a FHIR time; it is read as hh:00.
    if (t.precision == Temporal::kHour) t.precision = Temporal::kMinute;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (t.precision < Temporal::kMonth) t.month = high ? 12 : 1;
    if (t.precision < Temporal::kDay) {
      int dim = kDays[t.month - 1];
      if (t.month == 2 && ((t.year % 4 == 0 && t.year % 100 != 0) || t.year % 400 == 0)) dim = 29;
      t.day = static_cast<uint8_t>(high ? dim : 1);
    }
    if (t.precision < Temporal::kHour) t.hour = high ? 23 : 0;
    if (t.precision < Temporal::kMinute) t.minute = high ? 59 : 0;
    if (t.precision < Temporal::kSecond) t.second = high ? 59 : 0;
    if (t.precision < Temporal::kMillisecond) t.millis = high ? 999 : 0;
    if (!time && p >= Temporal::kHour && !t.has_tz) {
      // A local time could be in any zone: the earliest is at +14:00, the latest at -12:00.
      t.has_tz = true;
      t.tz_minutes = static_cast<int16_t>(high ? -12 * 60 : 14 * 60);
    }
    if (p < Temporal::kHour && !time) {
      t.has_tz = false;
      if (t.kind == Temporal::Kind::kDateTime && p <= Temporal::kDay) t.kind = Temporal::Kind::kDate;
    }
    t.precision = p;
    return Item::Time(t);
  }
  return std::nullopt;
}

// ---- conversions (§5.5) ----

std::optional<Item> ToBooleanItem(const Item& i) {
  switch (i.kind) {
    case Item::Kind::kBoolean: return i;
    case Item::Kind::kInteger:
      if (i.integer == 0 || i.integer == 1) return Item::Boolean(i.integer == 1);
      return std::nullopt;
    case Item::Kind::kDecimal:
      if (Compare(i.decimal, Decimal::FromInt(1)) == 0) return Item::Boolean(true);
      if (Compare(i.decimal, Decimal::FromInt(0)) == 0) return Item::Boolean(false);
      return std::nullopt;
    case Item::Kind::kString: {
      std::string s;
      for (char c : i.string) s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      if (s == "true" || s == "t" || s == "yes" || s == "y" || s == "1" || s == "1.0") return Item::Boolean(true);
      if (s == "false" || s == "f" || s == "no" || s == "n" || s == "0" || s == "0.0") return Item::Boolean(false);
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

bool IsIntegerText(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool IsDecimalText(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') { ++i; ++digits; }
  if (digits == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t frac = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') { ++i; ++frac; }
    if (frac == 0) return false;
  }
  return i == s.size();
}

// "5.5 'mg'", "3 days", "4".
std::optional<std::pair<Decimal, std::string>> ParseQuantityText(std::string_view s) {
  size_t sp = s.find(' ');
  std::string_view num = s.substr(0, sp);
  if (!IsDecimalText(num)) return std::nullopt;
  auto d = Decimal::Parse(num);
  if (!d) return std::nullopt;
  if (sp == std::string_view::npos) return std::make_pair(*d, std::string("1"));
  std::string_view unit = s.substr(sp + 1);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (unit.size() >= 2 && unit.front() == '\'' && unit.back() == '\'') {
    return std::make_pair(*d, std::string(unit.substr(1, unit.size() - 2)));
  }
  if (!CalendarUnit(unit).empty()) return std::make_pair(*d, std::string(unit));
  return std::nullopt;
}

Result<Collection> Evaluator::Convert(const Node& n, const Collection& input) {
  if (input.empty()) return Collection{};
  if (input.size() > 1) return Fail(EvalError(n, fmt::format("{}() needs a single item", n.name)));
  Item i = ToSystem(input[0]);
  std::optional<Item> out;
  switch (n.fn) {
    case Fn::kToBoolean: case Fn::kConvertsToBoolean:
      out = ToBooleanItem(i);
      break;
    case Fn::kToInteger: case Fn::kConvertsToInteger:
      if (i.kind == Item::Kind::kInteger) out = i;
      else if (i.kind == Item::Kind::kBoolean) out = Item::Integer(i.boolean ? 1 : 0);
      else if (i.kind == Item::Kind::kString && IsIntegerText(i.string)) {
        auto d = Decimal::Parse(i.string);
        if (d && d->ToInt()) out = Item::Integer(*d->ToInt());
      }
      break;
    case Fn::kToDecimal: case Fn::kConvertsToDecimal:
      if (i.kind == Item::Kind::kDecimal) out = i;
      else if (i.kind == Item::Kind::kInteger) out = Item::Dec(Decimal::FromInt(i.integer));
      else if (i.kind == Item::Kind::kBoolean) out = Item::Dec(Decimal{i.boolean ? 10 : 0, 1});
      else if (i.kind == Item::Kind::kString && IsDecimalText(i.string)) {
        if (auto d = Decimal::Parse(i.string)) out = Item::Dec(*d);
      }
      break;
    case Fn::kToString: case Fn::kConvertsToString:
      if (!i.is_node()) out = Item::String(ws_.Keep(ToString(i)));
      break;
    case Fn::kToDate: case Fn::kConvertsToDate:
      if (i.kind == Item::Kind::kDate) out = i;
      else if (i.kind == Item::Kind::kDateTime) {
        Temporal t = i.temporal;
        t.kind = Temporal::Kind::kDate;
        t.precision = std::min(t.precision, Temporal::kDay);
        t.has_tz = false;
        out = Item::Time(t);
      } else if (i.kind == Item::Kind::kString) {
        if (auto t = Temporal::ParseFhirDate(i.string)) {
          t->kind = Temporal::Kind::kDate;
          t->precision = std::min(t->precision, Temporal::kDay);
          t->has_tz = false;
          out = Item::Time(*t);
        }
      }
      break;
    case Fn::kToDateTime: case Fn::kConvertsToDateTime:
      if (i.kind == Item::Kind::kDateTime) out = i;
      else if (i.kind == Item::Kind::kDate) {
        Temporal t = i.temporal;
        t.kind = Temporal::Kind::kDateTime;
        out = Item::Time(t);
      } else if (i.kind == Item::Kind::kString) {
        auto t = Temporal::ParseFhirDate(i.string);
        if (!t) t = Temporal::ParseLiteral(i.string);
        if (t && t->kind != Temporal::Kind::kTime) {
          t->kind = Temporal::Kind::kDateTime;
          out = Item::Time(*t);
        }
      }
      break;
    case Fn::kToTime: case Fn::kConvertsToTime:
      if (i.kind == Item::Kind::kTime) out = i;
      else if (i.kind == Item::Kind::kString) {
        auto t = Temporal::ParseFhirTime(i.string);
        if (!t && i.string.starts_with('T')) t = Temporal::ParseLiteral(i.string);
        if (t) out = Item::Time(*t);
      }
      break;
    case Fn::kToQuantity: case Fn::kConvertsToQuantity: {
      std::optional<std::pair<Decimal, std::string>> q;
      if (i.kind == Item::Kind::kQuantity) q = std::make_pair(i.decimal, std::string(i.string));
      else if (IsNumeric(i)) q = std::make_pair(AsDecimal(i), std::string("1"));
      else if (i.kind == Item::Kind::kBoolean) q = std::make_pair(Decimal{i.boolean ? 10 : 0, 1}, std::string("1"));
      else if (i.kind == Item::Kind::kString) q = ParseQuantityText(i.string);
      if (q && !n.children.empty()) {
        SALUS_ASSIGN_OR_RETURN(Collection u, Eval(*n.children[0], context_));
        SALUS_ASSIGN_OR_RETURN(auto unit, StringOf(n, u));
        if (!unit) {
          q.reset();
        } else if (*unit != q->second) {
          Quantity from{q->first, q->second};
          auto cf = ToCanonical(from);
          auto ct = ToCanonical(Quantity{Decimal::FromInt(1), std::string(*unit)});
          if (cf && ct && cf->unit == ct->unit) {
            auto v = Divide(cf->value, ct->value);
            if (v) q = std::make_pair(*v, std::string(*unit));
            else q.reset();
          } else {
            q.reset();
          }
        }
      }
      if (q) out = Item::Qty(q->first, ws_.Keep(q->second));
      break;
    }
    default:
      return Fail(EvalError(n, "unsupported conversion"));
  }
  bool converts = n.name.starts_with("convertsTo");
  if (converts) return Collection{Item::Boolean(out.has_value())};
  if (!out) return Collection{};
  return Collection{*out};
}

// ---- string functions (§5.6) ----

std::string JsonEscape(std::string_view s) {
  std::string out;
  json::WriteString(s, out);
  return out.substr(1, out.size() - 2);
}

Result<Collection> Evaluator::StringFunction(const Node& n, const Collection& input, const Collection& focus) {
  (void)focus;
  SALUS_ASSIGN_OR_RETURN(auto s, StringOf(n, input));
  std::vector<std::optional<std::string_view>> args;
  std::vector<Collection> raw;
  for (size_t k = 0; k < n.children.size(); ++k) {
    Collection f = frame_.this_item != nullptr ? Collection{*frame_.this_item} : context_;
    SALUS_ASSIGN_OR_RETURN(Collection a, Eval(*n.children[k], f));
    raw.push_back(a);
  }
  auto str_arg = [&](size_t k) -> Result<std::optional<std::string_view>> { return StringOf(n, raw[k]); };
  auto keep = [&](std::string v) { return Collection{Item::String(ws_.Keep(std::move(v)))}; };
  if (!s) return Collection{};
  std::string_view text = *s;
  switch (n.fn) {
    case Fn::kIndexOf: case Fn::kLastIndexOf: {
      SALUS_ASSIGN_OR_RETURN(auto sub, str_arg(0));
      if (!sub) return Collection{};
      std::u32string t = Decode(text), u = Decode(*sub);
      size_t p = n.fn == Fn::kIndexOf ? t.find(u) : t.rfind(u);
      return Collection{Item::Integer(p == std::u32string::npos ? -1 : static_cast<int64_t>(p))};
    }
    case Fn::kSubstring: {
      if (raw[0].empty()) return Collection{};
      SALUS_ASSIGN_OR_RETURN(int64_t start, IntegerArg(n, raw[0]));
      std::u32string t = Decode(text);
      if (start < 0 || static_cast<size_t>(start) >= t.size()) return Collection{};
      size_t len = std::u32string::npos;
      if (raw.size() > 1 && !raw[1].empty()) {
        SALUS_ASSIGN_OR_RETURN(int64_t l, IntegerArg(n, raw[1]));
        len = l < 0 ? 0 : static_cast<size_t>(l);
      }
      return keep(Encode(t.substr(static_cast<size_t>(start), len)));
    }
    case Fn::kStartsWith: case Fn::kEndsWith: case Fn::kContains: {
      SALUS_ASSIGN_OR_RETURN(auto sub, str_arg(0));
      if (!sub) return Collection{};
      bool v = n.fn == Fn::kStartsWith ? text.starts_with(*sub)
               : n.fn == Fn::kEndsWith ? text.ends_with(*sub)
                                       : text.find(*sub) != std::string_view::npos;
      return Collection{Item::Boolean(v)};
    }
    case Fn::kUpper: case Fn::kLower: {
      std::string out(text);
      for (char& c : out) {
        c = static_cast<char>(n.fn == Fn::kUpper ? std::toupper(static_cast<unsigned char>(c))
                                                  : std::tolower(static_cast<unsigned char>(c)));
      }
      return keep(std::move(out));
    }
    case Fn::kReplace: {
      SALUS_ASSIGN_OR_RETURN(auto pattern, str_arg(0));
      SALUS_ASSIGN_OR_RETURN(auto repl, str_arg(1));
      if (!pattern || !repl) return Collection{};
      std::string out;
      if (pattern->empty()) {
        std::u32string t = Decode(text);
        out.append(*repl);
        for (char32_t c : t) {
          out += Encode(std::u32string(1, c));
          out.append(*repl);
        }
        return keep(std::move(out));
      }
      size_t pos = 0;
      while (true) {
        size_t p = text.find(*pattern, pos);
        if (p == std::string_view::npos) break;
        out.append(text.substr(pos, p - pos));
        out.append(*repl);
        pos = p + pattern->size();
        if (out.size() > kMaxStringBytes) return Fail(EvalError(n, "replace() result is too long"));
      }
      out.append(text.substr(pos));
      return keep(std::move(out));
    }
    case Fn::kMatches: case Fn::kMatchesFull: case Fn::kReplaceMatches: {
      SALUS_ASSIGN_OR_RETURN(auto pattern, str_arg(0));
      if (!pattern) return Collection{};
      if (text.size() > kMaxRegexInput || pattern->size() > 4096) {
        return Fail(EvalError(n, "regular expression input is too long"));
      }
      if (n.fn == Fn::kReplaceMatches) {
        SALUS_ASSIGN_OR_RETURN(auto repl, str_arg(1));
        if (!repl) return Collection{};
        if (pattern->empty()) return keep(std::string(text));
        auto r = internal::RegexReplace(text, *pattern, *repl);
        if (!r) return Fail(EvalError(n, r.error().message));
        return keep(std::move(*r));
      }
      auto m = internal::RegexMatch(text, *pattern, n.fn == Fn::kMatchesFull);
      if (!m) return Fail(EvalError(n, m.error().message));
      return Collection{Item::Boolean(*m)};
    }
    case Fn::kLength: return Collection{Item::Integer(static_cast<int64_t>(Decode(text).size()))};
    case Fn::kToChars: {
      Collection out;
      for (char32_t c : Decode(text)) out.push_back(Item::String(ws_.Keep(Encode(std::u32string(1, c)))));
      return out;
    }
    case Fn::kSplit: {
      SALUS_ASSIGN_OR_RETURN(auto sep, str_arg(0));
      if (!sep) return Collection{};
      Collection out;
      if (sep->empty()) {
        for (char32_t c : Decode(text)) out.push_back(Item::String(ws_.Keep(Encode(std::u32string(1, c)))));
        return out;
      }
      size_t pos = 0;
      while (true) {
        size_t p = text.find(*sep, pos);
        out.push_back(Item::String(text.substr(pos, p == std::string_view::npos ? p : p - pos)));
        if (p == std::string_view::npos) break;
        pos = p + sep->size();
      }
      return out;
    }
    case Fn::kTrim: {
      size_t b = text.find_first_not_of(" \t\r\n");
      if (b == std::string_view::npos) return Collection{Item::String("")};
      size_t e = text.find_last_not_of(" \t\r\n");
      return Collection{Item::String(text.substr(b, e - b + 1))};
    }
    case Fn::kEncode: case Fn::kDecode: {
      SALUS_ASSIGN_OR_RETURN(auto fmt_name, str_arg(0));
      if (!fmt_name) return Collection{};
      if (*fmt_name == "hex") {
        if (n.fn == Fn::kEncode) {
          std::string out;
          for (unsigned char c : text) out += fmt::format("{:02x}", c);
          return keep(std::move(out));
        }
        if (text.size() % 2 != 0) return Collection{};
        std::string out;
        for (size_t k = 0; k < text.size(); k += 2) {
          unsigned v = 0;
          for (size_t j = k; j < k + 2; ++j) {
            char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[j])));
            if (c >= '0' && c <= '9') v = v * 16 + (c - '0');
            else if (c >= 'a' && c <= 'f') v = v * 16 + (c - 'a' + 10);
            else return Collection{};
          }
          out.push_back(static_cast<char>(v));
        }
        return keep(std::move(out));
      }
      if (*fmt_name == "base64" || *fmt_name == "urlbase64") {
        bool url = *fmt_name == "urlbase64";
        if (n.fn == Fn::kEncode) {
          std::string out = EncodeBase64(text);
          if (url) for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
          return keep(std::move(out));
        }
        std::string in(text);
        if (url) for (char& c : in) c = c == '-' ? '+' : c == '_' ? '/' : c;
        auto out = DecodeBase64(in);
        if (!out) return Collection{};
        return keep(std::move(*out));
      }
      return Fail(EvalError(n, fmt::format("unknown encoding '{}'", *fmt_name)));
    }
    case Fn::kEscape: case Fn::kUnescape: {
      SALUS_ASSIGN_OR_RETURN(auto target, str_arg(0));
      if (!target) return Collection{};
      std::string out;
      if (*target == "html") {
        if (n.fn == Fn::kEscape) {
          for (char c : text) {
            switch (c) {
              case '<': out += "&lt;"; break;
              case '>': out += "&gt;"; break;
              case '&': out += "&amp;"; break;
              case '"': out += "&quot;"; break;
              case '\'': out += "&#39;"; break;
              default: out.push_back(c);
            }
          }
        } else {
          static const std::pair<std::string_view, char> kEntities[] = {
              {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}};
          for (size_t k = 0; k < text.size();) {
            bool done = false;
            for (auto& [e, c] : kEntities) {
              if (text.substr(k).starts_with(e)) {
                out.push_back(c);
                k += e.size();
                done = true;
                break;
              }
            }
            if (!done) out.push_back(text[k++]);
          }
        }
        return keep(std::move(out));
      }
      if (*target == "json") {
        if (n.fn == Fn::kEscape) return keep(JsonEscape(text));
        // Undo JSON string escapes; the text is not itself quoted.
        std::string quoted = "\"";
        for (size_t k = 0; k < text.size(); ++k) {
          if (text[k] == '\\' && k + 1 < text.size()) {
            quoted.push_back(text[k]);
            quoted.push_back(text[++k]);
          } else if (text[k] == '"') {
            quoted += "\\\"";
          } else {
            quoted.push_back(text[k]);
          }
        }
        quoted.push_back('"');
        auto v = json::Parse(quoted);
        if (!v || !v->is_string()) return Collection{};
        return keep(v->as_string());
      }
      return Fail(EvalError(n, fmt::format("unknown escape target '{}'", *target)));
    }
    default:
      break;
  }
  return Fail(EvalError(n, "unsupported string function"));
}

// ---- math (§5.7) ----

Result<Collection> Evaluator::MathFunction(const Node& n, const Collection& input, const Collection& focus) {
  (void)focus;
  if (input.empty()) return Collection{};
  if (input.size() > 1) return Fail(EvalError(n, fmt::format("{}() needs a single number", n.name)));
  Item i = ToSystem(input[0]);
  bool quantity = i.kind == Item::Kind::kQuantity;
  if (!IsNumeric(i) && !quantity) {
    return Fail(EvalError(n, fmt::format("{}() needs a number but got {}", n.name, Describe(i))));
  }
  Collection args;
  if (!n.children.empty()) {
    Collection f = frame_.this_item != nullptr ? Collection{*frame_.this_item} : context_;
    SALUS_ASSIGN_OR_RETURN(args, Eval(*n.children[0], f));
    if (args.empty()) return Collection{};
  }
  Decimal d = AsDecimal(i);
  bool integer = i.kind == Item::Kind::kInteger;
  auto from_double = [&](double v) {
    auto r = Decimal::FromDouble(v);
    return r ? Collection{Item::Dec(*r)} : Collection{};
  };
  switch (n.fn) {
    case Fn::kAbs:
      if (integer) return Collection{Item::Integer(i.integer < 0 ? -i.integer : i.integer)};
      if (quantity) return Collection{Item::Qty(d.Sign() < 0 ? d.Negate() : d, i.string)};
      return Collection{Item::Dec(d.Sign() < 0 ? d.Negate() : d)};
    case Fn::kCeiling: return Collection{Item::Integer(*d.Ceiling().ToInt())};
    case Fn::kFloor: return Collection{Item::Integer(*d.Floor().ToInt())};
    case Fn::kTruncate: return Collection{Item::Integer(*d.Truncate().ToInt())};
    case Fn::kRound: {
      int64_t p = 0;
      if (!args.empty()) {
        SALUS_ASSIGN_OR_RETURN(p, IntegerArg(n, args));
        if (p < 0 || p > Decimal::kMaxScale) return Fail(EvalError(n, "round() precision is out of range"));
      }
      return Collection{Item::Dec(d.Round(static_cast<int>(p)))};
    }
    case Fn::kExp: return from_double(std::exp(d.ToDouble()));
    case Fn::kLn: {
      if (d.Sign() <= 0) return Collection{};
      return from_double(std::log(d.ToDouble()));
    }
    case Fn::kLog: {
      Item b = ToSystem(args[0]);
      if (!IsNumeric(b)) return Fail(EvalError(n, "log() base must be a number"));
      double base = AsDecimal(b).ToDouble();
      if (d.Sign() <= 0 || base <= 0 || base == 1) return Collection{};
      return from_double(std::log(d.ToDouble()) / std::log(base));
    }
    case Fn::kSqrt: {
      if (d.Sign() < 0) return Collection{};
      return from_double(std::sqrt(d.ToDouble()));
    }
    case Fn::kPower: {
      Item e = ToSystem(args[0]);
      if (!IsNumeric(e)) return Fail(EvalError(n, "power() exponent must be a number"));
      if (integer && e.kind == Item::Kind::kInteger && e.integer >= 0) {
        int64_t r = 1;
        for (int64_t k = 0; k < e.integer; ++k) {
          if (__builtin_mul_overflow(r, i.integer, &r)) return Collection{};
        }
        return Collection{Item::Integer(r)};
      }
      double v = std::pow(d.ToDouble(), AsDecimal(e).ToDouble());
      if (!std::isfinite(v)) return Collection{};
      return from_double(v);
    }
    default:
      break;
  }
  return Fail(EvalError(n, "unsupported math function"));
}

// ---- resolve() ----

const json::Value* Evaluator::FindReference(std::string_view ref) {
  auto contained_in = [&](const json::Value* res, std::string_view id) -> const json::Value* {
    if (res == nullptr) return nullptr;
    const json::Value* contained = res->find("contained");
    if (contained == nullptr || !contained->is_array()) return nullptr;
    for (const json::Value& c : contained->as_array()) {
      if (c.string_at("id") == id) return &c;
    }
    return nullptr;
  };
  if (ref.starts_with('#')) {
    if (ref.size() == 1) return resource_.value;
    return contained_in(resource_.value, ref.substr(1));
  }
  const json::Value* root = root_.value;
  if (root != nullptr && root->string_at("resourceType") == "Bundle") {
    if (const json::Value* entries = root->find("entry"); entries && entries->is_array()) {
      for (const json::Value& e : entries->as_array()) {
        const json::Value* r = e.find("resource");
        if (r == nullptr) continue;
        auto full = e.string_at("fullUrl");
        if (full && *full == ref) return r;
        auto type = r->string_at("resourceType");
        auto id = r->string_at("id");
        if (type && id && ref == fmt::format("{}/{}", *type, *id)) return r;
        if (full && type && id && full->ends_with(fmt::format("/{}/{}", *type, *id)) &&
            ref.ends_with(fmt::format("/{}/{}", *type, *id))) {
          return r;
        }
      }
    }
  }
  if (ws_.resolver) return ws_.resolver(ref);
  return nullptr;
}

Result<Collection> Evaluator::Resolve(const Collection& input) {
  Collection out;
  for (const Item& i : input) {
    std::optional<std::string_view> ref;
    if (i.is_node() && i.value != nullptr && i.value->is_object()) {
      ref = i.value->string_at("reference");
    } else {
      Item s = ToSystem(i);
      if (s.kind == Item::Kind::kString) ref = s.string;
    }
    if (!ref) continue;
    if (const json::Value* target = FindReference(*ref)) {
      out.push_back(ResourceItem(*target, defs_));
      continue;
    }
    // Not available: a stand-in of the referenced type, so that "resolve() is Patient" works
    // for literal references ("Patient/123", ".../Patient/123/_history/2").
    std::string_view r = *ref;
    if (size_t h = r.find("/_history/"); h != std::string_view::npos) r = r.substr(0, h);
    size_t slash = r.rfind('/');
    if (slash == std::string_view::npos || slash == 0) continue;
    std::string_view id = r.substr(slash + 1);
    std::string_view head = r.substr(0, slash);
    size_t prev = head.rfind('/');
    std::string_view type = prev == std::string_view::npos ? head : head.substr(prev + 1);
    if (!defs_.IsResourceType(type) || id.empty()) continue;
    json::Value stub{json::Object{}};
    stub.set("resourceType", std::string(type));
    stub.set("id", std::string(id));
    out.push_back(ResourceItem(*ws_.Keep(std::move(stub)), defs_));
  }
  return out;
}

}  // namespace

// ---- public API ----

Item Item::Time(const Temporal& t) {
  Item i;
  i.kind = t.kind == Temporal::Kind::kDate ? Kind::kDate
           : t.kind == Temporal::Kind::kDateTime ? Kind::kDateTime
                                                 : Kind::kTime;
  i.temporal = t;
  return i;
}

std::string_view Item::TypeName() const {
  if (kind != Kind::kNode || type == nullptr) return {};
  if (element == 0) return type->name;
  const fhir::ElementDef& el = type->elements[element];
  return el.types.empty() ? std::string_view("BackboneElement") : std::string_view(el.types[0]);
}

std::string_view Workspace::Keep(std::string s) { return strings_.emplace_back(std::move(s)); }
const json::Value* Workspace::Keep(json::Value v) { return &values_.emplace_back(std::move(v)); }
void Workspace::SetVariable(std::string name, Collection value) {
  for (auto& [k, v] : variables_) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  variables_.emplace_back(std::move(name), std::move(value));
}
const Collection* Workspace::Variable(std::string_view name) const {
  for (const auto& [k, v] : variables_) {
    if (k == name) return &v;
  }
  return nullptr;
}

Item ResourceItem(const json::Value& resource, const fhir::Definitions& defs) {
  Item i;
  i.value = &resource;
  if (auto rt = resource.string_at("resourceType")) {
    const fhir::TypeDef* t = defs.FindType(*rt);
    if (t != nullptr && t->kind == fhir::TypeDef::Kind::kResource) i.type = t;
  }
  return i;
}

Item ToSystem(const Item& item) {
  if (!item.is_node() || item.value == nullptr) return item;
  const json::Value& v = *item.value;
  if (item.type == nullptr) {
    if (v.is_bool()) return Item::Boolean(v.as_bool());
    if (v.is_string()) return Item::String(v.as_string());
    if (v.is_number()) {
      const std::string& t = v.as_number().text;
      auto d = Decimal::Parse(t);
      if (!d) return item;
      if (t.find_first_of(".eE") == std::string::npos && d->ToInt()) return Item::Integer(*d->ToInt());
      return Item::Dec(*d);
    }
    return item;
  }
  using V = fhir::TypeDef::Value;
  V kind = item.element == 0 ? item.type->value : V::kNone;
  if (kind != V::kNone) {
    if (v.is_bool()) return Item::Boolean(v.as_bool());
    if (v.is_number()) {
      auto d = Decimal::Parse(v.as_number().text);
      if (!d) return item;
      if (kind == V::kDecimal) return Item::Dec(*d);
      if (auto n = d->ToInt()) return Item::Integer(*n);
      return Item::Dec(*d);
    }
    if (!v.is_string()) return item;
    const std::string& s = v.as_string();
    if (kind == V::kDate || kind == V::kDateTime) {
      auto parsed = Temporal::ParseFhirDate(s);
      if (!parsed) return Item::String(s);
      if (kind == V::kDateTime) parsed->kind = Temporal::Kind::kDateTime;
      return Item::Time(*parsed);
    }
    if (kind == V::kTime) {
      auto parsed = Temporal::ParseFhirTime(s);
      return parsed ? Item::Time(*parsed) : Item::String(s);
    }
    return Item::String(s);
  }
  if (item.type->quantity && item.element == 0 && v.is_object()) {
    const json::Value* value = v.find("value");
    if (value == nullptr || !value->is_number()) return item;
    auto d = Decimal::Parse(value->as_number().text);
    if (!d) return item;
    std::string_view unit;
    if (auto code = v.string_at("code")) unit = *code;
    else if (auto u = v.string_at("unit")) unit = *u;
    else unit = "1";
    // A UCUM code for a calendar unit keeps its UCUM meaning; unit text "years" etc. is
    // only taken as a calendar keyword when there is no code.
    return Item::Qty(*d, unit);
  }
  return item;
}

std::string ToString(const Item& item0) {
  Item i = ToSystem(item0);
  switch (i.kind) {
    case Item::Kind::kBoolean: return i.boolean ? "true" : "false";
    case Item::Kind::kInteger: return std::to_string(i.integer);
    case Item::Kind::kDecimal: return i.decimal.ToString();
    case Item::Kind::kString: return std::string(i.string);
    case Item::Kind::kDate: case Item::Kind::kDateTime: case Item::Kind::kTime:
      return i.temporal.ToString();
    case Item::Kind::kQuantity:
      if (!CalendarUnit(i.string).empty()) return fmt::format("{} {}", i.decimal.ToString(), i.string);
      return fmt::format("{} '{}'", i.decimal.ToString(), i.string);
    case Item::Kind::kNode: return "";
  }
  return "";
}

namespace {
// Type names in is/as/ofType must name a System or FHIR type.
Status CheckTypes(const internal::Node& n, const fhir::Definitions& defs) {
  if (!n.type.name.empty()) {
    static constexpr std::string_view kSystem[] = {"Boolean", "Integer", "Decimal", "String", "Date",
                                                   "DateTime", "Time", "Quantity"};
    bool system = std::find(std::begin(kSystem), std::end(kSystem), n.type.name) != std::end(kSystem);
    bool fhir = defs.FindType(n.type.name) != nullptr;
    bool ok = n.type.ns == "System" || (n.type.ns == "FHIR" ? fhir : (system || fhir));
    if (!ok) {
      return Fail(Error::Invalid(fmt::format("FHIRPath error at offset {}: unknown type '{}{}{}'", n.pos,
                                             n.type.ns, n.type.ns.empty() ? "" : ".", n.type.name)));
    }
  }
  for (const auto& c : n.children) SALUS_TRY(CheckTypes(*c, defs));
  return {};
}

// Strict mode's static checks (suite mode="strict"): a name after as/ofType(T) must be an
// element of T, and order-dependent functions cannot follow the unordered children() and
// descendants().
Status CheckStrict(const internal::Node& n, const fhir::Definitions& defs) {
  using internal::Node;
  if (n.kind == Node::Kind::kChain) {
    const Node& lhs = *n.children[0];
    const Node& rhs = *n.children[1];
    const Node* typed = lhs.kind == Node::Kind::kAs ? &lhs
                        : lhs.kind == Node::Kind::kChain && lhs.children[1]->kind == Node::Kind::kFunction &&
                                  (lhs.children[1]->fn == Fn::kAs || lhs.children[1]->fn == Fn::kOfType)
                            ? lhs.children[1].get()
                            : nullptr;
    if (typed != nullptr && rhs.kind == Node::Kind::kMember) {
      const fhir::TypeDef* t = defs.FindType(typed->type.name);
      if (t != nullptr && t->kind != fhir::TypeDef::Kind::kPrimitive) {
        const fhir::ElementDef& root = t->root();
        bool known = root.children.contains(rhs.name);
        for (uint32_t ci : root.child_order) known |= t->elements[ci].name == rhs.name;
        if (!known) {
          return Fail(Error::Invalid(fmt::format("FHIRPath error at offset {}: '{}' is not an element of {}",
                                                 rhs.pos, rhs.name, t->name)));
        }
      }
    }
    bool unordered = lhs.kind == Node::Kind::kChain && lhs.children[1]->kind == Node::Kind::kFunction &&
                     (lhs.children[1]->fn == Fn::kChildren || lhs.children[1]->fn == Fn::kDescendants);
    if (unordered && rhs.kind == Node::Kind::kFunction &&
        (rhs.fn == Fn::kSkip || rhs.fn == Fn::kTake || rhs.fn == Fn::kFirst || rhs.fn == Fn::kLast ||
         rhs.fn == Fn::kTail)) {
      return Fail(Error::Invalid(fmt::format(
          "FHIRPath error at offset {}: {}() depends on order, which children()/descendants() do not have",
          rhs.pos, rhs.name)));
    }
  }
  for (const auto& c : n.children) SALUS_TRY(CheckStrict(*c, defs));
  return {};
}
}  // namespace

Result<Expression> Expression::Compile(std::string_view text, const CompileOptions& options,
                                       const fhir::Definitions& defs) {
  SALUS_ASSIGN_OR_RETURN(auto root, internal::Parse(text));
  SALUS_TRY(CheckTypes(*root, defs));
  if (options.strict) SALUS_TRY(CheckStrict(*root, defs));
  Expression e;
  e.text_ = std::string(text);
  e.options_ = options;
  e.defs_ = &defs;
  e.root_ = std::shared_ptr<const internal::Node>(std::move(root));
  return e;
}

namespace {

bool IsTypeOrBase(const fhir::Definitions& defs, std::string_view type, std::string_view name) {
  for (const fhir::TypeDef* t = defs.FindType(type); t != nullptr; t = t->base.empty() ? nullptr : defs.FindType(t->base)) {
    if (t->name == name) return true;
  }
  return false;
}

// Adds the leading elements of `n` to `out`; false when they cannot be known.
bool Leads(const internal::Node& n, std::string_view type, const fhir::Definitions& defs,
           std::vector<std::string>& out) {
  using K = internal::Node::Kind;
  switch (n.kind) {
    case K::kBinary:
      if (n.name != "|") return false;
      return Leads(*n.children[0], type, defs, out) && Leads(*n.children[1], type, defs, out);
    case K::kAs: case K::kIs: case K::kIndexer: case K::kNegate:
      return Leads(*n.children[0], type, defs, out);
    case K::kChain: {
      const internal::Node& lhs = *n.children[0];
      if (lhs.kind != K::kMember || !lhs.term) return Leads(lhs, type, defs, out);
      if (IsTypeOrBase(defs, type, lhs.name)) {
        const internal::Node& rhs = *n.children[1];
        if (rhs.kind == K::kMember) {
          out.push_back(rhs.name);
          return true;
        }
        if (rhs.kind == K::kFunction && rhs.fn == internal::Fn::kExtension) {
          out.push_back("extension");
          return true;
        }
        return false;
      }
      // A branch for another resource type reads nothing of this one.
      const fhir::TypeDef* t = defs.FindType(lhs.name);
      return t != nullptr && t->kind == fhir::TypeDef::Kind::kResource;
    }
    default:
      return false;
  }
}

}  // namespace

std::optional<std::vector<std::string>> Expression::LeadingElements(std::string_view type) const {
  std::vector<std::string> out;
  if (!Leads(*root_, type, *defs_, out)) return std::nullopt;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<Collection> Expression::Evaluate(const json::Value& resource, Workspace& ws) const {
  Collection input{ResourceItem(resource, *defs_)};
  return Evaluate(input, &resource, ws);
}

Result<Collection> Expression::Evaluate(const Collection& input, const json::Value* resource,
                                        Workspace& ws) const {
  Evaluator ev(*defs_, options_.strict, ws, input, resource);
  return ev.Eval(*root_, input);
}

}  // namespace salus::fhirpath
