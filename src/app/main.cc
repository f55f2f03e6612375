// The `salus` command: serve, import, --version, --help.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include <atomic>
#include <thread>
#include <fmt/format.h>

#include "api/api.h"
#include "audit/ledger.h"
#include "auth/identity.h"
#include "auth/oauth.h"
#include "auth/tokens.h"
#include "auth/totp.h"
#include "crypto/random.h"
#include "crypto/hash.h"
#include "crypto/jose.h"
#include "crypto/keyfile.h"
#include "crypto/keyring.h"
#include "app/capture_cmd.h"
#include "app/import.h"
#include "capture/decode.h"
#include "capture/ocr.h"
#include "capture/pool.h"
#include "app/reindex.h"
#include "search/registry.h"
#include "core/log.h"
#include "fhir/definitions.h"
#include "http/server.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace salus;

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.starts_with("127.");
}

// "HOST:PORT" or "[v6]:PORT".
bool SplitListen(const std::string& listen, std::string& host, uint16_t& port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  try {
    int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return !host.empty();
}

std::string DbPath(const std::string& data_dir) { return (std::filesystem::path(data_dir) / "salus.db").string(); }

// The key-encryption key: SALUS_KEK (64 hex characters) when set, else <keys>/kek.key, made
// on first start. A rotation that stopped between re-wrapping the data keys and replacing the
// key file is finished here.
Result<crypto::AeadKey> LoadKek(const std::string& keys_dir, const std::string& db_path) {
  if (const char* env = std::getenv("SALUS_KEK"); env != nullptr && *env != '\0') {
    auto k = crypto::KekFromHex(env);
    if (!k) return Fail(Error::Invalid("SALUS_KEK must be 64 hexadecimal characters (32 bytes)"));
    return *k;
  }
  std::string path = (std::filesystem::path(keys_dir) / "kek.key").string();
  std::string pending = path + ".new";
  if (std::filesystem::exists(pending)) {
    auto fresh = crypto::LoadSecret(pending, 32);
    auto wrapped_with = store::DataKeysKekId(db_path);
    if (fresh && wrapped_with && *wrapped_with &&
        **wrapped_with == crypto::KeyRing::KekId(*crypto::KekFromHex(crypto::Hex(*fresh)))) {
      std::filesystem::rename(pending, path);
      log::Warn("app", "kek_rotation_finished", {{"kek_id", **wrapped_with}});
    } else {
      std::filesystem::remove(pending);
    }
  }
  SALUS_ASSIGN_OR_RETURN(std::string raw, crypto::LoadOrCreateSecret(path, 32));
  return *crypto::KekFromHex(crypto::Hex(raw));
}

Result<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir, const std::string& keys_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Fail(Error::Unavailable(fmt::format("cannot create {}: {}", data_dir, ec.message())));
  std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  SALUS_ASSIGN_OR_RETURN(crypto::AeadKey kek, LoadKek(keys_dir, DbPath(data_dir)));
  return store::OpenSqliteStore(store::SqliteOptions{.path = DbPath(data_dir), .kek = kek});
}

// A password for one use: 24 base32 characters, 120 random bits.
std::string OneTimePassword() {
  std::string raw(15, '\0');
  crypto::RandomBytes(raw.data(), raw.size());
  return auth::Base32Encode(raw);
}

// With authentication on and no user yet: an admin with a one-time password, printed once,
// to be changed at first sign-in.
Status BootstrapAdmin(auth::Directory& directory) {
  SALUS_ASSIGN_OR_RETURN(auto users, directory.Users());
  if (!users.empty()) return {};
  std::string password = OneTimePassword();
  SALUS_TRY(directory.AddUser("admin", auth::Role::kAdmin, password, "", true));
  fmt::print("first start: created user 'admin' with the one-time password {} (it must be changed, with TOTP "
             "enrolment, at first sign-in)\n", password);
  std::fflush(stdout);
  return {};
}

std::string KeysDir(const std::string& keys, const std::string& data) {
  return keys.empty() ? (std::filesystem::path(data) / "keys").string() : keys;
}

