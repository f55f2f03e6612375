// Search at scale: grows a running salus to each target size with copies of the Synthea
// bundles (new ids, names, birth dates and identifiers; references stay consistent inside each
// bundle), reporting the ingest rate with full indexing, and at each size measures the latency
// of a fixed mix of queries (one client, sequential requests).
// Usage: bench_search_scale PORT SYNTHEA_DIR TARGETS QUERIES_PER_KIND CLIENTS
//   TARGETS: comma-separated resource counts, e.g. 10000,100000,1000000
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/json.h"
#include "support/harness.h"

namespace {

using salus::json::Value;

constexpr const char* kFamilies[] = {
    "Abbott", "Acosta", "Adams", "Baker", "Barnes", "Bauer", "Becker", "Bell", "Bennett", "Brooks", "Bryant",
    "Burke", "Campbell", "Carter", "Castro", "Chen", "Clark", "Coleman", "Collins", "Cooper", "Cruz", "Daniels",
    "Davies", "Diaz", "Dixon", "Duncan", "Edwards", "Ellis", "Evans", "Farmer", "Fischer", "Fleming", "Ford",
    "Foster", "Fox", "Garcia", "Gibson", "Gomez", "Gordon", "Graham", "Grant", "Gray", "Green", "Griffin",
    "Hansen", "Harper", "Harris", "Hayes", "Henry", "Hoffman", "Holmes", "Howard", "Hughes", "Hunt", "Jensen",
    "Jimenez", "Johnson", "Jordan", "Kaiser", "Keller", "Kelly", "Kennedy", "Kim", "King", "Klein", "Koch",
    "Larsen", "Lawson", "Lee", "Lopez", "Lucas", "Lynch", "Marshall", "Martin", "Mason", "Mendez", "Meyer",
    "Miller", "Mills", "Moreno", "Morgan", "Murphy", "Murray", "Nash", "Nguyen", "Nielsen", "Novak", "Olsen",
    "Ortiz", "Owens", "Palmer", "Parker", "Patel", "Perez", "Perry", "Peters", "Porter", "Powell", "Price",
    "Quinn", "Ramos", "Reed", "Reyes", "Rivera", "Roberts", "Rojas", "Romero", "Ross", "Russell", "Ryan",
    "Sanders", "Santos", "Schmidt", "Schulz", "Scott", "Shaw", "Silva", "Simmons", "Snyder", "Spencer",
    "Stewart", "Stone", "Sullivan", "Taylor", "Thompson", "Torres", "Tucker", "Turner", "Vargas", "Vega",
    "Wagner", "Walker", "Wallace", "Walsh", "Ward", "Warren", "Watson", "Weber", "Wells", "West", "White",
    "Wolf", "Wood", "Wright", "Young", "Zimmerman"};
constexpr size_t kFamilyCount = sizeof(kFamilies) / sizeof(kFamilies[0]);

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb93fe53a85a3ULL;
  x ^= x >> 33;
  return x;
}

