#include "crypto/keyfile.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "crypto/hash.h"
#include "crypto/random.h"

namespace salus::crypto {

Result<std::string> ReadKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Fail(Error::NotFound(fmt::format("key file {} does not exist", path)));
    return Fail(Error::Unavailable(fmt::format("cannot read key file {}: {}", path, std::strerror(errno))));
  }
  if ((st.st_mode & 077) != 0) {
    return Fail(Error::Invalid(fmt::format("key file {} can be read by others (mode {:o}); run: chmod 600 {}", path,
                                           st.st_mode & 0777, path)));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<bool> CreateKeyFile(const std::string& path, std::string_view contents) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Fail(Error::Unavailable(fmt::format("cannot create {}: {}", dir.string(), ec.message())));
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  }
  // O_EXCL: two processes starting at once must not both write a key.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    return Fail(Error::Unavailable(fmt::format("cannot create key file {}: {}", path, std::strerror(errno))));
  }
  bool ok = ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Fail(Error::Unavailable(fmt::format("cannot write key file {}", path)));
  }
  return true;
}

Result<std::string> LoadSecret(const std::string& path, size_t bytes) {
  SALUS_ASSIGN_OR_RETURN(std::string text, ReadKeyFile(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  std::string secret;
  if (!FromHex(text, &secret) || secret.size() != bytes) {
    sodium_memzero(text.data(), text.size());
    return Fail(Error::Invalid(fmt::format("key file {} does not hold a {}-byte key in hex", path, bytes)));
  }
  sodium_memzero(text.data(), text.size());
  return secret;
}

Result<std::string> LoadOrCreateSecret(const std::string& path, size_t bytes) {
  auto existing = LoadSecret(path, bytes);
  if (existing || existing.error().code != Code::kNotFound) return existing;
  std::string secret(bytes, '\0');
  RandomBytes(secret.data(), secret.size());
  std::string text = Hex(secret) + "\n";
  auto made = CreateKeyFile(path, text);
  sodium_memzero(text.data(), text.size());
  if (!made) return Fail(made.error());
  if (!*made) return LoadSecret(path, bytes);  // another process made it first
  return secret;
}

}  // namespace salus::crypto
