#include "support/web.h"

#include <regex>

#include "core/url.h"

namespace salus::testing {

std::string FirstMatch(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : std::string();
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) out += (out.empty() ? "" : "&") + PercentEncode(k) + "=" + PercentEncode(v);
  return out;
}

HttpResponse WithToken(uint16_t port, const std::string& token, const std::string& method, const std::string& path,
                       const std::string& body) {
  std::vector<std::pair<std::string, std::string>> h = {{"Authorization", "Bearer " + token}};
  if (!body.empty()) h.emplace_back("Content-Type", "application/fhir+json");
  return Http(port, method, path, body, h);
}

}  // namespace salus::testing
