#pragma once

#include <functional>
#include <string>

#include "base/worker_pool.h"
#include "http/address.h"
#include "http/host_guard.h"
#include "http/router.h"
#include "oauth/authorization_server.h"

namespace taskwire::oauth {

// The authorization server's machine-facing endpoints (the pages are web/'s):
//   GET  /.well-known/oauth-authorization-server  RFC 8414 metadata (and the OpenID alias)
//   GET  /oauth/jwks                              the published signing keys
//   POST /oauth/token                             codes and refresh tokens for access tokens
//   POST /oauth/register                          RFC 7591 dynamic registration
//   POST /oauth/revoke                            RFC 7009
// None uses cookies, so browsers may call them from any origin (CORS "*").
class Endpoints {
 public:
  Endpoints(AuthorizationServer& server, base::WorkerPool& pool,
            std::function<Site(const http::Request&)> site, const http::SourcePolicy& sources)
      : server_(server), pool_(pool), site_(std::move(site)), sources_(sources) {}

  void Register(http::Router& router) const;
  // When the issuer comes from the Host header (server.public_url unset): the metadata refuses a
  // Host `guard` does not accept, and is private to each Host (Vary: Host). Set before serving;
  // null (the default) when the issuer is fixed.
  void SetHostGuard(const http::HostGuard* guard) { guard_ = guard; }

 private:
  AuthorizationServer& server_;
  base::WorkerPool& pool_;
  const std::function<Site(const http::Request&)> site_;
  const http::SourcePolicy& sources_;
  const http::HostGuard* guard_ = nullptr;
};

// What these endpoints answer when the worker pool is full (RFC 6749 §5.2): 503 with
// {"error": "temporarily_unavailable", "error_description"}, never cached, any origin.
http::Response Overloaded();

}  // namespace taskwire::oauth
