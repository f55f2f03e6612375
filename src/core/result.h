// Errors as values across layers. Result<T> is std::expected<T, Error>.
// Thread-safety: plain values.
#pragma once

#include <expected>
#include <string>
#include <utility>
#include <vector>

namespace salus {

// A small fixed set of codes (chosen as absl::Status advises): the caller decides what to do
// from the code alone; the message is for humans.
enum class Code {
  kInvalid,             // the input is wrong (400)
  kNotFound,            // 404
  kConflict,            // 409
  kGone,                // 410: deleted
  kPreconditionFailed,  // 412
  kForbidden,           // 403
  kUnauthenticated,     // 401
  kUnavailable,         // 503: try again later
  kInternal,            // our own failure (500)
};

// One problem found in the input, with where it was found (a FHIRPath-like element path).
struct Issue {
  enum class Severity { kFatal, kError, kWarning, kInformation };
  Severity severity = Severity::kError;
  std::string code = "invalid";  // an OperationOutcome issue-type code
  std::string diagnostics;
  std::string expression;  // empty when the problem has no location
};

struct Error {
  Code code = Code::kInternal;
  std::string message;
  std::vector<Issue> issues;  // every problem found; may be empty

  static Error Invalid(std::string msg, std::string expression = {});
  static Error NotFound(std::string msg);
  static Error Conflict(std::string msg);
  static Error Internal(std::string msg);
  static Error Unavailable(std::string msg);
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(Error e) { return std::unexpected<Error>(std::move(e)); }
inline std::unexpected<Error> Fail(Code code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message), {}});
}

}  // namespace salus

#define SALUS_CONCAT_INNER(a, b) a##b
#define SALUS_CONCAT(a, b) SALUS_CONCAT_INNER(a, b)

// SALUS_TRY(expr): returns the error of a failed Status/Result from the enclosing function.
#define SALUS_TRY(expr)                                                 \
  do {                                                                  \
    auto&& salus_try_result = (expr);                                   \
    if (!salus_try_result) return std::unexpected(salus_try_result.error()); \
  } while (0)

// SALUS_ASSIGN_OR_RETURN(lhs, expr): lhs = *expr, or return its error.
#define SALUS_ASSIGN_OR_RETURN(lhs, expr) \
  SALUS_ASSIGN_OR_RETURN_IMPL(SALUS_CONCAT(salus_result_, __LINE__), lhs, expr)
#define SALUS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)          \
  auto tmp = (expr);                                         \
  if (!tmp) return std::unexpected(std::move(tmp).error());  \
  lhs = std::move(*tmp)
