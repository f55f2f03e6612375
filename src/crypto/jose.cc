#include "crypto/jose.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

#include <fmt/format.h>

#include "core/base64.h"
#include "crypto/hash.h"
#include "crypto/keyfile.h"

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

bool Verify(EVP_PKEY* key, std::string_view input, std::string_view sig, const EVP_MD* md = EVP_sha384()) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) <= 0) return false;
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

Result<VerifiedJws> VerifyJws(std::string_view compact, const json::Value& jwks, bool allow_rs256) {
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
  if (alg != "RS384" && alg != "ES384" && !(allow_rs256 && alg == "RS256")) {
    return Fail(Error::Invalid(allow_rs256 ? "the JWS must be signed with RS256, RS384 or ES384"
                                           : "the JWS must be signed with RS384 or ES384"));
  }
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
    if ((alg == "RS384" || alg == "RS256") && kty == std::optional<std::string_view>("RSA")) key = RsaKey(jwk);
    else if (alg == "ES384" && kty == std::optional<std::string_view>("EC")) key = EcKey(jwk);
    else continue;
    candidate = true;
    if (key && Verify(key->get(), input, signature, alg == "RS256" ? EVP_sha256() : EVP_sha384())) {
      return VerifiedJws{std::move(header), std::move(payload), std::string(jwk.string_at("kid").value_or(""))};
    }
  }
  return Fail(Error::Invalid(candidate ? "the signature does not verify with the registered key"
                                       : "no registered key matches the JWS (kid and alg)"));
}

struct JwsSigner::Key {
  Pkey pkey;
};

namespace {
std::string BnBytes(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}
}  // namespace

// The signer of a loaded RSA private key, with its public JWK and RFC 7638 thumbprint.
Result<JwsSigner> JwsSigner::FromKey(void* owned_pkey) {
  Pkey owned(static_cast<EVP_PKEY*>(owned_pkey));
  EVP_PKEY* raw = owned.get();
  if (raw == nullptr || EVP_PKEY_get_base_id(raw) != EVP_PKEY_RSA || EVP_PKEY_get_bits(raw) < 2048) {
    return Fail(Error::Invalid("the id_token key must be RSA of at least 2048 bits"));
  }
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  if (EVP_PKEY_get_bn_param(raw, OSSL_PKEY_PARAM_RSA_N, &n) != 1 || EVP_PKEY_get_bn_param(raw, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
    BN_free(n);
    BN_free(e);
    return Fail(Error::Invalid("cannot read the RSA key's modulus"));
  }
  std::string nb = Base64UrlEncode(BnBytes(n)), eb = Base64UrlEncode(BnBytes(e));
  BN_free(n);
  BN_free(e);
  JwsSigner s;
  // RFC 7638: the SHA-256 of the required members in lexicographic order, no spaces.
  s.kid_ = Base64UrlEncode(Bytes(Sha256(fmt::format(R"({{"e":"{}","kty":"RSA","n":"{}"}})", eb, nb))));
  s.jwk_ = json::Object{};
  s.jwk_.set("kty", "RSA");
  s.jwk_.set("use", "sig");
  s.jwk_.set("alg", "RS256");
  s.jwk_.set("kid", s.kid_);
  s.jwk_.set("n", nb);
  s.jwk_.set("e", eb);
  auto key = std::make_shared<Key>();
  key->pkey = std::move(owned);
  s.key_ = std::move(key);
  return s;
}

Result<JwsSigner> JwsSigner::Generate() {
  EVP_PKEY* raw = EVP_RSA_gen(2048);
  if (raw == nullptr) return Fail(Error::Internal("RSA key generation failed"));
  return FromKey(raw);
}

Result<JwsSigner> JwsSigner::FromPem(std::string_view pem) {
  std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (raw == nullptr) return Fail(Error::Invalid("the id_token key file does not hold a PEM private key"));
  return FromKey(raw);
}

std::string JwsSigner::Pem() const {
  std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string JwsSigner::Sign(const json::Value& payload) const {
  json::Value header = json::Object{};
  header.set("alg", "RS256");
  header.set("typ", "JWT");
  header.set("kid", kid_);
  std::string input = Base64UrlEncode(json::Serialize(header)) + "." + Base64UrlEncode(json::Serialize(payload));
  MdCtx ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) <= 0 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) <= 0) {
    std::abort();  // a loaded RSA key always signs; only allocation can fail
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) <= 0) {
    std::abort();
  }
  sig.resize(len);
  return input + "." + Base64UrlEncode(sig);
}

Result<JwsSigner> JwsSigner::LoadOrCreate(const std::string& path) {
  auto pem = ReadKeyFile(path);
  if (pem) return FromPem(*pem);
  if (pem.error().code != Code::kNotFound) return Fail(pem.error());
  SALUS_ASSIGN_OR_RETURN(JwsSigner made, Generate());
  SALUS_ASSIGN_OR_RETURN(bool created, CreateKeyFile(path, made.Pem()));
  if (!created) return LoadOrCreate(path);  // another process made it first
  return made;
}

}  // namespace salus::crypto
