// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1, 6 digits,
// 30-second steps, accepted one step either side of now, each step at most once per user.
// Enrolment: a 160-bit secret shown as an otpauth:// URI (the Key Uri Format the
// authenticator apps read) and its QR code as SVG (libqrencode). Recovery codes: 80 random
// bits each, stored as SHA-256 hashes (their entropy makes a slow hash unnecessary).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salus::auth {

inline constexpr int kTotpStepSeconds = 30;
inline constexpr int kTotpDigits = 6;

std::string NewTotpSecret();  // 20 random bytes
std::string Base32Encode(std::string_view bytes);  // RFC 4648, upper case, no padding
std::optional<std::string> Base32Decode(std::string_view text);  // tolerant of case, spaces, padding

// The code for `unix_seconds` (zero-padded to `digits`).
std::string TotpCode(std::string_view secret, int64_t unix_seconds, int digits = kTotpDigits);
// The step (unix_seconds / 30) whose code `code` is, within ±1 step of now and later than
// `last_used_step` (so a code, once used, is refused); nullopt otherwise.
std::optional<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t unix_seconds,
                                  int64_t last_used_step);

// otpauth://totp/Issuer:account?secret=...&issuer=Issuer&algorithm=SHA1&digits=6&period=30
std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret);
// The QR code of `text` as a standalone SVG document; empty if it cannot be encoded.
std::string QrSvg(std::string_view text);

// `count` new recovery codes ("abcd-efgh-ijkl-mnop", base32 lower case, 80 bits each).
std::vector<std::string> NewRecoveryCodes(int count = 10);
// The stored form of a code (hex SHA-256 of its normalised text: no dashes or spaces, lower case).
std::string HashRecoveryCode(std::string_view code);

}  // namespace salus::auth
