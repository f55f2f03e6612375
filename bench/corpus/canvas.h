// A thin drawing surface over cairo + pango in points (1/72 inch), for the corpus layouts.
#pragma once

#include <string>

typedef struct _cairo cairo_t;

namespace salus::corpus::internal {

class Canvas {
 public:
  Canvas(cairo_t* cr, std::string font) : cr_(cr), font_(std::move(font)) {}

  // Draws `text` with its top-left corner at (x, y) in grey level `gray` (0 black, 1 white);
  // returns its width.
  double Text(double x, double y, const std::string& text, double size, bool bold = false, double gray = 0);
  double Width(const std::string& text, double size, bool bold = false);
  // Text in a script face, as a form filled in by hand.
  double Hand(double x, double y, const std::string& text, double size);
  // Right-aligned at x.
  void TextRight(double x, double y, const std::string& text, double size, bool bold = false);
  void Line(double x1, double y1, double x2, double y2, double width = 0.8);
  void Box(double x, double y, double w, double h, double width = 0.8);
  void Fill(double x, double y, double w, double h, double gray);
  void CheckBox(double x, double y, double size, bool checked);

 private:
  cairo_t* cr_;
  std::string font_;
};

}  // namespace salus::corpus::internal
