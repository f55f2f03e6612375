#include "search/indexer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "fhirpath/value.h"
#include "search/text.h"

namespace salus::search {
namespace {

using fhirpath::Item;

constexpr std::string_view kUcum = "http://unitsofmeasure.org";
// Strings longer than this are indexed by their first kMaxIndexedString bytes (a prefix
// search still finds them; an index entry stays small).
constexpr size_t kMaxIndexedString = 512;

std::optional<std::string_view> Str(const json::Value* obj, std::string_view key) {
  if (obj == nullptr || !obj->is_object()) return std::nullopt;
  return obj->string_at(key);
}

std::string Clip(std::string_view s) {
  if (s.size() <= kMaxIndexedString) return std::string(s);
  size_t n = kMaxIndexedString;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // whole characters
  return std::string(s.substr(0, n));
}

class Extractor {
 public:
  Extractor(const SearchParam& p, store::IndexRows& rows) : p_(p), rows_(rows) {}

  void Add(const Item& item) {
    switch (p_.type) {
      case ParamType::kToken: Token(item); break;
      case ParamType::kString: String(item); break;
      case ParamType::kDate: Date(item); break;
      case ParamType::kReference: Reference(item); break;
      case ParamType::kNumber: Number(item); break;
      case ParamType::kQuantity: Quantity(item); break;
      case ParamType::kUri: Uri(item); break;
      default: break;
    }
  }

 private:
  void AddToken(std::string_view system, std::string_view code) {
    rows_.tokens.push_back({p_.code, Clip(system), Clip(code)});
  }
  // Display text for :text, indexed as a string of the pseudo-parameter "<code>:text".
  void AddText(std::string_view text) {
    rows_.strings.push_back({p_.code + ":text", NormalizeText(Clip(text)), Clip(text)});
  }

  void Coding(const json::Value& c) {
    auto code = Str(&c, "code");
    if (code) AddToken(Str(&c, "system").value_or(""), *code);
    if (auto display = Str(&c, "display")) AddText(*display);
  }

  void Token(const Item& item) {
    std::string_view t = item.TypeName();
    const json::Value* v = item.value;
    if (t == "CodeableConcept") {
      if (const json::Value* codings = v->find("coding"); codings && codings->is_array()) {
        for (const auto& c : codings->as_array()) Coding(c);
      }
      if (auto text = Str(v, "text")) AddText(*text);
    } else if (t == "Coding") {
      Coding(*v);
    } else if (t == "Identifier") {
      if (auto value = Str(v, "value")) {
        AddToken(Str(v, "system").value_or(""), *value);
        // :of-type searches type-system|type-code|value; indexed as "<code>:of-type".
        if (const json::Value* type = v->find("type")) {
          if (const json::Value* codings = type->find("coding"); codings && codings->is_array()) {
            for (const auto& c : codings->as_array()) {
              auto code = Str(&c, "code");
              if (code) {
                rows_.tokens.push_back({p_.code + ":of-type", Clip(Str(&c, "system").value_or("")),
                                        Clip(fmt::format("{}|{}", *code, *value))});
              }
            }
          }
          if (auto text = Str(type, "text")) AddText(*text);
        }
      }
    } else if (t == "ContactPoint") {
      if (auto value = Str(v, "value")) AddToken("", *value);
    } else if (t == "Reference") {
      // A token on a Reference (rare) indexes its identifier.
      if (const json::Value* id = v->find("identifier")) {
        if (auto value = Str(id, "value")) AddToken(Str(id, "system").value_or(""), *value);
      }
    } else if (!item.is_node() || (v != nullptr && v->is_primitive())) {
      Item s = fhirpath::ToSystem(item);
      if (s.kind == Item::Kind::kBoolean) AddToken("", s.boolean ? "true" : "false");
      else if (s.kind == Item::Kind::kString) AddToken("", s.string);
      else if (!s.is_node()) AddToken("", fhirpath::ToString(s));
    }
  }

  void AddString(std::string_view text) {
    if (text.empty()) return;
    rows_.strings.push_back({p_.code, NormalizeText(Clip(text)), Clip(text)});
  }

