// The embedded store: SQLite in WAL mode with synchronous=FULL, one writer thread doing group
// commit, and a pool of reader connections. sqlite3.h stays inside this adapter.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace salus::store {

struct SqliteOptions {
  std::string path;              // database file; "-wal" and "-shm" files sit beside it
  int readers = 4;               // reader connections
  size_t max_batch = 512;        // units of work per transaction
  size_t max_queue = 20000;      // pending units before Write answers Unavailable
  size_t cache_bytes = 64 << 20; // read cache of current versions (0: none)
  const Clock* clock = nullptr;  // defaults to the system clock
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace salus::store
