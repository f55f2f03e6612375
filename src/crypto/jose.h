// JSON Web Signatures as SMART Backend Services use them (RFC 7515/7517/7518): compact JWS
// verified against a registered JSON Web Key Set, RS384 (RSASSA-PKCS1-v1_5, SHA-384, keys of
// 2048 bits or more) and ES384 (ECDSA P-384, SHA-384). Nothing else is accepted ("none", HS*,
// other curves): the algorithm comes from our side, not only from the token.
// Thread-safety: pure functions.
#pragma once

#include <memory>
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
// kid matches the header's (or any key of the algorithm when the header has none). Invalid
// with the reason otherwise. `allow_rs256` also accepts RS256 (what OpenID Connect id_tokens
// use; client assertions may not).
Result<VerifiedJws> VerifyJws(std::string_view compact, const json::Value& jwks, bool allow_rs256 = false);

// The server's own signing key for OpenID Connect id_tokens: RSA 2048, RS256 (the algorithm
// every relying party must accept), published as a JWK whose kid is its RFC 7638 thumbprint.
// Thread-safety: immutable after construction; Sign may be called from any thread.
class JwsSigner {
 public:
  static Result<JwsSigner> Generate();
  static Result<JwsSigner> FromPem(std::string_view pem);
  // The key file at `path` (PKCS#8 PEM, mode 0600; refused when others can read it), made on
  // first use.
  static Result<JwsSigner> LoadOrCreate(const std::string& path);
  std::string Pem() const;
  // header {"alg":"RS256","typ":"JWT","kid":...} . payload . signature
  std::string Sign(const json::Value& payload) const;
  const json::Value& public_jwk() const { return jwk_; }
  const std::string& kid() const { return kid_; }

 private:
  static Result<JwsSigner> FromKey(void* owned_pkey);  // takes an EVP_PKEY
  struct Key;
  std::shared_ptr<const Key> key_;
  json::Value jwk_;
  std::string kid_;
};

std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace salus::crypto
