#include "capture/extract.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "capture/checks.h"

namespace salus::capture {
namespace {

// ---- text helpers ----

// The ASCII letter of an accented Latin letter in UTF-8 (the two bytes C3 80-BF: "é" -> 'e',
// "Ñ" -> 'n'), or 0. Spanish and other labels are matched without their accents, which readers
// often drop or misread anyway ("Direccion", "Codigo").
char FoldLatin1(unsigned char lead, unsigned char next) {
  if (lead != 0xC3 || next < 0x80 || next > 0xBF) return 0;
  static constexpr char kFold[] = "aaaaaaaceeeeiiiidnooooo ouuuuyts"  // C3 80-9F (upper case)
                                  "aaaaaaaceeeeiiiidnooooo ouuuuyty";  // C3 A0-BF (lower case)
  char c = kFold[next - 0x80];
  return c == ' ' ? 0 : c;
}

// Lower case, letters/digits/#/% kept (accented letters without their accents), everything
// else one space; parenthesised parts dropped.
std::string Normalise(std::string_view text) {
  std::string out;
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i + 1 < text.size()) {
      if (char folded = FoldLatin1(static_cast<unsigned char>(c), static_cast<unsigned char>(text[i + 1]))) {
        ++i;
        if (!depth) out.push_back(folded);
        continue;
      }
    }
    if (c == '(') { ++depth; continue; }
    if (c == ')') { depth = std::max(0, depth - 1); continue; }
    if (depth) continue;
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '#' || c == '%' || c == '/') {
      out.push_back(static_cast<char>(std::tolower(u)));
    } else if (!out.empty() && out.back() != ' ') {
      out.push_back(' ');
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool FuzzyEquals(std::string_view read, std::string_view expected) {
  if (read == expected) return true;
  int allowed = expected.size() >= 12 ? 2 : expected.size() >= 5 ? 1 : 0;
  return allowed > 0 && std::abs(static_cast<int>(read.size()) - static_cast<int>(expected.size())) <= allowed &&
         EditDistance(read, expected) <= allowed;
}

std::string TitleCase(std::string_view text) {
  std::string out(text);
  bool all_upper = std::none_of(out.begin(), out.end(), [](unsigned char c) { return std::islower(c); });
  if (!all_upper) return out;
  bool start = true;
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    c = static_cast<char>(start ? std::toupper(u) : std::tolower(u));
    start = !std::isalpha(u) && c != '\'';
  }
  return out;
}

// ---- labels ----

enum class Target {
  kFamily, kGiven, kFullName, kBirthDate, kGender, kStreet, kCity, kState, kZip, kPhone, kEmail,
  kPayer, kMemberId, kGroup, kRxBin, kRxPcn, kMbi, kAllergies, kCollected, kNpi,
  kFullNameFamilyFirst,  // a full name under a label that says it is printed surname first
  kSubscriberName,       // the policy holder's name: the patient's only when no other name is given
  kOther,  // a label of a field not extracted: known so that it is never taken for a value
};

struct Label {
  const char* text;  // normalised
  Target target;
};

// Labels as US patient documents print them. Matching is on normalised text (parentheses
// dropped), exact or within one edit for longer labels.
constexpr Label kLabels[] = {
    {"last name", Target::kFamily}, {"surname", Target::kFamily}, {"family name", Target::kFamily},
    {"patient last name", Target::kFamily}, {"last", Target::kFamily},
    {"first name", Target::kGiven}, {"given name", Target::kGiven}, {"given names", Target::kGiven},
    {"forename", Target::kGiven}, {"forenames", Target::kGiven}, {"first names", Target::kGiven},
    {"patient first name", Target::kGiven}, {"first", Target::kGiven},
    {"patient name", Target::kFullName}, {"name", Target::kFullName}, {"patient", Target::kFullName},
    {"member", Target::kFullName}, {"member name", Target::kFullName},
    {"subscriber name", Target::kSubscriberName}, {"subscriber", Target::kSubscriberName},
    {"insured name", Target::kSubscriberName}, {"name/nombre", Target::kFullName}, {"re", Target::kFullName},
    {"enrollee", Target::kFullName}, {"enrollee name", Target::kFullName},
    {"for", Target::kFullName}, {"prepared for", Target::kFullName}, {"pt", Target::kFullName},
    {"pt name", Target::kFullName}, {"resident", Target::kFullName}, {"resident name", Target::kFullName},
    {"cardholder", Target::kFullName}, {"cardholder name", Target::kFullName}, {"card holder", Target::kFullName},
    {"date of birth", Target::kBirthDate}, {"dob", Target::kBirthDate}, {"born", Target::kBirthDate},
    {"birth date", Target::kBirthDate}, {"birthdate", Target::kBirthDate},
    {"d o b", Target::kBirthDate}, {"date of birth mm/dd/yyyy", Target::kBirthDate},
    {"sex", Target::kGender}, {"gender", Target::kGender}, {"sex at birth", Target::kGender},
    {"sex assigned at birth", Target::kGender}, {"birth sex", Target::kGender},
    {"street address", Target::kStreet}, {"address", Target::kStreet},
    {"home address", Target::kStreet}, {"mailing address", Target::kStreet},
    {"street", Target::kStreet}, {"address line 1", Target::kStreet},
    {"city", Target::kCity}, {"town", Target::kCity}, {"town / city", Target::kCity},
    {"town city", Target::kCity}, {"city/town", Target::kCity},
    {"state", Target::kState}, {"st", Target::kState},
    {"zip", Target::kZip}, {"zip code", Target::kZip}, {"postal code", Target::kZip},
    {"zipcode", Target::kZip}, {"zip/postal code", Target::kZip}, {"postcode", Target::kZip},
    {"post code", Target::kZip},
    {"phone", Target::kPhone}, {"home phone", Target::kPhone}, {"cell phone", Target::kPhone},
    {"telephone", Target::kPhone}, {"telephone number", Target::kPhone}, {"mobile", Target::kPhone},
    {"mobile phone", Target::kPhone},
    {"phone number", Target::kPhone}, {"tel", Target::kPhone}, {"cell", Target::kPhone},
    {"email", Target::kEmail}, {"e mail", Target::kEmail}, {"email address", Target::kEmail},
    {"e mail address", Target::kEmail},
    {"insurance company", Target::kPayer}, {"insurance carrier", Target::kPayer},
    {"insurer", Target::kPayer}, {"health plan", Target::kPayer}, {"carrier", Target::kPayer},
    {"payer", Target::kPayer}, {"plan name", Target::kPayer}, {"insurance plan", Target::kPayer},
    {"primary insurance", Target::kPayer}, {"plan", Target::kPayer}, {"insurance", Target::kPayer},
    {"send claims to", Target::kPayer}, {"send medical claims to", Target::kPayer}, {"mail claims to", Target::kPayer},
    {"member id", Target::kMemberId}, {"subscriber id", Target::kMemberId},
    {"policy id", Target::kMemberId}, {"member number", Target::kMemberId},
    {"id#", Target::kMemberId}, {"id #", Target::kMemberId}, {"id", Target::kMemberId},
    {"policy number", Target::kMemberId}, {"member #", Target::kMemberId},
    {"id number", Target::kMemberId}, {"member id#", Target::kMemberId},
    {"policy #", Target::kMemberId}, {"identification number", Target::kMemberId},
    {"identification #", Target::kMemberId}, {"identification no", Target::kMemberId},
    {"group", Target::kGroup}, {"group number", Target::kGroup}, {"grp#", Target::kGroup},
    {"grp", Target::kGroup}, {"group #", Target::kGroup}, {"group no", Target::kGroup},
    {"grp #", Target::kGroup}, {"group id", Target::kGroup},
    {"rxgrp", Target::kGroup}, {"rx grp", Target::kGroup}, {"rx group", Target::kGroup},
    {"rxbin", Target::kRxBin}, {"bin", Target::kRxBin}, {"rx bin", Target::kRxBin}, {"bin#", Target::kRxBin},
    {"bin #", Target::kRxBin}, {"rxpcn", Target::kRxPcn}, {"pcn", Target::kRxPcn}, {"rx pcn", Target::kRxPcn},
    {"pcn#", Target::kRxPcn}, {"pcn #", Target::kRxPcn},
    {"medicare number", Target::kMbi}, {"mbi", Target::kMbi},
    {"medicare number/numero de medicare", Target::kMbi}, {"medicare beneficiary identifier", Target::kMbi},
    {"allergies", Target::kAllergies}, {"drug allergies", Target::kAllergies},
    {"known allergies", Target::kAllergies}, {"allergies list all", Target::kAllergies},
    {"allergic to", Target::kAllergies}, {"medication allergies", Target::kAllergies},
    {"collected", Target::kCollected}, {"specimen collected", Target::kCollected},
    {"collection date", Target::kCollected}, {"date collected", Target::kCollected},
    {"date of collection", Target::kCollected}, {"specimen date", Target::kCollected},
    {"date drawn", Target::kCollected}, {"coll", Target::kCollected}, {"coll date", Target::kCollected},
    {"npi", Target::kNpi}, {"npi #", Target::kNpi}, {"npi number", Target::kNpi},
    {"m i", Target::kOther}, {"mi", Target::kOther}, {"middle initial", Target::kOther},
    {"middle name", Target::kOther}, {"middle", Target::kOther}, {"suffix", Target::kOther},
    {"age", Target::kOther}, {"ssn", Target::kOther}, {"social security number", Target::kOther},
    {"marital status", Target::kOther}, {"race", Target::kOther}, {"ethnicity", Target::kOther},
    {"preferred language", Target::kOther}, {"employer", Target::kOther}, {"occupation", Target::kOther},
    {"emergency contact", Target::kOther}, {"relationship", Target::kOther},
    {"relationship to patient", Target::kOther}, {"signature", Target::kOther},
    // A card's other fields: named so that they are not taken for the values of the labels above.
    {"dependent code", Target::kOther}, {"dependent", Target::kOther}, {"dependents", Target::kOther},
    {"plan type", Target::kOther}, {"effective", Target::kOther}, {"effective date", Target::kOther},
    {"copay", Target::kOther}, {"issue date", Target::kOther}, {"date issued", Target::kOther},
    {"card control #", Target::kOther}, {"card control number", Target::kOther}, {"card control no", Target::kOther},
    // State programs and Medicare name their member a recipient, beneficiary or client.
    {"recipient name", Target::kFullName}, {"recipient", Target::kFullName},
    {"beneficiary name", Target::kFullName}, {"beneficiary", Target::kFullName}, {"client name", Target::kFullName},
    {"recipient id", Target::kMemberId}, {"recipient id number", Target::kMemberId},
    {"recipient number", Target::kMemberId}, {"recipient #", Target::kMemberId},
    {"beneficiary id", Target::kMemberId}, {"client id", Target::kMemberId}, {"enrollee id", Target::kMemberId},
    {"medicaid id", Target::kMemberId}, {"medicaid number", Target::kMemberId}, {"medicaid #", Target::kMemberId},
    {"copays", Target::kOther}, {"coverage type", Target::kOther}, {"network", Target::kOther},
    // Spanish, as forms for Spanish-speaking patients print it (matched without accents).
    {"apellido", Target::kFamily}, {"apellidos", Target::kFamily}, {"primer apellido", Target::kFamily},
    {"apellido paterno", Target::kFamily}, {"nombres", Target::kGiven}, {"primer nombre", Target::kGiven},
    {"nombre de pila", Target::kGiven}, {"nombre", Target::kFullName}, {"nombre completo", Target::kFullName},
    {"nombre del paciente", Target::kFullName}, {"paciente", Target::kFullName},
    {"nombre del miembro", Target::kFullName}, {"miembro", Target::kFullName},
    {"asegurado", Target::kSubscriberName}, {"titular", Target::kSubscriberName},
    {"fecha de nacimiento", Target::kBirthDate}, {"fecha de nac", Target::kBirthDate},
    {"sexo", Target::kGender}, {"genero", Target::kGender}, {"direccion", Target::kStreet},
    {"domicilio", Target::kStreet}, {"calle", Target::kStreet}, {"ciudad", Target::kCity},
    {"estado", Target::kState}, {"codigo postal", Target::kZip}, {"telefono", Target::kPhone},
    {"celular", Target::kPhone}, {"numero de telefono", Target::kPhone},
    {"correo electronico", Target::kEmail}, {"correo", Target::kEmail},
    {"compania de seguro", Target::kPayer}, {"compania de seguros", Target::kPayer},
    {"aseguradora", Target::kPayer}, {"seguro medico", Target::kPayer}, {"plan de salud", Target::kPayer},
    {"numero de miembro", Target::kMemberId}, {"numero de afiliado", Target::kMemberId},
    {"numero de poliza", Target::kMemberId}, {"id de miembro", Target::kMemberId},
    {"numero de grupo", Target::kGroup}, {"grupo", Target::kGroup},
    {"alergias", Target::kAllergies}, {"alergico a", Target::kAllergies}, {"alergica a", Target::kAllergies},
    {"fecha de recoleccion", Target::kCollected}, {"fecha de toma", Target::kCollected},
    {"segundo nombre", Target::kOther}, {"edad", Target::kOther}, {"estado civil", Target::kOther},
    {"idioma", Target::kOther}, {"firma", Target::kOther}, {"ocupacion", Target::kOther},
    {"contacto de emergencia", Target::kOther}, {"parentesco", Target::kOther},
};

struct LabelHit {
  Target target;
  size_t label_length;
  std::string inline_value;  // text after "Label:" in the same phrase
  bool has_inline = false;
  // Two labels joined by a slash ("RX BIN/PCN"): the field of each part, in order; its value is
  // read the same way ("610014 / ADV"). Empty otherwise.
  std::vector<Target> slash_targets;
  bool day_first = false;  // the label asks for a date day first ("Date of birth (DD/MM/YYYY)")
};

std::optional<LabelHit> MatchLabelTextExactly(const std::string& norm, bool allow_fuzzy);

// The parts of a normalised text between slashes, trimmed ("name/nombre" -> name, nombre).
std::vector<std::string> SlashParts(const std::string& norm) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = norm.find('/', start);
    parts.push_back(Trim(norm.substr(start, end == std::string::npos ? std::string::npos : end - start)));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// The core of a label printed with qualifiers: "Patient's last name" → "last name", "Legal
// last name" → "last name", "Preferred phone" → "phone", "Home street address" → "street
// address": leading possessives and qualifiers go. Empty when nothing was dropped.
std::vector<std::string> LabelCores(const std::string& norm) {
  static const char* kLeading[] = {"patient s", "patients", "patient", "member s", "subscriber s", "your",
                                   "primary", "home", "daytime", "day", "evening", "work", "current",
                                   "permanent", "best", "main", "legal", "preferred", "mailing", "contact",
                                   "full", "please", "list", "any", "enter", "print", "write", "health",
                                   "insurance"};
  std::vector<std::string> out;
  std::string core = norm;
  // Two qualifiers joined by "or" before the label: "Home or cell phone", "Drug or food allergies".
  static const std::regex kEitherOr(R"(^\S+ or \S+ (\S.*)$)");
  std::smatch m;
  if (std::regex_match(norm, m, kEitherOr)) core = m[1].str();
  if (core != norm) out.push_back(core);
  // Each qualifier dropped in turn, every step a form to try: "Health insurance company" is an
  // insurance company before it is a company.
  for (bool changed = true; changed;) {
    changed = false;
    for (const char* q : kLeading) {
      std::string prefix = std::string(q) + " ";
      if (core.starts_with(prefix) && core.size() > prefix.size()) {
        core = core.substr(prefix.size());
        out.push_back(core);
        changed = true;
      }
    }
  }
  return out;
}

bool IsIdentifierTarget(Target t) {
  return t == Target::kMemberId || t == Target::kGroup || t == Target::kRxBin || t == Target::kRxPcn ||
         t == Target::kMbi || t == Target::kNpi;
}

// A label with a trailing word that only restates it: "Insurance company name" (a payer),
// "Member ID number" (an identifier).
std::optional<LabelHit> MatchWithTrailingWord(const std::string& norm) {
  struct Trailing {
    const char* suffix;
    bool (*fits)(Target);
  };
  static const Trailing kTrailing[] = {
      {" name", [](Target t) { return t == Target::kPayer; }},
      {" number", IsIdentifierTarget},
      {" no", IsIdentifierTarget},
      {" #", IsIdentifierTarget},
      {"#", IsIdentifierTarget},  // "Group#", "Member#"
  };
  for (const Trailing& tr : kTrailing) {
    if (!norm.ends_with(tr.suffix) || norm.size() <= std::strlen(tr.suffix)) continue;
    auto hit = MatchLabelTextExactly(norm.substr(0, norm.size() - std::strlen(tr.suffix)), false);
    if (hit && tr.fits(hit->target)) return hit;
  }
  return std::nullopt;
}

// "Allergies to medicines, foods or latex", "Allergic to (list all)": a question about
// allergies, however it goes on.
std::optional<LabelHit> MatchAllergyQuestion(const std::string& norm) {
  if (norm.size() > 64 || std::any_of(norm.begin(), norm.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  for (const char* head : {"allergies ", "allergic to ", "known allergies ", "drug allergies "}) {
    if (norm.starts_with(head)) return LabelHit{Target::kAllergies, std::strlen(head) - 1, {}, false};
  }
  // "Do you have any allergies? If yes, list them", "Are you allergic to any medicines?"
  for (const char* head : {"do you have ", "are you ", "have you any ", "any "}) {
    if (!norm.starts_with(head)) continue;
    std::string padded = " " + norm + " ";
    if (padded.find(" allergies ") != std::string::npos || padded.find(" allergic to ") != std::string::npos)
      return LabelHit{Target::kAllergies, norm.size(), {}, false};
  }
  return std::nullopt;
}

std::vector<std::pair<size_t, std::string>> SpacedWords(std::string_view text);

std::optional<LabelHit> MatchLabelText(const std::string& norm, bool allow_fuzzy) {
  // A numbered field ("7. STREET ADDRESS", "9a. ZIP"): the number is not part of the label.
  static const std::regex kFieldNumber(R"(^\d{1,2}[a-z]? (.+)$)");
  if (std::smatch m; std::regex_match(norm, m, kFieldNumber)) {
    auto hit = MatchLabelText(m[1].str(), allow_fuzzy);
    if (hit) hit->label_length = norm.size();
    return hit;
  }
  if (auto hit = MatchLabelTextExactly(norm, allow_fuzzy)) return hit;
  std::vector<std::string> forms = LabelCores(norm);
  forms.insert(forms.begin(), norm);
  for (size_t i = 0; i < forms.size(); ++i) {
    const std::string& form = forms[i];
    std::optional<LabelHit> hit = i > 0 ? MatchLabelTextExactly(form, false) : std::nullopt;
    if (!hit) hit = MatchWithTrailingWord(form);
    if (hit) {
      hit->label_length = norm.size();  // the whole printed label is the label
      return hit;
    }
  }
  // "Town or city", "Cell or home phone": either part names the field.
  if (size_t orpos = norm.find(" or "); orpos != std::string::npos) {
    std::optional<LabelHit> a = MatchLabelTextExactly(norm.substr(0, orpos), false);
    std::optional<LabelHit> b = MatchLabelTextExactly(norm.substr(orpos + 4), false);
    if (a && b && a->target == b->target) {
      a->label_length = norm.size();
      return a;
    }
  }
  // Abbreviated words ("Res. addr.", "Tel. No.", "Ins. Co.", "Pol. No."): spelled out, when
  // there are two or more words and one was abbreviated.
  if (norm.find(' ') != std::string::npos) {
    static const std::map<std::string, std::string> kAbbreviations = {
        {"addr", "address"}, {"tel", "telephone"}, {"no", "number"}, {"num", "number"}, {"nbr", "number"},
        {"co", "company"}, {"ins", "insurance"}, {"pol", "policy"}, {"mbr", "member"}, {"res", "home"},
        {"subscr", "subscriber"}, {"dt", "date"}, {"ph", "phone"}};
    std::string spelled;
    bool changed = false;
    for (const auto& [at, word] : SpacedWords(norm)) {
      auto it = kAbbreviations.find(word);
      changed |= it != kAbbreviations.end();
      spelled += (spelled.empty() ? "" : " ") + (it != kAbbreviations.end() ? it->second : word);
    }
    if (changed && spelled != norm)
      if (auto hit = MatchLabelText(spelled, false)) {
        hit->label_length = norm.size();
        return hit;
      }
  }
  return MatchAllergyQuestion(norm);
}

std::optional<LabelHit> MatchLabelTextExactly(const std::string& norm, bool allow_fuzzy) {
  // A label read exactly wins over one within an edit of it ("Insurer" is not "Insured").
  for (const Label& l : kLabels) {
    if (norm == l.text) return LabelHit{l.target, norm.size(), {}, false};
  }
  std::optional<LabelHit> best;
  for (const Label& l : kLabels) {
    std::string_view lt = l.text;
    bool match = norm == lt || (allow_fuzzy && lt.size() >= 5 && FuzzyEquals(norm, lt));
    if (!match && norm.find('/') != std::string::npos) {
      // "Name/Nombre", "Policy / Member ID": one of the parts between slashes.
      for (const std::string& part : SlashParts(norm)) match = match || part == lt;
    }
    if (match && (!best || lt.size() > best->label_length)) best = LabelHit{l.target, lt.size(), {}, false, {}};
  }
  if (best && norm.find('/') != std::string::npos) {
    // Each part a label of its own field ("rx bin/pcn": the second part read with the first's
    // prefix, "rx pcn"): the value holds one part each.
    std::vector<std::string> parts = SlashParts(norm);
    std::vector<Target> targets;
    std::string prefix;
    if (size_t sp = parts.front().rfind(' '); sp != std::string::npos) prefix = parts.front().substr(0, sp + 1);
    for (const std::string& part : parts) {
      std::optional<Target> t;
      for (const Label& l : kLabels)
        if (part == l.text || (!prefix.empty() && prefix + part == l.text)) t = l.target;
      if (!t) break;
      targets.push_back(*t);
    }
    std::vector<Target> distinct = targets;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    if (targets.size() == parts.size() && distinct.size() == targets.size() && targets.size() >= 2)
      best->slash_targets = targets;
  }
  return best;
}

// The words of a text split at spaces, each with its offset in the text.
std::vector<std::pair<size_t, std::string>> SpacedWords(std::string_view text) {
  std::vector<std::pair<size_t, std::string>> words;
  for (size_t b = text.find_first_not_of(' '); b != std::string_view::npos; b = text.find_first_not_of(' ', b)) {
    size_t e = text.find(' ', b);
    words.emplace_back(b, std::string(text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b)));
    b = e;
  }
  return words;
}

// A value read together with the label of the next field and that field's value: the value up
// to where the label (of at most `max_words` words, `wanted` of its field) starts, the
// label's own value after it.
std::string CutBeforeLabel(const std::string& value, size_t max_words, bool (*wanted)(Target)) {
  std::vector<std::pair<size_t, std::string>> words = SpacedWords(value);
  for (size_t i = 1; i < words.size(); ++i) {
    std::string head;
    for (size_t n = 0; n < max_words && i + n + 1 < words.size(); ++n) {
      head += (n ? " " : "") + words[i + n].second;
      auto hit = MatchLabelTextExactly(Normalise(head), false);
      if (hit && wanted(hit->target)) return Trim(value.substr(0, words[i].first));
    }
  }
  return value;
}

// "HPRX    GRP RX933": an identifier read together with the next label and its value (several
// pairs printed on one line) ends where that label starts.
std::string CutAtNextLabel(const std::string& value) { return CutBeforeLabel(value, 2, IsIdentifierTarget); }

// "Omar Kowalski  DOB: 01/05/1978  Collected: ...": a value read together with the next
// "Label:" on its line ends where that label starts.
std::string CutAtNextColonLabel(const std::string& value) {
  std::vector<std::pair<size_t, std::string>> words = SpacedWords(value);
  for (size_t i = 1; i < words.size(); ++i) {
    if (words[i].second.size() < 2 || words[i].second.back() != ':') continue;
    // The label is this word, or it with one or two words before it ("Date of birth:").
    for (size_t n = 1; n <= 3 && n <= i; ++n) {
      size_t first = i + 1 - n;
      std::string head;
      for (size_t k = first; k <= i; ++k) head += (k > first ? " " : "") + words[k].second;
      if (MatchLabelTextExactly(Normalise(head), false)) return Trim(value.substr(0, words[first].first));
    }
  }
  return value;
}

// "Vasquez, Michael DOB 01/10/1971": a name read together with the label of the next field
// and its value (without a colon) ends where that label starts.
std::string CutAtFollowingLabel(const std::string& value) {
  return CutBeforeLabel(value, 3, [](Target t) {
    return t == Target::kBirthDate || t == Target::kGender || t == Target::kPhone;
  });
}

// Whether a name's label (in lower case, with its parenthesis) says it is printed surname
// first: "(last, first)", "name (last first)", "surname, given names".
bool FamilyFirstHint(std::string_view t) {
  size_t family = std::min({t.find("last"), t.find("surname"), t.find("family")});
  size_t given = std::min(t.find("first"), t.find("given"));
  return family != std::string::npos && given != std::string::npos && family < given;
}

// A questionnaire's question ("What is your last name?", "When were you born?") labels the
// answer under it: the field it asks for is the longest field name it contains.
std::optional<LabelHit> MatchQuestion(const std::string& norm) {
  static const Label kAsked[] = {
      {"last name", Target::kFamily}, {"family name", Target::kFamily}, {"surname", Target::kFamily},
      {"first name", Target::kGiven}, {"given name", Target::kGiven}, {"born", Target::kBirthDate},
      {"date of birth", Target::kBirthDate}, {"birthday", Target::kBirthDate}, {"sex", Target::kGender},
      {"gender", Target::kGender}, {"street address", Target::kStreet}, {"address", Target::kStreet},
      {"home address", Target::kStreet}, {"city", Target::kCity}, {"town", Target::kCity},
      {"zip code", Target::kZip}, {"zip", Target::kZip}, {"postal code", Target::kZip}, {"state", Target::kState},
      {"phone number", Target::kPhone}, {"phone", Target::kPhone}, {"telephone", Target::kPhone},
      {"e mail", Target::kEmail}, {"email", Target::kEmail}, {"e mail address", Target::kEmail},
      {"email address", Target::kEmail}, {"insurance", Target::kPayer}, {"insurer", Target::kPayer},
      {"health plan", Target::kPayer}, {"insurance company", Target::kPayer}, {"member id", Target::kMemberId},
      {"policy number", Target::kMemberId}, {"subscriber id", Target::kMemberId},
      {"group number", Target::kGroup}, {"allergic", Target::kAllergies}, {"allergies", Target::kAllergies},
      {"middle name", Target::kOther}, {"middle initial", Target::kOther},
  };
  if (norm.size() > 100) return std::nullopt;
  std::string padded = " " + norm + " ";
  const Label* best = nullptr;
  for (const Label& l : kAsked)
    if (padded.find(" " + std::string(l.text) + " ") != std::string::npos &&
        (!best || std::strlen(l.text) > std::strlen(best->text)))
      best = &l;
  if (!best) return std::nullopt;
  return LabelHit{best->target, norm.size(), {}, false};
}

// Words too generic to be labels alone (forms head a section "INSURANCE"), and abbreviations too
// short to trust without one, labels when a colon follows them: "Insurance:", "Seguro médico /
// Insurance:", a face sheet's "ADDR:", "HOME PH:", "PRIMARY INS:".
std::optional<LabelHit> MatchColonOnlyLabel(const std::string& norm) {
  static const Label kColonOnly[] = {{"insurance", Target::kPayer}, {"seguro", Target::kPayer},
                                     {"ins", Target::kPayer},       {"addr", Target::kStreet},
                                     {"ph", Target::kPhone},        {"phone no", Target::kPhone}};
  for (const std::string& part : SlashParts(norm)) {
    std::vector<std::string> forms = LabelCores(part);
    forms.insert(forms.begin(), part);
    for (const std::string& form : forms)
      for (const Label& l : kColonOnly)
        if (form == l.text) return LabelHit{l.target, norm.size(), {}, false};
  }
  return std::nullopt;
}

// A phrase is a label when its whole text is one; or "Label: value" within one phrase.
std::optional<LabelHit> MatchInlineLabel(const Phrase& p);

std::optional<LabelHit> MatchLabel(const Phrase& p) {
  std::string norm = Normalise(p.text);
  if (norm.empty()) return std::nullopt;
  // "Allergies: None" is a label and its value, not a question about allergies however it goes
  // on: a label before a colon with text after it is tried first.
  if (size_t colon = p.text.find(':'); colon != std::string::npos && !Trim(p.text.substr(colon + 1)).empty())
    if (auto hit = MatchInlineLabel(p)) return hit;
  if (auto hit = MatchLabelText(norm, true)) return hit;
  if (size_t last = p.text.find_last_not_of(' '); last != std::string::npos && p.text[last] == ':')
    if (auto hit = MatchColonOnlyLabel(norm)) return hit;
  if (std::string t = Trim(p.text); !t.empty() && t.back() == '?') return MatchQuestion(norm);
  if (auto hit = MatchInlineLabel(p)) return hit;
  // "ID# XQH123" or "DOB 01/02/1990": a short label word followed by its value. The longest
  // label that starts the phrase ("Group No. 256408" is "Group No." and its value).
  std::vector<size_t> cuts;
  for (size_t cut = norm.find(' '); cut != std::string::npos && cut <= 24; cut = norm.find(' ', cut + 1)) cuts.push_back(cut);
  for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
    size_t cut = *it;
    std::string head = norm.substr(0, cut);
    auto hit = MatchLabelText(head, false);
    if (!hit) continue;
    static const std::map<Target, bool> kInlineWithoutColon = {
        {Target::kBirthDate, true}, {Target::kCollected, true}, {Target::kMemberId, true}, {Target::kGroup, true},
        {Target::kRxBin, true}, {Target::kRxPcn, true}, {Target::kNpi, true}};
    if (!kInlineWithoutColon.contains(hit->target)) continue;
    // Find the same cut in the original text by word count.
    int words = static_cast<int>(std::count(head.begin(), head.end(), ' ')) + 1;
    size_t pos = 0;
    for (int i = 0; i < words && pos != std::string::npos; ++i) pos = p.text.find(' ', pos + (i ? 1 : 0));
    if (pos == std::string::npos) continue;
    hit->inline_value = Trim(CutAtNextColonLabel(p.text.substr(pos + 1)));
    if (IsIdentifierTarget(hit->target)) hit->inline_value = CutAtNextLabel(hit->inline_value);
    hit->has_inline = !hit->inline_value.empty();
    if (hit->has_inline) return hit;
  }
  return std::nullopt;
}

// "Label: value" within one phrase ("Insurance: Acme Health": a word that is a label only with
// its colon counts here).
std::optional<LabelHit> MatchInlineLabel(const Phrase& p) {
  size_t colon = p.text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= p.text.size()) return std::nullopt;
  std::string head = Normalise(p.text.substr(0, colon));
  auto hit = MatchLabelText(head, true);
  if (!hit) hit = MatchColonOnlyLabel(head);
  if (!hit) return std::nullopt;
  hit->inline_value = Trim(CutAtNextColonLabel(p.text.substr(colon + 1)));
  if (IsIdentifierTarget(hit->target)) hit->inline_value = CutAtNextLabel(hit->inline_value);
  hit->has_inline = !hit->inline_value.empty();
  if (hit->has_inline) return hit;
  return std::nullopt;
}