uint64_t Hash(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

std::string NewUuid(std::string_view old, uint64_t copy) {
  uint64_t a = Mix(Hash(old) ^ (copy * 0x9e3779b97f4a7c15ULL)), b = Mix(a + copy + 1);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a >> 16) & 0xffff, static_cast<unsigned>(a) & 0xfff,
                static_cast<unsigned>(b >> 52) & 0xfff, static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

// Copy `copy` of a bundle: new urn:uuids throughout (references follow), and its patients get
// another family name, given name, birth year and identifier values.
std::string MakeCopy(const Value& bundle, uint64_t copy) {
  Value b = bundle;
  for (auto& e : b.find("entry")->as_array()) {
    Value* r = e.find("resource");
    if (r->string_at("resourceType") != "Patient") continue;
    uint64_t h = Mix(Hash(*r->string_at("id")) + copy);
    if (Value* names = r->find("name")) {
      for (auto& n : names->as_array()) {
        n.set("family", kFamilies[h % kFamilyCount]);
      }
    }
    if (auto bd = r->string_at("birthDate"); bd && bd->size() >= 4) {
      int year = std::stoi(std::string(bd->substr(0, 4))) - static_cast<int>(copy % 40);
      r->set("birthDate", std::to_string(year) + std::string(bd->substr(4)));
    }
    if (Value* ids = r->find("identifier")) {
      for (auto& id : ids->as_array()) {
        if (auto v = id.string_at("value")) id.set("value", std::string(*v) + "-" + std::to_string(copy));
      }
    }
  }
  std::string text = salus::json::Serialize(b);
  std::string out;
  out.reserve(text.size());
  constexpr std::string_view kUrn = "urn:uuid:";
  size_t pos = 0;
  std::unordered_map<std::string, std::string> seen;
  while (true) {
    size_t p = text.find(kUrn, pos);
    if (p == std::string::npos || p + kUrn.size() + 36 > text.size()) break;
    out.append(text, pos, p + kUrn.size() - pos);
    std::string old = text.substr(p + kUrn.size(), 36);
    auto it = seen.find(old);
    if (it == seen.end()) it = seen.emplace(old, NewUuid(old, copy)).first;
    out += it->second;
    pos = p + kUrn.size() + 36;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

std::string Encode(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "%7C";
    else if (c == ' ') out += "%20";
    else out.push_back(c);
  }
  return out;
}

struct Kind {
  std::string name;
  std::function<std::string(std::mt19937&)> make;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: bench_search_scale PORT SYNTHEA_DIR TARGETS QUERIES_PER_KIND CLIENTS\n");
    return 2;
  }
  uint16_t port = static_cast<uint16_t>(std::atoi(argv[1]));
  std::vector<size_t> targets;
  for (std::string_view t = argv[3]; !t.empty();) {
    size_t comma = t.find(',');
    targets.push_back(std::stoull(std::string(t.substr(0, comma))));
    if (comma == std::string_view::npos) break;
    t.remove_prefix(comma + 1);
  }
  int per_kind = std::atoi(argv[4]);
  int clients = std::atoi(argv[5]);

  std::vector<Value> bundles;
  std::vector<size_t> sizes;
  std::map<std::string, int> codes;  // LOINC codes of Observations, by frequency
  for (const auto& e : std::filesystem::directory_iterator(argv[2])) {
    if (e.path().extension() != ".json") continue;
    auto v = salus::json::Parse(salus::testing::ReadFile(e.path()), salus::json::ParseLimits{.max_depth = 100});
    if (!v || v->string_at("type") != std::optional<std::string_view>("transaction")) continue;
    for (const auto& entry : v->find("entry")->as_array()) {
      const Value* r = entry.find("resource");
      if (r->string_at("resourceType") != "Observation") continue;
      const Value* cc = r->find("code");
      if (cc == nullptr || cc->find("coding") == nullptr) continue;
      for (const auto& c : cc->find("coding")->as_array()) {
        if (c.string_at("system") == "http://loinc.org") codes[std::string(*c.string_at("code"))]++;
      }
    }
    sizes.push_back(v->find("entry")->as_array().size());
    bundles.push_back(std::move(*v));
  }
  std::vector<std::pair<int, std::string>> by_freq;
  for (const auto& [c, n] : codes) by_freq.emplace_back(n, c);
  std::sort(by_freq.rbegin(), by_freq.rend());
  std::vector<std::string> common, rare;
  for (size_t i = 0; i < by_freq.size(); ++i) {
    if (i < 10) common.push_back(by_freq[i].second);
    else if (by_freq[i].first >= 2 && rare.size() < 10) rare.push_back(by_freq[i].second);
  }
  if (common.empty() || rare.empty()) {
    std::fprintf(stderr, "not enough Observation codes in %s\n", argv[2]);
    return 1;
  }

  auto pick = [](std::mt19937& rng, const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  auto family = [](std::mt19937& rng) { return std::string(kFamilies[rng() % kFamilyCount]); };
  std::vector<Kind> kinds = {
      {"token", [&](std::mt19937& g) { return "Observation?code=" + Encode("http://loinc.org|" + pick(g, common)) + "&_count=20"; }},
      {"string", [&](std::mt19937& g) { return "Patient?family=" + family(g).substr(0, 3) + "&_count=20"; }},
      {"date range", [&](std::mt19937& g) {
         int y = 2000 + static_cast<int>(g() % 20), m = 1 + static_cast<int>(g() % 11);
         char buf[96];
         std::snprintf(buf, sizeof buf, "Observation?date=ge%04d-%02d-01&date=lt%04d-%02d-01&_count=20", y, m, y, m + 1);
         return std::string(buf);
       }},
      {"quantity", [&](std::mt19937& g) {
         return "Observation?code=" + Encode("http://loinc.org|29463-7") + "&value-quantity=gt" +
                std::to_string(60 + g() % 40) + Encode("|http://unitsofmeasure.org|kg") + "&_count=20";
       }},
      {"chained", [&](std::mt19937& g) {
         return "Observation?subject:Patient.family=" + family(g) + "&code=" + Encode("http://loinc.org|" + pick(g, common)) +
                "&_count=20";
       }},
      {"_has", [&](std::mt19937& g) {
         return "Patient?family=" + family(g) + "&_has:Observation:subject:code=" + Encode("http://loinc.org|" + pick(g, rare)) +
                "&_count=20";
       }},
      {"_include", [&](std::mt19937& g) {
         return "Observation?code=" + Encode("http://loinc.org|" + pick(g, rare)) + "&_include=Observation:subject&_count=20";
       }},
      {"_revinclude", [&](std::mt19937& g) {
         return "Patient?family=" + family(g) + "&_revinclude=Condition:subject&_count=20";
       }},
      {"sort+page", [&](std::mt19937& g) {
         return "Observation?code=" + Encode("http://loinc.org|" + pick(g, rare)) + "&_sort=-date&_count=20";
       }},
  };

  std::atomic<size_t> loaded{0}, next_copy{0}, failures{0};
  std::mt19937 rng(42);
  std::printf("| resources | kind | p50 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- |\n");
  std::vector<std::string> ingest_lines;
  std::map<std::string, std::vector<double>> p99_by_kind;
  for (size_t target : targets) {
    auto t0 = std::chrono::steady_clock::now();
    size_t start_count = loaded;
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&] {
        while (loaded < target) {
          size_t n = next_copy++;
          size_t i = n % bundles.size();
          std::string text = MakeCopy(bundles[i], n / bundles.size() + 1);
          auto r = salus::testing::Http(port, "POST", "/fhir", text, {{"Prefer", "return=minimal"}});
          if (r.status == 200) loaded += sizes[i];
          else if (++failures > 10) return;
        }
      });
    }
    for (auto& t : threads) t.join();
    if (failures > 10) {
      std::fprintf(stderr, "ingest failed\n");
      return 1;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ingest_lines.push_back(std::to_string(start_count) + " -> " + std::to_string(loaded.load()) + " resources: " +
                           std::to_string(static_cast<int>((loaded - start_count) / secs)) + " resources/s");
    // Warm the caches a little, as a running server would be.
    for (auto& k : kinds) salus::testing::Http(port, "GET", "/fhir/" + k.make(rng));
    for (auto& k : kinds) {
      std::vector<double> ms;
      for (int i = 0; i < per_kind; ++i) {
        std::string q = "/fhir/" + k.make(rng);
        auto s = std::chrono::steady_clock::now();
        auto r = salus::testing::Http(port, "GET", q);
        double el = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count();
        if (r.status != 200) {
          std::fprintf(stderr, "%s -> %d %s\n", q.c_str(), r.status, r.body.substr(0, 200).c_str());
          return 1;
        }
        ms.push_back(el);
        if (k.name == "sort+page") {
          // Follow the next link once: paging must stay as fast.
          auto b = salus::json::Parse(r.body);
          for (const auto& l : b->find("link")->as_array()) {
            if (l.string_at("relation") != "next") continue;
            std::string url(*l.string_at("url"));
            url = url.substr(url.find("/fhir/"));
            auto s2 = std::chrono::steady_clock::now();
            auto r2 = salus::testing::Http(port, "GET", url);
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s2).count());
            if (r2.status != 200) {
              std::fprintf(stderr, "%s -> %d %s\n", url.c_str(), r2.status, r2.body.substr(0, 200).c_str());
              return 1;
            }
          }
        }
      }
      double p50 = Percentile(ms, 0.5), p99 = Percentile(ms, 0.99), mx = *std::max_element(ms.begin(), ms.end());
      p99_by_kind[k.name].push_back(p99);
      std::printf("| %zu | %s | %.1f | %.1f | %.1f |\n", loaded.load(), k.name.c_str(), p50, p99, mx);
      std::fflush(stdout);
    }
  }
  std::printf("\nIngest with full indexing (%d clients):\n", clients);
  for (const auto& l : ingest_lines) std::printf("- %s\n", l.c_str());
  if (targets.size() > 1) {
    std::printf("\np99 growth, largest / smallest size:\n");
    for (const auto& [k, v] : p99_by_kind) std::printf("- %s: %.1fx\n", k.c_str(), v.back() / std::max(v.front(), 0.01));
  }
  return 0;
}
