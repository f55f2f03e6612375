#include "audit/merkle.h"

#include <gtest/gtest.h>

#include <string>

namespace salus::audit {
namespace {

Hash H(std::string_view hex) {
  std::string b;
  EXPECT_TRUE(crypto::FromHex(hex, &b));
  Hash h{};
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

// The leaves and tree heads of Certificate Transparency's reference tests (RFC 6962 hashing).
const std::vector<std::string> kCtLeaves = {"",
                                            std::string(1, '\0'),
                                            "\x10",
                                            "\x20\x21",
                                            "\x30\x31",
                                            "\x40\x41\x42\x43",
                                            "\x50\x51\x52\x53\x54\x55\x56\x57",
                                            "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
const char* kCtRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

MemoryTree CtTree(size_t n) {
  MemoryTree t;
  for (size_t i = 0; i < n; ++i) t.Append(LeafHash(kCtLeaves[i]));
  return t;
}

// The RFC's definition of MTH, written out directly over a list of leaf hashes: the test's own
// reference, independent of the NodeSource recursion.
Hash ReferenceRoot(std::span<const Hash> leaves) {
  if (leaves.empty()) return crypto::Sha256("");
  if (leaves.size() == 1) return leaves[0];
  size_t k = 1;
  while (k * 2 < leaves.size()) k *= 2;
  return NodeHash(ReferenceRoot(leaves.subspan(0, k)), ReferenceRoot(leaves.subspan(k)));
}

std::vector<Hash> Leaves(size_t n, uint8_t salt = 0) {
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) out.push_back(LeafHash(std::to_string(i) + "/" + std::to_string(salt)));
  return out;
}

TEST(Merkle, CertificateTransparencyReferenceRoots) {
  EXPECT_EQ(crypto::Hex(EmptyRoot()), kCtRoots[0]);
  for (size_t n = 0; n <= 8; ++n) EXPECT_EQ(crypto::Hex(CtTree(n).Root()), kCtRoots[n]) << n;
}

TEST(Merkle, CertificateTransparencyReferenceProofs) {
  MemoryTree t = CtTree(8);
  std::vector<Hash> p0 = {H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                          H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                          H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")};
  EXPECT_EQ(InclusionProof(t, 0, 8), p0);
  EXPECT_TRUE(VerifyInclusion(0, 8, LeafHash(kCtLeaves[0]), p0, H(kCtRoots[8])));
  std::vector<Hash> p5 = {H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                          H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                          H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  EXPECT_EQ(InclusionProof(t, 5, 8), p5);
  EXPECT_TRUE(VerifyInclusion(5, 8, LeafHash(kCtLeaves[5]), p5, H(kCtRoots[8])));
  EXPECT_FALSE(VerifyInclusion(4, 8, LeafHash(kCtLeaves[5]), p5, H(kCtRoots[8])));

  EXPECT_EQ(ConsistencyProof(t, 1, 8), p0);
  std::vector<Hash> c68 = {H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                           H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                           H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")};
  EXPECT_EQ(ConsistencyProof(t, 6, 8), c68);
  EXPECT_TRUE(VerifyConsistency(6, 8, H(kCtRoots[6]), H(kCtRoots[8]), c68));
  EXPECT_FALSE(VerifyConsistency(6, 8, H(kCtRoots[5]), H(kCtRoots[8]), c68));
  std::vector<Hash> c25 = {H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                           H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")};
  EXPECT_EQ(ConsistencyProof(t, 2, 5), c25);
  EXPECT_TRUE(VerifyConsistency(2, 5, H(kCtRoots[2]), H(kCtRoots[5]), c25));
  EXPECT_TRUE(ConsistencyProof(t, 1, 1).empty());
}

TEST(Merkle, RootsMatchTheDefinitionAtEverySize) {
  std::vector<Hash> leaves = Leaves(300);
  MemoryTree t;
  for (size_t n = 1; n <= leaves.size(); ++n) {
    t.Append(leaves[n - 1]);
    ASSERT_EQ(t.Root(), ReferenceRoot(std::span(leaves).subspan(0, n))) << n;
  }
}

TEST(Merkle, EveryInclusionProofVerifiesAndNoAlteredOneDoes) {
  std::vector<Hash> leaves = Leaves(70);
  MemoryTree t;
  for (const Hash& l : leaves) t.Append(l);
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    Hash root = RootOf(t, n);
    for (uint64_t i = 0; i < n; ++i) {
      std::vector<Hash> p = InclusionProof(t, i, n);
      ASSERT_TRUE(VerifyInclusion(i, n, leaves[i], p, root)) << i << "/" << n;
      EXPECT_FALSE(VerifyInclusion(i, n, leaves[(i + 1) % leaves.size()], p, root));
      if (i + 1 < n) {
        EXPECT_FALSE(VerifyInclusion(i + 1, n, leaves[i], p, root)) << i << "/" << n;
      }
      if (i > 0) {
        EXPECT_FALSE(VerifyInclusion(i - 1, n, leaves[i], p, root)) << i << "/" << n;
      }
      EXPECT_FALSE(VerifyInclusion(i, i, leaves[i], p, root));
      for (size_t k = 0; k < p.size(); ++k) {
        auto bad = p;
        bad[k][k % 32] ^= 0x01;
        EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], bad, root)) << i << "/" << n << " element " << k;
      }
      if (!p.empty()) {
        EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], std::span(p).subspan(1), root));
        EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], std::span(p).first(p.size() - 1), root));
      }
      auto longer = p;
      longer.push_back(root);
      EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], longer, root));
    }
  }
}