// ---- candidates ----

struct Candidate {
  std::string text;
  Box box;
  float confidence = 0;
  int page = 0;
  size_t label_length = 0;
  int order = 0;  // 0 inline, 1 right, 2 below
  bool day_first = false;  // its label asks for a date day first
};

struct PagePhrase {
  const Phrase* phrase;
  int line;
  int index;  // within the line
};

class Reader {
 public:
  // A label found on a page: where, and what it labels.
  struct Found {
    int page, line, index;
    LabelHit hit;
  };

  Reader(const std::vector<Layout>& pages, std::string_view today) : pages_(pages), today_(today) {}

  void CollectLabels() {
    for (size_t pi = 0; pi < pages_.size(); ++pi) {
      const Layout& page = pages_[pi];
      for (size_t li = 0; li < page.lines.size(); ++li) {
        const Line& line = page.lines[li];
        for (size_t i = 0; i < line.phrases.size(); ++i) {
          const Phrase& p = line.phrases[i];
          auto hit = MatchLabel(p);
          if (!hit) continue;
          // The label as printed, with the parenthesis printed after it: it may say how the value
          // is written.
          std::string label_text = Lower(hit->has_inline ? p.text.substr(0, p.text.find(':')) : p.text);
          if (i + 1 < line.phrases.size() && Trim(line.phrases[i + 1].text).starts_with("("))
            label_text += " " + Lower(line.phrases[i + 1].text);
          // "Date of birth (DD/MM/YYYY)", "(dd.mm.yyyy)": the date is written day first.
          static const std::regex kDayFirst(R"(\bdd\s*[/.\- ]\s*mm\b|\bday\s*/\s*month\b)");
          hit->day_first = std::regex_search(label_text, kDayFirst);
          // "ID  83784": Idaho and its ZIP code, not a member ID.
          if (hit->target == Target::kMemberId && Normalise(p.text).starts_with("id")) {
            static const std::regex kZip(R"(^\s*\d{5}(-\d{4})?\s*$)");
            std::string after = hit->has_inline ? hit->inline_value
                                : i + 1 < line.phrases.size() ? line.phrases[i + 1].text : std::string();
            std::string head = Trim(hit->has_inline ? p.text.substr(0, p.text.find(hit->inline_value)) : p.text);
            if (head == "ID" && std::regex_match(after, kZip)) continue;
            // "State   SC   ID": Idaho on a state's row (a change of details), not a label.
            bool state_row = false;
            for (size_t k = 0; k < i && !hit->has_inline; ++k)
              if (auto before = MatchLabel(line.phrases[k]); before && before->target == Target::kState) state_row = true;
            if (head == "ID" && state_row) continue;
          }
          // The order a name is printed in, when the label says it.
          if (hit->target == Target::kFullName && FamilyFirstHint(label_text)) hit->target = Target::kFullNameFamilyFirst;
          labels_.push_back({static_cast<int>(pi), static_cast<int>(li), static_cast<int>(i), *hit});
          // Several "LABEL value" pairs read as one phrase ("RxBIN 582507 RxPCN ADV RxGRP 1494"):
          // each value was cut where the next label starts; the rest holds the next pairs.
          Phrase rest = p;
          for (int guard = 0; hit && hit->has_inline && guard < 8; ++guard) {
            size_t at = rest.text.find(hit->inline_value);
            if (at == std::string::npos) break;
            rest.text = Trim(rest.text.substr(at + hit->inline_value.size()));
            if (rest.text.empty()) break;
            hit = MatchLabel(rest);
            if (hit && hit->has_inline)
              labels_.push_back({static_cast<int>(pi), static_cast<int>(li), static_cast<int>(i), *hit});
          }
        }
      }
    }
    DropValuesUnderLabelRows();
    DropOtherPeoplesLabels();
    FindCaptionRows();
  }

