#include "audit/ledger.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "core/json.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "store/sqlite/sqlite_store.h"

namespace salus::audit {
namespace {

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("salus-ledger-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    ledger_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    ledger_.reset();
    store_.reset();
    auto s = store::OpenSqliteStore(store::SqliteOptions{.path = db(), .readers = 2, .clock = &clock_, .kek = kek_});
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    ledger_ = std::make_unique<Ledger>(*store_, key_, clock_);
  }
  std::string db() const { return (dir_ / "salus.db").string(); }

  Event ReadEvent(int i) {
    Event e;
    e.action = 'R';
    e.subtype = "read";
    e.agent = "Practitioner/" + std::to_string(i % 3);
    e.address = "10.0.0." + std::to_string(i % 7);
    e.patients = {"Patient/p" + std::to_string(i % 5)};
    e.what = {"Observation/o" + std::to_string(i) + "/_history/1"};
    return e;
  }
  // Appends n events (several per transaction, as the writer batches them), signing a head
  // every `sign_every`.
  void Fill(int n, int sign_every) {
    for (int i = 0; i < n; ++i) {
      clock_.Advance(std::chrono::milliseconds(3));
      ASSERT_TRUE(ledger_->Record(ReadEvent(i)));
      if ((i + 1) % sign_every == 0) {
        ASSERT_TRUE(ledger_->SignHead());
      }
    }
  }
  // Tampering, as someone with the database file would: straight SQL, the server stopped.
  void Sql(const std::string& sql) {
    ledger_.reset();
    store_.reset();
    sqlite3* d = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &d), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(d, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    EXPECT_GT(sqlite3_changes(d), 0) << sql;
    sqlite3_close(d);
    Open();
  }
  VerifyReport Verify(const std::optional<store::AuditHead>& kept = std::nullopt) {
    return VerifyLedger(*store_, key_.public_key(), kept);
  }
  // 50 entries with a head every 10, then `sql`: verification fails and names `first_bad`.
  void ExpectCaught(const std::string& sql, int64_t first_bad) {
    Fill(50, 10);
    Sql(sql);
    VerifyReport r = Verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.first_bad_entry, first_bad);
  }

  // Appends events [start, n) in transactions of `per_unit` (fast: one commit each).
  void FillFast(int n, int per_unit = 500, int start = 0) {
    for (int i = start; i < n; i += per_unit) {
      clock_.Advance(std::chrono::milliseconds(3));
      ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) -> Status {
        for (int j = i; j < std::min(n, i + per_unit); ++j) SALUS_TRY(ledger_->Append(txn, ReadEvent(j)));
        return {};
      }));
    }
  }
  std::vector<int64_t> Seqs(store::AuditQuery q) {
    std::vector<int64_t> out;
    while (true) {
      auto page = store_->SearchAudit(q);
      EXPECT_TRUE(page) << page.error().message;
      if (!page) return out;
      for (const auto& e : page->entries) out.push_back(e.seq);
      if (!page->next_before_seq) return out;
      q.before_seq = page->next_before_seq;
    }
  }

  std::optional<crypto::AeadKey> kek_;
  ManualClock clock_{TimePoint(std::chrono::seconds(1'800'000'000))};
  crypto::SigningKey key_ = crypto::SigningKey::Generate();
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(LedgerTest, EventsAreValidBalpShapedAuditEvents) {
  Event e = ReadEvent(4);
  e.client_id = "growth-chart";
  e.query = "Observation?patient=p4&code=1234-5";
  e.description = "Observation search";
  e.action = 'E';
  e.subtype = "search-type";
  e.recorded_us = 1'800'000'000'123'000;
  // Stored compactly, rendered on read: the round trip loses nothing.
  std::string stored = EncodeEvent(e);
  EXPECT_LT(stored.size(), ToAuditEventJson(e).size() / 3);
  auto decoded = DecodeEvent(stored);
  ASSERT_TRUE(decoded);
  decoded->recorded_us = e.recorded_us;
  EXPECT_EQ(ToAuditEventJson(*decoded), ToAuditEventJson(e));
  auto v = json::Parse(ToAuditEventJson(*decoded, 42));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->string_at("id"), "42");
  EXPECT_EQ(v->string_at("action"), "E");
  EXPECT_EQ(v->string_at("recorded"), "2027-01-15T08:00:00.123Z");
  EXPECT_EQ(v->string_at("outcome"), "0");
  const auto& agents = v->find("agent")->as_array();
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0].find("who")->string_at("reference"), "Practitioner/1");
  EXPECT_EQ(agents[0].find("network")->string_at("address"), "10.0.0.4");
  EXPECT_EQ(agents[1].find("who")->find("identifier")->string_at("value"), "growth-chart");
  const auto& entities = v->find("entity")->as_array();
  ASSERT_EQ(entities.size(), 3u);
  EXPECT_EQ(entities[0].find("what")->string_at("reference"), "Patient/p4");
  EXPECT_EQ(entities[0].find("role")->string_at("code"), "1");
  EXPECT_EQ(entities[2].find("role")->string_at("code"), "24");
  EXPECT_EQ(entities[2].string_at("query"), "T2JzZXJ2YXRpb24/cGF0aWVudD1wNCZjb2RlPTEyMzQtNQ==");
}

