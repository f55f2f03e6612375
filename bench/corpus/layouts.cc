// The document layouts of the synthetic corpus. Each draws one page in points and states the
// fields it prints. Dev layouts are used while tuning the pipeline; holdout layouts (and their
// fonts) are kept out of that loop.
#include "layouts.h"

#include <algorithm>
#include <map>
#include <cctype>

#include <fmt/format.h>

namespace salus::corpus::internal {
namespace {

constexpr double kLetterW = 612, kLetterH = 792;
constexpr double kCardW = 243, kCardH = 153;
constexpr const char* kSampleNote = "SAMPLE - synthetic test document, not a real patient";

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Capitalised(const std::string& s) {
  std::string out = s;
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string Join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

void Footer(Canvas& c, double page_height) { c.Text(54, page_height - 40, kSampleNote, 7); }

// ---- truth per kind ----

void PersonTruth(const Content& k, Truth& t) {
  t.fields["name.family"] = k.person.family;
  t.fields["name.given"] = k.person.given;
  t.fields["birthDate"] = k.person.birth.Iso();
}

void IntakeTruth(const Content& k, Truth& t) {
  PersonTruth(k, t);
  const Person& p = k.person;
  t.fields["gender"] = p.gender;
  t.fields["address.line"] = p.street;
  t.fields["address.city"] = p.city;
  t.fields["address.state"] = p.state;
  t.fields["address.postalCode"] = p.zip;
  t.fields["phone"] = p.phone;
  t.fields["email"] = p.email;
  t.fields["coverage.payer"] = k.coverage.payer;
  t.fields["coverage.memberId"] = k.coverage.member_id;
  if (k.allergies.empty()) t.fields["allergies"] = "none";
  for (size_t i = 0; i < k.allergies.size(); ++i)
    t.fields[fmt::format("allergy.{}", i)] = k.allergies[i];
}

void CardTruth(const Content& k, Truth& t) {
  t.fields["name.family"] = k.person.family;
  t.fields["name.given"] = k.person.given;
  t.fields["coverage.payer"] = k.coverage.payer;
  t.fields["coverage.memberId"] = k.coverage.member_id;
  t.fields["coverage.group"] = k.coverage.group;
  t.fields["coverage.rxbin"] = k.coverage.rxbin;
  t.fields["coverage.rxpcn"] = k.coverage.rxpcn;
}

void MedicareTruth(const Content& k, Truth& t) {
  t.fields["name.family"] = k.person.family;
  t.fields["name.given"] = k.person.given;
  t.fields["coverage.payer"] = "Medicare";
  t.fields["coverage.mbi"] = k.coverage.mbi;
}

void LabTruth(const Content& k, Truth& t) {
  PersonTruth(k, t);
  t.fields["lab.collected"] = k.collected.Iso();
  for (size_t i = 0; i < k.labs.size(); ++i) {
    const LabTest& l = k.labs[i];
    t.fields[fmt::format("lab.{}.code", i)] = l.loinc;
    t.fields[fmt::format("lab.{}.value", i)] = l.value;
    t.fields[fmt::format("lab.{}.unit", i)] = l.ucum;
    t.fields[fmt::format("lab.{}.range", i)] = l.range;
  }
}

void MedsTruth(const Content& k, Truth& t) {
  PersonTruth(k, t);
  for (size_t i = 0; i < k.medications.size(); ++i) {
    const Medication& m = k.medications[i];
    t.fields[fmt::format("medication.{}.name", i)] = m.name;
    t.fields[fmt::format("medication.{}.strength", i)] = m.strength;
    t.fields[fmt::format("medication.{}.route", i)] = m.route;
    t.fields[fmt::format("medication.{}.frequency", i)] = m.frequency;
  }
}

void ReferralTruth(const Content& k, Truth& t) {
  PersonTruth(k, t);
  t.fields["referral.npi"] = k.provider_npi;
}

// ---- intake forms ----

void SexBoxes(Canvas& c, double x, double y, double size, const std::string& gender,
              bool short_labels = false) {
  struct Option {
    const char* label;
    const char* short_label;
    const char* value;
  };
  static constexpr Option kOptions[] = {
      {"Male", "M", "male"}, {"Female", "F", "female"}, {"Other", "X", "other"}};
  for (const Option& o : kOptions) {
    c.CheckBox(x, y + 1, size, gender == o.value);
    x += size + 4;
    x += c.Text(x, y, short_labels ? o.short_label : o.label, size) + 12;
  }
}

void IntakeLeft(Canvas& c, const Content& k) {
  const Person& p = k.person;
  double y = 54;
  c.Text(54, y, k.clinic, 16, true);
  y += 26;
  c.Text(54, y, "Patient Registration Form", 13, true);
  y += 34;
  double vx = 200;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(54, y, label + ":", 10.5, true);
    c.Text(vx, y, value, 11);
    y += 24;
  };
  row("Last Name", p.family);
  row("First Name", p.given);
  row("Date of Birth", p.birth.Us());
  c.Text(54, y, "Sex:", 10.5, true);
  SexBoxes(c, vx, y, 10.5, p.gender);
  y += 24;
  row("Street Address", p.street);
  c.Text(54, y, "City:", 10.5, true);
  c.Text(vx, y, p.city, 11);
  c.Text(340, y, "State:", 10.5, true);
  c.Text(380, y, p.state, 11);
  c.Text(430, y, "ZIP:", 10.5, true);
  c.Text(460, y, p.zip, 11);
  y += 24;
  row("Phone", PhoneUs(p.phone));
  row("Email", p.email);
  y += 14;
  c.Text(54, y, "Insurance", 12, true);
  y += 24;
  row("Insurance Company", k.coverage.payer);
  row("Member ID", k.coverage.member_id);
  y += 14;
  c.Text(54, y, "Allergies", 12, true);
  y += 24;
  c.CheckBox(54, y + 1, 10.5, k.allergies.empty());
  c.Text(70, y, "No known allergies", 10.5);
  y += 24;
  row("Allergies", Join(k.allergies, ", "));
  y += 30;
  c.Text(54, y, "Signature: ______________________________    Date: ____________", 10.5);
  Footer(c, kLetterH);
}

void IntakeBoxes(Canvas& c, const Content& k) {
  const Person& p = k.person;
  double y = 50;
  c.Text(54, y, k.clinic, 15, true);
  y += 22;
  c.Text(54, y, "NEW PATIENT INFORMATION", 12, true);
  y += 30;
  const double box_h = 22, gap = 14;
  auto field = [&](double x, double w, const std::string& label, const std::string& value) {
    c.Text(x, y, label, 8);
    c.Box(x, y + 11, w, box_h);
    c.Text(x + 5, y + 15, value, 11);
  };
  auto next = [&] { y += 11 + box_h + gap; };
  field(54, 240, "LAST NAME", p.family);
  field(306, 252, "FIRST NAME", p.given);
  next();
  field(54, 160, "DATE OF BIRTH (MM/DD/YYYY)", p.birth.Us());
  c.Text(230, y, "SEX", 8);
  SexBoxes(c, 232, y + 16, 10, p.gender);
  next();
  field(54, 504, "STREET ADDRESS", p.street);
  next();
  field(54, 250, "CITY", p.city);
  field(316, 60, "STATE", p.state);
  field(388, 170, "ZIP CODE", p.zip);
  next();
  field(54, 200, "PHONE", PhoneDash(p.phone));
  field(266, 292, "E-MAIL", p.email);
  next();
  field(54, 250, "INSURANCE COMPANY", k.coverage.payer);
  field(316, 242, "MEMBER ID", k.coverage.member_id);
  next();
  field(54, 504, "ALLERGIES (LIST ALL)", k.allergies.empty() ? "None" : Join(k.allergies, ", "));
  next();
  y += 20;
  c.Text(54, y, "I confirm the information above is correct.", 9);
  Footer(c, kLetterH);
}

void IntakeGrid(Canvas& c, const Content& k) {
  const Person& p = k.person;
  double y = 56;
  c.Text(54, y, "Patient Intake", 18, true);
  c.TextRight(558, y + 4, k.clinic, 10);
  y += 40;
  const double x0 = 54, w = 504, row_h = 36;
  struct Cell {
    const char* label;
    std::string value;
    double width;  // fraction of the row
  };
  std::vector<std::vector<Cell>> rows = {
      {{"Patient last name", p.family, 0.5}, {"Patient first name", p.given, 0.5}},
      {{"Birth date", p.birth.Us(), 0.34}, {"Home phone", PhoneUs(p.phone), 0.33},
       {"Email address", p.email, 0.33}},
      {{"Address", p.street, 1.0}},
      {{"City", p.city, 0.45}, {"State", p.state, 0.2}, {"Zip", p.zip, 0.35}},
      {{"Insurance carrier", k.coverage.payer, 0.5}, {"Subscriber ID", k.coverage.member_id, 0.5}},
      {{"Drug allergies", k.allergies.empty() ? "NKDA" : Join(k.allergies, ", "), 1.0}},
  };
  for (const auto& row : rows) {
    double x = x0;
    for (const Cell& cell : row) {
      double cw = w * cell.width;
      c.Box(x, y, cw, row_h, 0.9);
      c.Text(x + 4, y + 3, cell.label, 7.5);
      c.Text(x + 6, y + 16, cell.value, 11);
      x += cw;
    }
    y += row_h;
  }
  y += 20;
  c.Text(54, y, "Gender:", 10.5, true);
  SexBoxes(c, 110, y, 10.5, p.gender);
  Footer(c, kLetterH);
}

void IntakeRuled(Canvas& c, const Content& k) {
  const Person& p = k.person;
  double y = 60;
  c.Text(54, y, Upper(k.clinic), 14, true);
  y += 22;
  c.Text(54, y, "Patient Demographics", 12);
  y += 30;
  const double label_w = 170, row_h = 26;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Line(54, y, 558, y, 0.7);
    c.Text(60, y + 7, label, 10);
    c.Line(54 + label_w, y, 54 + label_w, y + row_h, 0.7);
    c.Text(54 + label_w + 8, y + 6, value, 11);
    y += row_h;
  };
  row("Surname", p.family);
  row("Given name", p.given);
  row("Birth date", p.birth.Long());
  row("Sex", Capitalised(p.gender));
  row("Home address", p.street);
  row("Town / City", p.city);
  row("State", p.state);
  row("Postal code", p.zip);
  row("Telephone", PhoneDash(p.phone));
  row("E-mail", p.email);
  row("Health plan", k.coverage.payer);
  row("Member number", k.coverage.member_id);
  row("Known allergies", k.allergies.empty() ? "None known" : Join(k.allergies, "; "));
  c.Line(54, y, 558, y, 0.7);
  Footer(c, kLetterH);
}

void IntakeTwoColumn(Canvas& c, const Content& k) {
  const Person& p = k.person;
  double y = 54;
  c.Text(54, y, k.clinic, 14, true);
  y += 20;
  c.Text(54, y, "Registration - please print clearly", 10);
  y += 36;
  auto pair = [&](double x, double lw, double vw, const std::string& label,
                  const std::string& value) {
    c.Text(x, y, label, 10);
    c.Line(x + lw, y + 14, x + lw + vw, y + 14, 0.6);
    c.Text(x + lw + 4, y, value, 11);
  };
  pair(54, 70, 170, "Last name", p.family);
  pair(310, 70, 178, "First name", p.given);
  y += 30;
  pair(54, 70, 170, "Birth date", p.birth.Dashed());
  c.Text(310, y, "Sex", 10);
  SexBoxes(c, 384, y, 10, p.gender, true);
  y += 30;
  pair(54, 70, 434, "Address", p.street);
  y += 30;
  pair(54, 70, 170, "City", p.city);
  pair(310, 40, 50, "State", p.state);
  pair(410, 30, 118, "ZIP", p.zip);
  y += 30;
  pair(54, 70, 170, "Cell phone", PhoneUs(p.phone));
  pair(310, 70, 178, "Email", p.email);
  y += 30;
  pair(54, 70, 170, "Insurer", k.coverage.payer);
  pair(310, 70, 178, "Policy ID", k.coverage.member_id);
  y += 30;
  pair(54, 70, 434, "Allergies", k.allergies.empty() ? "none" : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// ---- insurance cards ----

void CardA(Canvas& c, const Content& k) {
  c.Box(6, 6, kCardW - 12, kCardH - 12, 1.2);
  c.Fill(6, 6, kCardW - 12, 26, 0.85);
  c.Text(14, 11, k.coverage.payer, 12, true);
  double y = 40;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(14, y, label, 7.5, true);
    c.Text(80, y, value, 8.5);
    y += 13;
  };
  row("Member:", Upper(k.person.given + " " + k.person.family));
  row("Member ID:", k.coverage.member_id);
  row("Group:", k.coverage.group);
  row("RxBIN:", k.coverage.rxbin);
  row("RxPCN:", k.coverage.rxpcn);
  c.Text(14, y + 4, "PCP $25   Specialist $50   ER $250", 6.5);
  c.Text(14, kCardH - 20, "SAMPLE CARD - NOT VALID", 5.5);
}

void CardB(Canvas& c, const Content& k) {
  c.Box(5, 5, kCardW - 10, kCardH - 10, 1.0);
  c.TextRight(kCardW - 14, 12, k.coverage.payer, 11, true);
  c.Text(14, 36, "Subscriber Name", 6.5);
  c.Text(14, 45, k.person.family + ", " + k.person.given, 9, true);
  c.Text(14, 64, "ID#", 6.5);
  c.Text(14, 73, k.coverage.member_id, 9, true);
  c.Text(140, 64, "Grp#", 6.5);
  c.Text(140, 73, k.coverage.group, 9, true);
  c.Text(14, 94, "BIN", 6.5);
  c.Text(14, 103, k.coverage.rxbin, 9);
  c.Text(80, 94, "PCN", 6.5);
  c.Text(80, 103, k.coverage.rxpcn, 9);
  c.Text(14, kCardH - 24, "Sample card for testing only", 5.5);
}

void CardMedicare(Canvas& c, const Content& k) {
  c.Box(5, 5, kCardW - 10, kCardH - 10, 1.0);
  c.Fill(5, 5, kCardW - 10, 22, 0.8);
  c.Text(14, 10, "MEDICARE HEALTH INSURANCE", 10, true);
  c.Text(14, 38, "Name/Nombre", 6.5);
  c.Text(14, 47, Upper(k.person.given + " " + k.person.family), 9.5, true);
  c.Text(14, 68, "Medicare Number/Numero de Medicare", 6.5);
  const std::string& m = k.coverage.mbi;
  c.Text(14, 77, m.substr(0, 4) + "-" + m.substr(4, 3) + "-" + m.substr(7), 10, true);
  c.Text(14, 98, "Entitled to        Coverage starts", 6.5);
  c.Text(14, 107, "HOSPITAL (PART A)   " + k.collected.Dashed(), 8);
  c.Text(14, kCardH - 22, "Sample card for testing only", 5.5);
}

// ---- lab reports ----

std::string Flag(const LabTest& l) { return l.flag_high ? "H" : l.flag_low ? "L" : ""; }

void LabRuled(Canvas& c, const Content& k) {
  double y = 50;
  c.Text(54, y, "Example Reference Laboratory", 16, true);
  y += 22;
  c.Text(54, y, "Final Report", 11);
  y += 30;
  c.Text(54, y, "Patient:", 10, true);
  c.Text(130, y, Upper(k.person.family) + ", " + Upper(k.person.given), 10.5);
  c.Text(330, y, "DOB:", 10, true);
  c.Text(380, y, k.person.birth.Us(), 10.5);
  y += 18;
  c.Text(54, y, "Collected:", 10, true);
  c.Text(130, y, k.collected.Us(), 10.5);
  c.Text(330, y, "Ordered by:", 10, true);
  c.Text(400, y, k.provider_name, 10.5);
  y += 34;
  const double cols[] = {54, 230, 310, 350, 450, 558};
  const char* heads[] = {"Test", "Result", "Flag", "Units", "Reference Range"};
  c.Fill(54, y - 3, 504, 18, 0.88);
  for (int i = 0; i < 5; ++i) c.Text(cols[i] + 4, y, heads[i], 10, true);
  y += 18;
  c.Line(54, y - 3, 558, y - 3, 1.0);
  for (const LabTest& l : k.labs) {
    c.Text(cols[0] + 4, y + 2, l.printed_name, 10.5);
    c.Text(cols[1] + 4, y + 2, l.value, 10.5, l.flag_high || l.flag_low);
    c.Text(cols[2] + 4, y + 2, Flag(l), 10.5, true);
    c.Text(cols[3] + 4, y + 2, l.unit_printed, 10.5);
    c.Text(cols[4] + 4, y + 2, l.range, 10.5);
    y += 20;
    c.Line(54, y - 3, 558, y - 3, 0.5);
  }
  Footer(c, kLetterH);
}

void LabPlain(Canvas& c, const Content& k) {
  double y = 54;
  c.Text(54, y, k.clinic + " Laboratory Services", 13, true);
  y += 30;
  c.Text(54, y, "Name: " + k.person.given + " " + k.person.family, 10.5);
  y += 16;
  c.Text(54, y, "Birth date: " + k.person.birth.Iso(), 10.5);
  y += 16;
  c.Text(54, y, "Specimen collected: " + k.collected.Long(), 10.5);
  y += 36;
  const double cols[] = {54, 240, 330, 450};
  const char* heads[] = {"TEST NAME", "VALUE", "REFERENCE", "UNITS"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9.5, true);
  y += 22;
  for (const LabTest& l : k.labs) {
    std::string value = l.value;
    if (!Flag(l).empty()) value += " " + Flag(l);
    c.Text(cols[0], y, l.printed_name, 10.5);
    c.Text(cols[1], y, value, 10.5);
    c.Text(cols[2], y, l.range, 10.5);
    c.Text(cols[3], y, l.unit_printed, 10.5);
    y += 19;
  }
  Footer(c, kLetterH);
}

// ---- medication lists ----

void MedsTable(Canvas& c, const Content& k) {
  double y = 54;
  c.Text(54, y, "Current Medication List", 16, true);
  y += 30;
  c.Text(54, y, "Patient: " + k.person.given + " " + k.person.family, 10.5);
  c.Text(330, y, "Date of birth: " + k.person.birth.Us(), 10.5);
  y += 36;
  const double cols[] = {54, 220, 300, 400, 558};
  const char* heads[] = {"Medication", "Strength", "Route", "How often"};
  c.Fill(54, y - 4, 504, 20, 0.88);
  for (int i = 0; i < 4; ++i) c.Text(cols[i] + 4, y, heads[i], 10, true);
  y += 20;
  for (const Medication& m : k.medications) {
    c.Text(cols[0] + 4, y + 2, m.name + " " + m.form, 10.5);
    c.Text(cols[1] + 4, y + 2, m.strength, 10.5);
    c.Text(cols[2] + 4, y + 2, m.route_printed, 10.5);
    c.Text(cols[3] + 4, y + 2, m.frequency, 10.5);
    y += 22;
    c.Line(54, y - 4, 558, y - 4, 0.5);
  }
  Footer(c, kLetterH);
}

void MedsLines(Canvas& c, const Content& k) {
  double y = 60;
  c.Text(54, y, "My medicines", 15, true);
  y += 26;
  c.Text(54, y,
         fmt::format("{} {} - born {}", k.person.given, k.person.family, k.person.birth.Long()),
         10.5);
  y += 34;
  int n = 1;
  for (const Medication& m : k.medications) {
    c.Text(54, y,
           fmt::format("{}. {} {} {} - take {} {}", n++, m.name, m.strength, m.form,
                       m.route_printed, m.frequency),
           11);
    y += 22;
  }
  Footer(c, kLetterH);
}

// ---- referral letter ----

void Referral(Canvas& c, const Content& k) {
  double y = 54;
  c.Text(54, y, k.clinic, 15, true);
  y += 18;
  c.Text(54, y, "Referral Letter", 10.5);
  y += 30;
  c.Text(54, y, k.letter_date.Long(), 10.5);
  y += 30;
  c.Text(54, y, "Re: " + k.person.given + " " + k.person.family, 10.5, true);
  y += 16;
  c.Text(54, y, "Date of birth: " + k.person.birth.Us(), 10.5);
  y += 30;
  c.Text(54, y, "Dear Colleague,", 10.5);
  y += 24;
  c.Text(54, y, "I am referring the above patient for " + k.reason + ".", 10.5);
  y += 16;
  c.Text(54, y, "Current medications and recent results are enclosed. Please contact", 10.5);
  y += 16;
  c.Text(54, y, "our office with any questions.", 10.5);
  y += 36;
  c.Text(54, y, "Sincerely,", 10.5);
  y += 40;
  c.Text(54, y, k.provider_name, 10.5);
  y += 16;
  c.Text(54, y, "NPI: " + k.provider_npi, 10.5);
  Footer(c, kLetterH);
}

// ---- fresh layouts: written after the pipeline was tuned, measured without changes for them ----

void IntakeDotted(Canvas& c, const Content& k) {
  const Person& p = k.person;
  double y = 56;
  c.Text(54, y, k.clinic, 14, true);
  y += 22;
  c.Text(54, y, "PATIENT QUESTIONNAIRE", 11, true);
  y += 34;
  auto row = [&](const std::string& label, const std::string& value) {
    std::string leader = label + " ";
    while (c.Width(leader, 10) < 190) leader += ".";
    c.Text(54, y, leader, 10);
    c.Text(254, y, value, 10.5);
    y += 22;
  };
  row("Patient's last name", p.family);
  row("Patient's first name", p.given);
  row("Date of birth", p.birth.DayFirst());
  row("Sex (M/F/X)", p.gender == "male" ? "M" : p.gender == "female" ? "F" : "X");
  row("Home street address", p.street);
  row("City", p.city);
  row("State", p.state);
  row("Zip code", p.zip);
  std::string dotted = p.phone.substr(0, 3) + "." + p.phone.substr(3, 3) + "." + p.phone.substr(6);
  row("Daytime phone", dotted);
  row("Email address", p.email);
  row("Insurance plan", k.coverage.payer);
  row("ID number", k.coverage.member_id);
  row("Medication allergies", k.allergies.empty() ? "NKA" : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

void CardC(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.8);
  c.Text(12, 10, "Member Services 1-800-555-0199", 6);
  c.Text(12, 30, "Enrollee: " + Upper(k.person.given) + " " + Upper(k.person.family), 8.5, true);
  c.Text(12, 48, "Member #: " + k.coverage.member_id, 8.5);
  c.Text(12, 62, "Group No: " + k.coverage.group, 8.5);
  c.Text(12, 80, "Rx BIN " + k.coverage.rxbin + "    Rx PCN " + k.coverage.rxpcn, 8);
  c.Text(12, 100, "Plan: " + k.coverage.payer, 8);
  c.TextRight(kCardW - 12, kCardH - 30, k.coverage.payer, 10, true);
  c.Text(12, kCardH - 18, "Sample card - testing only", 5.5);
}

void LabGrid(Canvas& c, const Content& k) {
  double y = 54;
  c.Text(54, y, "Clinical Laboratory Report", 15, true);
  y += 30;
  c.Text(54, y, "Patient: " + k.person.given + " " + k.person.family, 10);
  c.Text(270, y, "DOB: " + k.person.birth.Us(), 10);
  c.Text(410, y, "Collection Date: " + k.collected.Us(), 9);
  y += 30;
  const double cols[] = {54, 214, 284, 374, 494, 558};
  const char* heads[] = {"Analyte", "Result", "Units", "Reference Interval", "Flag"};
  const double row_h = 20;
  int rows = static_cast<int>(k.labs.size()) + 1;
  for (int r = 0; r <= rows; ++r) c.Line(54, y + r * row_h, 558, y + r * row_h, 0.6);
  for (double x : cols) c.Line(x, y, x, y + rows * row_h, 0.6);
  for (int i = 0; i < 5; ++i) c.Text(cols[i] + 4, y + 4, heads[i], 9.5, true);
  double ry = y + row_h;
  for (const LabTest& l : k.labs) {
    c.Text(cols[0] + 4, ry + 4, l.printed_name, 10);
    c.Text(cols[1] + 4, ry + 4, l.value, 10);
    c.Text(cols[2] + 4, ry + 4, l.unit_printed, 10);
    c.Text(cols[3] + 4, ry + 4, l.range, 10);
    c.Text(cols[4] + 4, ry + 4, l.flag_high ? "HIGH" : l.flag_low ? "LOW" : "", 9);
    ry += row_h;
  }
  Footer(c, kLetterH);
}

void MedsBullets(Canvas& c, const Content& k) {
  double y = 54;
  c.Text(54, y, "Medication Reconciliation", 14, true);
  y += 26;
  c.Text(54, y, "Patient name: " + k.person.given + " " + k.person.family, 10.5);
  y += 16;
  c.Text(54, y, "DOB: " + k.person.birth.Iso(), 10.5);
  y += 30;
  for (const Medication& m : k.medications) {
    c.Text(60, y, "\u2022", 11);
    c.Text(74, y, fmt::format("{} {} {}: 1 {} {} {}", m.name, m.strength, m.form, m.form, m.route_printed, m.frequency), 10.5);
    y += 20;
  }
  Footer(c, kLetterH);
}

// ---- fresh2 layouts: written after the changes made for the fresh split, before measuring ----

// A clinic's check-in sheet: labels in small capitals above boxes, two fields a row, sex as
// checkboxes, an allergy list with a "none" box.
void IntakeStacked(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 48, k.clinic, 13, true);
  c.Text(54, 68, "Check-in Sheet  -  please print clearly", 10);
  double y = 104;
  auto field = [&](double x, double w, const std::string& label, const std::string& value) {
    c.Text(x, y, label, 7.5, true);
    c.Box(x, y + 11, w, 22, 0.7);
    c.Text(x + 5, y + 16, value, 10.5);
  };
  field(54, 240, "LEGAL LAST NAME", p.family);
  field(310, 240, "FIRST NAME", p.given);
  y += 50;
  field(54, 150, "BIRTHDATE (MM-DD-YYYY)", p.birth.Dashed());
  c.Text(230, y, "SEX", 7.5, true);
  const char* sexes[] = {"Male", "Female", "Other"};
  const char* codes[] = {"male", "female", "other"};
  double x = 230;
  for (int i = 0; i < 3; ++i) {
    c.CheckBox(x, y + 16, 10, p.gender == codes[i]);
    c.Text(x + 14, y + 15, sexes[i], 10);
    x += 70;
  }
  y += 50;
  field(54, 496, "MAILING ADDRESS (STREET)", p.street);
  y += 50;
  field(54, 230, "CITY", p.city);
  field(300, 80, "STATE", p.state);
  field(396, 154, "ZIP", p.zip);
  y += 50;
  std::string phone = "(" + p.phone.substr(0, 3) + ") " + p.phone.substr(3, 3) + "-" + p.phone.substr(6);
  field(54, 200, "PREFERRED PHONE", phone);
  field(270, 280, "E-MAIL", p.email);
  y += 50;
  field(54, 280, "INSURANCE COMPANY NAME", k.coverage.payer);
  field(350, 200, "POLICY / MEMBER ID", k.coverage.member_id);
  y += 56;
  c.Text(54, y, "ALLERGIES TO MEDICINES, FOODS OR LATEX", 7.5, true);
  c.CheckBox(54, y + 16, 10, k.allergies.empty());
  c.Text(68, y + 15, "None known", 10);
  if (!k.allergies.empty()) c.Text(160, y + 15, Join(k.allergies, "; "), 10.5);
  Footer(c, kLetterH);
}

// A card with the payer's name as a banner, the member's name without a label, and the
// pharmacy numbers in a two-by-two block.
void CardD(Canvas& c, const Content& k) {
  c.Fill(4, 4, kCardW - 8, 26, 0.85);
  c.Text(12, 9, k.coverage.payer, 11, true);
  c.Text(12, 40, k.person.given + " " + k.person.family, 9.5, true);
  c.Text(12, 58, "ID", 7);
  c.Text(40, 56, k.coverage.member_id, 9);
  c.Text(12, 74, "GROUP", 7);
  c.Text(52, 72, k.coverage.group, 9);
  c.Text(150, 58, "RxBIN", 7);
  c.Text(185, 56, k.coverage.rxbin, 9);
  c.Text(150, 74, "RxPCN", 7);
  c.Text(185, 72, k.coverage.rxpcn, 9);
  c.Text(12, kCardH - 20, "Present this card at every visit. Not a guarantee of coverage.", 5.5);
}

// ---- fresh3 layouts: written before the changes made after studying fresh2, measured once ----

// A hospital registration form: a ruled two-column table, shaded label cells on the left, the
// values in the cells beside them, birth date day first, sex as a letter.
void IntakeTable(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Fill(54, 40, 504, 34, 0.8);
  c.Text(64, 48, "PATIENT REGISTRATION", 14, true);
  c.TextRight(548, 50, k.clinic, 9);
  double y = 96;
  const double label_w = 170, row_h = 26;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Fill(54, y, label_w, row_h, 0.9);
    c.Box(54, y, 504, row_h, 0.6);
    c.Line(54 + label_w, y, 54 + label_w, y + row_h, 0.6);
    c.Text(60, y + 8, label, 9.5);
    c.Text(54 + label_w + 8, y + 7, value, 10.5);
    y += row_h;
  };
  row("Surname", p.family);
  row("Forename(s)", p.given);
  row("Date of birth (day month year)", p.birth.DayFirst());
  const char* letter = p.gender == "male" ? "M" : p.gender == "female" ? "F" : "X";
  row("Sex (M / F / X)", letter);
  row("Home address", p.street);
  row("Town or city", p.city);
  row("State", p.state);
  row("ZIP code", p.zip);
  row("Telephone", PhoneDash(p.phone));
  row("Email address", p.email);
  row("Health plan", k.coverage.payer);
  row("Subscriber ID no.", k.coverage.member_id);
  row("Known allergies", k.allergies.empty() ? std::string("No known allergies") : Join(k.allergies, ", "));
  y += 24;
  c.Text(54, y, "I confirm that the details above are correct.   Signature ____________________", 9);
  Footer(c, kLetterH);
}

// A card with a dark logo block, the payer's name to its right, the subscriber as
// "FAMILY, GIVEN" under a label, numbers with abbreviated labels, and copay lines.
void CardE(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.8);
  c.Fill(10, 10, 30, 30, 0.35);
  c.Text(48, 14, k.coverage.payer, 10, true);
  c.Text(48, 28, "Member Services 1-800-555-0199", 6);
  c.Text(12, 50, "SUBSCRIBER", 6);
  c.Text(12, 58, Upper(k.person.family + ", " + k.person.given), 9, true);
  c.Text(12, 76, "Member ID No.", 6);
  c.Text(12, 84, k.coverage.member_id, 9, true);
  c.Text(130, 76, "Grp No.", 6);
  c.Text(130, 84, k.coverage.group, 9);
  c.Text(12, 102, "Rx Bin", 6);
  c.Text(50, 101, k.coverage.rxbin, 8);
  c.Text(100, 102, "Rx PCN", 6);
  c.Text(140, 101, k.coverage.rxpcn, 8);
  c.Text(12, 118, "Office $30   Urgent care $75   ER $300 (waived if admitted)", 6);
  c.Text(12, kCardH - 20, "Sample card for testing only", 5.5);
}

