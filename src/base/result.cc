#include "base/result.h"

namespace taskwire::base {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::kNotFound:
      return "NOT_FOUND";
    case ErrorCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case ErrorCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case ErrorCode::kAborted:
      return "ABORTED";
    case ErrorCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case ErrorCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case ErrorCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case ErrorCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case ErrorCode::kUnavailable:
      return "UNAVAILABLE";
    case ErrorCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

Error Error::InvalidArgument(std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message)};
}
Error Error::NotFound(std::string_view what, std::string_view id) {
  std::string message(what);
  message.append(" ").append(id).append(" not found");
  return {ErrorCode::kNotFound, std::move(message)};
}
Error Error::AlreadyExists(std::string message) {
  return {ErrorCode::kAlreadyExists, std::move(message)};
}
Error Error::FailedPrecondition(std::string message) {
  return {ErrorCode::kFailedPrecondition, std::move(message)};
}
Error Error::Aborted(std::string message) { return {ErrorCode::kAborted, std::move(message)}; }
Error Error::Unauthenticated(std::string message) {
  return {ErrorCode::kUnauthenticated, std::move(message)};
}
Error Error::PermissionDenied(std::string message) {
  return {ErrorCode::kPermissionDenied, std::move(message)};
}
Error Error::ResourceExhausted(std::string message) {
  return {ErrorCode::kResourceExhausted, std::move(message)};
}
Error Error::DeadlineExceeded(std::string message) {
  return {ErrorCode::kDeadlineExceeded, std::move(message)};
}
Error Error::Unavailable(std::string message) {
  return {ErrorCode::kUnavailable, std::move(message)};
}
Error Error::Internal(std::string message) { return {ErrorCode::kInternal, std::move(message)}; }

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code_));
  out.append(": ").append(message_);
  return out;
}

Error Error::WithContext(std::string_view context) const {
  std::string message(context);
  message.append(": ").append(message_);
  Error contextual(code_, std::move(message));
  contextual.reason_ = reason_;
  return contextual;
}

}  // namespace taskwire::base
