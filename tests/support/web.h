// Test-only helpers for the OAuth and sign-in tests: pick values out of pages and answers,
// encode forms, call with a bearer token.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "support/harness.h"

namespace salus::testing {

// The first capture group of `pattern` in `text`, or "".
std::string FirstMatch(const std::string& text, const std::string& pattern);
// name=value&... (application/x-www-form-urlencoded).
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);
// A request with "Authorization: Bearer <token>" (and a FHIR JSON body when one is given).
HttpResponse WithToken(uint16_t port, const std::string& token, const std::string& method, const std::string& path,
                       const std::string& body = {});

}  // namespace salus::testing
