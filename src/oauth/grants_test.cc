#include "oauth/grants.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace taskwire::oauth {
namespace {

using namespace std::chrono_literals;

// RFC 7636 appendix B.
constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr std::string_view kClient = "twd_client";
constexpr std::string_view kRedirect = "http://127.0.0.1:4711/callback";
constexpr std::string_view kResource = "https://tw.example/mcp";

using testing::Code;

class GrantStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    signal_ = std::make_unique<auth::RevocationSignal>(dir_.File("revoked"));
    grants_ =
        std::make_unique<GrantStore>(*database_, clock_, signal_.get(), GrantStore::Options{});
    ada_ = AddUser("ada");
    bob_ = AddUser("bob");
  }

  int64_t AddUser(const std::string& name) { return testing::AddUser(*database_, name); }

  CodeRequest Request(std::set<std::string> scopes, int64_t user_id = 0) const {
    CodeRequest request;
    request.user_id = user_id == 0 ? ada_ : user_id;
    request.client_id = std::string(kClient);
    request.client_name = "Claude";
    request.redirect_uri = std::string(kRedirect);
    request.code_challenge = std::string(kChallenge);
    request.resource = std::string(kResource);
    request.scopes = std::move(scopes);
    return request;
  }

  std::string NewCode(std::set<std::string> scopes, int64_t user_id = 0) {
    auto code = grants_->IssueCode(Request(std::move(scopes), user_id));
    EXPECT_TRUE(code.has_value()) << code.error().ToString();
    return code.value_or("");
  }

  base::Result<Issued> ExchangeWith(std::string_view code) {
    return grants_->ExchangeCode(code, kClient, kRedirect, kVerifier, std::string_view(kResource));
  }

  // A code exchanged for a token family.
  Issued Exchange(std::set<std::string> scopes, int64_t user_id = 0) {
    auto issued = ExchangeWith(NewCode(std::move(scopes), user_id));
    EXPECT_TRUE(issued.has_value()) << issued.error().ToString();
    return issued.value_or(Issued{});
  }

  base::Result<Issued> RefreshWith(
      std::string_view token, const std::optional<std::set<std::string>>& scopes = std::nullopt) {
    return grants_->Refresh(token, kClient, scopes, std::nullopt);
  }

  std::optional<Grant> Live(int64_t user_id) {
    auto grant = grants_->Find(user_id, kClient);
    EXPECT_TRUE(grant.has_value()) << grant.error().ToString();
    return grant.value_or(std::nullopt);
  }

  const std::set<std::string> kReadWriteOffline{"tasks:read", "tasks:write", "offline_access"};

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<auth::RevocationSignal> signal_;
  std::unique_ptr<GrantStore> grants_;
  int64_t ada_ = 0;
  int64_t bob_ = 0;
};

TEST_F(GrantStoreTest, ExchangeCodeIssuesTheGrantedScopesForTheUserAndResource) {
  auto issued = ExchangeWith(NewCode({"tasks:read", "mcp:read"}));
  ASSERT_TRUE(issued.has_value()) << issued.error().ToString();
  EXPECT_EQ(issued->user_id, ada_);
  EXPECT_EQ(issued->user_name, "ada");
  EXPECT_EQ(issued->client_id, kClient);
  EXPECT_EQ(issued->scopes, (std::set<std::string>{"mcp:read", "tasks:read"}));
  EXPECT_EQ(issued->resource, kResource);
  EXPECT_FALSE(issued->family_id.empty());
  EXPECT_EQ(issued->refresh_token, "") << "no refresh token without offline_access";
  auto grant = Live(ada_);
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(issued->grant_id, grant->id);

  auto family = grants_->CheckFamily(issued->family_id);
  ASSERT_TRUE(family.has_value()) << family.error().ToString();
  EXPECT_EQ(family->user_id, ada_);
  EXPECT_EQ(family->user_name, "ada");
  EXPECT_EQ(family->grant_id, grant->id);
  EXPECT_EQ(family->client_name, "Claude");
}

