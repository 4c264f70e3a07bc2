// The transport envelope: what a request's headers say, read once (ReadEnvelope, EraOf), the
// header-value encoding, and, for mcp::Server, a 2026-07-28 request's envelope checked against
// its body in the spec's order before the method table (server.cc) takes it.
#include "mcp/envelope.h"

#include <algorithm>

#include "base/base64url.h"
#include "mcp/server_impl.h"

namespace taskwire::mcp {

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

constexpr std::string_view kParamPrefix = "Mcp-Param-";

bool HasModernMeta(const json::object& params) {
  const json::object* meta = MetaOf(params);
  if (meta == nullptr) return false;
  for (std::string_view key :
       {kMetaProtocolVersion, kMetaClientCapabilities, kMetaClientInfo, kMetaLogLevel}) {
    if (meta->contains(key)) return true;
  }
  return false;
}

}  // namespace

const std::string* Envelope::Param(std::string_view wanted) const {
  for (const auto& [param, value] : params) {
    if (http::EqualsIgnoreCase(param, wanted)) return &value;
  }
  return nullptr;
}

Envelope ReadEnvelope(const http::Headers& headers) {
  Envelope envelope;
  const auto read = [&](std::string_view name) -> std::optional<std::string> {
    const auto value = headers.Get(name);
    if (!value) return std::nullopt;
    return std::string(Trim(*value));
  };
  envelope.protocol_version = read("MCP-Protocol-Version");
  envelope.method = read("Mcp-Method");
  envelope.name = read("Mcp-Name");
  envelope.session_id = read(kSessionHeader);
  envelope.last_event_id = read("Last-Event-ID");
  const auto accept = headers.Get("Accept");
  envelope.accepts_event_stream =
      accept && (accept->find("text/event-stream") != std::string_view::npos ||
                 accept->find("*/*") != std::string_view::npos);
  for (const auto& [name, value] : headers) {
    if (name.size() <= kParamPrefix.size() ||
        !http::EqualsIgnoreCase(std::string_view(name).substr(0, kParamPrefix.size()),
                                kParamPrefix)) {
      continue;
    }
    const std::string_view param = std::string_view(name).substr(kParamPrefix.size());
    if (envelope.Param(param) == nullptr) envelope.params.emplace_back(param, Trim(value));
  }
  return envelope;
}

bool IsLegacyVersion(std::string_view version) {
  return version == "2024-11-05" || version == "2025-03-26" || version == "2025-06-18" ||
         version == "2025-11-25";
}

const json::object* MetaOf(const json::object& params) {
  const json::value* meta = params.if_contains("_meta");
  return meta != nullptr && meta->is_object() ? &meta->as_object() : nullptr;
}

Era EraOf(const Envelope& envelope, const Message& message) {
  const bool modern = HasModernMeta(message.params) ||
                      (envelope.protocol_version && !IsLegacyVersion(*envelope.protocol_version));
  return modern ? Era::kModern : Era::kLegacy;
}

namespace {
constexpr std::string_view kEncodedOpen = "=?base64?";
constexpr std::string_view kEncodedClose = "?=";
}  // namespace

std::optional<std::string> DecodeHeaderValue(std::string_view value) {
  if (value.starts_with(kEncodedOpen) && value.ends_with(kEncodedClose) &&
      value.size() >= kEncodedOpen.size() + kEncodedClose.size()) {
    auto decoded = base::Base64Decode(value.substr(
        kEncodedOpen.size(), value.size() - kEncodedOpen.size() - kEncodedClose.size()));
    if (!decoded) return std::nullopt;
    return std::move(*decoded);
  }
  return std::string(value);
}

std::string EncodeHeaderValue(std::string_view value) {
  const bool plain =
      !value.empty() && value.front() != ' ' && value.back() != ' ' && !value.starts_with("=?") &&
      std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (plain) return std::string(value);
  // RFC 4648 §4 base64 with padding, from the URL-safe alphabet.
  std::string encoded = base::Base64UrlEncode(value);
  for (char& c : encoded) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (encoded.size() % 4 != 0) encoded += '=';
  return std::string(kEncodedOpen) + encoded + std::string(kEncodedClose);
}

// ---- 2026-07-28: the envelope checked against the body ---------------------------------

namespace {

// Whether header text `header` (decoded) carries the JSON value `value`: strings as they are,
// numbers compared as numbers, booleans as "true"/"false".
bool HeaderMatches(std::string_view header, const json::value& value) {
  if (value.is_string()) return header == value.as_string();
  if (value.is_bool()) return header == (value.as_bool() ? "true" : "false");
  if (value.is_number()) {
    const std::string text(header);
    char* end = nullptr;
    const double number = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) return false;
    const double expected = value.is_int64()    ? static_cast<double>(value.as_int64())
                            : value.is_uint64() ? static_cast<double>(value.as_uint64())
                                                : value.as_double();
    return number == expected;
  }
  return false;
}

}  // namespace

