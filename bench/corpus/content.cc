#include "content.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

namespace salus::corpus::internal {
namespace {

constexpr std::array kGiven{"James",  "Maria", "Robert", "Linda",  "Michael", "Aisha", "David",
                            "Sofia",  "Daniel", "Emily", "Wei",    "Priya",   "Carlos", "Hannah",
                            "Omar",   "Grace", "Lucas",  "Nora",   "Ethan",   "Chloe", "Tobias",
                            "Imani",  "Rafael", "Ingrid", "Mateo", "Yusuf",   "Elena", "Kofi"};
constexpr std::array kFamily{"Hartley",   "Okafor",    "Lindqvist", "Moreno",   "Whitfield",
                             "Nakamura",  "Castellano", "Brennan",  "Adeyemi",  "Kowalski",
                             "Delacroix", "Farrow",    "Iverson",   "Quintero", "Sandoval",
                             "Thornbury", "Vasquez",   "Yamada",    "Abernathy", "Pemberton",
                             "Galloway",  "Mbeki",     "Rasmussen", "Oyelaran", "Fairbanks"};
constexpr std::array kStreets{"Maple Avenue", "Oak Street",   "Cedar Lane",   "Birch Road",
                              "Willow Court", "Pine Hill Dr", "Lakeview Blvd", "Elm Street",
                              "Harbor Way",   "Sunset Ave",   "Juniper Rd",   "Orchard Place"};
struct Place {
  const char* city;
  const char* state;
  int zip3;
};
constexpr std::array kPlaces{Place{"Springfield", "IL", 627}, Place{"Madison", "WI", 537},
                             Place{"Austin", "TX", 787},      Place{"Portland", "OR", 972},
                             Place{"Columbus", "OH", 432},    Place{"Raleigh", "NC", 276},
                             Place{"Denver", "CO", 802},      Place{"Albany", "NY", 122},
                             Place{"Tucson", "AZ", 857},      Place{"Boise", "ID", 837},
                             Place{"Burlington", "VT", 54},   Place{"Savannah", "GA", 314}};
constexpr std::array kAreaCodes{"217", "608", "512", "503", "614", "919", "303", "518", "520",
                                "208", "802", "912"};
constexpr std::array kAllergies{"Penicillin", "Sulfa drugs", "Peanuts",   "Latex",
                                "Shellfish",  "Aspirin",     "Codeine",   "Eggs",
                                "Bee stings", "Amoxicillin", "Ibuprofen", "Morphine"};
constexpr std::array kPayers{"Acme Health Plan",     "Bluewater Health",     "Northwind Insurance",
                             "Evergreen Mutual",     "Summit Care Alliance", "Harborview Health"};
constexpr std::array kPcn{"ADV", "WQIC", "HPRX", "RXNW01", "EVMPCN", "SCA"};

struct MedTemplate {
  const char* name;
  const char* strength;
  const char* form;
  const char* route;
  const char* route_printed;
  const char* frequency;
};
constexpr std::array kMeds{
    MedTemplate{"Metformin", "500 mg", "tablet", "oral", "by mouth", "twice daily"},
    MedTemplate{"Lisinopril", "10 mg", "tablet", "oral", "by mouth", "once daily"},
    MedTemplate{"Atorvastatin", "20 mg", "tablet", "oral", "by mouth", "at bedtime"},
    MedTemplate{"Levothyroxine", "50 mcg", "tablet", "oral", "by mouth", "once daily"},
    MedTemplate{"Amlodipine", "5 mg", "tablet", "oral", "by mouth", "once daily"},
    MedTemplate{"Omeprazole", "20 mg", "capsule", "oral", "by mouth", "once daily"},
    MedTemplate{"Albuterol", "90 mcg", "inhaler", "inhalation", "inhaled", "every 4 hours as needed"},
    MedTemplate{"Sertraline", "50 mg", "tablet", "oral", "by mouth", "once daily"},
    MedTemplate{"Losartan", "25 mg", "tablet", "oral", "by mouth", "twice daily"},
    MedTemplate{"Gabapentin", "300 mg", "capsule", "oral", "by mouth", "three times daily"},
    MedTemplate{"Insulin glargine", "10 units", "injection", "subcutaneous", "subcutaneous",
                "at bedtime"},
    MedTemplate{"Hydrochlorothiazide", "25 mg", "tablet", "oral", "by mouth", "once daily"},
    MedTemplate{"Fluticasone", "50 mcg", "spray", "nasal", "in each nostril", "once daily"},
    MedTemplate{"Warfarin", "5 mg", "tablet", "oral", "by mouth", "once daily"},
};

struct LabTemplate {
  const char* printed_name;
  const char* loinc;
  const char* unit_printed;
  const char* ucum;
  const char* range;
  double low, high;  // plausible values to draw from
  int decimals;
  double ref_low, ref_high;
};
constexpr std::array kLabs{
    LabTemplate{"Glucose", "2345-7", "mg/dL", "mg/dL", "70-99", 65, 180, 0, 70, 99},
    LabTemplate{"Hemoglobin A1c", "4548-4", "%", "%", "4.0-5.6", 4.5, 9.5, 1, 4.0, 5.6},
    LabTemplate{"Hemoglobin", "718-7", "g/dL", "g/dL", "12.0-17.5", 9.5, 17.9, 1, 12.0, 17.5},
    LabTemplate{"WBC", "6690-2", "K/uL", "10*3/uL", "4.0-11.0", 3.1, 14.2, 1, 4.0, 11.0},
    LabTemplate{"Platelets", "777-3", "K/uL", "10*3/uL", "150-400", 110, 460, 0, 150, 400},
    LabTemplate{"Creatinine", "2160-0", "mg/dL", "mg/dL", "0.6-1.3", 0.5, 2.4, 2, 0.6, 1.3},
    LabTemplate{"Cholesterol, Total", "2093-3", "mg/dL", "mg/dL", "<200", 140, 280, 0, 0, 200},
    LabTemplate{"Triglycerides", "2571-8", "mg/dL", "mg/dL", "<150", 60, 320, 0, 0, 150},
    LabTemplate{"LDL Cholesterol", "13457-7", "mg/dL", "mg/dL", "<100", 60, 190, 0, 0, 100},
    LabTemplate{"Sodium", "2951-2", "mmol/L", "mmol/L", "136-145", 130, 149, 0, 136, 145},
    LabTemplate{"Potassium", "2823-3", "mmol/L", "mmol/L", "3.5-5.1", 3.1, 5.8, 1, 3.5, 5.1},
    LabTemplate{"TSH", "3016-3", "mIU/L", "m[IU]/L", "0.4-4.0", 0.2, 7.5, 2, 0.4, 4.0},
    LabTemplate{"eGFR", "33914-3", "mL/min/1.73m2", "mL/min/{1.73_m2}", ">60", 35, 118, 0, 60,
                1e9},
};

template <typename T, size_t N>
const T& Pick(Rng& rng, const std::array<T, N>& items) {
  return items[std::uniform_int_distribution<size_t>(0, N - 1)(rng)];
}

int Uniform(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

std::string Digits(Rng& rng, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>('0' + Uniform(rng, 0, 9)));
  return out;
}

// Luhn check digit of an NPI, computed over the card issuer prefix 80840 and the first nine
// digits (CMS, "Requirements for NPI check digit").
char NpiCheckDigit(const std::string& nine) {
  std::string payload = "80840" + nine;
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
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

// Medicare Beneficiary Identifier: 11 characters, letters without S L O I B Z (CMS MBI format).
std::string Mbi(Rng& rng) {
  static constexpr std::string_view kAlpha = "ACDEFGHJKMNPQRTUVWXY";
  auto alpha = [&] { return kAlpha[Uniform(rng, 0, static_cast<int>(kAlpha.size()) - 1)]; };
  auto digit = [&](int lo) { return static_cast<char>('0' + Uniform(rng, lo, 9)); };
  auto alnum = [&] { return Uniform(rng, 0, 1) ? alpha() : digit(0); };
  std::string m;
  m += digit(1);
  m += alpha();
  m += alnum();
  m += digit(0);
  m += alpha();
  m += alnum();
  m += digit(0);
  m += alpha();
  m += alpha();
  m += digit(0);
  m += digit(0);
  return m;
}

Date RandomDate(Rng& rng, int from_year, int to_year) {
  Date d;
  d.year = Uniform(rng, from_year, to_year);
  d.month = Uniform(rng, 1, 12);
  d.day = Uniform(rng, 1, 28);
  return d;
}

std::string Fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

}  // namespace

std::string Date::Iso() const { return fmt::format("{:04}-{:02}-{:02}", year, month, day); }
std::string Date::Us() const { return fmt::format("{:02}/{:02}/{:04}", month, day, year); }
std::string Date::Dashed() const { return fmt::format("{:02}-{:02}-{:04}", month, day, year); }
std::string Date::DayFirst() const {
  static constexpr std::array kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{} {} {}", day, kMonths[month - 1], year);
}

std::string Date::Long() const {
  static constexpr std::array kMonths{"January", "February", "March",     "April",
                                      "May",     "June",     "July",      "August",
                                      "September", "October", "November", "December"};
  return fmt::format("{} {}, {}", kMonths[month - 1], day, year);
}

std::string PhoneUs(const std::string& d) {
  return fmt::format("({}) {}-{}", d.substr(0, 3), d.substr(3, 3), d.substr(6));
}
std::string PhoneDash(const std::string& d) {
  return fmt::format("{}-{}-{}", d.substr(0, 3), d.substr(3, 3), d.substr(6));
}

Content MakeContent(Rng& rng) {
  Content c;
  Person& p = c.person;
  p.given = Pick(rng, kGiven);
  p.family = Pick(rng, kFamily);
  p.birth = RandomDate(rng, 1938, 2015);
  static constexpr std::array kGender{"female", "male", "female", "male", "other"};
  p.gender = Pick(rng, kGender);
  p.street = fmt::format("{} {}", Uniform(rng, 12, 9870), Pick(rng, kStreets));
  const Place& place = Pick(rng, kPlaces);
  p.city = place.city;
  p.state = place.state;
  p.zip = fmt::format("{:03}{:02}", place.zip3, Uniform(rng, 1, 99));
  if (Uniform(rng, 0, 3) == 0) p.zip += "-" + Digits(rng, 4);
  p.phone = fmt::format("{}5550{}", Pick(rng, kAreaCodes), 100 + Uniform(rng, 0, 99));
  std::string local = p.given.substr(0, 1) + p.family;
  for (char& ch : local) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  p.email = fmt::format("{}{}@example.org", local, Uniform(rng, 1, 99));

  Coverage& cov = c.coverage;
  cov.payer = Pick(rng, kPayers);
  static constexpr std::array kPrefix{"XQH", "W", "NWI", "EVM", "SCA", "HV"};
  cov.member_id = std::string(Pick(rng, kPrefix)) + Digits(rng, 9);
  cov.group = Uniform(rng, 0, 1) ? Digits(rng, 6) : "G" + Digits(rng, 5);
  cov.rxbin = Digits(rng, 6);
  if (cov.rxbin[0] == '0') cov.rxbin[0] = '6';
  cov.rxpcn = Pick(rng, kPcn);
  cov.mbi = Mbi(rng);

  int allergy_count = Uniform(rng, 0, 3);
  std::vector<int> used;
  while (static_cast<int>(c.allergies.size()) < allergy_count) {
    int i = Uniform(rng, 0, static_cast<int>(kAllergies.size()) - 1);
    if (std::find(used.begin(), used.end(), i) != used.end()) continue;
    used.push_back(i);
    c.allergies.push_back(kAllergies[i]);
  }

  used.clear();
  int med_count = Uniform(rng, 2, 6);
  while (static_cast<int>(c.medications.size()) < med_count) {
    int i = Uniform(rng, 0, static_cast<int>(kMeds.size()) - 1);
    if (std::find(used.begin(), used.end(), i) != used.end()) continue;
    used.push_back(i);
    const MedTemplate& t = kMeds[i];
    c.medications.push_back({t.name, t.strength, t.form, t.route, t.route_printed, t.frequency});
  }

  used.clear();
  int lab_count = Uniform(rng, 4, 10);
  while (static_cast<int>(c.labs.size()) < lab_count) {
    int i = Uniform(rng, 0, static_cast<int>(kLabs.size()) - 1);
    if (std::find(used.begin(), used.end(), i) != used.end()) continue;
    used.push_back(i);
    const LabTemplate& t = kLabs[i];
    double v = std::uniform_real_distribution<double>(t.low, t.high)(rng);
    std::string value = Fixed(v, t.decimals);
    double shown = std::stod(value);
    LabTest lab{t.printed_name, t.loinc, t.unit_printed, t.ucum, t.range, value};
    lab.flag_high = shown > t.ref_high;
    lab.flag_low = shown < t.ref_low && t.ref_low > 0;
    c.labs.push_back(std::move(lab));
  }

  c.collected = RandomDate(rng, 2024, 2026);
  c.letter_date = RandomDate(rng, 2025, 2026);
  static constexpr std::array kProviders{"Dr. Helena Marsh", "Dr. Samuel Achebe",
                                         "Dr. Rosa Lindgren", "Dr. Victor Osei",
                                         "Dr. Mei Tanaka", "Dr. Patrick Doyle"};
  c.provider_name = Pick(rng, kProviders);
  std::string nine = std::to_string(Uniform(rng, 1, 2)) + Digits(rng, 8);
  c.provider_npi = nine + NpiCheckDigit(nine);
  static constexpr std::array kClinics{"Riverside Family Clinic", "Northgate Medical Group",
                                       "Lakeside Primary Care", "Hillcrest Health Center"};
  c.clinic = Pick(rng, kClinics);
  static constexpr std::array kReasons{"evaluation of chronic knee pain",
                                       "cardiology consultation for palpitations",
                                       "follow-up of abnormal thyroid tests",
                                       "dermatology review of a changing mole"};
  c.reason = Pick(rng, kReasons);
  return c;
}

}  // namespace salus::corpus::internal
