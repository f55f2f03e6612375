// Document capture: field checks, hostile files, the pipeline end to end on synthetic
// documents (real Tesseract, real Leptonica and Poppler), and the transaction Bundle committed
// through the real API and store.
#include <gtest/gtest.h>
#include <leptonica/allheaders.h>

#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <cstdlib>
#include <sstream>
#include <fstream>
#include <array>
#include <map>
#include <thread>

#include "api/api_test_fixture.h"
#include "capture/bundle.h"
#include "capture/checks.h"
#include "capture/decode.h"
#include "capture/layout.h"
#include "capture/pipeline.h"
#include "capture/pool.h"
#include "auth/tokens.h"
#include "core/json.h"
#include "corpus.h"

namespace salus::capture {
namespace {

namespace sc = salus::corpus;

// ---- checks ----

TEST(CaptureChecksTest, NpiLuhnOverTheIssuerPrefix) {
  EXPECT_TRUE(NpiValid("1234567893"));   // the CMS worked example
  EXPECT_FALSE(NpiValid("1234567890"));  // wrong check digit
  EXPECT_FALSE(NpiValid("12345678931")); // a doubled digit makes it 11 long
  EXPECT_EQ(ParseNpi("1234567893").value_or(""), "1234567893");
  EXPECT_FALSE(ParseNpi("123456789"));
}

TEST(CaptureChecksTest, MedicareBeneficiaryIdentifier) {
  EXPECT_EQ(ParseMbi("1EG4-TE5-MK73").value_or(""), "1EG4TE5MK73");  // CMS example
  EXPECT_FALSE(ParseMbi("1SG4-TE5-MK73"));   // S is never used
  EXPECT_FALSE(ParseMbi("0EG4-TE5-MK73"));   // the first digit is 1-9
  EXPECT_FALSE(ParseMbi("1EG4-TE5-MK733"));  // 12 characters
  EXPECT_EQ(ParseMbi("1EG4-TE5-MK7O").value_or(""), "1EG4TE5MK70");  // O read for 0 in a digit place
}

TEST(CaptureChecksTest, DatesInTheFormsUsDocumentsPrint) {
  EXPECT_EQ(ParseDate("03/14/1962").value_or(""), "1962-03-14");
  EXPECT_EQ(ParseDate("03-14-1962").value_or(""), "1962-03-14");
  EXPECT_EQ(ParseDate("1962-03-14").value_or(""), "1962-03-14");
  EXPECT_EQ(ParseDate("March 14, 1962").value_or(""), "1962-03-14");
  EXPECT_EQ(ParseDate("14 Mar 1962").value_or(""), "1962-03-14");
  EXPECT_FALSE(ParseDate("02/30/1990"));
  EXPECT_FALSE(ParseDate("13/01/1990"));
  EXPECT_EQ(ParseDate("O3/14/1962").value_or(""), "1962-03-14");  // a letter O read for a zero
  EXPECT_EQ(ParseDate("April \u2014\u2014 22.2025").value_or(""), "2025-04-22");  // a rule read as dashes
}

TEST(CaptureChecksTest, EightDigitDatesAsCombBoxesPrintThem) {
  EXPECT_EQ(ParseDate("09201970").value_or(""), "1970-09-20");  // MMDDYYYY
  EXPECT_EQ(ParseDate("19700920").value_or(""), "1970-09-20");  // YYYYMMDD
  EXPECT_FALSE(ParseDate("13401970").has_value());
  EXPECT_FALSE(ParseDate("020920").has_value());
}

TEST(CaptureLayoutTest, CombFieldWallsAreNotText) {
  EXPECT_EQ(WithoutCombWalls("R/A|S|M/U/S/S|/E|N").value_or(""), "RASMUSSEN");
  EXPECT_EQ(WithoutCombWalls("0;9}2/0;1/9)7)0").value_or(""), "09201970");
  EXPECT_FALSE(WithoutCombWalls("(M/F/X)").has_value());  // options, not a comb
  EXPECT_FALSE(WithoutCombWalls("09/20/1970").has_value());
  EXPECT_FALSE(WithoutCombWalls("mL/min/1.73m2").has_value());
  EXPECT_FALSE(WithoutCombWalls("Kowalski").has_value());
}

TEST(CaptureChecksTest, BirthDatesArePlausible) {
  EXPECT_EQ(ParseBirthDate("01/02/1990", "2026-11-28").value_or(""), "1990-01-02");
  EXPECT_FALSE(ParseBirthDate("01/02/2027", "2026-11-28"));  // in the future
  EXPECT_FALSE(ParseBirthDate("01/02/1890", "2026-11-28"));  // over 120 years
}

TEST(CaptureChecksTest, AddressPhoneEmail) {
  EXPECT_EQ(ParseState("il").value_or(""), "IL");
  EXPECT_EQ(ParseState("North Carolina").value_or(""), "NC");
  EXPECT_FALSE(ParseState("XX"));
  EXPECT_EQ(ParseZip("62704").value_or(""), "62704");
  EXPECT_EQ(ParseZip("62704-1234").value_or(""), "62704-1234");
  EXPECT_FALSE(ParseZip("6270"));
  EXPECT_EQ(ParsePhone("(217) 555-0142").value_or(""), "2175550142");
  EXPECT_EQ(ParsePhone("+1 217 555 0142").value_or(""), "2175550142");
  EXPECT_FALSE(ParsePhone("117-555-0142"));  // no area code starts with 1
  EXPECT_FALSE(ParsePhone("217-555-014"));
  EXPECT_EQ(ParseEmail("JDoe7@Example.org").value_or(""), "jdoe7@example.org");
  EXPECT_FALSE(ParseEmail("jdoe@example"));
  // Spaces the reader puts around '@' and '.' go; one inside a name does not.
  EXPECT_EQ(ParseEmail("jdoe7 @ example .org").value_or(""), "jdoe7@example.org");
  EXPECT_FALSE(ParseEmail("jane doe@example.org"));
}

TEST(CaptureChecksTest, IdentifiersRefuseReaderArtefacts) {
  EXPECT_EQ(ParseIdentifier("XQH123456789", 5, 20).value_or(""), "XQH123456789");
  EXPECT_FALSE(ParseIdentifier("XQHHH123456789", 5, 20));  // a glyph read three times
  EXPECT_FALSE(ParseIdentifier("XQ#123", 5, 20));
  EXPECT_EQ(ParseRxBin("610014").value_or(""), "610014");
  EXPECT_FALSE(ParseRxBin("6100145"));
  EXPECT_EQ(ParseGender("F").value_or(""), "female");
  EXPECT_FALSE(ParseGender("Q"));
}


TEST(CaptureConfidenceTest, LookalikeGlyphsInMixedIdentifiersGoToReview) {
  Field f;
  f.kind = ValueKind::kIdentifier;
  f.ocr_confidence = 0.99f;
  f.has_check = true;
  f.checked = true;
  f.reread = 1;
  f.value = "W488946026";  // letter then digits, no look-alike at the change
  EXPECT_GE(FieldConfidence(f), 0.95);
  f.value = "NWI781660019";  // I next to 7: NWI or NW1?
  EXPECT_LT(FieldConfidence(f), 0.95);
  f.value = "RXNW01";  // 0 after W: 0 or O?
  EXPECT_LT(FieldConfidence(f), 0.95);
  // An e-mail address printed in lower case read with a capital I: l or i?
  f.kind = ValueKind::kEmail;
  f.value = "lnakamura44@example.org";
  f.raw = "lnakamura44@example.org";
  EXPECT_GE(FieldConfidence(f), 0.95);
  f.value = "inakamura44@example.org";
  f.raw = "Inakamura44@example.org";
  EXPECT_LT(FieldConfidence(f), 0.95);
}

TEST(CaptureLayoutTest, DotLeadersAreNotText) {
  auto word = [](std::string text, int x, int y, int w, int h) { return Word{std::move(text), Box{x, y, w, h}, 0.9f}; };
  std::vector<Word> words = {word("City", 100, 100, 80, 30), word("eoeee", 200, 118, 300, 10),
                             word("Columbus", 520, 100, 170, 30), word("State", 100, 200, 100, 30)};
  Layout layout = BuildLayout(words, {}, 1000, 1000);
  ASSERT_EQ(layout.lines.size(), 2u);
  ASSERT_EQ(layout.lines[0].phrases.size(), 2u);
  EXPECT_EQ(layout.lines[0].phrases[0].text, "City");
  EXPECT_EQ(layout.lines[0].phrases[1].text, "Columbus");
}

// Fields of a page built from words (x, y of each word's box and its height, a character 0.6
// of the height wide), as `Extract` returns them (value and whether its check passed).
std::vector<Field> ExtractSized(const std::vector<std::tuple<std::string, int, int, int>>& placed,
                                const std::string& kind, std::vector<Checkbox> boxes = {},
                                int page_w = 2000, int page_h = 2600) {
  std::vector<Word> words;
  for (const auto& [text, x, y, h] : placed) {
    int at = x;
    int cw = h * 3 / 5;
    size_t start = 0;
    // One Word per space-separated token, as the reader gives them.
    while (start <= text.size()) {
      size_t end = text.find(' ', start);
      std::string token = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!token.empty()) words.push_back(Word{token, Box{at, y, static_cast<int>(token.size()) * cw, h}, 0.95f});
      at += static_cast<int>(token.size() + 1) * cw;
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  Layout layout = BuildLayout(words, std::move(boxes), page_w, page_h);
  Classification c;
  c.kind = kind;
  return Extract({layout}, c, "2026-11-28");
}

// Values by key.
std::map<std::string, std::string> ValuesOf(const std::vector<Field>& fields) {
  std::map<std::string, std::string> out;
  for (const Field& f : fields) out[f.key] = f.value;
  return out;
}

// Fields by key (pointers into `fields`).
std::map<std::string, const Field*> ByKey(const std::vector<Field>& fields) {
  std::map<std::string, const Field*> out;
  for (const Field& f : fields) out[f.key] = &f;
  return out;
}

// The same with every word 30 px high (18 px a character), as key -> value.
std::map<std::string, std::string> FieldsOf(const std::vector<std::tuple<std::string, int, int>>& placed,
                                              const std::string& kind, std::vector<Checkbox> boxes = {}) {
  std::vector<std::tuple<std::string, int, int, int>> sized;
  for (const auto& [text, x, y] : placed) sized.emplace_back(text, x, y, 30);
  std::map<std::string, std::string> out;
  for (const Field& f : ExtractSized(sized, kind, std::move(boxes))) out[f.key] = f.value;
  return out;
}

TEST(CaptureChecksTest, MedicineNamesAreCheckedAgainstTheList) {
  EXPECT_TRUE(MedicineListSorted());
  EXPECT_TRUE(IsKnownMedicine("Metformin"));
  EXPECT_TRUE(IsKnownMedicine("METOPROLOL SUCCINATE ER"));
  EXPECT_TRUE(IsKnownMedicine("Potassium chloride"));  // the salt word is the name here
  EXPECT_TRUE(IsKnownMedicine("Insulin glargine"));
  EXPECT_FALSE(IsKnownMedicine("Metfornin"));
  EXPECT_FALSE(IsKnownMedicine("once daily Metformin"));
  EXPECT_EQ(NearestMedicine("Metfornin").value_or(""), "metformin");
  EXPECT_FALSE(NearestMedicine("Quixotrel").has_value());
  EXPECT_FALSE(NearestMedicine("Ator").has_value());  // too short to guess
  // A medicine not on the list is read but held for review; one a letter away is shown as the
  // listed name, also for review.
  std::vector<Field> fields = ExtractSized({{"Zorbanol 20 mg tablet by mouth once daily", 100, 100, 30},
                                            {"Lisinopril 10 mg tablet by mouth once daily", 100, 170, 30},
                                            {"Amlodipne 5 mg tablet by mouth once daily", 100, 240, 30}},
                                           "medication_list");
  std::map<std::string, const Field*> f;
  for (const Field& x : fields) f[x.key] = &x;
  ASSERT_TRUE(f.contains("medication.0.name") && f.contains("medication.1.name") && f.contains("medication.2.name"));
  EXPECT_EQ(f["medication.0.name"]->value, "Zorbanol");
  EXPECT_FALSE(f["medication.0.name"]->checked);
  EXPECT_TRUE(f["medication.1.name"]->checked);
  EXPECT_EQ(f["medication.2.name"]->value, "Amlodipine");
  EXPECT_FALSE(f["medication.2.name"]->checked);
}

TEST(CaptureExtractTest, LabelsWithQualifiersSlashesAndRestatingWords) {
  auto f = FieldsOf({{"LEGAL LAST NAME", 100, 100}, {"PREFERRED PHONE", 1000, 100},
                     {"Nakamura", 110, 150}, {"(608) 555-0199", 1010, 150},
                     {"INSURANCE COMPANY NAME", 100, 300}, {"POLICY / MEMBER ID", 1000, 300},
                     {"Northwind Insurance", 110, 350}, {"HV110441020", 1010, 350}},
                    "intake");
  EXPECT_EQ(f["name.family"], "Nakamura");
  EXPECT_EQ(f["phone"], "6085550199");
  EXPECT_EQ(f["coverage.payer"], "Northwind Insurance");
  EXPECT_EQ(f["coverage.memberId"], "HV110441020");
}

TEST(CaptureExtractTest, AValueUnderARowOfLabelsIsAValueEvenWhenItReadsAsALabel) {
  // Idaho's "ID" under STATE is not a member-id label (whose value would be the ZIP).
  auto f = FieldsOf({{"CITY", 100, 100}, {"STATE", 900, 100}, {"ZIP", 1300, 100},
                     {"Boise", 110, 150}, {"ID", 910, 150}, {"83769", 1310, 150}},
                    "intake");
  EXPECT_EQ(f["address.state"], "ID");
  EXPECT_EQ(f["address.postalCode"], "83769");
  EXPECT_FALSE(f.contains("coverage.memberId"));
}

TEST(CaptureExtractTest, AllergyQuestionUnmarkedNoneBoxAndAListSpreadOverTheLine) {
  Checkbox none{Box{100, 152, 26, 26}, false, 0.0};
  auto f = FieldsOf({{"ALLERGIES TO MEDICINES, FOODS OR LATEX", 100, 100}, {"None known", 140, 150},
                     {"Ibuprofen;", 700, 150}, {"Sulfa drugs;", 1000, 150}, {"Latex", 1400, 150}},
                    "intake", {none});
  EXPECT_FALSE(f.contains("allergies"));  // the "None known" box is not marked
  EXPECT_EQ(f["allergy.0"], "Ibuprofen");
  EXPECT_EQ(f["allergy.1"], "Sulfa drugs");
  EXPECT_EQ(f["allergy.2"], "Latex");
}

TEST(CaptureExtractTest, CardNameWithoutALabelUnderTheIssuer) {
  auto f = FieldsOf({{"Harborview Health", 50, 40}, {"David Iverson", 50, 170}, {"ID", 50, 240},
                     {"EVM390693278", 170, 240}, {"GROUP", 50, 310}, {"087338", 220, 310}},
                    "insurance_card");
  EXPECT_EQ(f["coverage.payer"], "Harborview Health");
  EXPECT_EQ(f["name.family"], "Iverson");
  EXPECT_EQ(f["name.given"], "David");
  EXPECT_EQ(f["coverage.memberId"], "EVM390693278");
}

TEST(CaptureExtractTest, AnAddressOnOneLineBecomesItsCheckedParts) {
  std::vector<Field> fields = ExtractSized({{"Address:", 100, 100, 30}, {"755 Oak Street, Columbus, OH 43290-1234", 260, 100, 30},
                                            {"List any allergies:", 100, 200, 30}, {"NKDA", 460, 200, 30}},
                                           "intake");
  std::map<std::string, const Field*> f;
  for (const Field& x : fields) f[x.key] = &x;
  ASSERT_TRUE(f.contains("address.line"));
  EXPECT_EQ(f["address.line"]->value, "755 Oak Street");
  EXPECT_TRUE(f["address.line"]->checked);
  ASSERT_TRUE(f.contains("address.city") && f.contains("address.state") && f.contains("address.postalCode"));
  EXPECT_EQ(f["address.city"]->value, "Columbus");
  EXPECT_EQ(f["address.state"]->value, "OH");
  EXPECT_EQ(f["address.postalCode"]->value, "43290-1234");
  ASSERT_TRUE(f.contains("allergies"));
  EXPECT_EQ(f["allergies"]->value, "none");
  // A line that is not a whole address stays as read, and its check fails when it holds a ZIP
  // it could not be split around (no state): the field goes to review, not into the record.
  auto g = ExtractSized({{"Address:", 100, 100, 30}, {"755 Oak Street, Columbus, 43290", 260, 100, 30}}, "intake");
  ASSERT_FALSE(g.empty());
  EXPECT_EQ(g.front().key, "address.line");
  EXPECT_EQ(g.front().value, "755 Oak Street, Columbus, 43290");
  EXPECT_FALSE(g.front().checked);
}

TEST(CaptureExtractTest, CardIssuerInABandAtTheBottomAndPharmacyPairsOnOneLine) {
  // Labelled member name in bold above; the issuer's name larger, at the bottom.
  std::vector<Field> fields = ExtractSized({{"Member Name", 40, 40, 22}, {"Robert Yamada", 300, 38, 30},
                                            {"Member ID", 40, 100, 22}, {"EVM490792893", 300, 98, 30},
                                            {"BIN 900451", 40, 200, 24}, {"PCN HPRX GRP RX933", 400, 200, 24},
                                            {"Evergreen Mutual", 40, 480, 46}},
                                           "insurance_card", {}, 1000, 630);
  std::map<std::string, std::string> f;
  for (const Field& x : fields) f[x.key] = x.value;
  EXPECT_EQ(f["coverage.payer"], "Evergreen Mutual");
  EXPECT_EQ(f["name.family"], "Yamada");
  EXPECT_EQ(f["coverage.rxbin"], "900451");
  EXPECT_EQ(f["coverage.rxpcn"], "HPRX");
}

TEST(CaptureExtractTest, ANumberTheReaderSplitAtItsPointKeepsItsDecimals) {
  auto f = FieldsOf({{"Potassium", 100, 100}, {"4. 9", 600, 100}, {"mmol/L", 900, 100}, {"3.5-5. 1", 1200, 100}},
                    "lab_report");
  EXPECT_EQ(f["lab.0.code"], "2823-3");
  EXPECT_EQ(f["lab.0.value"], "4.9");
  EXPECT_EQ(f["lab.0.unit"], "mmol/L");
  EXPECT_EQ(f["lab.0.range"], "3.5-5.1");
}

TEST(CaptureExtractTest, AMedicineAfterABareRowNumber) {
  auto f = FieldsOf({{"1", 100, 100}, {"Gabapentin 300 mg capsule", 200, 100},
                     {"Take 1 capsule by mouth three times daily", 900, 100}},
                    "medication_list");
  EXPECT_EQ(f["medication.0.name"], "Gabapentin");
  EXPECT_EQ(f["medication.0.strength"], "300 mg");
  EXPECT_EQ(f["medication.0.route"], "oral");
  EXPECT_EQ(f["medication.0.frequency"], "three times daily");
}

TEST(CaptureExtractTest, CardNameBesideAPharmacyNumberAndNumberedCells) {
  auto f = FieldsOf({{"Harborview Health", 300, 40}, {"IVERSON, TOBIAS", 50, 170}, {"RxBIN: 649493", 900, 170},
                     {"ID# SCA433961516", 50, 240}},
                    "insurance_card");
  EXPECT_EQ(f["name.family"], "Iverson");
  EXPECT_EQ(f["name.given"], "Tobias");
  EXPECT_EQ(f["coverage.rxbin"], "649493");
  // Numbered cells: the numbers are neither labels nor values, the values sit under the
  // number and the label, a caption's instruction in parentheses is not a value, and a
  // marked box's option is the answer.
  Checkbox male{Box{1200, 254, 30, 30}, true, 0.9};
  Checkbox female{Box{1500, 254, 30, 30}, false, 0.0};
  auto g = FieldsOf({{"1", 100, 100}, {"LAST NAME", 160, 100}, {"2", 700, 100}, {"FIRST NAME", 760, 100},
                     {"FARROW", 110, 170}, {"DAVID", 710, 170},
                     {"5", 1150, 200}, {"SEX", 1210, 200}, {"Male", 1260, 254}, {"Female", 1560, 254},
                     {"7", 100, 400}, {"STREET ADDRESS", 160, 400}, {"8", 900, 400}, {"CITY", 960, 400},
                     {"5063 Orchard Place", 110, 470}, {"Burlington", 910, 470},
                     {"14. DRUG ALLERGIES", 100, 600}, {"(write NONE if none)", 500, 600}, {"Eggs", 110, 670}},
                    "intake", {male, female});
  EXPECT_EQ(g["name.family"], "Farrow");
  EXPECT_EQ(g["name.given"], "David");
  EXPECT_EQ(g["address.line"], "5063 Orchard Place");
  EXPECT_EQ(g["address.city"], "Burlington");
  EXPECT_EQ(g["gender"], "male");
  EXPECT_EQ(g["allergy.0"], "Eggs");
  EXPECT_FALSE(g.contains("allergy.1"));
}

TEST(CaptureExtractTest, LabHeaderNameAndCollectionInWords) {
  auto f = FieldsOf({{"Name: DELACROIX, Ethan", 100, 100}, {"DOB 01-18-1977", 900, 100},
                     {"Specimen collected 16 Feb 2024", 100, 200},
                     {"Potassium", 100, 300}, {"4.4", 600, 300}, {"mmol/L", 900, 300}, {"3.5-5.1", 1200, 300}},
                    "lab_report");
  EXPECT_EQ(f["name.family"], "Delacroix");
  EXPECT_EQ(f["name.given"], "Ethan");
  EXPECT_EQ(f["birthDate"], "1977-01-18");
  EXPECT_EQ(f["lab.collected"], "2024-02-16");
}

TEST(CaptureExtractTest, LabResultsWrittenAsSentences) {
  auto f = FieldsOf({{"Results for Emily Rasmussen (born 11/15/1943), sample taken December 18, 2025", 100, 100},
                     {"Hemoglobin Alc: 6.9 % (high) (reference 4.0-5.6)", 100, 200},
                     {"Triglycerides: 135 mg/dL (reference <150)", 100, 260}},
                    "lab_report");
  EXPECT_EQ(f["name.family"], "Rasmussen");
  EXPECT_EQ(f["name.given"], "Emily");
  EXPECT_EQ(f["birthDate"], "1943-11-15");
  EXPECT_EQ(f["lab.collected"], "2025-12-18");
  EXPECT_EQ(f["lab.0.code"], "4548-4");
  EXPECT_EQ(f["lab.0.value"], "6.9");
  EXPECT_EQ(f["lab.0.unit"], "%");
  EXPECT_EQ(f["lab.0.range"], "4.0-5.6");
  EXPECT_EQ(f["lab.1.code"], "2571-8");
  EXPECT_EQ(f["lab.1.value"], "135");
  EXPECT_EQ(f["lab.1.range"], "<150");
}

TEST(CaptureExtractTest, AQuestionnaireAndANameBeforeTheBirthDate) {
  Checkbox male{Box{110, 452, 30, 30}, false, 0.0};
  Checkbox female{Box{300, 452, 30, 30}, true, 0.9};
  auto f = FieldsOf({{"What is your last name?", 100, 100}, {"Kowalski", 150, 150},
                     {"What is your first name?", 100, 250}, {"Omar", 150, 300},
                     {"What is your sex?", 100, 400}, {"Male", 150, 452}, {"Female", 340, 452},
                     {"What is your e-mail address?", 100, 550}, {"okowalski37@example.org", 150, 600},
                     {"What is your street address?", 100, 700}, {"2432 Sunset Ave", 150, 750},
                     {"State and ZIP code?", 100, 850}, {"GA  31417", 150, 900},
                     {"Are you allergic to anything? If so, what?", 100, 1000}, {"Eggs, Penicillin", 150, 1050}},
                    "intake", {male, female});
  EXPECT_EQ(f["name.family"], "Kowalski");
  EXPECT_EQ(f["name.given"], "Omar");
  EXPECT_EQ(f["gender"], "female");
  EXPECT_EQ(f["email"], "okowalski37@example.org");
  EXPECT_EQ(f["address.line"], "2432 Sunset Ave");
  EXPECT_EQ(f["address.state"], "GA");
  EXPECT_EQ(f["address.postalCode"], "31417");
  EXPECT_EQ(f["allergy.0"], "Eggs");
  EXPECT_EQ(f["allergy.1"], "Penicillin");
  auto g = FieldsOf({{"ACTIVE MEDICATIONS", 100, 50}, {"VASQUEZ, MICHAEL", 100, 120}, {"DOB: 05/21/1982", 700, 120},
                     {"Warfarin 5 mg tablet", 100, 250}, {"1 tab PO QD", 800, 250}},
                    "medication_list");
  EXPECT_EQ(g["name.family"], "Vasquez");
  EXPECT_EQ(g["name.given"], "Michael");
  EXPECT_EQ(g["birthDate"], "1982-05-21");
  EXPECT_EQ(g["medication.0.route"], "oral");
  EXPECT_EQ(g["medication.0.frequency"], "once daily");
}

TEST(CaptureExtractTest, ALineShorterThanATestNameIsNotReadPastItsEnd) {
  // One letter short of "white blood cell count", long enough to live on the heap: the name
  // matcher must not look past the text (AddressSanitizer caught it reading beyond). Such a
  // line holds no result.
  auto f = FieldsOf({{"Laboratory results", 100, 50}, {"White blood cell coun", 100, 100}}, "lab_report");
  EXPECT_FALSE(f.contains("lab.0.code"));
  std::vector<Word> words;
  int x = 100;
  for (const char* w : {"White", "blood", "cell", "coun"}) {
    words.push_back(Word{w, Box{x, 100, 90, 30}, 0.9f});
    x += 110;
  }
  Classification c = Classify({BuildLayout(words, {}, 2000, 2600)});
  EXPECT_NE(c.kind, "lab_report");
}

TEST(CaptureExtractTest, BilingualLabelsANoneInTwoLanguagesAndALetterToThePatient) {
  auto f = FieldsOf({{"Seguro médico / Insurance:", 100, 100}, {"Acme Health Plan", 700, 100},
                     {"Alergias / Allergies:", 100, 200}, {"Ninguna / None", 700, 200}},
                    "intake");
  EXPECT_EQ(f["coverage.payer"], "Acme Health Plan");
  EXPECT_EQ(f["allergies"], "none");
  EXPECT_FALSE(f.contains("allergy.0"));
  // A section headed INSURANCE (no colon) is not a label: its next line is not the payer.
  auto h = FieldsOf({{"INSURANCE", 100, 100}, {"Insurance company", 100, 160}, {"Bluewater Health", 700, 160}}, "intake");
  EXPECT_EQ(h["coverage.payer"], "Bluewater Health");
  auto g = FieldsOf({{"Dear Daniel Delacroix (date of birth 01/05/1963),", 100, 100},
                     {"- Metformin 500 mg, one tablet by mouth twice daily.", 120, 200}},
                    "medication_list");
  EXPECT_EQ(g["name.family"], "Delacroix");
  EXPECT_EQ(g["name.given"], "Daniel");
  EXPECT_EQ(g["birthDate"], "1963-01-05");
  EXPECT_EQ(g["medication.0.name"], "Metformin");
}

TEST(CaptureExtractTest, AUnitPrintedAgainstTheRangeIsSplitFromIt) {
  // The glued token runs from the units column into the reference column.
  auto f = FieldsOf({{"Test", 100, 100}, {"Result", 600, 100}, {"Units", 900, 100}, {"Reference", 1100, 100},
                     {"eGFR", 100, 170}, {"89", 600, 170}, {"mL/min/1.73m2>60", 900, 170}},
                    "lab_report");
  EXPECT_EQ(f["lab.0.code"], "33914-3");
  EXPECT_EQ(f["lab.0.value"], "89");
  EXPECT_EQ(f["lab.0.unit"], "mL/min/{1.73_m2}");
  EXPECT_EQ(f["lab.0.range"], ">60");
}

TEST(CaptureExtractTest, MedicinesListedInTwoColumnsAreReadColumnByColumn) {
  // Each line holds two medicines, each with how to take it on the line under it: neither may
  // take the other's route or frequency, and both are read.
  auto f = FieldsOf({{"Albuterol 90 mcg", 100, 100}, {"Amlodipine 5 mg", 1100, 100},
                     {"1 inhaler inhaled, every 4 hours as needed", 100, 150}, {"1 tablet by mouth, once daily", 1100, 150},
                     {"Atorvastatin 20 mg", 100, 250}, {"Metformin 500 mg", 1100, 250},
                     {"1 tablet by mouth, at bedtime", 100, 300}, {"1 tablet by mouth, twice daily", 1100, 300}},
                    "medication_list");
  std::map<std::string, std::string> by_name;  // name -> route|frequency
  for (int i = 0; i < 4; ++i) {
    std::string k = "medication." + std::to_string(i);
    by_name[f[k + ".name"]] = f[k + ".route"] + "|" + f[k + ".frequency"];
  }
  EXPECT_EQ(by_name["Albuterol"], "inhalation|every 4 hours as needed");
  EXPECT_EQ(by_name["Amlodipine"], "oral|once daily");
  EXPECT_EQ(by_name["Atorvastatin"], "oral|at bedtime");
  EXPECT_EQ(by_name["Metformin"], "oral|twice daily");
  // One medicine whose instructions repeat its strength is still one medicine.
  auto g = FieldsOf({{"Metformin 500 mg tablet", 100, 100}, {"Take 500 mg by mouth twice daily", 900, 100}},
                    "medication_list");
  EXPECT_EQ(g["medication.0.name"], "Metformin");
  EXPECT_EQ(g["medication.0.frequency"], "twice daily");
  EXPECT_FALSE(g.contains("medication.1.name"));
}

TEST(CaptureExtractTest, ATestNameFollowedByMoreOfANameGoesToReview) {
  // "Hemoglobin A1ic" (A1c misread) must not be taken, sure, for hemoglobin.
  std::vector<Field> fields = ExtractSized({{"Hemoglobin A1ic", 100, 100, 30}, {"9.3 H", 700, 100, 30},
                                            {"%", 1000, 100, 30}, {"4.0-5.6", 1300, 100, 30},
                                            {"Potassium", 100, 170, 30}, {"4.4", 700, 170, 30},
                                            {"mmol/L", 1000, 170, 30}, {"3.5-5.1", 1300, 170, 30}},
                                           "lab_report");
  std::map<std::string, const Field*> f;
  for (const Field& x : fields) f[x.key] = &x;
  ASSERT_TRUE(f.contains("lab.0.code") && f.contains("lab.0.value"));
  // Either it is read as HbA1c, or the hemoglobin it was taken for is not trusted.
  EXPECT_TRUE(f["lab.0.code"]->value == "4548-4" || !f["lab.0.code"]->checked);
  EXPECT_TRUE(f["lab.0.code"]->value == "4548-4" || !f["lab.0.value"]->checked);
  ASSERT_TRUE(f.contains("lab.1.code"));
  EXPECT_EQ(f["lab.1.code"]->value, "2823-3");
  EXPECT_TRUE(f["lab.1.code"]->checked);
  EXPECT_TRUE(f["lab.1.value"]->checked);
}

TEST(CaptureExtractTest, LabTableReadByItsColumnHeaders) {
  // The earlier result comes first on each row: only the header says which number is today's.
  auto f = FieldsOf({{"Test", 100, 100}, {"Previous", 600, 100}, {"Result", 900, 100}, {"Units", 1200, 100},
                     {"Reference", 1500, 100},
                     {"Glucose", 100, 170}, {"127 (01/2023)", 600, 170}, {"120 H", 900, 170}, {"mg/dL", 1200, 170},
                     {"70-99", 1500, 170},
                     {"Potassium", 100, 240}, {"4.7 (01/2023)", 600, 240}, {"4.4", 900, 240}, {"mmol/L", 1200, 240},
                     {"3.5-5.1", 1500, 240}},
                    "lab_report");
  EXPECT_EQ(f["lab.0.code"], "2345-7");
  EXPECT_EQ(f["lab.0.value"], "120");
  EXPECT_EQ(f["lab.0.unit"], "mg/dL");
  EXPECT_EQ(f["lab.0.range"], "70-99");
  EXPECT_EQ(f["lab.1.code"], "2823-3");
  EXPECT_EQ(f["lab.1.value"], "4.4");
  EXPECT_EQ(f["lab.1.range"], "3.5-5.1");
}

TEST(CaptureExtractTest, TwoLabTablesSideBySideAreReadEachUnderItsOwnHeader) {
  // "Test Result Units Range" twice on one line: a row holds one test of each table, and neither
  // may take the other's value, unit or range.
  auto f = FieldsOf({{"Patient: Omar Kowalski DOB: 01/05/1978 Collected: 02/15/2025", 100, 40},
                     {"Test", 100, 100}, {"Result", 500, 100}, {"Units", 700, 100}, {"Range", 900, 100},
                     {"Test", 1100, 100}, {"Result", 1500, 100}, {"Units", 1700, 100}, {"Range", 1900, 100},
                     {"Hemoglobin", 100, 170}, {"10.8L", 500, 170}, {"g/dL", 700, 170}, {"12.0-17.5", 900, 170},
                     {"Sodium", 1100, 170}, {"134L", 1500, 170}, {"mmol/L", 1700, 170}, {"136-145", 1900, 170},
                     {"Glucose", 100, 240}, {"146H", 500, 240}, {"mg/dL", 700, 240}, {"70-99", 900, 240}},
                    "lab_report");
  EXPECT_EQ(f["name.given"], "Omar");
  EXPECT_EQ(f["name.family"], "Kowalski");
  EXPECT_EQ(f["birthDate"], "1978-01-05");
  std::map<std::string, std::string> by_code;  // code -> value|unit|range
  for (int i = 0; i < 3; ++i) {
    std::string k = "lab." + std::to_string(i);
    by_code[f[k + ".code"]] = f[k + ".value"] + "|" + f[k + ".unit"] + "|" + f[k + ".range"];
  }
  EXPECT_EQ(by_code["718-7"], "10.8|g/dL|12.0-17.5");
  EXPECT_EQ(by_code["2951-2"], "134|mmol/L|136-145");
  EXPECT_EQ(by_code["2345-7"], "146|mg/dL|70-99");
}

TEST(CaptureExtractTest, TestNamesCloseToOneAnother) {
  // HDL is not LDL though two edits apart; a number after "Hemoglobin" is its value, not a
  // misread "A1c"; "Hemoglobin Alc" (l for 1) is A1c.
  auto f = FieldsOf({{"HDL Cholesterol", 100, 100}, {"45", 700, 100}, {"mg/dL", 1000, 100},
                     {"Hemoglobin 13.5 g/dL", 100, 170},
                     {"Hemoglobin Alc", 100, 240}, {"6.1", 700, 240}, {"%", 1000, 240}},
                    "lab_report");
  EXPECT_EQ(f["lab.0.code"], "2085-9");
  EXPECT_EQ(f["lab.1.code"], "718-7");
  EXPECT_EQ(f["lab.1.value"], "13.5");
  EXPECT_EQ(f["lab.2.code"], "4548-4");
  EXPECT_EQ(f["lab.2.value"], "6.1");
}

TEST(CaptureExtractTest, PharmacyNumbersUnderARowOfCaptionsAndAStateThatReadsAsALabel) {
  std::vector<Field> fields = ExtractSized({{"Summit Care Alliance", 40, 30, 40},
                                            {"Member #: HV215449752", 40, 120, 26},
                                            {"RxBIN", 40, 300, 22}, {"RxPCN", 330, 300, 22}, {"RxGRP", 610, 300, 22},
                                            {"914397", 40, 340, 26}, {"ADV", 330, 340, 26}, {"G03271", 610, 340, 26}},
                                           "insurance_card", {}, 1000, 630);
  std::map<std::string, std::string> f;
  for (const Field& x : fields) f[x.key] = x.value;
  EXPECT_EQ(f["coverage.rxbin"], "914397");
  EXPECT_EQ(f["coverage.rxpcn"], "ADV");
  EXPECT_EQ(f["coverage.group"], "G03271");
  // Idaho's code is also the "ID" label.
  auto g = FieldsOf({{"City:", 400, 100}, {"Boise", 600, 100}, {"State:", 400, 170}, {"ID", 600, 170},
                     {"ZIP code:", 400, 240}, {"83792", 600, 240}},
                    "intake");
  EXPECT_EQ(g["address.state"], "ID");
  EXPECT_EQ(g["address.postalCode"], "83792");
}

TEST(CaptureExtractTest, HowOftenPrintedBeforeTheMedicineIsNotPartOfItsName) {
  auto f = FieldsOf({{"For Grace Kimura, born March 3, 1970", 100, 40},
                     {"When", 100, 100}, {"Medicine", 500, 100}, {"Dose", 900, 100}, {"Route", 1200, 100},
                     {"three times daily", 100, 170}, {"Gabapentin", 500, 170}, {"300 mg", 900, 170}, {"by mouth", 1200, 170},
                     {"every 4 hours as needed", 100, 240}, {"Albuterol", 500, 240}, {"90 mcg", 900, 240}, {"inhaled", 1200, 240}},
                    "medication_list");
  EXPECT_EQ(f["name.given"], "Grace");
  EXPECT_EQ(f["name.family"], "Kimura");
  EXPECT_EQ(f["medication.0.name"], "Gabapentin");
  EXPECT_EQ(f["medication.0.frequency"], "three times daily");
  EXPECT_EQ(f["medication.0.route"], "oral");
  EXPECT_EQ(f["medication.1.name"], "Albuterol");
  EXPECT_EQ(f["medication.1.frequency"], "every 4 hours as needed");
  EXPECT_EQ(f["medication.1.route"], "inhalation");
}

TEST(CaptureExtractTest, CaptionsPrintedUnderTheirValues) {
  // Values on rules, each caption small under its value; the next row's values are farther
  // below the captions than this row's are above them. A row of checkbox marks between a row of
  // values and its captions does not break the pairing.
  auto f = FieldsOf({{"Delacroix", 100, 100}, {"Ethan", 900, 100}, {"07/26/1990", 1500, 100},
                     {"Last name", 100, 160}, {"First name", 900, 160}, {"Birth date (mm/dd/yyyy)", 1500, 160},
                     {"5800 Orchard Place", 100, 280}, {"Springfield", 900, 280}, {"IL", 1400, 280}, {"62754", 1600, 280},
                     {"Street", 100, 340}, {"City", 900, 340}, {"State", 1400, 340}, {"Zip", 1600, 340},
                     {"(802) 555-0131", 100, 460}, {"edelacroix45@example.org", 700, 460},
                     {"Home or cell phone", 100, 520}, {"E-mail address", 700, 520},
                     {"NONE", 100, 640}, {"Drug or food allergies (write NONE if none)", 100, 700}},
                    "intake");
  EXPECT_EQ(f["name.family"], "Delacroix");
  EXPECT_EQ(f["name.given"], "Ethan");
  EXPECT_EQ(f["birthDate"], "1990-07-26");
  EXPECT_EQ(f["address.line"], "5800 Orchard Place");
  EXPECT_EQ(f["address.city"], "Springfield");
  EXPECT_EQ(f["address.state"], "IL");
  EXPECT_EQ(f["address.postalCode"], "62754");
  EXPECT_EQ(f["phone"], "8025550131");
  EXPECT_EQ(f["email"], "edelacroix45@example.org");
  EXPECT_EQ(f["allergies"], "none");
  // Labels over their values, the usual way, are still read downwards.
  auto g = FieldsOf({{"Last name", 100, 100}, {"First name", 900, 100}, {"Kowalski", 100, 140}, {"Omar", 900, 140},
                     {"City", 100, 230}, {"State", 900, 230}, {"Austin", 100, 270}, {"TX", 900, 270}},
                    "intake");
  EXPECT_EQ(g["name.family"], "Kowalski");
  EXPECT_EQ(g["address.city"], "Austin");
  EXPECT_EQ(g["address.state"], "TX");
}

TEST(CaptureExtractTest, CardPairsInOnePhraseAndAnIssuerThatIsNotTheMembersName) {
  std::vector<Field> fields = ExtractSized({{"MEMBER", 40, 30, 18}, {"QUINTERO, YUSUF", 40, 60, 28},
                                            {"IDENTIFICATION NUMBER", 40, 120, 18}, {"NWI594343751", 40, 150, 28},
                                            {"PCP $25 SPECIALIST $50 URGENT $75", 40, 220, 26},
                                            {"RxBIN 582507 RxPCN ADV RxGRP 149455", 40, 280, 22},
                                            {"Acme Health Plan", 40, 440, 34}},
                                           "insurance_card", {}, 1000, 630);
  std::map<std::string, std::string> f;
  for (const Field& x : fields) f[x.key] = x.value;
  EXPECT_EQ(f["name.family"], "Quintero");
  EXPECT_EQ(f["coverage.payer"], "Acme Health Plan");
  EXPECT_EQ(f["coverage.rxbin"], "582507");
  EXPECT_EQ(f["coverage.rxpcn"], "ADV");
  EXPECT_EQ(f["coverage.group"], "149455");
}

TEST(CaptureExtractTest, AResultPrintedAgainstItsUnitAndANameBeforeABracketedBirthDate) {
  auto f = FieldsOf({{"Kowalski, Ingrid (DOB 09/12/1999)", 100, 40},
                     {"Analyte", 100, 100}, {"Result", 700, 100}, {"Flag", 1100, 100}, {"Reference interval", 1300, 100},
                     {"Hemoglobin A1c", 100, 170}, {"8.3%", 700, 170}, {"High", 1100, 170}, {"4.0-5.6 %", 1300, 170},
                     {"Sodium", 100, 240}, {"146 mmol/L", 700, 240}, {"High", 1100, 240}, {"136-145 mmol/L", 1300, 240}},
                    "lab_report");
  EXPECT_EQ(f["name.family"], "Kowalski");
  EXPECT_EQ(f["name.given"], "Ingrid");
  EXPECT_EQ(f["lab.0.code"], "4548-4");
  EXPECT_EQ(f["lab.0.value"], "8.3");
  EXPECT_EQ(f["lab.0.unit"], "%");
  EXPECT_EQ(f["lab.0.range"], "4.0-5.6");
  EXPECT_EQ(f["lab.1.value"], "146");
  EXPECT_EQ(f["lab.1.unit"], "mmol/L");
}

TEST(CaptureExtractTest, AOneLetterNameAndAnUnreadableResultAreNotTakenFromElsewhere) {
  // The first box of a name written one letter per box is not the name; a result the reader
  // could not make out is not replaced by a number from the units or lab columns; a name split
  // after its comma is joined.
  auto f = FieldsOf({{"PATIENT: VASQUEZ,", 100, 40}, {"LINDA", 500, 40},
                     {"TESTS", 100, 300}, {"RESULT", 700, 300}, {"FLAG", 1000, 300}, {"UNITS", 1200, 300},
                     {"REFERENCE INTERVAL", 1500, 300}, {"LAB", 1900, 300},
                     {"HEMOGLOBIN A1C", 120, 370}, {"orto", 700, 370}, {"High", 1000, 370}, {"2 ©", 1200, 370},
                     {"4.0 - 5.6", 1500, 370}, {"01", 1900, 370},
                     {"SODIUM", 120, 440}, {"144", 700, 440}, {"mmol/L", 1200, 440}, {"136 - 145", 1500, 440},
                     {"01", 1900, 440}},
                    "lab_report");
  EXPECT_EQ(f["name.family"], "Vasquez");
  EXPECT_EQ(f["name.given"], "Linda");
  EXPECT_EQ(f["lab.0.code"], "2951-2");
  EXPECT_EQ(f["lab.0.value"], "144");
  EXPECT_EQ(f["lab.0.range"], "136-145");
  EXPECT_FALSE(f.contains("lab.1.value"));
  std::vector<Field> g = ExtractSized({{"LAST NAME", 100, 100, 30}, {"L", 100, 150, 30}, {"NDQV", 300, 150, 30},
                                       {"S/T", 600, 150, 30}},
                                      "intake");
  for (const Field& x : g)
    if (x.key == "name.family") {
      EXPECT_FALSE(x.checked) << x.value;
    }
}

TEST(CaptureExtractTest, SeveralLabelledPairsOnEachLine) {
  auto f = FieldsOf({{"Name: Elena Delacroix", 100, 100}, {"Date of birth: 12/05/1949", 700, 100}, {"Sex: F", 1400, 100},
                     {"Address: 7476 Sunset Ave", 100, 170}, {"City: Boise", 800, 170}, {"State: ID", 1200, 170},
                     {"ZIP: 83725-8541", 1500, 170},
                     {"Phone: (802) 555-0104", 100, 240}, {"Email: edelacroix63@example.org", 800, 240},
                     {"Insurance: Harborview Health", 100, 310}, {"Member ID: XQH607419322", 900, 310},
                     {"Allergies: None", 100, 380}},
                    "intake");
  EXPECT_EQ(f["name.given"], "Elena");
  EXPECT_EQ(f["address.state"], "ID");
  EXPECT_EQ(f["coverage.payer"], "Harborview Health");
  EXPECT_EQ(f["coverage.memberId"], "XQH607419322");
  EXPECT_EQ(f["allergies"], "none");
  for (const auto& [k, v] : f) EXPECT_FALSE(k.starts_with("allergy.")) << k << " = " << v;
}

TEST(CaptureExtractTest, AMiddleInitialIsNotPartOfTheGivenName) {
  auto f = FieldsOf({{"Member: OMAR J KOWALSKI", 100, 100}}, "insurance_card");
  EXPECT_EQ(f["name.given"], "Omar");
  EXPECT_EQ(f["name.family"], "Kowalski");
  auto g = FieldsOf({{"Patient: Kowalski, Omar J.", 100, 100}}, "lab_report");
  EXPECT_EQ(g["name.given"], "Omar");
}

TEST(CaptureExtractTest, APillCardsMarksSayHowOften) {
  // Marks under the times of day; a strength read as "meg"; a note under the last medicine is
  // its own, never the one above's.
  std::vector<Checkbox> boxes;
  auto row = [&](int y, std::array<bool, 4> marks) {
    for (int i = 0; i < 4; ++i) boxes.push_back(Checkbox{Box{1000 + 250 * i, y, 30, 30}, marks[static_cast<size_t>(i)], 0});
  };
  row(200, {true, false, false, false});
  row(270, {true, false, true, false});
  row(340, {false, false, false, true});
  row(410, {false, false, false, false});
  auto f = FieldsOf({{"Medicine", 100, 130}, {"Dose", 500, 130}, {"Morning", 990, 130}, {"Noon", 1240, 130},
                     {"Evening", 1490, 130}, {"Bedtime", 1740, 130},
                     {"Warfarin", 100, 200}, {"5 mg by mouth", 500, 200},
                     {"Metformin", 100, 270}, {"500 mg by mouth", 500, 270},
                     {"Lisinopril", 100, 340}, {"10 mg by mouth", 500, 340},
                     {"Albuterol", 100, 410}, {"90 meg inhaled", 500, 410},
                     {"every 4 hours as needed", 990, 450}},
                    "medication_list", boxes);
  std::map<std::string, std::string> by_name;  // name -> strength|route|frequency
  for (int i = 0; i < 4; ++i) {
    std::string k = "medication." + std::to_string(i);
    by_name[f[k + ".name"]] = f[k + ".strength"] + "|" + f[k + ".route"] + "|" + f[k + ".frequency"];
  }
  EXPECT_EQ(by_name["Warfarin"], "5 mg|oral|once daily");
  EXPECT_EQ(by_name["Metformin"], "500 mg|oral|twice daily");
  EXPECT_EQ(by_name["Lisinopril"], "10 mg|oral|at bedtime");
  EXPECT_EQ(by_name["Albuterol"], "90 mcg|inhalation|every 4 hours as needed");
}

TEST(CaptureExtractTest, ATestNameOnItsOwnLineOverItsResult) {
  auto f = FieldsOf({{"TSH", 100, 100}, {"Result: 2.02 mIU/L", 150, 150}, {"Normal range: 0.4-4.0", 700, 150},
                     {"HEMOGLOBIN A1C", 100, 240}, {"Result: 8.8 % (high)", 150, 290}, {"Normal range: 4.0-5.6", 700, 290}},
                    "lab_report");
  EXPECT_EQ(f["lab.0.code"], "3016-3");
  EXPECT_EQ(f["lab.0.value"], "2.02");
  EXPECT_EQ(f["lab.0.range"], "0.4-4.0");
  EXPECT_EQ(f["lab.1.code"], "4548-4");
  EXPECT_EQ(f["lab.1.value"], "8.8");
  EXPECT_EQ(f["lab.1.unit"], "%");
}

TEST(CaptureExtractTest, MedicinesInSentencesAndTheFieldsOfAnUnconfirmedOne) {
  std::vector<Field> fields = ExtractSized({{"Patient: Mateo Galloway Date of birth:", 100, 40, 30},
                                            {"January 7, 1945", 1000, 40, 30},
                                            {"Start insulin glargine 10 units, 1 injection subcutaneous at bedtime.", 100, 120, 30},
                                            {"Keep taking sertraline 50 mg, 1 tablet by mouth once daily.", 100, 170, 30},
                                            {"Continue zorbanol 20 mg, 1 tablet by mouth twice daily.", 100, 220, 30}},
                                           "medication_list");
  std::map<std::string, const Field*> f;
  for (const Field& x : fields) f[x.key] = &x;
  ASSERT_TRUE(f.contains("name.given") && f.contains("medication.2.name"));
  EXPECT_EQ(f["name.given"]->value, "Mateo");
  EXPECT_EQ(f["name.family"]->value, "Galloway");
  EXPECT_EQ(f["medication.0.name"]->value, "Insulin glargine");
  EXPECT_TRUE(f["medication.0.name"]->checked);
  EXPECT_EQ(f["medication.0.frequency"]->value, "at bedtime");
  EXPECT_EQ(f["medication.1.name"]->value, "Sertraline");
  // Not a listed medicine: it and everything said of it go to review.
  EXPECT_FALSE(f["medication.2.name"]->checked);
  EXPECT_FALSE(f["medication.2.strength"]->checked);
  EXPECT_FALSE(f["medication.2.frequency"]->checked);
}

TEST(CaptureExtractTest, UnitsInParenthesesAfterTestNamesAndANameEndingALine) {
  auto f = FieldsOf({{"Laboratory results for Wei Kowalski", 100, 40},
                     {"DOB 01/04/1984", 100, 90}, {"Specimen date 01/06/2026", 600, 90},
                     {"Test (units)", 100, 160}, {"Result", 800, 160}, {"Reference", 1100, 160},
                     {"Sodium (mmol/L)", 100, 230}, {"143", 800, 230}, {"136-145", 1100, 230},
                     {"Glucose (mg/dL)", 100, 300}, {"161H", 800, 300}, {"70-99", 1100, 300}},
                    "lab_report");
  EXPECT_EQ(f["name.given"], "Wei");
  EXPECT_EQ(f["name.family"], "Kowalski");
  EXPECT_EQ(f["lab.collected"], "2026-01-06");
  EXPECT_EQ(f["lab.0.unit"], "mmol/L");
  EXPECT_EQ(f["lab.0.value"], "143");
  EXPECT_EQ(f["lab.1.unit"], "mg/dL");
  EXPECT_EQ(f["lab.1.value"], "161");
  auto g = FieldsOf({{"Sex assigned at birth", 100, 100}, {"Female", 600, 100}}, "intake");
  EXPECT_EQ(g["gender"], "female");
}

TEST(CaptureExtractTest, CityStateAndZipUnderOneLabelAndARangeThatLostItsDecimals) {
  auto f = FieldsOf({{"Address:", 100, 100}, {"7690 Elm Street", 600, 100},
                     {"City/State/Zip:", 100, 170}, {"Springfield, IL 62702", 600, 170}},
                    "intake");
  EXPECT_EQ(f["address.city"], "Springfield");
  EXPECT_EQ(f["address.state"], "IL");
  EXPECT_EQ(f["address.postalCode"], "62702");
  auto card = FieldsOf({{"Acme Health Plan", 40, 30}, {"BIN# 659172", 40, 240}, {"PCN# SCA", 500, 240}}, "insurance_card");
  EXPECT_EQ(card["coverage.rxbin"], "659172");
  EXPECT_EQ(card["coverage.rxpcn"], "SCA");
  std::vector<Field> fields = ExtractSized({{"Hemoglobin", 100, 100, 30}, {"11.5", 700, 100, 30}, {"g/dL", 900, 100, 30},
                                            {"Ref: 12.0-17", 1200, 100, 30}},
                                           "lab_report");
  for (const Field& x : fields)
    if (x.key == "lab.0.range") {
      EXPECT_FALSE(x.checked) << x.value;
    }
}

TEST(CaptureExtractTest, APharmacyPrintoutsNamesAndAbbreviatedLabels) {
  // Names in capitals with their salt and form: the listed medicine; "PT:" and "COLL:" labels.
  auto f = FieldsOf({{"Rx# 4402137", 100, 100}, {"WARFARIN SODIUM 5 MG TAB", 500, 100},
                     {"Qty: 60", 100, 150}, {"Refills: 1", 400, 150},
                     {"Take 1 tablet by mouth once daily", 100, 200}},
                    "medication_list");
  EXPECT_EQ(f["medication.0.name"], "Warfarin");
  EXPECT_EQ(f["medication.0.strength"], "5 mg");
  EXPECT_EQ(f["medication.0.frequency"], "once daily");
  auto g = FieldsOf({{"PT: KOWALSKI, OMAR", 100, 40}, {"DOB: 11/20/1976", 800, 40}, {"COLL: 03/05/2024", 100, 90},
                     {"TEST", 100, 160}, {"RESULT", 600, 160}, {"FLAG", 800, 160}, {"REF RANGE", 1000, 160},
                     {"UNITS", 1400, 160},
                     {"GLUCOSE", 100, 230}, {"120", 600, 230}, {"H", 800, 230}, {"70-99", 1000, 230}, {"mg/dL", 1400, 230}},
                    "lab_report");
  EXPECT_EQ(g["name.family"], "Kowalski");
  EXPECT_EQ(g["lab.collected"], "2024-03-05");
  EXPECT_EQ(g["lab.0.value"], "120");
  EXPECT_EQ(g["lab.0.unit"], "mg/dL");
  EXPECT_EQ(g["lab.0.range"], "70-99");
}

TEST(CaptureExtractTest, TestsPrintedAsColumnsWithResultUnitsAndRangeRows) {
  // Test names across the top; each row names what it holds. A number under "Units" (a misread
  // unit) is not the result.
  auto f = FieldsOf({{"Patient: Omar Kowalski", 100, 40},
                     {"Glucose", 400, 150}, {"Potassium", 800, 150}, {"Hemoglobin", 1200, 150},
                     {"Result", 100, 200}, {"120 H", 400, 200}, {"4.4", 800, 200}, {"ehO)", 1200, 200},
                     {"Units", 100, 250}, {"mg/dL", 400, 250}, {"mmol/L", 800, 250}, {"2", 1200, 250},
                     {"Range", 100, 300}, {"70-99", 400, 300}, {"3.5-5.1", 800, 300}, {"12.0-17.5", 1200, 300}},
                    "lab_report");
  EXPECT_EQ(f["lab.0.code"], "2345-7");
  EXPECT_EQ(f["lab.0.value"], "120");
  EXPECT_EQ(f["lab.0.unit"], "mg/dL");
  EXPECT_EQ(f["lab.0.range"], "70-99");
  EXPECT_EQ(f["lab.1.code"], "2823-3");
  EXPECT_EQ(f["lab.1.value"], "4.4");
  EXPECT_EQ(f["lab.1.unit"], "mmol/L");
  EXPECT_EQ(f["lab.1.range"], "3.5-5.1");
  EXPECT_EQ(f.count("lab.2.value"), 0u);  // Hemoglobin's result was not read
}

TEST(CaptureExtractTest, ANameLabelThatSaysSurnameFirst) {
  auto f = FieldsOf({{"Harborview Health", 50, 40}, {"NAME (LAST FIRST)", 50, 140}, {"HARTLEY DAVID", 50, 190},
                     {"MEMBER ID", 50, 260}, {"HV761473527", 50, 310}},
                    "insurance_card");
  EXPECT_EQ(f["name.family"], "Hartley");
  EXPECT_EQ(f["name.given"], "David");
  // Given name first when the label says so, or says nothing; a middle initial is not part of it.
  auto g = FieldsOf({{"Name", 100, 100}, {"(First Middle Last)", 200, 100}, {"Priya J. Brennan", 900, 100}}, "intake");
  EXPECT_EQ(g["name.family"], "Brennan");
  EXPECT_EQ(g["name.given"], "Priya");
  // A name read with the next field's label and value after it ends before that label.
  auto h = FieldsOf({{"Resident: Vasquez, Michael DOB 01/10/1971", 100, 100}}, "medication_list");
  EXPECT_EQ(h["name.family"], "Vasquez");
  EXPECT_EQ(h["name.given"], "Michael");
  EXPECT_EQ(h["birthDate"], "1971-01-10");
}

TEST(CaptureExtractTest, AbbreviatedRoutesAndEveryHoursFrequencies) {
  auto f = FieldsOf({{"Medication", 100, 100}, {"Route", 700, 100}, {"Freq", 900, 100},
                     {"Albuterol 90 mcg", 100, 160}, {"INH", 700, 160}, {"q4h PRN", 900, 160},
                     {"Fluticasone 50 mcg", 100, 220}, {"NAS", 700, 220}, {"daily", 900, 220}},
                    "medication_list");
  EXPECT_EQ(f["medication.0.name"], "Albuterol");
  EXPECT_EQ(f["medication.0.route"], "inhalation");
  EXPECT_EQ(f["medication.0.frequency"], "every 4 hours as needed");
  EXPECT_EQ(f["medication.1.route"], "nasal");
  EXPECT_EQ(f["medication.1.frequency"], "once daily");
}

TEST(CaptureExtractTest, ALabelWithItsValueUnderALabelLeftBlankIsNotTakenForAValue) {
  auto f = FieldsOf({{"Sex (M/F/X)", 100, 100}, {"Home street address", 100, 170}, {"920 Willow Court", 900, 170},
                     {"City", 100, 240}, {"Columbus", 900, 240}},
                    "intake");
  EXPECT_EQ(f["address.line"], "920 Willow Court");
  EXPECT_EQ(f["address.city"], "Columbus");
}

TEST(CaptureExtractTest, ADependantsCardNamesTheMemberNotTheSubscriber) {
  auto f = FieldsOf({{"Evergreen Mutual", 50, 40}, {"Subscriber:", 50, 140}, {"Avery Hartley", 300, 140},
                     {"Member:", 50, 200}, {"Ingrid Hartley", 300, 200}, {"ID:", 50, 260}, {"XQH466142264", 300, 260}},
                    "insurance_card");
  EXPECT_EQ(f["name.given"], "Ingrid");
  EXPECT_EQ(f["name.family"], "Hartley");
  // The subscriber's own card: the only name there is.
  auto g = FieldsOf({{"Evergreen Mutual", 50, 40}, {"Subscriber:", 50, 140}, {"Avery Hartley", 300, 140},
                     {"ID:", 50, 260}, {"XQH466142264", 300, 260}},
                    "insurance_card");
  EXPECT_EQ(g["name.given"], "Avery");
}

TEST(CaptureExtractTest, NumberedQuestionsWithQualifiedLabelsAndAYesNoAllergyQuestion) {
  auto f = FieldsOf({{"1. Patient's last name", 100, 100}, {"Kowalski", 140, 150},
                     {"7. E-mail address", 100, 250}, {"nkowalski3", 140, 300}, {"@example.org", 460, 300},
                     {"9. Health insurance company", 100, 400}, {"Harborview Health", 140, 450},
                     {"10. Insurance member ID number", 100, 550}, {"EVM367459178", 140, 600},
                     {"11. Do you have any allergies? If yes, list them", 100, 700}, {"Yes: Eggs, Penicillin", 140, 750}},
                    "intake");
  EXPECT_EQ(f["name.family"], "Kowalski");
  EXPECT_EQ(f["email"], "nkowalski3@example.org");
  EXPECT_EQ(f["coverage.payer"], "Harborview Health");
  EXPECT_EQ(f["coverage.memberId"], "EVM367459178");
  EXPECT_EQ(f["allergy.0"], "Eggs");
  EXPECT_EQ(f["allergy.1"], "Penicillin");
  auto g = FieldsOf({{"11. Do you have any allergies? If yes, list them", 100, 100}, {"No", 140, 150}}, "intake");
  EXPECT_EQ(g["allergies"], "none");
}

TEST(CaptureExtractTest, LabRowsLedByTheirLoincCode) {
  std::vector<Field> fields =
      ExtractSized({{"LOINC", 100, 100, 30}, {"Test", 400, 100, 30}, {"Result", 1000, 100, 30},
                    {"Ref. interval", 1300, 100, 30}, {"Units", 1700, 100, 30},
                    {"339 14-3", 100, 170, 30}, {"eGFR", 400, 170, 30}, {"100", 1000, 170, 30}, {">60", 1300, 170, 30},
                    {"mL/min/1.73m2", 1700, 170, 30},
                    {"2571-8", 100, 240, 30}, {"Triglycerides", 400, 240, 30}, {"215H", 1000, 240, 30},
                    {"<150", 1300, 240, 30}, {"mg/dL", 1700, 240, 30},
                    // The printed code is Glucose's: the name or the code was misread.
                    {"2345-7", 100, 310, 30}, {"Sodium", 400, 310, 30}, {"140", 1000, 310, 30},
                    {"136-145", 1300, 310, 30}, {"mmol/L", 1700, 310, 30}},
                   "lab_report");
  std::map<std::string, const Field*> by_key = ByKey(fields);
  ASSERT_TRUE(by_key.contains("lab.0.code") && by_key.contains("lab.1.code") && by_key.contains("lab.2.code"));
  EXPECT_EQ(by_key["lab.0.code"]->value, "33914-3");
  EXPECT_EQ(by_key["lab.0.value"]->value, "100");
  EXPECT_EQ(by_key["lab.0.range"]->value, ">60");
  EXPECT_EQ(by_key["lab.1.code"]->value, "2571-8");
  EXPECT_EQ(by_key["lab.1.value"]->value, "215");
  EXPECT_TRUE(by_key["lab.1.code"]->checked);
  EXPECT_EQ(by_key["lab.2.code"]->value, "2951-2");
  EXPECT_FALSE(by_key["lab.2.code"]->checked);
  EXPECT_FALSE(by_key["lab.2.value"]->checked);
}

TEST(CaptureExtractTest, AListedMedicineWhoseUnitWasNotReadIsKeptForReview) {
  std::vector<Field> fields = ExtractSized({{"Drug", 100, 100, 30}, {"Dose", 700, 100, 30}, {"Unit", 900, 100, 30},
                                            {"Route", 1100, 100, 30}, {"How often", 1400, 100, 30},
                                            {"Lisinopril", 100, 170, 30}, {"10", 700, 170, 30}, {"oral", 1100, 170, 30},
                                            {"once daily", 1400, 170, 30},
                                            {"Metformin", 100, 240, 30}, {"500", 700, 240, 30}, {"mg", 900, 240, 30},
                                            {"oral", 1100, 240, 30}, {"twice daily", 1400, 240, 30}},
                                           "medication_list");
  std::map<std::string, const Field*> by_key = ByKey(fields);
  ASSERT_TRUE(by_key.contains("medication.0.name") && by_key.contains("medication.1.name"));
  EXPECT_EQ(by_key["medication.0.name"]->value, "Lisinopril");
  EXPECT_EQ(by_key["medication.0.strength"]->value, "10");
  EXPECT_FALSE(by_key["medication.0.strength"]->checked);
  EXPECT_EQ(by_key["medication.0.frequency"]->value, "once daily");
  EXPECT_EQ(by_key["medication.1.strength"]->value, "500 mg");
  EXPECT_TRUE(by_key["medication.1.strength"]->checked);
}

TEST(CaptureExtractTest, TwoCardFieldsUnderOneSlashedLabelAndAnIssuerByItsInitials) {
  std::vector<Field> fields = ExtractSized({{"SCA", 40, 30, 60}, {"Member Name", 40, 140, 20},
                                            {"Elena Delacroix", 40, 170, 30}, {"Member ID", 40, 230, 20},
                                            {"HV195062638", 40, 260, 30}, {"RX BIN/PCN: 621639 / WQIC", 40, 330, 25},
                                            {"Summit Care Alliance", 40, 560, 25}},
                                           "insurance_card", {}, 1000, 640);
  std::map<std::string, std::string> f = ValuesOf(fields);
  EXPECT_EQ(f["coverage.rxbin"], "621639");
  EXPECT_EQ(f["coverage.rxpcn"], "WQIC");
  EXPECT_EQ(f["coverage.payer"], "Summit Care Alliance");
  // One number named two ways ("Subscriber / member number") is that number; Idaho with its ZIP
  // code under captions is no member ID.
  auto g = FieldsOf({{"5562 Maple Avenue", 100, 100}, {"Boise", 700, 100}, {"ID", 1000, 100}, {"83784", 1150, 100},
                     {"Street", 100, 150}, {"City", 700, 150}, {"State", 1000, 150}, {"Zip", 1150, 150},
                     {"Acme Health Plan", 100, 250}, {"EVM089312350", 700, 250},
                     {"Insurance plan", 100, 300}, {"Subscriber / member number", 700, 300}},
                    "intake");
  EXPECT_EQ(g["coverage.memberId"], "EVM089312350");
  EXPECT_EQ(g["address.postalCode"], "83784");
  auto h = FieldsOf({{"5562 Maple Avenue", 100, 100}, {"Boise", 700, 100}, {"ID", 1000, 100}, {"83784", 1150, 100},
                     {"Street", 100, 150}, {"City", 700, 150}, {"State", 1000, 150}, {"Zip", 1150, 150}},
                    "intake");
  EXPECT_EQ(h.count("coverage.memberId"), 0u);
}

TEST(CaptureExtractTest, ValuesInBoxesAndAnAddressOnTwoLines) {
  auto f = FieldsOf({{"Date of birth", 100, 100}, {"11", 450, 100}, {"23", 570, 100}, {"2001", 690, 100},
                     {"Month", 450, 140}, {"Day", 570, 140}, {"Year", 690, 140},
                     {"Address", 100, 220}, {"6435 Oak Street", 450, 220}, {"Boise, ID 83775", 450, 262},
                     {"Phone", 100, 340}, {"208", 450, 340}, {"555-0174", 560, 340},
                     {"Area code", 450, 380}, {"Number", 560, 380},
                     {"Insurance", 100, 460}, {"Northwind Insurance", 450, 460}},
                    "intake");
  EXPECT_EQ(f["birthDate"], "2001-11-23");
  EXPECT_EQ(f["phone"], "2085550174");
  EXPECT_EQ(f["address.line"], "6435 Oak Street");
  EXPECT_EQ(f["address.city"], "Boise");
  EXPECT_EQ(f["address.state"], "ID");
  EXPECT_EQ(f["address.postalCode"], "83775");
  EXPECT_EQ(f["coverage.payer"], "Northwind Insurance");
}

TEST(CaptureExtractTest, AReferenceIntervalInLowAndHighColumns) {
  std::vector<Field> fields =
      ExtractSized({{"Test", 100, 100, 30}, {"Result", 700, 100, 30}, {"Low", 1000, 100, 30}, {"High", 1200, 100, 30},
                    {"Units", 1400, 100, 30},
                    {"Glucose", 100, 170, 30}, {"120 H", 700, 170, 30}, {"70", 1000, 170, 30}, {"99", 1200, 170, 30},
                    {"mg/dL", 1400, 170, 30},
                    {"Triglycerides", 100, 240, 30}, {"267 H", 700, 240, 30}, {"150", 1200, 240, 30},
                    {"mg/dL", 1400, 240, 30}},
                   "lab_report");
  std::map<std::string, const Field*> by_key = ByKey(fields);
  ASSERT_TRUE(by_key.contains("lab.0.range") && by_key.contains("lab.1.range"));
  EXPECT_EQ(by_key["lab.0.range"]->value, "70-99");
  EXPECT_TRUE(by_key["lab.0.range"]->checked);
  EXPECT_EQ(by_key["lab.0.value"]->value, "120");
  // One end alone: one-sided, or the other end not read; a person says which.
  EXPECT_EQ(by_key["lab.1.range"]->value, "<150");
  EXPECT_FALSE(by_key["lab.1.range"]->checked);
}

TEST(CaptureExtractTest, ADateLabelledDayFirstIsReadDayFirst) {
  auto f = FieldsOf({{"Surname", 100, 100}, {"Sandoval", 700, 100}, {"Date of birth (DD/MM/YYYY)", 100, 170},
                     {"05/10/1990", 700, 170}, {"Postcode", 100, 240}, {"31449-4991", 700, 240}},
                    "intake");
  EXPECT_EQ(f["birthDate"], "1990-10-05");
  EXPECT_EQ(f["address.postalCode"], "31449-4991");
  // Under a label that does not say, 05/10 is May 10th (US order); 18/04 can only be day first,
  // and is shown so for a person to confirm.
  auto birth = [](const std::vector<Field>& fields) {
    auto it = std::find_if(fields.begin(), fields.end(), [](const Field& x) { return x.key == "birthDate"; });
    return it == fields.end() ? Field{} : *it;
  };
  Field us = birth(ExtractSized({{"Date of birth", 100, 100, 30}, {"05/10/1990", 700, 100, 30}}, "intake"));
  EXPECT_EQ(us.value, "1990-05-10");
  EXPECT_TRUE(us.checked);
  Field other = birth(ExtractSized({{"Date of birth", 100, 100, 30}, {"18/04/2006", 700, 100, 30}}, "intake"));
  EXPECT_EQ(other.value, "2006-04-18");
  EXPECT_FALSE(other.checked);
}

TEST(CaptureExtractTest, TwoMedicinesInOneSentenceKeepTheirOwnRouteAndFrequency) {
  auto f = FieldsOf({{"You take metformin 500 mg by mouth at bedtime and insulin glargine 10 units subcutaneous "
                      "twice a day.", 100, 100},
                     {"Metformin 500 mg, take 1000 mg at night.", 100, 170}},
                    "medication_list");
  EXPECT_EQ(f["medication.0.name"], "Metformin");
  EXPECT_EQ(f["medication.0.route"], "oral");
  EXPECT_EQ(f["medication.0.frequency"], "at bedtime");
  EXPECT_EQ(f["medication.1.name"], "Insulin glargine");
  EXPECT_EQ(f["medication.1.strength"], "10 units");
  EXPECT_EQ(f["medication.1.route"], "subcutaneous");
  EXPECT_EQ(f["medication.1.frequency"], "twice daily");
  // Two strengths of one medicine are one medicine.
  EXPECT_EQ(f["medication.2.name"], "Metformin");
  EXPECT_EQ(f.count("medication.3.name"), 0u);
}

TEST(CaptureExtractTest, ASpanishRegistrationFormAndMedicationList) {
  std::vector<std::tuple<std::string, int, int>> form = {
      {"Formulario de registro del paciente", 100, 40},
      {"Apellido:", 100, 100},           {"Abernathy", 700, 100},
      {"Nombre:", 100, 150},             {"Nora", 700, 150},
      {"Fecha de nacimiento:", 100, 200}, {"01/02/1976", 700, 200},
      {"Dirección:", 100, 250},          {"5121 Oak Street", 700, 250},
      {"Ciudad:", 100, 300},             {"Raleigh", 700, 300},
      {"Estado:", 100, 350},             {"NC", 700, 350},
      {"Cédigo postal:", 100, 400},      {"27641", 700, 400},  // as a reader misreads "Código"
      {"Teléfono:", 100, 450},           {"(919) 555-0109", 700, 450},
      {"Correo electrónico:", 100, 500}, {"nabernathy23@example.org", 700, 500},
      {"Compafiia de seguro:", 100, 550}, {"Evergreen Mutual", 700, 550},  // "Compañía", misread
      {"Número de miembro:", 100, 600},  {"HV328861417", 700, 600},
      {"Alergias:", 100, 650},           {"Ninguna", 700, 650}};
  auto f = FieldsOf(form, "intake");
  EXPECT_EQ(f["name.family"], "Abernathy");
  EXPECT_EQ(f["name.given"], "Nora");  // "Nombre" beside "Apellido" is the given name
  EXPECT_EQ(f["birthDate"], "1976-01-02");
  EXPECT_EQ(f["address.line"], "5121 Oak Street");
  EXPECT_EQ(f["address.city"], "Raleigh");
  EXPECT_EQ(f["address.state"], "NC");
  EXPECT_EQ(f["address.postalCode"], "27641");
  EXPECT_EQ(f["phone"], "9195550109");
  EXPECT_EQ(f["email"], "nabernathy23@example.org");
  EXPECT_EQ(f["coverage.payer"], "Evergreen Mutual");
  EXPECT_EQ(f["coverage.memberId"], "HV328861417");
  EXPECT_EQ(f["allergies"], "none");
  EXPECT_EQ(ParseGender("Femenino").value_or(""), "female");
  EXPECT_EQ(ParseGender("Masculino").value_or(""), "male");
  // Classified as what it is, with nothing in English on it.
  std::vector<Word> words;
  for (const auto& [text, x, y] : form) words.push_back(Word{text, Box{x, y, static_cast<int>(text.size()) * 18, 30}, 0.95f});
  EXPECT_EQ(Classify({BuildLayout(words, {}, 2000, 2600)}).kind, "intake");

  auto m = FieldsOf({{"Lista de medicamentos", 100, 40},
                     {"Medicamento", 100, 100}, {"Dosis", 600, 100}, {"Vía", 900, 100}, {"Frecuencia", 1300, 100},
                     {"Levothyroxine", 100, 150}, {"50 mcg", 600, 150}, {"por vía oral", 900, 150}, {"una vez al día", 1300, 150},
                     {"Albuterol", 100, 200}, {"90 mcg", 600, 200}, {"inhalada", 900, 200},
                     {"cada 4 horas si es necesario", 1300, 200},
                     {"Insulin glargine", 100, 250}, {"10 units", 600, 250}, {"subcutánea", 900, 250},
                     {"al acostarse", 1300, 250}},
                    "medication_list");
  EXPECT_EQ(m["medication.0.route"], "oral");
  EXPECT_EQ(m["medication.0.frequency"], "once daily");
  EXPECT_EQ(m["medication.1.route"], "inhalation");
  EXPECT_EQ(m["medication.1.frequency"], "every 4 hours as needed");
  EXPECT_EQ(m["medication.2.route"], "subcutaneous");
  EXPECT_EQ(m["medication.2.frequency"], "at bedtime");
}

TEST(CaptureLayoutTest, DelimitedRecordsAreTablesByCellPosition) {
  // Records of different lengths, one with a bar the reader took for a bracket: each cell is a
  // phrase, and cell k of every record starts at the same x.
  auto word = [](std::string text, int x, int y) {
    return Word{text, Box{x, y, static_cast<int>(text.size()) * 18, 30}, 0.9f};
  };
  std::vector<Word> words = {word("TEST|RESULT|UNITS|RANGE|FLAG", 100, 100),
                             word("GLUCOSE|148|mg/dL|70-99|H", 100, 150),
                             word("TSH|2.55|mIU/L|0.4-4.0]", 100, 200),
                             word("COLLECTED|2026-10-22", 100, 250)};
  Layout layout = BuildLayout(words, {}, 2000, 1000);
  ASSERT_EQ(layout.lines.size(), 4u);
  ASSERT_EQ(layout.lines[0].phrases.size(), 5u);
  ASSERT_EQ(layout.lines[1].phrases.size(), 5u);
  ASSERT_EQ(layout.lines[2].phrases.size(), 4u);
  EXPECT_EQ(layout.lines[2].phrases[3].text, "0.4-4.0");
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(layout.lines[1].phrases[k].box.x, layout.lines[0].phrases[k].box.x) << k;
    EXPECT_EQ(layout.lines[2].phrases[k].box.x, layout.lines[0].phrases[k].box.x) << k;
  }
  // ... but once the page holds records, a line with one bar is one too.
  ASSERT_EQ(layout.lines[3].phrases.size(), 2u);
  EXPECT_EQ(layout.lines[3].phrases[1].text, "2026-10-22");
  // Options between bars on a form are not records: "Sex: M" is not an answer.
  Layout options = BuildLayout({word("Sex: M | F | X", 100, 100), word("Marital: S | M | W", 100, 150),
                                word("Smoker: Y | N | Former", 100, 200)}, {}, 2000, 1000);
  EXPECT_EQ(options.lines[0].phrases.size(), 1u);
  // Text without records keeps its bars (a bar alone may be a misread letter).
  Layout plain = BuildLayout({word("Results|for", 100, 100), word("A|B", 100, 150)}, {}, 2000, 1000);
  EXPECT_EQ(plain.lines[0].phrases.size(), 1u);
  EXPECT_EQ(plain.lines[0].phrases[0].text, "Results|for");
}

TEST(CaptureExtractTest, ADelimitedLabExportAndItsHl7Name) {
  std::vector<Field> fields = ExtractSized({{"RESULTS EXPORT", 100, 40, 30},
                                            {"PATIENT|YAMADA^LINDA|DOB|2008-03-17", 100, 100, 30},
                                            {"COLLECTED|2026-10-22", 100, 150, 30},
                                            {"TEST|RESULT|UNITS|RANGE|FLAG", 100, 220, 30},
                                            {"GLUCOSE|148|mg/dL|70-99|H", 100, 270, 30},
                                            {"HEMOGLOBIN A1C|6.2|%|4.0-5.6|", 100, 320, 30},
                                            {"TSH|2.55|mIU/L|0.4-4.0}", 100, 370, 30}},
                                           "lab_report");
  auto f = ValuesOf(fields);
  EXPECT_EQ(f["name.family"], "Yamada");
  EXPECT_EQ(f["name.given"], "Linda");
  EXPECT_EQ(f["birthDate"], "2008-03-17");
  EXPECT_EQ(f["lab.collected"], "2026-10-22");
  EXPECT_EQ(f["lab.0.code"], "2345-7");
  EXPECT_EQ(f["lab.0.value"], "148");
  EXPECT_EQ(f["lab.0.unit"], "mg/dL");
  EXPECT_EQ(f["lab.0.range"], "70-99");
  EXPECT_EQ(f["lab.1.code"], "4548-4");
  EXPECT_EQ(f["lab.1.value"], "6.2");
  EXPECT_EQ(f["lab.1.unit"], "%");
  EXPECT_EQ(f["lab.2.code"], "3016-3");
  EXPECT_EQ(f["lab.2.range"], "0.4-4.0");
  ASSERT_TRUE(ByKey(fields).count("name.family"));
  EXPECT_TRUE(ByKey(fields)["name.family"]->checked);
  // The reader's quotation mark for the '^': read as the separator, for a person to confirm.
  std::vector<Field> g = ExtractSized({{"PATIENT|MORENO\xE2\x80\x98" "ETHAN|DOB|1953-05-10", 100, 100, 30},
                                       {"TEST|RESULT|UNITS|RANGE|FLAG", 100, 220, 30},
                                       {"GLUCOSE|148|mg/dL|70-99|H", 100, 270, 30}},
                                      "lab_report");
  auto by = ByKey(g);
  ASSERT_TRUE(by.count("name.family"));
  EXPECT_EQ(by["name.family"]->value, "Moreno");
  EXPECT_EQ(by["name.given"]->value, "Ethan");
  EXPECT_FALSE(by["name.family"]->checked);
  EXPECT_EQ(ParseDate("1951 -03-28").value_or(""), "1951-03-28");
}

TEST(CaptureExtractTest, ANameOnTwoLinesUnderItsLabelAndAGroupNumberSign) {
  std::vector<Field> fields = ExtractSized({{"Harborview Health", 40, 10, 36},
                                            {"MEMBER", 40, 80, 18}, {"SUBSCRIBER ID", 500, 80, 18},
                                            {"ELENA", 40, 110, 28}, {"W893173659", 500, 110, 28},
                                            {"MORENO", 40, 150, 28},
                                            {"Group# 742706", 500, 190, 24}},
                                           "insurance_card", {}, 1000, 630);
  auto by = ByKey(fields);
  ASSERT_TRUE(by.count("name.given"));
  EXPECT_EQ(by["name.given"]->value, "Elena");
  EXPECT_EQ(by["name.family"]->value, "Moreno");
  EXPECT_FALSE(by["name.given"]->checked);  // which line is which name, the label does not say
  EXPECT_EQ(by["coverage.memberId"]->value, "W893173659");
  ASSERT_TRUE(by.count("coverage.group"));
  EXPECT_EQ(by["coverage.group"]->value, "742706");
}

TEST(CaptureExtractTest, AnswersWrittenByHandAboveTheRuleAndAZipThatDoesNotFitTheState) {
  // The answers larger than the print and higher, each on a line of its own that overlaps its
  // label's; a single letter overlapping only the label's lower part.
  std::vector<Field> fields = ExtractSized({{"Last name:", 100, 100, 30}, {"Yamada", 500, 72, 50},
                                            {"First name:", 100, 200, 30}, {"Robert", 500, 172, 50},
                                            {"Sex (M/F):", 100, 300, 30}, {"X", 500, 276, 30},
                                            {"State:", 100, 400, 30}, {"AL", 500, 372, 50},
                                            {"ZIP:", 100, 500, 30}, {"85712", 500, 472, 50}},
                                           "intake");
  auto by = ByKey(fields);
  ASSERT_TRUE(by.count("name.family"));
  EXPECT_EQ(by["name.family"]->value, "Yamada");
  EXPECT_EQ(by["name.given"]->value, "Robert");
  ASSERT_TRUE(by.count("gender"));
  EXPECT_EQ(by["gender"]->value, "other");
  // 857 is Arizona's: "AL" beside it is a misreading of one or the other.
  ASSERT_TRUE(by.count("address.state"));
  EXPECT_EQ(by["address.state"]->value, "AL");
  EXPECT_FALSE(by["address.state"]->checked);
  EXPECT_FALSE(by["address.postalCode"]->checked);
  // A checkbox's printed option on the next line is not a written answer: the marked box's
  // option (unread here) would be, the unmarked one's "X" is not.
  for (int y : {118, 104}) {  // on a line of its own that overlaps the label's, and on the label's
    std::vector<Checkbox> boxes = {Checkbox{Box{480, y, 30, 30}, true, 0.5}, Checkbox{Box{600, y, 30, 30}, false, 0}};
    auto options = ValuesOf(ExtractSized({{"Sex", 100, 100, 30}, {"X", 640, y, 30}}, "intake", boxes));
    EXPECT_EQ(options.count("gender"), 0u) << y;
  }
  EXPECT_EQ(ZipFitsState("AZ", "85712"), std::optional<bool>(true));
  EXPECT_EQ(ZipFitsState("VT", "05401"), std::optional<bool>(true));
  EXPECT_EQ(ZipFitsState("AL", "85712"), std::optional<bool>(false));
  EXPECT_EQ(ZipFitsState("PR", "00901"), std::nullopt);
}

TEST(CaptureExtractTest, FactsStatedInTheSentencesOfALetterThePatientSigns) {
  std::vector<Field> fields = ExtractSized(
      {{"Patient registration and consent", 100, 40, 30},
       {"|, Omar Kowalski, born November 20, 1976, living at 2432 Sunset Ave,", 100, 100, 30},
       {"Savannah, GA 31417, ask Riverside Family Clinic to register me as a patient.", 100, 150, 30},
       {"You may call me at (614) 555-0190 or write to me at okowalski37@example.org.", 100, 200, 30},
       {"My health insurance is with Northwind Insurance (member number XQH09210522 7).", 100, 250, 30},
       {"I am allergic to Eggs, Latex and Penicillin.", 100, 300, 30}},
      "intake");
  auto f = ValuesOf(fields);
  EXPECT_EQ(f["name.given"], "Omar");
  EXPECT_EQ(f["name.family"], "Kowalski");
  EXPECT_EQ(f["birthDate"], "1976-11-20");
  EXPECT_EQ(f["address.line"], "2432 Sunset Ave");  // the sentence goes on across the line
  EXPECT_EQ(f["address.city"], "Savannah");
  EXPECT_EQ(f["address.state"], "GA");
  EXPECT_EQ(f["address.postalCode"], "31417");
  EXPECT_EQ(f["phone"], "6145550190");
  EXPECT_EQ(f["email"], "okowalski37@example.org");
  EXPECT_EQ(f["coverage.payer"], "Northwind Insurance");
  EXPECT_EQ(f["coverage.memberId"], "XQH092105227");  // a last digit the reader set apart
  EXPECT_EQ(f["allergy.0"], "Eggs");
  EXPECT_EQ(f["allergy.1"], "Latex");
  EXPECT_EQ(f["allergy.2"], "Penicillin");
  auto none = ValuesOf(ExtractSized({{"| have no known allergies.", 100, 100, 30}}, "intake"));
  EXPECT_EQ(none["allergies"], "none");
}

TEST(CaptureExtractTest, APharmacyCardsSlashedNameAndAPrescriptionHistorysSigLines) {
  std::vector<Field> card = ExtractSized({{"ID# EVM671319116", 40, 30, 26},
                                          {"OKAFOR/ELENA", 40, 80, 26},
                                          {"GRP# 803672", 40, 130, 22},
                                          {"Summit Care Alliance", 40, 420, 34},
                                          {"Member Services 1-800-555-0199", 40, 480, 18}},
                                         "insurance_card", {}, 1000, 630);
  auto c = ByKey(card);
  ASSERT_TRUE(c.count("name.family"));
  EXPECT_EQ(c["name.family"]->value, "Okafor");
  EXPECT_EQ(c["name.given"]->value, "Elena");
  ASSERT_TRUE(c.count("coverage.payer"));
  EXPECT_EQ(c["coverage.payer"]->value, "Summit Care Alliance");  // the issuer in a band at the bottom

  auto m = FieldsOf({{"Patient: BRENNAN, WEI", 100, 40},
                     {"INSULIN GLARGINE 10 UNITS INJ", 100, 100},
                     {"Sig: INJECT 10 UNITS SUBCUTANEOUSLY AT BEDTIME", 100, 150},
                     {"Qty 120   Refills 0   Last   filled 10/02/2026", 100, 200},
                     {"METFORMIN HCL 500 MG TAB", 100, 270},
                     {"Sig: TAKE 1 TABLET BY MOUTH TWICE DAILY", 100, 320}},
                    "medication_list");
  EXPECT_EQ(m["medication.0.name"], "Insulin glargine");
  EXPECT_EQ(m["medication.0.route"], "subcutaneous");
  EXPECT_EQ(m["medication.0.frequency"], "at bedtime");
  EXPECT_EQ(m["medication.1.name"], "Metformin");
  EXPECT_EQ(m["medication.1.frequency"], "twice daily");
  EXPECT_EQ(m.count("medication.2.name"), 0u);  // the Sig line is not a medicine
  EXPECT_EQ(m["name.family"], "Brennan");       // "Last filled 10/02/2026" is not a name
}

TEST(CaptureExtractTest, AReferenceIntervalOnTheLineUnderItsResultAndTimesOfDay) {
  auto lab = FieldsOf({{"Test", 100, 100}, {"Result", 700, 100}, {"Units", 1000, 100}, {"Flag", 1300, 100},
                       {"Glucose", 100, 150}, {"148", 700, 150}, {"mg/dL", 1000, 150}, {"HIGH", 1300, 150},
                       {"Reference interval: 70-99", 130, 190},
                       {"TSH", 100, 250}, {"2.80", 700, 250}, {"mIU/L", 1000, 250},
                       {"Reference interval: 0.4-4.0", 130, 290},
                       {"Result verified by repeat analysis.", 130, 330}},
                      "lab_report");
  EXPECT_EQ(lab["lab.0.range"], "70-99");
  EXPECT_EQ(lab["lab.1.range"], "0.4-4.0");

  auto m = FieldsOf({{"Kofi Sandoval", 100, 40}, {"Date of birth 02/13/1995", 600, 40},
                     {"Medicine", 100, 100}, {"Amount", 600, 100}, {"How", 900, 100}, {"When", 1300, 100},
                     {"Metformin", 100, 150}, {"500 mg", 600, 150}, {"by mouth", 900, 150}, {"8 am / 8 pm", 1300, 150},
                     {"Gabapentin", 100, 200}, {"300 mg", 600, 200}, {"by mouth", 900, 200},
                     {"8:00 AM, 2:00 PM, 8:00 PM", 1300, 200},
                     {"Atorvastatin", 100, 250}, {"20 mg", 600, 250}, {"by mouth", 900, 250}, {"bedtime (10 pm)", 1300, 250},
                     {"Albuterol", 100, 300}, {"90 mcg", 600, 300}, {"inhaled", 900, 300},
                     {"as needed, up to every 4 hours", 1300, 300}},
                    "medication_list");
  EXPECT_EQ(m["name.given"], "Kofi");  // a name in the column before the birth date
  EXPECT_EQ(m["name.family"], "Sandoval");
  EXPECT_EQ(m["medication.0.frequency"], "twice daily");
  EXPECT_EQ(m["medication.1.frequency"], "three times daily");
  EXPECT_EQ(m["medication.2.frequency"], "at bedtime");
  EXPECT_EQ(m["medication.3.frequency"], "every 4 hours as needed");
}

TEST(CaptureExtractTest, CaptionsInARowAboveTheirAnswersAndACardholdersCard) {
  // The row's last caption ("M.I.") read as "Ml": not the first name's answer.
  auto f = FieldsOf({{"LEGAL LAST NAME", 100, 100}, {"FIRST NAME", 900, 100}, {"Ml", 1500, 100},
                     {"Moreno", 110, 140}, {"Emily", 910, 140}},
                    "intake");
  EXPECT_EQ(f["name.family"], "Moreno");
  EXPECT_EQ(f["name.given"], "Emily");
  std::vector<Field> card = ExtractSized({{"Northwind Insurance", 40, 20, 34},
                                          {"Cardholder:", 130, 100, 22}, {"Imani Vasquez", 300, 100, 26},
                                          {"Identification #:", 40, 150, 22}, {"HV216012130", 300, 150, 26},
                                          {"Group No. 256408", 130, 200, 22}},
                                         "insurance_card", {}, 1000, 630);
  auto c = ValuesOf(card);
  EXPECT_EQ(c["name.given"], "Imani");
  EXPECT_EQ(c["name.family"], "Vasquez");
  EXPECT_EQ(c["coverage.memberId"], "HV216012130");
  EXPECT_EQ(c["coverage.group"], "256408");  // "No." restates the label, it is not the value
}

TEST(CaptureExtractTest, ATestNameWrappedOntoTheNextLineAndNamesAndUnitsSplitAtALetter) {
  auto lab = FieldsOf({{"Test", 100, 100}, {"Result", 700, 100}, {"Units", 1000, 100}, {"Reference", 1300, 100},
                       // "Hemoglobin" over "A1c" (read "Alc"): A1c, not hemoglobin.
                       {"Hemoglobin", 100, 150}, {"6.1H", 700, 150}, {"%", 1000, 150}, {"4.0-5.6", 1300, 150},
                       {"Alc", 100, 185},
                       // A name split in fixed-width type, a unit split the same way.
                       {"Hemog lobin", 100, 250}, {"13.9", 700, 250}, {"g/dL", 1000, 250}, {"12.0-17.5", 1300, 250},
                       {"Potassium", 100, 310}, {"3.9", 700, 310}, {"mmo L/L", 1000, 310}, {"3.5-5.1", 1300, 310},
                       // A word under a name that does not make it another test stays out of it.
                       {"Glucose", 100, 370}, {"95", 700, 370}, {"mg/dL", 1000, 370}, {"70-99", 1300, 370},
                       {"fasting", 100, 405}},
                      "lab_report");
  EXPECT_EQ(lab["lab.0.code"], "4548-4");
  EXPECT_EQ(lab["lab.0.value"], "6.1");
  EXPECT_EQ(lab["lab.0.unit"], "%");
  EXPECT_EQ(lab["lab.1.code"], "718-7");
  EXPECT_EQ(lab["lab.1.value"], "13.9");
  EXPECT_EQ(lab["lab.2.code"], "2823-3");
  EXPECT_EQ(lab["lab.2.unit"], "mmol/L");
  EXPECT_EQ(lab["lab.3.code"], "2345-7");
  EXPECT_EQ(lab["lab.3.value"], "95");
  EXPECT_FALSE(lab.contains("lab.4.code"));
}

TEST(CaptureExtractTest, DirectionsInPlainWordsAndADashBeforeTheNextLabel) {
  auto m = FieldsOf({{"Name: Carlos Thornbury \xE2\x80\x94 Birth date: 04/28/1977", 100, 40},
                     {"1) Levothyroxine 50 mcg tablet", 100, 120}, {"Take by mouth every day.", 130, 160},
                     {"2) Losartan 25 mg tablet", 100, 220}, {"Take by mouth two times a day.", 130, 260},
                     {"3) Albuterol 90 mcg inhaler", 100, 320}, {"Take inhaled every 4 hours if needed.", 130, 360}},
                    "medication_list");
  EXPECT_EQ(m["name.given"], "Carlos");
  EXPECT_EQ(m["name.family"], "Thornbury");
  EXPECT_EQ(m["medication.0.frequency"], "once daily");
  EXPECT_EQ(m["medication.1.frequency"], "twice daily");
  EXPECT_EQ(m["medication.2.frequency"], "every 4 hours as needed");
}

TEST(CaptureExtractTest, AFaceSheetsAbbreviatedLabels) {
  auto f = FieldsOf({{"PATIENT NAME: OYELARAN, CHLOE", 100, 100}, {"MRN: 00470406", 1000, 100},
                     {"ADDR: 9079 BIRCH ROAD, DENVER, CO 80241-7204", 100, 160},
                     {"HOME PH: 608-555-0195", 100, 220}, {"EMAIL: COYELARAN60@EXAMPLE.ORG", 700, 220},
                     {"PRIMARY INS: NORTHWIND INSURANCE", 100, 280}, {"SUBSCRIBER #: XQH152570773", 1000, 280}},
                    "intake");
  EXPECT_EQ(Lower(f["address.line"]), "9079 birch road");  // kept in the capitals printed
  EXPECT_EQ(Lower(f["address.city"]), "denver");
  EXPECT_EQ(f["address.state"], "CO");
  EXPECT_EQ(f["address.postalCode"], "80241-7204");
  EXPECT_EQ(f["phone"], "6085550195");
  EXPECT_EQ(Lower(f["coverage.payer"]), "northwind insurance");
  EXPECT_EQ(f["coverage.memberId"], "XQH152570773");
  EXPECT_FALSE(f.contains("coverage.group"));  // the record number is not the plan's
}

TEST(CaptureExtractTest, TheNewColumnOfAChangeOfDetailsForm) {
  auto f = FieldsOf({{"Last name:", 100, 100}, {"Lindqvist", 500, 100},
                     {"First name:", 100, 150}, {"Emily", 500, 150},
                     {"Previous", 500, 250}, {"New", 1000, 250},
                     {"Street address", 100, 300}, {"77 Old Mill Road", 500, 300}, {"8787 Orchard Place", 1000, 300},
                     {"City", 100, 350}, {"Greenville", 500, 350}, {"Boise", 1000, 350},
                     {"State", 100, 400}, {"SC", 500, 400}, {"ID", 1000, 400},
                     {"ZIP", 100, 450}, {"29601", 500, 450}, {"83701", 1000, 450},
                     {"Phone", 100, 500}, {"919-555-9157", 500, 500}, {"919-555-0157", 1000, 500},
                     {"Email:", 100, 580}, {"elindqvist70@example.org", 500, 580}},
                    "intake");
  EXPECT_EQ(f["address.line"], "8787 Orchard Place");
  EXPECT_EQ(f["address.city"], "Boise");
  EXPECT_EQ(f["address.state"], "ID");
  EXPECT_EQ(f["address.postalCode"], "83701");
  EXPECT_EQ(f["phone"], "9195550157");
  EXPECT_EQ(f["email"], "elindqvist70@example.org");  // a value under "Previous" after the table
  EXPECT_FALSE(f.contains("coverage.memberId"));  // Idaho on the state's row is not a label
}

TEST(CaptureExtractTest, CaptionsWithSpecksAboveThemAndMarksFromABandsEdge) {
  // A band's edge read as "1" just above a row of captions: the captions' answers are under
  // them, not the issuer's name above; "‘Mateo" is Mateo.
  std::vector<Field> card = ExtractSized({{"Acme Health Plan", 28, 23, 34}, {"1", 471, 98, 20},
                                          {"EMBER NAME", 57, 108, 20}, {"| MEMBER IC", 504, 108, 20},
                                          {"Carlos Iverson", 33, 142, 30}, {"NW1633734874", 518, 142, 30},
                                          {"GROUP", 31, 229, 20}, {"RXBIN", 400, 229, 20}, {"RXPCN", 689, 229, 20},
                                          {"G55122", 29, 275, 30}, {"702852", 402, 275, 30}, {"SCA", 689, 275, 30}},
                                         "insurance_card", {}, 1013, 638);
  auto c = ValuesOf(card);
  EXPECT_EQ(c["name.given"], "Carlos");
  EXPECT_EQ(c["name.family"], "Iverson");
  EXPECT_EQ(c["coverage.group"], "G55122");
  auto f = FieldsOf({{"Name:", 100, 100}, {"\xE2\x80\x98Mateo Nakamura", 300, 100}, {"Member ID:", 100, 160}, {"|HV355677003", 400, 160}},
                    "insurance_card");
  EXPECT_EQ(f["name.given"], "Mateo");
  EXPECT_EQ(f["coverage.memberId"], "HV355677003");
  // Labels and values row under row: the value is beside its label, not the next row's label
  // under it (however large it reads: "Dependent code" has a descender).
  std::vector<Field> rows = ExtractSized({{"Bluewater Health", 50, 49, 34},
                                          {"Member", 50, 192, 26}, {"Daniel Galloway", 383, 192, 26},
                                          {"Member ID", 50, 238, 26}, {"HV977823362", 383, 238, 26},
                                          {"Dependent code", 50, 283, 33}, {"00", 384, 283, 26},
                                          {"Group", 51, 331, 26}, {"169114", 387, 331, 26},
                                          {"Plan type", 51, 376, 33}, {"PPO", 383, 376, 26}},
                                         "insurance_card", {}, 1013, 638);
  auto r = ValuesOf(rows);
  EXPECT_EQ(r["coverage.memberId"], "HV977823362");
  EXPECT_EQ(r["coverage.group"], "169114");
}

TEST(CaptureExtractTest, ALabReportInSpanishAndAResultThatLostItsPoint) {
  std::vector<Field> fields = ExtractSized(
      {{"Prueba", 100, 100, 30}, {"Resultado", 700, 100, 30}, {"Unidades", 1000, 100, 30},
       {"Valores de referencia", 1300, 100, 30},
       {"Hemoglobina Alc", 100, 150, 30}, {"5.0", 700, 150, 30}, {"%", 1000, 150, 30}, {"4.0-5.6", 1300, 150, 30},
       {"Hemoglobina", 100, 200, 30}, {"17.6A", 700, 200, 30}, {"g/dL", 1000, 200, 30}, {"12.0-17.5", 1300, 200, 30},
       {"Trigliceridos", 100, 250, 30}, {"131", 700, 250, 30}, {"mg/dL", 1000, 250, 30}, {"<150", 1300, 250, 30},
       {"Leucocitos", 100, 300, 30}, {"79", 700, 300, 30}, {"K/uL", 1000, 300, 30}, {"4.0-11.0", 1300, 300, 30}},
      "lab_report");
  auto f = ByKey(fields);
  ASSERT_TRUE(f.contains("lab.3.value"));
  EXPECT_EQ(f["lab.0.code"]->value, "4548-4");
  EXPECT_EQ(f["lab.1.code"]->value, "718-7");
  EXPECT_EQ(f["lab.1.value"]->value, "17.6");  // its flag A (alto) is not part of it
  EXPECT_EQ(f["lab.2.code"]->value, "2571-8");
  EXPECT_EQ(f["lab.3.code"]->value, "6690-2");
  EXPECT_EQ(f["lab.3.value"]->value, "79");
  EXPECT_FALSE(f["lab.3.value"]->checked);  // "79" against 4.0-11.0: a person says whether it is 7.9
  EXPECT_TRUE(f["lab.1.value"]->checked);
}

TEST(CaptureExtractTest, MedicinesUnderAStopHeadingAreNotTheList) {
  auto m = FieldsOf({{"Discharge medication instructions", 100, 40},
                     {"CONTINUE taking these medicines", 100, 120},
                     {"Atorvastatin 20 mg tablet", 130, 170}, {"Take by mouth at bedtime", 160, 210},
                     {"START taking these medicines", 100, 280},
                     {"Levothyroxine 50 mcg tablet", 130, 330}, {"Take by mouth once daily", 160, 370},
                     {"STOP taking these medicines", 100, 440},
                     {"Warfarin 5 mg tablet", 130, 490}, {"Do not take any more", 160, 530},
                     {"Sertraline 50 mg tablet", 130, 580}, {"Do not take any more", 160, 620}},
                    "medication_list");
  EXPECT_EQ(m["medication.0.name"], "Atorvastatin");
  EXPECT_EQ(m["medication.1.name"], "Levothyroxine");
  EXPECT_FALSE(m.contains("medication.2.name"));
  // A medicine's own instruction that says "do not take" or "stop" is no heading.
  auto n = FieldsOf({{"Current medicines", 100, 40},
                     {"Levothyroxine 50 mcg tablet", 130, 100}, {"Do not take with food", 160, 140},
                     {"Amlodipine 5 mg tablet", 130, 200}, {"Stop taking if you feel dizzy", 160, 240},
                     {"Metformin 500 mg tablet", 130, 300}},
                    "medication_list");
  EXPECT_EQ(n["medication.1.name"], "Amlodipine");
  EXPECT_EQ(n["medication.2.name"], "Metformin");
}

TEST(CaptureExtractTest, ACumulativeReportsNewestDatedColumnIsTheResult) {
  // Oldest first: the newest date's column is this report's result.
  auto a = FieldsOf({{"Test", 100, 100}, {"06/01/2025", 500, 100}, {"09/01/2025", 800, 100}, {"Units", 1100, 100},
                     {"Ref. range", 1400, 100},
                     {"Glucose", 100, 150}, {"88", 500, 150}, {"95", 800, 150}, {"mg/dL", 1100, 150}, {"70-99", 1400, 150},
                     {"Potassium", 100, 200}, {"3.7", 500, 200}, {"4.0", 800, 200}, {"mmol/L", 1100, 200},
                     {"3.5-5.1", 1400, 200}},
                    "lab_report");
  EXPECT_EQ(a["lab.0.value"], "95");
  EXPECT_EQ(a["lab.1.value"], "4.0");
  EXPECT_EQ(a["lab.1.unit"], "mmol/L");
  EXPECT_EQ(a["lab.1.range"], "3.5-5.1");
  // Newest first, two earlier columns: units and range stay in the one table.
  auto b = FieldsOf({{"Test", 100, 100}, {"09/09/2024", 500, 100}, {"09/09/2023", 750, 100}, {"09/09/2022", 1000, 100},
                     {"Units", 1250, 100}, {"Range", 1500, 100},
                     {"WBC", 100, 150}, {"5.5", 500, 150}, {"5.0", 750, 150}, {"5.8", 1000, 150}, {"K/uL", 1250, 150},
                     {"4.0-11.0", 1500, 150}},
                    "lab_report");
  EXPECT_EQ(b["lab.0.value"], "5.5");
  EXPECT_EQ(b["lab.0.unit"], "10*3/uL");
  EXPECT_EQ(b["lab.0.range"], "4.0-11.0");
  auto f = FieldsOf({{"Allergies:", 100, 100}, {"None on file", 400, 100}}, "intake");
  EXPECT_EQ(f["allergies"], "none");
}

TEST(CaptureExtractTest, AnEmergencyContactsDetailsAreNotThePatients) {
  auto f = FieldsOf({{"EMERGENCY CONTACT", 100, 100},
                     {"Name:", 100, 150}, {"Jordan Oyelaran", 500, 150},
                     {"Phone:", 100, 200}, {"(802) 555-0177", 500, 200},
                     {"Address:", 100, 250}, {"412 Harbor Lane, Portland, ME 04101", 500, 250},
                     {"PATIENT INFORMATION", 100, 330},
                     {"Last name:", 100, 380}, {"Oyelaran", 500, 380}, {"First name:", 100, 430}, {"James", 500, 430},
                     {"Address:", 100, 480}, {"2932 Willow Court", 500, 480},
                     {"Phone:", 100, 530}, {"(802) 555-0181", 500, 530}},
                    "intake");
  EXPECT_EQ(f["address.line"], "2932 Willow Court");
  EXPECT_EQ(f["phone"], "8025550181");
  EXPECT_EQ(f["name.given"], "James");
}

TEST(CaptureExtractTest, AStateProgramsRecipientAndResultsWithFootnoteMarks) {
  std::vector<Field> card = ExtractSized({{"Evergreen Mutual", 52, 58, 34}, {"Medical Assistance Program", 52, 116, 26},
                                          {"Recipient Name", 51, 215, 22}, {"CARLOS SANDOVAL", 51, 245, 30},
                                          {"Recipient ID", 51, 332, 22}, {"Issue Date", 585, 332, 22},
                                          {"XQH454167323", 52, 362, 30}, {"02/24/2026", 585, 362, 30},
                                          {"Card Control # 679557692", 50, 455, 22}},
                                         "insurance_card", {}, 1013, 638);
  auto c = ValuesOf(card);
  EXPECT_EQ(c["name.given"], "Carlos");
  EXPECT_EQ(c["name.family"], "Sandoval");
  EXPECT_EQ(c["coverage.memberId"], "XQH454167323");
  // A program's name is no member's name, when no label names one.
  std::vector<Field> unlabelled = ExtractSized({{"Evergreen Mutual", 52, 58, 34}, {"Medical Assistance Program", 52, 116, 26},
                                                {"ID 4471002", 52, 200, 26}},
                                               "insurance_card", {}, 1013, 638);
  EXPECT_FALSE(ValuesOf(unlabelled).contains("name.family"));

  std::vector<Field> lab = ExtractSized(
      {{"Test", 100, 100, 30}, {"Result", 700, 100, 30}, {"Units", 1000, 100, 30}, {"Reference range", 1300, 100, 30},
       {"WBC", 100, 150, 30}, {"5.1*", 700, 150, 30}, {"K/uL", 1000, 150, 30}, {"4.0-11.0", 1300, 150, 30},
       {"Sodium", 100, 200, 30}, {"146T", 700, 200, 30}, {"mmol/L", 1000, 200, 30}, {"136-145", 1300, 200, 30},
       {"Platelets", 100, 250, 30}, {"232+", 700, 250, 30}, {"K/uL", 1000, 250, 30}, {"150-400", 1300, 250, 30}},
      "lab_report");
  auto l = ByKey(lab);
  ASSERT_TRUE(l.contains("lab.2.value"));
  EXPECT_EQ(l["lab.0.value"]->value, "5.1");
  EXPECT_TRUE(l["lab.0.value"]->checked);
  EXPECT_EQ(l["lab.1.value"]->value, "146");
  EXPECT_FALSE(l["lab.1.value"]->checked);  // "T" may be a misread mark, or more of the number
  EXPECT_EQ(l["lab.2.value"]->value, "232");
  EXPECT_FALSE(l["lab.2.value"]->checked);
}

TEST(CaptureExtractTest, LabelsAbbreviatedWithDotsAndTheBackOfACard) {
  auto f = FieldsOf({{"Surname", 100, 100}, {"Vasquez", 500, 100}, {"Given name", 100, 150}, {"Tobias", 500, 150},
                     {"Res. addr.", 100, 200}, {"4505 Harbor Way", 500, 200},
                     {"Tel. No.", 100, 250}, {"(217) 555-0199", 500, 250},
                     {"E-mail addr.", 100, 300}, {"tvasquez18@example.org", 500, 300},
                     {"Ins. Co.", 100, 350}, {"Northwind Insurance", 500, 350},
                     {"Pol. No.", 100, 400}, {"XQH344179085", 500, 400}},
                    "intake");
  EXPECT_EQ(f["address.line"], "4505 Harbor Way");
  EXPECT_EQ(f["phone"], "2175550199");
  EXPECT_EQ(f["email"], "tvasquez18@example.org");
  EXPECT_EQ(f["coverage.payer"], "Northwind Insurance");
  EXPECT_EQ(f["coverage.memberId"], "XQH344179085");
  // A card's back: the payer is where claims are sent; "Pharmacist use" is nobody's name.
  std::vector<Field> back = ExtractSized({{"Pharmacist use", 50, 50, 26}, {"RxBIN 647008", 50, 100, 30},
                                          {"RxPCN ADV", 50, 145, 30}, {"RxGrp G12345", 50, 190, 30},
                                          {"Member services: 1-800-555-0142", 50, 275, 24},
                                          {"Send medical claims to:", 50, 325, 24}, {"Acme Health Plan", 50, 365, 26},
                                          {"PO Box 30555, Salt Lake City, UT 84130-0555", 50, 405, 24}},
                                         "insurance_card", {}, 1013, 638);
  auto b = ValuesOf(back);
  EXPECT_EQ(b["coverage.payer"], "Acme Health Plan");
  EXPECT_EQ(b["coverage.rxbin"], "647008");
  EXPECT_FALSE(b.contains("name.family"));
}

TEST(CaptureLayoutTest, ASpaceBesidePunctuationInAMonospacedFontStaysInThePhrase) {
  // Monospaced, 30 px text: the blank halves of the cells of "." and ")" make the space after
  // them show as 44 px of paper, more than the 39 px (1.3 text heights) of an ordinary space;
  // the next field starts far further away.
  auto word = [](std::string text, int x, int w) { return Word{std::move(text), Box{x, 100, w, 30}, 0.9f}; };
  std::vector<Word> words = {word("Priya", 100, 88), word("J.", 208, 22), word("Brennan", 274, 124),
                             word("(912)", 600, 82), word("555-0177", 726, 142), word("Phone", 1000, 88)};
  Layout layout = BuildLayout(words, {}, 2000, 1000);
  ASSERT_EQ(layout.lines.size(), 1u);
  ASSERT_EQ(layout.lines[0].phrases.size(), 3u);
  EXPECT_EQ(layout.lines[0].phrases[0].text, "Priya J. Brennan");
  EXPECT_EQ(layout.lines[0].phrases[1].text, "(912) 555-0177");
}

// ---- hostile and broken files ----

uint32_t Crc(std::string_view type_and_data) {
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(type_and_data.data()),
                                     static_cast<uInt>(type_and_data.size())));
}

