// The invented facts a synthetic document prints (internal to the corpus generator).
#pragma once

#include <random>
#include <string>
#include <vector>

namespace salus::corpus::internal {

struct Date {
  int year = 0, month = 0, day = 0;
  std::string Iso() const;
  std::string Us() const;      // 03/14/1962
  std::string Long() const;    // March 14, 1962
  std::string Dashed() const;  // 03-14-1962
  std::string DayFirst() const;  // 14 Mar 1962
};

struct Person {
  std::string given, family;
  Date birth;
  std::string gender;  // male, female, other
  std::string street, city, state, zip;
  std::string phone;   // 10 digits
  std::string email;
};

struct Coverage {
  std::string payer, member_id, group, rxbin, rxpcn, mbi;
};

struct Medication {
  std::string name, strength, form, route, route_printed, frequency;
};

struct LabTest {
  std::string printed_name, loinc, unit_printed, ucum, range, value;
  bool flag_high = false, flag_low = false;
};

struct Content {
  Person person;
  Coverage coverage;
  std::vector<std::string> allergies;
  std::vector<Medication> medications;
  std::vector<LabTest> labs;
  Date collected, letter_date;
  std::string provider_name, provider_npi, clinic, reason;
};

using Rng = std::mt19937_64;

Content MakeContent(Rng& rng);
std::string PhoneUs(const std::string& digits);    // (217) 555-0142
std::string PhoneDash(const std::string& digits);  // 217-555-0142

}  // namespace salus::corpus::internal
