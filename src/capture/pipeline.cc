#include "capture/pipeline.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <fmt/format.h>

#include "capture/layout.h"
#include "capture/prepare.h"
#include "core/time.h"

namespace salus::capture {
namespace {

std::string Alnum(std::string_view s) {
  std::string out;
  for (unsigned char c : s)
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::toupper(c)));
  return out;
}

// Characters a second reading of a field may contain.
std::optional<std::string> RereadWhitelist(const Field& f) {
  switch (f.kind) {
    case ValueKind::kPhone: return "0123456789()-. +";
    case ValueKind::kNumber: return "0123456789.-<>";
    case ValueKind::kIdentifier: return "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
    case ValueKind::kDate:
      if (std::none_of(f.raw.begin(), f.raw.end(), [](unsigned char c) { return std::isalpha(c); }))
        return "0123456789/-.";
      return std::nullopt;
    default: return std::nullopt;
  }
}

// How much readable text the reader finds in `image`: letters and digits of words it is fairly
// sure of.
double ReadableText(OcrEngine& engine, const Image& image, const Box& region, int timeout_ms) {
  OcrOptions o;
  o.segmentation = Segmentation::kSparse;
  o.timeout_ms = timeout_ms;
  auto words = engine.ReadRegion(image, region, o);
  if (!words) return 0;
  double score = 0;
  for (const Word& w : *words) {
    int alnum = 0;
    for (unsigned char c : w.text) alnum += std::isalnum(c) ? 1 : 0;
    if (alnum >= 3 && w.confidence >= 0.6f) score += alnum * w.confidence;
  }
  return score;
}

// When the layout test could not tell which way is up: the turn the reader reads best, judged
// on the inkiest 800 x 800 pixels of the page. The page as it stands is tried first and kept
// when it reads well (most pages are upright), else all four turns are compared. When the page
// as it stands has already read as noise (`upright_failed`), all four are compared: capitals
// upside down (S, O, N, H, X, Z) can read well on a small region.
// A page not much bigger than the window (a card) is judged whole: a window cut across a card's
// printed frame leaves an open box the reader can read as noise even the right way up. When no
// window reads well, the whole page is tried the four ways before the best of the windows is
// taken.
int BestQuarterTurn(OcrEngine& engine, const Image& page, int timeout_ms, bool upright_failed = false) {
  // About four confident words' worth of letters and digits.
  constexpr double kReadsWell = 30;
  constexpr int kSide = 800;
  bool small = static_cast<int64_t>(page.width()) * page.height() <= 2 * int64_t{kSide} * kSide;
  int best = 0;
  double best_score = -1;
  for (bool whole : {small, true}) {
    for (int q = 0; q < 4; ++q) {
      Image turned = RotateQuarters(page, q);
      Box region = whole ? Box{0, 0, turned.width(), turned.height()} : DensestRegion(turned, kSide);
      double score = ReadableText(engine, turned, region, timeout_ms);
      if (q == 0 && score >= kReadsWell && !upright_failed) return 0;
      if (score > best_score) {
        best_score = score;
        best = q;
      }
    }
    if (whole || best_score >= kReadsWell) break;
  }
  return best;
}

}  // namespace

