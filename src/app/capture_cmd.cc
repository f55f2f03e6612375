#include "app/capture_cmd.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "capture/bundle.h"
#include "capture/decode.h"
#include "capture/pipeline.h"

namespace salus::app {
int RunCaptureCommand(const CaptureCommandOptions& options,
                      const std::function<bool(const std::string&, const std::string&)>& commit) {
  namespace fs = std::filesystem;
  auto engine = capture::OcrEngine::Create(capture::FindTessdata());
  if (!engine) {
    fmt::print(stderr, "salus capture: {}\n", engine.error().message);
    return 1;
  }
  if (!options.out_dir.empty()) fs::create_directories(options.out_dir);
  capture::CaptureOptions capture_options;
  capture_options.limits.pdf_sandbox = "/proc/self/exe";  // this program, `internal-decode-pdf`
  int failed = 0;
  for (const std::string& input : options.inputs) {
    std::error_code ec;
    auto size = fs::file_size(input, ec);
    if (ec) {
      fmt::print(stderr, "salus capture: {}: {}\n", input, ec.message());
      ++failed;
      continue;
    }
    if (size > capture_options.limits.max_bytes) {
      fmt::print(stderr, "salus capture: {}: {} bytes; the limit is {} MiB\n", input, size,
                 capture_options.limits.max_bytes >> 20);
      ++failed;
      continue;
    }
    std::ifstream in(input, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    std::string data = bytes.str();
    auto result = capture::Capture(data, **engine, capture_options);
    if (!result) {
      fmt::print(stderr, "salus capture: {}: {}\n", input, result.error().message);
      ++failed;
      continue;
    }
    capture::BundleOptions bundle_options;
    bundle_options.threshold = options.threshold;
    bundle_options.media_type = capture::MediaTypeOf(capture::Sniff(data));
    bundle_options.title = fs::path(input).filename().string();
    capture::BuiltBundle built = capture::BuildBundle(*result, data, bundle_options);
    std::string text = json::Serialize(built.bundle);
    if (options.out_dir.empty()) {
      fmt::print("{}\n", text);
    } else {
      std::ofstream(fs::path(options.out_dir) / (fs::path(input).stem().string() + ".json")) << text << "\n";
    }
    std::string problem;
    for (const auto& page : result->pages)
      if (page.problem) problem = "; " + *page.problem;
    fmt::print(stderr, "{}: {} ({:.2f}), {} fields written, {} for review{}\n", input,
               result->classification.kind, result->classification.confidence, built.accepted,
               built.in_review, problem);
    if (commit && !commit(input, text)) ++failed;
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace salus::app
