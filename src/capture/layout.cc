#include "capture/layout.h"

#include <leptonica/allheaders.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

namespace salus::capture {
namespace {

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

bool Blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

// Share of set pixels along a one-pixel-wide segment.
double Coverage(Pix* bin, int x0, int y0, int x1, int y1) {
  int n = 0, set = 0;
  int steps = std::max(std::abs(x1 - x0), std::abs(y1 - y0));
  for (int i = 0; i <= steps; ++i) {
    int x = x0 + (steps ? (x1 - x0) * i / steps : 0);
    int y = y0 + (steps ? (y1 - y0) * i / steps : 0);
    l_uint32 v = 0;
    pixGetPixel(bin, x, y, &v);
    ++n;
    set += v ? 1 : 0;
  }
  return n ? static_cast<double>(set) / n : 0;
}

// Best coverage of a box side over a band of `band` pixels inwards.
double SideCoverage(Pix* bin, const Box& b, int side, int band) {
  double best = 0;
  for (int d = 0; d < band; ++d) {
    double c = 0;
    switch (side) {
      case 0: c = Coverage(bin, b.x, b.y + d, b.right() - 1, b.y + d); break;
      case 1: c = Coverage(bin, b.x, b.bottom() - 1 - d, b.right() - 1, b.bottom() - 1 - d); break;
      case 2: c = Coverage(bin, b.x + d, b.y, b.x + d, b.bottom() - 1); break;
      default: c = Coverage(bin, b.right() - 1 - d, b.y, b.right() - 1 - d, b.bottom() - 1); break;
    }
    best = std::max(best, c);
  }
  return best;
}

// Adds a word at the end of a phrase: its box grows to take it, its confidence is the lowest.
void AppendWord(Phrase& p, Word w) {
  if (p.words.empty()) {
    p.box = w.box;
    p.confidence = w.confidence;
    p.text = w.text;
  } else {
    p.box = p.box.Union(w.box);
    p.confidence = std::min(p.confidence, w.confidence);
    p.text += " " + w.text;
  }
  p.words.push_back(std::move(w));
}

// A line that is one delimited record ("GLUCOSE|98|mg/dL|70-99|"): a single phrase with at
// least `min_pipes` '|' in it. Its cells become phrases of their own, each with the part of the
// words' boxes its characters take (empty cells keep their place in `cells` but make no phrase).
// A reader takes some of the bars for closing brackets ("<150]H", "0.4-4.0}"): in a record, one
// without an opening bracket before it in its word is a bar. A first cell holding "Label:
// value" makes the line a form's ("Sex: M | F | X", options between bars), not a record.
// Returns the number of cells, 0 when the line is not a record.
size_t SplitRecord(const Line& line, std::vector<Phrase>& cells_out, int min_pipes) {
  if (line.phrases.size() != 1) return 0;
  const std::string& text = line.phrases.front().text;
  if (std::count(text.begin(), text.end(), '|') < min_pipes) return 0;
  Phrase phrase = line.phrases.front();  // a copy: its brackets are read as bars below
  for (Word& w : phrase.words) {
    bool opened = false;
    for (char& c : w.text) {
      if (c == '[' || c == '{') opened = true;
      if ((c == ']' || c == '}') && !opened) c = '|';
    }
  }
  struct Cell {
    std::vector<Word> words;
  };
  std::vector<Cell> cells(1);
  for (const Word& w : phrase.words) {
    // Characters (not bytes) give each piece its share of the word's width.
    size_t chars = 0;
    for (unsigned char c : w.text) chars += (c & 0xC0) != 0x80 ? 1 : 0;
    size_t at = 0, char_at = 0;
    std::string piece;
    size_t piece_start = 0;
    auto emit = [&](size_t end_char) {
      if (!piece.empty() && chars > 0) {
        Word part;
        part.text = piece;
        part.confidence = w.confidence;
        part.box = w.box;
        part.box.x = w.box.x + static_cast<int>(w.box.w * piece_start / chars);
        part.box.w = std::max(1, static_cast<int>(w.box.w * (end_char - piece_start) / chars));
        cells.back().words.push_back(std::move(part));
      }
      piece.clear();
    };
    for (; at < w.text.size(); ++at) {
      unsigned char c = static_cast<unsigned char>(w.text[at]);
      if (c == '|') {
        emit(char_at);
        cells.emplace_back();
        piece_start = char_at + 1;
      } else {
        if (piece.empty() && (c & 0xC0) != 0x80) piece_start = char_at;
        piece.push_back(static_cast<char>(c));
      }
      if ((c & 0xC0) != 0x80) ++char_at;
    }
    emit(char_at);
  }
  cells_out.clear();
  for (const Word& w : cells.front().words)
    if (w.text.find(':') != std::string::npos) return 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    Phrase p;
    p.line = phrase.line;
    for (Word& w : cells[i].words) AppendWord(p, std::move(w));
    cells_out.push_back(std::move(p));  // an empty cell stays, as a place
  }
  return cells.size();
}

}  // namespace

