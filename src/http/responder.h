#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.h"

namespace taskwire::http {

// One Server-Sent Event (WHATWG HTML §9.2). Empty fields are not written.
struct SseEvent {
  std::string id;
  std::string event;
  std::string data;   // written as one "data:" line per line of text
  int retry_ms = -1;  // written as "retry:" when >= 0
};

// The wire form of `event`, ending with the blank line that dispatches it.
std::string FormatSseEvent(const SseEvent& event);

// An open text/event-stream response. Any thread may call any method.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Queues `event`. False once the stream is closed (by Close, the peer, or shutdown) or when the
  // peer reads too slowly and its queue is full (the stream is then closed).
  virtual bool Send(const SseEvent& event) = 0;
  // A comment line (": text"), which clients ignore; used as a keep-alive.
  virtual bool SendComment(std::string_view text) = 0;
  // Ends the response; the connection may carry further requests. Idempotent.
  virtual void Close() = 0;
  // Closes the stream by itself after `delay` (at once when it is not positive) unless it closed
  // before: for a stream whose credential expires. A later call replaces an earlier one.
  virtual void CloseAfter(std::chrono::milliseconds delay) = 0;
  virtual bool closed() const = 0;
  // Runs `callback` once when the stream closes for any reason (at once if it already has), on
  // the thread that closed it: a network thread when the peer left, or the caller of Close().
  // It must not block, nor take a lock that whoever closes the stream may hold.
  virtual void OnClose(std::function<void()> callback) = 0;
};

// What a Responder talks to: the connection in production, a recorder in tests.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void Send(Response response) = 0;
  virtual std::shared_ptr<EventStream> StartEventStream(Response head) = 0;
  // True once the peer is gone; the response will not be delivered.
  virtual bool cancelled() const = 0;
  // Runs `callback` once if the peer goes away before the response is complete.
  virtual void OnCancel(std::function<void()> callback) = 0;
};

// The one answer to one request. A handler may answer at once, or keep the Responder and answer
// later from any thread (after a database call, a long poll, ...). Exactly one of Send or
// StartEventStream is used; a Responder destroyed unanswered answers 500, since that is a bug.
// Move-only.
class Responder {
 public:
  explicit Responder(std::shared_ptr<ResponseSink> sink) : sink_(std::move(sink)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&&) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void Send(Response response);
  // Sends `head` (status and headers; Content-Type is set to text/event-stream, Cache-Control to
  // no-cache unless it is set) and returns the stream to write events to.
  std::shared_ptr<EventStream> StartEventStream(Response head);

  bool answered() const { return sink_ == nullptr; }
  bool cancelled() const { return sink_ != nullptr && sink_->cancelled(); }
  void OnCancel(std::function<void()> callback);

 private:
  std::shared_ptr<ResponseSink> sink_;  // null once answered
};

// A Responder that answers through `responder` with header `name` set to `value`, on a response
// and on an event stream's head alike (an unanswered one's 500 included).
Responder WithHeader(Responder responder, std::string name, std::string value);

using Handler = std::function<void(Request&, Responder)>;

}  // namespace taskwire::http
