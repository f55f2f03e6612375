// Stage 1 of the capture pipeline: bytes of a photo, scan or PDF -> page images (and, for a PDF
// with a text layer, the words it already holds). Limits are checked before pixels are
// decoded: a file's header says how large its pages are, and a page beyond the limits is
// refused without being decoded.
// Thread-safety: Decode is reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "capture/image.h"
#include "core/result.h"

namespace salus::capture {

struct DecodeLimits {
  size_t max_bytes = 20u << 20;           // the file
  int max_pages = 20;
  int64_t max_page_pixels = 50'000'000;   // one page as decoded (a 12 MP phone photo is fine)
  int64_t max_total_pixels = 300'000'000;
  int min_side = 200;                     // pixels; smaller cannot hold a readable document
  int pdf_dpi = 300;                      // rendering resolution for PDF pages without text
  // When set, PDFs are parsed and rendered in a child process, `<pdf_sandbox> internal-decode-pdf`,
  // under memory and CPU limits and a wall-clock deadline: a hostile PDF (a decompression bomb,
  // a page of endless drawing) costs that child, never the server. Images are decoded in-process:
  // their sizes are checked from headers before any pixel is.
  std::string pdf_sandbox;
  int sandbox_seconds = 20;
  size_t sandbox_memory = size_t{2} << 30;
};

// A word with its box in page pixels and the reader's confidence in [0, 1].
struct Word {
  std::string text;
  Box box;
  float confidence = 0;
};

struct Page {
  Image image;                   // empty for a PDF page whose text layer is used
  std::vector<Word> text_layer;  // words from a PDF's text layer, boxes at `dpi`
  int width = 0, height = 0;     // pixels at `dpi`
  int dpi = 0;                   // 0 when the file did not say
};

enum class FileKind { kPng, kJpeg, kTiff, kPdf, kUnknown };
// Recognises a file by its first bytes, whatever its declared media type.
FileKind Sniff(std::string_view bytes);
const char* FileKindName(FileKind kind);
// image/png, image/jpeg, image/tiff, application/pdf (application/octet-stream when unknown).
const char* MediaTypeOf(FileKind kind);

// The child's side of the PDF sandbox: reads a PDF on stdin, writes its pages to stdout, and
// returns the process exit code. For `salus internal-decode-pdf` only.
int RunPdfSandboxChild();

// Pages in the file, from its structure alone (TIFF directories; for a PDF, an estimate from its
// bytes without parsing it: PDFs are parsed only in the sandbox); 1 for other images, 0 when
// unreadable. Cheap: decides between answering at once and the async pattern.
int PageCount(std::string_view bytes);

// Errors are kInvalid with an issue code: "too-costly" (a limit), "not-supported" (not an image
// or PDF we read), "invalid" (damaged, encrypted, empty).
Result<std::vector<Page>> Decode(std::string_view bytes, const DecodeLimits& limits = {});

}  // namespace salus::capture
