#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "api/internal.h"
#include "core/url.h"

#include "search/indexer.h"
#include "search/parse.h"
#include "crypto/random.h"
#include "fhir/primitives.h"

namespace salus::api::internal {
namespace {

// Parameters that shape results rather than select them (R4 search.html#return).
bool IsResultParameter(std::string_view name) {
  static constexpr std::string_view kNames[] = {"_format", "_pretty", "_summary", "_elements", "_count",
                                                "_sort",   "_total",  "_include", "_revinclude", "_cursor"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

Result<std::string> PercentDecode(std::string_view s) {
  auto decoded = salus::FormDecode(s);
  if (!decoded) return Fail(Error::Invalid("invalid percent-escape in query"));
  std::string out = std::move(*decoded);
  if (!json::IsValidUtf8(out)) return Fail(Error::Invalid("query is not valid UTF-8"));
  return out;
}

}  // namespace

std::string PercentEncode(std::string_view s) { return salus::PercentEncode(s, "-._~,:"); }

Result<std::vector<std::pair<std::string, std::string>>> ParseQueryString(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!text.empty() && text[0] == '?') text.remove_prefix(1);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t amp = text.find('&', pos);
    std::string_view part = text.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    pos = amp == std::string_view::npos ? text.size() : amp + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    SALUS_ASSIGN_OR_RETURN(std::string name, PercentDecode(part.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      SALUS_ASSIGN_OR_RETURN(value, PercentDecode(part.substr(eq + 1)));
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

store::PreparedResource PrepareIndexed(const json::Value& resource) {
  std::shared_ptr<const search::Registry> registry = search::Registry::Current();
  store::PreparedResource p = store::Prepare(resource, search::ExtractIndexRows(resource, *registry));
  p.refresh_rows = [registry](const store::PreparedResource& prepared,
                              std::string_view id) -> std::optional<store::IndexRows> {
    auto current = search::Registry::Current();
    if (current == registry) return std::nullopt;
    auto doc = json::Parse(store::Assemble(prepared, id, 1, 0), json::ParseLimits{.max_depth = 1000});
    if (!doc) return std::nullopt;
    return search::ExtractIndexRows(*doc, *current);
  };
  return p;
}

Result<Criteria> ParseCriteria(const std::vector<std::pair<std::string, std::string>>& query, bool lenient) {
  (void)lenient;  // criteria select what a write acts on: never lenient
  Criteria c;
  for (const auto& [name, value] : query) {
    if (IsResultParameter(name)) continue;
    c.params.emplace_back(name, value);
  }
  return c;
}

Result<std::vector<std::string>> Match(Finder& finder, std::string_view type, const Criteria& criteria,
                                       size_t limit) {
  search::SearchOptions options;
  options.default_count = limit;
  options.max_count = limit;
  options.now_us = SystemClock().Now().time_since_epoch().count();
  SALUS_ASSIGN_OR_RETURN(auto parsed, search::ParseSearch(criteria.params, {std::string(type)}, options));
  if (!parsed.query.sort.empty() || !parsed.query.includes.empty() || !parsed.query.revincludes.empty()) {
    return Fail(Error::Invalid("conditional criteria cannot sort or include"));
  }
  parsed.query.count = limit;
  parsed.query.ids_only = false;
  SALUS_ASSIGN_OR_RETURN(auto page, finder.Search(parsed.query));
  std::vector<std::string> ids;
  for (auto& v : page.matches) ids.push_back(std::move(v.id));
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<int64_t> ParseETag(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() < 3 || etag.front() != '"' || etag.back() != '"') return std::nullopt;
  etag = etag.substr(1, etag.size() - 2);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(etag.data(), etag.data() + etag.size(), v);
  if (ec != std::errc() || ptr != etag.data() + etag.size() || v < 1) return std::nullopt;
  return v;
}

std::string ETag(int64_t version) { return fmt::format("W/\"{}\"", version); }

std::string StatusText(int status) {
  switch (status) {
    case 200: return "200 OK";
    case 201: return "201 Created";
    case 204: return "204 No Content";
    case 304: return "304 Not Modified";
    case 400: return "400 Bad Request";
    case 401: return "401 Unauthorized";
    case 403: return "403 Forbidden";
    case 404: return "404 Not Found";
    case 405: return "405 Method Not Allowed";
    case 406: return "406 Not Acceptable";
    case 409: return "409 Conflict";
    case 410: return "410 Gone";
    case 412: return "412 Precondition Failed";
    case 415: return "415 Unsupported Media Type";
    case 422: return "422 Unprocessable Entity";
    case 500: return "500 Internal Server Error";
    case 503: return "503 Service Unavailable";
    default: return std::to_string(status);
  }
}

BundleWriter::BundleWriter(std::string_view type, std::string_view last_updated) {
  out_ = R"({"resourceType":"Bundle","id":")";
  out_ += crypto::NewId();
  out_ += R"(","meta":{"lastUpdated":")";
  out_ += last_updated;
  out_ += R"("},"type":)";
  json::WriteString(type, out_);
}

void BundleWriter::Total(int64_t total) { out_ += fmt::format(",\"total\":{}", total); }

void BundleWriter::Link(std::string_view relation, std::string_view url) {
  out_ += links_open_ ? "," : ",\"link\":[";
  links_open_ = true;
  out_ += "{\"relation\":";
  json::WriteString(relation, out_);
  out_ += ",\"url\":";
  json::WriteString(url, out_);
  out_ += "}";
}

void BundleWriter::BeginEntry() {
  if (links_open_) {
    out_ += "]";
    links_open_ = false;
  }
  out_ += entries_open_ ? ",{" : ",\"entry\":[{";
  entries_open_ = true;
  entry_has_member_ = false;
}

void BundleWriter::Separator() {
  if (entry_has_member_) out_ += ",";
  entry_has_member_ = true;
}

void BundleWriter::FullUrl(std::string_view url) {
  Separator();
  out_ += "\"fullUrl\":";
  json::WriteString(url, out_);
}

void BundleWriter::RawResource(std::string_view json) {
  Separator();
  out_ += "\"resource\":";
  out_ += json;
}

void BundleWriter::Member(std::string_view name, const json::Value& value) {
  Separator();
  json::WriteString(name, out_);
  out_ += ":";
  json::Write(value, out_);
}

void BundleWriter::EndEntry() { out_ += "}"; }

std::string BundleWriter::Finish() {
  if (links_open_) out_ += "]";
  if (entries_open_) out_ += "]";
  out_ += "}";
  return std::move(out_);
}

}  // namespace salus::api::internal
