// Batch and transaction (R4 http.html#transaction).
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "api/impl.h"
#include "core/base64.h"
#include "core/json_patch.h"
#include "crypto/random.h"
#include "fhir/outcome.h"
#include "fhir/primitives.h"
#include "search/indexer.h"

namespace salus::api {

using internal::Criteria;
using internal::ETag;
using internal::Match;
using internal::ParseCriteria;
using internal::ParseQueryString;
using internal::StatusText;
using internal::TxnFinder;

namespace {

// A request for one entry of a Bundle: who sent the Bundle, from where, to which base (each
// entry is authorised and audited as its sender); method, path, query and body its own.
Request EntryRequest(const Request& bundle) {
  Request sub;
  sub.base_url = bundle.base_url;
  sub.remote_address = bundle.remote_address;
  sub.principal = bundle.principal;
  sub.auth_required = bundle.auth_required;
  return sub;
}

struct Entry {
  size_t index = 0;
  std::string method;
  std::string url;
  std::string type;
  std::string id;  // from the URL, or assigned
  std::vector<std::pair<std::string, std::string>> query;
  bool conditional = false;  // url carries search criteria
  std::string full_url;
  json::Value* resource = nullptr;
  std::optional<std::string> if_match, if_none_exist, if_none_match, if_modified_since;
  std::optional<std::string> patch;  // PATCH: the JSON Patch document carried in a Binary
  // Results.
  int status = 0;
  bool noop = false;
  store::ResourceVersion written;
  Response response;  // GET entries and batch entries
};

std::string Where(const Entry& e) { return fmt::format("Bundle.entry[{}]", e.index); }

Error AtEntry(Error e, const Entry& entry) {
  if (e.issues.empty()) {
    e.issues.push_back(Issue{Issue::Severity::kError,
                             e.code == Code::kPreconditionFailed ? "conflict"
                             : e.code == Code::kNotFound         ? "not-found"
                                                                 : "invalid",
                             e.message, Where(entry)});
  }
  return e;
}

// Splits an entry's request.url (relative, or absolute under our base) into type/id/query.
Status ParseEntryUrl(Entry& e, std::string_view base) {
  std::string_view url = e.url;
  if (!base.empty() && url.starts_with(base)) {
    url.remove_prefix(base.size());
    if (url.starts_with("/")) url.remove_prefix(1);
  }
  size_t q = url.find('?');
  std::string_view path = url.substr(0, q);
  if (q != std::string_view::npos) {
    SALUS_ASSIGN_OR_RETURN(e.query, ParseQueryString(url.substr(q + 1)));
  }
  size_t slash = path.find('/');
  e.type = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) e.id = std::string(path.substr(slash + 1));
  e.conditional = q != std::string_view::npos && e.id.empty();
  return {};
}

// Rewrites references to bundle entries (fullUrl -> Type/id) and resolves conditional
// references ("Patient?identifier=...") inside a transaction.
class ReferenceRewriter {
 public:
  // Without a finder, a conditional reference sets needs_lookup() and fails the rewrite.
  ReferenceRewriter(const std::map<std::string, std::string>& map, internal::Finder* finder)
      : map_(map), finder_(finder) {}
  bool needs_lookup() const { return needs_lookup_; }

  Status Rewrite(json::Value& v) {
    if (v.is_object()) {
      for (auto& [k, child] : v.as_object()) {
        if (k == "reference" && child.is_string()) {
          SALUS_TRY(RewriteOne(child.as_string()));
        } else if (child.is_string()) {
          // uri/canonical values naming an entry by its urn:uuid fullUrl.
          if (child.as_string().starts_with("urn:uuid:")) {
            if (auto it = map_.find(child.as_string()); it != map_.end()) child.as_string() = it->second;
          }
        } else {
          SALUS_TRY(Rewrite(child));
        }
      }
    } else if (v.is_array()) {
      for (auto& item : v.as_array()) SALUS_TRY(Rewrite(item));
    }
    return {};
  }

