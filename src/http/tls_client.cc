// http::Fetch and http::FetchBounded, over plain TCP or TLS (this is the TLS part of http/, so
// OpenSSL may be named).

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"

namespace taskwire::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Runs `on_sent` once, when it goes out of scope at the latest.
class SentNotice {
 public:
  explicit SentNotice(const std::function<void()>& on_sent) : on_sent_(on_sent) {}
  ~SentNotice() { Now(); }
  void Now() {
    if (on_sent_ && !done_) on_sent_();
    done_ = true;
  }

 private:
  const std::function<void()>& on_sent_;
  bool done_ = false;
};

template <typename Stream>
base::Result<void> Exchange(Stream& stream,
                            const beast::http::request<beast::http::string_body>& request,
                            const std::function<void(const ClientResponse&)>& on_response,
                            const std::function<bool(std::string_view)>& on_body,
                            const std::string& url, SentNotice& sent) {
  beast::error_code ec;
  beast::http::write(stream, request, ec);
  sent.Now();
  if (ec) return base::Error::Unavailable("cannot send to " + url + ": " + ec.message());
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::buffer_body> parser;
  parser.body_limit(boost::none);
  beast::http::read_header(stream, buffer, parser, ec);
  if (ec) return base::Error::Unavailable("no answer from " + url + ": " + ec.message());
  ClientResponse head;
  head.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    head.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  on_response(head);
  char chunk[16 * 1024];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    // read_some: a stream's events are handed on as they come, not when a buffer fills.
    beast::http::read_some(stream, buffer, parser, ec);
    if (ec == beast::http::error::need_buffer) ec = {};
    if (ec)
      return base::Error::Unavailable("the answer from " + url + " broke off: " + ec.message());
    const size_t got = sizeof chunk - parser.get().body().size;
    if (got > 0 && !on_body(std::string_view(chunk, got))) return base::Ok();
  }
  return base::Ok();
}

}  // namespace

base::Result<void> Fetch(Method method, std::string_view url, const Headers& headers,
                         std::string_view body,
                         const std::function<void(const ClientResponse&)>& on_response,
                         const std::function<bool(std::string_view)>& on_body,
                         const std::function<void()>& on_sent) {
  SentNotice sent(on_sent);
  const std::string text(url);
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
      parsed->host().empty()) {
    return base::Error::InvalidArgument("'" + text + "' is not an http:// or https:// URL");
  }
  const bool tls = parsed->scheme() == "https";
  std::string host = parsed->host_address();  // without the brackets of an IPv6 literal
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80");
  std::string target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  beast::http::request<beast::http::string_body> request;
  request.method_string(std::string(MethodName(method)));
  request.target(target);
  request.version(11);
  request.set(beast::http::field::host, std::string(parsed->encoded_authority()));
  request.set(beast::http::field::connection, "close");
  for (const auto& [name, value] : headers) {
    // A line break would end the field and start one of the caller's choosing: refuse, naming
    // only the field (its value may be a credential).
    if (!IsSafeHeaderText(name) || !IsSafeHeaderText(value)) {
      return base::Error::InvalidArgument("the " +
                                          std::string(IsSafeHeaderText(name) ? name : "request") +
                                          " header holds a line break or NUL; nothing was sent");
    }
    request.insert(name, value);
  }
  request.body() = std::string(body);
  if (!body.empty() || method == Method::kPost) request.prepare_payload();

  asio::io_context io;
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return base::Error::Unavailable("cannot resolve " + host + ": " + ec.message());
  if (!tls) {
    tcp::socket socket(io);
    asio::connect(socket, endpoints, ec);
    if (ec) return base::Error::Unavailable("cannot connect to " + text + ": " + ec.message());
    return Exchange(socket, request, on_response, on_body, text, sent);
  }
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_default_verify_paths(ec);
  asio::ssl::stream<tcp::socket> stream(io, context);
  stream.set_verify_mode(asio::ssl::verify_peer);
  stream.set_verify_callback(asio::ssl::host_name_verification(host));
  if (SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()) != 1) {
    return base::Error::Unavailable("cannot set the TLS server name " + host);
  }
  asio::connect(stream.next_layer(), endpoints, ec);
  if (ec) return base::Error::Unavailable("cannot connect to " + text + ": " + ec.message());
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return base::Error::Unavailable("TLS with " + host + " failed: " + ec.message());
  return Exchange(stream, request, on_response, on_body, text, sent);
}