  void String(const Item& item) {
    std::string_view t = item.TypeName();
    const json::Value* v = item.value;
    if (v == nullptr) return;
    auto each = [&](std::string_view key) {
      const json::Value* m = v->find(key);
      if (m == nullptr) return;
      if (m->is_string()) AddString(m->as_string());
      if (m->is_array()) {
        for (const auto& e : m->as_array()) {
          if (e.is_string()) AddString(e.as_string());
        }
      }
    };
    if (t == "HumanName") {
      for (auto key : {"family", "given", "prefix", "suffix", "text"}) each(key);
    } else if (t == "Address") {
      for (auto key : {"line", "city", "district", "state", "postalCode", "country", "text"}) each(key);
    } else if (v->is_string()) {
      AddString(v->as_string());
    } else if (v->is_object()) {
      // Other complex types: every string member one level down.
      for (const auto& [key, m] : v->as_object()) {
        if (m.is_string() && key != "id") AddString(m.as_string());
      }
    }
  }

  void AddRange(const fhirpath::Temporal* low, const fhirpath::Temporal* high) {
    // Stored in microseconds, low inclusive, high exclusive; open ends are the extremes.
    int64_t lo = store::kOpenLow, hi = store::kOpenHigh;
    if (low != nullptr) lo = fhirpath::RangeMillis(*low).first * 1000;
    if (high != nullptr) hi = (fhirpath::RangeMillis(*high).second + 1) * 1000;
    if (low == nullptr && high == nullptr) return;
    rows_.dates.push_back({p_.code, lo, hi});
  }

  static std::optional<fhirpath::Temporal> TemporalOf(const json::Value* v) {
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return fhirpath::Temporal::ParseFhirDate(v->as_string());
  }

  void Date(const Item& item) {
    std::string_view t = item.TypeName();
    const json::Value* v = item.value;
    if (v == nullptr) return;
    if (t == "Period") {
      auto s = TemporalOf(v->find("start"));
      auto e = TemporalOf(v->find("end"));
      AddRange(s ? &*s : nullptr, e ? &*e : nullptr);
    } else if (t == "Timing") {
      if (const json::Value* events = v->find("event"); events && events->is_array()) {
        for (const auto& e : events->as_array()) {
          if (auto d = TemporalOf(&e)) AddRange(&*d, &*d);
        }
      }
      if (const json::Value* rep = v->find("repeat")) {
        if (const json::Value* bounds = rep->find("boundsPeriod")) {
          auto s = TemporalOf(bounds->find("start"));
          auto e = TemporalOf(bounds->find("end"));
          AddRange(s ? &*s : nullptr, e ? &*e : nullptr);
        }
      }
    } else {
      Item s = fhirpath::ToSystem(item);
      if (s.kind == Item::Kind::kDate || s.kind == Item::Kind::kDateTime) AddRange(&s.temporal, &s.temporal);
    }
  }

  void Reference(const Item& item) {
    const json::Value* v = item.value;
    if (v == nullptr) return;
    std::string_view ref;
    if (v->is_object()) {
      if (const json::Value* id = v->find("identifier")) {
        if (auto value = Str(id, "value")) {
          rows_.tokens.push_back({p_.code + ":identifier", Clip(Str(id, "system").value_or("")), Clip(*value)});
        }
      }
      ref = Str(v, "reference").value_or("");
    } else if (v->is_string()) {
      ref = v->as_string();  // canonical / uri
    }
    if (ref.empty() || ref.starts_with('#')) return;
    store::ReferenceRow row{p_.code, "", "", ""};
    std::string_view r = ref;
    if (size_t h = r.find("/_history/"); h != std::string_view::npos) r = r.substr(0, h);
    if (size_t bar = r.find('|'); bar != std::string_view::npos) r = r.substr(0, bar);  // canonical version
    bool absolute = r.find("://") != std::string_view::npos || r.starts_with("urn:");
    if (absolute) row.url = Clip(ref);
    size_t slash = r.rfind('/');
    if (slash != std::string_view::npos && slash > 0) {
      std::string_view id = r.substr(slash + 1);
      std::string_view head = r.substr(0, slash);
      size_t prev = head.rfind('/');
      std::string_view type = prev == std::string_view::npos ? head : head.substr(prev + 1);
      if (fhir::Definitions::R4().IsResourceType(type) && !id.empty()) {
        row.target_type = type;
        row.target_id = Clip(id);
      }
    }
    if (row.target_type.empty() && row.url.empty()) return;
    rows_.references.push_back(std::move(row));
  }

  void Number(const Item& item) {
    Item s = fhirpath::ToSystem(item);
    if (s.kind == Item::Kind::kInteger) rows_.numbers.push_back({p_.code, static_cast<double>(s.integer)});
    else if (s.kind == Item::Kind::kDecimal) rows_.numbers.push_back({p_.code, s.decimal.ToDouble()});
  }

