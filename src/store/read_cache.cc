#include "store/read_cache.h"

#include <functional>

namespace salus::store {
namespace {
size_t Footprint(const ResourceVersion& v) { return v.body.size() + v.type.size() + v.id.size() + 128; }
}  // namespace

ReadCache::ReadCache(size_t capacity_bytes) : shard_capacity_(capacity_bytes / kShards) {}

std::string ReadCache::Key(std::string_view type, std::string_view id) {
  std::string k(type);
  k.push_back('/');
  k.append(id);
  return k;
}

ReadCache::Shard& ReadCache::ShardFor(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

std::optional<ResourceVersion> ReadCache::Get(std::string_view type, std::string_view id) {
  std::string key = Key(type, id);
  Shard& shard = ShardFor(key);
  std::shared_ptr<const ResourceVersion> found;
  {
    std::lock_guard lock(shard.mu);
    auto it = shard.index.find(key);
    if (it == shard.index.end()) return std::nullopt;
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
    found = it->second->version;
  }
  return *found;
}

void ReadCache::InsertLocked(Shard& shard, std::string key, const ResourceVersion& v) {
  if (Footprint(v) > shard_capacity_) return;
  auto it = shard.index.find(key);
  if (it != shard.index.end()) {
    shard.bytes -= Footprint(*it->second->version);
    shard.lru.erase(it->second);
    shard.index.erase(it);
  }
  shard.lru.push_front(Entry{key, std::make_shared<const ResourceVersion>(v)});
  shard.index.emplace(std::move(key), shard.lru.begin());
  shard.bytes += Footprint(v);
  while (shard.bytes > shard_capacity_ && !shard.lru.empty()) {
    const Entry& last = shard.lru.back();
    shard.bytes -= Footprint(*last.version);
    shard.index.erase(last.key);
    shard.lru.pop_back();
  }
}

void ReadCache::Offer(uint64_t ticket, const ResourceVersion& v) {
  std::string key = Key(v.type, v.id);
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  // A commit was in flight when the read started (odd ticket), or began since.
  if ((ticket & 1) != 0 || publishes_.load(std::memory_order_acquire) != ticket) return;
  InsertLocked(shard, std::move(key), v);
}

void ReadCache::Invalidate(std::string_view type, std::string_view id) {
  std::string key = Key(type, id);
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.index.find(key);
  if (it == shard.index.end()) return;
  shard.bytes -= Footprint(*it->second->version);
  shard.lru.erase(it->second);
  shard.index.erase(it);
}

}  // namespace salus::store
