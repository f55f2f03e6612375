#include "core/base64.h"

#include <gtest/gtest.h>

namespace salus {
namespace {

TEST(Base64Test, DecodesRfc4648Vectors) {
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_EQ(DecodeBase64("Zg=="), "f");
  EXPECT_EQ(DecodeBase64("Zm8="), "fo");
  EXPECT_EQ(DecodeBase64("Zm9v"), "foo");
  EXPECT_EQ(DecodeBase64("Zm9vYmFy"), "foobar");
  EXPECT_EQ(DecodeBase64("Zm9v\nYmFy"), "foobar");
}

TEST(Base64Test, RejectsMalformed) {
  EXPECT_FALSE(DecodeBase64("Zm9"));
  EXPECT_FALSE(DecodeBase64("Zm=v"));
  EXPECT_FALSE(DecodeBase64("Zm9*"));
  EXPECT_FALSE(DecodeBase64("Z==="));
}

}  // namespace
}  // namespace salus