  void Quantity(const Item& item) {
    std::string_view t = item.TypeName();
    const json::Value* v = item.value;
    if (v == nullptr || !v->is_object()) return;
    const json::Value* value = v->find("value");
    if (value == nullptr || !value->is_number()) return;
    auto d = fhirpath::Decimal::Parse(value->as_number().text);
    if (!d) return;
    if (t == "Money") {
      rows_.quantities.push_back({p_.code, "urn:iso:std:iso:4217", Clip(Str(v, "currency").value_or("")), d->ToDouble()});
      return;
    }
    std::string system(Str(v, "system").value_or(""));
    std::string code(Str(v, "code").value_or(Str(v, "unit").value_or("")));
    if (system == kUcum || system.empty()) {
      if (auto c = fhirpath::ToCanonical(fhirpath::Quantity{*d, code})) {
        rows_.quantities.push_back({p_.code, std::string(kUcum), c->unit, c->value.ToDouble()});
        return;
      }
    }
    rows_.quantities.push_back({p_.code, Clip(system), Clip(code), d->ToDouble()});
  }

  void Uri(const Item& item) {
    Item s = fhirpath::ToSystem(item);
    if (s.kind == Item::Kind::kString && !s.string.empty()) rows_.uris.push_back({p_.code, Clip(s.string)});
  }

  const SearchParam& p_;
  store::IndexRows& rows_;
};

struct ComponentValue {
  std::string system, value;
  double low = 0, high = 0;
};

// The values of one composite component, found by indexing it as a parameter of its own type.
std::vector<ComponentValue> ComponentValues(ParamType type, const fhirpath::Collection& items) {
  SearchParam scratch;
  scratch.code = "~";
  scratch.type = type;
  store::IndexRows rows;
  Extractor x(scratch, rows);
  for (const Item& i : items) x.Add(i);
  std::vector<ComponentValue> out;
  for (const auto& t : rows.tokens) {
    if (t.param == "~") out.push_back({t.system, t.code});
  }
  for (const auto& r : rows.references) {
    if (!r.target_type.empty()) out.push_back({"", r.target_type + "/" + r.target_id});
  }
  for (const auto& st : rows.strings) {
    if (st.param == "~") out.push_back({"", st.normalized});
  }
  for (const auto& q : rows.quantities) out.push_back({q.system, q.code, q.value, q.value});
  for (const auto& n : rows.numbers) out.push_back({"", "", n.value, n.value});
  for (const auto& d : rows.dates) {
    out.push_back({"", "", static_cast<double>(d.low_us), static_cast<double>(d.high_us)});
  }
  return out;
}

// Composite rows: every combination of the component values found under each item of the
// parameter's expression (R4 search.html#composite: the components match within one item).
void Composite(const SearchParam& p, const json::Value& resource, const fhirpath::Collection& items,
               fhirpath::Workspace& ws, store::IndexRows& rows) {
  constexpr size_t kMaxCombinations = 64;
  if (p.components.size() < 2 || p.components.size() > 3) return;
  for (const Item& item : items) {
    std::vector<std::vector<ComponentValue>> parts;
    for (const auto& comp : p.components) {
      if (comp.compiled == nullptr) return;
      auto values = comp.compiled->Evaluate(fhirpath::Collection{item}, &resource, ws);
      if (!values) return;
      parts.push_back(ComponentValues(comp.type, *values));
      if (parts.back().empty()) break;
    }
    if (parts.size() != p.components.size() || parts.back().empty()) continue;
    size_t made = 0;
    for (const auto& a : parts[0]) {
      for (const auto& b : parts[1]) {
        const std::vector<ComponentValue> none{{}};
        for (const auto& c : parts.size() > 2 ? parts[2] : none) {
          if (++made > kMaxCombinations) break;
          rows.composites.push_back({p.code, Clip(a.system), Clip(a.value), Clip(b.system), Clip(b.value), b.low,
                                     b.high, c.low, c.high});
        }
      }
    }
  }
}

template <typename T>
void Dedupe(std::vector<T>& v, auto key) {
  std::sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
  v.erase(std::unique(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) == key(b); }), v.end());
}

}  // namespace

