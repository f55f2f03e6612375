#include "audit/merkle.h"

#include <array>
#include <cstring>
#include <string>

#include <bit>

namespace salus::audit {

// (One-shot hashes of a buffer: crypto::Sha256 is the fast one.)
Hash LeafHash(std::string_view entry) {
  std::array<char, 128> small;
  if (entry.size() < small.size()) {
    small[0] = 0;
    std::memcpy(small.data() + 1, entry.data(), entry.size());
    return crypto::Sha256(std::string_view(small.data(), entry.size() + 1));
  }
  std::string buf(1, '\0');
  buf.append(entry);
  return crypto::Sha256(buf);
}

Hash NodeHash(const Hash& left, const Hash& right) {
  std::array<char, 65> buf;
  buf[0] = 1;
  std::memcpy(buf.data() + 1, left.data(), left.size());
  std::memcpy(buf.data() + 33, right.data(), right.size());
  return crypto::Sha256(std::string_view(buf.data(), buf.size()));
}

Hash EmptyRoot() { return crypto::Sha256(""); }

namespace {

// The largest power of two smaller than n (n ≥ 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[start:start+n]), n ≥ 1, where `start` is a multiple of the largest power of two ≤ n
// (true of every subtree the RFC's recursion visits).
Hash Range(const NodeSource& nodes, uint64_t start, uint64_t n) {
  if (std::has_single_bit(n)) {
    int level = std::countr_zero(n);
    return nodes.Node(level, start >> level);
  }
  uint64_t k = SplitPoint(n);
  return NodeHash(Range(nodes, start, k), Range(nodes, start + k, n - k));
}

void Path(const NodeSource& nodes, uint64_t m, uint64_t start, uint64_t n, std::vector<Hash>& out) {
  if (n == 1) return;
  uint64_t k = SplitPoint(n);
  if (m < k) {
    Path(nodes, m, start, k, out);
    out.push_back(Range(nodes, start + k, n - k));
  } else {
    Path(nodes, m - k, start + k, n - k, out);
    out.push_back(Range(nodes, start, k));
  }
}

void SubProof(const NodeSource& nodes, uint64_t m, uint64_t start, uint64_t n, bool whole, std::vector<Hash>& out) {
  if (m == n) {
    if (!whole) out.push_back(Range(nodes, start, n));
    return;
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(nodes, m, start, k, whole, out);
    out.push_back(Range(nodes, start + k, n - k));
  } else {
    SubProof(nodes, m - k, start + k, n - k, false, out);
    out.push_back(Range(nodes, start, k));
  }
}

}  // namespace

Hash RootOf(const NodeSource& nodes, uint64_t size) { return size == 0 ? EmptyRoot() : Range(nodes, 0, size); }

std::vector<Hash> InclusionProof(const NodeSource& nodes, uint64_t index, uint64_t size) {
  std::vector<Hash> out;
  if (index < size) Path(nodes, index, 0, size, out);
  return out;
}

std::vector<Hash> ConsistencyProof(const NodeSource& nodes, uint64_t old_size, uint64_t new_size) {
  std::vector<Hash> out;
  if (old_size > 0 && old_size <= new_size) SubProof(nodes, old_size, 0, new_size, true, out);
  return out;
}

bool VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf, std::span<const Hash> proof, const Hash& root) {
  if (index >= size) return false;
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && crypto::ConstantTimeEqual(crypto::Bytes(r), crypto::Bytes(root));
}

bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root, const Hash& new_root,
                       std::span<const Hash> proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty();
  if (proof.empty()) return false;
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

void MemoryTree::Append(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  // Each completed pair makes the node above it.
  for (size_t l = 0; levels_[l].size() % 2 == 0; ++l) {
    if (levels_.size() == l + 1) levels_.emplace_back();
    const auto& below = levels_[l];
    levels_[l + 1].push_back(NodeHash(below[below.size() - 2], below.back()));
  }
}

}  // namespace salus::audit
