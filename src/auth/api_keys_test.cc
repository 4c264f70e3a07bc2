#include "auth/api_keys.h"

#include <gtest/gtest.h>

#include "auth/scopes.h"
#include "testing/fake_clock.h"
#include "testing/faulty_database.h"
#include "testing/migrated_database.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace taskwire::auth {
namespace {

using namespace std::chrono_literals;

using testing::Code;

class ApiKeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    faulty_ = std::make_unique<testing::FaultyDatabase>(*database_);
    keys_ = std::make_unique<ApiKeyStore>(*faulty_, clock_);
    ada_id_ = AddUser("ada");
  }

  int64_t AddUser(const std::string& name) { return testing::AddUser(*database_, name); }

  std::pair<std::string, ApiKey> NewKey(const NewApiKey& spec) {
    auto created = keys_->Create(spec);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created.has_value() ? *created : std::pair<std::string, ApiKey>{};
  }

  // Every text and number stored in api_keys, joined.
  std::string StoredKeys() {
    auto tx = database_->Begin(store::Access::kRead);
    auto rows = (*tx)->Query(
        "SELECT id, user_id, name, prefix, hash, scopes, review, created_at, "
        "coalesce(expires_at, ''), coalesce(last_used_at, ''), coalesce(revoked_at, '') "
        "FROM api_keys");
    EXPECT_TRUE(rows.has_value());
    std::string all;
    for (const store::Row& row : *rows) {
      for (size_t i = 0; i < row.size(); ++i) all += row.Text(i) + "|";
    }
    return all;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<testing::FaultyDatabase> faulty_;
  std::unique_ptr<ApiKeyStore> keys_;
  int64_t ada_id_ = 0;
};

TEST_F(ApiKeyStoreTest, CreateReturnsATwKeyStoredOnlyAsItsHash) {
  auto [raw, key] =
      NewKey({.user_name = "ada", .name = "claude-code", .scopes = {"tasks:read", "tasks:write"}});
  EXPECT_EQ(raw.size(), 46u);
  EXPECT_TRUE(raw.starts_with("tw_"));
  EXPECT_TRUE(LooksLikeApiKey(raw));
  EXPECT_EQ(key.user_name, "ada");
  EXPECT_EQ(key.name, "claude-code");
  EXPECT_EQ(key.prefix, raw.substr(0, 10));
  EXPECT_EQ(key.scopes, (std::set<std::string>{"tasks:read", "tasks:write"}));
  EXPECT_EQ(key.created_at, "2026-01-01T00:00:00.000Z");
  EXPECT_FALSE(key.expires_at.has_value());
  const std::string stored = StoredKeys();
  EXPECT_EQ(stored.find(raw), std::string::npos) << stored;
  EXPECT_EQ(stored.find(raw.substr(10)), std::string::npos) << "the secret part is stored";
  // Two keys are never the same.
  auto [other, unused] = NewKey({.user_name = "ada", .name = "second", .scopes = {"tasks:read"}});
  EXPECT_NE(other, raw);
}

TEST_F(ApiKeyStoreTest, VerifyGivesTheIdentityAndRecordsUse) {
  const auto expires = clock_.Now() + std::chrono::hours(24);
  auto [raw, key] = NewKey({.user_name = "ada",
                            .name = "claude-code",
                            .scopes = {"tasks:read", "mcp:read"},
                            .expires = expires,
                            .review = ReviewMode::kPerson});
  clock_.Advance(1min);
  auto identity = keys_->Verify(raw);
  ASSERT_TRUE(identity.has_value()) << identity.error().ToString();
  EXPECT_EQ(identity->user_id, ada_id_);
  EXPECT_EQ(identity->user_name, "ada");
  EXPECT_EQ(identity->credential, "key:" + std::to_string(key.id));
  EXPECT_EQ(identity->client, "claude-code");
  EXPECT_EQ(identity->scopes, (std::set<std::string>{"mcp:read", "tasks:read"}));
  EXPECT_EQ(identity->review, ReviewMode::kPerson);
  ASSERT_TRUE(identity->expires.has_value());
  EXPECT_EQ(base::FormatIso8601(*identity->expires), base::FormatIso8601(expires));
  auto listed = keys_->List("ada");
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].last_used_at, "2026-01-01T00:01:00.000Z");
}