// A lab report with the result before the units and a flag column between them, the patient's
// name as FAMILY, GIVEN and the dates in US format.
void LabColumns(Canvas& c, const Content& k) {
  double y = 50;
  c.Text(54, y, "CLINICAL LABORATORY REPORT", 13, true);
  c.TextRight(558, y + 2, k.clinic, 9);
  y += 24;
  c.Line(54, y, 558, y, 1.0);
  y += 10;
  c.Text(54, y, "Patient", 8);
  c.Text(54, y + 11, Upper(k.person.family) + ", " + k.person.given, 10.5, true);
  c.Text(260, y, "DOB", 8);
  c.Text(260, y + 11, k.person.birth.Us(), 10.5);
  c.Text(400, y, "Collection date", 8);
  c.Text(400, y + 11, k.collected.Us(), 10.5);
  y += 40;
  c.Line(54, y, 558, y, 1.0);
  y += 12;
  const double cols[] = {54, 250, 320, 360, 450};
  const char* heads[] = {"Analyte", "Result", "Flag", "Units", "Reference interval"};
  for (int i = 0; i < 5; ++i) c.Text(cols[i], y, heads[i], 9, true);
  y += 20;
  for (const LabTest& l : k.labs) {
    c.Text(cols[0], y, l.printed_name, 10);
    c.Text(cols[1], y, l.value, 10);
    c.Text(cols[2], y, Flag(l), 10, true);
    c.Text(cols[3], y, l.unit_printed, 10);
    c.Text(cols[4], y, l.range, 10);
    y += 18;
  }
  Footer(c, kLetterH);
}

// A pharmacy's medication list: one block a medicine, the name in bold on its own line, then
// "Dose", "How" and "When" lines.
void MedsBlocks(Canvas& c, const Content& k) {
  double y = 52;
  c.Text(54, y, "Your Medicines", 15, true);
  c.TextRight(558, y + 3, "printed by your pharmacy", 8);
  y += 28;
  c.Text(54, y, "For: " + k.person.given + " " + k.person.family + "    Born: " + k.person.birth.Us(), 10.5);
  y += 30;
  for (const Medication& m : k.medications) {
    c.Text(54, y, m.name + " " + m.strength + " " + m.form, 11, true);
    y += 15;
    c.Text(70, y, "How: " + m.route_printed, 10);
    c.Text(250, y, "When: " + m.frequency, 10);
    y += 24;
  }
  Footer(c, kLetterH);
}

// ---- fresh4 layouts: written after fresh3's blind measurement, before looking at its failures ----

// A new-patient form on underlines: several fields a line, the name as "Last, First", the
// whole address on one line, sex as inline checkboxes after the birth date.
void IntakeUnderlined(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 46, "NEW PATIENT INFORMATION", 13, true);
  c.Text(54, 64, k.clinic, 9);
  double y = 104;
  auto field = [&](double x, const std::string& label, const std::string& value, double line_to) {
    double w = c.Text(x, y, label, 10);
    c.Line(x + w + 4, y + 14, line_to, y + 14, 0.5);
    c.Text(x + w + 10, y - 1, value, 11);
  };
  field(54, "Name (Last, First):", p.family + ", " + p.given, 558);
  y += 34;
  field(54, "Birth date:", p.birth.Us(), 230);
  c.Text(250, y, "Sex:", 10);
  const char* sexes[] = {"M", "F", "X"};
  const char* codes[] = {"male", "female", "other"};
  double x = 282;
  for (int i = 0; i < 3; ++i) {
    c.CheckBox(x, y + 1, 10, p.gender == codes[i]);
    c.Text(x + 14, y, sexes[i], 10);
    x += 40;
  }
  y += 34;
  field(54, "Address:", p.street + ", " + p.city + ", " + p.state + " " + p.zip, 558);
  y += 34;
  field(54, "Cell:", PhoneUs(p.phone), 250);
  field(270, "E-mail:", p.email, 558);
  y += 34;
  field(54, "Primary insurance:", k.coverage.payer, 330);
  field(345, "Policy #:", k.coverage.member_id, 558);
  y += 34;
  field(54, "List any allergies:", k.allergies.empty() ? std::string("NKDA") : Join(k.allergies, ", "), 558);
  Footer(c, kLetterH);
}

// A card with the payer's name at the bottom, labels in a left column, and the pharmacy
// numbers as three label-value pairs on one line.
void CardF(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.8);
  double y = 16;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(12, y, label, 6.5);
    c.Text(84, y - 1, value, 8.5, true);
    y += 16;
  };
  row("Member Name", k.person.given + " " + k.person.family);
  row("Member ID", k.coverage.member_id);
  row("Group Number", k.coverage.group);
  c.Text(12, y + 2, "BIN " + k.coverage.rxbin + "    PCN " + k.coverage.rxpcn + "    GRP RX" +
                        k.coverage.group.substr(k.coverage.group.size() > 3 ? k.coverage.group.size() - 3 : 0),
         7);
  c.Fill(4, kCardH - 42, kCardW - 8, 38, 0.88);
  c.Text(12, kCardH - 36, k.coverage.payer, 12, true);
  c.Text(12, kCardH - 18, "Sample card for testing only", 5.5);
}

// A lab report in sections (chemistry, then the rest), the patient's details in a box at the
// top right, the collection time with the date.
void LabSections(Canvas& c, const Content& k) {
  c.Text(54, 50, k.clinic, 12, true);
  c.Text(54, 66, "Laboratory results", 10);
  c.Box(330, 40, 228, 70, 0.7);
  c.Text(338, 48, "Patient: " + k.person.given + " " + k.person.family, 9);
  c.Text(338, 64, "Date of birth: " + k.person.birth.Us(), 9);
  c.Text(338, 80, "Collected: " + k.collected.Us() + " 08:15", 9);
  double y = 136;
  const double cols[] = {54, 250, 330, 420};
  const char* heads[] = {"Test", "Result", "Units", "Ref. range"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9.5, true);
  y += 8;
  c.Line(54, y + 8, 558, y + 8, 0.6);
  y += 16;
  size_t half = (k.labs.size() + 1) / 2;
  for (size_t i = 0; i < k.labs.size(); ++i) {
    if (i == 0 || i == half) {
      c.Text(54, y, i == 0 ? "CHEMISTRY" : "OTHER TESTS", 9, true);
      y += 18;
    }
    const LabTest& l = k.labs[i];
    std::string value = l.value + (Flag(l).empty() ? "" : " " + Flag(l));
    c.Text(cols[0] + 10, y, l.printed_name, 10);
    c.Text(cols[1], y, value, 10);
    c.Text(cols[2], y, l.unit_printed, 10);
    c.Text(cols[3], y, l.range, 10);
    y += 18;
  }
  Footer(c, kLetterH);
}

// A discharge medication list: numbered rows, the medicine with its strength and form in one
// column, the instructions as a sentence in the next.
void MedsInstructions(Canvas& c, const Content& k) {
  c.Text(54, 50, "DISCHARGE MEDICATIONS", 14, true);
  c.Text(54, 74, "Patient: " + Upper(k.person.family) + ", " + k.person.given, 10.5);
  c.Text(330, 74, "DOB: " + k.person.birth.Us(), 10.5);
  double y = 112;
  c.Text(54, y, "#", 9.5, true);
  c.Text(80, y, "Medicine", 9.5, true);
  c.Text(290, y, "Instructions", 9.5, true);
  y += 22;
  int n = 1;
  for (const Medication& m : k.medications) {
    c.Text(54, y, std::to_string(n++), 10);
    c.Text(80, y, m.name + " " + m.strength + " " + m.form, 10);
    c.Text(290, y, "Take 1 " + m.form + " " + m.route_printed + " " + m.frequency, 10);
    y += 22;
  }
  Footer(c, kLetterH);
}

// ---- fresh5 layouts: written after fresh4's blind measurement, before looking at its failures ----

// A government-style form: every field a ruled cell with a small numbered caption in its top
// left corner and the value written inside; the name split Last / First / M.I.; sex as three
// captioned boxes in one cell.
void IntakeCorner(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 40, "PATIENT REGISTRATION", 12, true);
  c.Text(400, 40, "Form PR-2 (synthetic)", 7);
  double y = 64;
  auto cell = [&](double x, double w, const std::string& caption, const std::string& value) {
    c.Box(x, y, w, 34, 0.6);
    c.Text(x + 3, y + 2, caption, 6.5);
    c.Text(x + 6, y + 15, value, 11);
  };
  cell(54, 200, "1. LAST NAME", Upper(p.family));
  cell(254, 200, "2. FIRST NAME", Upper(p.given));
  cell(454, 104, "3. M.I.", "");
  y += 34;
  cell(54, 150, "4. DATE OF BIRTH (MM/DD/YYYY)", p.birth.Us());
  c.Box(204, y, 250, 34, 0.6);
  c.Text(207, y + 2, "5. SEX", 6.5);
  SexBoxes(c, 214, y + 15, 9, p.gender);
  cell(454, 104, "6. STATE", p.state);
  y += 34;
  cell(54, 300, "7. STREET ADDRESS", p.street);
  cell(354, 130, "8. CITY", p.city);
  cell(484, 74, "9. ZIP CODE", p.zip);
  y += 34;
  cell(54, 200, "10. TELEPHONE", PhoneDash(p.phone));
  cell(254, 304, "11. EMAIL ADDRESS", p.email);
  y += 34;
  cell(54, 250, "12. INSURANCE CARRIER", k.coverage.payer);
  cell(304, 254, "13. SUBSCRIBER ID", k.coverage.member_id);
  y += 34;
  cell(54, 504, "14. DRUG ALLERGIES (write NONE if none)",
       k.allergies.empty() ? std::string("NONE") : Join(k.allergies, "; "));
  Footer(c, kLetterH);
}

// A card split in two: the payer's name centred on top, member details left with "ID#" and
// "Grp#" labels, the pharmacy numbers right with colons, the member as LAST, FIRST.
void CardG(Canvas& c, const Content& k) {
  c.Box(3, 3, kCardW - 6, kCardH - 6, 1.0);
  double w = c.Width(k.coverage.payer, 11, true);
  c.Text((kCardW - w) / 2, 12, k.coverage.payer, 11, true);
  c.Line(10, 32, kCardW - 10, 32, 0.6);
  c.Line(150, 38, 150, kCardH - 24, 0.5);
  c.Text(12, 42, Upper(k.person.family) + ", " + Upper(k.person.given), 8, true);
  c.Text(12, 62, "ID# " + k.coverage.member_id, 8.5);
  c.Text(12, 80, "Grp# " + k.coverage.group, 8.5);
  c.Text(158, 44, "RxBIN: " + k.coverage.rxbin, 7);
  c.Text(158, 58, "RxPCN: " + k.coverage.rxpcn, 7);
  c.Text(158, 72, "RxGrp: " + k.coverage.group, 7);
  c.Text(12, kCardH - 18, "Synthetic card, not valid for services", 5.5);
}

// A lab report whose result table has a column of its own for the flag, the reference interval
// before the units, and the patient on one line as "FAMILY, Given  DOB 03-14-1962".
void LabFlagColumn(Canvas& c, const Content& k) {
  c.Text(54, 44, k.clinic + " - Clinical Laboratory", 11, true);
  c.Text(54, 70, "Name: " + Upper(k.person.family) + ", " + k.person.given + "    DOB " +
                     k.person.birth.Dashed(), 9.5);
  c.Text(54, 86, "Specimen collected " + k.collected.DayFirst(), 9.5);
  double y = 116;
  const double cols[] = {54, 240, 300, 340, 460};
  const char* heads[] = {"Analyte", "Value", "Flag", "Reference", "Units"};
  c.Line(54, y - 4, 558, y - 4, 0.8);
  for (int i = 0; i < 5; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 14, 558, y + 14, 0.8);
  y += 22;
  for (const LabTest& l : k.labs) {
    c.Text(cols[0], y, l.printed_name, 9.5);
    c.Text(cols[1], y, l.value, 9.5);
    c.Text(cols[2], y, Flag(l), 9.5, true);
    c.Text(cols[3], y, l.range, 9.5);
    c.Text(cols[4], y, l.unit_printed, 9.5);
    y += 17;
  }
  c.Line(54, y, 558, y, 0.8);
  Footer(c, kLetterH);
}

// A medication reconciliation sheet: a fully ruled table, the drug and its dose in separate
// columns, route and how often in their own; the birth date written out in words.
void MedsRecon(Canvas& c, const Content& k) {
  c.Text(54, 48, "Medication Reconciliation", 14, true);
  c.Text(54, 72, "Patient name: " + k.person.given + " " + k.person.family, 10);
  c.Text(300, 72, "Birth date: " + k.person.birth.Long(), 10);
  double y = 100;
  const double cols[] = {54, 230, 320, 420, 558};
  const char* heads[] = {"Drug", "Dose", "Route", "How often"};
  auto rule_row = [&](double top) {
    for (double x : cols) c.Line(x, top, x, top + 22, 0.5);
    c.Line(54, top + 22, 558, top + 22, 0.5);
  };
  c.Line(54, y, 558, y, 0.5);
  for (int i = 0; i < 4; ++i) c.Text(cols[i] + 4, y + 6, heads[i], 9.5, true);
  rule_row(y);
  y += 22;
  for (const Medication& m : k.medications) {
    c.Text(cols[0] + 4, y + 6, m.name, 10);
    c.Text(cols[1] + 4, y + 6, m.strength, 10);
    c.Text(cols[2] + 4, y + 6, m.route_printed, 10);
    c.Text(cols[3] + 4, y + 6, m.frequency, 10);
    rule_row(y);
    y += 22;
  }
  Footer(c, kLetterH);
}

// ---- fresh6 layouts: written after fresh5's blind measurement and the changes made from it ----

// A questionnaire: each field asked as a question, the answer on the line under it; sex as
// radio-style options with the chosen one marked.
void IntakeQuestions(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, "Tell us about yourself", 15, true);
  c.Text(54, 66, "Please answer every question. " + k.clinic, 8.5);
  double y = 100;
  auto q = [&](const std::string& question, const std::string& answer) {
    c.Text(54, y, question, 10, true);
    c.Text(72, y + 16, answer, 11);
    y += 44;
  };
  q("What is your last name?", p.family);
  q("What is your first name?", p.given);
  q("When were you born?", p.birth.Long());
  c.Text(54, y, "What is your sex?", 10, true);
  SexBoxes(c, 72, y + 16, 10, p.gender);
  y += 44;
  q("What is your street address?", p.street);
  q("Which city do you live in?", p.city);
  q("State and ZIP code?", p.state + "  " + p.zip);
  q("What is the best phone number to reach you?", PhoneUs(p.phone));
  q("What is your e-mail address?", p.email);
  q("Who is your health insurance with?", k.coverage.payer);
  q("What is your member ID?", k.coverage.member_id);
  q("Are you allergic to anything? If so, what?",
    k.allergies.empty() ? std::string("No known allergies") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card printed in landscape with a tinted top band holding the payer, member
// details in a two-column grid with labels above values, pharmacy numbers along the bottom.
void CardH(Canvas& c, const Content& k) {
  c.Fill(0, 0, kCardW, 30, 0.78);
  c.Text(10, 8, "Sample card for testing only", 5);
  c.Text(kCardW - 10 - c.Width(k.coverage.payer, 10, true), 9, k.coverage.payer, 10, true);
  auto cell = [&](double x, double y, const std::string& label, const std::string& value) {
    c.Text(x, y, label, 5.5);
    c.Text(x, y + 8, value, 8.5, true);
  };
  cell(10, 40, "MEMBER", Upper(k.person.given + " " + k.person.family));
  cell(10, 68, "MEMBER ID", k.coverage.member_id);
  cell(130, 68, "GROUP NO.", k.coverage.group);
  c.Line(10, 118, kCardW - 10, 118, 0.4);
  c.Text(10, 124, "RX BIN " + k.coverage.rxbin, 6.5);
  c.Text(90, 124, "RX PCN " + k.coverage.rxpcn, 6.5);
  c.Text(170, 124, "RX GRP " + k.coverage.group, 6.5);
}

// A lab report as sentences: one result a line, the value and unit after a colon, the reference
// in parentheses at the end; collection date and patient in a sentence at the top.
void LabSentences(Canvas& c, const Content& k) {
  c.Text(54, 48, k.clinic, 12, true);
  c.Text(54, 74, "Results for " + k.person.given + " " + k.person.family + " (born " + k.person.birth.Us() +
                     "), sample taken " + k.collected.Long() + ".",
         9.5);
  double y = 108;
  for (const LabTest& l : k.labs) {
    std::string flag = Flag(l) == "H" ? " (high)" : Flag(l) == "L" ? " (low)" : "";
    c.Text(54, y, l.printed_name + ": " + l.value + " " + l.unit_printed + flag + "   (reference " + l.range + ")",
           10);
    y += 19;
  }
  Footer(c, kLetterH);
}

// A prescriber's medication list with the Latin abbreviations clinicians write: PO, INH, SC,
// QD, BID, TID, QHS, Q4H PRN.
void MedsSig(Canvas& c, const Content& k) {
  auto abbrev_route = [](const std::string& route) {
    return route == "oral" ? "PO" : route == "inhalation" ? "INH" : route == "subcutaneous" ? "SC"
                                  : route == "nasal"        ? "IN"
                                                            : "";
  };
  auto abbrev_freq = [](const std::string& f) -> std::string {
    if (f == "once daily") return "QD";
    if (f == "twice daily") return "BID";
    if (f == "three times daily") return "TID";
    if (f == "at bedtime") return "QHS";
    if (f == "every 4 hours as needed") return "Q4H PRN";
    return f;
  };
  c.Text(54, 48, "ACTIVE MEDICATIONS", 13, true);
  c.Text(54, 70, Upper(k.person.family) + ", " + Upper(k.person.given) + "   DOB: " + k.person.birth.Us(), 10);
  double y = 104;
  c.Text(54, y, "Medication / strength", 9, true);
  c.Text(330, y, "Sig", 9, true);
  c.Line(54, y + 14, 558, y + 14, 0.5);
  y += 24;
  for (const Medication& m : k.medications) {
    c.Text(54, y, m.name + " " + m.strength + " " + m.form, 10);
    c.Text(330, y, std::string("1 ") + (m.form == "inhaler" ? "puff" : m.form == "spray" ? "spray" : "tab") + " " +
                       abbrev_route(m.route) + " " + abbrev_freq(m.frequency),
           10);
    y += 20;
  }
  Footer(c, kLetterH);
}

// ---- fresh7 layouts: written after the changes made from fresh6, to be measured once ----

// A bilingual registration form: every label in Spanish and English ("Apellido / Last name"),
// values right of the labels on ruled lines, the phone and e-mail on one line.
void IntakeBilingual(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, "Registro de paciente / Patient registration", 13, true);
  double y = 92;
  auto row = [&](double x, const std::string& label, const std::string& value, double to) {
    double w = c.Text(x, y, label + ":", 9);
    c.Line(x + w + 4, y + 13, to, y + 13, 0.4);
    c.Text(x + w + 10, y - 1, value, 10.5);
  };
  row(54, "Apellido / Last name", p.family, 300);
  row(310, "Nombre / First name", p.given, 558);
  y += 30;
  row(54, "Fecha de nacimiento / Date of birth", p.birth.Us(), 330);
  c.Text(345, y, "Sexo / Sex:", 9);
  SexBoxes(c, 400, y, 9, p.gender);
  y += 30;
  row(54, "Domicilio / Address", p.street, 558);
  y += 30;
  row(54, "Ciudad / City", p.city, 250);
  row(260, "Estado / State", p.state, 380);
  row(390, "Código postal / ZIP", p.zip, 558);
  y += 30;
  row(54, "Teléfono / Phone", PhoneDash(p.phone), 280);
  row(290, "Correo electrónico / E-mail", p.email, 558);
  y += 30;
  row(54, "Seguro médico / Insurance", k.coverage.payer, 330);
  row(340, "Núm. de miembro / Member ID", k.coverage.member_id, 558);
  y += 30;
  row(54, "Alergias / Allergies", k.allergies.empty() ? std::string("Ninguna / None") : Join(k.allergies, ", "), 558);
  Footer(c, kLetterH);
}

