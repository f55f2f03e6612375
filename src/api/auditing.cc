// The audit side of every interaction: which BALP action and subtype a request is, a WriteTxn
// decorator that notes what a unit of work wrote, and the events themselves.
#include <fmt/format.h>

#include "api/impl.h"
#include "core/log.h"
#include "fhir/outcome.h"
#include "audit/ledger.h"
#include "core/base64.h"
#include "fhirpath/value.h"

#include <charconv>
#include <set>
#include <cctype>
#include "search/indexer.h"
#include "search/parse.h"

namespace salus::api {

namespace {

thread_local AuditNote* current_note = nullptr;
thread_local const std::string* current_confinement = nullptr;

// Notes what a unit of work writes: the versions and the patients whose compartments they are in.
class RecordingTxn final : public store::WriteTxn {
 public:
  explicit RecordingTxn(store::WriteTxn& inner, std::string confine = {}) : inner_(inner), confine_(std::move(confine)) {}

  std::vector<std::string> what;
  std::vector<std::string> patients;

  Result<std::optional<store::CurrentInfo>> Current(std::string_view type, std::string_view id) override {
    return inner_.Current(type, id);
  }
  Result<store::ResourceVersion> Read(std::string_view type, std::string_view id) override {
    return inner_.Read(type, id);
  }
  Result<store::SearchPage> Search(const store::SearchQuery& query) override { return inner_.Search(query); }
  Result<bool> ReplaceIndexRows(std::string_view type, std::string_view id, int64_t version,
                                const store::IndexRows& rows) override {
    return inner_.ReplaceIndexRows(type, id, version, rows);
  }
  Status SetMeta(std::string_view key, std::optional<std::string_view> value) override {
    return inner_.SetMeta(key, value);
  }
  Result<store::ResourceVersion> Put(std::string_view type, std::string_view id,
                                     const store::PreparedResource& resource, std::string_view method) override {
    auto who = search::PatientsOf(type, id, resource.rows);
    SALUS_TRY(CheckConfined(type, who));
    if (!confine_.empty()) {  // an update must not take another patient's resource either
      if (auto current = inner_.Read(type, id); current && !current->deleted) {
        if (auto doc = json::Parse(current->body, json::ParseLimits{.max_depth = 1000})) {
          SALUS_TRY(CheckConfined(type, search::PatientsOf(*doc)));
        }
      }
    }
    SALUS_ASSIGN_OR_RETURN(auto v, inner_.Put(type, id, resource, method));
    Note(v, std::move(who));
    return v;
  }
  Result<store::ResourceVersion> Create(std::string_view type, std::string_view id,
                                        const store::PreparedResource& resource) override {
    auto who = search::PatientsOf(type, id, resource.rows);
    SALUS_TRY(CheckConfined(type, who));
    SALUS_ASSIGN_OR_RETURN(auto v, inner_.Create(type, id, resource));
    Note(v, std::move(who));
    return v;
  }
  Result<store::ResourceVersion> Delete(std::string_view type, std::string_view id) override {
    // The patients of what is deleted are those of its last version.
    std::vector<std::string> before;
    if (auto current = inner_.Read(type, id); current && !current->deleted) {
      if (auto doc = json::Parse(current->body, json::ParseLimits{.max_depth = 1000})) before = search::PatientsOf(*doc);
    }
    SALUS_TRY(CheckConfined(type, before));
    SALUS_ASSIGN_OR_RETURN(auto v, inner_.Delete(type, id));
    Note(v, std::move(before));
    return v;
  }
  Result<std::optional<std::string>> GetRecord(std::string_view kind, std::string_view id) override {
    return inner_.GetRecord(kind, id);
  }
  Status PutRecord(std::string_view kind, std::string_view id, std::optional<std::string_view> body) override {
    return inner_.PutRecord(kind, id, body);
  }
  Result<int64_t> EraseResources(const std::vector<std::pair<std::string, std::string>>& r) override {
    SALUS_ASSIGN_OR_RETURN(int64_t n, inner_.EraseResources(r));
    what.push_back(fmt::format("{} resources erased", r.size()));
    return n;
  }
  Result<std::vector<int64_t>> EraseAuditBodies(std::string_view patient) override {
    return inner_.EraseAuditBodies(patient);
  }
  Status NoteAuditErasure(int64_t erasure_seq, const std::vector<int64_t>& seqs) override {
    return inner_.NoteAuditErasure(erasure_seq, seqs);
  }
  Result<AuditTail> AuditTailNow() override { return inner_.AuditTailNow(); }
  Result<std::vector<std::string>> AuditLeaves(int64_t from, size_t count) override {
    return inner_.AuditLeaves(from, count);
  }
  Status AppendAudit(const store::AuditEntry& entry) override { return inner_.AppendAudit(entry); }
  Result<std::optional<std::string>> AuditNode(int level, int64_t index) override {
    return inner_.AuditNode(level, index);
  }
  Status PutAuditNode(int level, int64_t index, std::string_view hash) override {
    return inner_.PutAuditNode(level, index, hash);
  }
  Status PutAuditHead(const store::AuditHead& head) override { return inner_.PutAuditHead(head); }
  Result<std::optional<store::AuditHead>> LatestAuditHead() override { return inner_.LatestAuditHead(); }

