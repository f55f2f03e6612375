#include "crypto/jose.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

#include "core/base64.h"

namespace salus::crypto {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

Pkey FromParams(const char* type, OSSL_PARAM* params) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    return nullptr;
  }
  return Pkey(key);
}

Result<Pkey> RsaKey(const json::Value& jwk) {
  auto n = Base64UrlDecode(jwk.string_at("n").value_or(""));
  auto e = Base64UrlDecode(jwk.string_at("e").value_or(""));
  if (!n || !e || n->empty() || e->empty()) return Fail(Error::Invalid("an RSA key needs n and e"));
  if (n->size() * 8 < 2048) return Fail(Error::Invalid("RSA keys must have at least 2048 bits"));
  Bn bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr));
  Bn be(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr));
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bn || !be || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, be.get())) {
    return Fail(Error::Invalid("the RSA key could not be built"));
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  Pkey key = FromParams("RSA", params.get());
  if (!key) return Fail(Error::Invalid("the RSA key is not valid"));
  return key;
}

Result<Pkey> EcKey(const json::Value& jwk) {
  if (jwk.string_at("crv") != std::optional<std::string_view>("P-384")) {
    return Fail(Error::Invalid("EC keys must be on P-384 (ES384)"));
  }
  auto x = Base64UrlDecode(jwk.string_at("x").value_or(""));
  auto y = Base64UrlDecode(jwk.string_at("y").value_or(""));
  if (!x || !y || x->size() != 48 || y->size() != 48) return Fail(Error::Invalid("a P-384 key needs 48-byte x and y"));
  std::string point = "\x04" + *x + *y;
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-384", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size())) {
    return Fail(Error::Invalid("the EC key could not be built"));
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  Pkey key = FromParams("EC", params.get());
  if (!key) return Fail(Error::Invalid("the EC key is not a point on P-384"));
  return key;
}

bool Verify(EVP_PKEY* key, std::string_view input, std::string_view sig) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key) <= 0) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

// JWS ES384 signatures are r ‖ s (48 bytes each); OpenSSL wants DER.
std::optional<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != 96) return std::nullopt;
  EcSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 48, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 48, 48, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string b = EncodeBase64(bytes);
  for (char& c : b) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string b(text);
  for (char& c : b) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/' || c == '=' || c == ' ' || c == '\n') return std::nullopt;
  }
  while (b.size() % 4 != 0) b.push_back('=');
  return DecodeBase64(b);
}

Result<VerifiedJws> VerifyJws(std::string_view compact, const json::Value& jwks) {
  if (compact.size() > 16384) return Fail(Error::Invalid("the assertion is too long"));
  size_t d1 = compact.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : compact.find('.', d1 + 1);
  if (d2 == std::string_view::npos || compact.find('.', d2 + 1) != std::string_view::npos) {
    return Fail(Error::Invalid("not a compact JWS (header.payload.signature)"));
  }
  auto header_text = Base64UrlDecode(compact.substr(0, d1));
  auto payload_text = Base64UrlDecode(compact.substr(d1 + 1, d2 - d1 - 1));
  auto sig = Base64UrlDecode(compact.substr(d2 + 1));
  if (!header_text || !payload_text || !sig) return Fail(Error::Invalid("the JWS is not base64url"));
  SALUS_ASSIGN_OR_RETURN(json::Value header, json::Parse(*header_text));
  SALUS_ASSIGN_OR_RETURN(json::Value payload, json::Parse(*payload_text));
  if (!header.is_object() || !payload.is_object()) return Fail(Error::Invalid("the JWS header and payload are objects"));
  std::string alg(header.string_at("alg").value_or(""));
  if (alg != "RS384" && alg != "ES384") return Fail(Error::Invalid("the JWS must be signed with RS384 or ES384"));
  if (header.find("crit") != nullptr) return Fail(Error::Invalid("critical JWS extensions are not supported"));
  std::string kid(header.string_at("kid").value_or(""));
  const json::Value* keys = jwks.find("keys");
  if (!keys || !keys->is_array()) return Fail(Error::Invalid("the registered JWKS has no keys"));
  std::string_view input = compact.substr(0, d2);
  std::string signature = *sig;
  if (alg == "ES384") {
    auto der = EcdsaRawToDer(signature);
    if (!der) return Fail(Error::Invalid("an ES384 signature is 96 bytes"));
    signature = *der;
  }
  bool candidate = false;
  for (const auto& jwk : keys->as_array()) {
    if (!jwk.is_object()) continue;
    if (!kid.empty() && jwk.string_at("kid") != std::optional<std::string_view>(kid)) continue;
    auto kty = jwk.string_at("kty");
    if (auto a = jwk.string_at("alg"); a && *a != alg) continue;
    Result<Pkey> key = Fail(Error::Invalid("unusable key"));
    if (alg == "RS384" && kty == std::optional<std::string_view>("RSA")) key = RsaKey(jwk);
    else if (alg == "ES384" && kty == std::optional<std::string_view>("EC")) key = EcKey(jwk);
    else continue;
    candidate = true;
    if (key && Verify(key->get(), input, signature)) {
      return VerifiedJws{std::move(header), std::move(payload), std::string(jwk.string_at("kid").value_or(""))};
    }
  }
  return Fail(Error::Invalid(candidate ? "the signature does not verify with the registered key"
                                       : "no registered key matches the JWS (kid and alg)"));
}

}  // namespace salus::crypto
