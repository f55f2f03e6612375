// libFuzzer target: arbitrary bytes -> JSON parse -> FHIR validation -> serialisation.
// Any crash, sanitizer report, or a parse/serialise round trip that changes the document fails.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json.h"
#include "fhir/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = salus::json::Parse(text);
  if (!doc) return 0;
  static const salus::fhir::Validator validator(salus::fhir::Definitions::R4());
  std::vector<salus::Issue> issues;
  validator.Validate(*doc, issues);
  std::string out = salus::json::Serialize(*doc);
  auto again = salus::json::Parse(out);
  if (!again || !(*again == *doc)) std::abort();
  return 0;
}
