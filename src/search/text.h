// Text normalisation for string search (R4 search.html#string: "case- and accent-insensitive").
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace salus::search {

// Lower-cases and removes diacritics from Latin letters (U+00C0..U+024F, plus combining marks
// U+0300..U+036F dropped); other characters pass through unchanged. "Ångström" -> "angstrom".
std::string NormalizeText(std::string_view s);

}  // namespace salus::search