TEST_F(LedgerTest, TreeHeadsAndProofsAgreeWithAnIndependentRebuild) {
  Fill(100, 7);
  auto head = ledger_->SignHead();
  ASSERT_TRUE(head && *head);
  EXPECT_EQ((*head)->size, 100);
  // Rebuild the tree from the entries alone.
  auto entries = store_->AuditEntries(0, 1000);
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 100u);
  MemoryTree t;
  for (const auto& e : *entries) {
    ASSERT_TRUE(e.body);
    EXPECT_EQ(crypto::Bytes(crypto::Sha256(*e.body)), e.digest);
    t.Append(LeafHash(EntryBytes(e.seq, e.recorded_us, e.digest)));
  }
  EXPECT_EQ(crypto::Bytes(t.Root()), (*head)->root);
  EXPECT_TRUE(HeadSignatureValid(key_.public_key(), **head));
  for (int64_t n : {1, 2, 7, 64, 99, 100}) {
    for (int64_t i = 0; i < n; i += 3) {
      auto p = ledger_->InclusionProof(i, n);
      ASSERT_TRUE(p);
      EXPECT_TRUE(VerifyInclusion(i, n, t.Node(0, i), *p, RootOf(t, n))) << i << "/" << n;
    }
    auto c = ledger_->ConsistencyProof(n, 100);
    ASSERT_TRUE(c);
    EXPECT_TRUE(VerifyConsistency(n, 100, RootOf(t, n), t.Root(), *c)) << n;
  }
  EXPECT_FALSE(ledger_->InclusionProof(100, 100));
  EXPECT_FALSE(ledger_->ConsistencyProof(5, 101));
  // A second SignHead with nothing new returns the same head.
  auto again = ledger_->SignHead();
  EXPECT_EQ((*again)->size, 100);
  EXPECT_EQ((*again)->timestamp_us, (*head)->timestamp_us);
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok) << (r.problems.empty() ? "" : r.problems[0]);
  EXPECT_EQ(r.entries, 100);
  EXPECT_EQ(r.heads, 15);  // every 7th, and the last
}

TEST_F(LedgerTest, WritesAndTheirAuditEntryCommitTogether) {
  ASSERT_TRUE(ledger_->Record(ReadEvent(0)));
  // A unit of work that appends its event and then fails leaves no trace of either.
  Status failed = store_->Write([&](store::WriteTxn& txn) -> Status {
    SALUS_TRY(ledger_->Append(txn, ReadEvent(1)));
    return Fail(Error::Invalid("the write itself failed"));
  });
  EXPECT_FALSE(failed);
  ASSERT_TRUE(ledger_->Record(ReadEvent(2)));
  EXPECT_EQ(*store_->AuditSize(), 2);
  ASSERT_TRUE(ledger_->SignHead());
  EXPECT_TRUE(Verify().ok);
}

