// Authenticated encryption: XChaCha20-Poly1305 (IETF construction, libsodium), 192-bit random
// nonces so that one key can seal any number of messages.
// Sealed form: nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes).
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace salus::crypto {

using AeadKey = std::array<uint8_t, 32>;
inline constexpr size_t kAeadOverhead = 24 + 16;

AeadKey NewAeadKey();
std::string Seal(const AeadKey& key, std::string_view plaintext, std::string_view associated_data);
// nullopt when the sealed bytes or the associated data were altered, or the key is wrong.
std::optional<std::string> Open(const AeadKey& key, std::string_view sealed, std::string_view associated_data);

}  // namespace salus::crypto
