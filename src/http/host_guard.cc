#include "http/host_guard.h"

#include <algorithm>
#include <cctype>

#include "http/address.h"

namespace taskwire::http {

namespace {

std::string ToLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::optional<std::string> HostWithoutPort(std::string_view authority) {
  if (authority.empty()) return std::nullopt;
  std::string_view host;
  std::string_view rest;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    for (char c : host.substr(1, host.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
        return std::nullopt;
    }
    rest = authority.substr(close + 1);
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
    if (host.empty() || !std::all_of(host.begin(), host.end(), IsHostChar)) return std::nullopt;
  }
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return std::nullopt;
    for (char c : rest.substr(1)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
  }
  return ToLower(host);
}

std::optional<std::string> OriginOf(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::string scheme = ToLower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  auto host = HostWithoutPort(authority);
  if (!host) return std::nullopt;
  std::string origin = scheme + "://" + *host;
  // What follows the host in the authority is its port, ":8080", or nothing.
  const std::string_view port = authority.substr(host->size());
  const bool default_port =
      (scheme == "http" && port == ":80") || (scheme == "https" && port == ":443");
  if (!default_port) origin += port;
  return origin;
}

HostGuard::HostGuard(Policy policy) : policy_(std::move(policy)) {
  for (auto& host : policy_.hosts) host = ToLower(host);
  for (auto& origin : policy_.origins) {
    if (auto normalized = OriginOf(origin)) origin = *normalized;
  }
}

bool HostGuard::HostAllowed(std::string_view host_header) const {
  auto host = HostWithoutPort(host_header);
  if (!host) return false;
  if (policy_.hosts.empty() && !policy_.ip_literals) return true;
  if (policy_.ip_literals && IpAddress::Parse(*host)) return true;
  return std::find(policy_.hosts.begin(), policy_.hosts.end(), *host) != policy_.hosts.end();
}

bool HostGuard::OriginAllowed(std::string_view origin, std::string_view host_header) const {
  auto normalized = OriginOf(origin);
  if (!normalized) return false;  // includes the opaque origin "null"
  if (std::find(policy_.origins.begin(), policy_.origins.end(), *normalized) !=
      policy_.origins.end()) {
    return true;
  }
  // Same origin: the page was served by this server, under a host name that names it. This
  // server speaks plain HTTP, so its own origin is http://<Host>: https://127.0.0.1:PORT is
  // another origin (RFC 6454 §4 compares the scheme too). A name served over TLS by a proxy in
  // front (an https public_url) is this server's only as the https origin listed above.
  if (!normalized->starts_with("http://")) return false;
  std::string host_authority = ToLower(host_header);
  if (host_authority.ends_with(":80")) host_authority.resize(host_authority.size() - 3);
  if (normalized->substr(7) != host_authority || !HostAllowed(host_header)) return false;
  const auto host = HostWithoutPort(host_header);
  return std::none_of(
      policy_.origins.begin(), policy_.origins.end(), [&](const std::string& listed) {
        return listed.starts_with("https://") && HostWithoutPort(listed.substr(8)) == host;
      });
}

Response HostGuard::Refusal::ToResponse() const { return Response::JsonError(403, code, message); }

std::optional<HostGuard::Refusal> HostGuard::RefuseHost(const Request& request) const {
  const std::string_view host = request.headers.Get("Host").value_or("");
  if (HostAllowed(host)) return std::nullopt;
  if (policy_.ip_literals && HostWithoutPort(host)) {
    return Refusal{"forbidden_host",
                   "this server listens on every address without server.public_url, so it "
                   "answers only localhost and IP-address Hosts here (a DNS name could be a "
                   "DNS-rebinding attack); set server.public_url to the URL clients use"};
  }
  return Refusal{"forbidden_host",
                 "the Host header does not name this server; set server.public_url "
                 "to the address clients use"};
}

std::optional<HostGuard::Refusal> HostGuard::Refuse(const Request& request) const {
  const std::string_view host = request.headers.Get("Host").value_or("");
  if (auto refused = RefuseHost(request)) return refused;
  if (auto origin = request.headers.Get("Origin"); origin && !OriginAllowed(*origin, host)) {
    return Refusal{"forbidden_origin",
                   "requests from the web origin " + std::string(*origin) + " are not allowed"};
  }
  return std::nullopt;
}

std::optional<Response> HostGuard::CheckHost(const Request& request) const {
  auto refused = RefuseHost(request);
  if (!refused) return std::nullopt;
  return refused->ToResponse();
}

std::optional<Response> HostGuard::Check(const Request& request) const {
  auto refused = Refuse(request);
  if (!refused) return std::nullopt;
  return refused->ToResponse();
}

}  // namespace taskwire::http
