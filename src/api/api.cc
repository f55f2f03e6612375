#include "api/api.h"

#include <algorithm>
#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "api/impl.h"
#include "core/json_patch.h"
#include "core/log.h"
#include "crypto/random.h"
#include "fhir/outcome.h"
#include "fhir/primitives.h"
#include "fhir/summary.h"
#include "search/indexer.h"
#include "search/parse.h"
#include "search/registry.h"

namespace salus::api {

using internal::Criteria;
using internal::ETag;
using internal::Match;
using internal::ParseCriteria;
using internal::ParseETag;
using internal::ParseQueryString;
using internal::StoreFinder;
using internal::TxnFinder;

namespace {

constexpr std::string_view kFhirJson = "application/fhir+json; charset=utf-8";

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) parts.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return parts;
}

bool IsJsonMediaType(std::string_view mt) {
  return mt == "application/fhir+json" || mt == "application/json" || mt == "json" || mt == "application/json+fhir";
}

// The media type without parameters, lower-cased.
std::string MediaType(std::string_view header) {
  size_t semi = header.find(';');
  std::string_view mt = header.substr(0, semi);
  while (!mt.empty() && mt.back() == ' ') mt.remove_suffix(1);
  while (!mt.empty() && mt.front() == ' ') mt.remove_prefix(1);
  return ToLower(mt);
}

// 415 unless the request body is declared as `media_type` (missing Content-Type is refused too).
std::optional<Response> RequireContentType(const Request& req, std::string_view media_type, std::string_view why) {
  auto ct = req.Header("content-type");
  if (ct && MediaType(*ct) == media_type) return std::nullopt;
  return OutcomeResponse(415, fhir::MakeOutcome({Issue{Issue::Severity::kError, "not-supported", std::string(why), {}}}));
}

// R4 http.html#mime-type: _format overrides Accept. nullopt when JSON can be served.
std::optional<Response> Negotiate(const Request& req) {
  if (auto f = req.Param("_format")) {
    std::string mt = MediaType(*f);
    if (IsJsonMediaType(mt)) return std::nullopt;
    return OutcomeResponse(406, fhir::MakeOutcome({Issue{Issue::Severity::kError, "not-supported",
        fmt::format("_format '{}' is not supported: this server speaks JSON only (application/fhir+json)", *f),
        "_format"}}));
  }
  auto accept = req.Header("accept");
  if (!accept || accept->empty()) return std::nullopt;
  bool json_ok = false;
  size_t pos = 0;
  std::string_view a = *accept;
  while (pos <= a.size()) {
    size_t comma = a.find(',', pos);
    if (comma == std::string_view::npos) comma = a.size();
    std::string mt = MediaType(a.substr(pos, comma - pos));
    if (IsJsonMediaType(mt) || mt == "*/*" || mt == "application/*" || mt == "text/html" || mt == "text/plain") {
      json_ok = true;
    }
    pos = comma + 1;
  }
  if (json_ok) return std::nullopt;
  return OutcomeResponse(406, fhir::MakeOutcome({Issue{Issue::Severity::kError, "not-supported",
      fmt::format("cannot answer in '{}': this server speaks JSON only (application/fhir+json)", *accept), {}}}));
}

bool Lenient(const Request& req) {
  auto prefer = req.Header("prefer");
  return prefer && ToLower(*prefer).find("handling=lenient") != std::string::npos;
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  std::tm tm{};
  std::string text(s);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000000;
}

std::string LastModified(int64_t us) { return FormatHttpDate(TimePoint{std::chrono::microseconds(us)}); }

Result<size_t> ParseCount(const Request& req, size_t def, size_t max) {
  auto c = req.Param("_count");
  if (!c) return def;
  size_t n = 0;
  auto [ptr, ec] = std::from_chars(c->data(), c->data() + c->size(), n);
  if (ec != std::errc() || ptr != c->data() + c->size()) {
    return Fail(Error::Invalid(fmt::format("_count '{}' is not a whole number", *c), "_count"));
  }
  return std::min(n, max);
}

Error BadRequest(std::string msg, std::string where = {}) { return Error::Invalid(std::move(msg), std::move(where)); }

}  // namespace

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::Param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

void Response::SetHeader(std::string_view name, std::string value) {
  for (auto& [k, v] : headers) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

int StatusFor(Code code) {
  switch (code) {
    case Code::kInvalid: return 400;
    case Code::kNotFound: return 404;
    case Code::kConflict: return 409;
    case Code::kGone: return 410;
    case Code::kPreconditionFailed: return 412;
    case Code::kForbidden: return 403;
    case Code::kUnauthenticated: return 401;
    case Code::kUnavailable: return 503;
    case Code::kInternal: return 500;
  }
  return 500;
}

Response JsonResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  if (!r.body.empty()) r.SetHeader("content-type", std::string(kFhirJson));
  return r;
}

Response OutcomeResponse(int status, const json::Value& outcome) {
  return JsonResponse(status, json::Serialize(outcome));
}

Api::Impl::Impl(store::Store& store, const fhir::Definitions& defs, ApiOptions options)
    : store_(store), defs_(defs), validator_(defs), options_(std::move(options)),
      capture_jobs_(NewCaptureJobs()) {}

