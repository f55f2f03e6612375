#include "fhirpath/regex.h"

#include <fmt/format.h>

#include <regex>

namespace salus::fhirpath::internal {
namespace {

// FHIRPath regexes run in single-line mode: '.' also matches line breaks, which
// ECMAScript's '.' does not.
std::string SingleLinePattern(std::string_view p) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out.push_back(c);
      out.push_back(p[++i]);
    } else if (c == '[') {
      in_class = true;
      out.push_back(c);
    } else if (c == ']') {
      in_class = false;
      out.push_back(c);
    } else if (c == '.' && !in_class) {
      out += "[\\s\\S]";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Result<bool> RegexMatch(std::string_view text, std::string_view pattern, bool full) {
  try {
    std::regex re{SingleLinePattern(pattern), std::regex::ECMAScript};
    std::string t(text);
    return full ? std::regex_match(t, re) : std::regex_search(t, re);
  } catch (const std::exception& e) {
    return Fail(Error::Invalid(fmt::format("invalid regular expression: {}", e.what())));
  }
}

Result<std::string> RegexReplace(std::string_view text, std::string_view pattern, std::string_view replacement) {
  try {
    std::regex re{SingleLinePattern(pattern), std::regex::ECMAScript};
    return std::regex_replace(std::string(text), re, std::string(replacement));
  } catch (const std::exception& e) {
    return Fail(Error::Invalid(fmt::format("invalid regular expression: {}", e.what())));
  }
}

}  // namespace salus::fhirpath::internal
