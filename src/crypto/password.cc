#include "crypto/password.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

namespace salus::crypto {

namespace {
void EnsureInit() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();
}

// Passwords at the top of every breach list; refused whatever their length.
constexpr std::array<std::string_view, 40> kCommon = {
    "password", "password1", "password123", "12345678", "123456789", "1234567890", "qwertyuiop", "qwerty123",
    "iloveyou", "11111111", "00000000", "abcd1234", "abc12345", "1q2w3e4r", "1qaz2wsx", "letmein1",
    "sunshine", "princess", "football", "baseball", "welcome1", "welcome123", "admin123", "administrator",
    "passw0rd", "p@ssw0rd", "p@ssword", "changeme", "trustno1", "superman", "starwars", "whatever",
    "qwertyui", "asdfghjk", "zxcvbnm1", "87654321", "monkey123", "dragon12", "master12", "hospital"};
}  // namespace

std::optional<std::string> PasswordProblem(std::string_view password) {
  size_t chars = 0;
  for (unsigned char c : password) {
    if ((c & 0xC0) != 0x80) ++chars;  // count code points, not continuation bytes
  }
  if (chars < kPasswordMinChars) return "the password must have at least 8 characters";
  if (chars > kPasswordMaxChars) return "the password must have at most 256 characters";
  std::string lower(password);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (std::find(kCommon.begin(), kCommon.end(), lower) != kCommon.end()) {
    return "the password is one of the most commonly used passwords";
  }
  if (std::all_of(lower.begin(), lower.end(), [&](char c) { return c == lower[0]; })) {
    return "the password repeats one character";
  }
  return std::nullopt;
}

std::string HashPassword(std::string_view password) {
  EnsureInit();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kArgonPasses, kArgonMemoryBytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    std::abort();  // out of memory: nothing sensible to continue with
  }
  return out;
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  EnsureInit();
  if (encoded.size() >= crypto_pwhash_STRBYTES) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  std::copy(encoded.begin(), encoded.end(), buf);
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view encoded) {
  EnsureInit();
  if (encoded.size() >= crypto_pwhash_STRBYTES) return true;
  char buf[crypto_pwhash_STRBYTES] = {};
  std::copy(encoded.begin(), encoded.end(), buf);
  return crypto_pwhash_str_needs_rehash(buf, kArgonPasses, kArgonMemoryBytes) != 0;
}

}  // namespace salus::crypto