  // A section about someone else ("EMERGENCY CONTACT", "Guarantor", "Next of kin"): its name,
  // phone and address labels are that person's, not the patient's, up to the next section's
  // heading. A heading is a line of one short phrase without digits, in capitals or ending
  // with a colon.
  void DropOtherPeoplesLabels() {
    static const std::regex kOther(
        R"(^(emergency contacts?|in case of emergency|next of kin|guarantor|guarantor information|responsible party|spouse|parent or guardian|parent guardian|guardian|contact person|referring (physician|provider)|primary care (physician|provider)|pharmacy|employer|contacto de emergencia|en caso de emergencia)\b)");
    auto heading = [](const Line& l) {
      if (l.phrases.size() != 1) return false;
      std::string t = Trim(l.phrases[0].text);
      if (t.empty() || std::any_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); })) return false;
      if (std::count(t.begin(), t.end(), ' ') > 3) return false;
      bool capitals = std::none_of(t.begin(), t.end(), [](unsigned char c) { return std::islower(c); });
      return capitals || t.back() == ':';
    };
    auto personal = [](Target t) {
      switch (t) {
        case Target::kFamily: case Target::kGiven: case Target::kFullName: case Target::kFullNameFamilyFirst:
        case Target::kBirthDate: case Target::kStreet: case Target::kCity: case Target::kState: case Target::kZip:
        case Target::kPhone: case Target::kEmail: case Target::kGender:
          return true;
        default:
          return false;
      }
    };
    std::set<std::pair<int, int>> others;  // page, line
    for (size_t pi = 0; pi < pages_.size(); ++pi) {
      bool other = false;
      const Layout& page = pages_[pi];
      for (size_t li = 0; li < page.lines.size(); ++li) {
        const Line& l = page.lines[li];
        if (heading(l)) {
          other = std::regex_search(Normalise(l.phrases[0].text), kOther);
          continue;
        }
        if (other) others.emplace(static_cast<int>(pi), static_cast<int>(li));
      }
    }
    if (others.empty()) return;
    std::erase_if(labels_, [&](const Found& f) { return personal(f.hit.target) && others.contains({f.page, f.line}); });
  }

  // Captions printed under their values ("Kowalski ____ / Last name"): a row of labels whose
  // nearest neighbour is the line of values above it, not the line below (which belongs to the
  // next row's captions), and whose line above is not nearer to a row of labels of its own.
  void FindCaptionRows() {
    auto label_row = [&](int page, int line) {
      const Line& l = pages_[page].lines[static_cast<size_t>(line)];
      if (l.phrases.empty()) return false;
      for (size_t i = 0; i < l.phrases.size(); ++i)
        if (!IsLabel(page, line, static_cast<int>(i))) return false;
      return true;
    };
    for (int pi = 0; pi < static_cast<int>(pages_.size()); ++pi) {
      const Layout& page = pages_[static_cast<size_t>(pi)];
      int mh = std::max(1, page.median_height);
      int n = static_cast<int>(page.lines.size());
      // Whether phrases of `values` stand under (or over) those of `labels`: how many.
      auto aligned = [&](const Line& labels, const Line& values) {
        size_t under = 0;
        for (const Phrase& v : values.phrases)
          for (const Phrase& lp : labels.phrases)
            if (std::abs(v.box.x - lp.box.x) < 2 * mh || (v.box.x >= lp.box.x - mh && v.box.x < lp.box.right())) {
              ++under;
              break;
            }
        return under;
      };
      for (int li = 1; li < n; ++li) {
        if (!label_row(pi, li)) continue;
        const Line& row = page.lines[static_cast<size_t>(li)];
        // The values: the nearest line above with something over the captions (a line of
        // checkbox marks between them does not count).
        // Specks (a band's edge read as "1" or "|") are no values either.
        auto specks = [](const Line& l) {
          return std::all_of(l.phrases.begin(), l.phrases.end(), [](const Phrase& p) {
            return std::count_if(p.text.begin(), p.text.end(), [](unsigned char c) { return std::isalnum(c); }) <= 1;
          });
        };
        int ui = li - 1;
        while (ui >= 0 && !label_row(pi, ui) &&
               (aligned(row, page.lines[static_cast<size_t>(ui)]) == 0 || specks(page.lines[static_cast<size_t>(ui)])) &&
               row.box.y - page.lines[static_cast<size_t>(ui)].box.bottom() <= 3 * mh)
          --ui;
        if (ui < 0 || label_row(pi, ui)) continue;
        const Line& up = page.lines[static_cast<size_t>(ui)];
        // Values, not "Label: value" pairs (a value may read as a label: "ID" for Idaho).
        bool up_has_labels = std::any_of(labels_.begin(), labels_.end(),
                                         [&](const Found& f) { return f.page == pi && f.line == ui && f.hit.has_inline; });
        if (up_has_labels) continue;
        int gap_up = row.box.y - up.box.bottom();
        if (gap_up > 3 * mh || aligned(row, up) == 0) continue;
        if (li + 1 < n && !label_row(pi, li + 1) && page.lines[static_cast<size_t>(li + 1)].box.y - row.box.bottom() <= gap_up)
          continue;
        // The row of labels above the values claims them when it is nearer and stands over most.
        if (ui >= 1 && label_row(pi, ui - 1)) {
          const Line& over = page.lines[static_cast<size_t>(ui - 1)];
          if (up.box.y - over.box.bottom() <= gap_up && aligned(over, up) * 2 > up.phrases.size()) continue;
        }
        caption_rows_.emplace_back(pi, li);
      }
    }
  }

  bool IsCaptionRow(int page, int line) const {
    return std::find(caption_rows_.begin(), caption_rows_.end(), std::make_pair(page, line)) != caption_rows_.end();
  }

  // A row of labels over a row of boxes: a value that happens to read as a label ("ID" for
  // Idaho under STATE, "Re" under SURNAME) is a value. Such a row is a line whose phrases are
  // all labels, followed by a line that is not; a label there standing under one of the row's
  // labels is dropped.
  void DropValuesUnderLabelRows() {
    auto all_labels = [&](int page, int line) {
      const Line& l = pages_[page].lines[line];
      for (size_t i = 0; i < l.phrases.size(); ++i)
        if (!IsLabel(page, line, static_cast<int>(i))) return false;
      return !l.phrases.empty();
    };
    std::vector<Found> kept;
    for (const Found& f : labels_) {
      bool value = false;
      if (!f.hit.has_inline && f.line > 0 && !all_labels(f.page, f.line) && all_labels(f.page, f.line - 1)) {
        const Layout& page = pages_[f.page];
        const Phrase& me = page.lines[f.line].phrases[f.index];
        const Line& above = page.lines[f.line - 1];
        int mh = std::max(1, page.median_height);
        // One label alone on the line above ("Sex (M/F/X)" left blank) is no row of labels
        // when this one has its own value beside it ("Home street address   920 Willow Court").
        const Line& mine = page.lines[f.line];
        bool own_value = false;
        for (int j = f.index + 1; j < static_cast<int>(mine.phrases.size()); ++j)
          own_value |= !IsLabel(f.page, f.line, j);
        if (me.box.y - above.box.bottom() <= 3 * mh && (above.phrases.size() >= 2 || !own_value)) {
          for (const Phrase& p : above.phrases) value |= std::abs(p.box.x - me.box.x) < 2 * mh;
        }
      }
      if (!value) kept.push_back(f);
    }
    labels_ = std::move(kept);
  }

  // A list spread over the line ("Aspirin,   Latex,   Shellfish"): the phrases after one that
  // ends with a comma or semicolon belong to it.
  // An e-mail address read as two phrases at its "@" ("nkowalski3  @example.org") is joined too.
  void ExtendList(Candidate& c, int page, int line, int index) const {
    const Line& row = pages_[page].lines[line];
    auto goes_on = [&](int j) {
      if (c.text.empty()) return false;
      char last = c.text.back();
      return last == ',' || last == ';' || last == '@' || Trim(row.phrases[j].text).starts_with("@");
    };
    for (int j = index + 1; j < static_cast<int>(row.phrases.size()) && goes_on(j) && !IsLabel(page, line, j); ++j) {
      const Phrase& more = row.phrases[j];
      c.text += " " + more.text;
      c.box = c.box.Union(more.box);
      c.confidence = std::min(c.confidence, more.confidence);
    }
  }

  // A value written in boxes of a few digits each ("11 | 23 | 2001" for a birth date, "608 |
  // 555-0174" for a phone): the boxes that follow on the line belong to it.
  void ExtendDigitBoxes(Candidate& c, int page, int line, int index) const {
    static const std::regex kDigitGroups(R"(^\d{1,4}( \d{1,4})*$)");
    const Line& row = pages_[page].lines[line];
    int mh = std::max(1, pages_[page].median_height);
    for (int j = index + 1; j < static_cast<int>(row.phrases.size()) && j < index + 3; ++j) {
      const Phrase& more = row.phrases[j];
      std::string t = Trim(more.text);
      if (!std::regex_match(Trim(c.text), kDigitGroups) || t.empty() || !std::isdigit(static_cast<unsigned char>(t[0])) ||
          more.box.x - c.box.right() > 6 * mh || IsLabel(page, line, j))
        return;
      c.text = Trim(c.text) + " " + t;
      c.box = c.box.Union(more.box);
      c.confidence = std::min(c.confidence, more.confidence);
    }
  }

  // Short low-confidence fragments: what the reader makes of a dotted leader.
  static bool LooksLikeLeader(const Phrase& p) {
    if (p.confidence >= 0.5f || p.words.empty()) return false;
    for (const Word& w : p.words)
      if (w.text.size() > 3) return false;
    return true;
  }

  // The checkbox just left of the phrase, whose option the phrase is; null when none.
  const Checkbox* OptionBox(int page, const Phrase& p) const {
    const Layout& l = pages_[page];
    int mh = std::max(1, l.median_height);
    for (const Checkbox& cb : l.checkboxes) {
      bool left = cb.box.right() <= p.box.x + mh / 2 && p.box.x - cb.box.right() < std::max(2 * mh, cb.box.w * 3 / 2);
      bool level = cb.box.y < p.box.bottom() && p.box.y < cb.box.bottom();
      if (left && level) return &cb;
    }
    return nullptr;
  }

  // A field's number printed apart from its label ("7   STREET ADDRESS"): neither a value nor
  // a label of its own.
  bool IsFieldNumber(int page, int line, int index) const {
    static const std::regex kNumber(R"(^\(?\d{1,2}[a-z]?[.)]?$)");
    const Line& row = pages_[page].lines[line];
    if (index + 1 >= static_cast<int>(row.phrases.size())) return false;
    const Phrase& p = row.phrases[index];
    const Phrase& next = row.phrases[index + 1];
    int mh = std::max(1, pages_[page].median_height);
    return std::regex_match(p.text, kNumber) && next.box.x - p.box.right() < 3 * mh &&
           IsLabel(page, line, index + 1);
  }

  // A state's code that reads as a label ("ID" for Idaho, also "member ID") is the state's value.
  static bool StateCodeForState(Target target, const Phrase& p) {
    std::string t = Trim(p.text);
    return target == Target::kState && t.size() == 2 && ParseState(t).has_value();
  }

  // A change-of-details table: a header line of "Previous" and "New" (or "Old" / "Current" ...)
  // columns above the rows. For a phrase of `line`, whether it stands under a column of the old
  // values (-1), of the new ones (+1), or neither (0). The header is the nearest line above
  // within ten lines made only of such words, with at least one of each kind.
  int VersionColumn(int page, int line, const Phrase& p) const {
    static const std::set<std::string> kOld = {"previous", "old", "former", "prior", "before", "was",
                                               "previous information", "old information", "anterior"};
    static const std::set<std::string> kNew = {"new", "current", "updated", "now", "changed to", "change to",
                                               "new information", "current information", "nuevo", "nueva", "actual"};
    const Layout& layout = pages_[page];
    for (int li = line - 1; li >= 0 && li >= line - 10; --li) {
      const Line& header = layout.lines[static_cast<size_t>(li)];
      if (header.phrases.size() < 2) continue;
      bool old_seen = false, new_seen = false, all = true;
      for (const Phrase& h : header.phrases) {
        std::string n = Normalise(h.text);
        old_seen |= kOld.contains(n);
        new_seen |= kNew.contains(n);
        all &= kOld.contains(n) || kNew.contains(n);
      }
      if (!all || !old_seen || !new_seen) continue;
      // The column whose heading starts nearest left of the phrase (or just right of its start).
      int mh = std::max(1, layout.median_height);
      const Phrase* column = nullptr;
      for (const Phrase& h : header.phrases)
        if (h.box.x <= p.box.x + 2 * mh && (!column || h.box.x > column->box.x)) column = &h;
      if (!column) return 0;
      return kOld.contains(Normalise(column->text)) ? -1 : 1;
    }
    return 0;
  }

  int LabelsOnLine(int page, int line) const {
    int n = 0;
    for (size_t i = 0; i < pages_[page].lines[line].phrases.size(); ++i) n += IsLabel(page, line, static_cast<int>(i)) ? 1 : 0;
    return n;
  }

  bool IsLabel(int page, int line, int index) const {
    for (const auto& l : labels_)
      if (l.page == page && l.line == line && l.index == index && !l.hit.has_inline) return true;
    return false;
  }

  std::vector<Candidate> CandidatesFor(Target target) const {
    std::vector<Candidate> out;
    for (const auto& l : labels_) {
      // A label of two fields joined by a slash gives each its part of the value.
      int part = -1;
      if (!l.hit.slash_targets.empty()) {
        auto it = std::find(l.hit.slash_targets.begin(), l.hit.slash_targets.end(), target);
        if (it == l.hit.slash_targets.end()) continue;
        part = static_cast<int>(it - l.hit.slash_targets.begin());
      } else if (l.hit.target != target) {
        continue;
      }
      size_t first_new = out.size();
      CandidatesOfLabel(l, target, out);
      for (size_t i = first_new; i < out.size(); ++i) out[i].day_first = l.hit.day_first;
      if (part < 0) continue;
      std::vector<Candidate> kept(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(first_new));
      for (size_t i = first_new; i < out.size(); ++i) {
        std::vector<std::string> pieces = SlashParts(out[i].text);
        Candidate c = out[i];
        if (pieces.size() == l.hit.slash_targets.size()) {
          c.text = pieces[static_cast<size_t>(part)];
        } else if (target != l.hit.target) {
          // Not one part each ("Subscriber / member number": one number, named two ways): the
          // whole value is the label's main field's.
          continue;
        }
        kept.push_back(std::move(c));
      }
      out = std::move(kept);
    }
    // Specific labels first, then inline, right, below.
    std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
      if (a.label_length != b.label_length) return a.label_length > b.label_length;
      return a.order < b.order;
    });
    return out;
  }

  // The candidates one label gives: its inline value, the phrase right of it, the one under it.
  void CandidatesOfLabel(const Found& l, Target target, std::vector<Candidate>& out) const {
    const Layout& page = pages_[l.page];
    const Line& line = page.lines[l.line];
    const Phrase& label = line.phrases[l.index];
    if (l.hit.has_inline) {
      Candidate c{l.hit.inline_value, ValueBox(label, l.hit.inline_value), label.confidence,
                  l.page, l.hit.label_length, 0};
      // "PATIENT: VASQUEZ,   LINDA": a value ending with a comma goes on in the next phrase.
      if (size_t last = label.text.find_last_not_of(' '); last != std::string::npos && label.text[last] == ',')
        c.text += ",";
      ExtendList(c, l.page, l.line, l.index);
      out.push_back(std::move(c));
      return;
    }
    int mh = page.median_height;
    int ri = l.index + 1;
    // Leader dots read as a few short low-confidence "words" ("wm we") before the value.
    // An instruction in parentheses after the label ("(write NONE if none)") is part of it.
    auto parenthetical = [](const Phrase& p) {
      std::string t = Trim(p.text);
      return t.size() >= 2 && t.front() == '(' && t.back() == ')';
    };
    std::optional<size_t> right_at;  // where the candidate right of the label went in `out`
    while (ri < static_cast<int>(line.phrases.size()) && parenthetical(line.phrases[ri])) ++ri;
    while (ri + 1 < static_cast<int>(line.phrases.size()) && LooksLikeLeader(line.phrases[ri])) ++ri;
    // The option of an unmarked checkbox right of the label is not its value.
    auto unmarked_option = [&](const Phrase& p) {
      const Checkbox* cb = OptionBox(l.page, p);
      return cb != nullptr && !cb->checked;
    };
    if (ri < static_cast<int>(line.phrases.size()) &&
        (!IsLabel(l.page, l.line, ri) || StateCodeForState(target, line.phrases[ri])) &&
        !IsFieldNumber(l.page, l.line, ri) && !unmarked_option(line.phrases[ri])) {
      // Under a "Previous" column, with a value under "New" further along the line: the new one
      // (however far right that column is).
      bool newer = false;
      if (VersionColumn(l.page, l.line, line.phrases[ri]) < 0)
        for (int k = ri + 1; k < static_cast<int>(line.phrases.size()); ++k)
          if (VersionColumn(l.page, l.line, line.phrases[k]) > 0 &&
              (!IsLabel(l.page, l.line, k) || StateCodeForState(target, line.phrases[k]))) {
            ri = k;
            newer = true;
            break;
          }
      const Phrase& right = line.phrases[ri];
      if (newer || right.box.x - label.box.right() < page.width / 2) {
        Candidate c{right.text, right.box, right.confidence, l.page, l.hit.label_length, 1};
        ExtendList(c, l.page, l.line, ri);
        ExtendDigitBoxes(c, l.page, l.line, ri);
        right_at = out.size();
        out.push_back(std::move(c));
      }
    } else if (ri >= static_cast<int>(line.phrases.size()) && line.phrases.size() == static_cast<size_t>(l.index) + 1) {
      // Nothing right of the label on its line: a value written larger or higher than the print
      // (a form filled in by hand, the answer above the rule) falls on a line of its own that
      // still overlaps the label's height. The first phrase right of the label on such a line.
      for (int li = std::max(0, l.line - 1); li <= l.line + 1 && li < static_cast<int>(page.lines.size()); ++li) {
        if (li == l.line) continue;
        const Line& near = page.lines[static_cast<size_t>(li)];
        int top = std::max(near.box.y, label.box.y), bottom = std::min(near.box.bottom(), label.box.bottom());
        // (Printed lines do not overlap at all; a single letter written on the rule overlaps
        // the label's lower part only.)
        if (bottom - top < std::max(2, label.box.h / 5)) continue;
        for (size_t i = 0; i < near.phrases.size(); ++i) {
          const Phrase& p = near.phrases[i];
          if (p.box.x < label.box.right()) {
            if (p.box.right() > label.box.x) break;  // something over or under the label itself
            continue;
          }
          // Not a label, and not a checkbox's option: printed options are not a written answer
          // (the marked one is read as the box's answer).
          if (p.box.x - label.box.right() >= page.width / 2 || IsLabel(l.page, li, static_cast<int>(i)) ||
              IsFieldNumber(l.page, li, static_cast<int>(i)) || OptionBox(l.page, p) != nullptr)
            break;
          Candidate c{p.text, p.box, p.confidence, l.page, l.hit.label_length, 1};
          ExtendList(c, l.page, li, static_cast<int>(i));
          out.push_back(std::move(c));
          break;
        }
      }
    }
    // Below: the nearest phrase starting under the label, within a few line heights. A
    // field's number or mark just left of the label ("7  STREET ADDRESS", however it was read)
    // counts as the label's start: the value is written under both.
    Box start = label.box;
    if (l.index > 0) {
      const Phrase& left = line.phrases[l.index - 1];
      size_t chars = Trim(left.text).size();
      if (chars > 0 && chars <= 4 && label.box.x - left.box.right() < 2 * std::max(1, mh) &&
          !IsLabel(l.page, l.line, l.index - 1))
        start = left.box.Union(label.box);
    }
    const Phrase* below = nullptr;
    int below_line = -1, below_index = -1;
    // A caption under its value: the value is on the line above, and what is below is the
    // next row's.
    bool caption = IsCaptionRow(l.page, l.line);
    std::vector<size_t> search;  // lines to look in, nearest first
    if (caption) {
      for (int li = l.line - 1; li >= 0 && label.box.y - page.lines[static_cast<size_t>(li)].box.bottom() <= 3 * mh; --li)
        search.push_back(static_cast<size_t>(li));
    } else {
      for (size_t li = static_cast<size_t>(l.line) + 1;
           li < page.lines.size() && page.lines[li].box.y - label.box.bottom() <= 3 * mh; ++li)
        search.push_back(li);
    }
    for (size_t li : search) {
      const Line& next = page.lines[li];
      for (size_t i = 0; i < next.phrases.size(); ++i) {
        const Phrase& p = next.phrases[i];
        bool aligned = std::abs(p.box.x - label.box.x) < 2 * mh || std::abs(p.box.x - start.x) < 2 * mh ||
                       (p.box.x >= start.x - mh && p.box.x < label.box.right());
        if (!aligned) continue;
        below = &p;
        below_line = static_cast<int>(li);
        below_index = static_cast<int>(i);
        break;
      }
      if (below) break;
    }
    // The option of an unmarked checkbox is not an answer: what follows it on the line may be
    // ("[ ] None known   Penicillin; Latex"); the option of a marked one is.
    if (below) {
      const Line& row = page.lines[below_line];
      while (below) {
        const Checkbox* cb = OptionBox(l.page, *below);
        if (cb == nullptr || cb->checked) break;
        below = below_index + 1 < static_cast<int>(row.phrases.size()) ? &row.phrases[++below_index] : nullptr;
      }
    }
    if (below && (!IsLabel(l.page, below_line, below_index) || StateCodeForState(target, *below)) &&
        !IsFieldNumber(l.page, below_line, below_index)) {
      Candidate c{below->text, below->box, below->confidence, l.page, l.hit.label_length, 2};
      ExtendList(c, l.page, below_line, below_index);
      // A row of captions with the answers under them ("LEGAL LAST NAME  FIRST NAME  M.I."): what
      // stands far to the right of a caption that has an answer right under it is the next
      // caption (read or not), not its answer.
      // (A caption of that row read in part — "BER ID" for "MEMBER ID" — is no label, but it is
      // printed as small as this one, it has its own answer under it too, and the answers are
      // printed larger than the captions; a table of labels and values, row under row, is not so.)
      auto answered = [&](const Box& caption) {
        if (below->box.h * 5 < label.box.h * 6 || caption.h * 20 > label.box.h * 23) return false;
        for (const Phrase& p : page.lines[below_line].phrases)
          if (p.box.x < caption.right() && p.box.right() > caption.x) return true;
        return false;
      };
      if (right_at && below_line == l.line + 1 && below->box.y - label.box.bottom() <= 2 * std::max(1, mh) &&
          out[*right_at].box.x - label.box.right() > 4 * std::max(1, mh) &&
          (LabelsOnLine(l.page, l.line) >= 2 || answered(out[*right_at].box)))
        out[*right_at].order = 3;
      out.push_back(std::move(c));
    }
  }

  // The boxes of phrases read as the value of some label other than the payer's, right of or
  // under it (a member's name under MEMBER is not the card's issuer, however large it is).
  std::vector<Box> LabelledValueBoxes(int page) const {
    std::vector<Box> out;
    for (int t = 0; t <= static_cast<int>(Target::kOther); ++t) {
      auto target = static_cast<Target>(t);
      if (target == Target::kPayer) continue;
      for (const Candidate& c : CandidatesFor(target))
        if (c.page == page && c.order != 0) out.push_back(c.box);
    }
    return out;
  }

  // The label phrases and their boxes, for checkbox questions.
  std::vector<Box> LabelBoxes(Target target, int* page_out) const {
    std::vector<Box> out;
    for (const auto& l : labels_)
      if (l.hit.target == target && !l.hit.has_inline) {
        out.push_back(pages_[l.page].lines[l.line].phrases[l.index].box);
        *page_out = l.page;
      }
    return out;
  }

  const std::vector<Layout>& pages() const { return pages_; }
  std::string_view today() const { return today_; }

 private:
  static Box ValueBox(const Phrase& p, const std::string& value) {
    // The words of the phrase that make up the value: the trailing ones.
    Box box;
    std::string joined;
    for (auto it = p.words.rbegin(); it != p.words.rend(); ++it) {
      joined = joined.empty() ? it->text : it->text + " " + joined;
      box = box.Union(it->box);
      if (joined.size() >= value.size()) break;
    }
    return box.w ? box : p.box;
  }

  const std::vector<Layout>& pages_;
  std::string_view today_;
  std::vector<Found> labels_;
  std::vector<std::pair<int, int>> caption_rows_;  // page, line
};

Field MakeField(std::string key, std::string value, const Candidate& c, ValueKind kind,
                bool has_check, bool checked) {
  Field f;
  f.key = std::move(key);
  f.value = std::move(value);
  f.raw = c.text;
  f.kind = kind;
  f.page = c.page;
  f.box = c.box;
  f.ocr_confidence = c.confidence;
  f.has_check = has_check;
  f.checked = checked;
  return f;
}

using Parser = std::optional<std::string> (*)(std::string_view);

// A value without the marks the reader takes from the edge of a box or band around it ("‘Mateo
// Nakamura", "|HV355677003", "[EVM12"): quotes, bars and brackets at either end.
std::string StripEdgeMarks(std::string_view text) {
  static const std::string_view kMarks[] = {"|", "[", "]", "{", "}", "'", "`", "\"", "\xE2\x80\x98", "\xE2\x80\x99",
                                            "\xE2\x80\x9C", "\xE2\x80\x9D"};
  std::string t = Trim(text);
  for (bool changed = true; changed && !t.empty();) {
    changed = false;
    for (std::string_view m : kMarks) {
      if (t.size() > m.size() && t.starts_with(m)) {
        t = Trim(t.substr(m.size()));
        changed = true;
      }
      if (t.size() > m.size() && t.ends_with(m)) {
        t = Trim(t.substr(0, t.size() - m.size()));
        changed = true;
      }
    }
  }
  return t;
}

// The first candidate that passes `parse` (edge marks stripped); failing that, the first
// candidate as read (for review) when `keep_unchecked`.
std::optional<Field> Pick(const std::vector<Candidate>& cands, const std::string& key,
                          ValueKind kind, const std::function<std::optional<std::string>(std::string_view)>& parse,
                          bool keep_unchecked = true) {
  for (const Candidate& c : cands)
    if (auto v = parse(StripEdgeMarks(c.text))) return MakeField(key, *v, c, kind, true, true);
  if (keep_unchecked && !cands.empty() && !Trim(cands.front().text).empty())
    return MakeField(key, Trim(cands.front().text), cands.front(), kind, true, false);
  return std::nullopt;
}

std::optional<Field> PickText(const std::vector<Candidate>& cands, const std::string& key,
                              ValueKind kind) {
  for (const Candidate& c : cands) {
    std::string t = Trim(c.text);
    if (t.empty()) continue;
    Field f = MakeField(key, kind == ValueKind::kName ? TitleCase(t) : t, c, kind, false, false);
    return f;
  }
  return std::nullopt;
}

std::optional<std::string> ParseNameWord(std::string_view text) {
  std::string t = Trim(text);
  if (t.empty() || t.size() > 40) return std::nullopt;
  for (unsigned char c : t)
    if (!std::isalpha(c) && c != '-' && c != '\'' && c != ' ' && c != '.') return std::nullopt;
  // A single letter is an initial, or the first box of a name written one letter per box.
  if (std::count_if(t.begin(), t.end(), [](unsigned char c) { return std::isalpha(c); }) < 2) return std::nullopt;
  return TitleCase(t);
}

