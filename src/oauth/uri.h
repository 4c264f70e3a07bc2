#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace taskwire::oauth {

// An absolute URI split into its parts (RFC 3986 §3), strictly and without decoding, for the
// decisions OAuth makes about redirect URIs, client ids and resources. Written here rather than
// taken from Boost.URL 1.81, whose parser reads the host of "http://127.0.0.1.evil.example/" as
// "127.0.0.1".
struct UriParts {
  std::string scheme;          // lowercased
  bool has_authority = false;  // "//" follows the scheme
  bool has_userinfo = false;
  std::string host;  // lowercased; IPv6 literals keep their brackets: "[::1]"
  std::string port;  // digits, or "" when absent
  std::string path;
  std::optional<std::string> query;
  bool has_fragment = false;

  bool IsLoopbackHttp() const {
    return scheme == "http" && (host == "127.0.0.1" || host == "localhost" || host == "[::1]");
  }
  // "host" or "host:port".
  std::string HostAndPort() const { return port.empty() ? host : host + ":" + port; }
};

// nullopt when `uri` is not an absolute URI: no scheme, a host with characters a host name or
// IP literal cannot have, or a port that is not 1 to 5 digits.
std::optional<UriParts> SplitUri(std::string_view uri);

}  // namespace taskwire::oauth
