#include "support/jws.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <stdexcept>
#include <vector>

#include "crypto/jose.h"

namespace salus::testing {

namespace {
std::string BnBytes(const BIGNUM* bn, int pad = 0) {
  int n = std::max(BN_num_bytes(bn), pad);
  std::string out(static_cast<size_t>(n), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), n);
  return out;
}
}  // namespace

JwsSigner JwsSigner::Rsa(int bits, std::string kid) {
  JwsSigner s;
  s.key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (s.key_ == nullptr) throw std::runtime_error("RSA keygen failed");
  s.rsa_ = true;
  s.kid_ = std::move(kid);
  return s;
}

JwsSigner JwsSigner::EcP384(std::string kid) {
  JwsSigner s;
  s.key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  if (s.key_ == nullptr) throw std::runtime_error("EC keygen failed");
  s.kid_ = std::move(kid);
  return s;
}

JwsSigner::~JwsSigner() { EVP_PKEY_free(static_cast<EVP_PKEY*>(key_)); }
JwsSigner::JwsSigner(JwsSigner&& o) noexcept : key_(o.key_), rsa_(o.rsa_), kid_(std::move(o.kid_)) { o.key_ = nullptr; }

std::string JwsSigner::PublicJwk() const {
  auto* k = static_cast<EVP_PKEY*>(key_);
  if (rsa_) {
    BIGNUM *n = nullptr, *e = nullptr;
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e);
    std::string out = R"({"kty":"RSA","alg":"RS384","kid":")" + kid_ + R"(","n":")" +
                      crypto::Base64UrlEncode(BnBytes(n)) + R"(","e":")" + crypto::Base64UrlEncode(BnBytes(e)) + "\"}";
    BN_free(n);
    BN_free(e);
    return out;
  }
  unsigned char pub[200];
  size_t len = 0;
  EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len);
  std::string point(reinterpret_cast<char*>(pub), len);  // 0x04 ‖ x ‖ y
  return R"({"kty":"EC","crv":"P-384","alg":"ES384","kid":")" + kid_ + R"(","x":")" +
         crypto::Base64UrlEncode(point.substr(1, 48)) + R"(","y":")" + crypto::Base64UrlEncode(point.substr(49, 48)) +
         "\"}";
}

std::string JwsSigner::Sign(const std::string& header_json, const std::string& payload_json) const {
  std::string input = crypto::Base64UrlEncode(header_json) + "." + crypto::Base64UrlEncode(payload_json);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, EVP_sha384(), nullptr, static_cast<EVP_PKEY*>(key_));
  size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::vector<unsigned char> sig(len);
  EVP_DigestSign(ctx, sig.data(), &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  std::string out(reinterpret_cast<char*>(sig.data()), len);
  if (!rsa_) {
    const unsigned char* p = sig.data();
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
    out = BnBytes(ECDSA_SIG_get0_r(es), 48) + BnBytes(ECDSA_SIG_get0_s(es), 48);
    ECDSA_SIG_free(es);
  }
  return input + "." + crypto::Base64UrlEncode(out);
}

}  // namespace salus::testing