std::vector<Checkbox> FindCheckboxes(const Image& page) {
  std::vector<Checkbox> out;
  if (!page) return out;
  PixPtr gray(pixGetDepth(page.pix()) == 8 ? pixClone(page.pix()) : pixConvertTo8(page.pix(), 0));
  if (!gray) return out;
  PixPtr bin(pixThresholdToBinary(gray.get(), 150));
  if (!bin) return out;
  Boxa* boxes = pixConnCompBB(bin.get(), 8);
  if (!boxes) return out;
  int dpi = page.dpi() > 0 ? page.dpi() : 300;
  // A checkbox is between 1/16 and 1/3 of an inch on a side.
  int min_side = dpi / 16, max_side = dpi / 3;
  for (int i = 0; i < boxaGetCount(boxes); ++i) {
    l_int32 x, y, w, h;
    boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
    if (w < min_side || h < min_side || w > max_side || h > max_side) continue;
    double ratio = static_cast<double>(w) / h;
    if (ratio < 0.8 || ratio > 1.25) continue;
    Box b{x, y, w, h};
    int band = std::max(2, w / 8);
    bool square = true;
    for (int side = 0; side < 4 && square; ++side) square = SideCoverage(bin.get(), b, side, band) > 0.85;
    if (!square) continue;
    // Inside, away from the border: how much is marked.
    int margin = std::max(band + 1, w / 5);
    int inner_w = w - 2 * margin, inner_h = h - 2 * margin;
    if (inner_w <= 2 || inner_h <= 2) continue;
    BOX* inner = boxCreate(x + margin, y + margin, inner_w, inner_h);
    l_int32 count = 0;
    pixCountPixelsInRect(bin.get(), inner, &count, nullptr);
    boxDestroy(&inner);
    Checkbox cb;
    cb.box = b;
    cb.fill = static_cast<double>(count) / (inner_w * inner_h);
    cb.checked = cb.fill > 0.08;
    out.push_back(cb);
  }
  boxaDestroy(&boxes);
  return out;
}

