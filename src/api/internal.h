// Internals shared by the api/*.cc files. Not for other layers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "store/store.h"

namespace salus::api::internal {
// Search criteria of a conditional interaction (If-None-Exist, conditional update/delete,
// conditional references): the query's search parameters, evaluated with full search.
struct Criteria {
  std::vector<std::pair<std::string, std::string>> params;  // result parameters removed
  bool empty() const { return params.empty(); }
};

// The criteria of a query string: every pair except result-control parameters (_count,
// _format, ...). Parameters are checked when they are matched.
Result<Criteria> ParseCriteria(const std::vector<std::pair<std::string, std::string>>& query, bool lenient);
// The resource serialised for the writer, with its index rows; if the search parameters change
// before the writer stores it, the writer recomputes the rows (see PreparedResource).
store::PreparedResource PrepareIndexed(const json::Value& resource);

// Percent-encodes a query name or value for a link (RFC 3986: unreserved characters and
// ",:" stay as they are).
std::string PercentEncode(std::string_view s);
// Parses "a=b&c=d" (percent-decoded) into pairs.
Result<std::vector<std::pair<std::string, std::string>>> ParseQueryString(std::string_view text);

// What criteria are evaluated against: the committed store, or a writer transaction.
class Finder {
 public:
  virtual ~Finder() = default;
  virtual Result<store::SearchPage> Search(const store::SearchQuery& query) = 0;
};

class StoreFinder : public Finder {
 public:
  explicit StoreFinder(store::Store& s) : s_(s) {}
  Result<store::SearchPage> Search(const store::SearchQuery& query) override { return s_.Search(query); }

 private:
  store::Store& s_;
};

class TxnFinder : public Finder {
 public:
  explicit TxnFinder(store::WriteTxn& t) : t_(t) {}
  Result<store::SearchPage> Search(const store::SearchQuery& query) override { return t_.Search(query); }

 private:
  store::WriteTxn& t_;
};

// Ids of `type` matching `criteria`, sorted, at most `limit`.
Result<std::vector<std::string>> Match(Finder& finder, std::string_view type, const Criteria& criteria, size_t limit);

// "W/\"3\"" or "\"3\"" -> 3.
std::optional<int64_t> ParseETag(std::string_view etag);
std::string ETag(int64_t version);
// Status line text for Bundle.entry.response.status: "201 Created".
std::string StatusText(int status);

// Builds a Bundle as text, embedding stored resource bytes without re-parsing them.
class BundleWriter {
 public:
  BundleWriter(std::string_view type, std::string_view last_updated);
  void Total(int64_t total);
  void Link(std::string_view relation, std::string_view url);
  // Starts an entry; then any of the Add* calls; then EndEntry.
  void BeginEntry();
  void FullUrl(std::string_view url);
  void RawResource(std::string_view json);
  void Member(std::string_view name, const json::Value& value);
  void EndEntry();
  std::string Finish();

 private:
  void Separator();
  std::string out_;
  bool links_open_ = false;
  bool entries_open_ = false;
  bool entry_has_member_ = false;
};

}  // namespace salus::api::internal
