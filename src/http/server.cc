// The only translation unit that includes Boost.Beast and Boost.Asio (ARCHITECTURE.md:
// the module picture, and "Threads and the HTTP server" for why callbacks and one loop per thread).

#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

namespace taskwire::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

class Connection;
class Stream;

// Bytes a connection buffers beyond the header limit (request bodies are moved out as parsed).
constexpr size_t kReadSlack = 64 * 1024;
// Bytes read for the start of a request while a connection is idle: most whole requests. Kept
// under glibc's per-thread cache limit (1,032 bytes), as the buffer is allocated and freed once
// per request.
constexpr size_t kFirstRead = 1000;
// Bytes read per call while watching a connection whose request is being handled.
constexpr size_t kWatchChunk = 512;
// After an error answer that ends the connection, what the client still sends is read and
// discarded for at most this long and this much, so that closing does not reset the connection
// before the client has read the answer (as nginx's lingering close).
constexpr std::chrono::seconds kLingerTime{5};
constexpr size_t kLingerBytes = 64 * 1024 * 1024;
constexpr size_t kLingerChunk = 16 * 1024;
// The same for a connection refused at accept, which holds a descriptor outside every cap.
constexpr std::chrono::seconds kRefusalLinger{1};
constexpr size_t kRefusalLingerBytes = 64 * 1024;

// What max_connections_per_address counts by: the address in IPv4-mapped IPv6 form, with an
// IPv6 address cut to its /64 (one subscriber's prefix, which an attacker holds whole).
using CapKey = std::array<uint8_t, 16>;

IpAddress ToIpAddress(const asio::ip::address& address) {
  IpAddress out;
  const asio::ip::address_v6 v6 =
      address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4())
                      : address.to_v6();
  out.bytes = v6.to_bytes();
  return out;
}

CapKey CapKeyOf(const IpAddress& address) { return address.SubscriberPrefix().bytes; }

// Whether the peer of `socket`, which has already closed its sending side, has since reset the
// connection (it closed its socket and answered what we wrote with RST). Never blocks: after
// the peer's FIN a read returns at once.
bool PeerReset(tcp::socket& socket) {
  char byte = 0;
  beast::error_code ec;
  socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
  return ec && ec != asio::error::eof && ec != asio::error::would_block;
}

// RFC 9110 §6.6.1: origin servers with a clock send Date. Formatted once a second per thread.
std::string_view HttpDate() {
  thread_local std::time_t cached_second = 0;
  thread_local char cached[40];
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(cached, sizeof cached, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return cached;
}

bool StatusHasNoBody(int status) { return status < 200 || status == 204 || status == 304; }

// Whether `response` goes out with its body (not for HEAD, not when the body is streamed in
// chunks, and never for the statuses that have none).
bool SendsBody(const Response& response, bool head_request, bool chunked) {
  return !head_request && !chunked && !StatusHasNoBody(response.status);
}

// The status line and headers of `response`; the body is written after them as it is, from its
// own buffer (a large answer is not copied again).
std::string SerializeHead(const Response& response, int version, bool keep_alive, bool chunked) {
  const std::string_view reason = StatusReason(response.status);
  std::string out;
  out.reserve(256);
  out.append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ").append(reason);
  out.append("\r\nServer: taskwire\r\nDate: ").append(HttpDate()).append("\r\n");
  for (const auto& [name, value] : response.headers) {
    // Framing is ours to decide; a header that could split the response is dropped.
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
        EqualsIgnoreCase(name, "Connection") || !IsSafeHeaderText(name) ||
        !IsSafeHeaderText(value)) {
      continue;
    }
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (!StatusHasNoBody(response.status)) {
    out.append("Content-Length: ").append(std::to_string(response.body.size())).append("\r\n");
  }
  if (!keep_alive) {
    out.append("Connection: close\r\n");
  } else if (version == 10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  return out;
}

std::string Chunk(std::string_view data) {
  char size[20];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<size_t>(n) + data.size() + 2);
  out.append(size, static_cast<size_t>(n)).append(data).append("\r\n");
  return out;
}

Peer PeerOf(const tcp::socket& socket) {
  Peer peer;
  beast::error_code ec;
  const tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return peer;
  asio::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  peer.address = address.to_string();
  peer.port = endpoint.port();
  peer.loopback = address.is_loopback();
  return peer;
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, Handler h, base::Logger& l)
      : options(std::move(o)), handler(std::move(h)), logger(l) {}

  void Accept();
  // Counts and starts `socket`'s connection on `loop`, or refuses it under the caps.
  void Admit(asio::io_context& loop, tcp::socket socket);
  // With connections_mutex held: asks the connection idle the longest to close. False when no
  // connection is idle.
  bool ShedIdle();
  // Answers 503 with `reason`, lingers briefly, closes.
  void Refuse(tcp::socket socket, std::string_view reason);
  void BeginShutdown();
  void WatchShutdown(std::chrono::steady_clock::time_point deadline);
  void StopLoops();
  void AwaitHangup();  // the next SIGHUP calls on_hangup, and waits again

  const ServerOptions options;
  const Handler handler;
  base::Logger& logger;

  std::mutex connections_mutex;  // guards `connections` and `per_address`
  std::unordered_set<Connection*> connections;
  std::map<CapKey, size_t> per_address;  // open connections by CapKeyOf their peer
  // When a refusal was last logged; only touched by Admit, on loops[0].
  std::chrono::steady_clock::time_point last_refusal_log;
  std::atomic<size_t> connection_count{0};
  std::atomic<bool> stopping{false};
  std::atomic<size_t> next_loop{0};
  tcp::endpoint local;

  // Declared after what connections use, so that destroying the loops (and with them any
  // connection still queued on them) happens while that is still alive.
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::signal_set> signals;
  std::optional<asio::signal_set> hangups;  // SIGHUP, when OnHangup asked for it
  std::function<void()> on_hangup;
  std::optional<asio::steady_timer> timer;  // on loops[0]: accept back-off, then shutdown watch
  std::vector<std::thread> threads;
};