store::IndexRows ExtractIndexRows(const json::Value& resource, const Registry& registry, bool skip_absent) {
  store::IndexRows rows;
  auto type = resource.string_at("resourceType");
  if (!type) return rows;
  fhirpath::Workspace ws;
  const auto& params = registry.ForType(*type);
  const auto& leads = registry.LeadsForType(*type);
  // Most parameters of a type read elements this resource does not have: skip those without
  // evaluating them. A lead matches its key, "_key", or a choice key ("value" -> "valueQuantity").
  auto present = [&](const std::vector<std::string>& names) {
    if (names.empty()) return true;
    for (const auto& [key, v] : resource.as_object()) {
      std::string_view k = key;
      if (k.starts_with('_')) k.remove_prefix(1);
      for (const std::string& n : names) {
        if (k.starts_with(n) && (k.size() == n.size() || std::isupper(static_cast<unsigned char>(k[n.size()])))) {
          return true;
        }
      }
    }
    return false;
  };
  for (size_t pi = 0; pi < params.size(); ++pi) {
    const SearchParam* p = params[pi];
    // _id and _lastUpdated are answered from the resource table itself.
    if (p->compiled == nullptr || p->code == "_id" || p->code == "_lastUpdated") continue;
    if (skip_absent && pi < leads.size() && !present(leads[pi])) continue;
    auto items = p->compiled->Evaluate(resource, ws);
    if (!items) continue;  // a runtime error in one parameter must not stop the write
    if (p->type == ParamType::kComposite) {
      Composite(*p, resource, *items, ws, rows);
      continue;
    }
    Extractor x(*p, rows);
    for (const Item& i : *items) x.Add(i);
  }
  Dedupe(rows.tokens, [](const store::TokenRow& r) { return std::tie(r.param, r.system, r.code); });
  Dedupe(rows.strings, [](const store::StringRow& r) { return std::tie(r.param, r.normalized, r.exact); });
  Dedupe(rows.dates, [](const store::DateRow& r) { return std::tie(r.param, r.low_us, r.high_us); });
  Dedupe(rows.references, [](const store::ReferenceRow& r) {
    return std::tie(r.param, r.target_type, r.target_id, r.url);
  });
  Dedupe(rows.numbers, [](const store::NumberRow& r) { return std::tie(r.param, r.value); });
  Dedupe(rows.quantities, [](const store::QuantityRow& r) { return std::tie(r.param, r.system, r.code, r.value); });
  Dedupe(rows.uris, [](const store::UriRow& r) { return std::tie(r.param, r.uri); });
  Dedupe(rows.composites, [](const store::CompositeRow& r) {
    return std::tie(r.param, r.a_system, r.a_value, r.b_system, r.b_value, r.b_low, r.b_high, r.c_low, r.c_high);
  });
  return rows;
}

namespace {
void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}
}  // namespace

std::vector<std::string> PatientsOf(const json::Value& resource, const Registry& registry,
                                    const fhir::Definitions& defs) {
  std::vector<std::string> out;
  auto type = resource.string_at("resourceType");
  if (!type) return out;
  if (*type == "Patient") {
    if (auto id = resource.string_at("id")) out.push_back("Patient/" + std::string(*id));
  }
  store::IndexRows rows;
  fhirpath::Workspace ws;
  for (const auto& code : defs.PatientCompartmentParams(*type)) {
    const SearchParam* p = registry.Find(*type, code);
    if (p == nullptr || p->compiled == nullptr || p->type != ParamType::kReference) continue;
    auto items = p->compiled->Evaluate(resource, ws);
    if (!items) continue;
    Extractor x(*p, rows);
    for (const Item& i : *items) x.Add(i);
  }
  for (const auto& r : rows.references) {
    if (r.target_type == "Patient" && !r.target_id.empty()) out.push_back("Patient/" + r.target_id);
  }
  SortUnique(out);
  return out;
}

std::vector<std::string> PatientsOf(std::string_view type, std::string_view id, const store::IndexRows& rows,
                                    const fhir::Definitions& defs) {
  std::vector<std::string> out;
  if (type == "Patient") out.push_back("Patient/" + std::string(id));
  const auto& params = defs.PatientCompartmentParams(type);
  for (const auto& r : rows.references) {
    if (r.target_type != "Patient" || r.target_id.empty()) continue;
    if (std::find(params.begin(), params.end(), r.param) != params.end()) out.push_back("Patient/" + r.target_id);
  }
  SortUnique(out);
  return out;
}

}  // namespace salus::search
