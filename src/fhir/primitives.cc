#include "fhir/primitives.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstdint>

#include <fmt/format.h>

namespace salus::fhir {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Parses YYYY[-MM[-DD]] at the start of s; returns the length consumed (0 on error) and the
// number of components seen.
size_t ParseDatePart(std::string_view s, int* parts) {
  int year, month, day;
  if (!Digits(s, 0, 4, &year)) return 0;
  *parts = 1;
  if (s.size() == 4 || s[4] != '-') return 4;
  if (!Digits(s, 5, 2, &month) || month < 1 || month > 12) return 0;
  *parts = 2;
  if (s.size() == 7 || s[7] != '-') return 7;
  if (!Digits(s, 8, 2, &day) || day < 1 || day > DaysInMonth(year, month)) return 0;
  *parts = 3;
  return 10;
}

// hh:mm:ss(.fraction)?
size_t ParseTimePart(std::string_view s) {
  int h, m, sec;
  if (!Digits(s, 0, 2, &h) || h > 23 || s.size() < 8 || s[2] != ':' || !Digits(s, 3, 2, &m) || m > 59 ||
      s[5] != ':' || !Digits(s, 6, 2, &sec) || sec > 60) {
    return 0;
  }
  size_t pos = 8;
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    if (pos == start) return 0;
  }
  return pos;
}

bool ParseZone(std::string_view s) {
  if (s == "Z") return true;
  int h, m;
  return s.size() == 6 && (s[0] == '+' || s[0] == '-') && Digits(s, 1, 2, &h) && h <= 14 && s[3] == ':' &&
         Digits(s, 4, 2, &m) && m <= 59;
}

bool IsCode(std::string_view s) {
  // [^\s]+(\s[^\s]+)*
  if (s.empty() || std::isspace(static_cast<unsigned char>(s.front())) ||
      std::isspace(static_cast<unsigned char>(s.back()))) {
    return false;
  }
  for (size_t i = 1; i < s.size(); ++i) {
    if (std::isspace(static_cast<unsigned char>(s[i])) && std::isspace(static_cast<unsigned char>(s[i - 1]))) {
      return false;
    }
  }
  return true;
}

bool IsBase64(std::string_view s) {
  size_t count = 0, pad = 0;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++pad;
    } else if (pad > 0 || !(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) {
      return false;
    }
    ++count;
  }
  return count % 4 == 0 && pad <= 2;
}

bool IsOid(std::string_view s) {
  if (!s.starts_with("urn:oid:")) return false;
  s.remove_prefix(8);
  if (s.size() < 3 || s[0] < '0' || s[0] > '2' || s[1] != '.') return false;
  size_t i = 1;
  while (i < s.size()) {
    if (s[i] != '.') return false;
    ++i;
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start || (s[start] == '0' && i - start > 1)) return false;
  }
  return true;
}

bool IsUuid(std::string_view s) {
  if (!s.starts_with("urn:uuid:") || s.size() != 45) return false;
  for (size_t i = 9; i < s.size(); ++i) {
    size_t k = i - 9;
    if (k == 8 || k == 13 || k == 18 || k == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

bool HasNoWhitespace(std::string_view s) {
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Integer text per the R4 regexes, within [lo, hi].
std::string CheckInteger(const json::Value& v, int64_t lo, int64_t hi, std::string_view type) {
  if (!v.is_number()) return fmt::format("{} must be a JSON number, not a {}", type, v.kind_name());
  const std::string& t = v.as_number().text;
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc() || ptr != t.data() + t.size()) {
    if (ec == std::errc::result_out_of_range) return fmt::format("{} value {} is out of range", type, t);
    return fmt::format("{} must be a whole number, not {}", type, t);
  }
  if (t == "-0") return fmt::format("{} must be a whole number, not {}", type, t);
  if (n < lo || n > hi) return fmt::format("{} value {} is out of range [{}, {}]", type, t, lo, hi);
  return {};
}

}  // namespace

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) return false;
  }
  return true;
}

bool IsValidDate(std::string_view s) {
  int parts;
  size_t n = ParseDatePart(s, &parts);
  return n != 0 && n == s.size();
}

bool IsValidDateTime(std::string_view s) {
  int parts;
  size_t n = ParseDatePart(s, &parts);
  if (n == 0) return false;
  if (n == s.size()) return true;
  if (parts != 3 || s[n] != 'T') return false;
  size_t t = ParseTimePart(s.substr(n + 1));
  if (t == 0) return false;
  return ParseZone(s.substr(n + 1 + t));
}

bool IsValidInstant(std::string_view s) {
  int parts;
  size_t n = ParseDatePart(s, &parts);
  if (n == 0 || parts != 3 || n >= s.size() || s[n] != 'T') return false;
  size_t t = ParseTimePart(s.substr(n + 1));
  return t != 0 && ParseZone(s.substr(n + 1 + t));
}

bool IsValidTime(std::string_view s) { return ParseTimePart(s) == s.size() && !s.empty(); }

std::string CheckPrimitive(std::string_view type, const json::Value& v) {
  if (type == "boolean") {
    return v.is_bool() ? std::string() : fmt::format("boolean must be true or false, not a {}", v.kind_name());
  }
  if (type == "integer") return CheckInteger(v, INT32_MIN, INT32_MAX, type);
  if (type == "unsignedInt") return CheckInteger(v, 0, INT32_MAX, type);
  if (type == "positiveInt") return CheckInteger(v, 1, INT32_MAX, type);
  if (type == "decimal") {
    if (!v.is_number()) return fmt::format("decimal must be a JSON number, not a {}", v.kind_name());
    // The JSON number grammar is the R4 decimal grammar; the value must also be finite.
    double d = std::strtod(v.as_number().text.c_str(), nullptr);
    if (std::isinf(d)) return fmt::format("decimal value {} is out of range", v.as_number().text);
    return {};
  }
  if (!v.is_string()) return fmt::format("{} must be a JSON string, not a {}", type, v.kind_name());
  const std::string& s = v.as_string();
  if (s.empty()) return fmt::format("{} must not be empty", type);
  bool ok = true;
  if (type == "id") {
    ok = IsValidId(s);
  } else if (type == "code") {
    ok = IsCode(s);
  } else if (type == "date") {
    ok = IsValidDate(s);
  } else if (type == "dateTime") {
    ok = IsValidDateTime(s);
  } else if (type == "instant") {
    ok = IsValidInstant(s);
  } else if (type == "time") {
    ok = IsValidTime(s);
  } else if (type == "uri" || type == "url" || type == "canonical") {
    ok = HasNoWhitespace(s);
  } else if (type == "oid") {
    ok = IsOid(s);
  } else if (type == "uuid") {
    ok = IsUuid(s);
  } else if (type == "base64Binary") {
    ok = IsBase64(s);
  } else if (type == "string" || type == "markdown") {
    bool blank = true;
    for (char c : s) blank = blank && std::isspace(static_cast<unsigned char>(c));
    if (blank) return fmt::format("{} must contain a non-whitespace character", type);
  } else if (type == "xhtml") {
    ok = s.starts_with("<div") || s.starts_with("<xhtml:div");
    if (!ok) return "xhtml narrative must be a <div> element";
  }
  if (!ok) return fmt::format("'{}' is not a valid {}", s.size() > 80 ? s.substr(0, 80) + "..." : s, type);
  return {};
}

}  // namespace salus::fhir