// "FAMILY, GIVEN" or "Given Family" (or, with `family_first`, "FAMILY GIVEN") -> {given, family}.
std::optional<std::pair<std::string, std::string>> SplitName(std::string_view text, bool family_first = false) {
  std::string t = StripEdgeMarks(text);
  // Drop anything after a dash standing apart ("Jane Doe - born ...", "Jane Doe — Birth date",
  // a dash the reader saw in the gap before the next label): hyphen, en or em dash.
  for (std::string_view dash : {"-", "\xE2\x80\x93", "\xE2\x80\x94"}) {
    std::string spaced = " " + std::string(dash);
    for (size_t at = t.find(spaced); at != std::string::npos; at = t.find(spaced, at + 1)) {
      size_t after = at + spaced.size();
      if (after == t.size() || t[after] == ' ') {
        t = Trim(t.substr(0, at));
        break;
      }
    }
  }
  // A middle initial is not part of the given name ("OMAR J KOWALSKI", "Kowalski, Omar J.").
  auto without_initial = [](std::string given_text) {
    static const std::regex kMiddleInitial(R"(^(.*[A-Za-z]{2,}.*?)\s+[A-Za-z]\.?$)");
    std::smatch mi;
    given_text = Trim(given_text);
    if (std::regex_match(given_text, mi, kMiddleInitial)) given_text = mi[1].str();
    return given_text;
  };
  // "FAMILY/GIVEN", as pharmacy cards print a name (one token, a slash between two names).
  if (size_t slash = t.find('/'); slash != std::string::npos && t.find(' ') == std::string::npos &&
                                  t.find('/', slash + 1) == std::string::npos) {
    auto family = ParseNameWord(t.substr(0, slash));
    auto given = ParseNameWord(t.substr(slash + 1));
    if (family && given) return std::make_pair(*given, *family);
    return std::nullopt;
  }
  // HL7's "FAMILY^GIVEN", as delimited exports print a name.
  if (size_t caret = t.find('^'); caret != std::string::npos && t.find(',') == std::string::npos) {
    std::string given_part = t.substr(caret + 1);
    if (size_t more = given_part.find('^'); more != std::string::npos) given_part = given_part.substr(0, more);
    auto family = ParseNameWord(t.substr(0, caret));
    auto given = ParseNameWord(without_initial(given_part));
    if (family && given) return std::make_pair(*given, *family);
    return std::nullopt;
  }
  if (size_t comma = t.find(','); comma != std::string::npos) {
    auto family = ParseNameWord(t.substr(0, comma));
    auto given = ParseNameWord(without_initial(t.substr(comma + 1)));
    if (family && given) return std::make_pair(*given, *family);
    return std::nullopt;
  }
  if (family_first) {
    size_t space = t.find(' ');
    if (space == std::string::npos) return std::nullopt;
    auto family = ParseNameWord(t.substr(0, space));
    auto given = ParseNameWord(without_initial(t.substr(space + 1)));
    if (!given || !family) return std::nullopt;
    return std::make_pair(*given, *family);
  }
  size_t space = t.rfind(' ');
  if (space == std::string::npos) return std::nullopt;
  std::string given_text = without_initial(t.substr(0, space));
  auto given = ParseNameWord(given_text);
  auto family = ParseNameWord(t.substr(space + 1));
  if (!given || !family) return std::nullopt;
  return std::make_pair(*given, *family);
}

// ---- checkboxes ----

// The option text printed right of a checkbox.
std::string CheckboxLabel(const Layout& page, const Checkbox& cb) {
  for (const Line& line : page.lines)
    for (const Phrase& p : line.phrases)
      for (const Word& w : p.words)
        if (w.box.x >= cb.box.right() - 2 &&
            w.box.x - cb.box.right() < std::max(2 * page.median_height, cb.box.w * 3 / 2) &&
            w.box.VerticalOverlap(cb.box) > 0.3) {
          // The rest of the phrase from this word on.
          std::string text;
          bool on = false;
          for (const Word& x : p.words) {
            if (&x == &w) on = true;
            if (on) text += (text.empty() ? "" : " ") + x.text;
          }
          return text;
        }
  return {};
}

// Checkboxes that answer the question whose label is at `label`: on its line to the right, or
// in the lines just below it.
std::vector<const Checkbox*> CheckboxesNear(const Layout& page, const Box& label) {
  std::vector<const Checkbox*> out;
  int mh = page.median_height;
  for (const Checkbox& cb : page.checkboxes) {
    bool same_line = cb.box.VerticalOverlap(label) > 0.3 && cb.box.x > label.x;
    bool below = cb.box.y > label.bottom() - mh / 2 && cb.box.y - label.bottom() < 2 * mh &&
                 cb.box.x > label.x - mh;
    if (same_line || below) out.push_back(&cb);
  }
  return out;
}

// The text of a lone word on the line just under `box`, starting where it starts (within a
// line height) and alone on its line there: the rest of a value printed on two lines. Not a
// label, not a number.
std::optional<std::string> WordBelow(const Layout& page, const Box& box) {
  int mh = std::max(1, page.median_height);
  for (const Line& line : page.lines) {
    if (line.box.y <= box.bottom() - mh / 2 || line.box.y - box.bottom() > mh) continue;
    for (const Phrase& p : line.phrases) {
      if (std::abs(p.box.x - box.x) > mh) continue;
      if (p.words.size() != 1 || MatchLabel(p) || !ParseNameWord(p.text)) return std::nullopt;
      return p.text;
    }
  }
  return std::nullopt;
}

// ---- kinds ----

void AddName(Reader& r, std::vector<Field>& out) {
  auto family = Pick(r.CandidatesFor(Target::kFamily), "name.family", ValueKind::kName, ParseNameWord);
  auto given = Pick(r.CandidatesFor(Target::kGiven), "name.given", ValueKind::kName, ParseNameWord);
  // A name that did not check is kept for review when it could be a misread name; text with
  // more digits than a reader's l/1 and O/0 slips ("filled 10/02/2026" after "Last" on a
  // pharmacy's printout) is not a name at all.
  auto not_a_name = [](const std::optional<Field>& f) {
    return f && !f->checked && std::count_if(f->value.begin(), f->value.end(), [](unsigned char c) { return std::isdigit(c); }) > 2;
  };
  if (not_a_name(family)) family.reset();
  if (not_a_name(given)) given.reset();
  if (!family || !given) {
    // A label that says the name is printed surname first ("NAME (LAST FIRST)") is the more
    // specific one.
    std::vector<std::pair<Candidate, bool>> names;
    for (Candidate& c : r.CandidatesFor(Target::kFullNameFamilyFirst)) names.emplace_back(std::move(c), true);
    for (Candidate& c : r.CandidatesFor(Target::kFullName)) names.emplace_back(std::move(c), false);
    // A dependant's card names the subscriber (a parent) too: the member's name comes first.
    for (Candidate& c : r.CandidatesFor(Target::kSubscriberName)) names.emplace_back(std::move(c), false);
    for (const auto& [c, family_first] : names) {
      std::string name_text = CutAtFollowingLabel(c.text);
      // A reader takes HL7's '^' for a quotation mark ("MORENO‘ETHAN"): read as the separator
      // it stands for, for a person to confirm.
      bool caret_lookalike = false;
      for (std::string_view mark : {"\xE2\x80\x98", "\xE2\x80\x9C"}) {
        size_t at = name_text.find(mark);
        if (at == std::string::npos || name_text.find('^') != std::string::npos) continue;
        bool letters_around = at > 0 && at + mark.size() < name_text.size() &&
                              std::isalpha(static_cast<unsigned char>(name_text[at - 1]));
        if (!letters_around) continue;
        name_text = Trim(name_text.substr(0, at)) + "^" + Trim(name_text.substr(at + mark.size()));
        caret_lookalike = true;
      }
      // A name printed on two lines under its label, given name over family name ("MEMBER /
      // ELENA / MORENO" on a card): the single word under the first, left-aligned with it.
      bool two_lines = false;
      if (!family && !given && c.order == 2 && name_text.find(' ') == std::string::npos && ParseNameWord(name_text))
        if (auto below = WordBelow(r.pages()[static_cast<size_t>(c.page)], c.box)) {
          name_text += " " + *below;
          two_lines = true;
        }
      // One word under a name label where the family name has a label of its own ("Apellido:
      // ...  Nombre: Nora" — Spanish forms' "Nombre" beside "Apellido"): the given name.
      if (family && !given && name_text.find(' ') == std::string::npos) {
        if (auto word = ParseNameWord(name_text)) {
          given = MakeField("name.given", *word, c, ValueKind::kName, true, true);
          break;
        }
        continue;
      }
      auto split = SplitName(name_text, family_first);
      if (!split) continue;
      // More than two given names is more likely a name run together with what follows it
      // ("Mateo Galloway Date of birth"): read, but for a person to confirm. So is a name read
      // from two lines, whose order the label does not say.
      bool plausible = std::count(split->first.begin(), split->first.end(), ' ') <= 1 && !caret_lookalike && !two_lines;
      if (!given) given = MakeField("name.given", split->first, c, ValueKind::kName, true, plausible);
      if (!family) family = MakeField("name.family", split->second, c, ValueKind::kName, true, plausible);
      break;
    }
  }
  if (family) out.push_back(*family);
  if (given) out.push_back(*given);
}

std::optional<std::string> LeadingDate(std::string_view text);

void AddBirthDate(Reader& r, std::vector<Field>& out) {
  std::string today(r.today());
  std::vector<Candidate> cands = r.CandidatesFor(Target::kBirthDate);
  for (const Candidate& c : cands) {
    if (auto d = ParseBirthDate(c.text, today, c.day_first)) {
      out.push_back(MakeField("birthDate", *d, c, ValueKind::kDate, true, true));
      return;
    }
  }
  // Not a date in the order asked for, but one in the other ("18/04/2006" under a label that
  // does not say): read day first, for a person to confirm.
  for (const Candidate& c : cands) {
    if (Trim(c.text).empty()) continue;
    if (auto d = ParseBirthDate(c.text, today, !c.day_first)) {
      out.push_back(MakeField("birthDate", *d, c, ValueKind::kDate, true, false));
      return;
    }
    break;
  }
  auto parse = [&](std::string_view t) { return ParseBirthDate(t, today); };
  if (auto f = Pick(cands, "birthDate", ValueKind::kDate, parse)) {
    out.push_back(*f);
    return;
  }
  // "born March 14, 1962" or "(date of birth 01/05/1963)," in running text.
  static const std::regex kBorn(R"((?:born|b\.|date of birth|dob|d\.o\.b\.)\s*:?\s+(.+))", std::regex::icase);
  for (size_t pi = 0; pi < r.pages().size(); ++pi)
    for (const Line& line : r.pages()[pi].lines) {
      std::smatch m;
      if (!std::regex_search(line.text, m, kBorn)) continue;
      std::optional<std::string> d = ParseBirthDate(m[1].str(), today);
      if (!d) {
        std::string rest = m[1].str();
        std::replace(rest.begin(), rest.end(), ')', ' ');
        if (auto lead = LeadingDate(rest)) d = ParseBirthDate(*lead, today);
      }
      if (d) {
        Candidate c{m[1].str(), line.box, line.phrases.empty() ? 0.f : line.phrases.back().confidence,
                    static_cast<int>(pi), 0, 0};
        out.push_back(MakeField("birthDate", *d, c, ValueKind::kDate, true, true));
        return;
      }
    }
}

// A full name in running text ("Jane Doe - born ..."), when no label named one.
void AddNameFromText(Reader& r, std::vector<Field>& out) {
  bool have = std::any_of(out.begin(), out.end(), [](const Field& f) { return f.key == "name.family"; });
  if (have) return;
  // "Jane Doe - born ...", or two or three capitalised words before "(born" or ", born" in a
  // sentence ("Results for Emily Rasmussen (born 11/15/1943) ...").
  static const std::regex kBorn(R"(^(.+?)\s+-\s+born\b)", std::regex::icase);
  static const std::regex kBornInSentence(
      R"((?:\bDear\s+)?([A-Z][A-Za-z'-]+(?: [A-Z][A-Za-z'-]+){1,2})\s*[,(]\s*(?:born|date of birth|DOB)\b)");
  for (size_t pi = 0; pi < r.pages().size(); ++pi)
    for (const Line& line : r.pages()[pi].lines) {
      std::smatch m;
      // "VASQUEZ, MICHAEL   DOB: 05/21/1982", "Kowalski, Ingrid (DOB 09/12/1999)": a name in
      // "LAST, FIRST" form heading a line that gives the birth date.
      static const std::regex kBeforeDob(R"(^\s*([A-Za-z][A-Za-z'-]+,\s*[A-Za-z][A-Za-z'-]+)\s+\(?(?:DOB|D\.O\.B\.|Date of birth|Born)\b)",
                                         std::regex::icase);
      // "Laboratory results for Wei Kowalski" ending its line.
      static const std::regex kResultsFor(
          R"(\b(?:[Rr]esults|[Rr]eport|[Ss]ummary|[Pp]repared) for\s+([A-Z][A-Za-z'-]+(?: [A-Z][A-Za-z'-]+){1,2})\s*$)");
      // "Kofi Sandoval     Date of birth 02/13/1995": a name alone in the first column of a line
      // whose next column gives the birth date.
      static const std::regex kColumnBeforeDob(
          R"(^\s*([A-Z][a-z'-]+(?: [A-Z][a-z'-]+){1,2}) {2,}(?:DOB|D\.O\.B\.|Date of birth|Birth date|Born)\b)");
      if (!std::regex_search(line.text, m, kBorn) && !std::regex_search(line.text, m, kBornInSentence) &&
          !std::regex_search(line.text, m, kBeforeDob) && !std::regex_search(line.text, m, kResultsFor) &&
          !std::regex_search(line.text, m, kColumnBeforeDob))
        continue;
      // Words that lead into a name in a sentence are not part of it ("For Grace Kim, born ...").
      std::string name = m[1].str();
      static const std::regex kLeadIn(R"(^(?:(?:For|Dear|Re|To|Patient|Results for|Mr\.?|Mrs\.?|Ms\.?|Miss)\s+)+)");
      name = std::regex_replace(name, kLeadIn, "");
      auto split = SplitName(name);
      if (!split) continue;
      Candidate c{name, line.box, line.phrases.empty() ? 0.f : line.phrases.front().confidence,
                  static_cast<int>(pi), 0, 0};
      out.push_back(MakeField("name.family", split->second, c, ValueKind::kName, true, true));
      out.push_back(MakeField("name.given", split->first, c, ValueKind::kName, true, true));
      return;
    }
}

void AddGender(Reader& r, std::vector<Field>& out) {
  int page_index = 0;
  for (const Box& label : r.LabelBoxes(Target::kGender, &page_index)) {
    const Layout& page = r.pages()[page_index];
    std::vector<const Checkbox*> boxes = CheckboxesNear(page, label);
    if (boxes.empty()) continue;
    const Checkbox* checked = nullptr;
    int count = 0;
    for (const Checkbox* cb : boxes)
      if (cb->checked) {
        checked = cb;
        ++count;
      }
    if (count != 1) continue;
    std::string option = CheckboxLabel(page, *checked);
    auto g = ParseGender(option);
    if (!g) g = ParseGender(option.substr(0, option.find(' ')));
    if (!g) continue;
    Candidate c{option, checked->box, 0.95f, page_index, 0, 0};
    out.push_back(MakeField("gender", *g, c, ValueKind::kChoice, true, true));
    return;
  }
  if (auto f = Pick(r.CandidatesFor(Target::kGender), "gender", ValueKind::kChoice,
                    [](std::string_view t) { return ParseGender(t); }, false))
    out.push_back(*f);
}

// A whole address written on one line: "755 Oak Street, Columbus, OH 43290[-1234]" (the comma
// before the state may be missing). Empty unless every part checks.
struct OneLineAddress {
  std::string street, city, state, zip;
};
std::optional<OneLineAddress> SplitOneLineAddress(std::string_view text) {
  static const std::regex kWhole(R"(^\s*(.+?)\s*,\s*([A-Za-z][A-Za-z .'-]*?)\s*,?\s+([A-Za-z]{2})\.?\s+(\d{5}(?:\s*-\s*\d{4})?)\s*$)");
  std::string t(text);
  std::smatch m;
  if (!std::regex_match(t, m, kWhole)) return std::nullopt;
  OneLineAddress a;
  a.street = Trim(m[1].str());
  if (a.street.empty() || !std::isdigit(static_cast<unsigned char>(a.street[0]))) return std::nullopt;
  auto city = ParseNameWord(m[2].str());
  auto state = ParseState(m[3].str());
  std::string zip_text = m[4].str();
  std::erase(zip_text, ' ');
  auto zip = ParseZip(zip_text);
  if (!city || !state || !zip) return std::nullopt;
  a.city = *city;
  a.state = *state;
  a.zip = *zip;
  return a;
}

void AddAddress(Reader& r, std::vector<Field>& out) {
  std::vector<Candidate> streets = r.CandidatesFor(Target::kStreet);
  std::optional<Field> city, state, zip;
  // "Springfield, IL 62702" under "City/State/Zip": all three, each checked.
  static const std::regex kCityStateZip(R"(^\s*([A-Za-z][A-Za-z .'-]*?),?\s+([A-Za-z]{2})\.?,?\s+(\d{5}(?:-\d{4})?)\s*$)");
  for (Target t : {Target::kCity, Target::kState, Target::kZip})
    for (const Candidate& c : r.CandidatesFor(t)) {
      std::smatch m;
      if (city || !std::regex_match(c.text, m, kCityStateZip)) continue;
      auto name = ParseNameWord(m[1].str());
      auto st = ParseState(m[2].str());
      auto z = ParseZip(m[3].str());
      if (!name || !st || !z) continue;
      city = MakeField("address.city", *name, c, ValueKind::kName, true, true);
      state = MakeField("address.state", *st, c, ValueKind::kCode, true, true);
      zip = MakeField("address.postalCode", *z, c, ValueKind::kCode, true, true);
    }
  if (!city) city = Pick(r.CandidatesFor(Target::kCity), "address.city", ValueKind::kName, ParseNameWord);
  if (!state)
    state = Pick(r.CandidatesFor(Target::kState), "address.state", ValueKind::kCode,
                 [](std::string_view t) { return ParseState(t); });
  std::vector<Candidate> zips = r.CandidatesFor(Target::kZip);
  if (!zip)
    zip = Pick(zips, "address.postalCode", ValueKind::kCode, [](std::string_view t) { return ParseZip(t); }, false);
  // "GA 31417" answering "State and ZIP code?": both, each checked.
  static const std::regex kStateZip(R"(^\s*([A-Za-z]{2})\.?,?\s+(\d{5}(?:-\d{4})?)\s*$)");
  for (const Candidate& c : zips) {
    std::smatch m;
    if (zip || !std::regex_match(c.text, m, kStateZip)) continue;
    auto st = ParseState(m[1].str());
    auto z = ParseZip(m[2].str());
    if (!st || !z) continue;
    zip = MakeField("address.postalCode", *z, c, ValueKind::kCode, true, true);
    if (!state) state = MakeField("address.state", *st, c, ValueKind::kCode, true, true);
  }
  if (!zip && !zips.empty() && !Trim(zips.front().text).empty())
    zip = MakeField("address.postalCode", Trim(zips.front().text), zips.front(), ValueKind::kCode, true, false);
  // The address on two lines under one label ("6435 Oak Street" / "Boise, ID 83775"): the line
  // under the street, starting where it starts, is read with it when it is a city, state and ZIP.
  if (!city && !zip) {
    for (Candidate& c : streets) {
      if (Trim(c.text).empty()) continue;
      if (c.page < 0 || c.page >= static_cast<int>(r.pages().size())) break;
      const Layout& page = r.pages()[static_cast<size_t>(c.page)];
      int mh = std::max(1, page.median_height);
      for (const Line& l : page.lines) {
        if (l.box.y <= c.box.y || l.box.y - c.box.bottom() > 2 * mh) continue;
        for (const Phrase& p : l.phrases)
          if (std::abs(p.box.x - c.box.x) < mh && std::regex_match(p.text, kCityStateZip)) {
            c.text = Trim(c.text) + ", " + Trim(p.text);
            c.box = c.box.Union(p.box);
            c.confidence = std::min(c.confidence, p.confidence);
          }
      }
      break;
    }
  }
  if (auto f = PickText(streets, "address.line", ValueKind::kText)) {
    // The street line holds the whole address: its parts are fields of their own, each checked;
    // a part also read under its own label keeps that reading.
    const Candidate& c = *std::find_if(streets.begin(), streets.end(),
                                       [](const Candidate& x) { return !Trim(x.text).empty(); });
    if (auto whole = SplitOneLineAddress(f->value)) {
      f->value = whole->street;
      if (!city) city = MakeField("address.city", whole->city, c, ValueKind::kName, true, true);
      if (!state) state = MakeField("address.state", whole->state, c, ValueKind::kCode, true, true);
      if (!zip) zip = MakeField("address.postalCode", whole->zip, c, ValueKind::kCode, true, true);
    }
    // A street line starts with a house number and holds no postcode of its own.
    static const std::regex kPostcodeAfterComma(R"(,.*\b\d{5}\b)");
    f->has_check = true;
    f->checked = !f->value.empty() && std::isdigit(static_cast<unsigned char>(f->value[0])) &&
                 !std::regex_search(f->value, kPostcodeAfterComma);
    out.push_back(*f);
  }
  // A state and a ZIP code that do not go together ("AL" read for "AZ" beside 857..): one of
  // them is misread, and which one is for a person to say.
  if (state && zip && state->checked && zip->checked && ZipFitsState(state->value, zip->value) == false) {
    state->checked = false;
    zip->checked = false;
  }
  if (city) out.push_back(*city);
  if (state) out.push_back(*state);
  if (zip) out.push_back(*zip);
}

void AddContact(Reader& r, std::vector<Field>& out) {
  if (auto f = Pick(r.CandidatesFor(Target::kPhone), "phone", ValueKind::kPhone,
                    [](std::string_view t) { return ParsePhone(t); }))
    out.push_back(*f);
  if (auto f = Pick(r.CandidatesFor(Target::kEmail), "email", ValueKind::kEmail,
                    [](std::string_view t) { return ParseEmail(t); }))
    out.push_back(*f);
}

std::optional<std::string> ParseMemberId(std::string_view t) { return ParseIdentifier(t, 5, 20); }
std::optional<std::string> ParseGroup(std::string_view t) { return ParseIdentifier(t, 3, 15); }
std::optional<std::string> ParsePcn(std::string_view t) { return ParseIdentifier(t, 2, 10); }

std::optional<std::string> ParsePayer(std::string_view t) {
  std::string s = Trim(t);
  if (s.size() < 3 || s.size() > 60) return std::nullopt;
  int letters = 0;
  for (unsigned char c : s) letters += std::isalpha(c) ? 1 : 0;
  if (letters < static_cast<int>(s.size()) * 2 / 3) return std::nullopt;
  return TitleCase(s);
}

