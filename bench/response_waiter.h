#pragma once

// The benchmarks' stand-in for a connection: takes the one answer to a request and lets the
// benchmark thread wait for it, as a connection would.

#include <condition_variable>
#include <mutex>
#include <string>

#include "http/responder.h"

namespace taskwire::bench {

class ResponseWaiter final : public http::ResponseSink {
 public:
  void Send(http::Response response) override {
    std::lock_guard lock(mutex_);
    body_ = std::move(response.body);
    done_ = true;
    cv_.notify_one();
  }
  std::shared_ptr<http::EventStream> StartEventStream(http::Response) override { return nullptr; }
  bool cancelled() const override { return false; }
  void OnCancel(std::function<void()>) override {}

  // The response body, once it has arrived.
  std::string Wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return done_; });
    return body_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mutex_, with body_
  std::string body_;
};

}  // namespace taskwire::bench
