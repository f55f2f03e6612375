#include "core/time.h"

#include <gtest/gtest.h>

namespace salus {
namespace {

TEST(TimeTest, FormatsInstantsAndHttpDates) {
  TimePoint t{std::chrono::microseconds(1704164645678000)};  // 2024-01-02T03:04:05.678Z
  EXPECT_EQ(FormatInstant(t), "2024-01-02T03:04:05.678Z");
  EXPECT_EQ(FormatHttpDate(t), "Tue, 02 Jan 2024 03:04:05 GMT");
}

TEST(TimeTest, ParsesPartialAndZonedInstants) {
  EXPECT_EQ(ParseInstantMicros("2024-01-02T03:04:05.678Z"), 1704164645678000);
  EXPECT_EQ(ParseInstantMicros("2024-01-02T04:04:05.678+01:00"), 1704164645678000);
  EXPECT_EQ(ParseInstantMicros("2024"), 1704067200000000);
  EXPECT_EQ(ParseInstantMicros("2024-01-02"), 1704153600000000);
  EXPECT_FALSE(ParseInstantMicros("2024-13"));
  EXPECT_FALSE(ParseInstantMicros("2024-01-02T03:04:05"));  // no zone
  EXPECT_FALSE(ParseInstantMicros("yesterday"));
}

}  // namespace
}  // namespace salus
