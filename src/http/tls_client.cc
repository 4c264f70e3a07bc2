// http::Fetch, over plain TCP or TLS (this is the TLS part of http/, so OpenSSL may be named).

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

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
base::Result<void> Exchange(Stream& stream, const beast::http::request<beast::http::string_body>& request,
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
    if (ec) return base::Error::Unavailable("the answer from " + url + " broke off: " + ec.message());
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
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->host().empty()) {
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
  for (const auto& [name, value] : headers) request.insert(name, value);
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

}  // namespace taskwire::http