void AddCoverage(Reader& r, std::vector<Field>& out, bool card) {
  std::optional<Field> payer = Pick(r.CandidatesFor(Target::kPayer), "coverage.payer",
                                    ValueKind::kText, ParsePayer);
  if (!payer && card && !r.pages().empty()) {
    const Layout& page = r.pages()[0];
    bool medicare = false;
    for (const Line& l : page.lines) medicare |= Lower(l.text).find("medicare") != std::string::npos;
    if (medicare) {
      Candidate c{"Medicare", page.lines.empty() ? Box{} : page.lines.front().box, 0.95f, 0, 0, 0};
      payer = MakeField("coverage.payer", "Medicare", c, ValueKind::kText, true, true);
    } else {
      // The card's issuer: among the tallest texts on lines without a label (a label's value is
      // not the issuer), the topmost (a member's name printed almost as large sits below the
      // issuer's). Issuers print their name at the top or in a band at the bottom.
      std::vector<const Phrase*> tall;
      int tallest = 0;
      const std::vector<Box> labelled = r.LabelledValueBoxes(0);
      auto labelled_value = [&](const Phrase& p) {
        return std::any_of(labelled.begin(), labelled.end(),
                           [&](const Box& b) { return b.x == p.box.x && b.y == p.box.y; });
      };
      for (const Line& l : page.lines) {
        if (std::any_of(l.phrases.begin(), l.phrases.end(), [](const Phrase& p) { return MatchLabel(p).has_value(); }))
          continue;
        for (const Phrase& p : l.phrases) {
          // Not "Label: value" with a label we do not know, nor a label's value, nor amounts or
          // numbers ("SPECIALIST $50").
          // Nor a person's name in the pharmacy form "FAMILY/GIVEN".
          bool slashed_name = p.text.find('/') != std::string::npos && p.text.find(' ') == std::string::npos &&
                              SplitName(p.text).has_value();
          if (!ParsePayer(p.text) || p.text.find(':') != std::string::npos ||
              p.text.find_first_of("$0123456789") != std::string::npos || labelled_value(p) || slashed_name)
            continue;
          tall.push_back(&p);
          tallest = std::max(tallest, p.box.h);
        }
      }
      const Phrase* best = nullptr;
      for (const Phrase* p : tall) {
        if (p->box.h * 4 < tallest * 3) continue;
        if (!best || p->box.y < best->box.y) best = p;
      }
      // The issuer's initials in large letters ("SCA"), its name written out elsewhere on the
      // card ("Summit Care Alliance"): the name.
      if (best) {
        std::string initials = Trim(best->text);
        bool acronym = initials.size() >= 2 && initials.size() <= 5 &&
                       std::all_of(initials.begin(), initials.end(), [](unsigned char ch) { return std::isupper(ch); });
        for (const Phrase* p : acronym ? tall : std::vector<const Phrase*>{}) {
          std::string first_letters;
          for (const auto& [at, w] : SpacedWords(p->text))
            if (std::isalpha(static_cast<unsigned char>(w[0])))
              first_letters.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(w[0]))));
          if (p != best && first_letters == initials) {
            best = p;
            break;
          }
        }
      }
      if (best) {
        Candidate c{best->text, best->box, best->confidence, 0, 0, 0};
        // A guess from where and how large the text is, not from a label: a person confirms it.
        payer = MakeField("coverage.payer", *ParsePayer(best->text), c, ValueKind::kText, true, false);
      }
    }
  }
  if (payer) out.push_back(*payer);
  if (auto f = Pick(r.CandidatesFor(Target::kMemberId), "coverage.memberId", ValueKind::kIdentifier, ParseMemberId))
    out.push_back(*f);
  if (!card) return;
  if (auto f = Pick(r.CandidatesFor(Target::kGroup), "coverage.group", ValueKind::kIdentifier, ParseGroup))
    out.push_back(*f);
  if (auto f = Pick(r.CandidatesFor(Target::kRxBin), "coverage.rxbin", ValueKind::kNumber,
                    [](std::string_view t) { return ParseRxBin(t); }))
    out.push_back(*f);
  if (auto f = Pick(r.CandidatesFor(Target::kRxPcn), "coverage.rxpcn", ValueKind::kIdentifier, ParsePcn))
    out.push_back(*f);
  if (auto f = Pick(r.CandidatesFor(Target::kMbi), "coverage.mbi", ValueKind::kIdentifier,
                    [](std::string_view t) { return ParseMbi(t); }))
    out.push_back(*f);
}

// A card that prints its member's name without a label: the first line under the issuer's
// name that reads as a person's name (two or three words of letters). A guess from position,
// so a person confirms it.
void AddCardNameWithoutLabel(Reader& r, std::vector<Field>& out) {
  bool have = std::any_of(out.begin(), out.end(), [](const Field& f) { return f.key == "name.family"; });
  if (have || r.pages().empty()) return;
  const Layout& page = r.pages()[0];
  const Field* payer = nullptr;
  for (const Field& f : out)
    if (f.key == "coverage.payer") payer = &f;
  for (const Line& l : page.lines) {
    // The name alone on its line, or first on a line whose other phrases are labelled values
    // ("IVERSON, TOBIAS        RxBIN: 649493").
    if (l.phrases.empty() ||
        !std::all_of(l.phrases.begin() + 1, l.phrases.end(), [](const Phrase& p) { return MatchLabel(p).has_value(); }))
      continue;
    const Phrase& p = l.phrases[0];
    if (p.box.y > page.height * 3 / 5) break;
    // Under an issuer printed at the top; anywhere above one printed in a band at the bottom.
    bool payer_on_top = payer && payer->box.y < page.height / 2;
    if (payer && ((payer_on_top && p.box.bottom() <= payer->box.bottom()) || p.text == payer->raw)) continue;
    if (MatchLabel(p) || p.text.find(':') != std::string::npos) continue;
    int words = 1 + static_cast<int>(std::count(p.text.begin(), p.text.end(), ' '));
    bool slashed = words == 1 && std::count(p.text.begin(), p.text.end(), '/') == 1;  // "FAMILY/GIVEN"
    if ((words < 2 && !slashed) || words > 3) continue;
    auto split = SplitName(p.text);
    if (!split || split->first.size() < 2 || split->second.size() < 2) continue;
    // A line naming the plan or the program ("Medical Assistance Program"), or a card's section
    // ("Pharmacist use"), is no person.
    static const std::set<std::string> kPlanWords = {
        "program", "plan", "health", "insurance", "medical", "assistance", "services", "care", "benefits",
        "medicaid", "medicare", "mutual", "pharmacy", "network", "member", "dental", "vision", "pharmacist",
        "provider", "use", "only", "claims", "customer", "service"};
    bool plan_words = false;
    for (const auto& [at, word] : SpacedWords(Normalise(p.text))) plan_words |= kPlanWords.contains(word);
    if (plan_words) continue;
    Candidate c{p.text, p.box, p.confidence, 0, 0, 0};
    out.push_back(MakeField("name.family", split->second, c, ValueKind::kName, true, false));
    out.push_back(MakeField("name.given", split->first, c, ValueKind::kName, true, false));
    return;
  }
}

bool NoAllergies(std::string_view text) {
  auto none = [](const std::string& n) {
    return n == "none" || n == "nka" || n == "nkda" || n == "none known" || n == "no known allergies" ||
           n == "no known drug allergies" || n == "no" || n == "none on file" || n == "none reported" ||
           n == "none listed" || n == "no allergies on file" || n == "ninguna" || n == "ninguno" ||
           n == "ninguna conocida" || n == "sin alergias";
  };
  std::string n = Normalise(text);
  if (none(n)) return true;
  // "Ninguna / None": every part of a bilingual answer says none.
  if (n.find('/') == std::string::npos) return false;
  std::vector<std::string> parts = SlashParts(n);
  return std::all_of(parts.begin(), parts.end(), none);
}

