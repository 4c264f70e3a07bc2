#include "oauth/authorization_server.h"

#include <algorithm>
#include <boost/json.hpp>

#include "auth/scopes.h"
#include "base/base64url.h"
#include "base/random.h"
#include "http/message.h"
#include "oauth/uri.h"

namespace taskwire::oauth {

namespace {

constexpr size_t kMaxStateLength = 1024;

std::string ErrorJson(std::string_view error, std::string_view description) {
  boost::json::object body{{"error", error}, {"error_description", description}};
  return boost::json::serialize(body);
}

JsonAnswer OAuthError(int status, std::string_view error, std::string_view description) {
  return JsonAnswer{status, ErrorJson(error, description), ""};
}

bool IsVisibleAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool IsChallenge(std::string_view challenge) {
  return challenge.size() == 43 && std::all_of(challenge.begin(), challenge.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

// The scopes of a space-separated "scope" parameter; InvalidArgument naming an unknown one, or
// keys:manage, which no OAuth client is ever granted.
base::Result<std::set<std::string>> RequestedScopes(std::string_view text) {
  std::set<std::string> scopes;
  while (!text.empty()) {
    const size_t end = text.find(' ');
    const std::string_view scope = text.substr(0, end);
    if (!scope.empty()) {
      if (scope == auth::kScopeKeysManage) {
        return base::Error::InvalidArgument("keys:manage is never granted to an OAuth client");
      }
      if (!auth::IsGrantable(scope)) {
        return base::Error::InvalidArgument("unknown scope \"" + std::string(scope) + "\"");
      }
      scopes.emplace(scope);
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return scopes;
}

std::string WithQuery(std::string_view uri,
                      const std::vector<std::pair<std::string_view, std::string_view>>& params) {
  std::string out(uri);
  char separator = out.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    out += separator;
    out += name;
    out += '=';
    out += http::PercentEncode(value);
    separator = '&';
  }
  return out;
}

// RFC 8707 / MCP: the resource names this server's MCP endpoint. Scheme and host compare without
// case; a trailing slash is tolerated.
bool SameResource(std::string_view given, std::string_view ours) {
  auto a = SplitUri(given);
  auto b = SplitUri(ours);
  if (!a || !b || a->has_fragment || a->has_userinfo) return false;
  auto path = [](const UriParts& url) {
    std::string p = url.path;
    if (p.size() > 1 && p.back() == '/') p.pop_back();
    return p;
  };
  return a->scheme == b->scheme && a->host == b->host && a->port == b->port &&
         path(*a) == path(*b) && a->query == b->query;
}

std::optional<std::string_view> Get(const Params& params, std::string_view name) {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace

AuthorizationServer::AuthorizationServer(Dependencies deps, Options options)
    : deps_(deps),
      options_(options),
      registrations_(options.registrations_per_minute),
      keys_stamp_(deps.signal.Stamp()) {}

std::string AuthorizationServer::MetadataJson(const Site& site) const {
  boost::json::array scopes;
  for (std::string_view scope : auth::kGrantableScopes) scopes.emplace_back(scope);
  boost::json::object metadata{
      {"issuer", site.issuer},
      {"authorization_endpoint", site.issuer + "/oauth/authorize"},
      {"token_endpoint", site.issuer + "/oauth/token"},
      {"registration_endpoint", site.issuer + "/oauth/register"},
      {"revocation_endpoint", site.issuer + "/oauth/revoke"},
      {"jwks_uri", site.issuer + "/oauth/jwks"},
      {"scopes_supported", std::move(scopes)},
      {"response_types_supported", boost::json::array{"code"}},
      {"response_modes_supported", boost::json::array{"query"}},
      {"grant_types_supported", boost::json::array{"authorization_code", "refresh_token"}},
      {"code_challenge_methods_supported", boost::json::array{"S256"}},
      {"token_endpoint_auth_methods_supported",
       boost::json::array{"none", "client_secret_basic", "client_secret_post"}},
      {"revocation_endpoint_auth_methods_supported",
       boost::json::array{"none", "client_secret_basic", "client_secret_post"}},
      {"client_id_metadata_document_supported", true},
      {"authorization_response_iss_parameter_supported", true},
      {"service_documentation", site.issuer + "/"},
  };
  return boost::json::serialize(metadata);
}

std::string AuthorizationServer::JwksJson() const {
  auto current = deps_.keys.Current();
  return oauth::JwksJson(current ? std::span<const Jwk>(current->jwks) : std::span<const Jwk>());
}

void AuthorizationServer::RefreshKeys() {
  const uint64_t signal_stamp = deps_.signal.Stamp();
  std::lock_guard lock(keys_mutex_);
  if (signal_stamp == keys_stamp_) return;
  if (deps_.keys.Load()) keys_stamp_ = signal_stamp;
}

base::Result<Client> AuthorizationServer::ResolveClient(std::string_view client_id, bool at_token) {
  if (!MetadataDocuments::IsMetadataUrl(client_id)) return deps_.clients.Find(client_id);
  if (auto cached = deps_.documents.Cached(client_id)) {
    if (*cached || !at_token) return std::move(*cached);
    // invalid_client, without the detail of why the fetch failed.
    return base::Error::InvalidArgument(
        "the client's metadata document could not be fetched or is invalid");
  }
  if (!at_token)
    return base::Error::Unavailable(
        "the client metadata document was not fetched (or expired meanwhile)");
  Client client;
  client.client_id = std::string(client_id);
  client.kind = ClientKind::kMetadata;
  client.name = SplitUri(client_id)->host;
  return client;
}

AuthorizeCheck AuthorizationServer::CheckAuthorize(const Params& query, const Site& site) {
  AuthorizeCheck check = Check(query, site);
  if (deps_.logger != nullptr && !std::holds_alternative<AuthorizationRequest>(check)) {
    // An error page says why in its message; a redirect in its error_description.
    const auto* page = std::get_if<ErrorPage>(&check);
    const std::string why = page != nullptr ? (page->detail.empty() ? page->message : page->detail)
                                            : std::get<ErrorRedirect>(check).location;
    // For a redirect: its error and description, not the client's state.
    std::string detail =
        std::holds_alternative<ErrorPage>(check) ? why : why.substr(why.rfind("error="));
    detail = detail.substr(0, std::min(detail.find("&state="), detail.find("&iss=")));
    deps_.logger->Warn(
        "oauth.authorize.refused",
        {{"client_id", Get(query, "client_id").value_or("")},
         {"answer", std::holds_alternative<ErrorPage>(check) ? "error page" : "error redirect"},
         {"detail", detail}});
  }
  return check;
}

AuthorizeCheck AuthorizationServer::Check(const Params& query, const Site& site) {
  const auto client_id = Get(query, "client_id");
  if (!client_id) return ErrorPage{"The request names no client (client_id is missing).", ""};
  auto client = ResolveClient(*client_id, /*at_token=*/false);
  if (!client) {
    if (client.error().code() == base::ErrorCode::kNotFound) {
      return ErrorPage{"This server does not know the client \"" + std::string(*client_id) +
                           "\". It may have been removed; connect it again from the app.",
                       ""};
    }
    // Why a fetch failed (refused, timed out, a private address, TLS) is for the log: shown to
    // whoever sent the request, it would describe the network this server can reach.
    return ErrorPage{
        "The app's identity could not be checked: its client metadata document could not be "
        "fetched or is not valid. Try again in a minute; if it keeps failing, tell the app's "
        "makers.",
        client.error().message()};
  }
  std::string redirect_uri;
  if (auto given = Get(query, "redirect_uri")) {
    if (!RedirectPolicy::Matches(client->redirect_uris, *given)) {
      return ErrorPage{
          "The redirect URI is not one the client registered, so this server will not send you "
          "there.",
          ""};
    }
    redirect_uri = std::string(*given);
  } else if (client->redirect_uris.size() == 1 &&
             !client->redirect_uris.front().starts_with("http://")) {
    redirect_uri = client->redirect_uris.front();
  } else {
    return ErrorPage{
        "The request names no redirect_uri, and the client registered several (or a loopback one).",
        ""};
  }
  // From here on, errors go back to the client (RFC 6749 §4.1.2.1), with iss (RFC 9207).
  const auto state = Get(query, "state");
  const bool state_ok = !state || (state->size() <= kMaxStateLength && IsVisibleAscii(*state));
  auto fail = [&](std::string_view error, std::string_view description) -> AuthorizeCheck {
    std::vector<std::pair<std::string_view, std::string_view>> params{
        {"error", error}, {"error_description", description}};
    if (state && state_ok) params.emplace_back("state", *state);
    params.emplace_back("iss", site.issuer);
    return ErrorRedirect{WithQuery(redirect_uri, params)};
  };
  if (!state_ok)
    return fail("invalid_request", "state must be printable ASCII of at most 1024 characters");
  if (Get(query, "response_type") != std::optional<std::string_view>("code")) {
    return fail("unsupported_response_type", "only response_type=code is supported");
  }
  const auto challenge = Get(query, "code_challenge");
  const auto method = Get(query, "code_challenge_method");
  if (!challenge)
    return fail("invalid_request",
                "PKCE is required: send code_challenge with code_challenge_method=S256");
  if (method != std::optional<std::string_view>("S256")) {
    return fail("invalid_request", "code_challenge_method must be S256 (plain is not accepted)");
  }
  if (!IsChallenge(*challenge))
    return fail("invalid_request", "code_challenge must be 43 base64url characters");
  const auto resource = Get(query, "resource");
  if (!resource)
    return fail("invalid_target", "resource is required and must name " + site.resource);
  if (!SameResource(*resource, site.resource)) {
    return fail("invalid_target", "this server issues tokens only for " + site.resource);
  }
  auto scopes = RequestedScopes(Get(query, "scope").value_or(""));
  if (!scopes) return fail("invalid_scope", scopes.error().message());
  if (scopes->empty()) scopes->insert(std::begin(auth::kReadScopes), std::end(auth::kReadScopes));
  AuthorizationRequest request;
  request.client = std::move(*client);
  request.redirect_uri = std::move(redirect_uri);
  request.state = std::string(state.value_or(""));
  request.code_challenge = std::string(*challenge);
  request.resource = site.resource;
  request.scopes = std::move(*scopes);
  return request;
}

base::Result<std::optional<std::set<std::string>>> AuthorizationServer::PriorConsent(
    const AuthorizationRequest& request, int64_t user_id) {
  auto grant = deps_.grants.Find(user_id, request.client.client_id);
  if (!grant) return std::move(grant).error();
  if (!*grant) return std::optional<std::set<std::string>>();
  const auto& granted = (*grant)->scopes;
  if (!std::includes(granted.begin(), granted.end(), request.scopes.begin(),
                     request.scopes.end())) {
    return std::optional<std::set<std::string>>();
  }
  return std::optional<std::set<std::string>>(request.scopes);
}

base::Result<std::string> AuthorizationServer::Approve(const AuthorizationRequest& request,
                                                       int64_t user_id,
                                                       const std::set<std::string>& granted,
                                                       const Site& site,
                                                       std::optional<auth::ReviewMode> review) {
  CodeRequest code_request;
  code_request.review = review;
  code_request.user_id = user_id;
  code_request.client_id = request.client.client_id;
  code_request.client_name = request.client.name;
  code_request.redirect_uri = request.redirect_uri;
  code_request.code_challenge = request.code_challenge;
  code_request.resource = request.resource;
  for (const auto& scope : granted) {
    if (request.scopes.contains(scope)) code_request.scopes.insert(scope);
  }
  if (code_request.scopes.empty()) return Deny(request, site);
  auto code = deps_.grants.IssueCode(code_request);
  if (!code) return std::move(code).error();
  if (deps_.logger != nullptr) {
    deps_.logger->Info("oauth.consent", {{"client_id", request.client.client_id},
                                         {"client", request.client.name},
                                         {"user_id", static_cast<int64_t>(user_id)},
                                         {"scope", auth::JoinScopes(code_request.scopes)}});
  }
  std::vector<std::pair<std::string_view, std::string_view>> params{{"code", *code}};
  if (!request.state.empty()) params.emplace_back("state", request.state);
  params.emplace_back("iss", site.issuer);
  return WithQuery(request.redirect_uri, params);
}

std::string AuthorizationServer::Deny(const AuthorizationRequest& request, const Site& site) const {
  std::vector<std::pair<std::string_view, std::string_view>> params{
      {"error", "access_denied"}, {"error_description", "the person did not allow access"}};
  if (!request.state.empty()) params.emplace_back("state", request.state);
  params.emplace_back("iss", site.issuer);
  return WithQuery(request.redirect_uri, params);
}

base::Result<Client> AuthorizationServer::AuthenticateClient(
    const Params& form, std::optional<std::string_view> authorization, JsonAnswer& refusal) {
  // RFC 7523 §2.2. Metadata documents that offer private_key_jwt are served as public clients
  // (docs/oauth.md); an assertion is refused rather than ignored, so the client learns why.
  if (form.contains("client_assertion") || form.contains("client_assertion_type")) {
    refusal = OAuthError(
        401, "invalid_client",
        "client_assertion (private_key_jwt) is not supported here: this server treats the "
        "client as a public client (token_endpoint_auth_method none); send client_id and the "
        "PKCE code_verifier without an assertion");
    refusal.www_authenticate = "Basic realm=\"taskwire\"";
    return base::Error::Unauthenticated("client_assertion is not supported");
  }
  std::string client_id;
  std::optional<std::string> secret;
  if (authorization) {
    constexpr std::string_view kBasic = "basic ";
    if (authorization->size() <= kBasic.size() ||
        !http::EqualsIgnoreCase(authorization->substr(0, kBasic.size()), kBasic)) {
      refusal = OAuthError(401, "invalid_client", "client authentication must use HTTP Basic");
      refusal.www_authenticate = "Basic realm=\"taskwire\"";
      return base::Error::Unauthenticated("bad client authentication scheme");
    }
    auto decoded = base::Base64Decode(authorization->substr(kBasic.size()));
    const size_t colon = decoded ? decoded->find(':') : std::string::npos;
    std::optional<std::string> id, password;
    if (colon != std::string::npos) {
      id = http::PercentDecode(std::string_view(*decoded).substr(0, colon), true);
      password = http::PercentDecode(std::string_view(*decoded).substr(colon + 1), true);
    }
    if (!id || !password) {
      refusal = OAuthError(401, "invalid_client", "the Basic credentials are malformed");
      refusal.www_authenticate = "Basic realm=\"taskwire\"";
      return base::Error::Unauthenticated("malformed Basic credentials");
    }
    if (form.contains("client_secret")) {
      refusal = OAuthError(400, "invalid_request", "use one client authentication method, not two");
      return base::Error::InvalidArgument("two client authentication methods");
    }
    if (auto named = Get(form, "client_id"); named && *named != *id) {
      refusal =
          OAuthError(400, "invalid_request", "client_id differs from the authenticated client");
      return base::Error::InvalidArgument("client_id mismatch");
    }
    client_id = std::move(*id);
    secret = std::move(*password);
  } else {
    auto named = Get(form, "client_id");
    if (!named) {
      refusal = OAuthError(401, "invalid_client", "client_id is required");
      refusal.www_authenticate = "Basic realm=\"taskwire\"";
      return base::Error::Unauthenticated("no client_id");
    }
    client_id = std::string(*named);
    if (auto posted = Get(form, "client_secret")) secret = std::string(*posted);
  }
  auto client = ResolveClient(client_id, /*at_token=*/true);
  if (!client) {
    if (client.error().code() == base::ErrorCode::kNotFound ||
        client.error().code() == base::ErrorCode::kInvalidArgument) {
      // invalid_client tells clients that registered dynamically to register again.
      refusal = OAuthError(401, "invalid_client", "unknown client; register again");
      refusal.www_authenticate = "Basic realm=\"taskwire\"";
    } else {
      refusal = OAuthError(503, "temporarily_unavailable", client.error().message());
    }
    return client;
  }
  const bool authenticated =
      client->confidential ? secret && ClientStore::SecretMatches(*client, *secret) : !secret;
  if (!authenticated) {
    refusal = OAuthError(401, "invalid_client",
                         client->confidential ? "the client secret is missing or wrong"
                                              : "this client is public and has no secret");
    refusal.www_authenticate = "Basic realm=\"taskwire\"";
    return base::Error::Unauthenticated("client authentication failed");
  }
  return client;
}

JsonAnswer AuthorizationServer::IssueTokens(const Issued& issued, const Site& site) {
  RefreshKeys();
  auto keys = deps_.keys.Current();
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(deps_.clock.Now().time_since_epoch())
          .count();
  Claims claims;
  claims.strings["iss"] = site.issuer;
  claims.strings["sub"] = std::to_string(issued.user_id);
  claims.strings["client_id"] = issued.client_id;
  claims.strings["scope"] = auth::JoinScopes(issued.scopes);
  claims.strings["jti"] = base::RandomToken(16);
  claims.strings["sid"] = issued.family_id;
  claims.audiences = {issued.resource};
  claims.numbers["iat"] = now;
  claims.numbers["exp"] = now + options_.access_token_lifetime.count();
  boost::json::object body{
      {"access_token", SignJwt(keys->key, keys->kid, claims)},
      {"token_type", "Bearer"},
      {"expires_in", options_.access_token_lifetime.count()},
      {"scope", auth::JoinScopes(issued.scopes)},
  };
  if (!issued.refresh_token.empty()) body["refresh_token"] = issued.refresh_token;
  return JsonAnswer{200, boost::json::serialize(body), ""};
}

JsonAnswer AuthorizationServer::Token(std::string_view body,
                                      std::optional<std::string_view> authorization,
                                      const Site& site) {
  auto form = http::ParseForm(body);
  if (!form) return OAuthError(400, "invalid_request", form.error().message());
  const auto grant_type = Get(*form, "grant_type");
  if (!grant_type) return OAuthError(400, "invalid_request", "grant_type is required");
  if (*grant_type != "authorization_code" && *grant_type != "refresh_token") {
    return OAuthError(400, "unsupported_grant_type",
                      "grant_type must be authorization_code or refresh_token");
  }
  JsonAnswer refusal;
  auto client = AuthenticateClient(*form, authorization, refusal);
  if (!client) {
    if (deps_.logger != nullptr) {
      deps_.logger->Warn("oauth.client.refused",
                         {{"client_id", Get(*form, "client_id").value_or("")},
                          {"reason", client.error().message()}});
    }
    return refusal;
  }
  std::optional<std::string_view> resource = Get(*form, "resource");
  if (resource && !SameResource(*resource, site.resource)) {
    return OAuthError(400, "invalid_target", "this server issues tokens only for " + site.resource);
  }
  if (resource) resource = site.resource;
  base::Result<Issued> issued = base::Error::Internal("unreachable");
  if (*grant_type == "authorization_code") {
    const auto code = Get(*form, "code");
    const auto redirect_uri = Get(*form, "redirect_uri");
    const auto verifier = Get(*form, "code_verifier");
    if (!code) return OAuthError(400, "invalid_request", "code is required");
    if (!redirect_uri) return OAuthError(400, "invalid_request", "redirect_uri is required");
    if (!verifier) return OAuthError(400, "invalid_request", "code_verifier is required (PKCE)");
    issued =
        deps_.grants.ExchangeCode(*code, client->client_id, *redirect_uri, *verifier, resource);
  } else {
    const auto refresh_token = Get(*form, "refresh_token");
    if (!refresh_token) return OAuthError(400, "invalid_request", "refresh_token is required");
    std::optional<std::set<std::string>> scopes;
    if (auto scope = Get(*form, "scope")) {
      auto parsed = RequestedScopes(*scope);
      if (!parsed) return OAuthError(400, "invalid_scope", parsed.error().message());
      scopes = std::move(*parsed);
    }
    issued = deps_.grants.Refresh(*refresh_token, client->client_id, scopes, resource);
  }
  if (!issued) {
    if (deps_.logger != nullptr) {
      deps_.logger->Warn("oauth.token.refused", {{"grant_type", *grant_type},
                                                 {"client_id", client->client_id},
                                                 {"reason", issued.error().message()}});
    }
    switch (issued.error().code()) {
      case base::ErrorCode::kPermissionDenied:
        return OAuthError(400, "invalid_grant", issued.error().message());
      case base::ErrorCode::kInvalidArgument:
        return OAuthError(
            400, issued.error().reason() == kInvalidScope ? "invalid_scope" : "invalid_request",
            issued.error().message());
      default:
        return OAuthError(503, "temporarily_unavailable", "cannot issue tokens now; retry");
    }
  }
  if (deps_.logger != nullptr) {
    deps_.logger->Info("oauth.token.issued", {{"grant_type", *grant_type},
                                              {"client_id", client->client_id},
                                              {"user", issued->user_name},
                                              {"scope", auth::JoinScopes(issued->scopes)}});
  }
  return IssueTokens(*issued, site);
}

JsonAnswer AuthorizationServer::Revoke(std::string_view body,
                                       std::optional<std::string_view> authorization) {
  auto form = http::ParseForm(body);
  if (!form) return OAuthError(400, "invalid_request", form.error().message());
  const auto token = Get(*form, "token");
  if (!token) return OAuthError(400, "invalid_request", "token is required");
  JsonAnswer refusal;
  auto client = AuthenticateClient(*form, authorization, refusal);
  if (!client) return refusal;
  base::Result<void> revoked;
  const auto hint = Get(*form, "token_type_hint");
  if (hint && *hint != "access_token" && *hint != "refresh_token") {
    return OAuthError(400, "unsupported_token_type",
                      "token_type_hint is access_token or refresh_token");
  }
  if (std::count(token->begin(), token->end(), '.') == 2) {
    // An access token: revoke its family, if the signature is ours.
    auto keys = deps_.keys.Current();
    const std::vector<std::string> algorithms{"ES256"};
    auto claims = VerifyJwt(*token, keys->jwks, algorithms);
    if (claims) {
      if (auto sid = claims->String("sid"))
        revoked = deps_.grants.RevokeFamily(*sid, client->client_id);
    }
  } else {
    revoked = deps_.grants.RevokeRefreshToken(*token, client->client_id);
  }
  if (!revoked) {
    if (revoked.error().code() == base::ErrorCode::kPermissionDenied) {
      // RFC 7009 §2.1: a token of another client is refused.
      return OAuthError(400, "unauthorized_client", revoked.error().message());
    }
    return OAuthError(503, "temporarily_unavailable", "cannot revoke now; retry");
  }
  // RFC 7009 §2.2: 200 also for tokens that were unknown or already revoked.
  return JsonAnswer{200, "{}", ""};
}

JsonAnswer AuthorizationServer::Register(std::string_view json, const std::string& source) {
  const auto now = std::chrono::steady_clock::now();
  if (registrations_.Blocked(source, now)) {
    return OAuthError(429, "too_many_requests",
                      "too many registrations from this address; retry later");
  }
  boost::system::error_code ec;
  const boost::json::value document = boost::json::parse(json, ec);
  if (ec || !document.is_object())
    return OAuthError(400, "invalid_client_metadata", "the body must be a JSON object");
  const auto& object = document.as_object();
  NewClient spec;
  if (const auto* name = object.if_contains("client_name")) {
    if (!name->is_string())
      return OAuthError(400, "invalid_client_metadata", "client_name must be a string");
    spec.name = std::string(name->as_string());
  }
  const auto* uris = object.if_contains("redirect_uris");
  if (uris == nullptr || !uris->is_array() || uris->as_array().empty()) {
    return OAuthError(400, "invalid_redirect_uri", "redirect_uris must be a non-empty array");
  }
  for (const auto& uri : uris->as_array()) {
    if (!uri.is_string())
      return OAuthError(400, "invalid_redirect_uri", "redirect_uris must hold strings");
    spec.redirect_uris.emplace_back(uri.as_string());
  }
  if (spec.name.empty()) {
    // A name people can recognize on the consent screen: the first redirect URI's host.
    auto first = SplitUri(spec.redirect_uris.front());
    spec.name = first && !first->host.empty() ? first->host : "unnamed client";
  }
  std::string method = "none";
  if (const auto* value = object.if_contains("token_endpoint_auth_method")) {
    if (!value->is_string())
      return OAuthError(400, "invalid_client_metadata",
                        "token_endpoint_auth_method must be a string");
    method = std::string(value->as_string());
  }
  if (method != "none" && method != "client_secret_basic" && method != "client_secret_post") {
    return OAuthError(
        400, "invalid_client_metadata",
        "token_endpoint_auth_method must be none, client_secret_basic or client_secret_post");
  }
  for (const char* list : {"grant_types", "response_types"}) {
    if (const auto* value = object.if_contains(list)) {
      if (!value->is_array())
        return OAuthError(400, "invalid_client_metadata", std::string(list) + " must be an array");
      for (const auto& item : value->as_array()) {
        const bool known =
            item.is_string() && (item.as_string() == "authorization_code" ||
                                 item.as_string() == "refresh_token" || item.as_string() == "code");
        if (!known) {
          return OAuthError(
              400, "invalid_client_metadata",
              std::string(list) + " may hold authorization_code, refresh_token and code only");
        }
      }
    }
  }
  spec.confidential = method != "none";
  // Every registration counts against the address, so a loop cannot fill the database.
  registrations_.RecordFailure(source, now);
  (void)deps_.clients.CollectUnused(options_.unused_client_age);
  auto added = deps_.clients.Add(spec, ClientKind::kDynamic);
  if (!added) {
    if (added.error().code() == base::ErrorCode::kInvalidArgument) {
      const bool redirect = added.error().message().find("redirect") != std::string::npos ||
                            added.error().message().find("://") != std::string::npos;
      return OAuthError(400, redirect ? "invalid_redirect_uri" : "invalid_client_metadata",
                        added.error().message());
    }
    return OAuthError(503, "temporarily_unavailable", "cannot register now; retry");
  }
  const auto& [client, secret] = *added;
  if (deps_.logger != nullptr) {
    deps_.logger->Info(
        "oauth.client.registered",
        {{"client_id", client.client_id}, {"client", client.name}, {"source", source}});
  }
  boost::json::array redirect_uris;
  for (const auto& uri : client.redirect_uris) redirect_uris.emplace_back(uri);
  const auto issued_at =
      std::chrono::duration_cast<std::chrono::seconds>(deps_.clock.Now().time_since_epoch())
          .count();
  boost::json::object answer{
      {"client_id", client.client_id},
      {"client_id_issued_at", issued_at},
      {"client_name", client.name},
      {"redirect_uris", std::move(redirect_uris)},
      {"grant_types", boost::json::array{"authorization_code", "refresh_token"}},
      {"response_types", boost::json::array{"code"}},
      {"token_endpoint_auth_method", method},
  };
  if (!secret.empty()) {
    answer["client_secret"] = secret;
    answer["client_secret_expires_at"] = 0;
  }
  if (const auto* type = object.if_contains("application_type"); type && type->is_string()) {
    answer["application_type"] = type->as_string();
  }
  return JsonAnswer{201, boost::json::serialize(answer), ""};
}

base::Result<auth::Identity> AuthorizationServer::Verify(std::string_view token, const Site& site) {
  RefreshKeys();
  auto claims = VerifyAccessToken(token, site);
  if (!claims) return std::move(claims).error();
  return IdentityOf(*claims);
}

base::Result<Claims> AuthorizationServer::VerifyAccessToken(std::string_view token,
                                                            const Site& site) {
  auto keys = deps_.keys.Current();
  if (!keys) return base::Error::Unavailable("no signing keys");
  static const std::vector<std::string> kAlgorithms{"ES256"};
  auto claims = VerifyJwt(token, keys->jwks, kAlgorithms);
  if (!claims) return claims;
  if (auto typed = CheckAccessTokenType(token); !typed) return std::move(typed).error();
  ClaimRules rules;
  rules.issuer = site.issuer;
  rules.audience = site.resource;
  rules.now = deps_.clock.Now();
  rules.max_lifetime = options_.access_token_lifetime;
  if (auto ok = CheckClaims(*claims, rules); !ok) return std::move(ok).error();
  if (!claims->String("sid") || !claims->String("sub") || !claims->String("scope")) {
    return base::Error::Unauthenticated("the token lacks sid, sub or scope");
  }
  return claims;
}

base::Result<auth::Identity> AuthorizationServer::IdentityOf(const Claims& claims) {
  auto family = deps_.grants.CheckFamily(*claims.String("sid"));
  if (!family) return std::move(family).error();
  if (std::to_string(family->user_id) != claims.String("sub")) {
    return base::Error::Unauthenticated("the token's subject does not match its grant");
  }
  auth::Identity identity;
  identity.user_id = family->user_id;
  identity.user_name = family->user_name;
  identity.credential = "grant:" + std::to_string(family->grant_id);
  identity.client = family->client_name;
  // The grant's review mode as it is now: the family is read on every verification.
  identity.review = family->review;
  auto scopes = RequestedScopes(*claims.String("scope"));
  if (!scopes) return base::Error::Unauthenticated("the token's scope is unreadable");
  identity.scopes = std::move(*scopes);
  identity.expires = base::WallTime(std::chrono::seconds(claims.Number("exp").value_or(0)));
  identity.oauth = true;
  return identity;
}

}  // namespace taskwire::oauth
