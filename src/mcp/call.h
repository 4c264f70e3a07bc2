#pragma once

// Internal to the mcp module: one request in flight and the channel its answer leaves through
// (see server_impl.h).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "mcp/envelope.h"
#include "mcp/jsonrpc.h"
#include "mcp/server.h"
#include "mcp/sessions.h"

namespace taskwire::mcp {

// The key of a request id in a session's tables: its JSON text (server.cc).
std::string IdKey(const json::value& id);

// One request in flight: what its handler may know (CallContext), and how its answer leaves,
// as one JSON body or, once something must be sent before it, as an event stream.
class Call final : public CallContext, public std::enable_shared_from_this<Call> {
 public:
  struct Setup {
    json::value id;
    std::string method;
    std::string target;  // tool or prompt name, resource URI
    Principal principal;
    bool modern = false;
    std::string version;
    json::object client_capabilities;
    std::shared_ptr<Session> session;
    bool accepts_sse = false;
    json::value progress_token;         // null: no progress wanted
    std::optional<LogLevel> log_level;  // modern: from _meta; legacy: from the session
  };

  Call(Setup setup, std::unique_ptr<Channel> channel)
      : setup_(std::move(setup)), channel_(std::move(channel)) {}

  ~Call() override {
    std::lock_guard lock(mutex_);
    if (!finished_ && channel_) {
      // Never answered (the pool refused the work, or a bug): say so rather than 500.
      channel_->Fail(setup_.id, RpcError::Internal("the request was dropped"));
    }
  }

  void Attach() {
    std::weak_ptr<Call> weak = weak_from_this();
    std::lock_guard lock(mutex_);
    resumable_ =
        setup_.session != nullptr && setup_.version == kLegacyVersions[0] && setup_.accepts_sse;
    if (channel_) {
      channel_->OnCancel([weak] {
        auto call = weak.lock();
        if (call == nullptr) return;
        // 2026-07-28: closing the response stream is the cancellation. 2025-11-25: the client may
        // resume, so the work goes on; older sessions could not get the answer anyway.
        if (call->resumable_) {
          call->Detach();
        } else {
          call->MarkCancelled();
        }
      });
    }
  }

  void ReleaseConnection(std::chrono::milliseconds retry) override {
    std::lock_guard lock(mutex_);
    if (!resumable_ || finished_ || cancelled()) return;
    if (!OpenStream()) return;
    stream_->Send(StreamEvent{.id = EventId(next_seq_ - 1), .message = {}, .retry = retry});
    stream_->Close();
    stream_.reset();
  }

  // The response connection is gone; later events wait in the session for a GET to resume them.
  void Detach() {
    std::lock_guard lock(mutex_);
    stream_.reset();
  }

  // A GET with Last-Event-ID "<this stream>-<after>": sends what came after it, then whatever
  // follows, on `stream`.
  void Resume(std::shared_ptr<Stream> stream, uint64_t after) {
    std::lock_guard lock(mutex_);
    bool ended = false;
    {
      std::lock_guard session_lock(setup_.session->mutex);
      const auto log = setup_.session->post_streams.find(stream_number_);
      if (log != setup_.session->post_streams.end()) {
        for (const auto& [seq, message] : log->second.events) {
          if (seq > after)
            stream->Send(StreamEvent{.id = EventId(seq), .message = message, .retry = {}});
        }
        ended = log->second.ended;
      }
    }
    if (ended || finished_) {
      stream->Close();
      return;
    }
    // No close callback: it could run while we hold mutex_. A closed stream refuses the next
    // Send, and Write takes that as the client leaving again.
    stream_ = std::move(stream);
  }

  uint64_t stream_number() const { return stream_number_; }

  // CallContext
  const Principal& principal() const override { return setup_.principal; }
  std::string_view protocol_version() const override { return setup_.version; }
  const json::object& client_capabilities() const override { return setup_.client_capabilities; }
  const json::object& input_responses() const override { return input_responses_; }
  const std::optional<std::string>& request_state() const override { return request_state_; }
  bool cancelled() const override { return cancelled_.load(std::memory_order_acquire); }

  void Progress(double progress, std::optional<double> total, std::string_view message) override {
    if (setup_.progress_token.is_null()) return;
    json::object params{{"progressToken", setup_.progress_token}, {"progress", progress}};
    if (total) params["total"] = *total;
    if (!message.empty()) params["message"] = message;
    Send(EncodeNotification("notifications/progress", std::move(params)));
  }

  void Log(LogLevel level, json::value data) override {
    std::optional<LogLevel> threshold = setup_.log_level;
    if (!setup_.modern && setup_.session) {
      std::lock_guard lock(setup_.session->mutex);
      threshold = setup_.session->log_level;
    }
    if (!threshold || level < *threshold) return;
    Send(EncodeNotification("notifications/message", json::object{{"level", LogLevelName(level)},
                                                                  {"data", std::move(data)}}));
  }

  const Setup& setup() const { return setup_; }

  void SetRound(json::object input_responses, std::optional<std::string> request_state) {
    input_responses_ = std::move(input_responses);
    request_state_ = std::move(request_state);
  }

  // Sends one JSON-RPC message before the answer: opens the event stream on first use. Dropped
  // when the client accepts only JSON, or once the call has ended.
  void Send(std::string message) {
    std::lock_guard lock(mutex_);
    if (finished_ || cancelled()) return;
    if (!OpenStream()) return;
    Write(std::move(message));
  }