void Be32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}

// A PNG whose header claims width x height and whose pixel data is a few bytes.
std::string PngClaiming(uint32_t width, uint32_t height) {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr = "IHDR";
  Be32(ihdr, width);
  Be32(ihdr, height);
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit grey
  Be32(png, 13);
  png += ihdr;
  Be32(png, Crc(ihdr));
  std::string idat = "IDAT" + std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
  Be32(png, 8);
  png += idat;
  Be32(png, Crc(idat));
  Be32(png, 0);
  png += "IEND";
  Be32(png, Crc("IEND"));
  return png;
}

std::string IssueCode(const Error& e) { return e.issues.empty() ? "" : e.issues.front().code; }

TEST(CaptureDecodeTest, EmptyAndUnknownFilesAreRefused) {
  auto empty = Decode("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Code::kInvalid);
  auto text = Decode("name,birthdate\nJane,1990-01-01\n");
  ASSERT_FALSE(text);
  EXPECT_EQ(IssueCode(text.error()), "not-supported");
}

TEST(CaptureDecodeTest, HugeImageIsRefusedFromItsHeaderWithoutDecoding) {
  auto start = std::chrono::steady_clock::now();
  auto r = Decode(PngClaiming(20000, 20000));
  ASSERT_FALSE(r);
  EXPECT_EQ(IssueCode(r.error()), "too-costly");
  EXPECT_NE(r.error().message.find("20000x20000"), std::string::npos) << r.error().message;
  // Not a timing assertion on the pipeline: 400 megapixels would take seconds and gigabytes
  // to decode; a refusal from the header is immediate.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(CaptureDecodeTest, TinyImageIsTooSmallToRead) {
  auto r = Decode(PngClaiming(120, 80));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("too small"), std::string::npos) << r.error().message;
}

