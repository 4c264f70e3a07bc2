#pragma once

// What the operation files (api/operations.cc, api/job_operations.cc, api/trash_operations.cc,
// api/question_operations.cc)
// share: reading arguments their schema has checked, the schemas and annotations they have in
// common, and the adapters between answers as trees and as text. Internal to api/.

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "api/caller.h"
#include "base/json_writer.h"
#include "base/result.h"
#include "mcp/schema.h"
#include "tasks/model.h"

namespace taskwire::api::parts {

namespace json = boost::json;
using mcp::Schema;

// Arguments were checked against the operation's schema: these only convert.
inline int64_t IntArg(const json::object& arguments, std::string_view key) {
  const json::value& value = arguments.at(key);
  if (value.is_int64()) return value.as_int64();
  if (value.is_uint64()) return static_cast<int64_t>(value.as_uint64());
  return static_cast<int64_t>(value.as_double());
}

inline std::optional<int64_t> OptionalInt(const json::object& arguments, std::string_view key) {
  const json::value* value = arguments.if_contains(key);
  if (value == nullptr || value->is_null()) return std::nullopt;
  return IntArg(arguments, key);
}

inline std::optional<std::string> OptionalString(const json::object& arguments,
                                                 std::string_view key) {
  const json::value* value = arguments.if_contains(key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->as_string());
}

inline std::string StringArg(const json::object& arguments, std::string_view key) {
  return std::string(arguments.at(key).as_string());
}

// Adapts an operation that builds its answer as a tree to Operation::run (the answer as text).
template <typename Build>
auto Serialized(Build build) {
  return [build = std::move(build)](const json::object& arguments,
                                    const Caller& caller) -> base::Result<std::string> {
    auto answer = build(arguments, caller);
    if (!answer) return std::move(answer).error();
    return json::serialize(*answer);
  };
}

// The object a writer of members renders, as a tree: the json::object renderings are these
// writers' text parsed, so that each field list is written once.
template <typename Write>
inline json::object Parsed(Write write) {
  base::JsonWriter out;
  write(out);
  return std::move(json::parse(std::move(out).Finish()).as_object());
}

inline Schema IdSchema(std::string_view what) {
  return Schema::Integer().Minimum(1).Description(std::string("The ") + std::string(what) + " id.");
}

inline Schema LimitSchema() {
  return Schema::Integer()
      .Minimum(1)
      .Maximum(static_cast<double>(tasks::kMaxPage))
      .Description("Results per page, 1 to 50 (default 50).");
}

inline Schema CursorSchema() {
  return Schema::String().MaxLength(200).Description(
      "nextCursor of the previous page; leave out for the first page.");
}

inline Schema Open() { return Schema::Object().AdditionalProperties(true); }

// TODO, IN_PROGRESS, DONE, CANCELLED; and a task as every operation answers it (operations.cc).
Schema StatusSchema();
Schema TaskSchema();
// A question as every operation answers it (operations.cc).
Schema QuestionSchema();

inline json::object Annotations(bool read_only, bool destructive, bool idempotent) {
  json::object annotations{{"readOnlyHint", read_only}, {"openWorldHint", false}};
  if (!read_only) {
    annotations["destructiveHint"] = destructive;
    annotations["idempotentHint"] = idempotent;
  }
  return annotations;
}

// When a wait of `wait` from now ends for `caller`: at its credential's expiry at the latest, where
// the check after the wait refuses it.
inline std::chrono::steady_clock::time_point DeadlineFor(const Caller& caller,
                                                         std::chrono::milliseconds wait) {
  const auto now = std::chrono::steady_clock::now();
  auto deadline = now + wait;
  if (const auto expires = caller.Expires()) {
    const auto left = *expires - std::chrono::system_clock::now();
    deadline = std::min(
        deadline, now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(left));
  }
  return deadline;
}

}  // namespace taskwire::api::parts