std::optional<RpcError> Server::Impl::CheckModernHeaders(const Envelope& envelope,
                                                         const Message& message) {
  auto mismatch = [](std::string text) {
    return RpcError{kHeaderMismatch, std::move(text), nullptr, 400};
  };
  const auto& method = envelope.method;
  if (!method) return mismatch("the Mcp-Method header is required");
  if (*method != message.method) {
    return mismatch("the Mcp-Method header does not match the body's method");
  }
  std::string_view name_field;
  if (message.method == "tools/call" || message.method == "prompts/get") name_field = "name";
  if (message.method == "resources/read") name_field = "uri";
  // SEP-2663, "Streamable HTTP: Routing Headers": Mcp-Name carries the task id.
  if (message.method == "tasks/get" || message.method == "tasks/update" ||
      message.method == "tasks/cancel") {
    name_field = "taskId";
  }
  if (name_field.empty()) return std::nullopt;
  const json::value* body_name = message.params.if_contains(name_field);
  const auto& header_name = envelope.name;
  if (!header_name) return mismatch("the Mcp-Name header is required for " + message.method);
  auto decoded = DecodeHeaderValue(*header_name);
  if (!decoded) return mismatch("the Mcp-Name header has invalid base64");
  if (body_name == nullptr || !body_name->is_string() || body_name->as_string() != *decoded) {
    return mismatch("the Mcp-Name header does not match params." + std::string(name_field));
  }
  if (message.method != "tools/call") return std::nullopt;

  // Mcp-Param-* headers must mirror the arguments their tool marks with x-mcp-header.
  const Tool* tool = catalog.FindTool(*decoded);
  if (tool == nullptr) return std::nullopt;  // unknown tool: -32602 later
  const json::value* arguments = message.params.if_contains("arguments");
  for (const ParamHeader& param : catalog.ParamHeaders(*tool)) {
    const json::value* value = arguments;
    std::string where = "arguments";
    for (const std::string& key : param.path) {
      value =
          value != nullptr && value->is_object() ? value->as_object().if_contains(key) : nullptr;
      where += "." + key;
    }
    // "the Mcp-Param-X header" opens every refusal below.
    const std::string the_header = "the Mcp-Param-" + param.name + " header ";
    const std::string* header = envelope.Param(param.name);
    if (value == nullptr || value->is_null()) {
      if (header)
        return mismatch(
            std::string(the_header).append("is set but ").append(where).append(" is not"));
      continue;
    }
    if (!header) return mismatch(std::string(the_header).append("must carry ").append(where));
    auto decoded_value = DecodeHeaderValue(*header);
    if (!decoded_value) return mismatch(the_header + "has invalid base64");
    if (!HeaderMatches(*decoded_value, *value)) {
      return mismatch(std::string(the_header).append("does not match ").append(where));
    }
  }
  return std::nullopt;
}

void Server::Impl::HandleModern(const Envelope& envelope, Message& message,
                                const Principal& principal, std::unique_ptr<Channel>& channel) {
  auto fail = [&](const RpcError& error) { channel->Fail(message.id, error); };

  // MCP 2026-07-28 basic/transports, the order in which a request's headers and body are checked.
  const auto& header_version = envelope.protocol_version;
  if (!header_version) {
    return fail({kHeaderMismatch, "the MCP-Protocol-Version header is required", nullptr, 400});
  }
  const json::object* meta = MetaOf(message.params);
  const json::value* version = meta ? meta->if_contains(kMetaProtocolVersion) : nullptr;
  const json::value* capabilities = meta ? meta->if_contains(kMetaClientCapabilities) : nullptr;
  if (meta == nullptr || version == nullptr || !version->is_string() || capabilities == nullptr ||
      !capabilities->is_object()) {
    return fail({kInvalidParams,
                 "params._meta must carry \"io.modelcontextprotocol/protocolVersion\" and "
                 "\"io.modelcontextprotocol/clientCapabilities\"",
                 nullptr, 400});
  }
  if (*header_version != version->as_string()) {
    return fail({kHeaderMismatch,
                 "the MCP-Protocol-Version header does not match params._meta's protocolVersion",
                 nullptr, 400});
  }
  if (*header_version != kModernVersion) {
    return fail({kUnsupportedProtocolVersion, "unsupported protocol version",
                 json::object{{"supported", json::array{kModernVersion}},
                              {"requested", version->as_string()}},
                 400});
  }
  if (auto mismatch = CheckModernHeaders(envelope, message)) return fail(*mismatch);

  std::optional<LogLevel> log_level;
  if (const json::value* level = meta->if_contains(kMetaLogLevel)) {
    log_level = level->is_string() ? ParseLogLevel(level->as_string()) : std::nullopt;
    if (!log_level) return fail(RpcError::InvalidParams("unknown log level in params._meta"));
  }

  Incoming incoming{.envelope = envelope,
                    .message = message,
                    .principal = principal,
                    .channel = channel,
                    .session = nullptr,
                    .client_capabilities = &capabilities->as_object(),
                    .log_level = log_level};
  Dispatch(incoming);
}

}  // namespace taskwire::mcp