namespace {

// Delivers a handler's answer to its connection, from whichever thread the handler answers on.
class Exchange final : public ResponseSink, public std::enable_shared_from_this<Exchange> {
 public:
  using Executor = asio::io_context::executor_type;
  Exchange(std::weak_ptr<Connection> connection, Executor executor, uint64_t sequence)
      : connection_(std::move(connection)), executor_(std::move(executor)), sequence_(sequence) {}

  void Send(Response response) override;
  std::shared_ptr<EventStream> StartEventStream(Response head) override;
  bool cancelled() const override { return cancelled_.load(std::memory_order_acquire); }
  void OnCancel(std::function<void()> callback) override;

  // The peer went away (or the server stopped) before the answer was complete: runs the cancel
  // callbacks and closes the event stream, if any. On the connection's thread.
  void Cancel();

  // Runs `work` on the connection's thread: at once when already there, else posted. False when
  // the connection is gone.
  template <typename Work>
  bool OnConnection(Work&& work) {
    if (executor_.running_in_this_thread()) {
      auto connection = connection_.lock();
      if (connection == nullptr) return false;
      work(*connection);
      return true;
    }
    if (connection_.expired()) return false;
    asio::post(executor_, [weak = connection_, work = std::forward<Work>(work)]() mutable {
      if (auto connection = weak.lock()) work(*connection);
    });
    return true;
  }

  uint64_t sequence() const { return sequence_; }

 private:
  const std::weak_ptr<Connection> connection_;
  const Executor executor_;
  const uint64_t sequence_;
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;  // guards on_cancel_ and stream_
  std::vector<std::function<void()>> on_cancel_;
  std::weak_ptr<Stream> stream_;
};

class Stream final : public EventStream, public std::enable_shared_from_this<Stream> {
 public:
  explicit Stream(std::shared_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}

  bool Send(const SseEvent& event) override { return Write(FormatSseEvent(event)); }
  bool SendComment(std::string_view text) override {
    std::string line = ": ";
    line.append(text).append("\n\n");
    return Write(std::move(line));
  }
  void Close() override;
  void CloseAfter(std::chrono::milliseconds delay) override;
  bool closed() const override { return closed_.load(std::memory_order_acquire); }
  void OnClose(std::function<void()> callback) override;

  // Marks the stream closed and runs the close callbacks, once.
  void MarkClosed();

 private:
  bool Write(std::string bytes);

  const std::shared_ptr<Exchange> exchange_;
  std::atomic<bool> closed_{false};
  std::mutex mutex_;  // guards on_close_ and callbacks_run_
  std::vector<std::function<void()>> on_close_;
  bool callbacks_run_ = false;
};

// One accepted socket and the requests on it. Every member function runs on the connection's own
// event loop, so it needs no lock.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Server::Impl::Admit counts the connection and registers it in `server.connections`.
  Connection(Server::Impl& server, asio::io_context& loop, tcp::socket socket, CapKey cap_key)
      : server_(server),
        executor_(loop.get_executor()),
        peer_(PeerOf(socket)),
        cap_key_(cap_key),
        stream_(std::move(socket)),
        buffer_(server.options.max_header_bytes + kReadSlack) {}

  ~Connection() {
    if (exchange_ != nullptr) exchange_->Cancel();
    {
      std::lock_guard lock(server_.connections_mutex);
      server_.connections.erase(this);
      auto counted = server_.per_address.find(cap_key_);
      if (counted != server_.per_address.end() && --counted->second == 0) {
        server_.per_address.erase(counted);
      }
    }
    server_.connection_count.fetch_sub(1, std::memory_order_acq_rel);
  }

  asio::io_context::executor_type executor() const { return executor_; }

  void Start();
  void BeginShutdown();

  // Since when (steady clock ticks) the connection has waited for a request with nothing
  // buffered; 0 while it is busy. Read from any thread.
  int64_t idle_since() const { return idle_since_.load(std::memory_order_acquire); }
  // Marks the connection as being shed, so that it is chosen once: false when it is no longer
  // idle since `since`. Any thread.
  bool ClaimIdle(int64_t since) {
    return idle_since_.compare_exchange_strong(since, 0, std::memory_order_acq_rel);
  }
  // Closes the connection if it is still waiting for a request (a new one needs its place).
  void Shed();