TEST_F(GrantStoreTest, TheConsentFormsReviewModeIsTheGrantsUntilTheFormSaysOtherwise) {
  // Unticked: the grant's writes apply.
  Issued plain = Exchange({"tasks:write"});
  EXPECT_EQ(grants_->CheckFamily(plain.family_id)->review, auth::ReviewMode::kOff);
  // "Ask me before this app changes anything": every token of the grant is in review mode, the
  // ones issued before too, since the family is read on each verification.
  CodeRequest ticked = Request({"tasks:write"});
  ticked.review = auth::ReviewMode::kPerson;
  auto code = grants_->IssueCode(ticked);
  ASSERT_TRUE(code.has_value());
  auto reviewed = ExchangeWith(*code);
  ASSERT_TRUE(reviewed.has_value()) << reviewed.error().ToString();
  EXPECT_EQ(grants_->CheckFamily(reviewed->family_id)->review, auth::ReviewMode::kPerson);
  EXPECT_EQ(grants_->CheckFamily(plain.family_id)->review, auth::ReviewMode::kPerson);
  EXPECT_EQ(Live(ada_)->review, auth::ReviewMode::kPerson);
  // A request an earlier consent covers (no form) keeps it.
  Exchange({"tasks:write"});
  EXPECT_EQ(Live(ada_)->review, auth::ReviewMode::kPerson);
  // The form shown again, unticked, turns it off.
  CodeRequest unticked = Request({"tasks:write"});
  unticked.review = auth::ReviewMode::kOff;
  ASSERT_TRUE(grants_->IssueCode(unticked).has_value());
  EXPECT_EQ(grants_->CheckFamily(plain.family_id)->review, auth::ReviewMode::kOff);
}

TEST_F(GrantStoreTest, ExchangeCodeWithOfflineAccessIssuesARefreshToken) {
  Issued issued = Exchange(kReadWriteOffline);
  EXPECT_EQ(issued.scopes, kReadWriteOffline);
  EXPECT_GE(issued.refresh_token.size(), 40u);
}

TEST_F(GrantStoreTest, CodesAndRefreshTokensAreStoredOnlyAsHashes) {
  const std::string code = NewCode(kReadWriteOffline);
  auto issued = ExchangeWith(code);
  ASSERT_TRUE(issued.has_value());
  auto tx = database_->Begin(store::Access::kRead);
  auto rows =
      (*tx)->Query("SELECT hash FROM oauth_codes UNION ALL SELECT hash FROM oauth_refresh_tokens");
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 2u);
  for (const auto& row : *rows) {
    EXPECT_NE(row.Text(0), code);
    EXPECT_NE(row.Text(0), issued->refresh_token);
    EXPECT_EQ(row.Text(0).size(), 64u);
  }
}

TEST_F(GrantStoreTest, UnknownCodeIsInvalidGrant) {
  EXPECT_EQ(Code(ExchangeWith("no-such-code")), "PERMISSION_DENIED");
}

TEST_F(GrantStoreTest, WrongVerifierIsInvalidGrant) {
  const std::string code = NewCode({"tasks:read"});
  auto issued =
      grants_->ExchangeCode(code, kClient, kRedirect, "A" + std::string(kVerifier.substr(1)),
                            std::string_view(kResource));
  EXPECT_EQ(Code(issued), "PERMISSION_DENIED");
  // Too short to be a verifier at all.
  EXPECT_EQ(Code(grants_->ExchangeCode(code, kClient, kRedirect, "short", std::nullopt)),
            "PERMISSION_DENIED");
  // The challenge itself is not the verifier.
  EXPECT_EQ(Code(grants_->ExchangeCode(code, kClient, kRedirect, kChallenge, std::nullopt)),
            "PERMISSION_DENIED");
}

