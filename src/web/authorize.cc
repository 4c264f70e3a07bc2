#include "web/authorize.h"

#include "auth/scopes.h"
#include "base/random.h"
#include "base/sha256.h"
#include "http/offload.h"
#include "oauth/uri.h"
#include "web/pages.h"

namespace taskwire::web {

namespace {

constexpr std::string_view kLoginCookie = "tw_login";  // the sign-in form's CSRF token
constexpr size_t kMaxFormBytes = 16 * 1024;

http::Response Page(int status, std::string body) { return PrivatePage(status, std::move(body)); }

http::Response Message(int status, std::string_view title, std::string_view message) {
  return Page(status, RenderMessage(title, message));
}

http::Response SeeOther(std::string location) {
  http::Response response = http::Response::Text(303, "");
  response.headers.Set("Location", std::move(location));
  response.headers.Set("Cache-Control", "no-store");
  response.headers.Set("Referrer-Policy", "no-referrer");
  return response;
}

std::optional<std::string> Cookie(const http::Request& request, std::string_view name) {
  return http::CookieValue(request.headers, name);
}

bool TokensEqual(std::string_view a, std::string_view b) {
  return !a.empty() && base::ConstantTimeEquals(a, b);
}

// A return_to that stays on this server: a path, never "//host" or "/\host".
bool IsLocalPath(std::string_view path) {
  return path.size() >= 1 && path.size() <= 8192 && path.front() == '/' &&
         (path.size() == 1 || (path[1] != '/' && path[1] != '\\')) &&
         std::none_of(path.begin(), path.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

// What the consent screen names as the destination: "claude.ai", "127.0.0.1:33418", "cursor:".
std::string HostOf(std::string_view uri) {
  auto parsed = oauth::SplitUri(uri);
  if (!parsed) return std::string(uri);
  if (parsed->host.empty()) return parsed->scheme + ":";
  return parsed->HostAndPort();
}

bool IsLoopbackUri(std::string_view uri) {
  auto parsed = oauth::SplitUri(uri);
  return parsed && parsed->IsLoopbackHttp();
}

// Whether an earlier grant is re-used only after the person clicks "Continue": for a public
// client whose redirect goes to a loopback port or a private-use scheme, which any program on the
// person's computer can claim (RFC 8252 §8.6). Silently, such a program could start a request with
// its own PKCE challenge on any port and walk away with a code. A confidential client must still
// authenticate at the token endpoint, and an https redirect belongs to its host: they keep the
// silent path.
bool NeedsConfirmation(const oauth::AuthorizationRequest& request) {
  if (request.client.confidential) return false;
  auto parsed = oauth::SplitUri(request.redirect_uri);
  return !parsed || parsed->scheme != "https";
}

// How the pages name the client's identity.
std::string IdentityText(const oauth::Client& client) {
  switch (client.kind) {
    case oauth::ClientKind::kMetadata:
      return "verified: its metadata document at " + HostOf(client.client_id) + " names it";
    case oauth::ClientKind::kRegistered:
      return "added by this server's administrator";
    case oauth::ClientKind::kDynamic:
      break;
  }
  return "not verified: the app registered itself and named itself";
}

}  // namespace

http::Response Overloaded() {
  return Message(503, "Try again shortly",
                 "This server is busy right now. Try again in a few seconds.");
}

http::Response PrivatePage(int status, std::string body) {
  http::Response response = http::Response::Html(status, std::move(body));
  response.headers.Set("Cache-Control", "no-store");
  response.headers.Set("X-Frame-Options", "DENY");
  response.headers.Set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.headers.Set("X-Content-Type-Options", "nosniff");
  // Not "no-referrer": under it browsers send "Origin: null" with the page's own form posts
  // (Fetch, "serializing a request origin"), which the Host/Origin check refuses. "same-origin"
  // still sends nothing to other sites, the client's redirect target included.
  response.headers.Set("Referrer-Policy", "same-origin");
  return response;
}

std::string SessionCookieName(bool secure_cookies) {
  return secure_cookies ? "__Host-tw_session" : "tw_session";
}

std::string AccountPages::SessionCookieName() const {
  return web::SessionCookieName(deps_.secure_cookies);
}

std::optional<auth::Session> AccountPages::SessionOf(const http::Request& request) const {
  auto cookie = Cookie(request, SessionCookieName());
  if (!cookie || cookie->empty() || cookie->size() > 100) return std::nullopt;
  auto session = deps_.sessions.Find(*cookie);
  if (!session) return std::nullopt;
  return *session;
}

std::optional<http::Response> AccountPages::Refuse(const http::Request& request) const {
  if (guard_ != nullptr) {
    if (auto refused = guard_->Check(request)) return refused;
  }
  if (request.body.size() > kMaxFormBytes) {
    return Message(413, "Too large", "The form is larger than this server accepts.");
  }
  return std::nullopt;
}

void AccountPages::Serve(http::Request& request, http::Responder responder,
                         std::function<http::Response(const http::Request&)> page) const {
  if (auto refused = Refuse(request)) return responder.Send(std::move(*refused));
  http::Offload(deps_.pool, std::move(responder), Overloaded,
                [page = std::move(page), request = std::move(request)] { return page(request); });
}

void AccountPages::ServeAuthorize(http::Request& request, http::Responder responder) const {
  if (auto refused = Refuse(request)) return responder.Send(std::move(*refused));
  std::string client_id;
  if (auto query = http::ParseForm(request.query)) {
    if (auto it = query->find("client_id"); it != query->end()) client_id = it->second;
  }
  const auto page = [this](const http::Request& r) { return Authorize(r); };
  if (!oauth::MetadataDocuments::IsMetadataUrl(client_id) || deps_.documents.Cached(client_id)) {
    return http::Offload(deps_.pool, std::move(responder), Overloaded,
                         [page, request = std::move(request)] { return page(request); });
  }
  struct Pending {
    http::Request request;
    http::Responder responder;
  };
  const std::string source = deps_.sources.ClientAddress(request);
  auto pending = std::make_shared<Pending>(Pending{std::move(request), std::move(responder)});
  deps_.documents.ResolveAsync(
      client_id, source,
      [this, page, pending](const base::Result<oauth::Client>& client,
                            std::chrono::seconds retry_after) {
        if (retry_after.count() > 0) {
          // Fetching is limited (this address or the app's host fetched too much) or busy: the
          // person can try again; the client is unknown, so it cannot be sent an error.
          const bool limited =
              !client && client.error().code() == base::ErrorCode::kResourceExhausted;
          http::Response busy =
              Message(limited ? 429 : 503, "Try again shortly",
                      "This server is checking too many apps' identities right now. Try again in "
                      "a few seconds.");
          busy.headers.Set("Retry-After", std::to_string(retry_after.count()));
          return pending->responder.Send(std::move(busy));
        }
        // Fetched (or failed, which Authorize explains): the cache holds the outcome now.
        http::Offload(deps_.pool, std::move(pending->responder), Overloaded,
                      [page, pending] { return page(pending->request); });
      });
}

void AccountPages::Register(http::Router& router) const {
  auto add = [this, &router](http::Method method, std::string_view path,
                             http::Response (AccountPages::*page)(const http::Request&) const) {
    router.Add(method, path, [this, page](http::Request& request, http::Responder responder) {
      Serve(request, std::move(responder),
            [this, page](const http::Request& r) { return (this->*page)(r); });
    });
  };
  add(http::Method::kGet, "/signin", &AccountPages::SignInPage);
  add(http::Method::kPost, "/signin", &AccountPages::SignIn);
  add(http::Method::kPost, "/signout", &AccountPages::SignOut);
  add(http::Method::kPost, "/signout/everywhere", &AccountPages::SignOutEverywhere);
  add(http::Method::kPost, "/settings/password", &AccountPages::ChangePassword);
  for (const http::Method method : {http::Method::kGet, http::Method::kPost}) {
    router.Add(method, "/oauth/authorize",
               [this](http::Request& request, http::Responder responder) {
                 ServeAuthorize(request, std::move(responder));
               });
  }
  add(http::Method::kGet, "/settings/apps", &AccountPages::Apps);
  add(http::Method::kPost, "/settings/apps/{id}/revoke", &AccountPages::RevokeApp);
}

std::variant<AccountPages::FormPost, http::Response> AccountPages::SignedInForm(
    const http::Request& request) const {
  auto session = SessionOf(request);
  if (!session) return SeeOther("/signin?return_to=%2Fsettings%2Fapps");
  auto form = http::ParseForm(request.body);
  if (!form || !form->contains("csrf") || !TokensEqual(form->at("csrf"), session->csrf)) {
    return Message(403, "Expired",
                   "The form expired or came from another site. Reload the page and try again.");
  }
  return FormPost{std::move(*session), std::move(*form)};
}

void AccountPages::NoteWrongPassword(const std::string& source, std::string_view user,
                                     std::string_view form,
                                     std::chrono::steady_clock::time_point now) const {
  const bool tripped = deps_.sign_in_failures.RecordFailure(source, now);
  if (deps_.logger == nullptr) return;
  // The name as typed (escaped by the logger), never the password.
  deps_.logger->Warn("auth.sign_in_failed", {{"source", source}, {"user", user}, {"form", form}});
  if (tripped) {
    deps_.logger->Warn("auth.failure_limit_reached",
                       {{"source", deps_.sign_in_failures.KeyOf(source)},
                        {"surface", "sign_in"},
                        {"per_minute", deps_.sign_in_failures.per_minute()}});
  }
}

http::Response AccountPages::SignInPage(const http::Request& request) const {
  SignInView view;
  view.return_to = request.QueryParam("return_to").value_or("/settings/apps");
  if (!IsLocalPath(view.return_to)) view.return_to = "/settings/apps";
  if (view.return_to.starts_with("/oauth/authorize"))
    view.purpose = "An app wants to connect to your account.";
  view.csrf = base::RandomToken(24);
  http::Response response = Page(200, RenderSignIn(view));
  response.headers.Add("Set-Cookie", std::string(kLoginCookie) + "=" + view.csrf +
                                         "; Path=/signin; HttpOnly; SameSite=Lax" +
                                         (deps_.secure_cookies ? "; Secure" : ""));
  return response;
}

http::Response AccountPages::SignIn(const http::Request& request) const {
  auto form = http::ParseForm(request.body);
  if (!form) return Message(400, "Bad request", form.error().message());
  const auto field = [&form](std::string_view name) {
    auto it = form->find(name);
    return it == form->end() ? std::string() : it->second;
  };
  SignInView view;
  view.return_to = field("return_to");
  if (!IsLocalPath(view.return_to)) view.return_to = "/settings/apps";
  view.name = field("name");
  view.csrf = field("csrf");
  const auto cookie = Cookie(request, kLoginCookie);
  if (!cookie || !TokensEqual(*cookie, view.csrf)) {
    return Message(403, "Sign-in expired",
                   "The sign-in form expired or came from another site. Go back and try again.");
  }
  const std::string source = deps_.sources.ClientAddress(request);
  const auto now = std::chrono::steady_clock::now();
  if (auto wait = deps_.sign_in_failures.Blocked(source, now)) {
    view.error = "Too many failed attempts from your address. Try again in " +
                 std::to_string(wait->count()) + " seconds.";
    http::Response response = Page(429, RenderSignIn(view));
    response.headers.Set("Retry-After", std::to_string(wait->count()));
    return response;
  }
  auto signed_in = deps_.sessions.SignIn(view.name, field("password"));
  if (!signed_in) {
    if (signed_in.error().code() != base::ErrorCode::kUnauthenticated) {
      return Message(503, "Try again", "The server cannot sign you in right now.");
    }
    NoteWrongPassword(source, view.name, "sign_in", now);
    view.error = "Wrong user name or password.";
    return Page(401, RenderSignIn(view));
  }
  http::Response response = SeeOther(view.return_to);
  response.headers.Add("Set-Cookie", SessionCookieName() + "=" + signed_in->first +
                                         "; Path=/; HttpOnly; SameSite=Lax" +
                                         (deps_.secure_cookies ? "; Secure" : ""));
  response.headers.Add("Set-Cookie", std::string(kLoginCookie) + "=; Path=/signin; Max-Age=0");
  return response;
}

void AccountPages::SessionsEnded() const {
  if (deps_.revocations == nullptr) return;
  if (auto raised = deps_.revocations->Raise(); !raised && deps_.logger != nullptr) {
    deps_.logger->Warn("auth.revocation_signal_failed", {{"reason", raised.error().message()}});
  }
}

http::Response AccountPages::SignedOut() const {
  http::Response response = SeeOther("/signin");
  response.headers.Add("Set-Cookie", SessionCookieName() +
                                         "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" +
                                         (deps_.secure_cookies ? "; Secure" : ""));
  return response;
}

http::Response AccountPages::SignOut(const http::Request& request) const {
  auto session = SessionOf(request);
  auto form = http::ParseForm(request.body);
  if (session && form && form->contains("csrf") && TokensEqual(form->at("csrf"), session->csrf)) {
    deps_.sessions.SignOut(*Cookie(request, SessionCookieName()));
    SessionsEnded();
  }
  return SignedOut();
}

http::Response AccountPages::SignOutEverywhere(const http::Request& request) const {
  auto post = SignedInForm(request);
  if (auto* refused = std::get_if<http::Response>(&post)) return std::move(*refused);
  const auth::Session& session = std::get<FormPost>(post).session;
  auto ended = deps_.sessions.SignOutEverywhere(session.user_name);
  if (!ended) return Message(503, "Try again", "The server cannot sign you out right now.");
  SessionsEnded();
  if (deps_.logger != nullptr) {
    deps_.logger->Info("auth.signed_out_everywhere",
                       {{"user", session.user_name},
                        {"sessions", *ended},
                        {"source", deps_.sources.ClientAddress(request)}});
  }
  return SignedOut();
}

http::Response AccountPages::ChangePassword(const http::Request& request) const {
  auto post = SignedInForm(request);
  if (auto* refused = std::get_if<http::Response>(&post)) return std::move(*refused);
  auto& [session, form] = std::get<FormPost>(post);
  const auto field = [&form = form](std::string_view name) {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };
  // The current password is a password to guess, like sign-in's: the same limit per address.
  const std::string source = deps_.sources.ClientAddress(request);
  const auto now = std::chrono::steady_clock::now();
  if (auto wait = deps_.sign_in_failures.Blocked(source, now)) {
    http::Response response = Message(429, "Password not changed",
                                      "Too many failed attempts from your address. Try again in " +
                                          std::to_string(wait->count()) + " seconds.");
    response.headers.Set("Retry-After", std::to_string(wait->count()));
    return response;
  }
  if (field("new_password") != field("repeat")) {
    return Message(400, "Password not changed", "The new password and its repetition differ.");
  }
  // The session that asked survives; every other browser signed in as this person is signed out.
  auto changed = deps_.sessions.ChangePassword(session, field("current"), field("new_password"),
                                               *Cookie(request, SessionCookieName()));
  if (!changed) {
    switch (changed.error().code()) {
      case base::ErrorCode::kUnauthenticated:
        NoteWrongPassword(source, session.user_name, "password_change", now);
        return Message(403, "Password not changed", "The current password is wrong.");
      case base::ErrorCode::kInvalidArgument:
        return Message(400, "Password not changed",
                       "The new password is not accepted: " + changed.error().message() + ".");
      default:
        return Message(503, "Try again", "The server cannot change your password right now.");
    }
  }
  SessionsEnded();
  if (deps_.logger != nullptr) {
    deps_.logger->Info("auth.password_changed", {{"user", session.user_name}, {"source", source}});
  }
  return Message(
      200, "Password changed",
      "Your password is changed, and every other browser that was signed in as you is signed out.");
}

http::Response AccountPages::Authorize(const http::Request& request) const {
  auto query = http::ParseForm(request.query);
  if (!query) return Message(400, "This request cannot be used", query.error().message());
  const oauth::Site site = deps_.site(request);
  auto check = deps_.server.CheckAuthorize(*query, site);
  if (auto* page = std::get_if<oauth::ErrorPage>(&check)) {
    return Message(400, "This app cannot connect", page->message);
  }
  if (auto* redirect = std::get_if<oauth::ErrorRedirect>(&check))
    return SeeOther(redirect->location);
  const auto& authorization = std::get<oauth::AuthorizationRequest>(check);
  auto session = SessionOf(request);
  if (!session) {
    return SeeOther("/signin?return_to=" +
                    http::PercentEncode("/oauth/authorize?" + request.query));
  }
  const auto approve = [&](const std::set<std::string>& granted,
                           std::optional<auth::ReviewMode> review = std::nullopt) {
    auto location = deps_.server.Approve(authorization, session->user_id, granted, site, review);
    if (!location)
      return Message(503, "Try again", "The server cannot record your consent right now.");
    return SeeOther(std::move(*location));
  };
  std::string decision;
  if (request.method == http::Method::kPost) {
    auto form = http::ParseForm(request.body);
    if (!form) return Message(400, "Bad request", form.error().message());
    if (!form->contains("csrf") || !TokensEqual(form->at("csrf"), session->csrf)) {
      return Message(
          403, "Consent expired",
          "The consent form expired or came from another site. Start again from the app.");
    }
    decision = form->contains("decision") ? form->at("decision") : "";
    if (decision != "allow" && decision != "continue")
      return SeeOther(deps_.server.Deny(authorization, site));
    if (decision == "allow") {
      std::set<std::string> granted;
      for (const auto& scope : authorization.scopes) {
        if (form->contains("scope:" + scope)) granted.insert(scope);
      }
      // "Ask me before this app changes anything": its writes become proposals only a person
      // commits (docs/review.md). Unticked, the grant's writes apply.
      return approve(granted,
                     form->contains("review") ? auth::ReviewMode::kPerson : auth::ReviewMode::kOff);
    }
  }
  // Someone who already allowed this client these scopes is not asked again, though they may be
  // asked to confirm (NeedsConfirmation).
  auto prior = deps_.server.PriorConsent(authorization, session->user_id);
  if (!prior)
    return Message(503, "Try again", "The server cannot check your earlier consent right now.");
  if (*prior) {
    if (decision == "continue" || !NeedsConfirmation(authorization)) return approve(**prior);
    ContinueView view;
    view.client_name = authorization.client.name;
    view.user_name = session->user_name;
    view.redirect_host = HostOf(authorization.redirect_uri);
    view.identity = IdentityText(authorization.client);
    view.scopes = auth::JoinScopes(**prior);
    view.action = "/oauth/authorize?" + request.query;
    view.csrf = session->csrf;
    return Page(200, RenderContinue(view));
  }
  // No earlier grant covers it (a "continue" whose grant was revoked meanwhile lands here too).
  ConsentView view;
  view.client_name = authorization.client.name;
  view.user_name = session->user_name;
  view.redirect_host = HostOf(authorization.redirect_uri);
  view.verified = authorization.client.kind == oauth::ClientKind::kMetadata;
  view.client_host = HostOf(authorization.client.client_id);
  view.identity = IdentityText(authorization.client);
  if (view.verified && IsLoopbackUri(authorization.redirect_uri)) {
    view.warning =
        "This app sends you back to a program on this computer. Any local program can claim to "
        "be " +
        view.client_name + "; allow only if you just started the connection yourself.";
  }
  view.action = "/oauth/authorize?" + request.query;
  view.csrf = session->csrf;
  // An app asking for more keeps the review mode the person chose for it unless they untick it.
  auto grant = deps_.grants.Find(session->user_id, authorization.client.client_id);
  if (!grant) return Message(503, "Try again", "The server cannot read your earlier consent now.");
  view.review = *grant && (*grant)->review != auth::ReviewMode::kOff;
  for (const auto& scope : authorization.scopes) {
    const bool read = std::find(std::begin(auth::kReadScopes), std::end(auth::kReadScopes),
                                scope) != std::end(auth::kReadScopes);
    view.scopes.push_back(ScopeChoice{scope, std::string(ScopeDescription(scope)), read});
  }
  return Page(200, RenderConsent(view));
}

http::Response AccountPages::Apps(const http::Request& request) const {
  auto session = SessionOf(request);
  if (!session) return SeeOther("/signin?return_to=%2Fsettings%2Fapps");
  auto grants = deps_.grants.List(session->user_name);
  if (!grants) return Message(503, "Try again", "The server cannot list your apps right now.");
  AppsView view;
  view.user_name = session->user_name;
  view.csrf = session->csrf;
  for (const auto& grant : *grants) {
    view.apps.push_back(ConnectedApp{grant.id, grant.client_name, auth::JoinScopes(grant.scopes),
                                     grant.created_at, grant.last_used_at.value_or("never")});
  }
  return Page(200, RenderApps(view));
}

http::Response AccountPages::RevokeApp(const http::Request& request) const {
  auto post = SignedInForm(request);
  if (auto* refused = std::get_if<http::Response>(&post)) return std::move(*refused);
  const auth::Session& session = std::get<FormPost>(post).session;
  int64_t id = 0;
  const std::string_view text = request.Param("id");
  if (text.empty() || text.size() > 18 || !std::all_of(text.begin(), text.end(), ::isdigit)) {
    return Message(404, "Not found", "There is no such connected app.");
  }
  id = std::stoll(std::string(text));
  auto revoked = deps_.grants.Revoke(id, session.user_name);
  if (!revoked) {
    if (revoked.error().code() == base::ErrorCode::kNotFound) {
      return Message(404, "Not found", "There is no such connected app.");
    }
    return Message(503, "Try again", "The server cannot revoke the app right now.");
  }
  return SeeOther("/settings/apps");
}

}  // namespace taskwire::web
