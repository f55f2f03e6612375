#include "fhirpath/value.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

namespace salus::fhirpath {
namespace {

using i128 = __int128;
constexpr int kMaxDigits = 38;

const std::array<i128, kMaxDigits + 1>& Pow10Table() {
  static const std::array<i128, kMaxDigits + 1> table = [] {
    std::array<i128, kMaxDigits + 1> t{};
    t[0] = 1;
    for (int i = 1; i <= kMaxDigits; ++i) t[i] = t[i - 1] * 10;
    return t;
  }();
  return table;
}
i128 Pow10(int n) { return Pow10Table()[n]; }

i128 Abs(i128 v) { return v < 0 ? -v : v; }

// Divides rounding half away from zero.
i128 DivRound(i128 num, i128 den) {
  i128 q = num / den;
  i128 r = num % den;
  if (2 * Abs(r) >= Abs(den)) q += ((num < 0) != (den < 0)) ? -1 : 1;
  return q;
}

// Brings a to scale `s` (>= a.scale); false on overflow.
bool Rescale(const Decimal& a, int s, i128& out) {
  return !__builtin_mul_overflow(a.mantissa, Pow10(s - a.scale), &out);
}

// Keeps the result within kMaxScale places.
Decimal Fit(i128 m, int scale) {
  if (scale > Decimal::kMaxScale) {
    m = DivRound(m, Pow10(scale - Decimal::kMaxScale));
    scale = Decimal::kMaxScale;
  }
  return Decimal{m, scale};
}

bool TooWide(i128 m) { return Abs(m) >= Pow10(kMaxDigits); }

}  // namespace

std::optional<Decimal> Decimal::Parse(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  i128 m = 0;
  int digits = 0, frac = 0;
  bool any = false, point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (m == 0 && c == '0' && !point) continue;
      if (digits >= kMaxDigits - 1) {
        if (point) continue;  // excess fraction digits are dropped (rounded below)
        return std::nullopt;
      }
      m = m * 10 + (c - '0');
      if (m != 0) ++digits;
      if (point) ++frac;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return std::nullopt;
  int exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) eneg = text[i++] == '-';
    if (i == text.size()) return std::nullopt;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9' || exponent > 1000) return std::nullopt;
      exponent = exponent * 10 + (text[i] - '0');
    }
    if (eneg) exponent = -exponent;
  }
  if (i != text.size()) return std::nullopt;
  int scale = frac - exponent;
  if (scale < 0) {
    if (digits - scale > kMaxDigits - 1) return std::nullopt;
    m *= Pow10(-scale);
    scale = 0;
  }
  if (scale > kMaxDigits) {
    return Decimal{0, kMaxScale};
  }
  Decimal d = Fit(negative ? -m : m, scale);
  return d;
}

std::optional<Decimal> Decimal::FromDouble(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  return Parse(fmt::format("{:.15g}", v));
}

std::string Decimal::ToString() const {
  i128 a = Abs(mantissa);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(a % 10)));
    a /= 10;
  } while (a != 0);
  while (static_cast<int>(digits.size()) <= scale) digits.push_back('0');
  std::string out;
  if (mantissa < 0) out.push_back('-');
  for (int i = static_cast<int>(digits.size()) - 1; i >= 0; --i) {
    out.push_back(digits[i]);
    if (i == scale && scale > 0) out.push_back('.');
  }
  return out;
}

double Decimal::ToDouble() const { return std::strtod(ToString().c_str(), nullptr); }

bool Decimal::IsWhole() const { return scale == 0 || mantissa % Pow10(scale) == 0; }