TEST(CaptureDecodeTest, TruncatedFilesNeverCrash) {
  sc::Sample png = sc::Generate({"card-a", sc::Degradation::kClean, sc::Format::kPng, 6});
  sc::Sample jpeg = sc::Generate({"card-a", sc::Degradation::kJpeg, sc::Format::kJpeg, 3});
  sc::Sample pdf = sc::Generate({"card-a", sc::Degradation::kClean, sc::Format::kPdfText, 3});
  for (const sc::Sample* s : {&png, &jpeg, &pdf}) {
    for (size_t keep : {size_t{16}, s->bytes.size() / 3, s->bytes.size() / 2, s->bytes.size() - 7}) {
      auto r = Decode(std::string_view(s->bytes).substr(0, keep));
      // Either a clear refusal or whatever pixels survived; never a crash.
      if (!r) {
        EXPECT_EQ(r.error().code, Code::kInvalid) << s->media_type << " cut at " << keep;
      }
    }
  }
}

TEST(CaptureDecodeTest, PdfPageTooLargeToRenderIsRefused) {
  // A valid one-page PDF whose page is 200 x 200 inches.
  std::string pdf =
      "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
      "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
      "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 14000 14000]>>endobj\n"
      "trailer<</Root 1 0 R>>\n%%EOF\n";
  auto r = Decode(pdf);
  ASSERT_FALSE(r);
  EXPECT_TRUE(IssueCode(r.error()) == "too-costly" || IssueCode(r.error()) == "invalid") << r.error().message;
}