 private:
  Status RewriteOne(std::string& ref) {
    if (auto it = map_.find(ref); it != map_.end()) {
      ref = it->second;
      return {};
    }
    size_t q = ref.find('?');
    if (q == std::string::npos || ref.find('/') < q) return {};
    std::string type = ref.substr(0, q);
    if (finder_ == nullptr) {
      needs_lookup_ = true;
      return Fail(Error::Invalid("a conditional reference needs the store"));
    }
    SALUS_ASSIGN_OR_RETURN(auto query, ParseQueryString(std::string_view(ref).substr(q + 1)));
    SALUS_ASSIGN_OR_RETURN(auto criteria, ParseCriteria(query, false));
    if (criteria.empty()) return Fail(Error::Invalid(fmt::format("conditional reference '{}' has no criteria", ref)));
    SALUS_ASSIGN_OR_RETURN(auto matches, Match(*finder_, type, criteria, 2));
    if (matches.empty()) return Fail(Error::Invalid(fmt::format("conditional reference '{}' matches nothing", ref)));
    if (matches.size() > 1) {
      return Fail(Code::kPreconditionFailed, fmt::format("conditional reference '{}' matches several resources", ref));
    }
    ref = type + "/" + matches[0];
    return {};
  }

  const std::map<std::string, std::string>& map_;
  internal::Finder* finder_;
  bool needs_lookup_ = false;
};

// R4 http.html#transaction: a PATCH entry carries its patch as a Binary resource; JSON Patch
// is the form supported (contentType application/json-patch+json, data base64).
Result<std::string> PatchFromBinary(const json::Value* resource) {
  if (resource == nullptr || resource->string_at("resourceType") != std::optional<std::string_view>("Binary") ||
      resource->string_at("contentType") != std::optional<std::string_view>("application/json-patch+json")) {
    return Fail(Error::Invalid("a PATCH entry needs a Binary resource with contentType application/json-patch+json "
                               "(FHIRPath Patch is not supported)"));
  }
  auto data = resource->string_at("data");
  auto decoded = data ? DecodeBase64(*data) : std::nullopt;
  if (!decoded) return Fail(Error::Invalid("the Binary's data is not base64"));
  return *decoded;
}

void AddEntryResponse(internal::BundleWriter& b, const Response& r, bool with_resource) {
  b.BeginEntry();
  json::Value response = json::Object{};
  response.set("status", StatusText(r.status));
  if (auto loc = r.Header("location")) response.set("location", *loc);
  if (auto etag = r.Header("etag")) response.set("etag", *etag);
  if (auto lm = r.Header("last-modified")) response.set("lastModified", *lm);
  bool ok = r.status < 400;
  if (!ok && !r.body.empty()) {
    if (auto oo = json::Parse(r.body)) response.set("outcome", std::move(*oo));
  }
  if (ok && with_resource && !r.body.empty()) b.RawResource(r.body);
  b.Member("response", response);
  b.EndEntry();
}


}  // namespace