// A card that prints the member ID in groups ("XQH 0921 05227") and the dependent's name
// under the subscriber's, with the pharmacy numbers in a box on the right.
void CardI(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 10.5, true);
  c.Text(12, 28, "PPO", 7, true);
  const std::string& id = k.coverage.member_id;
  std::string grouped = id.size() > 7 ? id.substr(0, 3) + " " + id.substr(3, 4) + " " + id.substr(7) : id;
  c.Text(12, 48, "Subscriber: " + k.person.given + " " + k.person.family, 7.5);
  c.Text(12, 62, "Member ID: " + grouped, 8.5, true);
  c.Text(12, 78, "Group: " + k.coverage.group, 7.5);
  c.Box(150, 44, 84, 48, 0.5);
  c.Text(156, 50, "RxBIN " + k.coverage.rxbin, 6.5);
  c.Text(156, 64, "RxPCN " + k.coverage.rxpcn, 6.5);
  c.Text(156, 78, "RxGRP " + k.coverage.group, 6.5);
  c.Text(12, kCardH - 20, "Synthetic sample card", 5.5);
}

// A lab report with a previous result beside each current one: the current value is the one
// under "Result"; the earlier value and its date are in the next column.
void LabPrevious(Canvas& c, const Content& k) {
  c.Text(54, 46, k.clinic + " Laboratory", 12, true);
  c.Text(54, 68, "Patient: " + k.person.family + ", " + k.person.given, 9.5);
  c.Text(300, 68, "DOB: " + k.person.birth.Us(), 9.5);
  c.Text(54, 84, "Collected: " + k.collected.Us(), 9.5);
  double y = 116;
  const double cols[] = {54, 210, 290, 400, 470};
  const char* heads[] = {"Test", "Result", "Previous", "Units", "Reference"};
  for (int i = 0; i < 5; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 14, 558, y + 14, 0.6);
  y += 22;
  int n = 0;
  for (const LabTest& l : k.labs) {
    // An earlier value near the current one, with one decimal more or less as labs print.
    double v = std::strtod(l.value.c_str(), nullptr);
    double prev = v * (n++ % 2 ? 0.93 : 1.06);
    bool decimals = l.value.find('.') != std::string::npos;
    std::string previous = (decimals ? fmt::format("{:.1f}", prev) : fmt::format("{:.0f}", prev)) + " (01/2023)";
    c.Text(cols[0], y, l.printed_name, 9.5);
    c.Text(cols[1], y, l.value + (Flag(l).empty() ? "" : " " + Flag(l)), 9.5);
    c.Text(cols[2], y, previous, 8.5);
    c.Text(cols[3], y, l.unit_printed, 9.5);
    c.Text(cols[4], y, l.range, 9.5);
    y += 18;
  }
  Footer(c, kLetterH);
}

// A medication list written as a letter to the patient: one sentence a medicine.
void MedsLetter(Canvas& c, const Content& k) {
  c.Text(54, 50, k.clinic, 12, true);
  c.Text(54, 80, "Dear " + k.person.given + " " + k.person.family + " (date of birth " + k.person.birth.Us() + "),", 10);
  c.Text(54, 100, "these are the medicines you take now:", 10);
  double y = 130;
  for (const Medication& m : k.medications) {
    c.Text(66, y, "- " + m.name + " " + m.strength + ", one " + m.form + " " + m.route_printed + " " + m.frequency + ".", 10);
    y += 20;
  }
  c.Text(54, y + 20, "Bring this list to every visit.", 10);
  Footer(c, kLetterH);
}

// ---- fresh8 layouts: written after fresh7's blind measurement, before looking at its failures ----

// A registration form with two people on it: the patient, then the responsible party (a
// parent or guarantor) with a name, birth date, address and phone of their own. Only the
// patient's belong in the record.
void IntakeGuarantor(Canvas& c, const Content& k) {
  const Person& p = k.person;
  static const char* kParents[] = {"Margaret", "Harold", "Denise", "Victor", "Ruth", "Samuel"};
  std::string parent = kParents[p.given.size() % std::size(kParents)];
  Date parent_birth = p.birth;
  parent_birth.year -= 27;
  std::string parent_phone = p.phone.substr(0, 6) + p.phone.substr(7, 3) + p.phone.substr(6, 1);
  c.Text(54, 44, k.clinic, 12, true);
  c.Text(54, 62, "PATIENT AND GUARANTOR INFORMATION", 10, true);
  double y = 96;
  auto row = [&](double x, const std::string& label, const std::string& value) {
    c.Text(x, y, label, 8);
    c.Text(x, y + 11, value, 10.5);
  };
  c.Fill(54, y - 6, 504, 14, 0.85);
  c.Text(58, y - 5, "PATIENT", 8.5, true);
  y += 16;
  row(54, "Last name", p.family);
  row(220, "First name", p.given);
  row(390, "Date of birth", p.birth.Us());
  y += 32;
  row(54, "Sex", p.gender == "male" ? "Male" : p.gender == "female" ? "Female" : "Other");
  row(220, "Phone", PhoneUs(p.phone));
  row(390, "E-mail", p.email);
  y += 32;
  row(54, "Street address", p.street);
  row(260, "City", p.city);
  row(390, "State", p.state);
  row(460, "ZIP", p.zip);
  y += 32;
  row(54, "Insurance company", k.coverage.payer);
  row(300, "Member ID", k.coverage.member_id);
  y += 32;
  row(54, "Allergies", k.allergies.empty() ? std::string("None") : Join(k.allergies, ", "));
  y += 44;
  c.Fill(54, y - 6, 504, 14, 0.85);
  c.Text(58, y - 5, "RESPONSIBLE PARTY / GUARANTOR (if not the patient)", 8.5, true);
  y += 16;
  row(54, "Last name", p.family);
  row(220, "First name", parent);
  row(390, "Date of birth", parent_birth.Us());
  y += 32;
  row(54, "Relationship to patient", "Parent");
  row(220, "Phone", PhoneUs(parent_phone));
  y += 32;
  row(54, "Street address", p.street);
  row(260, "City", p.city);
  Footer(c, kLetterH);
}

// A card whose front lists the subscriber and two dependents, each with a two-digit suffix on
// the member ID; the subscriber is the member.
void CardJ(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 10, true);
  c.Text(12, 30, "ID " + k.coverage.member_id, 8.5, true);
  c.Text(12, 44, "GROUP " + k.coverage.group, 7.5);
  c.Text(12, 60, "SUBSCRIBER", 6);
  c.Text(12, 68, Upper(k.person.given + " " + k.person.family) + "  01", 7.5);
  c.Text(12, 84, "DEPENDENTS", 6);
  c.Text(12, 92, "ALEX " + Upper(k.person.family) + "  02", 7);
  c.Text(12, 102, "JORDAN " + Upper(k.person.family) + "  03", 7);
  c.Text(150, 60, "BIN " + k.coverage.rxbin, 7);
  c.Text(150, 72, "PCN " + k.coverage.rxpcn, 7);
  c.Text(12, kCardH - 20, "Member services 1-800-555-0100  Synthetic card", 5.5);
}

// A cumulative lab report: results of three dates side by side, the newest first, the date
// in each column's header instead of "Result".
void LabCumulative(Canvas& c, const Content& k) {
  c.Text(54, 46, "Cumulative results - " + k.clinic, 11.5, true);
  c.Text(54, 70, "Patient: " + k.person.family + ", " + k.person.given + "   DOB " + k.person.birth.Us(), 9.5);
  c.Text(54, 86, "Most recent specimen collected " + k.collected.Us(), 9.5);
  double y = 116;
  Date older = k.collected, oldest = k.collected;
  older.year -= 1;
  oldest.year -= 2;
  const double cols[] = {54, 220, 300, 380, 460, 520};
  c.Text(cols[0], y, "Test", 9, true);
  c.Text(cols[1], y, k.collected.Us(), 9, true);
  c.Text(cols[2], y, older.Us(), 9, true);
  c.Text(cols[3], y, oldest.Us(), 9, true);
  c.Text(cols[4], y, "Units", 9, true);
  c.Text(cols[5], y, "Range", 9, true);
  c.Line(54, y + 14, 558, y + 14, 0.6);
  y += 22;
  int n = 0;
  for (const LabTest& l : k.labs) {
    double v = std::strtod(l.value.c_str(), nullptr);
    bool decimals = l.value.find('.') != std::string::npos;
    auto fmtv = [&](double x) { return decimals ? fmt::format("{:.1f}", x) : fmt::format("{:.0f}", x); };
    c.Text(cols[0], y, l.printed_name, 9);
    c.Text(cols[1], y, l.value + (Flag(l).empty() ? "" : " " + Flag(l)), 9);
    c.Text(cols[2], y, fmtv(v * (n % 2 ? 0.9 : 1.08)), 9);
    c.Text(cols[3], y, fmtv(v * (n % 2 ? 1.05 : 0.95)), 9);
    c.Text(cols[4], y, l.unit_printed, 8.5);
    c.Text(cols[5], y, l.range, 8.5);
    ++n;
    y += 17;
  }
  Footer(c, kLetterH);
}

// A medication list printed in two columns side by side, each entry on two lines (the medicine,
// then how to take it).
void MedsTwoColumns(Canvas& c, const Content& k) {
  c.Text(54, 48, "My medicines", 14, true);
  c.Text(54, 70, "Name: " + k.person.given + " " + k.person.family + "    Born: " + k.person.birth.Dashed(), 10);
  double top = 104;
  for (size_t i = 0; i < k.medications.size(); ++i) {
    const Medication& m = k.medications[i];
    double x = i % 2 == 0 ? 54 : 320;
    double y = top + static_cast<double>(i / 2) * 44;
    c.Text(x, y, m.name + " " + m.strength, 10.5, true);
    c.Text(x, y + 15, "1 " + m.form + " " + m.route_printed + ", " + m.frequency, 9.5);
  }
  Footer(c, kLetterH);
}

// ---- fresh9 layouts: written after fresh8's blind measurement, before reading its failures ----

// A form whose labels are right-aligned against a column, each value starting just right of it.
void IntakeRightAligned(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, k.clinic + " - new patient", 12, true);
  double y = 86;
  auto row = [&](const std::string& label, const std::string& value) {
    double w = c.Width(label + ":", 9.5);
    c.Text(230 - w, y, label + ":", 9.5);
    c.Text(240, y - 1, value, 10.5);
    y += 24;
  };
  row("Surname", p.family);
  row("Given name", p.given);
  row("Date of birth", p.birth.Dashed());
  row("Sex", p.gender == "male" ? "M" : p.gender == "female" ? "F" : "X");
  row("Home address", p.street);
  row("City", p.city);
  row("State", p.state);
  row("ZIP code", p.zip);
  row("Mobile", PhoneDash(p.phone));
  row("Email", p.email);
  row("Insurance carrier", k.coverage.payer);
  row("Policy number", k.coverage.member_id);
  row("Allergies", k.allergies.empty() ? std::string("NKA") : Join(k.allergies, "; "));
  Footer(c, kLetterH);
}

// A card whose pharmacy numbers are a small table: a header row (RxBIN RxPCN RxGRP) and the
// values in the row under it.
void CardK(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(14, 12, k.coverage.payer, 11, true);
  c.Text(14, 40, "Name: " + k.person.given + " " + k.person.family, 8);
  c.Text(14, 54, "Member #: " + k.coverage.member_id, 8);
  c.Text(14, 68, "Group #: " + k.coverage.group, 8);
  const double cols[] = {14, 80, 146};
  const char* heads[] = {"RxBIN", "RxPCN", "RxGRP"};
  for (int i = 0; i < 3; ++i) c.Text(cols[i], 92, heads[i], 6.5, true);
  c.Text(cols[0], 102, k.coverage.rxbin, 7.5);
  c.Text(cols[1], 102, k.coverage.rxpcn, 7.5);
  c.Text(cols[2], 102, k.coverage.group, 7.5);
  c.Text(14, kCardH - 20, "Not a real card - test sample", 5.5);
}

// A lab report whose results are split into two tables side by side to fit one page.
void LabSideBySide(Canvas& c, const Content& k) {
  c.Text(54, 46, k.clinic + " - Lab results", 12, true);
  c.Text(54, 68, "Patient: " + k.person.given + " " + k.person.family + "   DOB: " + k.person.birth.Us() +
                     "   Collected: " + k.collected.Us(), 9);
  size_t half = (k.labs.size() + 1) / 2;
  for (int side = 0; side < 2; ++side) {
    double x = side == 0 ? 54 : 312;
    double y = 100;
    c.Text(x, y, "Test", 8.5, true);
    c.Text(x + 104, y, "Result", 8.5, true);
    c.Text(x + 150, y, "Units", 8.5, true);
    c.Text(x + 204, y, "Range", 8.5, true);
    y += 16;
    for (size_t i = side == 0 ? 0 : half; i < (side == 0 ? half : k.labs.size()); ++i) {
      const LabTest& l = k.labs[i];
      c.Text(x, y, l.printed_name, 8.5);
      c.Text(x + 104, y, l.value + (Flag(l).empty() ? "" : " " + Flag(l)), 8.5);
      c.Text(x + 150, y, l.unit_printed, 7.5);
      c.Text(x + 204, y, l.range, 8);
      y += 15;
    }
  }
  Footer(c, kLetterH);
}

// A medication table with how often first, then the medicine, its dose and the route.
void MedsFrequencyFirst(Canvas& c, const Content& k) {
  c.Text(54, 48, "Medication schedule", 13, true);
  c.Text(54, 70, "For " + k.person.given + " " + k.person.family + ", born " + k.person.birth.Long(), 10);
  double y = 104;
  const double cols[] = {54, 220, 380, 460};
  const char* heads[] = {"When", "Medicine", "Dose", "Route"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9.5, true);
  c.Line(54, y + 14, 558, y + 14, 0.5);
  y += 24;
  for (const Medication& m : k.medications) {
    c.Text(cols[0], y, m.frequency, 10);
    c.Text(cols[1], y, m.name, 10);
    c.Text(cols[2], y, m.strength, 10);
    c.Text(cols[3], y, m.route_printed, 10);
    y += 20;
  }
  Footer(c, kLetterH);
}


// ---- fresh10 layouts: written after fresh9's blind measurement, before reading its failures ----

// A paper form whose values are written on rules with the caption printed small under each rule,
// two or three fields to a row.
void IntakeCaptionBelow(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 42, k.clinic, 13, true);
  c.Text(54, 62, "Registration - please print", 9);
  double y = 100;
  auto field = [&](double x, double w, const std::string& caption, const std::string& value) {
    c.Text(x + 2, y, value, 11);
    c.Line(x, y + 15, x + w, y + 15, 0.6);
    c.Text(x, y + 18, caption, 6.5);
  };
  field(54, 200, "Last name", p.family);
  field(270, 170, "First name", p.given);
  field(456, 100, "Birth date (mm/dd/yyyy)", p.birth.Us());
  y += 44;
  field(54, 260, "Street", p.street);
  field(330, 110, "City", p.city);
  field(456, 36, "State", p.state);
  field(504, 54, "Zip", p.zip);
  y += 44;
  field(54, 140, "Home or cell phone", PhoneUs(p.phone));
  field(210, 230, "E-mail address", p.email);
  c.Text(456, y - 2, "Sex", 6.5);
  SexBoxes(c, 456, y + 8, 7, p.gender, true);
  y += 44;
  field(54, 230, "Insurance plan", k.coverage.payer);
  field(300, 160, "Subscriber / member number", k.coverage.member_id);
  y += 44;
  field(54, 504, "Drug or food allergies (write NONE if none)",
        k.allergies.empty() ? std::string("NONE") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card with the payer's name at the bottom, captions above values in small capitals, and a
// copay row of dollar amounts between the member's details and the pharmacy numbers.
void CardL(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 10, "MEMBER", 5.5);
  c.Text(12, 17, Upper(k.person.family) + ", " + Upper(k.person.given), 8.5, true);
  c.Text(12, 34, "IDENTIFICATION NUMBER", 5.5);
  c.Text(12, 41, k.coverage.member_id, 8.5, true);
  c.Text(150, 34, "GROUP NUMBER", 5.5);
  c.Text(150, 41, k.coverage.group, 8.5);
  c.Text(12, 60, "PCP $25   SPECIALIST $50   URGENT $75   ER $250", 6.5);
  c.Text(12, 76, "RxBIN " + k.coverage.rxbin + "   RxPCN " + k.coverage.rxpcn + "   RxGRP " + k.coverage.group, 6.5);
  c.Text(12, kCardH - 36, k.coverage.payer, 10, true);
  c.Text(12, kCardH - 20, "Sample card, not valid for coverage", 5.5);
}