// The substances of a list ("Penicillin, Latex; Eggs"), each an allergy.
void AddAllergyList(const std::string& text, const Candidate& c, std::vector<Field>& out) {
  int n = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(",;", start);
    std::string item = Trim(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (!item.empty())
      out.push_back(MakeField(fmt::format("allergy.{}", n++), TitleCase(item), c, ValueKind::kText, false, false));
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

void AddAllergies(Reader& r, std::vector<Field>& out) {
  // A checked "No known allergies" box.
  for (size_t pi = 0; pi < r.pages().size(); ++pi) {
    const Layout& page = r.pages()[pi];
    for (const Checkbox& cb : page.checkboxes) {
      std::string option = CheckboxLabel(page, cb);
      if (!option.empty() && NoAllergies(option) && cb.checked) {
        Candidate c{option, cb.box, 0.95f, static_cast<int>(pi), 0, 0};
        out.push_back(MakeField("allergies", "none", c, ValueKind::kChoice, true, true));
        return;
      }
    }
  }
  for (const Candidate& c : r.CandidatesFor(Target::kAllergies)) {
    std::string text = Trim(c.text);
    // The answer to a yes/no question: "Yes: Eggs, Penicillin", "Yes - latex".
    static const std::regex kYes(R"(^(?:yes|y)\s*[:\-,]\s*(.+)$)", std::regex::icase);
    if (std::smatch m; std::regex_match(text, m, kYes)) text = Trim(m[1].str());
    if (text.empty()) continue;
    if (NoAllergies(text)) {
      out.push_back(MakeField("allergies", "none", c, ValueKind::kChoice, true, true));
      return;
    }
    AddAllergyList(text, c, out);
    return;
  }
}

// ---- facts in running sentences ----

// A letter the patient signs ("I, Omar Kowalski, born November 20, 1976, living at 2432 Sunset
// Ave, Savannah, GA 31417, ask ... You may call me at (614) 555-0190 or write to me at ...
// My health insurance is with Northwind Insurance (member number XQH092105227). I am allergic
// to Eggs and Penicillin."): the fields no label gave, from the sentences that state them. The
// page's lines are read as one text (a sentence goes on across lines); each value is checked
// as a labelled one would be and keeps the lowest confidence of the lines it was read from.
void AddFactsFromSentences(Reader& r, std::vector<Field>& out) {
  auto have = [&](std::string_view key) {
    return std::any_of(out.begin(), out.end(), [&](const Field& f) { return f.key == key; });
  };
  for (size_t pi = 0; pi < r.pages().size(); ++pi) {
    const Layout& page = r.pages()[pi];
    std::string text;
    struct Span {
      size_t from, to;
      const Line* line;
      float confidence;
    };
    std::vector<Span> spans;
    for (const Line& line : page.lines) {
      if (!text.empty()) text += ' ';
      float conf = 1.0f;
      for (const Phrase& p : line.phrases) conf = std::min(conf, p.confidence);
      spans.push_back({text.size(), text.size() + line.text.size(), &line, conf});
      text += line.text;
    }
    // The candidate for text [from, to): the lines it spans, their lowest confidence.
    auto candidate = [&](size_t from, size_t to, std::string value) {
      Candidate c{std::move(value), Box{}, 1.0f, static_cast<int>(pi), 0, 0};
      bool first = true;
      for (const Span& sp : spans) {
        if (sp.to <= from || sp.from >= to) continue;
        c.box = first ? sp.line->box : c.box.Union(sp.line->box);
        c.confidence = std::min(c.confidence, sp.confidence);
        first = false;
      }
      return c;
    };
    auto found = [&](const std::regex& re, int group = 1) -> std::optional<Candidate> {
      std::smatch m;
      if (!std::regex_search(text, m, re)) return std::nullopt;
      size_t from = static_cast<size_t>(m.position(group));
      return candidate(from, from + static_cast<size_t>(m.length(group)), Trim(m[group].str()));
    };
    // "I, Given Family," (a reader often takes the "I" for a bar or an l).
    static const std::regex kI(R"((?:^|\s)[I|l1],\s+([A-Z][A-Za-z'-]+(?:\s+[A-Z][A-Za-z'-]+){1,2}),)");
    if (!have("name.family")) {
      if (auto c = found(kI)) {
        if (auto split = SplitName(c->text)) {
          out.push_back(MakeField("name.family", split->second, *c, ValueKind::kName, true, true));
          out.push_back(MakeField("name.given", split->first, *c, ValueKind::kName, true, true));
        }
      }
    }
    static const std::regex kLiving(
        R"(\b(?:living at|residing at|I live at|I reside at|my (?:home )?address is)\s+(\d[^,]*,\s*[A-Za-z][A-Za-z .'-]*,?\s+[A-Z]{2}\.?\s+\d{5}(?:\s*-\s*\d{4})?))",
        std::regex::icase);
    if (!have("address.line")) {
      if (auto c = found(kLiving)) {
        if (auto a = SplitOneLineAddress(c->text)) {
          out.push_back(MakeField("address.line", a->street, *c, ValueKind::kText, true, true));
          out.push_back(MakeField("address.city", a->city, *c, ValueKind::kName, true, true));
          out.push_back(MakeField("address.state", a->state, *c, ValueKind::kCode, true, true));
          out.push_back(MakeField("address.postalCode", a->zip, *c, ValueKind::kCode, true, true));
        }
      }
    }
    static const std::regex kCall(
        R"(\b(?:call me at|reach me at|phone me at|text me at|my (?:phone|telephone|cell|mobile)(?: number)? is)\s+(\+?[\d(][\d() .-]{8,18}\d))",
        std::regex::icase);
    // A field no label gave, from the sentence `re` finds, when its value checks.
    auto from_sentence = [&](const char* key, const std::regex& re, ValueKind kind,
                             const std::function<std::optional<std::string>(std::string_view)>& parse) {
      if (have(key)) return;
      if (auto c = found(re))
        if (auto v = parse(c->text)) out.push_back(MakeField(key, *v, *c, kind, true, true));
    };
    from_sentence("phone", kCall, ValueKind::kPhone, [](std::string_view t) { return ParsePhone(t); });
    static const std::regex kWrite(
        R"(\b(?:write to me at|e-?mail me at|my e-?mail(?: address)? is)\s+(\S+@\S+?)[.,;)]?(?:\s|$))",
        std::regex::icase);
    from_sentence("email", kWrite, ValueKind::kEmail, [](std::string_view t) { return ParseEmail(t); });
    static const std::regex kInsurer(
        R"(\b(?:insurance is with|insurance company is|insurer is|I am insured (?:with|by)|insured with)\s+([A-Z][A-Za-z&.' -]*?)\s*(?:[(,.]|$))",
        std::regex::icase);
    from_sentence("coverage.payer", kInsurer, ValueKind::kText, ParsePayer);
    // The number up to what ends it: a reader splits off a last digit or two ("EVM93066978 1)").
    static const std::regex kMemberNumber(
        R"(\b(?:member|policy|subscriber) (?:number|no\.?|#|id)\s*:?\s*([A-Za-z0-9][A-Za-z0-9-]{4,}(?: \d{1,3})?)(?=\s*(?:[).,;]|$)))",
        std::regex::icase);
    from_sentence("coverage.memberId", kMemberNumber, ValueKind::kIdentifier, ParseMemberId);
    static const std::regex kNoAllergies(R"((?:^|\s)[I|l1] have no (?:known )?(?:drug )?allergies\b)", std::regex::icase);
    static const std::regex kAllergic(R"((?:^|\s)[I|l1] am allergic to\s+([^.]+)\.)", std::regex::icase);
    if (!have("allergies") && !have("allergy.0")) {
      if (auto none = found(kNoAllergies, 0)) {
        out.push_back(MakeField("allergies", "none", *none, ValueKind::kChoice, true, true));
      } else if (auto c = found(kAllergic)) {
        // "A, B and C": each one a substance.
        static const std::regex kAnd(R"(\s+and\s+)");
        AddAllergyList(std::regex_replace(c->text, kAnd, ", "), *c, out);
      }
    }
  }
}

// ---- lab reports ----

struct LabTest {
  const char* name;  // normalised printed name
  const char* loinc;
  const char* ucum;  // expected unit
  double low, high;  // plausible values
};

// LOINC codes (loinc.org): the common serum/plasma and blood tests of US lab reports.
constexpr LabTest kLabTests[] = {
    {"glucose", "2345-7", "mg/dL", 5, 2000},
    {"hemoglobin a1c", "4548-4", "%", 2, 25},
    {"hba1c", "4548-4", "%", 2, 25},
    {"a1c", "4548-4", "%", 2, 25},
    {"hemoglobin", "718-7", "g/dL", 2, 30},
    {"hgb", "718-7", "g/dL", 2, 30},
    {"wbc", "6690-2", "10*3/uL", 0.1, 500},
    {"white blood cell count", "6690-2", "10*3/uL", 0.1, 500},
    {"platelets", "777-3", "10*3/uL", 1, 3000},
    {"platelet count", "777-3", "10*3/uL", 1, 3000},
    {"creatinine", "2160-0", "mg/dL", 0.1, 30},
    {"cholesterol total", "2093-3", "mg/dL", 20, 1000},
    {"total cholesterol", "2093-3", "mg/dL", 20, 1000},
    {"cholesterol", "2093-3", "mg/dL", 20, 1000},
    {"triglycerides", "2571-8", "mg/dL", 10, 5000},
    {"ldl cholesterol", "13457-7", "mg/dL", 5, 600},
    {"ldl", "13457-7", "mg/dL", 5, 600},
    {"ldl c", "13457-7", "mg/dL", 5, 600},
    {"hdl cholesterol", "2085-9", "mg/dL", 5, 200},
    {"hdl", "2085-9", "mg/dL", 5, 200},
    {"sodium", "2951-2", "mmol/L", 90, 200},
    {"potassium", "2823-3", "mmol/L", 1, 10},
    {"tsh", "3016-3", "m[IU]/L", 0.001, 200},
    {"egfr", "33914-3", "mL/min/{1.73_m2}", 1, 200},
    {"bun", "3094-0", "mg/dL", 1, 300},
    {"urea nitrogen", "3094-0", "mg/dL", 1, 300},
    {"calcium", "17861-6", "mg/dL", 2, 20},
    {"alt", "1742-6", "U/L", 1, 5000},
    {"ast", "1920-8", "U/L", 1, 5000},
    {"hematocrit", "4544-3", "%", 5, 80},
    // Spanish names (matched without accents), as laboratories in Spanish-speaking countries
    // print them.
    {"glucosa", "2345-7", "mg/dL", 5, 2000},
    {"hemoglobina a1c", "4548-4", "%", 2, 25},
    {"hemoglobina glicosilada", "4548-4", "%", 2, 25},
    {"hemoglobina glucosilada", "4548-4", "%", 2, 25},
    {"hemoglobina", "718-7", "g/dL", 2, 30},
    {"leucocitos", "6690-2", "10*3/uL", 0.1, 500},
    {"globulos blancos", "6690-2", "10*3/uL", 0.1, 500},
    {"plaquetas", "777-3", "10*3/uL", 1, 3000},
    {"creatinina", "2160-0", "mg/dL", 0.1, 30},
    {"colesterol total", "2093-3", "mg/dL", 20, 1000},
    {"colesterol", "2093-3", "mg/dL", 20, 1000},
    {"trigliceridos", "2571-8", "mg/dL", 10, 5000},
    {"colesterol ldl", "13457-7", "mg/dL", 5, 600},
    {"colesterol hdl", "2085-9", "mg/dL", 5, 200},
    {"sodio", "2951-2", "mmol/L", 90, 200},
    {"potasio", "2823-3", "mmol/L", 1, 10},
    {"tfge", "33914-3", "mL/min/{1.73_m2}", 1, 200},
    {"calcio", "17861-6", "mg/dL", 2, 20},
    {"nitrogeno ureico", "3094-0", "mg/dL", 1, 300},
    {"hematocrito", "4544-3", "%", 5, 80},
};

struct Unit {
  const char* printed;  // normalised: lower case, no spaces
  const char* ucum;
};
constexpr Unit kUnits[] = {
    {"mg/dl", "mg/dL"}, {"g/dl", "g/dL"}, {"%", "%"}, {"k/ul", "10*3/uL"},
    {"x10^3/ul", "10*3/uL"}, {"10^3/ul", "10*3/uL"}, {"thou/ul", "10*3/uL"}, {"x10e3/ul", "10*3/uL"},
    {"mmol/l", "mmol/L"}, {"meq/l", "meq/L"}, {"miu/l", "m[IU]/L"}, {"uiu/ml", "u[IU]/mL"},
    {"ml/min/1.73m2", "mL/min/{1.73_m2}"}, {"ml/min/1.73", "mL/min/{1.73_m2}"}, {"u/l", "U/L"},
    {"iu/l", "[IU]/L"}, {"ng/ml", "ng/mL"}, {"pg/ml", "pg/mL"}, {"mg/l", "mg/L"},
};

std::optional<std::string> ParseUnit(std::string_view token) {
  std::string t;
  for (char c : token)
    if (!std::isspace(static_cast<unsigned char>(c))) t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const Unit& u : kUnits)
    if (t == u.printed) return std::string(u.ucum);
  for (const Unit& u : kUnits)
    if (std::string_view(u.printed).size() >= 4 && FuzzyEquals(t, u.printed)) return std::string(u.ucum);
  return std::nullopt;
}

// The test whose name starts `norm_prefix`, compared word by word: an exact name beats one within
// an edit or two ("HDL Cholesterol" is HDL, though within two edits of "ldl cholesterol"), then
// the longer name ("Hemoglobin A1ic" is A1c read with a stray letter, not Hemoglobin). A name
// the reader split at a letter ("Hemog lobin", common in fixed-width type) is compared with its
// spaces taken out, after an unsplit reading. `consumed`, when given, is set to how many words
// of `norm_prefix` the name took.
const LabTest* MatchLabName(const std::string& norm_prefix, size_t* consumed = nullptr) {
  std::vector<std::string_view> words;
  std::string_view rest = norm_prefix;
  while (!rest.empty()) {
    size_t e = rest.find(' ');
    if (e != 0) words.push_back(rest.substr(0, e));
    if (e == std::string_view::npos) break;
    rest.remove_prefix(e + 1);
  }
  auto squeeze = [](std::string t) {
    std::erase(t, ' ');
    return t;
  };
  const LabTest* best = nullptr;
  size_t best_score = 0, best_words = 0;
  for (const LabTest& t : kLabTests) {
    std::string_view name = t.name;
    size_t n = static_cast<size_t>(std::count(name.begin(), name.end(), ' ')) + 1;
    for (size_t m : {n, n + 1}) {
      if (words.size() < m) continue;
      std::string head;
      bool number_word = false;  // a number read where the name has a word ("Hemoglobin 13.5")
      for (size_t i = 0; i < m; ++i) {
        head += (i ? " " : "") + std::string(words[i]);
        number_word |= std::all_of(words[i].begin(), words[i].end(), [](unsigned char c) { return std::isdigit(c); });
      }
      bool split = m > n;
      std::string a = split ? squeeze(head) : head, b = split ? squeeze(std::string(name)) : std::string(name);
      bool exact = a == b;
      if (!exact && (number_word || !FuzzyEquals(a, b))) continue;
      // A split name's parts are pieces of words, not a flag or a unit read after the name.
      if (split && (number_word || std::any_of(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(m), [](std::string_view w) {
                      return w.size() < 2 || ParseUnit(w).has_value();
                    })))
        continue;
      size_t score = name.size() * 4 + (exact ? 2 : 0) + (split ? 0 : 1);
      if (score > best_score) {
        best = &t;
        best_score = score;
        best_words = m;
      }
    }
  }
  if (consumed) *consumed = best ? best_words : 0;
  return best;
}

// A date at the start of `text` ("December 18, 2025.", "03/14/2024 08:15"): the longest run of
// up to four words that reads as one.
std::optional<std::string> LeadingDate(std::string_view text) {
  std::vector<std::pair<size_t, std::string>> words = SpacedWords(text);
  for (size_t n = std::min<size_t>(words.size(), 4); n > 0; --n) {
    std::string head;
    for (size_t i = 0; i < n; ++i) head += (i ? " " : "") + words[i].second;
    if (auto d = ParseDate(head)) return d;
  }
  return std::nullopt;
}

// kIgnored: a column we do not read (the performing lab's code, comments).
// kLow / kHigh: a reference interval printed as two columns.
enum class LabColumn { kNone, kName, kResult, kFlag, kUnit, kRange, kLow, kHigh, kPrevious, kIgnored };

struct LabColumns {
  std::vector<std::pair<int, LabColumn>> starts;  // x where each column's header starts, left to right
  // Where each table starts when several are printed side by side (a column name repeats: "Test
  // Result Units Test Result Units"); one entry for a single table.
  std::vector<int> panels;
  bool Has(LabColumn c) const {
    return std::any_of(starts.begin(), starts.end(), [c](const auto& s) { return s.second == c; });
  }
  // The column a word starting at x belongs to: the last one whose header starts at or before it
  // (allowing a line height for values printed a little left of their header).
  LabColumn ColumnAt(int x, int mh) const {
    LabColumn out = LabColumn::kNone;
    for (const auto& [start, c] : starts)
      if (start <= x + mh) out = c;
    return out;
  }
};

// The words of `below` that finish the test name begun on `row` ("Hemoglobin" / "A1c"), put
// after the name's words in `words`; returns how many were put. They finish it when `below`
// sits right under the row, holds only words of letters starting in the name's column and
// ending before the row's first reading, and the name with them is a whole test's name that
// the row's words alone are not.
size_t JoinWrappedLabName(std::vector<const Word*>& words, const Line& row, const Line& below, int mh,
                          const std::optional<LabColumns>& columns) {
  if (below.box.y - row.box.bottom() > mh || words.empty()) return 0;
  static const std::regex kLoinc(R"(^\d{1,6}-\d$)");
  size_t lead = 0;
  while (lead < words.size() && std::regex_match(Trim(words[lead]->text), kLoinc)) ++lead;
  size_t name_end = lead;
  // A word of the name: letters, not starting as a reading does ("9.4H", "<150", "%", "H").
  auto name_word = [](const std::string& raw) {
    std::string t = Trim(raw);
    bool letters = std::any_of(t.begin(), t.end(), [](unsigned char c) { return std::isalpha(c); });
    return letters && !std::isdigit(static_cast<unsigned char>(t[0])) && t[0] != '<' && t[0] != '>' && t != "H" &&
           t != "L" && !ParseUnit(t);
  };
  while (name_end < words.size() && name_word(words[name_end]->text)) ++name_end;
  if (name_end == lead || name_end == words.size()) return 0;  // no name, or nothing read after it
  const Box& name_box = words[lead]->box;
  int reading_x = words[name_end]->box.x;
  std::vector<const Word*> more;
  for (const Phrase& p : below.phrases)
    for (const Word& w : p.words) {
      std::string t = Trim(w.text);
      if (t.empty() || !name_word(t) || w.box.right() >= reading_x) return 0;
      if (columns && columns->ColumnAt(w.box.x, mh) != LabColumn::kName) return 0;
      more.push_back(&w);
    }
  if (more.empty() || more.size() > 3 || std::abs(more.front()->box.x - name_box.x) > 2 * mh) return 0;
  std::string alone, joined;
  for (size_t i = lead; i < name_end; ++i) alone += (alone.empty() ? "" : " ") + words[i]->text;
  joined = alone;
  for (const Word* w : more) joined += " " + w->text;
  size_t with_words = 0, without_words = 0;
  const LabTest* with = MatchLabName(Normalise(joined), &with_words);
  if (!with || with_words != name_end - lead + more.size()) return 0;
  if (MatchLabName(Normalise(alone), &without_words) && without_words >= with_words) return 0;
  words.insert(words.begin() + static_cast<std::ptrdiff_t>(name_end), more.begin(), more.end());
  return more.size();
}

// A lab table's header row: at least a result column and one other named column, and nothing
// on the line that is not a column name (or a date heading a column of results).
std::optional<LabColumns> LabHeader(const Line& line) {
  static const std::pair<const char*, LabColumn> kNames[] = {
      {"test", LabColumn::kName}, {"test name", LabColumn::kName}, {"analyte", LabColumn::kName},
      {"component", LabColumn::kName}, {"result", LabColumn::kResult}, {"results", LabColumn::kResult},
      {"value", LabColumn::kResult}, {"your result", LabColumn::kResult}, {"current", LabColumn::kResult},
      {"flag", LabColumn::kFlag}, {"units", LabColumn::kUnit}, {"unit", LabColumn::kUnit},
      {"reference", LabColumn::kRange}, {"reference range", LabColumn::kRange}, {"ref range", LabColumn::kRange},
      {"ref", LabColumn::kRange}, {"range", LabColumn::kRange}, {"normal range", LabColumn::kRange},
      {"reference interval", LabColumn::kRange}, {"previous", LabColumn::kPrevious},
      {"previous result", LabColumn::kPrevious}, {"prior", LabColumn::kPrevious}, {"prior result", LabColumn::kPrevious},
      {"last result", LabColumn::kPrevious}, {"tests", LabColumn::kName}, {"lab", LabColumn::kIgnored},
      {"performing lab", LabColumn::kIgnored}, {"site", LabColumn::kIgnored}, {"comment", LabColumn::kIgnored},
      {"comments", LabColumn::kIgnored}, {"loinc", LabColumn::kIgnored}, {"loinc code", LabColumn::kIgnored},
      {"code", LabColumn::kIgnored}, {"ref interval", LabColumn::kRange}, {"low", LabColumn::kLow},
      {"high", LabColumn::kHigh}, {"ref low", LabColumn::kLow}, {"ref high", LabColumn::kHigh},
      {"lower limit", LabColumn::kLow}, {"upper limit", LabColumn::kHigh},
      // Spanish (matched without accents).
      {"prueba", LabColumn::kName}, {"pruebas", LabColumn::kName}, {"analito", LabColumn::kName},
      {"examen", LabColumn::kName}, {"estudio", LabColumn::kName}, {"resultado", LabColumn::kResult},
      {"resultados", LabColumn::kResult}, {"valor", LabColumn::kResult}, {"unidades", LabColumn::kUnit},
      {"unidad", LabColumn::kUnit}, {"valores de referencia", LabColumn::kRange},
      {"valor de referencia", LabColumn::kRange}, {"intervalo de referencia", LabColumn::kRange},
      {"rango de referencia", LabColumn::kRange}, {"referencia", LabColumn::kRange},
      {"rango", LabColumn::kRange}, {"bandera", LabColumn::kFlag}, {"indicador", LabColumn::kFlag},
      {"resultado anterior", LabColumn::kPrevious}, {"anterior", LabColumn::kPrevious},
  };
  LabColumns out;
  // A cumulative report heads its result columns with their dates: the newest is this report's
  // result, the others earlier ones, whichever side they are printed.
  std::vector<std::pair<int, std::string>> dated;  // x, ISO date
  for (const Phrase& p : line.phrases) {
    if (auto d = ParseDate(Trim(p.text))) {
      dated.emplace_back(p.box.x, *d);
      continue;
    }
    // Column names printed close together may share a phrase ("Result  Flag"): word by word.
    std::string norm = Normalise(p.text);
    const std::pair<const char*, LabColumn>* whole = nullptr;
    for (const auto& n : kNames)
      if (norm == n.first) whole = &n;
    if (whole) {
      out.starts.emplace_back(p.box.x, whole->second);
      continue;
    }
    for (const Word& w : p.words) {
      std::string wn = Normalise(w.text);
      const std::pair<const char*, LabColumn>* hit = nullptr;
      for (const auto& n : kNames)
        if (wn == n.first) hit = &n;
      if (!hit) return std::nullopt;
      out.starts.emplace_back(w.box.x, hit->second);
    }
  }
  if (!dated.empty() && !out.Has(LabColumn::kResult)) {
    auto newest = std::max_element(dated.begin(), dated.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    for (auto it = dated.begin(); it != dated.end(); ++it)
      out.starts.emplace_back(it->first, it == newest ? LabColumn::kResult : LabColumn::kPrevious);
  }
  if (!out.Has(LabColumn::kResult) || out.starts.size() < 2) return std::nullopt;
  std::sort(out.starts.begin(), out.starts.end());
  std::vector<LabColumn> seen;
  for (const auto& [x, c] : out.starts) {
    // (Earlier results may take several columns of one table.)
    if (out.panels.empty() || (c != LabColumn::kPrevious && std::find(seen.begin(), seen.end(), c) != seen.end())) {
      out.panels.push_back(x);
      seen.clear();
    }
    seen.push_back(c);
  }
  out.panels.front() = std::numeric_limits<int>::min();
  return out;
}

void AddLabs(Reader& r, std::vector<Field>& out) {
  std::string today(r.today());
  if (auto f = Pick(r.CandidatesFor(Target::kCollected), "lab.collected", ValueKind::kDate,
                    [](std::string_view t) { return ParseDate(t); })) {
    out.push_back(*f);
  } else {
    // In a sentence: "... sample taken December 18, 2025", "specimen collected on 03/14/2024".
    static const std::regex kTaken(R"(\b(?:collected|taken|drawn)\s*:?\s+(?:on\s+)?(.+))", std::regex::icase);
    bool found = false;
    for (size_t pi = 0; pi < r.pages().size() && !found; ++pi)
      for (const Line& line : r.pages()[pi].lines) {
        std::smatch m;
        if (!std::regex_search(line.text, m, kTaken)) continue;
        if (auto d = LeadingDate(m[1].str())) {
          Candidate c{m[1].str(), line.box, line.phrases.empty() ? 0.f : line.phrases.back().confidence,
                      static_cast<int>(pi), 0, 0};
          out.push_back(MakeField("lab.collected", *d, c, ValueKind::kDate, true, true));
          found = true;
          break;
        }
      }
  }
  static const std::regex kNumber(R"(^[<>]?\d+(\.\d+)?$)");
  static const std::regex kRange(R"(^(\d+(\.\d+)?)\s*-\s*(\d+(\.\d+)?)$)");
  static const std::regex kBound(R"(^[<>]=?\s*\d+(\.\d+)?$)");
  // A value with its flag against it ("318H"; Spanish reports flag A for alto, B for bajo).
  static const std::regex kFlagged(R"(^(\d+(\.\d+)?)[HLAB]$)");
  int n = 0;
  for (size_t pi = 0; pi < r.pages().size(); ++pi) {
    // A table's header row names its columns; under it, a value is read from the result
    // column only, a unit from the units column, a range from the reference column, and an
    // earlier result (a "Previous" column) is never taken for the current one.
    std::optional<LabColumns> columns;
    // The column of words read from a table printed with its tests as columns (below).
    std::map<const Word*, LabColumn> word_columns;
    // A reference interval printed on the line under its row ("Reference interval: 70-99"),
    // set while that row is read.
    const Phrase* range_below = nullptr;
    std::string range_below_text;
    auto read_row = [&](std::vector<const Word*> words) {
        // The test name starts the line, after any specks the reader took for marks and the
        // test's LOINC code when the row starts with it ("2571-8  Triglycerides ...").
        static const std::regex kLoinc(R"(^\d{1,6}-\d$)");
        size_t lead = 0;
        std::string printed_code;
        while (lead < words.size()) {
          const std::string& t = words[lead]->text;
          bool speck = std::none_of(t.begin(), t.end(), [](unsigned char c) { return std::isalnum(c); });
          bool code = printed_code.empty() && std::regex_match(Trim(t), kLoinc);
          // Under a header, anything in a column that is not read ("339 14-3", a code the reader
          // split) is not the name either.
          bool unread_column = columns && columns->ColumnAt(words[lead]->box.x, std::max(1, r.pages()[pi].median_height)) ==
                                              LabColumn::kIgnored;
          if (!speck && !code && !unread_column) break;
          if (code) printed_code = Trim(t);
          ++lead;
        }
        std::string rest;
        for (size_t i = lead; i < words.size() && i < lead + 4; ++i) rest += (rest.empty() ? "" : " ") + words[i]->text;
        size_t matched_words = 0;
        const LabTest* test = MatchLabName(Normalise(rest), &matched_words);
        if (!test) return;
        size_t name_words = lead + matched_words;
        if (words.size() <= name_words) return;
        // The reader sometimes splits a number at its decimal point ("5. 1"): join the parts,
        // or the range or value would lose its decimals and still look whole.
        std::vector<std::string> texts;
        // Parentheses around a range or a flag ("(reference 4.0-5.6)", "(high)") are not part of it.
        for (const Word* w : words) {
          std::string t = Trim(w->text);
          while (!t.empty() && (t.front() == '(' || t.back() == ')')) t = Trim(t.front() == '(' ? t.substr(1) : t.substr(0, t.size() - 1));
          texts.push_back(t);
        }
        std::deque<Word> split_words;  // the parts of tokens split below (stable addresses)
        // A part stays in its token's column; the parts' entries go when the row is read.
        auto keep_column = [&](const Word* from, const Word* part) {
          if (auto it = word_columns.find(from); it != word_columns.end()) word_columns[part] = it->second;
        };
        struct Forget {
          std::map<const Word*, LabColumn>& columns;
          std::deque<Word>& parts;
          ~Forget() {
            for (const Word& w : parts) columns.erase(&w);
          }
        } forget{word_columns, split_words};
        // A value printed against its unit ("8.3%", "5.4mmol/L"): two tokens in the same place.
        static const std::regex kValueUnit(R"(^(\d+(?:\.\d+)?)([%a-zA-Z/].*)$)");
        for (size_t i = 0; i < texts.size(); ++i) {
          std::smatch vu;
          if (!std::regex_match(texts[i], vu, kValueUnit)) continue;
          std::string unit_text = vu[2].str();
          if (unit_text == "H" || unit_text == "L" || !ParseUnit(unit_text)) continue;
          Word unit_part = *words[i];
          unit_part.text = unit_text;
          split_words.push_back(std::move(unit_part));
          keep_column(words[i], &split_words.back());
          texts[i] = vu[1].str();
          texts.insert(texts.begin() + static_cast<std::ptrdiff_t>(i) + 1, unit_text);
          words.insert(words.begin() + static_cast<std::ptrdiff_t>(i) + 1, &split_words.back());
          ++i;
        }
        // A footnote mark against a result ("5.1*", "140†"): not part of it. A letter there that
        // is no flag, or a plus ("8.9T", "232+": a dagger misread), is dropped too, and the result
        // goes to review.
        std::set<const Word*> marked;
        {
          static const std::regex kMarked(R"(^(\d+(?:\.\d+)?)(\*|#|\xE2\x80\xA0|\xE2\x80\xA1|\xC2\xA7|\xC2\xB9|\xC2\xB2|\xC2\xB3)$)");
          static const std::regex kLettered(R"(^(\d+(?:\.\d+)?)([C-GI-KM-Z]{1,2}|\+)$)");
          for (size_t i = name_words; i < texts.size(); ++i) {
            std::smatch fm;
            if (std::regex_match(texts[i], fm, kMarked)) {
              texts[i] = fm[1].str();
            } else if (std::regex_match(texts[i], fm, kLettered) && !ParseUnit(fm[2].str())) {
              texts[i] = fm[1].str();
              marked.insert(words[i]);
            }
          }
        }
        // A unit printed against the range in the next column ("mL/min/1.73m2>60"): two tokens,
        // the range's box at the token's end.
        for (size_t i = 0; i < texts.size(); ++i) {
          std::string lower = Lower(texts[i]);
          for (const Unit& u : kUnits) {
            std::string_view printed = u.printed;
            if (printed.size() < 2 || !lower.starts_with(printed) || lower.size() == printed.size()) continue;
            std::string rest = texts[i].substr(printed.size());
            if (!std::regex_match(rest, kRange) && !std::regex_match(rest, kBound)) continue;
            // The range part stands where the glued token ends: in the column it ran into.
            Word range_part = *words[i];
            range_part.box.x = range_part.box.right() - 1;
            range_part.box.w = 1;
            range_part.text = rest;
            split_words.push_back(std::move(range_part));
            keep_column(words[i], &split_words.back());
            texts[i] = texts[i].substr(0, printed.size());
            texts.insert(texts.begin() + static_cast<std::ptrdiff_t>(i) + 1, rest);
            words.insert(words.begin() + static_cast<std::ptrdiff_t>(i) + 1, &split_words.back());
            break;
          }
        }
        for (size_t i = name_words; i + 1 < words.size(); ++i) {
          std::string_view a = words[i]->text;  // as read: Trim drops the point
          while (!a.empty() && std::isspace(static_cast<unsigned char>(a.back()))) a.remove_suffix(1);
          const std::string& b = texts[i + 1];
          bool a_ends_point = a.size() >= 2 && a.back() == '.' && std::isdigit(static_cast<unsigned char>(a[a.size() - 2]));
          bool b_digits = !b.empty() && std::all_of(b.begin(), b.end(), [](unsigned char c) { return std::isdigit(c); });
          bool adjacent = words[i + 1]->box.x - words[i]->box.right() < std::max(words[i]->box.h, words[i + 1]->box.h);
          if (!a_ends_point || !b_digits || !adjacent) continue;
          texts[i] += "." + b;
          texts.erase(texts.begin() + static_cast<std::ptrdiff_t>(i) + 1);
          words.erase(words.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        }
        // The test's name must end where the matched name ends: a word of letters after it
        // ("Hemoglobin A1ic", "Glucose, fasting") may make it another test, so the code and the
        // value go to review.
        bool name_whole = true;
        if (name_words < texts.size()) {
          const std::string& nx = texts[name_words];
          bool letters = std::any_of(nx.begin(), nx.end(), [](unsigned char ch) { return std::isalpha(ch); });
          // A caption before the result ("Result: 2.02") is not more of the name either.
          std::string_view raw = words[name_words]->text;
          while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
          bool caption = !raw.empty() && raw.back() == ':';
          bool reading = nx == "H" || nx == "L" || caption || ParseUnit(nx).has_value() || std::regex_match(nx, kNumber) ||
                         std::regex_match(nx, kRange) || std::regex_match(nx, kBound) ||
                         std::regex_match(nx, kFlagged);
          name_whole = !letters || reading;
        }
        // A printed code that is another test's: the name or the code was misread.
        if (!printed_code.empty() && printed_code != test->loinc &&
            std::any_of(std::begin(kLabTests), std::end(kLabTests), [&](const LabTest& t) { return printed_code == t.loinc; }))
          name_whole = false;
        const Word* value = nullptr;
        std::string range;
        const Word* range_word = nullptr;
        std::optional<std::string> unit;
        const Word* unit_word = nullptr;
        int mh = std::max(1, r.pages()[pi].median_height);
        auto column_of = [&](const Word* w) {
          if (auto it = word_columns.find(w); it != word_columns.end()) return it->second;
          return columns ? columns->ColumnAt(w->box.x, mh) : LabColumn::kNone;
        };
        auto allowed = [&](const Word* w, LabColumn wanted) {
          if (!columns) return true;
          LabColumn c = column_of(w);
          return c == wanted || (wanted == LabColumn::kResult && c == LabColumn::kFlag) || !columns->Has(wanted);
        };
        // The unit in parentheses after the test's name ("Sodium (mmol/L)"), in the name column.
        if (name_words < words.size() && !words[name_words]->text.empty() && words[name_words]->text.front() == '(') {
          unit = ParseUnit(texts[name_words]);
          if (unit) unit_word = words[name_words];
        }
        // A reference interval as Low and High columns: "70" and "99" are "70-99", a high end
        // alone "<200", a low end alone ">60".
        std::string low, high;
        const Word* low_word = nullptr;
        const Word* high_word = nullptr;
        for (size_t i = name_words; columns && i < words.size(); ++i) {
          LabColumn col = column_of(words[i]);
          if (col != LabColumn::kLow && col != LabColumn::kHigh) continue;
          if (!std::regex_match(texts[i], kNumber) || texts[i][0] == '<' || texts[i][0] == '>') continue;
          (col == LabColumn::kLow ? low : high) = texts[i];
          (col == LabColumn::kLow ? low_word : high_word) = words[i];
        }
        // One end alone may be a one-sided interval or an end that was not read: a person says.
        bool one_end_only = low.empty() != high.empty();
        if (!low.empty() || !high.empty()) {
          range = !low.empty() && !high.empty() ? low + "-" + high : !low.empty() ? ">" + low : "<" + high;
          range_word = low_word ? low_word : high_word;
        }
        for (size_t i = name_words; i < words.size(); ++i) {
          const std::string& t = texts[i];
          if (columns && (column_of(words[i]) == LabColumn::kPrevious || column_of(words[i]) == LabColumn::kName ||
                          column_of(words[i]) == LabColumn::kIgnored || column_of(words[i]) == LabColumn::kLow ||
                          column_of(words[i]) == LabColumn::kHigh))
            continue;
          // Ranges may be read as one token or as three ("70 - 99").
          if (i + 2 < words.size() && texts[i + 1] == "-") {
            std::string joined = t + "-" + texts[i + 2];
            if (std::regex_match(joined, kRange) && range.empty() && allowed(words[i], LabColumn::kRange)) {
              range = joined;
              range_word = words[i];
              i += 2;
              continue;
            }
          }
          // A bare number before the value is the value; "70-99", "<200" are ranges anywhere.
          if (range.empty() && (std::regex_match(t, kRange) || std::regex_match(t, kBound)) &&
              (value != nullptr || t[0] == '<' || t[0] == '>' || t.find('-') != std::string::npos) &&
              allowed(words[i], LabColumn::kRange)) {
            range = t;
            range_word = words[i];
            continue;
          }
          // The value, possibly with its flag printed against it ("318H").
          if (!value && ((std::regex_match(t, kNumber) && t[0] != '<' && t[0] != '>') || std::regex_match(t, kFlagged)) &&
              allowed(words[i], LabColumn::kResult)) {
            value = words[i];
            continue;
          }
          if (!unit && allowed(words[i], LabColumn::kUnit)) {
            unit = ParseUnit(t);
            if (unit) unit_word = words[i];
            // A unit the reader split at a letter ("mmo L/L"): the two pieces side by side.
            if (!unit && i + 1 < words.size() && allowed(words[i + 1], LabColumn::kUnit) &&
                words[i + 1]->box.x - words[i]->box.right() < std::max(words[i]->box.h, words[i + 1]->box.h)) {
              unit = ParseUnit(t + texts[i + 1]);
              if (unit) {
                unit_word = words[i];
                ++i;
              }
            }
          }
        }
        if (!value) return;
        if (range.empty() && range_below != nullptr && !range_below->words.empty()) {
          std::string t = range_below_text;
          std::erase(t, ' ');
          if (std::regex_match(t, kRange) || std::regex_match(t, kBound)) {
            range = t;
            range_word = &range_below->words.front();
          }
        }
        std::string v = texts[static_cast<size_t>(std::find(words.begin(), words.end(), value) - words.begin())];
        if (!v.empty() && std::string_view("HLAB").find(v.back()) != std::string_view::npos) v.pop_back();
        double number = std::strtod(v.c_str(), nullptr);
        bool plausible = number >= test->low && number <= test->high;
        // A whole number five times its interval's high end, where the interval is printed with
        // decimals ("79" against "4.0-11.0"): the point may have been lost ("7.9"); a person
        // says.
        if (std::smatch rm; plausible && v.find('.') == std::string::npos && std::regex_match(range, rm, kRange) &&
                            rm[4].matched && number > 5 * std::strtod(rm[3].str().c_str(), nullptr))
          plausible = false;
        Candidate vc{v, value->box, value->confidence, static_cast<int>(pi), 0, 0};
        Candidate nc{rest, words[lead]->box, words[lead]->confidence, static_cast<int>(pi), 0, 0};
        out.push_back(MakeField(fmt::format("lab.{}.code", n), test->loinc, nc, ValueKind::kCode, true, name_whole));
        out.push_back(MakeField(fmt::format("lab.{}.value", n), v, vc, ValueKind::kNumber, true,
                                plausible && name_whole && !marked.contains(value)));
        if (unit) {
          Candidate uc{unit_word->text, unit_word->box, unit_word->confidence, static_cast<int>(pi), 0, 0};
          out.push_back(MakeField(fmt::format("lab.{}.unit", n), *unit, uc, ValueKind::kCode, true,
                                  *unit == test->ucum && name_whole));
        }
        if (!range.empty()) {
          Candidate rc{range, range_word->box, range_word->confidence, static_cast<int>(pi), 0, 0};
          // A reference range is checked too: its low end below its high end, both where the
          // test's values can lie ("4-4.0" is a range that lost its "0.").
          bool sane = true;
          std::smatch rm;
          auto within = [&](double v) { return v >= test->low && v <= test->high; };
          if (std::regex_match(range, rm, kRange)) {
            double lo = std::strtod(rm[1].str().c_str(), nullptr), hi = std::strtod(rm[3].str().c_str(), nullptr);
            sane = lo < hi && within(lo) && within(hi);
            // Both ends printed to the same places: "12.0-17" lost the ".5" of "12.0-17.5".
            sane = sane && rm[2].matched == rm[4].matched;
          } else {
            std::string bound = range.substr(range.find_first_of("0123456789"));
            sane = within(std::strtod(bound.c_str(), nullptr));
          }
          out.push_back(MakeField(fmt::format("lab.{}.range", n), range, rc, ValueKind::kCode, true,
                                  sane && name_whole && !one_end_only));
        }
        ++n;
    };
    // Tests printed as columns: a line of test names, then rows headed "Result", "Units",
    // "Range" with each test's entries under its name. Each column is read as the row it would
    // be in an ordinary table (name, result, unit, range).
    const std::vector<Line>& lines = r.pages()[pi].lines;
    std::vector<bool> transposed(lines.size(), false);
    {
      int mh = std::max(1, r.pages()[pi].median_height);
      auto row_label = [](const Line& l) -> std::string {
        if (l.phrases.empty()) return {};
        static const std::set<std::string> kRows = {"result", "results", "value", "units", "unit", "range",
                                                    "reference", "ref range", "reference range", "normal range",
                                                    "reference interval", "ref", "flag"};
        std::string norm = Normalise(l.phrases.front().text);
        return kRows.contains(norm) ? norm : std::string();
      };
      for (size_t li = 1; li < lines.size(); ++li) {
        std::string first = row_label(lines[li]);
        if (first != "result" && first != "results" && first != "value") continue;
        const Line& names = lines[li - 1];
        if (lines[li].box.y - names.box.bottom() > 3 * mh || names.phrases.empty()) continue;
        // Every phrase of the line above names a test.
        std::vector<const Phrase*> tests;
        for (const Phrase& p : names.phrases)
          if (MatchLabName(Normalise(p.text))) tests.push_back(&p);
        if (tests.empty() || tests.size() != names.phrases.size()) continue;
        // The rows: this one and those under it headed by another row name.
        std::vector<size_t> rows = {li};
        for (size_t k = li + 1; k < lines.size() && !row_label(lines[k]).empty() &&
                                lines[k].box.y - lines[rows.back()].box.bottom() <= 3 * mh;
             ++k)
          rows.push_back(k);
        // Each column becomes a row of an ordinary table whose columns are the rows here: its
        // words count as in the column of their row's kind, so that a number under "Units" (a
        // misread "%") is never taken for the result.
        auto kind_of = [](const std::string& row_name) {
          if (row_name == "result" || row_name == "results" || row_name == "value") return LabColumn::kResult;
          if (row_name == "units" || row_name == "unit") return LabColumn::kUnit;
          if (row_name == "flag") return LabColumn::kFlag;
          return LabColumn::kRange;
        };
        LabColumns as_table;
        as_table.starts = {{0, LabColumn::kName}, {1, LabColumn::kResult}, {2, LabColumn::kUnit}, {3, LabColumn::kRange}};
        as_table.panels = {std::numeric_limits<int>::min()};
        std::optional<LabColumns> saved = columns;
        columns = as_table;
        for (size_t t = 0; t < tests.size(); ++t) {
          int from = tests[t]->box.x - mh;
          int to = t + 1 < tests.size() ? tests[t + 1]->box.x - mh : std::numeric_limits<int>::max();
          std::vector<const Word*> words;
          for (const Word& w : tests[t]->words) {
            words.push_back(&w);
            word_columns[&w] = LabColumn::kName;
          }
          for (size_t row : rows) {
            const Line& l = lines[row];
            LabColumn kind = kind_of(row_label(l));
            for (size_t k = 1; k < l.phrases.size(); ++k)  // the first phrase is the row's name
              for (const Word& w : l.phrases[k].words)
                if (w.box.x >= from && w.box.x < to) {
                  words.push_back(&w);
                  word_columns[&w] = kind;
                }
          }
          read_row(std::move(words));
        }
        columns = saved;
        word_columns.clear();
        transposed[li - 1] = true;
        for (size_t row : rows) transposed[row] = true;
      }
    }
    // A test's name alone on its line, its result on the line under it ("TSH" / "Result: 2.02
    // mIU/L   Normal range: 0.4-4.0"): the name is carried to that line.
    std::vector<const Word*> carried;
    const Line* carried_from = nullptr;
    std::vector<bool> continues_name(lines.size(), false);  // a line that ends the name of the row above
    for (size_t li = 0; li < lines.size(); ++li) {
      const Line& line = lines[li];
      if (line.phrases.empty() || transposed[li] || continues_name[li]) continue;
      if (auto header = LabHeader(line)) {
        columns = header;
        carried.clear();
        continue;
      }
      std::vector<const Word*> words;
      for (const Phrase& p : line.phrases)
        for (const Word& w : p.words) words.push_back(&w);
      int page_mh = std::max(1, r.pages()[pi].median_height);
      // A long test name wrapped in a narrow column ("Hemoglobin 6.1 % 4.0-5.6" / "A1c"): the
      // words of the line under it, all in the name's column, finish the name when the whole
      // name is then a test's ("Hemoglobin A1c" is not Hemoglobin).
      if (li + 1 < lines.size() && !transposed[li + 1] && !lines[li + 1].phrases.empty())
        if (size_t added = JoinWrappedLabName(words, lines[li], lines[li + 1], page_mh, columns); added > 0)
          continues_name[li + 1] = true;
      std::string line_norm = Normalise(line.text);
      size_t named_words = 0;
      const LabTest* named = MatchLabName(line_norm, &named_words);
      bool name_only = named != nullptr && static_cast<size_t>(std::count(line_norm.begin(), line_norm.end(), ' ')) + 1 == named_words;
      if (!carried.empty()) {
        bool near = line.box.y - carried_from->box.bottom() <= 2 * page_mh;
        if (near && !named) words.insert(words.begin(), carried.begin(), carried.end());
        carried.clear();
      }
      if (name_only) {
        carried = words;
        carried_from = &line;
        continue;
      }
      // Tables printed side by side: each row is read once per table, from the words under it.
      if (!columns || columns->panels.size() < 2) {
        // The row's reference interval on the line under it, behind a label of its own.
        range_below = nullptr;
        if (li + 1 < lines.size() && !lines[li + 1].phrases.empty() &&
            lines[li + 1].box.y - line.box.bottom() <= 2 * page_mh) {
          static const std::regex kRangeLabel(
              R"(^\s*(?:reference interval|reference range|ref\.? interval|ref\.? range|normal range|reference|normal|ref\.?)\s*:\s*(\S.*?)\s*$)",
              std::regex::icase);
          std::smatch rl;
          const Phrase& first = lines[li + 1].phrases.front();
          if (std::regex_match(first.text, rl, kRangeLabel)) {
            range_below = &first;
            range_below_text = rl[1].str();
          }
        }
        read_row(std::move(words));
        range_below = nullptr;
        continue;
      }
      int mh = std::max(1, r.pages()[pi].median_height);
      std::vector<std::vector<const Word*>> parts(columns->panels.size());
      for (const Word* w : words) {
        size_t k = 0;
        while (k + 1 < columns->panels.size() && columns->panels[k + 1] <= w->box.x + mh) ++k;
        parts[k].push_back(w);
      }
      for (auto& part : parts)
        if (!part.empty()) read_row(std::move(part));
    }
  }
}

// ---- medication lists ----

struct Route {
  const char* phrase;
  const char* route;
};
constexpr Route kRoutes[] = {
    {"by mouth", "oral"}, {"orally", "oral"}, {"oral", "oral"}, {"po", "oral"},
    {"inhaled", "inhalation"}, {"inhalation", "inhalation"}, {"inhale", "inhalation"},
    {"subcutaneous", "subcutaneous"}, {"subcutaneously", "subcutaneous"}, {"subq", "subcutaneous"},
    {"sc", "subcutaneous"}, {"in each nostril", "nasal"}, {"nasal", "nasal"},
    {"intranasal", "nasal"}, {"topical", "topical"}, {"apply to skin", "topical"},
    {"sublingual", "sublingual"}, {"under the tongue", "sublingual"}, {"rectal", "rectal"},
    {"intramuscular", "intramuscular"}, {"im", "intramuscular"}, {"inh", "inhalation"},
    {"nas", "nasal"}, {"sl", "sublingual"},
    // Spanish (matched without accents).
    {"por via oral", "oral"}, {"via oral", "oral"}, {"por boca", "oral"}, {"subcutanea", "subcutaneous"},
    {"subcutaneo", "subcutaneous"}, {"inhalada", "inhalation"}, {"inhalado", "inhalation"},
    {"inhalar", "inhalation"}, {"via nasal", "nasal"}, {"en cada fosa nasal", "nasal"},
    {"debajo de la lengua", "sublingual"},
};

struct Frequency {
  const char* phrase;
  const char* normal;
};
constexpr Frequency kFrequencies[] = {
    {"once daily", "once daily"}, {"once a day", "once daily"}, {"daily", "once daily"},
    {"qd", "once daily"}, {"twice daily", "twice daily"}, {"twice a day", "twice daily"},
    {"bid", "twice daily"}, {"three times daily", "three times daily"},
    {"three times a day", "three times daily"}, {"tid", "three times daily"},
    {"four times daily", "four times daily"}, {"qid", "four times daily"},
    {"at bedtime", "at bedtime"}, {"qhs", "at bedtime"}, {"bedtime", "at bedtime"}, {"every morning", "every morning"},
    {"every evening", "every evening"}, {"weekly", "once weekly"}, {"once weekly", "once weekly"},
    {"as needed", "as needed"}, {"prn", "as needed"},
    // Plain words, as patient-facing lists print them.
    {"every day", "once daily"}, {"each day", "once daily"}, {"one time a day", "once daily"},
    {"one time daily", "once daily"}, {"two times a day", "twice daily"}, {"two times daily", "twice daily"},
    {"2 times a day", "twice daily"}, {"3 times a day", "three times daily"},
    {"four times a day", "four times daily"}, {"4 times a day", "four times daily"},
    {"if needed", "as needed"}, {"when needed", "as needed"},
    // Spanish (matched without accents).
    {"una vez al dia", "once daily"}, {"diario", "once daily"}, {"diariamente", "once daily"},
    {"cada dia", "once daily"}, {"dos veces al dia", "twice daily"}, {"tres veces al dia", "three times daily"},
    {"cuatro veces al dia", "four times daily"}, {"al acostarse", "at bedtime"},
    {"antes de dormir", "at bedtime"}, {"cada manana", "every morning"}, {"cada noche", "every evening"},
    {"una vez a la semana", "once weekly"}, {"semanal", "once weekly"},
    {"si es necesario", "as needed"}, {"segun sea necesario", "as needed"}, {"cuando sea necesario", "as needed"},
};

constexpr const char* kForms[] = {"tablet", "tablets", "tab", "capsule", "capsules", "cap",
                                  "inhaler", "injection", "spray", "solution", "cream",
                                  "ointment", "patch", "drops", "suspension", "pen"};

std::string NormaliseFrequency(const std::string& norm_line) {
  // "every 4 hours as needed", and its abbreviations "q4h PRN", "q 6 hrs prn".
  // In Spanish "cada 4 horas si es necesario".
  static const std::regex kEvery(
      R"((?:^| )(?:every|q|cada) ?(\d+) ?(?:hours?|hrs?|h|horas?)( as needed| prn| if needed| when needed| si es necesario| segun sea necesario)?(?: |$))");
  std::smatch m;
  std::string padded = " " + norm_line + " ";
  // "as needed" said anywhere ("as needed, up to every 4 hours") qualifies the interval.
  bool as_needed = padded.find(" as needed ") != std::string::npos || padded.find(" prn ") != std::string::npos ||
                   padded.find(" if needed ") != std::string::npos || padded.find(" when needed ") != std::string::npos;
  if (std::regex_search(norm_line, m, kEvery))
    return fmt::format("every {} hours{}", m[1].str(), m[2].matched || as_needed ? " as needed" : "");
  // Longest phrase first: "twice daily" before "daily".
  const Frequency* best = nullptr;
  for (const Frequency& f : kFrequencies)
    if (padded.find(" " + std::string(f.phrase) + " ") != std::string::npos &&
        (!best || std::string_view(f.phrase).size() > std::string_view(best->phrase).size()))
      best = &f;
  if (best) return best->normal;
  // Clock times ("8 am / 8 pm", "8:00 AM, 2:00 PM and 8:00 PM"): as many times a day.
  static const std::regex kClock(R"((?:^| )\d{1,2}(?: \d{2})? ?(?:am|pm)(?= |$))");
  auto times = std::distance(std::sregex_iterator(norm_line.begin(), norm_line.end(), kClock), std::sregex_iterator());
  static const char* kTimesADay[] = {"", "once daily", "twice daily", "three times daily", "four times daily"};
  if (times >= 1 && times <= 4) return kTimesADay[times];
  return "";
}

// A text split before each later medicine named with its strength: a listed medicine's name (of
// one to three words) just before a strength that is not the first. One part when there is no
// such name ("Metformin 500 mg, take 1000 mg at night" is one medicine).
std::vector<std::string> SplitAtLaterMedicines(const std::string& text, const std::regex& strength) {
  std::vector<std::string> parts;
  size_t part_start = 0;
  bool first = true;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), strength); it != std::sregex_iterator(); ++it) {
    if (first) {
      first = false;
      continue;
    }
    size_t at = static_cast<size_t>(it->position(0));
    std::vector<std::pair<size_t, std::string>> words = SpacedWords(std::string_view(text).substr(part_start, at - part_start));
    for (size_t len = std::min<size_t>(3, words.size()); len > 0; --len) {
      std::string name;
      for (size_t k = words.size() - len; k < words.size(); ++k) name += (name.empty() ? "" : " ") + words[k].second;
      if (!IsKnownMedicine(name)) continue;
      size_t cut = part_start + words[words.size() - len].first;
      if (cut > part_start) {
        parts.push_back(text.substr(part_start, cut - part_start));
        part_start = cut;
      }
      break;
    }
  }
  parts.push_back(text.substr(part_start));
  return parts;
}

