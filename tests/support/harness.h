// Integration-test harness: the real `salus` binary as a child process on port 0, and a
// minimal HTTP/1.1 client over a real socket.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace salus::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One request on a fresh connection ("Connection: close"). status 0 when the connection failed.
HttpResponse Http(uint16_t port, const std::string& method, const std::string& target, const std::string& body = {},
                  const std::vector<std::pair<std::string, std::string>>& headers = {});
// Sends raw bytes and returns whatever comes back until the server closes (or timeout).
std::string RawExchange(uint16_t port, const std::string& bytes, int timeout_ms = 5000);

// Opens a connection that sends nothing (to hold a server slot); -1 on failure.
int OpenIdle(uint16_t port);
void CloseIdle(int fd);

// A temporary directory removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class ServerProcess {
 public:
  // Starts `salus serve --listen 127.0.0.1:0 --data DIR [--auth none] EXTRA...` (--auth none
  // unless EXTRA names --auth) and waits for it to print its port.
  explicit ServerProcess(const std::filesystem::path& data_dir, std::vector<std::string> extra = {});
  ~ServerProcess();
  bool ok() const { return port_ != 0; }
  uint16_t port() const { return port_; }
  void Kill9();           // SIGKILL, no chance to flush anything
  int Terminate();        // SIGTERM, returns the exit status
  // What the server printed on stdout before its port.
  const std::string& preamble() const { return preamble_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string preamble_;
};

std::string ReadFile(const std::filesystem::path& p);
// The id in a create's Location header (".../fhir/Type/id/_history/1").
std::string IdFrom(const HttpResponse& created);
// Runs a shell command; returns its standard output and sets *status (as pclose returns it).
std::string RunCommand(const std::string& cmd, int* status);
std::filesystem::path SharedTestdata();

}  // namespace salus::testing
