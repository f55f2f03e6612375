#include "store/sqlite/sqlite_store.h"
#include "store/query.h"

#include <algorithm>
#include <atomic>
#include <vector>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace salus::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("salus-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    store_.reset();
    auto s = OpenSqliteStore(SqliteOptions{.path = (dir_ / "salus.db").string(), .readers = 2, .clock = &clock_});
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  Result<ResourceVersion> Put(const std::string& id, const std::string& family, IndexRows rows = {}) {
    Result<ResourceVersion> out = Fail(Error::Internal("not run"));
    Status st = store_->Write([&](WriteTxn& txn) -> Status {
      json::Value p = *json::Parse(R"({"resourceType":"Patient","name":[{"family":")" + family + R"("}]})");
      SALUS_ASSIGN_OR_RETURN(out, txn.Put("Patient", id, Prepare(p, rows), "PUT"));
      return {};
    });
    if (!st) return Fail(st.error());
    return out;
  }

  // Ids of current resources of `type` with a token row (system nullopt: any system).
  Result<std::vector<std::string>> FindToken(std::string_view type, std::string_view param,
                                             std::optional<std::string_view> system, std::string_view code,
                                             size_t limit) {
    SearchQuery q;
    q.types = {std::string(type)};
    q.count = limit;
    Match m;
    m.kind = Match::Kind::kToken;
    m.type = type;
    m.param = param;
    m.code = std::string(code);
    if (system) m.system = std::string(*system);
    q.all.push_back(Condition{{m}, false});
    SALUS_ASSIGN_OR_RETURN(auto page, store_->Search(q));
    std::vector<std::string> ids;
    for (const auto& v : page.matches) ids.push_back(v.id);
    return ids;
  }

  std::filesystem::path dir_;
  ManualClock clock_{TimePoint{std::chrono::microseconds(1700000000000000)}};
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, PutStampsMetaAndReadsBack) {
  auto v1 = Put("p1", "Doe");
  ASSERT_TRUE(v1) << v1.error().message;
  EXPECT_EQ(v1->version, 1);
  auto read = store_->Read("Patient", "p1");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->body, v1->body);
  EXPECT_EQ(read->body,
            R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"1","lastUpdated":"2023-11-14T22:13:20.000Z"},)"
            R"("name":[{"family":"Doe"}]})");
  EXPECT_EQ(store_->Read("Patient", "nope").error().code, Code::kNotFound);
}

TEST_F(SqliteStoreTest, VersionsAreImmutableAndDeleteIsAVersion) {
  ASSERT_TRUE(Put("p1", "A"));
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(Put("p1", "B"));
  Result<ResourceVersion> del = Fail(Error::Internal(""));
  ASSERT_TRUE(store_->Write([&](WriteTxn& txn) -> Status {
    SALUS_ASSIGN_OR_RETURN(del, txn.Delete("Patient", "p1"));
    return {};
  }));
  EXPECT_EQ(del->version, 3);
  auto cur = store_->Read("Patient", "p1");
  ASSERT_TRUE(cur);
  EXPECT_TRUE(cur->deleted);
  auto v1 = store_->ReadVersion("Patient", "p1", 1);
  ASSERT_TRUE(v1);
  EXPECT_NE(v1->body.find("\"A\""), std::string::npos);
  EXPECT_EQ(store_->ReadVersion("Patient", "p1", 9).error().code, Code::kNotFound);
  auto hist = store_->History(HistoryQuery{.type = "Patient", .id = "p1"});
  ASSERT_TRUE(hist);
  ASSERT_EQ(hist->versions.size(), 3u);
  EXPECT_EQ(hist->versions[0].method, "DELETE");
  EXPECT_EQ(hist->versions[2].version, 1);
}

TEST_F(SqliteStoreTest, HistoryPagesAndFilters) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(Put("p" + std::to_string(i), "X"));
    clock_.Advance(std::chrono::seconds(10));
  }
  auto page1 = store_->History(HistoryQuery{.count = 3});
  ASSERT_TRUE(page1);
  ASSERT_EQ(page1->versions.size(), 3u);
  EXPECT_EQ(page1->versions[0].id, "p6");
  ASSERT_TRUE(page1->next_seq);
  auto page2 = store_->History(HistoryQuery{.before_seq = page1->next_seq, .count = 3});
  ASSERT_TRUE(page2);
  EXPECT_EQ(page2->versions[0].id, "p3");
  auto since = store_->History(HistoryQuery{.type = "Patient", .since_us = 1700000000000000 + 45 * 1000000});
  ASSERT_TRUE(since);
  EXPECT_EQ(since->versions.size(), 2u);  // p5 at +50 s, p6 at +60 s
}