TEST(CaptureDecodeTest, PdfPagesAreCountedFromTheBytesWithoutParsing) {
  auto pdf = [](int pages) {
    std::string out = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type /Pages/Kids[";
    for (int i = 0; i < pages; ++i) out += std::to_string(3 + i) + " 0 R ";
    out += "]/Count " + std::to_string(pages) + ">>endobj\n";
    for (int i = 0; i < pages; ++i)
      out += std::to_string(3 + i) + " 0 obj<</Type /Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n";
    return out + "trailer<</Root 1 0 R>>\n%%EOF\n";
  };
  EXPECT_EQ(PageCount(pdf(1)), 1);
  EXPECT_EQ(PageCount(pdf(7)), 7);
  // Page objects packed in a compressed object stream: the page tree's count, when written out.
  EXPECT_EQ(PageCount("%PDF-1.5\n2 0 obj<</Type/Pages/Kids[4 0 R 5 0 R 6 0 R 7 0 R 8 0 R]/Count 5>>endobj\n"
                      "9 0 obj<</Type/ObjStm/N 5/First 30/Filter/FlateDecode/Length 3>>stream\nxyz\nendstream\n%%EOF"),
            5);
  // Nothing to go by: one page; a name that only starts with "/Page" is not a page.
  EXPECT_EQ(PageCount("%PDF-1.7\n1 0 obj<</Type/PageLabel>>endobj\n%%EOF"), 1);
  EXPECT_EQ(PageCount(std::string("%PDF-") + std::string(1000, '\0')), 1);
  // A real PDF from the corpus.
  sc::Sample one = sc::Generate({"referral-letter", sc::Degradation::kClean, sc::Format::kPdfText, 5});
  EXPECT_EQ(PageCount(one.bytes), 1);
}

TEST(CaptureDecodeTest, PageLimitIsEnforced) {
  sc::Sample pdf = sc::Generate({"referral-letter", sc::Degradation::kClean, sc::Format::kPdfText, 5});
  DecodeLimits limits;
  limits.max_pages = 0;
  auto r = Decode(pdf.bytes, limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(IssueCode(r.error()), "too-costly");
  auto ok = Decode(pdf.bytes);
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_FALSE(ok->front().text_layer.empty()) << "a born-digital PDF's own text is used";
}


// A one-page PDF whose page draws a `side` x `side` grey image of zeros, deflated: a few MB of
// file that decompress to side^2 bytes when the page is drawn.
std::string PdfBomb(int side) {
  std::string image;
  z_stream z{};
  deflateInit(&z, 9);
  std::string zeros(1 << 20, '\0');
  std::string chunk(1 << 16, '\0');
  int64_t left = static_cast<int64_t>(side) * side;
  while (left > 0) {
    size_t n = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(zeros.size())));
    left -= static_cast<int64_t>(n);
    z.next_in = reinterpret_cast<Bytef*>(zeros.data());
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = reinterpret_cast<Bytef*>(chunk.data());
      z.avail_out = static_cast<uInt>(chunk.size());
      deflate(&z, left > 0 ? Z_NO_FLUSH : Z_FINISH);
      image.append(chunk.data(), chunk.size() - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  std::string content = "q 612 0 0 792 0 0 cm /Im1 Do Q";
  std::string pdf = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Resources<</XObject<</Im1 5 0 R>>>>"
                    "/Contents 4 0 R>>endobj\n";
  pdf += "4 0 obj<</Length " + std::to_string(content.size()) + ">>stream\n" + content + "\nendstream endobj\n";
  pdf += "5 0 obj<</Type/XObject/Subtype/Image/Width " + std::to_string(side) + "/Height " + std::to_string(side) +
         "/ColorSpace/DeviceGray/BitsPerComponent 8/Filter/FlateDecode/Length " + std::to_string(image.size()) +
         ">>stream\n" + image + "\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
  return pdf;
}

TEST(CaptureDecodeTest, PdfBombIsStoppedInTheSandbox) {
  std::string bomb = PdfBomb(60000);  // 3.6 GB of pixels in a few MB of file
  ASSERT_LT(bomb.size(), 20u << 20);
  DecodeLimits limits;
  limits.pdf_sandbox = SALUS_BINARY;
  limits.sandbox_seconds = 3;
  auto start = std::chrono::steady_clock::now();
  auto r = Decode(bomb, limits);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r) << "the bomb was rendered";
  EXPECT_EQ(IssueCode(r.error()), "too-costly") << r.error().message;
  // The deadline is what stopped it (not a bound on how fast things run).
  EXPECT_LT(took, std::chrono::seconds(30));
}

TEST(CaptureDecodeTest, SandboxGivesTheSamePagesAsInProcess) {
  sc::Sample s = sc::Generate({"referral-letter", sc::Degradation::kClean, sc::Format::kPdfText, 5});
  DecodeLimits isolated;
  isolated.pdf_sandbox = SALUS_BINARY;
  auto a = Decode(s.bytes);
  auto b = Decode(s.bytes, isolated);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(a->size(), b->size());
  EXPECT_EQ((*a)[0].width, (*b)[0].width);
  EXPECT_EQ((*a)[0].height, (*b)[0].height);
  ASSERT_EQ((*a)[0].text_layer.size(), (*b)[0].text_layer.size());
  for (size_t i = 0; i < (*a)[0].text_layer.size(); ++i) {
    EXPECT_EQ((*a)[0].text_layer[i].text, (*b)[0].text_layer[i].text);
    EXPECT_EQ((*a)[0].text_layer[i].box.x, (*b)[0].text_layer[i].box.x);
  }
  // The rendered page too: the same pixels either way.
  ASSERT_TRUE((*b)[0].image);
  l_int32 same = 0;
  ASSERT_EQ(pixEqual((*a)[0].image.pix(), (*b)[0].image.pix(), &same), 0);
  EXPECT_EQ(same, 1);
  // A damaged PDF is refused the same way.
  auto broken = Decode(std::string_view(s.bytes).substr(0, 40), isolated);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, Code::kInvalid);
}

