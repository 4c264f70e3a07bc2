#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/caller.h"
#include "api/discovery.h"
#include "auth/api_keys.h"
#include "base/worker_pool.h"
#include "mcp/server.h"

namespace taskwire::api {

// Authenticates MCP and REST requests by "Authorization: Bearer <API key>". A verified key is
// remembered for `cache_ttl`, so the hot path does not touch the database; a miss is verified on
// the worker pool, never on the network thread. Revoke() forgets a key at once; a key revoked by
// another process (the CLI) stops working within `cache_ttl`. Thread-safe.
class KeyAuthenticator final : public mcp::Authenticator {
 public:
  KeyAuthenticator(auth::ApiKeyStore& keys, base::WorkerPool& pool, const Discovery& discovery,
                   std::chrono::milliseconds cache_ttl = std::chrono::seconds(5))
      : keys_(keys), pool_(pool), discovery_(discovery), cache_ttl_(cache_ttl) {}

  void Authenticate(const http::Request& request, std::function<void(Outcome)> done) override;

  // Requests without an Authorization header whose connection comes from a loopback address act
  // as `caller` (auth.loopback_bypass). Decided by the socket's peer, never by a header. Set
  // before serving.
  void SetLoopbackCaller(std::shared_ptr<const Caller> caller) { loopback_caller_ = std::move(caller); }

 private:
  struct Cached {
    std::shared_ptr<const Caller> caller;
    std::chrono::steady_clock::time_point until;
  };

  auth::ApiKeyStore& keys_;
  base::WorkerPool& pool_;
  const Discovery& discovery_;
  const std::chrono::milliseconds cache_ttl_;
  std::shared_ptr<const Caller> loopback_caller_;
  std::mutex mutex_;  // guards cache_
  std::unordered_map<std::string, Cached> cache_;  // by SHA-256 of the key
};

}  // namespace taskwire::api
