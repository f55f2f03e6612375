// The embedded store: SQLite in WAL mode with synchronous=FULL, one writer thread doing group
// commit, and a pool of reader connections. sqlite3.h stays inside this adapter.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "core/time.h"
#include "crypto/aead.h"
#include "store/store.h"

namespace salus::store {

struct SqliteOptions {
  std::string path;              // database file; "-wal" and "-shm" files sit beside it
  int readers = 4;               // reader connections
  size_t max_batch = 512;        // units of work per transaction
  size_t max_queue = 20000;      // pending units before Write answers Unavailable
  size_t cache_bytes = 64 << 20; // read cache of current versions (0: none)
  const Clock* clock = nullptr;  // defaults to the system clock
  // Seals every resource body (all versions) with data keys wrapped by this key-encryption
  // key; nullopt stores bodies as they are (refused once the database holds data keys).
  std::optional<crypto::AeadKey> kek;
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

// Re-wraps the database's data keys from `old_kek` to `new_kek` in one transaction (no body is
// re-encrypted); the number of data keys. Safe beside a running server, which holds the data
// keys themselves.
Result<int> RewrapDataKeys(const std::string& path, const crypto::AeadKey& old_kek, const crypto::AeadKey& new_kek);
// The id of the KEK the database's data keys are wrapped with (nullopt: none yet).
Result<std::optional<std::string>> DataKeysKekId(const std::string& path);

}  // namespace salus::store
