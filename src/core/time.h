// Clocks and FHIR instant formatting.
// Thread-safety: SystemClock is thread-safe; ManualClock is not.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace salus {

using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The wall clock.
const Clock& SystemClock();

// A clock tests set by hand.
class ManualClock : public Clock {
 public:
  explicit ManualClock(TimePoint t) : now_(t) {}
  TimePoint Now() const override { return now_; }
  void Advance(std::chrono::microseconds d) { now_ += d; }

 private:
  TimePoint now_;
};

// "2024-01-02T03:04:05.678Z" (FHIR instant, UTC, milliseconds).
std::string FormatInstant(TimePoint t);
// "Tue, 02 Jan 2024 03:04:05 GMT" (HTTP date, RFC 9110).
std::string FormatHttpDate(TimePoint t);
// Microseconds since the epoch for a FHIR dateTime/instant with a time zone, taking the
// earliest instant it can mean ("2024" -> 2024-01-01T00:00:00Z). Nullopt when malformed.
std::optional<int64_t> ParseInstantMicros(std::string_view text);

}  // namespace salus
