// SQL for a SearchQuery over the SQLite index tables (internal to store/sqlite). Pure text
// building, so that tests can read the SQL and its query plan.
#pragma once

#include <cstdint>
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
  enum class Kind { kStart, kAfterRid, kBeforeRid, kOffset } kind = Kind::kStart;
  int64_t value = 0;
};
Result<PageCursor> ParseCursor(const std::string& cursor);
std::string FormatCursor(PageCursor c);

// SELECT X.rid, X.type, X.id, X.version, X.last_updated, v.method, v.body of one page (count+1
// rows, to tell whether there is a next page). Rows come in page order, except that a
// kBeforeRid page comes newest first (the caller reverses it).
Result<Sql> BuildPage(const SearchQuery& q, const PageCursor& cursor);
// SELECT COUNT(*) of the matches.
Result<Sql> BuildCount(const SearchQuery& q);
// Resources referenced from `rids` through `inc` (X.rid, X.type, X.id, ... as above).
Sql BuildInclude(const Include& inc, const std::vector<int64_t>& rids);
// Resources of inc.type that reference one of `rids` through inc.param.
Sql BuildRevInclude(const Include& inc, const std::vector<int64_t>& rids);

}  // namespace salus::store::internal
