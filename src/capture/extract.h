// Stages 5-6: classify a document from its laid-out text and extract its fields, each checked
// and carrying the evidence its confidence is computed from.
// Thread-safety: functions are reentrant.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/layout.h"

namespace salus::capture {

// What kind of value a field holds; decides its check and how a second reading is made.
enum class ValueKind { kName, kText, kDate, kPhone, kEmail, kCode, kIdentifier, kNumber, kChoice };

struct Field {
  std::string key;    // "name.family", "coverage.memberId", "lab.0.value", "medication.1.route"
  std::string value;  // normal form
  std::string raw;    // as read
  ValueKind kind = ValueKind::kText;
  int page = 0;
  Box box;                       // where the value was read, in the prepared page's pixels
  float ocr_confidence = 0;      // lowest word confidence of the value
  bool has_check = false;        // a check exists for this kind of value
  bool checked = false;          // ... and the value passed it
  bool from_text_layer = false;  // read from a PDF's text, not by OCR
  int reread = -1;               // second reading: -1 none, 0 disagreed, 1 agreed
  double confidence = 0;         // calibrated probability that `value` is right
};

struct Classification {
  std::string kind;  // intake, insurance_card, lab_report, medication_list, referral, other
  double confidence = 0;
};

Classification Classify(const std::vector<Layout>& pages);

// `today` (YYYY-MM-DD) bounds birth dates. Fields come in reading order.
std::vector<Field> Extract(const std::vector<Layout>& pages, const Classification& kind,
                           std::string_view today);

// A person's value for field `key` (a reviewer's correction), checked as a read value is and
// returned in normal form; nullopt when it is not a valid value for that field.
std::optional<std::string> NormaliseFieldValue(std::string_view key, std::string_view value,
                                               std::string_view today);

// Is the page's text mostly noise (a photo of something that is not a document, or unreadable)?
bool LooksLikeGarbage(const Layout& page);

}  // namespace salus::capture
