// Document capture over the API:
//   POST [base]/$capture            the file as the body (image/png|jpeg|tiff, application/pdf)
//                                   or multipart/form-data; ?commit=false returns the Bundle
//                                   without storing it; ?threshold= overrides the server's.
//   GET|DELETE [base]/$capture-jobs/[id]   the async pattern's status URL
//   POST [base]/Task/[id]/$capture-review  a reviewer's corrections (Parameters), then the
//                                   fields held in the review Task are written.
// Capture runs on the capture pool (OCR engines); its Bundle is committed as a transaction
// through Handle, so it is validated, authorised entry by entry and audited like any other.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>

#include <fmt/format.h>

#include "api/impl.h"
#include "auth/tokens.h"
#include "capture/bundle.h"
#include "capture/checks.h"
#include "capture/decode.h"
#include "capture/pipeline.h"
#include "capture/pool.h"
#include "core/time.h"
#include "crypto/random.h"
#include "fhir/outcome.h"

namespace salus::api {

namespace {

constexpr auto kJobLifetime = std::chrono::hours(1);
constexpr size_t kMaxJobs = 200;

Response Outcome(int status, std::string code, std::string message, std::string expression = {}) {
  return OutcomeResponse(status, fhir::MakeOutcome({Issue{Issue::Severity::kError, std::move(code),
                                                          std::move(message), std::move(expression)}}));
}

// Who may see a job's result: the principal that started it.
std::string OwnerOf(const Request& req) { return req.principal ? req.principal->Agent() : "anonymous"; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The media-type parameter `name` of a Content-Type value, unquoted.
std::string MediaParameter(std::string_view content_type, std::string_view name) {
  std::string lower = Lower(content_type);
  size_t at = lower.find(std::string(name) + "=");
  if (at == std::string::npos) return {};
  std::string_view v = content_type.substr(at + name.size() + 1);
  if (!v.empty() && v.front() == '"') {
    v.remove_prefix(1);
    return std::string(v.substr(0, v.find('"')));
  }
  return std::string(v.substr(0, v.find_first_of("; ")));
}

// The first file part of a multipart/form-data body (RFC 7578): its bytes.
std::optional<std::string_view> FirstFilePart(std::string_view body, std::string_view boundary) {
  std::string delimiter = "--" + std::string(boundary);
  size_t at = body.find(delimiter);
  while (at != std::string_view::npos) {
    size_t header_start = at + delimiter.size();
    if (body.substr(header_start, 2) == "--") return std::nullopt;  // closing delimiter
    size_t header_end = body.find("\r\n\r\n", header_start);
    if (header_end == std::string_view::npos) return std::nullopt;
    std::string headers = Lower(body.substr(header_start, header_end - header_start));
    size_t content = header_end + 4;
    size_t next = body.find("\r\n" + delimiter, content);
    if (next == std::string_view::npos) return std::nullopt;
    bool file = headers.find("filename=") != std::string::npos ||
                headers.find("content-type: image/") != std::string::npos ||
                headers.find("content-type: application/pdf") != std::string::npos;
    if (file) return body.substr(content, next - content);
    at = next + 2;
  }
  return std::nullopt;
}

// `bundle` posted to the base on behalf of `req`'s sender (its principal, address and base URL
// only): a transaction of its own, authorised and audited as that principal's.
Request TransactionFor(const Request& req, const json::Value& bundle) {
  Request tx;
  tx.method = "POST";
  tx.body = json::Serialize(bundle);
  tx.headers = {{"content-type", "application/fhir+json"}};
  tx.base_url = req.base_url;
  tx.remote_address = req.remote_address;
  tx.principal = req.principal;
  tx.auth_required = req.auth_required;
  return tx;
}

Response FromCaptureError(const Error& e) {
  std::string code = e.issues.empty() ? "invalid" : e.issues.front().code;
  int status = e.code == Code::kUnavailable ? 503
               : code == "too-costly"       ? 413
               : code == "not-supported"    ? 415
               : e.code == Code::kInvalid   ? 400
                                            : 500;
  return Outcome(status, code, e.message);
}

}  // namespace

// Reviewed demographics for a patient who is already stored: an update of that Patient (gender
// set, phone/e-mail/address added when not there yet), as a PUT entry guarded by its version.
// Keys it takes are removed from `left`. Nullopt when nothing in `left` is demographic.
Result<std::optional<json::Value>> Api::Impl::MergeDemographics(const std::string& base_url,
                                                                const std::string& patient_reference,
                                                                const capture::CaptureResult& result,
                                                                std::vector<std::string>& left) const {
  std::map<std::string, std::string> v;
  for (const capture::Field& f : result.fields)
    if (std::find(left.begin(), left.end(), f.key) != left.end()) v[f.key] = f.value;
  bool address = v.contains("address.line") && v.contains("address.city") && v.contains("address.state") &&
                 v.contains("address.postalCode");
  if (!v.contains("gender") && !v.contains("phone") && !v.contains("email") && !address) return std::nullopt;
  std::string id = patient_reference.substr(std::string_view("Patient/").size());
  auto stored = store_.Read("Patient", id);
  if (!stored) return std::unexpected(stored.error());
  auto patient = json::Parse(stored->body, json::ParseLimits{.max_depth = 1000});
  if (!patient) return std::unexpected(Error::Internal("a stored Patient does not parse"));
  std::vector<std::string> taken;
  if (v.contains("gender")) {
    patient->set("gender", v.at("gender"));
    taken.push_back("gender");
  }
  json::Array telecom;
  if (const json::Value* t = patient->find("telecom"); t && t->is_array()) telecom = t->as_array();
  auto add_contact = [&](const char* key, const char* system) {
    auto it = v.find(key);
    if (it == v.end()) return;
    std::string value = key == std::string_view("phone") ? capture::FormatUsPhone(it->second) : it->second;
    bool present = std::any_of(telecom.begin(), telecom.end(), [&](const json::Value& c) {
      return c.string_at("system") == system && c.string_at("value") == value;
    });
    if (!present) telecom.push_back(json::Value(json::Object{{"system", system}, {"value", value}, {"use", "home"}}));
    taken.push_back(key);
  };
  add_contact("phone", "phone");
  add_contact("email", "email");
  if (!telecom.empty()) patient->set("telecom", json::Value(std::move(telecom)));
  if (address) {
    json::Array addresses;
    if (const json::Value* a = patient->find("address"); a && a->is_array()) addresses = a->as_array();
    addresses.push_back(json::Value(json::Object{{"use", "home"},
                                                 {"line", json::Value(json::Array{json::Value(v.at("address.line"))})},
                                                 {"city", v.at("address.city")},
                                                 {"state", v.at("address.state")},
                                                 {"postalCode", v.at("address.postalCode")},
                                                 {"country", "US"}}));
    patient->set("address", json::Value(std::move(addresses)));
    for (const char* k : {"address.line", "address.city", "address.state", "address.postalCode"}) taken.push_back(k);
  }
  std::erase_if(left, [&](const std::string& k) { return std::find(taken.begin(), taken.end(), k) != taken.end(); });
  return json::Value(json::Object{
      {"fullUrl", base_url + "/" + patient_reference},
      {"resource", std::move(*patient)},
      {"request", json::Value(json::Object{{"method", "PUT"}, {"url", patient_reference},
                                           {"ifMatch", fmt::format("W/\"{}\"", stored->version)}})}});
}

struct CaptureJobs {
  struct Job {
    std::string owner;
    bool done = false;
    Response result;
    std::chrono::steady_clock::time_point finished;
  };
  std::mutex mu;
  std::condition_variable idle;
  std::map<std::string, Job> jobs;  // guarded by mu
  int running = 0;                  // guarded by mu: submitted and not finished

