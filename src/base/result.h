#pragma once

// Errors are values. A fallible function returns base::Result<T>: either a T or a base::Error
// carrying one of the canonical codes below (after Abseil's absl/status/status.h) and a message
// written for the person who will read it. GCC 12 has no std::expected, so Result offers the
// subset of its interface we use.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/check.h"

namespace taskwire::base {

enum class ErrorCode {
  kInvalidArgument,     // the caller sent something malformed or out of range
  kNotFound,            // no such thing, or not visible to this caller
  kAlreadyExists,       // a unique thing that exists already
  kFailedPrecondition,  // the system is not in a state where this can be done
  kAborted,             // a conflict, such as a stale version; retrying may work
  kUnauthenticated,     // no valid credential
  kPermissionDenied,    // a valid credential that may not do this
  kResourceExhausted,   // a limit was reached (size, rate, count)
  kDeadlineExceeded,    // it took too long
  kUnavailable,         // a dependency is down; retrying later may work
  kInternal,            // a bug or an unexpected failure of our own
};

// The canonical name of `code`, e.g. "NOT_FOUND".
std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error InvalidArgument(std::string message);
  // "<what> <id> not found", e.g. NotFound("task", "42").
  static Error NotFound(std::string_view what, std::string_view id);
  static Error AlreadyExists(std::string message);
  static Error FailedPrecondition(std::string message);
  static Error Aborted(std::string message);
  static Error Unauthenticated(std::string message);
  static Error PermissionDenied(std::string message);
  static Error ResourceExhausted(std::string message);
  static Error DeadlineExceeded(std::string message);
  static Error Unavailable(std::string message);
  static Error Internal(std::string message);

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NOT_FOUND: task 42 not found"
  std::string ToString() const;

  // Returns this error with `context` in front of the message: "context: message".
  Error WithContext(std::string_view context) const;

  // What an edge needs to tell this error apart from others of its code, when its protocol
  // names them apart (OAuth's invalid_scope among InvalidArgument refusals): a string literal
  // the module that makes the error declares; "" for none. Kept by WithContext.
  std::string_view reason() const { return reason_; }
  Error WithReason(std::string_view literal) const {
    Error tagged = *this;
    tagged.reason_ = literal;
    return tagged;
  }

 private:
  ErrorCode code_;
  std::string message_;
  std::string_view reason_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    CHECK(has_value());
    return std::get<0>(state_);
  }
  const T& value() const& {
    CHECK(has_value());
    return std::get<0>(state_);
  }
  T&& value() && {
    CHECK(has_value());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    CHECK(!has_value());
    return std::get<1>(state_);
  }
  Error&& error() && {
    CHECK(!has_value());
    return std::get<1>(std::move(state_));
  }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit

  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  void value() const { CHECK(has_value()); }
  const Error& error() const& {
    CHECK(!has_value());
    return *error_;
  }
  Error&& error() && {
    CHECK(!has_value());
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

// The success value of Result<void>.
inline Result<void> Ok() { return {}; }

}  // namespace taskwire::base