  void DeliverResponse(uint64_t sequence, Response response);
  void DeliverStreamHead(uint64_t sequence, const Response& head);
  void DeliverStreamData(uint64_t sequence, std::string bytes);
  void DeliverStreamEnd(uint64_t sequence);
  // Closes `stream` (the response `sequence`'s) after `delay`, if it is still open then.
  void CloseStreamAfter(uint64_t sequence, std::chrono::milliseconds delay,
                        std::weak_ptr<Stream> stream);

 private:
  enum class State { kWaiting, kReading, kHandling, kWriting, kStreaming, kLingering, kClosed };
  enum class AfterWrite { kNothing, kReadNext, kClose, kLinger };

  void ReadNext();
  void OnFirstBytes(beast::error_code ec, size_t bytes);
  void ReadRequest();
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnRequest(beast::error_code ec);
  void OnReadError(beast::error_code ec);
  void Dispatch(Request request);
  void ReplyAndClose(int status, std::string_view message);

  void StartWatch();
  void OnWatch(beast::error_code ec, size_t bytes);
  void OnResetWatch(beast::error_code ec);
  // After a watch ends: reads the next request if one was waiting for the watch to end.
  bool ResumeAfterWatch();
  // Writes a byte the peer must skip, to learn from its answer whether it is still there.
  void ProbePeer();
  // Whether the connection may carry another request after the current one.
  bool KeepAlive() const;

  // Half-closes our side and reads what the client still sends until it closes (or kLingerTime,
  // kLingerBytes), then closes.
  void Linger();
  void LingerRead();

  // Adds bytes to write; Queue then starts writing unless a write is under way.
  void Push(std::string bytes);
  void Queue(std::string bytes, AfterWrite after);
  void Flush();
  void OnWritten(beast::error_code ec);
  void AfterDrained();
  void ScheduleKeepalive();

  void Close();

  Server::Impl& server_;
  const asio::io_context::executor_type executor_;
  const Peer peer_;
  const CapKey cap_key_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  State state_ = State::kWaiting;
  bool shutting_down_ = false;

  // The request being answered.
  uint64_t sequence_ = 0;
  std::shared_ptr<Exchange> exchange_;
  bool head_request_ = false;
  bool keep_alive_ = true;
  int version_ = 11;
  bool chunked_ = false;

  // Reading while a request is being handled, to notice a peer that leaves.
  bool watching_ = false;
  bool resume_after_watch_ = false;
  // The peer has closed its sending side (FIN). RFC 9112 §9.6 lets a client do so once its
  // request is sent: it may still read the answer, which is written before the connection closes.
  bool peer_done_sending_ = false;
  std::atomic<int64_t> idle_since_{0};
  size_t lingered_bytes_ = 0;

  // Writes: `queue_` waits while `in_flight_` is on the wire.
  std::vector<std::string> queue_;
  std::vector<std::string> in_flight_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  AfterWrite after_write_ = AfterWrite::kNothing;

  std::optional<asio::steady_timer> keepalive_timer_;
  std::optional<asio::steady_timer> stream_end_timer_;  // EventStream::CloseAfter
};

// ---- Exchange and Stream -------------------------------------------------------------------

void Exchange::Send(Response response) {
  OnConnection([sequence = sequence_, response = std::move(response)](Connection& c) mutable {
    c.DeliverResponse(sequence, std::move(response));
  });
}

std::shared_ptr<EventStream> Exchange::StartEventStream(Response head) {
  auto stream = std::make_shared<Stream>(shared_from_this());
  {
    std::lock_guard lock(mutex_);
    stream_ = stream;
  }
  const bool delivered =
      !cancelled() && OnConnection([sequence = sequence_, head = std::move(head)](Connection& c) {
        c.DeliverStreamHead(sequence, head);
      });
  if (!delivered) stream->MarkClosed();
  return stream;
}

