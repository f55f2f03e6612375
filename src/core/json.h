// A JSON document model made for FHIR: object members keep their order, numbers keep their
// exact text (FHIR decimals carry precision: 1.10 is not 1.1), duplicate keys and invalid
// UTF-8 are rejected, and parsing is bounded in depth.
// Thread-safety: values are plain data; const access from many threads is safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"

namespace salus::json {

class Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;
using Object = std::vector<Member>;

// A JSON number, held as its source text (already checked against the JSON grammar).
struct Number {
  std::string text;
  bool operator==(const Number&) const = default;
};

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Number n) : v_(std::move(n)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}
  static Value Integer(int64_t n) { return Value(Number{std::to_string(n)}); }

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_number() const { return std::holds_alternative<Number>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }
  bool is_primitive() const { return !is_array() && !is_object(); }

  bool as_bool() const { return std::get<bool>(v_); }
  const Number& as_number() const { return std::get<Number>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  std::string& as_string() { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  // Object access; nullptr when this is not an object or has no such member.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // The string member `key`, or nullopt.
  std::optional<std::string_view> string_at(std::string_view key) const;
  // Sets (replacing in place, or appending) an object member.
  void set(std::string_view key, Value v);
  // Removes an object member; returns whether it was there.
  bool erase(std::string_view key);

  std::string_view kind_name() const;
  bool operator==(const Value& other) const = default;

 private:
  std::variant<std::nullptr_t, bool, Number, std::string, Array, Object> v_;
};

struct ParseLimits {
  int max_depth = 64;
};

// Parses one JSON text (RFC 8259). Errors are Code::kInvalid with the byte offset in the message.
Result<Value> Parse(std::string_view text, const ParseLimits& limits = {});

// Appends the serialisation of `v` to `out`. Compact unless pretty.
void Write(const Value& v, std::string& out, bool pretty = false);
std::string Serialize(const Value& v, bool pretty = false);
// Appends `s` as a quoted, escaped JSON string.
void WriteString(std::string_view s, std::string& out);

// JSON equality as RFC 6902's "test" defines it: object members in any order, numbers by
// value (1.0 equals 1), everything else exactly.
bool Equivalent(const Value& a, const Value& b);

// Checks that `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);
// Appends code point `cp` (<= U+10FFFF, not a surrogate) encoded as UTF-8.
void AppendUtf8(uint32_t cp, std::string& out);

}  // namespace salus::json
