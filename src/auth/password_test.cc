#include "auth/password.h"

#include <gtest/gtest.h>

namespace taskwire::auth {
namespace {

TEST(Password, HashesVerifyOnlyTheirPassword) {
  auto hash = HashPassword("correct horse battery");
  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse batterx"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(Password, SamePasswordHashesDifferently) {
  EXPECT_NE(*HashPassword("same password"), *HashPassword("same password"));
}

TEST(Password, RejectsTooShortAndTooLong) {
  EXPECT_EQ(HashPassword("short").error().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(HashPassword(std::string(kMaxPasswordLength + 1, 'x')).has_value());
}

TEST(Password, MalformedHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("", "anything"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "anything"));
  EXPECT_FALSE(VerifyPassword(std::string(500, 'x'), "anything"));
}

TEST(Password, GeneratedPasswordsAreLongAndDistinct) {
  const std::string a = GeneratePassword();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_NE(a, GeneratePassword());
  EXPECT_TRUE(HashPassword(a).has_value());
}

}  // namespace
}  // namespace taskwire::auth
