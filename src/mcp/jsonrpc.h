#pragma once

// JSON-RPC 2.0 as MCP uses it: one message per HTTP body, ids that are strings or integers.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace taskwire::mcp {

namespace json = boost::json;

// JSON-RPC 2.0 §5.1 and MCP's own codes (MCP 2026-07-28 basic, "Error codes").
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kLegacyResourceNotFound = -32002;  // 2025-11-25 and earlier
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kMissingRequiredClientCapability = -32021;
inline constexpr int kUnsupportedProtocolVersion = -32022;

// An error answer: the JSON-RPC error object and the HTTP status it travels with.
struct RpcError {
  int code = kInternalError;
  std::string message;
  json::value data;  // null: no "data" member
  int http_status = 200;

  static RpcError InvalidParams(std::string message, json::value data = nullptr);
  static RpcError MethodNotFound(std::string_view method, int http_status);
  static RpcError Internal(std::string message);
};

struct Message {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  json::value id;  // string or integer; null for notifications
  std::string method;
  json::object params;  // {} when absent
  bool has_params = false;
  json::value result;  // kResponse: the result, or null
  json::value error;   // kResponse: the error object, or null
};

struct ParseFailure {
  RpcError error;
  json::value id;  // the request's id when it could be read, else null
};

// Parses one JSON-RPC message. -32700 for text that is not JSON; -32600 for JSON that is not a
// request, notification or response (including batches, which MCP removed in 2025-06-18).
// Both with HTTP 400.
std::variant<Message, ParseFailure> ParseMessage(std::string_view body);

std::string EncodeResult(const json::value& id, const json::value& result);
// The same, with `result` already serialized (a JSON object's text, inserted as it is).
std::string EncodeRawResult(const json::value& id, std::string_view result);
// A result message for `id` up to where the result goes, with `room` reserved after it: the
// caller appends the result's text and a closing '}'.
std::string ResultPrefix(const json::value& id, size_t room);
// An id of null is left out, as for errors about unreadable messages.
std::string EncodeError(const json::value& id, const RpcError& error);
std::string EncodeNotification(std::string_view method, json::object params);
std::string EncodeRequest(const json::value& id, std::string_view method, json::object params);

}  // namespace taskwire::mcp
