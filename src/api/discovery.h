#pragma once

#include <string>

#include "http/host_guard.h"
#include "http/message.h"
#include "http/router.h"

namespace taskwire::api {

// Where clients learn how to authenticate (RFC 9728 protected resource metadata), and the
// WWW-Authenticate challenges that point there (MCP authorization; RFC 6750 §3).
class Discovery {
 public:
  // `public_url` is server.public_url ("" to derive it from each request's Host);
  // `authorization_server` the issuer clients get tokens from ("" = this server).
  Discovery(std::string public_url, std::string mcp_path, std::string authorization_server = "")
      : public_url_(std::move(public_url)),
        mcp_path_(std::move(mcp_path)),
        authorization_server_(std::move(authorization_server)) {}

  // Serves the metadata at /.well-known/oauth-protected-resource<mcp_path> and at the root
  // /.well-known/oauth-protected-resource. Its URLs come from the Host header when public_url is
  // unset: then `host_guard` (not null) refuses a Host that does not name this server, and the
  // answers are private to each Host (Vary: Host), so no cache hands one Host's answer to another.
  void Register(http::Router& router, const http::HostGuard* host_guard) const;

  // "https://tasks.example.com", or "http://<Host>" (a Host that is not a plain host name and
  // port counts as "localhost").
  std::string BaseUrl(const http::Request& request) const;
  // The MCP endpoint's canonical URL: the `resource` of the metadata.
  std::string ResourceUrl(const http::Request& request) const;
  std::string MetadataUrl(const http::Request& request) const;

  // The WWW-Authenticate challenge of a 401: no credential, or a bad one (then
  // error="invalid_token" with `message` as its description).
  std::string Challenge(const http::Request& request, std::string_view message,
                        bool token_given) const;
  // 403: the credential lacks `scope`. With `json_rpc`, the body is a JSON-RPC error.
  http::Response InsufficientScope(const http::Request& request, std::string_view scope,
                                   bool json_rpc) const;

 private:
  const std::string public_url_;
  const std::string mcp_path_;
  const std::string authorization_server_;
};

}  // namespace taskwire::api
