#include "auth/totp.h"

#include <gtest/gtest.h>

#include <set>

namespace salus::auth {
namespace {

TEST(Totp, Rfc6238Sha1TestVectors) {
  const std::string secret = "12345678901234567890";
  // RFC 6238 Appendix B (SHA-1 column, 8 digits).
  EXPECT_EQ(TotpCode(secret, 59, 8), "94287082");
  EXPECT_EQ(TotpCode(secret, 1111111109, 8), "07081804");
  EXPECT_EQ(TotpCode(secret, 1111111111, 8), "14050471");
  EXPECT_EQ(TotpCode(secret, 1234567890, 8), "89005924");
  EXPECT_EQ(TotpCode(secret, 2000000000, 8), "69279037");
  EXPECT_EQ(TotpCode(secret, 20000000000, 8), "65353130");
  EXPECT_EQ(TotpCode(secret, 1111111109), "081804");
}

TEST(Totp, WindowAndSingleUse) {
  const std::string secret = NewTotpSecret();
  const int64_t now = 1'800'000'015;  // inside step 60,000,000
  const int64_t step = now / 30;
  std::string code = TotpCode(secret, now);
  auto used = VerifyTotp(secret, code, now, 0);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, step);
  EXPECT_FALSE(VerifyTotp(secret, code, now, *used));  // the same code again
  // One step early or late is accepted; two are not.
  EXPECT_TRUE(VerifyTotp(secret, TotpCode(secret, now - 30), now, 0));
  EXPECT_TRUE(VerifyTotp(secret, TotpCode(secret, now + 30), now, 0));
  EXPECT_FALSE(VerifyTotp(secret, TotpCode(secret, now - 60), now, 0));
  EXPECT_FALSE(VerifyTotp(secret, TotpCode(secret, now + 60), now, 0));
  // After the current step was used, the previous step's code is refused too.
  EXPECT_FALSE(VerifyTotp(secret, TotpCode(secret, now - 30), now, step));
  EXPECT_FALSE(VerifyTotp(secret, "12345", now, 0));
  EXPECT_FALSE(VerifyTotp(secret, "1234567", now, 0));
  EXPECT_FALSE(VerifyTotp(NewTotpSecret(), code, now, 0));
}

TEST(Totp, Base32AndUri) {
  // RFC 4648 §10 test vectors (padding dropped).
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Decode("mzxw6ytboi"), "foobar");
  EXPECT_EQ(Base32Decode("MZXW 6YTB OI======"), "foobar");
  EXPECT_FALSE(Base32Decode("MZ1W"));
  std::string secret = NewTotpSecret();
  EXPECT_EQ(Base32Decode(Base32Encode(secret)), secret);
  std::string uri = OtpauthUri("Salus Clinic", "dr.who@example.org", "12345678901234567890");
  EXPECT_EQ(uri,
            "otpauth://totp/Salus%20Clinic:dr.who@example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Salus%20Clinic&algorithm=SHA1&digits=6&period=30");
}

TEST(Totp, QrCodeIsAnSvgWithModules) {
  std::string svg = QrSvg(OtpauthUri("Salus", "alice", NewTotpSecret()));
  EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
  EXPECT_NE(svg.find("h1v1h-1z"), std::string::npos);
  // Version 5+ for a URI this long: at least 37 modules a side, plus the 4-module margins.
  auto vb = svg.find("viewBox=\"0 0 ");
  ASSERT_NE(vb, std::string::npos);
  EXPECT_GE(std::stoi(svg.substr(vb + 13)), 37 + 8);
}

TEST(Totp, RecoveryCodes) {
  auto codes = NewRecoveryCodes();
  ASSERT_EQ(codes.size(), 10u);
  std::set<std::string> distinct(codes.begin(), codes.end());
  EXPECT_EQ(distinct.size(), 10u);
  for (const auto& c : codes) {
    EXPECT_EQ(c.size(), 19u) << c;
    EXPECT_EQ(c[4], '-');
  }
  EXPECT_EQ(HashRecoveryCode(codes[0]), HashRecoveryCode(" " + codes[0].substr(0, 4) + codes[0].substr(5)));
  std::string upper = codes[0];
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(HashRecoveryCode(upper), HashRecoveryCode(codes[0]));
  EXPECT_NE(HashRecoveryCode(codes[0]), HashRecoveryCode(codes[1]));
  EXPECT_EQ(HashRecoveryCode(codes[0]).size(), 64u);
}

}  // namespace
}  // namespace salus::auth
