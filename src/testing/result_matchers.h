#pragma once

// Expectations on base::Result, so a failing test prints what came back:
//   EXPECT_EQ(Code(store.GetTask(actor, 7)), "NOT_FOUND");
//   EXPECT_THAT(store.GetTask(actor, 7), IsError(base::ErrorCode::kNotFound));
//   ASSERT_THAT(store.GetTask(actor, 7), IsOk());

#include <gmock/gmock.h>

#include <string>

#include "base/result.h"

namespace taskwire::testing {

// "OK", or the error's canonical name ("NOT_FOUND").
inline std::string Code(const base::Result<void>& result) {
  return result ? "OK" : std::string(base::ErrorCodeName(result.error().code()));
}
template <typename T>
std::string Code(const base::Result<T>& result) {
  return result ? "OK" : std::string(base::ErrorCodeName(result.error().code()));
}

// The error's message; "" when OK.
template <typename T>
std::string ErrorText(const base::Result<T>& result) {
  return result ? "" : result.error().message();
}

MATCHER(IsOk, negation ? "is an error" : "is OK") {
  if (arg) return true;
  *result_listener << "is " << arg.error().ToString();
  return false;
}

MATCHER_P(IsError, code,
          std::string(negation ? "is not the error " : "is the error ") +
              std::string(base::ErrorCodeName(code))) {
  if (!arg) {
    *result_listener << "is " << arg.error().ToString();
    return arg.error().code() == code;
  }
  *result_listener << "is OK";
  return false;
}

}  // namespace taskwire::testing
