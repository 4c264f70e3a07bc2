#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include "api/caller.h"
#include "api/discovery.h"
#include "auth/api_keys.h"
#include "auth/failure_limiter.h"
#include "auth/revocation_signal.h"
#include "auth/sessions.h"
#include "base/log.h"
#include "base/lru_map.h"
#include "base/worker_pool.h"
#include "http/address.h"
#include "http/host_guard.h"
#include "oauth/authorization_server.h"

namespace taskwire::api {

// The one gate of the task API: MCP and REST requests alike are let through as a Caller, by
// "Authorization: Bearer <API key or OAuth access token>", in this order:
//  0. the Host and Origin headers must name this server (DNS-rebinding protection), else 403;
//     the MCP transport runs this check itself (mcp::RegisterEndpoint), so its requests enter
//     at step 1 (AuthenticateGuarded) and the guard runs once per request;
//  1. the source address must be allowed (server.allow_origins), else 403;
//  2. on REST, a request without the header that carries the web pages' session cookie acts as
//     the signed-in person (tasks::Surface::kWeb, every scope a person holds), once the session
//     is found on the worker pool; one that changes something (any method but GET, HEAD and
//     OPTIONS) must also carry the session's CSRF token in X-CSRF-Token, else 403 csrf. An ended
//     session is 401; a stream it opened ends at the next revocation signal (sign-out raises it);
//     otherwise, a request without the header from a loopback peer acts as the loopback caller,
//     when one is set (auth.loopback_bypass) and no proxy relayed it;
//  3. a verified key is remembered for `cache_ttl`, so the hot path does not touch the database;
//     every hit checks the revocation signal (one stat), so a key revoked by any process, the CLI
//     included, fails on the very next request;
//  4. a miss is verified on the worker pool, never on the network thread; a bad credential
//     counts against its source (auth::FailureLimiter), and once the source is over its limit
//     every credential from there that is not good gets 429 (malformed ones without a lookup),
//     while a good one still passes: other clients behind the same address are not locked out.
// Refusals and limit trips are logged (auth.credential_refused, auth.failure_limit_reached)
// with the source and the key's non-secret prefix, never the credential. Which scopes a caller
// holds is decided here, once (Caller::scopes); what an operation needs is checked by its edge.
// Each caller acts on the surface of the edge that asked: Authenticate is REST's door
// (tasks::Surface::kRest), AuthenticateGuarded the MCP endpoint's (kMcp); the audit record
// names it. A credential used on both gets one cached caller per surface.
// Thread-safe.
class Gate final {
 public:
  struct Dependencies {
    auth::ApiKeyStore& keys;
    base::WorkerPool& pool;
    const Discovery& discovery;
    const auth::RevocationSignal& revocations;
    const http::SourcePolicy& sources;
    auth::FailureLimiter& failures;
    // Verifies bearer tokens that are not API keys (OAuth JWTs); null accepts API keys only.
    oauth::TokenVerifier* tokens = nullptr;
    base::Logger* logger = nullptr;  // where refusals go; null logs nothing
    // The web pages' sign-in sessions, accepted on REST (step 2); null accepts none.
    auth::SessionStore* sessions = nullptr;
    std::string session_cookie = "tw_session";  // its name: "__Host-tw_session" behind https
  };

  // Why the gate turned a request away, before any edge puts it in its own shape: REST as
  // {"error": {"code", "message"}} (ToRest), MCP as a JSON-RPC error answering the request.
  struct Refusal {
    int status = 401;       // 401, 403, 429 or 503
    std::string code;       // REST's error code: unauthenticated, forbidden, forbidden_host, ...
    std::string message;    // the reason, for people and models
    http::Headers headers;  // WWW-Authenticate, Retry-After
    http::Response ToRest() const;
  };
  using Outcome = std::variant<std::shared_ptr<const Caller>, Refusal>;
  using Done = std::function<void(Outcome)>;

