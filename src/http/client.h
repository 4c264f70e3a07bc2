#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/address.h"
#include "http/message.h"

namespace taskwire::http {

struct ClientResponse {
  int status = 0;
  Headers headers;
};

// Sends one request on a connection of its own to an http:// or https:// URL (certificates are
// checked against the system's trust store, and the host name against the certificate) and
// streams the answer: `on_response` gets the status and headers, then `on_body` each piece of
// the body as it arrives, so a text/event-stream is seen live. `on_body` returns false to stop
// reading. `on_sent`, when given, runs once the request is written (or failed to be), so callers
// can keep requests in order while their answers overlap. Blocking; Unavailable naming the URL
// when the server cannot be reached or the answer breaks off, InvalidArgument for a URL that is
// not http(s).
base::Result<void> Fetch(Method method, std::string_view url, const Headers& headers,
                         std::string_view body,
                         const std::function<void(const ClientResponse&)>& on_response,
                         const std::function<bool(std::string_view)>& on_body,
                         const std::function<void()>& on_sent = {});

struct FetchLimits {
  // For the whole exchange: resolve, connect, TLS, write, read.
  std::chrono::milliseconds timeout{5000};
  // A larger body (by Content-Length, or as it streams) fails.
  size_t max_body = 64 * 1024;
  // Called with every address the host name resolves to; only addresses it accepts are connected
  // to, so the check and the connection use the same address (no DNS rebinding in between).
  // Null accepts every address.
  std::function<bool(const IpAddress&)> allow_address;
  // A PEM file of CA certificates trusted for https besides the system's ("" = none): for tests
  // and private CAs.
  std::string extra_ca_file;
};

struct FetchedDocument {
  int status = 0;
  Headers headers;
  std::string body;
};

// GETs `url` (http or https, certificates checked as in Fetch) with `headers` on a connection of
// its own, follows no redirects (a 3xx is returned as it is; the caller decides), and reads the
// whole body within `limits`: for documents named by someone we do not trust (OAuth Client ID
// Metadata Documents, JWKS). Blocking. Unavailable naming the URL and the reason (cannot
// resolve, resolves only to addresses that are not allowed, cannot connect, timed out, body too
// large, TLS failure, malformed answer); InvalidArgument for a URL that is not http(s) or carries
// userinfo.
base::Result<FetchedDocument> FetchBounded(std::string_view url, const Headers& headers,
                                           const FetchLimits& limits);

// True for addresses a server must not fetch from on a user's say-so: loopback, private
// (RFC 1918, 100.64/10, fc00::/7), link-local, unspecified, multicast, broadcast, documentation,
// benchmarking and reserved ranges, and IPv6 forms that embed such an IPv4 address (IPv4-mapped,
// IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16).
bool IsPrivateOrReserved(const IpAddress& address);

}  // namespace taskwire::http
