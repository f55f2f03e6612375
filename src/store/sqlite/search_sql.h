// SQL for a SearchQuery over the SQLite index tables (internal to store/sqlite). Pure text
// building, so that tests can read the SQL and its query plan.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.h"
#include "store/query.h"

namespace salus::store::internal {

using SqlValue = std::variant<int64_t, double, std::string>;

struct Sql {
  std::string text;
  std::vector<SqlValue> binds;
};

// Where a page starts: after/before a resource in creation order, or at an offset of a
// sorted result.
struct PageCursor {
  // kAfterKey / kBeforeKey: after / before (keys..., rid) in a sort's order; each key is null
  // (no value), an integer (dates, _lastUpdated: microseconds), a real or a text. `key` is the
  // first sort key's, `more_keys` the later keys' (one each), in order.
  enum class Kind { kStart, kAfterRid, kBeforeRid, kOffset, kAfterKey, kBeforeKey } kind = Kind::kStart;
  int64_t value = 0;  // the rid, or the offset
  SqlValue key;
  bool key_null = false;
  std::vector<std::optional<SqlValue>> more_keys;
};
Result<PageCursor> ParseCursor(const std::string& cursor);
std::string FormatCursor(PageCursor c);

// SELECT X.rid, X.type, X.id, X.version, X.last_updated, v.method, v.body of one page (count+1
// rows, to tell whether there is a next page), then, for a sorted search, each sort key's
// value. Rows come in page order, except that a kBeforeRid or kBeforeKey page comes in reverse
// (the caller reverses it). Invalid when a key cursor does not fit the query's sort.
Result<Sql> BuildPage(const SearchQuery& q, const PageCursor& cursor);
// SELECT COUNT(*) of the matches.
Result<Sql> BuildCount(const SearchQuery& q);

// A sort on one date parameter can be served by walking that parameter's index in order and
// checking each resource's conditions, stopping once the page is full: cheap when many
// resources match, costly when few do. These say whether it applies and build its parts.
bool SortScanApplies(const SearchQuery& q);
// A search driven by a date window ("date=ge2015-03&date=lt2015-04") without _sort is served
// in that date's order, walking only the window of its index: the sort key to use, if so.
std::optional<SortKey> ImplicitDateOrder(const SearchQuery& q);
// How many index rows the driving condition has, up to `cap` (nullopt when no driver).
std::optional<Sql> BuildDriverCount(const SearchQuery& q, int64_t cap);
// X.rid and the sort value of matches in sort order (repeats possible: one row per date
// value), after a kAfterKey cursor when given.
Result<Sql> BuildSortScan(const SearchQuery& q, const PageCursor& cursor);
// X.rid (and NULL) of matches without a value for the sort parameter, in creation order in the
// sort's direction (they sort last), after a kAfterKey cursor in that region when given.
Result<Sql> BuildSortMissing(const SearchQuery& q, const PageCursor& cursor);
// Bodies of the given rids (X.rid, X.type, ... as BuildPage), in no particular order.
Sql BuildRows(const std::vector<int64_t>& rids);
// Resources referenced from `rids` through `inc` (X.rid, X.type, X.id, ... as above).
Sql BuildInclude(const Include& inc, const std::vector<int64_t>& rids);
// Resources of inc.type that reference one of `rids` through inc.param.
Sql BuildRevInclude(const Include& inc, const std::vector<int64_t>& rids);

}  // namespace salus::store::internal
