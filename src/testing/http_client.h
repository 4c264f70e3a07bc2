#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace taskwire::testing {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // de-chunked
  // The first value of `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// A TCP socket listening on 127.0.0.1, on a free port, closed on destruction: the server side of
// tests that need a peer http::Server would never be (silent, slow, or sending raw bytes).
// Accepting is the test's own business (fd()). Its port is 0 when the socket could not be made.
class LoopbackListener {
 public:
  explicit LoopbackListener(int backlog = 64);
  ~LoopbackListener();
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  int fd() const { return fd_; }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A blocking TCP connection to 127.0.0.1 that sends raw bytes, so tests can send what no HTTP
// library would (malformed lines, huge headers, half a body) and read the answer.
class RawConnection {
 public:
  // nullptr when nothing listens on `port`. With `source` (an IPv4 loopback address such as
  // "127.0.0.2"), the connection comes from that address.
  static std::unique_ptr<RawConnection> Connect(uint16_t port, const char* source = nullptr);
  ~RawConnection();

  bool Send(std::string_view bytes);
  void ShutdownWrite();
  // Closes with a reset (RST) rather than a FIN, as a client that aborts does.
  void Reset();
  // Reads one response, after any interim (1xx) ones: by Content-Length, chunked, or to the close.
  // nullopt when the connection closes or `timeout` passes before a whole response arrived.
  std::optional<HttpResponse> ReadResponse(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until `needle` has arrived; returns everything read so far, needle included, or
  // nullopt on close or timeout.
  std::optional<std::string> ReadUntil(std::string_view needle,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the peer closes the connection within `timeout` (discarding what it sends).
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  // Appends what arrives within `deadline` to buffer_; false on close, error or timeout.
  bool Fill(std::chrono::steady_clock::time_point deadline);

  int fd_;
  std::string buffer_;
  bool closed_ = false;
};

// One request on a new connection. `headers` are sent as given; Host and Content-Length are added
// unless present.
std::optional<HttpResponse> HttpRequest(
    uint16_t port, std::string_view method, std::string_view path,
    std::vector<std::pair<std::string, std::string>> headers = {}, std::string_view body = "");

}  // namespace taskwire::testing
