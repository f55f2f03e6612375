#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include <fmt/format.h>

#include "core/json.h"
#include "core/time.h"

namespace salus::log {
namespace {
std::atomic<Level> g_min_level{Level::kInfo};
constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};
}  // namespace

void SetMinLevel(Level level) { g_min_level = level; }
bool Enabled(Level level) { return level >= g_min_level.load(std::memory_order_relaxed); }

void Write(Level level, std::string_view component, std::string_view event,
           std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  std::string line = "{\"ts\":\"";
  line += FormatInstant(SystemClock().Now());
  line += "\",\"level\":\"";
  line += kLevelNames[static_cast<int>(level)];
  line += "\",\"component\":";
  json::WriteString(component, line);
  line += ",\"event\":";
  json::WriteString(event, line);
  for (const Field& f : fields) {
    line.push_back(',');
    json::WriteString(f.key, line);
    line.push_back(':');
    if (auto* s = std::get_if<std::string_view>(&f.value)) {
      json::WriteString(*s, line);
    } else if (auto* i = std::get_if<int64_t>(&f.value)) {
      line += std::to_string(*i);
    } else if (auto* d = std::get_if<double>(&f.value)) {
      line += fmt::format("{:.3f}", *d);
    } else {
      line += std::get<bool>(f.value) ? "true" : "false";
    }
  }
  line += "}\n";
  // One write(2) per line keeps lines whole across threads and processes.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace salus::log