TEST_F(LedgerTest, AsynchronousRecordsFromManyThreadsAllLandInOrder) {
  constexpr int kThreads = 8, kEach = 200;
  std::atomic<int> done{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        ledger_->RecordAsync(ReadEvent(t * kEach + i), [&](Status st) {
          if (!st) failed++;
          done++;
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < 3000 && done.load() < kThreads * kEach; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(done.load(), kThreads * kEach);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(*store_->AuditSize(), kThreads * kEach);
  // Fewer transactions than events: they were appended together.
  EXPECT_LT(store_->Stats().batches, kThreads * kEach);
  ASSERT_TRUE(ledger_->SignHead());
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok) << (r.problems.empty() ? "" : r.problems[0]);
}

TEST_F(LedgerTest, SearchByPatientAgentActionAndDate) {
  Fill(40, 1000);
  store::AuditQuery q;
  q.patient = "Patient/p2";
  auto page = store_->SearchAudit(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->entries.size(), 8u);  // i % 5 == 2
  for (size_t i = 1; i < page->entries.size(); ++i) EXPECT_LT(page->entries[i].seq, page->entries[i - 1].seq);
  q.agent = "Practitioner/1";
  page = store_->SearchAudit(q);
  ASSERT_TRUE(page);
  for (const auto& e : page->entries) EXPECT_EQ(e.seq % 3, 1);
  EXPECT_EQ(page->entries.size(), 3u);  // i in {7, 22, 37}
  store::AuditQuery d;
  d.from_us = page->entries.back().recorded_us;
  d.to_us = page->entries.front().recorded_us + 1;
  d.count = 10;
  auto dated = store_->SearchAudit(d);
  ASSERT_TRUE(dated);
  EXPECT_EQ(dated->entries.size(), 10u);
  ASSERT_TRUE(dated->next_before_seq);
  d.before_seq = dated->next_before_seq;
  d.count = 100;
  auto rest = store_->SearchAudit(d);
  EXPECT_EQ(rest->entries.size(), 21u);  // seqs 7..37 inclusive
  d.action = "C";
  EXPECT_TRUE(store_->SearchAudit(d)->entries.empty());
}

// Equal events encode differently (a random salt), so an erased entry's digest cannot be
// matched by hashing guesses of what it said.
TEST_F(LedgerTest, EqualEventsHaveDifferentDigests) {
  Event e = ReadEvent(3);
  std::string a = EncodeEvent(e), b = EncodeEvent(e);
  EXPECT_NE(a, b);
  EXPECT_NE(crypto::Sha256(a), crypto::Sha256(b));
  auto back = DecodeEvent(a);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->patients, e.patients);
  EXPECT_EQ(back->what, e.what);
}

// Entries reach the patient and agent indexes in batches (4096 at a time, a step of the batch
// every 32 appends); a search or an erasure sees the entries below and above that watermark,
// and those of a batch half indexed, alike.
TEST_F(LedgerTest, SearchAndErasureSeeIndexedAndNotYetIndexedEntries) {
  constexpr int kCount = 4096 + 700;
  auto expected = [](int mod, int rem, int n) {
    std::vector<int64_t> out;
    for (int i = n - 1; i >= 0; --i) {
      if (i % mod == rem) out.push_back(i);
    }
    return out;
  };
  store::AuditQuery q;
  q.patient = "Patient/p2";
  q.count = 97;  // pages that straddle the watermark
  FillFast(4096 + 100, 50);  // the first batch is some steps into its indexing
  auto partial = store_->GetMeta("audit_index_at");
  ASSERT_TRUE(partial && *partial) << "expected a batch in progress";
  EXPECT_EQ(Seqs(q), expected(5, 2, 4096 + 100));
  FillFast(kCount, 500, 4096 + 100);
  auto indexed = store_->GetMeta("audit_indexed");
  ASSERT_TRUE(indexed && *indexed);
  EXPECT_EQ(**indexed, "4096");
  EXPECT_EQ(Seqs(q), expected(5, 2, kCount));
  store::AuditQuery a;
  a.agent = "Practitioner/1";
  a.count = 500;
  EXPECT_EQ(Seqs(a), expected(3, 1, kCount));
  store::AuditQuery both = q;
  both.agent = "Practitioner/1";
  std::vector<int64_t> want;
  for (int i = kCount - 1; i >= 0; --i) {
    if (i % 5 == 2 && i % 3 == 1) want.push_back(i);
  }
  EXPECT_EQ(Seqs(both), want);
  // A patient id that is a prefix of another's is not confused with it.
  ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) -> Status {
    Event e = ReadEvent(0);
    e.patients = {"Patient/p22"};
    SALUS_TRY(ledger_->Append(txn, e));
    return {};
  }));
  EXPECT_EQ(Seqs(q), expected(5, 2, kCount));

  // Erasing p3 removes the bodies of all its entries, indexed or not, and nothing else.
  ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) -> Status {
    Event e;
    e.action = 'D';
    e.subtype = "erase";
    e.agent = "User/admin";
    SALUS_TRY(ledger_->AppendErasure(txn, "Patient/p3", e));
    return {};
  }));
  store::AuditQuery gone;
  gone.patient = "Patient/p3";
  EXPECT_TRUE(Seqs(gone).empty());
  auto entries = store_->AuditEntries(0, kCount);
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), static_cast<size_t>(kCount));
  for (const auto& e : *entries) {
    EXPECT_EQ(e.body.has_value(), e.seq % 5 != 3) << e.seq;
    if (e.body) {
      EXPECT_EQ(e.body->find("Patient/p3"), std::string::npos);
    }
  }
  EXPECT_EQ(Seqs(q), expected(5, 2, kCount));
  ASSERT_TRUE(ledger_->SignHead());
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok) << (r.problems.empty() ? "" : r.problems[0]);
  EXPECT_EQ(r.erased_bodies, static_cast<int64_t>(expected(5, 3, kCount).size()));
}