TEST_F(GrantStoreTest, CodeOfAnotherClientIsInvalidGrant) {
  const std::string code = NewCode({"tasks:read"});
  EXPECT_EQ(Code(grants_->ExchangeCode(code, "twd_other", kRedirect, kVerifier, std::nullopt)),
            "PERMISSION_DENIED");
}

TEST_F(GrantStoreTest, CodeWithAnotherRedirectUriIsInvalidGrant) {
  const std::string code = NewCode({"tasks:read"});
  EXPECT_EQ(Code(grants_->ExchangeCode(code, kClient, "http://127.0.0.1:4712/callback", kVerifier,
                                       std::nullopt)),
            "PERMISSION_DENIED");
}

TEST_F(GrantStoreTest, CodeForAnotherResourceIsInvalidGrant) {
  const std::string code = NewCode({"tasks:read"});
  EXPECT_EQ(Code(grants_->ExchangeCode(code, kClient, kRedirect, kVerifier,
                                       std::string_view("https://other.example/mcp"))),
            "PERMISSION_DENIED");
}

TEST_F(GrantStoreTest, CodeExpiresAfterSixtySeconds) {
  const std::string fresh = NewCode({"tasks:read"});
  clock_.Advance(59s);
  EXPECT_EQ(Code(ExchangeWith(fresh)), "OK");

  const std::string stale = NewCode({"tasks:read"});
  clock_.Advance(61s);
  auto issued = ExchangeWith(stale);
  ASSERT_EQ(Code(issued), "PERMISSION_DENIED");
  EXPECT_NE(issued.error().message().find("expired"), std::string::npos)
      << issued.error().message();
}

TEST_F(GrantStoreTest, ReusedCodeIsRefusedAndRevokesWhatItGave) {
  const std::string code = NewCode(kReadWriteOffline);
  auto first = ExchangeWith(code);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(Code(grants_->CheckFamily(first->family_id)), "OK");
  const uint64_t stamp = signal_->Stamp();

  EXPECT_EQ(Code(ExchangeWith(code)), "PERMISSION_DENIED");
  EXPECT_EQ(Code(grants_->CheckFamily(first->family_id)), "UNAUTHENTICATED");
  EXPECT_EQ(Code(RefreshWith(first->refresh_token)), "PERMISSION_DENIED");
  EXPECT_NE(signal_->Stamp(), stamp) << "the revocation must raise the signal";
}

TEST_F(GrantStoreTest, RefreshRotatesAndAReplayAfterTheGraceRevokesTheFamily) {
  Issued first = Exchange(kReadWriteOffline);
  auto second = RefreshWith(first.refresh_token);
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_EQ(second->family_id, first.family_id);
  EXPECT_EQ(second->scopes, kReadWriteOffline);
  EXPECT_EQ(second->user_id, ada_);
  EXPECT_FALSE(second->refresh_token.empty());
  EXPECT_NE(second->refresh_token, first.refresh_token);

  clock_.Advance(31s);
  const uint64_t stamp = signal_->Stamp();
  auto replay = RefreshWith(first.refresh_token);
  ASSERT_EQ(Code(replay), "PERMISSION_DENIED");
  EXPECT_NE(replay.error().message().find("already used"), std::string::npos)
      << replay.error().message();
  EXPECT_EQ(Code(grants_->CheckFamily(first.family_id)), "UNAUTHENTICATED");
  EXPECT_EQ(Code(RefreshWith(second->refresh_token)), "PERMISSION_DENIED")
      << "the whole family is revoked";
  EXPECT_NE(signal_->Stamp(), stamp);
}

