#include "crypto/aead.h"

#include <sodium.h>

#include "crypto/random.h"

namespace salus::crypto {

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == 16);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

AeadKey NewAeadKey() {
  AeadKey k;
  RandomBytes(k.data(), k.size());
  return k;
}

std::string Seal(const AeadKey& key, std::string_view plaintext, std::string_view ad) {
  std::string out(24 + plaintext.size() + 16, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  PooledRandomBytes(o, 24);  // random 192-bit nonces never repeat in practice
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(o + 24, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                                             plaintext.size(), reinterpret_cast<const unsigned char*>(ad.data()),
                                             ad.size(), nullptr, o, key.data());
  out.resize(24 + len);
  return out;
}

std::optional<std::string> Open(const AeadKey& key, std::string_view sealed, std::string_view ad) {
  if (sealed.size() < kAeadOverhead) return std::nullopt;
  const auto* s = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string out(sealed.size() - kAeadOverhead, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &len, nullptr, s + 24,
                                                 sealed.size() - 24, reinterpret_cast<const unsigned char*>(ad.data()),
                                                 ad.size(), s, key.data()) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

}  // namespace salus::crypto
