#include "oauth/endpoints.h"

#include "http/offload.h"

namespace taskwire::oauth {

namespace {

constexpr size_t kMaxFormBytes = 16 * 1024;

void AllowAnyOrigin(http::Response& response) {
  response.headers.Set("Access-Control-Allow-Origin", "*");
}

http::Response Answer(const JsonAnswer& answer) {
  http::Response response = http::Response::Json(answer.status, answer.body);
  // RFC 6749 §5.1: token responses are never cached.
  response.headers.Set("Cache-Control", "no-store");
  response.headers.Set("Pragma", "no-cache");
  if (!answer.www_authenticate.empty())
    response.headers.Set("WWW-Authenticate", answer.www_authenticate);
  AllowAnyOrigin(response);
  return response;
}

}  // namespace

http::Response Overloaded() {
  return Answer(JsonAnswer{
      503,
      R"({"error":"temporarily_unavailable","error_description":"the server is overloaded; retry"})",
      ""});
}

namespace {

// RFC 6749 §3.2: the token endpoint takes a form; refuse other bodies before reading them.
std::optional<http::Response> CheckForm(const http::Request& request) {
  const auto type = request.headers.Get("Content-Type").value_or("");
  if (!type.starts_with("application/x-www-form-urlencoded")) {
    return Answer(JsonAnswer{
        400,
        R"({"error":"invalid_request","error_description":"the body must be application/x-www-form-urlencoded"})",
        ""});
  }
  if (request.body.size() > kMaxFormBytes) {
    return Answer(JsonAnswer{
        413, R"({"error":"invalid_request","error_description":"the body is too large"})", ""});
  }
  return std::nullopt;
}

void Preflight(http::Router& router, const std::string& path) {
  router.Add(http::Method::kOptions, path, [](http::Request&, http::Responder responder) {
    http::Response response = http::Response::Text(204, "");
    AllowAnyOrigin(response);
    response.headers.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    response.headers.Set("Access-Control-Allow-Headers",
                         "Authorization, Content-Type, MCP-Protocol-Version");
    response.headers.Set("Access-Control-Max-Age", "86400");
    responder.Send(std::move(response));
  });
}

}  // namespace

void Endpoints::Register(http::Router& router) const {
  auto metadata = [this](http::Request& request, http::Responder responder) {
    if (guard_ != nullptr) {
      // The issuer is this request's Host: a forged one is refused, and no shared cache may
      // hand one Host's issuer to another.
      if (auto refused = guard_->CheckHost(request)) {
        refused->headers.Set("Vary", "Host");
        AllowAnyOrigin(*refused);
        return responder.Send(std::move(*refused));
      }
    }
    http::Response response = http::Response::Json(200, server_.MetadataJson(site_(request)));
    if (guard_ != nullptr) {
      response.headers.Set("Cache-Control", "private, max-age=300");
      response.headers.Set("Vary", "Host");
    } else {
      response.headers.Set("Cache-Control", "public, max-age=300");
    }
    AllowAnyOrigin(response);
    responder.Send(std::move(response));
  };
  for (const std::string path :
       {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    router.Add(http::Method::kGet, path, metadata);
    Preflight(router, path);
  }
  router.Add(http::Method::kGet, "/oauth/jwks", [this](http::Request&, http::Responder responder) {
    http::Response response = http::Response::Json(200, server_.JwksJson());
    response.headers.Set("Content-Type", "application/jwk-set+json");
    response.headers.Set("Cache-Control", "public, max-age=300");
    AllowAnyOrigin(response);
    responder.Send(std::move(response));
  });
  Preflight(router, "/oauth/jwks");
  router.Add(http::Method::kPost, "/oauth/token",
             [this](http::Request& request, http::Responder responder) {
               if (auto refused = CheckForm(request)) return responder.Send(std::move(*refused));
               auto authorization = request.headers.Get("Authorization");
               http::Offload(
                   pool_, std::move(responder), Overloaded,
                   [this, body = std::move(request.body), site = site_(request),
                    authorization =
                        authorization ? std::optional<std::string>(*authorization) : std::nullopt] {
                     return Answer(server_.Token(body, authorization, site));
                   });
             });
  Preflight(router, "/oauth/token");
  router.Add(http::Method::kPost, "/oauth/revoke",
             [this](http::Request& request, http::Responder responder) {
               if (auto refused = CheckForm(request)) return responder.Send(std::move(*refused));
               auto authorization = request.headers.Get("Authorization");
               http::Offload(
                   pool_, std::move(responder), Overloaded,
                   [this, body = std::move(request.body),
                    authorization =
                        authorization ? std::optional<std::string>(*authorization) : std::nullopt] {
                     return Answer(server_.Revoke(body, authorization));
                   });
             });
  Preflight(router, "/oauth/revoke");
  router.Add(
      http::Method::kPost, "/oauth/register",
      [this](http::Request& request, http::Responder responder) {
        const auto type = request.headers.Get("Content-Type").value_or("");
        if (!type.starts_with("application/json")) {
          return responder.Send(Answer(JsonAnswer{
              400,
              R"({"error":"invalid_client_metadata","error_description":"the body must be application/json"})",
              ""}));
        }
        if (request.body.size() > kMaxFormBytes) {
          return responder.Send(Answer(JsonAnswer{
              413,
              R"({"error":"invalid_client_metadata","error_description":"the body is too large"})",
              ""}));
        }
        http::Offload(
            pool_, std::move(responder), Overloaded,
            [this, body = std::move(request.body), source = sources_.ClientAddress(request)] {
              return Answer(server_.Register(body, source));
            });
      });
  Preflight(router, "/oauth/register");
}

}  // namespace taskwire::oauth
