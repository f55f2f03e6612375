// Field checks for captured values: each parses text as read and returns the value in normal
// form, or nothing when the text is not a valid value of that kind.
// Thread-safety: all functions are reentrant.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace salus::capture {

// Dates as printed on US documents: 03/14/1962, 03-14-1962, 1962-03-14, March 14, 1962,
// 14 Mar 1962. Returns YYYY-MM-DD.
// With `day_first`, numeric dates are read DD/MM/YYYY (as a label saying so asks); otherwise
// MM/DD/YYYY, the US order.
std::optional<std::string> ParseDate(std::string_view text, bool day_first = false);
// A birth date: a date not in the future and at most 120 years before `today` (YYYY-MM-DD).
std::optional<std::string> ParseBirthDate(std::string_view text, std::string_view today, bool day_first = false);

// A US phone number through libphonenumber: returns the 10-digit national number.
std::optional<std::string> ParsePhone(std::string_view text);
// "(217) 555-0142" from the 10 digits ParsePhone returns.
std::string FormatUsPhone(std::string_view digits);
std::optional<std::string> ParseEmail(std::string_view text);
// A US state or territory: its two-letter USPS code (from the code or the full name).
std::optional<std::string> ParseState(std::string_view text);
// ZIP or ZIP+4: 12345 or 12345-6789.
std::optional<std::string> ParseZip(std::string_view text);
// Whether a ZIP code's first three digits are among those USPS gives the state (two-letter
// code); nullopt for a code not in the table (territories, military).
std::optional<bool> ZipFitsState(std::string_view state, std::string_view zip);

// National Provider Identifier: 10 digits whose Luhn check digit is computed over the prefix
// 80840 and the first nine digits.
bool NpiValid(std::string_view npi);
std::optional<std::string> ParseNpi(std::string_view text);
// Medicare Beneficiary Identifier (CMS): 11 characters in the pattern
// C A AN N A AN N A A N N, letters excluding S L O I B Z; dashes as printed are removed.
std::optional<std::string> ParseMbi(std::string_view text);
// RxBIN: 6 digits.
std::optional<std::string> ParseRxBin(std::string_view text);
// Member, group and PCN identifiers: letters, digits and dashes, `min`-`max` long, without
// characters a reader doubled (the same glyph three times in a row is refused).
std::optional<std::string> ParseIdentifier(std::string_view text, size_t min, size_t max);

// male | female | other from M/F/X/Male/Female/Other/Non-binary (any case).
std::optional<std::string> ParseGender(std::string_view text);

// A medicine's name (generic or common brand; salts and release forms such as "sodium" or
// "ER" ignored) found in the list of commonly prescribed medicines (medicines.cc).
bool IsKnownMedicine(std::string_view name);
// The listed name a known medicine is written as ("METFORMIN HCL" -> "metformin"); nothing when
// the medicine is not listed.
std::optional<std::string> KnownMedicineName(std::string_view name);
// The one listed medicine within one edit of `name` (six letters or more), for a reviewer to
// confirm; nothing when none or several are.
std::optional<std::string> NearestMedicine(std::string_view name);
bool MedicineListSorted();

// Text without leading/trailing spaces and punctuation that readers add at edges.
std::string Trim(std::string_view text);
std::string Lower(std::string_view text);
// Edit distance, for matching labels and names against what was read.
int EditDistance(std::string_view a, std::string_view b);

}  // namespace salus::capture
