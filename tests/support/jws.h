// Test-only: keys and signatures a SMART backend service would make (RS384, ES384), built
// with OpenSSL, to drive the server's verification from the client's side.
#pragma once

#include <memory>
#include <string>

namespace salus::testing {

class JwsSigner {
 public:
  static JwsSigner Rsa(int bits, std::string kid);
  static JwsSigner EcP384(std::string kid);
  ~JwsSigner();
  JwsSigner(JwsSigner&&) noexcept;

  // The public key as a JWK (a JSON object).
  std::string PublicJwk() const;
  // header.payload.signature for the given JSON texts.
  std::string Sign(const std::string& header_json, const std::string& payload_json) const;
  const std::string& kid() const { return kid_; }
  const char* alg() const { return rsa_ ? "RS384" : "ES384"; }

 private:
  JwsSigner() = default;
  void* key_ = nullptr;  // EVP_PKEY
  bool rsa_ = false;
  std::string kid_;
};

}  // namespace salus::testing
