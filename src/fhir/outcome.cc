#include "fhir/outcome.h"

namespace salus::fhir {
namespace {

std::string_view SeverityName(Issue::Severity s) {
  switch (s) {
    case Issue::Severity::kFatal: return "fatal";
    case Issue::Severity::kError: return "error";
    case Issue::Severity::kWarning: return "warning";
    case Issue::Severity::kInformation: return "information";
  }
  return "error";
}

std::string_view IssueCodeFor(Code code) {
  switch (code) {
    case Code::kInvalid: return "invalid";
    case Code::kNotFound: return "not-found";
    case Code::kConflict: return "conflict";
    case Code::kGone: return "deleted";
    case Code::kPreconditionFailed: return "conflict";
    case Code::kForbidden: return "forbidden";
    case Code::kUnauthenticated: return "login";
    case Code::kUnavailable: return "transient";
    case Code::kInternal: return "exception";
  }
  return "exception";
}

}  // namespace

json::Value MakeOutcome(const std::vector<Issue>& issues) {
  json::Array list;
  for (const Issue& i : issues) {
    json::Value issue = json::Object{};
    issue.set("severity", SeverityName(i.severity));
    issue.set("code", i.code.empty() ? std::string("invalid") : i.code);
    if (!i.diagnostics.empty()) issue.set("diagnostics", i.diagnostics);
    if (!i.expression.empty()) issue.set("expression", json::Array{json::Value(i.expression)});
    list.push_back(std::move(issue));
  }
  json::Value oo = json::Object{};
  oo.set("resourceType", "OperationOutcome");
  oo.set("issue", std::move(list));
  return oo;
}

json::Value OutcomeFromError(const Error& error) {
  if (!error.issues.empty()) return MakeOutcome(error.issues);
  Issue::Severity sev = error.code == Code::kInternal ? Issue::Severity::kFatal : Issue::Severity::kError;
  return MakeOutcome({Issue{sev, std::string(IssueCodeFor(error.code)), error.message, {}}});
}

json::Value InformationOutcome(std::string_view message) {
  return MakeOutcome({Issue{Issue::Severity::kInformation, "informational", std::string(message), {}}});
}

}  // namespace salus::fhir
