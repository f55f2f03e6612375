// A bounded cache of current resource versions (type/id -> the version a read would return),
// so that read-by-id is served without touching the database.
//
// Consistency: around each commit the writer calls BeginInvalidation(), Invalidate() for every
// resource the commit changes, then (after the commit) EndInvalidation(). A reader takes
// Ticket() before reading the database and may Offer() what it read only if no commit was in
// flight then and none began since. So while a commit is in flight its resources are not in
// the cache and cannot be put back, and afterwards only reads that started after it can fill
// the cache: no reader ever sees an older version after a newer one. (Writes invalidate rather
// than insert: cheaper for the single writer, and bulk loads do not push out what people read.)
// Thread-safety: all methods are thread-safe (16 independently locked shards).
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.h"

namespace salus::store {

class ReadCache {
 public:
  explicit ReadCache(size_t capacity_bytes);

  std::optional<ResourceVersion> Get(std::string_view type, std::string_view id);
  uint64_t Ticket() const { return publishes_.load(std::memory_order_acquire); }
  // Caches `v` unless a publish began after `ticket` was taken.
  void Offer(uint64_t ticket, const ResourceVersion& v);
  // The counter is odd while a commit is in flight.
  void BeginInvalidation() { publishes_.fetch_add(1, std::memory_order_acq_rel); }
  void Invalidate(std::string_view type, std::string_view id);
  void EndInvalidation() { publishes_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  static constexpr size_t kShards = 16;
  struct Entry {
    std::string key;
    std::shared_ptr<const ResourceVersion> version;
  };
  struct Shard {
    std::mutex mu;
    std::list<Entry> lru;  // most recent first; GUARDED_BY(mu)
    std::unordered_map<std::string, std::list<Entry>::iterator> index;  // GUARDED_BY(mu)
    size_t bytes = 0;  // GUARDED_BY(mu)
  };

  static std::string Key(std::string_view type, std::string_view id);
  Shard& ShardFor(const std::string& key);
  void InsertLocked(Shard& shard, std::string key, const ResourceVersion& v);

  size_t shard_capacity_;
  std::atomic<uint64_t> publishes_{0};
  Shard shards_[kShards];
};

}  // namespace salus::store