// The CapabilityStatement says what this server really does (R4 capabilitystatement.html); it
// is rebuilt when the search parameters in force change.
std::string Api::Impl::Capability() const {
  auto registry = search::Registry::Current();
  {
    std::lock_guard lock(capability_mu_);
    if (capability_registry_ == registry.get() && !capability_.empty()) return capability_;
  }
  json::Value rest = json::Object{};
  rest.set("mode", "server");
  json::Array resources;
  for (const auto& type : defs_.resource_types()) {
    json::Value r = json::Object{};
    r.set("type", type);
    if (type == "AuditEvent" && options_.ledger != nullptr) {
      resources.push_back(AuditEventCapability());
      continue;
    }
    json::Array interactions;
    for (const char* code : {"read", "vread", "update", "patch", "delete", "history-instance", "history-type",
                             "create", "search-type"}) {
      json::Value i = json::Object{};
      i.set("code", code);
      interactions.push_back(std::move(i));
    }
    r.set("interaction", std::move(interactions));
    r.set("versioning", "versioned-update");
    r.set("readHistory", true);
    r.set("updateCreate", true);
    r.set("conditionalCreate", true);
    r.set("conditionalRead", "not-supported");
    r.set("conditionalUpdate", true);
    r.set("conditionalDelete", "single");
    // Every parameter this server indexes and searches (special ones, like near, are not).
    json::Array params;
    json::Array includes;
    for (const search::SearchParam* sp : registry->ForType(type)) {
      if (sp->type == search::ParamType::kSpecial) continue;
      if (sp->compiled == nullptr && sp->code != "_id" && sp->code != "_lastUpdated") continue;
      json::Value p = json::Object{};
      p.set("name", sp->code);
      p.set("definition", "http://hl7.org/fhir/SearchParameter/" + sp->url_id);
      static constexpr const char* kTypes[] = {"number", "date", "string", "token", "reference",
                                               "composite", "quantity", "uri", "special"};
      p.set("type", kTypes[static_cast<int>(sp->type)]);
      params.push_back(std::move(p));
      if (sp->type == search::ParamType::kReference) includes.push_back(json::Value(type + ":" + sp->code));
    }
    r.set("searchInclude", json::Value(includes));
    r.set("searchRevInclude", json::Value(includes));
    r.set("searchParam", std::move(params));
    resources.push_back(std::move(r));
  }
  rest.set("resource", std::move(resources));
  json::Array system_interactions;
  for (const char* code : {"transaction", "batch", "history-system", "search-system"}) {
    json::Value i = json::Object{};
    i.set("code", code);
    system_interactions.push_back(std::move(i));
  }
  rest.set("interaction", std::move(system_interactions));

  json::Value cs = json::Object{};
  cs.set("resourceType", "CapabilityStatement");
  cs.set("status", "active");
  cs.set("date", FormatInstant(SystemClock().Now()).substr(0, 10));
  cs.set("publisher", "Salus");
  cs.set("kind", "instance");
  json::Value software = json::Object{};
  software.set("name", "Salus");
  software.set("version", options_.software_version);
  cs.set("software", std::move(software));
  json::Value impl = json::Object{};
  impl.set("description", "Salus FHIR R4 server");
  cs.set("implementation", std::move(impl));
  cs.set("fhirVersion", "4.0.1");
  cs.set("format", json::Array{json::Value("application/fhir+json"), json::Value("json")});
  cs.set("patchFormat", json::Array{json::Value("application/json-patch+json")});
  cs.set("rest", json::Array{std::move(rest)});
  std::string text = json::Serialize(cs);
  std::lock_guard lock(capability_mu_);
  capability_ = text;
  capability_registry_ = registry.get();
  capability_keep_ = std::move(registry);
  return text;
}

Response Api::Impl::ErrorResponse(const Error& e) const {
  if (e.code == Code::kInternal) log::Error("api", "internal_error", {{"message", e.message}});
  return OutcomeResponse(StatusFor(e.code), fhir::OutcomeFromError(e));
}

Response Api::Impl::Compute(const Request& req, AuditNote& note) const {
  NoteScope scope(&note);
  if (auto refused = Negotiate(req)) return *refused;
  Response resp = Dispatch(req);
  auto pretty = req.Param("_pretty");
  if (pretty && *pretty == "true" && !resp.body.empty()) {
    if (auto v = json::Parse(resp.body, json::ParseLimits{.max_depth = 1000})) resp.body = json::Serialize(*v, true);
  }
  return resp;
}

Response Api::Impl::Handle(const Request& req) const {
  AuditNote note;
  Response resp = Compute(req, note);
  auto event = PendingEvent(req, resp, note);
  if (!event) return resp;
  if (Status st = options_.ledger->Record(*event); !st) return NotRecorded(st.error());
  return resp;
}

void Api::Impl::HandleQuick(const Request& req, std::function<void(Response)> done) const {
  AuditNote note;
  Response resp = Compute(req, note);
  auto event = PendingEvent(req, resp, note);
  if (!event) {
    done(std::move(resp));
    return;
  }
  options_.ledger->RecordAsync(std::move(*event), [this, resp = std::move(resp), done = std::move(done)](Status st) mutable {
    done(st ? std::move(resp) : NotRecorded(st.error()));
  });
}

// POST _search: the parameters of the form body joined to the URL's; the refusal otherwise.
std::expected<Request, Response> Api::Impl::WithSearchForm(const Request& req) const {
  if (auto refused = RequireContentType(req, "application/x-www-form-urlencoded",
                                        "POST _search needs Content-Type application/x-www-form-urlencoded")) {
    return std::unexpected(*refused);
  }
  auto form = ParseQueryString(req.body);
  if (!form) return std::unexpected(ErrorResponse(form.error()));
  Request merged = req;
  merged.query.insert(merged.query.end(), form->begin(), form->end());
  return merged;
}

