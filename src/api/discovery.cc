#include "api/discovery.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "auth/scopes.h"
#include "mcp/jsonrpc.h"

namespace taskwire::api {

namespace json = boost::json;

namespace {

// The scopes a client should ask for when nothing more specific is known: the read scopes.
constexpr std::string_view kChallengeScope = "mcp:read organizations:read tasks:read";

bool PlainHost(std::string_view host) {
  return !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '[' || c == ']';
  });
}

}  // namespace

std::string Discovery::BaseUrl(const http::Request& request) const {
  if (!public_url_.empty()) return public_url_;
  const auto host = request.headers.Get("Host");
  return "http://" + std::string(host && PlainHost(*host) ? *host : "localhost");
}

std::string Discovery::ResourceUrl(const http::Request& request) const {
  return BaseUrl(request) + mcp_path_;
}

std::string Discovery::MetadataUrl(const http::Request& request) const {
  return BaseUrl(request) + "/.well-known/oauth-protected-resource" + mcp_path_;
}

void Discovery::Register(http::Router& router, const http::HostGuard* host_guard) const {
  const bool by_host = public_url_.empty();
  const auto serve = [this, by_host, host_guard](http::Request& request,
                                                 http::Responder responder) {
    if (by_host && host_guard != nullptr) {
      if (auto refused = host_guard->CheckHost(request)) {
        refused->headers.Set("Vary", "Host");
        return responder.Send(std::move(*refused));
      }
    }
    json::array scopes;
    for (std::string_view scope : auth::kGrantableScopes) {
      if (scope != auth::kScopeOfflineAccess) scopes.emplace_back(scope);
    }
    json::object metadata{
        {"resource", ResourceUrl(request)},
        {"authorization_servers",
         json::array{authorization_server_.empty() ? BaseUrl(request) : authorization_server_}},
        {"scopes_supported", std::move(scopes)},
        {"bearer_methods_supported", json::array{"header"}},
        {"resource_name", "Taskwire"}};
    http::Response response = http::Response::Json(200, json::serialize(metadata));
    if (by_host) {
      response.headers.Set("Cache-Control", "private, max-age=300");
      response.headers.Set("Vary", "Host");
    } else {
      response.headers.Set("Cache-Control", "max-age=300");
    }
    response.headers.Set("Access-Control-Allow-Origin", "*");
    responder.Send(std::move(response));
  };
  router.Add(http::Method::kGet, "/.well-known/oauth-protected-resource" + mcp_path_, serve);
  router.Add(http::Method::kGet, "/.well-known/oauth-protected-resource", serve);
}

std::string Discovery::Challenge(const http::Request& request, std::string_view message,
                                 bool token_given) const {
  std::string challenge = "Bearer resource_metadata=\"" + MetadataUrl(request) + "\", scope=\"" +
                          std::string(kChallengeScope) + "\"";
  // RFC 6750 §3.1: an error code only when a token was sent.
  if (token_given) {
    std::string description;
    for (char c : message) {
      if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20 &&
          static_cast<unsigned char>(c) < 0x7f) {
        description += c;
      }
    }
    challenge += ", error=\"invalid_token\", error_description=\"" + description + "\"";
  }
  return challenge;
}

http::Response Discovery::InsufficientScope(const http::Request& request, std::string_view scope,
                                            bool json_rpc) const {
  const std::string message = "this credential lacks the scope \"" + std::string(scope) + "\"";
  http::Response response =
      json_rpc ? http::Response::Json(
                     403, mcp::EncodeError(
                              nullptr, mcp::RpcError{mcp::kInvalidRequest, message, nullptr, 403}))
               : http::Response::JsonError(403, "insufficient_scope", message);
  response.headers.Set("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" +
                                               std::string(scope) + "\", resource_metadata=\"" +
                                               MetadataUrl(request) + "\"");
  return response;
}

}  // namespace taskwire::api
