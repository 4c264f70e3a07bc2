#pragma once

// Our own HTTP request and response: plain structs that everything above http/ works with, so no
// Beast or Asio type leaves this module (ARCHITECTURE.md, the module picture).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace taskwire::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method method);
Method ParseMethod(std::string_view name);

// Case-insensitive ASCII comparison, as HTTP field names compare.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// False for text holding CR, LF or NUL, which would end a header field early and start another
// (header injection): such a field is never sent.
bool IsSafeHeaderText(std::string_view text);

// Header fields in arrival order. Names compare case-insensitively.
class Headers {
 public:
  // The first value of `name`, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string_view> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  void Add(std::string name, std::string value);
  // Room for `count` fields, when the caller knows how many come.
  void Reserve(size_t count) { fields_.reserve(count); }
  // Replaces every value of `name` with `value`.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);

  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }
  size_t size() const { return fields_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Who is on the other end of the socket (never taken from a header).
struct Peer {
  std::string address;  // "127.0.0.1", "::1"; IPv4-mapped IPv6 addresses are shown as IPv4
  uint16_t port = 0;
  bool loopback = false;
};

struct Request {
  Method method = Method::kGet;
  std::string method_name;  // as sent, for kOther
  std::string target;       // as sent: path and query
  std::string path;         // target up to '?', still percent-encoded
  std::string query;        // after '?', without it
  Headers headers;
  std::string body;
  Peer peer;
  // Values of the route's {placeholders}, percent-decoded, in pattern order.
  std::vector<std::pair<std::string, std::string>> params;

  // The value of {name} in the matched route, or an empty view.
  std::string_view Param(std::string_view name) const;
  // The first value of `name` in the query string, percent-decoded.
  std::optional<std::string> QueryParam(std::string_view name) const;
};

// True when `headers` hold exactly one Content-Type and its media type is `type` ("application/
// json"): compared case-insensitively, with parameters such as "; charset=utf-8" allowed
// (RFC 9110 §8.3.1). False when it is missing, repeated or another type.
bool HasMediaType(const Headers& headers, std::string_view type);

// The value of the cookie `name` in the request's Cookie headers (RFC 6265 §5.4), the first one
// when it is sent more than once; nullopt when absent.
std::optional<std::string> CookieValue(const Headers& headers, std::string_view name);

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response Text(int status, std::string_view body);
  static Response Json(int status, std::string body);
  static Response Html(int status, std::string body);
  // A JSON error body {"error":{"code":"...","message":"..."}} for our REST answers.
  static Response JsonError(int status, std::string_view code, std::string_view message);
};

// "OK", "Not Found", ...; "Unknown" for codes we never send.
std::string_view StatusReason(int status);

// Percent-decodes `text`; nullopt for a malformed escape or an encoded NUL. With `plus_as_space`
// (form and query encoding) '+' becomes ' '.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space = false);

// Percent-encodes everything but unreserved characters (RFC 3986 §2.3), for a query or form value.
std::string PercentEncode(std::string_view text);

// The parameters of a form body or query string (application/x-www-form-urlencoded), each at
// most once (as OAuth requires, RFC 6749 §3.1); a parameter without a value counts as omitted.
// InvalidArgument naming a repeated or undecodable parameter.
using FormParams = std::map<std::string, std::string, std::less<>>;
base::Result<FormParams> ParseForm(std::string_view encoded);

}  // namespace taskwire::http
