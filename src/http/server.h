#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "http/address.h"
#include "http/responder.h"

namespace taskwire::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one
  size_t threads = 0;                     // network threads; 0 = one per core
  // At this many open connections a new one closes the connection idle the longest (waiting
  // for a request), or, when none is idle, gets 503 and is closed.
  size_t max_connections = 10'000;
  // Open connections one source address (an IPv6 /64) may hold; beyond it new ones from there
  // get 503 and are closed, so one address cannot take every connection.
  size_t max_connections_per_address = 1'000;
  // Peers exempt from max_connections_per_address: reverse proxies, whose clients all arrive
  // from the proxy's address (server.trusted_proxies).
  std::vector<Cidr> uncapped_peers;
  size_t max_header_bytes = 16 * 1024;      // request line and headers; beyond it 431
  size_t max_body_bytes = 4 * 1024 * 1024;  // beyond it 413
  // A request whose first byte has arrived must arrive whole within this, else the connection
  // is closed (slow clients).
  std::chrono::milliseconds request_timeout{10'000};
  // A new connection that sends nothing for this long is closed.
  std::chrono::milliseconds first_byte_timeout{5'000};
  // A keep-alive connection with no request in flight is closed after this.
  std::chrono::milliseconds idle_timeout{60'000};
  // A peer that does not read what we write for this long is disconnected.
  std::chrono::milliseconds write_timeout{30'000};
  // After Shutdown, in-flight requests get this long to finish before connections are cut.
  std::chrono::milliseconds shutdown_timeout{10'000};
  // Open event streams get a comment line this often, so dead peers and idle proxies notice.
  std::chrono::milliseconds stream_keepalive{15'000};
  // An event stream whose unsent bytes exceed this is closed (the peer reads too slowly).
  size_t max_stream_backlog_bytes = 1024 * 1024;
};

struct ListenAddress {
  std::string host;  // an IP literal without brackets, "127.0.0.1" or "::1"
  uint16_t port = 0;
};

// Parses "HOST:PORT" ("127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80", "localhost:8080").
// InvalidArgument for anything else.
base::Result<ListenAddress> ParseListenAddress(std::string_view text);

// The HTTP/1.1 server. Each network thread runs its own event loop; a connection lives on one of
// them for its whole life. Requests are parsed into http::Request and handed to the handler on
// that thread; the handler must not block (it passes slow work to a base::WorkerPool and answers
// through its Responder later). Public methods are safe from any thread.
class Server {
 public:
  Server(ServerOptions options, Handler handler, base::Logger& logger);
  ~Server();  // shuts down and waits, if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Unavailable naming the address and the reason when it cannot (in use,
  // no permission, no such address); InvalidArgument for a malformed listen address.
  base::Result<void> Listen();
  // After Listen: the bound address, "127.0.0.1:43127" or "[::1]:8080".
  std::string local_address() const;
  uint16_t port() const;
  // After Listen: true when bound to a loopback address.
  bool loopback() const;

  // Starts the network threads (after Listen).
  void Start();
  // SIGINT or SIGTERM then calls Shutdown; a second signal cuts every connection at once.
  void ShutdownOnSignals();
  // SIGHUP then calls `on_hangup`, on a network thread (so it must hand blocking work off), each
  // time, until Shutdown. Before Start.
  void OnHangup(std::function<void()> on_hangup);
  // Stops accepting, closes idle connections, lets in-flight requests finish (with
  // "Connection: close"), ends event streams, and after shutdown_timeout cuts what remains.
  // Idempotent.
  void Shutdown();
  // Blocks until every network thread has stopped.
  void Wait();

  size_t connections() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace taskwire::http
