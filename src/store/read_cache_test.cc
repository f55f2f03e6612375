#include "store/read_cache.h"

#include <gtest/gtest.h>

namespace salus::store {
namespace {

ResourceVersion V(const std::string& id, int64_t version, size_t body = 10) {
  return ResourceVersion{"Patient", id, version, 0, false, "PUT", std::string(body, 'x')};
}

TEST(ReadCacheTest, AStaleReadRacingACommitIsNotCached) {
  ReadCache cache(1 << 20);
  cache.Offer(cache.Ticket(), V("a", 1));
  uint64_t ticket = cache.Ticket();  // a reader starts, reads version 1 from the database...
  cache.BeginInvalidation();         // ...while a commit of version 2 invalidates it
  cache.Invalidate("Patient", "a");
  EXPECT_FALSE(cache.Get("Patient", "a"));
  uint64_t during = cache.Ticket();  // a read that starts while the commit is in flight
  cache.Offer(during, V("a", 1));
  EXPECT_FALSE(cache.Get("Patient", "a"));
  cache.EndInvalidation();
  cache.Offer(ticket, V("a", 1));  // the first reader's late offer must not be cached either
  cache.Offer(during, V("a", 1));
  EXPECT_FALSE(cache.Get("Patient", "a"));
  // Without a race the offer is kept.
  uint64_t fresh = cache.Ticket();
  cache.Offer(fresh, V("b", 1));
  EXPECT_EQ(cache.Get("Patient", "b")->version, 1);
  EXPECT_FALSE(cache.Get("Patient", "c"));
}

TEST(ReadCacheTest, StaysWithinItsCapacity) {
  ReadCache cache(16 * 4096);  // 16 shards of 4 KiB
  for (int i = 0; i < 1000; ++i) cache.Offer(cache.Ticket(), V("p" + std::to_string(i), 1, 1000));
  int cached = 0;
  for (int i = 0; i < 1000; ++i) cached += cache.Get("Patient", "p" + std::to_string(i)).has_value();
  EXPECT_GT(cached, 0);
  EXPECT_LE(cached, 16 * 4);  // at most 4 entries of ~1.1 KB per 4 KiB shard
  EXPECT_TRUE(cache.Get("Patient", "p999"));  // the most recent survive
}

}  // namespace
}  // namespace salus::store
