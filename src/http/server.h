// The HTTP/1.1 server (Boost.Beast over Asio): bounds every request (header, URL and body
// size, read and idle timeouts), turns it into an api::Request, runs the handler on a bounded
// worker pool (never on an I/O thread), and writes the api::Response.
// Beast and Asio headers stay inside server.cc.
// Thread-safety: Start/Stop from one thread; the handler is called from many worker threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/api.h"
#include "core/result.h"

namespace salus::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port
  int io_threads = 2;
  int worker_threads = 64;             // blocking work (storage) runs here
  size_t body_limit = 16 << 20;        // bytes
  size_t header_limit = 16 << 10;      // bytes, all headers together
  size_t url_limit = 8 << 10;          // bytes of request target
  std::chrono::seconds read_timeout{30};   // to read one whole request once it started
  std::chrono::seconds idle_timeout{60};   // keep-alive connection with no request
  size_t max_connections = 10000;          // beyond this, new connections get a 503 and are closed
  std::string base_url;                // external base (".../fhir"); default from Host
  std::string tls_cert_file;           // PEM certificate chain: serve HTTPS (TLS 1.2+ only)
  std::string tls_key_file;            // PEM private key
};

class Server {
 public:
  using Handler = std::function<api::Response(const api::Request&)>;
  // Which requests are quick enough to run on the I/O thread itself (a thread hop costs more
  // than a cached point read); everything else goes to the worker pool.
  using QuickPredicate = std::function<bool(const api::Request&)>;
  // Runs a quick request on the I/O thread without blocking it: calls `done` later (from any
  // thread) with the response, e.g. once the request's audit entry is durable.
  using QuickHandler = std::function<void(const api::Request&, std::function<void(api::Response)> done)>;

  // Binds and starts serving. Unavailable when the address cannot be bound. Quick requests go
  // to `quick_handler` when there is one, else to `handler` on the I/O thread.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler handler,
                                               QuickPredicate quick = {}, QuickHandler quick_handler = {});
  virtual ~Server() = default;
  virtual uint16_t port() const = 0;
  // Stops accepting, finishes in-flight requests, joins the threads.
  virtual void Stop() = 0;
};

}  // namespace salus::http
