// Fuzzes the audit ledger's proof verifiers: no altered proof may be accepted.
// The input picks a log size, an index or an old size, and how to alter a genuine proof
// (flip bytes, drop, duplicate or insert elements, claim another leaf, index or size). Roots
// always come from the real log for the size claimed, as they would from a signed tree head.
// Properties:
//  - inclusion: an accepted proof means the claimed leaf really is at the claimed index;
//  - consistency: a log forked before the old size is never accepted as consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "audit/merkle.h"

namespace {

using salus::audit::Hash;

struct Reader {
  const uint8_t* p;
  size_t n;
  uint8_t Byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  uint16_t U16() { return static_cast<uint16_t>(Byte() | (Byte() << 8)); }
};

const salus::audit::MemoryTree& Real() {
  static const auto* t = [] {
    auto* tree = new salus::audit::MemoryTree;
    for (int i = 0; i < 300; ++i) tree->Append(salus::audit::LeafHash("entry " + std::to_string(i)));
    return tree;
  }();
  return *t;
}

void Alter(Reader& in, std::vector<Hash>& proof) {
  int edits = in.Byte() % 8;
  for (int e = 0; e < edits; ++e) {
    uint8_t op = in.Byte() % 5;
    size_t at = proof.empty() ? 0 : in.Byte() % proof.size();
    switch (op) {
      case 0:
        if (!proof.empty()) proof[at][in.Byte() % 32] ^= static_cast<uint8_t>(in.Byte() | 1);
        break;
      case 1:
        if (!proof.empty()) proof.erase(proof.begin() + static_cast<ptrdiff_t>(at));
        break;
      case 2:
        if (!proof.empty()) proof.insert(proof.begin() + static_cast<ptrdiff_t>(at), proof[at]);
        break;
      case 3:
        if (proof.size() >= 2) std::swap(proof[at], proof[(at + 1) % proof.size()]);
        break;
      default:
        proof.push_back(Real().Node(0, in.Byte() % 300));
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  const auto& real = Real();
  uint64_t n = 1 + in.U16() % 300;
  if (in.Byte() % 2 == 0) {
    uint64_t index = in.U16() % n;
    std::vector<Hash> proof = salus::audit::InclusionProof(real, index, n);
    Alter(in, proof);
    uint64_t claimed_index = in.Byte() % 4 == 0 ? in.U16() % (n + 2) : index;
    uint64_t claimed_size = in.Byte() % 4 == 0 ? 1 + in.U16() % 300 : n;
    uint64_t leaf_index = in.Byte() % 4 == 0 ? in.U16() % 300 : claimed_index;
    Hash leaf = real.Node(0, leaf_index % 300);
    if (in.Byte() % 8 == 0) leaf[in.Byte() % 32] ^= 1;
    Hash root = salus::audit::RootOf(real, claimed_size);
    if (salus::audit::VerifyInclusion(claimed_index, claimed_size, leaf, proof, root)) {
      if (claimed_index >= claimed_size || !(leaf == real.Node(0, claimed_index))) std::abort();
    }
  } else {
    // A fork that rewrote entry `f`; the old head (size m > f) is the real log's.
    uint64_t f = in.U16() % n;
    uint64_t m = f + 1 + in.U16() % (n - f);
    salus::audit::MemoryTree forked;
    for (uint64_t i = 0; i < n; ++i) {
      Hash h = real.Node(0, i);
      if (i == f) h[0] ^= 0x55;
      forked.Append(h);
    }
    const salus::audit::NodeSource& source = in.Byte() % 2 ? static_cast<const salus::audit::NodeSource&>(forked)
                                                           : static_cast<const salus::audit::NodeSource&>(real);
    std::vector<Hash> proof = salus::audit::ConsistencyProof(source, m, n);
    Alter(in, proof);
    if (salus::audit::VerifyConsistency(m, n, salus::audit::RootOf(real, m), forked.Root(), proof)) std::abort();
  }
  return 0;
}