// RFC 9700 §4.14.2. A client whose answer was lost retries once, soon, with the old token, and
// has never seen (so never used) the successor: that retry alone is answered.
TEST_F(GrantStoreTest, ARetryWithinTheGraceIsAnsweredOnceWhenTheSuccessorWasNeverUsed) {
  Issued first = Exchange(kReadWriteOffline);
  auto second = RefreshWith(first.refresh_token);
  ASSERT_TRUE(second.has_value());

  clock_.Advance(10s);
  auto retry = RefreshWith(first.refresh_token);
  ASSERT_TRUE(retry.has_value()) << retry.error().ToString();
  EXPECT_EQ(retry->family_id, first.family_id);
  EXPECT_NE(retry->refresh_token, second->refresh_token);
  EXPECT_NE(retry->refresh_token, first.refresh_token);
  EXPECT_EQ(Code(grants_->CheckFamily(first.family_id)), "OK")
      << "a retry does not revoke the family";
  auto third = RefreshWith(retry->refresh_token);
  ASSERT_TRUE(third.has_value()) << third.error().ToString();
  EXPECT_EQ(Code(RefreshWith(third->refresh_token)), "OK");
}

TEST_F(GrantStoreTest, ASecondReplayWithinTheGraceRevokesTheFamily) {
  Issued first = Exchange(kReadWriteOffline);
  ASSERT_EQ(Code(RefreshWith(first.refresh_token)), "OK");
  clock_.Advance(2s);
  auto retry = RefreshWith(first.refresh_token);
  ASSERT_TRUE(retry.has_value()) << retry.error().ToString();

  clock_.Advance(2s);
  const uint64_t stamp = signal_->Stamp();
  auto again = RefreshWith(first.refresh_token);
  ASSERT_EQ(Code(again), "PERMISSION_DENIED");
  EXPECT_NE(again.error().message().find("revoked"), std::string::npos) << again.error().message();
  EXPECT_EQ(Code(grants_->CheckFamily(first.family_id)), "UNAUTHENTICATED");
  EXPECT_EQ(Code(RefreshWith(retry->refresh_token)), "PERMISSION_DENIED")
      << "the retry's tokens die too";
  EXPECT_NE(signal_->Stamp(), stamp);
}

// The thief's case: the successor was already used (by the client, or by the thief), so the
// first answer was not lost.
TEST_F(GrantStoreTest, AReplayAfterTheSuccessorWasUsedRevokesTheFamilyEvenWithinTheGrace) {
  Issued first = Exchange(kReadWriteOffline);
  auto second = RefreshWith(first.refresh_token);
  ASSERT_TRUE(second.has_value());
  auto third = RefreshWith(second->refresh_token);
  ASSERT_TRUE(third.has_value());

  clock_.Advance(5s);
  auto replay = RefreshWith(first.refresh_token);
  ASSERT_EQ(Code(replay), "PERMISSION_DENIED");
  EXPECT_EQ(Code(grants_->CheckFamily(first.family_id)), "UNAUTHENTICATED");
  EXPECT_EQ(Code(RefreshWith(third->refresh_token)), "PERMISSION_DENIED");
}

// Both answers reached someone: the one the retry replaced comes back.
TEST_F(GrantStoreTest, ASuccessorReplacedByARetryThatComesBackRevokesTheFamily) {
  Issued first = Exchange(kReadWriteOffline);
  auto second = RefreshWith(first.refresh_token);
  ASSERT_TRUE(second.has_value());
  auto retry = RefreshWith(first.refresh_token);
  ASSERT_TRUE(retry.has_value());

  auto replaced = RefreshWith(second->refresh_token);
  ASSERT_EQ(Code(replaced), "PERMISSION_DENIED");
  EXPECT_NE(replaced.error().message().find("replaced by a retry"), std::string::npos)
      << replaced.error().message();
  EXPECT_EQ(Code(grants_->CheckFamily(first.family_id)), "UNAUTHENTICATED");
  EXPECT_EQ(Code(RefreshWith(retry->refresh_token)), "PERMISSION_DENIED");
}

TEST_F(GrantStoreTest, ARefusedRetryOfAnotherClientRevokesNothing) {
  Issued first = Exchange(kReadWriteOffline);
  auto second = RefreshWith(first.refresh_token);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(Code(grants_->Refresh(first.refresh_token, "twd_other", std::nullopt, std::nullopt)),
            "PERMISSION_DENIED");
  EXPECT_EQ(Code(RefreshWith(second->refresh_token)), "OK");
}