// A clean intake form, then defocused far past reading (a 19 x 19 box blur at 300 dpi).
std::string BlurredIntakeForm() {
  sc::Sample s = sc::Generate({"intake-left", sc::Degradation::kClean, sc::Format::kPng, 6});
  Pix* pix = pixReadMem(reinterpret_cast<const l_uint8*>(s.bytes.data()), s.bytes.size());
  Pix* blurred = pix ? pixBlockconv(pix, 9, 9) : nullptr;
  l_uint8* data = nullptr;
  size_t size = 0;
  std::string png;
  if (blurred && pixWriteMemPng(&data, &size, blurred, 0) == 0) png.assign(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  pixDestroy(&pix);
  pixDestroy(&blurred);
  return png;
}

// ---- the pipeline ----

class CapturePipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto e = OcrEngine::Create(FindTessdata());
    ASSERT_TRUE(e) << e.error().message;
    engine_ = std::move(*e);
  }
  static void TearDownTestSuite() { engine_.reset(); }

  static CaptureResult Run(const sc::Sample& s) {
    CaptureOptions o;
    o.today = "2026-11-28";
    auto r = Capture(s.bytes, *engine_, o);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : CaptureResult{};
  }
  static std::map<std::string, std::string> Values(const CaptureResult& r) {
    std::map<std::string, std::string> out;
    for (const Field& f : r.fields) out[f.key] = f.value;
    return out;
  }
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  static inline std::unique_ptr<OcrEngine> engine_;
};