Response Api::Impl::Dispatch(const Request& req) const {
  auto parts = SplitPath(req.path);
  const std::string& m = req.method;
  bool get = m == "GET" || m == "HEAD";
  auto not_allowed = [&]() {
    Response r = OutcomeResponse(405, fhir::MakeOutcome({Issue{Issue::Severity::kError, "not-supported",
        fmt::format("{} is not allowed on /{}", m, req.path), {}}}));
    return r;
  };
  // Deny by default: with authentication on, every route below names what it needs.
#define SALUS_NEED(type, perms)                          \
  if (auto denied = Deny(req, type, perms)) return *denied; \
  ConfineScope salus_confine(ConfinementFor(req, type, perms))
  bool is_metadata = parts.size() == 1 && parts[0] == "metadata";
  if (req.auth_required && !req.principal && !is_metadata) return *Deny(req, "", 0);
  auto need_all_types = [&](uint8_t perms) -> std::optional<Response> {
    // System-level search and history without _type touch every type.
    std::vector<std::string> types;
    if (auto t = req.Param("_type")) {
      for (const auto& x : search::SplitValues(*t)) types.push_back(x);
    } else {
      types = {"*"};
    }
    for (const auto& t : types) {
      if (auto denied = Deny(req, t, perms)) return denied;
      if (!ConfinementFor(req, t, perms).empty()) {
        return OutcomeResponse(403, fhir::MakeOutcome({Issue{Issue::Severity::kError, "forbidden",
            "patient-level access searches and reads history one type at a time", {}}}));
      }
    }
    return std::nullopt;
  };
  if (parts.empty()) {
    if (m == "POST") return Bundle(req);  // transactions check each entry; batch entries are dispatched
    if (get) {
      if (auto denied = need_all_types(auth::kSearch)) return *denied;
      return SystemSearch(req);
    }
    return not_allowed();
  }
  if (is_metadata) return get ? Metadata(req) : not_allowed();
  if (parts[0] == "metadata") return not_allowed();
  // Document capture (capture_op.cc); each checks the principal itself.
  if (parts[0] == "$capture" && parts.size() == 1) return Capture(req);
  if (parts[0] == "$capture-jobs" && parts.size() == 2) return CaptureJob(req, std::string(parts[1]));
  if (parts[0] == "_history") {
    if (auto denied = need_all_types(auth::kRead)) return *denied;
    return get && parts.size() == 1 ? History(req, nullptr, nullptr) : not_allowed();
  }
  if (parts[0] == "_search" && parts.size() == 1) {
    if (m != "POST") return not_allowed();
    auto merged = WithSearchForm(req);
    if (!merged) return merged.error();
    if (auto denied = [&]() -> std::optional<Response> {
          std::vector<std::string> types = {"*"};
          if (auto t = merged->Param("_type")) types = search::SplitValues(*t);
          for (const auto& t : types) {
            if (auto d = Deny(*merged, t, auth::kSearch)) return d;
            if (!ConfinementFor(*merged, t, auth::kSearch).empty()) return OutsideCompartment();
          }
          return std::nullopt;
        }()) {
      return *denied;
    }
    return SystemSearch(*merged);
  }
  std::string type(parts[0]);
  if (!defs_.IsResourceType(type)) {
    return OutcomeResponse(404, fhir::MakeOutcome({Issue{Issue::Severity::kError, "not-supported",
        fmt::format("'{}' is not a FHIR R4 resource type", type.size() > 64 ? type.substr(0, 64) : type), {}}}));
  }
  if (type == "AuditEvent" && options_.ledger != nullptr) {
    SALUS_NEED(type, get ? (parts.size() == 1 ? auth::kSearch : auth::kRead) : auth::kSearch);
    return AuditEvents(req, parts);
  }
  if (parts.size() == 1) {
    if (get) {
      SALUS_NEED(type, auth::kSearch);
      return Search(req, type);
    }
    if (m == "POST") {
      SALUS_NEED(type, auth::kCreate | (req.Header("if-none-exist") ? auth::kSearch : 0));
      return Create(req, type);
    }
    if (m == "PUT") {
      SALUS_NEED(type, auth::kUpdate | auth::kSearch);
      return ConditionalUpdate(req, type);
    }
    if (m == "DELETE") {
      SALUS_NEED(type, auth::kDelete | auth::kSearch);
      return ConditionalDelete(req, type);
    }
    return not_allowed();
  }
  if (parts[1] == "_history" && parts.size() == 2) {
    SALUS_NEED(type, auth::kRead);
    if (ConfinedPatient()) return OutsideCompartment();  // history across patients
    return get ? History(req, &type, nullptr) : not_allowed();
  }
  if (parts[1] == "_search" && parts.size() == 2) {
    if (m != "POST") return not_allowed();
    SALUS_NEED(type, auth::kSearch);
    auto merged = WithSearchForm(req);
    return merged ? Search(*merged, type) : merged.error();
  }
  std::string id(parts[1]);
  if (!fhir::IsValidId(id)) {
    return ErrorResponse(BadRequest(fmt::format("'{}' is not a valid resource id", id.size() > 64 ? id.substr(0, 64) : id)));
  }
  if (parts.size() == 2) {
    if (get) {
      SALUS_NEED(type, auth::kRead);
      return Read(req, type, id);
    }
    if (m == "PUT") {
      SALUS_NEED(type, auth::kUpdate);
      return Update(req, type, id);
    }
    if (m == "DELETE") {
      SALUS_NEED(type, auth::kDelete);
      return Delete(req, type, id);
    }
    if (m == "PATCH") {
      SALUS_NEED(type, auth::kUpdate);
      return Patch(req, type, id);
    }
    return not_allowed();
  }
  if (parts.size() == 3 && type == "Task" && parts[2] == "$capture-review") return CaptureReview(req, id);
  if (parts.size() == 3 && type == "Patient" && parts[2] == "$erase") {
    if (m != "POST") return not_allowed();
    if (req.auth_required && (!req.principal || req.principal->role != auth::Role::kAdmin)) {
      return OutcomeResponse(403, fhir::MakeOutcome({Issue{Issue::Severity::kError, "forbidden",
          "only an administrator may erase a patient's data", {}}}));
    }
    return Erase(req, id);
  }
  if (parts.size() == 3 && type == "Patient" && parts[2] == "$everything") {
    SALUS_NEED("*", auth::kRead | auth::kSearch);
    if (ConfinedPatient() && *ConfinedPatient() != id) return OutsideCompartment();
    return get ? Everything(req, id) : not_allowed();
  }
  if (parts.size() == 3 && type == "Patient" && parts[2] != "_history") {
    // Compartment search: /Patient/[id]/[type] (R4 compartmentdefinition.html).
    if (!get) return not_allowed();
    std::string target(parts[2]);
    if (!defs_.IsResourceType(target)) {
      return OutcomeResponse(404, fhir::MakeOutcome({Issue{Issue::Severity::kError, "not-supported",
          fmt::format("'{}' is not a FHIR R4 resource type", target.size() > 64 ? target.substr(0, 64) : target), {}}}));
    }
    SALUS_NEED(target, auth::kSearch);
    if (ConfinedPatient() && *ConfinedPatient() != id) return OutsideCompartment();
    auto cond = search::PatientCompartment(target, id);
    if (!cond) {
      return ErrorResponse(BadRequest(fmt::format("{} is not in the Patient compartment", target)));
    }
    return SearchTypes(req, {target}, std::move(cond), fmt::format("{}/Patient/{}/{}", req.base_url, id, target));
  }
  if (parts[2] == "_history") {
    if (!get) return not_allowed();
    SALUS_NEED(type, auth::kRead);
    if (const std::string* c = ConfinedPatient()) {
      auto current = store_.Read(type, id);
      if (current && !InCompartment(*current, *c)) return OutsideCompartment();
    }
    if (parts.size() == 3) return History(req, &type, &id);
    if (parts.size() == 4) return VRead(req, type, id, parts[3]);
  }
  return OutcomeResponse(404, fhir::MakeOutcome({Issue{Issue::Severity::kError, "not-found",
      fmt::format("no such endpoint: {} /{}", m, req.path.size() > 200 ? req.path.substr(0, 200) : req.path), {}}}));
}