namespace {

using Clock = std::chrono::steady_clock;

// RFC 6890 and the IANA special-purpose registry, for the IPv4 part.
bool IsPrivateOrReservedV4(const uint8_t* a) {
  return a[0] == 0 ||                                   // 0.0.0.0/8 "this network"
         a[0] == 10 ||                                  // 10.0.0.0/8 private
         (a[0] == 100 && (a[1] & 0xc0) == 64) ||        // 100.64.0.0/10 CGNAT
         a[0] == 127 ||                                 // 127.0.0.0/8 loopback
         (a[0] == 169 && a[1] == 254) ||                // 169.254.0.0/16 link-local
         (a[0] == 172 && (a[1] & 0xf0) == 16) ||        // 172.16.0.0/12 private
         (a[0] == 192 && a[1] == 0 && a[2] == 0) ||     // 192.0.0.0/24 IETF assignments
         (a[0] == 192 && a[1] == 0 && a[2] == 2) ||     // 192.0.2.0/24 TEST-NET-1
         (a[0] == 192 && a[1] == 88 && a[2] == 99) ||   // 192.88.99.0/24 6to4 relays (gone)
         (a[0] == 192 && a[1] == 168) ||                // 192.168.0.0/16 private
         (a[0] == 198 && (a[1] & 0xfe) == 18) ||        // 198.18.0.0/15 benchmarking
         (a[0] == 198 && a[1] == 51 && a[2] == 100) ||  // 198.51.100.0/24 TEST-NET-2
         (a[0] == 203 && a[1] == 0 && a[2] == 113) ||   // 203.0.113.0/24 TEST-NET-3
         a[0] >= 224;  // 224.0.0.0/4 multicast, 240.0.0.0/4 reserved, 255.255.255.255 broadcast
}

// The endpoint's address in our 128-bit form (IPv4 as IPv4-mapped IPv6).
IpAddress ToIpAddress(const asio::ip::address& address) {
  IpAddress result;
  if (address.is_v4()) {
    const auto v4 = address.to_v4().to_bytes();
    result.bytes[10] = 0xff;
    result.bytes[11] = 0xff;
    std::copy(v4.begin(), v4.end(), result.bytes.begin() + 12);
  } else {
    const auto v6 = address.to_v6().to_bytes();
    std::copy(v6.begin(), v6.end(), result.bytes.begin());
  }
  return result;
}

// getaddrinfo cannot be cancelled, and Asio's resolver joins its helper thread when the
// io_context is destroyed, so a DNS server that never answers would hold the caller past the
// deadline. The lookup runs on a thread of its own instead, which we walk away from on timeout
// (it ends when getaddrinfo gives up; it owns everything it touches).
base::Result<std::vector<tcp::endpoint>> Resolve(const std::string& host, uint16_t port,
                                                 Clock::time_point deadline,
                                                 const std::string& url) {
  beast::error_code ec;
  const auto literal = asio::ip::make_address(host, ec);
  if (!ec) return std::vector<tcp::endpoint>{tcp::endpoint(literal, port)};
  using Lookup = std::pair<beast::error_code, std::vector<tcp::endpoint>>;
  auto promise = std::make_shared<std::promise<Lookup>>();
  auto answer = promise->get_future();
  std::thread([promise, host, port] {
    asio::io_context io;
    tcp::resolver resolver(io);
    Lookup lookup;
    for (const auto& entry : resolver.resolve(host, std::to_string(port),
                                              tcp::resolver::numeric_service, lookup.first)) {
      lookup.second.push_back(entry.endpoint());
    }
    promise->set_value(std::move(lookup));
  }).detach();
  if (answer.wait_until(deadline) != std::future_status::ready) {
    return base::Error::Unavailable("fetching " + url + " timed out resolving " + host);
  }
  Lookup lookup = answer.get();
  if (lookup.first || lookup.second.empty()) {
    return base::Error::Unavailable("cannot resolve " + host + " for " + url + ": " +
                                    (lookup.first ? lookup.first.message() : "no addresses"));
  }
  return std::move(lookup.second);
}

// One exchange on one io_context: each step is started asynchronously and the context run until
// the step completes or the deadline passes; then the socket is closed, so that the pending
// operation ends (with operation_aborted) before we go on, and the step reports a timeout.
class Deadline {
 public:
  Deadline(asio::io_context& io, tcp::socket& socket, Clock::time_point at)
      : io_(io), socket_(socket), at_(at) {}

