#include "corpus.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <leptonica/allheaders.h>

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "core/json.h"
#include "layouts.h"

namespace salus::corpus {
namespace {

using internal::Canvas;
using internal::Content;
using internal::LayoutDef;
using internal::Rng;

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

const std::vector<std::string>& Fonts(Split split) {
  static const std::vector<std::string> kDev = {"DejaVu Sans", "Liberation Sans",
                                                "Liberation Serif"};
  static const std::vector<std::string> kHoldout = {"FreeSans", "FreeSerif", "DejaVu Serif"};
  static const std::vector<std::string> kFresh = {"Liberation Mono", "DejaVu Sans Condensed", "FreeMono"};
  static const std::vector<std::string> kFresh2 = {"DejaVu Serif Condensed", "DejaVu Sans Light"};
  static const std::vector<std::string> kFresh3 = {"Nimbus Sans Narrow", "URW Bookman", "C059"};
  static const std::vector<std::string> kFresh4 = {"Nimbus Sans", "P052", "URW Gothic"};
  static const std::vector<std::string> kFresh5 = {"Nimbus Roman", "Nimbus Mono PS", "DejaVu Sans Mono"};
  static const std::vector<std::string> kFresh6 = {"Liberation Serif", "URW Gothic", "FreeMono"};
  static const std::vector<std::string> kFresh7 = {"DejaVu Serif", "Nimbus Sans Narrow", "C059"};
  static const std::vector<std::string> kFresh8 = {"FreeSans", "Liberation Mono", "URW Bookman"};
  static const std::vector<std::string> kFresh9 = {"P052", "DejaVu Sans Condensed", "Nimbus Sans"};
  static const std::vector<std::string> kFresh10 = {"Nimbus Roman", "Liberation Sans", "DejaVu Sans Mono"};
  static const std::vector<std::string> kFresh11 = {"URW Bookman", "FreeSans", "Nimbus Mono PS"};
  static const std::vector<std::string> kFresh12 = {"FreeSerif", "Nimbus Sans Narrow", "DejaVu Sans"};
  static const std::vector<std::string> kFresh13 = {"Liberation Sans", "C059", "URW Gothic"};
  static const std::vector<std::string> kFresh14 = {"DejaVu Serif", "Liberation Mono", "Nimbus Sans"};
  static const std::vector<std::string> kFresh15 = {"Nimbus Roman", "FreeMono", "Liberation Serif"};
  static const std::vector<std::string> kFresh16 = {"Liberation Sans", "DejaVu Serif Condensed", "Nimbus Mono PS"};
  static const std::vector<std::string> kFresh17 = {"URW Gothic", "FreeSerif", "DejaVu Sans Mono"};
  static const std::vector<std::string> kFresh18 = {"Nimbus Sans Narrow", "Liberation Serif", "FreeMono"};
  static const std::vector<std::string> kFresh19 = {"C059", "DejaVu Sans", "Nimbus Mono PS"};
  static const std::vector<std::string> kFresh20 = {"P052", "Liberation Sans", "DejaVu Serif Condensed"};
  static const std::vector<std::string> kFresh21 = {"Nimbus Sans", "FreeSerif", "Liberation Mono"};
  static const std::vector<std::string> kFresh22 = {"DejaVu Sans Condensed", "URW Bookman", "FreeMono"};
  static const std::vector<std::string> kFresh23 = {"Liberation Serif", "Nimbus Sans Narrow", "DejaVu Sans Mono"};
  static const std::vector<std::string> kFresh24 = {"C059", "FreeSans", "Liberation Mono"};
  static const std::vector<std::string> kFresh25 = {"URW Gothic", "DejaVu Serif", "Nimbus Mono PS"};
  static const std::vector<std::string> kFresh26 = {"P052", "Nimbus Sans", "FreeMono"};
  static const std::vector<std::string> kFresh27 = {"Nimbus Roman", "URW Bookman", "DejaVu Sans Condensed"};
  static const std::vector<std::string> kFresh28 = {"Liberation Sans", "C059", "Nimbus Mono PS"};
  static const std::vector<std::string> kFresh29 = {"FreeSerif", "URW Gothic", "DejaVu Sans Mono"};
  static const std::vector<std::string> kFresh30 = {"DejaVu Serif Condensed", "Nimbus Sans Narrow", "P052"};
  return split == Split::kDev       ? kDev
         : split == Split::kHoldout ? kHoldout
         : split == Split::kFresh   ? kFresh
         : split == Split::kFresh2  ? kFresh2
         : split == Split::kFresh3  ? kFresh3
         : split == Split::kFresh4  ? kFresh4
         : split == Split::kFresh5  ? kFresh5
         : split == Split::kFresh6  ? kFresh6
         : split == Split::kFresh7  ? kFresh7
         : split == Split::kFresh8  ? kFresh8
         : split == Split::kFresh9  ? kFresh9
         : split == Split::kFresh10 ? kFresh10
         : split == Split::kFresh11 ? kFresh11
         : split == Split::kFresh12 ? kFresh12
         : split == Split::kFresh13 ? kFresh13
         : split == Split::kFresh14 ? kFresh14
         : split == Split::kFresh15 ? kFresh15
         : split == Split::kFresh16 ? kFresh16
         : split == Split::kFresh17 ? kFresh17
         : split == Split::kFresh18 ? kFresh18
         : split == Split::kFresh19 ? kFresh19
         : split == Split::kFresh20 ? kFresh20
         : split == Split::kFresh21 ? kFresh21
         : split == Split::kFresh22 ? kFresh22
         : split == Split::kFresh23 ? kFresh23
         : split == Split::kFresh24 ? kFresh24
         : split == Split::kFresh25 ? kFresh25
         : split == Split::kFresh26 ? kFresh26
         : split == Split::kFresh27 ? kFresh27
         : split == Split::kFresh28 ? kFresh28
         : split == Split::kFresh29 ? kFresh29
                                    : kFresh30;
}

const LayoutDef& FindLayout(const std::string& name) {
  for (const LayoutDef& def : internal::LayoutDefs())
    if (name == def.name) return def;
  throw std::runtime_error("unknown layout " + name);
}

double Uniform(Rng& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

PixPtr Raster(const LayoutDef& def, const Content& content, const std::string& font, int dpi) {
  int w = static_cast<int>(std::ceil(def.width_pt * dpi / 72.0));
  int h = static_cast<int>(std::ceil(def.height_pt * dpi / 72.0));
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_scale(cr, dpi / 72.0, dpi / 72.0);
  Canvas canvas(cr, font);
  def.draw(canvas, content);
  cairo_destroy(cr);
  cairo_surface_flush(surface);

  PixPtr pix(pixCreate(w, h, 8));
  const unsigned char* src = cairo_image_surface_get_data(surface);
  int stride = cairo_image_surface_get_stride(surface);
  l_uint32* dst = pixGetData(pix.get());
  int wpl = pixGetWpl(pix.get());
  for (int y = 0; y < h; ++y) {
    const uint32_t* row = reinterpret_cast<const uint32_t*>(src + y * stride);
    l_uint32* line = dst + y * wpl;
    for (int x = 0; x < w; ++x) {
      uint32_t px = row[x];
      int r = (px >> 16) & 0xff, g = (px >> 8) & 0xff, b = px & 0xff;
      SET_DATA_BYTE(line, x, (r * 299 + g * 587 + b * 114) / 1000);
    }
  }
  cairo_surface_destroy(surface);
  pixSetResolution(pix.get(), dpi, dpi);
  return pix;
}

// Multiplies the page by a smooth illumination field: bright in one corner, dim in the other.
PixPtr Shadow(Pix* pix, Rng& rng, double strength) {
  PixPtr out(pixCopy(nullptr, pix));
  int w = pixGetWidth(out.get()), h = pixGetHeight(out.get());
  l_uint32* data = pixGetData(out.get());
  int wpl = pixGetWpl(out.get());
  double cx = Uniform(rng, 0, w), cy = Uniform(rng, 0, h);
  double radius = std::hypot(w, h) * Uniform(rng, 0.5, 0.9);
  for (int y = 0; y < h; ++y) {
    l_uint32* line = data + y * wpl;
    for (int x = 0; x < w; ++x) {
      double d = std::min(1.0, std::hypot(x - cx, y - cy) / radius);
      double f = 1.0 - strength * d * d;
      SET_DATA_BYTE(line, x, static_cast<int>(GET_DATA_BYTE(line, x) * f));
    }
  }
  return out;
}

PixPtr Degrade(PixPtr pix, Degradation d, Rng& rng) {
  switch (d) {
    case Degradation::kClean:
    case Degradation::kJpeg:
    case Degradation::kLowRes:
      return pix;
    case Degradation::kSkew: {
      double degrees = Uniform(rng, 1, 4) * (rng() % 2 ? 1 : -1);
      return PixPtr(pixRotate(pix.get(), static_cast<float>(degrees * M_PI / 180),
                              L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
    }
    case Degradation::kRotated:
      return PixPtr(pixRotateOrth(pix.get(), 1 + static_cast<int>(rng() % 3)));
    case Degradation::kBlur: {
      PixPtr once(pixBlockconv(pix.get(), 1, 1));
      return PixPtr(pixBlockconv(once.get(), 1, 1));
    }
    case Degradation::kNoise:
      return PixPtr(pixAddGaussianNoise(pix.get(), 22));
    case Degradation::kShadow:
      return Shadow(pix.get(), rng, Uniform(rng, 0.35, 0.55));
    case Degradation::kPhoto: {
      int w = pixGetWidth(pix.get()), h = pixGetHeight(pix.get());
      int border = w / 10;
      PixPtr framed(pixAddBorder(pix.get(), border, 90));
      auto jitter = [&](double v, double span) { return v + Uniform(rng, -span, span); };
      double jx = w * 0.04, jy = h * 0.04;
      Pta* src = ptaCreate(4);
      Pta* dst = ptaCreate(4);
      const double corners[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
      for (const auto& c : corners) {
        double x = border + c[0] * (w - 1), y = border + c[1] * (h - 1);
        ptaAddPt(src, static_cast<float>(x), static_cast<float>(y));
        ptaAddPt(dst, static_cast<float>(jitter(x, jx)), static_cast<float>(jitter(y, jy)));
      }
      PixPtr warped(pixProjectivePta(framed.get(), dst, src, L_BRING_IN_BLACK));
      ptaDestroy(&src);
      ptaDestroy(&dst);
      PixPtr shaded = Shadow(warped.get(), rng, Uniform(rng, 0.2, 0.4));
      PixPtr soft(pixBlockconv(shaded.get(), 1, 1));
      PixPtr noisy(pixAddGaussianNoise(soft.get(), 6));
      return PixPtr(pixConvert8To32(noisy.get()));
    }
  }
  return pix;
}

std::string TakeLeptonicaBuffer(l_uint8* data, size_t size) {
  std::string out(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return out;
}

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

std::string PdfWithText(const LayoutDef& def, const Content& content, const std::string& font) {
  std::string out;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(AppendToString, &out, def.width_pt, def.height_pt);
  cairo_t* cr = cairo_create(surface);
  Canvas canvas(cr, font);
  def.draw(canvas, content);
  cairo_show_page(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  return out;
}

std::string PdfWithImage(Pix* pix, int dpi) {
  PixPtr rgb(pixGetDepth(pix) == 32 ? pixClone(pix) : pixConvertTo32(pix));
  int w = pixGetWidth(rgb.get()), h = pixGetHeight(rgb.get());
  cairo_surface_t* image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_surface_flush(image);
  unsigned char* dst = cairo_image_surface_get_data(image);
  int stride = cairo_image_surface_get_stride(image);
  const l_uint32* src = pixGetData(rgb.get());
  int wpl = pixGetWpl(rgb.get());
  for (int y = 0; y < h; ++y) {
    uint32_t* row = reinterpret_cast<uint32_t*>(dst + y * stride);
    for (int x = 0; x < w; ++x) {
      l_int32 r, g, b;
      extractRGBValues(src[y * wpl + x], &r, &g, &b);
      row[x] = (static_cast<uint32_t>(r) << 16) | (static_cast<uint32_t>(g) << 8) |
               static_cast<uint32_t>(b);
    }
  }
  cairo_surface_mark_dirty(image);
  std::string out;
  double page_w = w * 72.0 / dpi, page_h = h * 72.0 / dpi;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(AppendToString, &out, page_w, page_h);
  cairo_t* cr = cairo_create(surface);
  cairo_scale(cr, 72.0 / dpi, 72.0 / dpi);
  cairo_set_source_surface(cr, image, 0, 0);
  cairo_paint(cr);
  cairo_show_page(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  cairo_surface_destroy(image);
  return out;
}

}  // namespace

const char* SplitName(Split split) {
  switch (split) {
    case Split::kDev: return "dev";
    case Split::kHoldout: return "holdout";
    case Split::kFresh: return "fresh";
    case Split::kFresh2: return "fresh2";
    case Split::kFresh3: return "fresh3";
    case Split::kFresh4: return "fresh4";
    case Split::kFresh5: return "fresh5";
    case Split::kFresh6: return "fresh6";
    case Split::kFresh7: return "fresh7";
    case Split::kFresh8: return "fresh8";
    case Split::kFresh9: return "fresh9";
    case Split::kFresh10: return "fresh10";
    case Split::kFresh11: return "fresh11";
    case Split::kFresh12: return "fresh12";
    case Split::kFresh13: return "fresh13";
    case Split::kFresh14: return "fresh14";
    case Split::kFresh15: return "fresh15";
    case Split::kFresh16: return "fresh16";
    case Split::kFresh17: return "fresh17";
    case Split::kFresh18: return "fresh18";
    case Split::kFresh19: return "fresh19";
    case Split::kFresh20: return "fresh20";
    case Split::kFresh21: return "fresh21";
    case Split::kFresh22: return "fresh22";
    case Split::kFresh23: return "fresh23";
    case Split::kFresh24: return "fresh24";
    case Split::kFresh25: return "fresh25";
    case Split::kFresh26: return "fresh26";
    case Split::kFresh27: return "fresh27";
    case Split::kFresh28: return "fresh28";
    case Split::kFresh29: return "fresh29";
    case Split::kFresh30: return "fresh30";
  }
  return "?";
}

const char* DegradationName(Degradation d) {
  switch (d) {
    case Degradation::kClean: return "clean";
    case Degradation::kSkew: return "skew";
    case Degradation::kRotated: return "rotated";
    case Degradation::kBlur: return "blur";
    case Degradation::kNoise: return "noise";
    case Degradation::kShadow: return "shadow";
    case Degradation::kJpeg: return "jpeg";
    case Degradation::kLowRes: return "lowres";
    case Degradation::kPhoto: return "photo";
  }
  return "?";
}

const char* FormatName(Format f) {
  switch (f) {
    case Format::kPng: return "png";
    case Format::kJpeg: return "jpeg";
    case Format::kTiff: return "tiff";
    case Format::kPdfText: return "pdf-text";
    case Format::kPdfImage: return "pdf-image";
  }
  return "?";
}

const char* FormatExtension(Format f) {
  switch (f) {
    case Format::kPng: return "png";
    case Format::kJpeg: return "jpg";
    case Format::kTiff: return "tif";
    case Format::kPdfText:
    case Format::kPdfImage: return "pdf";
  }
  return "bin";
}

std::string TruthToJson(const Truth& t) {
  json::Object fields;
  for (const auto& [k, v] : t.fields) fields.emplace_back(k, v);
  json::Object o{{"kind", t.kind},
                 {"layout", t.layout},
                 {"split", SplitName(t.split)},
                 {"font", t.font},
                 {"degradation", DegradationName(t.degradation)},
                 {"format", FormatName(t.format)},
                 {"pages", json::Value::Integer(t.pages)},
                 {"fields", std::move(fields)}};
  return json::Serialize(json::Value(std::move(o)));
}

const std::vector<LayoutInfo>& Layouts() {
  static const std::vector<LayoutInfo> kInfo = [] {
    std::vector<LayoutInfo> out;
    for (const LayoutDef& def : internal::LayoutDefs()) out.push_back({def.name, def.kind, def.split});
    return out;
  }();
  return kInfo;
}

Sample Generate(const SampleSpec& spec) {
  const LayoutDef& def = FindLayout(spec.layout);
  Rng rng(spec.seed * 0x9E3779B97F4A7C15ull + 17);
  Content content = internal::MakeContent(rng);
  const auto& fonts = Fonts(def.split);
  std::string font = fonts[rng() % fonts.size()];

  Sample sample;
  Truth& t = sample.truth;
  t.kind = def.kind;
  t.layout = def.name;
  t.split = def.split;
  t.font = font;
  t.format = spec.format;
  t.degradation = spec.format == Format::kPdfText ? Degradation::kClean : spec.degradation;
  def.truth(content, t);

  if (spec.format == Format::kPdfText) {
    sample.bytes = PdfWithText(def, content, font);
    sample.media_type = "application/pdf";
    return sample;
  }
  int dpi = t.degradation == Degradation::kLowRes ? 150
            : t.degradation == Degradation::kPhoto ? 200
                                                    : 300;
  PixPtr page = Degrade(Raster(def, content, font, dpi), t.degradation, rng);
  pixSetResolution(page.get(), dpi, dpi);
  l_uint8* data = nullptr;
  size_t size = 0;
  Format format = t.degradation == Degradation::kJpeg || t.degradation == Degradation::kPhoto
                      ? Format::kJpeg
                      : spec.format;
  t.format = format;
  switch (format) {
    case Format::kPng:
      pixWriteMemPng(&data, &size, page.get(), 0);
      sample.media_type = "image/png";
      break;
    case Format::kJpeg: {
      int quality = t.degradation == Degradation::kJpeg ? 22 + static_cast<int>(rng() % 9) : 80;
      pixWriteMemJpeg(&data, &size, page.get(), quality, 0);
      sample.media_type = "image/jpeg";
      break;
    }
    case Format::kTiff:
      pixWriteMemTiff(&data, &size, page.get(), IFF_TIFF_ZIP);
      sample.media_type = "image/tiff";
      break;
    case Format::kPdfImage:
      sample.bytes = PdfWithImage(page.get(), dpi);
      sample.media_type = "application/pdf";
      return sample;
    case Format::kPdfText:
      break;
  }
  if (data == nullptr) throw std::runtime_error("could not encode " + spec.layout);
  sample.bytes = TakeLeptonicaBuffer(data, size);
  return sample;
}

std::vector<SampleSpec> Mix(Split split, int count, uint64_t seed) {
  std::vector<std::string> layouts;
  for (const LayoutInfo& l : Layouts())
    if (l.split == split) layouts.push_back(l.name);
  static constexpr Degradation kDegradations[] = {
      Degradation::kClean,  Degradation::kSkew,   Degradation::kClean, Degradation::kRotated,
      Degradation::kBlur,   Degradation::kNoise,  Degradation::kShadow, Degradation::kJpeg,
      Degradation::kLowRes, Degradation::kPhoto};
  static constexpr Format kFormats[] = {Format::kPng, Format::kTiff, Format::kPdfImage,
                                        Format::kPng, Format::kPdfText};
  std::vector<SampleSpec> out;
  for (int i = 0; i < count; ++i) {
    SampleSpec s;
    s.layout = layouts[static_cast<size_t>(i) % layouts.size()];
    // Every layout meets every degradation within a few rounds.
    s.degradation = kDegradations[(static_cast<size_t>(i) / layouts.size() + static_cast<size_t>(i)) %
                                  std::size(kDegradations)];
    s.format = kFormats[(i / 3) % std::size(kFormats)];
    if (s.format == Format::kPdfText && s.degradation != Degradation::kClean) s.format = Format::kPng;
    s.seed = seed * 1000003 + static_cast<uint64_t>(i);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace salus::corpus