Result<json::Value> Api::Impl::ParseJson(std::string_view text) const {
  auto v = json::Parse(text, json::ParseLimits{.max_depth = options_.max_json_depth});
  if (!v) {
    Error e = v.error();
    e.issues = {Issue{Issue::Severity::kError, "structure", e.message, {}}};
    return Fail(std::move(e));
  }
  return v;
}

Result<json::Value> Api::Impl::ParseResource(const Request& req, std::string_view type) const {
  if (req.body.empty()) return Fail(BadRequest("the request has no body; a FHIR resource is required"));
  SALUS_ASSIGN_OR_RETURN(json::Value v, ParseJson(req.body));
  if (!v.is_object()) return Fail(BadRequest("the body must be a JSON object (a FHIR resource)"));
  auto rt = v.string_at("resourceType");
  if (!rt) return Fail(BadRequest("the resource has no resourceType", "resourceType"));
  if (!type.empty() && *rt != type) {
    return Fail(BadRequest(fmt::format("resourceType '{}' does not match the URL's type '{}'",
                                       rt->size() > 64 ? rt->substr(0, 64) : *rt, type), "resourceType"));
  }
  SALUS_TRY(validator_.Check(v));
  return v;
}

Response Api::Impl::VersionResponse(const Request& req, int status, const store::ResourceVersion& v,
                                    bool location) const {
  std::string ret = PreferReturn(req);
  Response r;
  if (ret == "minimal") {
    r.status = status;
  } else if (ret == "operationoutcome") {
    r = OutcomeResponse(status, fhir::InformationOutcome(
        fmt::format("{} {}/{} version {}", status == 201 ? "created" : "updated", v.type, v.id, v.version)));
  } else {
    r = JsonResponse(status, v.body);
  }
  r.SetHeader("etag", ETag(v.version));
  r.SetHeader("last-modified", LastModified(v.last_updated_us));
  if (location) r.SetHeader("location", fmt::format("{}/{}/{}/_history/{}", req.base_url, v.type, v.id, v.version));
  return r;
}

Response Api::Impl::Metadata(const Request& req) const {
  if (auto s = req.Param("_summary"); s && *s != "false") {
    auto mode = fhir::ParseSummaryMode(*s);
    if (!mode || *mode == fhir::SummaryMode::kCount) return ErrorResponse(BadRequest("invalid _summary", "_summary"));
    return JsonResponse(200, json::Serialize(fhir::ApplySummary(defs_, *json::Parse(Capability()), *mode)));
  }
  return JsonResponse(200, Capability());
}

Response Api::Impl::Read(const Request& req, const std::string& type, const std::string& id) const {
  auto v = store_.Read(type, id);
  if (!v) return ErrorResponse(v.error());
  if (const std::string* c = ConfinedPatient(); c && !v->deleted && !InCompartment(*v, *c)) return OutsideCompartment();
  NoteReturned(*v, true);
  if (v->deleted) {
    Response r = OutcomeResponse(410, fhir::MakeOutcome({Issue{Issue::Severity::kError, "deleted",
        fmt::format("{}/{} was deleted (version {})", type, id, v->version), {}}}));
    r.SetHeader("etag", ETag(v->version));
    return r;
  }
  if (auto inm = req.Header("if-none-match"); inm && ParseETag(*inm) == v->version) {
    Response r;
    r.status = 304;
    r.SetHeader("etag", ETag(v->version));
    return r;
  }
  if (auto ims = req.Header("if-modified-since")) {
    auto since = ParseHttpDate(*ims);
    // HTTP dates have whole seconds: compare at that precision.
    if (since && v->last_updated_us / 1000000 * 1000000 <= *since) {
      Response r;
      r.status = 304;
      r.SetHeader("etag", ETag(v->version));
      return r;
    }
  }
  Response r;
  auto summary = req.Param("_summary");
  auto elements = req.Param("_elements");
  if ((summary && *summary != "false") || elements) {
    auto doc = json::Parse(v->body, json::ParseLimits{.max_depth = 1000});
    if (!doc) return ErrorResponse(Error::Internal("stored resource does not parse"));
    json::Value out;
    if (summary && *summary != "false") {
      auto mode = fhir::ParseSummaryMode(*summary);
      if (!mode || *mode == fhir::SummaryMode::kCount) {
        return ErrorResponse(BadRequest(fmt::format("_summary must be true, text, data or false on a read"),
                                        "_summary"));
      }
      out = fhir::ApplySummary(defs_, *doc, *mode);
    } else {
      std::vector<std::string> names;
      std::string_view list = *elements;
      while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view name = list.substr(0, comma);
        if (!name.empty()) names.emplace_back(name);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
      out = fhir::ApplyElements(defs_, *doc, names);
    }
    r = JsonResponse(200, json::Serialize(out));
  } else {
    r = JsonResponse(200, std::move(v->body));
  }
  r.SetHeader("etag", ETag(v->version));
  r.SetHeader("last-modified", LastModified(v->last_updated_us));
  return r;
}

