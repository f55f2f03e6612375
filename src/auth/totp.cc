#include "auth/totp.h"

#include <qrencode.h>

#include <cctype>
#include <memory>

#include "core/url.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace salus::auth {

namespace {
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string PercentEncode(std::string_view s) { return salus::PercentEncode(s, "-._~@"); }
}  // namespace

std::string NewTotpSecret() {
  std::string s(20, '\0');
  crypto::RandomBytes(s.data(), s.size());
  return s;
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32[(buffer << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == ' ' || ch == '-' || ch == '=') continue;
    size_t v = kBase32.find(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    if (v == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string TotpCode(std::string_view secret, int64_t unix_seconds, int digits) {
  uint64_t counter = static_cast<uint64_t>(unix_seconds / kTotpStepSeconds);
  char msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<char>(counter & 0xff);
    counter >>= 8;
  }
  std::string mac = crypto::HmacSha1(secret, std::string_view(msg, 8));
  int offset = mac.back() & 0x0f;
  uint32_t bin = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 1])) << 16) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 2])) << 8) |
                 static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 3]));
  uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string code = std::to_string(bin % mod);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

std::optional<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t unix_seconds,
                                  int64_t last_used_step) {
  if (code.size() != kTotpDigits) return std::nullopt;
  int64_t now_step = unix_seconds / kTotpStepSeconds;
  std::optional<int64_t> found;
  // Check all three candidates so the time taken does not say which one matched.
  for (int64_t d = -1; d <= 1; ++d) {
    int64_t step = now_step + d;
    bool match = crypto::ConstantTimeEqual(TotpCode(secret, step * kTotpStepSeconds), code);
    if (match && step > last_used_step && !found) found = step;
  }
  return found;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret) {
  return "otpauth://totp/" + PercentEncode(issuer) + ":" + PercentEncode(account) + "?secret=" + Base32Encode(secret) +
         "&issuer=" + PercentEncode(issuer) + "&algorithm=SHA1&digits=6&period=30";
}

std::string QrSvg(std::string_view text) {
  std::string s(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(QRcode_encodeString8bit(s.c_str(), 0, QR_ECLEVEL_M),
                                                     &QRcode_free);
  if (!qr) return {};
  const int w = qr->width, margin = 4, size = w + 2 * margin;
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(size) + " " +
                    std::to_string(size) + "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" " +
                    "fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < w; ++y) {
    for (int x = 0; x < w; ++x) {
      if (qr->data[y * w + x] & 1) {
        out += "M" + std::to_string(x + margin) + "," + std::to_string(y + margin) + "h1v1h-1z";
      }
    }
  }
  out += "\"/></svg>";
  return out;
}

std::vector<std::string> NewRecoveryCodes(int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    std::string raw(10, '\0');
    crypto::RandomBytes(raw.data(), raw.size());
    std::string b = Base32Encode(raw);  // 16 characters
    for (char& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back(b.substr(0, 4) + "-" + b.substr(4, 4) + "-" + b.substr(8, 4) + "-" + b.substr(12, 4));
  }
  return out;
}

std::string HashRecoveryCode(std::string_view code) {
  std::string norm;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    norm.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return crypto::Hex(crypto::Sha256(norm));
}

}  // namespace salus::auth