// A unit that appended entries and then failed is rolled back; the batch of rows being indexed
// must not keep what it had read of them (the same seqs are then appended with other patients).
TEST_F(LedgerTest, IndexingForgetsEntriesOfARolledBackUnit) {
  FillFast(4095);
  Status failed = store_->Write([&](store::WriteTxn& txn) -> Status {
    Event e = ReadEvent(0);
    e.patients = {"Patient/ghost"};
    SALUS_TRY(ledger_->Append(txn, e));  // seq 4095: a batch of 4096 waits, its first step runs
    return Fail(Error::Invalid("the unit fails after its append"));
  });
  EXPECT_FALSE(failed);
  Event real = ReadEvent(0);
  real.patients = {"Patient/real"};
  ASSERT_TRUE(ledger_->Record(real));
  FillFast(4096 + 1000, 100, 4096);  // the batch [0, 4096) gets indexed in full
  auto indexed = store_->GetMeta("audit_indexed");
  ASSERT_TRUE(indexed && *indexed);
  EXPECT_EQ(**indexed, "4096");
  store::AuditQuery q;
  q.patient = "Patient/ghost";
  EXPECT_TRUE(Seqs(q).empty());
  q.patient = "Patient/real";
  EXPECT_EQ(Seqs(q), std::vector<int64_t>{4095});
}

// With a key-encryption key the bodies are sealed: the database holds no patient reference
// in plain text except in the index tables, and a body moved to another entry does not open.
TEST_F(LedgerTest, SealedBodiesAreUnreadableInTheFileAndBoundToTheirPosition) {
  kek_ = crypto::NewAeadKey();
  Open();
  Fill(40, 10);
  auto entries = store_->AuditEntries(0, 40);
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 40u);
  EXPECT_NE(entries->at(7).body->find("Observation/o7"), std::string::npos);  // read back in plain
  ledger_.reset();
  store_.reset();
  {
    sqlite3* d = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &d), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(d, "SELECT COUNT(*) FROM audit_log WHERE instr(body, CAST('Observation/o' AS BLOB)) > 0",
                                 -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(d);
  }
  Open();
  EXPECT_TRUE(Verify().ok);
  // Entry 12 takes entry 11's sealed body and digest (whose leaf then needs rewriting too).
  Sql("UPDATE audit_log SET body = (SELECT body FROM audit_log WHERE seq = 11) WHERE seq = 12");
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_entry, 12);
  ASSERT_FALSE(r.problems.empty());
  EXPECT_NE(r.problems[0].find("does not open"), std::string::npos) << r.problems[0];
}

// Each kind of tampering, every time, with the first bad entry named.
TEST_F(LedgerTest, FlippedBodyByteIsNamed) {
  ExpectCaught("UPDATE audit_log SET body = CAST(replace(CAST(body AS TEXT), 'Patient/p3', 'Patient/p4') AS BLOB) "
               "WHERE seq = 23",
               23);
}

TEST_F(LedgerTest, RewrittenBodyAndDigestIsNamed) {
  ExpectCaught("UPDATE audit_log SET body = CAST('{}' AS BLOB), digest = X'" + crypto::Hex(crypto::Sha256("{}")) +
                   "' WHERE seq = 31",
               31);
}

TEST_F(LedgerTest, RewrittenEntryWithItsLeafIsNarrowedToItsGroup) {
  Fill(50, 10);
  // Body, digest and leaf rewritten together: the stored node over entries 32..47 disagrees.
  std::string digest = crypto::Hex(crypto::Sha256("{}"));
  auto e = store_->AuditEntries(37, 1);
  ASSERT_TRUE(e && e->size() == 1);
  std::string raw_digest(crypto::Bytes(crypto::Sha256("{}")));
  std::string leaf = crypto::Hex(EntryLeaf(37, e->at(0).recorded_us, raw_digest));
  Sql("UPDATE audit_log SET body = CAST('{}' AS BLOB), digest = X'" + digest + "', leaf = X'" + leaf +
      "' WHERE seq = 37");
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  // The head at 40 already disagrees (entries 30..39), and the node over 32..47 too.
  ASSERT_TRUE(r.first_bad_entry);
  EXPECT_GE(*r.first_bad_entry, 30);
  EXPECT_LE(*r.first_bad_entry, 37);
}