Response Api::Impl::VRead(const Request&, const std::string& type, const std::string& id,
                          std::string_view vid) const {
  int64_t version = 0;
  auto [ptr, ec] = std::from_chars(vid.data(), vid.data() + vid.size(), version);
  if (ec != std::errc() || ptr != vid.data() + vid.size() || version < 1) {
    return ErrorResponse(BadRequest(fmt::format("version '{}' is not a positive whole number",
                                                vid.size() > 32 ? vid.substr(0, 32) : vid)));
  }
  auto v = store_.ReadVersion(type, id, version);
  if (!v) return ErrorResponse(v.error());
  if (const std::string* c = ConfinedPatient(); c && !v->deleted && !InCompartment(*v, *c)) return OutsideCompartment();
  NoteReturned(*v, true);
  if (v->deleted) {
    Response r = OutcomeResponse(410, fhir::MakeOutcome({Issue{Issue::Severity::kError, "deleted",
        fmt::format("version {} of {}/{} is a deletion", version, type, id), {}}}));
    r.SetHeader("etag", ETag(v->version));
    return r;
  }
  Response r = JsonResponse(200, std::move(v->body));
  r.SetHeader("etag", ETag(v->version));
  r.SetHeader("last-modified", LastModified(v->last_updated_us));
  return r;
}

// The value of `return=` in Prefer, lower-cased, or "".
std::string PreferReturn(const Request& req) {
  auto prefer = req.Header("prefer");
  if (!prefer) return {};
  std::string p = ToLower(*prefer);
  size_t at = p.find("return=");
  if (at == std::string::npos) return {};
  size_t end = p.find_first_of(",; ", at);
  return p.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
}

// A 415 when the request body is declared as something other than FHIR JSON.
std::optional<Response> RefuseMediaType(const Request& req) {
  auto ct = req.Header("content-type");
  if (!ct) return std::nullopt;
  std::string mt = MediaType(*ct);
  if (IsJsonMediaType(mt)) return std::nullopt;
  return OutcomeResponse(415, fhir::MakeOutcome({Issue{Issue::Severity::kError, "not-supported",
      fmt::format("Content-Type '{}' is not supported: send application/fhir+json",
                  mt.size() > 100 ? mt.substr(0, 100) : mt), {}}}));
}

