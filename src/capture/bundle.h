// Stage 7 output: a capture result -> a FHIR R4 transaction Bundle.
//
// Written automatically: Binary (the original file), DocumentReference, and the resources whose
// every field reached the confidence threshold: Patient (conditional create on name + birth
// date, so an existing patient is matched by the server's search when the bundle commits),
// Coverage, AllergyIntolerance, MedicationStatement, Observation. Every extracted value
// carries its confidence in an extension. What is below the threshold is not written: a Task
// (the review queue) holds those fields, and the items they belong to, for a person to accept
// or correct. When the patient's own identity (name, birth date) is uncertain, nothing but the
// document and the Task is written.
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "capture/pipeline.h"
#include "core/json.h"

namespace salus::capture {

// Extension carrying a captured value's confidence (valueDecimal, 0..1).
inline constexpr std::string_view kConfidenceExtension =
    "https://salus.invalid/fhir/StructureDefinition/capture-confidence";
// Task.code.text of review tasks, for finding the queue.
inline constexpr std::string_view kReviewTaskCode = "capture-review";

struct BundleOptions {
  double threshold = 0.95;       // auto-accept at or above
  std::string media_type;        // of the original file
  std::string title;             // e.g. the file name; not logged
  std::string now;               // FHIR instant for DocumentReference.date; empty for now
  // After review: the patient the document belongs to ("Patient/123"); empty to match or
  // create one from the fields.
  std::string patient_reference;
  // False after review: the original and its DocumentReference are already stored.
  bool include_document = true;
};

struct BuiltBundle {
  json::Value bundle;
  int accepted = 0;   // fields written automatically
  int in_review = 0;  // fields held in the Task
  std::vector<std::string> unwritten;  // their keys
};

BuiltBundle BuildBundle(const CaptureResult& result, std::string_view original,
                        const BundleOptions& options);

}  // namespace salus::capture
