// Page images for the capture pipeline: a move-only owner of a Leptonica image. Leptonica's
// header stays inside this layer's .cc files; other layers see only this type.
// Thread-safety: an Image is plain data; distinct Images may be used from distinct threads.
#pragma once

struct Pix;  // Leptonica

namespace salus::capture {

// A rectangle in page pixels, origin top-left.
struct Box {
  int x = 0, y = 0, w = 0, h = 0;
  int right() const { return x + w; }
  int bottom() const { return y + h; }
  int center_x() const { return x + w / 2; }
  int center_y() const { return y + h / 2; }
  Box Union(const Box& other) const;
  // Overlap of the two vertical spans, as a fraction of the shorter one.
  double VerticalOverlap(const Box& other) const;
};

class Image;
// The image turned clockwise by `quarters` x 90 degrees.
Image RotateQuarters(const Image& image, int quarters);
// The `side` x `side` window (clipped to the image) holding the most ink: where a sample of
// the page's text is.
Box DensestRegion(const Image& image, int side);

class Image {
 public:
  Image() = default;
  explicit Image(Pix* pix) : pix_(pix) {}  // takes ownership
  Image(Image&& other) noexcept : pix_(other.pix_) { other.pix_ = nullptr; }
  Image& operator=(Image&& other) noexcept;
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;
  ~Image();

  explicit operator bool() const { return pix_ != nullptr; }
  int width() const;
  int height() const;
  int depth() const;  // bits per pixel: 1, 8 or 32
  int dpi() const;    // 0 when the file did not say
  Pix* pix() const { return pix_; }

 private:
  Pix* pix_ = nullptr;
};

}  // namespace salus::capture
