#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace taskwire::base {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return Error::InvalidArgument(std::to_string(n) + " is odd");
  return n / 2;
}

TEST(Result, HoldsAValueOrAnError) {
  auto ok = Half(4);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 2);
  auto bad = Half(3);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().ToString(), "INVALID_ARGUMENT: 3 is odd");
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(Result, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> result(std::make_unique<int>(7));
  std::unique_ptr<int> owned = std::move(result).value();
  EXPECT_EQ(*owned, 7);
}

TEST(Result, VoidResultIsOkOrError) {
  Result<void> ok = Ok();
  EXPECT_TRUE(ok.has_value());
  Result<void> bad = Error::Unavailable("disk full");
  EXPECT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kUnavailable);
}

TEST(Error, NamedFactoriesUseTheirCanonicalCodes) {
  EXPECT_EQ(Error::NotFound("task", "42").message(), "task 42 not found");
  EXPECT_EQ(Error::NotFound("task", "42").code(), ErrorCode::kNotFound);
  EXPECT_EQ(Error::AlreadyExists("x").code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Error::FailedPrecondition("x").code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Error::Aborted("x").code(), ErrorCode::kAborted);
  EXPECT_EQ(Error::Unauthenticated("x").code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(Error::PermissionDenied("x").code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Error::ResourceExhausted("x").code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(Error::DeadlineExceeded("x").code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(Error::Internal("x").code(), ErrorCode::kInternal);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kPermissionDenied), "PERMISSION_DENIED");
}

TEST(Error, WithContextKeepsTheCode) {
  const Error error = Error::Unavailable("disk full").WithContext("saving task 7");
  EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(error.message(), "saving task 7: disk full");
}

TEST(Error, AReasonTellsErrorsOfOneCodeApartAndSurvivesContext) {
  EXPECT_EQ(Error::InvalidArgument("x").reason(), "");
  const Error error =
      Error::InvalidArgument("tasks:admin was not granted").WithReason("invalid_scope");
  EXPECT_EQ(error.reason(), "invalid_scope");
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.message(), "tasks:admin was not granted");
  EXPECT_EQ(error.WithContext("refresh").reason(), "invalid_scope");
}

TEST(ResultDeathTest, ValueOfAnErrorIsABug) {
  Result<int> bad = Error::Internal("boom");
  EXPECT_DEATH((void)bad.value(), "CHECK failed");
}

}  // namespace
}  // namespace taskwire::base