TEST_F(CapturePipelineTest, CleanIntakeFormReadsIdentityAndContact) {
  sc::Sample s = sc::Generate({"intake-boxes", sc::Degradation::kClean, sc::Format::kPng, 6});
  CaptureResult r = Run(s);
  EXPECT_EQ(r.classification.kind, "intake");
  auto got = Values(r);
  for (const char* key : {"name.family", "name.given", "birthDate", "address.state", "phone"})
    EXPECT_EQ(Lower(got[key]), Lower(s.truth.fields.at(key))) << key;
  for (const Field& f : r.fields) {
    EXPECT_GE(f.confidence, 0.0);
    EXPECT_LE(f.confidence, 1.0);
  }
}

TEST_F(CapturePipelineTest, DottedLeadersAreNotTakenForTinyText) {
  // Rows of leader dots outnumber the letters; the page must still be read, not refused as
  // text too small to read.
  sc::Sample s = sc::Generate({"lab-leaders", sc::Degradation::kClean, sc::Format::kPng, 3});
  CaptureResult r = Run(s);
  EXPECT_FALSE(r.unreadable) << s.truth.font << ": " << (r.pages.empty() ? std::string() : r.pages[0].problem.value_or(""));
  EXPECT_EQ(r.classification.kind, "lab_report");
  auto got = Values(r);
  EXPECT_EQ(got["lab.0.code"], s.truth.fields.at("lab.0.code"));
  EXPECT_EQ(got["lab.0.value"], s.truth.fields.at("lab.0.value"));
}

