#include "api/errors.h"

#include <array>

#include "api/caller.h"

namespace taskwire::api {

namespace {

using base::ErrorCode;

// In base::ErrorCode's order, one row per code; docs/rest.md "Errors" lists the same.
constexpr std::array<ErrorAnswer, 11> kTable = {{
    /* kInvalidArgument */ {400, "invalid_argument", true, false},
    /* kNotFound */ {404, "not_found", true, false},
    /* kAlreadyExists */ {409, "already_exists", true, false},
    /* kFailedPrecondition */ {409, "failed_precondition", true, false},
    /* kAborted */ {409, "aborted", true, false},
    /* kUnauthenticated */ {401, "unauthenticated", true, false},
    /* kPermissionDenied */ {403, "permission_denied", true, false},
    /* kResourceExhausted */ {429, "resource_exhausted", true, false},
    /* kDeadlineExceeded */ {504, "deadline_exceeded", false, false},
    /* kUnavailable */ {503, "unavailable", false, true},
    /* kInternal */ {500, "internal", false, false},
}};
static_assert(static_cast<size_t>(ErrorCode::kInternal) + 1 == kTable.size(), "one row per code");

}  // namespace

const ErrorAnswer& AnswerOf(ErrorCode code) { return kTable.at(static_cast<size_t>(code)); }

http::Response RestError(const base::Error& error) {
  const ErrorAnswer& answer = AnswerOf(error.code());
  http::Response response =
      http::Response::JsonError(answer.rest_status, answer.rest_code, error.message());
  if (answer.retry_after) response.headers.Set("Retry-After", "1");
  return response;
}

http::Response RestOverloaded() {
  return RestError(base::Error::Unavailable("the server is overloaded; retry"));
}

http::Response ReviewModeRefusal() {
  return http::Response::JsonError(403, "review_mode", std::string(kReviewModeRefusal));
}

std::string McpMessage(const base::Error& error) {
  if (AnswerOf(error.code()).actionable) return error.message();
  return error.message() + std::string(kRetryHint);
}

}  // namespace taskwire::api
