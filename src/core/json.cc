#include "core/json.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <unordered_set>

#include <fmt/format.h>

namespace salus::json {

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

std::optional<std::string_view> Value::string_at(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->as_string());
}

void Value::set(std::string_view key, Value v) {
  if (!is_object()) v_ = Object{};
  if (Value* existing = find(key)) {
    *existing = std::move(v);
    return;
  }
  as_object().emplace_back(std::string(key), std::move(v));
}

bool Value::erase(std::string_view key) {
  if (!is_object()) return false;
  auto& obj = as_object();
  auto it = std::find_if(obj.begin(), obj.end(), [&](const Member& m) { return m.first == key; });
  if (it == obj.end()) return false;
  obj.erase(it);
  return true;
}

std::string_view Value::kind_name() const {
  if (is_null()) return "null";
  if (is_bool()) return "boolean";
  if (is_number()) return "number";
  if (is_string()) return "string";
  if (is_array()) return "array";
  return "object";
}

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is malformed.
size_t Utf8SequenceLength(const unsigned char* s, size_t n, size_t i) {
  unsigned char c = s[i];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > n) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i + k] & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits)
      : s_(reinterpret_cast<const unsigned char*>(text.data())), n_(text.size()), limits_(limits) {}

  Result<Value> Run() {
    SkipSpace();
    Value v;
    if (!ParseValue(v, 0)) return Fail(Error::Invalid(error_));
    SkipSpace();
    if (pos_ != n_) {
      Error("unexpected content after the JSON value");
      return Fail(Error::Invalid(error_));
    }
    return v;
  }

 private:
  bool Error(std::string_view what) {
    if (error_.empty()) error_ = fmt::format("JSON parse error at byte {}: {}", pos_, what);
    return false;
  }

  void SkipSpace() {
    while (pos_ < n_ && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }

  bool Literal(std::string_view word) {
    if (n_ - pos_ < word.size() || std::memcmp(s_ + pos_, word.data(), word.size()) != 0) {
      return Error("invalid literal");
    }
    pos_ += word.size();
    return true;
  }

  bool ParseValue(Value& out, int depth) {
    if (pos_ >= n_) return Error("unexpected end of input");
    switch (s_[pos_]) {
      case '{': return ParseObject(out, depth + 1);
      case '[': return ParseArray(out, depth + 1);
      case '"': {
        std::string str;
        if (!ParseString(str)) return false;
        out = Value(std::move(str));
        return true;
      }
      case 't':
        if (!Literal("true")) return false;
        out = Value(true);
        return true;
      case 'f':
        if (!Literal("false")) return false;
        out = Value(false);
        return true;
      case 'n':
        if (!Literal("null")) return false;
        out = Value(nullptr);
        return true;
      default: return ParseNumber(out);
    }
  }

  // Members and items are gathered on scratch stacks shared by all nesting levels and moved
  // into exactly-sized containers at the end: one allocation per object or array.
  bool ParseObject(Value& out, int depth) {
    if (depth > limits_.max_depth) return Error(fmt::format("nesting deeper than {}", limits_.max_depth));
    ++pos_;
    const size_t base = members_.size();
    std::unordered_set<std::string_view> seen;  // only for large objects
    SkipSpace();
    if (pos_ < n_ && s_[pos_] == '}') {
      ++pos_;
      out = Value(Object{});
      return true;
    }
    while (true) {
      SkipSpace();
      if (pos_ >= n_ || s_[pos_] != '"') return Abandon(base, "expected a member name");
      std::string key;
      if (!ParseString(key)) return Abandon(base, nullptr);
      size_t count = members_.size() - base;
      if (count < 16) {
        for (size_t i = base; i < members_.size(); ++i) {
          if (members_[i].first == key) return Abandon(base, fmt::format("duplicate member name \"{}\"", key));
        }
      } else {
        if (seen.empty()) {
          // Keys live in heap or SSO storage of members that may move: copy into the set's own
          // strings by keeping views into a stable side buffer.
          for (size_t i = base; i < members_.size(); ++i) seen_keys_.push_back(members_[i].first);
          for (size_t i = seen_keys_.size() - count; i < seen_keys_.size(); ++i) seen.insert(seen_keys_[i]);
        }
        if (seen.contains(key)) return Abandon(base, fmt::format("duplicate member name \"{}\"", key));
        seen_keys_.push_back(key);
        seen.insert(seen_keys_.back());
      }
      SkipSpace();
      if (pos_ >= n_ || s_[pos_] != ':') return Abandon(base, "expected ':'");
      ++pos_;
      SkipSpace();
      // Nested objects use the stack above this one and give it back before returning.
      Value v;
      if (!ParseValue(v, depth)) return Abandon(base, nullptr);
      members_.emplace_back(std::move(key), std::move(v));
      SkipSpace();
      if (pos_ >= n_) return Abandon(base, "unexpected end of input in object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        Object obj(std::make_move_iterator(members_.begin() + static_cast<std::ptrdiff_t>(base)),
                   std::make_move_iterator(members_.end()));
        members_.resize(base);
        out = Value(std::move(obj));
        return true;
      }
      return Abandon(base, "expected ',' or '}'");
    }
  }

  bool Abandon(size_t member_base, const std::string& what) {
    members_.resize(member_base);
    return Error(what);
  }
  bool Abandon(size_t member_base, const char* what) {
    members_.resize(member_base);
    return what == nullptr ? false : Error(what);
  }

  bool ParseArray(Value& out, int depth) {
    if (depth > limits_.max_depth) return Error(fmt::format("nesting deeper than {}", limits_.max_depth));
    ++pos_;
    const size_t base = items_.size();
    auto fail = [&](const char* what) {
      items_.resize(base);
      return what == nullptr ? false : Error(what);
    };
    SkipSpace();
    if (pos_ < n_ && s_[pos_] == ']') {
      ++pos_;
      out = Value(Array{});
      return true;
    }
    while (true) {
      SkipSpace();
      Value v;
      if (!ParseValue(v, depth)) return fail(nullptr);
      items_.push_back(std::move(v));
      SkipSpace();
      if (pos_ >= n_) return fail("unexpected end of input in array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        Array arr(std::make_move_iterator(items_.begin() + static_cast<std::ptrdiff_t>(base)),
                  std::make_move_iterator(items_.end()));
        items_.resize(base);
        out = Value(std::move(arr));
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool Hex4(uint32_t& cp) {
    if (n_ - pos_ < 4) return Error("truncated \\u escape");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      unsigned char c = s_[pos_++];
      cp <<= 4;
      if (c >= '0' && c <= '9') cp |= c - '0';
      else if (c >= 'a' && c <= 'f') cp |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') cp |= c - 'A' + 10;
      else return Error("invalid \\u escape");
    }
    return true;
  }

  bool ParseString(std::string& out) {
    ++pos_;  // opening quote
    while (true) {
      size_t start = pos_;
      while (pos_ < n_ && s_[pos_] != '"' && s_[pos_] != '\\' && s_[pos_] >= 0x20 && s_[pos_] < 0x80) ++pos_;
      out.append(reinterpret_cast<const char*>(s_ + start), pos_ - start);
      if (pos_ >= n_) return Error("unterminated string");
      unsigned char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Error("control character in string");
      if (c >= 0x80) {
        size_t len = Utf8SequenceLength(s_, n_, pos_);
        if (len == 0) return Error("invalid UTF-8");
        out.append(reinterpret_cast<const char*>(s_ + pos_), len);
        pos_ += len;
        continue;
      }
      // Escape.
      ++pos_;
      if (pos_ >= n_) return Error("unterminated escape");
      c = s_[pos_++];
      switch (c) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (n_ - pos_ < 2 || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') return Error("unpaired surrogate");
            pos_ += 2;
            uint32_t low = 0;
            if (!Hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return Error("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Error("unpaired surrogate");
          }
          AppendUtf8(cp, out);
          break;
        }
        default: return Error("invalid escape");
      }
    }
  }

  bool ParseNumber(Value& out) {
    size_t start = pos_;
    if (pos_ < n_ && s_[pos_] == '-') ++pos_;
    if (pos_ >= n_) return Error("invalid number");
    if (s_[pos_] == '0') {
      ++pos_;
    } else if (s_[pos_] >= '1' && s_[pos_] <= '9') {
      while (pos_ < n_ && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    } else {
      return Error("invalid value");
    }
    if (pos_ < n_ && s_[pos_] == '.') {
      ++pos_;
      size_t digits = pos_;
      while (pos_ < n_ && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == digits) return Error("invalid number: no digits after '.'");
    }
    if (pos_ < n_ && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < n_ && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      size_t digits = pos_;
      while (pos_ < n_ && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == digits) return Error("invalid number: no digits in exponent");
    }
    if (pos_ - start > 64) return Error("number too long");
    out = Value(Number{std::string(reinterpret_cast<const char*>(s_ + start), pos_ - start)});
    return true;
  }

  const unsigned char* s_;
  size_t n_;
  size_t pos_ = 0;
  const ParseLimits& limits_;
  std::string error_;
  std::vector<Member> members_;       // scratch: members of the objects being parsed
  std::vector<Value> items_;          // scratch: items of the arrays being parsed
  std::deque<std::string> seen_keys_;  // stable storage for large objects' duplicate checks
};

void Indent(std::string& out, int level) {
  out.push_back('\n');
  out.append(static_cast<size_t>(level) * 2, ' ');
}

void WriteImpl(const Value& v, std::string& out, bool pretty, int level) {
  if (v.is_null()) {
    out += "null";
  } else if (v.is_bool()) {
    out += v.as_bool() ? "true" : "false";
  } else if (v.is_number()) {
    out += v.as_number().text;
  } else if (v.is_string()) {
    WriteString(v.as_string(), out);
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    out.push_back('[');
    for (size_t i = 0; i < a.size(); ++i) {
      if (i) out.push_back(',');
      if (pretty) Indent(out, level + 1);
      WriteImpl(a[i], out, pretty, level + 1);
    }
    if (pretty && !a.empty()) Indent(out, level);
    out.push_back(']');
  } else {
    const auto& o = v.as_object();
    out.push_back('{');
    for (size_t i = 0; i < o.size(); ++i) {
      if (i) out.push_back(',');
      if (pretty) Indent(out, level + 1);
      WriteString(o[i].first, out);
      out += pretty ? ": " : ":";
      WriteImpl(o[i].second, out, pretty, level + 1);
    }
    if (pretty && !o.empty()) Indent(out, level);
    out.push_back('}');
  }
}

}  // namespace

bool Equivalent(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    return a.as_number().text == b.as_number().text ||
           std::strtod(a.as_number().text.c_str(), nullptr) == std::strtod(b.as_number().text.c_str(), nullptr);
  }
  if (a.is_object() && b.is_object()) {
    if (a.as_object().size() != b.as_object().size()) return false;
    for (const auto& [k, v] : a.as_object()) {
      const Value* o = b.find(k);
      if (o == nullptr || !Equivalent(v, *o)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = a.as_array();
    const auto& y = b.as_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!Equivalent(x[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    size_t len = Utf8SequenceLength(p, s.size(), i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

Result<Value> Parse(std::string_view text, const ParseLimits& limits) {
  return Parser(text, limits).Run();
}

void WriteString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('"');
}

void Write(const Value& v, std::string& out, bool pretty) { WriteImpl(v, out, pretty, 0); }

std::string Serialize(const Value& v, bool pretty) {
  std::string out;
  Write(v, out, pretty);
  return out;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace salus::json