 private:
  // With patient-level access, what is written must be in the patient's compartment.
  Status CheckConfined(std::string_view type, const std::vector<std::string>& who) const {
    if (confine_.empty()) return {};
    if (type != "Patient" && fhir::Definitions::R4().PatientCompartmentParams(type).empty()) return {};
    if (std::find(who.begin(), who.end(), "Patient/" + confine_) != who.end()) return {};
    return Fail(Code::kForbidden, "patient-level access may write only the patient's own data");
  }
  void Note(const store::ResourceVersion& v, std::vector<std::string> p) {
    what.push_back(fmt::format("{}/{}/_history/{}", v.type, v.id, v.version));
    for (auto& x : p) {
      if (std::find(patients.begin(), patients.end(), x) == patients.end()) patients.push_back(std::move(x));
    }
  }
  store::WriteTxn& inner_;
  std::string confine_;
};

}  // namespace

AuditNote* CurrentNote() { return current_note; }

const std::string* ConfinedPatient() { return current_confinement; }
ConfineScope::ConfineScope(std::string patient) : patient_(std::move(patient)), previous_(current_confinement) {
  if (!patient_.empty()) current_confinement = &patient_;
}
ConfineScope::~ConfineScope() { current_confinement = previous_; }

NoteScope::NoteScope(AuditNote* note) : previous_(current_note) { current_note = note; }
NoteScope::~NoteScope() { current_note = previous_; }

void AuditNote::AddPatients(const std::vector<std::string>& more) {
  for (const auto& p : more) {
    if (std::find(patients.begin(), patients.end(), p) == patients.end()) patients.push_back(p);
  }
}

std::optional<Interaction> Classify(const Request& req) {
  std::vector<std::string_view> parts;
  for (std::string_view p = req.path; !p.empty();) {
    size_t slash = p.find('/');
    parts.push_back(p.substr(0, slash));
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  const std::string& m = req.method;
  bool get = m == "GET" || m == "HEAD";
  if (parts.empty()) {
    if (m == "POST") return Interaction{'E', "transaction"};  // or batch: told apart by the bundle
    return Interaction{'E', "search-system"};
  }
  if (parts[0] == "metadata") return std::nullopt;  // no patient data; not worth a ledger entry
  if (parts[0] == "_history") return Interaction{'R', "history-system"};
  if (parts[0] == "_search") return Interaction{'E', "search-system"};
  if (parts.size() == 1) {
    if (get) return Interaction{'E', "search-type"};
    if (m == "POST") return Interaction{'C', "create"};
    if (m == "PUT") return Interaction{'U', "update"};
    if (m == "DELETE") return Interaction{'D', "delete"};
    return Interaction{'E', "operation"};
  }
  if (parts[1] == "_history") return Interaction{'R', "history-type"};
  if (parts[1] == "_search") return Interaction{'E', "search-type"};
  if (parts.size() == 2) {
    if (get) return Interaction{'R', "read"};
    if (m == "PUT") return Interaction{'U', "update"};
    if (m == "PATCH") return Interaction{'U', "patch"};
    if (m == "DELETE") return Interaction{'D', "delete"};
    return Interaction{'E', "operation"};
  }
  if (parts[2].starts_with("$")) return Interaction{'E', "operation"};
  if (parts[2] == "_history") return parts.size() == 4 ? Interaction{'R', "vread"} : Interaction{'R', "history-instance"};
  return Interaction{'E', "search-type"};  // compartment search
}

audit::Event Api::Impl::EventFor(const Request& req, const Interaction& what, int status) const {
  audit::Event e;
  e.action = what.action;
  e.subtype = what.subtype;
  e.outcome = status < 400 ? 0 : status < 500 ? 4 : 8;
  if (status >= 400) e.outcome_text = fmt::format("HTTP {}", status);
  e.agent = "anonymous";
  if (req.principal) {
    e.agent = req.principal->Agent();
    e.agent_name = req.principal->username;
    e.client_id = req.principal->client_id;
    if (!req.principal->break_glass.empty()) e.purpose = "BTG";  // every use of emergency access says so
  }
  e.address = req.remote_address;
  if (what.action == 'E') {
    std::string q;
    for (const auto& [k, v] : req.query) q += (q.empty() ? "" : "&") + internal::PercentEncode(k) + "=" + internal::PercentEncode(v);
    e.query = q.size() > 4096 ? q.substr(0, 4096) : q;
    std::string path = req.path.size() > 200 ? req.path.substr(0, 200) : req.path;
    e.description = fmt::format("{} /{}", req.method, path);
  }
  return e;
}

Status Api::Impl::Write(const Request& req, const store::UnitOfWork& unit) const {
  std::string confine = ConfinedPatient() ? *ConfinedPatient() : std::string();  // read here: the unit runs elsewhere
  if (options_.ledger == nullptr && confine.empty()) return store_.Write(unit);
  bool appended = false;
  Status st = store_.Write([&](store::WriteTxn& txn) -> Status {
    RecordingTxn rec(txn, confine);
    if (options_.ledger == nullptr) return unit(rec);
    SALUS_TRY(unit(rec));
    if (rec.what.empty()) return {};  // nothing written (a conditional create that matched)
    auto interaction = Classify(req);
    audit::Event e = EventFor(req, interaction.value_or(Interaction{'E', "operation"}), 200);
    e.what = std::move(rec.what);
    e.patients = std::move(rec.patients);
    SALUS_TRY(options_.ledger->Append(txn, e));
    appended = true;
    return {};
  });
  if (st && appended) {
    if (AuditNote* note = CurrentNote()) note->appended++;
  }
  return st;
}

void Api::Impl::NoteReturned(const store::ResourceVersion& v, bool name_it) const {
  AuditNote* note = CurrentNote();
  if (note == nullptr || options_.ledger == nullptr) return;
  note->reads = true;
  if (name_it) note->what.push_back(fmt::format("{}/{}/_history/{}", v.type, v.id, v.version));
  if (v.deleted || v.body.empty()) return;
  if (v.type == "Patient") {
    note->AddPatients({"Patient/" + v.id});
    return;
  }
  if (fhir::Definitions::R4().PatientCompartmentParams(v.type).empty()) return;
  if (auto doc = json::Parse(v.body, json::ParseLimits{.max_depth = 1000})) note->AddPatients(search::PatientsOf(*doc));
}

namespace {
// What `p` may do on `type`: its system/ scopes, user/ scopes when a user signed in, and
// (`with_patient`) patient/ scopes when it has a launch patient — those within that patient's
// compartment only (ConfinementFor). The ledger (AuditEvent) needs a scope that names it, or an
// admin's wildcard.
uint8_t Granted(const auth::Principal& p, std::string_view type, bool with_patient) {
  uint8_t have = p.scopes.PermissionsFor(auth::ScopeContext::kSystem, type);
  if (!p.username.empty()) have |= p.scopes.PermissionsFor(auth::ScopeContext::kUser, type);
  if (type == "AuditEvent") {
    if (p.role == auth::Role::kAdmin) return have;
    uint8_t named = 0;
    for (const auto& r : p.scopes.resources) {
      if (r.type == "AuditEvent" && r.context != auth::ScopeContext::kPatient) named |= r.permissions;
    }
    return named;
  }
  if (with_patient && !p.patient.empty()) have |= p.scopes.PermissionsFor(auth::ScopeContext::kPatient, type);
  return have;
}
}  // namespace

std::optional<Response> Api::Impl::Deny(const Request& req, std::string_view type, uint8_t need) const {
  if (!req.auth_required) return std::nullopt;
  if (!req.principal) {
    Response r = OutcomeResponse(401, fhir::MakeOutcome({Issue{Issue::Severity::kError, "login",
        "a bearer access token is required: see .well-known/smart-configuration at the FHIR base", {}}}));
    r.SetHeader("www-authenticate", "Bearer realm=\"salus\"");
    return r;
  }
  uint8_t have = Granted(*req.principal, type, true);
  if ((have & need) == need) return std::nullopt;
  return OutcomeResponse(403, fhir::MakeOutcome({Issue{Issue::Severity::kError, "forbidden",
      fmt::format("the access token does not allow this on {}: it needs '{}' and grants '{}'", type,
                  auth::PermissionLetters(need), auth::PermissionLetters(have & auth::kAllPermissions)), {}}}));
}

std::string Api::Impl::ConfinementFor(const Request& req, std::string_view type, uint8_t need) const {
  if (!req.auth_required || !req.principal || req.principal->patient.empty()) return {};
  return (Granted(*req.principal, type, false) & need) == need ? std::string() : req.principal->patient;
}

bool Api::Impl::InCompartment(const store::ResourceVersion& v, const std::string& patient) const {
  if (v.type == "Patient") return v.id == patient;
  if (defs_.PatientCompartmentParams(v.type).empty()) return true;
  if (v.deleted || v.body.empty()) return false;
  auto doc = json::Parse(v.body, json::ParseLimits{.max_depth = 1000});
  if (!doc) return false;
  auto who = search::PatientsOf(*doc);
  return std::find(who.begin(), who.end(), "Patient/" + patient) != who.end();
}

Response Api::Impl::OutsideCompartment() const {
  return OutcomeResponse(403, fhir::MakeOutcome({Issue{Issue::Severity::kError, "forbidden",
      "the access token is for one patient's data, and this is not in their compartment", {}}}));
}

bool Api::Impl::MayRead(const Request& req, std::string_view type) const {
  if (!req.auth_required) return true;
  return req.principal && (Granted(*req.principal, type, true) & auth::kRead) != 0;
}

namespace {
bool IdChar(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.'; }
bool IsId(std::string_view v) { return !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), IdChar); }

// The patients a request names whatever it returns, so that its entry is found under them (and
// erased with them): the patient of the path (Patient/1, Patient/1/Observation, ...), Patient
// references in parameter values, bare ids of `patient` parameters and of `:Patient`
// modifiers, and `_id` of a Patient search.
std::vector<std::string> PatientsNamedBy(const Request& req) {
  std::vector<std::string> out;
  auto add = [&](std::string_view id) {
    if (!IsId(id) || out.size() >= 100) return;
    std::string ref = "Patient/" + std::string(id);
    if (std::find(out.begin(), out.end(), ref) == out.end()) out.push_back(std::move(ref));
  };
  std::string_view path = req.path;
  std::string_view first = path.substr(0, path.find('/'));
  if (first == "Patient" && path.size() > 8) {
    std::string_view rest = path.substr(8);
    add(rest.substr(0, rest.find('/')));
  }
  const bool patient_search = first == "Patient" && (path == "Patient" || path == "Patient/_search");
  for (const auto& [key, value] : req.query) {
    std::string_view k = key;
    std::string_view base = k.substr(0, std::min(k.find(':'), k.find('.')));
    const bool bare_is_patient = base == "patient" || k.ends_with(":Patient") || (patient_search && base == "_id");
    std::string_view v = value;
    for (size_t start = 0; start <= v.size();) {
      size_t comma = v.find(',', start);
      std::string_view part = v.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (bare_is_patient && IsId(part)) add(part);
      for (size_t at = part.find("Patient/"); at != std::string_view::npos; at = part.find("Patient/", at + 8)) {
        size_t from = at + 8, to = from;
        while (to < part.size() && IdChar(part[to])) ++to;
        add(part.substr(from, to - from));
      }
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  return out;
}
}  // namespace

std::optional<audit::Event> Api::Impl::PendingEvent(const Request& req, const Response& resp,
                                                   const AuditNote& note) const {
  if (options_.ledger == nullptr) return std::nullopt;
  auto interaction = Classify(req);
  if (!interaction) return std::nullopt;
  // Writes recorded their event with the change; what remains is reads and failures.
  if (note.appended > 0 && !note.reads && resp.status < 400) return std::nullopt;
  if (!note.subtype.empty()) interaction->subtype = note.subtype;
  audit::Event e = EventFor(req, *interaction, resp.status);
  e.what = note.what;
  e.patients = note.patients;
  for (auto& p : PatientsNamedBy(req)) {
    if (std::find(e.patients.begin(), e.patients.end(), p) == e.patients.end()) e.patients.push_back(std::move(p));
  }
  return e;
}

Response Api::Impl::NotRecorded(const Error& e) const {
  log::Error("api", "audit_record_failed", {{"message", e.message}});
  return OutcomeResponse(503, fhir::MakeOutcome({Issue{Issue::Severity::kError, "transient",
      "the access could not be recorded in the audit ledger, so nothing is returned; try again", {}}}));
}

}  // namespace salus::api

namespace salus::api {

namespace {

Response ParametersResponse(const std::vector<std::pair<std::string, json::Value>>& params) {
  json::Array list;
  for (const auto& [name, value] : params) {
    json::Value p = json::Object{};
    p.set("name", name);
    for (const auto& [k, v] : value.as_object()) p.set(k, v);
    list.push_back(std::move(p));
  }
  json::Value out = json::Object{};
  out.set("resourceType", "Parameters");
  out.set("parameter", std::move(list));
  return JsonResponse(200, json::Serialize(out));
}

json::Value Typed(std::string_view type, json::Value v) {
  json::Value o = json::Object{};
  o.set(type, std::move(v));
  return o;
}

std::string B64(std::string_view bytes) { return EncodeBase64(bytes); }

Result<int64_t> WholeNumber(const Request& req, std::string_view name, std::optional<int64_t> fallback) {
  auto v = req.Param(name);
  if (!v) {
    if (fallback) return *fallback;
    return Fail(Error::Invalid(fmt::format("the parameter '{}' is required", name), std::string(name)));
  }
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 0) {
    return Fail(Error::Invalid(fmt::format("'{}' must be a whole number", name), std::string(name)));
  }
  return n;
}

}  // namespace

Response Api::Impl::Erase(const Request& req, const std::string& id) const {
  auto patient = store_.Read("Patient", id);
  if (!patient) return ErrorResponse(patient.error());
  size_t resources = 0;
  int64_t versions = 0;
  Status st = store_.Write([&](store::WriteTxn& txn) -> Status {
    std::vector<std::pair<std::string, std::string>> doomed = {{"Patient", id}};
    std::set<std::string> binaries;
    auto note_binaries = [&](std::string_view body) {
      // Attachments that point at Binary resources go with the data that points at them.
      for (size_t at = body.find("\"Binary/"); at != std::string_view::npos; at = body.find("\"Binary/", at + 1)) {
        size_t start = at + 8, end = start;
        while (end < body.size() && (std::isalnum(static_cast<unsigned char>(body[end])) || body[end] == '-' || body[end] == '.')) ++end;
        if (end > start && end < body.size() && body[end] == '"') binaries.emplace(body.substr(start, end - start));
      }
    };
    note_binaries(patient->body);
    for (const auto& t : defs_.resource_types()) {
      auto cond = search::PatientCompartment(t, id);
      if (!cond || t == "Patient") continue;
      store::SearchQuery q;
      q.types = {t};
      q.all.push_back(*cond);
      q.count = 1000;
      while (true) {
        SALUS_ASSIGN_OR_RETURN(auto page, txn.Search(q));
        for (const auto& v : page.matches) {
          doomed.emplace_back(v.type, v.id);
          note_binaries(v.body);
        }
        if (page.next_cursor.empty()) break;
        q.cursor = page.next_cursor;
      }
    }
    for (const auto& b : binaries) doomed.emplace_back("Binary", b);
    resources = doomed.size();
    SALUS_ASSIGN_OR_RETURN(versions, txn.EraseResources(doomed));
    if (options_.ledger != nullptr) {
      audit::Event e = EventFor(req, Interaction{'D', "erase"}, 200);
      e.query.clear();
      e.description = fmt::format("erasure of one patient's record: {} resources, {} versions", resources, versions);
      SALUS_TRY(options_.ledger->AppendErasure(txn, "Patient/" + id, e));
    }
    return {};
  });
  if (!st) return ErrorResponse(st.error());
  if (AuditNote* note = CurrentNote()) note->appended++;  // recorded with the erasure, without the patient
  return OutcomeResponse(200, fhir::InformationOutcome(fmt::format(
      "erased {} resources ({} versions, index rows included) and the bodies of the audit entries that named the "
      "patient", resources, versions)));
}

json::Value Api::Impl::AuditEventCapability() const {
  auto v = json::Parse(R"({"type":"AuditEvent",
    "documentation":"The audit ledger: every interaction is recorded by the server in an append-only Merkle log (RFC 9162 hashing, Ed25519-signed tree heads). Clients read and search it; nobody writes it.",
    "interaction":[{"code":"read"},{"code":"search-type"}],
    "searchParam":[
      {"name":"patient","definition":"http://hl7.org/fhir/SearchParameter/AuditEvent-patient","type":"reference"},
      {"name":"agent","definition":"http://hl7.org/fhir/SearchParameter/AuditEvent-agent","type":"reference"},
      {"name":"action","definition":"http://hl7.org/fhir/SearchParameter/AuditEvent-action","type":"token"},
      {"name":"date","definition":"http://hl7.org/fhir/SearchParameter/AuditEvent-date","type":"date"}],
    "operation":[
      {"name":"tree-head","definition":"urn:salus:operation:audit-tree-head"},
      {"name":"inclusion-proof","definition":"urn:salus:operation:audit-inclusion-proof"},
      {"name":"consistency-proof","definition":"urn:salus:operation:audit-consistency-proof"}]})");
  return std::move(*v);
}

// AuditEvent is the ledger's: read and search here (patient, agent, action, date), written by
// the server only; $tree-head, $inclusion-proof and $consistency-proof serve monitors.
Response Api::Impl::AuditEvents(const Request& req, const std::vector<std::string_view>& parts) const {
  const audit::Ledger& ledger = *options_.ledger;
  bool get = req.method == "GET" || req.method == "HEAD";
  auto refuse = [&](std::string why) {
    return OutcomeResponse(405, fhir::MakeOutcome({Issue{Issue::Severity::kError, "not-supported", std::move(why), {}}}));
  };
  if (parts.size() == 2 && parts[1] == "$tree-head" && get) {
    auto head = ledger.SignHead();
    if (!head) return ErrorResponse(head.error());
    if (!*head) return ErrorResponse(Error::NotFound("the audit ledger is empty"));
    const auto& h = **head;
    const auto& pk = ledger.public_key();
    return ParametersResponse({{"tree_size", Typed("valueString", std::to_string(h.size))},
                               {"timestamp", Typed("valueString", std::to_string(h.timestamp_us))},
                               {"root_hash", Typed("valueBase64Binary", B64(h.root))},
                               {"signature", Typed("valueBase64Binary", B64(h.signature))},
                               {"public_key", Typed("valueBase64Binary",
                                                    B64(std::string_view(reinterpret_cast<const char*>(pk.data()), pk.size())))},
                               {"head", Typed("valueString", audit::HeadToJson(h))}});
  }
  auto proof_response = [&](const Result<std::vector<audit::Hash>>& proof,
                            std::vector<std::pair<std::string, json::Value>> params) {
    if (!proof) return ErrorResponse(proof.error());
    for (const auto& h : *proof) params.emplace_back("path", Typed("valueBase64Binary", B64(crypto::Bytes(h))));
    return ParametersResponse(params);
  };
  if (parts.size() == 2 && parts[1] == "$inclusion-proof" && get) {
    auto size = store_.AuditSize();
    if (!size) return ErrorResponse(size.error());
    auto index = WholeNumber(req, "index", std::nullopt);
    auto tree = WholeNumber(req, "tree-size", *size);
    if (!index) return ErrorResponse(index.error());
    if (!tree) return ErrorResponse(tree.error());
    auto entry = store_.AuditEntries(*index, 1);
    if (!entry) return ErrorResponse(entry.error());
    if (entry->empty()) return ErrorResponse(Error::NotFound(fmt::format("no audit entry {}", *index)));
    const auto& e = entry->front();
    return proof_response(ledger.InclusionProof(*index, *tree),
                          {{"index", Typed("valueString", std::to_string(*index))},
                           {"tree_size", Typed("valueString", std::to_string(*tree))},
                           {"recorded", Typed("valueString", std::to_string(e.recorded_us))},
                           {"entry", Typed("valueBase64Binary", B64(e.body.value_or("")))},
                           {"digest", Typed("valueBase64Binary", B64(e.digest))},
                           {"leaf_hash", Typed("valueBase64Binary",
                                               B64(crypto::Bytes(audit::EntryLeaf(e.seq, e.recorded_us, e.digest))))}});
  }
  if (parts.size() == 2 && parts[1] == "$consistency-proof" && get) {
    auto first = WholeNumber(req, "first", std::nullopt);
    auto second = WholeNumber(req, "second", std::nullopt);
    if (!first) return ErrorResponse(first.error());
    if (!second) return ErrorResponse(second.error());
    return proof_response(ledger.ConsistencyProof(*first, *second),
                          {{"first", Typed("valueString", std::to_string(*first))},
                           {"second", Typed("valueString", std::to_string(*second))}});
  }
  if (parts.size() == 2 && !parts[1].starts_with('$') && !parts[1].starts_with('_')) {
    if (!get) return refuse("AuditEvents are recorded by the server; they cannot be changed or deleted");
    int64_t seq = 0;
    auto [p, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), seq);
    if (ec != std::errc() || p != parts[1].data() + parts[1].size()) {
      return ErrorResponse(Error::NotFound(fmt::format("AuditEvent/{} does not exist", parts[1].substr(0, 64))));
    }
    auto entries = store_.AuditEntries(seq, 1);
    if (!entries) return ErrorResponse(entries.error());
    if (entries->empty() || entries->front().seq != seq) {
      return ErrorResponse(Error::NotFound(fmt::format("AuditEvent/{} does not exist", seq)));
    }
    const auto& e = entries->front();
    if (e.body) {
      if (auto decoded = audit::DecodeEvent(*e.body); decoded) {
        if (AuditNote* note = CurrentNote()) note->AddPatients(decoded->patients);
      }
    }
    auto rendered = audit::RenderEntry(e);
    if (!rendered) return ErrorResponse(rendered.error());
    return JsonResponse(200, std::move(*rendered));
  }
  bool search = parts.size() == 1 && get;
  Request merged;
  if (parts.size() == 2 && parts[1] == "_search" && req.method == "POST") {
    auto m = WithSearchForm(req);
    if (!m) return m.error();
    merged = std::move(*m);
    search = true;
  }
  if (!search) {
    return refuse(parts.size() == 1 && req.method != "GET"
                      ? "AuditEvents are recorded by the server; they cannot be created, changed or deleted"
                      : fmt::format("{} is not supported on AuditEvent", req.method));
  }
  const Request& q = merged.method.empty() ? req : merged;
  store::AuditQuery query;
  query.count = options_.default_count;
  std::vector<std::string> unknown;
  for (const auto& [k, v] : q.query) {
    if (k == "patient") {
      query.patient = v.find('/') == std::string::npos ? "Patient/" + v : v;
    } else if (k == "agent") {
      query.agent = v;
    } else if (k == "action") {
      if (v.size() != 1 || std::string_view("CRUDE").find(v[0]) == std::string_view::npos) {
        return ErrorResponse(Error::Invalid("action must be one of C, R, U, D, E", "action"));
      }
      query.action = v;
    } else if (k == "date") {
      std::string_view s = v;
      std::string_view prefix = "eq";
      if (s.size() >= 2 && std::isalpha(static_cast<unsigned char>(s[0])) && std::isalpha(static_cast<unsigned char>(s[1]))) {
        prefix = s.substr(0, 2);
        s.remove_prefix(2);
      }
      auto t = fhirpath::Temporal::ParseFhirDate(s);
      if (!t) return ErrorResponse(Error::Invalid(fmt::format("'{}' is not a date or dateTime", v), "date"));
      t->has_tz = true;
      auto [lo, hi] = fhirpath::RangeMillis(*t);
      int64_t low = lo * 1000, high = (hi + 1) * 1000;
      auto raise = [](std::optional<int64_t>& x, int64_t v) { x = x ? std::max(*x, v) : v; };
      auto lower = [](std::optional<int64_t>& x, int64_t v) { x = x ? std::min(*x, v) : v; };
      if (prefix == "ge") raise(query.from_us, low);
      else if (prefix == "gt") raise(query.from_us, high);
      else if (prefix == "le") lower(query.to_us, high);
      else if (prefix == "lt") lower(query.to_us, low);
      else if (prefix == "eq") {
        raise(query.from_us, low);
        lower(query.to_us, high);
      } else {
        return ErrorResponse(Error::Invalid("date on AuditEvent takes eq, ge, gt, le or lt", "date"));
      }
    } else if (k == "_count") {
      auto n = WholeNumber(q, "_count", std::nullopt);
      if (!n || *n < 1) return ErrorResponse(Error::Invalid("_count must be a positive whole number", "_count"));
      query.count = std::min<size_t>(static_cast<size_t>(*n), options_.max_count);
    } else if (k == "_cursor") {
      auto n = WholeNumber(q, "_cursor", std::nullopt);
      if (!n) return ErrorResponse(Error::Invalid("_cursor is malformed", "_cursor"));
      query.before_seq = *n;
    } else if (k != "_format" && k != "_pretty") {
      unknown.push_back(k);
    }
  }
  if (!unknown.empty()) {
    std::string names;
    for (const auto& n : unknown) names += (names.empty() ? "" : ", ") + n;
    return ErrorResponse(Error::Invalid(fmt::format("AuditEvent search supports patient, agent, action, date, _count; "
                                                "not: {}", names)));
  }
  auto page = store_.SearchAudit(query);
  if (!page) return ErrorResponse(page.error());
  internal::BundleWriter b("searchset", FormatInstant(SystemClock().Now()));
  std::string self = req.base_url + "/AuditEvent";
  std::string params;
  for (const auto& [k, v] : q.query) {
    if (k == "_cursor") continue;
    params += (params.empty() ? "" : "&") + internal::PercentEncode(k) + "=" + internal::PercentEncode(v);
  }
  b.Link("self", self + (params.empty() ? "" : "?" + params));
  if (page->next_before_seq) {
    b.Link("next", fmt::format("{}?{}{}_cursor={}", self, params, params.empty() ? "" : "&", *page->next_before_seq));
  }
  for (const auto& e : page->entries) {
    auto rendered = audit::RenderEntry(e);
    if (!rendered) continue;  // erased
    b.BeginEntry();
    b.FullUrl(fmt::format("{}/AuditEvent/{}", req.base_url, e.seq));
    b.RawResource(*rendered);
    json::Value s = json::Object{};
    s.set("mode", "match");
    b.Member("search", s);
    b.EndEntry();
  }
  if (query.patient) {
    if (AuditNote* note = CurrentNote()) note->AddPatients({*query.patient});
  }
  return JsonResponse(200, b.Finish());
}

}  // namespace salus::api