  ~CaptureJobs() {
    std::unique_lock lock(mu);
    idle.wait(lock, [&] { return running == 0; });
  }
  // Forgets finished jobs past their lifetime. Caller holds mu.
  void Sweep() {
    auto now = std::chrono::steady_clock::now();
    std::erase_if(jobs, [&](const auto& kv) { return kv.second.done && now - kv.second.finished > kJobLifetime; });
  }
};

std::shared_ptr<CaptureJobs> NewCaptureJobs() { return std::make_shared<CaptureJobs>(); }

Response Api::Impl::Capture(const Request& req) const {
  if (options_.capture_pool == nullptr)
    return Outcome(501, "not-supported", "document capture is not enabled on this server");
  if (req.method != "POST") return Outcome(405, "not-supported", "$capture takes POST with the document as the body");
  // The principal must be able to create what a capture writes; entries are checked again
  // one by one when the Bundle commits.
  for (std::string_view type : {"Binary", "DocumentReference", "Task"})
    if (auto denied = Deny(req, type, auth::kCreate)) return *denied;

  std::string content_type = Lower(req.Header("content-type").value_or(""));
  std::string_view document = req.body;
  if (content_type.starts_with("multipart/form-data")) {
    std::string boundary = MediaParameter(*req.Header("content-type"), "boundary");
    auto part = boundary.empty() ? std::nullopt : FirstFilePart(req.body, boundary);
    if (!part) return Outcome(400, "invalid", "the multipart/form-data body has no file part");
    document = *part;
  } else if (!content_type.starts_with("image/") && !content_type.starts_with("application/pdf") &&
             !content_type.starts_with("application/octet-stream")) {
    return Outcome(415, "not-supported",
                   "send the document as image/png, image/jpeg, image/tiff, application/pdf or multipart/form-data");
  }
  if (document.empty()) return Outcome(400, "invalid", "the request has no document");
  capture::FileKind kind = capture::Sniff(document);
  if (kind == capture::FileKind::kUnknown)
    return Outcome(415, "not-supported", "the document is not a PNG, JPEG, TIFF or PDF file");

  double threshold = options_.capture_threshold;
  if (auto t = req.Param("threshold")) {
    char* end = nullptr;
    std::string text(*t);
    threshold = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != 0 || threshold < 0 || threshold > 1)
      return Outcome(400, "invalid", "threshold must be a number from 0 to 1", "threshold");
  }
  bool commit = req.Param("commit").value_or("true") != "false";
  // A patient signed in with patient/ scopes captures their own documents: whatever name is
  // printed, the record is theirs, never one matched by name and birth date.
  std::string confined = ConfinementFor(req, "DocumentReference", auth::kCreate);
  std::string own_patient = confined.empty() ? "" : "Patient/" + confined;
  int pages = capture::PageCount(document);
  bool async = pages > options_.capture_sync_pages ||
               Lower(req.Header("prefer").value_or("")).find("respond-async") != std::string::npos;

