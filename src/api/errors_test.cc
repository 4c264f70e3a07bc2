#include "api/errors.h"

#include <gtest/gtest.h>

#include <vector>

namespace taskwire::api {
namespace {

using base::ErrorCode;

struct Row {
  ErrorCode code;
  int rest_status;
  std::string_view rest_code;
  bool actionable;
  bool retry_after;
};

// docs/rest.md "Errors" and docs/mcp.md "Errors", as a table.
const std::vector<Row> kExpected = {
    {ErrorCode::kInvalidArgument, 400, "invalid_argument", true, false},
    {ErrorCode::kNotFound, 404, "not_found", true, false},
    {ErrorCode::kAlreadyExists, 409, "already_exists", true, false},
    {ErrorCode::kFailedPrecondition, 409, "failed_precondition", true, false},
    {ErrorCode::kAborted, 409, "aborted", true, false},
    {ErrorCode::kUnauthenticated, 401, "unauthenticated", true, false},
    {ErrorCode::kPermissionDenied, 403, "permission_denied", true, false},
    {ErrorCode::kResourceExhausted, 429, "resource_exhausted", true, false},
    {ErrorCode::kDeadlineExceeded, 504, "deadline_exceeded", false, false},
    {ErrorCode::kUnavailable, 503, "unavailable", false, true},
    {ErrorCode::kInternal, 500, "internal", false, false},
};

TEST(Errors, EveryCodeHasItsRestStatusCodeAndMcpAnswer) {
  ASSERT_EQ(kExpected.size(), static_cast<size_t>(ErrorCode::kInternal) + 1)
      << "a row for every code";
  for (const Row& row : kExpected) {
    const std::string name(base::ErrorCodeName(row.code));
    const ErrorAnswer& answer = AnswerOf(row.code);
    EXPECT_EQ(answer.rest_status, row.rest_status) << name;
    EXPECT_EQ(answer.rest_code, row.rest_code) << name;
    EXPECT_EQ(answer.actionable, row.actionable) << name;
    EXPECT_EQ(answer.retry_after, row.retry_after) << name;

    const base::Error error(row.code, "task 42: the reason");
    const http::Response rest = RestError(error);
    EXPECT_EQ(rest.status, row.rest_status) << name;
    EXPECT_EQ(rest.body, R"({"error":{"code":")" + std::string(row.rest_code) +
                             R"(","message":"task 42: the reason"}})")
        << name;
    EXPECT_EQ(rest.headers.Get("Retry-After") == std::optional<std::string_view>("1"),
              row.retry_after)
        << name;

    // MCP: the real reason always; a hint to retry exactly when the server, not the request,
    // failed.
    const std::string mcp = McpMessage(error);
    EXPECT_TRUE(mcp.starts_with("task 42: the reason")) << name << ": " << mcp;
    EXPECT_EQ(mcp.find("retry") != std::string::npos, !row.actionable) << name << ": " << mcp;
  }
}

TEST(Errors, AFullPoolIsRestsUnavailableWithRetryAfter) {
  const http::Response busy = RestOverloaded();
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.body,
            R"({"error":{"code":"unavailable","message":"the server is overloaded; retry"}})");
  EXPECT_EQ(*busy.headers.Get("Retry-After"), "1");
}

}  // namespace
}  // namespace taskwire::api
