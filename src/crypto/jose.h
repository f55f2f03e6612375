// JSON Web Signatures as SMART Backend Services use them (RFC 7515/7517/7518): compact JWS
// verified against a registered JSON Web Key Set, RS384 (RSASSA-PKCS1-v1_5, SHA-384, keys of
// 2048 bits or more) and ES384 (ECDSA P-384, SHA-384). Nothing else is accepted ("none", HS*,
// other curves): the algorithm comes from our side, not only from the token.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/result.h"

namespace salus::crypto {

struct VerifiedJws {
  json::Value header;
  json::Value payload;
  std::string kid;  // of the key that verified it
};

// Verifies `compact` (header.payload.signature) with a key of `jwks` ({"keys":[...]}) whose
// kid matches the header's (or any RS384/ES384 key when the header has none). Invalid with
// the reason otherwise.
Result<VerifiedJws> VerifyJws(std::string_view compact, const json::Value& jwks);

std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace salus::crypto
