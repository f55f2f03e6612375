// `salus reindex`: rebuilds every resource's search index rows with the R4 parameters and the
// active custom SearchParameter resources, while the server runs (SQLite lets the two
// processes share the database; each batch is one short transaction). Progress is recorded
// with each batch, so an interrupted reindex resumes where it stopped; when it finishes, the
// running server picks up the new parameters (search.generation changes).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "search/registry.h"
#include "store/store.h"

namespace salus::app {

struct ReindexOptions {
  size_t batch = 500;     // resources per transaction
  bool progress = true;   // a progress line on stderr, about once a second
};

struct ReindexSummary {
  size_t resources = 0;           // reindexed
  size_t moved_on = 0;            // changed by another writer meanwhile (already indexed by it)
  size_t custom_parameters = 0;   // custom SearchParameters in force
  std::vector<std::string> rejected;  // custom SearchParameters that could not be used, and why
  bool resumed = false;
  double seconds = 0;
};

Result<ReindexSummary> RunReindex(store::Store& store, const ReindexOptions& options);

// Run by the server when it switches to a new generation of search parameters: reindexes what
// was written since that reindex started, because a server still on the old parameters may
// have indexed it with them. Done once per generation (recorded in the store). Returns how
// many resources it reindexed.
// With `record` false the pass is not recorded as done (a first pass before the switch).
Result<size_t> CatchUpReindex(store::Store& store, const search::Registry& registry, bool record = true);

}  // namespace salus::app
