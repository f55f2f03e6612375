// The compiled form of a FHIRPath expression (internal to src/fhirpath).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "fhirpath/fhirpath.h"

namespace salus::fhirpath::internal {

enum class Fn : uint16_t;

struct TypeSpec {
  std::string ns;    // "System", "FHIR" or "" (unqualified)
  std::string name;  // "Quantity", "string", "Patient"
};

struct Node {
  enum class Kind : uint8_t {
    kLiteral,   // literal (also a quantity literal)
    kEmpty,     // {}
    kMember,    // identifier: navigation from the focus
    kFunction,  // name(args) on the focus
    kThis, kIndex, kTotal,
    kVariable,  // %name
    kChain,     // children[0].children[1]
    kIndexer,   // children[0][children[1]]
    kNegate,    // -children[0]
    kBinary,    // children[0] op children[1]
    kIs, kAs,   // children[0] is/as type
  };
  Kind kind = Kind::kLiteral;
  std::string name;  // member, function, variable or operator
  Fn fn{};           // kFunction
  bool term = false; // kMember/kFunction in term position (no '.' before it)
  std::vector<std::unique_ptr<Node>> children;
  Item literal;
  std::string literal_text;  // storage for a string literal / quantity unit
  TypeSpec type;             // kIs, kAs; ofType/is/as arguments
  size_t pos = 0;            // byte offset in the source, for messages
  int height = 1;            // 1 + the tallest child: bounded so that tree walks cannot overflow
};

// Parses `text` into a tree; errors are Code::kInvalid naming the offset.
Result<std::unique_ptr<Node>> Parse(std::string_view text);

// Function identifiers and arity, shared by the parser (checks) and the evaluator.
enum class Fn : uint16_t {
  kUnknown,
  kEmpty, kExists, kAll, kAllTrue, kAnyTrue, kAllFalse, kAnyFalse, kSubsetOf, kSupersetOf,
  kCount, kDistinct, kIsDistinct,
  kWhere, kSelect, kRepeat, kOfType,
  kSingle, kFirst, kLast, kTail, kSkip, kTake, kIntersect, kExclude,
  kUnion, kCombine,
  kIif, kToBoolean, kConvertsToBoolean, kToInteger, kConvertsToInteger, kToDecimal,
  kConvertsToDecimal, kToString, kConvertsToString, kToDate, kConvertsToDate, kToDateTime,
  kConvertsToDateTime, kToTime, kConvertsToTime, kToQuantity, kConvertsToQuantity,
  kIndexOf, kLastIndexOf, kSubstring, kStartsWith, kEndsWith, kContains, kUpper, kLower,
  kReplace, kMatches, kMatchesFull, kReplaceMatches, kLength, kToChars, kSplit, kJoin, kTrim,
  kEncode, kDecode, kEscape, kUnescape,
  kAbs, kCeiling, kExp, kFloor, kLn, kLog, kPower, kRound, kSqrt, kTruncate,
  kChildren, kDescendants,
  kTrace, kNow, kToday, kTimeOfDay,
  kNot, kIs, kAs, kType,
  kAggregate, kSort,
  kExtension, kHasValue, kGetValue, kResolve, kMemberOf, kConformsTo, kHtmlChecks,
  kLowBoundary, kHighBoundary, kPrecision, kComparable, kDefineVariable,
};

struct FnInfo {
  Fn fn;
  int min_args;
  int max_args;
};
// nullptr when `name` is not a function.
const FnInfo* LookupFunction(std::string_view name);

}  // namespace salus::fhirpath::internal
