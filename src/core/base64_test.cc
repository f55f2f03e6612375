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

TEST(Base64Test, EncodesRfc4648VectorsAndRoundTrips) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  EXPECT_EQ(DecodeBase64(EncodeBase64(bytes)), bytes);
}

}  // namespace
}  // namespace salus
