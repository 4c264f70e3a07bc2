#include "api/authenticator.h"

#include "base/sha256.h"

namespace taskwire::api {

namespace {

constexpr size_t kMaxCachedKeys = 100'000;

// The token of "Authorization: Bearer <token>" (RFC 6750 §2.1), or "" when the header is
// missing, repeated or malformed.
std::string_view BearerToken(const http::Request& request, bool& present) {
  const auto values = request.headers.GetAll("Authorization");
  present = !values.empty();
  if (values.size() != 1) return {};
  const std::string_view value = values.front();
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() || !http::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return {};
  }
  std::string_view token = value.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

}  // namespace

void KeyAuthenticator::Authenticate(const http::Request& request, std::function<void(Outcome)> done) {
  bool present = false;
  const std::string_view token = BearerToken(request, present);
  if (!present && loopback_caller_ && request.peer.loopback) {
    done(PrincipalOf(loopback_caller_));
    return;
  }
  if (token.empty()) {
    done(discovery_.Unauthorized(request,
                                 present ? "the Authorization header must be \"Bearer <API key>\""
                                         : "this endpoint needs \"Authorization: Bearer <API key>\"",
                                 present));
    return;
  }
  if (!auth::LooksLikeApiKey(token)) {
    done(discovery_.Unauthorized(request, "the API key is not valid", true));
    return;
  }
  std::string hash = base::ToHex(base::Sha256(token));
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(hash); it != cache_.end()) {
      const auto& expires = it->second.caller->identity.expires;
      if (it->second.until > now && (!expires || std::chrono::system_clock::now() < *expires)) {
        done(PrincipalOf(it->second.caller));
        return;
      }
      cache_.erase(it);
    }
  }
  // A miss: verify on the pool (a database read and a last-used write).
  const bool queued = pool_.Post([this, raw = std::string(token), hash = std::move(hash), done,
                                  refusal = discovery_.Unauthorized(request, "the API key is not valid", true)]() {
    auto identity = keys_.Verify(raw);
    if (!identity) {
      if (identity.error().code() == base::ErrorCode::kUnauthenticated) {
        done(refusal);
      } else {
        http::Response busy = http::Response::JsonError(503, "unavailable", "cannot verify the credential now; retry");
        busy.headers.Set("Retry-After", "1");
        done(std::move(busy));
      }
      return;
    }
    auto caller = std::make_shared<const Caller>(std::move(*identity));
    {
      std::lock_guard lock(mutex_);
      if (cache_.size() >= kMaxCachedKeys) cache_.clear();
      cache_[hash] = Cached{caller, std::chrono::steady_clock::now() + cache_ttl_};
    }
    done(PrincipalOf(std::move(caller)));
  });
  if (!queued) {
    http::Response busy = http::Response::JsonError(503, "unavailable", "the server is overloaded; retry");
    busy.headers.Set("Retry-After", "1");
    done(std::move(busy));
  }
}

}  // namespace taskwire::api