  // The job: capture on a pool worker, then commit through Handle (a transaction of its own,
  // audited as such). It owns copies of what it needs: the document once, and who sent it.
  Request sender;
  sender.base_url = req.base_url;
  sender.remote_address = req.remote_address;
  sender.principal = req.principal;
  sender.auth_required = req.auth_required;
  auto run = [this, sender = std::move(sender), bytes = std::string(document), kind, threshold, commit,
              own_patient](capture::OcrEngine* engine) -> Response {
    if (engine == nullptr) return Outcome(503, "transient", "text recognition is unavailable on this server");
    capture::CaptureOptions options;
    options.limits.pdf_sandbox = options_.capture_sandbox;
    auto result = capture::Capture(bytes, *engine, options);
    if (!result) return FromCaptureError(result.error());
    if (result->unreadable) {
      std::string why = "the document could not be read";
      for (const auto& p : result->pages)
        if (p.problem) {
          why = *p.problem;
          break;
        }
      return Outcome(422, "processing", why);
    }
    capture::BundleOptions bo{.threshold = threshold, .media_type = capture::MediaTypeOf(kind), .patient_reference = own_patient};
    capture::BuiltBundle built = capture::BuildBundle(*result, bytes, bo);
    Response out;
    if (!commit) {
      out = JsonResponse(200, json::Serialize(built.bundle));
    } else {
      out = Handle(TransactionFor(sender, built.bundle));
    }
    if (out.status < 300) {
      out.SetHeader("X-Capture-Kind", result->classification.kind);
      out.SetHeader("X-Capture-Accepted", std::to_string(built.accepted));
      out.SetHeader("X-Capture-Review", std::to_string(built.in_review));
    }
    return out;
  };

  if (!async) {
    auto promise = std::make_shared<std::promise<Response>>();
    auto future = promise->get_future();
    bool queued = options_.capture_pool->Submit([run = std::move(run), promise](capture::OcrEngine* engine) mutable {
      promise->set_value(run(engine));
    });
    if (!queued) {
      Response busy = Outcome(503, "transient", "the capture queue is full; retry shortly");
      busy.SetHeader("Retry-After", "10");
      return busy;
    }
    return future.get();
  }

