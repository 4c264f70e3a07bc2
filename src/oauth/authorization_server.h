#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "auth/api_keys.h"
#include "auth/failure_limiter.h"
#include "auth/revocation_signal.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "http/message.h"
#include "oauth/clients.h"
#include "oauth/grants.h"
#include "oauth/jwt.h"
#include "oauth/signing_keys.h"

namespace taskwire::oauth {

// Form or query parameters (http::ParseForm).
using Params = http::FormParams;

// Where this server is, as each request sees it: the issuer is the base URL
// ("https://tasks.example.com"), the resource the MCP endpoint's URL.
struct Site {
  std::string issuer;
  std::string resource;
};

// A validated authorization request, waiting for the person's consent.
struct AuthorizationRequest {
  Client client;
  std::string redirect_uri;
  std::string state;  // may be empty
  std::string code_challenge;
  std::string resource;
  std::set<std::string> scopes;  // requested (known scopes only)
};

// What /oauth/authorize does with a request it cannot serve: show an error page (the client or
// redirect URI cannot be trusted, so never redirect), or send the error back to the client.
struct ErrorPage {
  std::string message;  // for the person: never the detail of a failed fetch
  std::string detail;   // for the log only ("" = the message says it all)
};
struct ErrorRedirect {
  std::string location;
};
using AuthorizeCheck = std::variant<ErrorPage, ErrorRedirect, AuthorizationRequest>;

// Turns a bearer token that is not an API key into the identity it speaks for: the built-in
// authorization server's own JWTs, or an external issuer's.
class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;
  // Unauthenticated saying why (never quoting the token); Unavailable when it cannot be checked
  // now. Blocking.
  virtual base::Result<auth::Identity> Verify(std::string_view token, const Site& site) = 0;
};

// An HTTP answer of the token, registration and revocation endpoints (JSON).
struct JsonAnswer {
  int status = 200;
  std::string body;
  std::string www_authenticate;  // for 401 invalid_client
};

// The built-in OAuth 2.1 authorization server (docs/oauth.md): RFC 8414 metadata, clients by
// registration, dynamic registration (RFC 7591) and metadata documents, the authorization code
// flow with PKCE S256 and resource indicators (RFC 8707), the iss response parameter (RFC 9207),
// refresh token rotation with reuse detection, revocation (RFC 7009), and ES256 JWT access tokens
// (RFC 9068) verified locally. Blocking calls (the database, a metadata document fetch) are
// marked; the rest is fast. Thread-safe.
class AuthorizationServer final : public TokenVerifier {
 public:
  struct Options {
    std::chrono::seconds access_token_lifetime{3600};
    GrantStore::Options grants;
    int64_t registrations_per_minute = 10;  // per source address; 0 for no limit
    std::chrono::seconds unused_client_age{86400};
  };

  struct Dependencies {
    ClientStore& clients;
    MetadataDocuments& documents;
    GrantStore& grants;
    SigningKeys& keys;
    const base::Clock& clock;
    // Moves when any process revoked something or rotated the signing keys.
    const auth::RevocationSignal& signal;
    // Where refusals and grants are recorded (never a secret); null logs nothing.
    base::Logger* logger = nullptr;
  };

  AuthorizationServer(Dependencies deps, Options options);

  // The RFC 8414 metadata document.
  std::string MetadataJson(const Site& site) const;
  // The JWK set of the published keys.
  std::string JwksJson() const;

  // Checks an authorization request's query in the order RFC 6749 §4.1.2.1 requires: the client
  // and redirect URI first (an error page), then everything else (an error redirect). Never
  // fetches: a metadata-document client must have been resolved before (MetadataDocuments::
  // ResolveAsync), or the person gets an error page asking to try again. Blocking (the database).
  AuthorizeCheck CheckAuthorize(const Params& query, const Site& site);
  // The person approved `granted` (a subset of the request's scopes): records the grant and
  // returns the redirect with code, state and iss. `review`, when given, becomes the grant's
  // review mode (the consent form's checkbox); nullopt keeps the grant's. Blocking.
  base::Result<std::string> Approve(const AuthorizationRequest& request, int64_t user_id,
                                    const std::set<std::string>& granted, const Site& site,
                                    std::optional<auth::ReviewMode> review = std::nullopt);
  // The redirect for a person who said no.
  std::string Deny(const AuthorizationRequest& request, const Site& site) const;
  // The person's live grant to the client, when it already covers every requested scope (so they
  // are not asked again). Blocking.
  base::Result<std::optional<std::set<std::string>>> PriorConsent(
      const AuthorizationRequest& request, int64_t user_id);

  // POST /oauth/token: `form` is the body, `authorization` the Authorization header. Blocking.
  JsonAnswer Token(std::string_view form, std::optional<std::string_view> authorization,
                   const Site& site);
  // POST /oauth/revoke (RFC 7009). Blocking.
  JsonAnswer Revoke(std::string_view form, std::optional<std::string_view> authorization);
  // POST /oauth/register (RFC 7591), limited per `source` address. Blocking.
  JsonAnswer Register(std::string_view json, const std::string& source);

  // Verifies an access token's signature and claims (issuer, audience = the site's resource,
  // expiry, lifetime); no database. Unauthenticated saying why.
  base::Result<Claims> VerifyAccessToken(std::string_view token, const Site& site);
  // The identity an access token verified by VerifyAccessToken speaks for, when its grant is still
  // live. Blocking.
  base::Result<auth::Identity> IdentityOf(const Claims& claims);

  // VerifyAccessToken, then IdentityOf.
  base::Result<auth::Identity> Verify(std::string_view token, const Site& site) override;

 private:
  // Re-reads the signing keys when another process may have rotated them (the signal moved).
  void RefreshKeys();

  AuthorizeCheck Check(const Params& query, const Site& site);
  // The client of `client_id`, stored or by a cached metadata document (never fetched here). For
  // the token and revocation endpoints (`at_token`), a metadata-document URL nothing is cached
  // for is the public client of that id: only /oauth/authorize, after checking the document, can
  // have issued it a code or a token, and the grant binds those to the client_id. Blocking.
  base::Result<Client> ResolveClient(std::string_view client_id, bool at_token);
  // The client a token or revocation request authenticates as: a public client names itself with
  // client_id, a confidential one presents its secret (Basic or in the form).
  base::Result<Client> AuthenticateClient(const Params& form,
                                          std::optional<std::string_view> authorization,
                                          JsonAnswer& refusal);
  JsonAnswer IssueTokens(const Issued& issued, const Site& site);

  Dependencies deps_;
  const Options options_;
  auth::FailureLimiter registrations_;
  std::mutex keys_mutex_;  // guards keys_stamp_
  uint64_t keys_stamp_ = 0;
};

}  // namespace taskwire::oauth
