#include "testing/response_recorder.h"

#include <condition_variable>
#include <mutex>

namespace taskwire::testing {

struct ResponseRecorder::State {
  mutable std::mutex mutex;  // guards everything below
  mutable std::condition_variable changed;
  std::vector<http::Response> sent;
  std::optional<http::Response> stream_head;
  std::vector<std::string> events;
  std::vector<http::SseEvent> whole_events;
  bool stream_closed = false;
  std::optional<std::chrono::milliseconds> close_after;
  bool cancelled = false;
  std::vector<std::function<void()>> on_cancel;
  std::vector<std::function<void()>> on_close;
};

namespace {

class RecordingStream final : public http::EventStream {
 public:
  explicit RecordingStream(std::shared_ptr<ResponseRecorder::State> state)
      : state_(std::move(state)) {}

  bool Send(const http::SseEvent& event) override {
    std::lock_guard lock(state_->mutex);
    if (state_->stream_closed) return false;
    state_->events.push_back(event.data);
    state_->whole_events.push_back(event);
    state_->changed.notify_all();
    return true;
  }
  bool SendComment(std::string_view) override {
    std::lock_guard lock(state_->mutex);
    return !state_->stream_closed;
  }
  void Close() override {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(state_->mutex);
      if (state_->stream_closed) return;
      state_->stream_closed = true;
      callbacks.swap(state_->on_close);
      state_->changed.notify_all();
    }
    for (auto& callback : callbacks) callback();
  }
  void CloseAfter(std::chrono::milliseconds delay) override {
    std::lock_guard lock(state_->mutex);
    state_->close_after = delay;
  }
  bool closed() const override {
    std::lock_guard lock(state_->mutex);
    return state_->stream_closed;
  }
  void OnClose(std::function<void()> callback) override {
    {
      std::lock_guard lock(state_->mutex);
      if (!state_->stream_closed) {
        state_->on_close.push_back(std::move(callback));
        return;
      }
    }
    callback();
  }

 private:
  std::shared_ptr<ResponseRecorder::State> state_;
};

}  // namespace

ResponseRecorder::ResponseRecorder() : state_(std::make_shared<State>()) {}

void ResponseRecorder::Send(http::Response response) {
  std::lock_guard lock(state_->mutex);
  state_->sent.push_back(std::move(response));
  state_->changed.notify_all();
}

std::shared_ptr<http::EventStream> ResponseRecorder::StartEventStream(http::Response head) {
  std::lock_guard lock(state_->mutex);
  state_->stream_head = std::move(head);
  state_->changed.notify_all();
  return std::make_shared<RecordingStream>(state_);
}

bool ResponseRecorder::cancelled() const {
  std::lock_guard lock(state_->mutex);
  return state_->cancelled;
}

void ResponseRecorder::OnCancel(std::function<void()> callback) {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->cancelled) {
      state_->on_cancel.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

void ResponseRecorder::Cancel() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(state_->mutex);
    state_->cancelled = true;
    callbacks.swap(state_->on_cancel);
  }
  for (auto& callback : callbacks) callback();
}

std::vector<http::Response> ResponseRecorder::sent() const {
  std::lock_guard lock(state_->mutex);
  return state_->sent;
}

std::optional<http::Response> ResponseRecorder::response() const {
  std::lock_guard lock(state_->mutex);
  if (state_->sent.empty()) return std::nullopt;
  return state_->sent.back();
}

std::optional<http::Response> ResponseRecorder::stream_head() const {
  std::lock_guard lock(state_->mutex);
  return state_->stream_head;
}

std::vector<http::SseEvent> ResponseRecorder::whole_events() const {
  std::lock_guard lock(state_->mutex);
  return state_->whole_events;
}

std::vector<std::string> ResponseRecorder::events() const {
  std::lock_guard lock(state_->mutex);
  return state_->events;
}

bool ResponseRecorder::stream_closed() const {
  std::lock_guard lock(state_->mutex);
  return state_->stream_closed;
}

std::optional<std::chrono::milliseconds> ResponseRecorder::close_after() const {
  std::lock_guard lock(state_->mutex);
  return state_->close_after;
}

bool ResponseRecorder::WaitDone(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout,
                                  [&] { return !state_->sent.empty() || state_->stream_closed; });
}

bool ResponseRecorder::WaitEvents(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->events.size() >= count; });
}

}  // namespace taskwire::testing