TEST_F(CapturePipelineTest, WhiteTextOnADarkBandIsRead) {
  // The issuer's name printed white on a dark band across the top of a card.
  sc::Sample s = sc::Generate({"card-u", sc::Degradation::kClean, sc::Format::kPng, 4});
  CaptureResult r = Run(s);
  EXPECT_EQ(r.classification.kind, "insurance_card");
  auto got = Values(r);
  EXPECT_EQ(got["coverage.payer"], s.truth.fields.at("coverage.payer")) << s.truth.font;
  EXPECT_EQ(got["coverage.memberId"], s.truth.fields.at("coverage.memberId")) << s.truth.font;
}

TEST_F(CapturePipelineTest, AnUpsideDownPageOfCapitalsIsTurnedNotRefused) {
  // A sparse page of bold capitals upside down: on its inkiest region the reader reads the page
  // as it stands well enough (S, O, N, H, X, Z look alike either way up), yet the page reads as
  // noise; it must be tried the other ways up before being refused.
  sc::SampleSpec spec = sc::Mix(sc::Split::kFresh22, 40, 30).at(27);  // as the benchmark draws it
  ASSERT_EQ(spec.layout, "meds-pharmacy-history");
  ASSERT_EQ(spec.degradation, sc::Degradation::kRotated);
  sc::Sample s = sc::Generate(spec);
  CaptureResult r = Run(s);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_FALSE(r.unreadable) << s.truth.font << ": " << r.pages[0].problem.value_or("");
  EXPECT_EQ(r.classification.kind, "medication_list");
  auto got = Values(r);
  EXPECT_EQ(got["medication.0.name"], s.truth.fields.at("medication.0.name")) << s.truth.font;
  EXPECT_EQ(s.truth.font, "URW Bookman");
}

TEST_F(CapturePipelineTest, APortraitCardInItsFrameIsReadTheRightWayUp) {
  // A card printed upright, a frame round it: the inkiest window of the page, cut across the
  // frame, reads as noise every way up; the card is judged whole.
  sc::SampleSpec spec = sc::Mix(sc::Split::kFresh24, 40, 32).at(9);  // as the benchmark draws it
  ASSERT_EQ(spec.layout, "card-z");
  ASSERT_EQ(spec.degradation, sc::Degradation::kSkew);
  sc::Sample s = sc::Generate(spec);
  CaptureResult r = Run(s);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_FALSE(r.unreadable) << s.truth.font << ": " << r.pages[0].problem.value_or("");
  EXPECT_EQ(r.classification.kind, "insurance_card");
  EXPECT_EQ(r.pages[0].rotation, 0);
  auto got = Values(r);
  EXPECT_EQ(got["coverage.memberId"], s.truth.fields.at("coverage.memberId"));
}

TEST_F(CapturePipelineTest, WhiteCaptionsOnGreyBandsOfASkewedCardAreRead) {
  // Captions white on mid-grey bands, the card photographed askew: the bands are found on the
  // card straightened and their captions made dark on white.
  sc::SampleSpec spec = sc::Mix(sc::Split::kFresh25, 40, 33).at(9);  // as the benchmark draws it
  ASSERT_EQ(spec.layout, "card-aa");
  ASSERT_EQ(spec.degradation, sc::Degradation::kSkew);
  sc::Sample s = sc::Generate(spec);
  CaptureResult r = Run(s);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_EQ(r.classification.kind, "insurance_card");
  auto got = Values(r);
  for (const char* key : {"name.family", "name.given", "coverage.memberId", "coverage.group", "coverage.rxbin"})
    EXPECT_EQ(got[key], s.truth.fields.at(key)) << key << " " << s.truth.font;
}

TEST_F(CapturePipelineTest, RotatedAndSkewedPagesAreStraightened) {
  sc::Sample s = sc::Generate({"lab-ruled", sc::Degradation::kRotated, sc::Format::kPng, 6});
  CaptureResult r = Run(s);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_NE(r.pages[0].rotation, 0);
  EXPECT_EQ(r.classification.kind, "lab_report");
  auto got = Values(r);
  EXPECT_EQ(got["birthDate"], s.truth.fields.at("birthDate"));
  // Lab rows by LOINC code: the first test on the report.
  EXPECT_EQ(got["lab.0.code"], s.truth.fields.at("lab.0.code"));
  EXPECT_EQ(got["lab.0.value"], s.truth.fields.at("lab.0.value"));

  sc::Sample skewed = sc::Generate({"meds-table", sc::Degradation::kSkew, sc::Format::kTiff, 8});
  CaptureResult m = Run(skewed);
  EXPECT_NE(m.pages[0].skew_degrees, 0.0f);
  EXPECT_EQ(m.classification.kind, "medication_list");
  EXPECT_EQ(Lower(Values(m)["medication.0.name"]), Lower(skewed.truth.fields.at("medication.0.name")));
}

