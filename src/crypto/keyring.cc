#include "crypto/keyring.h"

#include <sodium.h>

#include "crypto/hash.h"

namespace salus::crypto {

namespace {
std::string WrapAd(uint32_t id) { return "salus-data-key-v1|" + std::to_string(id); }
}  // namespace

void KeyRing::Add(uint32_t id, const AeadKey& key) {
  keys_[id] = key;
  if (id > active_) active_ = id;
}

std::string KeyRing::SealBody(std::string_view plaintext, std::string_view ad) const {
  const AeadKey& key = keys_.at(active_);
  std::string out;
  out.reserve(5 + kAeadOverhead + plaintext.size());
  out.push_back('\x01');
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((active_ >> (8 * i)) & 0xff));
  out += Seal(key, plaintext, ad);
  return out;
}

std::optional<std::string> KeyRing::OpenBody(std::string_view stored, std::string_view ad) const {
  if (stored.size() < 5 || stored[0] != '\x01') return std::nullopt;
  uint32_t id = 0;
  for (int i = 1; i <= 4; ++i) id = (id << 8) | static_cast<unsigned char>(stored[i]);
  auto it = keys_.find(id);
  if (it == keys_.end()) return std::nullopt;
  return Open(it->second, stored.substr(5), ad);
}

std::string KeyRing::Wrap(const AeadKey& kek, uint32_t id, const AeadKey& data_key) {
  return Seal(kek, std::string_view(reinterpret_cast<const char*>(data_key.data()), data_key.size()), WrapAd(id));
}

std::optional<AeadKey> KeyRing::Unwrap(const AeadKey& kek, uint32_t id, std::string_view wrapped) {
  auto raw = Open(kek, wrapped, WrapAd(id));
  if (!raw || raw->size() != 32) return std::nullopt;
  AeadKey k;
  std::copy(raw->begin(), raw->end(), k.begin());
  sodium_memzero(raw->data(), raw->size());
  return k;
}

std::string KeyRing::KekId(const AeadKey& kek) {
  std::string in = "salus-kek-id-v1|";
  in.append(reinterpret_cast<const char*>(kek.data()), kek.size());
  std::string id = Hex(Sha256(in)).substr(0, 16);
  sodium_memzero(in.data(), in.size());
  return id;
}

std::optional<AeadKey> KekFromHex(std::string_view hex) {
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ')) hex.remove_suffix(1);
  std::string raw;
  if (!FromHex(hex, &raw) || raw.size() != 32) return std::nullopt;
  AeadKey k;
  std::copy(raw.begin(), raw.end(), k.begin());
  sodium_memzero(raw.data(), raw.size());
  return k;
}

}  // namespace salus::crypto
