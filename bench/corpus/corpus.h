// Synthetic patient documents with ground truth, for the capture pipeline's tests and its
// accuracy benchmark. Every person, payer, identifier and phone number is invented (phone
// numbers in the fictional 555-01xx range, e-mail at example.org); each page says it is a
// sample.
//
// A document is drawn with cairo + pango, rasterised at a chosen resolution, optionally
// degraded with Leptonica (skew, rotation, blur, noise, shadow, JPEG artefacts, low
// resolution, a phone photo's perspective), and encoded as PNG, JPEG, TIFF or PDF (with or
// without a text layer). Not thread-safe: call from one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace salus::corpus {

// Layouts and fonts used while developing the pipeline ("dev"), those kept out of that loop
// to check that accuracy generalises ("holdout": its failures were looked at once, after the
// first measurement), layouts written after the pipeline was tuned and measured without any
// change made for them ("fresh"; later looked at), and two more written after the changes made
// for fresh and measured once ("fresh2"; later looked at), and four more (with fonts of their
// own) written after fresh2's measurement and before any change made from its failures, to be
// measured once ("fresh3"; later looked at); and four more, written after fresh3's
// measurement and before any change made from its failures ("fresh4"); and four more, with
// fonts of their own, written after fresh4's blind measurement and before looking at its
// failures ("fresh5"); and four more, in fonts other splits use but in new layouts (questions,
// sentences, clinicians' abbreviations), written after the changes made from fresh5 ("fresh6");
// and four more written after the changes made from fresh6 ("fresh7"); and four more written
// after fresh7's blind measurement, before looking at its failures ("fresh8"); and four more
// written after fresh8's blind measurement, before reading its failures ("fresh9"); and four
// more written after fresh9's blind measurement, before reading its failures ("fresh10"); and
// four more written after fresh10's blind measurement, before reading its failures ("fresh11");
// and four more written after fresh11's blind measurement, before reading its failures ("fresh12");
// and four more written after fresh12's blind measurement, before reading its failures ("fresh13");
// and four more written after fresh13's blind measurement, before reading its failures ("fresh14");
// and four more written after fresh14's blind measurement, before reading its failures ("fresh15");
// and four more written after fresh15's blind measurement, before reading its failures ("fresh16").
enum class Split { kDev, kHoldout, kFresh, kFresh2, kFresh3, kFresh4, kFresh5, kFresh6, kFresh7, kFresh8, kFresh9, kFresh10, kFresh11, kFresh12, kFresh13, kFresh14, kFresh15, kFresh16, kFresh17, kFresh18, kFresh19, kFresh20, kFresh21, kFresh22, kFresh23, kFresh24, kFresh25, kFresh26, kFresh27, kFresh28, kFresh29, kFresh30 };
inline constexpr Split kLastSplit = Split::kFresh30;
const char* SplitName(Split split);

enum class Degradation {
  kClean,
  kSkew,        // rotated by 1-4 degrees
  kRotated,     // rotated by 90, 180 or 270 degrees
  kBlur,        // slight defocus
  kNoise,       // sensor noise
  kShadow,      // uneven illumination
  kJpeg,        // heavy JPEG artefacts (quality 20-30)
  kLowRes,      // 150 dpi
  kPhoto,       // perspective, background, shadow and JPEG: a phone photo of the page
};

enum class Format { kPng, kJpeg, kTiff, kPdfText, kPdfImage };

const char* DegradationName(Degradation d);
const char* FormatName(Format f);
const char* FormatExtension(Format f);

// Ground truth. `fields` maps a field key to its expected value in normal form: dates
// YYYY-MM-DD, gender male|female|other|unknown, phone as 10 digits, codes as printed.
// List items are keyed with an index: "allergy.0", "medication.1.strength", "lab.2.value".
struct Truth {
  std::string kind;    // intake, insurance_card, lab_report, medication_list, referral
  std::string layout;  // e.g. intake-left
  Split split = Split::kDev;
  std::string font;
  Degradation degradation = Degradation::kClean;
  Format format = Format::kPng;
  int pages = 1;
  std::map<std::string, std::string> fields;
};

std::string TruthToJson(const Truth& truth);

struct Sample {
  Truth truth;
  std::string bytes;       // the encoded file
  std::string media_type;  // image/png, application/pdf ...
};

struct SampleSpec {
  std::string layout;  // one of Layouts()
  Degradation degradation = Degradation::kClean;
  Format format = Format::kPng;
  uint64_t seed = 1;
};

struct LayoutInfo {
  std::string name;
  std::string kind;
  Split split;
};
const std::vector<LayoutInfo>& Layouts();

// Renders one document. Throws std::runtime_error on an unknown layout.
Sample Generate(const SampleSpec& spec);

// A deterministic mix over every layout, degradation and format for the given split,
// `count` documents long.
std::vector<SampleSpec> Mix(Split split, int count, uint64_t seed);

}  // namespace salus::corpus
