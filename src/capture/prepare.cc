#include "capture/prepare.h"

#include <leptonica/allheaders.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <fmt/format.h>

namespace salus::capture {
namespace {

// The median height of character-sized components (lower case mostly) the page is scaled
// towards: about 10-12 pt print at 300 dpi. Reading cost follows the amount of text, not the
// pixels, so this is about accuracy: on the corpus 22 read as well as 30 or better.
constexpr double kPreferredTextHeight = 22;
// Below this many pixels per character the glyphs are not recoverable.
constexpr int kMinTextHeight = 8;
// Share of grey "transition" pixels among ink pixels above which text is too blurred to read.
constexpr double kMaxBlur = 0.9;

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;
struct BoxaDeleter {
  void operator()(Boxa* b) const { boxaDestroy(&b); }
};
using BoxaPtr = std::unique_ptr<Boxa, BoxaDeleter>;

PixPtr ToGray(Pix* pix) {
  switch (pixGetDepth(pix)) {
    case 8:
      return PixPtr(pixGetColormap(pix) ? pixConvertTo8(pix, 0) : pixCopy(nullptr, pix));
    case 32:
      return PixPtr(pixConvertRGBToLuminance(pix));
    default:
      return PixPtr(pixConvertTo8(pix, 0));
  }
}

// Median height of character-sized connected components, in pixels (0 when there is no text).
int MedianTextHeight(Pix* binary) {
  BoxaPtr boxes(pixConnCompBB(binary, 8));
  if (!boxes) return 0;
  std::vector<int> heights, without_dots;
  int n = boxaGetCount(boxes.get());
  for (int i = 0; i < n; ++i) {
    l_int32 x, y, w, h;
    boxaGetBoxGeometry(boxes.get(), i, &x, &y, &w, &h);
    // Letters and digits: taller than a speck, not a rule or a box, not wider than a few glyphs.
    if (h >= 5 && h <= 150 && w <= 2 * h && w >= 2) {
      heights.push_back(h);
      // Dotted leaders ("Glucose ........ 95") are rows of small squares that would pull the
      // median down to a dot's size; small text still has its tall letters here.
      bool dot = h <= 8 && 10 * w <= 13 * h && 10 * h <= 13 * w;
      if (!dot) without_dots.push_back(h);
    }
  }
  if (without_dots.size() >= 10) heights = std::move(without_dots);
  if (heights.size() < 10) return 0;
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  return heights[heights.size() / 2];
}

// A phone photo shows the page as a bright quadrilateral on a darker background. Finds it and
// maps it to an upright rectangle; returns null when the page fills the frame.
PixPtr CorrectPerspective(Pix* gray) {
  int w = pixGetWidth(gray), h = pixGetHeight(gray);
  double factor = std::min(1.0, 800.0 / std::max(w, h));
  PixPtr small(pixScaleAreaMap(gray, static_cast<float>(factor), static_cast<float>(factor)));
  if (!small) return nullptr;
  PixPtr th;
  {
    Pix* thresholds = nullptr;
    Pix* binary = nullptr;
    int sw = pixGetWidth(small.get()), sh = pixGetHeight(small.get());
    if (pixOtsuAdaptiveThreshold(small.get(), sw, sh, 0, 0, 0.1f, &thresholds, &binary) != 0)
      return nullptr;
    pixDestroy(&thresholds);
    th.reset(binary);
  }
  // Page pixels are bright: foreground of the inverted threshold image.
  PixPtr page(pixInvert(nullptr, th.get()));
  Pixa* parts = nullptr;
  BoxaPtr boxes(pixConnComp(page.get(), &parts, 4));
  if (!boxes || boxaGetCount(boxes.get()) == 0) {
    pixaDestroy(&parts);
    return nullptr;
  }
  int best = -1;
  int64_t best_area = 0;
  for (int i = 0; i < boxaGetCount(boxes.get()); ++i) {
    l_int32 x, y, bw, bh;
    boxaGetBoxGeometry(boxes.get(), i, &x, &y, &bw, &bh);
    if (static_cast<int64_t>(bw) * bh > best_area) {
      best_area = static_cast<int64_t>(bw) * bh;
      best = i;
    }
  }
  int sw = pixGetWidth(small.get()), sh = pixGetHeight(small.get());
  l_int32 bx, by, bw, bh;
  boxaGetBoxGeometry(boxes.get(), best, &bx, &by, &bw, &bh);
  // The page must be most of the photo, with background showing on every side: a page that
  // runs off the frame, or one darkened by a shadow, gives no quadrilateral to trust.
  bool inside = bx > 0.01 * sw && by > 0.01 * sh && bx + bw < 0.99 * sw && by + bh < 0.99 * sh;
  if (!inside || best_area < 0.25 * sw * sh) {
    pixaDestroy(&parts);
    return nullptr;
  }
  PixPtr blob(pixaGetPix(parts, best, L_CLONE));
  pixaDestroy(&parts);
  // Corners: the blob's extreme points along the two diagonals.
  double tl = 1e18, tr = -1e18, br = -1e18, bl = 1e18;
  double pts[4][2] = {};
  l_uint32* data = pixGetData(blob.get());
  int wpl = pixGetWpl(blob.get());
  for (int y = 0; y < bh; ++y) {
    l_uint32* line = data + y * wpl;
    for (int x = 0; x < bw; ++x) {
      if (!GET_DATA_BIT(line, x)) continue;
      double gx = bx + x, gy = by + y;
      if (gx + gy < tl) { tl = gx + gy; pts[0][0] = gx; pts[0][1] = gy; }
      if (gx - gy > tr) { tr = gx - gy; pts[1][0] = gx; pts[1][1] = gy; }
      if (gx + gy > br) { br = gx + gy; pts[2][0] = gx; pts[2][1] = gy; }
      if (gx - gy < bl) { bl = gx - gy; pts[3][0] = gx; pts[3][1] = gy; }
    }
  }
  for (auto& p : pts) {
    p[0] /= factor;
    p[1] /= factor;
  }
  auto dist = [&](int a, int b) { return std::hypot(pts[a][0] - pts[b][0], pts[a][1] - pts[b][1]); };
  double out_w = (dist(0, 1) + dist(3, 2)) / 2, out_h = (dist(0, 3) + dist(1, 2)) / 2;
  if (out_w < 100 || out_h < 100) return nullptr;
  out_w = std::min<double>(out_w, w);
  out_h = std::min<double>(out_h, h);
  Pta* src = ptaCreate(4);
  Pta* dst = ptaCreate(4);
  const double rect[4][2] = {{0, 0}, {out_w - 1, 0}, {out_w - 1, out_h - 1}, {0, out_h - 1}};
  for (int i = 0; i < 4; ++i) {
    ptaAddPt(src, static_cast<float>(pts[i][0]), static_cast<float>(pts[i][1]));
    ptaAddPt(dst, static_cast<float>(rect[i][0]), static_cast<float>(rect[i][1]));
  }
  PixPtr warped(pixProjectivePta(gray, dst, src, L_BRING_IN_WHITE));
  ptaDestroy(&src);
  ptaDestroy(&dst);
  if (!warped) return nullptr;
  BOX* clip = boxCreate(0, 0, static_cast<int>(out_w), static_cast<int>(out_h));
  PixPtr out(pixClipRectangle(warped.get(), clip, nullptr));
  boxDestroy(&clip);
  return out;
}

// Blur: among pixels that are clearly not paper, the share that are mid-grey transitions
// rather than ink. Sharp print is mostly ink; defocus widens every edge into grey.
double BlurIndex(Pix* gray) {
  l_uint32* data = pixGetData(gray);
  int wpl = pixGetWpl(gray), w = pixGetWidth(gray), h = pixGetHeight(gray);
  int64_t ink = 0, mid = 0;
  for (int y = 0; y < h; y += 2) {
    l_uint32* line = data + y * wpl;
    for (int x = 0; x < w; x += 2) {
      int v = GET_DATA_BYTE(line, x);
      if (v < 80) ++ink;
      else if (v < 170) ++mid;
    }
  }
  if (ink + mid == 0) return 1.0;
  return static_cast<double>(mid) / static_cast<double>(ink + mid);
}

// Text printed white on a dark band (an issuer's name on a card, a table's header row): the
// band is turned to dark on white, so that it reads as the rest of the page does. A band is a
// solid dark rectangle at least a fifth of the page wide and three times as wide as high, a
// quarter of the page high at most. A mid-grey band (captions white on grey) counts when it
// holds light marks — its text; a shadow over printed text is as grey but holds none. Returns
// how many were turned.
int InvertDarkBands(Pix* gray) {
  int w = pixGetWidth(gray), h = pixGetHeight(gray);
  int turned = 0;
  for (int level : {110, 160}) {
    PixPtr dark(pixThresholdToBinary(gray, level));
    if (!dark) return turned;
    // Solid areas only: an opening wider than any stroke takes away text, rules and box edges
    // (which would join a band to the frame around it).
    // A grey band's white captions can leave only thin strips of grey above and below them: for
    // grey bands the opening is long and low, keeping those strips (its shades are checked below).
    int brick = std::max(9, std::min(w, h) / 60);
    PixPtr binary(level > 110 ? pixOpenBrick(nullptr, dark.get(), 3 * brick, 5)
                              : pixOpenBrick(nullptr, dark.get(), brick, brick));
    if (!binary) return turned;
    Boxa* raw = nullptr;
    Pixa* comps = nullptr;
    raw = pixConnComp(binary.get(), &comps, 8);
    int n = raw ? boxaGetCount(raw) : 0;
    for (int i = 0; i < n && turned < 8; ++i) {
      l_int32 bx, by, bw, bh;
      if (boxaGetBoxGeometry(raw, i, &bx, &by, &bw, &bh) != 0) continue;
      if (bw < w / 5 || bh < 12 || bh > h / 4 || bw < 3 * bh) continue;
      Pix* comp = pixaGetPix(comps, i, L_CLONE);
      l_int32 ink = 0;
      pixCountPixels(comp, &ink, nullptr);
      pixDestroy(&comp);
      // A band is a rectangle: a wedge of dark background beside a photographed page is not,
      // and turning its bounding box would turn the page's text beside it.
      // (White captions on a grey band take a larger share of it than a heading does of a dark
      // one: the grey band's is checked by its shades below.)
      if (static_cast<double>(ink) < (level > 110 ? 0.7 : 0.85) * bw * bh) continue;
      BOX* region = boxCreate(bx, by, bw, bh);
      Pix* band = pixClipRectangle(gray, region, nullptr);
      boxDestroy(&region);
      if (!band) continue;
      bool light_marks = true;
      if (level > 110) {
        // A grey band with white text: mostly grey, a few percent white (its text), no black (a
        // shadow over printed text has the text's black).
        auto share_below = [&](int shade) {
          l_int32 count = 0;
          PixPtr under(pixThresholdToBinary(band, shade));
          if (!under || pixCountPixels(under.get(), &count, nullptr) != 0) return -1.0;
          return static_cast<double>(count) / (static_cast<double>(bw) * bh);
        };
        double grey = share_below(level), light = 1.0 - share_below(200), black = share_below(60);
        light_marks = grey >= 0.55 && light >= 0.02 && light <= 0.45 && black >= 0 && black <= 0.03;
      }
      if (light_marks && level == 110) {
        pixInvert(band, band);
        pixRasterop(gray, bx, by, bw, bh, PIX_SRC, band, 0, 0);
        ++turned;
      } else if (light_marks) {
        // A grey band's text is made black on white, and its rim (a band straightened with its
        // page leaves grey slivers along its edges, read as "|" or "[") white: grey pixels
        // within a few pixels round the band go, what is darker (a value printed close under
        // it) stays.
        l_uint32 median = 0;
        pixGetRankValue(band, 1, 0.5f, &median);
        int margin = std::max(3, bh / 8);
        int x0 = std::max(0, bx - margin), y0 = std::max(0, by - margin);
        int x1 = std::min(w, bx + bw + margin), y1 = std::min(h, by + bh + margin);
        for (int y = y0; y < y1; ++y)
          for (int x = x0; x < x1; ++x) {
            l_uint32 v = 0;
            pixGetPixel(gray, x, y, &v);
            bool inside = x >= bx && x < bx + bw && y >= by && y < by + bh;
            if (inside)
              pixSetPixel(gray, x, y, v >= 200 ? 0 : 255);
            else if (v + 50 >= median && v < 200)
              pixSetPixel(gray, x, y, 255);
          }
        ++turned;
      }
      pixDestroy(&band);
    }
    boxaDestroy(&raw);
    pixaDestroy(&comps);
  }
  return turned;
}

}  // namespace

Result<PreparedPage> Prepare(const Image& input) {
  if (!input) return std::unexpected(Error::Invalid("the page has no image"));
  PreparedPage out;
  PixPtr gray = ToGray(input.pix());
  if (!gray) return std::unexpected(Error::Internal("could not convert the page to grey"));

  if (PixPtr flat = CorrectPerspective(gray.get())) {
    gray = std::move(flat);
    out.perspective_corrected = true;
  }
  // Before the background is estimated: a dark band would pass for background. A band tilted
  // with a skewed page is no rectangle: on a skewed page the bands are looked for on the page
  // straightened first, which is kept when some were found.
  bool banded = false;
  if (PixPtr ink{pixThresholdToBinary(gray.get(), 140)}) {
    l_float32 angle = 0, conf = 0;
    if (pixFindSkew(ink.get(), &angle, &conf) == 0 && conf > 2.0f && std::fabs(angle) > 0.15f &&
        std::fabs(angle) < 6) {
      PixPtr straight(pixRotate(gray.get(), static_cast<float>(angle * M_PI / 180.0), L_ROTATE_SHEAR,
                                L_BRING_IN_WHITE, 0, 0));
      if (straight && InvertDarkBands(straight.get()) > 0) {
        gray = std::move(straight);
        out.skew_degrees = angle;
        banded = true;
      }
    }
  }
  if (!banded) InvertDarkBands(gray.get());
  // Shadows and uneven light: divide by the estimated background (Leptonica's adaptive
  // background normalisation), so paper is uniformly light.
  // The normalised background sits at 200; a linear map brings it back to white.
  if (PixPtr normalised{pixBackgroundNormSimple(gray.get(), nullptr, nullptr)}) {
    pixGammaTRC(normalised.get(), normalised.get(), 1.0f, 0, 200);
    gray = std::move(normalised);
  }

  // The background is white now: a fixed threshold separates ink for the measurements below.
  PixPtr binary(pixThresholdToBinary(gray.get(), 140));
  out.text_height = MedianTextHeight(binary.get());
  if (out.text_height == 0) {
    out.problem = "no text was found on the page; photograph the document so that it fills the frame";
  } else if (out.text_height < kMinTextHeight) {
    out.problem = fmt::format(
        "the text is too small to read ({} pixels high); retake the photo closer or scan at 300 dpi",
        out.text_height);
  }

  // Upright: Leptonica's text orientation test (ascenders vs descenders) on the binary page,
  // first at half resolution (five times cheaper; on the corpus it decided half the pages and
  // none wrongly), then at full resolution when that was not decisive.
  l_float32 upconf = 0, leftconf = 0;
  l_int32 orient = L_TEXT_ORIENT_UNKNOWN;
  bool tested = false;
  if (PixPtr half{pixReduceRankBinary2(binary.get(), 1, nullptr)}) {
    tested = pixOrientDetect(half.get(), &upconf, &leftconf, 0, 0) == 0 &&
             makeOrientDecision(upconf, leftconf, 0, 0, &orient, 0) == 0;
  }
  if (orient == L_TEXT_ORIENT_UNKNOWN)
    tested = pixOrientDetect(binary.get(), &upconf, &leftconf, 0, 0) == 0 &&
             makeOrientDecision(upconf, leftconf, 0, 0, &orient, 0) == 0;
  if (tested) {
    int quads = 0;
    switch (orient) {
      case L_TEXT_ORIENT_LEFT: quads = 1; break;   // text reads bottom-to-top: turn clockwise
      case L_TEXT_ORIENT_DOWN: quads = 2; break;
      case L_TEXT_ORIENT_RIGHT: quads = 3; break;
      default: break;
    }
    if (quads) {
      gray.reset(pixRotateOrth(gray.get(), quads));
      binary.reset(pixRotateOrth(binary.get(), quads));
      out.rotation = quads * 90;
    }
    out.orientation_certain = orient != L_TEXT_ORIENT_UNKNOWN;
  }

  l_float32 angle = 0, conf = 0;
  if (pixFindSkew(binary.get(), &angle, &conf) == 0 && conf > 2.0f && std::fabs(angle) > 0.15f) {
    // Shear rotation moves whole pixels: for the few degrees of a skewed scan it is much faster
    // than area mapping on a 300 dpi page, and text keeps its edges.
    PixPtr rotated(pixRotate(gray.get(), static_cast<float>(angle * M_PI / 180.0),
                             std::fabs(angle) < 6 ? L_ROTATE_SHEAR : L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
    if (rotated) {
      gray = std::move(rotated);
      out.skew_degrees += angle;
    }
  }

  if (out.text_height > 0 && !out.problem) {
    double scale = kPreferredTextHeight / out.text_height;
    if (scale > 1.3 || scale < 0.6) {
      scale = std::clamp(scale, 0.5, 3.0);
      PixPtr scaled(scale > 1 ? pixScaleGrayLI(gray.get(), static_cast<float>(scale), static_cast<float>(scale))
                              : pixScaleAreaMap(gray.get(), static_cast<float>(scale), static_cast<float>(scale)));
      if (scaled) {
        gray = std::move(scaled);
        out.scale = scale;
      }
    }
  }
  out.blur = BlurIndex(gray.get());
  if (!out.problem && out.blur > kMaxBlur)
    out.problem = "the photo is too blurred to read; hold the camera still and retake it";
  int dpi = input.dpi() > 0 ? input.dpi() : 300;
  pixSetResolution(gray.get(), static_cast<int>(dpi * out.scale), static_cast<int>(dpi * out.scale));
  out.gray = Image(gray.release());
  return out;
}

}  // namespace salus::capture
