// `salus import`: bulk-loads NDJSON files and Bundles through the same validation, indexing and
// transaction path as the REST API.
#pragma once

#include <string>
#include <vector>

#include "api/api.h"

namespace salus::app {

struct ImportOptions {
  std::vector<std::string> inputs;  // files or directories (*.ndjson, *.json)
  size_t chunk = 500;               // NDJSON resources per transaction
  int parallel = 4;                 // transactions in flight
  bool progress = true;             // draw a progress bar (only on a terminal)
};

struct ImportSummary {
  size_t files = 0;
  size_t resources = 0;
  size_t failed = 0;
  double seconds = 0;
};

// Returns the summary; failures are reported on stderr (file, line or entry, and the problem).
ImportSummary RunImport(const api::Api& api, const ImportOptions& options);

}  // namespace salus::app
