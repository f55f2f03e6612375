// The capture pipeline: a document's bytes -> its kind and checked fields with calibrated
// confidences. Stages: decode, prepare, OCR (or a PDF's text layer), layout, classify,
// extract, second reading of structured fields, confidence.
// Thread-safety: Capture is reentrant given distinct engines; an OcrEngine is single-threaded.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/decode.h"
#include "capture/extract.h"
#include "capture/layout.h"
#include "capture/ocr.h"
#include "core/result.h"

namespace salus::capture {

struct CaptureOptions {
  DecodeLimits limits;
  std::string today;         // YYYY-MM-DD; empty for the current UTC date
  bool reread = true;        // second reading of structured fields
  int page_timeout_ms = 20'000;
  // Development only (bench/capture_accuracy --layout): sees the pages' layouts before extraction.
  // Never set by the server: layouts hold the document's text.
  std::function<void(const std::vector<Layout>&)> on_layouts;
};

struct PageReport {
  int rotation = 0;
  float skew_degrees = 0;
  bool perspective_corrected = false;
  bool text_layer = false;
  double scale = 1;
  double blur = 0;
  int text_height = 0;
  int words = 0;
  bool garbage = false;
  std::optional<std::string> problem;  // what to do instead ("retake the photo ...")
};

struct CaptureResult {
  Classification classification;
  std::vector<Field> fields;
  std::vector<PageReport> pages;
  // True when no page could be read; the document goes to review with the pages' problems.
  bool unreadable = false;
};

Result<CaptureResult> Capture(std::string_view bytes, OcrEngine& engine,
                              const CaptureOptions& options = {});

// The calibrated probability that a field is right, from its evidence (OCR confidence, check,
// second reading). Calibrated on the project's corpus (bench/capture_accuracy).
double FieldConfidence(const Field& field);
// The uncalibrated score FieldConfidence maps: OCR confidence, lowered by a failed check or a
// disagreeing second reading, raised by an agreeing one.
double RawFieldScore(const Field& field);

}  // namespace salus::capture
