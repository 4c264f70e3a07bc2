#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace taskwire::mcp {

// Seals handler state into the opaque requestState of an InputRequired result, so a retry that
// any replica receives can trust it (MCP 2026-07-28, Multi Round-Trip Requests, "Security"): the
// payload is bound by HMAC-SHA256 to the caller, the method and the tool/prompt/resource name,
// and expires. Thread-safe (immutable).
class RequestStateSealer {
 public:
  RequestStateSealer(std::string key, std::chrono::seconds lifetime, const base::Clock& clock)
      : key_(std::move(key)), lifetime_(lifetime), clock_(clock) {}

  // "rs1.<expiry>.<payload b64url>.<mac b64url>"
  std::string Seal(std::string_view payload, std::string_view subject, std::string_view method,
                   std::string_view target) const;
  // The payload, or nullopt when the state was altered, belongs to another caller, method or
  // target, or has expired.
  std::optional<std::string> Open(std::string_view sealed, std::string_view subject,
                                  std::string_view method, std::string_view target) const;

 private:
  std::string Mac(std::string_view expiry, std::string_view payload, std::string_view subject,
                  std::string_view method, std::string_view target) const;

  const std::string key_;
  const std::chrono::seconds lifetime_;
  const base::Clock& clock_;
};

}  // namespace taskwire::mcp
