// FHIRPath system values that need more than a C++ scalar: exact decimals that keep their
// precision, partial dates/times, and quantities with UCUM or calendar units.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace salus::fhirpath {

// A decimal as mantissa / 10^scale. "1.50" has mantissa 150, scale 2: the scale is the
// precision FHIRPath's equivalence and toString() need. At most kMaxScale digits after the
// point and 38 digits in all; operations that would exceed that return nullopt.
struct Decimal {
  static constexpr int kMaxScale = 18;
  __int128 mantissa = 0;
  int scale = 0;

  static std::optional<Decimal> Parse(std::string_view text);  // "-1.50", "2e3"
  static Decimal FromInt(int64_t v) { return Decimal{v, 0}; }
  static std::optional<Decimal> FromDouble(double v);
  std::string ToString() const;
  double ToDouble() const;
  // The value when it is a whole number in int64 range.
  std::optional<int64_t> ToInt() const;
  bool IsWhole() const;
  int Sign() const { return mantissa < 0 ? -1 : mantissa > 0 ? 1 : 0; }
  // Drops trailing zeros after the point (1.500 -> 1.5).
  Decimal Normalized() const;
  // Rounds half away from zero to `digits` places.
  Decimal Round(int digits) const;
  Decimal Truncate() const;
  Decimal Floor() const;
  Decimal Ceiling() const;
  Decimal Negate() const { return Decimal{-mantissa, scale}; }
};

std::optional<Decimal> Add(const Decimal& a, const Decimal& b);
std::optional<Decimal> Subtract(const Decimal& a, const Decimal& b);
std::optional<Decimal> Multiply(const Decimal& a, const Decimal& b);
// Division to kMaxScale places, trailing zeros removed; nullopt on division by zero.
std::optional<Decimal> Divide(const Decimal& a, const Decimal& b);
// Exact comparison by value (1.0 == 1.00).
int Compare(const Decimal& a, const Decimal& b);
// FHIRPath equivalence: equal when rounded to the precision of the less precise operand.
bool Equivalent(const Decimal& a, const Decimal& b);

// A FHIRPath Date, DateTime or Time with the precision it was written with.
struct Temporal {
  enum class Kind : uint8_t { kDate, kDateTime, kTime };
  enum Precision : uint8_t { kYear, kMonth, kDay, kHour, kMinute, kSecond, kMillisecond };
  Kind kind = Kind::kDate;
  Precision precision = kYear;
  bool has_tz = false;
  int16_t tz_minutes = 0;  // offset east of UTC
  int16_t year = 0;
  uint8_t month = 1, day = 1, hour = 0, minute = 0, second = 0;
  uint16_t millis = 0;

  // FHIRPath literal text without '@' ("2014-01-25T14:30:14.559+01:00", "T14:30").
  static std::optional<Temporal> ParseLiteral(std::string_view text);
  // FHIR JSON representations: date, dateTime, instant ("2014-01", "2014-01-25T14:30:14Z")
  // and time ("14:30:14").
  static std::optional<Temporal> ParseFhirDate(std::string_view text);
  static std::optional<Temporal> ParseFhirTime(std::string_view text);
  // ISO 8601 text as FHIR writes it (no '@'); times without the leading 'T'.
  std::string ToString() const;
  // The same instant in UTC (only meaningful with has_tz and precision >= kHour).
  Temporal ToUtc() const;
  // A DateTime to the millisecond, in UTC, for milliseconds since 1970-01-01T00:00:00Z.
  static Temporal FromEpochMillis(int64_t ms);
  // Days since 1970-01-01 of the date part, and back.
  int64_t DaysFromCivil() const;
  static void CivilFromDays(int64_t days, int& y, int& m, int& d);
};

// Three-way comparison under FHIRPath's precision rules: nullopt when the values are equal
// up to the coarser precision but have different precisions (the answer is unknown), or when
// the kinds cannot be compared.
std::optional<int> Compare(const Temporal& a, const Temporal& b);
// Earliest and latest millisecond (since the epoch, UTC; a missing zone is taken as UTC)
// that a Date/DateTime can mean: 2024-03 covers [2024-03-01T00:00:00.000, 2024-03-31T23:59:59.999].
std::pair<int64_t, int64_t> RangeMillis(const Temporal& t);

// A quantity: a decimal and a unit (UCUM code or a calendar duration keyword).
struct Quantity {
  Decimal value;
  std::string unit;  // "mg", "1", "year", "days"...
};

// Calendar duration keywords ("year", "months"...) map to their singular form; else empty.
std::string_view CalendarUnit(std::string_view unit);
// A quantity expressed in the canonical unit of its dimension (g, m, s, L, 1...), for
// comparing "1 'kg'" with "1000 'g'". Calendar durations of a week or less convert to
// seconds; years and months do not. nullopt when the unit is not one this table knows.
std::optional<Quantity> ToCanonical(const Quantity& q);
// Compares two quantities, converting units when both are known in the same dimension.
// nullopt when the units cannot be compared.
std::optional<int> Compare(const Quantity& a, const Quantity& b);

}  // namespace salus::fhirpath
