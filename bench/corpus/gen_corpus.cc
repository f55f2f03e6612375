// Writes a synthetic document corpus with ground truth:
//   capture_corpus --out DIR [--split dev|holdout|fresh] [--count N] [--seed S]
// For each document: DIR/<nnnn>-<layout>-<degradation>.<ext> and the same stem + .truth.json.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "corpus.h"

int main(int argc, char** argv) {
  CLI::App app{"Synthetic patient documents with ground truth"};
  std::string out_dir;
  std::string split = "dev";
  int count = 40;
  uint64_t seed = 1;
  app.add_option("--out", out_dir, "output folder")->required();
  std::vector<std::string> split_names;
  for (int i = 0; i <= static_cast<int>(salus::corpus::kLastSplit); ++i)
    split_names.push_back(salus::corpus::SplitName(static_cast<salus::corpus::Split>(i)));
  app.add_option("--split", split, "dev, holdout, fresh, fresh2 ...")->check(CLI::IsMember(split_names));
  app.add_option("--count", count, "documents to write");
  app.add_option("--seed", seed, "seed of the mix");
  CLI11_PARSE(app, argc, argv);

  namespace fs = std::filesystem;
  namespace sc = salus::corpus;
  fs::create_directories(out_dir);
  sc::Split chosen = sc::Split::kDev;
  for (int i = 0; i <= static_cast<int>(sc::kLastSplit); ++i)
    if (split == sc::SplitName(static_cast<sc::Split>(i))) chosen = static_cast<sc::Split>(i);
  auto specs = sc::Mix(chosen, count, seed);
  int n = 0;
  for (const sc::SampleSpec& spec : specs) {
    sc::Sample s = sc::Generate(spec);
    std::string stem = fmt::format("{:04}-{}-{}", n++, spec.layout,
                                   sc::DegradationName(s.truth.degradation));
    std::ofstream(fs::path(out_dir) / (stem + "." + sc::FormatExtension(s.truth.format)),
                  std::ios::binary)
        << s.bytes;
    std::ofstream(fs::path(out_dir) / (stem + ".truth.json")) << sc::TruthToJson(s.truth) << "\n";
  }
  std::cout << fmt::format("{} documents in {}\n", n, out_dir);
}
