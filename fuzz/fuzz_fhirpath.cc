// libFuzzer target: arbitrary bytes as a FHIRPath expression (custom SearchParameters bring
// expressions from outside), compiled and evaluated against a fixed Observation. Errors are
// fine; a crash, a sanitizer report or a hang is not.
#include <cstdint>
#include <string_view>

#include "core/json.h"
#include "fhirpath/fhirpath.h"

namespace {

const salus::json::Value& Observation() {
  static const salus::json::Value doc = *salus::json::Parse(R"({"resourceType":"Observation","id":"o1",
    "status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Weight"}],"text":"w"},
    "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2024-01-02T10:00:00+01:00",
    "valueQuantity":{"value":72.50,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"},
    "component":[{"code":{"text":"a"},"valueString":"x"},{"code":{"text":"b"},"valueInteger":3}],
    "contained":[{"resourceType":"Patient","id":"c1","name":[{"given":["A","B"]}]}],
    "_status":{"extension":[{"url":"http://e","valueBoolean":true}]}})");
  return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expr = salus::fhirpath::Expression::Compile(text);
  if (!expr) return 0;
  salus::fhirpath::Workspace ws;
  auto out = expr->Evaluate(Observation(), ws);
  if (out) {
    for (const auto& item : *out) (void)salus::fhirpath::ToString(item);
  }
  return 0;
}
