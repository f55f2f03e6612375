// Stage 4: words -> lines and phrases by geometry; checkboxes from the page image.
// A phrase is a run of words on one line with no wide gap: the unit a form's label or value
// is made of. Thread-safety: functions are reentrant.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/decode.h"
#include "capture/image.h"

namespace salus::capture {

struct Phrase {
  std::string text;
  Box box;
  float confidence = 0;  // lowest word confidence
  int line = 0;          // index of its line
  std::vector<Word> words;
};

struct Line {
  Box box;
  std::string text;      // phrases joined with "  " (two spaces mark a column gap)
  std::vector<Phrase> phrases;
};

struct Checkbox {
  Box box;
  bool checked = false;
  double fill = 0;       // share of dark pixels inside the box
};

struct Layout {
  std::vector<Line> lines;            // top to bottom
  std::vector<Checkbox> checkboxes;
  int width = 0, height = 0;
  int median_height = 0;              // of words
};

// Checkboxes: hollow squares about the size of a capital letter, checked when marked inside.
std::vector<Checkbox> FindCheckboxes(const Image& page);

// The characters of a comb field's reading, without the cell walls the reader took for strokes
// ("R/A|S|M" -> "RASM"); nothing when the text does not read as one (at least four cells,
// mostly single characters, walls between them; not a short list of options like "M/F/X").
std::optional<std::string> WithoutCombWalls(std::string_view text);

// Groups words into lines and phrases. Words overlapping a checkbox are dropped (the reader's
// guess at a box glyph is not text).
Layout BuildLayout(std::vector<Word> words, std::vector<Checkbox> checkboxes, int width,
                   int height);

}  // namespace salus::capture
