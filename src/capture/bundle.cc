#include "capture/bundle.h"

#include <cmath>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "capture/checks.h"
#include "core/base64.h"
#include "core/time.h"
#include "crypto/random.h"

namespace salus::capture {
namespace {

using json::Array;
using json::Object;
using json::Value;

std::string Urn() { return "urn:uuid:" + crypto::NewId(); }

Value Decimal(double v) { return Value(json::Number{fmt::format("{:.2f}", v)}); }

Value ConfidenceExtension(double confidence) {
  return Value(Array{Value(Object{{"url", std::string(kConfidenceExtension)},
                                  {"valueDecimal", Decimal(confidence)}})});
}

// Sets obj[name] = value and its confidence on the primitive ("_name").
void SetPrimitive(Object& obj, const std::string& name, Value value, double confidence) {
  obj.emplace_back(name, std::move(value));
  obj.emplace_back("_" + name, Value(Object{{"extension", ConfidenceExtension(confidence)}}));
}

Value Reference(const std::string& urn) { return Value(Object{{"reference", urn}}); }

Value Entry(const std::string& urn, Value resource, const std::string& type,
            std::string if_none_exist = {}) {
  Object request{{"method", "POST"}, {"url", type}};
  if (!if_none_exist.empty()) request.emplace_back("ifNoneExist", std::move(if_none_exist));
  return Value(Object{{"fullUrl", urn}, {"resource", std::move(resource)}, {"request", Value(std::move(request))}});
}

Value Coding(const char* system, const std::string& code, const std::string& display = {}) {
  Object c{{"system", system}, {"code", code}};
  if (!display.empty()) c.emplace_back("display", display);
  return Value(std::move(c));
}

const char* KindDisplay(const std::string& kind) {
  if (kind == "intake") return "Patient intake form";
  if (kind == "insurance_card") return "Insurance card";
  if (kind == "lab_report") return "Laboratory report";
  if (kind == "medication_list") return "Medication list";
  if (kind == "referral") return "Referral letter";
  return "Other document";
}

struct RouteCode {
  const char* route;
  const char* snomed;
  const char* display;
};
// SNOMED CT route of administration concepts.
constexpr RouteCode kRouteCodes[] = {
    {"oral", "26643006", "Oral route"},
    {"inhalation", "447694001", "Respiratory tract route"},
    {"subcutaneous", "34206005", "Subcutaneous route"},
    {"nasal", "46713006", "Nasal route"},
    {"topical", "6064005", "Topical route"},
    {"sublingual", "37839007", "Sublingual route"},
    {"intramuscular", "78421000", "Intramuscular route"},
    {"rectal", "37161004", "Rectal route"},
};

std::string Query(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_') out.push_back(static_cast<char>(c));
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

class Builder {
 public:
  Builder(const CaptureResult& r, const BundleOptions& o) : result_(r), options_(o) {
    for (const Field& f : r.fields) fields_[f.key] = &f;
  }

  const Field* Get(const std::string& key) const {
    auto it = fields_.find(key);
    return it == fields_.end() ? nullptr : it->second;
  }
  bool Accepted(const Field* f) const { return f && f->confidence >= options_.threshold; }

  // All fields of an item ("lab.3") accepted? Items are written whole or not at all.
  bool ItemAccepted(const std::string& prefix) const {
    bool any = false;
    for (const auto& [k, f] : fields_)
      if (k.starts_with(prefix + ".")) {
        any = true;
        if (!Accepted(f)) return false;
      }
    return any;
  }

  void Written(const Field* f) {
    if (f) written_.insert(f->key);
  }

  BuiltBundle Build(std::string_view original) {
    Array entries;
    std::string now = options_.now.empty() ? FormatInstant(SystemClock().Now()) : options_.now;

    std::string binary_urn = Urn();
    if (options_.include_document)
      entries.push_back(Entry(binary_urn,
                            Value(Object{{"resourceType", "Binary"},
                                         {"contentType", options_.media_type.empty() ? "application/octet-stream" : options_.media_type},
                                         {"data", EncodeBase64(original)}}),
                            "Binary"));

    // Patient identity decides whether anything clinical is written.
    const Field* family = Get("name.family");
    const Field* given = Get("name.given");
    const Field* birth = Get("birthDate");
    bool card = result_.classification.kind == "insurance_card";
    bool identified = !result_.unreadable && Accepted(family) && Accepted(given) && (card ? false : Accepted(birth));
    std::string patient_urn = options_.patient_reference;
    if (!patient_urn.empty()) {
      identified = !result_.unreadable;
      for (const Field* f : {family, given, birth}) Written(f);  // the patient is already known
    } else if (identified) {
      patient_urn = Urn();
      entries.push_back(PatientEntry(patient_urn));
    }

    std::string doc_urn = Urn();
    size_t doc_index = entries.size();
    if (options_.include_document) entries.push_back(Value());  // filled once review is known

    std::string author_urn;
    if (const Field* npi = Get("referral.npi"); Accepted(npi)) {
      author_urn = Urn();
      Object id{{"system", "http://hl7.org/fhir/sid/us-npi"}};
      SetPrimitive(id, "value", npi->value, npi->confidence);
      Object practitioner{{"resourceType", "Practitioner"}, {"identifier", Value(Array{Value(std::move(id))})}};
      // An NPI names one provider: the one already stored is used when there is one.
      entries.push_back(Entry(author_urn, Value(std::move(practitioner)), "Practitioner",
                              "identifier=http://hl7.org/fhir/sid/us-npi|" + npi->value));
      Written(npi);
    }
    if (identified) {
      if (auto e = CoverageEntry(patient_urn)) entries.push_back(std::move(*e));
      AddAllergies(patient_urn, entries);
      AddMedications(patient_urn, entries);
      AddObservations(patient_urn, entries);
    }
    for (const Field& f : result_.fields)
      if (!written_.contains(f.key)) review_.insert(f.key);

    bool needs_review = !review_.empty() || result_.unreadable;
    BuiltBundle out;
    out.accepted = static_cast<int>(written_.size());
    out.in_review = static_cast<int>(review_.size());
    out.unwritten.assign(review_.begin(), review_.end());
    if (!options_.include_document) {
      out.bundle = Value(Object{{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", Value(std::move(entries))}});
      return out;
    }
    Object doc{{"resourceType", "DocumentReference"},
               {"status", "current"},
               {"docStatus", needs_review ? "preliminary" : "final"}};
    Object type{{"text", KindDisplay(result_.classification.kind)},
                {"extension", ConfidenceExtension(result_.classification.confidence)}};
    doc.emplace_back("type", Value(std::move(type)));
    if (identified) doc.emplace_back("subject", Reference(patient_urn));
    if (!author_urn.empty()) doc.emplace_back("author", Value(Array{Reference(author_urn)}));
    doc.emplace_back("date", now);
    Object attachment{{"contentType", options_.media_type.empty() ? "application/octet-stream" : options_.media_type},
                      {"url", binary_urn}};
    if (!options_.title.empty()) attachment.emplace_back("title", options_.title);
    doc.emplace_back("content", Value(Array{Value(Object{{"attachment", Value(std::move(attachment))}})}));
    entries[doc_index] = Entry(doc_urn, Value(std::move(doc)), "DocumentReference");

    if (needs_review) entries.push_back(TaskEntry(doc_urn, patient_urn, now));
    out.bundle = Value(Object{{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", Value(std::move(entries))}});
    return out;
  }

 private:
  Value PatientEntry(const std::string& urn) {
    const Field* family = Get("name.family");
    const Field* given = Get("name.given");
    const Field* birth = Get("birthDate");
    Object patient{{"resourceType", "Patient"}};
    Object name;
    SetPrimitive(name, "family", family->value, family->confidence);
    name.emplace_back("given", Value(Array{Value(given->value)}));
    name.emplace_back("_given", Value(Array{Value(Object{{"extension", ConfidenceExtension(given->confidence)}})}));
    patient.emplace_back("name", Value(Array{Value(std::move(name))}));
    Written(family);
    Written(given);
    if (const Field* g = Get("gender"); Accepted(g)) {
      SetPrimitive(patient, "gender", g->value, g->confidence);
      Written(g);
    }
    SetPrimitive(patient, "birthDate", birth->value, birth->confidence);
    Written(birth);
    Array telecom;
    if (const Field* p = Get("phone"); Accepted(p)) {
      Object t{{"system", "phone"}, {"use", "home"}};
      SetPrimitive(t, "value", FormatUsPhone(p->value), p->confidence);
      telecom.push_back(Value(std::move(t)));
      Written(p);
    }
    if (const Field* e = Get("email"); Accepted(e)) {
      Object t{{"system", "email"}};
      SetPrimitive(t, "value", e->value, e->confidence);
      telecom.push_back(Value(std::move(t)));
      Written(e);
    }
    if (!telecom.empty()) patient.emplace_back("telecom", Value(std::move(telecom)));
    // The address is written whole or not at all.
    const Field* line = Get("address.line");
    const Field* city = Get("address.city");
    const Field* state = Get("address.state");
    const Field* zip = Get("address.postalCode");
    if (Accepted(line) && Accepted(city) && Accepted(state) && Accepted(zip)) {
      Object a{{"use", "home"}};
      a.emplace_back("line", Value(Array{Value(line->value)}));
      a.emplace_back("_line", Value(Array{Value(Object{{"extension", ConfidenceExtension(line->confidence)}})}));
      SetPrimitive(a, "city", city->value, city->confidence);
      SetPrimitive(a, "state", state->value, state->confidence);
      SetPrimitive(a, "postalCode", zip->value, zip->confidence);
      a.emplace_back("country", "US");
      patient.emplace_back("address", Value(Array{Value(std::move(a))}));
      for (const Field* f : {line, city, state, zip}) Written(f);
    }
    // R4 search: an existing patient with this name and birth date is used instead.
    std::string match = fmt::format("family:exact={}&given:exact={}&birthdate={}", Query(family->value),
                                    Query(given->value), birth->value);
    return Entry(urn, Value(std::move(patient)), "Patient", match);
  }

  std::optional<Value> CoverageEntry(const std::string& patient) {
    const Field* payer = Get("coverage.payer");
    const Field* member = Get("coverage.memberId");
    const Field* mbi = Get("coverage.mbi");
    if (!Accepted(payer) || !(Accepted(member) || Accepted(mbi))) return std::nullopt;
    Object c{{"resourceType", "Coverage"}, {"status", "active"}, {"beneficiary", Reference(patient)}};
    Object payor;
    SetPrimitive(payor, "display", payer->value, payer->confidence);
    c.emplace_back("payor", Value(Array{Value(std::move(payor))}));
    Written(payer);
    if (Accepted(member)) {
      SetPrimitive(c, "subscriberId", member->value, member->confidence);
      Written(member);
    }
    if (Accepted(mbi)) {
      Object id{{"system", "http://hl7.org/fhir/sid/us-mbi"}};
      SetPrimitive(id, "value", mbi->value, mbi->confidence);
      c.emplace_back("identifier", Value(Array{Value(std::move(id))}));
      Written(mbi);
    }
    Array classes;
    for (auto [key, code] : {std::pair{"coverage.group", "group"}, std::pair{"coverage.rxbin", "rxbin"},
                             std::pair{"coverage.rxpcn", "rxpcn"}}) {
      const Field* f = Get(key);
      if (!Accepted(f)) continue;
      Object k{{"type", Value(Object{{"coding", Value(Array{Coding("http://terminology.hl7.org/CodeSystem/coverage-class", code)})}})}};
      SetPrimitive(k, "value", f->value, f->confidence);
      classes.push_back(Value(std::move(k)));
      Written(f);
    }
    if (!classes.empty()) c.emplace_back("class", Value(std::move(classes)));
    return Entry(Urn(), Value(std::move(c)), "Coverage");
  }

  Object AllergyBase(const std::string& patient) {
    return Object{
        {"resourceType", "AllergyIntolerance"},
        {"clinicalStatus", Value(Object{{"coding", Value(Array{Coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active")})}})},
        {"verificationStatus", Value(Object{{"coding", Value(Array{Coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "unconfirmed")})}})},
        {"patient", Reference(patient)}};
  }

  void AddAllergies(const std::string& patient, Array& entries) {
    if (const Field* none = Get("allergies"); Accepted(none) && none->value == "none") {
      Object a = AllergyBase(patient);
      Object code{{"coding", Value(Array{Coding("http://snomed.info/sct", "716186003", "No known allergy")})},
                  {"extension", ConfidenceExtension(none->confidence)}};
      a.emplace_back("code", Value(std::move(code)));
      entries.push_back(Entry(Urn(), Value(std::move(a)), "AllergyIntolerance"));
      Written(none);
    }
    for (int i = 0;; ++i) {
      const Field* f = Get(fmt::format("allergy.{}", i));
      if (!f) break;
      if (!Accepted(f)) continue;
      Object a = AllergyBase(patient);
      Object code;
      SetPrimitive(code, "text", f->value, f->confidence);
      a.emplace_back("code", Value(std::move(code)));
      entries.push_back(Entry(Urn(), Value(std::move(a)), "AllergyIntolerance"));
      Written(f);
    }
  }

  void AddMedications(const std::string& patient, Array& entries) {
    for (int i = 0;; ++i) {
      std::string item = fmt::format("medication.{}", i);
      const Field* name = Get(item + ".name");
      if (!name) break;
      if (!ItemAccepted(item)) continue;
      const Field* strength = Get(item + ".strength");
      const Field* route = Get(item + ".route");
      const Field* freq = Get(item + ".frequency");
      Object m{{"resourceType", "MedicationStatement"}, {"status", "active"}};
      Object med;
      std::string med_text = name->value + (strength ? " " + strength->value : "");
      SetPrimitive(med, "text", med_text, std::min(name->confidence, strength ? strength->confidence : 1.0));
      m.emplace_back("medicationCodeableConcept", Value(std::move(med)));
      m.emplace_back("subject", Reference(patient));
      Object dosage;
      std::string text = strength ? strength->value : "";
      if (route) text += (text.empty() ? "" : " ") + route->value;
      if (freq) text += (text.empty() ? "" : " ") + freq->value;
      double conf = 1.0;
      for (const Field* f : {strength, route, freq})
        if (f) conf = std::min(conf, f->confidence);
      if (!text.empty()) SetPrimitive(dosage, "text", text, conf);
      if (route) {
        for (const RouteCode& rc : kRouteCodes)
          if (route->value == rc.route) {
            dosage.emplace_back("route", Value(Object{{"coding", Value(Array{Coding("http://snomed.info/sct", rc.snomed, rc.display)})},
                                                      {"text", route->value},
                                                      {"extension", ConfidenceExtension(route->confidence)}}));
          }
      }
      if (!dosage.empty()) m.emplace_back("dosage", Value(Array{Value(std::move(dosage))}));
      entries.push_back(Entry(Urn(), Value(std::move(m)), "MedicationStatement"));
      for (const Field* f : {name, strength, route, freq}) Written(f);
    }
  }

  void AddObservations(const std::string& patient, Array& entries) {
    const Field* collected = Get("lab.collected");
    static const std::regex kRange(R"(^(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)$)");
    static const std::regex kBound(R"(^([<>])=?\s*(\d+(?:\.\d+)?)$)");
    for (int i = 0;; ++i) {
      std::string item = fmt::format("lab.{}", i);
      const Field* code = Get(item + ".code");
      if (!code) break;
      if (!ItemAccepted(item) || !Accepted(collected)) continue;
      const Field* value = Get(item + ".value");
      const Field* unit = Get(item + ".unit");
      const Field* range = Get(item + ".range");
      if (!value) continue;
      Object o{{"resourceType", "Observation"},
               {"status", "final"},
               {"category", Value(Array{Value(Object{{"coding", Value(Array{Coding("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")})}})})}};
      Object c{{"coding", Value(Array{Coding("http://loinc.org", code->value)})}, {"text", code->raw},
               {"extension", ConfidenceExtension(code->confidence)}};
      o.emplace_back("code", Value(std::move(c)));
      o.emplace_back("subject", Reference(patient));
      SetPrimitive(o, "effectiveDateTime", collected->value, collected->confidence);
      Object q;
      SetPrimitive(q, "value", Value(json::Number{value->value}), value->confidence);
      if (unit) {
        q.emplace_back("unit", unit->raw);
        q.emplace_back("system", "http://unitsofmeasure.org");
        SetPrimitive(q, "code", unit->value, unit->confidence);
      }
      o.emplace_back("valueQuantity", Value(std::move(q)));
      double v = std::strtod(value->value.c_str(), nullptr);
      if (range) {
        std::smatch m;
        Object rr{{"text", range->value}};
        std::optional<double> low, high;
        if (std::regex_match(range->value, m, kRange)) {
          low = std::stod(m[1]);
          high = std::stod(m[2]);
          rr.emplace_back("low", Value(Object{{"value", Value(json::Number{m[1].str()})}}));
          rr.emplace_back("high", Value(Object{{"value", Value(json::Number{m[2].str()})}}));
        } else if (std::regex_match(range->value, m, kBound)) {
          (m[1] == "<" ? high : low) = std::stod(m[2]);
          rr.emplace_back(m[1] == "<" ? "high" : "low", Value(Object{{"value", Value(json::Number{m[2].str()})}}));
        }
        rr.emplace_back("extension", ConfidenceExtension(range->confidence));
        o.emplace_back("referenceRange", Value(Array{Value(std::move(rr))}));
        const char* flag = (high && v > *high) ? "H" : (low && v < *low) ? "L" : "N";
        o.emplace_back("interpretation", Value(Array{Value(Object{{"coding", Value(Array{Coding(
            "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", flag)})}})}));
      }
      entries.push_back(Entry(Urn(), Value(std::move(o)), "Observation"));
      for (const Field* f : {code, value, unit, range}) Written(f);
      Written(collected);
    }
  }

  Value TaskEntry(const std::string& doc, const std::string& patient, const std::string& now) {
    Object t{{"resourceType", "Task"}, {"status", "requested"}, {"intent", "proposal"}, {"priority", "routine"},
             {"code", Value(Object{{"text", std::string(kReviewTaskCode)}})}};
    std::string description;
    if (result_.unreadable) {
      description = "The document could not be read";
      for (const PageReport& p : result_.pages)
        if (p.problem) {
          description += ": " + *p.problem;
          break;
        }
    } else {
      description = fmt::format("Review {} captured field(s) below the confidence threshold", review_.size());
    }
    t.emplace_back("description", description);
    t.emplace_back("focus", Reference(doc));
    if (!patient.empty()) t.emplace_back("for", Reference(patient));
    t.emplace_back("authoredOn", now);
    Array inputs;
    for (const Field& f : result_.fields) {
      if (!review_.contains(f.key)) continue;
      Object in{{"type", Value(Object{{"text", f.key}})}};
      SetPrimitive(in, "valueString", f.value.empty() ? f.raw : f.value, f.confidence);
      inputs.push_back(Value(std::move(in)));
    }
    if (!inputs.empty()) t.emplace_back("input", Value(std::move(inputs)));
    return Entry(Urn(), Value(std::move(t)), "Task");
  }

  const CaptureResult& result_;
  const BundleOptions& options_;
  std::map<std::string, const Field*> fields_;
  std::set<std::string> written_;
  std::set<std::string> review_;
};

}  // namespace

BuiltBundle BuildBundle(const CaptureResult& result, std::string_view original,
                        const BundleOptions& options) {
  Builder b(result, options);
  return b.Build(original);
}

}  // namespace salus::capture