TEST_F(ApiKeyStoreTest, EachReviewModeIsKeptAndVerified) {
  for (ReviewMode mode : {ReviewMode::kOff, ReviewMode::kPerson, ReviewMode::kConfirm}) {
    auto [raw, key] = NewKey({.user_name = "ada",
                              .name = std::string(ReviewModeName(mode)),
                              .scopes = {"tasks:write"},
                              .review = mode});
    EXPECT_EQ(key.review, mode);
    auto identity = keys_->Verify(raw);
    ASSERT_TRUE(identity.has_value()) << identity.error().ToString();
    EXPECT_EQ(identity->review, mode) << ReviewModeName(mode);
    EXPECT_EQ(ParseReviewMode(ReviewModeName(mode)), mode);
  }
  EXPECT_EQ(ParseReviewMode("true"), std::nullopt);
  EXPECT_EQ(ParseReviewMode(""), std::nullopt);
}

TEST_F(ApiKeyStoreTest, EveryBadKeyIsUnauthenticatedWithOneMessage) {
  auto [raw, key] = NewKey({.user_name = "ada", .name = "k", .scopes = {"tasks:read"}});
  std::string flipped = raw;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  std::string bad_char = raw;
  bad_char[20] = '!';
  const std::string messages[] = {
      "",       "tw_",   "tw_short",         raw + "x", raw.substr(0, 45), "xx" + raw.substr(2),
      bad_char, flipped, " " + raw.substr(1)};
  std::set<std::string> seen;
  for (const std::string& bad : messages) {
    auto verified = keys_->Verify(bad);
    ASSERT_EQ(Code(verified), "UNAUTHENTICATED") << bad;
    seen.insert(verified.error().message());
  }
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(Code(keys_->Verify(raw)), "OK");
}