#define SALUS_PARSE_OR_RESPOND(var, expr)                    \
  if (auto refused = RefuseMediaType(req)) return *refused;  \
  auto var##_result = (expr);                                \
  if (!var##_result) return ErrorResponse(var##_result.error()); \
  json::Value var = std::move(*var##_result)

Response Api::Impl::Create(const Request& req, const std::string& type) const {
  SALUS_PARSE_OR_RESPOND(resource, ParseResource(req, type));
  std::optional<Criteria> criteria;
  if (auto ine = req.Header("if-none-exist")) {
    auto q = ParseQueryString(*ine);
    if (!q) return ErrorResponse(q.error());
    auto c = ParseCriteria(*q, false);
    if (!c) return ErrorResponse(c.error());
    if (c->empty()) return ErrorResponse(BadRequest("If-None-Exist has no search criteria"));
    criteria = std::move(*c);
  }
  std::string id = crypto::NewId();
  store::PreparedResource prepared = internal::PrepareIndexed(resource);
  std::optional<std::string> existing;
  store::ResourceVersion written;
  Status st = Write(req, [&](store::WriteTxn& txn) -> Status {
    if (criteria) {
      TxnFinder finder(txn);
      SALUS_ASSIGN_OR_RETURN(auto matches, Match(finder, type, *criteria, 2));
      if (matches.size() > 1) {
        return Fail(Code::kPreconditionFailed, "If-None-Exist matches more than one resource");
      }
      if (matches.size() == 1) {
        existing = matches[0];
        return {};
      }
    }
    SALUS_ASSIGN_OR_RETURN(written, txn.Create(type, id, prepared));
    return {};
  });
  if (!st) return ErrorResponse(st.error());
  if (existing) {
    auto v = store_.Read(type, *existing);
    if (!v) return ErrorResponse(v.error());
    return VersionResponse(req, 200, *v, true);
  }
  return VersionResponse(req, 201, written, true);
}

Response Api::Impl::Update(const Request& req, const std::string& type, const std::string& id) const {
  SALUS_PARSE_OR_RESPOND(resource, ParseResource(req, type));
  auto body_id = resource.string_at("id");
  if (!body_id) return ErrorResponse(BadRequest("the resource must carry its id on update", "id"));
  if (*body_id != id) {
    return ErrorResponse(BadRequest(fmt::format("the resource id '{}' does not match the URL's id '{}'", *body_id, id),
                                    "id"));
  }
  std::optional<int64_t> if_match;
  if (auto h = req.Header("if-match")) {
    if_match = ParseETag(*h);
    if (!if_match) return ErrorResponse(BadRequest("If-Match must be an ETag like W/\"3\""));
  }
  store::PreparedResource prepared = internal::PrepareIndexed(resource);
  bool created = false;
  store::ResourceVersion written;
  Status st = Write(req, [&](store::WriteTxn& txn) -> Status {
    SALUS_ASSIGN_OR_RETURN(auto cur, txn.Current(type, id));
    if (if_match && (!cur || cur->version != *if_match)) {
      return Fail(Code::kPreconditionFailed,
                  cur ? fmt::format("If-Match {} but the current version is {}", *if_match, cur->version)
                      : std::string("If-Match given but the resource does not exist"));
    }
    created = !cur || cur->deleted;
    SALUS_ASSIGN_OR_RETURN(written, txn.Put(type, id, prepared, "PUT"));
    return {};
  });
  if (!st) return ErrorResponse(st.error());
  return VersionResponse(req, created ? 201 : 200, written, true);
}

Response Api::Impl::ConditionalUpdate(const Request& req, const std::string& type) const {
  auto criteria = ParseCriteria(req.query, false);
  if (!criteria) return ErrorResponse(criteria.error());
  if (criteria->empty()) return ErrorResponse(BadRequest("PUT on a type needs search criteria (conditional update)"));
  SALUS_PARSE_OR_RESPOND(resource, ParseResource(req, type));
  auto body_id = resource.string_at("id");
  std::string new_id = body_id ? std::string(*body_id) : crypto::NewId();
  store::PreparedResource prepared = internal::PrepareIndexed(resource);
  bool created = false;
  store::ResourceVersion written;
  Status st = Write(req, [&](store::WriteTxn& txn) -> Status {
    TxnFinder finder(txn);
    SALUS_ASSIGN_OR_RETURN(auto matches, Match(finder, type, *criteria, 2));
    if (matches.size() > 1) return Fail(Code::kPreconditionFailed, "the criteria match more than one resource");
    std::string id = new_id;
    if (matches.size() == 1) {
      if (body_id && *body_id != matches[0]) {
        return Fail(Error::Invalid(fmt::format("the resource id '{}' differs from the matched resource", *body_id),
                                   "id"));
      }
      id = matches[0];
    }
    SALUS_ASSIGN_OR_RETURN(auto cur, txn.Current(type, id));
    created = !cur || cur->deleted;
    SALUS_ASSIGN_OR_RETURN(written, txn.Put(type, id, prepared, "PUT"));
    return {};
  });
  if (!st) return ErrorResponse(st.error());
  return VersionResponse(req, created ? 201 : 200, written, true);
}

Response Api::Impl::Delete(const Request& req, const std::string& type, const std::string& id) const {
  std::optional<int64_t> if_match;
  if (auto h = req.Header("if-match")) {
    if_match = ParseETag(*h);
    if (!if_match) return ErrorResponse(BadRequest("If-Match must be an ETag like W/\"3\""));
  }
  store::ResourceVersion deleted;
  Status st = Write(req, [&](store::WriteTxn& txn) -> Status {
    if (if_match) {
      SALUS_ASSIGN_OR_RETURN(auto cur, txn.Current(type, id));
      if (!cur || cur->version != *if_match) return Fail(Code::kPreconditionFailed, "If-Match does not match");
    }
    SALUS_ASSIGN_OR_RETURN(deleted, txn.Delete(type, id));
    return {};
  });
  if (!st) return ErrorResponse(st.error());
  Response r;
  r.status = 204;
  r.SetHeader("etag", ETag(deleted.version));
  return r;
}

Response Api::Impl::ConditionalDelete(const Request& req, const std::string& type) const {
  auto criteria = ParseCriteria(req.query, false);
  if (!criteria) return ErrorResponse(criteria.error());
  if (criteria->empty()) return ErrorResponse(BadRequest("DELETE on a type needs search criteria (conditional delete)"));
  bool found = false;
  Status st = Write(req, [&](store::WriteTxn& txn) -> Status {
    TxnFinder finder(txn);
    SALUS_ASSIGN_OR_RETURN(auto matches, Match(finder, type, *criteria, 2));
    if (matches.size() > 1) return Fail(Code::kPreconditionFailed, "the criteria match more than one resource");
    if (matches.empty()) return {};
    found = true;
    SALUS_TRY(txn.Delete(type, matches[0]));
    return {};
  });
  if (!st) return ErrorResponse(st.error());
  if (!found) {
    return OutcomeResponse(200, fhir::InformationOutcome("no resource matched the criteria; nothing was deleted"));
  }
  Response r;
  r.status = 204;
  return r;
}

Response Api::Impl::Patch(const Request& req, const std::string& type, const std::string& id) const {
  if (auto refused = RequireContentType(req, "application/json-patch+json",
                                        "PATCH needs Content-Type application/json-patch+json (JSON Patch, RFC 6902)")) {
    return *refused;
  }
  auto patch = ParseJson(req.body);
  if (!patch) return ErrorResponse(patch.error());
  std::optional<int64_t> if_match;
  if (auto h = req.Header("if-match")) {
    if_match = ParseETag(*h);
    if (!if_match) return ErrorResponse(BadRequest("If-Match must be an ETag like W/\"3\""));
  }
  // Optimistic: patch the version read, write only if it is still current.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto cur = store_.Read(type, id);
    if (!cur) return ErrorResponse(cur.error());
    if (cur->deleted) return ErrorResponse(Error{Code::kGone, fmt::format("{}/{} was deleted", type, id), {}});
    if (if_match && *if_match != cur->version) {
      return ErrorResponse(Error{Code::kPreconditionFailed,
                                 fmt::format("If-Match {} but the current version is {}", *if_match, cur->version), {}});
    }
    auto doc = ParseJson(cur->body);
    if (!doc) return ErrorResponse(Error::Internal("stored resource does not parse"));
    auto patched = json::ApplyPatch(*doc, *patch);
    if (!patched) return ErrorResponse(patched.error());
    if (patched->string_at("resourceType") != std::optional<std::string_view>(type) ||
        patched->string_at("id") != std::optional<std::string_view>(id)) {
      return ErrorResponse(BadRequest("a patch must not change resourceType or id"));
    }
    if (auto valid = validator_.Check(*patched); !valid) return ErrorResponse(valid.error());
    store::PreparedResource prepared = internal::PrepareIndexed(*patched);
    store::ResourceVersion written;
    bool raced = false;
    Status st = Write(req, [&](store::WriteTxn& txn) -> Status {
      SALUS_ASSIGN_OR_RETURN(auto now, txn.Current(type, id));
      if (!now || now->version != cur->version) {
        raced = true;
        return Fail(Code::kConflict, "the resource changed while it was being patched");
      }
      SALUS_ASSIGN_OR_RETURN(written, txn.Put(type, id, prepared, "PATCH"));
      return {};
    });
    if (st) return VersionResponse(req, 200, written, false);
    if (!raced) return ErrorResponse(st.error());
  }
  return ErrorResponse(Error::Conflict("the resource kept changing; try the patch again"));
}

Response Api::Impl::History(const Request& req, const std::string* type, const std::string* id) const {
  store::HistoryQuery q;
  if (type) q.type = *type;
  if (id) q.id = *id;
  auto count = ParseCount(req, options_.default_count, options_.max_count);
  if (!count) return ErrorResponse(count.error());
  q.count = std::max<size_t>(*count, 1);
  for (const auto& [name, value] : req.query) {
    if (name == "_since" || name == "_at") {
      auto t = ParseInstantMicros(value);
      if (!t || (name == "_since" && !fhir::IsValidInstant(value))) {
        return ErrorResponse(BadRequest(fmt::format("{} '{}' is not a valid {}", name, value,
                                                    name == "_since" ? "instant" : "dateTime with a time zone"),
                                        name));
      }
      (name == "_since" ? q.since_us : q.at_us) = *t;
    } else if (name == "_cursor") {
      int64_t c = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), c);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        return ErrorResponse(BadRequest("_cursor is not valid", "_cursor"));
      }
      q.before_seq = c;
    } else if (name != "_count" && name != "_format" && name != "_pretty") {
      if (!Lenient(req)) {
        return ErrorResponse(BadRequest(fmt::format("unknown history parameter '{}'", name), name));
      }
    }
  }
  if (id) {
    auto exists = store_.Read(*type, *id);
    if (!exists) return ErrorResponse(exists.error());
  }
  auto page = store_.History(q);
  if (!page) return ErrorResponse(page.error());
  std::string base = req.base_url + "/" + (type ? *type + "/" : "") + (id ? *id + "/" : "") + "_history";
  std::string params = fmt::format("_count={}", q.count);
  if (auto s = req.Param("_since")) params += "&_since=" + internal::PercentEncode(*s);
  if (auto a = req.Param("_at")) params += "&_at=" + internal::PercentEncode(*a);
  internal::BundleWriter b("history", FormatInstant(SystemClock().Now()));
  b.Link("self", base + "?" + params + (q.before_seq ? fmt::format("&_cursor={}", *q.before_seq) : ""));
  if (page->next_seq) b.Link("next", fmt::format("{}?{}&_cursor={}", base, params, *page->next_seq));
  const std::string* confined = ConfinedPatient();
  for (const auto& v : page->versions) {
    // Patient-level access: a version that belonged to someone else is not shown (a resource
    // may have moved between patients).
    if (confined && !v.deleted && !InCompartment(v, *confined)) continue;
    NoteReturned(v, false);
    b.BeginEntry();
    b.FullUrl(fmt::format("{}/{}/{}", req.base_url, v.type, v.id));
    if (!v.deleted) b.RawResource(v.body);
    json::Value request = json::Object{};
    request.set("method", v.method == "PATCH" ? "PATCH" : v.method);
    request.set("url", v.method == "POST" ? v.type : fmt::format("{}/{}", v.type, v.id));
    b.Member("request", request);
    json::Value response = json::Object{};
    response.set("status", internal::StatusText(v.deleted ? 204 : v.version == 1 ? 201 : 200));
    response.set("etag", ETag(v.version));
    response.set("lastModified", FormatInstant(TimePoint{std::chrono::microseconds(v.last_updated_us)}));
    b.Member("response", response);
    b.EndEntry();
  }
  return JsonResponse(200, b.Finish());
}