TEST_F(SqliteStoreTest, FailingUnitRollsBackAloneInItsBatch) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, failed{0};
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      Status st = store_->Write([&](WriteTxn& txn) -> Status {
        json::Value p = *json::Parse(R"({"resourceType":"Patient"})");
        SALUS_TRY(txn.Put("Patient", "t" + std::to_string(i), Prepare(p, {}), "PUT"));
        if (i % 2) return Fail(Error::Invalid("odd units fail after writing"));
        return {};
      });
      (st ? ok : failed)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 10);
  EXPECT_EQ(failed, 10);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(store_->Read("Patient", "t" + std::to_string(i)).has_value(), i % 2 == 0) << i;
  }
}

TEST_F(SqliteStoreTest, ConcurrentWritesShareTransactions) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) ASSERT_TRUE(Put(fmt::format("c{}-{}", t, i), "X"));
    });
  }
  for (auto& t : threads) t.join();
  StoreStats stats = store_->Stats();
  EXPECT_EQ(stats.units, 400);
  EXPECT_LT(stats.batches, stats.units);  // group commit happened
  EXPECT_TRUE(store_->CheckIntegrity());
}

TEST_F(SqliteStoreTest, CachedReadsFollowCommitsAndIgnoreRollbacks) {
  ASSERT_TRUE(Put("p1", "A"));
  EXPECT_EQ(store_->Read("Patient", "p1")->version, 1);  // now cached
  ASSERT_TRUE(Put("p1", "B"));
  auto v2 = store_->Read("Patient", "p1");
  EXPECT_EQ(v2->version, 2);
  EXPECT_NE(v2->body.find("\"B\""), std::string::npos);
  Status failed = store_->Write([&](WriteTxn& txn) -> Status {
    json::Value p = *json::Parse(R"({"resourceType":"Patient","name":[{"family":"C"}]})");
    SALUS_TRY(txn.Put("Patient", "p1", Prepare(p, {}), "PUT"));
    return Fail(Error::Invalid("changed my mind"));
  });
  EXPECT_FALSE(failed);
  EXPECT_EQ(store_->Read("Patient", "p1")->version, 2);
  ASSERT_TRUE(store_->Write([&](WriteTxn& txn) -> Status {
    SALUS_TRY(txn.Delete("Patient", "p1"));
    return {};
  }));
  EXPECT_TRUE(store_->Read("Patient", "p1")->deleted);
}

TEST_F(SqliteStoreTest, ReadersNeverSeeVersionsGoBackwards) {
  ASSERT_TRUE(Put("hot", "0"));
  std::atomic<bool> done{false};
  std::atomic<int> regressions{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      int64_t last = 0;
      while (!done) {
        auto v = store_->Read("Patient", "hot");
        if (!v) continue;
        if (v->version < last) regressions++;
        last = v->version;
      }
    });
  }
  for (int i = 1; i <= 200; ++i) ASSERT_TRUE(Put("hot", std::to_string(i)));
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(regressions, 0);
  EXPECT_EQ(store_->Read("Patient", "hot")->version, 201);
}

