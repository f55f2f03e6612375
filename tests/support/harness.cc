#include "support/harness.h"

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace salus::testing {
namespace {

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string ReadUntilClose(int fd, int timeout_ms) {
  std::string out;
  char buf[65536];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

HttpResponse ParseResponse(const std::string& raw) {
  HttpResponse r;
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.size() < 12) return r;
  r.status = std::atoi(raw.substr(9, 3).c_str());
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t v = line.find_first_not_of(' ', colon + 1);
    r.headers[name] = v == std::string::npos ? "" : line.substr(v);
  }
  r.body = raw.substr(head_end + 4);
  return r;
}

}  // namespace

HttpResponse Http(uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
  int fd = Connect(port);
  if (fd < 0) return {};
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nConnection: close\r\n";
  bool has_ct = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    has_ct = has_ct || k == "Content-Type" || k == "content-type";
  }
  if (!body.empty() && !has_ct) req += "Content-Type: application/fhir+json\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  // Read the answer even when the server stopped reading early (413 and the like).
  WriteAll(fd, req);
  HttpResponse r = ParseResponse(ReadUntilClose(fd, 30000));
  ::close(fd);
  return r;
}

std::string RawExchange(uint16_t port, const std::string& bytes, int timeout_ms) {
  int fd = Connect(port);
  if (fd < 0) return {};
  WriteAll(fd, bytes);
  std::string out = ReadUntilClose(fd, timeout_ms);
  ::close(fd);
  return out;
}

int OpenIdle(uint16_t port) { return Connect(port); }
void CloseIdle(int fd) {
  if (fd >= 0) ::close(fd);
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("salus-it-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ServerProcess::ServerProcess(const std::filesystem::path& data_dir, std::vector<std::string> extra) {
  int out[2];
  if (::pipe(out) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<std::string> args = {SALUS_BINARY, "--log-level", "warn", "serve", "--listen", "127.0.0.1:0",
                                     "--data", data_dir.string()};
    if (std::find(extra.begin(), extra.end(), "--auth") == extra.end()) {
      args.push_back("--auth");
      args.push_back("none");
    }
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  // Lines before "listening PORT" (a first start's one-time password) are kept for the test.
  std::string line;
  char c;
  pollfd p{out[0], POLLIN, 0};
  while (::poll(&p, 1, 10000) > 0 && ::read(out[0], &c, 1) == 1) {
    if (c != '\n') {
      line.push_back(c);
      continue;
    }
    if (line.starts_with("listening ")) {
      port_ = static_cast<uint16_t>(std::atoi(line.c_str() + 10));
      break;
    }
    preamble_ += line + "\n";
    line.clear();
  }
  ::close(out[0]);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Terminate();
}

void ServerProcess::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::Terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

std::string IdFrom(const HttpResponse& created) {
  std::string loc = created.header("location");
  size_t at = loc.find("/fhir/");
  if (at == std::string::npos) return {};
  std::string tail = loc.substr(at + 6);
  tail = tail.substr(0, tail.find("/_history"));
  return tail.substr(tail.find('/') + 1);
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path SharedTestdata() { return SALUS_SHARED_TESTDATA; }

std::string RunCommand(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  return out;
}

}  // namespace salus::testing
