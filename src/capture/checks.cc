#include "capture/checks.h"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>
#include <vector>

#include <fmt/format.h>

namespace salus::capture {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::optional<std::string> MakeDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1880 || y > 2200 || m < 1 || m > 12 || d < 1) return std::nullopt;
  int limit = kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
  if (d > limit) return std::nullopt;
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

int MonthNumber(std::string_view word) {
  static constexpr std::array kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec"};
  std::string w = Lower(word);
  if (w.size() < 3) return 0;
  for (size_t i = 0; i < kMonths.size(); ++i)
    if (w.compare(0, 3, kMonths[i]) == 0) return static_cast<int>(i) + 1;
  return 0;
}

// Readers confuse these with digits inside numbers.
std::string DigitsFromLookalikes(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    switch (c) {
      case 'O': case 'o': case 'D': c = '0'; break;
      case 'l': case 'I': case '|': c = '1'; break;
      case 'S': c = '5'; break;
      case 'B': c = '8'; break;
      default: break;
    }
  }
  return out;
}

}  // namespace

std::string Trim(std::string_view text) {
  auto edge = [](unsigned char c) {
    return std::isspace(c) || c == ':' || c == ';' || c == ',' || c == '|' || c == '_' || c == '.';
  };
  size_t b = 0, e = text.size();
  while (b < e && edge(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && edge(static_cast<unsigned char>(text[e - 1]))) --e;
  return std::string(text.substr(b, e - b));
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> ParseDate(std::string_view text, bool day_first) {
  // Rules and dashes a reader turns into long runs of punctuation (em dashes, underscores) are
  // spaces to a date.
  std::string t;
  for (unsigned char c : Trim(text)) {
    bool keep = c < 0x80 && c != '_' && c != '=' && c != '|';
    if (keep) t.push_back(static_cast<char>(c));
    else if (t.empty() || t.back() != ' ') t.push_back(' ');
  }
  std::smatch m;
  static const std::regex kNumeric(R"((\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}))");
  // A reader sometimes sets a space beside a dash ("1951 -03-28").
  static const std::regex kIso(R"((\d{4}) ?- ?(\d{2}) ?- ?(\d{2}))");
  static const std::regex kLong(R"(([A-Za-z]{3,9})\.?\s+(\d{1,2})\s*[,.]?\s*(\d{4}))");
  static const std::regex kDayFirst(R"((\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4}))");
  std::string digits = DigitsFromLookalikes(t);
  if (std::regex_search(t, m, kIso) || std::regex_search(digits, m, kIso))
    return MakeDate(std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]));
  // Month and day as the order says (the first number the month unless `day_first`).
  auto ordered = [&](const std::smatch& n) {
    int a = std::stoi(n[1]), b = std::stoi(n[2]);
    return day_first ? MakeDate(std::stoi(n[3]), b, a) : MakeDate(std::stoi(n[3]), a, b);
  };
  if (std::regex_search(t, m, kNumeric) || std::regex_search(digits, m, kNumeric)) return ordered(m);
  if (std::regex_search(t, m, kLong)) {
    int month = MonthNumber(m[1].str());
    if (month) return MakeDate(std::stoi(m[3]), month, std::stoi(m[2]));
  }
  if (std::regex_search(t, m, kDayFirst)) {
    int month = MonthNumber(m[2].str());
    if (month) return MakeDate(std::stoi(m[3]), month, std::stoi(m[1]));
  }
  // Three groups of digits alone, as date boxes print them ("03 | 14 | 1962"): month, day, year
  // (US order), as with slashes.
  static const std::regex kBoxes(R"(^\s*(\d{1,2})\s+(\d{1,2})\s+(\d{4})\s*$)");
  if (std::regex_match(t, m, kBoxes) || std::regex_match(digits, m, kBoxes)) return ordered(m);
  // Eight digits alone, as comb boxes print them: MMDDYYYY (US order) or YYYYMMDD, whichever is
  // a date; nothing when both are.
  static const std::regex kEight(R"(^\s*(\d{2})(\d{2})(\d{4})\s*$)");
  if (!day_first && std::regex_match(t, m, kEight)) {
    auto us = MakeDate(std::stoi(m[3]), std::stoi(m[1]), std::stoi(m[2]));
    std::string all = m[1].str() + m[2].str() + m[3].str();
    auto iso = MakeDate(std::stoi(all.substr(0, 4)), std::stoi(all.substr(4, 2)), std::stoi(all.substr(6, 2)));
    if (us && iso) return std::nullopt;
    return us ? us : iso;
  }
  return std::nullopt;
}

std::optional<std::string> ParseBirthDate(std::string_view text, std::string_view today, bool day_first) {
  auto date = ParseDate(text, day_first);
  if (!date || today.size() < 10) return date;
  if (*date > today) return std::nullopt;
  int year = std::stoi(std::string(today.substr(0, 4)));
  if (std::stoi(date->substr(0, 4)) < year - 120) return std::nullopt;
  return date;
}