// Options::family_lifetime: rotating keeps each refresh token fresh, never the family.
TEST_F(GrantStoreTest, RefreshStopsAtTheFamilysAbsoluteLifetime) {
  grants_ = std::make_unique<GrantStore>(
      *database_, clock_, signal_.get(),
      GrantStore::Options{.refresh_lifetime = 30 * 24h, .family_lifetime = 90 * 24h});
  Issued first = Exchange(kReadWriteOffline);
  std::string token = first.refresh_token;
  for (int i = 0; i < 4; ++i) {  // days 20, 40, 60, 80
    clock_.Advance(20 * 24h);
    auto next = RefreshWith(token);
    ASSERT_TRUE(next.has_value()) << "day " << (i + 1) * 20 << ": " << next.error().ToString();
    token = next->refresh_token;
  }
  clock_.Advance(10 * 24h);  // day 90: the last token has 20 days left of its own lifetime
  auto late = RefreshWith(token);
  ASSERT_EQ(Code(late), "PERMISSION_DENIED");
  EXPECT_NE(late.error().message().find("absolute lifetime"), std::string::npos)
      << late.error().message();
}

TEST_F(GrantStoreTest, RefreshMayNarrowButNeverWidenTheScopes) {
  Issued first = Exchange(kReadWriteOffline);
  auto wider = RefreshWith(first.refresh_token, std::set<std::string>{"tasks:read", "tasks:admin"});
  ASSERT_EQ(Code(wider), "INVALID_ARGUMENT");
  EXPECT_TRUE(wider.error().message().starts_with("invalid_scope: ")) << wider.error().message();
  EXPECT_EQ(wider.error().reason(), kInvalidScope) << "typed, not read from the message";
  EXPECT_NE(wider.error().message().find("tasks:admin"), std::string::npos);

  // The refused request rotated nothing: the token still works.
  auto narrower = RefreshWith(first.refresh_token, std::set<std::string>{"tasks:read"});
  ASSERT_TRUE(narrower.has_value()) << narrower.error().ToString();
  EXPECT_EQ(narrower->scopes, (std::set<std::string>{"offline_access", "tasks:read"}));
  EXPECT_FALSE(narrower->refresh_token.empty());
}

TEST_F(GrantStoreTest, RefreshRefusesAnotherClientAnotherResourceAnUnknownOrExpiredToken) {
  Issued first = Exchange(kReadWriteOffline);
  EXPECT_EQ(Code(grants_->Refresh(first.refresh_token, "twd_other", std::nullopt, std::nullopt)),
            "PERMISSION_DENIED");
  EXPECT_EQ(Code(grants_->Refresh(first.refresh_token, kClient, std::nullopt,
                                  std::string_view("https://other.example/mcp"))),
            "PERMISSION_DENIED");
  EXPECT_EQ(Code(RefreshWith("no-such-token")), "PERMISSION_DENIED");
  // None of the refusals above used the token up.
  EXPECT_EQ(Code(grants_->CheckFamily(first.family_id)), "OK");

  Issued other = Exchange(kReadWriteOffline, bob_);
  clock_.Advance(30 * 24h + 1s);
  auto expired = RefreshWith(other.refresh_token);
  ASSERT_EQ(Code(expired), "PERMISSION_DENIED");
  EXPECT_NE(expired.error().message().find("expired"), std::string::npos)
      << expired.error().message();
}