Response Api::Impl::Bundle(const Request& req) const {
  if (auto refused = RefuseMediaType(req)) return *refused;
  auto parsed = ParseResource(req, "Bundle");
  if (!parsed) return ErrorResponse(parsed.error());
  json::Value bundle = std::move(*parsed);
  auto type = bundle.string_at("type");
  if (type != std::optional<std::string_view>("batch") && type != std::optional<std::string_view>("transaction")) {
    return ErrorResponse(Error::Invalid("a Bundle posted to the base must have type batch or transaction", "Bundle.type"));
  }
  bool transaction = *type == "transaction";
  if (AuditNote* note = CurrentNote(); note && !transaction) note->subtype = "batch";
  json::Value* raw_entries = bundle.find("entry");
  size_t n = raw_entries ? raw_entries->as_array().size() : 0;
  if (n > options_.max_bundle_entries) {
    return ErrorResponse(Error::Invalid(
        fmt::format("the Bundle has {} entries; the limit is {}", n, options_.max_bundle_entries), "Bundle.entry"));
  }

  std::vector<Entry> entries(n);
  std::vector<Issue> problems;
  for (size_t i = 0; i < n; ++i) {
    Entry& e = entries[i];
    e.index = i;
    json::Value& raw = raw_entries->as_array()[i];
    const json::Value* request = raw.find("request");
    if (request == nullptr) {
      problems.push_back(Issue{Issue::Severity::kError, "required", "entry.request is required", Where(e)});
      continue;
    }
    e.method = std::string(request->string_at("method").value_or(""));
    e.url = std::string(request->string_at("url").value_or(""));
    e.full_url = std::string(raw.string_at("fullUrl").value_or(""));
    e.resource = raw.find("resource");
    auto copy = [&](const char* name, std::optional<std::string>& out) {
      if (auto v = request->string_at(name)) out = std::string(*v);
    };
    copy("ifMatch", e.if_match);
    copy("ifNoneExist", e.if_none_exist);
    copy("ifNoneMatch", e.if_none_match);
    copy("ifModifiedSince", e.if_modified_since);
    if (auto st = ParseEntryUrl(e, req.base_url); !st) {
      problems.push_back(Issue{Issue::Severity::kError, "invalid", st.error().message, Where(e) + ".request.url"});
      continue;
    }
    if (!transaction) continue;  // batch entries are checked one by one when they run
    bool writes_resource = e.method == "POST" || e.method == "PUT";
    if (e.method == "PATCH") {
      auto patch = PatchFromBinary(e.resource);
      if (!patch) {
        problems.push_back(Issue{Issue::Severity::kError, "not-supported", patch.error().message, Where(e) + ".resource"});
      } else if (!defs_.IsResourceType(e.type) || !fhir::IsValidId(e.id)) {
        problems.push_back(Issue{Issue::Severity::kError, "invalid", "PATCH needs Type/id in request.url",
                                 Where(e) + ".request.url"});
      } else {
        e.patch = std::move(*patch);
      }
    } else if (writes_resource && e.resource == nullptr) {
      problems.push_back(Issue{Issue::Severity::kError, "required", "this entry needs a resource", Where(e)});
    } else if (!defs_.IsResourceType(e.type) && !(e.method == "GET" && e.type.empty())) {
      problems.push_back(Issue{Issue::Severity::kError, "not-supported",
                               fmt::format("'{}' is not a resource type", e.type), Where(e) + ".request.url"});
    } else if (writes_resource && e.resource->string_at("resourceType") != std::optional<std::string_view>(e.type)) {
      problems.push_back(Issue{Issue::Severity::kError, "invalid", "the resource type does not match request.url",
                               Where(e) + ".resource"});
    } else if (e.method == "PUT" && !e.conditional) {
      if (!fhir::IsValidId(e.id)) {
        problems.push_back(Issue{Issue::Severity::kError, "invalid", "PUT needs Type/id in request.url",
                                 Where(e) + ".request.url"});
      } else if (e.resource->string_at("id") != std::optional<std::string_view>(e.id)) {
        problems.push_back(Issue{Issue::Severity::kError, "invalid", "the resource id does not match request.url",
                                 Where(e) + ".resource.id"});
      }
    } else if (e.method == "POST") {
      e.id = crypto::NewId();
    } else if (e.method == "DELETE" && !e.conditional && !fhir::IsValidId(e.id)) {
      problems.push_back(Issue{Issue::Severity::kError, "invalid", "DELETE needs Type/id or criteria in request.url",
                               Where(e) + ".request.url"});
    } else if (e.method != "GET" && e.method != "HEAD" && e.method != "DELETE" && e.method != "PUT") {
      problems.push_back(Issue{Issue::Severity::kError, "invalid",
                               fmt::format("unknown request.method '{}'", e.method), Where(e) + ".request.method"});
    }
  }
  if (!problems.empty()) {
    return ErrorResponse(Error{Code::kInvalid, "the Bundle's requests are not valid", std::move(problems)});
  }
  std::string confine;
  if (transaction) {
    // A transaction is all or nothing: every entry must be allowed before any runs. (Batch
    // entries are checked one by one as they are dispatched.)
    for (const Entry& e : entries) {
      uint8_t need = e.method == "POST" ? auth::kCreate
                     : e.method == "PUT" || e.method == "PATCH" ? auth::kUpdate
                     : e.method == "DELETE" ? auth::kDelete
                     : e.id.empty() ? auth::kSearch : auth::kRead;
      if (e.conditional || e.if_none_exist) need |= auth::kSearch;
      if (auto denied = Deny(req, e.type, need)) return *denied;
      if (confine.empty()) confine = ConfinementFor(req, e.type, need);
    }
  }
  // Patient-level access anywhere in a transaction confines all of its writes.
  ConfineScope confine_scope(confine);

  // Bundle entries carry resources only when asked (Prefer: return=representation).
  std::string prefer = PreferReturn(req);
  internal::BundleWriter out(transaction ? "transaction-response" : "batch-response",
                             FormatInstant(SystemClock().Now()));

  if (!transaction) {
    for (Entry& e : entries) {
      Request sub = EntryRequest(req);
      sub.method = e.method;
      size_t q = e.url.find('?');
      std::string path = e.url.substr(0, q);
      if (path.starts_with(req.base_url)) path = path.substr(std::min(path.size(), req.base_url.size() + 1));
      sub.path = path;
      if (q != std::string::npos) {
        auto query = ParseQueryString(std::string_view(e.url).substr(q + 1));
        if (!query) {
          e.response = ErrorResponse(AtEntry(query.error(), e));
          continue;
        }
        sub.query = std::move(*query);
      }
      if (e.method == "PATCH") {
        auto patch = PatchFromBinary(e.resource);
        if (!patch) {
          e.response = ErrorResponse(AtEntry(patch.error(), e));
          continue;
        }
        sub.body = std::move(*patch);
        sub.headers.emplace_back("content-type", "application/json-patch+json");
      } else if (e.resource) {
        sub.body = json::Serialize(*e.resource);
        sub.headers.emplace_back("content-type", "application/fhir+json");
      }
      if (e.if_match) sub.headers.emplace_back("if-match", *e.if_match);
      if (e.if_none_exist) sub.headers.emplace_back("if-none-exist", *e.if_none_exist);
      if (e.if_none_match) sub.headers.emplace_back("if-none-match", *e.if_none_match);
      if (e.if_modified_since) sub.headers.emplace_back("if-modified-since", *e.if_modified_since);
      if (e.method == "POST" && sub.path.find('/') != std::string::npos) {
        e.response = ErrorResponse(AtEntry(Error::Invalid("POST entries name only a type"), e));
        continue;
      }
      e.response = Dispatch(sub);
    }
    for (const Entry& e : entries) AddEntryResponse(out, e.response,
                                                       prefer == "representation" || prefer == "operationoutcome" ||
                                                           e.method == "GET");
    return JsonResponse(200, out.Finish());
  }

  // Transaction: one unit of work; all or nothing.
  std::set<std::string> targets;
  for (const Entry& e : entries) {
    if (e.method == "GET" || e.method == "HEAD" || e.conditional || e.id.empty()) continue;
    if (!targets.insert(e.type + "/" + e.id).second) {
      return ErrorResponse(AtEntry(Error::Invalid(fmt::format("{}/{} appears in more than one entry", e.type, e.id)), e));
    }
  }
  std::vector<std::optional<Criteria>> criteria(n);
  for (Entry& e : entries) {
    if (e.method == "POST" && e.if_none_exist) {
      auto q = ParseQueryString(*e.if_none_exist);
      if (!q) return ErrorResponse(AtEntry(q.error(), e));
      auto c = ParseCriteria(*q, false);
      if (!c) return ErrorResponse(AtEntry(c.error(), e));
      criteria[e.index] = std::move(*c);
    } else if ((e.method == "PUT" || e.method == "DELETE") && e.conditional) {
      auto c = ParseCriteria(e.query, false);
      if (!c) return ErrorResponse(AtEntry(c.error(), e));
      if (c->empty()) return ErrorResponse(AtEntry(Error::Invalid("conditional request without criteria"), e));
      criteria[e.index] = std::move(*c);
    }
  }

  // References are rewritten and resources serialised before the writer whenever nothing
  // depends on what the store holds (the usual case: POST ids are assigned here, PUT ids are
  // in the URLs); the single writer thread then only checks versions and writes rows.
  std::vector<store::PreparedResource> prepared(n);
  auto prepare_all = [&](internal::Finder* finder, bool* needs_lookup) -> Status {
    std::map<std::string, std::string> ref_map;
    for (const Entry& e : entries) {
      if ((e.method == "POST" || e.method == "PUT") && !e.full_url.empty()) ref_map[e.full_url] = e.type + "/" + e.id;
    }
    ReferenceRewriter rewriter(ref_map, finder);
    for (Entry& e : entries) {
      if (e.resource == nullptr || e.noop || (e.method != "POST" && e.method != "PUT")) continue;
      if (auto rw = rewriter.Rewrite(*e.resource); !rw) {
        if (needs_lookup != nullptr) *needs_lookup = rewriter.needs_lookup();
        return Fail(AtEntry(rw.error(), e));
      }
      prepared[e.index] = internal::PrepareIndexed(*e.resource);
    }
    return {};
  };
  bool needs_txn = std::any_of(criteria.begin(), criteria.end(), [](const auto& c) { return c.has_value(); });
  if (!needs_txn) {
    bool needs_lookup = false;
    Status early = prepare_all(nullptr, &needs_lookup);
    if (!early && !needs_lookup) return ErrorResponse(early.error());
    needs_txn = !early;
  }

  // PATCH entries read, patch and validate inside the writer: they must see the version this
  // transaction is about to change. (Rare; everything else is prepared outside.)
  auto apply_patch = [&](store::WriteTxn& txn, Entry& e) -> Status {
    auto cur = txn.Read(e.type, e.id);
    if (!cur) return Fail(AtEntry(cur.error(), e));
    if (cur->deleted) return Fail(AtEntry(Error{Code::kGone, fmt::format("{}/{} was deleted", e.type, e.id), {}}, e));
    if (e.if_match && cur->version != internal::ParseETag(*e.if_match)) {
      return Fail(AtEntry(Error{Code::kPreconditionFailed, "ifMatch does not match the current version", {}}, e));
    }
    auto patch = ParseJson(*e.patch);
    if (!patch) return Fail(AtEntry(patch.error(), e));
    auto doc = ParseJson(cur->body);
    if (!doc) return Fail(Error::Internal("stored resource does not parse"));
    auto patched = json::ApplyPatch(*doc, *patch);
    if (!patched) return Fail(AtEntry(patched.error(), e));
    if (patched->string_at("resourceType") != std::optional<std::string_view>(e.type) ||
        patched->string_at("id") != std::optional<std::string_view>(e.id)) {
      return Fail(AtEntry(Error::Invalid("a patch must not change resourceType or id"), e));
    }
    SALUS_TRY(validator_.Check(*patched));
    auto w = txn.Put(e.type, e.id, internal::PrepareIndexed(*patched), "PATCH");
    if (!w) return Fail(AtEntry(w.error(), e));
    e.written = std::move(*w);
    e.status = 200;
    return {};
  };

  Status st = Write(req, [&](store::WriteTxn& txn) -> Status {
    TxnFinder finder(txn);
    if (needs_txn) {
      // Resolve conditional entries first (R4: before references are rewritten).
      for (Entry& e : entries) {
        if (!criteria[e.index]) continue;
        auto matches = Match(finder, e.type, *criteria[e.index], 2);
        if (!matches) return Fail(AtEntry(matches.error(), e));
        if (matches->size() > 1) {
          return Fail(AtEntry(Error{Code::kPreconditionFailed, "the criteria match more than one resource", {}}, e));
        }
        if (e.method == "POST") {
          if (matches->size() == 1) {
            e.id = (*matches)[0];
            e.noop = true;
            e.status = 200;
          }
        } else if (e.method == "PUT") {
          auto body_id = e.resource->string_at("id");
          if (matches->size() == 1) {
            if (body_id && *body_id != (*matches)[0]) {
              return Fail(AtEntry(Error::Invalid("the resource id differs from the matched resource"), e));
            }
            e.id = (*matches)[0];
          } else {
            e.id = body_id ? std::string(*body_id) : crypto::NewId();
          }
        } else if (e.method == "DELETE") {
          if (matches->empty()) {
            e.noop = true;
            e.status = 204;
          } else {
            e.id = (*matches)[0];
          }
        }
      }
      SALUS_TRY(prepare_all(&finder, nullptr));
    }
    // R4 processing order: DELETE, POST, PUT/PATCH (GET after commit).
    for (const char* method : {"DELETE", "POST", "PUT", "PATCH"}) {
      for (Entry& e : entries) {
        if (e.method != method || e.noop) continue;
        if (e.method == "PATCH") {
          SALUS_TRY(apply_patch(txn, e));
          continue;
        }
        if (e.method == "DELETE") {
          if (e.if_match) {
            auto cur = txn.Current(e.type, e.id);
            if (!cur) return Fail(cur.error());
            if (!*cur || (*cur)->version != internal::ParseETag(*e.if_match)) {
              return Fail(AtEntry(Error{Code::kPreconditionFailed, "ifMatch does not match", {}}, e));
            }
          }
          auto d = txn.Delete(e.type, e.id);
          if (!d) {
            if (d.error().code != Code::kNotFound) return Fail(AtEntry(d.error(), e));
            e.noop = true;
          } else {
            e.written = std::move(*d);
          }
          e.status = 204;
          continue;
        }
        if (e.method == "POST" && !e.if_match) {
          // A server-assigned id: nothing to look up.
          auto w = txn.Create(e.type, e.id, prepared[e.index]);
          if (!w) return Fail(AtEntry(w.error(), e));
          e.written = std::move(*w);
          e.status = 201;
          continue;
        }
        auto cur = txn.Current(e.type, e.id);
        if (!cur) return Fail(cur.error());
        if (e.if_match && (!*cur || (*cur)->version != internal::ParseETag(*e.if_match))) {
          return Fail(AtEntry(Error{Code::kPreconditionFailed, "ifMatch does not match the current version", {}}, e));
        }
        auto w = txn.Put(e.type, e.id, prepared[e.index], e.method);
        if (!w) return Fail(AtEntry(w.error(), e));
        e.written = std::move(*w);
        e.status = (!*cur || (*cur)->deleted) ? 201 : 200;
      }
    }
    return {};
  });
  if (!st) return ErrorResponse(st.error());

  for (Entry& e : entries) {
    if (e.method == "GET" || e.method == "HEAD") {
      Request sub = EntryRequest(req);
      sub.method = "GET";
      sub.path = e.type + (e.id.empty() ? "" : "/" + e.id);
      sub.query = e.query;
      e.response = Dispatch(sub);
      continue;
    }
    Response r;
    r.status = e.status;
    if (e.noop && e.method == "POST") {
      auto v = store_.Read(e.type, e.id);
      if (v) {
        e.written = std::move(*v);
      }
    }
    if (e.written.version > 0) {
      r.SetHeader("etag", ETag(e.written.version));
      if (e.method != "DELETE") {
        r.SetHeader("location", fmt::format("{}/_history/{}", e.type + "/" + e.id, e.written.version));
        r.SetHeader("last-modified", FormatInstant(TimePoint{std::chrono::microseconds(e.written.last_updated_us)}));
        if (prefer == "representation") r.body = std::move(e.written.body);
      }
    }
    e.response = std::move(r);
  }
  for (const Entry& e : entries) {
    AddEntryResponse(out, e.response, prefer == "representation" || e.method == "GET" || e.method == "HEAD");
  }
  return JsonResponse(200, out.Finish());
}

}  // namespace salus::api
