// Encryption at rest: data keys (random, XChaCha20-Poly1305) seal stored bodies; a
// key-encryption key (KEK), kept outside the database, wraps the data keys. Rotating the KEK
// re-wraps the data keys and re-encrypts no data.
//
// A sealed body: 0x01 ‖ data key id (4 bytes, big-endian) ‖ nonce ‖ ciphertext ‖ tag, with
// the caller's associated data (tenant, type, id, version) bound in, so a sealed body moved to
// another row does not open. Bodies that start with '{' are plaintext from before sealing.
//
// Thread-safety: a KeyRing is immutable once built; functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/aead.h"

namespace salus::crypto {

class KeyRing {
 public:
  void Add(uint32_t id, const AeadKey& key);
  // The key new bodies are sealed with (the highest id).
  uint32_t active() const { return active_; }
  bool empty() const { return keys_.empty(); }

  std::string SealBody(std::string_view plaintext, std::string_view associated_data) const;
  // nullopt when the body was altered, moved, or sealed with a key not in the ring.
  std::optional<std::string> OpenBody(std::string_view stored, std::string_view associated_data) const;
  static bool IsSealed(std::string_view stored) { return !stored.empty() && stored[0] == '\x01'; }

  // A data key wrapped by a KEK (its id in the associated data), and back.
  static std::string Wrap(const AeadKey& kek, uint32_t id, const AeadKey& data_key);
  static std::optional<AeadKey> Unwrap(const AeadKey& kek, uint32_t id, std::string_view wrapped);
  // A short public name for a KEK (hex), to tell which one wrapped the data keys.
  static std::string KekId(const AeadKey& kek);

 private:
  std::map<uint32_t, AeadKey> keys_;
  uint32_t active_ = 0;
};

// A KEK from 64 hex characters (the SALUS_KEK form); nullopt otherwise.
std::optional<AeadKey> KekFromHex(std::string_view hex);

}  // namespace salus::crypto
