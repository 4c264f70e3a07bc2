#include "mcp/envelope.h"

#include <algorithm>

#include "base/base64url.h"

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

}  // namespace taskwire::mcp
