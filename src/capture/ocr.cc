#include "capture/ocr.h"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <unistd.h>

#include <fmt/format.h>

extern "C" void omp_set_num_threads(int);

namespace salus::capture {

struct OcrEngine::Impl {
  tesseract::TessBaseAPI api;
};

void LimitOpenMpThreads(char** argv) {
  if (std::getenv("OMP_THREAD_LIMIT") != nullptr) return;
  if (setenv("OMP_THREAD_LIMIT", "1", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Still here: the re-execution failed; Tesseract runs, only slower.
}

std::string FindTessdata() {
  if (const char* env = std::getenv("TESSDATA_PREFIX"); env && *env) return env;
  for (const char* dir : {"/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                          "/usr/local/share/tessdata", "/usr/share/tessdata"}) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::path(dir) / "eng.traineddata", ec)) return dir;
  }
  return {};
}

OcrEngine::OcrEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OcrEngine::~OcrEngine() {
  if (impl_) impl_->api.End();
}

Result<std::unique_ptr<OcrEngine>> OcrEngine::Create(const std::string& tessdata_dir,
                                                     const std::string& language) {
  // The calling thread's OpenMP parallel regions (Tesseract's) run on this thread alone.
  omp_set_num_threads(1);
  auto impl = std::make_unique<Impl>();
  if (tessdata_dir.empty())
    return std::unexpected(Error::Internal(
        "Tesseract's trained data was not found (set TESSDATA_PREFIX or install tesseract-ocr-eng)"));
  // Forms hold names, identifiers and codes more than dictionary words; Tesseract's own
  // messages would otherwise reach stderr with document text in them.
  std::vector<std::string> names = {"load_system_dawg", "load_freq_dawg", "debug_file"};
  std::vector<std::string> values = {"0", "0", "/dev/null"};
  if (impl->api.Init(tessdata_dir.c_str(), language.c_str(), tesseract::OEM_LSTM_ONLY, nullptr, 0,
                     &names, &values, false) != 0)
    return std::unexpected(Error::Internal(
        fmt::format("Tesseract could not load language '{}' from {}", language, tessdata_dir)));
  // Tesseract 5 re-reads every doubtful line as if it were white on black; forms here are
  // dark on light once prepared, and the second pass costs time.
  impl->api.SetVariable("tessedit_do_invert", "0");
  return std::unique_ptr<OcrEngine>(new OcrEngine(std::move(impl)));
}

Result<std::vector<Word>> OcrEngine::Read(const Image& image, const OcrOptions& options) {
  return ReadRegion(image, Box{0, 0, image.width(), image.height()}, options);
}

Result<std::vector<Word>> OcrEngine::ReadRegion(const Image& image, const Box& region,
                                                const OcrOptions& options) {
  omp_set_num_threads(1);
  tesseract::TessBaseAPI& api = impl_->api;
  tesseract::PageSegMode mode = tesseract::PSM_AUTO;
  switch (options.segmentation) {
    case Segmentation::kAuto: mode = tesseract::PSM_AUTO; break;
    case Segmentation::kSparse: mode = tesseract::PSM_SPARSE_TEXT; break;
    case Segmentation::kSingleLine: mode = tesseract::PSM_SINGLE_LINE; break;
    case Segmentation::kSingleWord: mode = tesseract::PSM_SINGLE_WORD; break;
  }
  api.SetPageSegMode(mode);
  api.SetVariable("tessedit_char_whitelist", options.whitelist.c_str());
  // A small region is cut out first: Tesseract takes its own copy of whatever image it is
  // given, and a field's second reading should not copy the whole page.
  int64_t page_area = static_cast<int64_t>(image.width()) * image.height();
  bool cut = static_cast<int64_t>(region.w) * region.h * 4 < page_area;
  Image crop;
  int dx = 0, dy = 0;
  if (cut) {
    BOX* box = boxCreate(region.x, region.y, region.w, region.h);
    crop = Image(pixClipRectangle(image.pix(), box, nullptr));
    boxDestroy(&box);
    if (!crop) return std::unexpected(Error::Invalid("the region is outside the page"));
    dx = region.x;
    dy = region.y;
    api.SetImage(crop.pix());
  } else {
    api.SetImage(image.pix());
    api.SetRectangle(region.x, region.y, region.w, region.h);
  }
  api.SetSourceResolution(image.dpi() > 0 ? image.dpi() : 300);
  tesseract::ETEXT_DESC monitor;
  monitor.set_deadline_msecs(options.timeout_ms);
  if (api.Recognize(&monitor) != 0) {
    api.Clear();
    return std::unexpected(Error::Unavailable("text recognition did not finish in time"));
  }
  std::vector<Word> words;
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (it) {
    do {
      std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_WORD));
      if (!text || text[0] == 0) continue;
      int l = 0, t = 0, r = 0, b = 0;
      if (!it->BoundingBox(tesseract::RIL_WORD, &l, &t, &r, &b)) continue;
      Word w;
      w.text = text.get();
      w.box = {l + dx, t + dy, r - l, b - t};
      w.confidence = std::clamp(it->Confidence(tesseract::RIL_WORD) / 100.0f, 0.0f, 1.0f);
      words.push_back(std::move(w));
    } while (it->Next(tesseract::RIL_WORD));
  }
  api.Clear();
  return words;
}

}  // namespace salus::capture