std::optional<std::string> WithoutCombWalls(std::string_view text) {
  static constexpr std::string_view kWalls = "|/\\)}]([{;!";
  std::vector<std::string> parts;
  std::string cur;
  size_t walls = 0, slashes = 0;
  for (char c : text) {
    if (kWalls.find(c) != std::string_view::npos) {
      ++walls;
      slashes += c == '/' ? 1 : 0;
      if (!cur.empty()) parts.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) parts.push_back(std::move(cur));
  // At least four cells, walls between most of them, and most cells a single character; a
  // short list of options between slashes ("(M/F/X)", "Y/N") is not a comb.
  if (parts.size() < 4 || walls + 1 < parts.size()) return std::nullopt;
  if (slashes == walls && parts.size() < 6) return std::nullopt;
  size_t single = static_cast<size_t>(std::count_if(parts.begin(), parts.end(), [](const std::string& p) { return p.size() == 1; }));
  if (single * 5 < parts.size() * 4) return std::nullopt;
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

Layout BuildLayout(std::vector<Word> words, std::vector<Checkbox> checkboxes, int width,
                   int height) {
  Layout layout;
  layout.width = width;
  layout.height = height;
  std::erase_if(words, [&](const Word& w) {
    if (Blank(w.text) || w.box.w <= 0 || w.box.h <= 0) return true;
    for (const Checkbox& cb : checkboxes) {
      int ox = std::min(w.box.right(), cb.box.right()) - std::max(w.box.x, cb.box.x);
      int oy = std::min(w.box.bottom(), cb.box.bottom()) - std::max(w.box.y, cb.box.y);
      if (ox > 0 && oy > 0 && ox * oy > 0.5 * w.box.w * w.box.h) return true;
    }
    return false;
  });
  layout.checkboxes = std::move(checkboxes);
  if (words.empty()) return layout;
  // Comb fields (one character per box) come out as the characters with the boxes' walls read
  // as strokes between them ("R/A|S|M/U", "0;9}2/0"): keep the characters.
  for (Word& w : words)
    if (auto clean = WithoutCombWalls(w.text)) w.text = *clean;

  // The height of text: words with letters or digits (leaders, rules and specks are lower),
  // read with some confidence when there are enough of those (dotted leaders the reader named
  // "eeeee" at no confidence can outnumber the words).
  std::vector<int> heights, sure;
  for (const Word& w : words)
    if (std::any_of(w.text.begin(), w.text.end(), [](unsigned char c) { return std::isalnum(c); })) {
      heights.push_back(w.box.h);
      if (w.confidence >= 0.5f) sure.push_back(w.box.h);
    }
  if (sure.size() >= 10) heights = std::move(sure);
  if (heights.empty())
    for (const Word& w : words) heights.push_back(w.box.h);
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  layout.median_height = std::max(1, heights[heights.size() / 2]);
  // Dot leaders ("Name ........ value") come out as runs of small glyphs the reader names
  // e, o, c, w, ©: long words less than half as tall as text are not text, nor are pieces of
  // them less than a third as tall without digits (a lower-case word like "once" or "mg" is
  // about half as tall as a word with ascenders and descenders; a dot is a fifth). Dashes are
  // as flat as dots and kept: "Jane Doe - born ..." needs its dash.
  std::erase_if(words, [&](const Word& w) {
    if (w.text.size() >= 3 && w.box.h * 2 < layout.median_height && w.box.w > 2 * layout.median_height) return true;
    bool digits = std::any_of(w.text.begin(), w.text.end(), [](unsigned char c) { return std::isdigit(c); });
    bool dash = w.text.find('-') != std::string::npos || w.text.find("\xE2\x80\x93") != std::string::npos ||
                w.text.find("\xE2\x80\x94") != std::string::npos;
    return !digits && !dash && w.box.h * 3 < layout.median_height;
  });

  // Lines: words sorted by vertical centre join the line they overlap most.
  std::sort(words.begin(), words.end(),
            [](const Word& a, const Word& b) { return a.box.center_y() < b.box.center_y(); });
  struct Building {
    Box box;
    std::vector<Word> words;
  };
  std::vector<Building> lines;
  for (Word& w : words) {
    Building* best = nullptr;
    double best_overlap = 0.5;
    // Only recent lines can overlap a word further down the page.
    for (size_t i = lines.size(); i-- > 0 && lines.size() - i <= 6;) {
      double o = lines[i].box.VerticalOverlap(w.box);
      // Tall words (merged glyphs, brackets) must not chain lines together.
      if (o > best_overlap && std::abs(lines[i].box.center_y() - w.box.center_y()) <
                                  0.6 * std::max(layout.median_height, std::min(w.box.h, lines[i].box.h))) {
        best_overlap = o;
        best = &lines[i];
      }
    }
    if (best == nullptr) {
      lines.push_back({w.box, {}});
      best = &lines.back();
    }
    best->box = best->box.Union(w.box);
    best->words.push_back(std::move(w));
  }
  std::sort(lines.begin(), lines.end(),
            [](const Building& a, const Building& b) { return a.box.y < b.box.y; });

  for (Building& b : lines) {
    std::sort(b.words.begin(), b.words.end(),
              [](const Word& x, const Word& y) { return x.box.x < y.box.x; });
    Line line;
    line.box = b.box;
    int line_index = static_cast<int>(layout.lines.size());
    int gap_limit = static_cast<int>(std::lround(1.3 * layout.median_height));
    Phrase current;
    auto flush = [&] {
      if (current.words.empty()) return;
      current.line = line_index;
      line.phrases.push_back(std::move(current));
      current = Phrase{};
    };
    int prev_right = -1;
    int prev_h = 0;
    double prev_char_w = 0;
    std::string prev_text;
    auto char_width = [](const Word& w) {
      size_t n = 0;
      for (unsigned char c : w.text) n += (c & 0xC0) != 0x80 ? 1 : 0;  // UTF-8 characters
      return n ? static_cast<double>(w.box.w) / static_cast<double>(n) : 0.0;
    };
    for (Word& w : b.words) {
      // The space between two words of a phrase scales with their text, not the page's
      // (captions in small print beside values in large print), and is a whole character
      // wide in a monospaced font.
      int limit = gap_limit;
      if (prev_right >= 0) {
        int local = std::min(prev_h, w.box.h);
        limit = std::max(limit, static_cast<int>(std::lround(1.3 * local)));
        limit = std::max(limit, static_cast<int>(std::lround(1.5 * std::min(prev_char_w, char_width(w)))));
        // Punctuation is narrow ink in a wide cell ("J.  Brennan", "(912)  555-0177" in a
        // monospaced font): a space next to it looks wider by about half a character.
        auto narrow = [](char c) { return c == '.' || c == ',' || c == ';' || c == ')' || c == '('; };
        if (!prev_text.empty() && !w.text.empty() && (narrow(prev_text.back()) || narrow(w.text.front())))
          limit += static_cast<int>(std::lround(0.5 * std::max({prev_char_w, char_width(w), 0.5 * local})));
      }
      // A checkbox between two words also separates phrases.
      bool box_between = false;
      for (const Checkbox& cb : layout.checkboxes)
        if (prev_right >= 0 && cb.box.x >= prev_right - 2 && cb.box.right() <= w.box.x + 2 &&
            cb.box.VerticalOverlap(w.box) > 0.3)
          box_between = true;
      if (prev_right >= 0 && (w.box.x - prev_right > limit || box_between)) flush();
      prev_right = w.box.right();
      prev_h = w.box.h;
      prev_char_w = char_width(w);
      prev_text = w.text;
      AppendWord(current, std::move(w));
    }
    flush();
    layout.lines.push_back(std::move(line));
  }

  // Delimited records ("TEST|RESULT|UNITS|RANGE|FLAG", then one line per test): the cells of a
  // record are its columns, by position, not by where they fall on the page. Records with the
  // same number of cells are laid on one grid (cell i of each at the same x), so that a header
  // record heads the columns of the records under it as a ruled table's header would.
  // A record whose bar the reader missed has a cell too few: it goes on the grid of the page's
  // most common number of cells, its cells from the left (the value stays in its column).
  std::vector<std::vector<Phrase>> record_cells(layout.lines.size());
  std::map<size_t, std::pair<int, int>> grid;  // cells -> leftmost x, widest record
  std::map<size_t, int> records_with;          // cells -> records
  size_t records = 0;
  for (int min_pipes : {2, 1}) {
    // Once a page holds delimited records, a line with one bar is a record too ("COLLECTED|...").
    if (min_pipes == 1 && records < 2) break;
    for (size_t i = 0; i < layout.lines.size(); ++i) {
      if (!record_cells[i].empty()) continue;
      size_t n = SplitRecord(layout.lines[i], record_cells[i], min_pipes);
      if (n == 0) continue;
      ++records;
      ++records_with[n];
      const Box& b = layout.lines[i].box;
      auto [it, fresh] = grid.try_emplace(n, b.x, b.w);
      if (!fresh) {
        int right = std::max(it->second.first + it->second.second, b.right());
        it->second.first = std::min(it->second.first, b.x);
        it->second.second = right - it->second.first;
      }
    }
  }
  size_t common = 0;
  for (const auto& [n, count] : records_with)
    if (common == 0 || count > records_with[common]) common = n;
  for (size_t i = 0; i < layout.lines.size(); ++i) {
    std::vector<Phrase>& cells = record_cells[i];
    if (cells.empty()) continue;
    size_t columns = cells.size() <= common ? common : cells.size();
    auto [x0, width] = grid[columns];
    int step = std::max(1, width / static_cast<int>(columns));
    Line& line = layout.lines[i];
    line.phrases.clear();
    for (size_t k = 0; k < cells.size(); ++k) {
      if (cells[k].words.empty()) continue;
      Phrase p = std::move(cells[k]);
      // The cell's words keep their order and shares of the cell, on the grid.
      const Box old = p.box;
      p.box.x = x0 + static_cast<int>(k) * step;
      p.box.w = std::max(1, step * 3 / 4);
      for (Word& w : p.words) {
        int from = old.w > 0 ? static_cast<int>(static_cast<int64_t>(w.box.x - old.x) * p.box.w / old.w) : 0;
        int width = old.w > 0 ? static_cast<int>(static_cast<int64_t>(w.box.w) * p.box.w / old.w) : p.box.w;
        w.box.x = p.box.x + from;
        w.box.w = std::max(1, width);
      }
      line.phrases.push_back(std::move(p));
    }
  }
  for (Line& line : layout.lines)
    for (size_t i = 0; i < line.phrases.size(); ++i)
      line.text += (i ? "  " : "") + line.phrases[i].text;
  return layout;
}

}  // namespace salus::capture
