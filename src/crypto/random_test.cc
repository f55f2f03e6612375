#include "crypto/random.h"

#include <set>

#include <gtest/gtest.h>

namespace salus::crypto {
namespace {

TEST(RandomTest, NewIdsAreUuidShapedAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(RandomTest, UniformStaysInBounds) {
  for (int i = 0; i < 1000; ++i) EXPECT_LT(RandomUniform(7), 7u);
}

}  // namespace
}  // namespace salus::crypto
