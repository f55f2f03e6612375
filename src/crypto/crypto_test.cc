#include <gtest/gtest.h>
#include <sodium.h>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/password.h"
#include "crypto/sign.h"

namespace salus::crypto {
namespace {

std::string Unhex(std::string_view h) {
  std::string out;
  EXPECT_TRUE(FromHex(h, &out)) << h;
  return out;
}

TEST(Hash, Sha256KnownAnswers) {
  // FIPS 180-2 examples.
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256Stream s;
  s.Add("a").Add("bc");
  EXPECT_EQ(Hex(s.Finish()), Hex(Sha256("abc")));
}

TEST(Hash, HmacKnownAnswers) {
  std::string key(20, '\x0b');
  // RFC 2202 test case 1 and RFC 4231 test case 1.
  EXPECT_EQ(Hex(HmacSha1(key, "Hi There")), "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(Hex(HmacSha256(key, "Hi There")), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // RFC 2202 test case 2: a key shorter than the block.
  EXPECT_EQ(Hex(HmacSha1("Jefe", "what do ya want for nothing?")), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(Hash, ConstantTimeEqualAndHex) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  std::string out;
  EXPECT_TRUE(FromHex("00ff7F", &out));
  EXPECT_EQ(out, std::string("\x00\xff\x7f", 3));
  EXPECT_FALSE(FromHex("abc", &out));
  EXPECT_FALSE(FromHex("zz", &out));
}

TEST(Sign, Rfc8032TestVector1) {
  auto key = SigningKey::FromSeed(Unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_TRUE(key);
  const auto& pk = key->public_key();
  EXPECT_EQ(Hex(std::string_view(reinterpret_cast<const char*>(pk.data()), pk.size())),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  Signature sig = key->Sign("");
  EXPECT_EQ(Hex(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size())),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(VerifySignature(pk, "", sig));
  EXPECT_FALSE(VerifySignature(pk, "x", sig));
  sig[10] ^= 1;
  EXPECT_FALSE(VerifySignature(pk, "", sig));
  EXPECT_FALSE(SigningKey::FromSeed("short"));
  auto again = SigningKey::FromSeed(key->seed());
  EXPECT_EQ(again->public_key(), pk);
}

TEST(Aead, SealOpenAndEveryTamperFails) {
  AeadKey k = NewAeadKey();
  std::string sealed = Seal(k, "Jane Doe, born 1970-01-01", "default|Patient|1|1");
  EXPECT_EQ(sealed.size(), 25 + kAeadOverhead);
  EXPECT_EQ(sealed.find("Jane"), std::string::npos);
  EXPECT_EQ(Open(k, sealed, "default|Patient|1|1"), "Jane Doe, born 1970-01-01");
  EXPECT_FALSE(Open(k, sealed, "default|Patient|1|2"));  // moved to another version
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x40;
    EXPECT_FALSE(Open(k, bad, "default|Patient|1|1")) << "byte " << i;
  }
  EXPECT_FALSE(Open(NewAeadKey(), sealed, "default|Patient|1|1"));
  EXPECT_FALSE(Open(k, sealed.substr(0, 30), "default|Patient|1|1"));
  EXPECT_NE(Seal(k, "x", ""), Seal(k, "x", ""));  // fresh nonce each time
  EXPECT_EQ(Open(k, Seal(k, "", ""), ""), "");
}

TEST(Password, PolicyHashAndVerify) {
  EXPECT_TRUE(PasswordProblem("short"));
  EXPECT_TRUE(PasswordProblem("Password1"));  // common, case-insensitive
  EXPECT_TRUE(PasswordProblem("aaaaaaaaaaaa"));
  EXPECT_TRUE(PasswordProblem(std::string(257, 'x') + "y"));
  EXPECT_FALSE(PasswordProblem("correct horse battery staple"));
  EXPECT_FALSE(PasswordProblem(std::string(200, 'x') + "y"));  // long passwords are welcome
  // Eight characters, sixteen bytes: counted as characters.
  EXPECT_FALSE(PasswordProblem("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa8"));
  EXPECT_TRUE(PasswordProblem("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa8"));

  std::string h = HashPassword("correct horse battery staple");
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << h;
  EXPECT_TRUE(VerifyPassword(h, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(h, "correct horse battery stapler"));
  EXPECT_FALSE(VerifyPassword("garbage", "x"));
  EXPECT_FALSE(PasswordNeedsRehash(h));
  EXPECT_NE(HashPassword("correct horse battery staple"), h);  // salted
  // A hash made with lower cost is flagged for an upgrade.
  char weak[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str_alg(weak, "pw", 2, 1, 8u << 20, crypto_pwhash_ALG_ARGON2ID13), 0);
  EXPECT_TRUE(PasswordNeedsRehash(weak));
  EXPECT_TRUE(VerifyPassword(weak, "pw"));
}

}  // namespace
}  // namespace salus::crypto

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "crypto/keyfile.h"

namespace salus::crypto {
namespace {

TEST(KeyFile, CreatedOwnerOnlyAndRefusedWhenOthersCanRead) {
  auto dir = std::filesystem::temp_directory_path() / ("salus-keys-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string path = (dir / "k" / "audit.key").string();
  auto a = LoadOrCreateSecret(path, 32);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir / "k").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto b = LoadOrCreateSecret(path, 32);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);  // the same key on the next start
  EXPECT_FALSE(LoadSecret(path, 16));  // wrong length
  ::chmod(path.c_str(), 0640);
  auto refused = LoadSecret(path, 32);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("chmod 600"), std::string::npos);
  EXPECT_EQ(LoadSecret((dir / "none").string(), 32).error().code, Code::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace salus::crypto

#include "crypto/keyring.h"

namespace salus::crypto {
namespace {

TEST(KeyRing, SealsBodiesBoundToTheirRowAndRewrapsWithoutTouchingThem) {
  AeadKey kek = NewAeadKey(), dek1 = NewAeadKey(), dek2 = NewAeadKey();
  KeyRing ring;
  ring.Add(1, dek1);
  std::string sealed = ring.SealBody(R"({"resourceType":"Patient","name":"Plaintext"})", "default|Patient|1|1");
  EXPECT_TRUE(KeyRing::IsSealed(sealed));
  EXPECT_EQ(sealed.find("Plaintext"), std::string::npos);
  EXPECT_EQ(ring.OpenBody(sealed, "default|Patient|1|1"), R"({"resourceType":"Patient","name":"Plaintext"})");
  EXPECT_FALSE(ring.OpenBody(sealed, "default|Patient|2|1"));  // moved to another resource
  EXPECT_FALSE(ring.OpenBody(sealed, "default|Patient|1|2"));  // or version
  std::string flipped = sealed;
  flipped[20] ^= 1;
  EXPECT_FALSE(ring.OpenBody(flipped, "default|Patient|1|1"));
  // A second data key: new bodies use it, old ones still open.
  ring.Add(2, dek2);
  EXPECT_EQ(ring.active(), 2u);
  std::string newer = ring.SealBody("x", "a");
  EXPECT_EQ(newer[4], '\x02');
  EXPECT_TRUE(ring.OpenBody(sealed, "default|Patient|1|1"));
  KeyRing other;
  other.Add(1, NewAeadKey());
  EXPECT_FALSE(other.OpenBody(sealed, "default|Patient|1|1"));

  // Wrapping: only the right KEK and id unwrap; a rotated KEK wraps the same data key.
  std::string wrapped = KeyRing::Wrap(kek, 1, dek1);
  EXPECT_EQ(KeyRing::Unwrap(kek, 1, wrapped), dek1);
  EXPECT_FALSE(KeyRing::Unwrap(kek, 2, wrapped));
  EXPECT_FALSE(KeyRing::Unwrap(NewAeadKey(), 1, wrapped));
  AeadKey kek2 = NewAeadKey();
  EXPECT_EQ(KeyRing::Unwrap(kek2, 1, KeyRing::Wrap(kek2, 1, *KeyRing::Unwrap(kek, 1, wrapped))), dek1);
  EXPECT_NE(KeyRing::KekId(kek), KeyRing::KekId(kek2));
  EXPECT_EQ(KeyRing::KekId(kek).size(), 16u);
  EXPECT_EQ(KekFromHex(Hex(std::string_view(reinterpret_cast<const char*>(kek.data()), 32)) + "\n"), kek);
  EXPECT_FALSE(KekFromHex("abcd"));
}

}  // namespace
}  // namespace salus::crypto

#include "crypto/jose.h"
#include "support/jws.h"

namespace salus::crypto {
namespace {

TEST(Jose, VerifiesRs384AndEs384AgainstTheRegisteredKeysOnly) {
  auto rsa = testing::JwsSigner::Rsa(2048, "r1");
  auto ec = testing::JwsSigner::EcP384("e1");
  auto other = testing::JwsSigner::EcP384("e1");  // same kid, not registered
  auto jwks = json::Parse(R"({"keys":[)" + rsa.PublicJwk() + "," + ec.PublicJwk() + "]}");
  ASSERT_TRUE(jwks);
  std::string payload = R"({"iss":"c","sub":"c","aud":"https://x/oauth2/token","exp":1,"jti":"j"})";
  for (auto* s : {&rsa, &ec}) {
    std::string jws = s->Sign(std::string(R"({"alg":")") + s->alg() + R"(","kid":")" + s->kid() + R"(","typ":"JWT"})",
                              payload);
    auto ok = VerifyJws(jws, *jwks);
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->payload.string_at("jti"), "j");
    EXPECT_EQ(ok->kid, s->kid());
    // Any changed byte of the signed part or the signature fails.
    for (size_t i : {size_t{3}, jws.find('.') + 3, jws.size() - 3}) {
      std::string bad = jws;
      bad[i] = bad[i] == 'A' ? 'B' : 'A';
      EXPECT_FALSE(VerifyJws(bad, *jwks)) << i;
    }
  }
  std::string forged = other.Sign(R"({"alg":"ES384","kid":"e1"})", payload);
  EXPECT_FALSE(VerifyJws(forged, *jwks));
  // Algorithms we do not accept, whatever the token says.
  EXPECT_FALSE(VerifyJws(Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(payload) + ".", *jwks));
  EXPECT_FALSE(VerifyJws(Base64UrlEncode(R"({"alg":"HS384","kid":"r1"})") + "." + Base64UrlEncode(payload) + ".AAAA",
                         *jwks));
  // RS384 claimed with the EC key's kid: no key matches.
  EXPECT_FALSE(VerifyJws(rsa.Sign(R"({"alg":"RS384","kid":"e1"})", payload), *jwks));
  // Short RSA keys are refused.
  auto weak = testing::JwsSigner::Rsa(1024, "w");
  auto weak_jwks = json::Parse(R"({"keys":[)" + weak.PublicJwk() + "]}");
  EXPECT_FALSE(VerifyJws(weak.Sign(R"({"alg":"RS384","kid":"w"})", payload), *weak_jwks));
  EXPECT_FALSE(VerifyJws("a.b", *jwks));
  EXPECT_FALSE(VerifyJws("a.b.c.d", *jwks));
}

}  // namespace
}  // namespace salus::crypto