std::optional<std::string> ParsePhone(std::string_view text) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  std::string t = Trim(text);
  std::string digits;
  for (char c : DigitsFromLookalikes(t))
    if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  if (digits.size() == 11 && digits[0] == '1') digits.erase(0, 1);
  if (digits.size() != 10) return std::nullopt;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util->Parse(digits, "US", &number) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
  // 555-01xx numbers are reserved for fiction and fail IsValidNumber; the rest of the rules
  // (area code and exchange not starting with 0 or 1) still apply.
  if (!util->IsPossibleNumber(number)) return std::nullopt;
  if (digits[0] < '2' || digits[3] < '2') return std::nullopt;
  return digits;
}

std::string FormatUsPhone(std::string_view d) {
  if (d.size() != 10) return std::string(d);
  return fmt::format("({}) {}-{}", d.substr(0, 3), d.substr(3, 3), d.substr(6));
}

std::optional<std::string> ParseEmail(std::string_view text) {
  std::string t = Trim(text);
  // The reader splits an address at its punctuation ("jdoe @ example.org"); an address has no
  // spaces, so spaces next to '@' and '.' go.
  for (size_t at; (at = t.find(" @")) != std::string::npos;) t.erase(at, 1);
  for (size_t at; (at = t.find("@ ")) != std::string::npos;) t.erase(at + 1, 1);
  for (size_t at; (at = t.find(" .")) != std::string::npos;) t.erase(at, 1);
  for (size_t at; (at = t.find(". ")) != std::string::npos;) t.erase(at + 1, 1);
  static const std::regex kEmail(R"(^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$)");
  if (!std::regex_match(t, kEmail)) return std::nullopt;
  return Lower(t);
}

std::optional<std::string> ParseState(std::string_view text) {
  struct State {
    const char* code;
    const char* name;
  };
  static constexpr State kStates[] = {
      {"AL", "alabama"}, {"AK", "alaska"}, {"AZ", "arizona"}, {"AR", "arkansas"},
      {"CA", "california"}, {"CO", "colorado"}, {"CT", "connecticut"}, {"DE", "delaware"},
      {"DC", "district of columbia"}, {"FL", "florida"}, {"GA", "georgia"}, {"HI", "hawaii"},
      {"ID", "idaho"}, {"IL", "illinois"}, {"IN", "indiana"}, {"IA", "iowa"}, {"KS", "kansas"},
      {"KY", "kentucky"}, {"LA", "louisiana"}, {"ME", "maine"}, {"MD", "maryland"},
      {"MA", "massachusetts"}, {"MI", "michigan"}, {"MN", "minnesota"}, {"MS", "mississippi"},
      {"MO", "missouri"}, {"MT", "montana"}, {"NE", "nebraska"}, {"NV", "nevada"},
      {"NH", "new hampshire"}, {"NJ", "new jersey"}, {"NM", "new mexico"}, {"NY", "new york"},
      {"NC", "north carolina"}, {"ND", "north dakota"}, {"OH", "ohio"}, {"OK", "oklahoma"},
      {"OR", "oregon"}, {"PA", "pennsylvania"}, {"RI", "rhode island"}, {"SC", "south carolina"},
      {"SD", "south dakota"}, {"TN", "tennessee"}, {"TX", "texas"}, {"UT", "utah"},
      {"VT", "vermont"}, {"VA", "virginia"}, {"WA", "washington"}, {"WV", "west virginia"},
      {"WI", "wisconsin"}, {"WY", "wyoming"}, {"PR", "puerto rico"}, {"GU", "guam"},
      {"VI", "virgin islands"}, {"AS", "american samoa"}, {"MP", "northern mariana islands"}};
  std::string t = Trim(text);
  std::string upper = t;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string lower = Lower(t);
  for (const State& s : kStates)
    if (upper == s.code || lower == s.name) return std::string(s.code);
  return std::nullopt;
}

std::optional<std::string> ParseZip(std::string_view text) {
  std::string t = DigitsFromLookalikes(Trim(text));
  static const std::regex kZip(R"(^(\d{5})(\s*-\s*(\d{4}))?$)");
  std::smatch m;
  if (!std::regex_match(t, m, kZip)) return std::nullopt;
  return m[3].matched ? m[1].str() + "-" + m[3].str() : m[1].str();
}

