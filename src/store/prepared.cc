#include <fmt/format.h>

#include "store/store.h"

namespace salus::store {

PreparedResource Prepare(const json::Value& resource, IndexRows rows) {
  PreparedResource out;
  out.type = std::string(resource.string_at("resourceType").value_or(""));
  out.rows = std::move(rows);
  for (const auto& [k, v] : resource.as_object()) {
    if (k == "resourceType" || k == "id") continue;
    if (k == "meta") {
      if (!v.is_object()) continue;
      for (const auto& [mk, mv] : v.as_object()) {
        if (mk == "versionId" || mk == "lastUpdated") continue;
        out.meta_tail.push_back(',');
        json::WriteString(mk, out.meta_tail);
        out.meta_tail.push_back(':');
        json::Write(mv, out.meta_tail);
      }
      continue;
    }
    out.tail.push_back(',');
    json::WriteString(k, out.tail);
    out.tail.push_back(':');
    json::Write(v, out.tail);
  }
  return out;
}

std::string Assemble(const PreparedResource& r, std::string_view id, int64_t version, int64_t last_updated_us) {
  std::string body;
  body.reserve(r.tail.size() + r.meta_tail.size() + r.type.size() + id.size() + 96);
  body += R"({"resourceType":)";
  json::WriteString(r.type, body);
  body += R"(,"id":)";
  json::WriteString(id, body);
  body += R"(,"meta":{"versionId":")";
  body += std::to_string(version);
  body += R"(","lastUpdated":")";
  body += FormatInstant(TimePoint{std::chrono::microseconds(last_updated_us)});
  body += '"';
  body += r.meta_tail;
  body += '}';
  body += r.tail;
  body += '}';
  return body;
}

}  // namespace salus::store