// A lab report whose result cell carries the unit ("5.4 mmol/L"), with a separate flag column,
// the reference interval repeated with its unit, and an italic comment under some tests.
void LabUnitInResult(Canvas& c, const Content& k) {
  c.Text(54, 44, k.clinic + " Clinical Laboratory", 12, true);
  c.Text(54, 66, "Name: " + k.person.family + ", " + k.person.given, 9.5);
  c.Text(300, 66, "Birth date: " + k.person.birth.Long(), 9.5);
  c.Text(54, 80, "Specimen collected: " + k.collected.Long(), 9.5);
  double y = 108;
  const double cols[] = {54, 220, 340, 390};
  c.Text(cols[0], y, "Analyte", 9, true);
  c.Text(cols[1], y, "Result", 9, true);
  c.Text(cols[2], y, "Flag", 9, true);
  c.Text(cols[3], y, "Reference interval", 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 20;
  int n = 0;
  for (const LabTest& l : k.labs) {
    c.Text(cols[0], y, l.printed_name, 9.5);
    c.Text(cols[1], y, l.value + " " + l.unit_printed, 9.5);
    c.Text(cols[2], y, l.flag_high ? "High" : l.flag_low ? "Low" : "", 9.5);
    c.Text(cols[3], y, l.range + " " + l.unit_printed, 9);
    y += 16;
    if (++n % 3 == 0) {
      c.Text(cols[0] + 12, y, "Comment: result verified by repeat analysis.", 7.5);
      y += 13;
    }
  }
  Footer(c, kLetterH);
}

// A medication list with the directions in one column ("Take 1 tablet by mouth twice daily")
// between the medicine and two columns we do not extract: who prescribed it and since when.
void MedsPrescriber(Canvas& c, const Content& k) {
  c.Text(54, 46, "Current medications", 13, true);
  c.Text(54, 66, k.person.family + ", " + k.person.given + "  (DOB " + k.person.birth.Us() + ")", 10);
  double y = 100;
  const double cols[] = {54, 190, 390, 480};
  const char* heads[] = {"Medication", "Directions", "Prescriber", "Started"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9.5, true);
  c.Line(54, y + 14, 558, y + 14, 0.5);
  y += 24;
  static const char* kPrescribers[] = {"Dr. Okafor", "Dr. Lindqvist", "Dr. Ramos"};
  int n = 0;
  for (const Medication& m : k.medications) {
    Date since = k.letter_date;
    since.year -= 1 + n % 3;
    c.Text(cols[0], y, m.name + " " + m.strength, 9.5);
    c.Text(cols[1], y, "Take 1 " + m.form + " " + m.route_printed + " " + m.frequency, 9);
    c.Text(cols[2], y, kPrescribers[n % 3], 9);
    c.Text(cols[3], y, since.Us(), 9);
    ++n;
    y += 20;
  }
  Footer(c, kLetterH);
}


// ---- fresh11 layouts: written after fresh10's blind measurement, before reading its failures ----

// A form with comb fields: each character of the name, birth date, ZIP and phone in a cell of
// its own under a caption in capitals; the rest on plain lines.
void IntakeComb(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 40, k.clinic, 12, true);
  c.Text(54, 58, "PATIENT REGISTRATION - USE BLOCK CAPITALS, ONE LETTER PER BOX", 8);
  double y = 90;
  auto comb = [&](double x, const std::string& caption, const std::string& value, int cells) {
    c.Text(x, y, caption, 7, true);
    for (int i = 0; i < cells; ++i) {
      double cx = x + i * 15;
      c.Box(cx, y + 11, 15, 18, 0.5);
      if (i < static_cast<int>(value.size()) && value[i] != ' ')
        c.Text(cx + 4, y + 14, std::string(1, value[i]), 10);
    }
  };
  comb(54, "LAST NAME", Upper(p.family), 16);
  y += 44;
  comb(54, "FIRST NAME", Upper(p.given), 16);
  y += 44;
  std::string dob = p.birth.Us();
  dob.erase(std::remove(dob.begin(), dob.end(), '/'), dob.end());
  comb(54, "DATE OF BIRTH (MMDDYYYY)", dob, 8);
  c.Text(230, y, "SEX", 7, true);
  SexBoxes(c, 230, y + 14, 8, p.gender);
  y += 48;
  auto line = [&](double x, double w, const std::string& caption, const std::string& value) {
    c.Text(x, y, caption, 7, true);
    c.Text(x + 2, y + 12, value, 10.5);
    c.Line(x, y + 26, x + w, y + 26, 0.5);
  };
  line(54, 300, "STREET ADDRESS", p.street);
  line(370, 120, "CITY", p.city);
  line(500, 50, "STATE", p.state);
  y += 40;
  comb(54, "ZIP CODE", p.zip, 10);
  comb(230, "PHONE", p.phone, 10);
  y += 44;
  line(54, 300, "E-MAIL", p.email);
  y += 40;
  line(54, 220, "INSURANCE COMPANY", k.coverage.payer);
  line(290, 200, "MEMBER ID", k.coverage.member_id);
  y += 40;
  line(54, 500, "ALLERGIES (NONE IF NONE)", k.allergies.empty() ? std::string("NONE") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card whose plan type, effective date and dependent code sit among the fields we read,
// printed as a two-column table of captions and values.
void CardM(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 11, true);
  c.Text(12, 28, "Your health, our priority", 6, false);
  double y = 46;
  auto row = [&](const std::string& caption, const std::string& value) {
    c.Text(12, y, caption, 6.5);
    c.Text(92, y - 0.5, value, 7.5, true);
    y += 11;
  };
  row("Member", k.person.given + " " + k.person.family);
  row("Member ID", k.coverage.member_id);
  row("Dependent code", "00");
  row("Group", k.coverage.group);
  row("Plan type", "PPO");
  row("Effective", k.collected.Us());
  c.Text(170, 46, "Rx BIN: " + k.coverage.rxbin, 6.5);
  c.Text(170, 57, "Rx PCN: " + k.coverage.rxpcn, 6.5);
  c.Text(170, 68, "Copay: $20/$40/$60", 6.5);
  c.Text(12, kCardH - 18, "Synthetic card for testing only", 5.5);
}

// A lab report in the style of large reference labs: tests grouped under panel headings, names
// in capitals, a flag column, and a trailing performing-lab code on each row.
void LabPanels(Canvas& c, const Content& k) {
  c.Text(54, 42, "REFERENCE LABORATORY REPORT", 11, true);
  c.Text(54, 60, "PATIENT: " + Upper(k.person.family) + ", " + Upper(k.person.given), 8.5);
  c.Text(300, 60, "DOB: " + k.person.birth.Us(), 8.5);
  c.Text(54, 72, "COLLECTED: " + k.collected.Us() + " 07:45", 8.5);
  c.Text(300, 72, "ORDERING: " + k.provider_name, 8.5);
  double y = 98;
  const double cols[] = {54, 230, 300, 350, 440, 540};
  const char* heads[] = {"TESTS", "RESULT", "FLAG", "UNITS", "REFERENCE INTERVAL", "LAB"};
  for (int i = 0; i < 6; ++i) c.Text(cols[i], y, heads[i], 7.5, true);
  c.Line(54, y + 11, 558, y + 11, 0.5);
  y += 18;
  static const char* kPanels[] = {"Comp. Metabolic Panel (14)", "Lipid Panel", "CBC With Differential"};
  for (size_t i = 0; i < k.labs.size(); ++i) {
    if (i % 4 == 0) {
      c.Text(cols[0], y, kPanels[(i / 4) % 3], 8.5, true);
      y += 13;
    }
    const LabTest& l = k.labs[i];
    std::string range = l.range;
    if (size_t dash = range.find('-'); dash != std::string::npos) range = range.substr(0, dash) + " - " + range.substr(dash + 1);
    c.Text(cols[0] + 8, y, Upper(l.printed_name), 8.5);
    c.Text(cols[1], y, l.value, 8.5);
    c.Text(cols[2], y, l.flag_high ? "High" : l.flag_low ? "Low" : "", 8.5);
    c.Text(cols[3], y, l.unit_printed, 8);
    c.Text(cols[4], y, range, 8);
    c.Text(cols[5], y, "01", 8);
    y += 13;
  }
  Footer(c, kLetterH);
}

// A prescription list with quantity and refill columns of bare numbers after the sig.
void MedsRefills(Canvas& c, const Content& k) {
  c.Text(54, 46, "Active prescriptions", 13, true);
  c.Text(54, 66, "Patient: " + k.person.given + " " + k.person.family, 10);
  c.Text(330, 66, "Date of birth: " + k.person.birth.Us(), 10);
  double y = 100;
  const double cols[] = {54, 180, 250, 470, 520};
  const char* heads[] = {"Drug", "Strength", "Sig", "Qty", "Refills"};
  for (int i = 0; i < 5; ++i) c.Text(cols[i], y, heads[i], 9.5, true);
  c.Line(54, y + 14, 558, y + 14, 0.5);
  y += 24;
  int n = 0;
  for (const Medication& m : k.medications) {
    c.Text(cols[0], y, m.name, 9.5);
    c.Text(cols[1], y, m.strength, 9.5);
    c.Text(cols[2], y, "1 " + m.form + " " + m.route_printed + " " + m.frequency, 8.5);
    c.Text(cols[3], y, std::to_string(30 + 30 * (n % 3)), 9.5);
    c.Text(cols[4], y, std::to_string(n % 4), 9.5);
    ++n;
    y += 20;
  }
  Footer(c, kLetterH);
}


// ---- fresh12 layouts: written after fresh11's blind measurement, before reading its failures ----

// A consent-style form: two or three "Label: value" pairs on each line, close together.
void IntakeLinePairs(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, k.clinic + " - Patient information and consent", 12, true);
  double y = 84;
  auto line = [&](const std::vector<std::pair<std::string, std::string>>& pairs) {
    double x = 54;
    for (const auto& [label, value] : pairs) {
      x += c.Text(x, y, label + ": ", 10, true);
      x += c.Text(x, y, value, 10) + 18;
    }
    y += 22;
  };
  line({{"Name", p.given + " " + p.family}, {"Date of birth", p.birth.Us()},
        {"Sex", p.gender == "male" ? "M" : p.gender == "female" ? "F" : "X"}});
  line({{"Address", p.street}, {"City", p.city}, {"State", p.state}, {"ZIP", p.zip}});
  line({{"Phone", PhoneUs(p.phone)}, {"Email", p.email}});
  line({{"Insurance", k.coverage.payer}, {"Member ID", k.coverage.member_id}});
  line({{"Allergies", k.allergies.empty() ? std::string("None") : Join(k.allergies, ", ")}});
  y += 10;
  c.Text(54, y, "I consent to treatment and to the release of information needed to process claims.", 9);
  c.Text(54, y + 30, "Signature: ______________________    Date: ____________", 9);
  Footer(c, kLetterH);
}

// A card printing the member's name with a middle initial at the bottom, the issuer's name
// in capitals at the top right, and the pharmacy group labelled RxGroup.
void CardN(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  double w = c.Width(Upper(k.coverage.payer), 10, true);
  c.Text(kCardW - 14 - w, 12, Upper(k.coverage.payer), 10, true);
  c.Text(12, 40, "Member ID: " + k.coverage.member_id, 8);
  c.Text(12, 54, "Group: " + k.coverage.group, 8);
  c.Text(160, 40, "RxBIN: " + k.coverage.rxbin, 7);
  c.Text(160, 52, "RxPCN: " + k.coverage.rxpcn, 7);
  c.Text(160, 64, "RxGroup: " + k.coverage.group, 7);
  static const char kInitials[] = "ABCDEJKLMRST";
  std::string middle(1, kInitials[k.person.family.size() % (sizeof(kInitials) - 1)]);
  c.Text(12, 96, "Member: " + Upper(k.person.given + " " + middle + " " + k.person.family), 8.5, true);
  c.Text(12, kCardH - 18, "Test card - not valid", 5.5);
}

// A lab report with each test as a small block: the name on one line, the result, its unit and
// the range on the next.
void LabBlocks(Canvas& c, const Content& k) {
  c.Text(54, 46, k.clinic + " laboratory", 12, true);
  c.Text(54, 66, "Patient: " + k.person.family + ", " + k.person.given + "    Born: " + k.person.birth.Us(), 9.5);
  c.Text(54, 80, "Date collected: " + k.collected.Us(), 9.5);
  double y = 108;
  for (const LabTest& l : k.labs) {
    c.Text(54, y, Upper(l.printed_name), 9.5, true);
    std::string flag = l.flag_high ? "  (high)" : l.flag_low ? "  (low)" : "";
    c.Text(70, y + 13, "Result: " + l.value + " " + l.unit_printed + flag + "     Normal range: " + l.range, 9);
    y += 32;
  }
  Footer(c, kLetterH);
}

// A pill card: how often is shown by marks under the times of day, the route beside the dose.
void MedsPillCard(Canvas& c, const Content& k) {
  c.Text(54, 46, "Pill card", 14, true);
  c.Text(54, 68, k.person.given + " " + k.person.family + " - born " + k.person.birth.Us(), 10);
  double y = 100;
  const double cols[] = {54, 190, 330, 385, 440, 500};
  const char* heads[] = {"Medicine", "Dose", "Morning", "Noon", "Evening", "Bedtime"};
  for (int i = 0; i < 6; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  for (const Medication& m : k.medications) {
    c.Text(cols[0], y, m.name, 9.5);
    c.Text(cols[1], y, m.strength + " " + m.route_printed, 9);
    bool marks[4] = {false, false, false, false};
    std::string note;
    if (m.frequency == "once daily") marks[0] = true;
    else if (m.frequency == "twice daily") marks[0] = marks[2] = true;
    else if (m.frequency == "three times daily") marks[0] = marks[1] = marks[2] = true;
    else if (m.frequency == "at bedtime") marks[3] = true;
    else note = m.frequency;
    for (int i = 0; i < 4; ++i) c.CheckBox(cols[2 + i] + 8, y, 9, marks[i]);
    if (!note.empty()) c.Text(cols[2], y + 12, note, 8);
    y += note.empty() ? 20 : 30;
  }
  Footer(c, kLetterH);
}


// ---- fresh13 layouts: written after fresh12's blind measurement, before reading its failures ----

// A form printed from a web page: required labels marked with an asterisk, each value in a box
// to the right, and a grey example under some boxes ("e.g. 555-123-4567").
void IntakeWebPrint(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 40, "Online check-in - " + k.clinic, 12, true);
  c.Text(54, 58, "Fields marked * are required", 7.5);
  double y = 84;
  auto field = [&](const std::string& label, const std::string& value, const std::string& example) {
    c.Text(54, y + 3, label, 9.5);
    c.Box(200, y, 300, 18, 0.5);
    c.Text(205, y + 3, value, 10);
    if (!example.empty()) c.Text(205, y + 21, example, 7);
    y += example.empty() ? 28 : 38;
  };
  field("Last name *", p.family, "");
  field("First name *", p.given, "");
  field("Date of birth *", p.birth.Us(), "e.g. 04/23/1985");
  field("Sex assigned at birth", p.gender == "male" ? "Male" : p.gender == "female" ? "Female" : "Other", "");
  field("Street address *", p.street, "");
  field("City *", p.city, "");
  field("State *", p.state, "e.g. OH");
  field("ZIP code *", p.zip, "");
  field("Mobile phone", PhoneDash(p.phone), "e.g. 555-123-4567");
  field("Email", p.email, "e.g. name@example.com");
  field("Insurance company", k.coverage.payer, "");
  field("Member ID", k.coverage.member_id, "as printed on your card");
  field("Allergies", k.allergies.empty() ? std::string("None") : Join(k.allergies, ", "), "");
  Footer(c, kLetterH);
}

// A card issued by a plan but administered by another company named at the bottom; the
// pharmacy numbers in a small box headed "Rx".
void CardO(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 11, true);
  c.Text(12, 36, "Member Name", 6);
  c.Text(12, 43, k.person.given + " " + k.person.family, 8.5, true);
  c.Text(12, 60, "Member ID", 6);
  c.Text(12, 67, k.coverage.member_id, 8.5, true);
  c.Text(12, 84, "Group No.", 6);
  c.Text(12, 91, k.coverage.group, 8);
  c.Box(160, 34, 80, 48, 0.5);
  c.Text(166, 37, "Rx", 7, true);
  c.Text(166, 49, "BIN " + k.coverage.rxbin, 6.5);
  c.Text(166, 60, "PCN " + k.coverage.rxpcn, 6.5);
  c.Text(166, 71, "GRP " + k.coverage.group, 6.5);
  c.Text(12, kCardH - 26, "Administered by Keystone Benefit Services", 6);
  c.Text(12, kCardH - 16, "Synthetic test card", 5.5);
}

// A lab report whose test names carry their unit in parentheses, with no unit column.
void LabUnitInName(Canvas& c, const Content& k) {
  c.Text(54, 44, k.clinic, 12, true);
  c.Text(54, 62, "Laboratory results for " + k.person.given + " " + k.person.family, 10);
  c.Text(54, 76, "DOB " + k.person.birth.Us() + "     Specimen date " + k.collected.Us(), 9);
  double y = 104;
  c.Text(54, y, "Test (units)", 9, true);
  c.Text(260, y, "Result", 9, true);
  c.Text(340, y, "Reference", 9, true);
  c.Line(54, y + 13, 460, y + 13, 0.5);
  y += 20;
  for (const LabTest& l : k.labs) {
    c.Text(54, y, l.printed_name + " (" + l.unit_printed + ")", 9);
    c.Text(260, y, l.value + (l.flag_high ? " H" : l.flag_low ? " L" : ""), 9);
    c.Text(340, y, l.range, 9);
    y += 16;
  }
  Footer(c, kLetterH);
}

// A discharge letter: the medicines inside sentences, in lower case.
void MedsDischarge(Canvas& c, const Content& k) {
  c.Text(54, 46, "Discharge instructions", 13, true);
  c.Text(54, 68, "Patient: " + k.person.given + " " + k.person.family + "   Date of birth: " + k.person.birth.Long(), 10);
  double y = 100;
  c.Text(54, y, "Please take your medicines as follows:", 10);
  y += 20;
  static const char* kVerbs[] = {"Continue", "Start", "Keep taking"};
  int n = 0;
  for (const Medication& m : k.medications) {
    std::string name = m.name;
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    c.Text(54, y, std::string(kVerbs[n % 3]) + " " + name + " " + m.strength + ", 1 " + m.form + " " + m.route_printed +
                      " " + m.frequency + ".", 10);
    ++n;
    y += 18;
  }
  c.Text(54, y + 14, "Call the clinic if you have questions about your medicines.", 10);
  Footer(c, kLetterH);
}


// ---- fresh14 layouts: written after fresh13's blind measurement, before reading its failures ----

// A faxed form: the fax machine's header line (numbers, a date and time) above the form, and an
// emergency contact's phone number among the patient's fields.
void IntakeFax(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(40, 14, "FROM: 217-555-0100   TO: 217-555-0111   " + k.letter_date.Us() + " 10:22   P. 1/1", 7.5);
  c.Line(40, 26, 572, 26, 0.4);
  c.Text(54, 48, k.clinic + " - Patient intake", 12, true);
  double y = 84;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(54, y, label, 10);
    c.Text(230, y, value, 10.5);
    y += 21;
  };
  row("Patient Name:", p.family + ", " + p.given);
  row("DOB:", p.birth.Us());
  row("Gender:", p.gender == "male" ? "Male" : p.gender == "female" ? "Female" : "Other");
  row("Address:", p.street);
  row("City/State/Zip:", p.city + ", " + p.state + " " + p.zip);
  row("Home Phone:", PhoneUs(p.phone));
  row("E-mail:", p.email);
  row("Emergency contact phone:", "(312) 555-0177");
  row("Primary Insurance:", k.coverage.payer);
  row("Policy #:", k.coverage.member_id);
  row("Allergies:", k.allergies.empty() ? std::string("NKDA") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card printing the member ID in groups of three characters and "#" after BIN and PCN.
void CardP(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 10.5, true);
  std::string grouped;
  const std::string& id = k.coverage.member_id;
  for (size_t i = 0; i < id.size(); ++i) grouped += (i && i % 3 == 0 ? " " : "") + std::string(1, id[i]);
  c.Text(12, 38, "Member", 6.5);
  c.Text(12, 46, Upper(k.person.given + " " + k.person.family), 8, true);
  c.Text(12, 62, "ID", 6.5);
  c.Text(12, 70, grouped, 9, true);
  c.Text(12, 88, "Group", 6.5);
  c.Text(12, 96, k.coverage.group, 8);
  c.Text(170, 62, "BIN# " + k.coverage.rxbin, 6.5);
  c.Text(170, 74, "PCN# " + k.coverage.rxpcn, 6.5);
  c.Text(12, kCardH - 16, "Test card only", 5.5);
}

// A lab report with dotted leaders from each test's name to its result, an asterisk marking
// results out of range, and the reference range after "Ref:".
void LabLeaders(Canvas& c, const Content& k) {
  c.Text(54, 44, "Laboratory report", 12, true);
  c.Text(54, 64, "Name: " + k.person.given + " " + k.person.family + "     DOB: " + k.person.birth.Us(), 9.5);
  c.Text(54, 78, "Collected: " + k.collected.Us(), 9.5);
  double y = 106;
  for (const LabTest& l : k.labs) {
    std::string name = l.printed_name + " ";
    std::string dots;
    while (c.Width(name + dots + ".", 9.5) < 190) dots += ".";
    c.Text(54, y, name + dots, 9.5);
    c.Text(250, y, l.value + ((l.flag_high || l.flag_low) ? " *" : ""), 9.5);
    c.Text(310, y, l.unit_printed, 9);
    c.Text(400, y, "Ref: " + l.range, 9);
    y += 17;
  }
  c.Text(54, y + 10, "* outside the reference range", 8);
  Footer(c, kLetterH);
}

// A medication table whose names carry a brand in parentheses, with a column saying what each
// medicine is for.
void MedsPurpose(Canvas& c, const Content& k) {
  static const std::map<std::string, std::pair<std::string, std::string>> kInfo = {
      {"Metformin", {"Glucophage", "diabetes"}},       {"Lisinopril", {"Zestril", "blood pressure"}},
      {"Atorvastatin", {"Lipitor", "cholesterol"}},    {"Levothyroxine", {"Synthroid", "thyroid"}},
      {"Amlodipine", {"Norvasc", "blood pressure"}},   {"Omeprazole", {"Prilosec", "heartburn"}},
      {"Albuterol", {"Ventolin", "breathing"}},        {"Sertraline", {"Zoloft", "mood"}},
      {"Losartan", {"Cozaar", "blood pressure"}},      {"Gabapentin", {"Neurontin", "nerve pain"}},
      {"Insulin glargine", {"Lantus", "diabetes"}},    {"Hydrochlorothiazide", {"Microzide", "blood pressure"}},
      {"Fluticasone", {"Flonase", "allergies"}},       {"Warfarin", {"Coumadin", "blood clots"}},
  };
  c.Text(54, 46, "Medication list", 13, true);
  c.Text(54, 66, "Name: " + k.person.family + ", " + k.person.given + "     DOB: " + k.person.birth.Us(), 10);
  double y = 98;
  const double cols[] = {54, 270, 470};
  const char* heads[] = {"Medication", "How to take", "For"};
  for (int i = 0; i < 3; ++i) c.Text(cols[i], y, heads[i], 9.5, true);
  c.Line(54, y + 14, 558, y + 14, 0.5);
  y += 24;
  for (const Medication& m : k.medications) {
    auto it = kInfo.find(m.name);
    std::string brand = it == kInfo.end() ? "" : " (" + it->second.first + ")";
    c.Text(cols[0], y, m.name + brand + " " + m.strength, 9.5);
    c.Text(cols[1], y, "1 " + m.form + " " + m.route_printed + " " + m.frequency, 8.5);
    c.Text(cols[2], y, it == kInfo.end() ? "" : it->second.second, 9);
    y += 20;
  }
  Footer(c, kLetterH);
}


// ---- fresh15 layouts: written after fresh14's blind measurement, before reading its failures ----

// A form with a title to tick, the name as "Last, First" under one label, a preferred name and a
// previous address among the fields.
void IntakeFullName(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, k.clinic, 12, true);
  c.Text(54, 62, "New patient form", 10);
  double y = 96;
  c.Text(54, y, "Title:", 10);
  double x = 120;
  for (const char* t : {"Mr", "Mrs", "Ms", "Mx", "Dr"}) {
    c.CheckBox(x, y + 1, 9, false);
    x += 13 + c.Text(x + 13, y, t, 10) + 14;
  }
  y += 24;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(54, y, label, 10);
    c.Text(260, y, value, 10.5);
    y += 22;
  };
  row("Full name (Last, First):", p.family + ", " + p.given);
  row("Preferred name:", p.given.substr(0, 3));
  row("Date of birth (MM/DD/YYYY):", p.birth.Us());
  row("Sex:", p.gender == "male" ? "Male" : p.gender == "female" ? "Female" : "Other");
  row("Current address:", p.street + ", " + p.city + ", " + p.state + " " + p.zip);
  row("Previous address:", "100 Old Mill Road, Dayton, OH 45402");
  row("Phone:", PhoneUs(p.phone));
  row("Email:", p.email);
  row("Insurance:", k.coverage.payer);
  row("ID number:", k.coverage.member_id);
  row("Allergies:", k.allergies.empty() ? std::string("No known allergies") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card with the issuer's ten-digit number (80840 prefix) among the identifiers.
void CardQ(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 10.5, true);
  c.Text(12, 34, "Issuer (80840) 9151014609", 6.5);
  c.Text(12, 48, "Name: " + k.person.given + " " + k.person.family, 8);
  c.Text(12, 62, "ID: " + k.coverage.member_id, 8);
  c.Text(12, 76, "Group: " + k.coverage.group, 8);
  c.Text(160, 48, "Rx Bin: " + k.coverage.rxbin, 6.5);
  c.Text(160, 60, "Rx PCN: " + k.coverage.rxpcn, 6.5);
  c.Text(160, 72, "Rx Grp: " + k.coverage.group, 6.5);
  c.Text(12, kCardH - 16, "Sample only", 5.5);
}

// A plain-text lab report: capitals, columns by spaces, the flag in its own column after the
// result, and the unit last, after the range.
void LabTextReport(Canvas& c, const Content& k) {
  c.Text(54, 44, "LAB RESULTS", 11, true);
  c.Text(54, 62, "PT: " + Upper(k.person.family) + ", " + Upper(k.person.given) + "   DOB: " + k.person.birth.Us(), 9);
  c.Text(54, 76, "COLL: " + k.collected.Us(), 9);
  double y = 104;
  const double cols[] = {54, 230, 290, 330, 430};
  const char* heads[] = {"TEST", "RESULT", "FLAG", "REF RANGE", "UNITS"};
  for (int i = 0; i < 5; ++i) c.Text(cols[i], y, heads[i], 8.5, true);
  y += 16;
  for (const LabTest& l : k.labs) {
    c.Text(cols[0], y, Upper(l.printed_name), 9);
    c.Text(cols[1], y, l.value, 9);
    c.Text(cols[2], y, l.flag_high ? "H" : l.flag_low ? "L" : "", 9);
    c.Text(cols[3], y, l.range, 9);
    c.Text(cols[4], y, l.unit_printed, 9);
    y += 15;
  }
  Footer(c, kLetterH);
}

// A pharmacy's printout: one block per prescription with the number, the name in capitals with
// its salt and form abbreviated, quantity and refills, then the directions.
void MedsPharmacy(Canvas& c, const Content& k) {
  static const std::map<std::string, std::string> kSalt = {
      {"Metformin", "HCL"}, {"Losartan", "POTASSIUM"}, {"Sertraline", "HCL"}, {"Levothyroxine", "SODIUM"},
      {"Amlodipine", "BESYLATE"}, {"Albuterol", "SULFATE"}, {"Fluticasone", "PROPIONATE"}, {"Warfarin", "SODIUM"}};
  c.Text(54, 44, "Prescription history", 12, true);
  c.Text(54, 62, "Patient: " + Upper(k.person.given + " " + k.person.family) + "   DOB " + k.person.birth.Us(), 9.5);
  double y = 96;
  int n = 0;
  for (const Medication& m : k.medications) {
    auto it = kSalt.find(m.name);
    std::string form = m.form == "tablet" ? "TAB" : m.form == "capsule" ? "CAP" : Upper(m.form);
    std::string line = "Rx# " + std::to_string(4402100 + 37 * n) + "   " + Upper(m.name) +
                       (it == kSalt.end() ? "" : " " + it->second) + " " + Upper(m.strength) + " " + form;
    c.Text(54, y, line, 9.5, true);
    c.Text(54, y + 13, "Qty: " + std::to_string(30 + 30 * (n % 3)) + "   Refills: " + std::to_string(n % 4) +
                           "   Filled " + k.letter_date.Us(), 8.5);
    c.Text(54, y + 26, "Take 1 " + m.form + " " + m.route_printed + " " + m.frequency, 9);
    y += 46;
    ++n;
  }
  Footer(c, kLetterH);
}