  // At most `max_cached` verified credentials are remembered; a new one in a full cache takes
  // the place of the least recently used.
  explicit Gate(Dependencies dependencies,
                std::chrono::milliseconds cache_ttl = std::chrono::seconds(60),
                size_t max_cached = 100'000)
      : deps_(dependencies), cache_ttl_(cache_ttl), cache_(max_cached) {}

  // Calls `done` exactly once, with the caller or the refusal: at once from the network thread
  // (the guard, the policy, the bypass, a cache hit, a malformed credential), or later from the
  // worker pool after a lookup. Never blocks.
  // The caller acts on the REST surface.
  void Authenticate(const http::Request& request, Done done) {
    Admit(request, /*guard=*/true, tasks::Surface::kRest, std::move(done));
  }
  // The same from step 1, for the MCP endpoint, which has run the Host guard on this request
  // already; the caller acts on the MCP surface.
  void AuthenticateGuarded(const http::Request& request, Done done) {
    Admit(request, /*guard=*/false, tasks::Surface::kMcp, std::move(done));
  }

  // Requests without an Authorization header whose connection comes from a loopback address act
  // as `caller` (auth.loopback_bypass). Decided by the socket's peer, never by a header. Set
  // before serving.
  // (Its identity is what counts: the gate makes one caller of it per surface.)
  void SetLoopbackCaller(const std::shared_ptr<const Caller>& caller) {
    loopback_rest_ = std::make_shared<const Caller>(caller->identity, nullptr, 0, nullptr,
                                                    tasks::Surface::kRest);
    loopback_mcp_ =
        std::make_shared<const Caller>(caller->identity, nullptr, 0, nullptr, tasks::Surface::kMcp);
  }
  // The Host/Origin check, known once the server listens. Set before serving.
  void SetHostGuard(const http::HostGuard* guard) { guard_ = guard; }

 private:
  struct Cached {
    std::shared_ptr<const Caller> caller;
    std::chrono::steady_clock::time_point until;
    uint64_t revocations = 0;  // the signal's stamp before the key was verified
  };

  void Admit(const http::Request& request, bool guard, tasks::Surface surface, const Done& done);
  // Step 2: the person of the session `cookie`, found on the pool.
  void AdmitSession(const http::Request& request, std::string cookie, const Done& done);
  // A verified key of `hash` still in the cache and not revoked since, or null.
  std::shared_ptr<const Caller> CachedCaller(const std::string& hash);
  // The caller of a credential just verified (before which the signal read `stamp`), able to
  // check it again for the streams it opens.
  std::shared_ptr<const Caller> MakeCaller(auth::Identity identity, uint64_t stamp,
                                           const std::string& raw, const std::string& hash,
                                           bool jwt, const oauth::Site& site,
                                           tasks::Surface surface);
  // 401 with the challenge that points at the protected-resource metadata (RFC 6750 §3,
  // RFC 9728); with `token_given`, error="invalid_token".
  Refusal Unauthorized(const http::Request& request, std::string message, bool token_given) const;
  // 401 for a bad credential; it counts against the request's source, and is logged with
  // `token`'s non-secret prefix when it has the shape of an API key.
  Refusal Refuse(const http::Request& request, std::string message, const std::string& source,
                 std::string_view token);
  // 429 for a source over its failure limit.
  static Refusal Limited(std::chrono::seconds wait);
  // 503 with Retry-After: the credential cannot be checked now.
  static Refusal Unavailable(std::string message);

  const Dependencies deps_;
  const std::chrono::milliseconds cache_ttl_;
  std::shared_ptr<const Caller> loopback_rest_;  // the loopback caller on each surface
  std::shared_ptr<const Caller> loopback_mcp_;
  const http::HostGuard* guard_ = nullptr;
  std::mutex mutex_;  // guards cache_
  // By auth::CredentialHash of the key and the surface.
  base::LruMap<std::string, Cached> cache_;
};

}  // namespace taskwire::api
