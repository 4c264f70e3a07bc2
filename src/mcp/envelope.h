#pragma once

// The transport envelope of one request to the MCP endpoint: what its HTTP headers say, read
// once into a plain struct (MCP 2026-07-28 transports, "Custom headers"; MCP 2025-11-25
// transports for the session and resumption headers), and the header-value encoding both
// directions of the wire use.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"
#include "mcp/jsonrpc.h"

namespace taskwire::mcp {

// MCP 2026-07-28 basic, "_meta": the per-request protocol keys.
inline constexpr std::string_view kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kMetaClientCapabilities =
    "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view kMetaClientInfo = "io.modelcontextprotocol/clientInfo";
inline constexpr std::string_view kMetaLogLevel = "io.modelcontextprotocol/logLevel";
inline constexpr std::string_view kMetaServerInfo = "io.modelcontextprotocol/serverInfo";
inline constexpr std::string_view kMetaSubscriptionId = "io.modelcontextprotocol/subscriptionId";

inline constexpr std::string_view kSessionHeader = "Mcp-Session-Id";

// Which revision family a request belongs to: 2026-07-28 (stateless, self-describing) or a
// 2025-x session revision.
enum class Era { kModern, kLegacy };

struct Envelope {
  Era era = Era::kLegacy;  // set by EraOf for a POST's message; GET and DELETE are legacy
  // Every value below is trimmed of spaces and tabs, and still encoded (see DecodeHeaderValue).
  std::optional<std::string> protocol_version;  // MCP-Protocol-Version
  std::optional<std::string> method;            // Mcp-Method
  std::optional<std::string> name;              // Mcp-Name
  // Mcp-Param-<name>: (<name>, value), the first of each name, in the order sent.
  std::vector<std::pair<std::string, std::string>> params;
  std::optional<std::string> session_id;     // Mcp-Session-Id
  std::optional<std::string> last_event_id;  // Last-Event-ID
  bool accepts_event_stream = false;         // Accept names text/event-stream or */*

  // The value of Mcp-Param-<name>, the name compared without case; nullptr when absent.
  const std::string* Param(std::string_view name) const;
};

// Reads the envelope from a request's headers (the era stays kLegacy).
Envelope ReadEnvelope(const http::Headers& headers);

// MCP 2026-07-28 basic/versioning: modern markers in the message's _meta, or a version header
// that is not a legacy revision, make the request a stateless one.
Era EraOf(const Envelope& envelope, const Message& message);

bool IsLegacyVersion(std::string_view version);

// The message's params._meta object, or nullptr.
const json::object* MetaOf(const json::object& params);

// MCP 2026-07-28 transports, "Header encoding": "=?base64?<base64 of UTF-8>?=" carries values
// that are not safe as header text; anything else is literal. Decoding fails (nullopt) on
// invalid base64 only.
std::optional<std::string> DecodeHeaderValue(std::string_view value);
// The inverse: `value` as it is when it is plain visible ASCII without surrounding spaces (and
// cannot be mistaken for an encoded value), else its base64 form.
std::string EncodeHeaderValue(std::string_view value);

}  // namespace taskwire::mcp