void Exchange::OnCancel(std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (!cancelled()) {
      on_cancel_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

void Exchange::Cancel() {
  std::vector<std::function<void()>> callbacks;
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
    callbacks.swap(on_cancel_);
    stream = stream_.lock();
  }
  for (auto& callback : callbacks) callback();
  if (stream != nullptr) stream->MarkClosed();
}

bool Stream::Write(std::string bytes) {
  if (closed()) return false;
  const bool delivered = exchange_->OnConnection(
      [sequence = exchange_->sequence(), bytes = std::move(bytes)](Connection& c) mutable {
        c.DeliverStreamData(sequence, std::move(bytes));
      });
  if (!delivered) MarkClosed();
  return delivered;
}

void Stream::Close() {
  if (closed_.exchange(true, std::memory_order_acq_rel)) return;
  exchange_->OnConnection(
      [sequence = exchange_->sequence()](Connection& c) { c.DeliverStreamEnd(sequence); });
  MarkClosed();
}

void Stream::CloseAfter(std::chrono::milliseconds delay) {
  if (closed()) return;
  exchange_->OnConnection([sequence = exchange_->sequence(), delay, weak = weak_from_this()](
                              Connection& c) { c.CloseStreamAfter(sequence, delay, weak); });
}

void Stream::OnClose(std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (!callbacks_run_) {
      on_close_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

void Stream::MarkClosed() {
  closed_.store(true, std::memory_order_release);
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(mutex_);
    if (callbacks_run_) return;
    callbacks_run_ = true;
    callbacks.swap(on_close_);
  }
  for (auto& callback : callbacks) callback();
}

// ---- Connection: reading -------------------------------------------------------------------

void Connection::Start() {
  beast::error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);
  ReadNext();
}

void Connection::ReadNext() {
  // A peer that has finished sending has no further request, beyond what is buffered.
  if (shutting_down_ || (peer_done_sending_ && buffer_.size() == 0)) {
    Close();
    return;
  }
  state_ = State::kWaiting;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(server_.options.max_header_bytes));
  parser_->body_limit(server_.options.max_body_bytes);
  if (buffer_.size() > 0) {  // a pipelined request is already here
    ReadRequest();
    return;
  }
  // Wait for the first bytes of the next request under the idle timeout (the first-byte timeout
  // on a new connection). This reads raw bytes: the parser would wait for a whole header, which
  // is the request timeout's business.
  buffer_.shrink_to_fit();
  stream_.expires_after(sequence_ == 0 ? server_.options.first_byte_timeout
                                       : server_.options.idle_timeout);
  idle_since_.store(
      std::max<int64_t>(1, std::chrono::steady_clock::now().time_since_epoch().count()),
      std::memory_order_release);
  stream_.async_read_some(buffer_.prepare(kFirstRead),
                          [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                            self->OnFirstBytes(ec, bytes);
                          });
}

void Connection::Shed() {
  if (state_ != State::kWaiting) return;  // a request arrived meanwhile: it keeps its place
  server_.logger.Debug("http.shed_idle", {{"peer", peer_.address}});
  Close();
}

void Connection::OnFirstBytes(beast::error_code ec, size_t bytes) {
  idle_since_.store(0, std::memory_order_release);
  if (state_ == State::kClosed) return;
  if (ec) {
    Close();  // idle connection closed by the peer, or the idle timeout
    return;
  }
  buffer_.commit(bytes);
  ReadRequest();
}

void Connection::ReadRequest() {
  state_ = State::kReading;
  // From its first byte, the whole request must arrive within request_timeout.
  stream_.expires_after(server_.options.request_timeout);
  if (parser_->is_header_done()) {
    OnHeader({});
    return;
  }
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Connection::OnHeader(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  const auto& header = parser_->get();
  const auto expect = header[bhttp::field::expect];
  if (!parser_->is_done() && beast::iequals(expect, "100-continue")) {
    // RFC 9110 §10.1.1: the client waits for this before sending the body.
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code write_ec, size_t) {
                        if (write_ec) {
                          self->Close();
                          return;
                        }
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void Connection::ReadBody() {
  if (state_ == State::kClosed) return;
  if (parser_->is_done()) {
    OnRequest({});
    return;
  }
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRequest(ec); });
}

void Connection::OnReadError(beast::error_code ec) {
  // Answer what can be answered; a peer that left or timed out just loses the connection
  // (tcp_stream has closed the socket on a timeout).
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    ReplyAndClose(431, "the request's headers are larger than this server accepts");
  } else if (ec == bhttp::error::body_limit) {
    ReplyAndClose(413, "the request's body is larger than this server accepts (" +
                           std::to_string(server_.options.max_body_bytes) + " bytes)");
  } else if (ec == bhttp::error::partial_message) {
    ReplyAndClose(400, "the request ended before its body was complete");
  } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
             ec != bhttp::error::end_of_stream) {
    ReplyAndClose(400, "malformed request: " + ec.message());
  } else {
    Close();
  }
}

void Connection::OnRequest(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  auto message = parser_->release();
  parser_.reset();

  Request request;
  request.method_name = std::string(message.method_string());
  request.method = ParseMethod(request.method_name);
  request.target = std::string(message.target());
  if (!request.target.starts_with('/')) {
    ReplyAndClose(400, "the request target must be a path starting with '/'");
    return;
  }
  const size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) request.query = request.target.substr(question + 1);
  request.headers.Reserve(static_cast<size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    request.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.peer = peer_;
  version_ = static_cast<int>(message.version());
  keep_alive_ = message.keep_alive();
  head_request_ = request.method == Method::kHead;
  Dispatch(std::move(request));
}

void Connection::Dispatch(Request request) {
  state_ = State::kHandling;
  stream_.expires_never();
  exchange_ = std::make_shared<Exchange>(weak_from_this(), executor(), ++sequence_);
  try {
    server_.handler(request, Responder(exchange_));
  } catch (const std::exception& e) {
    // The Responder answered 500 as it unwound.
    server_.logger.Error("http.handler_exception",
                         {{"path", request.path}, {"what", std::string_view(e.what())}});
  }
  if (state_ == State::kHandling) StartWatch();
}

