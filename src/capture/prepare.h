// Stage 2: a decoded page image -> an upright, flat, deskewed grey page at a resolution that
// suits the text reader, plus a judgement of whether it can be read at all.
// Thread-safety: Prepare is reentrant.
#pragma once

#include <optional>
#include <string>

#include "capture/image.h"
#include "core/result.h"

namespace salus::capture {

struct PreparedPage {
  Image gray;                        // 8 bpp, upright, deskewed, background flattened
  int rotation = 0;                  // degrees clockwise applied: 0, 90, 180, 270
  // False when the page had too little text for the layout test to tell which way is up (cards,
  // sparse forms): the reader decides then (pipeline.cc).
  bool orientation_certain = false;
  float skew_degrees = 0;            // skew removed
  bool perspective_corrected = false;
  double scale = 1.0;                // applied to reach the reader's preferred text height
  int text_height = 0;               // median character height before scaling, pixels
  double blur = 0;                   // share of edge pixels in grey transition (0 sharp .. 1)
  // Set when the page cannot be read reliably: what to do instead ("retake the photo ...").
  std::optional<std::string> problem;
};

Result<PreparedPage> Prepare(const Image& page);

}  // namespace salus::capture
