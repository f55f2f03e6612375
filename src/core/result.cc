#include "core/result.h"

namespace salus {

Error Error::Invalid(std::string msg, std::string expression) {
  Error e{Code::kInvalid, msg, {}};
  e.issues.push_back(Issue{Issue::Severity::kError, "invalid", std::move(msg), std::move(expression)});
  return e;
}
Error Error::NotFound(std::string msg) { return Error{Code::kNotFound, std::move(msg), {}}; }
Error Error::Conflict(std::string msg) { return Error{Code::kConflict, std::move(msg), {}}; }
Error Error::Internal(std::string msg) { return Error{Code::kInternal, std::move(msg), {}}; }
Error Error::Unavailable(std::string msg) { return Error{Code::kUnavailable, std::move(msg), {}}; }

}  // namespace salus