// ---- fresh16 layouts: written after fresh15's blind measurement, before reading its failures ----

// A form with the name in "First Middle Last" order under one label and a medical history grid
// of Yes/No boxes between the demographics and the insurance.
void IntakeHistoryGrid(Canvas& c, const Content& k) {
  const Person& p = k.person;
  static const char kInitials[] = "ABCDEJKLMRST";
  std::string middle(1, kInitials[p.given.size() % (sizeof(kInitials) - 1)]);
  c.Text(54, 44, k.clinic + " - Health history", 12, true);
  double y = 80;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(54, y, label, 9.5, true);
    c.Text(250, y, value, 10.5);
    y += 20;
  };
  row("Name (First Middle Last)", p.given + " " + middle + ". " + p.family);
  row("Date of birth", p.birth.Us());
  row("Sex", p.gender == "male" ? "M" : p.gender == "female" ? "F" : "X");
  row("Address", p.street + ", " + p.city + ", " + p.state + " " + p.zip);
  row("Phone", PhoneUs(p.phone));
  row("Email", p.email);
  y += 8;
  c.Text(54, y, "Have you ever had:", 10, true);
  c.Text(300, y, "Yes", 9);
  c.Text(340, y, "No", 9);
  y += 16;
  static const char* kConditions[] = {"Diabetes", "High blood pressure", "Asthma", "Heart disease"};
  int n = 0;
  for (const char* cond : kConditions) {
    c.Text(70, y, cond, 9.5);
    c.CheckBox(302, y + 1, 8, n % 2 == 0);
    c.CheckBox(342, y + 1, 8, n % 2 != 0);
    ++n;
    y += 16;
  }
  y += 10;
  row("Insurance company", k.coverage.payer);
  row("Member ID", k.coverage.member_id);
  row("Allergies (list)", k.allergies.empty() ? std::string("None") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card printing the member's name surname first without a comma, as its caption says.
void CardR(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 10.5, true);
  c.Text(12, 36, "NAME (LAST FIRST)", 5.5);
  c.Text(12, 43, Upper(k.person.family + " " + k.person.given), 8.5, true);
  c.Text(12, 60, "MEMBER ID", 5.5);
  c.Text(12, 67, k.coverage.member_id, 8.5, true);
  c.Text(130, 60, "GROUP", 5.5);
  c.Text(130, 67, k.coverage.group, 8.5);
  c.Text(12, 88, "RXBIN " + k.coverage.rxbin + "  RXPCN " + k.coverage.rxpcn, 6.5);
  c.Text(12, kCardH - 16, "For testing only", 5.5);
}

// A lab report with the tests as columns: a row of test names, then rows of results, units and
// reference ranges under them.
void LabTransposed(Canvas& c, const Content& k) {
  c.Text(54, 46, k.clinic + " - Results", 12, true);
  c.Text(54, 66, "Patient: " + k.person.given + " " + k.person.family + "   DOB: " + k.person.birth.Us() +
                     "   Collected: " + k.collected.Us(), 9);
  double y = 100;
  size_t per_block = 5;
  for (size_t start = 0; start < k.labs.size(); start += per_block) {
    c.Text(54, y + 16, "Result", 8.5, true);
    c.Text(54, y + 32, "Units", 8.5, true);
    c.Text(54, y + 48, "Range", 8.5, true);
    for (size_t i = start; i < std::min(k.labs.size(), start + per_block); ++i) {
      const LabTest& l = k.labs[i];
      double x = 130 + static_cast<double>(i - start) * 88;
      c.Text(x, y, l.printed_name, 8.5, true);
      c.Text(x, y + 16, l.value + (Flag(l).empty() ? "" : " " + Flag(l)), 8.5);
      c.Text(x, y + 32, l.unit_printed, 8);
      c.Text(x, y + 48, l.range, 8);
    }
    y += 76;
  }
  Footer(c, kLetterH);
}

// A medication administration record: route and frequency in their own abbreviated columns,
// then times of day with a nurse's initials.
void MedsMar(Canvas& c, const Content& k) {
  auto route_abbrev = [](const std::string& route) -> std::string {
    if (route == "oral") return "PO";
    if (route == "subcutaneous") return "SubQ";
    if (route == "inhalation") return "INH";
    if (route == "nasal") return "NAS";
    return route;
  };
  auto freq_abbrev = [](const std::string& f) -> std::string {
    if (f == "once daily") return "daily";
    if (f == "twice daily") return "BID";
    if (f == "three times daily") return "TID";
    if (f == "at bedtime") return "QHS";
    if (f == "every 4 hours as needed") return "q4h PRN";
    return f;
  };
  c.Text(54, 46, "Medication administration record", 12, true);
  c.Text(54, 66, "Resident: " + k.person.family + ", " + k.person.given + "   DOB " + k.person.birth.Us(), 10);
  double y = 98;
  const double cols[] = {54, 240, 290, 360, 410, 460, 510};
  const char* heads[] = {"Medication", "Route", "Freq", "0800", "1200", "1800", "2200"};
  for (int i = 0; i < 7; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  int n = 0;
  for (const Medication& m : k.medications) {
    c.Text(cols[0], y, m.name + " " + m.strength, 9.5);
    c.Text(cols[1], y, route_abbrev(m.route), 9);
    c.Text(cols[2], y, freq_abbrev(m.frequency), 9);
    c.Text(cols[3], y, "JK", 8);
    if (m.frequency == "twice daily" || m.frequency == "three times daily") c.Text(cols[5], y, "RM", 8);
    if (m.frequency == "three times daily") c.Text(cols[4], y, "JK", 8);
    ++n;
    y += 20;
  }
  Footer(c, kLetterH);
}

// ---- fresh17 layouts: written after fresh16's blind measurement, before reading its failures ----

// A numbered questionnaire: each question on its own line with a format hint in parentheses,
// the answer on the line below it, indented; an emergency contact (another person's name and
// phone) between the patient's details and the insurance.
void IntakeNumbered(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, k.clinic, 13, true);
  c.Text(54, 62, "New patient questionnaire", 10.5);
  double y = 92;
  int n = 1;
  auto q = [&](const std::string& question, const std::string& answer) {
    c.Text(54, y, fmt::format("{}. {}", n++, question), 9.5, true);
    c.Text(76, y + 15, answer, 10.5);
    y += 36;
  };
  q("Patient's last name", p.family);
  q("First name", p.given);
  q("Date of birth (mm/dd/yyyy)", p.birth.Us());
  c.Text(54, y, fmt::format("{}. Gender", n++), 9.5, true);
  SexBoxes(c, 150, y, 9.5, p.gender);
  y += 28;
  q("Home address (street, city, state, ZIP)", p.street + ", " + p.city + ", " + p.state + " " + p.zip);
  q("Best phone number", PhoneDash(p.phone));
  q("E-mail address", p.email);
  std::string other_phone = p.phone.substr(0, 3) + p.phone.substr(7, 3) + p.phone.substr(3, 4);
  q("Emergency contact (name and phone)", "Jordan " + p.family + "  " + PhoneDash(other_phone));
  q("Health insurance company", k.coverage.payer);
  q("Insurance member ID number", k.coverage.member_id);
  q("Do you have any allergies? If yes, list them",
    k.allergies.empty() ? std::string("No") : "Yes: " + Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A dependant's card: the subscriber (a parent, same family name) printed above the member.
void CardS(Canvas& c, const Content& k) {
  static const char* kParents[] = {"Morgan", "Avery", "Quinn", "Rowan", "Casey"};
  const std::string parent = kParents[k.person.given.size() % 5];
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 11, k.coverage.payer, 10, true);
  c.Text(12, 32, "Subscriber:", 6.5);
  c.Text(62, 32, parent + " " + k.person.family, 7.5);
  c.Text(12, 44, "Member:", 6.5);
  c.Text(62, 44, k.person.given + " " + k.person.family, 7.5, true);
  c.Text(12, 56, "ID:", 6.5);
  c.Text(62, 56, k.coverage.member_id, 7.5, true);
  c.Text(12, 68, "Grp:", 6.5);
  c.Text(62, 68, k.coverage.group, 7.5);
  c.Text(150, 80, "Rx Bin: " + k.coverage.rxbin, 6.5);
  c.Text(150, 90, "Rx PCN: " + k.coverage.rxpcn, 6.5);
  c.Text(12, kCardH - 16, "Dependent card. For testing only", 5.5);
}

// A lab report whose first column is each test's LOINC code (numbers with a dash that look like
// ranges), then the test, result, reference interval and units.
void LabLoinc(Canvas& c, const Content& k) {
  c.Text(54, 46, k.clinic + " Laboratory", 12, true);
  c.Text(54, 68, "Name: " + k.person.family + ", " + k.person.given, 9.5);
  c.Text(300, 68, "Birth date: " + k.person.birth.DayFirst(), 9.5);
  c.Text(54, 84, "Specimen collected: " + k.collected.Long(), 9.5);
  double y = 116;
  const double cols[] = {54, 120, 300, 370, 460};
  const char* heads[] = {"LOINC", "Test", "Result", "Ref. interval", "Units"};
  for (int i = 0; i < 5; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  for (const LabTest& l : k.labs) {
    c.Text(cols[0], y, l.loinc, 8.5);
    c.Text(cols[1], y, l.printed_name, 9.5);
    c.Text(cols[2], y, l.value + (Flag(l).empty() ? "" : " " + Flag(l)), 9.5);
    c.Text(cols[3], y, l.range, 9);
    c.Text(cols[4], y, l.unit_printed, 9);
    y += 18;
  }
  Footer(c, kLetterH);
}

// An EHR export: the strength split into a number column and a unit column, the route in
// plain words and the frequency under "How often".
void MedsSplitDose(Canvas& c, const Content& k) {
  c.Text(54, 46, "Active medications", 12, true);
  c.Text(54, 66, "Patient name: " + k.person.given + " " + k.person.family + "    Birthdate: " + k.person.birth.Iso(), 9.5);
  double y = 98;
  const double cols[] = {54, 220, 270, 330, 420};
  const char* heads[] = {"Drug", "Dose", "Unit", "Route", "How often"};
  for (int i = 0; i < 5; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  for (const Medication& m : k.medications) {
    size_t sp = m.strength.find(' ');
    c.Text(cols[0], y, m.name, 9.5);
    c.Text(cols[1], y, m.strength.substr(0, sp), 9.5);
    c.Text(cols[2], y, sp == std::string::npos ? std::string() : m.strength.substr(sp + 1), 9.5);
    c.Text(cols[3], y, m.route, 9.5);
    c.Text(cols[4], y, m.frequency, 9.5);
    y += 20;
  }
  Footer(c, kLetterH);
}

// ---- fresh18 layouts: written after fresh17's blind measurement, before reading its failures ----

// A form with the birth date in three boxes captioned Month / Day / Year, the phone in an area
// code box and a number box, and the address on two lines (street, then city, state and ZIP)
// under one label.
void IntakeSplitDate(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, k.clinic, 13, true);
  c.Text(54, 62, "Patient information", 10);
  double y = 96;
  auto boxed = [&](double x, double w, const std::string& value, const std::string& caption) {
    c.Box(x, y - 4, w, 20, 0.6);
    c.Text(x + 4, y, value, 10.5);
    c.Text(x, y + 20, caption, 7);
  };
  c.Text(54, y, "Last name", 9.5, true);
  boxed(170, 200, p.family, "");
  y += 40;
  c.Text(54, y, "First name", 9.5, true);
  boxed(170, 200, p.given, "");
  y += 40;
  char mm[3], dd[3];
  std::snprintf(mm, sizeof mm, "%02d", p.birth.month);
  std::snprintf(dd, sizeof dd, "%02d", p.birth.day);
  c.Text(54, y, "Date of birth", 9.5, true);
  boxed(170, 34, mm, "Month");
  boxed(214, 34, dd, "Day");
  boxed(258, 52, std::to_string(p.birth.year), "Year");
  y += 44;
  c.Text(54, y, "Sex", 9.5, true);
  SexBoxes(c, 170, y, 9.5, p.gender);
  y += 32;
  c.Text(54, y, "Address", 9.5, true);
  c.Text(170, y, p.street, 10.5);
  c.Text(170, y + 16, p.city + ", " + p.state + " " + p.zip, 10.5);
  y += 48;
  c.Text(54, y, "Phone", 9.5, true);
  boxed(170, 40, p.phone.substr(0, 3), "Area code");
  boxed(220, 90, p.phone.substr(3, 3) + "-" + p.phone.substr(6), "Number");
  y += 44;
  c.Text(54, y, "Email", 9.5, true);
  c.Text(170, y, p.email, 10.5);
  y += 32;
  c.Text(54, y, "Insurance", 9.5, true);
  c.Text(170, y, k.coverage.payer, 10.5);
  y += 26;
  c.Text(54, y, "Member ID", 9.5, true);
  c.Text(170, y, k.coverage.member_id, 10.5);
  y += 26;
  c.Text(54, y, "Allergies", 9.5, true);
  c.Text(170, y, k.allergies.empty() ? std::string("NKA") : Join(k.allergies, ", "), 10.5);
  Footer(c, kLetterH);
}

// A card led by the issuer's initials in large letters, its full name small at the bottom, and
// the pharmacy numbers under one "RX BIN/PCN" label.
void CardT(Canvas& c, const Content& k) {
  std::string initials;
  bool start = true;
  for (char ch : k.coverage.payer) {
    if (start && std::isalpha(static_cast<unsigned char>(ch))) initials.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    start = ch == ' ';
  }
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 10, initials, 16, true);
  c.Text(12, 40, "Member Name", 5.5);
  c.Text(12, 47, k.person.given + " " + k.person.family, 8.5, true);
  c.Text(12, 64, "Member ID", 5.5);
  c.Text(12, 71, k.coverage.member_id, 8.5, true);
  c.Text(140, 64, "Group No.", 5.5);
  c.Text(140, 71, k.coverage.group, 8.5);
  c.Text(12, 92, "RX BIN/PCN: " + k.coverage.rxbin + " / " + k.coverage.rxpcn, 6.5);
  c.Text(12, kCardH - 18, k.coverage.payer, 6.5);
}

// A lab report with the reference interval as two columns, Low and High (a bound alone when the
// interval has one end).
void LabLowHigh(Canvas& c, const Content& k) {
  c.Text(54, 46, k.clinic + " - Laboratory report", 12, true);
  c.Text(54, 68, "Patient name: " + Upper(k.person.family + ", " + k.person.given), 9.5);
  c.Text(330, 68, "Date of birth: " + k.person.birth.Dashed(), 9.5);
  c.Text(54, 84, "Date collected: " + k.collected.DayFirst(), 9.5);
  double y = 116;
  const double cols[] = {54, 230, 310, 370, 430};
  const char* heads[] = {"Test", "Result", "Low", "High", "Units"};
  for (int i = 0; i < 5; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  for (const LabTest& l : k.labs) {
    std::string low, high;
    if (!l.range.empty() && l.range[0] == '<') {
      high = l.range.substr(1);
    } else if (!l.range.empty() && l.range[0] == '>') {
      low = l.range.substr(1);
    } else if (size_t dash = l.range.find('-'); dash != std::string::npos) {
      low = l.range.substr(0, dash);
      high = l.range.substr(dash + 1);
    }
    c.Text(cols[0], y, l.printed_name, 9.5);
    c.Text(cols[1], y, l.value + (Flag(l).empty() ? "" : " " + Flag(l)), 9.5);
    c.Text(cols[2], y, low, 9);
    c.Text(cols[3], y, high, 9);
    c.Text(cols[4], y, l.unit_printed, 9);
    y += 18;
  }
  Footer(c, kLetterH);
}

// A medication list with the form in parentheses after the name, directions that start with how
// many, and a start date and prescriber per row.
void MedsStartDate(Canvas& c, const Content& k) {
  c.Text(54, 46, "Current medications", 12, true);
  c.Text(54, 66, "Name: " + k.person.given + " " + k.person.family, 9.5);
  c.Text(300, 66, "DOB: " + k.person.birth.Long(), 9.5);
  double y = 98;
  const double cols[] = {54, 200, 258, 470, 526};
  const char* heads[] = {"Medication", "Dose", "Directions", "Start date", "Prescriber"};
  for (int i = 0; i < 5; ++i) c.Text(cols[i], y, heads[i], 8.5, true);
  c.Line(54, y + 13, 580, y + 13, 0.5);
  y += 22;
  for (const Medication& m : k.medications) {
    std::string how_many = m.form == "inhaler" ? "2 puffs " : m.form == "spray" ? "1 spray " : m.form == "injection" ? "" : "1 ";
    c.Text(cols[0], y, m.name + " (" + m.form + ")", 8.5);
    c.Text(cols[1], y, m.strength, 8.5);
    c.Text(cols[2], y, how_many + m.route_printed + " " + m.frequency, 8.5);
    c.Text(cols[3], y, k.collected.Us(), 8);
    c.Text(cols[4], y, "Dr. " + k.provider_name.substr(k.provider_name.rfind(' ') + 1), 8);
    y += 20;
  }
  Footer(c, kLetterH);
}

// ---- fresh19 layouts: written after fresh18's blind measurement, before reading its failures ----

// A form printed for use abroad: "Surname" and "Given name(s)", the birth date day first as its
// label says (DD/MM/YYYY), the phone in international form, "Postcode".
void IntakeDayFirst(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, k.clinic + " - Registration", 12.5, true);
  double y = 84;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(54, y, label, 9.5);
    c.Text(230, y, value, 10.5, true);
    c.Line(228, y + 14, 520, y + 14, 0.4);
    y += 26;
  };
  char dob[16];
  std::snprintf(dob, sizeof dob, "%02d/%02d/%04d", p.birth.day, p.birth.month, p.birth.year);
  row("Surname", p.family);
  row("Given name(s)", p.given);
  row("Date of birth (DD/MM/YYYY)", dob);
  row("Sex", p.gender == "male" ? "Male" : p.gender == "female" ? "Female" : "Other");
  row("Street address", p.street);
  row("Town / city", p.city);
  row("State", p.state);
  row("Postcode", p.zip);
  row("Telephone", "+1 " + p.phone.substr(0, 3) + " " + p.phone.substr(3, 3) + " " + p.phone.substr(6));
  row("E-mail", p.email);
  row("Insurer", k.coverage.payer);
  row("Policy number", k.coverage.member_id);
  row("Known allergies", k.allergies.empty() ? std::string("None known") : Join(k.allergies, "; "));
  Footer(c, kLetterH);
}

// A card whose issuer's name is printed white on a dark banner.
void CardU(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Fill(4, 4, kCardW - 8, 30, 0.15);
  c.Text(12, 11, k.coverage.payer, 11, true, 1.0);
  c.Text(12, 44, "Member:", 6.5);
  c.Text(60, 43, k.person.given + " " + k.person.family, 8.5, true);
  c.Text(12, 58, "ID:", 6.5);
  c.Text(60, 57, k.coverage.member_id, 8.5, true);
  c.Text(12, 72, "Group:", 6.5);
  c.Text(60, 71, k.coverage.group, 8.5);
  c.Text(160, 72, "BIN:", 6.5);
  c.Text(185, 71, k.coverage.rxbin, 8);
  c.Text(160, 86, "PCN:", 6.5);
  c.Text(185, 85, k.coverage.rxpcn, 8);
  c.Text(12, kCardH - 16, "For testing only", 5.5);
}

// A lab report whose reference column carries the units with the range ("70-99 mg/dL").
void LabRangeWithUnits(Canvas& c, const Content& k) {
  c.Text(54, 46, "Laboratory results", 12, true);
  c.Text(54, 66, "Patient: " + k.person.given + " " + k.person.family + "   Born: " + k.person.birth.Long(), 9.5);
  c.Text(54, 82, "Specimen date: " + k.collected.Us(), 9.5);
  double y = 112;
  c.Text(54, y, "Analyte", 9, true);
  c.Text(250, y, "Result", 9, true);
  c.Text(340, y, "Reference range (units)", 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  for (const LabTest& l : k.labs) {
    c.Text(54, y, l.printed_name, 9.5);
    c.Text(250, y, l.value + (Flag(l).empty() ? "" : " " + Flag(l)), 9.5);
    c.Text(340, y, l.range + " " + l.unit_printed, 9.5);
    y += 18;
  }
  Footer(c, kLetterH);
}

// A medication list with each strength given per unit ("500 mg/tablet") and how to take it in
// two columns, "Take" and "When".
void MedsPerUnit(Canvas& c, const Content& k) {
  c.Text(54, 46, "My medicines", 13, true);
  c.Text(54, 68, k.person.family + ", " + k.person.given + " (DOB " + k.person.birth.Us() + ")", 10);
  double y = 100;
  const double cols[] = {54, 190, 310, 440};
  const char* heads[] = {"Medicine", "Strength", "Take", "When"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 560, y + 13, 0.5);
  y += 22;
  for (const Medication& m : k.medications) {
    std::string unit_of = m.form == "inhaler" ? "puff" : m.form == "spray" ? "spray" : m.form == "injection" ? "" : m.form;
    std::string how_many = m.form == "inhaler" ? "2 puffs" : m.form == "spray" ? "1 spray" : m.form == "injection" ? "" : "1 " + m.form;
    c.Text(cols[0], y, m.name, 9.5);
    c.Text(cols[1], y, m.strength + (unit_of.empty() ? "" : "/" + unit_of), 9.5);
    c.Text(cols[2], y, how_many.empty() ? m.route_printed : how_many + " " + m.route_printed, 9.5);
    c.Text(cols[3], y, m.frequency, 9.5);
    y += 20;
  }
  Footer(c, kLetterH);
}

// ---- fresh20 layouts: written after fresh19's blind measurement, before reading its failures ----

// A printed form filled in by hand: the answers in a script face, in blue-black ink, on the lines.
void IntakeHandwritten(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, k.clinic, 13, true);
  c.Text(54, 62, "Patient intake (please print clearly)", 9.5);
  double y = 96;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(54, y + 4, label + ":", 9.5);
    c.Line(190, y + 18, 540, y + 18, 0.5);
    c.Hand(196, y - 2, value, 15);
    y += 32;
  };
  row("Last name", p.family);
  row("First name", p.given);
  row("Date of birth", p.birth.Us());
  row("Sex (M/F)", p.gender == "male" ? "M" : p.gender == "female" ? "F" : "X");
  row("Address", p.street);
  row("City", p.city);
  row("State", p.state);
  row("ZIP", p.zip);
  row("Phone", PhoneDash(p.phone));
  row("Email", p.email);
  row("Insurance company", k.coverage.payer);
  row("Member ID", k.coverage.member_id);
  row("Allergies", k.allergies.empty() ? std::string("none") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card with the issuer's slogan under its name, an effective date and copays among the fields.
void CardV(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 10, k.coverage.payer, 10.5, true);
  c.Text(12, 25, "Caring for you and your family", 6, false);
  c.Text(12, 42, "Member: " + k.person.given + " " + k.person.family, 7.5, true);
  c.Text(12, 54, "ID# " + k.coverage.member_id, 7.5, true);
  c.Text(12, 66, "Group# " + k.coverage.group, 7);
  c.Text(12, 78, "Effective 01/01/2025", 6.5);
  c.Text(150, 42, "PCP $25", 6.5);
  c.Text(150, 52, "Specialist $50", 6.5);
  c.Text(150, 62, "ER $250", 6.5);
  c.Text(150, 78, "RxBIN " + k.coverage.rxbin, 6.5);
  c.Text(150, 88, "RxPCN " + k.coverage.rxpcn, 6.5);
  c.Text(12, kCardH - 16, "For testing only", 5.5);
}

