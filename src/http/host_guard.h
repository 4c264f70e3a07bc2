#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace taskwire::http {

// DNS-rebinding protection (MCP 2025-11-25 and 2026-07-28 basic/transports, "Security Warning"):
// the Host header must name this server, and an Origin header, when present, must be an allowed
// web origin. Browsers always send Origin on cross-site requests, so a page on evil.example can
// neither reach a loopback server under its own name nor read its answers. Immutable after
// construction; safe from any thread.
class HostGuard {
 public:
  struct Policy {
    // Host names (no port) that name this server, e.g. "localhost", "127.0.0.1", "[::1]",
    // "tasks.example.com". Empty means any host is accepted (nothing to check against).
    std::vector<std::string> hosts;
    // Web origins allowed besides this server's own, e.g. "https://claude.ai".
    std::vector<std::string> origins;
    // Also accept any IP-literal Host ("192.0.2.7", "[2001:db8::1]"): for a server listening on
    // every address without server.public_url, whose own addresses are not known. A rebinding
    // attack needs a DNS name, so a name not in `hosts` is still refused.
    bool ip_literals = false;
  };

  explicit HostGuard(Policy policy);

  // Why a request is turned away (always with 403): an error code (forbidden_host,
  // forbidden_origin) and the reason, for edges that answer in their own shape.
  struct Refusal {
    std::string_view code;
    std::string message;
    // 403 with the REST error body {"error": {"code", "message"}}.
    Response ToResponse() const;
  };

  // nullopt when the request may proceed; otherwise why not.
  std::optional<Refusal> Refuse(const Request& request) const;
  // The Host half of Refuse.
  std::optional<Refusal> RefuseHost(const Request& request) const;
  // Refuse's answer as a REST error: nullopt when the request may proceed, else the 403.
  std::optional<Response> Check(const Request& request) const;
  // The Host half of Check, for routes any web origin may read (CORS "*") whose answers still
  // depend on the Host: OAuth discovery.
  std::optional<Response> CheckHost(const Request& request) const;

  bool HostAllowed(std::string_view host_header) const;
  // True when `origin` is allowed for a request that arrived with `host_header`: it is listed in
  // `origins`, or it is http://<host_header> for a host that names this server (plain HTTP, the
  // only scheme this server speaks) and is not the host of a listed https origin.
  bool OriginAllowed(std::string_view origin, std::string_view host_header) const;

  const Policy& policy() const { return policy_; }

 private:
  Policy policy_;
};

// The host part of a Host header or authority, lower-cased, without the port
// ("[::1]:8080" -> "[::1]", "Example.COM:443" -> "example.com"). nullopt when malformed.
std::optional<std::string> HostWithoutPort(std::string_view authority);

// "scheme://host[:port]" of `url`, lower-cased, with the scheme's default port left out;
// nullopt if `url` is not an absolute http(s) URL.
std::optional<std::string> OriginOf(std::string_view url);

}  // namespace taskwire::http
