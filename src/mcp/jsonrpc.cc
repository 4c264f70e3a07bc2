#include "mcp/jsonrpc.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace taskwire::mcp {

namespace {

bool IsValidId(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64(); }

ParseFailure Invalid(std::string message, json::value id = nullptr) {
  return ParseFailure{RpcError{kInvalidRequest, std::move(message), nullptr, 400}, std::move(id)};
}

}  // namespace

RpcError RpcError::InvalidParams(std::string message, json::value data) {
  return RpcError{kInvalidParams, std::move(message), std::move(data), 200};
}

RpcError RpcError::MethodNotFound(std::string_view method, int http_status) {
  return RpcError{kMethodNotFound, "method not found: " + std::string(method), nullptr,
                  http_status};
}

RpcError RpcError::Internal(std::string message) {
  return RpcError{kInternalError, std::move(message), nullptr, 200};
}

std::variant<Message, ParseFailure> ParseMessage(std::string_view body) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  json::value parsed = json::parse(body, ec, {}, options);
  if (ec) {
    return ParseFailure{
        RpcError{kParseError, "parse error: the body is not valid JSON", nullptr, 400}, nullptr};
  }
  if (parsed.is_array()) return Invalid("batches are not supported; send one message per request");
  if (!parsed.is_object()) return Invalid("a JSON-RPC message must be an object");
  json::object& object = parsed.as_object();

  json::value id = nullptr;
  if (const json::value* raw_id = object.if_contains("id");
      raw_id != nullptr && !raw_id->is_null()) {
    if (!IsValidId(*raw_id)) return Invalid("\"id\" must be a string or an integer");
    id = *raw_id;
  }
  const json::value* version = object.if_contains("jsonrpc");
  if (version == nullptr || !version->is_string() || version->as_string() != "2.0") {
    return Invalid("\"jsonrpc\" must be \"2.0\"", id);
  }

  Message message;
  message.id = id;
  if (const json::value* method = object.if_contains("method")) {
    if (!method->is_string()) return Invalid("\"method\" must be a string", id);
    message.method = std::string(method->as_string());
    message.kind = object.contains("id") && !id.is_null() ? Message::Kind::kRequest
                                                          : Message::Kind::kNotification;
    if (object.contains("id") && id.is_null()) return Invalid("\"id\" must not be null");
    if (json::value* params = object.if_contains("params")) {
      if (!params->is_object()) return Invalid("\"params\" must be an object", id);
      message.params = std::move(params->as_object());  // `parsed` is not used after this
      message.has_params = true;
    }
    return message;
  }
  const bool has_result = object.contains("result");
  const bool has_error = object.contains("error");
  if (has_result == has_error || id.is_null()) {
    return Invalid("a message needs \"method\", or an \"id\" with \"result\" or \"error\"", id);
  }
  message.kind = Message::Kind::kResponse;
  if (has_result) message.result = object.at("result");
  if (has_error) message.error = object.at("error");
  return message;
}

std::string EncodeResult(const json::value& id, const json::value& result) {
  return EncodeRawResult(id, json::serialize(result));
}

std::string EncodeRawResult(const json::value& id, std::string_view result) {
  // Written piece by piece: copying `result` into an envelope object would copy the whole tree.
  std::string out = ResultPrefix(id, result.size() + 1);
  out.append(result).push_back('}');
  return out;
}

std::string ResultPrefix(const json::value& id, size_t room) {
  constexpr std::string_view kHead = R"({"jsonrpc":"2.0","id":)";
  constexpr std::string_view kResult = R"(,"result":)";
  const std::string id_text = json::serialize(id);
  std::string out;
  out.reserve(kHead.size() + id_text.size() + kResult.size() + room);
  out.append(kHead).append(id_text).append(kResult);
  return out;
}

std::string EncodeError(const json::value& id, const RpcError& error) {
  json::object out;
  out["jsonrpc"] = "2.0";
  if (!id.is_null()) out["id"] = id;
  json::object body;
  body["code"] = error.code;
  body["message"] = error.message;
  if (!error.data.is_null()) body["data"] = error.data;
  out["error"] = std::move(body);
  return json::serialize(out);
}

std::string EncodeNotification(std::string_view method, json::object params) {
  json::object out;
  out["jsonrpc"] = "2.0";
  out["method"] = method;
  out["params"] = std::move(params);
  return json::serialize(out);
}

std::string EncodeRequest(const json::value& id, std::string_view method, json::object params) {
  json::object out;
  out["jsonrpc"] = "2.0";
  out["id"] = id;
  out["method"] = method;
  out["params"] = std::move(params);
  return json::serialize(out);
}

}  // namespace taskwire::mcp