TEST(Merkle, EveryConsistencyProofVerifiesAndForksAreDetected) {
  std::vector<Hash> leaves = Leaves(64);
  MemoryTree t;
  for (const Hash& l : leaves) t.Append(l);
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    Hash new_root = RootOf(t, n);
    for (uint64_t m = 1; m <= n; ++m) {
      Hash old_root = RootOf(t, m);
      std::vector<Hash> p = ConsistencyProof(t, m, n);
      ASSERT_TRUE(VerifyConsistency(m, n, old_root, new_root, p)) << m << "->" << n;
      if (m == n) continue;
      for (size_t k = 0; k < p.size(); ++k) {
        auto bad = p;
        bad[k][31 - k % 32] ^= 0x80;
        EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, bad)) << m << "->" << n << " element " << k;
      }
      EXPECT_FALSE(VerifyConsistency(m, n, new_root, new_root, p));
      EXPECT_FALSE(VerifyConsistency(m + 1, n, old_root, new_root, p)) << m << "->" << n;
      EXPECT_FALSE(VerifyConsistency(n, m, new_root, old_root, p));
      EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, std::span(p).first(p.size() - 1)));
    }
  }
  // A fork: a log that rewrote entry 5 cannot prove itself consistent with any older head
  // that already contained entry 5.
  std::vector<Hash> forked = leaves;
  forked[5] = LeafHash("rewritten");
  MemoryTree f;
  for (const Hash& l : forked) f.Append(l);
  for (uint64_t m = 6; m <= 64; ++m) {
    for (uint64_t n = m + 1; n <= 64; n += 7) {
      EXPECT_FALSE(VerifyConsistency(m, n, RootOf(t, m), RootOf(f, n), ConsistencyProof(f, m, n)));
      EXPECT_FALSE(VerifyConsistency(m, n, RootOf(t, m), RootOf(f, n), ConsistencyProof(t, m, n)));
    }
  }
}

TEST(Merkle, EdgeCases) {
  MemoryTree t;
  EXPECT_EQ(t.Root(), EmptyRoot());
  EXPECT_TRUE(InclusionProof(t, 0, 0).empty());
  EXPECT_FALSE(VerifyInclusion(0, 0, EmptyRoot(), {}, EmptyRoot()));
  t.Append(LeafHash("a"));
  EXPECT_TRUE(VerifyInclusion(0, 1, LeafHash("a"), {}, t.Root()));
  EXPECT_TRUE(VerifyConsistency(0, 1, EmptyRoot(), t.Root(), {}));
  EXPECT_TRUE(VerifyConsistency(1, 1, t.Root(), t.Root(), {}));
  EXPECT_FALSE(VerifyConsistency(1, 1, t.Root(), EmptyRoot(), {}));
  Hash extra = t.Root();
  EXPECT_FALSE(VerifyConsistency(1, 1, t.Root(), t.Root(), std::span(&extra, 1)));
}

}  // namespace
}  // namespace salus::audit
