#include "crypto/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <cstdlib>

namespace salus::crypto {

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "Sha256Stream state buffer too small");

Digest Sha256(std::string_view data) {
  // OpenSSL's, which uses the CPU's SHA instructions where there are any (several times
  // libsodium's portable code; every audit entry hashes twice), with the digest fetched once
  // and a context kept per thread.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct Ctx {
    EVP_MD_CTX* c = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(c); }
  };
  thread_local Ctx ctx;
  Digest d;
  unsigned int len = 0;
  if (md == nullptr || ctx.c == nullptr || EVP_DigestInit_ex2(ctx.c, md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.c, data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx.c, d.data(), &len) != 1 ||
      len != d.size()) {
    std::abort();  // only fails when OpenSSL is broken or out of memory
  }
  return d;
}

Sha256Stream::Sha256Stream() { crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_)); }

Sha256Stream& Sha256Stream::Add(std::string_view data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return *this;
}

Digest Sha256Stream::Finish() {
  Digest d;
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), d.data());
  return d;
}

namespace {
std::string Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out, &len) == nullptr) {
    std::abort();  // only fails on allocation failure
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}
}  // namespace

std::string HmacSha1(std::string_view key, std::string_view data) { return Hmac(EVP_sha1(), key, data); }
std::string HmacSha256(std::string_view key, std::string_view data) { return Hmac(EVP_sha256(), key, data); }

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool FromHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string r;
  r.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    r.push_back(static_cast<char>(hi * 16 + lo));
  }
  *out = std::move(r);
  return true;
}

}  // namespace salus::crypto
