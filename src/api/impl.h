// Api::Impl: the interactions. Split across api.cc (routing, instance and type interactions,
// history, metadata) and bundle.cc (batch and transaction).
#pragma once

#include <mutex>

#include "search/registry.h"

#include "api/api.h"
#include "api/internal.h"
#include "audit/ledger.h"
#include "auth/tokens.h"
#include "fhir/validator.h"

namespace salus::capture {
struct CaptureResult;
}

namespace salus::api {

// What one request did, for its audit event: filled by the interactions as they run (on the
// request's thread; the writer thread only while the request waits for it).
struct AuditNote {
  std::vector<std::string> what;      // resources named (read, vread)
  std::vector<std::string> patients;  // "Patient/1": whose data was returned
  int appended = 0;                   // events already appended inside write transactions
  bool reads = false;                 // something was returned outside a write
  std::string subtype;                // overrides the request's (a batch posted to the base)
  void AddPatients(const std::vector<std::string>& more);
};
// The note of the request this thread is handling (null outside Handle).
AuditNote* CurrentNote();
class NoteScope {
 public:
  explicit NoteScope(AuditNote* note);
  ~NoteScope();
  NoteScope(const NoteScope&) = delete;
  NoteScope& operator=(const NoteScope&) = delete;

 private:
  AuditNote* previous_;
};

// Patient-level access (SMART patient/ scopes): the patient this request's data must belong
// to, set by the route for the interaction it runs (null: not confined).
const std::string* ConfinedPatient();
class ConfineScope {
 public:
  explicit ConfineScope(std::string patient);
  ~ConfineScope();
  ConfineScope(const ConfineScope&) = delete;
  ConfineScope& operator=(const ConfineScope&) = delete;

 private:
  std::string patient_;
  const std::string* previous_;
};

// A request as BALP sees it: action (C R U D E) and restful-interaction subtype.
struct Interaction {
  char action;
  std::string subtype;
};
// Nullopt for requests not recorded (metadata).
std::optional<Interaction> Classify(const Request& req);

// Asynchronous $capture jobs (capture_op.cc).
struct CaptureJobs;

class Api::Impl {
 public:
  Impl(store::Store& store, const fhir::Definitions& defs, ApiOptions options);

  Response Handle(const Request& req) const;
  void HandleQuick(const Request& req, std::function<void(Response)> done) const;
  // The response, with `note` filled for the audit event.
  Response Compute(const Request& req, AuditNote& note) const;
  // Routing without negotiation or _pretty (used by batch entries too).
  Response Dispatch(const Request& req) const;

  // Parses and validates a request body as a resource of `type` (any type when empty).
  Result<json::Value> ParseResource(const Request& req, std::string_view type) const;
  Result<json::Value> ParseJson(std::string_view text) const;

  Response Read(const Request& req, const std::string& type, const std::string& id) const;
  Response VRead(const Request& req, const std::string& type, const std::string& id, std::string_view vid) const;
  Response Create(const Request& req, const std::string& type) const;
  Response Update(const Request& req, const std::string& type, const std::string& id) const;
  Response ConditionalUpdate(const Request& req, const std::string& type) const;
  Response Delete(const Request& req, const std::string& type, const std::string& id) const;
  Response ConditionalDelete(const Request& req, const std::string& type) const;
  Response Patch(const Request& req, const std::string& type, const std::string& id) const;
  Response History(const Request& req, const std::string* type, const std::string* id) const;
  Response Search(const Request& req, const std::string& type) const;
  Response SystemSearch(const Request& req) const;
  std::expected<Request, Response> WithSearchForm(const Request& req) const;
  Response SearchTypes(const Request& req, std::vector<std::string> types, std::optional<store::Condition> extra,
                       const std::string& self) const;
  Response Everything(const Request& req, const std::string& id) const;
  // POST Patient/[id]/$erase: every version of every resource in the patient's compartment
  // (and Binaries their attachments point to) hard-deleted in one transaction, with the
  // bodies of the audit entries naming the patient; the erasure itself recorded without PHI.
  Response Erase(const Request& req, const std::string& id) const;
  Response Metadata(const Request& req) const;
  Response Bundle(const Request& req) const;

  // A response carrying a stored version, honouring Prefer: return=.
  Response VersionResponse(const Request& req, int status, const store::ResourceVersion& v, bool location) const;
  Response ErrorResponse(const Error& e) const;

  // With authentication on: a 401 when there is no principal, a 403 when its scopes do not
  // give every permission in `need` (auth::Permission bits) on `type`; nullopt when allowed.
  std::optional<Response> Deny(const Request& req, std::string_view type, uint8_t need) const;
  // Whether the principal may read resources of `type` (includes are filtered by it).
  bool MayRead(const Request& req, std::string_view type) const;
  // The patient id when the permissions `need` on `type` come from patient/ scopes only (the
  // data must then be in that patient's compartment); empty otherwise.
  std::string ConfinementFor(const Request& req, std::string_view type, uint8_t need) const;
  // Whether `v` belongs to `patient`'s compartment (types outside the compartment: yes).
  bool InCompartment(const store::ResourceVersion& v, const std::string& patient) const;
  Response OutsideCompartment() const;

  // store_.Write, with the request's audit event appended in the same transaction.
  Status Write(const Request& req, const store::UnitOfWork& unit) const;
  // Notes a returned resource for the request's audit event (`name_it`: as an entity too).
  void NoteReturned(const store::ResourceVersion& v, bool name_it) const;
  // The request's audit event still to record (none when its writes recorded it, or for
  // metadata, or with no ledger).
  std::optional<audit::Event> PendingEvent(const Request& req, const Response& resp, const AuditNote& note) const;
  // The 503 sent instead of a response whose audit entry could not be made durable.
  Response NotRecorded(const Error& e) const;
  json::Value AuditEventCapability() const;
  Response AuditEvents(const Request& req, const std::vector<std::string_view>& parts) const;
  audit::Event EventFor(const Request& req, const Interaction& what, int status) const;

  // Document capture (capture_op.cc).
  Response Capture(const Request& req) const;
  Response CaptureJob(const Request& req, const std::string& id) const;
  Response CaptureReview(const Request& req, const std::string& task_id) const;
  Result<std::optional<json::Value>> MergeDemographics(const std::string& base_url,
                                                       const std::string& patient_reference,
                                                       const capture::CaptureResult& result,
                                                       std::vector<std::string>& left) const;

  store::Store& store_;
  const fhir::Definitions& defs_;
  fhir::Validator validator_;
  ApiOptions options_;
  std::string Capability() const;
  mutable std::mutex capability_mu_;
  mutable std::string capability_;                     // GUARDED_BY(capability_mu_)
  mutable const void* capability_registry_ = nullptr;  // GUARDED_BY(capability_mu_): what it was built for
  mutable std::shared_ptr<const search::Registry> capability_keep_;  // GUARDED_BY(capability_mu_)
  // Asynchronous capture jobs; last member: destroyed first, waiting for jobs still running.
  std::shared_ptr<CaptureJobs> capture_jobs_;
};
std::shared_ptr<CaptureJobs> NewCaptureJobs();

// Common response helpers.
Response JsonResponse(int status, std::string body);
// A 415 when the request body is declared as something other than FHIR JSON.
std::optional<Response> RefuseMediaType(const Request& req);
// The value of `return=` in the Prefer header, lower-cased ("minimal", "representation",
// "operationoutcome"), or "" when absent.
std::string PreferReturn(const Request& req);
Response OutcomeResponse(int status, const json::Value& outcome);

}  // namespace salus::api
