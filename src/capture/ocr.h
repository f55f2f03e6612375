// Stage 3: Tesseract 5 (LSTM) reading page images into words with boxes and confidences.
// An OcrEngine owns one TessBaseAPI, initialised once; it is NOT thread-safe: each worker
// thread of the capture pool owns its own engine. OpenMP inside Tesseract is limited to one
// thread per engine (on this 2-core machine it made Tesseract several times slower).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capture/decode.h"
#include "capture/image.h"
#include "core/result.h"

namespace salus::capture {

enum class Segmentation {
  kAuto,        // a page: blocks, columns, lines
  kSparse,      // scattered text (cards, forms): find as much text as possible, in no order
  kSingleLine,  // one line of a field crop
  kSingleWord,
};

struct OcrOptions {
  Segmentation segmentation = Segmentation::kAuto;
  std::string whitelist;  // characters allowed; empty for all
  int timeout_ms = 20'000;
};

// Tesseract's OpenMP loops ask for several threads each; only OMP_THREAD_LIMIT, which the
// OpenMP runtime reads once when it is loaded, caps them (measured here: ~2.3x faster per page
// with the limit, and two engines on two threads no longer fight). Call first thing in main():
// when the variable is unset it sets OMP_THREAD_LIMIT=1 and re-executes the program (same
// arguments), so the runtime starts with it. Returns only when the limit is in place or the
// re-execution failed.
void LimitOpenMpThreads(char** argv);

// Where Tesseract's trained data is: $TESSDATA_PREFIX, else Debian's and upstream's defaults.
std::string FindTessdata();

class OcrEngine {
 public:
  static Result<std::unique_ptr<OcrEngine>> Create(const std::string& tessdata_dir,
                                                   const std::string& language = "eng");
  ~OcrEngine();
  OcrEngine(const OcrEngine&) = delete;
  OcrEngine& operator=(const OcrEngine&) = delete;

  // Words of `image` (any depth), boxes in its pixels, confidence in [0, 1].
  Result<std::vector<Word>> Read(const Image& image, const OcrOptions& options = {});
  // Words inside `region` of `image`; boxes in the page's pixels.
  Result<std::vector<Word>> ReadRegion(const Image& image, const Box& region,
                                       const OcrOptions& options);

 private:
  struct Impl;
  explicit OcrEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace salus::capture