void Connection::ReplyAndClose(int status, std::string_view message) {
  Response response = Response::Text(status, std::string(message) + "\n");
  ++sequence_;
  exchange_.reset();
  state_ = State::kWriting;
  keep_alive_ = false;
  Push(SerializeHead(response, 11, /*keep_alive=*/false, /*chunked=*/false));
  // The client may still be sending what we refused (a body over the limit): closing now would
  // reset the connection, and the reset can destroy the answer before the client reads it.
  Queue(std::move(response.body), AfterWrite::kLinger);
}

void Connection::Linger() {
  state_ = State::kLingering;
  keepalive_timer_.reset();
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  if (peer_done_sending_) {
    Close();
    return;
  }
  buffer_.consume(buffer_.size());
  stream_.expires_after(kLingerTime);  // for the whole linger, not per read
  LingerRead();
}

void Connection::LingerRead() {
  if (lingered_bytes_ > kLingerBytes) {
    Close();
    return;
  }
  stream_.async_read_some(buffer_.prepare(kLingerChunk),
                          [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                            if (self->state_ != State::kLingering) return;
                            if (ec) {  // the client closed (it has read the answer), or time is up
                              self->Close();
                              return;
                            }
                            self->lingered_bytes_ += bytes;
                            self->LingerRead();  // nothing was committed: the bytes are dropped
                          });
}

// While a request is being handled or a stream is open, keep one small read pending on the raw
// socket, to notice a peer that leaves, which cancels the request. Bytes a client pipelines
// meanwhile are kept for the next request. Once the peer has finished sending, nothing can be
// read: then only an error on the socket is waited for (the peer's reset).
void Connection::StartWatch() {
  if (watching_) return;
  if (peer_done_sending_) {
    // A reset that arrived before this wait would not wake it: look first.
    if (PeerReset(stream_.socket())) {
      Close();
      return;
    }
    watching_ = true;
    stream_.socket().async_wait(
        tcp::socket::wait_error,
        [self = shared_from_this()](beast::error_code ec) { self->OnResetWatch(ec); });
    return;
  }
  if (buffer_.max_size() - buffer_.size() < kWatchChunk) return;
  watching_ = true;
  stream_.socket().async_read_some(
      buffer_.prepare(kWatchChunk),
      [self = shared_from_this()](beast::error_code ec, size_t n) { self->OnWatch(ec, n); });
}

bool Connection::ResumeAfterWatch() {
  if (!resume_after_watch_) return false;
  resume_after_watch_ = false;
  ReadNext();
  return true;
}

void Connection::OnWatch(beast::error_code ec, size_t bytes) {
  watching_ = false;
  if (!ec) buffer_.commit(bytes);
  if (state_ == State::kClosed) return;
  if (ec == asio::error::eof) {
    // RFC 9112 §9.6: the client has closed its sending side, which it may do once its request is
    // complete; only a reset or a failed write means it has left. But a client that closed its
    // whole socket sends the same FIN, and must still cancel what it asked for: ProbePeer tells
    // the two apart.
    peer_done_sending_ = true;
    if (ResumeAfterWatch()) return;
    if (state_ == State::kHandling || state_ == State::kStreaming) ProbePeer();
    return;
  }
  if (ec && ec != asio::error::operation_aborted) {
    Close();
    return;
  }
  if (ResumeAfterWatch()) return;
  if (!ec && (state_ == State::kHandling || state_ == State::kStreaming)) StartWatch();
}

void Connection::OnResetWatch(beast::error_code ec) {
  watching_ = false;
  if (state_ == State::kClosed) return;
  if (!ec && PeerReset(stream_.socket())) {
    Close();
    return;
  }
  ResumeAfterWatch();
  // Any other wake-up (out-of-band data) is not waited for again: it would wake the loop for ever.
}

// A closed socket answers whatever reaches it with a reset; a half-closed one reads it. The byte
// written is one every client must skip: an SSE comment on a stream, or an interim 100 response
// before the answer (RFC 9110 §15.2: clients parse 1xx responses they did not expect; never sent
// to HTTP/1.0). After the write, StartWatch waits for the reset.
void Connection::ProbePeer() {
  if (state_ == State::kStreaming) {
    const std::string_view comment = ":\n\n";
    Queue(chunked_ ? Chunk(comment) : std::string(comment), AfterWrite::kNothing);
  } else if (state_ == State::kHandling && version_ == 11) {
    Queue("HTTP/1.1 100 Continue\r\n\r\n", AfterWrite::kNothing);
  } else {
    StartWatch();
  }
}

bool Connection::KeepAlive() const {
  return keep_alive_ && !shutting_down_ && !(peer_done_sending_ && buffer_.size() == 0);
}

// ---- Connection: writing -------------------------------------------------------------------

void Connection::DeliverResponse(uint64_t sequence, Response response) {
  if (sequence != sequence_ || state_ != State::kHandling) return;  // cancelled or late
  exchange_.reset();
  const bool keep_alive = KeepAlive();
  state_ = State::kWriting;
  Push(SerializeHead(response, version_, keep_alive, /*chunked=*/false));
  if (!SendsBody(response, head_request_, /*chunked=*/false)) response.body.clear();
  Queue(std::move(response.body), keep_alive ? AfterWrite::kReadNext : AfterWrite::kClose);
}

