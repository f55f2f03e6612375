// Cryptographically secure randomness (libsodium).
// Thread-safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace salus::crypto {

void RandomBytes(void* out, size_t n);
// A new server-assigned FHIR id: a lower-case UUID version 7 (time-ordered, 74 random bits;
// 36 characters, a valid FHIR id).
std::string NewId();
// A uniformly random integer in [0, bound).
uint32_t RandomUniform(uint32_t bound);

}  // namespace salus::crypto