void AddMedications(Reader& r, std::vector<Field>& out) {
  // "meg" is how readers often see "mcg".
  static const std::regex kStrength(
      R"((\d+(?:\.\d+)?)\s?(mg|mcg|meg|g|ml|units?|iu|%|meq)\b)", std::regex::icase);
  int n = 0;
  // Medicines printed side by side ("Metformin 500 mg        Lisinopril 10 mg", a list in two
  // columns): a line splits at each phrase that names a medicine with its strength; each part,
  // and the lines under it, is read only within its own column.
  static const std::regex kNamedStrength(R"(^\s*(?:[-*•·»]\s*)?([A-Za-z][A-Za-z-]*)\b.*?\d+(?:\.\d+)?\s?(?:mg|mcg|meg|g|ml|units?|iu|%|meq)\b)",
                                         std::regex::icase);
  static const char* kInstructions[] = {"take", "use", "inhale", "apply", "give", "inject", "instill", "spray"};
  for (size_t pi = 0; pi < r.pages().size(); ++pi) {
    const Layout& page = r.pages()[pi];
    int mh = std::max(1, page.median_height);
    // A pill card: columns headed by times of day, a mark in each column the medicine is taken.
    struct TimeColumn {
      int center;
      bool bedtime;
    };
    std::vector<TimeColumn> times;
    for (const Line& l : page.lines) {
      std::vector<TimeColumn> found;
      for (const Phrase& p : l.phrases)
        for (const Word& w : p.words) {
          std::string n = Normalise(w.text);
          if (n == "morning" || n == "noon" || n == "midday" || n == "afternoon" || n == "evening" || n == "bedtime" ||
              n == "night")
            found.push_back({w.box.center_x(), n == "bedtime" || n == "night"});
        }
      if (found.size() >= 2) times = found;
    }
    // How often, from the marked boxes on a medicine's row; empty unless every box on the row
    // stands under a time of day.
    auto frequency_from_marks = [&](const Box& row) -> std::string {
      if (times.empty()) return "";
      int marked = 0, boxes = 0;
      bool bedtime_only = true;
      for (const Checkbox& cb : page.checkboxes) {
        if (cb.box.VerticalOverlap(row) < 0.3) continue;
        const TimeColumn* col = nullptr;
        for (const TimeColumn& t : times)
          if (std::abs(cb.box.center_x() - t.center) < 3 * mh) col = &t;
        if (!col) return "";
        ++boxes;
        if (cb.checked) {
          ++marked;
          bedtime_only &= col->bedtime;
        }
      }
      if (boxes < 2 || marked == 0) return "";
      if (marked == 1) return bedtime_only ? "at bedtime" : "once daily";
      static const char* kTimes[] = {"", "", "twice daily", "three times daily", "four times daily"};
      return marked <= 4 ? kTimes[marked] : "";
    };
    // A pharmacy's directions line ("Sig: INJECT 10 UNITS SUBCUTANEOUSLY AT BEDTIME") says how
    // the medicine above it is taken, its amount included: never a medicine of its own.
    auto sig_line = [](const std::string& text) {
      std::string norm = Normalise(text);
      return norm == "sig" || norm.starts_with("sig ");
    };
    // A discharge list's section of medicines to stop ("STOP taking these medicines",
    // "Discontinue:"): what is listed under it, up to the next section's heading (continue,
    // start, current ...), is no longer taken, and is not read as a medicine of the list.
    std::vector<bool> stopped(page.lines.size(), false);
    {
      static const std::regex kStopHeading(
          R"(^(stop|stop taking|stopped|discontinue|discontinued|do not take|no longer take|medicines to stop|medications to stop|deje de tomar|suspender|suspendidos?)\b)");
      static const std::regex kOtherHeading(
          R"(^(continue|continue taking|start|start taking|new|current|change|changed|keep taking|resume|active|home medications|your medicines|continuar|empezar|comenzar)\b)");
      // A heading, not a medicine's own instruction ("Do not take with food", "Stop taking if a
      // rash appears"): no strength, its first word in capitals or a colon at its end, or it
      // speaks of "these" or "the following" medicines.
      auto heading_text = [](const std::string& text, const std::string& norm) {
        std::string first = text.substr(0, text.find(' '));
        bool capitals = first.size() >= 3 && std::none_of(first.begin(), first.end(), [](unsigned char c) { return std::islower(c); });
        std::string t = Trim(text);
        bool colon = !t.empty() && t.back() == ':';
        bool these = norm.find("these") != std::string::npos || norm.find("following") != std::string::npos ||
                     norm.find("to stop") != std::string::npos;
        return capitals || colon || these;
      };
      bool in_stop = false;
      for (size_t li = 0; li < page.lines.size(); ++li) {
        const std::string& text = page.lines[li].text;
        std::smatch sm;
        std::string norm = Normalise(text);
        bool heading = !std::regex_search(text, sm, kStrength) && page.lines[li].phrases.size() <= 2 &&
                       heading_text(Trim(text), norm);
        if (heading && std::regex_search(norm, kStopHeading)) {
          in_stop = true;
          continue;
        }
        if (heading && std::regex_search(norm, kOtherHeading)) in_stop = false;
        stopped[li] = in_stop;
      }
    }
    for (size_t li = 0; li < page.lines.size(); ++li) {
      const Line& line = page.lines[li];
      if (sig_line(line.text) || stopped[li]) continue;
      std::vector<size_t> starts = {0};  // phrase index where each part starts
      for (size_t i = 1; i < line.phrases.size(); ++i) {
        std::smatch nm;
        const std::string& pt = line.phrases[i].text;
        if (!std::regex_search(pt, nm, kNamedStrength)) continue;
        std::string first = Lower(nm[1].str());
        if (std::any_of(std::begin(kInstructions), std::end(kInstructions), [&](const char* w) { return first == w; }))
          continue;
        // Only when the part before it holds a medicine of its own.
        std::string before_text;
        for (size_t j = starts.back(); j < i; ++j) before_text += line.phrases[j].text + " ";
        std::smatch bm;
        if (std::regex_search(before_text, bm, kStrength)) starts.push_back(i);
      }
      for (size_t part = 0; part < starts.size(); ++part) {
        size_t from = starts[part];
        size_t to = part + 1 < starts.size() ? starts[part + 1] : line.phrases.size();
        int x0 = part == 0 ? std::numeric_limits<int>::min() : line.phrases[from].box.x - mh;
        int x1 = part + 1 < starts.size() ? line.phrases[to].box.x - mh : std::numeric_limits<int>::max();
        auto in_column = [&](const Phrase& p) { return p.box.x >= x0 && p.box.x < x1; };
        auto column_text = [&](const Line& l) {
          std::string t;
          for (const Phrase& p : l.phrases)
            if (in_column(p)) t += (t.empty() ? "" : " ") + p.text;
          return t;
        };
        std::string whole;
        for (size_t j = from; j < to; ++j) whole += (whole.empty() ? "" : " ") + line.phrases[j].text;
        // Two medicines in one sentence ("metformin 500 mg by mouth twice a day and lisinopril
        // 10 mg by mouth once a day"): each is read from its own part, so that one's route and
        // frequency are never the other's; the lines under the row belong to the last.
        std::vector<std::string> segments = SplitAtLaterMedicines(whole, kStrength);
        for (size_t seg = 0; seg < segments.size(); ++seg) {
          const std::string& text = segments[seg];
          bool last_segment = seg + 1 == segments.size();
          std::smatch m;
          std::string before, amount, unit;
          // A listed medicine followed by a bare number ("Lisinopril  10   oral", its unit in a
          // column of its own that was not read): the medicine, with the number for a person to
          // complete.
          bool unit_unread = false;
          if (std::regex_search(text, m, kStrength)) {
            before = m.prefix().str();
            amount = m[1].str();
            unit = Lower(m[2].str());
          } else {
            static const std::regex kBareDose(R"(^\s*(?:\d{1,3}[.)]\s*)?([A-Za-z][A-Za-z -]*?)\s+(\d+(?:\.\d+)?)(?:\s|$))");
            std::smatch bm;
            if (!std::regex_search(text, bm, kBareDose) || !IsKnownMedicine(Trim(bm[1].str()))) continue;
            before = text.substr(0, static_cast<size_t>(bm.position(2)));
            amount = bm[2].str();
            unit_unread = true;
          }
          // Leading list numbers ("1.", "2)", or a bare "3" in a column of its own before the
          // name) and bullets.
          static const std::regex kLead(R"(^\s*(\d{1,3}[.)]|\d{1,3}\s+(?=[A-Za-z])|[-*•·»])\s*)");
          before = std::regex_replace(before, kLead, "");
          // A bullet the reader took for a letter ("e Lisinopril", "o Metformin").
          static const std::regex kMisreadBullet(R"(^\s*[a-z©®°«»]\s+(?=[A-Z]))");
          before = std::regex_replace(before, kMisreadBullet, "");
          std::vector<std::string> name_words;
          {
            size_t start = 0;
            while (start < before.size()) {
              size_t end = before.find(' ', start);
              std::string w = Trim(before.substr(start, end == std::string::npos ? std::string::npos : end - start));
              if (!w.empty()) name_words.push_back(w);
              if (end == std::string::npos) break;
              start = end + 1;
            }
          }
          while (!name_words.empty()) {
            std::string last = Lower(name_words.back());
            bool form = std::any_of(std::begin(kForms), std::end(kForms), [&](const char* f) { return last == f; });
            if (!form) break;
            name_words.pop_back();
          }
          // How and when to take it printed before or after the name, in a column of its own ("once
          // daily   Lisinopril   10 mg"): not part of the name.
          auto schedule = [](const std::vector<std::string>& ws, size_t from, size_t count) {
            std::string joined;
            for (size_t i = from; i < from + count; ++i) joined += (joined.empty() ? "" : " ") + ws[i];
            std::string norm = Normalise(joined);
            static const std::regex kEveryHours(R"(^every \d+ hours?( as needed)?$)");
            if (std::regex_match(norm, kEveryHours)) return true;
            for (const Frequency& f : kFrequencies)
              if (norm == f.phrase) return true;
            for (const Route& rt : kRoutes)
              if (norm == rt.phrase) return true;
            return false;
          };
          for (bool stripped = true; stripped && !name_words.empty();) {
            stripped = false;
            for (size_t k = std::min<size_t>(5, name_words.size()); k > 0 && !stripped; --k) {
              if (k < name_words.size() && schedule(name_words, 0, k)) {
                name_words.erase(name_words.begin(), name_words.begin() + static_cast<std::ptrdiff_t>(k));
                stripped = true;
              } else if (k < name_words.size() && schedule(name_words, name_words.size() - k, k)) {
                name_words.resize(name_words.size() - k);
                stripped = true;
              }
            }
          }
          if (name_words.empty() || name_words.size() > 5) continue;
          std::string name;
          for (const auto& w : name_words) name += (name.empty() ? "" : " ") + w;
          if (!std::isalpha(static_cast<unsigned char>(name[0]))) continue;
          if (unit == "unit") unit = "units";
          if (unit == "meg") unit = "mcg";
          std::string strength = unit_unread ? amount : amount + " " + unit;
          std::string norm = Normalise(text);
          // A block: the medicine on one line, how and when to take it on the next ones ("How: by
          // mouth   When: once daily"), up to the next medicine.
          Box box = line.box;
          for (size_t next = li + 1; last_segment && next < page.lines.size() && next <= li + 2; ++next) {
            const Line& more = page.lines[next];
            std::string more_text = column_text(more);
            std::smatch other;
            if (std::regex_search(more_text, other, kStrength) && !sig_line(more_text)) break;
            if (more.box.y - page.lines[next - 1].box.bottom() > 2 * std::max(1, page.median_height)) break;
            // The next row of a table: a known medicine where this one's name starts, whether or
            // not its strength was read.
            if (!more.phrases.empty() && std::abs(more.phrases.front().box.x - line.phrases[from].box.x) < mh) {
              std::string first = more.phrases.front().text;
              if (size_t sp = first.find(' '); sp != std::string::npos) first = first.substr(0, sp);
              if (IsKnownMedicine(first) || IsKnownMedicine(more.phrases.front().text)) break;
            }
            norm += " " + Normalise(more_text);
            box = box.Union(more.box);
          }
          std::string padded = " " + norm + " ";
          std::string route;
          size_t route_len = 0;
          for (const Route& rt : kRoutes) {
            std::string_view ph = rt.phrase;
            if (ph.size() > route_len && padded.find(" " + std::string(ph) + " ") != std::string::npos) {
              route = rt.route;
              route_len = ph.size();
            }
          }
          std::string frequency = NormaliseFrequency(norm);
          if (frequency.empty()) frequency = frequency_from_marks(line.box);
          float conf = 1.0f;
          for (size_t j = from; j < to; ++j) conf = std::min(conf, line.phrases[j].confidence);
          Candidate c{text, box, conf, static_cast<int>(pi), 0, 0};
          // The name is checked against the list of common medicines: a name not on it, however
          // clearly read, goes to review (with the listed name one letter away, if there is one).
          bool known = IsKnownMedicine(name);
          // Words around a listed medicine's name are not part of it ("Start insulin glargine",
          // "Atorvastatin (Lipitor)"): the longest run of the words that is a listed medicine.
          if (!known && name_words.size() > 1) {
            for (size_t len = name_words.size() - 1; len > 0 && !known; --len)
              for (size_t at = 0; at + len <= name_words.size() && !known; ++at) {
                std::string part;
                for (size_t i = at; i < at + len; ++i) part += (part.empty() ? "" : " ") + name_words[i];
                if (IsKnownMedicine(part)) {
                  name = part;
                  known = true;
                }
              }
          }
          // A listed medicine is shown by its listed name, without the salt or release form it was
          // written with ("METFORMIN HCL 500 MG TAB" is metformin 500 mg).
          std::string shown = TitleCase(name);
          if (auto listed = KnownMedicineName(name)) shown = *listed;
          if (!known)
            if (auto near = NearestMedicine(name)) shown = *near;
          shown[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(shown[0])));
          // What is said of a medicine whose name is not confirmed is not confirmed either: its
          // strength, route and frequency go to review with it.
          out.push_back(MakeField(fmt::format("medication.{}.name", n), shown, c, ValueKind::kText, true, known));
          out.push_back(MakeField(fmt::format("medication.{}.strength", n), strength, c, ValueKind::kText, true,
                                  known && !unit_unread));
          if (!route.empty())
            out.push_back(MakeField(fmt::format("medication.{}.route", n), route, c, ValueKind::kChoice, true, known));
          if (!frequency.empty())
            out.push_back(MakeField(fmt::format("medication.{}.frequency", n), frequency, c, ValueKind::kChoice, true, known));
          ++n;
        }
      }
    }
  }
}