void Connection::DeliverStreamHead(uint64_t sequence, const Response& head) {
  if (sequence != sequence_ || state_ != State::kHandling) return;
  // HTTP/1.0 has no chunked encoding: the stream then ends with the connection.
  chunked_ = version_ == 11;
  if (!chunked_) keep_alive_ = false;
  state_ = State::kStreaming;
  Queue(SerializeHead(head, version_, KeepAlive(), chunked_), AfterWrite::kNothing);
  ScheduleKeepalive();
}

void Connection::DeliverStreamData(uint64_t sequence, std::string bytes) {
  if (sequence != sequence_ || state_ != State::kStreaming) return;
  if (queued_bytes_ > server_.options.max_stream_backlog_bytes) {
    server_.logger.Warn("http.stream_backlog", {{"peer", peer_.address}});
    Close();
    return;
  }
  Queue(chunked_ ? Chunk(bytes) : std::move(bytes), AfterWrite::kNothing);
}

void Connection::DeliverStreamEnd(uint64_t sequence) {
  if (sequence != sequence_ || state_ != State::kStreaming) return;
  keepalive_timer_.reset();
  stream_end_timer_.reset();
  exchange_.reset();
  state_ = State::kWriting;
  const bool keep_alive = chunked_ && KeepAlive();
  Queue(chunked_ ? std::string("0\r\n\r\n") : std::string(),
        keep_alive ? AfterWrite::kReadNext : AfterWrite::kClose);
}

void Connection::CloseStreamAfter(uint64_t sequence, std::chrono::milliseconds delay,
                                  std::weak_ptr<Stream> stream) {
  if (sequence != sequence_ || state_ != State::kStreaming) return;
  if (!stream_end_timer_) stream_end_timer_.emplace(executor_);
  stream_end_timer_->expires_after(std::max(delay, std::chrono::milliseconds(0)));
  stream_end_timer_->async_wait([stream = std::move(stream)](beast::error_code ec) {
    if (ec) return;  // cancelled: the stream ended first, or a later call replaced this one
    // Close() ends the response on this connection and runs the stream's close callbacks.
    if (auto open = stream.lock()) open->Close();
  });
}

void Connection::ScheduleKeepalive() {
  if (!keepalive_timer_) keepalive_timer_.emplace(executor_);
  keepalive_timer_->expires_after(server_.options.stream_keepalive);
  keepalive_timer_->async_wait([weak = weak_from_this(),
                                sequence = sequence_](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || self == nullptr || self->state_ != State::kStreaming || self->sequence_ != sequence) {
      return;
    }
    self->DeliverStreamData(sequence, ": keep-alive\n\n");
    if (self->state_ == State::kStreaming) self->ScheduleKeepalive();
  });
}

void Connection::Push(std::string bytes) {
  if (state_ == State::kClosed || bytes.empty()) return;
  queued_bytes_ += bytes.size();
  queue_.push_back(std::move(bytes));
}

void Connection::Queue(std::string bytes, AfterWrite after) {
  if (state_ == State::kClosed) return;
  if (after != AfterWrite::kNothing) after_write_ = after;
  Push(std::move(bytes));
  if (!writing_) Flush();
}

void Connection::Flush() {
  if (queue_.empty()) {
    AfterDrained();
    return;
  }
  writing_ = true;
  in_flight_.swap(queue_);
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(in_flight_.size());
  for (const auto& bytes : in_flight_) buffers.emplace_back(bytes.data(), bytes.size());
  stream_.expires_after(server_.options.write_timeout);
  asio::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->OnWritten(ec);
  });
}

void Connection::OnWritten(beast::error_code ec) {
  writing_ = false;
  for (const auto& bytes : in_flight_) queued_bytes_ -= bytes.size();
  in_flight_.clear();
  if (state_ == State::kClosed) return;
  if (ec) {
    Close();
    return;
  }
  stream_.expires_never();
  Flush();
}

void Connection::AfterDrained() {
  const AfterWrite after = after_write_;
  after_write_ = AfterWrite::kNothing;
  switch (after) {
    case AfterWrite::kNothing:
      if (state_ == State::kStreaming || state_ == State::kHandling) StartWatch();
      return;
    case AfterWrite::kClose:
      Close();
      return;
    case AfterWrite::kLinger:
      Linger();
      return;
    case AfterWrite::kReadNext:
      if (watching_) {
        // Only one read at a time: stop watching, then read the next request.
        resume_after_watch_ = true;
        beast::error_code ignored;
        stream_.socket().cancel(ignored);
        return;
      }
      ReadNext();
      return;
  }
}

void Connection::BeginShutdown() {
  shutting_down_ = true;
  switch (state_) {
    case State::kWaiting:
    case State::kLingering:
      Close();
      return;
    case State::kStreaming:
      // Ends the stream for its reader too; the connection closes once it is written.
      if (exchange_ != nullptr) exchange_->Cancel();
      DeliverStreamEnd(sequence_);
      return;
    default:
      return;  // the response in progress goes out with "Connection: close"
  }
}

