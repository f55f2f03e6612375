// Capture accuracy and speed on the synthetic corpus, in one run:
//   bench_capture_accuracy [--split dev|holdout|fresh|both|all] [--count N] [--threads T] [--seed S]
//                          [--threshold 0.95] [--dump DIR]
// Prints field accuracy per document kind and per degradation, precision/recall, calibration
// of confidence (predicted vs observed per bin), the share right among fields at or above the
// auto-accept threshold, pages/s with T worker threads (one OCR engine each) and p50/p99 per
// page. Nothing is timed in a unit test; this is where speed is measured.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "capture/checks.h"
#include "capture/pipeline.h"
#include "corpus.h"

namespace sc = salus::corpus;
namespace cap = salus::capture;

namespace {

std::string Norm(std::string_view s) {
  std::string out;
  for (unsigned char c : cap::Trim(s)) {
    if (std::isspace(c)) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(static_cast<char>(std::tolower(c)));
    }
  }
  return out;
}

// List items are compared by identity, not position: labs by LOINC code, medications by name,
// allergies by substance. "lab.3.value" with code 2345-7 becomes "lab[2345-7].value".
std::map<std::string, std::string> RekeyNames(const std::map<std::string, std::string>& in) {
  std::map<std::string, std::string> ids;  // "lab.3" -> "lab[2345-7]"
  for (const auto& [k, v] : in) {
    if (k.starts_with("lab.") && k.ends_with(".code")) ids[k.substr(0, k.size() - 5)] = "lab[" + v + "]";
    if (k.starts_with("medication.") && k.ends_with(".name"))
      ids[k.substr(0, k.size() - 5)] = "medication[" + Norm(v) + "]";
  }
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : in) {
    if (k.starts_with("allergy.")) {
      out["allergy[" + Norm(v) + "]"] = k;
      continue;
    }
    size_t second_dot = k.find('.', k.find('.') + 1);
    if ((k.starts_with("lab.") || k.starts_with("medication.")) && second_dot != std::string::npos) {
      std::string item = k.substr(0, second_dot);
      auto it = ids.find(item);
      std::string base = it != ids.end() ? it->second : item;
      out[base + k.substr(second_dot)] = k;
      continue;
    }
    out[k] = k;
  }
  return out;
}

std::map<std::string, std::string> Rekey(const std::map<std::string, std::string>& in) {
  std::map<std::string, std::string> out;
  for (const auto& [nk, ok] : RekeyNames(in)) out[nk] = ok.starts_with("allergy.") ? "present" : in.at(ok);
  return out;
}

struct Tally {
  int truth = 0, extracted = 0, correct = 0, docs = 0, kind_right = 0;
  void Add(const Tally& o) {
    truth += o.truth;
    extracted += o.extracted;
    correct += o.correct;
    docs += o.docs;
    kind_right += o.kind_right;
  }
};

struct Outcome {
  sc::Truth truth;
  Tally tally;
  std::vector<std::pair<double, bool>> confidences;  // per extracted field: confidence, right
  double seconds = 0;
  int pages = 0;
  std::string error;
  std::vector<std::string> misses;
  std::string layout;  // with --layout: the lines and phrases the extractor saw
};

std::string Pct(int num, int den) { return den ? fmt::format("{:.1f}%", 100.0 * num / den) : "-"; }

}  // namespace