  // Runs the operation `start` begins (handing it a completion handler); its error, or
  // asio::error::timed_out when the deadline passed first.
  template <typename Start>
  beast::error_code Run(Start start) {
    beast::error_code result;
    bool done = false;
    start([&result, &done](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    io_.restart();
    io_.run_until(at_);
    if (done) return result;
    beast::error_code ignored;
    socket_.close(ignored);
    io_.restart();
    io_.run();  // the aborted operation's handler, and any it leaves behind
    return asio::error::timed_out;
  }

 private:
  asio::io_context& io_;
  tcp::socket& socket_;
  Clock::time_point at_;
};

// Writes `request` and reads the whole response into `document`, within `deadline`.
template <typename Stream>
base::Result<void> ExchangeBounded(Stream& stream, Deadline& deadline,
                                   const beast::http::request<beast::http::empty_body>& request,
                                   size_t max_body, const std::string& url,
                                   std::chrono::milliseconds timeout, FetchedDocument& document) {
  const auto failed = [&](std::string_view what, const beast::error_code& ec) {
    if (ec == asio::error::timed_out) {
      return base::Error::Unavailable("fetching " + url + " timed out after " +
                                      std::to_string(timeout.count()) + " ms");
    }
    if (ec == beast::http::error::body_limit) {
      return base::Error::Unavailable("the body of " + url + " is too large (over " +
                                      std::to_string(max_body) + " bytes)");
    }
    return base::Error::Unavailable(std::string(what) + " " + url + ": " + ec.message());
  };
  beast::error_code ec = deadline.Run(
      [&](auto handler) { beast::http::async_write(stream, request, std::move(handler)); });
  if (ec) return failed("cannot send to", ec);
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(max_body);  // checks Content-Length up front, and the body as it arrives
  ec = deadline.Run(
      [&](auto handler) { beast::http::async_read(stream, buffer, parser, std::move(handler)); });
  if (ec) return failed("no whole answer from", ec);
  document.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    document.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  document.body = std::move(parser.get().body());
  return base::Ok();
}

}  // namespace

bool IsPrivateOrReserved(const IpAddress& address) {
  const uint8_t* b = address.bytes.data();
  const auto zeros = [b](int from, int to) {
    for (int i = from; i < to; ++i) {
      if (b[i] != 0) return false;
    }
    return true;
  };
  // ::ffff:0:0/96 IPv4-mapped (RFC 4291 §2.5.5.2): judge the IPv4 address.
  if (zeros(0, 10) && b[10] == 0xff && b[11] == 0xff) return IsPrivateOrReservedV4(b + 12);
  // 64:ff9b::/96 NAT64 (RFC 6052): the gateway would connect to the embedded IPv4 address.
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zeros(4, 12)) {
    return IsPrivateOrReservedV4(b + 12);
  }
  // 2002::/16 6to4 (RFC 3056) embeds an IPv4 address in bits 16-47.
  if (b[0] == 0x20 && b[1] == 0x02) return IsPrivateOrReservedV4(b + 2);
  // Only 2000::/3 is global unicast; everything else (::/128, ::1, IPv4-compatible ::/96,
  // 64:ff9b:1::/48, 100::/64, fc00::/7, fe80::/10, fec0::/10, ff00::/8) is not for fetching.
  if ((b[0] & 0xe0) != 0x20) return true;
  // Inside 2000::/3: 2001::/23 IETF protocol assignments (Teredo, benchmarking, ORCHID),
  // 2001:db8::/32 documentation (RFC 3849), 3fff::/20 documentation (RFC 9637).
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02) return true;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;
  if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0) return true;
  return false;
}

