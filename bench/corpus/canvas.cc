#include "canvas.h"

#include <cairo.h>
#include <pango/pangocairo.h>

#include <fmt/format.h>

namespace salus::corpus::internal {
namespace {

PangoLayout* Layout(cairo_t* cr, const std::string& font, const std::string& text, double size,
                    bool bold) {
  PangoLayout* layout = pango_cairo_create_layout(cr);
  std::string desc_text = fmt::format("{}{} {}", font, bold ? " Bold" : "", size);
  PangoFontDescription* desc = pango_font_description_from_string(desc_text.c_str());
  // Sizes are in points and the context is in points: one pango unit per point at 72 dpi.
  pango_font_description_set_absolute_size(desc, size * PANGO_SCALE);
  pango_layout_set_font_description(layout, desc);
  pango_font_description_free(desc);
  pango_layout_set_text(layout, text.c_str(), -1);
  return layout;
}

}  // namespace

double Canvas::Text(double x, double y, const std::string& text, double size, bool bold, double gray) {
  PangoLayout* layout = Layout(cr_, font_, text, size, bold);
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  cairo_set_source_rgb(cr_, gray, gray, gray);
  cairo_move_to(cr_, x, y);
  pango_cairo_show_layout(cr_, layout);
  g_object_unref(layout);
  return static_cast<double>(w) / PANGO_SCALE;
}

double Canvas::Hand(double x, double y, const std::string& text, double size) {
  PangoLayout* layout = Layout(cr_, "Z003", text, size, false);
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  cairo_set_source_rgb(cr_, 0.1, 0.1, 0.35);  // blue-black ink
  cairo_move_to(cr_, x, y);
  pango_cairo_show_layout(cr_, layout);
  g_object_unref(layout);
  return static_cast<double>(w) / PANGO_SCALE;
}

double Canvas::Width(const std::string& text, double size, bool bold) {
  PangoLayout* layout = Layout(cr_, font_, text, size, bold);
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  g_object_unref(layout);
  return static_cast<double>(w) / PANGO_SCALE;
}

void Canvas::TextRight(double x, double y, const std::string& text, double size, bool bold) {
  Text(x - Width(text, size, bold), y, text, size, bold);
}

void Canvas::Line(double x1, double y1, double x2, double y2, double width) {
  cairo_set_source_rgb(cr_, 0, 0, 0);
  cairo_set_line_width(cr_, width);
  cairo_move_to(cr_, x1, y1);
  cairo_line_to(cr_, x2, y2);
  cairo_stroke(cr_);
}

void Canvas::Box(double x, double y, double w, double h, double width) {
  cairo_set_source_rgb(cr_, 0, 0, 0);
  cairo_set_line_width(cr_, width);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_stroke(cr_);
}

void Canvas::Fill(double x, double y, double w, double h, double gray) {
  cairo_set_source_rgb(cr_, gray, gray, gray);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_fill(cr_);
}

void Canvas::CheckBox(double x, double y, double size, bool checked) {
  Box(x, y, size, size, 0.9);
  if (checked) {
    double m = size * 0.2;
    Line(x + m, y + m, x + size - m, y + size - m, 1.4);
    Line(x + size - m, y + m, x + m, y + size - m, 1.4);
  }
}

}  // namespace salus::corpus::internal