// GET /fhir?params: every resource type, or those of _type.
Response Api::Impl::SystemSearch(const Request& req) const {
  std::vector<std::string> types;
  if (auto t = req.Param("_type")) {
    for (const auto& name : search::SplitValues(*t)) {
      if (!defs_.IsResourceType(name)) return ErrorResponse(BadRequest(fmt::format("'{}' is not a resource type", name), "_type"));
      types.push_back(name);
    }
  } else {
    types = defs_.resource_types();
  }
  return SearchTypes(req, std::move(types), std::nullopt, req.base_url);
}

Response Api::Impl::Search(const Request& req, const std::string& type) const {
  return SearchTypes(req, {type}, std::nullopt, req.base_url + "/" + type);
}

// Search over `types` (R4 search.html), with an extra condition for compartment searches.
Response Api::Impl::SearchTypes(const Request& req, std::vector<std::string> types,
                                std::optional<store::Condition> extra, const std::string& self) const {
  search::SearchOptions options;
  options.default_count = options_.default_count;
  options.max_count = options_.max_count;
  options.lenient = Lenient(req);
  options.base_url = req.base_url;
  options.now_us = SystemClock().Now().time_since_epoch().count();
  std::vector<std::string> searched = types;
  auto parsed = search::ParseSearch(req.query, std::move(types), options);
  if (!parsed) return ErrorResponse(parsed.error());
  if (extra) parsed->query.all.push_back(std::move(*extra));
  // Chains and _has read the resources they reach: the token must allow searching those types,
  // and patient-level access reaches only the patient's own (no probing others' data).
  for (const auto& t : search::NestedTypes(parsed->query.all)) {
    if (auto denied = Deny(req, t, auth::kSearch)) return *denied;
  }
  if (req.auth_required && req.principal && !req.principal->patient.empty()) {
    search::ConfineNested(parsed->query.all,
                          [&](std::string_view t) { return ConfinementFor(req, t, auth::kSearch); });
  }
  if (const std::string* c = ConfinedPatient(); c && searched.size() == 1) {
    // Patient-level access: only the patient's compartment (types outside it are shared).
    if (searched[0] == "Patient") {
      auto own = search::ParseSearch({{"_id", *c}}, {"Patient"}, options);
      if (!own) return ErrorResponse(own.error());
      for (auto& cond : own->query.all) parsed->query.all.push_back(std::move(cond));
    } else if (auto cond = search::PatientCompartment(searched[0], *c)) {
      parsed->query.all.push_back(std::move(*cond));
    }
  }
  std::optional<fhir::SummaryMode> summary;
  if (!parsed->summary.empty() && parsed->summary != "count") summary = fhir::ParseSummaryMode(parsed->summary);
  auto page = store_.Search(parsed->query);
  if (!page) return ErrorResponse(page.error());

  internal::BundleWriter b("searchset", FormatInstant(SystemClock().Now()));
  if (page->total) b.Total(*page->total);
  std::string query;
  for (const auto& [k, v] : req.query) {
    if (k == "_cursor") continue;
    query += (query.empty() ? "" : "&") + internal::PercentEncode(k) + "=" + internal::PercentEncode(v);
  }
  auto link = [&](std::string_view cursor) {
    return fmt::format("{}?{}{}_cursor={}", self, query, query.empty() ? "" : "&", cursor);
  };
  b.Link("self", parsed->query.cursor.empty() ? self + (query.empty() ? "" : "?" + query) : link(parsed->query.cursor));
  if (!page->next_cursor.empty()) b.Link("next", link(page->next_cursor));
  if (!page->prev_cursor.empty()) b.Link("previous", link(page->prev_cursor));
  auto entry = [&](const store::ResourceVersion& v, std::string_view mode) -> Status {
    NoteReturned(v, false);
    b.BeginEntry();
    b.FullUrl(fmt::format("{}/{}/{}", req.base_url, v.type, v.id));
    if (summary || !parsed->elements.empty()) {
      auto doc = json::Parse(v.body, json::ParseLimits{.max_depth = 1000});
      if (!doc) return Fail(Error::Internal("stored resource does not parse"));
      json::Value out = summary ? fhir::ApplySummary(defs_, *doc, *summary)
                                : fhir::ApplyElements(defs_, *doc, parsed->elements);
      b.RawResource(json::Serialize(out));
    } else {
      b.RawResource(v.body);
    }
    json::Value search = json::Object{};
    search.set("mode", std::string(mode));
    b.Member("search", search);
    b.EndEntry();
    return {};
  };
  size_t withheld = 0;
  if (!parsed->count_only) {
    for (const auto& v : page->matches) {
      if (auto st = entry(v, "match"); !st) return ErrorResponse(st.error());
    }
    for (const auto& v : page->included) {
      std::string confine = ConfinementFor(req, v.type, auth::kRead);
      if (!MayRead(req, v.type) || (!confine.empty() && !InCompartment(v, confine))) {
        ++withheld;  // the token may not read this type: left out, and said so below
        continue;
      }
      if (auto st = entry(v, "include"); !st) return ErrorResponse(st.error());
    }
  }
  std::vector<Issue> notes;
  if (!parsed->ignored.empty()) {
    std::string names;
    for (const auto& n : parsed->ignored) names += (names.empty() ? "" : ", ") + n;
    notes.push_back(Issue{Issue::Severity::kWarning, "not-supported",
                          fmt::format("ignored unknown search parameters: {}", names), {}});
  }
  if (withheld > 0) {
    notes.push_back(Issue{Issue::Severity::kInformation, "suppressed",
                          fmt::format("{} included resources were left out: the access token may not read them",
                                      withheld),
                          {}});
  }
  if (page->included_truncated) {
    notes.push_back(Issue{Issue::Severity::kWarning, "too-costly",
                          fmt::format("only the first {} included resources are returned", parsed->query.max_included),
                          {}});
  }
  if (!notes.empty()) {
    b.BeginEntry();
    b.RawResource(json::Serialize(fhir::MakeOutcome(notes)));
    json::Value search = json::Object{};
    search.set("mode", "outcome");
    b.Member("search", search);
    b.EndEntry();
  }
  return JsonResponse(200, b.Finish());
}