std::optional<int64_t> Decimal::ToInt() const {
  if (!IsWhole()) return std::nullopt;
  i128 v = mantissa / Pow10(scale);
  if (v > INT64_MAX || v < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(v);
}

Decimal Decimal::Normalized() const {
  Decimal d = *this;
  while (d.scale > 0 && d.mantissa % 10 == 0) {
    d.mantissa /= 10;
    --d.scale;
  }
  return d;
}

Decimal Decimal::Round(int digits) const {
  if (digits >= scale) {
    i128 m;
    if (!Rescale(*this, digits, m)) return *this;
    return Decimal{m, digits};
  }
  return Decimal{DivRound(mantissa, Pow10(scale - digits)), digits};
}

Decimal Decimal::Truncate() const { return Decimal{mantissa / Pow10(scale), 0}; }

Decimal Decimal::Floor() const {
  i128 q = mantissa / Pow10(scale);
  if (mantissa < 0 && mantissa % Pow10(scale) != 0) --q;
  return Decimal{q, 0};
}

Decimal Decimal::Ceiling() const {
  i128 q = mantissa / Pow10(scale);
  if (mantissa > 0 && mantissa % Pow10(scale) != 0) ++q;
  return Decimal{q, 0};
}

std::optional<Decimal> Add(const Decimal& a, const Decimal& b) {
  int s = std::max(a.scale, b.scale);
  i128 x, y, r;
  if (!Rescale(a, s, x) || !Rescale(b, s, y) || __builtin_add_overflow(x, y, &r) || TooWide(r)) {
    return std::nullopt;
  }
  return Decimal{r, s};
}

std::optional<Decimal> Subtract(const Decimal& a, const Decimal& b) { return Add(a, b.Negate()); }

std::optional<Decimal> Multiply(const Decimal& a, const Decimal& b) {
  Decimal x = a, y = b;
  i128 r;
  // Shed precision beyond what the result can keep before multiplying.
  while (__builtin_mul_overflow(x.mantissa, y.mantissa, &r) || TooWide(r)) {
    Decimal& wider = x.scale >= y.scale ? x : y;
    if (wider.scale == 0) return std::nullopt;
    wider = wider.Round(wider.scale - 1);
  }
  return Fit(r, x.scale + y.scale);
}

std::optional<Decimal> Divide(const Decimal& a, const Decimal& b) {
  if (b.mantissa == 0) return std::nullopt;
  // a/b = (a.m * 10^(S + b.scale - a.scale)) / b.m at scale S.
  for (int s = Decimal::kMaxScale; s >= 0; --s) {
    int e = s + b.scale - a.scale;
    i128 num = a.mantissa, den = b.mantissa;
    if (e >= 0) {
      if (e > kMaxDigits || __builtin_mul_overflow(num, Pow10(e), &num)) continue;
    } else {
      if (-e > kMaxDigits || __builtin_mul_overflow(den, Pow10(-e), &den)) continue;
    }
    i128 q = DivRound(num, den);
    if (TooWide(q)) return std::nullopt;
    return Decimal{q, s}.Normalized();
  }
  return std::nullopt;
}

int Compare(const Decimal& a, const Decimal& b) {
  int s = std::max(a.scale, b.scale);
  i128 x, y;
  if (!Rescale(a, s, x) || !Rescale(b, s, y)) {
    double p = a.ToDouble(), q = b.ToDouble();
    return p < q ? -1 : p > q ? 1 : 0;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

bool Equivalent(const Decimal& a, const Decimal& b) {
  int s = std::min(a.Normalized().scale, b.Normalized().scale);
  return Compare(a.Round(s), b.Round(s)) == 0;
}

// ---- Temporal ----

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

// Parses "hh[:mm[:ss[.fff]]]" into t from pos; returns the end position or npos.
size_t ParseClock(std::string_view s, size_t pos, Temporal& t, bool need_seconds) {
  int v;
  if (!Digits(s, pos, 2, v) || v > 23) return std::string_view::npos;
  t.hour = static_cast<uint8_t>(v);
  t.precision = Temporal::kHour;
  pos += 2;
  if (pos < s.size() && s[pos] == ':') {
    if (!Digits(s, pos + 1, 2, v) || v > 59) return std::string_view::npos;
    t.minute = static_cast<uint8_t>(v);
    t.precision = Temporal::kMinute;
    pos += 3;
    if (pos < s.size() && s[pos] == ':') {
      if (!Digits(s, pos + 1, 2, v) || v > 59) return std::string_view::npos;
      t.second = static_cast<uint8_t>(v);
      t.precision = Temporal::kSecond;
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        size_t start = pos;
        int ms = 0, n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          if (n < 3) ms = ms * 10 + (s[pos] - '0');
          ++n;
          ++pos;
        }
        if (pos == start) return std::string_view::npos;
        for (; n < 3; ++n) ms *= 10;
        t.millis = static_cast<uint16_t>(ms);
        t.precision = Temporal::kMillisecond;
      }
    }
  }
  if (need_seconds && t.precision < Temporal::kSecond) return std::string_view::npos;
  return pos;
}

size_t ParseZone(std::string_view s, size_t pos, Temporal& t) {
  if (pos >= s.size()) return pos;
  if (s[pos] == 'Z') {
    t.has_tz = true;
    t.tz_minutes = 0;
    return pos + 1;
  }
  if (s[pos] == '+' || s[pos] == '-') {
    int h, m;
    if (!Digits(s, pos + 1, 2, h) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, m) || h > 14 || m > 59) {
      return std::string_view::npos;
    }
    t.has_tz = true;
    t.tz_minutes = static_cast<int16_t>((s[pos] == '-' ? -1 : 1) * (h * 60 + m));
    return pos + 6;
  }
  return pos;
}