// A lab report with the reference interval in parentheses after the units, and flags as words.
void LabParenRange(Canvas& c, const Content& k) {
  c.Text(54, 46, k.clinic + " Laboratory Services", 12, true);
  c.Text(54, 66, "Patient: " + Upper(k.person.family) + ", " + Upper(k.person.given), 9.5);
  c.Text(330, 66, "DOB: " + k.person.birth.Us(), 9.5);
  c.Text(54, 82, "Collected: " + k.collected.Us(), 9.5);
  double y = 112;
  c.Text(54, y, "Test", 9, true);
  c.Text(240, y, "Result", 9, true);
  c.Text(340, y, "Units (reference)", 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  for (const LabTest& l : k.labs) {
    std::string flag = l.flag_high ? "  HIGH" : l.flag_low ? "  LOW" : "";
    c.Text(54, y, l.printed_name, 9.5);
    c.Text(240, y, l.value + flag, 9.5);
    c.Text(340, y, l.unit_printed + " (" + l.range + ")", 9.5);
    y += 18;
  }
  Footer(c, kLetterH);
}

// Medicines in sentences, two to a sentence where there are two ("You take metformin 500 mg by
// mouth twice a day and lisinopril 10 mg by mouth once a day.").
void MedsProse(Canvas& c, const Content& k) {
  auto day = [](const std::string& f) {
    if (f == "once daily") return std::string("once a day");
    if (f == "twice daily") return std::string("twice a day");
    if (f == "three times daily") return std::string("three times a day");
    return f;
  };
  auto lower_first = [](std::string s) {
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
  };
  c.Text(54, 46, "Your medicines", 13, true);
  c.Text(54, 68, "For " + k.person.given + " " + k.person.family + ", born " + k.person.birth.Long(), 10);
  double y = 100;
  for (size_t i = 0; i < k.medications.size(); i += 2) {
    const Medication& a = k.medications[i];
    std::string sentence = (i == 0 ? "You take " : "You also take ") + lower_first(a.name) + " " + a.strength + " " +
                           a.route_printed + " " + day(a.frequency);
    if (i + 1 < k.medications.size()) {
      const Medication& b = k.medications[i + 1];
      sentence += " and " + lower_first(b.name) + " " + b.strength + " " + b.route_printed + " " + day(b.frequency);
    }
    sentence += ".";
    // A sentence too long for the line goes on on the next one, as a word processor would wrap it.
    if (size_t and_at = sentence.find(" and "); c.Width(sentence, 10) > 500 && and_at != std::string::npos) {
      c.Text(54, y, sentence.substr(0, and_at), 10);
      y += 15;
      c.Text(54, y, sentence.substr(and_at + 1), 10);
    } else {
      c.Text(54, y, sentence, 10);
    }
    y += 22;
  }
  Footer(c, kLetterH);
}

// ---- fresh21 layouts: written after fresh20's blind measurement, before reading its failures ----

// A registration form in Spanish only.
void IntakeSpanish(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, k.clinic, 13, true);
  c.Text(54, 62, "Formulario de registro del paciente", 10);
  double y = 96;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(54, y, label, 9.5, true);
    c.Text(235, y, value, 10.5);
    y += 24;
  };
  row("Apellido:", p.family);
  row("Nombre:", p.given);
  row("Fecha de nacimiento:", p.birth.Us());
  c.Text(54, y, "Sexo:", 9.5, true);
  c.CheckBox(235, y + 1, 9, p.gender == "male");
  c.Text(248, y, "Masculino", 9.5);
  c.CheckBox(318, y + 1, 9, p.gender == "female");
  c.Text(331, y, "Femenino", 9.5);
  c.CheckBox(398, y + 1, 9, p.gender == "other");
  c.Text(411, y, "Otro", 9.5);
  y += 24;
  row("Dirección:", p.street);
  row("Ciudad:", p.city);
  row("Estado:", p.state);
  row("Código postal:", p.zip);
  row("Teléfono:", PhoneUs(p.phone));
  row("Correo electrónico:", p.email);
  row("Compañía de seguro:", k.coverage.payer);
  row("Número de miembro:", k.coverage.member_id);
  row("Alergias:", k.allergies.empty() ? std::string("Ninguna") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card printing the member's given name and family name on two lines under one label.
void CardW(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 10, true);
  c.Text(12, 34, "MEMBER", 5.5);
  c.Text(12, 41, Upper(k.person.given), 8, true);
  c.Text(12, 51, Upper(k.person.family), 8, true);
  c.Text(130, 34, "SUBSCRIBER ID", 5.5);
  c.Text(130, 41, k.coverage.member_id, 8, true);
  c.Text(130, 58, "GROUP", 5.5);
  c.Text(130, 65, k.coverage.group, 8);
  c.Text(12, 80, "BIN " + k.coverage.rxbin, 6.5);
  c.Text(80, 80, "PCN " + k.coverage.rxpcn, 6.5);
  c.Text(12, kCardH - 16, "For testing only", 5.5);
}

// A lab printout of delimited records: TEST | RESULT | UNITS | RANGE | FLAG.
void LabDelimited(Canvas& c, const Content& k) {
  c.Text(54, 46, "RESULTS EXPORT", 11, true);
  c.Text(54, 64, "PATIENT|" + Upper(k.person.family) + "^" + Upper(k.person.given) + "|DOB|" + k.person.birth.Iso(), 8.5);
  c.Text(54, 78, "COLLECTED|" + k.collected.Iso(), 8.5);
  double y = 102;
  c.Text(54, y, "TEST|RESULT|UNITS|RANGE|FLAG", 8.5, true);
  y += 16;
  for (const LabTest& l : k.labs) {
    c.Text(54, y, Upper(l.printed_name) + "|" + l.value + "|" + l.unit_printed + "|" + l.range + "|" + Flag(l), 8.5);
    y += 14;
  }
  Footer(c, kLetterH);
}

// A medication list in Spanish: route and frequency in Spanish words.
void MedsSpanish(Canvas& c, const Content& k) {
  auto via = [](const std::string& route) -> std::string {
    if (route == "oral") return "por vía oral";
    if (route == "subcutaneous") return "subcutánea";
    if (route == "inhalation") return "inhalada";
    if (route == "nasal") return "nasal";
    return route;
  };
  auto cuando = [](const std::string& f) -> std::string {
    if (f == "once daily") return "una vez al día";
    if (f == "twice daily") return "dos veces al día";
    if (f == "three times daily") return "tres veces al día";
    if (f == "at bedtime") return "al acostarse";
    if (f == "every 4 hours as needed") return "cada 4 horas si es necesario";
    return f;
  };
  c.Text(54, 46, "Lista de medicamentos", 13, true);
  c.Text(54, 68, "Paciente: " + k.person.given + " " + k.person.family + "   Fecha de nacimiento: " + k.person.birth.Us(), 9.5);
  double y = 100;
  const double cols[] = {54, 200, 270, 370};
  const char* heads[] = {"Medicamento", "Dosis", "Vía", "Frecuencia"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 560, y + 13, 0.5);
  y += 22;
  for (const Medication& m : k.medications) {
    c.Text(cols[0], y, m.name, 9.5);
    c.Text(cols[1], y, m.strength, 9.5);
    c.Text(cols[2], y, via(m.route), 9.5);
    c.Text(cols[3], y, cuando(m.frequency), 9.5);
    y += 20;
  }
  Footer(c, kLetterH);
}


// ---- fresh22 layouts: written before fresh21's blind measurement was read in detail ----

// A registration and consent letter the patient signs: the facts in running sentences.
void IntakeConsent(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 44, k.clinic, 13, true);
  c.Text(54, 62, "Patient registration and consent", 10.5, true);
  double y = 96;
  auto line = [&](const std::string& text) {
    c.Text(54, y, text, 10.5);
    y += 17;
  };
  line("I, " + p.given + " " + p.family + ", born " + p.birth.Long() + ", living at " + p.street + ",");
  line(p.city + ", " + p.state + " " + p.zip + ", ask " + k.clinic + " to register me as a patient.");
  line("You may call me at " + PhoneUs(p.phone) + " or write to me at " + p.email + ".");
  line("My health insurance is with " + k.coverage.payer + " (member number " + k.coverage.member_id + ").");
  if (k.allergies.empty()) {
    line("I have no known allergies.");
  } else {
    std::string list = k.allergies[0];
    for (size_t i = 1; i < k.allergies.size(); ++i)
      list += (i + 1 == k.allergies.size() ? " and " : ", ") + k.allergies[i];
    line("I am allergic to " + list + ".");
  }
  y += 10;
  c.Text(54, y, "Sex:", 10.5);
  SexBoxes(c, 90, y, 10, p.gender);
  y += 40;
  c.Text(54, y, "Signature", 9);
  c.Line(110, y + 11, 330, y + 11, 0.5);
  c.Text(350, y, "Date", 9);
  c.Line(380, y + 11, 500, y + 11, 0.5);
  Footer(c, kLetterH);
}

// A pharmacy-style card: the member's name as FAMILY/GIVEN without a label, the issuer at the
// bottom above a service phone number.
void CardX(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, "ID# " + k.coverage.member_id, 8, true);
  c.Text(12, 25, Upper(k.person.family) + "/" + Upper(k.person.given), 8, true);
  c.Text(12, 40, "GRP# " + k.coverage.group, 7);
  c.Text(12, 54, "RxBIN " + k.coverage.rxbin, 6.5);
  c.Text(110, 54, "RxPCN " + k.coverage.rxpcn, 6.5);
  c.Text(12, kCardH - 44, k.coverage.payer, 10, true);
  c.Text(12, kCardH - 28, "Member Services 1-800-555-0199", 6);
  c.Text(150, kCardH - 16, "For testing only", 5.5);
}

// A lab report with the reference interval before the units and the flag glued to the value
// ("7.2H").
void LabGluedFlags(Canvas& c, const Content& k) {
  c.Text(54, 46, k.clinic + " Laboratory", 12, true);
  c.Text(54, 66, "Name: " + k.person.given + " " + k.person.family, 9.5);
  c.Text(300, 66, "DOB: " + k.person.birth.Dashed(), 9.5);
  c.Text(54, 82, "Collection date: " + k.collected.Long(), 9.5);
  double y = 112;
  const double cols[] = {54, 230, 310, 410};
  const char* heads[] = {"Analyte", "Value", "Ref. interval", "Units"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  for (const LabTest& l : k.labs) {
    c.Text(cols[0], y, l.printed_name, 9.5);
    c.Text(cols[1], y, l.value + Flag(l), 9.5);
    c.Text(cols[2], y, l.range, 9.5);
    c.Text(cols[3], y, l.unit_printed, 9.5);
    y += 18;
  }
  Footer(c, kLetterH);
}

// A pharmacy's prescription history: drug names in capitals with their salts and dose forms
// ("METFORMIN HCL 500 MG TAB"), directions on a Sig line in capitals, then quantity and refills.
void MedsPharmacyHistory(Canvas& c, const Content& k) {
  static const std::map<std::string, std::string> kSalts = {
      {"Metformin", "METFORMIN HCL"},         {"Atorvastatin", "ATORVASTATIN CALCIUM"},
      {"Levothyroxine", "LEVOTHYROXINE SODIUM"}, {"Amlodipine", "AMLODIPINE BESYLATE"},
      {"Losartan", "LOSARTAN POTASSIUM"},     {"Sertraline", "SERTRALINE HCL"},
      {"Omeprazole", "OMEPRAZOLE DR"},        {"Albuterol", "ALBUTEROL SULFATE HFA"},
      {"Warfarin", "WARFARIN SODIUM"}};
  auto form = [](const std::string& f) -> std::string {
    if (f == "tablet") return "TAB";
    if (f == "capsule") return "CAP";
    if (f == "inhaler") return "INH";
    if (f == "injection") return "INJ";
    if (f == "spray") return "SPR";
    return Upper(f);
  };
  auto sig = [](const Medication& m) -> std::string {
    if (m.route == "inhalation") return "INHALE 2 PUFFS " + Upper(m.frequency);
    if (m.route == "subcutaneous") return "INJECT " + Upper(m.strength) + " SUBCUTANEOUSLY " + Upper(m.frequency);
    if (m.route == "nasal") return "USE 1 SPRAY " + Upper(m.route_printed) + " " + Upper(m.frequency);
    return "TAKE 1 " + Upper(m.form) + " " + Upper(m.route_printed) + " " + Upper(m.frequency);
  };
  c.Text(54, 46, "Prescription history", 13, true);
  c.Text(54, 68, "Patient: " + Upper(k.person.family) + ", " + Upper(k.person.given) + "   DOB " + k.person.birth.Us(), 9.5);
  double y = 100;
  int refills = 1;
  for (const Medication& m : k.medications) {
    auto salt = kSalts.find(m.name);
    std::string drug = salt != kSalts.end() ? salt->second : Upper(m.name);
    c.Text(54, y, drug + " " + Upper(m.strength) + " " + form(m.form), 9.5, true);
    c.Text(54, y + 14, "Sig: " + sig(m), 9);
    c.Text(54, y + 27, fmt::format("Qty {}   Refills {}   Last filled 10/02/2026", 30 * refills, refills % 4), 8);
    refills++;
    y += 46;
  }
  Footer(c, kLetterH);
}


// ---- fresh23 layouts: written after fresh22's blind measurement, before reading its failures ----

// A form of boxes two or three to a row, each with its caption small in the box's top-left
// corner and the answer in larger type under the caption, inside the box.
void IntakeCaptionInBox(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 42, k.clinic, 13, true);
  c.Text(54, 60, "New patient information", 10);
  double y = 84;
  auto box = [&](double x, double w, const std::string& caption, const std::string& value) {
    c.Box(x, y, w, 34, 0.6);
    c.Text(x + 4, y + 3, caption, 6.5);
    c.Text(x + 6, y + 15, value, 11);
  };
  box(54, 250, "LEGAL LAST NAME", p.family);
  box(304, 180, "FIRST NAME", p.given);
  box(484, 74, "M.I.", "");
  y += 34;
  box(54, 150, "DATE OF BIRTH", p.birth.Us());
  box(204, 120, "SEX", p.gender == "male" ? "M" : p.gender == "female" ? "F" : "X");
  box(324, 234, "PHONE", PhoneUs(p.phone));
  y += 34;
  box(54, 504, "STREET ADDRESS", p.street);
  y += 34;
  box(54, 250, "CITY", p.city);
  box(304, 80, "STATE", p.state);
  box(384, 174, "ZIP", p.zip);
  y += 34;
  box(54, 504, "EMAIL", p.email);
  y += 34;
  box(54, 250, "INSURANCE CARRIER", k.coverage.payer);
  box(304, 254, "MEMBER ID", k.coverage.member_id);
  y += 34;
  box(54, 504, "ALLERGIES", k.allergies.empty() ? std::string("None known") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card with right-aligned labels in a left column and values in a right one, the member
// called the cardholder.
void CardY(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 10, k.coverage.payer, 10, true);
  double y = 34;
  auto row = [&](const std::string& label, const std::string& value) {
    c.TextRight(92, y, label, 6.5);
    c.Text(98, y, value, 7.5, true);
    y += 13;
  };
  row("Cardholder:", k.person.given + " " + k.person.family);
  row("Identification #:", k.coverage.member_id);
  row("Group No.:", k.coverage.group);
  row("Rx Bin:", k.coverage.rxbin);
  row("Rx PCN:", k.coverage.rxpcn);
  c.Text(12, kCardH - 16, "For testing only", 5.5);
}

// A lab report whose reference interval is on a line of its own under each result, with a
// comment under some results.
void LabRangeBelow(Canvas& c, const Content& k) {
  c.Text(54, 46, k.clinic + " - Clinical Laboratory", 12, true);
  c.Text(54, 66, "Patient: " + k.person.family + ", " + k.person.given, 9.5);
  c.Text(300, 66, "Date of birth: " + k.person.birth.Us(), 9.5);
  c.Text(54, 82, "Collected: " + k.collected.Us(), 9.5);
  double y = 112;
  c.Text(54, y, "Test", 9, true);
  c.Text(250, y, "Result", 9, true);
  c.Text(330, y, "Units", 9, true);
  c.Text(430, y, "Flag", 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  int i = 0;
  for (const LabTest& l : k.labs) {
    c.Text(54, y, l.printed_name, 9.5);
    c.Text(250, y, l.value, 9.5);
    c.Text(330, y, l.unit_printed, 9.5);
    c.Text(430, y, l.flag_high ? "HIGH" : l.flag_low ? "LOW" : "", 9.5);
    y += 13;
    c.Text(66, y, "Reference interval: " + l.range, 7.5);
    y += 11;
    if (i++ % 3 == 1) {
      c.Text(66, y, "Result verified by repeat analysis.", 7.5);
      y += 11;
    }
    y += 6;
  }
  Footer(c, kLetterH);
}

// A caregiver's schedule: when to give each medicine as clock times ("8 am / 8 pm").
void MedsClockTimes(Canvas& c, const Content& k) {
  auto times = [](const std::string& f) -> std::string {
    if (f == "once daily") return "8 am";
    if (f == "twice daily") return "8 am / 8 pm";
    if (f == "three times daily") return "8 am / 2 pm / 8 pm";
    if (f == "at bedtime") return "bedtime (10 pm)";
    if (f == "every 4 hours as needed") return "as needed, up to every 4 hours";
    return f;
  };
  c.Text(54, 46, "Medicine schedule", 13, true);
  c.Text(54, 68, k.person.given + " " + k.person.family + "   Date of birth " + k.person.birth.Us(), 10);
  double y = 100;
  const double cols[] = {54, 210, 290, 400};
  const char* heads[] = {"Medicine", "Amount", "How", "When"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 560, y + 13, 0.5);
  y += 22;
  for (const Medication& m : k.medications) {
    c.Text(cols[0], y, m.name, 9.5);
    c.Text(cols[1], y, m.strength, 9.5);
    c.Text(cols[2], y, m.route_printed, 9.5);
    c.Text(cols[3], y, times(m.frequency), 9.5);
    y += 20;
  }
  Footer(c, kLetterH);
}


// ---- fresh24 layouts: written after fresh23's blind measurement, before reading its failures ----

// A hospital face sheet: several "LABEL: value" pairs to a line in capitals, a record number
// that is not a member ID, the age after the birth date.
void IntakeFaceSheet(Canvas& c, const Content& k) {
  const Person& p = k.person;
  int age = 2026 - p.birth.year;
  c.Text(54, 40, Upper(k.clinic) + " - PATIENT FACE SHEET", 11, true);
  double y = 70;
  auto line = [&](const std::string& text) {
    c.Text(54, y, text, 8.5);
    y += 16;
  };
  line("PATIENT NAME: " + Upper(p.family) + ", " + Upper(p.given) + "      MRN: 00" + k.coverage.group);
  line("DOB: " + p.birth.Us() + " (" + std::to_string(age) + " YO)      SEX: " +
       (p.gender == "male" ? "M" : p.gender == "female" ? "F" : "X"));
  line("ADDR: " + Upper(p.street) + ", " + Upper(p.city) + ", " + p.state + " " + p.zip);
  line("HOME PH: " + PhoneDash(p.phone) + "      EMAIL: " + Upper(p.email));
  line("PRIMARY INS: " + Upper(k.coverage.payer) + "      SUBSCRIBER #: " + k.coverage.member_id);
  line("ALLERGIES: " + (k.allergies.empty() ? std::string("NKA") : Upper(Join(k.allergies, ", "))));
  Footer(c, kLetterH);
}

// A card printed upright (portrait), each label above its value.
void CardZ(Canvas& c, const Content& k) {
  const double w = kCardH, h = kCardW;  // portrait
  c.Box(4, 4, w - 8, h - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 9, true);
  double y = 40;
  auto field = [&](const std::string& label, const std::string& value) {
    c.Text(12, y, label, 5.5);
    c.Text(12, y + 7, value, 8, true);
    y += 24;
  };
  field("Member", k.person.given + " " + k.person.family);
  field("Member ID", k.coverage.member_id);
  field("Group", k.coverage.group);
  field("RxBIN", k.coverage.rxbin);
  field("RxPCN", k.coverage.rxpcn);
  c.Text(12, h - 16, "For testing only", 5.5);
}

// A lab report in a narrow test column: long test names wrap onto a second line, the result on
// the first.
void LabWrappedNames(Canvas& c, const Content& k) {
  c.Text(54, 46, "Laboratory Report", 13, true);
  c.Text(54, 66, "Patient: " + k.person.given + " " + k.person.family, 9.5);
  c.Text(300, 66, "DOB: " + k.person.birth.Us(), 9.5);
  c.Text(54, 82, "Specimen collected: " + k.collected.Us(), 9.5);
  double y = 112;
  const double cols[] = {54, 150, 230, 330};
  const char* heads[] = {"Test", "Result", "Units", "Reference"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 460, y + 13, 0.5);
  y += 22;
  for (const LabTest& l : k.labs) {
    std::string name = l.printed_name, rest;
    if (size_t sp = name.find(' '); sp != std::string::npos && name.size() > 10) {
      rest = name.substr(sp + 1);
      name = name.substr(0, sp);
    }
    c.Text(cols[0], y, name, 9.5);
    c.Text(cols[1], y, l.value + (l.flag_high ? " H" : l.flag_low ? " L" : ""), 9.5);
    c.Text(cols[2], y, l.unit_printed, 9.5);
    c.Text(cols[3], y, l.range, 9.5);
    if (!rest.empty()) {
      y += 12;
      c.Text(cols[0], y, rest, 9.5);
    }
    y += 18;
  }
  Footer(c, kLetterH);
}

// Numbered paragraphs in plain words: "every day", "two times a day", "if needed".
void MedsPlainWords(Canvas& c, const Content& k) {
  auto when = [](const std::string& f) -> std::string {
    if (f == "once daily") return "every day";
    if (f == "twice daily") return "two times a day";
    if (f == "three times daily") return "three times a day";
    if (f == "at bedtime") return "every night at bedtime";
    if (f == "every 4 hours as needed") return "every 4 hours if needed";
    return f;
  };
  c.Text(54, 46, "Medicines you take at home", 13, true);
  c.Text(54, 68, "Name: " + k.person.given + " " + k.person.family + "    Birth date: " + k.person.birth.Us(), 10);
  double y = 100;
  int n = 1;
  for (const Medication& m : k.medications) {
    c.Text(54, y, std::to_string(n++) + ") " + m.name + " " + m.strength + " " + m.form, 10, true);
    c.Text(70, y + 15, "Take " + m.route_printed + " " + when(m.frequency) + ".", 9.5);
    y += 38;
  }
  Footer(c, kLetterH);
}


// ---- fresh25 layouts: written after fresh24's blind measurement, before reading its failures ----

// A change-of-details form: the previous address and phone beside the new ones; the new ones
// are the patient's now.
void IntakeUpdate(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 42, k.clinic, 13, true);
  c.Text(54, 60, "Change of patient details", 10);
  double y = 92;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(54, y, label, 9.5, true);
    c.Text(220, y, value, 10.5);
    y += 22;
  };
  row("Last name:", p.family);
  row("First name:", p.given);
  row("Date of birth:", p.birth.Us());
  y += 10;
  c.Text(220, y, "Previous", 9, true);
  c.Text(400, y, "New", 9, true);
  c.Line(54, y + 13, 560, y + 13, 0.5);
  y += 22;
  std::string old_phone = p.phone.substr(0, 6) + (p.phone[6] == '9' ? "1" : "9") + p.phone.substr(7);
  auto pair = [&](const std::string& label, const std::string& before, const std::string& after) {
    c.Text(54, y, label, 9.5, true);
    c.Text(220, y, before, 9.5);
    c.Text(400, y, after, 9.5);
    y += 20;
  };
  pair("Street address", "77 Old Mill Road", p.street);
  pair("City", "Greenville", p.city);
  pair("State", "SC", p.state);
  pair("ZIP", "29601", p.zip);
  pair("Phone", PhoneDash(old_phone), PhoneDash(p.phone));
  y += 10;
  row("Email:", p.email);
  row("Insurance company:", k.coverage.payer);
  row("Member ID:", k.coverage.member_id);
  row("Sex:", Capitalised(p.gender));
  row("Allergies:", k.allergies.empty() ? std::string("None") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card whose captions are white on mid-grey bands above each value.
void CardAa(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 10, k.coverage.payer, 10, true);
  auto field = [&](double x, double y, double w, const std::string& caption, const std::string& value) {
    c.Fill(x, y, w, 9, 0.45);
    c.Text(x + 2, y + 1.5, caption, 5.5, true, 1.0);
    c.Text(x + 2, y + 11, value, 8, true);
  };
  field(12, 30, 110, "MEMBER NAME", k.person.given + " " + k.person.family);
  field(130, 30, 100, "MEMBER ID", k.coverage.member_id);
  field(12, 62, 80, "GROUP", k.coverage.group);
  field(100, 62, 60, "RXBIN", k.coverage.rxbin);
  field(168, 62, 62, "RXPCN", k.coverage.rxpcn);
  c.Text(12, kCardH - 16, "For testing only", 5.5);
}

// A lab report from a laboratory abroad, in Spanish: test names, headers and flags in Spanish.
void LabSpanish(Canvas& c, const Content& k) {
  static const std::map<std::string, std::string> kNames = {
      {"Glucose", "Glucosa"}, {"Hemoglobin A1c", "Hemoglobina A1c"}, {"Hemoglobin", "Hemoglobina"},
      {"WBC", "Leucocitos"}, {"Platelets", "Plaquetas"}, {"Creatinine", "Creatinina"},
      {"Cholesterol, Total", "Colesterol total"}, {"Triglycerides", "Triglicéridos"},
      {"LDL Cholesterol", "Colesterol LDL"}, {"Sodium", "Sodio"}, {"Potassium", "Potasio"},
      {"TSH", "TSH"}, {"eGFR", "TFGe"}};
  c.Text(54, 46, "Laboratorio Clínico - Informe de resultados", 12, true);
  c.Text(54, 66, "Paciente: " + k.person.given + " " + k.person.family, 9.5);
  c.Text(330, 66, "Fecha de nacimiento: " + k.person.birth.Us(), 9.5);
  c.Text(54, 82, "Fecha de toma: " + k.collected.Us(), 9.5);
  double y = 112;
  const double cols[] = {54, 230, 310, 410};
  const char* heads[] = {"Prueba", "Resultado", "Unidades", "Valores de referencia"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  for (const LabTest& l : k.labs) {
    auto it = kNames.find(l.printed_name);
    c.Text(cols[0], y, it != kNames.end() ? it->second : l.printed_name, 9.5);
    c.Text(cols[1], y, l.value + (l.flag_high ? " A" : l.flag_low ? " B" : ""), 9.5);
    c.Text(cols[2], y, l.unit_printed, 9.5);
    c.Text(cols[3], y, l.range, 9.5);
    y += 18;
  }
  Footer(c, kLetterH);
}

// A wide medication table: form, indication, prescriber and start date among the columns.
void MedsWideTable(Canvas& c, const Content& k) {
  c.Text(54, 46, "Active medications", 13, true);
  c.Text(54, 66, k.person.family + ", " + k.person.given + "    DOB " + k.person.birth.Us(), 9.5);
  double y = 98;
  const double cols[] = {54, 160, 215, 262, 330, 440, 510};
  const char* heads[] = {"Medication", "Strength", "Form", "Route", "Frequency", "Prescriber", "Started"};
  for (int i = 0; i < 7; ++i) c.Text(cols[i], y, heads[i], 8, true);
  c.Line(54, y + 12, 575, y + 12, 0.5);
  y += 20;
  for (const Medication& m : k.medications) {
    c.Text(cols[0], y, m.name, 8.5);
    c.Text(cols[1], y, m.strength, 8.5);
    c.Text(cols[2], y, m.form, 8.5);
    c.Text(cols[3], y, m.route, 8.5);
    c.Text(cols[4], y, m.frequency, 8.5);
    c.Text(cols[5], y, k.provider_name, 8.5);
    c.Text(cols[6], y, k.letter_date.Us(), 8.5);
    y += 17;
  }
  Footer(c, kLetterH);
}

// ---- fresh26 layouts: written after fresh25's layouts were committed and fresh24's failures
// fixed, before fresh25 was measured ----

// A patient portal's profile printout: right-aligned labels against a rule, values beside it; a
// preferred name that is not the legal one, the birth date with the month abbreviated, the phone
// in international form, the address over two rows.
void IntakePortal(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 40, k.clinic + " patient portal", 9, false, 0.4);
  c.Text(54, 58, "My profile", 15, true);
  double y = 96;
  const double rule = 212;
  auto row = [&](const std::string& label, const std::string& value) {
    c.TextRight(rule - 8, y, label, 9, false);
    c.Text(rule + 8, y, value, 10);
    y += 21;
  };
  std::string month_abbrev = p.birth.Long().substr(0, 3);
  std::string dob = month_abbrev + " " + std::to_string(p.birth.day) + ", " + std::to_string(p.birth.year);
  std::string preferred = p.given.size() > 4 ? p.given.substr(0, 3) : "J.";
  row("Legal first name", p.given);
  row("Preferred name", preferred);
  row("Legal last name", p.family);
  row("Date of birth", dob);
  row("Sex", Capitalised(p.gender));
  row("Address line 1", p.street);
  row("City, state, ZIP", p.city + ", " + p.state + " " + p.zip);
  row("Mobile", "+1 " + p.phone.substr(0, 3) + " " + p.phone.substr(3, 3) + " " + p.phone.substr(6));
  row("Email", p.email);
  row("Plan", k.coverage.payer);
  row("Member number", k.coverage.member_id);
  row("Allergies", k.allergies.empty() ? std::string("None on file") : Join(k.allergies, "; "));
  c.Line(rule, 90, rule, y - 4, 0.5);
  Footer(c, kLetterH);
}

// A card printing the member ID in groups of four, the name as LAST NAME and FIRST NAME captions
// side by side, and the pharmacy numbers on one line at the bottom (the group as RxGRP).
void CardBb(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.TextRight(kCardW - 12, 10, k.coverage.payer, 10, true);
  auto grouped = [](const std::string& id) {
    std::string out;
    for (size_t i = 0; i < id.size(); ++i) {
      if (i > 0 && i % 4 == 0) out += ' ';
      out += id[i];
    }
    return out;
  };
  c.Text(12, 34, "LAST NAME", 5.5);
  c.Text(12, 41, Upper(k.person.family), 8, true);
  c.Text(120, 34, "FIRST NAME", 5.5);
  c.Text(120, 41, Upper(k.person.given), 8, true);
  c.Text(12, 62, "ID NUMBER", 5.5);
  c.Text(12, 69, grouped(k.coverage.member_id), 9, true);
  c.Text(12, kCardH - 34, "RxBIN " + k.coverage.rxbin + "   RxPCN " + k.coverage.rxpcn + "   RxGRP " + k.coverage.group,
         6.5);
  c.Text(12, kCardH - 16, "For testing only", 5.5);
}

// A cumulative lab report printed oldest first: an earlier result in a dated column before this
// collection's, the flag beside the current one.
void LabCumulativeOldestFirst(Canvas& c, const Content& k) {
  Date before = k.collected;
  before.month = before.month > 3 ? before.month - 3 : before.month + 9;
  if (before.month > k.collected.month) --before.year;
  before.day = std::min(before.day, 28);
  c.Text(54, 46, "Cumulative results", 13, true);
  c.Text(54, 66, k.person.family + ", " + k.person.given + "   DOB: " + k.person.birth.Us(), 9.5);
  c.Text(54, 82, "Collected: " + k.collected.Us(), 9.5);
  double y = 112;
  const double cols[] = {54, 200, 290, 380, 470};
  c.Text(cols[0], y, "Test", 9, true);
  c.Text(cols[1], y, before.Us(), 9, true);
  c.Text(cols[2], y, k.collected.Us(), 9, true);
  c.Text(cols[3], y, "Units", 9, true);
  c.Text(cols[4], y, "Ref. range", 9, true);
  c.Line(54, y + 13, 560, y + 13, 0.5);
  y += 22;
  for (const LabTest& l : k.labs) {
    size_t point = l.value.find('.');
    int places = point == std::string::npos ? 0 : static_cast<int>(l.value.size() - point - 1);
    std::string earlier = fmt::format("{:.{}f}", std::stod(l.value) * 0.93, places);
    c.Text(cols[0], y, l.printed_name, 9.5);
    c.Text(cols[1], y, earlier, 9.5);
    c.Text(cols[2], y, l.value + (l.flag_high ? " H" : l.flag_low ? " L" : ""), 9.5);
    c.Text(cols[3], y, l.unit_printed, 9.5);
    c.Text(cols[4], y, l.range, 9.5);
    y += 18;
  }
  Footer(c, kLetterH);
}

// A discharge medication list in sections: continue, start, and stop; the medicines to stop are
// not the patient's any more.
void MedsStopSection(Canvas& c, const Content& k) {
  static const char* kStopped[][3] = {{"Warfarin", "5 mg", "tablet"}, {"Gabapentin", "300 mg", "capsule"},
                                      {"Sertraline", "50 mg", "tablet"}, {"Metformin", "500 mg", "tablet"}};
  c.Text(54, 44, "Discharge medication instructions", 13, true);
  c.Text(54, 64, "Patient: " + k.person.given + " " + k.person.family + "    Date of birth: " + k.person.birth.Us(), 9.5);
  double y = 94;
  auto section = [&](const std::string& title) {
    c.Text(54, y, title, 10, true);
    c.Line(54, y + 14, 400, y + 14, 0.5);
    y += 22;
  };
  auto med = [&](const Medication& m) {
    c.Text(66, y, m.name + " " + m.strength + " " + m.form, 10);
    c.Text(80, y + 14, "Take " + m.route_printed + " " + m.frequency, 9);
    y += 34;
  };
  size_t continued = k.medications.size() > 1 ? k.medications.size() - 1 : k.medications.size();
  section("CONTINUE taking these medicines");
  for (size_t i = 0; i < continued; ++i) med(k.medications[i]);
  if (continued < k.medications.size()) {
    section("START taking these medicines");
    med(k.medications.back());
  }
  section("STOP taking these medicines");
  int stopped = 0;
  for (const auto& st : kStopped) {
    bool taken = std::any_of(k.medications.begin(), k.medications.end(), [&](const Medication& m) { return m.name == st[0]; });
    if (taken || stopped == 2) continue;
    c.Text(66, y, std::string(st[0]) + " " + st[1] + " " + st[2], 10);
    c.Text(80, y + 14, "Do not take any more", 9);
    y += 34;
    ++stopped;
  }
  Footer(c, kLetterH);
}

// ---- fresh27 layouts: written after fresh25's fixes and before fresh26 was measured ----

// A registration form whose emergency contact (name, relationship, phone, address) comes before
// the patient's own details: the contact's are not the patient's.
void IntakeContactFirst(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 42, k.clinic + " - Registration", 13, true);
  double y = 76;
  auto heading = [&](const std::string& title) {
    c.Text(54, y, title, 10, true);
    c.Line(54, y + 14, 558, y + 14, 0.6);
    y += 24;
  };
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(54, y, label, 9.5);
    c.Text(210, y, value, 10.5);
    y += 20;
  };
  std::string contact_phone = p.phone.substr(0, 3) + "555" + (p.phone.substr(6, 1) == "7" ? "0188" : "0177");
  heading("EMERGENCY CONTACT");
  row("Name:", "Jordan " + p.family);
  row("Relationship:", "Spouse");
  row("Phone:", PhoneUs(contact_phone));
  row("Address:", "412 Harbor Lane, Portland, ME 04101");
  y += 12;
  heading("PATIENT INFORMATION");
  row("Last name:", p.family);
  row("First name:", p.given);
  row("Date of birth:", p.birth.Us());
  row("Sex:", Capitalised(p.gender));
  row("Address:", p.street);
  row("City / State / ZIP:", p.city + ", " + p.state + " " + p.zip);
  row("Phone:", PhoneUs(p.phone));
  row("Email:", p.email);
  row("Insurance:", k.coverage.payer);
  row("Member ID:", k.coverage.member_id);
  row("Allergies:", k.allergies.empty() ? std::string("None known") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

void MedicaidTruth(const Content& k, Truth& t) {
  t.fields["name.family"] = k.person.family;
  t.fields["name.given"] = k.person.given;
  t.fields["coverage.payer"] = k.coverage.payer;
  t.fields["coverage.memberId"] = k.coverage.member_id;
}

// A state program's card: "Recipient" name and ID, an issue date, and a card control number
// that is not the member's.
void CardRecipient(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 9.5, true);
  c.Text(12, 26, "Medical Assistance Program", 6.5);
  c.Text(12, 50, "Recipient Name", 5.5);
  c.Text(12, 57, Upper(k.person.given + " " + k.person.family), 8, true);
  c.Text(12, 78, "Recipient ID", 5.5);
  c.Text(12, 85, k.coverage.member_id, 8, true);
  c.Text(140, 78, "Issue Date", 5.5);
  c.Text(140, 85, k.letter_date.Us(), 8);
  c.Text(12, 108, "Card Control # " + k.coverage.rxbin + k.coverage.group.substr(k.coverage.group.size() - 3), 6);
  c.Text(12, kCardH - 16, "For testing only", 5.5);
}

