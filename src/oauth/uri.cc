#include "oauth/uri.h"

#include <algorithm>
#include <cctype>

namespace taskwire::oauth {

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool IsHostChar(char c) {
  // A registered name or an IPv4 address; percent-encoding and sub-delimiters are refused, since
  // no host a client redirects to needs them.
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == '~';
}

}  // namespace

std::optional<UriParts> SplitUri(std::string_view uri) {
  UriParts parts;
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 ||
      !std::isalpha(static_cast<unsigned char>(uri[0]))) {
    return std::nullopt;
  }
  const std::string_view scheme = uri.substr(0, colon);
  if (!std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      })) {
    return std::nullopt;
  }
  parts.scheme = Lower(scheme);
  std::string_view rest = uri.substr(colon + 1);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    parts.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  if (const size_t question = rest.find('?'); question != std::string_view::npos) {
    parts.query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
  }
  if (rest.starts_with("//")) {
    parts.has_authority = true;
    rest.remove_prefix(2);
    const size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
      parts.has_userinfo = true;
      authority.remove_prefix(at + 1);
    }
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
      const size_t close = authority.find(']');
      if (close == std::string_view::npos) return std::nullopt;
      host = authority.substr(0, close + 1);
      const std::string_view inside = host.substr(1, host.size() - 2);
      if (inside.empty() || !std::all_of(inside.begin(), inside.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
          })) {
        return std::nullopt;
      }
      const std::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':') return std::nullopt;
        port = after.substr(1);
      }
    } else {
      const size_t port_colon = authority.find(':');
      if (port_colon != std::string_view::npos) {
        host = authority.substr(0, port_colon);
        port = authority.substr(port_colon + 1);
      }
      if (!std::all_of(host.begin(), host.end(), IsHostChar)) return std::nullopt;
    }
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        })) {
      return std::nullopt;
    }
    parts.host = Lower(host);
    parts.port = std::string(port);
  }
  parts.path = std::string(rest);
  return parts;
}

}  // namespace taskwire::oauth
