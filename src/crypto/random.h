// Cryptographically secure randomness (libsodium).
// Thread-safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace salus::crypto {

void RandomBytes(void* out, size_t n);
// The same randomness for small, frequent needs (nonces, id bits; n <= 64), served from a
// per-thread buffer of CSPRNG output refilled 4 KiB at a time (one system call per ~170 nonces
// instead of one each). Bytes are wiped as they are handed out; a forked child refills before
// using any, so it never repeats its parent's.
void PooledRandomBytes(void* out, size_t n);
// A new server-assigned FHIR id: a lower-case UUID version 7 (time-ordered, 74 random bits;
// 36 characters, a valid FHIR id).
std::string NewId();
// A uniformly random integer in [0, bound).
uint32_t RandomUniform(uint32_t bound);

}  // namespace salus::crypto
