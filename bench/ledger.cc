// bench_ledger DIR [EVENTS] [ONLY]: the audit ledger's append path on its own, with the real store
// (sealed bodies, WAL, synchronous=FULL): events/s and CPU µs per event (process CPU time,
// all threads) for transactions of 1, 10, 100 and 1000 events, and for 32 threads recording
// asynchronously as the server does (ONLY: 1, 10, 100, 1000 or async runs that case alone, for
// a profiler). Figures of one run, side by side.
#include <fmt/format.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "audit/ledger.h"
#include "crypto/aead.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace salus;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

audit::Event ReadEvent(int i) {
  audit::Event e;
  e.action = 'R';
  e.subtype = "read";
  e.agent = "Client/bench";
  e.address = "127.0.0.1";
  e.patients = {fmt::format("Patient/bench-{}", i % 1000)};
  e.what = {fmt::format("Patient/bench-{}/_history/1", i % 1000)};
  return e;
}

struct Run {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<audit::Ledger> ledger;
};

Run Open(const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto s = store::OpenSqliteStore(store::SqliteOptions{.path = (dir / "salus.db").string(), .readers = 2,
                                                       .kek = crypto::NewAeadKey()});
  if (!s) {
    fmt::print(stderr, "open: {}\n", s.error().message);
    std::exit(1);
  }
  Run r{std::move(*s), nullptr};
  r.ledger = std::make_unique<audit::Ledger>(*r.store, crypto::SigningKey::Generate());
  return r;
}

void Report(const char* what, int n, double wall, double cpu) {
  fmt::print("RESULT case=\"{}\" events={} events_per_s={:.0f} cpu_us_per_event={:.1f} wall_us_per_event={:.1f}\n", what,
             n, n / wall, cpu * 1e6 / n, wall * 1e6 / n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: bench_ledger DIR [EVENTS]\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  int n = argc > 2 ? std::atoi(argv[2]) : 50000;
  std::string only = argc > 3 ? argv[3] : "";
  for (int per : {1, 10, 100, 1000}) {
    if (!only.empty() && only != std::to_string(per)) continue;
    Run r = Open(dir / fmt::format("batch{}", per));
    int total = per == 1 ? n / 10 : n;
    auto t0 = std::chrono::steady_clock::now();
    double c0 = CpuSeconds();
    for (int i = 0; i < total; i += per) {
      Status st = r.store->Write([&](store::WriteTxn& txn) -> Status {
        for (int j = i; j < std::min(total, i + per); ++j) SALUS_TRY(r.ledger->Append(txn, ReadEvent(j)));
        return {};
      });
      if (!st) {
        fmt::print(stderr, "append: {}\n", st.error().message);
        return 1;
      }
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Report(fmt::format("{} per transaction", per).c_str(), total, wall, CpuSeconds() - c0);
  }
  if (only.empty() || only == "async") {
    Run r = Open(dir / "async");
    constexpr int kThreads = 32;
    std::atomic<int> next{0};
    auto t0 = std::chrono::steady_clock::now();
    double c0 = CpuSeconds();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        std::mutex mu;
        std::condition_variable cv;
        for (int i = next++; i < n; i = next++) {
          bool done = false;
          r.ledger->RecordAsync(ReadEvent(i), [&](Status) {
            std::lock_guard lock(mu);
            done = true;
            cv.notify_one();
          });
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return done; });
        }
      });
    }
    for (auto& t : threads) t.join();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Report("32 threads, RecordAsync, each waits for its entry", n, wall, CpuSeconds() - c0);
    auto stats = r.store->Stats();
    fmt::print("  transactions: {} ({:.1f} events each)\n", stats.batches, static_cast<double>(n) / stats.batches);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