TEST_F(CapturePipelineTest, TextLayerOfABornDigitalPdfIsUsed) {
  sc::Sample s = sc::Generate({"referral-letter", sc::Degradation::kClean, sc::Format::kPdfText, 2});
  CaptureResult r = Run(s);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_TRUE(r.pages[0].text_layer);
  EXPECT_EQ(Values(r)["referral.npi"], s.truth.fields.at("referral.npi"));
}

TEST_F(CapturePipelineTest, PhonePhotoIsFlattened) {
  sc::Sample s = sc::Generate({"intake-left", sc::Degradation::kPhoto, sc::Format::kJpeg, 21});
  CaptureResult r = Run(s);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_TRUE(r.pages[0].perspective_corrected);
  EXPECT_EQ(r.classification.kind, "intake");
  EXPECT_EQ(Lower(Values(r)["name.family"]), Lower(s.truth.fields.at("name.family")));
}

TEST_F(CapturePipelineTest, BlurredPhotoAsksForARetakeInsteadOfGuessing) {
  std::string png = BlurredIntakeForm();
  ASSERT_FALSE(png.empty());
  CaptureOptions o;
  auto r = Capture(png, *engine_, o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->unreadable);
  ASSERT_TRUE(r->pages[0].problem);
  EXPECT_NE(r->pages[0].problem->find("retake"), std::string::npos) << *r->pages[0].problem;
  EXPECT_TRUE(r->fields.empty());
}

// ---- the Bundle ----

Field MakeField(std::string key, std::string value, double confidence, ValueKind kind = ValueKind::kText) {
  Field f;
  f.key = std::move(key);
  f.value = std::move(value);
  f.raw = f.value;
  f.kind = kind;
  f.confidence = confidence;
  return f;
}

std::vector<std::string> ResourceTypes(const json::Value& bundle) {
  std::vector<std::string> out;
  for (const json::Value& e : bundle.find("entry")->as_array())
    out.emplace_back(*e.find("resource")->string_at("resourceType"));
  return out;
}

const json::Value* First(const json::Value& bundle, std::string_view type) {
  for (const json::Value& e : bundle.find("entry")->as_array())
    if (e.find("resource")->string_at("resourceType") == type) return e.find("resource");
  return nullptr;
}

TEST(CaptureBundleTest, UncertainFieldsGoToTheReviewTaskNotTheRecord) {
  CaptureResult r;
  r.classification = {"intake", 0.9};
  r.pages.emplace_back();
  r.fields = {MakeField("name.family", "Hartley", 0.99), MakeField("name.given", "Nora", 0.99),
              MakeField("birthDate", "1980-02-03", 0.99), MakeField("phone", "2175550142", 0.99),
              MakeField("email", "nhartley1@example.org", 0.40), MakeField("allergy.0", "Latex", 0.99),
              MakeField("allergy.1", "Penici11in", 0.30)};
  BuiltBundle b = BuildBundle(r, "original bytes", BundleOptions{.media_type = "image/png"});
  EXPECT_EQ(b.accepted, 5);
  EXPECT_EQ(b.in_review, 2);
  std::string text = json::Serialize(b.bundle);
  const json::Value* patient = First(b.bundle, "Patient");
  ASSERT_NE(patient, nullptr);
  EXPECT_EQ(json::Serialize(*patient).find("example.org"), std::string::npos) << "uncertain e-mail written";
  const json::Value* task = First(b.bundle, "Task");
  ASSERT_NE(task, nullptr);
  std::string task_text = json::Serialize(*task);
  EXPECT_NE(task_text.find("nhartley1@example.org"), std::string::npos);
  EXPECT_NE(task_text.find("Penici11in"), std::string::npos);
  int allergies = 0;
  for (const auto& t : ResourceTypes(b.bundle)) allergies += t == "AllergyIntolerance";
  EXPECT_EQ(allergies, 1);
  EXPECT_NE(text.find(std::string(kConfidenceExtension)), std::string::npos);
  const json::Value* doc = First(b.bundle, "DocumentReference");
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->string_at("docStatus"), "preliminary");
}

TEST(CaptureBundleTest, UncertainIdentityWritesOnlyTheDocumentAndTheTask) {
  CaptureResult r;
  r.classification = {"lab_report", 0.9};
  r.pages.emplace_back();
  r.fields = {MakeField("name.family", "Hartley", 0.99), MakeField("name.given", "Nora", 0.99),
              MakeField("birthDate", "1980-02-08", 0.60), MakeField("lab.collected", "2026-01-02", 0.99),
              MakeField("lab.0.code", "2345-7", 0.99), MakeField("lab.0.value", "98", 0.99)};
  BuiltBundle b = BuildBundle(r, "x", BundleOptions{});
  EXPECT_EQ(ResourceTypes(b.bundle), (std::vector<std::string>{"Binary", "DocumentReference", "Task"}));
  EXPECT_EQ(b.accepted, 0);
}

class CaptureCommitTest : public api::ApiTest {};

TEST_F(CaptureCommitTest, BundleCommitsAndMatchesAnExistingPatient) {
  auto engine = OcrEngine::Create(FindTessdata());
  ASSERT_TRUE(engine) << engine.error().message;
  sc::Sample s = sc::Generate({"meds-table", sc::Degradation::kClean, sc::Format::kPdfText, 12});
  CaptureOptions o;
  o.today = "2026-11-28";
  auto r = Capture(s.bytes, **engine, o);
  ASSERT_TRUE(r) << r.error().message;
  // The patient is already known.
  std::string family = s.truth.fields.at("name.family"), given = s.truth.fields.at("name.given");
  std::string birth = s.truth.fields.at("birthDate");
  auto created = Call("POST", "Patient",
                      R"({"resourceType":"Patient","name":[{"family":")" + family + R"(","given":[")" + given +
                          R"("]}],"birthDate":")" + birth + R"("})");
  ASSERT_EQ(created.status, 201) << created.body;

  BuiltBundle b = BuildBundle(*r, s.bytes, BundleOptions{.threshold = 0.9, .media_type = "application/pdf"});
  ASSERT_GT(b.accepted, 0);
  auto committed = Call("POST", "", json::Serialize(b.bundle));
  ASSERT_EQ(committed.status, 200) << committed.body;

  auto patients = Call("GET", "Patient?family=" + family);
  ASSERT_EQ(patients.status, 200);
  auto found = json::Parse(patients.body);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->find("entry")->as_array().size(), 1u) << "the existing patient was matched, not duplicated";
  auto meds = Call("GET", "MedicationStatement");
  auto med_bundle = json::Parse(meds.body);
  ASSERT_TRUE(med_bundle);
  ASSERT_NE(med_bundle->find("entry"), nullptr);
  EXPECT_GE(med_bundle->find("entry")->as_array().size(), 1u);
  auto docs = Call("GET", "DocumentReference");
  EXPECT_NE(docs.body.find("Binary/"), std::string::npos) << "the attachment points at the stored original";
}


// ---- over the API ----

class CaptureApiTest : public api::ApiTest {
 protected:
  void SetUp() override {
    api::ApiTest::SetUp();
    auto pool = CapturePool::Create(1, 4, FindTessdata());
    ASSERT_TRUE(pool) << pool.error().message;
    pool_ = std::move(*pool);
    api_ = std::make_unique<api::Api>(*store_, fhir::Definitions::R4(),
                                      api::ApiOptions{.capture_pool = pool_.get()});
  }
  void TearDown() override {
    api_.reset();  // waits for its capture jobs
    pool_.reset();
    api::ApiTest::TearDown();
  }
  api::Response Upload(const std::string& bytes, const std::string& media_type, const std::string& query = "",
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("content-type", media_type);
    return Call("POST", "$capture" + query, bytes, headers);
  }
  size_t Count(const std::string& query) {
    auto r = Call("GET", query);
    EXPECT_EQ(r.status, 200) << r.body;
    json::Value b = Json(r);
    const json::Value* e = b.find("entry");
    return e ? e->as_array().size() : 0;
  }
  std::unique_ptr<CapturePool> pool_;
};

TEST_F(CaptureApiTest, DocumentBecomesRecordsAndAReviewTask) {
  sc::Sample s = sc::Generate({"intake-boxes", sc::Degradation::kClean, sc::Format::kPng, 6});
  auto r = Upload(s.bytes, "image/png");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("X-Capture-Kind").value_or(""), "intake");
  EXPECT_EQ(Json(r).string_at("type"), "transaction-response");
  EXPECT_EQ(Count("Patient?family=" + s.truth.fields.at("name.family")), 1u);
  EXPECT_EQ(Count("Binary"), 1u);
  EXPECT_EQ(Count("DocumentReference"), 1u);
  // The same form again: the patient is matched, not duplicated.
  ASSERT_EQ(Upload(s.bytes, "image/png").status, 200);
  EXPECT_EQ(Count("Patient"), 1u);
  EXPECT_EQ(Count("DocumentReference"), 2u);
}

TEST_F(CaptureApiTest, BadUploadsGetClearAnswers) {
  EXPECT_EQ(Upload("hello", "text/plain").status, 415);
  EXPECT_EQ(Upload("not really a png", "image/png").status, 415);
  EXPECT_EQ(Upload(PngClaiming(20000, 20000), "image/png").status, 413);
  auto bad_threshold = Upload(PngClaiming(600, 600), "image/png", "?threshold=2");
  EXPECT_EQ(bad_threshold.status, 400);
  EXPECT_NE(bad_threshold.body.find("threshold"), std::string::npos);
  // A page with nothing on it: read, found wanting, nothing stored.
  std::string png = BlurredIntakeForm();
  ASSERT_FALSE(png.empty());
  auto r = Upload(png, "image/png");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("retake"), std::string::npos) << r.body;
  EXPECT_EQ(Count("Binary"), 0u);
}

TEST_F(CaptureApiTest, MultipartUploadAndDryRun) {
  sc::Sample s = sc::Generate({"card-a", sc::Degradation::kClean, sc::Format::kPng, 6});
  std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nfront of card\r\n"
                     "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"card.png\"\r\n"
                     "Content-Type: image/png\r\n\r\n" + s.bytes + "\r\n--XyZ--\r\n";
  auto r = Upload(body, "multipart/form-data; boundary=XyZ", "?commit=false");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).string_at("type"), "transaction");
  EXPECT_EQ(r.Header("X-Capture-Kind").value_or(""), "insurance_card");
  EXPECT_EQ(Count("Binary"), 0u) << "commit=false stores nothing";
}

TEST_F(CaptureApiTest, AsyncJobIsPolledByItsOwnerOnly) {
  sc::Sample s = sc::Generate({"referral-letter", sc::Degradation::kClean, sc::Format::kPdfText, 2});
  auto r = Upload(s.bytes, "application/pdf", "", {{"prefer", "respond-async"}});
  ASSERT_EQ(r.status, 202) << r.body;
  std::string location(r.Header("Content-Location").value_or(""));
  ASSERT_NE(location.find("/$capture-jobs/"), std::string::npos);
  std::string path = location.substr(location.find("$capture-jobs/"));

  api::Request other;
  other.method = "GET";
  other.path = path;
  other.base_url = "http://test/fhir";
  auto stranger = std::make_shared<auth::Principal>();
  stranger->username = "someone-else";
  other.principal = stranger;
  EXPECT_EQ(api_->Handle(other).status, 404) << "another principal's job is not theirs to see";

  api::Response polled;
  for (int i = 0; i < 600; ++i) {  // the job runs on the pool; bounded wait for it
    polled = Call("GET", path);
    if (polled.status != 202) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(polled.status, 200) << polled.body;
  EXPECT_EQ(Json(polled).string_at("type"), "transaction-response");
  EXPECT_EQ(Count("Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|" + s.truth.fields.at("referral.npi")), 1u);
  EXPECT_EQ(Call("DELETE", path).status, 202);
  EXPECT_EQ(Call("GET", path).status, 404);
}

TEST_F(CaptureApiTest, ReviewerCorrectsAndTheHeldFieldsAreWritten) {
  sc::Sample s = sc::Generate({"intake-left", sc::Degradation::kClean, sc::Format::kPng, 6});
  // Threshold 1: nothing is certain enough; the record waits for a person.
  auto r = Upload(s.bytes, "image/png", "?threshold=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Count("Patient"), 0u);
  auto tasks = Call("GET", "Task");
  json::Value task_bundle = Json(tasks);
  ASSERT_NE(task_bundle.find("entry"), nullptr);
  std::string task_id(*task_bundle.find("entry")->as_array()[0].find("resource")->string_at("id"));

  auto field = [](const std::string& key, const std::string& value) {
    return R"({"name":"field","part":[{"name":"key","valueString":")" + key +
           R"("},{"name":"value","valueString":")" + value + R"("}]})";
  };
  std::string family = s.truth.fields.at("name.family"), given = s.truth.fields.at("name.given");
  std::string birth = s.truth.fields.at("birthDate");
  auto wrong = Call("POST", "Task/" + task_id + "/$capture-review",
                    R"({"resourceType":"Parameters","parameter":[)" + field("birthDate", "2099-01-01") + "]}");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("birthDate"), std::string::npos) << wrong.body;
  EXPECT_EQ(Count("Patient"), 0u) << "a refused review writes nothing";

  std::string params = R"({"resourceType":"Parameters","parameter":[)" + field("name.family", family) + "," +
                       field("name.given", given) + "," + field("birthDate", birth) + "," +
                       field("email", s.truth.fields.at("email")) + "," + field("phone", s.truth.fields.at("phone")) +
                       "]}";
  // Fields the reader got wrong or missed are rejected unless corrected; reject all others.
  auto current = Json(Call("GET", "Task/" + task_id));
  std::string rejects;
  for (const json::Value& in : current.find("input")->as_array()) {
    std::string key(*in.find("type")->string_at("text"));
    if (key.starts_with("address.") || key.starts_with("allergy") || key.starts_with("coverage.") || key == "gender")
      rejects += R"(,{"name":"reject","part":[{"name":"key","valueString":")" + key + R"("}]})";
  }
  params.insert(params.size() - 2, rejects);
  auto done = Call("POST", "Task/" + task_id + "/$capture-review", params);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Count("Patient?family=" + family + "&birthdate=" + birth), 1u);
  json::Value task = Json(Call("GET", "Task/" + task_id));
  EXPECT_EQ(task.string_at("status"), "completed");
  json::Value docs = Json(Call("GET", "DocumentReference"));
  EXPECT_EQ(docs.find("entry")->as_array()[0].find("resource")->string_at("docStatus"), "final");
  EXPECT_EQ(Call("POST", "Task/" + task_id + "/$capture-review", R"({"resourceType":"Parameters"})").status, 409);
}


TEST_F(CaptureApiTest, PatientUploadIsFiledUnderThatPatientWhateverNameItShows) {
  std::string me = Create("Patient", R"({"resourceType":"Patient","name":[{"family":"Uploader"}],"birthDate":"1970-01-01"})");
  sc::Sample s = sc::Generate({"intake-boxes", sc::Degradation::kClean, sc::Format::kPng, 6});
  // Someone else, with the name and birth date the form shows, is already on file.
  std::string other = Create("Patient", R"({"resourceType":"Patient","name":[{"family":")" + s.truth.fields.at("name.family") +
                                            R"(","given":[")" + s.truth.fields.at("name.given") + R"("]}],"birthDate":")" +
                                            s.truth.fields.at("birthDate") + R"("})");
  api::Request r;
  r.method = "POST";
  r.path = "$capture";
  r.body = s.bytes;
  r.headers = {{"content-type", "image/png"}};
  r.base_url = "http://test/fhir";
  r.auth_required = true;
  auto principal = std::make_shared<auth::Principal>();
  principal->username = "uploader";
  principal->role = auth::Role::kPatient;
  principal->fhir_user = "Patient/" + me;
  principal->patient = me;
  principal->scopes = auth::ParseScopes("patient/*.cruds");
  r.principal = principal;
  auto resp = api_->Handle(r);
  ASSERT_EQ(resp.status, 200) << resp.body;
  json::Value docs = Json(Call("GET", "DocumentReference"));
  ASSERT_NE(docs.find("entry"), nullptr);
  const json::Value* subject = docs.find("entry")->as_array()[0].find("resource")->find("subject");
  ASSERT_NE(subject, nullptr);
  EXPECT_EQ(subject->string_at("reference"), "Patient/" + me);
  EXPECT_EQ(Count("DocumentReference?subject=Patient/" + other), 0u) << "filed under the other patient";

  // Reviews are staff work.
  r.path = "Task/x/$capture-review";
  r.body = R"({"resourceType":"Parameters"})";
  r.headers = {{"content-type", "application/fhir+json"}};
  EXPECT_EQ(api_->Handle(r).status, 403);
}


// ---- the command line ----

TEST(CaptureCliTest, PrintsBundlesAndStoresOnlyWithCommit) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("salus-capture-cli-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  sc::Sample pdf = sc::Generate({"meds-table", sc::Degradation::kClean, sc::Format::kPdfText, 3});
  sc::Sample png = sc::Generate({"card-a", sc::Degradation::kClean, sc::Format::kPng, 6});
  std::ofstream(dir / "list.pdf", std::ios::binary) << pdf.bytes;
  std::ofstream(dir / "card.png", std::ios::binary) << png.bytes;
  std::string files = (dir / "list.pdf").string() + " " + (dir / "card.png").string();
  std::string out = (dir / "out").string();
  int rc = std::system((std::string(SALUS_BINARY) + " capture " + files + " --out " + out + " 2>/dev/null").c_str());
  ASSERT_EQ(rc, 0);
  for (const char* stem : {"list", "card"}) {
    std::ifstream in(fs::path(out) / (std::string(stem) + ".json"));
    std::stringstream text;
    text << in.rdbuf();
    auto bundle = json::Parse(text.str());
    ASSERT_TRUE(bundle) << stem;
    EXPECT_EQ(bundle->string_at("type"), "transaction") << stem;
    EXPECT_NE(text.str().find("\"DocumentReference\""), std::string::npos) << stem;
  }
  EXPECT_FALSE(fs::exists(dir / "data")) << "nothing is stored without --commit";
  std::string data = (dir / "data").string();
  rc = std::system((std::string(SALUS_BINARY) + " capture " + files + " --commit --data " + data + " >/dev/null 2>&1").c_str());
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(fs::exists(dir / "data" / "salus.db"));
  // A file that is not a document is a failure the exit code reports.
  std::ofstream(dir / "notes.txt") << "not a document";
  rc = std::system((std::string(SALUS_BINARY) + " capture " + (dir / "notes.txt").string() + " >/dev/null 2>&1").c_str());
  EXPECT_NE(rc, 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace salus::capture