int main(int argc, char** argv) {
  cap::LimitOpenMpThreads(argv);
  CLI::App app{"Capture accuracy on the synthetic corpus"};
  std::string split = "dev";
  int count = 60;
  int threads = 2;
  uint64_t seed = 7;
  double threshold = 0.95;
  std::string dump;
  bool verbose = false;
  bool no_reread = false;
  std::string only_degradation;
  std::vector<std::string> split_names;
  for (int i = 0; i <= static_cast<int>(sc::kLastSplit); ++i) split_names.push_back(sc::SplitName(static_cast<sc::Split>(i)));
  split_names.insert(split_names.end(), {"both", "all"});
  app.add_option("--split", split, "a split (dev, holdout, fresh, fresh2 ...); both: dev and holdout; all: every split")
      ->check(CLI::IsMember(split_names));
  app.add_option("--count", count, "documents per split");
  app.add_option("--threads", threads);
  app.add_option("--seed", seed);
  app.add_option("--threshold", threshold, "auto-accept confidence");
  app.add_option("--dump", dump, "write each document and its truth here");
  app.add_flag("--verbose", verbose, "print every wrong or missing field");
  bool show_layout = false;
  app.add_flag("--layout", show_layout, "with --verbose: print the layout (lines, phrases, checkboxes) of documents with misses");
  app.add_flag("--no-reread", no_reread, "skip the second reading of structured fields");
  app.add_option("--degradation", only_degradation, "keep only documents with this degradation (clean, rotated ...)");
  CLI11_PARSE(app, argc, argv);

  std::vector<sc::SampleSpec> specs;
  // Every split in enum order; its seed is the base seed plus its position (dev +0, holdout +1,
  // fresh +2, ...), so a split's documents do not depend on which others are asked for.
  for (int i = 0; i <= static_cast<int>(sc::kLastSplit); ++i) {
    auto sp = static_cast<sc::Split>(i);
    std::string name = sc::SplitName(sp);
    bool wanted = split == name || split == "all" ||
                  (split == "both" && (sp == sc::Split::kDev || sp == sc::Split::kHoldout));
    if (!wanted) continue;
    auto s = sc::Mix(sp, count, seed + static_cast<uint64_t>(i));
    specs.insert(specs.end(), s.begin(), s.end());
  }
  if (!only_degradation.empty())
    std::erase_if(specs, [&](const sc::SampleSpec& s) { return only_degradation != sc::DegradationName(s.degradation); });
  // Documents are rendered before the clock starts.
  std::vector<sc::Sample> samples;
  for (const auto& spec : specs) samples.push_back(sc::Generate(spec));
  if (!dump.empty()) {
    std::filesystem::create_directories(dump);
    for (size_t i = 0; i < samples.size(); ++i) {
      std::string stem = fmt::format("{}/{:04}-{}-{}", dump, i, samples[i].truth.layout,
                                     sc::DegradationName(samples[i].truth.degradation));
      std::ofstream(stem + "." + sc::FormatExtension(samples[i].truth.format), std::ios::binary) << samples[i].bytes;
      std::ofstream(stem + ".truth.json") << sc::TruthToJson(samples[i].truth) << "\n";
    }
  }

  std::string tessdata = cap::FindTessdata();
  std::vector<Outcome> outcomes(samples.size());
  std::atomic<size_t> next{0};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      auto engine = cap::OcrEngine::Create(tessdata);
      if (!engine) {
        std::cerr << engine.error().message << "\n";
        std::exit(1);
      }
      for (size_t i = next++; i < samples.size(); i = next++) {
        const sc::Sample& s = samples[i];
        Outcome& o = outcomes[i];
        o.truth = s.truth;
        cap::CaptureOptions options;
        options.today = "2026-11-28";
        options.reread = !no_reread;
        if (show_layout) {
          options.on_layouts = [&o](const std::vector<cap::Layout>& pages) {
            for (const auto& page : pages) {
              for (const auto& line : page.lines) {
                o.layout += fmt::format("    y={:<5}", line.box.y);
                for (const auto& p : line.phrases) o.layout += fmt::format(" [x={} '{}' {:.0f}]", p.box.x, p.text, p.confidence);
                o.layout += "\n";
              }
              for (const auto& cb : page.checkboxes)
                o.layout += fmt::format("    checkbox x={} y={} {}\n", cb.box.x, cb.box.y, cb.checked ? "checked" : "empty");
            }
          };
        }
        auto t0 = std::chrono::steady_clock::now();
        auto result = cap::Capture(s.bytes, **engine, options);
        o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        o.pages = s.truth.pages;
        auto truth = Rekey(s.truth.fields);
        o.tally.truth = static_cast<int>(truth.size());
        o.tally.docs = 1;
        if (!result) {
          o.error = result.error().message;
          continue;
        }
        o.tally.kind_right = result->classification.kind == s.truth.kind ? 1 : 0;
        if (verbose && !o.tally.kind_right)
          o.misses.push_back(fmt::format("  kind '{}' (truth '{}')", result->classification.kind, s.truth.kind));
        std::map<std::string, std::string> got_values;
        std::map<std::string, double> got_conf;
        for (const auto& f : result->fields) {
          got_values[f.key] = f.value;
          got_conf[f.key] = f.confidence;
        }
        {
          auto names = RekeyNames(got_values);
          auto rekeyed = Rekey(got_values);
          o.tally.extracted = static_cast<int>(rekeyed.size());
          for (const auto& [k, v] : rekeyed) {
            auto it = truth.find(k);
            bool right = it != truth.end() && Norm(it->second) == Norm(v);
            if (right) ++o.tally.correct;
            double conf = got_conf[names[k]];
            o.confidences.push_back({conf, right});
            if (!right && verbose)
              o.misses.push_back(fmt::format("  wrong {} = '{}' (truth '{}', conf {:.2f})", k, v,
                                             it != truth.end() ? it->second : "-", conf));
          }
          if (verbose)
            for (const auto& [k, v] : truth)
              if (!rekeyed.contains(k)) o.misses.push_back(fmt::format("  missing {} = '{}'", k, v));
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::map<std::string, Tally> by_kind, by_degradation, by_split, by_layout;
  Tally all;
  std::vector<double> page_ms;
  int pages = 0;
  std::vector<std::pair<double, bool>> confidences;
  for (const Outcome& o : outcomes) {
    std::string sp = sc::SplitName(o.truth.split);
    by_kind[sp + " " + o.truth.kind].Add(o.tally);
    by_degradation[sp + " " + sc::DegradationName(o.truth.degradation)].Add(o.tally);
    by_split[sp].Add(o.tally);
    by_layout[o.truth.layout].Add(o.tally);
    all.Add(o.tally);
    pages += o.pages;
    page_ms.push_back(o.seconds * 1000 / std::max(1, o.pages));
    confidences.insert(confidences.end(), o.confidences.begin(), o.confidences.end());
    if (!o.error.empty() || (verbose && !o.misses.empty())) {
      std::cout << fmt::format("{} {} {} {}: {}\n", o.truth.layout, sc::DegradationName(o.truth.degradation),
                               sc::FormatName(o.truth.format), o.truth.font, o.error.empty() ? "" : o.error);
      for (const auto& m : o.misses) std::cout << m << "\n";
      if (!o.misses.empty()) std::cout << o.layout;
    }
  }
  auto table = [](const std::string& title, const std::map<std::string, Tally>& m) {
    std::cout << fmt::format("\n| {} | docs | kind right | fields | accuracy (right/truth) | precision (right/extracted) |\n|---|---|---|---|---|---|\n", title);
    for (const auto& [k, t] : m)
      std::cout << fmt::format("| {} | {} | {} | {} | {} | {} |\n", k, t.docs, Pct(t.kind_right, t.docs), t.truth,
                               Pct(t.correct, t.truth), Pct(t.correct, t.extracted));
  };
  table("split", by_split);
  table("kind", by_kind);
  table("degradation", by_degradation);
  table("layout", by_layout);

  std::cout << "\n| confidence | fields | right | observed |\n|---|---|---|---|\n";
  const double edges[] = {0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0001};
  for (size_t b = 0; b + 1 < std::size(edges); ++b) {
    int n = 0, right = 0;
    for (const auto& [c, r] : confidences)
      if (c >= edges[b] && c < edges[b + 1]) {
        ++n;
        right += r ? 1 : 0;
      }
    std::cout << fmt::format("| [{:.2f}, {:.2f}) | {} | {} | {} |\n", edges[b], std::min(1.0, edges[b + 1]), n, right, Pct(right, n));
  }
  int accepted = 0, accepted_right = 0;
  for (const auto& [c, r] : confidences)
    if (c >= threshold) {
      ++accepted;
      accepted_right += r ? 1 : 0;
    }
  std::sort(page_ms.begin(), page_ms.end());
  auto pct = [&](double p) { return page_ms.empty() ? 0.0 : page_ms[std::min(page_ms.size() - 1, static_cast<size_t>(p * page_ms.size()))]; };
  std::cout << fmt::format(
      "\nall: {} documents, {} truth fields, accuracy {}, precision {}\n"
      "auto-accepted at >= {:.2f}: {} of {} extracted fields ({}), {} of them right ({})\n"
      "speed: {} pages in {:.1f} s with {} threads = {:.2f} pages/s; per page p50 {:.0f} ms, p99 {:.0f} ms\n",
      all.docs, all.truth, Pct(all.correct, all.truth), Pct(all.correct, all.extracted), threshold, accepted,
      confidences.size(), Pct(accepted, static_cast<int>(confidences.size())), accepted_right,
      Pct(accepted_right, accepted), pages, wall, threads, pages / wall, pct(0.5), pct(0.99));
}
