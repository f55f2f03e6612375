#include "search/text.h"

#include "core/json.h"

#include <cstdint>

namespace salus::search {
namespace {

// Base letter (lower case) of U+00C0..U+017F; 0 for the two that are not letters (× ÷).
constexpr char kLatin1[] =
    "aaaaaaaceeeeiiii"
    "dnooooo\0ouuuuyts"
    "aaaaaaaceeeeiiii"
    "dnooooo\0ouuuuyty"
    "aaaaaaccccccccdd"
    "ddeeeeeeeeeegggg"
    "gggghhhhiiiiiiii"
    "iiiijjkkklllllll"
    "lllnnnnnnnnnoooo"
    "oooorrrrrrssssss"
    "ssttttttuuuuuuuu"
    "uuuuwwyyyzzzzzzs";

}  // namespace

std::string NormalizeText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      ++i;
      continue;
    }
    int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + n > s.size()) break;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    if (cp >= 0x300 && cp <= 0x36F) continue;  // combining diacritical marks
    if (cp >= 0xC0 && cp <= 0x17F && kLatin1[cp - 0xC0] != 0) {
      out.push_back(kLatin1[cp - 0xC0]);
      if (cp == 0xDF) out.push_back('s');  // ß -> ss
      continue;
    }
    if (cp >= 0x391 && cp <= 0x3A9) cp += 0x20;  // Greek capitals
    else if (cp >= 0x410 && cp <= 0x42F) cp += 0x20;  // Cyrillic capitals
    json::AppendUtf8(cp, out);
  }
  return out;
}

}  // namespace salus::search
