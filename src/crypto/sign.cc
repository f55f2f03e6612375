#include "crypto/sign.h"

#include <sodium.h>

#include <cstdlib>

namespace salus::crypto {

namespace {
void EnsureInit() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();
}
}  // namespace

SigningKey SigningKey::Generate() {
  EnsureInit();
  SigningKey k;
  crypto_sign_keypair(k.public_.data(), k.secret_.data());
  return k;
}

std::optional<SigningKey> SigningKey::FromSeed(std::string_view seed) {
  if (seed.size() != crypto_sign_SEEDBYTES) return std::nullopt;
  EnsureInit();
  SigningKey k;
  crypto_sign_seed_keypair(k.public_.data(), k.secret_.data(), reinterpret_cast<const unsigned char*>(seed.data()));
  return k;
}

SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }
SigningKey::SigningKey(const SigningKey&) = default;
SigningKey& SigningKey::operator=(const SigningKey&) = default;

Signature SigningKey::Sign(std::string_view message) const {
  Signature s;
  crypto_sign_detached(s.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_.data());
  return s;
}

std::string SigningKey::seed() const {
  return std::string(reinterpret_cast<const char*>(secret_.data()), crypto_sign_SEEDBYTES);
}

bool VerifySignature(const PublicKey& key, std::string_view message, const Signature& sig) {
  EnsureInit();
  return crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.data()) == 0;
}

}  // namespace salus::crypto
