// The audit ledger's Merkle tree, hashed as RFC 9162 §2.1 says (the same as RFC 6962, so
// Certificate Transparency tooling can check it): leaf = SHA-256(0x00 ‖ entry), node =
// SHA-256(0x01 ‖ left ‖ right), the root of the empty tree = SHA-256(""). Trees of any size;
// inclusion and consistency proofs made and checked by the RFC's algorithms.
//
// Proofs are made from a NodeSource: the hash of any complete subtree (2^level leaves starting
// at index·2^level). Every left branch in the RFC's recursion is such a subtree, so a proof or
// root over n leaves needs O(log n) lookups whatever keeps the nodes (memory, the store).
//
// Thread-safety: functions are pure; MemoryTree is a value owned by one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/hash.h"

namespace salus::audit {

using Hash = crypto::Digest;

Hash LeafHash(std::string_view entry);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyRoot();

class NodeSource {
 public:
  virtual ~NodeSource() = default;
  // The root of leaves [index << level, (index + 1) << level); the caller only asks for
  // subtrees that lie inside the tree.
  virtual Hash Node(int level, uint64_t index) const = 0;
};

// MTH(D[0:size]).
Hash RootOf(const NodeSource& nodes, uint64_t size);
// PATH(index, D[0:size]) of RFC 9162 §2.1.3.1; index < size.
std::vector<Hash> InclusionProof(const NodeSource& nodes, uint64_t index, uint64_t size);
// PROOF(old_size, D[0:new_size]) of §2.1.4.1; 0 < old_size ≤ new_size.
std::vector<Hash> ConsistencyProof(const NodeSource& nodes, uint64_t old_size, uint64_t new_size);

// §2.1.3.2. False for any index ≥ size, wrong length, or hash that does not reproduce `root`.
bool VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf, std::span<const Hash> proof, const Hash& root);
// §2.1.4.2, plus the trivial cases: equal sizes need an empty proof and equal roots; an empty
// old tree is consistent with anything (empty proof).
bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root, const Hash& new_root,
                       std::span<const Hash> proof);

// All levels in memory: for tests and for the verifier, which rebuilds the tree from the entries.
class MemoryTree final : public NodeSource {
 public:
  void Append(const Hash& leaf);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  Hash Root() const { return RootOf(*this, size()); }
  Hash Node(int level, uint64_t index) const override { return levels_[level][index]; }

 private:
  std::vector<std::vector<Hash>> levels_;  // levels_[l][i]: complete subtrees only
};

}  // namespace salus::audit