  void Finish(const json::value& result) { End(EncodeResult(setup_.id, result), 200); }
  // `message` is the whole JSON-RPC result message, already encoded.
  void FinishEncoded(std::string message) { End(std::move(message), 200); }
  void Fail(const RpcError& error) { End(EncodeError(setup_.id, error), error.http_status); }

  // The client cancelled (legacy notifications/cancelled) or left: nothing more is sent.
  void MarkCancelled() {
    cancelled_.store(true, std::memory_order_release);
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    if (stream_) {
      stream_->Close();
    } else if (channel_) {
      // No answer may follow a cancelled request; an empty event stream ends the HTTP exchange.
      channel_->OpenStream()->Close();
      channel_.reset();
    }
    Forget();
  }

  // Legacy gathering of the answers to server-to-client requests.
  void ExpectInput(std::string server_request_id, std::string key, std::string message,
                   size_t expected) {
    {
      std::lock_guard lock(gather_mutex_);
      awaiting_ = expected;
    }
    {
      std::lock_guard lock(setup_.session->mutex);
      setup_.session->pending_inputs[server_request_id] = {shared_from_this(), std::move(key)};
    }
    Send(std::move(message));
  }

  // Records one answer; true when it was the last one awaited.
  bool ReceiveInput(const std::string& key, json::value result) {
    std::lock_guard lock(gather_mutex_);
    if (result.is_object()) gathered_[key] = std::move(result);
    return awaiting_ > 0 && --awaiting_ == 0;
  }

  json::object TakeGathered() {
    std::lock_guard lock(gather_mutex_);
    return std::exchange(gathered_, {});
  }

  std::optional<std::string> legacy_state;  // state between legacy rounds (never leaves us)
  std::function<void(Call&)> invoke;        // runs the handler again for the next round

 private:
  void End(std::string body, int status) {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    if (stream_number_ != 0) {
      // A resumable stream, connected or not: the answer goes into its log, then out if we can.
      Write(std::move(body), /*last=*/true);
      if (stream_) stream_->Close();
    } else if (stream_) {
      stream_->Send(StreamEvent{.id = {}, .message = std::move(body), .retry = {}});
      stream_->Close();
    } else if (channel_) {
      channel_->Send(status, std::move(body));
      channel_.reset();
    }
    Forget();
  }

  // With mutex_ held: makes sure the event stream exists; false when it cannot (JSON only).
  bool OpenStream() {
    if (stream_ || stream_number_ != 0) return true;  // streaming, or resumable while detached
    if (!setup_.accepts_sse || !channel_) return false;
    stream_ = channel_->OpenStream();
    channel_.reset();
    if (resumable_) {
      // MCP 2025-11-25 transports, SSE polling: a priming event with an id and empty data first.
      std::lock_guard session_lock(setup_.session->mutex);
      stream_number_ = setup_.session->next_stream++;
      StreamLog& log = setup_.session->post_streams[stream_number_];
      log.call = weak_from_this();
      // Keep the logs of the latest streams only.
      while (setup_.session->post_streams.size() > kMaxStreamLogs) {
        setup_.session->post_streams.erase(setup_.session->post_streams.begin());
      }
      stream_->Send(StreamEvent{.id = EventId(0), .message = {}, .retry = {}});
    }
    return true;
  }

  // With mutex_ held: one event, logged when resumable, sent when connected.
  void Write(std::string message, bool last = false) {
    if (stream_number_ == 0) {
      stream_->Send(StreamEvent{.id = {}, .message = std::move(message), .retry = {}});
      return;
    }
    const uint64_t seq = next_seq_++;
    if (stream_ &&
        !stream_->Send(StreamEvent{.id = EventId(seq), .message = message, .retry = {}})) {
      stream_.reset();  // gone again: the log keeps the event for the next resumption
    }
    std::lock_guard session_lock(setup_.session->mutex);
    const auto log = setup_.session->post_streams.find(stream_number_);
    if (log == setup_.session->post_streams.end()) return;
    log->second.events.emplace_back(seq, std::move(message));
    log->second.ended = last;
  }

  std::string EventId(uint64_t seq) const {
    return std::to_string(stream_number_) + "-" + std::to_string(seq);
  }

  // Called with mutex_ held, once the call has ended: the session lets go of it.
  void Forget() {
    if (!setup_.session) return;
    std::lock_guard lock(setup_.session->mutex);
    setup_.session->active_calls.erase(IdKey(setup_.id));
    std::erase_if(setup_.session->pending_inputs,
                  [this](const auto& entry) { return entry.second.first.get() == this; });
  }

  const Setup setup_;
  json::object input_responses_;
  std::optional<std::string> request_state_;
  std::atomic<bool> cancelled_{false};

  static constexpr size_t kMaxStreamLogs = 32;

  std::mutex mutex_;  // guards channel_, stream_, finished_, stream_number_, next_seq_
  std::unique_ptr<Channel> channel_;  // null once answered, or once the stream is open
  std::shared_ptr<Stream> stream_;    // null before streaming, or while detached
  bool finished_ = false;
  bool resumable_ = false;      // set once by Attach
  uint64_t stream_number_ = 0;  // non-zero once a resumable stream was opened
  uint64_t next_seq_ = 1;

  std::mutex gather_mutex_;  // guards gathered_, awaiting_
  json::object gathered_;
  size_t awaiting_ = 0;
};

}  // namespace taskwire::mcp