  std::string id = crypto::NewId();
  // A plain pointer: the registry outlives every job (its destructor waits for them).
  CaptureJobs* jobs = capture_jobs_.get();
  {
    std::lock_guard lock(jobs->mu);
    jobs->Sweep();
    if (jobs->jobs.size() >= kMaxJobs) {
      Response busy = Outcome(503, "transient", "too many capture jobs are pending; retry shortly");
      busy.SetHeader("Retry-After", "30");
      return busy;
    }
    jobs->jobs[id] = CaptureJobs::Job{OwnerOf(req)};
    ++jobs->running;
  }
  bool queued = options_.capture_pool->Submit([run = std::move(run), jobs, id](capture::OcrEngine* engine) {
    Response r = run(engine);
    std::lock_guard lock(jobs->mu);
    if (auto it = jobs->jobs.find(id); it != jobs->jobs.end()) {
      it->second.result = std::move(r);
      it->second.done = true;
      it->second.finished = std::chrono::steady_clock::now();
    }
    if (--jobs->running == 0) jobs->idle.notify_all();
  });
  if (!queued) {
    std::lock_guard lock(jobs->mu);
    jobs->jobs.erase(id);
    if (--jobs->running == 0) jobs->idle.notify_all();
    Response busy = Outcome(503, "transient", "the capture queue is full; retry shortly");
    busy.SetHeader("Retry-After", "10");
    return busy;
  }
  Response accepted;
  accepted.status = 202;
  accepted.SetHeader("Content-Location", fmt::format("{}/$capture-jobs/{}", req.base_url, id));
  return accepted;
}

Response Api::Impl::CaptureJob(const Request& req, const std::string& id) const {
  std::lock_guard lock(capture_jobs_->mu);
  capture_jobs_->Sweep();
  auto it = capture_jobs_->jobs.find(id);
  // Another principal's job is as unknown as a job that never was.
  if (it == capture_jobs_->jobs.end() || it->second.owner != OwnerOf(req))
    return Outcome(404, "not-found", "no such capture job (results are kept for an hour)");
  if (req.method == "DELETE") {
    if (it->second.done) capture_jobs_->jobs.erase(it);
    Response r;
    r.status = 202;
    return r;
  }
  if (req.method != "GET") return Outcome(405, "not-supported", "a capture job takes GET or DELETE");
  if (!it->second.done) {
    Response r;
    r.status = 202;
    r.SetHeader("X-Progress", "reading the document");
    r.SetHeader("Retry-After", "2");
    return r;
  }
  return it->second.result;
}

Response Api::Impl::CaptureReview(const Request& req, const std::string& task_id) const {
  if (req.method != "POST") return Outcome(405, "not-supported", "$capture-review takes POST with a Parameters body");
  if (auto denied = Deny(req, "Task", auth::kRead | auth::kUpdate)) return *denied;
  if (!ConfinementFor(req, "Task", auth::kUpdate).empty())
    return Outcome(403, "forbidden", "captured documents are reviewed by staff, not with patient-level access");
  if (auto refused = RefuseMediaType(req)) return *refused;
  auto params = json::Parse(req.body, json::ParseLimits{.max_depth = options_.max_json_depth});
  if (!params) return ErrorResponse(params.error());
  if (params->string_at("resourceType") != "Parameters")
    return Outcome(400, "invalid", "the body must be a Parameters resource", "Parameters");

  auto task_version = store_.Read("Task", task_id);
  if (!task_version) return ErrorResponse(task_version.error());
  auto task = json::Parse(task_version->body, json::ParseLimits{.max_depth = 1000});
  if (!task) return ErrorResponse(Error::Internal("a stored Task does not parse"));
  const json::Value* code = task->find("code");
  if (!code || code->string_at("text") != capture::kReviewTaskCode)
    return Outcome(400, "invalid", fmt::format("Task/{} is not a capture review", task_id));
  if (task->string_at("status") != "requested" && task->string_at("status") != "in-progress")
    return Outcome(409, "conflict", fmt::format("Task/{} was already reviewed", task_id));

  // The fields held for review, then the reviewer's corrections and rejections.
  std::map<std::string, std::string> fields;
  if (const json::Value* inputs = task->find("input"); inputs && inputs->is_array())
    for (const json::Value& in : inputs->as_array()) {
      const json::Value* type = in.find("type");
      auto key = type ? type->string_at("text") : std::nullopt;
      auto value = in.string_at("valueString");
      if (key && value) fields[std::string(*key)] = std::string(*value);
    }
  std::string patient_reference;
  if (const json::Value* f = task->find("for")) patient_reference = std::string(f->string_at("reference").value_or(""));
  std::string today = FormatInstant(SystemClock().Now()).substr(0, 10);
  const json::Value* list = params->find("parameter");
  if (list && list->is_array()) {
    int i = -1;
    for (const json::Value& p : list->as_array()) {
      ++i;
      std::string where = fmt::format("Parameters.parameter[{}]", i);
      auto name = p.string_at("name");
      if (name == "patient") {
        const json::Value* ref = p.find("valueReference");
        auto r = ref ? ref->string_at("reference") : std::nullopt;
        if (!r || !r->starts_with("Patient/")) return Outcome(400, "invalid", "patient needs valueReference Patient/[id]", where);
        auto found = store_.Read("Patient", r->substr(8));
        if (!found || found->deleted) return Outcome(400, "invalid", fmt::format("{} does not exist", *r), where);
        patient_reference = std::string(*r);
        continue;
      }
      if (name != "field" && name != "reject")
        return Outcome(400, "invalid", "parameters are field (key, value), reject (key) and patient", where);
      std::optional<std::string_view> key, value;
      if (const json::Value* parts = p.find("part"); parts && parts->is_array())
        for (const json::Value& part : parts->as_array()) {
          if (part.string_at("name") == "key") key = part.string_at("valueString");
          if (part.string_at("name") == "value") value = part.string_at("valueString");
        }
      if (!key) return Outcome(400, "invalid", "a field or reject parameter needs a part key", where);
      if (name == "reject") {
        fields.erase(std::string(*key));
        continue;
      }
      if (!value) return Outcome(400, "invalid", fmt::format("field {} needs a part value", *key), where);
      fields[std::string(*key)] = std::string(*value);
    }
  }

  // Every field is checked as a read value is; a person's word is then certain.
  capture::CaptureResult result;
  result.classification = {"other", 1.0};
  for (const auto& [key, value] : fields) {
    auto normal = capture::NormaliseFieldValue(key, value, today);
    if (!normal)
      return Outcome(400, "invalid", fmt::format("'{}' is not a valid value for {}", value, key), "Parameters");
    capture::Field f;
    f.key = key;
    f.value = *normal;
    f.raw = value;
    f.confidence = 1.0;
    result.fields.push_back(std::move(f));
  }
  capture::BundleOptions bo{.threshold = 0.0, .patient_reference = patient_reference, .include_document = false};
  capture::BuiltBundle built = capture::BuildBundle(result, "", bo);
  json::Array& entries = built.bundle.find("entry")->as_array();
  std::vector<std::string> left = built.unwritten;
  if (!patient_reference.empty()) {
    auto merged = MergeDemographics(req.base_url, patient_reference, result, left);
    if (!merged) return ErrorResponse(merged.error());
    if (*merged) entries.push_back(std::move(**merged));
  }
  if (!left.empty()) {
    std::string keys, missing;
    for (const auto& k : left) keys += (keys.empty() ? "" : ", ") + k;
    if (std::any_of(left.begin(), left.end(), [](const std::string& k) { return k.starts_with("address."); }))
      for (const char* part : {"address.line", "address.city", "address.state", "address.postalCode"})
        if (!fields.contains(part)) missing += fmt::format(" {}", part);
    return Outcome(400, "invalid",
                   fmt::format("these fields cannot be written as they stand: {}{}; correct them, reject them, or "
                               "name the patient they belong to",
                               keys, missing.empty() ? "" : "; an address is written whole and lacks" + missing),
                   "Parameters");
  }
  std::string subject = patient_reference;
  for (const json::Value& e : entries)
    if (e.find("resource")->string_at("resourceType") == "Patient") subject = std::string(*e.string_at("fullUrl"));
  if (subject.empty())
    return Outcome(400, "invalid",
                   "the review must name the patient: fields name.family, name.given and birthDate, or a patient parameter");

  // The Task is completed and the document made final, in the same transaction.
  json::Value done = *task;
  done.set("status", "completed");
  done.set("for", json::Value(json::Object{{"reference", subject}}));
  entries.push_back(json::Value(json::Object{
      {"fullUrl", fmt::format("{}/Task/{}", req.base_url, task_id)},
      {"resource", std::move(done)},
      {"request", json::Value(json::Object{{"method", "PUT"}, {"url", "Task/" + task_id},
                                           {"ifMatch", fmt::format("W/\"{}\"", task_version->version)}})}}));
  if (const json::Value* focus = task->find("focus")) {
    std::string ref(focus->string_at("reference").value_or(""));
    if (ref.starts_with("DocumentReference/")) {
      std::string doc_id = ref.substr(18);
      if (auto doc = store_.Read("DocumentReference", doc_id); doc && !doc->deleted) {
        if (auto body = json::Parse(doc->body, json::ParseLimits{.max_depth = 1000})) {
          body->set("docStatus", "final");
          body->set("subject", json::Value(json::Object{{"reference", subject}}));
          entries.push_back(json::Value(json::Object{
              {"fullUrl", fmt::format("{}/DocumentReference/{}", req.base_url, doc_id)},
              {"resource", std::move(*body)},
              {"request", json::Value(json::Object{{"method", "PUT"}, {"url", "DocumentReference/" + doc_id}})}}));
        }
      }
    }
  }
  return Handle(TransactionFor(req, built.bundle));
}

}  // namespace salus::api