bool NpiValid(std::string_view npi) {
  if (npi.size() != 10 || !std::all_of(npi.begin(), npi.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  std::string payload = "80840" + std::string(npi.substr(0, 9));
  int sum = 0;
  bool twice = true;
  for (auto it = payload.rbegin(); it != payload.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return (10 - sum % 10) % 10 == npi[9] - '0';
}

std::optional<std::string> ParseNpi(std::string_view text) {
  std::string digits;
  for (char c : DigitsFromLookalikes(Trim(text)))
    if (!std::isspace(static_cast<unsigned char>(c))) digits.push_back(c);
  if (!NpiValid(digits)) return std::nullopt;
  return digits;
}

std::optional<std::string> ParseMbi(std::string_view text) {
  std::string t;
  for (char c : Trim(text))
    if (c != '-' && c != ' ') t.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (t.size() != 11) return std::nullopt;
  auto alpha = [](char c) { return c >= 'A' && c <= 'Z' && std::string_view("SLOIBZ").find(c) == std::string_view::npos; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  // Position classes: N numeric (1-9 first), A alphabetic, X alphanumeric.
  static constexpr std::string_view kPattern = "NAXNAXNAANN";
  for (size_t i = 0; i < 11; ++i) {
    char c = t[i];
    // A reader may turn 0 into O and 1 into I where only digits can stand, and back.
    if (kPattern[i] == 'N') {
      if (c == 'O') c = '0';
      if (c == 'I' || c == 'L') c = '1';
      if (!digit(c) || (i == 0 && c == '0')) return std::nullopt;
    } else if (kPattern[i] == 'A') {
      if (c == '0') c = 'O';
      if (!alpha(c)) return std::nullopt;
    } else if (!alpha(c) && !digit(c)) {
      return std::nullopt;
    }
    t[i] = c;
  }
  return t;
}

std::optional<std::string> ParseRxBin(std::string_view text) {
  std::string t = DigitsFromLookalikes(Trim(text));
  if (t.size() != 6 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return t;
}

std::optional<std::string> ParseIdentifier(std::string_view text, size_t min, size_t max) {
  std::string t;
  for (char c : Trim(text))
    if (c != ' ') t.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (t.size() < min || t.size() > max) return std::nullopt;
  if (!std::all_of(t.begin(), t.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }))
    return std::nullopt;
  for (size_t i = 2; i < t.size(); ++i)
    if (t[i] == t[i - 1] && t[i] == t[i - 2] && !std::isdigit(static_cast<unsigned char>(t[i])))
      return std::nullopt;
  return t;
}

std::optional<bool> ZipFitsState(std::string_view state, std::string_view zip) {
  // Three-digit ZIP prefixes by state (USPS), as inclusive ranges.
  struct Span {
    const char* state;
    int from, to;
  };
  static constexpr Span kSpans[] = {
      {"AL", 350, 369}, {"AK", 995, 999}, {"AZ", 850, 865}, {"AR", 716, 729}, {"AR", 755, 755},
      {"CA", 900, 961}, {"CO", 800, 816}, {"CT", 60, 69},   {"DE", 197, 199}, {"DC", 200, 205},
      {"DC", 569, 569}, {"FL", 320, 349}, {"GA", 300, 319}, {"GA", 398, 399}, {"HI", 967, 968},
      {"ID", 832, 838}, {"IL", 600, 629}, {"IN", 460, 479}, {"IA", 500, 528}, {"KS", 660, 679},
      {"KY", 400, 427}, {"LA", 700, 714}, {"ME", 39, 49},   {"MD", 206, 219}, {"MA", 10, 27},
      {"MA", 55, 55},   {"MI", 480, 499}, {"MN", 550, 567}, {"MS", 386, 397}, {"MO", 630, 658},
      {"MT", 590, 599}, {"NE", 680, 693}, {"NV", 889, 898}, {"NH", 30, 38},   {"NJ", 70, 89},
      {"NM", 870, 884}, {"NY", 100, 149}, {"NY", 5, 5},     {"NY", 63, 63},   {"NC", 270, 289},
      {"ND", 580, 588}, {"OH", 430, 459}, {"OK", 730, 749}, {"OR", 970, 979}, {"PA", 150, 196},
      {"RI", 28, 29},   {"SC", 290, 299}, {"SD", 570, 577}, {"TN", 370, 385}, {"TX", 750, 799},
      {"TX", 733, 733}, {"TX", 885, 885}, {"UT", 840, 847}, {"VT", 50, 59},   {"VA", 201, 201},
      {"VA", 220, 246}, {"WA", 980, 994}, {"WV", 247, 268}, {"WI", 530, 549}, {"WY", 820, 831},
      {"WY", 834, 834},
  };
  if (zip.size() < 5 || !std::all_of(zip.begin(), zip.begin() + 3, [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  int prefix = (zip[0] - '0') * 100 + (zip[1] - '0') * 10 + (zip[2] - '0');
  bool known = false;
  for (const Span& s : kSpans) {
    if (state != s.state) continue;
    known = true;
    if (prefix >= s.from && prefix <= s.to) return true;
  }
  if (!known) return std::nullopt;
  return false;
}

std::optional<std::string> ParseGender(std::string_view text) {
  std::string t = Lower(Trim(text));
  // English, and Spanish as forms for Spanish-speaking patients print it.
  if (t == "m" || t == "male" || t == "man" || t == "masculino" || t == "hombre" || t == "varon") return "male";
  if (t == "f" || t == "female" || t == "woman" || t == "femenino" || t == "mujer") return "female";
  if (t == "x" || t == "other" || t == "non-binary" || t == "nonbinary" || t == "otro" || t == "otra")
    return "other";
  return std::nullopt;
}

}  // namespace salus::capture