void Connection::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  idle_since_.store(0, std::memory_order_release);
  keepalive_timer_.reset();
  stream_end_timer_.reset();
  if (exchange_ != nullptr) {
    exchange_->Cancel();
    exchange_.reset();
  }
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace

// ---- Server --------------------------------------------------------------------------------

base::Result<ListenAddress> ParseListenAddress(std::string_view text) {
  auto invalid = [&] {
    return base::Error::InvalidArgument("'" + std::string(text) +
                                        "' is not a listen address such as 127.0.0.1:8080 or "
                                        "[::1]:8080");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return invalid();
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return invalid();
  }
  if (host.front() == '[') {
    if (host.back() != ']') return invalid();
    host = host.substr(1, host.size() - 2);
  }
  std::string host_string = host == "localhost" ? "127.0.0.1" : std::string(host);
  beast::error_code address_ec;
  const auto address = asio::ip::make_address(host_string, address_ec);
  if (address_ec || (address.is_v6() && text.front() != '[')) return invalid();
  return ListenAddress{std::move(host_string), static_cast<uint16_t>(port)};
}

Server::Server(ServerOptions options, Handler handler, base::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), logger)) {
  size_t threads = impl_->options.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < threads; ++i) {
    // Concurrency hint 1: each loop is run by exactly one thread, so Asio can skip its locks.
    impl_->loops.push_back(std::make_unique<asio::io_context>(1));
  }
}

Server::~Server() {
  if (!impl_->threads.empty()) {
    Shutdown();
    Wait();
  }
}

