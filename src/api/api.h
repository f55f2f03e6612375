// The FHIR R4 REST interactions (R4 http.html) as plain functions of a parsed request: no
// sockets here, so every interaction is testable directly and batch entries reuse them.
// Thread-safety: Api is immutable after construction; Handle may run on many threads at once.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "fhir/definitions.h"
#include "fhir/validator.h"
#include "store/store.h"

namespace salus::audit {
class Ledger;
}
namespace salus::auth {
struct Principal;
}
namespace salus::capture {
class CapturePool;
}

namespace salus::api {

struct Request {
  std::string method;  // GET, HEAD, POST, PUT, PATCH, DELETE
  std::string path;    // below the FHIR base, percent-decoded, no leading '/': "Patient/1/_history/2"
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string base_url;  // "http://127.0.0.1:8080/fhir": for Location, fullUrl and links
  std::string remote_address;  // the caller's IP address, for the audit ledger
  bool fhir = true;            // false: an OAuth/SMART endpoint, `path` is the full URL path
  // Who is asking (from the bearer token), when the server requires authentication.
  std::shared_ptr<const auth::Principal> principal;
  bool auth_required = false;  // then no principal means 401 (metadata excepted)

  // The first header / query parameter with that name, or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  std::optional<std::string_view> Param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // a JSON resource, or empty

  void SetHeader(std::string_view name, std::string value);
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct ApiOptions {
  size_t max_bundle_entries = 10000;
  size_t default_count = 50;
  size_t max_count = 1000;
  int max_json_depth = 100;
  std::string software_version = "0.1.0";
  // Every interaction (but metadata) is recorded here: writes in their own transaction, reads
  // durably before their response. Null only in tests of other things.
  const audit::Ledger* ledger = nullptr;
  // Document capture ($capture, Task/[id]/$capture-review); null: those answer 501.
  capture::CapturePool* capture_pool = nullptr;
  double capture_threshold = 0.95;  // confidence at which a captured field is written
  int capture_sync_pages = 3;       // larger documents use the async pattern (202)
  std::string capture_sandbox;      // program for the PDF sandbox (capture::DecodeLimits); "" in-process
};

class Api {
 public:
  Api(store::Store& store, const fhir::Definitions& defs, ApiOptions options = {});
  ~Api();

  Response Handle(const Request& request) const;
  // True for interactions that finish in microseconds without waiting on anything but
  // SQLite's page cache (read, vread, metadata): a caller may run these on an I/O thread,
  // through HandleQuick.
  bool IsQuick(const Request& request) const;
  // Handle for quick interactions, without blocking: computes the response on this thread and
  // calls `done` with it once its audit entry is durable (from the store's writer thread, or
  // from this one when nothing needs to wait). `done` must not block.
  void HandleQuick(const Request& request, std::function<void(Response)> done) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Maps an Error to its HTTP status.
int StatusFor(Code code);

}  // namespace salus::api
