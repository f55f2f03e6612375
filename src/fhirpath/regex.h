// Regular expressions for matches()/replaceMatches() (internal to src/fhirpath): std::regex
// (ECMAScript) in FHIRPath's single-line mode, with its exceptions turned into errors here.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace salus::fhirpath::internal {

// Whether `pattern` matches part of `text` (or all of it when `full`).
Result<bool> RegexMatch(std::string_view text, std::string_view pattern, bool full);
// `text` with every match of `pattern` replaced by `replacement` ($1 refers to groups).
Result<std::string> RegexReplace(std::string_view text, std::string_view pattern, std::string_view replacement);

}  // namespace salus::fhirpath::internal