// `salus keys rotate`: a new KEK re-wraps the data keys; no body is re-encrypted. With key
// files: the new key is written beside the old, the data keys re-wrapped in one transaction,
// then the new file replaces the old (a crash in between is finished at the next start). With
// SALUS_KEK: the new key comes from SALUS_NEW_KEK, and SALUS_KEK must be changed to it after.
int RotateKeys(const std::string& data, const std::string& keys_dir) {
  std::string db = DbPath(data);
  if (!std::filesystem::exists(db)) {
    fmt::print(stderr, "salus keys rotate: no database in {}\n", data);
    return 1;
  }
  auto old_kek = LoadKek(keys_dir, db);
  if (!old_kek) {
    fmt::print(stderr, "salus keys rotate: {}\n", old_kek.error().message);
    return 1;
  }
  const char* env = std::getenv("SALUS_KEK");
  bool from_env = env != nullptr && *env != '\0';
  crypto::AeadKey new_kek;
  std::string path = (std::filesystem::path(keys_dir) / "kek.key").string();
  if (from_env) {
    const char* next = std::getenv("SALUS_NEW_KEK");
    auto k = next ? crypto::KekFromHex(next) : std::nullopt;
    if (!k) {
      fmt::print(stderr, "salus keys rotate: SALUS_KEK is set, so the new key must come from SALUS_NEW_KEK (64 hex "
                         "characters)\n");
      return 2;
    }
    new_kek = *k;
  } else {
    auto raw = crypto::LoadOrCreateSecret(path + ".new", 32);
    if (!raw) {
      fmt::print(stderr, "salus keys rotate: {}\n", raw.error().message);
      return 1;
    }
    new_kek = *crypto::KekFromHex(crypto::Hex(*raw));
  }
  auto n = store::RewrapDataKeys(db, *old_kek, new_kek);
  if (!n) {
    if (!from_env) std::filesystem::remove(path + ".new");
    fmt::print(stderr, "salus keys rotate: {}\n", n.error().message);
    return 1;
  }
  if (!from_env) {
    std::filesystem::rename(path + ".new", path);
    int dir = ::open(keys_dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  fmt::print("re-wrapped {} data key{} from KEK {} to KEK {}; no body was re-encrypted{}\n", *n, *n == 1 ? "" : "s",
             crypto::KeyRing::KekId(*old_kek), crypto::KeyRing::KekId(new_kek),
             from_env ? "; now set SALUS_KEK to the value of SALUS_NEW_KEK" : "");
  return 0;
}

// The ledger's Ed25519 key: its seed in <keys>/audit-signing.key, made on first start.
Result<crypto::SigningKey> AuditKey(const std::string& keys_dir, bool create) {
  std::string path = (std::filesystem::path(keys_dir) / "audit-signing.key").string();
  auto seed = create ? crypto::LoadOrCreateSecret(path, 32) : crypto::LoadSecret(path, 32);
  if (!seed) return Fail(seed.error());
  return *crypto::SigningKey::FromSeed(*seed);
}

// Installs the search parameters the index was last built with (R4 plus the custom ones
// recorded by `salus reindex`); returns the generation installed.
std::string InstallRegistry(store::Store& store, const std::string& current) {
  auto generation = store.GetMeta(search::kMetaGeneration);
  if (!generation || !*generation || **generation == current) return current;
  auto custom = store.GetMeta(search::kMetaCustomParams);
  json::Value params = json::Array{};
  if (custom && *custom) {
    auto parsed = json::Parse(**custom, json::ParseLimits{.max_depth = 1000});
    if (parsed) params = std::move(*parsed);
  }
  std::vector<std::string> rejected;
  auto registry = search::RegistryWith(params, &rejected);
  // What a server on the old parameters wrote while the reindex ran is indexed again: first
  // before the switch, so that no search sees a new parameter before its rows are complete,
  // then after it, for what was written in between (few, if any).
  auto first = app::CatchUpReindex(store, *registry, /*record=*/false);
  if (!first) log::Warn("app", "reindex_catch_up_failed", {{"message", first.error().message}});
  search::Registry::Install(registry);
  auto caught = app::CatchUpReindex(store, *registry);
  if (!caught) log::Warn("app", "reindex_catch_up_failed", {{"message", caught.error().message}});
  log::Info("app", "search_parameters_installed",
            {{"generation", **generation}, {"custom", static_cast<int64_t>(params.is_array() ? params.as_array().size() : 0)},
             {"rejected", static_cast<int64_t>(rejected.size())},
             {"caught_up", caught ? static_cast<int64_t>(*caught) : int64_t{-1}}});
  return **generation;
}

int Serve(const std::string& listen, const std::string& data, const std::string& keys, const std::string& auth,
          bool audit_off, bool insecure_http, int capture_workers, http::ServerOptions opts) {
  auto started = std::chrono::steady_clock::now();
  if (!SplitListen(listen, opts.host, opts.port)) {
    fmt::print(stderr, "salus: --listen must be HOST:PORT, got '{}'\n", listen);
    return 2;
  }
  bool tls = !opts.tls_cert_file.empty() || !opts.tls_key_file.empty();
  if (!tls && !insecure_http && !IsLoopback(opts.host)) {
    fmt::print(stderr, "salus: refusing plain HTTP on the network address {}: give --tls-cert and --tls-key, or "
                       "--insecure-http when a TLS-terminating proxy sits in front\n", opts.host);
    return 2;
  }
  if (audit_off && (auth != "none" || !IsLoopback(opts.host))) {
    fmt::print(stderr, "salus: --audit off is only for benchmarks: it needs --auth none on a loopback address\n");
    return 2;
  }
  if (auth != "none" && auth != "smart") {
    fmt::print(stderr, "salus: --auth must be smart (OAuth2 / SMART on FHIR) or none (development, loopback only)\n");
    return 2;
  }
  const bool smart = auth == "smart";
  if (!smart && !IsLoopback(opts.host)) {
    fmt::print(stderr, "salus: --auth none is refused on non-loopback address {}: it would expose patient data "
                       "without authentication\n", opts.host);
    return 2;
  }
  // Signals are taken by sigwait below, not by whichever thread happens to run.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const auto& defs = fhir::Definitions::R4();
  auto store = OpenStore(data, keys);
  if (!store) {
    log::Error("app", "store_open_failed", {{"message", store.error().message}});
    return 1;
  }
  auto audit_key = AuditKey(keys, true);
  if (!audit_key) {
    log::Error("app", "audit_key_unavailable", {{"message", audit_key.error().message}});
    return 1;
  }
  audit::Ledger ledger(**store, std::move(*audit_key));
  auto sign_head = [&] {
    if (auto h = ledger.SignHead(); !h) log::Warn("app", "audit_head_failed", {{"message", h.error().message}});
  };
  std::string generation = InstallRegistry(**store, "");
  // Every 2 s: sign a tree head over the audit ledger if it grew, and, if `salus reindex`
  // finished beside the server, switch to its search parameters.
  std::atomic<bool> stop_watch{false};
  auth::Directory directory(**store);
  auth::TokenService tokens(**store, directory);
  std::thread watcher([&] {
    for (int round = 1; !stop_watch; ++round) {
      for (int i = 0; i < 20 && !stop_watch; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (stop_watch) break;
      sign_head();
      generation = InstallRegistry(**store, generation);
      if (round % 150 == 0) {  // every 5 minutes: expired tokens and assertion ids go
        if (auto swept = tokens.Sweep(); !swept) log::Warn("app", "token_sweep_failed", {{"message", swept.error().message}});
      }
    }
    sign_head();
  });
  struct JoinWatcher {
    std::atomic<bool>& stop;
    std::thread& t;
    ~JoinWatcher() {
      stop = true;
      t.join();
    }
  } join_watcher{stop_watch, watcher};
  if (audit_off) log::Warn("app", "audit_off", {{"message", "--audit off: nothing is recorded (benchmark baseline only)"}});
  // Document capture: its own workers (one OCR engine each), declared before the Api, which
  // waits for its capture jobs when it goes.
  std::unique_ptr<capture::CapturePool> capture_pool;
  if (capture_workers > 0) {
    auto pool = capture::CapturePool::Create(capture_workers, 16, capture::FindTessdata());
    if (pool) capture_pool = std::move(*pool);
    else log::Warn("app", "capture_unavailable", {{"message", pool.error().message}});
  }
  api::Api api(**store, defs,
               api::ApiOptions{.software_version = SALUS_VERSION,
                               .ledger = audit_off ? nullptr : &ledger,
                               .capture_pool = capture_pool.get(),
                               .capture_sandbox = "/proc/self/exe"});
  if (smart) {
    if (auto st = BootstrapAdmin(directory); !st) {
      log::Error("app", "bootstrap_failed", {{"message", st.error().message}});
      return 1;
    }
  }
  // The issuer (and the audience of client assertions): from --base-url, else each request's Host.
  std::string issuer = opts.base_url.empty() ? "" : opts.base_url.substr(0, opts.base_url.rfind("/fhir"));
  // OpenID Connect id_tokens are signed with an RSA key kept beside the audit key (made on the
  // first start with --auth smart).
  std::shared_ptr<const crypto::JwsSigner> id_token_signer;
  if (smart) {
    auto signer = crypto::JwsSigner::LoadOrCreate((std::filesystem::path(keys) / "id-token-signing.pem").string());
    if (!signer) {
      log::Error("app", "id_token_key_unavailable", {{"message", signer.error().message}});
      return 1;
    }
    id_token_signer = std::make_shared<const crypto::JwsSigner>(std::move(*signer));
  }
  auth::OAuthServer oauth(directory, tokens, &ledger,
                          auth::OAuthOptions{.issuer = issuer, .id_token_signer = std::move(id_token_signer)});
  // Every FHIR request carries its principal (or none, answered 401 by the API) when
  // authentication is on; OAuth endpoints go to the authorisation server.
  // (Only with --auth smart: the request is copied to carry its principal.)
  auto authenticate = [&](const api::Request& r0) {
    api::Request r = r0;
    r.auth_required = true;
    if (auto bearer = auth::BearerToken(r.headers)) {
      auto p = tokens.Validate(*bearer);
      if (p && *p) r.principal = std::make_shared<const auth::Principal>(std::move(**p));
    }
    return r;
  };
  auto oauth_reply = [&](const api::Request& r) {
    api::Response out;
    if (!smart) {
      out.status = 404;
      out.body = R"j({"error":"invalid_request","error_description":"authentication is off (--auth none)"})j";
      out.SetHeader("content-type", "application/json");
      return out;
    }
    auth::HttpReply reply =
        oauth.Handle(auth::HttpCall{r.method, r.path, r.query, r.headers, r.body, r.remote_address, r.base_url});
    out.status = reply.status;
    out.headers = std::move(reply.headers);
    out.body = std::move(reply.body);
    return out;
  };
  auto server = http::Server::Start(
      opts,
      [&](const api::Request& r) {
        if (!r.fhir) return oauth_reply(r);
        return smart ? api.Handle(authenticate(r)) : api.Handle(r);
      },
      [&](const api::Request& r) { return r.fhir && api.IsQuick(r); },
      [&](const api::Request& r, std::function<void(api::Response)> done) {
        if (smart) {
          api.HandleQuick(authenticate(r), std::move(done));
        } else {
          api.HandleQuick(r, std::move(done));
        }
      });
  if (!server) {
    log::Error("app", "listen_failed", {{"message", server.error().message}});
    return 1;
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  log::Info("app", "serving", {{"url", fmt::format("{}://{}:{}/fhir", tls ? "https" : "http", opts.host,
                                                  (*server)->port())},
                               {"data", data}, {"auth", auth}, {"startup_ms", ms},
                               {"resource_types", static_cast<int64_t>(defs.resource_types().size())}});
  // A machine-readable line on stdout for scripts and tests that started us with port 0.
  fmt::print("listening {}\n", (*server)->port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  auto stats = (*store)->Stats();
  log::Info("app", "stopping", {{"signal", sig}, {"write_batches", stats.batches}, {"write_units", stats.units}});
  (*server)->Stop();
  return 0;
}

// Runs `fn` with an Api over the store in `data`, recording to its audit ledger, whose head is
// signed when `fn` returns. For the commands that write through the API (import, capture).
int WithLocalApi(const char* command, const std::string& data, const std::string& keys,
                 const std::function<int(const api::Api&)>& fn) {
  auto store = OpenStore(data, keys);
  if (!store) {
    fmt::print(stderr, "salus {}: {}\n", command, store.error().message);
    return 1;
  }
  auto audit_key = AuditKey(keys, true);
  if (!audit_key) {
    fmt::print(stderr, "salus {}: {}\n", command, audit_key.error().message);
    return 1;
  }
  audit::Ledger ledger(**store, std::move(*audit_key));
  api::Api api(**store, fhir::Definitions::R4(),
               api::ApiOptions{.software_version = SALUS_VERSION, .ledger = &ledger});
  struct SignAtEnd {
    audit::Ledger& l;
    ~SignAtEnd() { (void)l.SignHead(); }
  } sign_at_end{ledger};
  return fn(api);
}

int Import(const std::vector<std::string>& inputs, const std::string& data, const std::string& keys,
           bool no_progress) {
  return WithLocalApi("import", data, keys, [&](const api::Api& api) {
    app::ImportSummary s = app::RunImport(api, app::ImportOptions{.inputs = inputs, .progress = !no_progress});
    fmt::print("imported {} resources from {} files in {:.2f} s ({:.0f} resources/s); {} failed\n", s.resources,
               s.files, s.seconds, s.seconds > 0 ? s.resources / s.seconds : 0.0, s.failed);
    return s.failed == 0 ? 0 : 1;
  });
}

int Capture(const app::CaptureCommandOptions& options, bool commit, const std::string& data,
            const std::string& keys) {
  if (!commit) return app::RunCaptureCommand(options, nullptr);
  return WithLocalApi("capture", data, keys, [&](const api::Api& api) {
    return app::RunCaptureCommand(options, [&](const std::string& input, const std::string& bundle) {
      api::Request request;
      request.method = "POST";
      request.body = bundle;
      request.headers = {{"content-type", "application/fhir+json"}};
      request.base_url = "urn:salus:capture";
      request.remote_address = "local";
      api::Response response = api.Handle(request);
      if (response.status >= 300) {
        fmt::print(stderr, "salus capture: {}: the store refused the bundle ({}): {}\n", input, response.status,
                   response.body);
        return false;
      }
      return true;
    });
  });
}

int Reindex(const std::string& data, const std::string& keys, size_t batch, bool no_progress) {
  auto store = OpenStore(data, keys);
  if (!store) {
    fmt::print(stderr, "salus reindex: {}\n", store.error().message);
    return 1;
  }
  auto s = app::RunReindex(**store, app::ReindexOptions{.batch = batch, .progress = !no_progress});
  if (!s) {
    fmt::print(stderr, "salus reindex: {}\n", s.error().message);
    return 1;
  }
  for (const auto& r : s->rejected) fmt::print(stderr, "salus reindex: skipped {}\n", r);
  fmt::print("reindexed {} resources in {:.2f} s ({:.0f}/s){}; {} custom search parameters; {} changed meanwhile "
             "(indexed by their writer)\n",
             s->resources, s->seconds, s->seconds > 0 ? s->resources / s->seconds : 0.0,
             s->resumed ? ", resumed" : "", s->custom_parameters, s->moved_on);
  return 0;
}

struct AdminArgs {
  std::string object, verb, name, role = "practitioner", fhir_user, kind = "backend", scope, jwks_file;
  std::vector<std::string> redirect_uris;
  bool password_stdin = false;
};

// `salus admin user add|list|disable`, `salus admin client add|list`: local administration,
// recorded in the audit ledger as admin actions.
int Admin(const AdminArgs& a, const std::string& data, const std::string& keys) {
  auto store = OpenStore(data, keys);
  if (!store) {
    fmt::print(stderr, "salus admin: {}\n", store.error().message);
    return 1;
  }
  auto audit_key = AuditKey(keys, true);
  if (!audit_key) {
    fmt::print(stderr, "salus admin: {}\n", audit_key.error().message);
    return 1;
  }
  audit::Ledger ledger(**store, std::move(*audit_key));
  auth::Directory directory(**store);
  auto record = [&](std::string what, int outcome) {
    audit::Event e;
    e.action = 'E';
    e.type_system = "http://dicom.nema.org/resources/ontology/DCM";
    e.type_code = "110136";  // security roles changed
    e.subtype_system = "urn:salus:admin";
    e.subtype = a.object + "-" + a.verb;
    e.outcome = outcome;
    e.agent = "System/salus-cli";
    const char* user = std::getenv("USER");
    e.agent_name = user ? user : "";
    e.description = std::move(what);
    (void)ledger.Record(e);
    (void)ledger.SignHead();
  };
  if (a.object == "user" && a.verb == "list") {
    auto users = directory.Users();
    if (!users) {
      fmt::print(stderr, "salus admin: {}\n", users.error().message);
      return 1;
    }
    for (const auto& u : *users) {
      fmt::print("{}\t{}\t{}\t{}{}{}\n", u.username, auth::RoleName(u.role), u.fhir_user.empty() ? "-" : u.fhir_user,
                 u.disabled ? "disabled" : "enabled", u.totp_secret.empty() ? "" : ", totp", u.must_change_password ? ", must change password" : "");
    }
    return 0;
  }
  if (a.object == "user" && a.verb == "add") {
    auto role = auth::ParseRole(a.role);
    if (!role) {
      fmt::print(stderr, "salus admin: --role is admin, practitioner or patient\n");
      return 2;
    }
    std::string password;
    bool one_time = !a.password_stdin;
    if (a.password_stdin) {
      std::getline(std::cin, password);
    } else {
      password = OneTimePassword();
    }
    auto u = directory.AddUser(a.name, *role, password, a.fhir_user, one_time);
    if (!u) {
      fmt::print(stderr, "salus admin: {}\n", u.error().message);
      record("user add refused: " + u.error().message, 4);
      return 1;
    }
    record(fmt::format("user {} added as {}", u->username, auth::RoleName(u->role)), 0);
    fmt::print("added {} ({})\n", u->username, auth::RoleName(u->role));
    if (one_time) fmt::print("one-time password: {} (to be changed at first sign-in)\n", password);
    return 0;
  }
  if (a.object == "user" && a.verb == "disable") {
    auto st = directory.DisableUser(a.name);
    if (!st) {
      fmt::print(stderr, "salus admin: {}\n", st.error().message);
      return 1;
    }
    record(fmt::format("user {} disabled; its tokens revoked", a.name), 0);
    fmt::print("disabled {}; every token it held is revoked\n", a.name);
    return 0;
  }
  if (a.object == "client" && a.verb == "list") {
    auto clients = directory.Clients();
    if (!clients) {
      fmt::print(stderr, "salus admin: {}\n", clients.error().message);
      return 1;
    }
    for (const auto& c : *clients) {
      fmt::print("{}\t{}\t{}\t{}{}\n", c.id, auth::ClientKindName(c.kind), c.name, c.scopes, c.disabled ? "\tdisabled" : "");
    }
    return 0;
  }
  if (a.object == "client" && a.verb == "add") {
    auto kind = auth::ParseClientKind(a.kind);
    if (!kind) {
      fmt::print(stderr, "salus admin: --kind is public, confidential or backend\n");
      return 2;
    }
    std::string jwks;
    if (!a.jwks_file.empty()) {
      std::ifstream in(a.jwks_file);
      std::stringstream ss;
      ss << in.rdbuf();
      jwks = ss.str();
    }
    auto added = directory.AddClient(a.name, *kind, a.redirect_uris, a.scope, jwks);
    if (!added) {
      fmt::print(stderr, "salus admin: {}\n", added.error().message);
      return 1;
    }
    record(fmt::format("client {} ({}) added with scopes {}", added->first.id, a.kind, a.scope), 0);
    fmt::print("client_id: {}\n", added->first.id);
    if (!added->second.empty()) fmt::print("client_secret: {} (shown once; only its hash is kept)\n", added->second);
    return 0;
  }
  if (a.object == "break-glass") {
    auto grants = (**store).ListRecords("auth.breakglass");
    if (!grants) {
      fmt::print(stderr, "salus admin: {}\n", grants.error().message);
      return 1;
    }
    int64_t now = SystemClock().Now().time_since_epoch().count();
    for (const auto& [id, body] : *grants) {
      auto g = json::Parse(body);
      if (!g) continue;
      int64_t granted = std::stoll(g->find("granted")->as_number().text);
      int64_t expires = std::stoll(g->find("expires")->as_number().text);
      fmt::print("{}\t{}\t{}\t{}\t{}\n", FormatInstant(TimePoint(std::chrono::microseconds(granted))),
                 g->string_at("agent").value_or(""), expires > now ? "ACTIVE" : "ended",
                 g->string_at("user").value_or(""), g->string_at("reason").value_or(""));
    }
    return 0;
  }
  if (a.object == "patient" && a.verb == "erase") {
    api::Api api(**store, fhir::Definitions::R4(), api::ApiOptions{.software_version = SALUS_VERSION, .ledger = &ledger});
    api::Request r;
    r.method = "POST";
    r.path = "Patient/" + a.name + "/$erase";
    r.base_url = "local";
    r.remote_address = "local";
    api::Response out = api.Handle(r);
    (void)ledger.SignHead();
    auto v = json::Parse(out.body);
    std::string text = v && v->find("issue") ? std::string(v->find("issue")->as_array()[0].string_at("diagnostics").value_or(""))
                                             : out.body;
    fmt::print("{}{}\n", out.status == 200 ? "" : "salus admin: ", text);
    return out.status == 200 ? 0 : 1;
  }
  fmt::print(stderr, "salus admin: unknown command\n");
  return 2;
}

// `salus audit verify|head`.
int Audit(const std::string& what, const std::string& data, const std::string& keys, const std::string& head_file) {
  if (!std::filesystem::exists(std::filesystem::path(data) / "salus.db")) {
    fmt::print(stderr, "salus audit: no database in {}\n", data);
    return 1;
  }
  auto store = OpenStore(data, keys);
  if (!store) {
    fmt::print(stderr, "salus audit: {}\n", store.error().message);
    return 1;
  }
  auto key = AuditKey(keys, false);
  if (!key) {
    fmt::print(stderr, "salus audit: {}\n", key.error().message);
    return 1;
  }
  if (what == "head") {
    audit::Ledger ledger(**store, *key);
    auto head = ledger.SignHead();
    if (!head) {
      fmt::print(stderr, "salus audit head: {}\n", head.error().message);
      return 1;
    }
    if (!*head) {
      fmt::print(stderr, "salus audit head: the ledger is empty\n");
      return 1;
    }
    fmt::print("{}\n", audit::HeadToJson(**head));
    return 0;
  }
  std::optional<store::AuditHead> kept;
  if (!head_file.empty()) {
    std::ifstream in(head_file);
    std::stringstream ss;
    ss << in.rdbuf();
    auto h = audit::HeadFromJson(ss.str());
    if (!in || !h) {
      fmt::print(stderr, "salus audit verify: cannot read a head from {}{}\n", head_file,
                 h ? "" : ": " + h.error().message);
      return 2;
    }
    kept = *h;
  }
  auto started = std::chrono::steady_clock::now();
  audit::VerifyReport r = audit::VerifyLedger(**store, key->public_key(), kept);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (r.ok) {
    fmt::print("audit ledger verified: {} entries, {} signed heads{}, {} erased bodies, in {:.2f} s\n", r.entries,
               r.heads, kept ? " (one kept outside the database)" : "", r.erased_bodies, s);
    return 0;
  }
  fmt::print("audit ledger FAILED verification ({} entries read, {} heads)\n", r.entries, r.heads);
  if (r.first_bad_entry) fmt::print("first bad entry: {}\n", *r.first_bad_entry);
  for (const auto& p : r.problems) fmt::print("  {}\n", p);
  return 3;
}

}  // namespace

int main(int argc, char** argv) {
  // Everything salus creates (database, WAL, logs it may write) holds patient data: owner only.
  ::umask(0077);
  // Tesseract's OpenMP loops: one thread each (see capture/ocr.h). Re-executes once if needed.
  capture::LimitOpenMpThreads(argv);
  CLI::App app{"Salus: a FHIR R4 health-data server"};
  app.set_version_flag("--version", std::string("salus ") + SALUS_VERSION + " (FHIR R4 4.0.1)");
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug, info, warn or error")->check(CLI::IsMember({"debug", "info", "warn", "error"}));

  auto* serve = app.add_subcommand("serve", "Serve the FHIR API");
  std::string listen = "127.0.0.1:8080", data = "./data", auth, keys;
  http::ServerOptions opts;
  size_t body_mb = 16;
  int idle = 60, read = 30;
  serve->add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)")->capture_default_str();
  serve->add_option("--data", data, "Data directory")->capture_default_str();
  serve->add_option("--keys", keys, "Key directory (default: <data>/keys); keep it off the data's backups");
  std::string audit_mode = "on";
  serve->add_option("--audit", audit_mode,
                    "'off' records nothing in the audit ledger: only with --auth none on loopback, as a benchmark "
                    "baseline")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  serve->add_option("--auth", auth, "smart: OAuth2 / SMART on FHIR bearer tokens; none: development, loopback only")
      ->required()
      ->check(CLI::IsMember({"smart", "none"}));
  serve->add_option("--base-url", opts.base_url, "External base URL of the API (default: from the Host header)");
  serve->add_option("--tls-cert", opts.tls_cert_file, "PEM certificate chain: serve HTTPS (TLS 1.2 and 1.3 only, HSTS)");
  serve->add_option("--tls-key", opts.tls_key_file, "PEM private key of --tls-cert");
  bool insecure_http = false;
  serve->add_flag("--insecure-http", insecure_http,
                  "Allow plain HTTP on a non-loopback address (only behind a proxy that terminates TLS)");
  serve->add_option("--max-body-mb", body_mb, "Largest accepted request body, MiB")->capture_default_str();
  serve->add_option("--idle-timeout", idle, "Seconds a keep-alive connection may sit idle")->capture_default_str();
  serve->add_option("--read-timeout", read, "Seconds to read one request")->capture_default_str();
  serve->add_option("--workers", opts.worker_threads, "Worker threads for storage work")->capture_default_str();
  int capture_workers = 2;
  serve->add_option("--capture-workers", capture_workers, "Document capture (OCR) threads; 0 turns $capture off")
      ->capture_default_str()->check(CLI::Range(0, 64));
  serve->add_option("--max-connections", opts.max_connections, "Open connections beyond which new ones get a 503")
      ->capture_default_str();

  auto* import = app.add_subcommand("import", "Bulk-load NDJSON files or Bundles (transaction or collection)");
  std::vector<std::string> inputs;
  bool no_progress = false;
  import->add_option("inputs", inputs, "Files or directories (*.ndjson, *.json)")->required();
  import->add_option("--data", data, "Data directory")->capture_default_str();
  import->add_option("--keys", keys, "Key directory (default: <data>/keys)");
  import->add_flag("--no-progress", no_progress, "Do not draw a progress bar");

  auto* reindex = app.add_subcommand(
      "reindex", "Rebuild the search index (R4 and custom SearchParameters); runs beside the server, resumable");
  size_t batch = 500;
  reindex->add_option("--data", data, "Data directory")->capture_default_str();
  reindex->add_option("--keys", keys, "Key directory (default: <data>/keys)");
  reindex->add_option("--batch", batch, "Resources per transaction")->capture_default_str()->check(CLI::Range(1, 100000));
  reindex->add_flag("--no-progress", no_progress, "Do not print progress");

  // The PDF sandbox's child (capture/decode.h): started by salus itself, not by people.
  auto* pdf_child = app.add_subcommand("internal-decode-pdf", "")->group("");

  auto* capture_cmd = app.add_subcommand(
      "capture", "Read photos, scans or PDFs of patient documents into FHIR transaction Bundles");
  app::CaptureCommandOptions capture_options;
  bool capture_commit = false;
  capture_cmd->add_option("files", capture_options.inputs, "PNG, JPEG, TIFF or PDF files")->required();
  capture_cmd->add_option("--out", capture_options.out_dir, "Write DIR/<file stem>.json instead of stdout");
  capture_cmd->add_option("--threshold", capture_options.threshold, "Confidence at which a field is accepted")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  capture_cmd->add_flag("--commit", capture_commit, "Store each bundle in --data (default: print only)");
  capture_cmd->add_option("--data", data, "Data directory (with --commit)")->capture_default_str();
  capture_cmd->add_option("--keys", keys, "Key directory (default: <data>/keys)");

  auto* audit_cmd = app.add_subcommand("audit", "The audit ledger: verify it, or print its signed tree head");
  audit_cmd->require_subcommand(1);
  std::string head_file;
  auto* verify = audit_cmd->add_subcommand(
      "verify", "Re-check every entry, tree node and signed head; exit status 3 and the first bad entry when not");
  verify->add_option("--data", data, "Data directory")->capture_default_str();
  verify->add_option("--keys", keys, "Key directory (default: <data>/keys)");
  verify->add_option("--head", head_file, "A head saved earlier (JSON from `salus audit head`): catches truncation "
                                          "and rewritten history");
  auto* head_cmd = audit_cmd->add_subcommand("head", "Sign (if needed) and print the latest tree head as JSON");
  head_cmd->add_option("--data", data, "Data directory")->capture_default_str();
  head_cmd->add_option("--keys", keys, "Key directory (default: <data>/keys)");

  AdminArgs admin_args;
  auto* admin = app.add_subcommand("admin", "Users and OAuth clients");
  admin->require_subcommand(1);
  auto* admin_user = admin->add_subcommand("user", "Users: admin, practitioner, patient");
  admin_user->require_subcommand(1);
  auto* user_add = admin_user->add_subcommand("add", "Add a user (a one-time password is printed unless --password-stdin)");
  user_add->add_option("name", admin_args.name, "User name")->required();
  user_add->add_option("--role", admin_args.role, "admin, practitioner or patient")->capture_default_str();
  user_add->add_option("--fhir-user", admin_args.fhir_user, "Their Practitioner/<id> or Patient/<id>");
  user_add->add_flag("--password-stdin", admin_args.password_stdin, "Read the password from standard input");
  auto* user_list = admin_user->add_subcommand("list", "List users");
  auto* user_disable = admin_user->add_subcommand("disable", "Disable a user and revoke all their tokens");
  user_disable->add_option("name", admin_args.name, "User name")->required();
  auto* admin_client = admin->add_subcommand("client", "OAuth2 clients");
  admin_client->require_subcommand(1);
  auto* client_add = admin_client->add_subcommand("add", "Register a client (its secret is printed once)");
  client_add->add_option("name", admin_args.name, "Client name")->required();
  client_add->add_option("--kind", admin_args.kind, "public, confidential or backend")->capture_default_str();
  client_add->add_option("--scope", admin_args.scope, "Scopes it may be granted, e.g. \"system/*.rs\"")->required();
  client_add->add_option("--redirect-uri", admin_args.redirect_uris, "Redirect URIs (public and confidential)");
  client_add->add_option("--jwks", admin_args.jwks_file, "JWKS file (backend services with private_key_jwt)");
  auto* client_list = admin_client->add_subcommand("list", "List clients");
  auto* admin_glass = admin->add_subcommand("break-glass", "List emergency-access grants (active ones first in mind)");
  auto* admin_patient = admin->add_subcommand("patient", "A patient's data");
  admin_patient->require_subcommand(1);
  auto* patient_erase = admin_patient->add_subcommand(
      "erase", "Hard-delete everything in the patient's compartment and the audit bodies naming them (GDPR art. 17)");
  patient_erase->add_option("id", admin_args.name, "The Patient's id")->required();
  for (auto* sub : {user_add, user_list, user_disable, client_add, client_list, patient_erase, admin_glass}) {
    sub->add_option("--data", data, "Data directory")->capture_default_str();
    sub->add_option("--keys", keys, "Key directory (default: <data>/keys)");
  }

  auto* keys_cmd = app.add_subcommand("keys", "Encryption at rest: the key-encryption key");
  keys_cmd->require_subcommand(1);
  auto* rotate = keys_cmd->add_subcommand(
      "rotate", "Re-wrap the data keys under a new key-encryption key (no data is re-encrypted); safe beside a "
                "running server");
  rotate->add_option("--data", data, "Data directory")->capture_default_str();
  rotate->add_option("--keys", keys, "Key directory (default: <data>/keys)");

  CLI11_PARSE(app, argc, argv);
  keys = KeysDir(keys, data);
  log::SetMinLevel(log_level == "debug" ? log::Level::kDebug
                   : log_level == "warn" ? log::Level::kWarn
                   : log_level == "error" ? log::Level::kError
                                          : log::Level::kInfo);
  if (*serve) {
    opts.body_limit = body_mb << 20;
    opts.idle_timeout = std::chrono::seconds(idle);
    opts.read_timeout = std::chrono::seconds(read);
    return Serve(listen, data, keys, auth, audit_mode == "off", insecure_http, capture_workers, opts);
  }
  if (*import) return Import(inputs, data, keys, no_progress);
  if (*audit_cmd) return Audit(*verify ? "verify" : "head", data, keys, head_file);
  if (*reindex) return Reindex(data, keys, batch, no_progress);
  if (*capture_cmd) return Capture(capture_options, capture_commit, data, keys);
  if (*pdf_child) return capture::RunPdfSandboxChild();
  if (*keys_cmd) return RotateKeys(data, keys);
  if (*admin) {
    admin_args.object = *admin_user ? "user" : *admin_client ? "client" : *admin_glass ? "break-glass" : "patient";
    admin_args.verb = (*user_add || *client_add)     ? "add"
                      : (*user_list || *client_list) ? "list"
                      : *patient_erase               ? "erase"
                                                     : "disable";
    return Admin(admin_args, data, keys);
  }
  return 0;
}
