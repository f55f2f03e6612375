// A search over the index tables, in store terms: the search layer parses FHIR search
// parameters into this; each store compiles it to its own SQL.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/resource_version.h"

namespace salus::store {

// Date index rows with no start or no end hold these as their low / high.
inline constexpr int64_t kOpenLow = INT64_MIN / 2;
inline constexpr int64_t kOpenHigh = INT64_MAX / 2;

struct Condition;

// One test of one parameter value (R4 search.html, by parameter type).
struct Match {
  enum class Kind : uint8_t {
    kToken, kString, kDate, kNumber, kQuantity, kReference, kUri,
    kId,           // the resource id
    kLastUpdated,  // meta.lastUpdated, from the resource table
    kMissing,      // :missing on any parameter type (`table` says which index)
    kChain,        // a reference whose target matches `sub`
    kHas,          // referenced by a `type` resource, through `param`, that matches `sub`
    kComposite,    // `parts`: one match per component, on one composite index row
  };
  // Comparison prefixes; kEq is the default.
  enum class Prefix : uint8_t { kEq, kNe, kGt, kLt, kGe, kLe, kSa, kEb, kAp };
  enum class StringOp : uint8_t { kStartsWith, kExact, kContains };
  enum class UriOp : uint8_t { kEqual, kBelow, kAbove };
  enum class Table : uint8_t { kToken, kString, kDate, kNumber, kQuantity, kReference, kUri, kComposite };

  Kind kind = Kind::kToken;
  std::string type;   // resource type the parameter belongs to
  std::string param;  // index parameter code ("code", "code:text", "identifier:of-type")
  Prefix prefix = Prefix::kEq;

  // token: system (nullopt: any system; "": no system) and code (nullopt: any code);
  // string: the search text (normalised unless kExact); uri: the uri; id: the id;
  // reference: target id; quantity: system/code of the unit.
  std::optional<std::string> system;
  std::optional<std::string> code;
  std::string text;
  StringOp string_op = StringOp::kStartsWith;
  UriOp uri_op = UriOp::kEqual;

  // date and lastUpdated: the search value's range [low_us, high_us); number and quantity:
  // the value with its precision range [low, high).
  int64_t low_us = 0, high_us = 0;
  double value = 0, low = 0, high = 0;

  // reference: target type ("" for any), and an absolute url to match instead.
  std::string target_type;
  std::string url;

  // missing
  Table table = Table::kToken;
  bool missing = true;

  // chain / has: conditions on the other resource (type `target_type` for a chain, `type` of
  // the referrer for _has, which then references the searched resource through `param`).
  std::shared_ptr<const std::vector<Condition>> sub;

  // composite: the components' values in order (token or reference, then token, string,
  // quantity, number or date, then number).
  std::vector<Match> parts;
};

// Matches OR-ed together (comma-separated values), optionally negated (:not).
struct Condition {
  std::vector<Match> any;
  bool negate = false;
};

struct SortKey {
  Match::Table table = Match::Table::kString;
  std::string param;   // "" with special: _id / _lastUpdated
  enum class Special : uint8_t { kNone, kId, kLastUpdated } special = Special::kNone;
  bool descending = false;
};

struct Include {
  std::string type;          // source type (include) or referring type (revinclude)
  std::string param;         // "" for every reference parameter ('*')
  std::string target_type;   // include only: restrict targets ("" for any)
  bool iterate = false;
};

struct SearchQuery {
  std::vector<std::string> types;  // the resource types searched (several for system search)
  std::vector<Condition> all;      // AND-ed
  std::vector<SortKey> sort;       // empty: creation order
  size_t count = 50;
  std::string cursor;              // opaque, from a previous page
  bool total = false;              // compute the accurate total
  bool ids_only = false;           // _summary=count or a conditional interaction
  std::vector<Include> includes;
  std::vector<Include> revincludes;
  size_t max_included = 10000;     // an answer never carries more included resources than this
  // A sort on one date parameter walks that parameter's index when the driving condition has
  // at least this many index rows (or there is no driving condition).
  int64_t sort_scan_min_matches = 2000;
};

struct SearchPage {
  std::vector<ResourceVersion> matches;
  std::vector<ResourceVersion> included;
  std::optional<int64_t> total;
  std::string next_cursor;  // empty on the last page
  std::string prev_cursor;  // empty on the first page
  bool included_truncated = false;
};

}  // namespace salus::store