TEST_F(SqliteStoreTest, TokenRowsFindCurrentResourcesAndSurviveReopen) {
  IndexRows rows;
  rows.tokens.push_back(TokenRow{"identifier", "urn:mrn", "123"});
  ASSERT_TRUE(Put("p1", "A", rows));
  auto found = FindToken("Patient", "identifier", "urn:mrn", "123", 10);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, std::vector<std::string>{"p1"});
  EXPECT_TRUE(FindToken("Patient", "identifier", "urn:other", "123", 10)->empty());
  EXPECT_EQ(FindToken("Patient", "identifier", std::nullopt, "123", 10)->size(), 1u);
  ASSERT_TRUE(Put("p1", "A"));  // new version without the identifier drops the row
  EXPECT_TRUE(FindToken("Patient", "identifier", std::nullopt, "123", 10)->empty());
  Open();  // migrations are not re-applied; data persists
  EXPECT_EQ(store_->Read("Patient", "p1")->version, 2);
}

}  // namespace
// Every kind of index row is written, replaced on update, and survives a failed unit that
// made a new parameter id (the id cache must not outlive the rollback).
TEST_F(SqliteStoreTest, IndexRowsOfEveryKindAreReplacedOnUpdate) {
  IndexRows rows;
  rows.tokens.push_back({"identifier", "urn:mrn", "1"});
  rows.strings.push_back({"family", "smith", "Smith"});
  rows.dates.push_back({"birthdate", 0, 86400000000});
  rows.references.push_back({"organization", "Organization", "o1", ""});
  rows.numbers.push_back({"length", 3.5});
  rows.quantities.push_back({"weight", "http://unitsofmeasure.org", "g", 72500});
  rows.uris.push_back({"_profile", "http://p"});
  ASSERT_TRUE(Put("p1", "Smith", rows));
  EXPECT_EQ(FindToken("Patient", "identifier", "urn:mrn", "1", 10)->size(), 1u);
  IndexRows changed;
  changed.tokens.push_back({"identifier", "urn:mrn", "2"});
  ASSERT_TRUE(Put("p1", "Smith", changed));
  EXPECT_TRUE(FindToken("Patient", "identifier", "urn:mrn", "1", 10)->empty());
  EXPECT_EQ(FindToken("Patient", "identifier", "urn:mrn", "2", 10)->size(), 1u);

  // A unit that creates a parameter id and then fails is rolled back alone.
  Status failed = store_->Write([&](WriteTxn& txn) -> Status {
    IndexRows r;
    r.tokens.push_back({"brand-new-param", "", "x"});
    json::Value p = *json::Parse(R"({"resourceType":"Patient"})");
    SALUS_TRY(txn.Put("Patient", "p2", Prepare(p, r), "PUT"));
    return Fail(Error::Invalid("caller gave up"));
  });
  EXPECT_FALSE(failed);
  IndexRows again;
  again.tokens.push_back({"brand-new-param", "", "y"});
  ASSERT_TRUE(Put("p3", "Jones", again));
  EXPECT_EQ(FindToken("Patient", "brand-new-param", std::nullopt, "y", 10)->size(), 1u);
  EXPECT_TRUE(FindToken("Patient", "brand-new-param", std::nullopt, "x", 10)->empty());
  Open();  // the ids are durable across a restart
  EXPECT_EQ(FindToken("Patient", "brand-new-param", std::nullopt, "y", 10)->size(), 1u);
}

// A sort on a date served by walking the date index gives the same pages as sorting the
// matches (the two plans the store chooses between by how many resources match).
TEST_F(SqliteStoreTest, SortScanAndSortedMatchesAgree) {
  for (int i = 0; i < 40; ++i) {
    IndexRows rows;
    rows.tokens.push_back({"gender", "", i % 3 == 0 ? "female" : "male"});
    if (i % 7 != 0) {  // some have no birth date: they sort last
      int64_t day = (i * 37) % 50 / 2;  // pairs of equal dates: ties must be broken alike
      rows.dates.push_back({"birthdate", day * 86400000000, (day + 1) * 86400000000});
      if (i % 5 == 0) rows.dates.push_back({"birthdate", (day + 60) * 86400000000, (day + 61) * 86400000000});
    }
    ASSERT_TRUE(Put("p" + std::to_string(i), "X", rows));
  }
  for (bool descending : {false, true}) {
    for (bool filtered : {false, true}) {
      SearchQuery q;
      q.types = {"Patient"};
      q.count = 7;
      if (filtered) {
        Match m;
        m.kind = Match::Kind::kToken;
        m.type = "Patient";
        m.param = "gender";
        m.code = "male";
        q.all.push_back(Condition{{m}, false});
      }
      SortKey k;
      k.table = Match::Table::kDate;
      k.param = "birthdate";
      k.descending = descending;
      q.sort.push_back(k);
      auto pages = [&](int64_t threshold) {
        std::vector<std::string> ids;
        SearchQuery p = q;
        p.sort_scan_min_matches = threshold;
        for (int guard = 0; guard < 20; ++guard) {
          auto page = store_->Search(p);
          EXPECT_TRUE(page) << page.error().message;
          if (!page) break;
          for (const auto& v : page->matches) ids.push_back(v.id);
          if (page->next_cursor.empty()) break;
          p.cursor = page->next_cursor;
        }
        return ids;
      };
      auto scanned = pages(0), sorted = pages(1000000);
      EXPECT_EQ(scanned.size(), filtered ? 26u : 40u);
      // Equal dates come in creation order (newest first when descending) in both plans.
      EXPECT_EQ(scanned, sorted) << "descending=" << descending << " filtered=" << filtered;
      // No birth date: last, in creation order (newest first when descending).
      std::vector<std::string> missing;
      for (int i = 0; i < 40; ++i) {
        if (i % 7 == 0 && (!filtered || i % 3 != 0)) missing.push_back("p" + std::to_string(i));
      }
      if (descending) std::reverse(missing.begin(), missing.end());
      ASSERT_GE(scanned.size(), missing.size());
      EXPECT_EQ(std::vector<std::string>(scanned.end() - static_cast<long>(missing.size()), scanned.end()), missing);
    }
  }
}

}  // namespace salus::store
