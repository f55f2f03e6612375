#include "auth/identity.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "auth/tokens.h"
#include "crypto/aead.h"
#include "store/sqlite/sqlite_store.h"

namespace salus::auth {
namespace {

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("salus-identity-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::OpenSqliteStore(
        store::SqliteOptions{.path = (dir_ / "salus.db").string(), .readers = 2, .clock = &clock_, .kek = crypto::NewAeadKey()});
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  ManualClock clock_{TimePoint(std::chrono::seconds(1'800'000'000))};
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(IdentityTest, UsersPasswordsAndDisabling) {
  Directory d(*store_, clock_);
  auto u = d.AddUser("Dr.Who", Role::kPractitioner, "correct horse battery staple", "Practitioner/7");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->username, "dr.who");
  EXPECT_TRUE(u->totp_required);  // practitioners need a second factor
  EXPECT_EQ(d.AddUser("dr.who", Role::kAdmin, "another long password", "").error().code, Code::kConflict);
  EXPECT_FALSE(d.AddUser("weak", Role::kAdmin, "password1", ""));
  EXPECT_FALSE(d.AddUser("bad name!", Role::kAdmin, "correct horse battery staple", ""));
  EXPECT_FALSE(d.AddUser("pat", Role::kPatient, "correct horse battery staple", ""));  // must link a Patient
  auto p = d.AddUser("pat", Role::kPatient, "correct horse battery staple", "Patient/42");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->totp_required);
  EXPECT_TRUE(*d.CheckPassword("DR.WHO", "correct horse battery staple"));
  EXPECT_FALSE(*d.CheckPassword("dr.who", "correct horse battery stapler"));
  EXPECT_FALSE(*d.CheckPassword("nobody", "correct horse battery staple"));
  ASSERT_EQ(d.Users()->size(), 2u);

  // A token of the user's works until the user is disabled; then within a second it does not.
  TokenService tokens(*store_, d, clock_);
  Principal who;
  who.username = "dr.who";
  who.role = Role::kPractitioner;
  who.fhir_user = "Practitioner/7";
  who.client_id = "app";
  who.scopes = ParseScopes("user/*.rs");
  who.epoch = u->token_epoch;
  auto t = tokens.Issue(who, 900);
  ASSERT_TRUE(t);
  auto ok = tokens.Validate(t->token);
  ASSERT_TRUE(ok && *ok);
  EXPECT_EQ((*ok)->Agent(), "Practitioner/7");
  EXPECT_EQ((*ok)->scopes.PermissionsFor(ScopeContext::kUser, "Observation"), kRead | kSearch);
  ASSERT_TRUE(d.DisableUser("dr.who"));
  clock_.Advance(std::chrono::milliseconds(1100));
  EXPECT_FALSE(*tokens.Validate(t->token));
  EXPECT_FALSE(*d.CheckPassword("dr.who", "correct horse battery staple"));  // disabled
  // Tokens expire; unknown and revoked ones never validate.
  Principal svc;
  svc.client_id = "svc";
  auto t2 = tokens.Issue(svc, 300);
  EXPECT_TRUE(*tokens.Validate(t2->token));
  clock_.Advance(std::chrono::seconds(301));
  EXPECT_FALSE(*tokens.Validate(t2->token));
  auto t3 = tokens.Issue(svc, 300);
  ASSERT_TRUE(tokens.Revoke(t3->token));
  EXPECT_FALSE(*tokens.Validate(t3->token));
  EXPECT_FALSE(*tokens.Validate("made-up"));
  // Expired ones are swept away, and so are authorization codes and EHR launch handles never
  // used; live ones stay.
  auto live = tokens.Issue(svc, 300);
  int64_t now_us = clock_.Now().time_since_epoch().count();
  ASSERT_TRUE(store_->Write([&](store::WriteTxn& txn) -> Status {
    SALUS_TRY(txn.PutRecord("auth.code", "old", fmt::format(R"({{"exp":{}}})", now_us - 1)));
    SALUS_TRY(txn.PutRecord("auth.code", "new", fmt::format(R"({{"exp":{}}})", now_us + 60'000'000)));
    return txn.PutRecord("auth.launch", "old", fmt::format(R"({{"exp":{}}})", now_us - 1));
  }));
  auto swept = tokens.Sweep();
  ASSERT_TRUE(swept);
  EXPECT_EQ(*swept, 3u);  // t2, the old code, the old launch (the revoked token is gone already)
  EXPECT_TRUE(*tokens.Validate(live->token));
  EXPECT_EQ(store_->ListRecords("auth.code")->size(), 1u);
  EXPECT_TRUE(store_->ListRecords("auth.launch")->empty());
}

TEST_F(IdentityTest, ClientsKeepOnlyAHashOfTheirSecret) {
  Directory d(*store_, clock_);
  auto c = d.AddClient("export", ClientKind::kBackend, {}, "system/*.rs");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->second.size(), 64u);
  auto found = d.FindClient(c->first.id);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->secret_hash.find(c->second), std::string::npos);
  EXPECT_TRUE(Directory::SecretMatches(**found, c->second));
  EXPECT_FALSE(Directory::SecretMatches(**found, c->second + "x"));
  EXPECT_FALSE(d.AddClient("web", ClientKind::kPublic, {}, "user/*.rs"));  // needs a redirect URI
  EXPECT_FALSE(d.AddClient("web", ClientKind::kPublic, {"http://evil.example/cb"}, "user/*.rs"));  // not https
  auto pub = d.AddClient("web", ClientKind::kPublic, {"https://app.example/cb"}, "user/*.rs");
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->second.empty());  // public clients have no secret
  EXPECT_EQ(d.Clients()->size(), 2u);
}

}  // namespace
}  // namespace salus::auth