// "YYYY[-MM[-DD]]" from pos 0; returns the end or npos.
size_t ParseCalendar(std::string_view s, Temporal& t) {
  int v;
  if (!Digits(s, 0, 4, v)) return std::string_view::npos;
  t.year = static_cast<int16_t>(v);
  t.precision = Temporal::kYear;
  size_t pos = 4;
  if (pos < s.size() && s[pos] == '-') {
    if (!Digits(s, pos + 1, 2, v) || v < 1 || v > 12) return std::string_view::npos;
    t.month = static_cast<uint8_t>(v);
    t.precision = Temporal::kMonth;
    pos += 3;
    if (pos < s.size() && s[pos] == '-') {
      if (!Digits(s, pos + 1, 2, v) || v < 1 || v > DaysInMonth(t.year, t.month)) {
        return std::string_view::npos;
      }
      t.day = static_cast<uint8_t>(v);
      t.precision = Temporal::kDay;
      pos += 3;
    }
  }
  return pos;
}

}  // namespace

namespace {

// "YYYY[-MM[-DD]][Thh[:mm[:ss[.fff]]][zone]]". FHIR text needs the day and the time around a
// 'T'; a FHIRPath literal may stop at the 'T' ("@2015T": a DateTime of year precision).
std::optional<Temporal> ParseDateAndTime(std::string_view s, bool literal) {
  Temporal t;
  size_t pos = ParseCalendar(s, t);
  if (pos == std::string_view::npos) return std::nullopt;
  t.kind = Temporal::Kind::kDate;
  if (pos < s.size() && s[pos] == 'T') {
    t.kind = Temporal::Kind::kDateTime;
    ++pos;
    bool clock = pos < s.size() && s[pos] >= '0' && s[pos] <= '9';
    if (!clock && !literal) return std::nullopt;
    if (clock) {
      if (t.precision != Temporal::kDay) return std::nullopt;
      pos = ParseClock(s, pos, t, false);
      if (pos == std::string_view::npos) return std::nullopt;
    }
    pos = ParseZone(s, pos, t);
    if (pos == std::string_view::npos) return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  return t;
}

}  // namespace

std::optional<Temporal> Temporal::ParseLiteral(std::string_view s) {
  if (!s.empty() && s[0] == 'T') {
    Temporal t;
    t.kind = Kind::kTime;
    size_t end = ParseClock(s, 1, t, false);
    if (end != s.size()) return std::nullopt;
    return t;
  }
  return ParseDateAndTime(s, true);
}

std::optional<Temporal> Temporal::ParseFhirDate(std::string_view s) { return ParseDateAndTime(s, false); }

std::optional<Temporal> Temporal::ParseFhirTime(std::string_view s) {
  Temporal t;
  t.kind = Kind::kTime;
  if (ParseClock(s, 0, t, false) != s.size()) return std::nullopt;
  return t;
}

std::string Temporal::ToString() const {
  std::string out;
  if (kind != Kind::kTime) {
    out = fmt::format("{:04}", year);
    if (precision >= kMonth) out += fmt::format("-{:02}", month);
    if (precision >= kDay) out += fmt::format("-{:02}", day);
    if (kind == Kind::kDateTime && precision >= kHour) out += 'T';
    if (precision < kHour) return out;
  }
  out += fmt::format("{:02}", hour);
  if (precision >= kMinute) out += fmt::format(":{:02}", minute);
  if (precision >= kSecond) out += fmt::format(":{:02}", second);
  if (precision >= kMillisecond) out += fmt::format(".{:03}", millis);
  if (has_tz && kind == Kind::kDateTime) {
    if (tz_minutes == 0) {
      out += 'Z';
    } else {
      int a = std::abs(tz_minutes);
      out += fmt::format("{}{:02}:{:02}", tz_minutes < 0 ? '-' : '+', a / 60, a % 60);
    }
  }
  return out;
}

int64_t Temporal::DaysFromCivil() const {
  // H. Hinnant's days_from_civil.
  int y = year, m = month, d = day;
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
}

void Temporal::CivilFromDays(int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400) + (m <= 2);
}