// GET /Patient/[id]/$everything: the patient and every resource in its compartment.
Response Api::Impl::Everything(const Request& req, const std::string& id) const {
  auto patient = store_.Read("Patient", id);
  if (!patient) return ErrorResponse(patient.error());
  if (patient->deleted) return ErrorResponse(Error{Code::kGone, fmt::format("Patient/{} is deleted", id), {}});
  std::vector<std::string> types;
  std::optional<store::Condition> any;
  store::Condition cond;
  for (const auto& t : defs_.resource_types()) {
    auto c = search::PatientCompartment(t, id);
    if (!c) continue;
    types.push_back(t);
    for (auto& m : c->any) cond.any.push_back(std::move(m));
  }
  Request r = req;
  r.query.clear();
  for (const auto& [k, v] : req.query) {
    if (k == "_count" || k == "_cursor" || k == "_since" || k == "_type") r.query.emplace_back(k, v);
  }
  std::vector<std::pair<std::string, std::string>> q;
  for (auto& [k, v] : r.query) {
    if (k == "_type") {
      std::vector<std::string> only;
      for (const auto& t : types) {
        if (("," + v + ",").find("," + t + ",") != std::string::npos) only.push_back(t);
      }
      types = std::move(only);
    } else if (k == "_since") {
      q.emplace_back("_lastUpdated", "ge" + v);
    } else {
      q.emplace_back(k, v);
    }
  }
  r.query = std::move(q);
  if (types.empty()) return ErrorResponse(BadRequest("_type names no type in the Patient compartment", "_type"));
  return SearchTypes(r, std::move(types), std::move(cond), fmt::format("{}/Patient/{}/$everything", req.base_url, id));
}

Api::Api(store::Store& store, const fhir::Definitions& defs, ApiOptions options)
    : impl_(std::make_unique<Impl>(store, defs, std::move(options))) {}
Api::~Api() = default;

Response Api::Handle(const Request& request) const { return impl_->Handle(request); }
void Api::HandleQuick(const Request& request, std::function<void(Response)> done) const {
  impl_->HandleQuick(request, std::move(done));
}

bool Api::IsQuick(const Request& request) const {
  if (request.method != "GET" && request.method != "HEAD") return false;
  auto parts = SplitPath(request.path);
  if (parts.size() == 1) return parts[0] == "metadata";
  if (parts.size() == 2) return !parts[0].starts_with("_") && !parts[1].starts_with("_");
  return parts.size() == 4 && parts[2] == "_history";
}

}  // namespace salus::api
