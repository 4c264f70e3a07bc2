#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "auth/failure_limiter.h"
#include "auth/revocation_signal.h"
#include "auth/sessions.h"
#include "base/log.h"
#include "base/worker_pool.h"
#include "http/address.h"
#include "http/host_guard.h"
#include "http/router.h"
#include "oauth/authorization_server.h"

namespace taskwire::web {

// The pages a person sees during OAuth, server-rendered and usable without JavaScript:
//   GET/POST /signin              sign in (rate-limited per address), then back to return_to
//   POST     /signout
//   POST     /signout/everywhere   ends every session of the person, this one included
//   POST     /settings/password    changes the password; ends every other session of the person
//   GET/POST /oauth/authorize     validate, sign in if needed, consent (or not again), redirect;
//                                 a metadata document is fetched first, off the pool (429/503
//                                 with Retry-After when fetching is limited or busy)
//   GET      /settings/apps       connected apps, each revocable (POST .../{id}/revoke)
// Forms carry a CSRF token; session cookies are HttpOnly, SameSite=Lax, and Secure ("__Host-")
// when the server is reached over https. Pages may not be framed.
class AccountPages {
 public:
  struct Dependencies {
    oauth::AuthorizationServer& server;
    // Fetched off the worker pool, before the authorization page runs there.
    oauth::MetadataDocuments& documents;
    oauth::GrantStore& grants;
    auth::SessionStore& sessions;
    base::WorkerPool& pool;
    std::function<oauth::Site(const http::Request&)> site;
    const http::SourcePolicy& sources;
    auth::FailureLimiter& sign_in_failures;
    bool secure_cookies = false;     // server.public_url is https
    base::Logger* logger = nullptr;  // failed sign-ins go here; null logs nothing
    // Raised when sessions end (sign-out, a password change), so that the event streams a
    // session opened over REST end too (api::Gate); null raises nothing.
    const auth::RevocationSignal* revocations = nullptr;
  };

  explicit AccountPages(Dependencies deps) : deps_(std::move(deps)) {}

  void Register(http::Router& router) const;
  // The Host/Origin check, known once the server listens. Set before serving.
  void SetHostGuard(const http::HostGuard* guard) { guard_ = guard; }

 private:
  std::string SessionCookieName() const;
  // The session of the request's cookie, if any. Blocking.
  std::optional<auth::Session> SessionOf(const http::Request& request) const;
  // The answer for a request that may not go on (Host/Origin, size), or nullopt.
  std::optional<http::Response> Refuse(const http::Request& request) const;
  // A form post of a signed-in person that carries their session's CSRF token.
  struct FormPost {
    auth::Session session;
    http::FormParams form;
  };
  // The session and form of `request`, or the answer: a redirect to sign in, or 403. Blocking.
  std::variant<FormPost, http::Response> SignedInForm(const http::Request& request) const;
  // Counts a wrong password (sign-in, or the current one on the password form: `form`) against
  // the source, and logs it with the name, never the password.
  void NoteWrongPassword(const std::string& source, std::string_view user, std::string_view form,
                         std::chrono::steady_clock::time_point now) const;
  // To the sign-in page, with the session cookie cleared.
  http::Response SignedOut() const;
  // Tells open streams that sessions ended (Dependencies::revocations).
  void SessionsEnded() const;
  // Runs `page` on the pool after Refuse.
  void Serve(http::Request& request, http::Responder responder,
             std::function<http::Response(const http::Request&)> page) const;
  // /oauth/authorize: as Serve, but first resolves a metadata-document client_id on the
  // documents' own threads, so the pool never waits for someone else's server.
  void ServeAuthorize(http::Request& request, http::Responder responder) const;

  http::Response SignInPage(const http::Request& request) const;
  http::Response SignIn(const http::Request& request) const;
  http::Response SignOut(const http::Request& request) const;
  http::Response SignOutEverywhere(const http::Request& request) const;
  http::Response ChangePassword(const http::Request& request) const;
  http::Response Authorize(const http::Request& request) const;
  http::Response Apps(const http::Request& request) const;
  http::Response RevokeApp(const http::Request& request) const;

  Dependencies deps_;
  const http::HostGuard* guard_ = nullptr;
};

// What every page may load: its own scripts, styles and images, nothing inline, nothing from
// another site; it may not be framed. (No form-action: browsers apply it to the redirect after a
// post too, and consent's redirect goes to the app.)
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

// A page that shows or takes something personal: never cached, never framed, under
// kContentSecurityPolicy.
http::Response PrivatePage(int status, std::string body);

// The session cookie's name: "__Host-tw_session" over https ("__Host-" cookies are only ever
// set over https, for this host, for every path), else "tw_session".
std::string SessionCookieName(bool secure_cookies);

// A page's answer when the worker pool is full: 503, an HTML page asking to try again shortly.
http::Response Overloaded();

}  // namespace taskwire::web
