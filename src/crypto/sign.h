// Ed25519 signatures (libsodium): signed tree heads of the audit ledger, and other things the
// server signs.
// Thread-safety: SigningKey is immutable after construction; functions are pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace salus::crypto {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

class SigningKey {
 public:
  static SigningKey Generate();
  // From a 32-byte seed (the form kept in key files); nullopt if the size is wrong.
  static std::optional<SigningKey> FromSeed(std::string_view seed);
  ~SigningKey();
  SigningKey(const SigningKey&);
  SigningKey& operator=(const SigningKey&);

  Signature Sign(std::string_view message) const;
  const PublicKey& public_key() const { return public_; }
  std::string seed() const;  // 32 secret bytes

 private:
  SigningKey() = default;
  std::array<uint8_t, 64> secret_{};
  PublicKey public_{};
};

bool VerifySignature(const PublicKey& key, std::string_view message, const Signature& sig);

}  // namespace salus::crypto
