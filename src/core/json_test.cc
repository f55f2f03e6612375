#include "core/json.h"

#include <gtest/gtest.h>

namespace salus::json {
namespace {

TEST(JsonTest, KeepsMemberOrderAndNumberText) {
  auto v = Parse(R"({"b":1.10,"a":[true,null,"x"],"c":-0.5e3})");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(Serialize(*v), R"({"b":1.10,"a":[true,null,"x"],"c":-0.5e3})");
  EXPECT_EQ(v->find("b")->as_number().text, "1.10");
}

TEST(JsonTest, DecodesEscapesAndReencodes) {
  auto v = Parse(R"(["a\"b\\c\u00e9\ud83d\ude00\n"])");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as_array()[0].as_string(), "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80\n");
  EXPECT_EQ(Serialize(*v), "[\"a\\\"b\\\\c\xc3\xa9\xf0\x9f\x98\x80\\n\"]");
}

TEST(JsonTest, RejectsMalformedInput) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\\x\"", "\"a",
                          "{\"a\" 1}", "[1] 2", "\"\\ud800\"", "\"\\udc00x\"", "NaN", "1e"}) {
    EXPECT_FALSE(Parse(bad)) << bad;
  }
}

TEST(JsonTest, RejectsInvalidUtf8) {
  EXPECT_FALSE(Parse("\"\xff\""));
  EXPECT_FALSE(Parse("\"\xc0\xaf\""));          // overlong '/'
  EXPECT_FALSE(Parse("\"\xed\xa0\x80\""));      // surrogate
  EXPECT_FALSE(Parse("\"\xf4\x90\x80\x80\""));  // > U+10FFFF
  EXPECT_FALSE(Parse("\"\xe2\x82\""));          // truncated
  EXPECT_TRUE(Parse("\"\xe2\x82\xac\""));
}

TEST(JsonTest, RejectsDuplicateKeysSmallAndLarge) {
  EXPECT_FALSE(Parse(R"({"a":1,"a":2})"));
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":1,";
  big += "\"k7\":2}";
  auto r = Parse(big);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("duplicate"), std::string::npos);
}

TEST(JsonTest, EnforcesDepthLimit) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(Parse(deep, ParseLimits{.max_depth = 64}));
  EXPECT_TRUE(Parse(deep, ParseLimits{.max_depth = 128}));
}

TEST(JsonTest, SetAndErase) {
  Value v = Object{};
  v.set("x", Value::Integer(3));
  v.set("y", "s");
  v.set("x", true);
  EXPECT_EQ(Serialize(v), R"({"x":true,"y":"s"})");
  EXPECT_TRUE(v.erase("x"));
  EXPECT_FALSE(v.erase("x"));
  EXPECT_EQ(Serialize(v), R"({"y":"s"})");
}

TEST(JsonTest, EquivalenceIgnoresMemberOrderAndNumberSpelling) {
  EXPECT_TRUE(Equivalent(*Parse(R"({"a":1,"b":[1.0,"x"]})"), *Parse(R"({"b":[1,"x"],"a":1.00})")));
  EXPECT_FALSE(Equivalent(*Parse(R"({"a":1})"), *Parse(R"({"a":"1"})")));
  EXPECT_FALSE(Equivalent(*Parse(R"([1,2])"), *Parse(R"([2,1])")));
}

TEST(JsonTest, PrettyPrint) {
  auto v = Parse(R"({"a":[1,2],"b":{}})");
  ASSERT_TRUE(v);
  EXPECT_EQ(Serialize(*v, true), "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}");
}

TEST(JsonTest, EscapesControlCharacters) {
  EXPECT_EQ(Serialize(Value(std::string("\x01\t", 2))), "\"\\u0001\\t\"");
}

}  // namespace
}  // namespace salus::json
