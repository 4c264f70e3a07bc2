#include "api/caller.h"

#include <gtest/gtest.h>

#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace taskwire::api {
namespace {

using namespace std::chrono_literals;

// A credential's answers to Caller::StillValid, which streams ask before each batch they deliver.
class CallerTest : public ::testing::Test {
 protected:
  // A caller whose recheck answers `answer` and counts how often it was asked.
  std::shared_ptr<const Caller> Verified(std::optional<base::WallTime> expires = std::nullopt) {
    auth::Identity identity{.user_id = 1,
                            .user_name = "ada",
                            .credential = "key:1",
                            .client = "c",
                            .scopes = {},
                            .review = auth::ReviewMode::kOff,
                            .expires = expires};
    return std::make_shared<const Caller>(std::move(identity), &signal_, signal_.Stamp(), [this] {
      ++asked_;
      return answer_;
    });
  }

  testing::TempDir dir_;
  const auth::RevocationSignal signal_{dir_.File("credentials.revoked")};
  testing::FakeClock clock_;
  std::optional<bool> answer_ = true;
  int asked_ = 0;
};

TEST_F(CallerTest, HoldsWithoutAskingUntilSomethingIsRevoked) {
  auto caller = Verified();
  EXPECT_TRUE(caller->StillValid(clock_.Now()));
  EXPECT_TRUE(caller->StillValid(clock_.Now()));
  EXPECT_EQ(asked_, 0);
  // Another credential was revoked: asked once, then quiet again until the next revocation.
  ASSERT_TRUE(signal_.Raise().has_value());
  EXPECT_TRUE(caller->StillValid(clock_.Now()));
  EXPECT_TRUE(caller->StillValid(clock_.Now()));
  EXPECT_EQ(asked_, 1);
}

TEST_F(CallerTest, ARevokedCredentialStaysRefused) {
  auto caller = Verified();
  ASSERT_TRUE(signal_.Raise().has_value());
  answer_ = false;
  EXPECT_FALSE(caller->StillValid(clock_.Now()));
  answer_ = true;  // never asked again: a revocation is final
  EXPECT_FALSE(caller->StillValid(clock_.Now()));
  EXPECT_EQ(asked_, 1);
}

TEST_F(CallerTest, AnUnansweredRecheckHoldsAndIsAskedAgain) {
  auto caller = Verified();
  ASSERT_TRUE(signal_.Raise().has_value());
  answer_ = std::nullopt;  // the database is busy
  EXPECT_TRUE(caller->StillValid(clock_.Now()));
  answer_ = false;
  EXPECT_FALSE(caller->StillValid(clock_.Now()));
  EXPECT_EQ(asked_, 2);
}

TEST_F(CallerTest, AnExpiredCredentialIsRefusedWithoutAsking) {
  auto caller = Verified(clock_.Now() + 10s);
  EXPECT_EQ(caller->Expires(), clock_.Now() + 10s);
  EXPECT_TRUE(caller->StillValid(clock_.Now() + 9s));
  EXPECT_FALSE(caller->StillValid(clock_.Now() + 10s));
  EXPECT_EQ(asked_, 0);
}

TEST_F(CallerTest, ACallerWithoutRecheckHoldsUntilItsExpiry) {
  const Caller loopback(auth::Identity{.user_id = 1,
                                       .user_name = "ada",
                                       .credential = "loopback",
                                       .client = "local",
                                       .scopes = {},
                                       .review = auth::ReviewMode::kOff,
                                       .expires = {}});
  ASSERT_TRUE(signal_.Raise().has_value());
  EXPECT_TRUE(loopback.StillValid(clock_.Now()));
  EXPECT_EQ(loopback.Expires(), std::nullopt);
}

}  // namespace
}  // namespace taskwire::api
