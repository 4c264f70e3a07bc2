#include "auth/sessions.h"

#include <gtest/gtest.h>

#include "auth/password.h"
#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/temp_dir.h"

namespace taskwire::auth {
namespace {

class SessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    sessions_ = std::make_unique<SessionStore>(*database_, clock_);
    AddUser("ada", "old-password");
    AddUser("bob", "bobs-password");
  }

  void AddUser(const std::string& name, const std::string& password) {
    testing::AddUser(*database_, name, HashPassword(password).value());
  }

  std::pair<std::string, Session> SignIn(const std::string& name, const std::string& password) {
    auto signed_in = sessions_->SignIn(name, password);
    EXPECT_TRUE(signed_in.has_value()) << name;
    return signed_in.value_or(std::pair<std::string, Session>{});
  }

  bool Live(const std::string& cookie) { return sessions_->Find(cookie).has_value(); }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<SessionStore> sessions_;
};

TEST_F(SessionStoreTest, ChangingThePasswordEndsEveryOtherSessionOfThatPersonOnly) {
  const auto [here, session] = SignIn("ada", "old-password");
  const auto laptop = SignIn("ada", "old-password").first;
  const auto phone = SignIn("ada", "old-password").first;
  const auto bobs = SignIn("bob", "bobs-password").first;
  auto wrong = sessions_->ChangePassword(session, "not-the-password", "new-password", here);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), base::ErrorCode::kUnauthenticated);
  EXPECT_TRUE(Live(laptop)) << "a wrong current password changes nothing";
  auto short_one = sessions_->ChangePassword(session, "old-password", "short", here);
  ASSERT_FALSE(short_one.has_value());
  EXPECT_EQ(short_one.error().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Live(laptop));

  ASSERT_TRUE(sessions_->ChangePassword(session, "old-password", "new-password", here).has_value());
  EXPECT_TRUE(Live(here)) << "the session that changed it stays";
  EXPECT_FALSE(Live(laptop));
  EXPECT_FALSE(Live(phone));
  EXPECT_TRUE(Live(bobs)) << "another person's sessions are not touched";
  EXPECT_FALSE(sessions_->SignIn("ada", "old-password").has_value());
  EXPECT_TRUE(sessions_->SignIn("ada", "new-password").has_value());
}

TEST_F(SessionStoreTest, SettingThePasswordWithoutASessionToKeepEndsThemAll) {
  const auto first = SignIn("ada", "old-password").first;
  const auto second = SignIn("ada", "old-password").first;
  ASSERT_TRUE(sessions_->SetPassword("ada", HashPassword("another-password").value()).has_value());
  EXPECT_FALSE(Live(first));
  EXPECT_FALSE(Live(second));
  EXPECT_TRUE(sessions_->SignIn("ada", "another-password").has_value());
  auto missing = sessions_->SetPassword("nobody", "x");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), base::ErrorCode::kNotFound);
}

TEST_F(SessionStoreTest, SignOutEverywhereEndsEverySessionOfThePerson) {
  const auto first = SignIn("ada", "old-password").first;
  const auto second = SignIn("ada", "old-password").first;
  const auto bobs = SignIn("bob", "bobs-password").first;
  auto ended = sessions_->SignOutEverywhere("ada");
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(*ended, 2);
  EXPECT_FALSE(Live(first));
  EXPECT_FALSE(Live(second));
  EXPECT_TRUE(Live(bobs));
  EXPECT_EQ(*sessions_->SignOutEverywhere("ada"), 0);
  const auto kept = SignIn("bob", "bobs-password").first;
  EXPECT_EQ(*sessions_->SignOutEverywhere("bob", kept), 1);
  EXPECT_TRUE(Live(kept));
  EXPECT_FALSE(Live(bobs));
  EXPECT_EQ(sessions_->SignOutEverywhere("nobody").error().code(), base::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace taskwire::auth