// A lab report whose results carry footnote marks ("5.4*", "140†") explained at the bottom.
void LabFootnotes(Canvas& c, const Content& k) {
  c.Text(54, 46, "Laboratory Results", 13, true);
  c.Text(54, 66, "Name: " + k.person.family + ", " + k.person.given, 9.5);
  c.Text(300, 66, "Birth date: " + k.person.birth.Us(), 9.5);
  c.Text(54, 82, "Date collected: " + k.collected.Us(), 9.5);
  double y = 112;
  const double cols[] = {54, 220, 300, 360, 450};
  const char* heads[] = {"Test", "Result", "Flag", "Units", "Reference range"};
  for (int i = 0; i < 5; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 558, y + 13, 0.5);
  y += 22;
  int n = 0;
  for (const LabTest& l : k.labs) {
    const char* mark = n % 3 == 0 ? "*" : n % 3 == 1 ? "\u2020" : "";
    c.Text(cols[0], y, l.printed_name, 9.5);
    c.Text(cols[1], y, l.value + mark, 9.5);
    c.Text(cols[2], y, Flag(l), 9.5, true);
    c.Text(cols[3], y, l.unit_printed, 9.5);
    c.Text(cols[4], y, l.range, 9.5);
    y += 18;
    ++n;
  }
  y += 10;
  c.Text(54, y, "* Verified by repeat analysis.", 8);
  c.Text(54, y + 13, "\u2020 Specimen slightly hemolyzed; interpret with caution.", 8);
  Footer(c, kLetterH);
}

// Pharmacy labels printed on a sheet, one per medicine, in capitals: the prescription number,
// the drug line, the directions, quantity and refills.
void MedsPharmacyLabels(Canvas& c, const Content& k) {
  c.Text(54, 40, "Prescription labels - reprint", 11, true);
  c.Text(54, 58, "Patient: " + Upper(k.person.family + ", " + k.person.given) + "   DOB " + k.person.birth.Us(), 9);
  auto directions = [](const Medication& m) {
    std::string unit = m.form == "tablet" ? "TABLET" : m.form == "capsule" ? "CAPSULE" : m.form == "spray" ? "SPRAY"
                       : m.form == "inhaler" ? "PUFF" : "DOSE";
    return "TAKE 1 " + unit + " " + Upper(m.route_printed) + " " + Upper(m.frequency);
  };
  double y = 84;
  int rx = 4410021;
  for (const Medication& m : k.medications) {
    c.Box(54, y, 320, 72, 0.6);
    c.Text(62, y + 6, "RX# " + std::to_string(rx++) + "      " + Upper(k.provider_name), 7.5);
    c.Text(62, y + 20, Upper(m.name + " " + m.strength + " " + m.form), 10, true);
    c.Text(62, y + 36, directions(m), 8.5);
    c.Text(62, y + 52, "QTY 30     REFILLS 2     FILLED " + k.letter_date.Us(), 7);
    y += 84;
  }
  Footer(c, kLetterH);
}

// ---- fresh28 layouts: written after fresh26's fixes and before fresh27 was measured ----

// A small practice's form with labels abbreviated with dots: "D.O.B.", "Tel. No.", "Ins. Co.".
void IntakeDottedAbbrev(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 42, k.clinic, 12, true);
  c.Text(54, 60, "New patient information", 10);
  double y = 92;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Text(54, y, label, 9.5);
    c.Text(170, y, value, 10.5);
    c.Line(168, y + 13, 520, y + 13, 0.4);
    y += 24;
  };
  row("Surname", p.family);
  row("Given name", p.given);
  row("D.O.B.", p.birth.Us());
  row("Sex (M/F/X)", p.gender == "male" ? "M" : p.gender == "female" ? "F" : "X");
  row("Res. addr.", p.street);
  row("City/St./ZIP", p.city + " " + p.state + " " + p.zip);
  row("Tel. No.", PhoneUs(p.phone));
  row("E-mail addr.", p.email);
  row("Ins. Co.", k.coverage.payer);
  row("Pol. No.", k.coverage.member_id);
  row("Allergies", k.allergies.empty() ? std::string("NKDA") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

void CardBackTruth(const Content& k, Truth& t) {
  t.fields["coverage.payer"] = k.coverage.payer;
  t.fields["coverage.group"] = k.coverage.group;
  t.fields["coverage.rxbin"] = k.coverage.rxbin;
  t.fields["coverage.rxpcn"] = k.coverage.rxpcn;
}

// The back of a card: no member's name; the pharmacy numbers, member services and where claims go.
void CardBack(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, "Pharmacist use", 6.5, true);
  c.Text(12, 24, "RxBIN  " + k.coverage.rxbin, 7.5);
  c.Text(12, 35, "RxPCN  " + k.coverage.rxpcn, 7.5);
  c.Text(12, 46, "RxGrp  " + k.coverage.group, 7.5);
  c.Line(12, 60, kCardW - 12, 60, 0.4);
  c.Text(12, 66, "Member services: 1-800-555-0142 (TTY 711)", 6);
  c.Text(12, 78, "Send medical claims to:", 6);
  c.Text(12, 88, k.coverage.payer, 6.5, true);
  c.Text(12, 98, "PO Box 30555, Salt Lake City, UT 84130-0555", 6);
  c.Text(12, kCardH - 16, "Carry this card with you. For testing only.", 5.5);
}

// A lab report printed landscape: many columns, the performing lab and a previous result among them.
void LabLandscape(Canvas& c, const Content& k) {
  const double w = kLetterH;  // landscape
  c.Text(40, 30, "Results report", 12, true);
  c.Text(40, 48, "Patient: " + k.person.family + ", " + k.person.given + "    DOB: " + k.person.birth.Us() +
                     "    Collected: " + k.collected.Us(), 9);
  double y = 78;
  const double cols[] = {40, 190, 250, 290, 380, 470, 560, 640};
  const char* heads[] = {"Test", "Result", "Flag", "Units", "Reference", "Previous", "Prev. date", "Lab"};
  for (int i = 0; i < 8; ++i) c.Text(cols[i], y, heads[i], 8.5, true);
  c.Line(40, y + 12, w - 40, y + 12, 0.5);
  y += 20;
  Date before = k.collected;
  before.year -= 1;
  for (const LabTest& l : k.labs) {
    size_t point = l.value.find('.');
    int places = point == std::string::npos ? 0 : static_cast<int>(l.value.size() - point - 1);
    c.Text(cols[0], y, l.printed_name, 9);
    c.Text(cols[1], y, l.value, 9);
    c.Text(cols[2], y, Flag(l), 9);
    c.Text(cols[3], y, l.unit_printed, 9);
    c.Text(cols[4], y, l.range, 9);
    c.Text(cols[5], y, fmt::format("{:.{}f}", std::stod(l.value) * 1.06, places), 9);
    c.Text(cols[6], y, before.Us(), 9);
    c.Text(cols[7], y, "NGL", 9);
    y += 16;
  }
  c.Text(40, kLetterW - 30, kSampleNote, 7);
}

// The truth of a list that prints no route: name, strength and how often.
void MedsNoRouteTruth(const Content& k, Truth& t) {
  PersonTruth(k, t);
  for (size_t i = 0; i < k.medications.size(); ++i) {
    const Medication& m = k.medications[i];
    t.fields[fmt::format("medication.{}.name", i)] = m.name;
    t.fields[fmt::format("medication.{}.strength", i)] = m.strength;
    t.fields[fmt::format("medication.{}.frequency", i)] = m.frequency;
  }
}

// A medicine list written by hand on lined paper: "2x a day", "1x daily", "at night".
void MedsHandwritten(Canvas& c, const Content& k) {
  auto when = [](const std::string& f) -> std::string {
    if (f == "once daily") return "1x daily";
    if (f == "twice daily") return "2x a day";
    if (f == "three times daily") return "3x a day";
    if (f == "at bedtime") return "at bedtime";
    if (f == "every 4 hours as needed") return "every 4 hrs as needed";
    return f;
  };
  c.Text(54, 44, "My medicines", 13, true);
  c.Text(54, 66, "Name:", 10);
  c.Hand(100, 60, k.person.given + " " + k.person.family, 15);
  c.Text(330, 66, "Date of birth:", 10);
  c.Hand(410, 60, k.person.birth.Us(), 15);
  double y = 110;
  for (const Medication& m : k.medications) {
    c.Line(54, y + 20, 560, y + 20, 0.3);
    c.Hand(60, y, m.name + " " + m.strength + " - " + when(m.frequency), 15);
    y += 32;
  }
  Footer(c, kLetterH);
}

// ---- fresh29 layouts: written after fresh27's fixes and before fresh28 was measured ----

constexpr double kReceiptW = 230, kReceiptH = 560;

// A check-in kiosk's receipt: narrow, capitals, abbreviated labels.
void IntakeKioskReceipt(Canvas& c, const Content& k) {
  const Person& p = k.person;
  double y = 16;
  auto line = [&](const std::string& text, double size = 7.5, bool bold = false) {
    c.Text(12, y, text, size, bold);
    y += size + 6;
  };
  line(Upper(k.clinic), 8, true);
  line("SELF CHECK-IN  " + k.letter_date.Us());
  line("--------------------------------");
  line("PT: " + Upper(p.family) + ", " + Upper(p.given));
  line("DOB: " + p.birth.Us() + "   SEX: " + std::string(p.gender == "male" ? "M" : p.gender == "female" ? "F" : "X"));
  line("ADDR: " + Upper(p.street));
  line("      " + Upper(p.city) + " " + p.state + " " + p.zip);
  line("PH: " + PhoneDash(p.phone));
  line("EMAIL: " + Upper(p.email));
  line("INS: " + Upper(k.coverage.payer));
  line("MBR ID: " + k.coverage.member_id);
  line("ALLERGIES: " + (k.allergies.empty() ? std::string("NONE") : Upper(Join(k.allergies, ", "))));
  line("--------------------------------");
  line("PLEASE HAVE A SEAT. " + std::string(kSampleNote).substr(0, 6), 6.5);
}

void CardNoRxTruth(const Content& k, Truth& t) {
  t.fields["name.family"] = k.person.family;
  t.fields["name.given"] = k.person.given;
  t.fields["coverage.payer"] = k.coverage.payer;
  t.fields["coverage.memberId"] = k.coverage.member_id;
  t.fields["coverage.group"] = k.coverage.group;
}

// A dental plan's card: subscriber ID and group number, no pharmacy numbers, a plan line.
void CardDental(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer + " Dental", 9.5, true);
  c.Text(12, 26, "Dental PPO - Preventive 100% / Basic 80% / Major 50%", 5.5);
  c.Text(12, 48, "Subscriber: " + k.person.given + " " + k.person.family, 7.5);
  c.Text(12, 62, "Subscriber ID: " + k.coverage.member_id, 7.5);
  c.Text(12, 76, "Group No.: " + k.coverage.group, 7.5);
  c.Text(12, 96, "Dentist locator: 1-800-555-0190", 5.5);
  c.Text(12, kCardH - 16, "For testing only", 5.5);
}

// A lab report with an interpretive comment under some results, numbers in the comments.
void LabComments(Canvas& c, const Content& k) {
  c.Text(54, 46, "Clinical Laboratory Report", 13, true);
  c.Text(54, 66, "Patient: " + k.person.given + " " + k.person.family + "   DOB: " + k.person.birth.Us(), 9.5);
  c.Text(54, 82, "Collected: " + k.collected.Us(), 9.5);
  double y = 112;
  const double cols[] = {54, 220, 300, 390};
  const char* heads[] = {"Test", "Result", "Units", "Reference Interval"};
  for (int i = 0; i < 4; ++i) c.Text(cols[i], y, heads[i], 9, true);
  c.Line(54, y + 13, 540, y + 13, 0.5);
  y += 22;
  static const char* kComments[] = {"Comment: repeat in 3 months if above 100.", "Comment: fasting specimen, 12 hours.",
                                    "Comment: results 2-3 days after a new dose may vary."};
  int n = 0;
  for (const LabTest& l : k.labs) {
    c.Text(cols[0], y, l.printed_name, 9.5);
    c.Text(cols[1], y, l.value + (Flag(l).empty() ? "" : " " + Flag(l)), 9.5);
    c.Text(cols[2], y, l.unit_printed, 9.5);
    c.Text(cols[3], y, l.range, 9.5);
    y += 16;
    if (n % 2 == 0) {
      c.Text(cols[0] + 14, y, kComments[(n / 2) % 3], 8);
      y += 14;
    }
    y += 4;
    ++n;
  }
  Footer(c, kLetterH);
}