// Letters and digits that look alike in many fonts (O 0, I 1, S 5, B 8, Z 2): where an
// identifier mixes letters and digits and one of these stands at the change from one to the
// other, no reading can be sure which was printed ("NWI781" or "NW1781").
// The same holds for an e-mail address's local part in lower case (l 1, o 0, i 1:
// "kmbeki11" or "kmbekil1"), and for a capital I read in it (l or i).
bool AmbiguousIdentifier(const Field& f) {
  if (f.from_text_layer) return false;
  bool email = f.kind == ValueKind::kEmail;
  if (f.kind != ValueKind::kIdentifier && !email) return false;
  const std::string v = email ? f.value.substr(0, f.value.find('@')) : f.value;
  // A capital I read in an address printed in lower case is an l or an i the reader could not
  // tell apart ("Inakamura44" for "lnakamura44").
  if (email) {
    std::string_view raw_local = std::string_view(f.raw).substr(0, f.raw.find('@'));
    if (raw_local.find_first_of("I|") != std::string_view::npos) return true;
  }
  auto lookalike = [email](char c) {
    return std::string_view(email ? "oil10" : "OI0158SBZ2").find(c) != std::string_view::npos;
  };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto is_alpha = [email](char c) { return email ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z'); };
  for (size_t i = 0; i < v.size(); ++i) {
    if (!lookalike(v[i])) continue;
    bool prev_other = i > 0 && (is_digit(v[i]) ? is_alpha(v[i - 1]) : is_digit(v[i - 1]));
    bool next_other = i + 1 < v.size() && (is_digit(v[i]) ? is_alpha(v[i + 1]) : is_digit(v[i + 1]));
    if (prev_other || next_other) return true;
  }
  return false;
}

double RawFieldScore(const Field& f) {
  double s = f.from_text_layer ? 0.99 : std::clamp<double>(f.ocr_confidence, 0.0, 1.0);
  if (f.has_check && !f.checked) s *= 0.3;
  if (f.reread == 1) s = 1 - (1 - s) * 0.5;
  if (f.reread == 0) s *= 0.5;
  // A second reading by the same reader does not settle which look-alike was printed.
  if (AmbiguousIdentifier(f)) s = std::min(s, 0.75);
  return std::clamp(s, 0.0, 1.0);
}

double FieldConfidence(const Field& f) {
  // Observed share right per raw-score bin on the corpus (bench_capture_accuracy, both splits,
  // 78 documents, 1038 fields; see bench/results): a monotone piecewise-linear map from the raw
  // score to that share. Refit when the pipeline changes.
  struct Knot {
    double raw, calibrated;
  };
  static constexpr Knot kKnots[] = {{0.0, 0.15}, {0.3, 0.25}, {0.5, 0.5}, {0.7, 0.9},
                                    {0.8, 0.97}, {0.9, 0.985}, {0.95, 0.994}, {0.98, 0.998},
                                    {1.0, 0.999}};
  double s = RawFieldScore(f);
  for (size_t i = 1; i < std::size(kKnots); ++i)
    if (s <= kKnots[i].raw) {
      const Knot& a = kKnots[i - 1];
      const Knot& b = kKnots[i];
      return a.calibrated + (s - a.raw) / (b.raw - a.raw) * (b.calibrated - a.calibrated);
    }
  return kKnots[std::size(kKnots) - 1].calibrated;
}

Result<CaptureResult> Capture(std::string_view bytes, OcrEngine& engine,
                              const CaptureOptions& options) {
  auto pages = Decode(bytes, options.limits);
  if (!pages) return std::unexpected(pages.error());
  std::string today = options.today.empty() ? FormatInstant(SystemClock().Now()).substr(0, 10) : options.today;

  CaptureResult result;
  std::vector<Layout> layouts;
  std::vector<Image> images;  // the prepared page each layout's boxes refer to
  std::vector<bool> garbage;
  for (Page& page : *pages) {
    PageReport report;
    if (!page.text_layer.empty()) {
      report.text_layer = true;
      report.words = static_cast<int>(page.text_layer.size());
      std::vector<Checkbox> boxes = page.image ? FindCheckboxes(page.image) : std::vector<Checkbox>{};
      layouts.push_back(BuildLayout(std::move(page.text_layer), std::move(boxes), page.width, page.height));
      images.push_back(std::move(page.image));
      garbage.push_back(false);
      result.pages.push_back(std::move(report));
      continue;
    }
    auto prepared = Prepare(page.image);
    if (!prepared) return std::unexpected(prepared.error());
    report.rotation = prepared->rotation;
    report.skew_degrees = prepared->skew_degrees;
    report.perspective_corrected = prepared->perspective_corrected;
    report.scale = prepared->scale;
    report.blur = prepared->blur;
    report.text_height = prepared->text_height;
    report.problem = prepared->problem;
    if (report.problem) {
      layouts.push_back(Layout{});
      images.emplace_back();
      garbage.push_back(true);
      result.pages.push_back(std::move(report));
      continue;
    }
    // Too little text for the layout test (cards, sparse forms): the reader decides which way is
    // up before the page is read. (A rotated page read as it stands can look like text.)
    if (!prepared->orientation_certain) {
      if (int q = BestQuarterTurn(engine, prepared->gray, options.page_timeout_ms); q != 0) {
        prepared->gray = RotateQuarters(prepared->gray, q);
        report.rotation = (report.rotation + 90 * q) % 360;
      }
    }
    OcrOptions ocr;
    ocr.timeout_ms = options.page_timeout_ms;
    // Forms and cards are scattered fields rather than flowing text; Tesseract's sparse mode
    // found more of them on the corpus (87.6% vs 85.6% field accuracy, same speed).
    ocr.segmentation = Segmentation::kSparse;
    auto words = engine.Read(prepared->gray, ocr);
    if (!words) return std::unexpected(words.error());
    std::vector<Checkbox> boxes = FindCheckboxes(prepared->gray);
    Layout layout = BuildLayout(std::move(*words), std::move(boxes), prepared->gray.width(),
                                prepared->gray.height());
    // The layout test can be sure and wrong (underlined fields fool it), and the reader's quick
    // look can be fooled too: a page that reads as noise is tried the other ways up before it
    // is given up.
    if (LooksLikeGarbage(layout)) {
      if (int q = BestQuarterTurn(engine, prepared->gray, options.page_timeout_ms, true); q != 0) {
        prepared->gray = RotateQuarters(prepared->gray, q);
        report.rotation = (report.rotation + 90 * q) % 360;
        words = engine.Read(prepared->gray, ocr);
        if (!words) return std::unexpected(words.error());
        layout = BuildLayout(std::move(*words), FindCheckboxes(prepared->gray), prepared->gray.width(),
                             prepared->gray.height());
      }
    }
    for (const Line& line : layout.lines)
      for (const Phrase& p : line.phrases) report.words += static_cast<int>(p.words.size());
    report.garbage = LooksLikeGarbage(layout);
    if (report.garbage)
      report.problem = "the page does not read as a document; retake the photo in good light, "
                       "with the whole page in the frame";
    garbage.push_back(report.garbage);
    layouts.push_back(std::move(layout));
    images.push_back(std::move(prepared->gray));
    result.pages.push_back(std::move(report));
  }
  result.unreadable = std::all_of(garbage.begin(), garbage.end(), [](bool g) { return g; });
  if (result.unreadable) return result;

  if (options.on_layouts) options.on_layouts(layouts);
  result.classification = Classify(layouts);
  result.fields = Extract(layouts, result.classification, today);
  for (Field& f : result.fields) {
    f.from_text_layer = result.pages[f.page].text_layer;
    if (options.reread && !f.from_text_layer && images[f.page]) {
      if (auto whitelist = RereadWhitelist(f)) {
        int pad = std::max(4, f.box.h / 3);
        Box crop{std::max(0, f.box.x - pad), std::max(0, f.box.y - pad), f.box.w + 2 * pad, f.box.h + 2 * pad};
        crop.w = std::min(crop.w, images[f.page].width() - crop.x);
        crop.h = std::min(crop.h, images[f.page].height() - crop.y);
        OcrOptions o;
        o.segmentation = Segmentation::kSingleLine;
        o.whitelist = *whitelist;
        o.timeout_ms = 2000;
        if (auto again = engine.ReadRegion(images[f.page], crop, o)) {
          std::string text;
          for (const Word& w : *again) text += w.text;
          std::string a = Alnum(text), b = Alnum(f.raw);
          f.reread = !a.empty() && (a == b || a.find(b) != std::string::npos) ? 1 : 0;
        }
      }
    }
    if (garbage[f.page]) f.ocr_confidence = std::min(f.ocr_confidence, 0.3f);
    f.confidence = FieldConfidence(f);
  }
  return result;
}

}  // namespace salus::capture