base::Result<FetchedDocument> FetchBounded(std::string_view url, const Headers& headers,
                                           const FetchLimits& limits) {
  const Clock::time_point deadline_at = Clock::now() + limits.timeout;
  const std::string text(url);
  auto parsed = boost::urls::parse_uri(text);
  const bool web = parsed && (parsed->scheme_id() == boost::urls::scheme::http ||
                              parsed->scheme_id() == boost::urls::scheme::https);
  if (!web || parsed->host().empty() || parsed->host_type() == boost::urls::host_type::ipvfuture) {
    return base::Error::InvalidArgument("'" + text + "' is not an http:// or https:// URL");
  }
  if (parsed->has_userinfo()) {
    return base::Error::InvalidArgument("'" + text + "' carries a user name or password");
  }
  const bool tls = parsed->scheme_id() == boost::urls::scheme::https;
  const std::string host = parsed->host_address();  // without the brackets of an IPv6 literal
  const std::string port = parsed->has_port() && !parsed->port().empty()
                               ? std::string(parsed->port())
                               : (tls ? "443" : "80");
  uint16_t port_number = 0;
  const auto [port_end, port_ec] =
      std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (port_ec != std::errc() || port_end != port.data() + port.size() || port_number == 0) {
    return base::Error::InvalidArgument("'" + text + "' has no valid port");
  }
  std::string target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  beast::http::request<beast::http::empty_body> request;
  request.method(beast::http::verb::get);
  request.target(target);
  request.version(11);
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.set(beast::http::field::host, std::string(parsed->encoded_host_and_port()));
  request.set(beast::http::field::connection, "close");
  if (!headers.Has("User-Agent")) request.set(beast::http::field::user_agent, "taskwire");

  auto resolved = Resolve(host, port_number, deadline_at, text);
  if (!resolved) return std::move(resolved).error();
  // The filter and the connection use the same resolved addresses: no second lookup that a
  // rebinding DNS server could answer differently.
  std::vector<tcp::endpoint> allowed;
  for (const auto& endpoint : *resolved) {
    if (!limits.allow_address || limits.allow_address(ToIpAddress(endpoint.address()))) {
      allowed.push_back(endpoint);
    }
  }
  if (allowed.empty()) {
    return base::Error::Unavailable(text + " resolves only to addresses that are not allowed");
  }

  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_client);
  beast::error_code ec;
  if (tls) {
    // The system trust store; OpenSSL honours SSL_CERT_FILE and SSL_CERT_DIR here.
    context.set_default_verify_paths(ec);
    if (ec) return base::Error::Unavailable("cannot load the trust store for " + text);
    if (!limits.extra_ca_file.empty()) {
      context.load_verify_file(limits.extra_ca_file, ec);
      if (ec) {
        return base::Error::Unavailable("cannot load the CA certificates in " +
                                        limits.extra_ca_file + " for " + text + ": " +
                                        ec.message());
      }
    }
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  }
  asio::ssl::stream<tcp::socket> stream(io, context);
  tcp::socket& socket = stream.next_layer();
  Deadline deadline(io, socket, deadline_at);
  const auto timed_out = [&] {
    return base::Error::Unavailable("fetching " + text + " timed out after " +
                                    std::to_string(limits.timeout.count()) + " ms");
  };
  ec =
      deadline.Run([&](auto handler) { asio::async_connect(socket, allowed, std::move(handler)); });
  if (ec == asio::error::timed_out) return timed_out();
  if (ec) return base::Error::Unavailable("cannot connect to " + text + ": " + ec.message());
  FetchedDocument document;
  if (!tls) {
    auto exchanged =
        ExchangeBounded(socket, deadline, request, limits.max_body, text, limits.timeout, document);
    if (!exchanged) return std::move(exchanged).error();
    return document;
  }
  stream.set_verify_mode(asio::ssl::verify_peer);
  stream.set_verify_callback(asio::ssl::host_name_verification(host));
  // RFC 6066 §3: the server name is a host name, never an IP literal.
  if (parsed->host_type() == boost::urls::host_type::name &&
      SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()) != 1) {
    return base::Error::Unavailable("cannot set the TLS server name " + host);
  }
  ec = deadline.Run([&](auto handler) {
    stream.async_handshake(asio::ssl::stream_base::client, std::move(handler));
  });
  if (ec == asio::error::timed_out) return timed_out();
  if (ec)
    return base::Error::Unavailable("TLS with " + host + " for " + text +
                                    " failed: " + ec.message());
  auto exchanged =
      ExchangeBounded(stream, deadline, request, limits.max_body, text, limits.timeout, document);
  if (!exchanged) return std::move(exchanged).error();
  return document;
}

}  // namespace taskwire::http