// A medication reconciliation list: each medicine with "Taking?" Yes / No boxes; the ones marked
// No are not taken.
void MedsReconciliation(Canvas& c, const Content& k) {
  static const char* kNotTaken[][3] = {{"Warfarin", "5 mg", "tablet"}, {"Gabapentin", "300 mg", "capsule"},
                                       {"Sertraline", "50 mg", "tablet"}};
  c.Text(54, 44, "Medication reconciliation", 13, true);
  c.Text(54, 64, "Patient: " + k.person.family + ", " + k.person.given + "    DOB: " + k.person.birth.Us(), 9.5);
  double y = 96;
  c.Text(54, y, "Medicine", 9, true);
  c.Text(250, y, "How taken", 9, true);
  c.Text(440, y, "Taking?", 9, true);
  c.Line(54, y + 13, 560, y + 13, 0.5);
  y += 22;
  auto row = [&](const std::string& med, const std::string& how, bool taking) {
    c.Text(54, y, med, 9.5);
    c.Text(250, y, how, 9);
    c.CheckBox(440, y, 8, taking);
    c.Text(452, y, "Yes", 8.5);
    c.CheckBox(485, y, 8, !taking);
    c.Text(497, y, "No", 8.5);
    y += 22;
  };
  size_t i = 0;
  int shown = 0;
  for (const Medication& m : k.medications) {
    row(m.name + " " + m.strength + " " + m.form, m.route_printed + ", " + m.frequency, true);
    if (i++ == 0) {
      for (const auto& nt : kNotTaken) {
        bool listed = std::any_of(k.medications.begin(), k.medications.end(), [&](const Medication& x) { return x.name == nt[0]; });
        if (listed || shown == 1) continue;
        row(std::string(nt[0]) + " " + nt[1] + " " + nt[2], "by mouth, once daily", false);
        ++shown;
      }
    }
  }
  Footer(c, kLetterH);
}

// ---- fresh30 layouts: written after fresh28's fixes and before fresh29 was measured ----

// A bordered two-column table: label cells shaded light grey, values in white cells.
void IntakeShadedCells(Canvas& c, const Content& k) {
  const Person& p = k.person;
  c.Text(54, 42, k.clinic, 12, true);
  c.Text(54, 60, "Patient demographics", 10);
  double y = 86;
  auto row = [&](const std::string& label, const std::string& value) {
    c.Fill(54, y, 150, 22, 0.85);
    c.Box(54, y, 150, 22, 0.5);
    c.Box(204, y, 330, 22, 0.5);
    c.Text(60, y + 6, label, 9);
    c.Text(212, y + 5, value, 10);
    y += 22;
  };
  row("Patient last name", p.family);
  row("Patient first name", p.given);
  row("Birth date", p.birth.Us());
  row("Gender", Capitalised(p.gender));
  row("Street", p.street);
  row("City", p.city);
  row("State", p.state);
  row("Postal code", p.zip);
  row("Primary phone", PhoneDash(p.phone));
  row("Email", p.email);
  row("Insurance plan", k.coverage.payer);
  row("Member number", k.coverage.member_id);
  row("Allergies", k.allergies.empty() ? std::string("No known allergies") : Join(k.allergies, ", "));
  Footer(c, kLetterH);
}

// A card with a square code beside the fields (a grid of dark and light modules).
void CardSquareCode(Canvas& c, const Content& k) {
  c.Box(4, 4, kCardW - 8, kCardH - 8, 0.6);
  c.Text(12, 12, k.coverage.payer, 10, true);
  c.Text(12, 38, "Name: " + k.person.given + " " + k.person.family, 7.5);
  c.Text(12, 52, "ID: " + k.coverage.member_id, 7.5);
  c.Text(12, 66, "Group: " + k.coverage.group, 7.5);
  c.Text(12, 80, "RxBIN: " + k.coverage.rxbin, 7.5);
  c.Text(12, 94, "RxPCN: " + k.coverage.rxpcn, 7.5);
  uint32_t bits = 2166136261u;
  for (char ch : k.coverage.member_id) bits = (bits ^ static_cast<unsigned char>(ch)) * 16777619u;
  const double x0 = 165, y0 = 36, cell = 2.6;
  for (int r = 0; r < 25; ++r)
    for (int q = 0; q < 25; ++q) {
      bits = bits * 1664525u + 1013904223u;
      bool finder = (r < 7 && q < 7) || (r < 7 && q > 17) || (r > 17 && q < 7);
      bool dark = finder ? (r % 6 == 0 || q % 6 == 0 || (r % 6 >= 2 && r % 6 <= 4 && q % 6 >= 2 && q % 6 <= 4))
                         : (bits >> 16) & 1;
      if (dark) c.Fill(x0 + q * cell, y0 + r * cell, cell, cell, 0);
    }
  c.Text(12, kCardH - 16, "For testing only", 5.5);
}

// A lab report with each result on two lines: the name and the result, then the units and the
// reference interval under the result.
void LabTwoLineRows(Canvas& c, const Content& k) {
  c.Text(54, 46, "Test results", 13, true);
  c.Text(54, 66, "Patient: " + k.person.family + ", " + k.person.given + "    Date of birth: " + k.person.birth.Us(), 9.5);
  c.Text(54, 82, "Specimen drawn: " + k.collected.Us(), 9.5);
  double y = 112;
  for (const LabTest& l : k.labs) {
    c.Text(54, y, l.printed_name, 10, true);
    c.Text(260, y, l.value + (Flag(l).empty() ? "" : "  (" + Flag(l) + ")"), 10);
    c.Text(260, y + 13, l.unit_printed + "   ref " + l.range, 8);
    y += 32;
  }
  Footer(c, kLetterH);
}

// A medication list with the patient's allergies and a section of past medicines, no longer taken.
void MedsPastSection(Canvas& c, const Content& k) {
  static const char* kPast[][3] = {{"Warfarin", "5 mg", "tablet"}, {"Gabapentin", "300 mg", "capsule"},
                                   {"Sertraline", "50 mg", "tablet"}};
  c.Text(54, 44, "Medication history", 13, true);
  c.Text(54, 64, "Patient: " + k.person.given + " " + k.person.family + "   DOB: " + k.person.birth.Us(), 9.5);
  double y = 92;
  c.Text(54, y, "Allergies: " + (k.allergies.empty() ? std::string("none known") : Join(k.allergies, ", ")), 9.5);
  y += 26;
  c.Text(54, y, "Current medications", 10.5, true);
  y += 20;
  for (const Medication& m : k.medications) {
    c.Text(66, y, m.name + " " + m.strength + " " + m.form + " - " + m.route_printed + " " + m.frequency, 9.5);
    y += 17;
  }
  y += 14;
  c.Text(54, y, "Past medications", 10.5, true);
  y += 20;
  int shown = 0;
  for (const auto& pm : kPast) {
    bool listed = std::any_of(k.medications.begin(), k.medications.end(), [&](const Medication& x) { return x.name == pm[0]; });
    if (listed || shown == 2) continue;
    c.Text(66, y, std::string(pm[0]) + " " + pm[1] + " " + pm[2] + " - ended " + k.collected.Us(), 9.5);
    y += 17;
    ++shown;
  }
  Footer(c, kLetterH);
}

}  // namespace

const std::vector<LayoutDef>& LayoutDefs() {
  static const std::vector<LayoutDef> kDefs = {
      {"intake-left", "intake", Split::kDev, kLetterW, kLetterH, IntakeLeft, IntakeTruth},
      {"intake-boxes", "intake", Split::kDev, kLetterW, kLetterH, IntakeBoxes, IntakeTruth},
      {"intake-grid", "intake", Split::kDev, kLetterW, kLetterH, IntakeGrid, IntakeTruth},
      {"intake-ruled", "intake", Split::kHoldout, kLetterW, kLetterH, IntakeRuled, IntakeTruth},
      {"intake-twocol", "intake", Split::kHoldout, kLetterW, kLetterH, IntakeTwoColumn,
       IntakeTruth},
      {"card-a", "insurance_card", Split::kDev, kCardW, kCardH, CardA, CardTruth},
      {"card-medicare", "insurance_card", Split::kDev, kCardW, kCardH, CardMedicare,
       MedicareTruth},
      {"card-b", "insurance_card", Split::kHoldout, kCardW, kCardH, CardB, CardTruth},
      {"lab-ruled", "lab_report", Split::kDev, kLetterW, kLetterH, LabRuled, LabTruth},
      {"lab-plain", "lab_report", Split::kHoldout, kLetterW, kLetterH, LabPlain, LabTruth},
      {"meds-table", "medication_list", Split::kDev, kLetterW, kLetterH, MedsTable, MedsTruth},
      {"meds-lines", "medication_list", Split::kHoldout, kLetterW, kLetterH, MedsLines,
       MedsTruth},
      {"referral-letter", "referral", Split::kDev, kLetterW, kLetterH, Referral, ReferralTruth},
      {"intake-dotted", "intake", Split::kFresh, kLetterW, kLetterH, IntakeDotted, IntakeTruth},
      {"card-c", "insurance_card", Split::kFresh, kCardW, kCardH, CardC, CardTruth},
      {"lab-grid", "lab_report", Split::kFresh, kLetterW, kLetterH, LabGrid, LabTruth},
      {"meds-bullets", "medication_list", Split::kFresh, kLetterW, kLetterH, MedsBullets, MedsTruth},
      {"intake-stacked", "intake", Split::kFresh2, kLetterW, kLetterH, IntakeStacked, IntakeTruth},
      {"card-d", "insurance_card", Split::kFresh2, kCardW, kCardH, CardD, CardTruth},
      {"intake-table", "intake", Split::kFresh3, kLetterW, kLetterH, IntakeTable, IntakeTruth},
      {"card-e", "insurance_card", Split::kFresh3, kCardW, kCardH, CardE, CardTruth},
      {"lab-columns", "lab_report", Split::kFresh3, kLetterW, kLetterH, LabColumns, LabTruth},
      {"meds-blocks", "medication_list", Split::kFresh3, kLetterW, kLetterH, MedsBlocks, MedsTruth},
      {"intake-underlined", "intake", Split::kFresh4, kLetterW, kLetterH, IntakeUnderlined, IntakeTruth},
      {"card-f", "insurance_card", Split::kFresh4, kCardW, kCardH, CardF, CardTruth},
      {"lab-sections", "lab_report", Split::kFresh4, kLetterW, kLetterH, LabSections, LabTruth},
      {"meds-instructions", "medication_list", Split::kFresh4, kLetterW, kLetterH, MedsInstructions, MedsTruth},
      {"intake-corner", "intake", Split::kFresh5, kLetterW, kLetterH, IntakeCorner, IntakeTruth},
      {"card-g", "insurance_card", Split::kFresh5, kCardW, kCardH, CardG, CardTruth},
      {"lab-flagcol", "lab_report", Split::kFresh5, kLetterW, kLetterH, LabFlagColumn, LabTruth},
      {"meds-recon", "medication_list", Split::kFresh5, kLetterW, kLetterH, MedsRecon, MedsTruth},
      {"intake-questions", "intake", Split::kFresh6, kLetterW, kLetterH, IntakeQuestions, IntakeTruth},
      {"card-h", "insurance_card", Split::kFresh6, kCardW, kCardH, CardH, CardTruth},
      {"lab-sentences", "lab_report", Split::kFresh6, kLetterW, kLetterH, LabSentences, LabTruth},
      {"meds-sig", "medication_list", Split::kFresh6, kLetterW, kLetterH, MedsSig, MedsTruth},
      {"intake-bilingual", "intake", Split::kFresh7, kLetterW, kLetterH, IntakeBilingual, IntakeTruth},
      {"card-i", "insurance_card", Split::kFresh7, kCardW, kCardH, CardI, CardTruth},
      {"lab-previous", "lab_report", Split::kFresh7, kLetterW, kLetterH, LabPrevious, LabTruth},
      {"meds-letter", "medication_list", Split::kFresh7, kLetterW, kLetterH, MedsLetter, MedsTruth},
      {"intake-guarantor", "intake", Split::kFresh8, kLetterW, kLetterH, IntakeGuarantor, IntakeTruth},
      {"card-j", "insurance_card", Split::kFresh8, kCardW, kCardH, CardJ, CardTruth},
      {"lab-cumulative", "lab_report", Split::kFresh8, kLetterW, kLetterH, LabCumulative, LabTruth},
      {"meds-two-columns", "medication_list", Split::kFresh8, kLetterW, kLetterH, MedsTwoColumns, MedsTruth},
      {"intake-right-aligned", "intake", Split::kFresh9, kLetterW, kLetterH, IntakeRightAligned, IntakeTruth},
      {"card-k", "insurance_card", Split::kFresh9, kCardW, kCardH, CardK, CardTruth},
      {"lab-side-by-side", "lab_report", Split::kFresh9, kLetterW, kLetterH, LabSideBySide, LabTruth},
      {"meds-frequency-first", "medication_list", Split::kFresh9, kLetterW, kLetterH, MedsFrequencyFirst, MedsTruth},
      {"intake-caption-below", "intake", Split::kFresh10, kLetterW, kLetterH, IntakeCaptionBelow, IntakeTruth},
      {"card-l", "insurance_card", Split::kFresh10, kCardW, kCardH, CardL, CardTruth},
      {"lab-unit-in-result", "lab_report", Split::kFresh10, kLetterW, kLetterH, LabUnitInResult, LabTruth},
      {"meds-prescriber", "medication_list", Split::kFresh10, kLetterW, kLetterH, MedsPrescriber, MedsTruth},
      {"intake-comb", "intake", Split::kFresh11, kLetterW, kLetterH, IntakeComb, IntakeTruth},
      {"card-m", "insurance_card", Split::kFresh11, kCardW, kCardH, CardM, CardTruth},
      {"lab-panels", "lab_report", Split::kFresh11, kLetterW, kLetterH, LabPanels, LabTruth},
      {"meds-refills", "medication_list", Split::kFresh11, kLetterW, kLetterH, MedsRefills, MedsTruth},
      {"intake-line-pairs", "intake", Split::kFresh12, kLetterW, kLetterH, IntakeLinePairs, IntakeTruth},
      {"card-n", "insurance_card", Split::kFresh12, kCardW, kCardH, CardN, CardTruth},
      {"lab-blocks", "lab_report", Split::kFresh12, kLetterW, kLetterH, LabBlocks, LabTruth},
      {"meds-pill-card", "medication_list", Split::kFresh12, kLetterW, kLetterH, MedsPillCard, MedsTruth},
      {"intake-web-print", "intake", Split::kFresh13, kLetterW, kLetterH, IntakeWebPrint, IntakeTruth},
      {"card-o", "insurance_card", Split::kFresh13, kCardW, kCardH, CardO, CardTruth},
      {"lab-unit-in-name", "lab_report", Split::kFresh13, kLetterW, kLetterH, LabUnitInName, LabTruth},
      {"meds-discharge", "medication_list", Split::kFresh13, kLetterW, kLetterH, MedsDischarge, MedsTruth},
      {"intake-fax", "intake", Split::kFresh14, kLetterW, kLetterH, IntakeFax, IntakeTruth},
      {"card-p", "insurance_card", Split::kFresh14, kCardW, kCardH, CardP, CardTruth},
      {"lab-leaders", "lab_report", Split::kFresh14, kLetterW, kLetterH, LabLeaders, LabTruth},
      {"meds-purpose", "medication_list", Split::kFresh14, kLetterW, kLetterH, MedsPurpose, MedsTruth},
      {"intake-full-name", "intake", Split::kFresh15, kLetterW, kLetterH, IntakeFullName, IntakeTruth},
      {"card-q", "insurance_card", Split::kFresh15, kCardW, kCardH, CardQ, CardTruth},
      {"lab-text-report", "lab_report", Split::kFresh15, kLetterW, kLetterH, LabTextReport, LabTruth},
      {"meds-pharmacy", "medication_list", Split::kFresh15, kLetterW, kLetterH, MedsPharmacy, MedsTruth},
      {"intake-history-grid", "intake", Split::kFresh16, kLetterW, kLetterH, IntakeHistoryGrid, IntakeTruth},
      {"card-r", "insurance_card", Split::kFresh16, kCardW, kCardH, CardR, CardTruth},
      {"lab-transposed", "lab_report", Split::kFresh16, kLetterW, kLetterH, LabTransposed, LabTruth},
      {"meds-mar", "medication_list", Split::kFresh16, kLetterW, kLetterH, MedsMar, MedsTruth},
      {"intake-numbered", "intake", Split::kFresh17, kLetterW, kLetterH, IntakeNumbered, IntakeTruth},
      {"card-s", "insurance_card", Split::kFresh17, kCardW, kCardH, CardS, CardTruth},
      {"lab-loinc", "lab_report", Split::kFresh17, kLetterW, kLetterH, LabLoinc, LabTruth},
      {"meds-split-dose", "medication_list", Split::kFresh17, kLetterW, kLetterH, MedsSplitDose, MedsTruth},
      {"intake-split-date", "intake", Split::kFresh18, kLetterW, kLetterH, IntakeSplitDate, IntakeTruth},
      {"card-t", "insurance_card", Split::kFresh18, kCardW, kCardH, CardT, CardTruth},
      {"lab-low-high", "lab_report", Split::kFresh18, kLetterW, kLetterH, LabLowHigh, LabTruth},
      {"meds-start-date", "medication_list", Split::kFresh18, kLetterW, kLetterH, MedsStartDate, MedsTruth},
      {"intake-day-first", "intake", Split::kFresh19, kLetterW, kLetterH, IntakeDayFirst, IntakeTruth},
      {"card-u", "insurance_card", Split::kFresh19, kCardW, kCardH, CardU, CardTruth},
      {"lab-range-with-units", "lab_report", Split::kFresh19, kLetterW, kLetterH, LabRangeWithUnits, LabTruth},
      {"meds-per-unit", "medication_list", Split::kFresh19, kLetterW, kLetterH, MedsPerUnit, MedsTruth},
      {"intake-handwritten", "intake", Split::kFresh20, kLetterW, kLetterH, IntakeHandwritten, IntakeTruth},
      {"card-v", "insurance_card", Split::kFresh20, kCardW, kCardH, CardV, CardTruth},
      {"lab-paren-range", "lab_report", Split::kFresh20, kLetterW, kLetterH, LabParenRange, LabTruth},
      {"meds-prose", "medication_list", Split::kFresh20, kLetterW, kLetterH, MedsProse, MedsTruth},
      {"intake-spanish", "intake", Split::kFresh21, kLetterW, kLetterH, IntakeSpanish, IntakeTruth},
      {"card-w", "insurance_card", Split::kFresh21, kCardW, kCardH, CardW, CardTruth},
      {"lab-delimited", "lab_report", Split::kFresh21, kLetterW, kLetterH, LabDelimited, LabTruth},
      {"meds-spanish", "medication_list", Split::kFresh21, kLetterW, kLetterH, MedsSpanish, MedsTruth},
      {"intake-consent", "intake", Split::kFresh22, kLetterW, kLetterH, IntakeConsent, IntakeTruth},
      {"card-x", "insurance_card", Split::kFresh22, kCardW, kCardH, CardX, CardTruth},
      {"lab-glued-flags", "lab_report", Split::kFresh22, kLetterW, kLetterH, LabGluedFlags, LabTruth},
      {"meds-pharmacy-history", "medication_list", Split::kFresh22, kLetterW, kLetterH, MedsPharmacyHistory, MedsTruth},
      {"intake-caption-in-box", "intake", Split::kFresh23, kLetterW, kLetterH, IntakeCaptionInBox, IntakeTruth},
      {"card-y", "insurance_card", Split::kFresh23, kCardW, kCardH, CardY, CardTruth},
      {"lab-range-below", "lab_report", Split::kFresh23, kLetterW, kLetterH, LabRangeBelow, LabTruth},
      {"meds-clock-times", "medication_list", Split::kFresh23, kLetterW, kLetterH, MedsClockTimes, MedsTruth},
      {"intake-face-sheet", "intake", Split::kFresh24, kLetterW, kLetterH, IntakeFaceSheet, IntakeTruth},
      {"card-z", "insurance_card", Split::kFresh24, kCardH, kCardW, CardZ, CardTruth},
      {"lab-wrapped-names", "lab_report", Split::kFresh24, kLetterW, kLetterH, LabWrappedNames, LabTruth},
      {"meds-plain-words", "medication_list", Split::kFresh24, kLetterW, kLetterH, MedsPlainWords, MedsTruth},
      {"intake-update", "intake", Split::kFresh25, kLetterW, kLetterH, IntakeUpdate, IntakeTruth},
      {"card-aa", "insurance_card", Split::kFresh25, kCardW, kCardH, CardAa, CardTruth},
      {"lab-spanish", "lab_report", Split::kFresh25, kLetterW, kLetterH, LabSpanish, LabTruth},
      {"meds-wide-table", "medication_list", Split::kFresh25, kLetterW, kLetterH, MedsWideTable, MedsTruth},
      {"intake-portal", "intake", Split::kFresh26, kLetterW, kLetterH, IntakePortal, IntakeTruth},
      {"card-bb", "insurance_card", Split::kFresh26, kCardW, kCardH, CardBb, CardTruth},
      {"lab-cumulative-oldest-first", "lab_report", Split::kFresh26, kLetterW, kLetterH, LabCumulativeOldestFirst, LabTruth},
      {"meds-stop-section", "medication_list", Split::kFresh26, kLetterW, kLetterH, MedsStopSection, MedsTruth},
      {"intake-contact-first", "intake", Split::kFresh27, kLetterW, kLetterH, IntakeContactFirst, IntakeTruth},
      {"card-recipient", "insurance_card", Split::kFresh27, kCardW, kCardH, CardRecipient, MedicaidTruth},
      {"lab-footnotes", "lab_report", Split::kFresh27, kLetterW, kLetterH, LabFootnotes, LabTruth},
      {"meds-pharmacy-labels", "medication_list", Split::kFresh27, kLetterW, kLetterH, MedsPharmacyLabels, MedsTruth},
      {"intake-dotted-abbrev", "intake", Split::kFresh28, kLetterW, kLetterH, IntakeDottedAbbrev, IntakeTruth},
      {"card-back", "insurance_card", Split::kFresh28, kCardW, kCardH, CardBack, CardBackTruth},
      {"lab-landscape", "lab_report", Split::kFresh28, kLetterH, kLetterW, LabLandscape, LabTruth},
      {"meds-handwritten", "medication_list", Split::kFresh28, kLetterW, kLetterH, MedsHandwritten, MedsNoRouteTruth},
      {"intake-kiosk-receipt", "intake", Split::kFresh29, kReceiptW, kReceiptH, IntakeKioskReceipt, IntakeTruth},
      {"card-dental", "insurance_card", Split::kFresh29, kCardW, kCardH, CardDental, CardNoRxTruth},
      {"lab-comments", "lab_report", Split::kFresh29, kLetterW, kLetterH, LabComments, LabTruth},
      {"meds-reconciliation", "medication_list", Split::kFresh29, kLetterW, kLetterH, MedsReconciliation, MedsTruth},
      {"intake-shaded-cells", "intake", Split::kFresh30, kLetterW, kLetterH, IntakeShadedCells, IntakeTruth},
      {"card-square-code", "insurance_card", Split::kFresh30, kCardW, kCardH, CardSquareCode, CardTruth},
      {"lab-two-line-rows", "lab_report", Split::kFresh30, kLetterW, kLetterH, LabTwoLineRows, LabTruth},
      {"meds-past-section", "medication_list", Split::kFresh30, kLetterW, kLetterH, MedsPastSection, MedsTruth},
  };
  return kDefs;
}

}  // namespace salus::corpus::internal
