// Hashes and MACs: SHA-256 (libsodium), HMAC-SHA-1 and HMAC-SHA-256 (OpenSSL; TOTP needs SHA-1),
// constant-time comparison and hex.
// Thread-safety: pure functions; Sha256Stream is a value owned by one thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace salus::crypto {

using Digest = std::array<uint8_t, 32>;

Digest Sha256(std::string_view data);

// Incremental SHA-256 for data that arrives in pieces.
class Sha256Stream {
 public:
  Sha256Stream();
  Sha256Stream& Add(std::string_view data);
  Sha256Stream& Add(const void* data, size_t n) { return Add(std::string_view(static_cast<const char*>(data), n)); }
  Digest Finish();

 private:
  alignas(16) unsigned char state_[128];  // crypto_hash_sha256_state (104 bytes) with room
};

std::string HmacSha1(std::string_view key, std::string_view data);    // 20 bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 bytes

// Equal length and equal bytes, in time that depends only on the length.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

std::string Hex(std::string_view bytes);
inline std::string Hex(const Digest& d) { return Hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())); }
// nullopt-free: returns false when `hex` is not an even-length hex string.
bool FromHex(std::string_view hex, std::string* out);

inline std::string_view Bytes(const Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace salus::crypto