TEST_F(GrantStoreTest, RevokingTheGrantCutsItsFamiliesOff) {
  Issued issued = Exchange(kReadWriteOffline);
  const uint64_t stamp = signal_->Stamp();
  auto revoked = grants_->Revoke(issued.grant_id);
  ASSERT_TRUE(revoked.has_value()) << revoked.error().ToString();
  EXPECT_EQ(revoked->id, issued.grant_id);
  EXPECT_TRUE(revoked->revoked_at.has_value());
  EXPECT_NE(signal_->Stamp(), stamp);

  EXPECT_EQ(Code(grants_->CheckFamily(issued.family_id)), "UNAUTHENTICATED");
  EXPECT_EQ(Code(RefreshWith(issued.refresh_token)), "PERMISSION_DENIED");
  EXPECT_FALSE(Live(ada_).has_value());
  auto live = grants_->List(std::string_view("ada"));
  ASSERT_TRUE(live.has_value());
  EXPECT_TRUE(live->empty());
  auto all = grants_->List(std::string_view("ada"), /*include_revoked=*/true);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE(all->front().revoked_at.has_value());

  EXPECT_EQ(Code(grants_->Revoke(issued.grant_id)), "OK") << "revoking twice is not an error";
}

TEST_F(GrantStoreTest, RevokingAnotherUsersGrantIsNotFound) {
  Issued issued = Exchange({"tasks:read"});
  EXPECT_EQ(Code(grants_->Revoke(issued.grant_id, std::string_view("bob"))), "NOT_FOUND");
  EXPECT_EQ(Code(grants_->CheckFamily(issued.family_id)), "OK");
  EXPECT_EQ(Code(grants_->Revoke(issued.grant_id + 100)), "NOT_FOUND");
  EXPECT_EQ(Code(grants_->Revoke(issued.grant_id, std::string_view("ada"))), "OK");
  EXPECT_EQ(Code(grants_->CheckFamily(issued.family_id)), "UNAUTHENTICATED");
}

TEST_F(GrantStoreTest, ListShowsLastUsedAtAfterUse) {
  (void)NewCode({"tasks:read"}, bob_);
  auto before = grants_->List(std::string_view("bob"));
  ASSERT_TRUE(before.has_value());
  ASSERT_EQ(before->size(), 1u);
  EXPECT_FALSE(before->front().last_used_at.has_value());
  EXPECT_EQ(before->front().user_name, "bob");
  EXPECT_EQ(before->front().client_id, kClient);
  EXPECT_EQ(before->front().created_at, base::FormatIso8601(clock_.Now()));

  Issued issued = Exchange({"tasks:read"});
  clock_.Advance(5min);
  ASSERT_EQ(Code(grants_->CheckFamily(issued.family_id)), "OK");
  auto after = grants_->List(std::string_view("ada"));
  ASSERT_TRUE(after.has_value());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(after->front().last_used_at, base::FormatIso8601(clock_.Now()));

  auto everyone = grants_->List(std::nullopt);
  ASSERT_TRUE(everyone.has_value());
  EXPECT_EQ(everyone->size(), 2u);
}

TEST_F(GrantStoreTest, ASecondConsentGrowsTheGrantsScopes) {
  (void)NewCode({"tasks:read", "mcp:read"});
  const std::string second = NewCode({"tasks:write"});
  auto grant = Live(ada_);
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->scopes, (std::set<std::string>{"mcp:read", "tasks:read", "tasks:write"}));
  auto all = grants_->List(std::nullopt, true);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 1u) << "one grant per person and client";
  // The code carries what was granted this time.
  auto issued = ExchangeWith(second);
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ(issued->scopes, (std::set<std::string>{"tasks:write"}));
}

TEST_F(GrantStoreTest, FindReturnsTheLiveGrant) {
  EXPECT_FALSE(Live(ada_).has_value());
  (void)NewCode({"tasks:read"});
  auto grant = Live(ada_);
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->user_id, ada_);
  EXPECT_EQ(grant->user_name, "ada");
  EXPECT_EQ(grant->client_id, kClient);
  EXPECT_EQ(grant->client_name, "Claude");
  EXPECT_EQ(grant->scopes, (std::set<std::string>{"tasks:read"}));
  EXPECT_FALSE(grant->revoked_at.has_value());
  EXPECT_FALSE(Live(bob_).has_value());
  auto other = grants_->Find(ada_, "twd_other");
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->has_value());
}