TEST_F(ApiKeyStoreTest, RevokedKeyIsUnauthenticated) {
  auto [raw, key] = NewKey({.user_name = "ada", .name = "k", .scopes = {"tasks:read"}});
  ASSERT_EQ(Code(keys_->Verify(raw)), "OK");
  auto revoked = keys_->Revoke(key.id);
  ASSERT_TRUE(revoked.has_value());
  EXPECT_EQ(revoked->revoked_at, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(Code(keys_->Verify(raw)), "UNAUTHENTICATED");
  // Revoking twice is fine and keeps the first time.
  clock_.Advance(1h);
  auto again = keys_->Revoke(key.id);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->revoked_at, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(keys_->List(std::nullopt)->front().revoked_at, "2026-01-01T00:00:00.000Z");
}

TEST_F(ApiKeyStoreTest, ExpiredKeyIsUnauthenticated) {
  auto [raw, key] = NewKey({.user_name = "ada",
                            .name = "k",
                            .scopes = {"tasks:read"},
                            .expires = clock_.Now() + std::chrono::hours(1)});
  clock_.Advance(59min);
  EXPECT_EQ(Code(keys_->Verify(raw)), "OK");
  clock_.Advance(1min);
  EXPECT_EQ(Code(keys_->Verify(raw)), "UNAUTHENTICATED");
}

TEST_F(ApiKeyStoreTest, RevokingAnUnknownKeyIsNotFound) {
  EXPECT_EQ(Code(keys_->Revoke(12345)), "NOT_FOUND");
}

TEST_F(ApiKeyStoreTest, CreateRefusesBadRequests) {
  EXPECT_EQ(Code(keys_->Create({.user_name = "nobody", .name = "k", .scopes = {"tasks:read"}})),
            "NOT_FOUND");
  EXPECT_EQ(Code(keys_->Create({.user_name = "ada", .name = "", .scopes = {"tasks:read"}})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(keys_->Create(
                {.user_name = "ada", .name = std::string(101, 'k'), .scopes = {"tasks:read"}})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(
      Code(keys_->Create({.user_name = "ada", .name = "two\nlines", .scopes = {"tasks:read"}})),
      "INVALID_ARGUMENT");
  EXPECT_EQ(Code(keys_->Create({.user_name = "ada", .name = "k", .scopes = {}})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(
      Code(keys_->Create(
          {.user_name = "ada", .name = "k", .scopes = {"tasks:read"}, .expires = clock_.Now()})),
      "INVALID_ARGUMENT");
  EXPECT_TRUE(keys_->List(std::nullopt)->empty());
}

TEST_F(ApiKeyStoreTest, ListsNewestFirstPerUser) {
  AddUser("bob");
  NewKey({.user_name = "ada", .name = "first", .scopes = {"tasks:read"}});
  NewKey({.user_name = "bob", .name = "bobs", .scopes = {"tasks:read"}});
  NewKey({.user_name = "ada", .name = "second", .scopes = {"tasks:read"}});
  auto adas = keys_->List("ada");
  ASSERT_EQ(adas->size(), 2u);
  EXPECT_EQ((*adas)[0].name, "second");
  EXPECT_EQ((*adas)[1].name, "first");
  EXPECT_EQ(keys_->List(std::nullopt)->size(), 3u);
  EXPECT_TRUE(keys_->List("nobody")->empty());
}

TEST_F(ApiKeyStoreTest, DatabaseFailuresAreUnavailableAndCreateNoKey) {
  for (int64_t n = 1; n <= 3; ++n) {
    faulty_->Arm(n);
    EXPECT_EQ(Code(keys_->Create({.user_name = "ada", .name = "k", .scopes = {"tasks:read"}})),
              "UNAVAILABLE")
        << n;
  }
  faulty_->Disarm();
  EXPECT_TRUE(keys_->List(std::nullopt)->empty());
  auto [raw, key] = NewKey({.user_name = "ada", .name = "k", .scopes = {"tasks:read"}});
  for (int64_t n = 1; n <= 3; ++n) {
    faulty_->Arm(n);
    EXPECT_EQ(Code(keys_->Verify(raw)), "UNAVAILABLE") << n;
  }
  faulty_->Disarm();
  EXPECT_FALSE(keys_->List("ada")->front().last_used_at.has_value());
}

TEST(LooksLikeApiKey, ChecksTheShapeOnly) {
  EXPECT_TRUE(LooksLikeApiKey("tw_" + std::string(43, 'a')));
  EXPECT_TRUE(LooksLikeApiKey("tw_" + std::string(41, 'Z') + "-_"));
  EXPECT_FALSE(LooksLikeApiKey("tw_" + std::string(42, 'a')));
  EXPECT_FALSE(LooksLikeApiKey("tw_" + std::string(44, 'a')));
  EXPECT_FALSE(LooksLikeApiKey("tx_" + std::string(43, 'a')));
  EXPECT_FALSE(LooksLikeApiKey("tw_" + std::string(42, 'a') + "="));
  EXPECT_FALSE(LooksLikeApiKey("eyJhbGciOiJIUzI1NiJ9.e30.sig"));
}

// Scopes -----------------------------------------------------------------------------------------

TEST(ParseScopes, ReadsAListSeparatedByCommasOrSpaces) {
  auto scopes = ParseScopes("tasks:read, tasks:write mcp:read,,");
  ASSERT_TRUE(scopes.has_value()) << scopes.error().ToString();
  EXPECT_EQ(*scopes, (std::set<std::string>{"mcp:read", "tasks:read", "tasks:write"}));
  EXPECT_EQ(JoinScopes(*scopes), "mcp:read tasks:read tasks:write");
}

TEST(ParseScopes, AllIsEveryGrantableScopeButNeverKeysManage) {
  auto scopes = ParseScopes("all");
  ASSERT_TRUE(scopes.has_value());
  EXPECT_EQ(scopes->size(), std::size(kGrantableScopes));
  for (std::string_view scope : kGrantableScopes) EXPECT_TRUE(scopes->contains(std::string(scope)));
  EXPECT_FALSE(scopes->contains("keys:manage")) << "keys:manage must be named";
  EXPECT_FALSE(IsGrantable("keys:manage"));
  auto named = ParseScopes("all,keys:manage");
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->size(), std::size(kAllScopes));
  EXPECT_TRUE(named->contains("keys:manage"));
}

TEST(ParseScopes, ReadIsTheReadScopes) {
  auto scopes = ParseScopes("read");
  ASSERT_TRUE(scopes.has_value());
  EXPECT_EQ(*scopes,
            (std::set<std::string>{"mcp:read", "organizations:read", "tasks:read", "jobs:read"}));
  EXPECT_FALSE(scopes->contains("tasks:write"));
  EXPECT_EQ(ParseScopes("read tasks:write")->size(), 5u);
}

TEST(ParseScopes, UnknownScopeIsInvalidArgumentNamingIt) {
  auto scopes = ParseScopes("tasks:read tasks:destroy");
  ASSERT_EQ(Code(scopes), "INVALID_ARGUMENT");
  EXPECT_NE(scopes.error().message().find("tasks:destroy"), std::string::npos);
  EXPECT_NE(scopes.error().message().find("tasks:write"), std::string::npos);  // lists the known
  EXPECT_EQ(Code(ParseScopes("TASKS:READ")), "INVALID_ARGUMENT");
}

TEST(ParseScopes, EmptyListIsInvalidArgument) {
  EXPECT_EQ(Code(ParseScopes("")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(ParseScopes(" , ,")), "INVALID_ARGUMENT");
}

}  // namespace
}  // namespace taskwire::auth
