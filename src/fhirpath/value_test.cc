#include "fhirpath/value.h"

#include <gtest/gtest.h>

namespace salus::fhirpath {
namespace {

Decimal D(std::string_view s) { return *Decimal::Parse(s); }

TEST(DecimalTest, KeepsPrecisionOfItsText) {
  EXPECT_EQ(D("1.50").ToString(), "1.50");
  EXPECT_EQ(D("-0.05").ToString(), "-0.05");
  EXPECT_EQ(D("2e3").ToString(), "2000");
  EXPECT_EQ(D("1.5E-2").ToString(), "0.015");
  EXPECT_FALSE(Decimal::Parse("1.").has_value() && Decimal::Parse("abc").has_value());
  EXPECT_FALSE(Decimal::Parse("").has_value());
}

TEST(DecimalTest, ArithmeticIsExact) {
  EXPECT_EQ(Compare(*Add(D("0.1"), D("0.2")), D("0.3")), 0);
  EXPECT_EQ(Multiply(D("1.5"), D("2.25"))->ToString(), "3.375");
  EXPECT_EQ(Divide(D("1"), D("2"))->ToString(), "0.5");
  EXPECT_EQ(Divide(D("1.2"), D("1.8"))->Round(2).ToString(), "0.67");
  EXPECT_FALSE(Divide(D("1"), D("0")).has_value());
  EXPECT_EQ(Compare(D("1.0"), D("1.00")), 0);
  EXPECT_LT(Compare(D("-2"), D("1.5")), 0);
}

TEST(DecimalTest, EquivalenceUsesTheLeastPrecision) {
  EXPECT_TRUE(Equivalent(*Divide(D("1.2"), D("1.8")), D("0.67")));
  EXPECT_FALSE(Equivalent(*Divide(D("1.2"), D("1.8")), D("0.6")));
}

TEST(DecimalTest, RoundingHalfAwayFromZero) {
  EXPECT_EQ(D("2.5").Round(0).ToString(), "3");
  EXPECT_EQ(D("-2.5").Round(0).ToString(), "-3");
  EXPECT_EQ(D("-1.1").Floor().ToString(), "-2");
  EXPECT_EQ(D("-1.1").Ceiling().ToString(), "-1");
  EXPECT_EQ(D("3.14159").Round(3).ToString(), "3.142");
}

TEST(TemporalTest, ParsesLiteralsWithPrecision) {
  auto t = Temporal::ParseLiteral("2014-01-25T14:30:14.559+01:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, Temporal::Kind::kDateTime);
  EXPECT_EQ(t->precision, Temporal::kMillisecond);
  EXPECT_EQ(t->ToString(), "2014-01-25T14:30:14.559+01:00");
  EXPECT_EQ(Temporal::ParseLiteral("2015-02")->precision, Temporal::kMonth);
  EXPECT_EQ(Temporal::ParseLiteral("T14:30")->kind, Temporal::Kind::kTime);
  EXPECT_FALSE(Temporal::ParseLiteral("2015-13"));
  EXPECT_FALSE(Temporal::ParseLiteral("2015-02-30"));
  EXPECT_FALSE(Temporal::ParseFhirDate("2015-02-04T25:00:00Z"));
}

TEST(TemporalTest, ComparisonFollowsPrecisionRules) {
  auto p = [](std::string_view s) { return *Temporal::ParseLiteral(s); };
  EXPECT_EQ(Compare(p("2012-04-15"), p("2012-04-16")), -1);
  EXPECT_EQ(Compare(p("2012-04"), p("2012-05-01")), -1);
  EXPECT_FALSE(Compare(p("2012-04"), p("2012-04-15")).has_value());
  EXPECT_EQ(Compare(p("2012-04-15T10:00:00+02:00"), p("2012-04-15T08:00:00Z")), 0);
  EXPECT_EQ(Compare(p("2012-04-15T10:00:00"), p("2012-04-15T10:00:00.000")), 0);
}

TEST(TemporalTest, RangeCoversThePrecision) {
  auto [lo, hi] = RangeMillis(*Temporal::ParseLiteral("2024-02"));
  EXPECT_EQ(hi - lo + 1, 29LL * 86400000);
  auto [l2, h2] = RangeMillis(*Temporal::ParseLiteral("2024-02-01T00:00:00+01:00"));
  EXPECT_EQ(l2, lo - 3600000);
  EXPECT_EQ(h2, l2 + 999);
}

TEST(QuantityTest, ComparesAcrossUnitsOfOneDimension) {
  EXPECT_EQ(Compare(Quantity{D("1"), "kg"}, Quantity{D("1000"), "g"}), 0);
  EXPECT_EQ(Compare(Quantity{D("5"), "mg/dL"}, Quantity{D("0.05"), "g/L"}), 0);
  EXPECT_EQ(Compare(Quantity{D("1"), "week"}, Quantity{D("7"), "d"}), 0);
  EXPECT_FALSE(Compare(Quantity{D("1"), "kg"}, Quantity{D("1"), "m"}).has_value());
  EXPECT_FALSE(Compare(Quantity{D("1"), "year"}, Quantity{D("12"), "month"}).has_value());
}

}  // namespace
}  // namespace salus::fhirpath
