// Structured logging: one JSON object per line on stderr.
// Never pass patient data (names, identifiers, resource bodies) as a field: log request ids,
// resource types and ids, sizes and timings.
// Thread-safety: all functions are thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <variant>

namespace salus::log {

enum class Level { kDebug, kInfo, kWarn, kError };

struct Field {
  std::string_view key;
  std::variant<std::string_view, int64_t, double, bool> value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, int64_t v) : key(k), value(v) {}
  Field(std::string_view k, int v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
};

void SetMinLevel(Level level);
bool Enabled(Level level);
// Writes {"ts":...,"level":...,"component":...,"event":...,<fields>}.
void Write(Level level, std::string_view component, std::string_view event,
           std::initializer_list<Field> fields = {});

inline void Info(std::string_view component, std::string_view event, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, component, event, f);
}
inline void Warn(std::string_view component, std::string_view event, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, component, event, f);
}
inline void Error(std::string_view component, std::string_view event, std::initializer_list<Field> f = {}) {
  Write(Level::kError, component, event, f);
}

}  // namespace salus::log
