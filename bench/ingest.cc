// Transaction ingest benchmark: POSTs Synthea transaction Bundles to a running salus with N
// concurrent clients for a fixed time and reports committed resources per second.
// Usage: bench_ingest PORT BUNDLE_DIR SECONDS CLIENTS
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "core/json.h"
#include "support/harness.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: bench_ingest PORT BUNDLE_DIR SECONDS CLIENTS\n");
    return 2;
  }
  uint16_t port = static_cast<uint16_t>(std::atoi(argv[1]));
  double seconds = std::atof(argv[3]);
  int clients = std::atoi(argv[4]);
  std::vector<std::pair<std::string, size_t>> bundles;  // text, entries
  for (const auto& e : std::filesystem::directory_iterator(argv[2])) {
    if (e.path().extension() != ".json") continue;
    std::string text = salus::testing::ReadFile(e.path());
    auto v = salus::json::Parse(text, salus::json::ParseLimits{.max_depth = 100});
    if (!v || v->string_at("type") != std::optional<std::string_view>("transaction")) continue;
    bundles.emplace_back(std::move(text), v->find("entry")->as_array().size());
  }
  if (bundles.empty()) {
    std::fprintf(stderr, "no transaction bundles in %s\n", argv[2]);
    return 1;
  }
  std::atomic<size_t> resources{0}, requests{0}, failures{0}, next{0};
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      while (std::chrono::steady_clock::now() < deadline) {
        const auto& [text, entries] = bundles[next++ % bundles.size()];
        auto r = salus::testing::Http(port, "POST", "/fhir", text, {{"Prefer", "return=minimal"}});
        requests++;
        if (r.status == 200) {
          resources += entries;
        } else {
          failures++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("RESULT bundles=%zu resources=%zu failures=%zu seconds=%.2f resources_per_s=%.0f\n", requests.load(),
              resources.load(), failures.load(), elapsed, resources / elapsed);
  return failures == 0 ? 0 : 1;
}