Temporal Temporal::FromEpochMillis(int64_t ms) {
  Temporal t;
  t.kind = Kind::kDateTime;
  t.precision = kMillisecond;
  t.has_tz = true;
  int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  int64_t rem = ms - days * 86400000;
  int y, m, d;
  CivilFromDays(days, y, m, d);
  t.year = static_cast<int16_t>(y);
  t.month = static_cast<uint8_t>(m);
  t.day = static_cast<uint8_t>(d);
  t.hour = static_cast<uint8_t>(rem / 3600000);
  t.minute = static_cast<uint8_t>(rem / 60000 % 60);
  t.second = static_cast<uint8_t>(rem / 1000 % 60);
  t.millis = static_cast<uint16_t>(rem % 1000);
  return t;
}

Temporal Temporal::ToUtc() const {
  if (!has_tz || tz_minutes == 0 || kind == Kind::kTime) return *this;
  Temporal t = *this;
  int64_t minutes = DaysFromCivil() * 1440 + hour * 60 + minute - tz_minutes;
  Temporal u = FromEpochMillis(minutes * 60000);  // seconds and precision stay as they were
  t.year = u.year;
  t.month = u.month;
  t.day = u.day;
  t.hour = u.hour;
  t.minute = u.minute;
  t.tz_minutes = 0;
  return t;
}

std::optional<int> Compare(const Temporal& a0, const Temporal& b0) {
  if ((a0.kind == Temporal::Kind::kTime) != (b0.kind == Temporal::Kind::kTime)) return std::nullopt;
  Temporal a = a0, b = b0;
  if (a.precision >= Temporal::kHour && b.precision >= Temporal::kHour && a.has_tz != b.has_tz &&
      a.kind != Temporal::Kind::kTime) {
    return std::nullopt;  // one local, one zoned: the order is not known (§6.1.1)
  }
  if (a.precision >= Temporal::kHour && b.precision >= Temporal::kHour && (a.has_tz || b.has_tz)) {
    a = a.ToUtc();
    b = b.ToUtc();
  }
  auto collapse = [](Temporal::Precision p) {
    return p == Temporal::kMillisecond ? Temporal::kSecond : p;
  };
  Temporal::Precision pa = collapse(a.precision), pb = collapse(b.precision);
  Temporal::Precision p = std::min(pa, pb);
  auto cmp = [](int x, int y) { return x < y ? -1 : x > y ? 1 : 0; };
  int first = a.kind == Temporal::Kind::kTime ? Temporal::kHour : Temporal::kYear;
  for (int level = first; level <= p; ++level) {
    int c = 0;
    switch (level) {
      case Temporal::kYear: c = cmp(a.year, b.year); break;
      case Temporal::kMonth: c = cmp(a.month, b.month); break;
      case Temporal::kDay: c = cmp(a.day, b.day); break;
      case Temporal::kHour: c = cmp(a.hour, b.hour); break;
      case Temporal::kMinute: c = cmp(a.minute, b.minute); break;
      case Temporal::kSecond: c = cmp(a.second * 1000 + a.millis, b.second * 1000 + b.millis); break;
    }
    if (c != 0) return c;
  }
  if (pa != pb) return std::nullopt;
  return 0;
}

std::pair<int64_t, int64_t> RangeMillis(const Temporal& t0) {
  Temporal t = t0;
  Temporal lo = t, hi = t;
  // Fill the unspecified parts with their first and last values.
  if (t.precision < Temporal::kMonth) { lo.month = 1; hi.month = 12; }
  if (t.precision < Temporal::kDay) { lo.day = 1; hi.day = static_cast<uint8_t>(DaysInMonth(hi.year, hi.month)); }
  if (t.precision < Temporal::kHour) { lo.hour = 0; hi.hour = 23; }
  if (t.precision < Temporal::kMinute) { lo.minute = 0; hi.minute = 59; }
  if (t.precision < Temporal::kSecond) { lo.second = 0; hi.second = 59; }
  if (t.precision < Temporal::kMillisecond) { lo.millis = 0; hi.millis = 999; }
  auto ms = [&](const Temporal& x) {
    int64_t minutes = x.DaysFromCivil() * 1440 + x.hour * 60 + x.minute;
    if (x.has_tz && t.precision >= Temporal::kHour) minutes -= x.tz_minutes;
    return minutes * 60000 + x.second * 1000 + x.millis;
  };
  return {ms(lo), ms(hi)};
}

// ---- Quantity ----

