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
