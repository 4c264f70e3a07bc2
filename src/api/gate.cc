#include "api/gate.h"

#include <algorithm>

#include "auth/crypto.h"
#include "base/sha256.h"

namespace taskwire::api {

namespace {

// The token of "Authorization: Bearer <token>" (RFC 6750 §2.1), or "" when the header is
// missing, repeated or malformed.
std::string_view BearerToken(const http::Request& request, bool& present) {
  const auto values = request.headers.GetAll("Authorization");
  present = !values.empty();
  if (values.size() != 1) return {};
  const std::string_view value = values.front();
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !http::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return {};
  }
  std::string_view token = value.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

// What a refusal built later on the pool needs of the request: its headers, not its body.
http::Request CopyHead(const http::Request& request) {
  http::Request head;
  head.method = request.method;
  head.target = request.target;
  head.path = request.path;
  head.headers = request.headers;
  head.peer = request.peer;
  return head;
}

constexpr std::string_view kSessionEnded =
    "the web session has ended (signed out or expired); sign in again";

// Methods that change nothing (RFC 9110 §9.2.1): the only ones a session may send without its
// CSRF token.
bool IsSafe(const http::Request& request) {
  return request.method == http::Method::kGet || request.method == http::Method::kHead ||
         request.method == http::Method::kOptions;
}

// The person behind a web session: every scope a person holds (keys:manage too: the keys page is
// theirs), never an app's (not oauth), never in review mode. The credential is the person's own
// ("web:<user id>"), so that the rule "the credential that asked cannot answer" keeps one person
// from answering their own question on the web, not every person from answering it.
auth::Identity SessionIdentity(const auth::Session& session) {
  auth::Identity identity;
  identity.user_id = session.user_id;
  identity.user_name = session.user_name;
  identity.credential = "web:" + std::to_string(session.user_id);
  identity.client = "web";
  for (const std::string_view scope : auth::kAllScopes) {
    if (scope != auth::kScopeOfflineAccess) identity.scopes.emplace(scope);
  }
  return identity;
}

}  // namespace

std::shared_ptr<const Caller> Gate::CachedCaller(const std::string& hash) {
  // The system call stays outside the lock every request takes.
  const uint64_t revocations = deps_.revocations.Stamp();
  std::lock_guard lock(mutex_);
  Cached* cached = cache_.Touch(hash);
  if (cached == nullptr) return nullptr;
  const auto& expires = cached->caller->identity.expires;
  if (cached->until > std::chrono::steady_clock::now() && cached->revocations == revocations &&
      (!expires || std::chrono::system_clock::now() < *expires)) {
    return cached->caller;
  }
  cache_.Erase(hash);
  return nullptr;
}

std::shared_ptr<const Caller> Gate::MakeCaller(auth::Identity identity, uint64_t stamp,
                                               const std::string& raw, const std::string& hash,
                                               bool jwt, const oauth::Site& site,
                                               tasks::Surface surface) {
  // A stream opened with this credential outlives its request: it asks again after any
  // revocation (Caller::StillValid), through the cache first, so that the streams of one key
  // cost one verification between them.
  Caller::Recheck recheck = [this, raw, hash, jwt, site, surface]() -> std::optional<bool> {
    if (CachedCaller(hash)) return true;
    const uint64_t again_stamp = deps_.revocations.Stamp();
    auto again = jwt ? deps_.tokens->Verify(raw, site) : deps_.keys.Verify(raw);
    if (!again) {
      if (again.error().code() == base::ErrorCode::kUnauthenticated) return false;
      return std::nullopt;
    }
    auto fresh = MakeCaller(std::move(*again), again_stamp, raw, hash, jwt, site, surface);
    std::lock_guard lock(mutex_);
    cache_.Insert(
        hash, Cached{std::move(fresh), std::chrono::steady_clock::now() + cache_ttl_, again_stamp});
    return true;
  };
  return std::make_shared<const Caller>(std::move(identity), &deps_.revocations, stamp,
                                        std::move(recheck), surface);
}

Gate::Refusal Gate::Unauthorized(const http::Request& request, std::string message,
                                 bool token_given) const {
  Refusal refusal{
      .status = 401, .code = "unauthenticated", .message = std::move(message), .headers = {}};
  refusal.headers.Set("WWW-Authenticate",
                      deps_.discovery.Challenge(request, refusal.message, token_given));
  return refusal;
}

Gate::Refusal Gate::Refuse(const http::Request& request, std::string message,
                           const std::string& source, std::string_view token) {
  const bool tripped = deps_.failures.RecordFailure(source, std::chrono::steady_clock::now());
  if (deps_.logger != nullptr) {
    // The key's prefix is what `key list` shows; the rest of a key, and any part of a token,
    // is the secret.
    const bool api_key = auth::LooksLikeApiKey(token);
    deps_.logger->Warn(
        "auth.credential_refused",
        {{"source", source},
         {"credential", api_key                                            ? "api_key"
                        : std::count(token.begin(), token.end(), '.') == 2 ? "oauth_token"
                                                                           : "malformed"},
         {"key_prefix", api_key ? auth::DisplayPrefix(token) : std::string_view()},
         {"reason", message}});
    if (tripped) {
      deps_.logger->Warn("auth.failure_limit_reached",
                         {{"source", deps_.failures.KeyOf(source)},
                          {"surface", "api"},
                          {"per_minute", deps_.failures.per_minute()}});
    }
  }
  return Unauthorized(request, std::move(message), true);
}

Gate::Refusal Gate::Limited(std::chrono::seconds wait) {
  Refusal limited{.status = 429,
                  .code = "too_many_requests",
                  .message = "too many bad credentials from this address; retry later",
                  .headers = {}};
  limited.headers.Set("Retry-After", std::to_string(wait.count()));
  return limited;
}

Gate::Refusal Gate::Unavailable(std::string message) {
  Refusal busy{.status = 503, .code = "unavailable", .message = std::move(message), .headers = {}};
  busy.headers.Set("Retry-After", "1");
  return busy;
}

http::Response Gate::Refusal::ToRest() const {
  http::Response response = http::Response::JsonError(status, code, message);
  for (const auto& [name, value] : headers) response.headers.Add(name, value);
  return response;
}

void Gate::Admit(const http::Request& request, bool guard, tasks::Surface surface,
                 const Done& done) {
  if (guard && guard_ != nullptr) {
    if (auto refused = guard_->Refuse(request)) {
      done(Refusal{.status = 403,
                   .code = std::string(refused->code),
                   .message = std::move(refused->message),
                   .headers = {}});
      return;
    }
  }
  if (!deps_.sources.Allowed(request)) {
    done(Refusal{.status = 403,
                 .code = "forbidden",
                 .message = "this server does not accept requests from " +
                            deps_.sources.ClientAddress(request) + " (server.allow_origins)",
                 .headers = {}});
    return;
  }
  bool present = false;
  const std::string_view token = BearerToken(request, present);
  if (!present && surface == tasks::Surface::kRest && deps_.sessions != nullptr) {
    if (auto cookie = http::CookieValue(request.headers, deps_.session_cookie);
        cookie && !cookie->empty()) {
      AdmitSession(request, std::move(*cookie), done);
      return;
    }
  }
  const std::shared_ptr<const Caller>& loopback =
      surface == tasks::Surface::kRest ? loopback_rest_ : loopback_mcp_;
  if (!present && loopback && request.peer.loopback && !http::SourcePolicy::Forwarded(request)) {
    done(loopback);
    return;
  }
  if (!present) {
    done(Unauthorized(
        request, "this endpoint needs \"Authorization: Bearer <API key or OAuth access token>\"",
        false));
    return;
  }
  std::string hash = auth::CredentialHash(token);
  // An OAuth token was verified for one audience (the MCP URL as the request named it); a hit
  // must be for the same one.
  if (deps_.tokens != nullptr && token.find('.') != std::string_view::npos) {
    hash += ' ';
    hash += deps_.discovery.ResourceUrl(request);
  }
  // One caller per surface: the audit record names the edge (Caller::actor).
  hash += ' ';
  hash += tasks::SurfaceName(surface);
  if (!token.empty()) {
    if (auto caller = CachedCaller(hash)) {
      done(std::move(caller));
      return;
    }
  }
  // Past the cache, the source matters: it is what the failure limit counts. A source over its
  // limit still gets a good credential verified (whoever shares its address is not locked out);
  // what is not good is refused with 429, and what cannot be good without a lookup.
  const std::string source = deps_.sources.ClientAddress(request);
  const std::optional<std::chrono::seconds> over_limit =
      deps_.failures.Blocked(source, std::chrono::steady_clock::now());
  if (token.empty()) {
    done(over_limit ? Limited(*over_limit)
                    : Refuse(request, "the Authorization header must be \"Bearer <API key>\"",
                             source, token));
    return;
  }
  const bool api_key = auth::LooksLikeApiKey(token);
  const bool jwt =
      !api_key && deps_.tokens != nullptr && std::count(token.begin(), token.end(), '.') == 2;
  if (!api_key && !jwt) {
    done(over_limit ? Limited(*over_limit)
                    : Refuse(request, "the bearer token is not valid", source, token));
    return;
  }
  // A miss: verify on the pool (a database read and a last-used write). The signal's stamp is
  // read first, so a revocation that lands during verification still empties the entry.
  const uint64_t stamp = deps_.revocations.Stamp();
  oauth::Site site;
  if (jwt)
    site = oauth::Site{deps_.discovery.BaseUrl(request), deps_.discovery.ResourceUrl(request)};
  const bool queued =
      deps_.pool.Post([this, raw = std::string(token), hash = std::move(hash), done, stamp, source,
                       jwt, site = std::move(site), over_limit, surface,
                       request = std::make_shared<const http::Request>(CopyHead(request))]() {
        auto identity = jwt ? deps_.tokens->Verify(raw, site) : deps_.keys.Verify(raw);
        if (!identity) {
          if (identity.error().code() == base::ErrorCode::kUnauthenticated) {
            // Over the limit, a miss is neither counted (the wait stays within a minute) nor logged
            // again: auth.failure_limit_reached said so once.
            done(over_limit ? Limited(*over_limit)
                            : Refuse(*request, identity.error().message(), source, raw));
          } else {
            done(Unavailable("cannot verify the credential now; retry"));
          }
          return;
        }
        auto caller = MakeCaller(std::move(*identity), stamp, raw, hash, jwt, site, surface);
        {
          std::lock_guard lock(mutex_);
          cache_.Insert(hash, Cached{caller, std::chrono::steady_clock::now() + cache_ttl_, stamp});
        }
        done(std::move(caller));
      });
  if (!queued) {
    done(Unavailable("the server is overloaded; retry"));
  }
}

void Gate::AdmitSession(const http::Request& request, std::string cookie, const Done& done) {
  if (cookie.size() > 100) {
    done(Unauthorized(request, std::string(kSessionEnded), false));
    return;
  }
  std::optional<std::string> csrf;
  if (!IsSafe(request)) {
    auto given = request.headers.GetAll("X-CSRF-Token");
    csrf = given.size() == 1 ? std::string(given.front()) : std::string();
  }
  const uint64_t stamp = deps_.revocations.Stamp();
  const bool queued =
      deps_.pool.Post([this, cookie = std::move(cookie), csrf = std::move(csrf), done, stamp,
                       request = std::make_shared<const http::Request>(CopyHead(request))] {
        auto session = deps_.sessions->Find(cookie);
        if (!session) {
          if (session.error().code() == base::ErrorCode::kUnauthenticated) {
            done(Unauthorized(*request, std::string(kSessionEnded), false));
          } else {
            done(Unavailable("cannot check the web session now; retry"));
          }
          return;
        }
        // A page of another site can make the browser send the cookie, but cannot read the
        // token, which only this server's pages carry (their <meta name="csrf-token">).
        if (csrf && (csrf->empty() || !base::ConstantTimeEquals(*csrf, session->csrf))) {
          done(Refusal{.status = 403,
                       .code = "csrf",
                       .message = "a change made with the web session must carry the page's "
                                  "CSRF token in the X-CSRF-Token header; reload the page",
                       .headers = {}});
          return;
        }
        // Sign-out raises the revocation signal, so a stream opened with the session asks again.
        Caller::Recheck recheck = [this, cookie]() -> std::optional<bool> {
          auto again = deps_.sessions->Find(cookie);
          if (again) return true;
          if (again.error().code() == base::ErrorCode::kUnauthenticated) return false;
          return std::nullopt;
        };
        done(std::make_shared<const Caller>(SessionIdentity(*session), &deps_.revocations, stamp,
                                            std::move(recheck), tasks::Surface::kWeb));
      });
  if (!queued) done(Unavailable("the server is overloaded; retry"));
}

}  // namespace taskwire::api
