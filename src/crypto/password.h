// Password hashing with Argon2id (libsodium), at OWASP's minimum cost or above: 19 MiB of
// memory, 2 passes. The encoded form (PHC string, "$argon2id$v=19$m=...") carries its own
// parameters, so costs can be raised later and old hashes upgraded at the next login.
// Thread-safety: pure functions (each call allocates its own 19 MiB).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace salus::crypto {

inline constexpr size_t kPasswordMinChars = 8;
inline constexpr size_t kPasswordMaxChars = 256;
inline constexpr unsigned long long kArgonPasses = 2;
inline constexpr size_t kArgonMemoryBytes = 19ull << 20;

// Why the password is not acceptable, or nullopt when it is. Length counts Unicode code
// points (NIST SP 800-63B); no composition rules; a short list of the most common passwords
// is refused.
std::optional<std::string> PasswordProblem(std::string_view password);

// The PHC-encoded Argon2id hash (includes a random salt).
std::string HashPassword(std::string_view password);
bool VerifyPassword(std::string_view encoded, std::string_view password);
// True when the hash was made with weaker parameters than the current ones.
bool PasswordNeedsRehash(std::string_view encoded);

}  // namespace salus::crypto
