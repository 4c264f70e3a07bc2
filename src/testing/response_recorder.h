#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/responder.h"

namespace taskwire::testing {

// An http::ResponseSink that keeps what it is given: every response sent, the head of an event
// stream, and the data of each event sent on it. Hand it to a handler as
// `http::Responder(recorder)` (a std::shared_ptr<ResponseRecorder>), then read or wait.
// Thread-safe: handlers may answer from any thread while the test waits. A test may derive from
// it to read what was recorded in its protocol's terms (mcp/server_test.cc reads JSON-RPC).
class ResponseRecorder : public http::ResponseSink {
 public:
  ResponseRecorder();

  void Send(http::Response response) override;
  // Returns a stream that records its events and never fails a send until it is closed.
  std::shared_ptr<http::EventStream> StartEventStream(http::Response head) override;
  bool cancelled() const override;
  void OnCancel(std::function<void()> callback) override;

  // The peer leaves: cancelled() turns true and the OnCancel callbacks run, on this thread.
  void Cancel();

  // Every response sent, in order.
  std::vector<http::Response> sent() const;
  // The last response sent.
  std::optional<http::Response> response() const;
  std::optional<http::Response> stream_head() const;
  // The data of each event on the stream, in order.
  std::vector<std::string> events() const;
  // Each event on the stream as sent (id, event type, data), in order.
  std::vector<http::SseEvent> whole_events() const;
  bool stream_closed() const;
  // What was last asked of EventStream::CloseAfter, if anything.
  std::optional<std::chrono::milliseconds> close_after() const;

  // Until a response is sent or the stream closes; false after `timeout`.
  bool WaitDone(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // Until the stream has carried `count` events; false after `timeout`.
  bool WaitEvents(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

  struct State;  // shared with the stream, which may outlive the recorder

 private:
  std::shared_ptr<State> state_;
};

}  // namespace taskwire::testing