base::Result<void> Server::Listen() {
  auto address = ParseListenAddress(impl_->options.listen);
  if (!address) return address.error();
  const tcp::endpoint endpoint(asio::ip::make_address(address->host), address->port);
  auto& acceptor = impl_->acceptor.emplace(*impl_->loops[0]);
  beast::error_code ec;
  auto fail = [&](std::string_view step) {
    return base::Error::Unavailable("cannot listen on " + impl_->options.listen + ": " +
                                    std::string(step) + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail("open");
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("option");
  if (acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
  impl_->local = acceptor.local_endpoint(ec);
  if (ec) return fail("local address");
  return base::Ok();
}

std::string Server::local_address() const {
  const auto& address = impl_->local.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(impl_->local.port());
}

uint16_t Server::port() const { return impl_->local.port(); }

bool Server::loopback() const { return impl_->local.address().is_loopback(); }

size_t Server::connections() const {
  return impl_->connection_count.load(std::memory_order_acquire);
}

void Server::Start() {
  CHECK(impl_->acceptor.has_value() && impl_->threads.empty());
  for (auto& loop : impl_->loops) impl_->work.push_back(asio::make_work_guard(*loop));
  asio::post(*impl_->loops[0], [impl = impl_.get()] { impl->Accept(); });
  for (auto& loop : impl_->loops) {
    impl_->threads.emplace_back([&loop] { loop->run(); });
  }
}

void Server::Impl::AwaitHangup() {
  hangups->async_wait([this](beast::error_code ec, int) {
    if (ec) return;  // cancelled: shutting down
    logger.Info("server.signal", {{"signal", SIGHUP}, {"action", "reload"}});
    on_hangup();
    AwaitHangup();
  });
}

void Server::OnHangup(std::function<void()> on_hangup) {
  impl_->on_hangup = std::move(on_hangup);
  impl_->hangups.emplace(*impl_->loops[0], SIGHUP);
  impl_->AwaitHangup();
}

void Server::ShutdownOnSignals() {
  auto& signals = impl_->signals.emplace(*impl_->loops[0], SIGINT, SIGTERM);
  signals.async_wait([impl = impl_.get()](beast::error_code ec, int signal) {
    if (ec) return;
    impl->logger.Info("server.signal", {{"signal", signal}, {"action", "shutdown"}});
    // Wait for a second signal before shutting down: the shutdown cancels this wait once the
    // last connection is gone, which lets the loop end.
    impl->signals->async_wait([impl](beast::error_code second_ec, int) {
      if (second_ec) return;
      impl->logger.Warn("server.signal", {{"action", "stop now"}});
      impl->StopLoops();
    });
    impl->BeginShutdown();
  });
}

void Server::Shutdown() {
  if (impl_->loops.empty()) return;
  asio::post(*impl_->loops[0], [impl = impl_.get()] { impl->BeginShutdown(); });
}

void Server::Wait() {
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
}

void Server::Impl::Accept() {
  const size_t index = next_loop.fetch_add(1, std::memory_order_relaxed) % loops.size();
  asio::io_context& loop = *loops[index];
  acceptor->async_accept(loop, [this, &loop](beast::error_code ec, tcp::socket socket) {
    if (stopping.load(std::memory_order_acquire) || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors and the like: say so, back off briefly, keep serving.
      logger.Warn("http.accept_failed", {{"error", ec.message()}});
      timer.emplace(*loops[0]);
      timer->expires_after(std::chrono::milliseconds(100));
      timer->async_wait([this](beast::error_code timer_ec) {
        if (!timer_ec && !stopping.load(std::memory_order_acquire)) Accept();
      });
      return;
    }
    Admit(loop, std::move(socket));
    Accept();
  });
}

void Server::Impl::Admit(asio::io_context& loop, tcp::socket socket) {
  beast::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;  // gone already; the socket closes with this scope
  const IpAddress address = ToIpAddress(peer.address());
  const CapKey key = CapKeyOf(address);
  const bool capped = !AnyContains(options.uncapped_peers, address);
  std::shared_ptr<Connection> connection;
  std::string_view refusal;
  {
    std::lock_guard lock(connections_mutex);
    auto counted = per_address.find(key);
    const size_t from_address = counted == per_address.end() ? 0 : counted->second;
    if (capped && from_address >= options.max_connections_per_address) {
      refusal = "this address has too many open connections";
    } else if (connections.size() >= options.max_connections && !ShedIdle()) {
      refusal = "the server has too many open connections";
    } else {
      connection = std::make_shared<Connection>(*this, loop, std::move(socket), key);
      connections.insert(connection.get());
      ++per_address[key];
      connection_count.fetch_add(1, std::memory_order_acq_rel);
    }
  }
  if (connection != nullptr) {
    asio::dispatch(connection->executor(), [connection] { connection->Start(); });
    return;
  }
  // One line a second at most: a flood of refusals must not flood the log too.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_refusal_log >= std::chrono::seconds(1)) {
    last_refusal_log = now;
    logger.Warn("http.connection_refused",
                {{"peer", peer.address().to_string()}, {"reason", refusal}});
  }
  // NOLINTNEXTLINE(bugprone-use-after-move): moved only into a connection, which returned above
  Refuse(std::move(socket), refusal);
}

bool Server::Impl::ShedIdle() {
  // A scan, but only at the cap; the busy path (each request) pays one atomic store.
  Connection* oldest = nullptr;
  int64_t oldest_since = 0;
  for (Connection* connection : connections) {
    const int64_t since = connection->idle_since();
    if (since != 0 && (oldest == nullptr || since < oldest_since)) {
      oldest = connection;
      oldest_since = since;
    }
  }
  if (oldest == nullptr || !oldest->ClaimIdle(oldest_since)) return false;
  // Admitted meanwhile: the count stays above the cap by one until the shed connection closes.
  asio::post(oldest->executor(), [weak = oldest->weak_from_this()] {
    if (auto self = weak.lock()) self->Shed();
  });
  return true;
}

void Server::Impl::Refuse(tcp::socket socket, std::string_view reason) {
  struct Refused {
    explicit Refused(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    std::string answer;
    std::array<char, 4096> scratch{};
    size_t discarded = 0;
  };
  auto refused = std::make_shared<Refused>(std::move(socket));
  const std::string body = std::string(reason) + "\n";
  refused->answer =
      "HTTP/1.1 503 Service Unavailable\r\nServer: taskwire\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  // The client has likely sent its request already: it is read and dropped for a moment after
  // the answer, so that closing does not reset the answer away (see kLingerTime).
  refused->stream.expires_after(kRefusalLinger);
  asio::async_write(
      refused->stream, asio::buffer(refused->answer), [refused](beast::error_code ec, size_t) {
        if (ec) return;
        beast::error_code ignored;
        refused->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        struct Drain {
          std::shared_ptr<Refused> refused;
          void operator()(beast::error_code read_ec, size_t bytes) {
            refused->discarded += bytes;
            if (read_ec || refused->discarded > kRefusalLingerBytes) return;
            refused->stream.async_read_some(asio::buffer(refused->scratch), Drain{refused});
          }
        };
        Drain{refused}({}, 0);
      });
}

void Server::Impl::BeginShutdown() {
  if (stopping.exchange(true, std::memory_order_acq_rel)) return;
  logger.Info("http.shutdown", {{"connections", static_cast<int64_t>(connection_count.load())}});
  beast::error_code ignored;
  if (acceptor) acceptor->close(ignored);
  {
    std::lock_guard lock(connections_mutex);
    for (Connection* connection : connections) {
      asio::post(connection->executor(), [weak = connection->weak_from_this()] {
        if (auto self = weak.lock()) self->BeginShutdown();
      });
    }
  }
  work.clear();  // each loop now ends when its connections are gone
  WatchShutdown(std::chrono::steady_clock::now() + options.shutdown_timeout);
}

void Server::Impl::WatchShutdown(std::chrono::steady_clock::time_point deadline) {
  if (connection_count.load(std::memory_order_acquire) == 0) {
    if (signals) signals->cancel();
    if (hangups) hangups->cancel();
    return;  // loops[0] runs out of work; the others already have
  }
  if (std::chrono::steady_clock::now() >= deadline) {
    logger.Warn("http.shutdown_timeout",
                {{"connections", static_cast<int64_t>(connection_count.load())}});
    StopLoops();
    return;
  }
  timer.emplace(*loops[0]);
  timer->expires_after(std::chrono::milliseconds(20));
  timer->async_wait([this, deadline](beast::error_code ec) {
    if (!ec) WatchShutdown(deadline);
  });
}

void Server::Impl::StopLoops() {
  stopping.store(true, std::memory_order_release);
  for (auto& loop : loops) loop->stop();
}

}  // namespace taskwire::http