std::string_view CalendarUnit(std::string_view u) {
  static constexpr std::string_view kUnits[] = {"year", "month", "week", "day", "hour",
                                                 "minute", "second", "millisecond"};
  for (std::string_view k : kUnits) {
    if (u == k || (u.size() == k.size() + 1 && u.starts_with(k) && u.back() == 's')) return k;
  }
  return {};
}

namespace {

struct UnitInfo {
  std::string_view canonical;
  std::string_view factor;
};

const std::unordered_map<std::string_view, UnitInfo>& UnitTable() {
  static const std::unordered_map<std::string_view, UnitInfo> table = {
      {"g", {"g", "1"}}, {"kg", {"g", "1000"}}, {"mg", {"g", "0.001"}}, {"ug", {"g", "0.000001"}},
      {"ng", {"g", "0.000000001"}}, {"pg", {"g", "0.000000000001"}},
      {"[lb_av]", {"g", "453.59237"}}, {"[oz_av]", {"g", "28.349523125"}},
      {"m", {"m", "1"}}, {"km", {"m", "1000"}}, {"cm", {"m", "0.01"}}, {"mm", {"m", "0.001"}},
      {"um", {"m", "0.000001"}}, {"nm", {"m", "0.000000001"}}, {"[in_i]", {"m", "0.0254"}},
      {"[ft_i]", {"m", "0.3048"}},
      {"s", {"s", "1"}}, {"ms", {"s", "0.001"}}, {"min", {"s", "60"}}, {"h", {"s", "3600"}},
      {"d", {"s", "86400"}}, {"wk", {"s", "604800"}}, {"a", {"s", "31557600"}},
      {"mo", {"s", "2629800"}},
      {"L", {"L", "1"}}, {"l", {"L", "1"}}, {"dL", {"L", "0.1"}}, {"cL", {"L", "0.01"}},
      {"mL", {"L", "0.001"}}, {"uL", {"L", "0.000001"}},
      {"mol", {"mol", "1"}}, {"mmol", {"mol", "0.001"}}, {"umol", {"mol", "0.000001"}},
      {"nmol", {"mol", "0.000000001"}},
      {"1", {"1", "1"}}, {"%", {"1", "0.01"}},
      {"Cel", {"Cel", "1"}}, {"mm[Hg]", {"mm[Hg]", "1"}}, {"kPa", {"mm[Hg]", "7.50061683"}},
      {"/min", {"/s", "0.0166666666666667"}}, {"{beats}/min", {"/s", "0.0166666666666667"}},
      {"kg/m2", {"g/m2", "1000"}}, {"g/m2", {"g/m2", "1"}},
  };
  return table;
}

std::optional<std::pair<std::string, Decimal>> Lookup(std::string_view unit) {
  const auto& table = UnitTable();
  if (auto it = table.find(unit); it != table.end()) {
    return std::make_pair(std::string(it->second.canonical), *Decimal::Parse(it->second.factor));
  }
  size_t slash = unit.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  auto num = table.find(unit.substr(0, slash));
  auto den = table.find(unit.substr(slash + 1));
  if (num == table.end() || den == table.end()) return std::nullopt;
  auto f = Divide(*Decimal::Parse(num->second.factor), *Decimal::Parse(den->second.factor));
  if (!f) return std::nullopt;
  return std::make_pair(fmt::format("{}/{}", num->second.canonical, den->second.canonical), *f);
}

}  // namespace

std::optional<Quantity> ToCanonical(const Quantity& q) {
  std::string_view unit = q.unit;
  std::string_view cal = CalendarUnit(unit);
  if (!cal.empty()) {
    static const std::unordered_map<std::string_view, std::string_view> kCal = {
        {"week", "wk"}, {"day", "d"}, {"hour", "h"}, {"minute", "min"},
        {"second", "s"}, {"millisecond", "ms"}};
    auto it = kCal.find(cal);
    if (it == kCal.end()) return std::nullopt;
    unit = it->second;
  }
  auto info = Lookup(unit);
  if (!info) return std::nullopt;
  auto v = Multiply(q.value, info->second);
  if (!v) return std::nullopt;
  return Quantity{*v, info->first};
}

std::optional<int> Compare(const Quantity& a, const Quantity& b) {
  std::string_view ca = CalendarUnit(a.unit), cb = CalendarUnit(b.unit);
  if (a.unit == b.unit || (!ca.empty() && ca == cb)) return Compare(a.value, b.value);
  auto x = ToCanonical(a), y = ToCanonical(b);
  if (!x || !y || x->unit != y->unit) return std::nullopt;
  return Compare(x->value, y->value);
}

}  // namespace salus::fhirpath
