#include "http/server.h"

#include <pthread.h>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <boost/url.hpp>
#include <fmt/format.h>

#include "core/json.h"
#include "core/log.h"

namespace salus::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::string_view kComponent = "http";
constexpr std::string_view kFhirPrefix = "/fhir";

std::string OutcomeBody(std::string_view code, std::string_view message) {
  std::string out = R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":)";
  json::WriteString(code, out);
  out += R"(,"diagnostics":)";
  json::WriteString(message, out);
  out += "}]}";
  return out;
}

bhttp::response<bhttp::string_body> PlainError(unsigned version, bhttp::status status, std::string_view code,
                                               std::string_view message) {
  bhttp::response<bhttp::string_body> res{status, version};
  res.set(bhttp::field::content_type, "application/fhir+json; charset=utf-8");
  res.set(bhttp::field::server, "Salus");
  res.body() = OutcomeBody(code, message);
  res.prepare_payload();
  return res;
}

class ServerImpl : public Server {
 public:
  ServerImpl(const ServerOptions& options, Handler handler, QuickPredicate quick, QuickHandler quick_handler)
      : options_(options), handler_(std::move(handler)), quick_(std::move(quick)),
        quick_handler_(std::move(quick_handler)), iocs_(MakeContexts(options.io_threads)),
        workers_(static_cast<size_t>(std::max(1, options.worker_threads))), acceptor_(*iocs_.front()) {}

  ~ServerImpl() override { Stop(); }

