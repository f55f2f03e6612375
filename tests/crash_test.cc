// Durability: kill -9 the server while clients write; after a restart every write that was
// acknowledged with a 2xx is there, and the database passes PRAGMA integrity_check.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "crypto/keyring.h"
#include "support/harness.h"

namespace salus::testing {
namespace {

TEST(CrashTest, AcknowledgedWritesSurviveKill9) {
  // A few rounds here; bench/crash-soak runs many (SALUS_CRASH_ROUNDS).
  const char* rounds_env = std::getenv("SALUS_CRASH_ROUNDS");
  const int kRounds = rounds_env ? std::max(1, std::atoi(rounds_env)) : 3;
  TempDir data;
  std::vector<std::string> acknowledged;
  for (int round = 0; round < kRounds; ++round) {
    auto server = std::make_unique<ServerProcess>(data.path());
    ASSERT_TRUE(server->ok());
    uint16_t port = server->port();
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::atomic<int> acked_this_round{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 6; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0; !stop; ++i) {
          std::string body = R"({"resourceType":"Patient","identifier":[{"system":"urn:crash","value":")" +
                             std::to_string(round) + "-" + std::to_string(t) + "-" + std::to_string(i) + R"("}]})";
          HttpResponse r = Http(port, "POST", "/fhir/Patient", body);
          if (r.status == 201) {
            std::string loc = r.header("location");
            std::lock_guard lock(mu);
            acknowledged.push_back(loc.substr(loc.find("/Patient/"), loc.find("/_history") - loc.find("/Patient/")));
            acked_this_round++;
          } else if (r.status == 0) {
            return;  // the server is gone
          }
        }
      });
    }
    // Kill once some writes are acknowledged (no sleeping on a clock: wait on the count, but
    // give up after a minute so that a broken server fails the test instead of hanging it).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (acked_this_round < 50 + round * 30 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    server->Kill9();
    stop = true;
    for (auto& w : writers) w.join();
    ASSERT_GE(acked_this_round, 50 + round * 30) << "the server acknowledged too few writes";
  }
  // Restart and check every acknowledged write.
  ServerProcess server(data.path());
  ASSERT_TRUE(server.ok());
  int missing = 0;
  for (const auto& path : acknowledged) {
    if (Http(server.port(), "GET", "/fhir" + path).status != 200) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged writes";
  server.Terminate();
  // The bodies are sealed: open with the KEK the server made on its first start.
  auto kek = crypto::KekFromHex(ReadFile(data.path() / "keys" / "kek.key"));
  ASSERT_TRUE(kek);
  auto store = store::OpenSqliteStore(store::SqliteOptions{.path = (data.path() / "salus.db").string(), .kek = *kek});
  ASSERT_TRUE(store) << store.error().message;
  auto integrity = (*store)->CheckIntegrity();
  EXPECT_TRUE(integrity) << integrity.error().message;
  std::printf("crash test: %d rounds of kill -9, %zu acknowledged writes, %d missing\n", kRounds,
              acknowledged.size(), missing);
}

}  // namespace
}  // namespace salus::testing
