#include "search/text.h"

#include <gtest/gtest.h>

namespace salus::search {
namespace {

TEST(NormalizeTextTest, FoldsCaseAndAccents) {
  EXPECT_EQ(NormalizeText("Ångström"), "angstrom");
  EXPECT_EQ(NormalizeText("MÜLLER-Łukasz"), "muller-lukasz");
  EXPECT_EQ(NormalizeText("Straße"), "strasse");
  EXPECT_EQ(NormalizeText("e\xCC\x81"), "e");  // e + combining acute
  EXPECT_EQ(NormalizeText("Σοφία"), "σοφία");
  EXPECT_EQ(NormalizeText("plain"), "plain");
}

}  // namespace
}  // namespace salus::search
