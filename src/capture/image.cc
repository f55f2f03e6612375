#include "capture/image.h"

#include <leptonica/allheaders.h>

#include <algorithm>

namespace salus::capture {

Box Box::Union(const Box& o) const {
  if (w == 0 && h == 0) return o;
  if (o.w == 0 && o.h == 0) return *this;
  int x0 = std::min(x, o.x), y0 = std::min(y, o.y);
  int x1 = std::max(right(), o.right()), y1 = std::max(bottom(), o.bottom());
  return {x0, y0, x1 - x0, y1 - y0};
}

double Box::VerticalOverlap(const Box& o) const {
  int overlap = std::min(bottom(), o.bottom()) - std::max(y, o.y);
  int shorter = std::min(h, o.h);
  return shorter <= 0 ? 0.0 : std::max(0, overlap) / static_cast<double>(shorter);
}

Image RotateQuarters(const Image& image, int quarters) {
  quarters = ((quarters % 4) + 4) % 4;
  if (!image) return Image();
  return Image(quarters == 0 ? pixClone(image.pix()) : pixRotateOrth(image.pix(), quarters));
}

Box DensestRegion(const Image& image, int side) {
  int w = image.width(), h = image.height();
  Box best{0, 0, std::min(w, side), std::min(h, side)};
  if (!image || (w <= side && h <= side)) return best;
  Pix* gray = pixGetDepth(image.pix()) == 8 ? pixClone(image.pix()) : pixConvertTo8(image.pix(), 0);
  Pix* ink = gray ? pixThresholdToBinary(gray, 128) : nullptr;
  pixDestroy(&gray);
  if (!ink) return best;
  int step = std::max(1, side / 3);
  l_int32 best_count = -1;
  for (int y = 0;; y += step) {
    int y0 = std::min(y, std::max(0, h - side));
    for (int x = 0;; x += step) {
      int x0 = std::min(x, std::max(0, w - side));
      BOX* window = boxCreate(x0, y0, std::min(side, w), std::min(side, h));
      l_int32 count = 0;
      pixCountPixelsInRect(ink, window, &count, nullptr);
      boxDestroy(&window);
      if (count > best_count) {
        best_count = count;
        best = {x0, y0, std::min(side, w), std::min(side, h)};
      }
      if (x0 + side >= w) break;
    }
    if (y0 + side >= h) break;
  }
  pixDestroy(&ink);
  return best;
}

Image& Image::operator=(Image&& other) noexcept {
  if (this != &other) {
    if (pix_) pixDestroy(&pix_);
    pix_ = other.pix_;
    other.pix_ = nullptr;
  }
  return *this;
}

Image::~Image() {
  if (pix_) pixDestroy(&pix_);
}

int Image::width() const { return pix_ ? pixGetWidth(pix_) : 0; }
int Image::height() const { return pix_ ? pixGetHeight(pix_) : 0; }
int Image::depth() const { return pix_ ? pixGetDepth(pix_) : 0; }
int Image::dpi() const { return pix_ ? pixGetXRes(pix_) : 0; }

}  // namespace salus::capture