TEST_F(GrantStoreTest, OnlyTheTokensClientMayRevokeIt) {
  Issued issued = Exchange(kReadWriteOffline);
  EXPECT_EQ(Code(grants_->RevokeRefreshToken(issued.refresh_token, "twd_other")),
            "PERMISSION_DENIED");
  EXPECT_EQ(Code(grants_->RevokeFamily(issued.family_id, "twd_other")), "PERMISSION_DENIED");
  EXPECT_EQ(Code(grants_->CheckFamily(issued.family_id)), "OK");

  EXPECT_EQ(Code(grants_->RevokeRefreshToken("no-such-token", kClient)), "OK") << "RFC 7009 §2.2";
  EXPECT_EQ(Code(grants_->RevokeRefreshToken(issued.refresh_token, kClient)), "OK");
  EXPECT_EQ(Code(grants_->CheckFamily(issued.family_id)), "UNAUTHENTICATED");
  EXPECT_EQ(Code(RefreshWith(issued.refresh_token)), "PERMISSION_DENIED");
}

TEST_F(GrantStoreTest, RevokeFamilyCutsAnAccessTokensFamily) {
  Issued issued = Exchange({"tasks:read"});
  EXPECT_EQ(Code(grants_->RevokeFamily("no-such-family", kClient)), "OK");
  EXPECT_EQ(Code(grants_->RevokeFamily(issued.family_id, kClient)), "OK");
  EXPECT_EQ(Code(grants_->CheckFamily(issued.family_id)), "UNAUTHENTICATED");
  EXPECT_TRUE(Live(ada_).has_value()) << "the grant itself stays";
}

TEST_F(GrantStoreTest, ADeletedUsersTokensStopWorking) {
  Issued issued = Exchange(kReadWriteOffline);
  {
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE((*tx)->Execute(
        "UPDATE users SET deleted_at = '2026-01-01T00:00:00.000Z' WHERE id = ?", {ada_}));
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  EXPECT_EQ(Code(grants_->CheckFamily(issued.family_id)), "UNAUTHENTICATED");
  EXPECT_EQ(Code(RefreshWith(issued.refresh_token)), "PERMISSION_DENIED");
}

TEST(Pkce, S256ChallengeMatchesRfc7636AppendixB) {
  EXPECT_EQ(S256Challenge(kVerifier), kChallenge);
  EXPECT_NE(S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl"), kChallenge);
}

TEST(Pkce, VerifierIs43To128UnreservedCharacters) {
  EXPECT_TRUE(IsValidVerifier(kVerifier));
  EXPECT_FALSE(IsValidVerifier(std::string(42, 'a')));
  EXPECT_TRUE(IsValidVerifier(std::string(43, 'a')));
  EXPECT_TRUE(IsValidVerifier(std::string(128, 'a')));
  EXPECT_FALSE(IsValidVerifier(std::string(129, 'a')));
  EXPECT_FALSE(IsValidVerifier(""));
  EXPECT_TRUE(IsValidVerifier(std::string(40, 'a') + "-._~"));
  EXPECT_FALSE(IsValidVerifier(std::string(42, 'a') + "+"));
  EXPECT_FALSE(IsValidVerifier(std::string(42, 'a') + "/"));
  EXPECT_FALSE(IsValidVerifier(std::string(42, 'a') + "="));
  EXPECT_FALSE(IsValidVerifier(std::string(42, 'a') + " "));
  EXPECT_FALSE(IsValidVerifier(std::string(42, 'a') + "\xc3"));
}

TEST(GrantState, RevokedBeforeOwnerDeletedBeforeActive) {
  Grant grant;
  EXPECT_EQ(GrantState(grant), "active");
  grant.owner_deleted = true;
  EXPECT_EQ(GrantState(grant), "owner-deleted");
  grant.revoked_at = "2026-01-01T00:00:00.000Z";
  EXPECT_EQ(GrantState(grant), "revoked");
}

}  // namespace
}  // namespace taskwire::oauth