  Status Listen() {
    if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) SALUS_TRY(SetUpTls());
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return Fail(Error::Invalid(fmt::format("'{}' is not an IP address", options_.host)));
    tcp::endpoint ep{address, options_.port};
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Fail(Error::Unavailable(fmt::format("cannot listen on {}:{}: {}", options_.host, options_.port,
                                                 ec.message())));
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(*iocs_.front(), Accept(), asio::detached);
    for (auto& ioc : iocs_) {
      guards_.emplace_back(ioc->get_executor());
      threads_.emplace_back([ctx = ioc.get()] {
        pthread_setname_np(pthread_self(), "salus-io");  // names the thread in top -H and perf
        ctx->run();
      });
    }
    return {};
  }

  uint16_t port() const override { return port_; }

  // TLS 1.2 and 1.3 only, forward-secret AEAD ciphers only for 1.2, the certificate chain and
  // key from PEM files.
  Status SetUpTls() {
    if (options_.tls_cert_file.empty() || options_.tls_key_file.empty()) {
      return Fail(Error::Invalid("TLS needs both a certificate (--tls-cert) and a key (--tls-key)"));
    }
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                     asio::ssl::context::single_dh_use);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20");
    beast::error_code ec;
    ctx->use_certificate_chain_file(options_.tls_cert_file, ec);
    if (ec) return Fail(Error::Invalid(fmt::format("cannot use the certificate {}: {}", options_.tls_cert_file, ec.message())));
    ctx->use_private_key_file(options_.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) return Fail(Error::Invalid(fmt::format("cannot use the key {}: {}", options_.tls_key_file, ec.message())));
    if (SSL_CTX_check_private_key(native) != 1) {
      return Fail(Error::Invalid("the TLS key does not match the certificate"));
    }
    tls_ = std::move(ctx);
    return {};
  }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    asio::post(*iocs_.front(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    workers_.join();
    // Quick requests still waiting for their audit entries complete before the I/O threads go.
    for (int i = 0; i < 30000 && quick_in_flight_.load() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (auto& ioc : iocs_) ioc->stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  asio::awaitable<void> Accept() {
    while (!stopped_) {
      // A connection lives on one I/O thread's context (round robin). Its stream's timeout
      // handler closes the socket, which must never run on another thread while the session is
      // using or destroying that socket; one thread per context guarantees it without a strand's
      // cost on every completion.
      auto& ioc = *iocs_[next_context_++ % iocs_.size()];
      auto [ec, socket] = co_await acceptor_.async_accept(ioc, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        log::Warn(kComponent, "accept_failed", {{"error", ec.message()}});
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(socket.get_executor(), Session(std::move(socket)), asio::detached);
    }
  }

  // Turns a Beast request into an api::Request; nullopt (and `error` set) when the target is
  // not one we serve.
  std::optional<api::Request> ToApiRequest(bhttp::request<bhttp::string_body>& req,
                                           bhttp::response<bhttp::string_body>& error, const std::string& remote) {
    unsigned v = req.version();
    auto target = boost::urls::parse_origin_form(req.target());
    if (!target) {
      error = PlainError(v, bhttp::status::bad_request, "invalid", "the request target is not a valid URL");
      return std::nullopt;
    }
    std::string path = target->path();  // percent-decoded
    api::Request out;
    // The OAuth endpoints and SMART's discovery document (also at the FHIR base) go to the
    // authorisation server; the rest of /fhir to the FHIR API.
    bool oauth = path.starts_with("/oauth2/") || path == "/.well-known/smart-configuration" ||
                 path == "/fhir/.well-known/smart-configuration" || path == "/.well-known/openid-configuration" ||
                 path == "/fhir/.well-known/openid-configuration";
    if (!oauth && path != kFhirPrefix && !path.starts_with(std::string(kFhirPrefix) + "/")) {
      error = PlainError(v, bhttp::status::not_found, "not-found", "not found: the FHIR API is at /fhir");
      return std::nullopt;
    }
    out.fhir = !oauth;
    out.remote_address = remote;
    out.method = std::string(req.method_string());
    if (oauth) {
      out.path = path;
    } else {
      out.path = path.size() > kFhirPrefix.size() ? path.substr(kFhirPrefix.size() + 1) : std::string();
    }
    if (!json::IsValidUtf8(out.path)) {
      error = PlainError(v, bhttp::status::bad_request, "invalid", "the URL path is not valid UTF-8");
      return std::nullopt;
    }
    for (auto param : target->params()) {
      if (!json::IsValidUtf8(param.key) || !json::IsValidUtf8(param.value)) {
        error = PlainError(v, bhttp::status::bad_request, "invalid", "the query is not valid UTF-8");
        return std::nullopt;
      }
      out.query.emplace_back(param.key, param.value);
    }
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    out.body = std::move(req.body());
    if (!options_.base_url.empty()) {
      out.base_url = options_.base_url;
    } else {
      auto host = req[bhttp::field::host];
      out.base_url = fmt::format("{}://{}{}", tls_ ? "https" : "http", host.empty() ? fmt::format("{}:{}", options_.host, port_)
                                                              : std::string(host),
                                 kFhirPrefix);
    }
    return out;
  }

  // Counts a live connection for the scope.
  struct ConnectionSlot {
    explicit ConnectionSlot(std::atomic<size_t>& n) : count(n) { count.fetch_add(1, std::memory_order_relaxed); }
    ~ConnectionSlot() { count.fetch_sub(1, std::memory_order_relaxed); }
    std::atomic<size_t>& count;
  };

  asio::awaitable<void> Session(tcp::socket socket) {
    ConnectionSlot slot(connections_);
    std::string remote;
    {
      boost::system::error_code rec;
      auto ep = socket.remote_endpoint(rec);
      if (!rec) remote = ep.address().to_string();
    }
    if (!tls_) {
      beast::tcp_stream stream(std::move(socket));
      co_await Exchange(stream, remote);
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_);
    // The handshake is bounded by the read timeout like a request.
    beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (hec) co_return;  // not TLS, an old protocol version, a cipher we refuse: nothing to say over it
    co_await Exchange(stream, remote);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    auto [sec] = co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
    (void)sec;
  }

  // The HTTP exchanges of one connection, over TCP or TLS.
  template <class Stream>
  asio::awaitable<void> Exchange(Stream& stream, const std::string& remote) {
    beast::flat_buffer buffer;
    if (connections_.load(std::memory_order_relaxed) > options_.max_connections) {
      // Too many connections: say so and close, without reading the request.
      auto res = PlainError(11, bhttp::status::service_unavailable, "transient",
                            "too many connections; try again shortly");
      res.keep_alive(false);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
      auto [ec, n] = co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (!ec) co_await LingeringClose(stream);
      co_return;
    }
    try {
      while (true) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(options_.body_limit);
        parser.header_limit(static_cast<uint32_t>(options_.header_limit));
        beast::get_lowest_layer(stream).expires_after(options_.idle_timeout);
        // Wait for the first byte with the idle timeout, then the rest with the read timeout.
        auto [hec, n] = co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        (void)n;
        bhttp::response<bhttp::string_body> res;
        bool close = false;
        bool unread_input = false;  // we answer before reading the whole request
        if (!hec) {
          beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
          // Beast reads at most the buffer's free capacity at a time: give a large body room to
          // arrive in big reads instead of hundreds of small ones.
          if (auto length = parser.content_length(); length && *length > buffer.capacity()) {
            buffer.reserve(static_cast<size_t>(std::min<uint64_t>(*length, 1u << 20)));
          }
          if (parser.get().target().size() > options_.url_limit) {
            res = PlainError(parser.get().version(), bhttp::status::uri_too_long, "too-long",
                             fmt::format("the URL is longer than {} bytes", options_.url_limit));
            close = true;
            unread_input = true;
          } else {
            auto [bec, m] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
            (void)m;
            hec = bec;
          }
        }
        if (hec) {
          if (hec == bhttp::error::end_of_stream || hec == beast::error::timeout ||
              hec == asio::error::connection_reset || hec == asio::error::eof || hec == asio::error::operation_aborted) {
            break;
          }
          if (hec == bhttp::error::body_limit) {
            res = PlainError(11, bhttp::status::payload_too_large, "too-long",
                             fmt::format("the request body is larger than {} bytes", options_.body_limit));
          } else if (hec == bhttp::error::header_limit) {
            res = PlainError(11, bhttp::status::request_header_fields_too_large, "too-long",
                             fmt::format("the request headers are larger than {} bytes", options_.header_limit));
          } else {
            res = PlainError(11, bhttp::status::bad_request, "structure",
                             fmt::format("malformed HTTP request: {}", hec.message()));
          }
          close = true;
          unread_input = true;
        }
        if (!close) {
          auto& req = parser.get();
          auto started = std::chrono::steady_clock::now();
          bhttp::response<bhttp::string_body> err;
          auto api_req = ToApiRequest(req, err, remote);
          if (!api_req) {
            res = std::move(err);
          } else {
            // Run the handler on the worker pool and come back to this connection's executor.
            // (Not a ?: with co_await inside: GCC 12 miscompiles that.)
            api::Response out;
            if (quick_ && quick_(*api_req) && quick_handler_) {
              out = co_await RunQuick(*api_req);
            } else if (quick_ && quick_(*api_req)) {
              out = Run(*api_req);
            } else {
              out = co_await asio::co_spawn(workers_.get_executor(), RunAsync(std::move(*api_req)),
                                            asio::use_awaitable);
            }
            res = bhttp::response<bhttp::string_body>{static_cast<bhttp::status>(out.status), req.version()};
            for (auto& [k, v] : out.headers) res.set(k, v);
            res.body() = std::move(out.body);
            if (req.method() == bhttp::verb::head) {
              // HEAD: the headers a GET would have, without the body.
              size_t size = res.body().size();
              res.body().clear();
              res.content_length(size);
            }
          }
          res.set(bhttp::field::server, "Salus");
          if (tls_) res.set(bhttp::field::strict_transport_security, "max-age=31536000; includeSubDomains");
          // Every answer carries a request id that also names it in the logs.
          std::string request_id = fmt::format("{:08x}-{:x}", boot_id_, requests_.fetch_add(1) + 1);
          res.set("X-Request-Id", request_id);
          res.keep_alive(req.keep_alive());
          close = !req.keep_alive();
          int64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::steady_clock::now() - started).count();
          if (res.result_int() >= 500) {
            log::Error(kComponent, "request_failed", {{"request_id", request_id},
                                                      {"method", std::string_view(req.method_string())},
                                                      {"status", static_cast<int>(res.result_int())},
                                                      {"micros", micros}});
          }
        }
        if (res.result() != bhttp::status::not_modified && res.result() != bhttp::status::no_content &&
            !res.has_content_length()) {
          res.prepare_payload();
        }
        if (close) res.keep_alive(false);
        beast::get_lowest_layer(stream).expires_after(options_.read_timeout);
        auto [wec, w] = co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        (void)w;
        if (wec) break;
        if (close) {
          if (unread_input) co_await LingeringClose(stream);
          break;
        }
      }
    } catch (const std::exception& e) {
      log::Error(kComponent, "session_failed", {{"error", e.what()}});
    }
  }

  // After answering a request we did not read whole (too large, malformed), closing at once
  // would reset the connection and the client could lose our answer: stop sending, then
  // read and discard for a short while (bounded in time and bytes) before closing.
  template <class Stream>
  asio::awaitable<void> LingeringClose(Stream& stream) {
    beast::error_code ec;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ec);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    std::array<char, 16384> scratch;
    size_t drained = 0;
    while (drained < (64u << 20)) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
      if (rec) break;
      drained += n;
    }
  }

  // The quick handler as an asynchronous operation: its completion, from whichever thread
  // calls `done`, resumes the session on its own executor.
  asio::awaitable<api::Response> RunQuick(const api::Request& r) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(api::Response)>(
        [this, &r](auto handler) {
          auto ex = asio::get_associated_executor(handler, iocs_.front()->get_executor());
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          quick_in_flight_.fetch_add(1);
          auto done = [this, shared, ex](api::Response out) {
            asio::post(ex, [shared, out = std::move(out)]() mutable { (*shared)(std::move(out)); });
            quick_in_flight_.fetch_sub(1);
          };
          try {
            quick_handler_(r, done);
          } catch (const std::exception& e) {
            log::Error(kComponent, "handler_threw", {{"error", e.what()}});
            api::Response res;
            res.status = 500;
            res.body = OutcomeBody("exception", "internal server error");
            res.SetHeader("content-type", "application/fhir+json; charset=utf-8");
            done(std::move(res));
          }
        },
        asio::use_awaitable);
  }

  // A coroutine taking its request by value: the frame owns it (no lambda captures to dangle).
  asio::awaitable<api::Response> RunAsync(api::Request r) { co_return Run(r); }

  api::Response Run(const api::Request& r) {
    try {
      return handler_(r);
    } catch (const std::exception& e) {
      log::Error(kComponent, "handler_threw", {{"error", e.what()}});
    } catch (...) {
      log::Error(kComponent, "handler_threw");
    }
    api::Response res;
    res.status = 500;
    res.body = OutcomeBody("exception", "internal server error");
    res.SetHeader("content-type", "application/fhir+json; charset=utf-8");
    return res;
  }

  ServerOptions options_;
  Handler handler_;
  QuickPredicate quick_;
  QuickHandler quick_handler_;
  std::unique_ptr<asio::ssl::context> tls_;  // set when serving HTTPS
  // One I/O context per I/O thread, each run by exactly that thread.
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int n) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < std::max(1, n); ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }
  std::vector<std::unique_ptr<asio::io_context>> iocs_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  size_t next_context_ = 0;  // touched only by the accept loop
  asio::thread_pool workers_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
  std::atomic<size_t> connections_{0};
  std::atomic<int> quick_in_flight_{0};
  std::atomic<uint64_t> requests_{0};
  // Distinguishes this process's request ids from another run's.
  const uint32_t boot_id_ = static_cast<uint32_t>(
      std::chrono::system_clock::now().time_since_epoch().count() ^ reinterpret_cast<uintptr_t>(this));
  uint16_t port_ = 0;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler handler,
                                              QuickPredicate quick, QuickHandler quick_handler) {
  auto server = std::make_unique<ServerImpl>(options, std::move(handler), std::move(quick), std::move(quick_handler));
  SALUS_TRY(server->Listen());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace salus::http