TEST_F(LedgerTest, DeletedEntryIsNamed) { ExpectCaught("DELETE FROM audit_log WHERE seq = 12", 12); }

TEST_F(LedgerTest, ReorderedEntriesAreNamed) {
  // Swap the contents of entries 17 and 18 (each keeps its seq).
  ExpectCaught("UPDATE audit_log SET recorded = -recorded, seq = seq + 1000 WHERE seq IN (17, 18);"
               "UPDATE audit_log SET seq = 18, recorded = -recorded WHERE seq = 1017;"
               "UPDATE audit_log SET seq = 17, recorded = -recorded WHERE seq = 1018;",
               17);
}

TEST_F(LedgerTest, TruncationIsDetected) { ExpectCaught("DELETE FROM audit_log WHERE seq >= 45", 45); }

TEST_F(LedgerTest, TruncationWithItsHeadsIsCaughtByAKeptHead) {
  Fill(50, 10);
  auto kept = store_->LatestAuditHead();
  ASSERT_TRUE(kept && *kept);
  auto round_trip = HeadFromJson(HeadToJson(**kept));  // as a monitor would keep it
  ASSERT_TRUE(round_trip);
  Sql("DELETE FROM audit_log WHERE seq >= 30; DELETE FROM audit_tree WHERE k >= (30 << 6);"
      "DELETE FROM audit_head WHERE size > 30;");
  EXPECT_TRUE(Verify().ok);  // consistent in itself: only a copy kept elsewhere can tell
  VerifyReport r = Verify(*round_trip);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_entry, 30);
}

TEST_F(LedgerTest, AForkReSignedWithTheRealKeyIsCaughtByAKeptHead) {
  Fill(40, 10);
  auto kept = *store_->LatestAuditHead();
  // Someone with the key rewrites history from entry 20 on and signs new heads.
  Sql("DELETE FROM audit_log WHERE seq >= 20; DELETE FROM audit_tree WHERE k >= (20 << 6);"
      "DELETE FROM audit_head WHERE size > 20;");
  for (int i = 0; i < 30; ++i) {
    Event e = ReadEvent(i);
    e.patients = {"Patient/someone-else"};
    ASSERT_TRUE(ledger_->Record(e));
  }
  ASSERT_TRUE(ledger_->SignHead());
  EXPECT_TRUE(Verify().ok);
  VerifyReport r = Verify(*kept);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_entry, 20);
  // Consistency proofs tell a monitor the same thing without the database.
  auto now = *store_->LatestAuditHead();
  auto proof = ledger_->ConsistencyProof(kept->size, now->size);
  ASSERT_TRUE(proof);
  EXPECT_FALSE(VerifyConsistency(kept->size, now->size, [&] {
    Hash h{};
    std::copy(kept->root.begin(), kept->root.end(), h.begin());
    return h;
  }(), [&] {
    Hash h{};
    std::copy(now->root.begin(), now->root.end(), h.begin());
    return h;
  }(), *proof));
}

TEST_F(LedgerTest, ForgedHeadAndTamperedNodesAreDetected) {
  Fill(30, 10);
  Sql("UPDATE audit_head SET timestamp = timestamp + 1 WHERE size = 20");
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  ASSERT_FALSE(r.problems.empty());
  EXPECT_NE(r.problems[0].find("invalid signature"), std::string::npos) << r.problems[0];
  Sql("UPDATE audit_head SET timestamp = timestamp - 1 WHERE size = 20");
  EXPECT_TRUE(Verify().ok);
  Sql("UPDATE audit_tree SET hash = X'" + crypto::Hex(crypto::Sha256("x")) + "' WHERE k = (15 << 6) + 4");  // level 4, index 0
  r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_entry, 0);  // the node over entries 0..15
  // A proof that uses the bad node (entry 20's sibling is the subtree over 0..15) fails.
  EXPECT_FALSE(ledger_->InclusionProof(20, 30).has_value() &&
               VerifyInclusion(20, 30, EntryLeaf(20, store_->AuditEntries(20, 1)->at(0).recorded_us,
                                                 store_->AuditEntries(20, 1)->at(0).digest),
                               *ledger_->InclusionProof(20, 30), [&] {
                                 Hash h{};
                                 auto head = *store_->LatestAuditHead();
                                 std::copy(head->root.begin(), head->root.end(), h.begin());
                                 return h;
                               }()));
  // A verifier that did not trust the key would also refuse it.
  EXPECT_FALSE(VerifyLedger(*store_, crypto::SigningKey::Generate().public_key()).ok);
}

}  // namespace
}  // namespace salus::audit
