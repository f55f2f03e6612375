#include "crypto/random.h"

#include <set>

#include <gtest/gtest.h>

namespace salus::crypto {
namespace {

TEST(RandomTest, NewIdsAreTimeOrderedUuidsAndDistinct) {
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '7');  // version 7
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');  // RFC 9562 variant
    EXPECT_TRUE(seen.insert(id).second);
    // The first 48 bits are milliseconds: never earlier than the previous id's.
    EXPECT_GE(id.substr(0, 13), previous.substr(0, std::min<size_t>(13, previous.size())));
    previous = id;
  }
}

TEST(RandomTest, UniformStaysInBounds) {
  for (int i = 0; i < 1000; ++i) EXPECT_LT(RandomUniform(7), 7u);
}

}  // namespace
}  // namespace salus::crypto
