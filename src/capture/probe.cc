#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "capture/decode.h"
#include "capture/ocr.h"
#include "capture/prepare.h"

int main(int argc, char** argv) {
  using namespace salus::capture;
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto t0 = std::chrono::steady_clock::now();
  auto pages = Decode(ss.str());
  if (!pages) { std::cerr << pages.error().message << "\n"; return 1; }
  auto t1 = std::chrono::steady_clock::now();
  auto engine = OcrEngine::Create(FindTessdata());
  if (!engine) { std::cerr << engine.error().message << "\n"; return 1; }
  auto t2 = std::chrono::steady_clock::now();
  for (auto& p : *pages) {
    if (!p.image) { for (auto& w : p.text_layer) std::cout << w.text << " "; continue; }
    OcrOptions o;
    if (argc > 2) o.segmentation = Segmentation::kSparse;
    auto tp = std::chrono::steady_clock::now();
    auto prep = Prepare(p.image);
    if (!prep) { std::cerr << prep.error().message << "\n"; return 1; }
    std::cerr << fmt::format("prepare {:.0f} ms rot {} skew {:.2f} persp {} scale {:.2f} textH {} blur {:.3f} problem {}\n",
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - tp).count(),
        prep->rotation, prep->skew_degrees, prep->perspective_corrected, prep->scale, prep->text_height, prep->blur, prep->problem.value_or("-"));
    std::ofstream("/tmp/prepared.png", std::ios::binary) << prep->gray.Png();
    auto words = (*engine)->Read(prep->gray, o);
    if (!words) { std::cerr << words.error().message << "\n"; return 1; }
    for (auto& w : *words) std::cout << fmt::format("{}({:.2f}) ", w.text, w.confidence);
  }
  auto t3 = std::chrono::steady_clock::now();
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  std::cerr << fmt::format("\ndecode {:.0f} ms, init {:.0f} ms, ocr {:.0f} ms\n", ms(t0, t1), ms(t1, t2), ms(t2, t3));
}