void AddNpi(Reader& r, std::vector<Field>& out) {
  if (auto f = Pick(r.CandidatesFor(Target::kNpi), "referral.npi", ValueKind::kNumber,
                    [](std::string_view t) { return ParseNpi(t); }))
    out.push_back(*f);
}

}  // namespace

Classification Classify(const std::vector<Layout>& pages) {
  struct Cue {
    const char* word;
    const char* kind;
    double weight;
  };
  static constexpr Cue kCues[] = {
      {"registration", "intake", 2}, {"intake", "intake", 2}, {"new patient", "intake", 2},
      {"demographics", "intake", 2}, {"emergency contact", "intake", 1}, {"allergies", "intake", 1},
      {"date of birth", "intake", 0.5}, {"address", "intake", 1}, {"email", "intake", 1},
      {"sex", "intake", 1}, {"gender", "intake", 1}, {"signature", "intake", 1},
      {"registro", "intake", 2}, {"alergias", "intake", 1}, {"fecha de nacimiento", "intake", 0.5},
      {"direccion", "intake", 1}, {"correo electronico", "intake", 1}, {"sexo", "intake", 1},
      {"firma", "intake", 1},
      {"member", "insurance_card", 1}, {"rxbin", "insurance_card", 3}, {"rxpcn", "insurance_card", 3},
      {"bin", "insurance_card", 1}, {"pcn", "insurance_card", 1}, {"group", "insurance_card", 1},
      {"grp", "insurance_card", 2}, {"copay", "insurance_card", 2}, {"medicare", "insurance_card", 2},
      {"subscriber", "insurance_card", 1}, {"card", "insurance_card", 1}, {"pcp", "insurance_card", 1},
      {"laboratory", "lab_report", 3}, {"reference", "lab_report", 1}, {"range", "lab_report", 1},
      {"result", "lab_report", 1}, {"results", "lab_report", 1}, {"units", "lab_report", 1}, {"specimen", "lab_report", 2},
      {"collected", "lab_report", 2}, {"mg/dl", "lab_report", 1}, {"flag", "lab_report", 1},
      {"medication", "medication_list", 2}, {"medicines", "medication_list", 3},
      {"medications", "medication_list", 2}, {"tablet", "medication_list", 1},
      {"capsule", "medication_list", 1}, {"by mouth", "medication_list", 1},
      {"strength", "medication_list", 2}, {"how often", "medication_list", 2}, {"take", "medication_list", 0.5},
      {"medicine", "medication_list", 2}, {"pill", "medication_list", 2}, {"dose", "medication_list", 1},
      {"medicamentos", "medication_list", 3}, {"medicamento", "medication_list", 2},
      {"dosis", "medication_list", 1}, {"frecuencia", "medication_list", 1}, {"via oral", "medication_list", 1},
      {"laboratorio", "lab_report", 3}, {"resultados", "lab_report", 1}, {"unidades", "lab_report", 1},
      {"referral", "referral", 3}, {"referring", "referral", 3}, {"dear", "referral", 2},
      {"sincerely", "referral", 2}, {"colleague", "referral", 2}, {"npi", "referral", 1},
  };
  std::map<std::string, double> score;
  bool card_shape = false;
  for (const Layout& page : pages) {
    double aspect = page.height ? static_cast<double>(page.width) / page.height : 0;
    card_shape |= aspect > 1.4 && aspect < 1.8 && pages.size() == 1;
    for (const Line& line : page.lines) {
      std::string padded = " " + Normalise(line.text) + " ";
      for (const Cue& c : kCues)
        if (padded.find(" " + std::string(c.word) + " ") != std::string::npos) score[c.kind] += c.weight;
      // What the lines hold, however they are headed: a known test with a number after it.
      std::string norm = Normalise(line.text);
      if (MatchLabName(norm.substr(0, std::min<size_t>(norm.size(), 40))) &&
          std::any_of(line.text.begin(), line.text.end(), [](unsigned char ch) { return std::isdigit(ch); }))
        score["lab_report"] += 1;
      // ... or a known medicine starting the line.
      if (!line.phrases.empty()) {
        const std::string& first = line.phrases.front().text;
        if (IsKnownMedicine(first.substr(0, first.find(' '))) || IsKnownMedicine(first)) score["medication_list"] += 1;
      }
    }
  }
  if (card_shape) score["insurance_card"] += 4;
  Classification out{"other", 0};
  double total = 0, best = 0;
  for (const auto& [kind, s] : score) {
    total += s;
    if (s > best) {
      best = s;
      out.kind = kind;
    }
  }
  if (best < 3) return {"other", total > 0 ? 0.3 : 0.0};
  out.confidence = best / total;
  return out;
}

std::optional<std::string> NormaliseFieldValue(std::string_view key, std::string_view value,
                                               std::string_view today) {
  std::string v = Trim(value);
  if (v.empty() || v.size() > 200) return std::nullopt;
  auto ends = [&](std::string_view suffix) { return key.ends_with(suffix); };
  if (key == "name.family" || key == "name.given" || key == "address.city") return ParseNameWord(v);
  if (key == "birthDate") return ParseBirthDate(v, today);
  if (key == "gender") return ParseGender(v);
  if (key == "address.state") return ParseState(v);
  if (key == "address.postalCode") return ParseZip(v);
  if (key == "phone") return ParsePhone(v);
  if (key == "email") return ParseEmail(v);
  if (key == "coverage.memberId") return ParseMemberId(v);
  if (key == "coverage.group") return ParseGroup(v);
  if (key == "coverage.rxbin") return ParseRxBin(v);
  if (key == "coverage.rxpcn") return ParsePcn(v);
  if (key == "coverage.mbi") return ParseMbi(v);
  if (key == "coverage.payer") return ParsePayer(v);
  if (key == "referral.npi") return ParseNpi(v);
  if (key == "lab.collected") return ParseDate(v);
  if (key == "allergies") return NoAllergies(v) ? std::optional<std::string>("none") : std::nullopt;
  if (key.starts_with("lab.")) {
    static const std::regex kLoinc(R"(^\d{1,7}-\d$)");
    static const std::regex kNumber(R"(^\d+(\.\d+)?$)");
    if (ends(".code")) return std::regex_match(v, kLoinc) ? std::optional(v) : std::nullopt;
    if (ends(".value")) return std::regex_match(v, kNumber) ? std::optional(v) : std::nullopt;
    if (ends(".unit") || ends(".range")) return v;
    return std::nullopt;
  }
  if (key.starts_with("medication.") || key.starts_with("allergy.") || key == "address.line") return v;
  return std::nullopt;
}

bool LooksLikeGarbage(const Layout& page) {
  int words = 0, good = 0;
  for (const Line& line : page.lines)
    for (const Phrase& p : line.phrases)
      for (const Word& w : p.words) {
        // Rules and dotted leaders ("........", "____", or dots the reader named "eeeee") are
        // neither text nor noise: all punctuation, or far shorter than the page's text.
        if (!w.text.empty() && w.text.find_first_not_of(".-_=:·") == std::string::npos) continue;
        if (w.box.h * 2 < page.median_height) continue;
        ++words;
        int alnum = 0;
        for (unsigned char c : w.text) alnum += std::isalnum(c) ? 1 : 0;
        if (w.confidence >= 0.6f && alnum * 2 >= static_cast<int>(w.text.size())) ++good;
      }
  return words < 5 || good * 2 < words;
}

std::vector<Field> Extract(const std::vector<Layout>& pages, const Classification& kind,
                           std::string_view today) {
  Reader r(pages, today);
  r.CollectLabels();
  std::vector<Field> out;
  const std::string& k = kind.kind;
  AddName(r, out);
  if (k == "insurance_card") {
    AddCoverage(r, out, true);
    AddCardNameWithoutLabel(r, out);
    return out;
  }
  AddBirthDate(r, out);
  AddNameFromText(r, out);
  if (k == "intake" || k == "other") {
    AddGender(r, out);
    AddAddress(r, out);
    AddContact(r, out);
    AddCoverage(r, out, false);
    AddAllergies(r, out);
    AddFactsFromSentences(r, out);
  } else if (k == "lab_report") {
    AddLabs(r, out);
  } else if (k == "medication_list") {
    AddMedications(r, out);
  } else if (k == "referral") {
    AddNpi(r, out);
  }
  return out;
}

}  // namespace salus::capture
