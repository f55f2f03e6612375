#include "crypto/random.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace salus::crypto {
namespace {
void EnsureInit() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // no secure randomness: nothing safe can be done
}
}  // namespace

void RandomBytes(void* out, size_t n) {
  EnsureInit();
  randombytes_buf(out, n);
}

uint32_t RandomUniform(uint32_t bound) {
  EnsureInit();
  return randombytes_uniform(bound);
}

std::string NewId() {
  // Ids are drawn from a per-thread buffer of CSPRNG output, refilled 4 KiB at a time: one
  // getrandom(2) per 256 ids instead of one per id.
  thread_local unsigned char pool[4096];
  thread_local size_t used = sizeof pool;
  if (used + 16 > sizeof pool) {
    RandomBytes(pool, sizeof pool);
    used = 0;
  }
  unsigned char b[16];
  std::memcpy(b, pool + used, sizeof b);
  sodium_memzero(pool + used, sizeof b);
  used += sizeof b;
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[b[i] >> 4]);
    id.push_back(kHex[b[i] & 0xF]);
  }
  return id;
}

}  // namespace salus::crypto
